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

from bot.content.files import CATALOGUE_FILE, FAMILY_TITLE_KEY, FAMILY_TITLE_SOURCE_KEY
from bot.content.models import Answer, Family, FamilyTitle, Topic


class _BlockDumper(yaml.SafeDumper):
    """Multi-line texts as `|` blocks, as translators write them."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _text)


def export_content(engine: Engine, target: Path) -> int:
    """Writes catalogue, family titles and answers under `target`; the number of answers."""
    with Session(engine, future=True) as session:
        family_rows = list(session.scalars(select(Family).order_by(Family.position)))
        topics = list(session.scalars(select(Topic).order_by(Topic.position)))
        answers = list(session.scalars(select(Answer)))
        titles = list(session.scalars(select(FamilyTitle)))
    families: dict[str, dict] = {}
    for family in family_rows:
        entry: dict = {}
        if family.source:
            entry["source"] = family.source
        if not family.in_menu:
            entry["menu"] = False
        entry["topics"] = {}
        families[family.id] = entry
    for topic in topics:
        entry = {}
        if topic.related:
            entry["related"] = list(topic.related)
        if topic.settings:
            entry["settings"] = list(topic.settings)
        families.setdefault(topic.family, {"topics": {}})["topics"][topic.id] = entry
    target.mkdir(parents=True, exist_ok=True)
    (target / CATALOGUE_FILE).write_text(_dump({"families": families}), encoding="utf-8")
    files: dict[tuple[str, str], dict[str, object]] = {}
    for title in sorted(titles, key=lambda t: t.language):
        if title.family_id not in families:
            continue
        fields: dict[str, object] = {FAMILY_TITLE_KEY: title.title}
        if title.source:
            fields[FAMILY_TITLE_SOURCE_KEY] = title.source
        files[(title.family_id, title.language)] = fields
    order = {topic.id: (topic.family, topic.position) for topic in topics}
    count = 0
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
        count += 1
    for (family, language), content in files.items():
        (target / family).mkdir(exist_ok=True)
        (target / family / f"{language}.yml").write_text(_dump(content), encoding="utf-8")
    return count


def _dump(document: dict) -> str:
    return yaml.dump(document, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=100)
