"""`python -m bot.publishing.worker JOB`: one publish, from the training data to every Rasa
server answering with the new model.

The gateway starts it as a child process (training takes both cores' worth of memory and
time; the gateway keeps answering). Stages, as the job reports them:

1. training: `rasa train` in a child process, fine-tuning the serving model (Rasa's
   incremental training) when only examples changed, with sentence vectors of known texts
   from the vector cache; meanwhile `rasa data validate` on the data with the added phrases
   and, the first time, the serving model's own held-out score;
2. checking: right answers per language on the held-out questions, against the serving
   model's, within `DIGIBRIDGE_PUBLISH_MAX_DROP` points;
3. swapping: the model is registered and activated, and the job waits until every Rasa
   server reports it (they pull it from the gateway's model endpoint).

Any refusal leaves the serving model in place and says why.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import multiprocessing.pool
import os
import shutil
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.db.engine import create_database_engine
from bot.publishing import jobs
from bot.publishing.evaluation import Example, accuracy_per_language, drops, held_out_examples
from bot.publishing.rasa_steps import Refused, rasa_logging, train_model, validation_problems
from bot.publishing.registry import (
    ARCHIVE_SUFFIX,
    ModelFacts,
    activate,
    added_phrases,
    archive,
    register,
    serving,
)
from bot.settings import Settings
from bot.training import MODEL_PREFIX, Phrase, build_project, fingerprint, training_files

logger = logging.getLogger(__name__)

RASA_URLS_VARIABLE = "DIGIBRIDGE_RUNTIME_RASA_URLS"
RASA_TOKEN_VARIABLE = "DIGIBRIDGE_RUNTIME_PUBLISH_TOKEN"  # noqa: S105 - a name
SWAP_TIMEOUT = 120.0
FULL_TRAINING_SECONDS = 420.0  # a first guess for the progress bar, until measured
FINETUNING_SECONDS = 40.0


@dataclass(frozen=True)
class Serving:
    name: str
    path: Path
    repository_fingerprint: str
    accuracy: dict[str, float] | None
    training_seconds: float | None
    finetuned: bool


class Progress(threading.Thread):
    """Moves the job's progress along while a long step runs, and shows it is alive."""

    def __init__(self, engine: Engine, job: int, start: float, span: float, seconds: float):
        super().__init__(daemon=True)
        self._engine, self._job = engine, job
        self._start, self._span, self._seconds = start, span, max(seconds, 1.0)
        self._finished = threading.Event()

    def run(self) -> None:
        began = time.monotonic()
        while not self._finished.wait(1.0):
            done = min(0.97, (time.monotonic() - began) / self._seconds)
            jobs.report(self._engine, self._job, progress=self._start + self._span * done)

    def __enter__(self) -> Progress:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._finished.set()
        self.join()


def wait_for_servers(urls: Sequence[str], token: str, name: str, on_progress) -> list[str]:  # noqa: ANN001
    """Waits until every Rasa server serves `name`; the ones that did not in time."""
    waiting = list(urls)
    deadline = time.monotonic() + SWAP_TIMEOUT
    while waiting and time.monotonic() < deadline:
        for url in list(waiting):
            if _served_model(url, token) == f"{name}{ARCHIVE_SUFFIX}":
                waiting.remove(url)
        on_progress(1 - len(waiting) / max(len(urls), 1))
        if waiting:
            time.sleep(0.5)
    return waiting


def _served_model(url: str, token: str) -> str | None:
    request = urllib.request.Request(f"{url.rstrip('/')}/status?token={token}")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310 - our Rasa
            return json.loads(response.read()).get("model_file")
    except (OSError, ValueError, urllib.error.URLError):
        return None


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _serving(session: Session, models_dir: Path) -> Serving | None:
    model = serving(session)
    if model is None:
        return None
    return Serving(
        model.name, archive(models_dir, model.name), model.repository_fingerprint,
        model.accuracy, model.training_seconds, model.finetuned,
    )  # fmt: skip


class _TrainingBeside:
    """`rasa train` in a child process while this one runs `rasa data validate`: the two
    take about 40 and 10 s, so side by side a publish is live 10 s sooner (the worker runs at
    the lowest priority: the people being answered still come first). Leaving the block
    stops a training still running, so a refusal is told at once."""

    def __init__(self) -> None:
        self._pool: multiprocessing.pool.Pool | None = None
        self._training: multiprocessing.pool.AsyncResult | None = None
        self._began = 0.0
        self.seconds: float | None = None

    @property
    def started(self) -> bool:
        return self._training is not None

    def start(self, build: Path, files: Sequence[str], name: str, finetune: Path | None) -> None:
        # spawn: this process has threads and database connections a fork would copy
        self._pool = multiprocessing.get_context("spawn").Pool(1, initializer=rasa_logging)
        self._began = time.monotonic()
        self._training = self._pool.apply_async(train_model, (build, list(files), name, finetune))

    def result(self) -> tuple[Path, bool]:
        assert self._training is not None
        trained = self._training.get()
        self.seconds = time.monotonic() - self._began
        return trained

    def __enter__(self) -> _TrainingBeside:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()


