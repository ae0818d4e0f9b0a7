"""Answers round-tripped through files for translators: PO, CSV (for spreadsheets) or YAML.

`export_answers` writes the live answers; `import_answers` reads such a file back and saves
what changed as new revisions (origin "import"), through the same validator and the same
revision and audit trail as an edit in the admin interface. An import is all or nothing:
every entry is checked before any is saved, and a refusal names the file, the entry and
the reason, so a translator can fix the file and send it again.

An entry whose value is empty keeps the current value, so a partly translated file only
changes what was translated. A file made from an English wording that has since changed,
or a translation someone revised after the export, is refused rather than saved over the
newer version: a lost edit is worse than a second export.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone

import yaml
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.admin.answers import AnswerEditor, Edit, InvalidAnswer, NotFound
from bot.content.export import _dump
from bot.content.files import ANSWER_FIELDS, FAMILY_TITLE_KEYS
from bot.content.models import Answer, Topic
from bot.i18n.locales import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

FORMATS = ("po", "csv", "yaml")
FIELDS = ("title", "text", "more")
CSV_COLUMNS = ("topic", "field", "language", "english", "text", "revision")
_REQUIRED_COLUMNS = ("topic", "field", "language", "text")
_EXTENSIONS = {".po": "po", ".csv": "csv", ".yml": "yaml", ".yaml": "yaml"}
_ORIGIN = "import"
_MAX_LISTED_PROBLEMS = 20
BOM = "\ufeff"
# Spreadsheets run a cell that starts with one of these as a formula (many answers start
# with "- "); a leading apostrophe keeps it text, and the import takes it off again.
_FORMULA_START = ("=", "+", "-", "@")
_REVISION_COMMENT = re.compile(r"revision (\d+)")
_CONTEXT = re.compile(r"(\w+)\.(\w+)")
# A PO line outside comments: a keyword and a C string, or a continued C string. Babel
# reads anything else leniently (`msgid foo` as "o"), so the import checks it first.
_PO_STRING = r'"(?:[^"\\]|\\.)*"'
_PO_LINE = re.compile(rf"(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?{_PO_STRING}")
_NULL_TAG = "tag:yaml.org,2002:null"


class ImportRefused(ValueError):
    """The file was not imported and nothing was changed; the message says where and why."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:_MAX_LISTED_PROBLEMS]
        if len(problems) > len(shown):
            shown.append(f"... and {len(problems) - len(shown)} more problems")
        super().__init__("\n".join(shown))
        self.problems = problems


@dataclass
class ImportReport:
    changed: list[str] = field(default_factory=list)  # "topic [lang]"
    unchanged: int = 0  # answers in the file that it leaves as they are

    def summary(self) -> str:
        lines = [f"{len(self.changed)} changed, {self.unchanged} unchanged"]
        lines += [f"  changed {item}" for item in self.changed]
        return "\n".join(lines)


@dataclass(frozen=True)
class _Entry:
    """One field of one answer as the file gives it."""

    topic_id: str
    language: str
    field: str
    value: str  # "" keeps the current value
    where: str  # 'fr.po: entry "strong_passwords.text"'
    english: str | None = None  # the English the file was made from (PO, CSV)
    revision: int | None = None  # the translation's revision when exported (PO, CSV)


# --- export -------------------------------------------------------------------------------


