"""The admin side as an administrator uses it, in headless Chromium against the whole stack
(`digibridge up` with its own data): an account made on the command line, sign-in and the
first password change, an answer fixed and served at once, history and revert, a
translation file round-tripped, the review queue and the analytics filled by real
conversations, and axe-core on the pages in English and Arabic."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from collections.abc import Iterator

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from babel.messages.pofile import read_po, write_po
from playwright.sync_api import Page, expect

from bot import PROJECT_ROOT
from bot.content.files import load_content
from bot.training import ensure_model
from tests.browser.conftest import TIMEOUT_MS
from tests.integration.stack import Stack, start_stack

TOKEN = "admin-token-for-the-admin-pages-test"  # noqa: S105 - a test's own stack
BEARER = {"Authorization": f"Bearer {TOKEN}"}
SERIOUS = {"serious", "critical"}
ADMIN_PAGES = (
    "/admin/", "/admin/topics/strong_passwords/ar", "/admin/settings", "/admin/review",
    "/admin/analytics", "/admin/audit", "/admin/users", "/admin/tokens", "/admin/models",
    "/admin/content", "/admin/lessons", "/admin/lessons/documents/text/ar", "/admin/workshops",
)  # fmt: skip
NEW_PASSWORD = "a long password of my own"  # noqa: S105
NEW_FR = (
    "Un bon mot de passe est long : au moins trois mots au hasard, par exemple "
    "« vélo-nuage-citron ». Utilisez-en un différent pour chaque compte."
)
SHIPPED_FR = next(
    a.text for a in load_content().answers if (a.topic_id, a.language) == ("strong_passwords", "fr")
)
# An everyday question outside the subject, and a rephrasing of it with a phone number.
OFF_TOPIC = [
    "what is a good recipe for banana cake? text me on +44 7700 900123",
    "what's a good banana cake recipe",
]


@pytest.fixture(scope="module")
def admin_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    model = ensure_model(PROJECT_ROOT / "models")
    models = tmp_path_factory.mktemp("admin-models")  # a publish writes here
    shutil.copy(model, models / model.name)
    env = {"DIGIBRIDGE_ADMIN_TOKEN": TOKEN, "DIGIBRIDGE_MODELS_DIR": str(models)}
    stack = start_stack(tmp_path_factory.mktemp("admin-stack"), env)
    yield stack
    assert stack.stop() == 0, stack.log_tail()


def digibridge(stack: Stack, *args: str) -> str:
    """The `digibridge` command on the stack's database, as an operator runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGIBRIDGE_")}
    env["DIGIBRIDGE_DATA_DIR"] = str(stack.data_dir)
    done = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "digibridge"), *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def admin_page(browser, admin_stack: Stack) -> Iterator[Page]:
    """A signed-in administrator's page (the account made with the CLI, password changed)."""
    printed = digibridge(admin_stack, "admin", "create-user", "amina", "--role", "admin")
    one_time = re.search(r"one-time password: (\S+)", printed).group(1)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{admin_stack.base_url}/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login$"))  # signed out: to the sign-in page
    page.get_by_label("Account name").fill("amina")
    page.get_by_label("Password").fill(one_time)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/password$"))  # the one-time password first
    page.get_by_label("Current password").fill(one_time)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("h1")).to_have_text("Answers")
    expect(page.locator(".notice")).to_have_text("Your password is changed.")
    yield page
    context.close()
    assert not errors, f"script errors on the admin pages: {errors}"


def ask(stack: Stack, text: str, sender: str, language: str | None = None) -> dict:
    (first, *_) = stack.ask(text, sender=sender, language=language)
    return first


