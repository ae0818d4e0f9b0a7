"""Training the Rasa model, only when no model matches the training data.

A model is named after a fingerprint of everything that shapes it (pipeline, the domain
and rules built from the content catalogue, training data and the phrases added in the
admin interface, our NLU components, the versions of Rasa and of the libraries pickled into
the model), so an unchanged project never retrains, an upgraded library never loads an
incompatible model, and an edited answer (content, not training data) never triggers
training.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

from bot import PROJECT_ROOT
from bot.content.files import CONTENT_DIR
from bot.dialogue import write_project
from bot.nlu.vector_cache import CACHE_DIR_VARIABLE
from bot.nlu.versions import library_versions
from bot.training_data import read_examples, write_examples

logger = logging.getLogger(__name__)

MODEL_PREFIX = "digibridge-"
KEEP_MODELS = 3
TRAINING_DATA = ("data/nlu", "data/rules.yml", "data/stories.yml")
FINGERPRINTED = ("config.yml", *TRAINING_DATA, "bot/nlu")
BUILD_DIR = "var/build"  # the domain and topic rules built from the catalogue
VECTOR_CACHE_DIR = ".rasa/vectors"  # beside Rasa's own training cache
NLU_FILE = "nlu.yml"  # every language's examples and the added phrases

# (topic, language, text) of a phrase added in the admin interface
Phrase = tuple[str, str, str]


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
    env["RASA_CACHE_DIRECTORY"] = str(PROJECT_ROOT / ".rasa" / "cache")
    env["TF_CPP_MIN_LOG_LEVEL"] = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    env.update(extra or {})
    return env


def training_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """For processes that train or check a model: they may keep sentence vectors of the
    project's own texts (never a user's) in the vector cache."""
    return rasa_environment(
        {CACHE_DIR_VARIABLE: str(PROJECT_ROOT / VECTOR_CACHE_DIR), **(extra or {})}
    )


def build_project(
    root: Path = PROJECT_ROOT, content: Path = CONTENT_DIR, target: Path | None = None
) -> Path:
    """The built domain and topic rules, in `target` (`root/var/build`); the folder."""
    target = target or root / BUILD_DIR
    write_project(target, root, content)
    return target


def data_fingerprint(root: Path = PROJECT_ROOT, phrases: Sequence[Phrase] = ()) -> str:
    """The training examples alone: what the held-out check compares models on."""
    digest = hashlib.sha256()
    for file in sorted((root / "data" / "nlu").glob("*.yml")):
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    for phrase in sorted(phrases):
        digest.update("\0".join(phrase).encode() + b"\n")
    return digest.hexdigest()[:16]


def fingerprint(
    root: Path = PROJECT_ROOT, content: Path = CONTENT_DIR, phrases: Sequence[Phrase] = ()
) -> str:
    """Of everything that shapes the model; the repository's alone when no phrase is added."""
    repository = repository_fingerprint(root, content)
    if not phrases:
        return repository
    digest = hashlib.sha256(repository.encode() + b"\n")
    for phrase in sorted(phrases):
        digest.update("\0".join(phrase).encode() + b"\n")
    return digest.hexdigest()[:16]


def repository_fingerprint(root: Path = PROJECT_ROOT, content: Path = CONTENT_DIR) -> str:
    digest = hashlib.sha256(f"rasa {version('rasa')}\n".encode())
    for name, installed in sorted(library_versions().items()):
        digest.update(f"{name} {installed}\n".encode())
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


def model_path(models_dir: Path, root: Path = PROJECT_ROOT, phrases: Sequence[Phrase] = ()) -> Path:
    return models_dir / f"{MODEL_PREFIX}{fingerprint(root, phrases=phrases)}.tar.gz"


def training_files(build: Path, phrases: Sequence[Phrase] = ()) -> list[str]:
    """The data Rasa trains on: every language's examples and the added phrases in one file
    (Rasa merges training data file by file, copying all merged so far each time: one file
    instead of nine saves about ten seconds), the rules and stories, the built rules."""
    examples: dict[str, list[str]] = {}
    for file in sorted((PROJECT_ROOT / TRAINING_DATA[0]).glob("*.yml")):
        for intent, texts in read_examples(file).items():
            examples.setdefault(intent, []).extend(texts)
    for topic, _, text in sorted(phrases):
        examples.setdefault(topic, []).append(text)
    build.mkdir(parents=True, exist_ok=True)
    write_examples(build / NLU_FILE, examples)
    return [str(build / NLU_FILE), *TRAINING_DATA[1:], str(build / "topic_rules.yml")]


def train_command(
    out_dir: Path, model_name: str, root: Path = PROJECT_ROOT, phrases: Sequence[Phrase] = ()
) -> list[str]:
    """`rasa train` for the whole model (NLU and dialogue), run from the project root."""
    build = build_project(root)
    return [
        sys.executable, "-m", "rasa", "train",
        "--config", "config.yml", "--domain", str(build / "domain.yml"),
        "--data", *training_files(build, phrases),
        "--out", str(out_dir), "--fixed-model-name", model_name,
    ]  # fmt: skip


def ensure_model(
    models_dir: Path,
    force: bool = False,
    root: Path = PROJECT_ROOT,
    phrases: Sequence[Phrase] = (),
) -> Path:
    """The model for the current training data, training it first if there is none."""
    models_dir.mkdir(parents=True, exist_ok=True)
    target = model_path(models_dir, root, phrases)
    with open(models_dir / ".training.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be training the same model
        if target.exists() and not force:
            logger.info("model %s matches the training data", target.name)
            return target
        logger.info("training %s (this takes a few minutes)", target.name)
        command = train_command(models_dir, target.name.removesuffix(".tar.gz"), root, phrases)
        result = subprocess.run(command, cwd=root, env=training_environment(), check=False)
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
