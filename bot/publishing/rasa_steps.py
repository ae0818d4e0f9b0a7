"""The two Rasa calls of a publish, `rasa data validate` and `rasa train`, as functions a
child process can run (the worker runs them side by side)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path

from bot import PROJECT_ROOT

logger = logging.getLogger(__name__)


class Refused(Exception):
    """The publish stops here; the serving model stays."""


def validation_problems(domain: Path, files: Sequence[str]) -> list[str]:
    """What `rasa data validate --fail-on-warnings` finds wrong; empty when it passes."""
    from rasa.cli.utils import validate_files
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config(
        str(PROJECT_ROOT / "config.yml"), str(domain), list(files)
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            validate_files(fail_on_warnings=True, max_history=None, importer=importer)
        except SystemExit:
            found = [
                " ".join(str(w.message).split())
                for w in caught
                if issubclass(w.category, UserWarning)  # Rasa's; not libraries' deprecations
            ]
            # The domain's payload-only intents are always reported and never the problem.
            found = [f for f in found if "not found in the NLU training data" not in f]
            return found[:5] or ["rasa data validate reported errors"]
    return []


def train_model(
    build: Path, files: Sequence[str], name: str, finetune_from: Path | None
) -> tuple[Path, bool]:
    """Trains `name` into `build/out`; fine-tunes `finetune_from` when Rasa allows it."""
    from rasa.model_training import train

    arguments = {
        "domain": str(build / "domain.yml"),
        "config": str(PROJECT_ROOT / "config.yml"),
        "training_files": list(files),
        "output": str(build / "out"),
        "fixed_model_name": name,
    }
    if finetune_from is not None:
        try:
            result = train(**arguments, model_to_finetune=str(finetune_from))
            if result.code == 0 and result.model:
                return Path(result.model), True
        except (Exception, SystemExit) as error:  # noqa: BLE001 - Rasa says why it can't
            logger.info("fine-tuning is not possible (%s); training from the start", error)
    result = train(**arguments, force_training=True)
    if result.code != 0 or not result.model:
        raise Refused(f"rasa train failed (exit code {result.code})")
    return Path(result.model), False


def rasa_logging() -> None:
    """Rasa's structured logs at INFO (at DEBUG they are verbose, with training texts)."""
    from rasa.utils.log_utils import configure_structlog

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    configure_structlog(logging.INFO)
