"""The web chat in a real browser (headless Debian Chromium) against the real stack.

Each test opens its own browser context: its own storage, so its own session id.
"""

from __future__ import annotations

import re
import time

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from bot.i18n import texts
from bot.i18n.catalogs import translate

HOSTILE = ["<img src=x onerror=alert(1)>", "[x](javascript:alert(1))"]
SERIOUS = {"serious", "critical"}
TURNS = ".message:not(.greeting) .bubble"  # what was said, without a first visit's greeting


def ready(page: Page) -> None:
    expect(page.locator("html.ready")).to_have_count(1)


def say(page: Page, text: str) -> None:
    page.locator("#input").fill(text)
    page.locator("#input").press("Enter")


def answered(page: Page, count: int) -> None:
    """Waits for the `count`-th answer and for nothing to be left undelivered."""
    expect(page.locator(".message.assistant")).to_have_count(count)
    expect(page.locator(".message.pending")).to_have_count(0)


def last_answer(page: Page):  # noqa: ANN201 - a Playwright Locator
    return page.locator(".message.assistant .bubble").last


def fonts_used(page: Page, selector: str) -> set[str]:
    """The font families Chromium actually drew `selector`'s text with (not the CSS list)."""
    cdp = page.context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        cdp.send("CSS.enable")
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        return {font["familyName"] for font in fonts if font["glyphCount"] > 0}
    finally:
        cdp.detach()