def export_answers(engine: Engine, fmt: str, language: str | None = None) -> tuple[str, bytes]:
    """The live answers as a file for translators: (suggested file name, its bytes)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (expected: {', '.join(FORMATS)})")
    if language is not None and language not in SUPPORTED_LANGUAGES:
        raise ValueError(
            f"unknown language {language!r} (supported: {', '.join(SUPPORTED_LANGUAGES)})"
        )
    if fmt == "po" and language is None:
        raise ValueError(
            "a PO file holds one language: give one with --language "
            f"({', '.join(SUPPORTED_LANGUAGES)})"
        )
    languages = (language,) if language else SUPPORTED_LANGUAGES
    with Session(engine, future=True) as session:
        topics = [t.id for t in session.scalars(select(Topic).order_by(Topic.position))]
        answers = {(a.topic_id, a.language): a for a in session.scalars(select(Answer))}
    stem = language or "answers"
    if fmt == "po":
        assert language is not None
        return f"{stem}.po", _export_po(topics, answers, language)
    if fmt == "csv":
        return f"{stem}.csv", _export_csv(topics, answers, languages)
    return f"{stem}.yml", _export_yaml(topics, answers, language)


_Answers = dict[tuple[str, str], Answer]


def _value(row: Answer | None, name: str) -> str:
    return (getattr(row, name) or "") if row is not None else ""


def _fields_of(english: Answer | None, row: Answer | None) -> Iterator[str]:
    """The fields worth a line: title and text always, `more` where either side has one."""
    yield "title"
    yield "text"
    if _value(english, "more") or _value(row, "more"):
        yield "more"


def _export_po(topics: list[str], answers: _Answers, language: str) -> bytes:
    now = datetime.now(timezone.utc)
    catalog = Catalog(
        locale=language,
        project="DigiBridge",
        version="answers",
        header_comment=(
            f"# DigiBridge answers in {Locale.parse(language).english_name} ({language}).\n"
            "# Translate each msgstr: an empty msgstr keeps the current answer, and an\n"
            "# entry marked fuzzy is skipped. Import with: digibridge content import FILE"
        ),
        creation_date=now,
        revision_date=now,
        fuzzy=False,
    )
    for topic_id in topics:
        english = answers.get((topic_id, DEFAULT_LANGUAGE))
        row = answers.get((topic_id, language))
        for name in _fields_of(english, row):
            msgid = _value(english, name)
            if not msgid:  # msgid "" is the PO header: an English-less field has no entry
                continue
            catalog.add(
                msgid,
                _value(row, name),
                context=f"{topic_id}.{name}",
                auto_comments=[f"revision {row.revision if row else 0}"],
            )
    buffer = io.BytesIO()
    write_po(buffer, catalog, no_location=True)
    return buffer.getvalue()


def guard_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def unguard_cell(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_START) else value


def _export_csv(topics: list[str], answers: _Answers, languages: Iterable[str]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)  # excel dialect: quotes multi-line cells, \r\n between rows
    writer.writerow(CSV_COLUMNS)
    for language in languages:
        for topic_id in topics:
            english = answers.get((topic_id, DEFAULT_LANGUAGE))
            row = answers.get((topic_id, language))
            for name in _fields_of(english, row):
                writer.writerow(
                    (
                        topic_id,
                        name,
                        language,
                        guard_cell(_value(english, name)),
                        guard_cell(_value(row, name)),
                        row.revision if row else 0,
                    )
                )
    # The BOM tells spreadsheets the file is UTF-8 (without it, Excel guesses a code page).
    return (BOM + buffer.getvalue()).encode("utf-8")


def _yaml_answers(topics: list[str], answers: _Answers, language: str) -> dict[str, dict]:
    """One language in the shape of `data/content/<family>/<lang>.yml`."""
    document: dict[str, dict] = {}
    for topic_id in topics:
        row = answers.get((topic_id, language))
        if row is None:
            continue
        fields: dict[str, str] = {"title": row.title, "text": row.text + "\n"}
        if row.more:
            fields["more"] = row.more + "\n"
        if row.source:
            fields["source"] = row.source
        document[topic_id] = fields
    return document


def _export_yaml(topics: list[str], answers: _Answers, language: str | None) -> bytes:
    if language is not None:
        return _dump(_yaml_answers(topics, answers, language)).encode("utf-8")
    document = {lang: _yaml_answers(topics, answers, lang) for lang in SUPPORTED_LANGUAGES}
    return _dump({lang: body for lang, body in document.items() if body}).encode("utf-8")


# --- import -------------------------------------------------------------------------------


def import_answers(
    engine: Engine,
    data: bytes,
    filename: str,
    actor: str,
    may_edit: Callable[[str], bool] = lambda _language: True,
) -> ImportReport:
    """Saves what a translated file changes, in one transaction, or raises ImportRefused
    (PermissionError for a language the account may not edit)."""
    name = re.split(r"[\\/]", filename)[-1] or "the file"
    extension = name[name.rfind(".") :].lower() if "." in name else ""
    fmt = _EXTENSIONS.get(extension)
    if fmt is None:
        raise ImportRefused(
            [f"{name}: unknown kind of file; expected {', '.join(sorted(_EXTENSIONS))}"]
        )
    text = _decode(data, name)
    if fmt == "po":
        entries = _read_po(text, name)
    elif fmt == "csv":
        entries = _read_csv(text, name)
    else:
        entries = _read_yaml(text, name)
    editor = AnswerEditor(engine)
    report = ImportReport()
    with Session(engine, future=True) as session, session.begin():
        edits = _plan(session, editor, entries, report)
        refused = sorted({e.language for e in edits if not may_edit(e.language)})
        if refused:
            raise PermissionError(f"your account may not edit {', '.join(refused)}")
        for edit in edits:
            try:
                changed = editor.apply(session, edit, actor, _ORIGIN)
            except (InvalidAnswer, NotFound) as error:  # checked above; kept for safety
                where = f"{name}: {edit.topic_id} [{edit.language}]"
                raise ImportRefused([f"{where}: {error}"]) from error
            if changed:
                report.changed.append(f"{edit.topic_id} [{edit.language}]")
            else:
                report.unchanged += 1
    return report


def _decode(data: bytes, name: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRefused(
            [f"{name}:{line}: not UTF-8 text ({error.reason}); save the file as UTF-8"]
        ) from None
    return text.removeprefix(BOM)


def _language_in_name(name: str) -> str | None:
    """The language a file's name gives (`fr.po`, `answers-fr.csv`, `fr (1).yml`), if one."""
    stem = name[: name.rfind(".")] if "." in name else name
    found = {word for word in re.findall(r"[A-Za-z]+", stem) if word in SUPPORTED_LANGUAGES}
    return found.pop() if len(found) == 1 else None


