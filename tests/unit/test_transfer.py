import csv
import io
import re

import pytest
import yaml
from babel.messages.pofile import read_po, write_po
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.admin.answers import AnswerEditor, Edit
from bot.admin.models import AnswerRevision, AuditEntry
from bot.admin.transfer import (
    CSV_COLUMNS,
    FORMATS,
    ImportRefused,
    export_answers,
    import_answers,
)
from bot.content.models import Answer, Topic
from bot.i18n.locales import SUPPORTED_LANGUAGES

TOPIC = "strong_passwords"


def _snapshot(engine) -> tuple[dict, int, int]:
    """Every answer, and how many revisions and audit entries there are."""
    with Session(engine, future=True) as session:
        answers = {
            (a.topic_id, a.language): (a.title, a.text, a.more, a.source, a.revision)
            for a in session.scalars(select(Answer))
        }
        revisions = session.scalar(select(func.count()).select_from(AnswerRevision))
        audits = session.scalar(select(func.count()).select_from(AuditEntry))
    return answers, revisions, audits


def _answer(engine, topic: str, language: str) -> Answer:
    with Session(engine, future=True) as session:
        row = session.get(Answer, (topic, language))
        session.expunge_all()
        return row


def _po(engine, language: str = "fr"):
    name, data = export_answers(engine, "po", language)
    return name, read_po(io.BytesIO(data))


def _po_bytes(catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog)
    return buffer.getvalue()


def _message(catalog, context: str):
    return next(m for m in catalog if m.context == context)


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _csv_bytes(rows: list[dict[str, str]], bom: bool = True) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()


def test_po_export_has_one_message_per_topic_and_field(store, engine):
    name, catalog = _po(engine)
    assert name == "fr.po"
    assert str(catalog.locale) == "fr"
    english, french = _answer(engine, TOPIC, "en"), _answer(engine, TOPIC, "fr")
    text = _message(catalog, f"{TOPIC}.text")
    assert text.id == english.text and text.string == french.text
    assert text.auto_comments == [f"revision {french.revision}"]
    assert _message(catalog, f"{TOPIC}.title").string == french.title
    contexts = [m.context for m in catalog if m.context]
    with Session(engine, future=True) as session:
        topics = set(session.scalars(select(Topic.id)))
    expected = sum(3 if a.more else 2 for a in _answers(engine, "en"))
    assert len(contexts) == len(set(contexts)) == expected
    assert {c.rsplit(".", 1)[0] for c in contexts} == topics


def test_po_export_needs_a_language(store, engine):
    with pytest.raises(ValueError, match="PO file holds one language"):
        export_answers(engine, "po")
    with pytest.raises(ValueError, match="unknown format"):
        export_answers(engine, "xlsx", "fr")
    with pytest.raises(ValueError, match="unknown language"):
        export_answers(engine, "csv", "de")


def test_po_import_saves_a_changed_translation_as_a_new_revision(store, engine):
    before = _answer(engine, TOPIC, "fr")
    name, catalog = _po(engine)
    _message(catalog, f"{TOPIC}.text").string = "Un mot de passe long, unique pour chaque site."
    report = import_answers(engine, _po_bytes(catalog), name, "translator")
    assert report.changed == [f"{TOPIC} [fr]"]
    assert report.summary().startswith("1 changed, 56 unchanged")
    after = _answer(engine, TOPIC, "fr")
    assert after.text == "Un mot de passe long, unique pour chaque site."
    assert (after.title, after.more) == (before.title, before.more)
    assert after.revision == before.revision + 1
    assert after.edited_by == "translator"
    newest = AnswerEditor(engine).revisions(TOPIC, "fr")[0]
    assert (newest["revision"], newest["origin"], newest["author"]) == (
        after.revision,
        "import",
        "translator",
    )


@pytest.mark.parametrize(
    ("fmt", "language"),
    [
        ("po", "en"),
        ("po", "fr"),
        ("po", "ar"),
        ("csv", None),
        ("csv", "zh"),
        ("yaml", "sw"),
        ("yaml", None),
    ],
)
def test_an_unchanged_round_trip_changes_nothing(store, engine, fmt, language):
    assert fmt in FORMATS
    before = _snapshot(engine)
    name, data = export_answers(engine, fmt, language)
    report = import_answers(engine, data, name, "translator")
    assert report.changed == []
    assert report.unchanged == 57 * (1 if language else len(SUPPORTED_LANGUAGES))
    assert _snapshot(engine) == before


def test_csv_has_a_bom_and_one_row_per_topic_and_field(store, engine):
    name, data = export_answers(engine, "csv", "fr")
    assert name == "fr.csv"
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines()[0] == ",".join(CSV_COLUMNS)
    rows = _csv_rows(data)
    english = {a.topic_id: a for a in _answers(engine, "en")}
    french = {a.topic_id: a for a in _answers(engine, "fr")}
    # `more` where either side has one (a French answer may have one the English has not).
    expected = sum(3 if a.more or french[t].more else 2 for t, a in english.items())
    assert len(rows) == expected
    assert len({(r["topic"], r["field"]) for r in rows}) == expected
    assert {r["language"] for r in rows} == {"fr"}
    text = next(r for r in rows if r["topic"] == TOPIC and r["field"] == "text")
    assert text["english"] == english[TOPIC].text and "\n" in text["text"]
    # A cell that starts like a formula is kept text for spreadsheets.
    assert not any(r["text"].startswith(("=", "+", "-", "@")) for r in rows)


