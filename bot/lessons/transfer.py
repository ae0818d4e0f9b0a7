"""Lesson texts out and in for translators: PO (one entry per field, the English as msgid),
CSV (key, language, English, text) and YAML (the shape of `data/lessons/<lang>.yml`).

A field is named by its key: `strong_passwords.title`, `strong_passwords.steps.2`,
`strong_passwords.quiz.q1.options.b`, `selfcheck.s3.feedback.a`, `areas.safety`. An empty
translation keeps the current text; a fuzzy PO entry is skipped. Nothing is saved unless
the whole, with the imported texts, passes the lessons' checks.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po

from bot.admin.transfer import BOM, ImportRefused, guard_cell, unguard_cell
from bot.content.files import ContentError
from bot.i18n.locales import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.lessons.catalogue import AREAS_ITEM, SELFCHECK_ITEM
from bot.lessons.library import LessonLibrary

CSV_COLUMNS = ("key", "language", "english", "text")


def flatten(item: str, document: dict[str, Any]) -> list[tuple[str, str]]:
    """An item's text as (key, value) pairs, in reading order."""
    if item == AREAS_ITEM:
        return [(f"{item}.{area}", name) for area, name in document.items()]
    pairs: list[tuple[str, str]] = []
    questions = document
    if item != SELFCHECK_ITEM:
        pairs += [(f"{item}.title", document["title"]), (f"{item}.summary", document["summary"])]
        pairs += [(f"{item}.steps.{n}", step) for n, step in enumerate(document["steps"], 1)]
        questions = document["quiz"]
        item = f"{item}.quiz"
    for qid, question in questions.items():
        pairs.append((f"{item}.{qid}.question", question["question"]))
        for part in ("options", "feedback"):
            pairs += [(f"{item}.{qid}.{part}.{o}", v) for o, v in question[part].items()]
    return pairs


def apply(document: dict[str, Any], item: str, key: str, value: str) -> bool:
    """Puts `value` at `key` in a copy-friendly nested document; False for an unknown key."""
    parts = key.split(".")
    if parts[0] != item:
        return False
    path = parts[1:]
    node: Any = document
    try:
        for index, part in enumerate(path):
            last = index == len(path) - 1
            if isinstance(node, list):
                position = int(part) - 1
                if not 0 <= position < len(node):
                    return False
                if last:
                    node[position] = value
                    return True
                node = node[position]
            elif isinstance(node, dict) and part in node:
                if last:
                    if not isinstance(node[part], str):
                        return False
                    node[part] = value
                    return True
                node = node[part]
            else:
                return False
    except ValueError:
        return False
    return False


def export_texts(library: LessonLibrary, fmt: str, language: str) -> tuple[str, bytes]:
    """(file name, contents) of every lesson text in `language`, with the English."""
    pairs: list[tuple[str, str, str]] = []
    for item in library.items():
        english = dict(flatten(item, library.document(item, DEFAULT_LANGUAGE)))
        own = library.has_own(item, language)
        for key, value in flatten(item, library.document(item, language)):
            pairs.append((key, english.get(key, ""), value if own else ""))
    name = f"lessons-{language}.{fmt}"
    if fmt == "po":
        now = datetime.now(timezone.utc)
        catalog = Catalog(
            locale=language, project="DigiBridge", version="lessons", creation_date=now,
            revision_date=now, fuzzy=False,
            header_comment=(
                f"# DigiBridge lessons ({language}). Translate each msgstr; an empty one keeps\n"
                "# the current text, a fuzzy one is skipped."
            ),
        )  # fmt: skip
        for key, english, text in pairs:
            if english:
                catalog.add(english, text, context=key)
        buffer = io.BytesIO()
        write_po(buffer, catalog, no_location=True)
        return name, buffer.getvalue()
    if fmt == "csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for key, english, text in pairs:
            writer.writerow((key, language, guard_cell(english), guard_cell(text)))
        return name, (BOM + out.getvalue()).encode("utf-8")
    if fmt == "yaml":
        document: dict[str, Any] = {"language": language, "lessons": {}}
        for item in library.items():
            if not library.has_own(item, language):
                continue
            text = library.document(item, language)
            if item in (SELFCHECK_ITEM, AREAS_ITEM):
                document[item] = text
            else:
                document["lessons"][item] = text
        body = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=4096)
        return name, body.encode("utf-8")
    raise ValueError(f"unknown format {fmt!r} (po, csv or yaml)")


