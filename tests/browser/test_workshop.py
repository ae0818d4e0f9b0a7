"""A workshop end to end on the real stack (`digibridge up`): a trainer creates it and leads
it from the live view in Chromium; one participant joins on Telegram (the fake Bot API) in
Swahili through the deep link, two in the web chat in French and Arabic through the join
link. Each follows the lesson in their own language, the live view adds their answers up,
ending gives the summary and the CSV, and `/forget` takes a participant out. The Arabic
handout prints right to left on one A4 page."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Page, expect

from bot import PROJECT_ROOT
from bot.core.build import shipped_lessons
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.training import ensure_model
from tests.browser.conftest import OpenPage
from tests.telegram.e2e import Running, new_chat, start_telegram_stack, stop_telegram_stack
from tests.telegram.fake_bot_api import BOT_USERNAME

TOKEN = "trainer-token-" + "k" * 30
BEARER = {"Authorization": f"Bearer {TOKEN}"}
LESSONS = ["phishing_scams", "strong_passwords"]
FIRST = LESSONS[0]
# Each participant's answers to the first lesson's three questions.
CHOICES = {"sw": ["b", "b", "a"], "fr": ["b", "a", "b"], "ar": ["a", "b", "b"]}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    ensure_model(PROJECT_ROOT / "models")
    running = start_telegram_stack(
        tmp_path_factory.mktemp("workshop"),
        {"DIGIBRIDGE_ADMIN_TOKEN": TOKEN, "DIGIBRIDGE_WEB_SESSION_RATE": "0"},
    )
    try:
        running.api.wait_call("getUpdates", timeout=60)
    except AssertionError:
        stop_telegram_stack(running)
        raise
    yield running
    assert stop_telegram_stack(running) == 0, running.stack.log_tail()


def api(stack: Running, method: str, path: str, **body: object) -> requests.Response:
    return requests.request(
        method, f"{stack.stack.base_url}/admin/api{path}", headers=BEARER,
        json=body or None, timeout=60,
    )  # fmt: skip


def lesson(language: str, lesson_id: str = FIRST):  # noqa: ANN201 - the lesson's text
    return shipped_lessons().text(lesson_id, language)


def shown(sent) -> str:  # noqa: ANN001 - a message the fake Bot API received
    return html.unescape(sent.text)


def press(stack: Running, chat: int, sent, title: str, expect_count: int) -> list:  # noqa: ANN001
    (button,) = [b for b in sent.buttons if b["text"] == title]
    before = len(stack.api.sent_to(chat))
    stack.api.push(stack.api.press(sent, button["callback_data"], "sw"))
    return stack.api.wait_sent(chat, before + expect_count)[before:]


def click(page: Page, title: str, answers: int) -> None:
    """Presses a reply button of the last answer and waits for the `answers`-th answer."""
    page.locator(".message.assistant").last.locator("button.reply", has_text=title).click()
    expect(page.locator(".message.assistant")).to_have_count(answers)


def take_quiz_on_the_web(page: Page, language: str) -> None:
    text = lesson(language)
    count = page.locator(".message.assistant").count()
    for _ in range(3):
        count += 1
        click(page, translate(language, texts.NEXT), count)
    count += 1
    click(page, translate(language, texts.START_QUIZ), count)
    entry = shipped_lessons().catalogue[FIRST]
    for question, option in zip(entry.questions, CHOICES[language], strict=True):
        count += 2  # "your answer is saved", then the next question (or "results soon")
        click(page, text.questions[question.id].options[option], count)
    expect(page.locator(".message.assistant .bubble").last).to_have_text(
        translate(language, texts.RESULTS_LATER)
    )


def test_a_trainer_leads_a_workshop_in_three_languages(stack: Running, browser, artifacts):
    created = api(stack, "POST", "/workshops", title="Safe online", lessons=LESSONS, language="en")
    assert created.status_code == 201, created.text
    workshop = created.json()
    code, workshop_id = workshop["code"], workshop["id"]
    assert workshop["telegram_url"] == f"https://t.me/{BOT_USERNAME}?start={code}"
    assert workshop["join_url"] == f"{stack.stack.base_url}/?join={code}"

    # Swahili, on Telegram, through the deep link.
    chat = new_chat()
    stack.api.push(stack.api.message(chat, f"/start {code}", "sw"))
    (asked,) = stack.api.wait_sent(chat)
    assert shown(asked) == translate("sw", texts.JOIN_NICKNAME, title="Safe online")
    stack.api.push(stack.api.message(chat, "Juma", "sw"))
    joined, waiting = stack.api.wait_sent(chat, 3)[1:]
    assert shown(joined) == translate("sw", texts.JOINED, nickname="Juma")
    assert shown(waiting) == translate("sw", texts.WAIT_FOR_TRAINER)

    # French and Arabic, in the web chat, through the join link.
    opener = OpenPage(browser, stack.stack.base_url)
    pages = {}
    try:
        for language, locale, nickname in (("fr", "fr-FR", "Claire"), ("ar", "ar", "ليلى")):
            page = opener(locale=locale, url=workshop["join_url"])
            expect(page.locator(".message.assistant .bubble").first).to_have_text(
                translate(language, texts.JOIN_NICKNAME, title="Safe online")
            )
            assert "join=" not in page.url, "reloading does not join again"
            page.locator("#input").fill(nickname)
            page.locator("#input").press("Enter")
            expect(page.locator(".message.assistant")).to_have_count(3)
            pages[language] = page
        expect(pages["ar"].locator("html")).to_have_attribute("dir", "rtl")

        # The trainer's live view, in the browser: everyone is there, waiting.
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, extra_http_headers=BEARER
        )
        trainer = context.new_page()
        trainer.goto(f"{stack.stack.base_url}/admin/workshops/{workshop_id}")
        rows = trainer.locator("table.participants tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.locator("td:first-child")).to_have_text(["Juma", "Claire", "ليلى"])
        expect(trainer.locator(".qr-codes svg")).to_have_count(2)  # Telegram and the web chat

        trainer.get_by_role("button", name="Open the next lesson for everyone").click()
        # Everyone gets the first step in their own language, unasked.
        opened, step = stack.api.wait_sent(chat, 5)[3:]
        assert shown(opened) == translate("sw", texts.TRAINER_OPENED)
        assert shown(step).endswith(lesson("sw").steps[0])
        for language, page in pages.items():
            expect(page.locator(".message.assistant .bubble").last).to_contain_text(
                lesson(language).steps[0].splitlines()[0], timeout=20_000
            )
        for language, page in pages.items():
            take_quiz_on_the_web(page, language)

        # Swahili on Telegram: the steps, then the quiz through the buttons.
        sent = step
        for _ in range(3):
            (sent,) = press(stack, chat, sent, translate("sw", texts.NEXT), 1)
        (sent,) = press(stack, chat, sent, translate("sw", texts.START_QUIZ), 1)
        entry = shipped_lessons().catalogue[FIRST]
        for question, option in zip(entry.questions, CHOICES["sw"], strict=True):
            saved, sent = press(
                stack, chat, sent, lesson("sw").questions[question.id].options[option], 2
            )
            assert shown(saved) == translate("sw", texts.ANSWER_SAVED)
        assert shown(sent) == translate("sw", texts.RESULTS_LATER)

        # The live view adds the three languages' answers up, and updates by itself.
        view = api(stack, "GET", f"/workshops/{workshop_id}").json()
        counts = {(q["lesson"], q["question"]): q["counts"] for q in view["questions"]}
        assert counts[(FIRST, "q1")] == {"a": 1, "b": 2, "c": 0}
        assert counts[(FIRST, "q2")] == {"a": 1, "b": 2, "c": 0}
        assert counts[(FIRST, "q3")] == {"a": 1, "b": 2, "c": 0}
        assert [p["position"]["finished"] for p in view["participants"]] == [True] * 3
        question = lesson("en").questions["q1"].question
        expect(trainer.locator("figure.question figcaption").first).to_contain_text(question)
        meters = trainer.locator("figure.question").first.locator("meter")
        expect(meters).to_have_count(3)
        assert [meters.nth(i).get_attribute("value") for i in range(3)] == ["1", "2", "0"]
        expect(trainer.locator("table.participants")).to_contain_text("finished")
        trainer.screenshot(path=str(artifacts / "workshop-live.png"), full_page=True)

        before = len(stack.api.sent_to(chat))
        trainer.get_by_role("button", name="Show everyone their results").click()
        results = stack.api.wait_sent(chat, before + 1)[-1]
        assert shown(results).startswith(translate("sw", texts.YOUR_RESULTS))
        assert shown(results).endswith(translate("sw", texts.QUIZ_RESULT, right=2, count=3))
        expect(pages["fr"].locator(".message.assistant .bubble").last).to_contain_text(
            translate("fr", texts.QUIZ_RESULT, right=2, count=3), timeout=20_000
        )

        # The group moves on: everyone gets the next lesson in their own language.
        before = len(stack.api.sent_to(chat))
        trainer.get_by_role("button", name="Open the next lesson for everyone").click()
        second = lesson("sw", LESSONS[1])
        nxt = stack.api.wait_sent(chat, before + 2)[-1]
        assert shown(nxt).endswith(second.steps[0])
        expect(pages["ar"].locator(".message.assistant .bubble").last).to_contain_text(
            lesson("ar", LESSONS[1]).steps[0].splitlines()[0], timeout=20_000
        )

        # /forget on Telegram removes the participant and their answers.
        before = len(stack.api.sent_to(chat))
        stack.api.push(stack.api.message(chat, "/forget", "sw"))
        stack.api.wait_sent(chat, before + 1)
        view = api(stack, "GET", f"/workshops/{workshop_id}").json()
        assert [p["nickname"] for p in view["participants"]] == ["Claire", "ليلى"]

        trainer.get_by_role("button", name="End the workshop").click()
        expect(trainer.locator(".workshop-live")).to_contain_text("The workshop has ended.")
        summary = api(stack, "GET", f"/workshops/{workshop_id}").json()["summary"]
        assert summary["participants"] == 2 and summary["completed"][FIRST] == 2
        exported = api(stack, "GET", f"/workshops/{workshop_id}/export.csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert {(r["nickname"], r["lesson"], r["right"]) for r in rows if r["lesson"] == FIRST} == {
            ("Claire", FIRST, "2"), ("ليلى", FIRST, "2"),
        }  # fmt: skip
        context.close()
    finally:
        opener.close()
    assert not opener.errors, opener.errors


def test_the_arabic_handout_is_right_to_left_on_one_a4_page(stack: Running, browser, artifacts):
    context = browser.new_context(extra_http_headers=BEARER)
    try:
        page = context.new_page()
        page.goto(f"{stack.stack.base_url}/admin/lessons/phishing_scams/handout?language=ar")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator("h1")).to_have_text(lesson("ar").title)
        direction = page.evaluate("getComputedStyle(document.body).direction")
        assert direction == "rtl"
        pdf = page.pdf(format="A4", print_background=True)
        (artifacts / "handout-ar.pdf").write_bytes(pdf)
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
        assert pages == 1, f"the handout prints on {pages} pages"
    finally:
        context.close()