def test_csv_of_every_language_round_trips_a_formula_like_cell(store, engine):
    _, data = export_answers(engine, "csv")
    rows = _csv_rows(data)
    assert {r["language"] for r in rows} == set(SUPPORTED_LANGUAGES)
    guarded = next(r for r in rows if r["text"].startswith("'-"))
    row = _answer(engine, guarded["topic"], guarded["language"])
    assert getattr(row, guarded["field"]) == guarded["text"][1:]


def _answers(engine, language: str) -> list[Answer]:
    with Session(engine, future=True) as session:
        rows = list(session.scalars(select(Answer).where(Answer.language == language)))
        session.expunge_all()
        return rows


def test_csv_import_without_bom_and_with_only_the_changed_row(store, engine):
    before = _answer(engine, TOPIC, "es")
    rows = [r for r in _csv_rows(export_answers(engine, "csv", "es")[1]) if r["topic"] == TOPIC]
    title = next(r for r in rows if r["field"] == "title")
    title["text"] = "Claves seguras y únicas"
    report = import_answers(engine, _csv_bytes([title], bom=False), "es.csv", "translator")
    assert report.changed == [f"{TOPIC} [es]"]
    after = _answer(engine, TOPIC, "es")
    assert after.title == "Claves seguras y únicas"
    assert (after.text, after.more) == (before.text, before.more)


def test_empty_values_and_fuzzy_entries_leave_fields_alone(store, engine):
    before = _snapshot(engine)
    name, catalog = _po(engine)
    for message in catalog:
        if message.context:
            message.string = ""
    fuzzy = _message(catalog, f"{TOPIC}.text")
    fuzzy.string = "Brouillon"
    fuzzy.flags.add("fuzzy")
    assert import_answers(engine, _po_bytes(catalog), name, "t").changed == []
    rows = _csv_rows(export_answers(engine, "csv", "fr")[1])
    for row in rows:
        row["text"] = ""
    assert import_answers(engine, _csv_bytes(rows), "fr.csv", "t").changed == []
    assert _snapshot(engine) == before


def test_yaml_import_takes_the_language_from_the_name_or_the_keys(store, engine):
    name, data = export_answers(engine, "yaml", "pt")
    assert name == "pt.yml"
    document = yaml.safe_load(data)
    assert set(document[TOPIC]) <= {"title", "text", "more", "source"}
    document[TOPIC]["title"] = "Senhas boas e únicas"
    changed = yaml.safe_dump(document, allow_unicode=True).encode()
    assert import_answers(engine, changed, "pt.yml", "t").changed == [f"{TOPIC} [pt]"]
    with pytest.raises(ImportRefused, match="cannot tell the language"):
        import_answers(engine, changed, "answers.yml", "t")
    name, data = export_answers(engine, "yaml")
    everything = yaml.safe_load(data)
    assert set(everything) == set(SUPPORTED_LANGUAGES)
    everything["ru"][TOPIC]["title"] = "Пароли: надёжно"
    changed = yaml.safe_dump(everything, allow_unicode=True).encode()
    report = import_answers(engine, changed, name, "t")
    assert report.changed == [f"{TOPIC} [ru]"]
    assert _answer(engine, TOPIC, "ru").title == "Пароли: надёжно"


def test_a_missing_translation_is_added(store, engine):
    with Session(engine, future=True) as session, session.begin():
        session.execute(delete(Answer).where(Answer.topic_id == TOPIC, Answer.language == "sw"))
    name, catalog = _po(engine, "sw")
    assert _message(catalog, f"{TOPIC}.text").auto_comments == ["revision 0"]
    _message(catalog, f"{TOPIC}.title").string = "Nywila imara"
    _message(catalog, f"{TOPIC}.text").string = "Tumia nywila ndefu."
    assert import_answers(engine, _po_bytes(catalog), name, "t").changed == [f"{TOPIC} [sw]"]
    row = _answer(engine, TOPIC, "sw")
    assert (row.title, row.text, row.more, row.revision) == (
        "Nywila imara",
        "Tumia nywila ndefu.",
        None,
        1,
    )


def _po_with(engine, context: str, value: str, language: str = "fr") -> bytes:
    _, catalog = _po(engine, language)
    _message(catalog, context).string = value
    return _po_bytes(catalog)


