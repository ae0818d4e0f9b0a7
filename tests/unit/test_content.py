import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.content.files import ContentError, load_content
from bot.content.models import Answer
from bot.content.sync import sync_content
from bot.i18n.locales import SUPPORTED_LANGUAGES


def test_shipped_content_covers_every_topic_in_every_language():
    content = load_content()
    have = {(a.topic_id, a.language) for a in content.answers}
    missing = {(t, lang) for t in content.topics for lang in SUPPORTED_LANGUAGES} - have
    assert not missing


def test_shipped_content_is_chat_sized():
    for answer in load_content().answers:
        assert len(answer.text) <= 700, answer.location
        assert len(answer.more or "") <= 700, answer.location
        assert len(answer.title) <= 40, answer.location


def test_sync_is_idempotent(engine, content_dir):
    first = sync_content(engine, content_dir)
    assert len(first.added) > 400 and not first.changed
    second = sync_content(engine, content_dir)
    assert not second.added and not second.changed


def test_sync_reports_a_changed_answer(engine, content_dir):
    sync_content(engine, content_dir)
    path = content_dir / "skills" / "fr.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("strong_passwords:\n  title:", "strong_passwords:\n  title: X", 1))
    report = sync_content(engine, content_dir)
    assert report.changed == ["strong_passwords [fr]"]


def _break(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "skills/en.yml",
            "strong_passwords:",
            "strong_passwords: [\n",
            r"skills/en\.yml:\d+: invalid YAML",
        ),
        (
            "skills/en.yml",
            "strong_passwords:",
            "strong_pass:",
            r"skills/en\.yml:\d+: unknown topic id 'strong_pass'",
        ),
        ("skills/en.yml", "  title:", "  titel:", r"skills/en\.yml:\d+: unknown field 'titel'"),
        (
            "services/en.yml",
            "{portal_url}",
            "{portal_address}",
            r"services/en\.yml:\d+: placeholder \{portal_address\}",
        ),
    ],
)
def test_a_broken_file_is_named_with_its_line_and_changes_nothing(
    engine, content_dir, file, old, new, expected
):
    sync_content(engine, content_dir)
    with Session(engine) as session:
        before = session.scalars(select(Answer.text)).all()
    _break(content_dir / file, old, new)
    _break(content_dir / "skills" / "fr.yml", "  text: ", "  text: CHANGED ")
    with pytest.raises(ContentError, match=expected):
        sync_content(engine, content_dir)
    with Session(engine) as session:
        assert session.scalars(select(Answer.text)).all() == before


def test_unknown_language_file_is_refused(engine, content_dir):
    (content_dir / "skills" / "de.yml").write_text("strong_passwords:\n  title: x\n  text: y\n")
    with pytest.raises(ContentError, match=r"skills/de\.yml: unknown language 'de'"):
        sync_content(engine, content_dir)


def test_missing_required_field_is_refused(engine, content_dir):
    path = content_dir / "skills" / "sw.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(strong_passwords:\n)  title: .*\n", r"\1", text)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match=r"sw\.yml:\d+: topic 'strong_passwords' has no title"):
        sync_content(engine, content_dir)


def test_store_falls_back_from_region_to_language_to_english(store, engine):
    assert store.answer("strong_passwords", "pt-BR").language == "pt"
    with Session(engine) as session, session.begin():
        session.delete(session.get(Answer, ("strong_passwords", "sw")))
    assert store.answer("strong_passwords", "sw").language == "en"
    assert store.answer("no_such_topic", "en") is None


def test_an_edited_answer_is_served_at_once(store, engine):
    with Session(engine) as session, session.begin():
        session.get(Answer, ("thanks", "es")).text = "¡De nada, de verdad!"
    assert store.answer("thanks", "es").text == "¡De nada, de verdad!"


def test_shipped_content_report_is_clean():
    from bot.content.report import completeness

    assert all(report.clean for report in completeness())


def test_changing_english_makes_translations_stale_until_stamped(content_dir):
    from bot.content.report import completeness, stamp

    _break(content_dir / "skills" / "en.yml", "  text: |\n", "  text: |\n    Updated advice.\n")
    reports = {r.language: r for r in completeness(content_dir)}
    assert reports["fr"].stale == ["search_effectively"]
    assert reports["en"].clean
    assert stamp("fr", content_dir) == 1
    reports = {r.language: r for r in completeness(content_dir)}
    assert reports["fr"].clean and reports["sw"].stale == ["search_effectively"]
    # Stamping keeps the translator's file loadable and its answers unchanged.
    assert load_content(content_dir).answers


def test_missing_and_too_long_answers_are_reported(content_dir):
    from bot.content.report import completeness

    path = content_dir / "conversation" / "ru.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index("\nthanks:")
    end = text.index("\nhelp:")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    _break(content_dir / "skills" / "pt.yml", "  text: |\n", "  text: |\n    " + "x" * 800 + "\n")
    reports = {r.language: r for r in completeness(content_dir)}
    assert reports["ru"].missing == ["thanks"]
    assert reports["pt"].too_long == ["search_effectively"]


def test_export_writes_what_sync_reads_back(store, engine, tmp_path):
    from bot.content.export import export_content

    with Session(engine) as session, session.begin():
        session.get(Answer, ("thanks", "fr")).text = "Avec plaisir !\nÀ bientôt."
    target = tmp_path / "exported"
    assert export_content(engine, target) == 8 * 57
    exported = {(a.topic_id, a.language): a for a in load_content(target).answers}
    assert exported[("thanks", "fr")].text == "Avec plaisir !\nÀ bientôt."
    shipped = {(a.topic_id, a.language): a for a in load_content().answers}
    assert exported[("strong_passwords", "ar")].text == shipped[("strong_passwords", "ar")].text
    assert exported[("gdi_forum", "zh")].source == shipped[("gdi_forum", "zh")].source
    assert load_content(target).topics == load_content().topics
    report = sync_content(engine, target)  # importing the export changes nothing
    assert not report.added and not report.changed
