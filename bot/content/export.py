"""Writing the database's content back to files, in the layout `content sync` reads.

Edits made in the database (by an administrator) can so be reviewed, versioned and
shipped like the files in `data/content/`.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.content.files import CATALOGUE_FILE
from bot.content.models import Answer, Topic


class _BlockDumper(yaml.SafeDumper):
    """Multi-line texts as `|` blocks, as translators write them."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _text)


def export_content(engine: Engine, target: Path) -> int:
    """Writes catalogue and answers under `target`; the number of answers written."""
    with Session(engine, future=True) as session:
        topics = list(session.scalars(select(Topic).order_by(Topic.position)))
        answers = list(session.scalars(select(Answer)))
    families: dict[str, dict[str, dict]] = {}
    for topic in topics:
        entry = {}
        if topic.related:
            entry["related"] = list(topic.related)
        if topic.settings:
            entry["settings"] = list(topic.settings)
        families.setdefault(topic.family, {})[topic.id] = entry
    target.mkdir(parents=True, exist_ok=True)
    catalogue = {"families": {name: {"topics": t} for name, t in families.items()}}
    (target / CATALOGUE_FILE).write_text(_dump(catalogue), encoding="utf-8")
    order = {topic.id: (topic.family, topic.position) for topic in topics}
    files: dict[tuple[str, str], dict[str, dict]] = {}
    for answer in sorted(answers, key=lambda a: order.get(a.topic_id, ("", 0))[1]):
        if answer.topic_id not in order:
            continue
        fields = {"title": answer.title, "text": answer.text + "\n"}
        if answer.more:
            fields["more"] = answer.more + "\n"
        if answer.source:
            fields["source"] = answer.source
        family = order[answer.topic_id][0]
        files.setdefault((family, answer.language), {})[answer.topic_id] = fields
    for (family, language), content in files.items():
        (target / family).mkdir(exist_ok=True)
        (target / family / f"{language}.yml").write_text(_dump(content), encoding="utf-8")
    return sum(len(content) for content in files.values())


def _dump(document: dict) -> str:
    return yaml.dump(document, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=100)