def _refusals(engine):
    """(file name, bytes, expected message) of files that must be refused."""
    long_po = _po_with(engine, f"{TOPIC}.text", "x" * 812)
    _, catalog = _po(engine)
    catalog.add("Hello", "Bonjour", context="no_such_topic.text")
    unknown_po = _po_bytes(catalog)
    _, catalog = _po(engine)
    catalog.add("Hello", "Bonjour", context=f"{TOPIC}.body")
    field_po = _po_bytes(catalog)
    changed_po = _po_with(engine, f"{TOPIC}.text", "Un texte nouveau.")
    german_po = changed_po.replace(b"Language: fr", b"Language: de")
    spanish_po = changed_po.replace(b"Language: fr", b"Language: es")
    latin1_po = changed_po.replace(b"Un texte nouveau", "Un été".encode("latin-1"))
    broken_po = changed_po.replace(b'msgctxt "', b"msgctxt ", 1)
    rows = _csv_rows(export_answers(engine, "csv", "fr")[1])
    rows[0]["field"] = "titel"
    field_csv = _csv_bytes(rows)
    broken_csv = _csv_bytes(rows[1:3]) + b'strong_passwords,text,fr,"x,"unterminated\r\n'
    name, data = export_answers(engine, "yaml", "fr")
    field_yaml = data.replace(b"\n  title:", b"\n  titel:", 1)
    broken_yaml = data.replace(f"{TOPIC}:".encode(), f"{TOPIC}: [".encode(), 1)
    placeholder = _po_with(engine, f"{TOPIC}.text", "Voir {portal_url} pour plus.")
    return [
        (
            "fr.po",
            long_po,
            rf'^fr\.po: entry "{TOPIC}\.text": the text has 812 characters \(at most 700\)$',
        ),
        ("fr.po", unknown_po, r"^fr\.po: entry \"no_such_topic\.text\": unknown topic"),
        ("fr.po", field_po, rf'^fr\.po: entry "{TOPIC}\.body": unknown field \'body\''),
        ("fr.po", german_po, r"^fr\.po: header Language: unsupported language 'de'"),
        ("fr.po", spanish_po, r"in 'es' but the file's name says 'fr'"),
        ("fr.po", latin1_po, r"^fr\.po:\d+: not UTF-8 text"),
        ("fr.po", broken_po, r"^fr\.po:\d+: not a valid PO line"),
        ("fr.po", b"this is not a PO file\n", r"^fr\.po:1: not a valid PO line"),
        ("fr.csv", field_csv, r"^fr\.csv: row 2 \"\w+\.titel\" \[fr\]: unknown field 'titel'"),
        ("fr.csv", broken_csv, r"^fr\.csv:\d+: not a valid CSV file"),
        ("fr.csv", b"name,value\r\nx,y\r\n", r"^fr\.csv: row 1: the header must name"),
        ("fr.yml", field_yaml, r"^fr\.yml:\d+: entry \"\w+\.titel\": unknown field 'titel'"),
        ("fr.yml", broken_yaml, r"^fr\.yml:\d+: not valid YAML"),
        ("fr.txt", long_po, r"^fr\.txt: unknown kind of file"),
        ("fr.po", placeholder, r"placeholder \{portal_url\} is not allowed in 'strong_passwords'"),
    ]


def test_broken_files_are_refused_and_change_nothing(store, engine):
    before = _snapshot(engine)
    for name, data, expected in _refusals(engine):
        with pytest.raises(ImportRefused) as refused:
            import_answers(engine, data, name, "translator")
        assert re.search(expected, str(refused.value)), (expected, str(refused.value))
        assert _snapshot(engine) == before, expected


def test_an_import_is_all_or_nothing(store, engine):
    before = _snapshot(engine)
    name, catalog = _po(engine)
    _message(catalog, "gdi_forum.title").string = "Un titre correct"
    _message(catalog, f"{TOPIC}.title").string = "t" * 41
    _message(catalog, f"{TOPIC}.more").string = "Un \u202e piège"
    with pytest.raises(ImportRefused) as refused:
        import_answers(engine, _po_bytes(catalog), name, "t")
    assert refused.value.problems == [
        f'fr.po: entry "{TOPIC}.title": the title has 41 characters (at most 40)',
        f'fr.po: entry "{TOPIC}.more": the more has invisible characters (U+202E)',
    ]
    assert _snapshot(engine) == before


def test_a_file_older_than_the_answer_or_its_english_is_refused(store, engine):
    _, catalog = _po(engine)
    _message(catalog, f"{TOPIC}.text").string = "Traduction du traducteur."
    data = _po_bytes(catalog)
    editor = AnswerEditor(engine)
    french = _answer(engine, TOPIC, "fr")
    editor.save(Edit(TOPIC, "fr", french.text + " Révisé.", french.more), "editor")
    before = _snapshot(engine)
    with pytest.raises(ImportRefused, match=r"revision \d+ in the file, \d+ now"):
        import_answers(engine, data, "fr.po", "translator")
    assert _snapshot(engine) == before

    _, catalog = _po(engine, "es")
    _message(catalog, f"{TOPIC}.text").string = "Traducción nueva."
    data = _po_bytes(catalog)
    english = _answer(engine, TOPIC, "en")
    editor.save(Edit(TOPIC, "en", english.text + " Revised.", english.more), "editor")
    before = _snapshot(engine)
    with pytest.raises(ImportRefused, match="the English has changed since this file"):
        import_answers(engine, data, "es.po", "translator")
    assert _snapshot(engine) == before