def _check_language(language: str, name: str, where: str) -> None:
    if language not in SUPPORTED_LANGUAGES:
        raise ImportRefused(
            [
                f"{where}: unsupported language {language!r} "
                f"(supported: {', '.join(SUPPORTED_LANGUAGES)})"
            ]
        )
    named = _language_in_name(name)
    if named is not None and named != language:
        raise ImportRefused(
            [f"{where}: the answers are in {language!r} but the file's name says {named!r}"]
        )


def _clean(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _read_po(text: str, name: str) -> list[_Entry]:
    # Only \n ends a PO line: str.splitlines would also cut at U+2028, U+0085 and the like
    # inside a translation.
    for number, line in enumerate(text.split("\n"), 1):
        line = line.strip(" \t\r")
        if line.startswith("#~"):  # obsolete entries: skipped, but still PO syntax
            line = line[2:].strip()
        elif line.startswith("#"):
            continue
        if line and not _PO_LINE.fullmatch(line):
            raise ImportRefused([f"{name}:{number}: not a valid PO line: {line[:60]!r}"])
    try:
        catalog = read_po(io.StringIO(text), abort_invalid=True)
    except PoFileError as error:
        reason = str(error).rsplit(" on ", 1)[0]
        raise ImportRefused(
            [f"{name}:{error.lineno + 1}: not a valid PO file ({reason})"]
        ) from None
    except (ValueError, IndexError) as error:
        raise ImportRefused([f"{name}: not a valid PO file ({error})"]) from None
    language = catalog.locale_identifier
    if not language:
        raise ImportRefused([f'{name}: the PO header has no Language (e.g. "Language: fr")'])
    _check_language(language, name, f"{name}: header Language")
    entries = []
    for message in catalog:
        if message.id == "" and message.context is None:
            continue  # the header
        where = f'{name}: entry "{message.context or str(message.id)[:40]}"'
        if message.pluralizable:
            raise ImportRefused([f"{where}: plural forms are not used in answers"])
        if message.fuzzy:
            continue  # the translator has not vouched for it
        match = _CONTEXT.fullmatch(message.context or "")
        if match is None:
            raise ImportRefused([f'{where}: msgctxt must be "<topic>.<field>"'])
        topic_id, field_name = match.groups()
        _check_field(field_name, where)
        comments = (_REVISION_COMMENT.fullmatch(c) for c in message.auto_comments)
        revision = next((int(m.group(1)) for m in comments if m), None)
        entries.append(
            _Entry(topic_id, language, field_name, _clean(str(message.string)), where,
                   english=_clean(str(message.id)), revision=revision)
        )  # fmt: skip
    return entries


def _check_field(field_name: str, where: str) -> None:
    if field_name not in FIELDS:
        raise ImportRefused(
            [f"{where}: unknown field {field_name!r} (expected: {', '.join(FIELDS)})"]
        )


def _read_csv(text: str, name: str) -> list[_Entry]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = list(reader)
    except csv.Error as error:
        raise ImportRefused([f"{name}:{reader.line_num}: not a valid CSV file ({error})"]) from None
    if not rows:
        raise ImportRefused([f"{name}: empty file; expected a header {','.join(CSV_COLUMNS)}"])
    header = [cell.strip().lower() for cell in rows[0]]
    unknown = [cell for cell in header if cell not in CSV_COLUMNS]
    missing = [column for column in _REQUIRED_COLUMNS if column not in header]
    if unknown or missing or len(set(header)) != len(header):
        listed = f"unknown: {', '.join(unknown) or 'none'}; missing: {', '.join(missing) or 'none'}"
        raise ImportRefused(
            [f"{name}: row 1: the header must name the columns {','.join(CSV_COLUMNS)} ({listed})"]
        )
    entries = []
    for number, cells in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in cells):
            continue  # blank rows that spreadsheets leave at the end
        if len(cells) != len(header):
            raise ImportRefused(
                [f"{name}: row {number}: {len(cells)} cells, the header has {len(header)}"]
            )
        row = dict(zip(header, cells, strict=True))
        topic_id, field_name, language = (row[c].strip() for c in ("topic", "field", "language"))
        where = f'{name}: row {number} "{topic_id}.{field_name}" [{language}]'
        _check_language(language, name, where)
        _check_field(field_name, where)
        revision = None
        if row.get("revision", "").strip():
            try:
                revision = int(row["revision"])
            except ValueError:
                raise ImportRefused(
                    [f"{where}: revision must be a number, not {row['revision']!r}"]
                ) from None
        english = _clean(unguard_cell(row["english"])) if "english" in row else None
        entries.append(
            _Entry(topic_id, language, field_name, _clean(unguard_cell(row["text"])), where,
                   english=english, revision=revision)
        )  # fmt: skip
    return entries


