"""Training phrases added on the admin side, beside the examples of `data/nlu/`.

A phrase is refused when it already means another topic (in the files or in the database):
two topics trained on the same words would make both less certain. Phrases reach the model
with the next training; `digibridge nlu export` writes them into `data/nlu/<lang>.yml` for
the repository.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.admin import audit
from bot.admin.models import TrainingPhrase
from bot.content.models import Topic
from bot.i18n.locales import SUPPORTED_LANGUAGES
from bot.nlu.text import words
from bot.training_data import NLU_DIR, read_examples, write_examples

MAX_PHRASE_CHARS = 300


class PhraseError(ValueError):
    """A phrase that cannot be added; `topic` is the other topic it already means."""

    def __init__(self, message: str, topic: str | None = None) -> None:
        super().__init__(message)
        self.topic = topic


def _key(text: str) -> str:
    """Phrases that differ only in case, accents' spacing or punctuation are the same."""
    return " ".join(words(text))


def _file_examples(language: str, nlu_dir: Path) -> dict[str, list[str]]:
    path = nlu_dir / f"{language}.yml"
    return read_examples(path) if path.is_file() else {}


def _meaning(session: Session, language: str, text: str, nlu_dir: Path) -> str | None:
    """The topic a phrase already trains, if any."""
    key = _key(text)
    for intent, texts in _file_examples(language, nlu_dir).items():
        if any(_key(t) == key for t in texts):
            return intent
    query = select(TrainingPhrase).where(TrainingPhrase.language == language)
    for phrase in session.scalars(query):
        if _key(phrase.text) == key:
            return phrase.topic_id
    return None


def add(
    session: Session, topic: str, language: str, text: str, actor: str,
    nlu_dir: Path = NLU_DIR,
) -> bool:  # fmt: skip
    """Adds a phrase inside `session`; False when the topic has it already."""
    text = " ".join(text.split())
    if language not in SUPPORTED_LANGUAGES:
        raise PhraseError(f"unknown language {language!r}")
    if session.get(Topic, topic) is None:
        raise PhraseError(f"unknown topic {topic!r}")
    if not _key(text) or len(text) > MAX_PHRASE_CHARS:
        raise PhraseError(f"a phrase has words, and at most {MAX_PHRASE_CHARS} characters")
    meaning = _meaning(session, language, text, nlu_dir)
    if meaning == topic:
        return False
    if meaning is not None:
        raise PhraseError(f"{text!r} already means {meaning!r}", topic=meaning)
    session.add(TrainingPhrase(topic_id=topic, language=language, text=text, added_by=actor))
    audit.record(session, actor, "phrase.add", f"{topic}/{language}", None, text)
    return True


def add_one(engine: Engine, topic: str, language: str, text: str, actor: str) -> bool:
    """`add` in a transaction of its own."""
    with Session(engine, future=True) as session, session.begin():
        return add(session, topic, language, text, actor)


def listed(engine: Engine, topic: str, language: str, nlu_dir: Path = NLU_DIR) -> dict[str, Any]:
    """The topic's phrases in a language: those added here, and those in the files."""
    with Session(engine, future=True) as session:
        if session.get(Topic, topic) is None:
            raise LookupError(f"unknown topic {topic!r}")
        query = select(TrainingPhrase).where(
            TrainingPhrase.topic_id == topic, TrainingPhrase.language == language
        )
        added = [{"id": p.id, "text": p.text, "added_by": p.added_by,
                  "created_at": p.created_at.isoformat()}
                 for p in session.scalars(query.order_by(TrainingPhrase.id))]  # fmt: skip
    return {"topic": topic, "language": language, "added": added,
            "in_files": _file_examples(language, nlu_dir).get(topic, [])}  # fmt: skip


def remove(engine: Engine, topic: str, language: str, text: str, actor: str) -> int:
    """Removes a phrase added here (those in the files are changed in the repository)."""
    with Session(engine, future=True) as session, session.begin():
        query = select(TrainingPhrase).where(
            TrainingPhrase.topic_id == topic, TrainingPhrase.language == language
        )
        ids = [p.id for p in session.scalars(query) if _key(p.text) == _key(text)]
        if ids:
            session.execute(delete(TrainingPhrase).where(TrainingPhrase.id.in_(ids)))
            audit.record(session, actor, "phrase.remove", f"{topic}/{language}", text, None)
        return len(ids)


def everything(engine: Engine) -> list[dict[str, Any]]:
    """Every phrase added here, oldest first."""
    with Session(engine, future=True) as session:
        rows = session.scalars(select(TrainingPhrase).order_by(TrainingPhrase.id))
        return [{"id": r.id, "topic": r.topic_id, "language": r.language, "text": r.text,
                 "added_by": r.added_by} for r in rows]  # fmt: skip


def export(engine: Engine, nlu_dir: Path = NLU_DIR) -> dict[str, int]:
    """Writes the phrases added here into `nlu_dir/<lang>.yml`; how many per language."""
    written: dict[str, int] = {}
    by_language: dict[str, list[TrainingPhrase]] = {}
    with Session(engine, future=True) as session:
        for phrase in session.scalars(select(TrainingPhrase).order_by(TrainingPhrase.id)):
            by_language.setdefault(phrase.language, []).append(phrase)
    for language, found in sorted(by_language.items()):
        examples = _file_examples(language, nlu_dir)
        known = {_key(t) for texts in examples.values() for t in texts}
        count = 0
        for phrase in found:
            if _key(phrase.text) not in known:
                examples.setdefault(phrase.topic_id, []).append(phrase.text)
                known.add(_key(phrase.text))
                count += 1
        if count:
            write_examples(nlu_dir / f"{language}.yml", examples)
        written[language] = count
    return written
