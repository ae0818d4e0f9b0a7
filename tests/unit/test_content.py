import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.content.files import ContentError, load_content
from bot.content.models import Answer, FamilyTitle
from bot.content.store import ContentStore
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
        (
            "services/en.yml",
            'family_title: "Public services online"\n',
            "",
            r"data/content/services/en\.yml:1: family 'services' is shown in the menu, so it "
            r"needs a `family_title:` in English",
        ),
        (
            "skills/fr.yml",
            'family_title: "Compétences numériques"',
            'family_title: ""',
            r"skills/fr\.yml:1: family_title must be a non-empty text",
        ),
        (
            "skills/fr.yml",
            'family_title: "Compétences numériques"',
            'family_title: "' + "x" * 61 + '"',
            r"skills/fr\.yml:1: family_title has 61 characters \(at most 60\)",
        ),
        (
            "catalogue.yml",
            "    menu: false\n",
            "    menu: maybe\n",
            r"catalogue\.yml:\d+: `menu:` of family 'conversation' must be true or false",
        ),
        (
            "catalogue.yml",
            "    source: gdi_statement\n",
            "    sources: gdi_statement\n",
            r"catalogue\.yml:\d+: unknown family field 'sources'",
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
    # A valid change elsewhere, which must not be written either.
    _break(content_dir / "skills" / "fr.yml", "  text: |\n", "  text: |\n    CHANGED\n")
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


def _without_family_title(path):
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^family_title(_source)?: .*\n", "", text), encoding="utf-8")


def test_family_titles_load_per_language_and_fall_back_to_english(engine, content_dir):
    from bot.content.report import completeness

    _without_family_title(content_dir / "skills" / "sw.yml")
    content = load_content(content_dir)
    assert content.family_title("skills", "fr").title == "Compétences numériques"
    assert content.family_title("skills", "sw") is None
    assert content.family_title("conversation", "en") is None  # not in the menu: no title
    sync_content(engine, content_dir)
    store = ContentStore(engine)
    assert store.family_title("skills", "fr") == "Compétences numériques"
    assert store.family_title("skills", "pt-BR") == "Competências digitais"
    assert store.family_title("skills", "sw") == "Digital skills"
    assert store.family_titles(["skills", "services", "conversation"], "sw") == {
        "skills": "Digital skills",
        "services": "Huduma za umma mtandaoni",
        "conversation": "conversation",
    }
    reports = {r.language: r for r in completeness(content_dir)}
    assert reports["sw"].missing == ["skills/family_title"]
    assert reports["fr"].clean


def test_shipped_menu_families_are_titled_in_every_language():
    content = load_content()
    menu = [f.id for f in content.families.values() if f.in_menu]
    assert menu == ["cooperation", "skills", "services"]
    for family in menu:
        for language in SUPPORTED_LANGUAGES:
            assert content.family_title(family, language), (family, language)
    assert content.families["cooperation"].source == "gdi_statement"


def test_a_changed_english_family_title_is_stale_until_stamped(content_dir):
    from bot.content.report import completeness, stamp

    _break(content_dir / "skills" / "en.yml", '"Digital skills"', '"Digital skills for everyone"')
    _without_family_title(content_dir / "services" / "zh.yml")
    (content_dir / "services" / "zh.yml").write_text(
        'family_title: "网上公共服务"\n'
        + (content_dir / "services" / "zh.yml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    reports = {r.language: r for r in completeness(content_dir)}
    assert reports["fr"].stale == ["skills/family_title"]
    assert reports["zh"].stale == ["skills/family_title", "services/family_title"]
    assert stamp("fr", content_dir, ["skills/family_title"]) == 1
    assert stamp("zh", content_dir) == 2
    reports = {r.language: r for r in completeness(content_dir)}
    assert reports["fr"].clean and reports["zh"].clean
    assert reports["sw"].stale == ["skills/family_title"]
    # The hash goes right under the title, where a translator looks for it.
    lines = (content_dir / "services" / "zh.yml").read_text(encoding="utf-8").splitlines()
    assert lines[0] == 'family_title: "网上公共服务"'
    assert lines[1].startswith("family_title_source: ")


def test_export_round_trips_families_and_their_titles(store, engine, tmp_path):
    from bot.content.export import export_content

    with Session(engine) as session, session.begin():
        session.get(FamilyTitle, ("skills", "fr")).title = "Savoir-faire numérique"
    target = tmp_path / "exported"
    export_content(engine, target)
    exported, shipped = load_content(target), load_content()
    assert exported.families == shipped.families
    assert exported.family_title("skills", "fr").title == "Savoir-faire numérique"

    def titles(content):
        return {(t.family, t.language): (t.title, t.source) for t in content.family_titles}

    expected = titles(shipped)
    expected[("skills", "fr")] = ("Savoir-faire numérique", expected[("skills", "fr")][1])
    assert titles(exported) == expected
    report = sync_content(engine, target)  # importing the export changes nothing
    assert not report.added and not report.changed


def test_a_new_family_shows_in_the_menu_with_its_title(engine, content_dir):
    from bot.conversation import replies
    from bot.i18n import texts

    catalogue = content_dir / "catalogue.yml"
    catalogue.write_text(
        catalogue.read_text(encoding="utf-8")
        + "  media:\n    source: gdi_statement\n    topics:\n"
        + "      news_literacy: {related: [spot_misinformation]}\n",
        encoding="utf-8",
    )
    (content_dir / "media").mkdir()
    (content_dir / "media" / "en.yml").write_text(
        'family_title: "News and media"\n'
        "news_literacy:\n  title: Reading the news\n  text: |\n    Check who wrote it.\n",
        encoding="utf-8",
    )
    (content_dir / "media" / "fr.yml").write_text('family_title: "Médias"\n', encoding="utf-8")
    report = sync_content(engine, content_dir)
    assert {"family media", "family title media [en]", "family title media [fr]"} <= set(
        report.added
    )
    store = ContentStore(engine)
    assert store.menu_families() == ["cooperation", "skills", "services", "media"]
    assert store.family_title("media", "fr") == "Médias"
    assert store.family_title("media", "sw") == "News and media"

    menu = replies.show_menu(store, "fr", {})
    assert ("Médias", '/help{"family": "media"}') in [(b.title, b.payload) for b in menu.buttons]
    family_menu = replies.show_menu(store, "fr", {}, family="media")
    assert family_menu.text.startswith("Médias\n")
    assert family_menu.buttons[0].payload == '/answer{"topic": "news_literacy"}'
    # The footer and the main-menu button follow the family's `source` and `menu`.
    answer = replies.answer_topic(store, "news_literacy", "en", {})
    assert answer.text.endswith(texts.SOURCE_GDI_STATEMENT)
    assert answer.buttons[-1].payload == "/help"
    skills = replies.answer_topic(store, "strong_passwords", "en", {})
    assert texts.SOURCE_GDI_STATEMENT not in skills.text
    assert skills.buttons[-1].payload == "/help"
    conversation = replies.answer_topic(store, "bot_identity", "en", {})
    assert "/help" not in [b.payload for b in conversation.buttons]
