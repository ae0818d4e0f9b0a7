"""The model registry: every model that served or could serve, and which one serves.

The serving model is the one activated last. Activating is all a swap needs: the Rasa
servers pull the serving model from the gateway (`bot.publishing.model_server`), so a
restarted server comes back on it too, and a rollback is one more activation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.admin import audit
from bot.admin.models import TrainingPhrase
from bot.nlu.versions import IncompatibleModel, differences, library_versions
from bot.publishing.models import TrainedModel, utcnow
from bot.training import (
    MODEL_PREFIX,
    Phrase,
    TrainingError,
    data_fingerprint,
    ensure_model,
    model_path,
    repository_fingerprint,
)

logger = logging.getLogger(__name__)

ARCHIVE_SUFFIX = ".tar.gz"


@dataclass(frozen=True)
class ModelFacts:
    """What a model was made from, for its registry entry."""

    repository_fingerprint: str
    data_fingerprint: str
    phrases: int

    @classmethod
    def now(cls, phrases: list[Phrase]) -> ModelFacts:
        return cls(repository_fingerprint(), data_fingerprint(phrases=phrases), len(phrases))


def archive(models_dir: Path, name: str) -> Path:
    return models_dir / f"{name}{ARCHIVE_SUFFIX}"


def added_phrases(session: Session) -> list[Phrase]:
    rows = session.scalars(select(TrainingPhrase).order_by(TrainingPhrase.id))
    return sorted((r.topic_id, r.language, r.text) for r in rows)


def serving(session: Session) -> TrainedModel | None:
    query = (
        select(TrainedModel)
        .where(TrainedModel.activated_at.is_not(None))
        .order_by(TrainedModel.activated_at.desc(), TrainedModel.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def serving_name(engine: Engine) -> str | None:
    with Session(engine, future=True) as session:
        model = serving(session)
        return model.name if model is not None else None


def register(
    session: Session,
    name: str,
    facts: ModelFacts,
    created_by: str,
    **details: Any,
) -> TrainedModel:
    """The entry for a model archive, added when it is new (two instances starting at
    once may both add it: the second then takes the first's)."""
    query = select(TrainedModel).where(TrainedModel.name == name)
    model = session.scalars(query).first()
    if model is None:
        model = TrainedModel(
            name=name,
            fingerprint=name.removeprefix(MODEL_PREFIX),
            repository_fingerprint=facts.repository_fingerprint,
            data_fingerprint=facts.data_fingerprint,
            phrases=facts.phrases,
            versions=library_versions(),
            created_by=created_by,
            finetuned=bool(details.pop("finetuned", False)),
        )
        try:
            with session.begin_nested():
                session.add(model)
        except IntegrityError:
            model = session.scalars(query).one()
    for key, value in details.items():
        setattr(model, key, value)
    session.flush()
    return model


def refusal(model: TrainedModel, models_dir: Path) -> str | None:
    """Why this model cannot serve here, or None."""
    if not archive(models_dir, model.name).is_file():
        return f"the file of {model.name} is no longer in the models folder"
    changed = differences(model.versions or {})
    if changed:
        return (
            f"{model.name} was trained with other library versions: {', '.join(changed)}; "
            "publish again to train a model for this installation"
        )
    return None


def activate(session: Session, name: str, models_dir: Path, actor: str) -> TrainedModel:
    """Makes `name` the serving model; IncompatibleModel (or LookupError) when it can't be."""
    model = session.scalars(select(TrainedModel).where(TrainedModel.name == name)).first()
    if model is None:
        raise LookupError(f"no model {name!r} in the registry")
    reason = refusal(model, models_dir)
    if reason:
        raise IncompatibleModel(reason)
    before = serving(session)
    model.activated_at = utcnow()
    audit.record(session, actor, "model.activate", name, before.name if before else None, name)
    return model


def choose_model(engine: Engine, name: str, models_dir: Path, actor: str) -> None:
    """`activate` in a transaction of its own."""
    with Session(engine, future=True) as session, session.begin():
        activate(session, name, models_dir, actor)


def unpublished_changes(engine: Engine) -> bool:
    """True when the phrases added or removed here differ from the serving model's."""
    with Session(engine, future=True) as session:
        model = serving(session)
        phrases = added_phrases(session)
    return model is None or model.data_fingerprint != data_fingerprint(phrases=phrases)


def listing(engine: Engine, models_dir: Path) -> list[dict[str, Any]]:
    """The registry, newest first, the serving model marked."""
    with Session(engine, future=True) as session:
        current = serving(session)
        rows = session.scalars(select(TrainedModel).order_by(TrainedModel.id.desc()))
        return [
            {
                "id": m.name,
                "name": m.name,
                "fingerprint": m.fingerprint,
                "repository_fingerprint": m.repository_fingerprint,
                "data_fingerprint": m.data_fingerprint,
                "versions": m.versions,
                "phrases": m.phrases,
                "accuracy": m.accuracy,
                "finetuned": m.finetuned,
                "training_seconds": m.training_seconds,
                "created_by": m.created_by,
                "created_at": m.created_at.isoformat(),
                "activated_at": m.activated_at.isoformat() if m.activated_at else None,
                "serving": current is not None and m.id == current.id,
                "refused": refusal(m, models_dir),
            }
            for m in rows
        ]


def prepare_serving(engine: Engine, models_dir: Path, train: bool = True) -> Path:
    """The model `digibridge up` serves: the registry's serving one while it still fits this
    project and installation (so a rollback survives a restart); otherwise the model of the
    current training data, trained first when missing, registered and activated."""
    with Session(engine, future=True) as session, session.begin():
        current = serving(session)
        phrases = added_phrases(session)
        facts = ModelFacts.now(phrases)
        if (
            current is not None
            and current.repository_fingerprint == facts.repository_fingerprint
            and refusal(current, models_dir) is None
        ):
            return archive(models_dir, current.name)
    if train:
        path = ensure_model(models_dir, phrases=phrases)
    else:
        path = model_path(models_dir, phrases=phrases)
        if not path.exists():
            raise TrainingError(
                f"no model matches the training data ({path.name} is missing in "
                f"{models_dir}): run `digibridge train` first"
            )
    name = path.name.removesuffix(ARCHIVE_SUFFIX)
    with Session(engine, future=True) as session, session.begin():
        register(session, name, facts, "digibridge up")
        activate(session, name, models_dir, "digibridge up")
    logger.info("serving %s", name)
    return path