def focus_ring(page: Page) -> tuple[str, str, float]:
    """(what has focus, its outline style, outline width in px)."""
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            const s = getComputedStyle(e);
            return [e.id || e.className || e.tagName, s.outlineStyle, parseFloat(s.outlineWidth)];
        }"""
    )


def active_id(page: Page) -> str:
    return page.evaluate("() => document.activeElement.id || document.activeElement.className")


def test_asking_in_chinese_gets_chinese_with_a_chinese_font(open_page, artifacts):
    page = open_page(locale="zh-CN")
    ready(page)
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    expect(page.locator("#send")).to_have_text(translate("zh", texts.WEB_SEND))
    expect(page.locator("#input")).to_have_attribute(
        "placeholder", translate("zh", texts.WEB_INPUT)
    )
    say(page, "你好")
    answered(page, 1)
    say(page, "怎么设置一个安全的密码")
    answered(page, 2)
    expect(last_answer(page)).to_have_attribute("lang", "zh")
    assert re.search(r"[\u4e00-\u9fff]", last_answer(page).text_content())
    assert "Noto Sans CJK SC" in fonts_used(page, ".message.assistant:last-child .bubble")
    page.screenshot(path=artifacts / "web-chat-zh.png")


def test_arabic_turns_the_page_right_to_left_and_answers_in_arabic(open_page, artifacts):
    page = open_page(locale="en-GB")
    ready(page)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    say(page, "hello")
    answered(page, 1)
    page.locator("#language").select_option("ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("#send")).to_have_text(translate("ar", texts.WEB_SEND))
    answered(page, 2)
    expect(page.locator(".message.user .bubble").last).to_have_text("العربية")
    expect(last_answer(page)).to_have_attribute("lang", "ar")
    say(page, "how do I make a strong password")
    answered(page, 3)
    expect(last_answer(page)).to_have_attribute("lang", "ar")
    assert re.search(r"[\u0600-\u06ff]", last_answer(page).text_content())
    # Mirrored: the user's messages and the send button are on the left now.
    mine = page.locator(".message.user").last.bounding_box()
    theirs = page.locator(".message.assistant").last.bounding_box()
    assert mine["x"] < 40 and theirs["x"] + theirs["width"] > 320
    send, field = page.locator("#send").bounding_box(), page.locator("#input").bounding_box()
    assert send["x"] < field["x"]
    assert "Noto Sans Arabic" in fonts_used(page, ".message.assistant:last-child .bubble")
    page.screenshot(path=artifacts / "web-chat-ar.png")


def test_quick_reply_buttons_answer_and_show_their_title(open_page, artifacts):
    page = open_page()
    ready(page)
    say(page, "what can you do?")
    answered(page, 1)
    page.screenshot(path=artifacts / "web-chat-en.png")
    family = page.locator(".message.assistant").last.locator("button.reply").nth(1)
    title = family.text_content()
    family.click()
    answered(page, 2)
    expect(page.locator(".message.user .bubble").last).to_have_text(title)  # not the payload
    topic = page.locator(".message.assistant").last.locator("button.reply").first
    topic_title = topic.text_content()
    topic.click()
    answered(page, 3)
    expect(page.locator(".message.user .bubble").last).to_have_text(topic_title)
    assert len(last_answer(page).text_content()) > 40


def test_the_conversation_survives_a_reload_and_a_closed_tab(open_page):
    page = open_page(locale="fr-FR")
    ready(page)
    say(page, "bonjour")
    answered(page, 1)
    say(page, "comment faire une copie de sauvegarde de mes photos")
    answered(page, 2)
    before = page.locator(TURNS).all_text_contents()
    page.reload()
    ready(page)
    expect(page.locator(TURNS)).to_have_count(len(before))
    assert page.locator(TURNS).all_text_contents() == before
    context = page.context
    page.close()
    tab = context.new_page()
    open_page.watch(tab)
    tab.goto(open_page.base_url + "/")
    ready(tab)
    expect(tab.locator(TURNS)).to_have_count(len(before))
    assert tab.locator(TURNS).all_text_contents() == before


def test_new_conversation_starts_afresh(open_page):
    page = open_page()
    ready(page)
    say(page, "hello")
    answered(page, 1)
    old = page.evaluate("() => localStorage.getItem('digibridge.sender')")
    page.locator("#new-conversation").click()
    expect(page.locator(".message")).to_have_count(1)  # only the greeting of a first visit
    expect(page.locator(".message.greeting")).to_have_count(1)
    assert page.evaluate("() => localStorage.getItem('digibridge.sender')") != old
    page.reload()
    ready(page)
    expect(page.locator(".message")).to_have_count(1)
    expect(page.locator(".message.greeting")).to_have_count(1)


def test_a_whole_conversation_with_the_keyboard_alone(open_page):
    page = open_page()
    ready(page)
    seen = []
    for _ in range(12):  # Tab through the page to the input, every stop visibly focused
        page.keyboard.press("Tab")
        name, style, width = focus_ring(page)
        seen.append(name)
        assert style != "none" and width >= 2, f"no visible focus on {name}"
        if name == "text-size":
            page.keyboard.press("ArrowDown")  # larger text, for the projector
        if name == "input":
            break
    assert seen[:2] == ["language", "text-size"] and seen[-1] == "input", seen
    expect(page.locator("html")).to_have_attribute("data-text-size", "125")
    assert page.evaluate("() => getComputedStyle(document.documentElement).fontSize") == "20px"
    page.keyboard.type("what can you do?")
    page.keyboard.press("Enter")
    answered(page, 1)
    for _ in range(3):  # back from the input, past "Check my skills" and "Lessons"...
        page.keyboard.press("Shift+Tab")
    assert "reply" in active_id(page)
    page.keyboard.press("Enter")  # ...to the last family
    answered(page, 2)
    assert active_id(page) == "input"  # ready to type again
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # a topic of that family
    answered(page, 3)
    assert len(last_answer(page).text_content()) > 40
    # "Erase my data" asks first; Escape cancels and gives focus back.
    for _ in range(40):
        if active_id(page) == "erase":
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#confirm-erase")).to_be_visible()
    assert active_id(page) == "confirm-erase-no"  # the safe choice has focus
    page.keyboard.press("Escape")
    expect(page.locator("#confirm-erase")).to_be_hidden()
    assert active_id(page) == "erase"
    expect(page.locator(".message.assistant")).to_have_count(3)


def test_erase_my_data_asks_then_erases_everything(open_page, web_stack):
    page = open_page(locale="fr-FR")
    ready(page)
    say(page, "bonjour")
    answered(page, 1)
    old = page.evaluate("() => localStorage.getItem('digibridge.sender')")
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", old)
    page.locator("#erase").click()
    expect(page.locator("#confirm-erase")).to_be_visible()
    expect(page.locator("#confirm-erase-text")).to_have_text(
        translate("fr", texts.WEB_CONFIRM_ERASE)
    )
    page.locator("#confirm-erase-no").click()
    expect(page.locator("#confirm-erase")).to_be_hidden()
    expect(page.locator(".message:not(.greeting)")).to_have_count(2)
    page.locator("#erase").click()
    page.locator("#confirm-erase-yes").click()
    expect(page.locator(".message:not(.greeting)")).to_have_count(1)
    expect(page.locator(".message.greeting")).to_have_count(1)  # as for a first visit
    expect(page.locator(".message:not(.greeting) .bubble")).to_have_text(
        translate("fr", texts.DATA_ERASED)
    )
    new = page.evaluate("() => localStorage.getItem('digibridge.sender')")
    assert new != old and re.fullmatch(r"[A-Za-z0-9_-]{22}", new)
    history = requests.post(
        f"{web_stack.base_url}/api/history", json={"sender": old}, timeout=10
    ).json()
    assert history == {"messages": [], "voice": False}


def test_hostile_text_is_shown_as_text(open_page):
    page = open_page()
    ready(page)
    for count, text in enumerate(HOSTILE, start=1):
        say(page, text)
        answered(page, count)
    say(page, "See https://example.org/help. Or write to mailto:help@example.org")
    answered(page, len(HOSTILE) + 1)
    for attempt in range(2):  # as sent, then as restored from the server after a reload
        mine = page.locator(".message.user .bubble")
        for index, text in enumerate(HOSTILE):
            expect(mine.nth(index)).to_have_text(text)
        assert page.locator(".messages img").count() == 0
        hrefs = page.locator(".messages a").evaluate_all("links => links.map(a => a.href)")
        assert hrefs == ["https://example.org/help", "mailto:help@example.org"]
        if attempt == 0:
            page.reload()
            ready(page)
    page.wait_for_timeout(300)
    assert open_page.dialogs == []


@pytest.mark.parametrize("locale", ["en-US", "ar"])
def test_no_serious_accessibility_violations(open_page, locale):
    page = open_page(locale=locale)
    ready(page)
    say(page, "what can you do?")
    answered(page, 1)
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    assert not serious, results.generate_report()
    page.locator("#erase").click()  # and the confirmation, open
    expect(page.locator("#confirm-erase")).to_be_visible()
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    assert not serious, results.generate_report()


def test_offline_then_retrying_then_delivered(open_page):
    page = open_page()
    ready(page)
    page.context.set_offline(True)
    say(page, "hello")
    expect(page.locator("#status")).to_have_text(translate("en", texts.WEB_OFFLINE))
    expect(page.locator("#retrying")).to_have_text(translate("en", texts.WEB_RETRYING))
    expect(page.locator(".message.pending")).to_have_count(1)
    page.context.set_offline(False)
    answered(page, 1)
    expect(page.locator("#status")).to_have_text("")
    expect(page.locator("#retrying")).to_be_hidden()


def _wait_for_console(opener, needle: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not any(needle in message for message in opener.console):
        assert time.monotonic() < deadline, f"no console message with {needle!r}"
        time.sleep(0.1)


def test_the_widget_opens_on_an_allowed_site_only(open_page, allowed_site, refused_site, artifacts):
    page = open_page(url=f"{allowed_site.origin}/")
    button = page.locator("#digibridge-widget button")
    expect(button).to_have_text(translate("fr", texts.WIDGET_OPEN))
    expect(button).to_have_attribute("aria-expanded", "false")
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(button).to_have_text(translate("fr", texts.WIDGET_CLOSE))
    chat = page.frame_locator("#digibridge-widget iframe")
    expect(chat.locator("html.ready")).to_have_count(1)
    expect(chat.locator("#title")).to_have_text("Bibliothèque : aide numérique")
    expect(chat.locator("#send")).to_have_text(translate("fr", texts.WEB_SEND))
    chat.locator("#input").fill("bonjour")
    chat.locator("#input").press("Enter")
    expect(chat.locator(".message.assistant")).to_have_count(1)
    page.screenshot(path=artifacts / "widget-fr.png")
    chat.locator("#input").press("Escape")  # closes the panel, focus back on the button
    expect(button).to_have_attribute("aria-expanded", "false")
    assert page.evaluate("() => document.activeElement.id") == "digibridge-widget"

    other = open_page(url=f"{refused_site.origin}/")
    _wait_for_console(open_page, f"does not allow {refused_site.origin}")
    expect(other.locator("#digibridge-widget")).to_have_count(0)
    # Framing the page directly is refused too (CSP frame-ancestors).
    direct = other.locator("#direct").element_handle().content_frame()
    direct.wait_for_load_state()
    assert direct.locator("#input").count() == 0


def test_a_first_visit_is_greeted_with_what_the_chat_can_do(open_page, web_stack):
    page = open_page(locale="pt-BR")
    ready(page)
    greeting = page.locator(".message.greeting")
    expect(greeting).to_have_count(1)
    ui = requests.get(f"{web_stack.base_url}/api/ui?language=pt", timeout=10).json()
    assert ui["greeting"]["topic"] == "greet" and ui["greeting"]["language"] == "pt"
    language_line = translate("pt", texts.WEB_WELCOME_LANGUAGE)
    expect(greeting.locator(".bubble")).to_have_text(f"{ui['greeting']['text']}\n\n{language_line}")
    families = [b["title"] for b in ui["greeting"]["buttons"]]
    assert families[3:] == [translate("pt", texts.LESSONS), translate("pt", texts.SELFCHECK)]
    assert len(families) == 5, "the three families, the lessons and the self-check"
    expect(greeting.locator("button.reply")).to_have_text(families)
    page.locator("#language").select_option("sw")  # the greeting follows the language
    expect(greeting.locator(".bubble")).to_contain_text(translate("sw", texts.WEB_WELCOME_LANGUAGE))
    expect(page.locator(".message.greeting")).to_have_count(1)
    greeting.locator("button.reply").nth(1).click()
    answered(page, 2)  # the language change, then the family's topics


def playing(page: Page, index: int = -1) -> None:
    """Waits until the answer's audio has really played for a while (not just loaded)."""
    page.wait_for_function(
        """(index) => {
            const all = document.querySelectorAll(".speech audio");
            const audio = all[index < 0 ? all.length + index : index];
            return audio && !audio.error && audio.duration > 1 && audio.currentTime > 0.5;
        }""",
        arg=index,
    )


