"""Speech kept in a folder, one file per text and voice, within a size limit.

The key is a digest of everything that makes the sound (engine version, voice, speed,
text), so an edited answer or a new eSpeak NG gets new speech by itself and an old file is
simply never asked for again; the least recently used files go first when the folder is
over its limit. Writes go through a temporary file and a rename, so a reader never sees
half a file, and several gateways may share the folder.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

SUFFIX = ".ogg"


def speech_key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:40]


class SpeechCache:
    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}{SUFFIX}"

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        now = time.time()
        os.utime(path, (now, now))  # recently used: evicted last
        self.hits += 1
        return data

    def put(self, key: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, self._path(key))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.trim()

    def trim(self) -> int:
        """Removes the least recently used files until the folder fits; how many."""
        files = []
        for path in self.folder.glob(f"*{SUFFIX}"):
            try:
                status = path.stat()
            except OSError:
                continue
            files.append((status.st_mtime, status.st_size, path))
        total = sum(size for _, size, _ in files)
        removed = 0
        for _, size, path in sorted(files):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.folder.glob(f"*{SUFFIX}"))
