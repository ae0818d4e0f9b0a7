#!/bin/sh
# The image's entrypoint: the model trained into the image (/app/models) joins the models
# folder the gateway serves from (DIGIBRIDGE_MODELS_DIR, a volume that may be older than
# the image), then the command runs as the container's main process. Copied under a
# temporary name and renamed, so a gateway starting beside this one never reads half a file.
set -eu
built="${DIGIBRIDGE_IMAGE_MODELS:-/app/models}"
target="${DIGIBRIDGE_MODELS_DIR:-$built}"
if [ "$target" != "$built" ] && [ -d "$built" ] && mkdir -p "$target" 2>/dev/null && [ -w "$target" ]; then
  for model in "$built"/*.tar.gz; do
    [ -f "$model" ] || continue
    name="${model##*/}"
    if [ ! -e "$target/$name" ]; then
      cp "$model" "$target/.$name.$$" && mv -f "$target/.$name.$$" "$target/$name"
    fi
  done
fi
exec "$@"