def test_listen_plays_the_answer_in_the_page_and_is_reached_with_the_keyboard(open_page):
    page = open_page(locale="es-ES")
    ready(page)
    say(page, "¿cómo hago una contraseña segura?")
    answered(page, 1)
    answer = page.locator(".message.assistant").last
    listen = answer.locator("button.listen")
    expect(listen).to_have_text("🔊 Escuchar")
    page.locator("#input").focus()
    for _ in range(15):  # back from the text box, past the answer's buttons
        if page.evaluate("() => document.activeElement.className") == "listen":
            break
        page.keyboard.press("Shift+Tab")
    assert page.evaluate("() => document.activeElement.className") == "listen"
    page.keyboard.press("Enter")
    audio = answer.locator(".speech audio")
    expect(audio).to_have_attribute("aria-label", translate("es", texts.WEB_AUDIO))
    assert audio.evaluate("(a) => a.controls") is True
    playing(page)
    page.keyboard.press("Tab")  # the player itself is the next stop
    assert page.evaluate("() => document.activeElement.tagName") == "AUDIO"
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    assert not serious, results.generate_report()


def test_the_always_read_aloud_switch_plays_each_answer_and_is_remembered(open_page):
    page = open_page(locale="sw")
    ready(page)
    switch = page.get_by_role("switch", name=translate("sw", texts.WEB_VOICE_SWITCH))
    expect(switch).not_to_be_checked()
    switch.check()
    say(page, "nawezaje kuunganisha simu na wifi")
    answered(page, 1)
    playing(page)
    page.reload()
    ready(page)
    expect(switch).to_be_checked()
    page.locator("#erase").click()
    page.locator("#confirm-erase-yes").click()
    expect(switch).not_to_be_checked()