def _yaml_items(node: yaml.Node, name: str, what: str) -> list[tuple[str, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise ImportRefused([f"{name}:{node.start_mark.line + 1}: {what} must be a mapping"])
    items, seen = [], set()
    for key, value in node.value:
        where = f"{name}:{key.start_mark.line + 1}"
        if not isinstance(key, yaml.ScalarNode):
            raise ImportRefused([f"{where}: keys must be plain names"])
        if key.value in seen:
            raise ImportRefused([f"{where}: {key.value!r} appears twice"])
        seen.add(key.value)
        items.append((key.value, value))
    return items


def _read_yaml(text: str, name: str) -> list[_Entry]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ImportRefused([f"{name}{line}: not valid YAML ({problem})"]) from None
    if root is None:
        raise ImportRefused([f"{name}: empty file"])
    items = _yaml_items(root, name, "the file")
    named = _language_in_name(name)
    if items and all(key in SUPPORTED_LANGUAGES for key, _ in items):
        languages = items  # {lang: {topic: {...}}}
        for key, node in languages:
            _check_language(key, name, f"{name}:{node.start_mark.line + 1}")
        tagged = True
    elif named is None:
        raise ImportRefused(
            [
                f"{name}: cannot tell the language of the answers: name the file after it "
                "(fr.yml) or put them under a language key (fr: {topic: ...})"
            ]
        )
    else:
        languages, tagged = [(named, root)], False
    entries = []
    for language, node in languages:
        for topic_id, topic_node in _yaml_items(node, name, f"the answers in {language!r}"):
            at = f"{name}:{topic_node.start_mark.line + 1}"
            if topic_id in FAMILY_TITLE_KEYS:
                raise ImportRefused(
                    [f"{at}: family titles are not imported here; change {topic_id} in "
                     "data/content/<family>/<lang>.yml"]
                )  # fmt: skip
            fields = _yaml_items(topic_node, name, f"topic {topic_id!r}")
            if not fields:
                raise ImportRefused([f'{at}: entry "{topic_id}" has no title, text or more'])
            for field_name, value in fields:
                where = f'{name}:{value.start_mark.line + 1}: entry "{topic_id}.{field_name}"'
                where += f" [{language}]" if tagged else ""
                if field_name not in ANSWER_FIELDS:
                    raise ImportRefused(
                        [f"{where}: unknown field {field_name!r} "
                         f"(expected: {', '.join(sorted(ANSWER_FIELDS))})"]
                    )  # fmt: skip
                if not isinstance(value, yaml.ScalarNode):
                    raise ImportRefused([f"{where}: {field_name} must be text"])
                if field_name == "source":
                    continue  # the import records the English the translator saw, as now
                content = "" if value.tag == _NULL_TAG else _clean(value.value)
                entries.append(_Entry(topic_id, language, field_name, content, where))
    return entries


def _plan(
    session: Session, editor: AnswerEditor, entries: list[_Entry], report: ImportReport
) -> list[Edit]:
    """The edits the entries make, all checked; raises ImportRefused with every problem."""
    topics = set(session.scalars(select(Topic.id)))
    answers = {(a.topic_id, a.language): a for a in session.scalars(select(Answer))}
    problems: list[str] = []
    groups: dict[tuple[str, str], dict[str, _Entry]] = {}
    for entry in entries:
        if entry.topic_id not in topics:
            problems.append(f"{entry.where}: unknown topic {entry.topic_id!r}")
            continue
        group = groups.setdefault((entry.topic_id, entry.language), {})
        if entry.field in group:
            problems.append(f"{entry.where}: appears twice (also {group[entry.field].where})")
            continue
        group[entry.field] = entry
    edits = []
    for (topic_id, language), group in groups.items():
        row = answers.get((topic_id, language))
        english = answers.get((topic_id, DEFAULT_LANGUAGE))
        values = {name: _value(row, name) for name in FIELDS}
        given = {name: entry.value for name, entry in group.items() if entry.value}
        if all(values[name] == value for name, value in given.items()):
            report.unchanged += 1
            continue
        problems += _stale(group.values(), row, english)
        values.update(given)
        edit = Edit(topic_id, language, values["text"], values["more"] or None, values["title"])
        try:
            found = editor.check(session, edit)
        except NotFound as error:
            problems.append(f"{next(iter(group.values())).where}: {error}")
            continue
        for problem in found:
            entry = group.get(problem.field) or next(iter(group.values()))
            problems.append(f"{entry.where}: {problem.message}")
        edits.append(edit)
    if problems:
        raise ImportRefused(problems)
    return edits


def _stale(entries: Collection[_Entry], row: Answer | None, english: Answer | None) -> list[str]:
    """Why a changed answer must not be saved from this file: it was made from an English
    wording that has changed since, or the translation was revised after the export."""
    problems = []
    current = row.revision if row is not None else 0
    for entry in entries:
        if entry.english is not None and entry.english != _value(english, entry.field):
            problems.append(
                f"{entry.where}: the English has changed since this file was exported; "
                "export the file again and translate the new English"
            )
    revised = next((e for e in entries if e.revision not in (None, current)), None)
    if revised is not None:
        problems.append(
            f"{revised.where}: the answer was changed after this file was exported "
            f"(revision {revised.revision} in the file, {current} now); export the file "
            "again so that no one's edit is lost"
        )
    return problems