def test_an_answer_fixed_in_the_browser_is_served_at_once_and_reverted(admin_stack, admin_page):
    page = admin_page
    page.goto(f"{admin_stack.base_url}/admin/topics/strong_passwords/fr")
    expect(page.locator("#title")).to_have_value(re.compile(".+"))
    page.locator("#text").fill(NEW_FR)
    expect(page.locator("#preview-web")).to_contain_text("vélo-nuage-citron")  # live preview
    expect(page.locator("#preview-telegram")).to_contain_text("vélo-nuage-citron")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".notice")).to_have_text(
        "Saved. People get the new text from their next message."
    )
    answer = ask(admin_stack, "comment créer un mot de passe solide ?", "fr-citizen")
    assert (answer["topic"], answer["language"], answer["text"]) == (
        "strong_passwords", "fr", NEW_FR)  # fmt: skip
    # History: the shipped revision and the edit; revert to the shipped one.
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("amina")
    rows.nth(1).get_by_role("button", name="Revert to this").click()
    expect(page.locator(".notice")).to_have_text("The old version is live again.")
    expect(page.locator("#text")).to_have_value(SHIPPED_FR)
    answer = ask(admin_stack, "comment créer un mot de passe solide ?", "fr-citizen")
    assert answer["text"] == SHIPPED_FR


def test_a_change_without_the_forms_token_is_refused(admin_stack, admin_page):
    # The browser sends the session cookie, but not the page's CSRF token.
    response = admin_page.context.request.post(
        f"{admin_stack.base_url}/admin/settings", form={"operator_name": "Someone else"}
    )
    assert response.status == 403
    settings = requests.get(f"{admin_stack.base_url}/admin/api/settings/local", headers=BEARER,
                            timeout=30).json()  # fmt: skip
    assert settings["operator_name"] == ""


def test_local_settings_set_in_the_browser_are_live(admin_stack, admin_page):
    page = admin_page
    page.goto(f"{admin_stack.base_url}/admin/settings")
    page.locator("#portal_url").fill("http://not-secure.example")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".problem")).to_contain_text("https://")
    page.locator("#portal_url").fill("https://services.example.gov")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".notice")).to_be_visible()
    answer = ask(admin_stack, "where is the government services portal", "portal-citizen", "en")
    assert answer["topic"] == "e_government_portal"
    assert "https://services.example.gov" in answer["text"]