def _entries(fmt: str, data: bytes, name: str) -> tuple[str, list[tuple[str, str]]]:
    """(language, [(key, text)]) read from an uploaded file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused([f"{name}: not UTF-8 text"]) from None
    if fmt == "po":
        try:
            catalog = read_po(io.StringIO(text), abort_invalid=True)
        except (PoFileError, ValueError, IndexError) as error:
            raise ImportRefused([f"{name}: not a valid PO file ({error})"]) from None
        entries = [
            (m.context or "", str(m.string).replace("\r\n", "\n").strip())
            for m in catalog
            if m.id and not m.fuzzy and m.context
        ]
        return catalog.locale_identifier or "", entries
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        if rows and set(CSV_COLUMNS) - set(rows[0]):
            raise ImportRefused([f"{name}: the columns must be {', '.join(CSV_COLUMNS)}"])
        languages = {row["language"] for row in rows}
        if len(languages) > 1:
            raise ImportRefused([f"{name}: one language per file (found {sorted(languages)})"])
        entries = [(row["key"], unguard_cell(row["text"] or "").strip()) for row in rows]
        return (languages.pop() if languages else ""), entries
    if fmt == "yaml":
        try:
            document = yaml.safe_load(text) or {}
        except yaml.YAMLError as error:
            raise ImportRefused([f"{name}: invalid YAML ({error})"]) from None
        if not isinstance(document, dict):
            raise ImportRefused([f"{name}: expected a mapping with language and lessons"])
        entries = []
        for item, part in (document.get("lessons") or {}).items():
            entries += flatten(str(item), part) if isinstance(part, dict) else []
        for item in (SELFCHECK_ITEM, AREAS_ITEM):
            if isinstance(document.get(item), dict):
                entries += flatten(item, document[item])
        return str(document.get("language") or ""), entries
    raise ImportRefused([f"{name}: unknown format (po, csv or yaml)"])


def import_texts(
    library: LessonLibrary, fmt: str, data: bytes, name: str, actor: str,
    may_edit: Callable[[str], bool] = lambda language: True,
) -> int:  # fmt: skip
    """Serves the translations in an uploaded file; the number of fields changed."""
    language, entries = _entries(fmt, data, name)
    if language not in SUPPORTED_LANGUAGES:
        raise ImportRefused([f"{name}: unknown or missing language {language!r}"])
    if not may_edit(language):
        raise ImportRefused([f"{name}: your account may not edit {language}"])
    items = library.items()
    documents: dict[str, dict[str, Any]] = {}
    unknown = []
    changed = 0
    for key, value in entries:
        if not value:
            continue  # an empty translation keeps the current text
        item = key.split(".", 1)[0]
        if item not in items:
            unknown.append(key)
            continue
        if item not in documents:
            documents[item] = library.document(item, language)
        before = dict(flatten(item, documents[item])).get(key)
        if not apply(documents[item], item, key, value):
            unknown.append(key)
        elif before != value:
            changed += 1
    if unknown:
        raise ImportRefused([f"{name}: unknown keys: {', '.join(unknown[:10])}"])
    for item, document in documents.items():
        if not library.has_own(item, language):
            given = {k for k, v in entries if v and k.split(".", 1)[0] == item}
            missing = [k for k, _ in flatten(item, document) if k not in given]
            if missing:
                raise ImportRefused(
                    [f"{name}: {item} has no {language} text yet: translate all of it "
                     f"({len(missing)} fields missing, e.g. {missing[0]})"]
                )  # fmt: skip
    if changed:
        try:
            library.save({(item, language): doc for item, doc in documents.items()}, actor)
        except ContentError as problem:
            raise ImportRefused(str(problem).splitlines()) from None
    return changed
