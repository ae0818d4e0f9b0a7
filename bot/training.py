"""Training the Rasa model, only when no model matches the training data.

A model is named after a fingerprint of everything that shapes it (pipeline, the domain
and rules built from the content catalogue, training data, our NLU components, Rasa's
version), so an unchanged project never retrains, and an edited answer (content, not
training data) never triggers training.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from bot import PROJECT_ROOT
from bot.content.files import CONTENT_DIR
from bot.dialogue import write_project

logger = logging.getLogger(__name__)

MODEL_PREFIX = "digibridge-"
KEEP_MODELS = 3
TRAINING_DATA = ("data/nlu", "data/rules.yml", "data/stories.yml")
FINGERPRINTED = ("config.yml", *TRAINING_DATA, "bot/nlu")
BUILD_DIR = "var/build"  # the domain and topic rules built from the catalogue


class TrainingError(RuntimeError):
    pass


# The only variables a child inherits: nothing secret (tokens, database URLs) unless the
# supervisor adds it for the one child that needs it.
INHERITED_VARIABLES = (
    "PATH", "HOME", "USER", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "VIRTUAL_ENV",
    "OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS",
)  # fmt: skip


def rasa_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for Rasa processes: no telemetry (no network here), quiet TensorFlow,
    and only the variables they need."""
    env = {name: os.environ[name] for name in INHERITED_VARIABLES if name in os.environ}
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env["TF_CPP_MIN_LOG_LEVEL"] = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    env.update(extra or {})
    return env


def build_project(root: Path = PROJECT_ROOT, content: Path = CONTENT_DIR) -> Path:
    """The built domain and topic rules, in `root/var/build`; the folder."""
    target = root / BUILD_DIR
    write_project(target, root, content)
    return target


def fingerprint(root: Path = PROJECT_ROOT, content: Path = CONTENT_DIR) -> str:
    digest = hashlib.sha256(f"rasa {version('rasa')}\n".encode())
    build = build_project(root, content)
    for file in (build / "domain.yml", build / "topic_rules.yml"):
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    for name in FINGERPRINTED:
        path = root / name
        files = (
            sorted(p for p in path.rglob("*") if p.suffix in {".yml", ".py"})
            if path.is_dir()
            else [path]
        )
        for file in files:
            digest.update(str(file.relative_to(root)).encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path(models_dir: Path, root: Path = PROJECT_ROOT) -> Path:
    return models_dir / f"{MODEL_PREFIX}{fingerprint(root)}.tar.gz"


def train_command(out_dir: Path, model_name: str, root: Path = PROJECT_ROOT) -> list[str]:
    """`rasa train` for the whole model (NLU and dialogue), run from the project root."""
    build = build_project(root)
    return [
        sys.executable, "-m", "rasa", "train",
        "--config", "config.yml", "--domain", str(build / "domain.yml"),
        "--data", *TRAINING_DATA, str(build / "topic_rules.yml"),
        "--out", str(out_dir), "--fixed-model-name", model_name,
    ]  # fmt: skip


def ensure_model(models_dir: Path, force: bool = False, root: Path = PROJECT_ROOT) -> Path:
    """The model for the current training data, training it first if there is none."""
    models_dir.mkdir(parents=True, exist_ok=True)
    target = model_path(models_dir, root)
    with open(models_dir / ".training.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be training the same model
        if target.exists() and not force:
            logger.info("model %s matches the training data", target.name)
            return target
        logger.info("training %s (this takes a few minutes)", target.name)
        command = train_command(models_dir, target.name.removesuffix(".tar.gz"), root)
        result = subprocess.run(command, cwd=root, env=rasa_environment(), check=False)
        if result.returncode != 0 or not target.exists():
            raise TrainingError(f"rasa train failed with exit code {result.returncode}")
        _prune(models_dir, keep=target)
    return target


def _prune(models_dir: Path, keep: Path) -> None:
    models = sorted(
        models_dir.glob(f"{MODEL_PREFIX}*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for old in models[KEEP_MODELS:]:
        if old != keep:
            old.unlink(missing_ok=True)