def _serving_accuracy(
    engine: Engine, current: Serving | None, facts: ModelFacts, examples: list[Example]
) -> dict[str, float] | None:
    """The serving model's held-out score, measured and kept the first time it is needed."""
    if current is None or current.accuracy is not None or not current.path.is_file():
        return current.accuracy if current is not None else None
    accuracy = accuracy_per_language(current.path, examples)
    with Session(engine, future=True) as session, session.begin():
        register(session, current.name, facts, "digibridge", accuracy=accuracy)
    return accuracy


def publish(engine: Engine, settings: Settings, job: int, urls: Sequence[str], token: str) -> None:
    models_dir = settings.models_dir
    jobs.report(engine, job, progress=0.02, message="Checking the training data")
    with Session(engine, future=True) as session:
        phrases: list[Phrase] = added_phrases(session)
        current = _serving(session, models_dir)
    facts = ModelFacts.now(phrases)
    build = settings.data_dir / "publish" / f"job-{job}"
    shutil.rmtree(build, ignore_errors=True)
    build_project(target=build)
    files = training_files(build, phrases)

    name = MODEL_PREFIX + fingerprint(phrases=phrases)
    target = archive(models_dir, name)
    if current is not None and current.name == name:
        raise Refused("Nothing to publish: the serving model has every phrase already.")
    finetuned, seconds = False, None
    examples = held_out_examples()
    with _TrainingBeside() as training:
        if target.is_file():
            message = "This data was trained before: reusing it"
            jobs.report(engine, job, progress=0.75, message=message)
        else:
            finetune = (
                current is not None
                and current.path.is_file()
                and current.repository_fingerprint == facts.repository_fingerprint
            )
            expected = FULL_TRAINING_SECONDS
            if finetune and current is not None:
                known = current.training_seconds if current.finetuned else None
                expected = known or FINETUNING_SECONDS
            message = "Training (starting from the serving model)" if finetune else "Training"
            jobs.report(engine, job, progress=0.1, message=message, model=name)
            training.start(build, files, name, current.path if finetune and current else None)
        rasa_logging()  # after the training process started: it imports Rasa itself
        problems = validation_problems(build / "domain.yml", files)
        if problems:
            raise Refused(
                "The training data does not pass rasa data validate: " + "; ".join(problems)
            )
        before = _serving_accuracy(engine, current, facts, examples)  # while it trains
        if training.started:
            with Progress(engine, job, 0.1, 0.65, expected):
                trained, finetuned = training.result()
            seconds = training.seconds
            models_dir.mkdir(parents=True, exist_ok=True)
            partial = models_dir / f".{name}.{os.getpid()}.partial"
            shutil.move(str(trained), partial)
            os.replace(partial, target)

    jobs.report(engine, job, jobs.CHECKING, 0.8, "Checking the new model on held-out questions")
    with Progress(engine, job, 0.8, 0.1, 5.0):
        after = accuracy_per_language(target, examples)
    fell = drops(before or {}, after, settings.publish_max_drop)
    if fell:
        target.unlink(missing_ok=True)
        told = ", ".join(
            f"{Locale.parse(lang).english_name} from {_percent(b)} to {_percent(a)}"
            for lang, (b, a) in sorted(fell.items())
        )
        raise Refused(
            f"The new model answers fewer held-out questions right: {told} "
            f"(more than {settings.publish_max_drop:g} point allowed). The serving model stays."
        )

    jobs.report(engine, job, jobs.SWAPPING, 0.9, "Moving every Rasa server to the new model")
    actor = jobs.get(engine, job)["created_by"]  # type: ignore[index]
    with Session(engine, future=True) as session, session.begin():
        register(session, name, facts, actor, accuracy=after, finetuned=finetuned,
                 training_seconds=seconds)  # fmt: skip
        activate(session, name, models_dir, actor)
    late = wait_for_servers(
        urls, token, name, lambda done: jobs.report(engine, job, progress=0.9 + 0.1 * done)
    )
    if late:
        if current is not None:
            with Session(engine, future=True) as session, session.begin():
                activate(session, current.name, models_dir, actor)
        raise Refused(
            f"{len(late)} of {len(urls)} Rasa servers did not load the new model in "
            f"{SWAP_TIMEOUT:.0f} s; the previous model is serving again."
        )
    how = "fine-tuned" if finetuned else "trained"
    took = f" in {seconds:.0f} s" if seconds is not None else ""
    jobs.report(engine, job, jobs.DONE, 1.0,
                f"Live: {name}, {how}{took}, with {len(phrases)} added phrases.")  # fmt: skip


def main(argv: list[str]) -> int:
    (job,) = (int(a) for a in argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    os.nice(19)  # the Rasa servers answering people come first
    settings = Settings.from_env()
    engine = create_database_engine(settings.content_database_url)
    urls = [u for u in os.environ.pop(RASA_URLS_VARIABLE, "").split(",") if u]
    token = os.environ.pop(RASA_TOKEN_VARIABLE, "")
    try:
        publish(engine, settings, job, urls, token)
    except Refused as refusal:
        jobs.report(engine, job, jobs.FAILED, message=str(refusal))
        return 1
    except Exception as error:
        logger.exception("publishing failed")
        jobs.report(engine, job, jobs.FAILED, message=f"Publishing failed: {type(error).__name__}")
        return 1
    finally:
        shutil.rmtree(settings.data_dir / "publish" / f"job-{job}", ignore_errors=True)
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
