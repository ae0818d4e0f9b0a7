"""Sentence vectors kept on disk by text and encoder version, so that training encodes only
the texts it has not seen: adding a handful of phrases costs a handful of encodings, not
fourteen thousand.

Only processes that see project data (training, the publishing check) set
`DIGIBRIDGE_VECTOR_CACHE_DIR`; the Rasa server never does, so no user message is written
to disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

CACHE_DIR_VARIABLE = "DIGIBRIDGE_VECTOR_CACHE_DIR"
KEY_BYTES = 16


def _key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()[:KEY_BYTES]


class VectorCache:
    """Vectors of one encoder (`encoder` names it with its version) in one `.npz` file."""

    def __init__(self, directory: Path, encoder: str, dimension: int) -> None:
        self._path = directory / f"{encoder}.npz"
        self._dimension = dimension
        self._rows: dict[bytes, np.ndarray] = {}
        self._new: dict[bytes, np.ndarray] = {}
        if self._path.is_file():
            try:
                with np.load(self._path) as stored:
                    keys, vectors = stored["keys"], stored["vectors"]
            except (OSError, ValueError, KeyError):
                return  # a damaged cache is only slower: it is rebuilt
            if vectors.ndim == 2 and vectors.shape[1] == dimension:
                self._rows = {k.tobytes(): v for k, v in zip(keys, vectors, strict=True)}

    @classmethod
    def from_environment(cls, encoder: str, dimension: int) -> VectorCache | None:
        directory = os.environ.get(CACHE_DIR_VARIABLE)
        return cls(Path(directory), encoder, dimension) if directory else None

    def __len__(self) -> int:
        return len(self._rows) + len(self._new)

    def get(self, text: str) -> np.ndarray | None:
        key = _key(text)
        found = self._rows.get(key)
        return found if found is not None else self._new.get(key)

    def put(self, text: str, vector: np.ndarray) -> None:
        self._new[_key(text)] = np.asarray(vector, dtype=np.float32).reshape(self._dimension)

    def save(self) -> None:
        """Adds the new vectors to the file (merged with what another process saved)."""
        if not self._new:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            current = VectorCache(self._path.parent, self._path.stem, self._dimension)
            rows = {**current._rows, **self._rows, **self._new}
            keys = np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(-1, KEY_BYTES)
            vectors = np.vstack(list(rows.values())).astype(np.float32)
            handle, temporary = tempfile.mkstemp(dir=self._path.parent, suffix=".npz")
            with os.fdopen(handle, "wb") as file:
                np.savez(file, keys=keys, vectors=vectors)
            os.replace(temporary, self._path)
        self._rows, self._new = rows, {}

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self._path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