def test_a_translator_round_trips_a_po_file(admin_stack):
    url = f"{admin_stack.base_url}/admin/api/content/export?format=po&language=fr"
    catalog = read_po(io.BytesIO(requests.get(url, headers=BEARER, timeout=30).content))
    next(m for m in catalog if m.context == "strong_passwords.text").string = NEW_FR
    out = io.BytesIO()
    write_po(out, catalog)
    response = requests.post(
        f"{admin_stack.base_url}/admin/api/content/import?filename=fr.po", headers=BEARER,
        data=out.getvalue(), timeout=30,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["changed"] == ["strong_passwords [fr]"]
    answer = ask(admin_stack, "comment créer un mot de passe solide ?", "po-citizen")
    assert answer["text"] == NEW_FR


def test_an_unanswerable_question_reaches_the_review_queue_masked_and_grouped(
    admin_stack, admin_page
):
    for number, text in enumerate(OFF_TOPIC):
        answer = ask(admin_stack, text, f"cake-{number}", "en")
        assert answer["topic"] in ("out_of_scope", None), answer  # refused or asked back
    page = admin_page
    page.goto(f"{admin_stack.base_url}/admin/review")
    group = page.locator("section.group").filter(has_text="banana cake")
    expect(group).to_have_count(1)
    expect(group.locator("h2")).to_contain_text("2 messages")
    expect(group.locator("li").first).to_have_text(
        "what is a good recipe for banana cake? text me on [phone]"
    )
    assert "7700" not in page.content()
    group.get_by_role("button", name="Out of scope").click()
    expect(page.locator("section.group").filter(has_text="banana cake")).to_have_count(0)
    phrases = requests.get(f"{admin_stack.base_url}/admin/api/phrases", headers=BEARER,
                           timeout=30).json()["phrases"]  # fmt: skip
    assert {(p["topic"], p["text"]) for p in phrases} >= {
        ("out_of_scope", "what is a good recipe for banana cake? text me on [phone]"),
        ("out_of_scope", "what's a good banana cake recipe"),
    }


def test_the_analytics_show_the_messages_just_sent(admin_stack, admin_page):
    before = requests.get(f"{admin_stack.base_url}/admin/api/analytics", headers=BEARER,
                          timeout=30).json()["totals"]  # fmt: skip
    ask(admin_stack, "how do I spot a phishing email", "analytics-citizen", "en")
    ask(admin_stack, "and how do I report it", "analytics-citizen", "en")
    page = admin_page
    page.goto(f"{admin_stack.base_url}/admin/analytics?channel=web")
    expect(page.locator("#total-messages")).to_have_text(str(before["messages"] + 2))
    expect(page.locator("svg.chart rect").first).to_be_attached()
    assert page.locator("table").first.inner_text().count("phishing_scams") == 1


@pytest.mark.parametrize("language", ["en", "ar"])
def test_no_serious_accessibility_violations_on_the_admin_pages(admin_stack, admin_page, language):
    page = admin_page
    page.goto(f"{admin_stack.base_url}/admin/")
    choose_language(page, language)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
    for path in ADMIN_PAGES:
        page.goto(f"{admin_stack.base_url}{path}")
        expect(page.locator("html")).to_have_attribute("lang", language)
        results = Axe().run(page)
        serious = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
        assert not serious, f"{path}:\n{results.generate_report()}"
    if language == "ar":
        expect(page.locator("h1")).to_have_text("الورش")  # the last page: the workshops
        choose_language(page, "en")  # the next tests read English labels


def choose_language(page: Page, language: str) -> None:
    page.locator("#interface-language").select_option(language)
    page.locator("form[action='/admin/language'] button").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def test_a_training_phrase_added_on_the_answers_page(admin_stack, admin_page):
    page = admin_page
    page.goto(f"{admin_stack.base_url}/admin/topics/strong_passwords/sw")
    page.get_by_label("New phrase").fill("nenosiri thabiti linatengenezwa vipi")
    page.get_by_role("button", name="Add phrase").click()
    added = page.locator("ul.phrases li")
    expect(added).to_have_count(1)
    expect(added.first).to_contain_text("nenosiri thabiti linatengenezwa vipi")
    listed = requests.get(f"{admin_stack.base_url}/admin/api/topics/strong_passwords/sw/phrases",
                          headers=BEARER, timeout=30).json()  # fmt: skip
    assert [p["text"] for p in listed["added"]] == ["nenosiri thabiti linatengenezwa vipi"]
    added.first.get_by_role("button", name="Remove").click()
    expect(page.locator("ul.phrases li")).to_have_count(0)


def test_publish_in_the_browser_shows_its_progress_and_a_rollback_is_one_click(
    admin_stack, admin_page
):
    added = requests.post(
        f"{admin_stack.base_url}/admin/api/topics/video_calls/sw/phrases", headers=BEARER,
        json={"text": "nataka kumwona mjukuu wangu kwenye simu"}, timeout=30,
    )  # fmt: skip
    assert added.status_code in (200, 201), added.text
    page = admin_page
    page.goto(f"{admin_stack.base_url}/admin/models")
    expect(page.get_by_text("publish to use them")).to_be_visible()
    (first,) = page.locator("table tbody tr").all()
    expect(first).to_contain_text("Serving")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#publish-progress")).to_be_visible()
    expect(page.locator("#publish-state")).to_have_text("Training", timeout=30_000)
    # The page follows the job by itself, then shows the registry as it now is.
    expect(page.locator("#publish-state")).to_have_text(
        "Done: the new model is serving", timeout=600_000
    )
    expect(page.locator("#publish-message")).to_contain_text("Live:")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Serving")
    old_name = rows.nth(1).locator("code").inner_text()
    rows.nth(1).get_by_role("button", name="Serve this model").click()
    expect(page.locator("[role=status]").first).to_be_visible()
    expect(page.locator("table tbody tr").nth(1)).to_contain_text("Serving")
    models = requests.get(f"{admin_stack.base_url}/admin/api/models", headers=BEARER,
                          timeout=30).json()  # fmt: skip
    assert [m["name"] for m in models["models"] if m["serving"]] == [old_name]
