"""A workshop through the admin API and the web chat's API, on a real database (Rasa is not
needed: lessons and workshops are answered by the core). Participants in French, Arabic and
Swahili join, take a lesson's quiz, and see what the trainer opens, announces and ends, each
in their own language; the trainer's view adds their answers up across languages. (With
Telegram and Chromium: tests/integration/test_workshop.py.)"""

import asyncio
import csv
import io
import re
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update
from sqlalchemy.orm import Session

import bot.cli
import bot.supervisor
from bot.admin.accounts import Accounts
from bot.admin.web.workshop_pages import lan_address
from bot.core.build import shipped_lessons
from bot.core.people import Speaker
from bot.db.engine import create_database_engine
from bot.db.migrate import upgrade
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.lessons.progress import ProgressStore
from bot.settings import Settings
from bot.workshops.links import TrainerLinks
from bot.workshops.models import Workshop
from bot.workshops.store import WorkshopStore
from tests.unit.gateway_app import gateway_app

TOKEN = "w" * 40
BEARER = {"Authorization": f"Bearer {TOKEN}"}
PEOPLE = {
    "fr": "Participante-fr-0000000001",
    "ar": "Participant-ar-00000000001",
    "sw": "Mshiriki-sw-00000000000001",
}
NICKNAMES = {"fr": "Claire", "ar": "ليلى", "sw": "Juma"}
LESSON = "phishing_scams"
ALONE = "Alone-learner-0000000000001"
SELF = "Autoavaliacao-pt-000000001"


def run(tmp_path, scenario):
    async def go():
        settings = Settings(data_dir=tmp_path, admin_token=TOKEN, web_session_rate=0)
        app = gateway_app(settings, tmp_path)
        async with TestClient(TestServer(app)) as client:
            await scenario(client)

    asyncio.run(go())


async def say(client, language, message, sender=None):
    body = {"sender": sender or PEOPLE[language], "message": message, "language": language}
    response = await client.post("/api/chat", json=body)
    assert response.status == 200, await response.text()
    return (await response.json())["messages"]


async def inbox(client, language, sender=None):
    response = await client.post("/api/inbox", json={"sender": sender or PEOPLE[language]})
    return (await response.json())["messages"]


async def live(client, workshop):
    response = await client.get(f"/admin/api/workshops/{workshop}", headers=BEARER)
    assert response.status == 200
    return await response.json()


def lesson_text(language):
    return shipped_lessons().text(LESSON, language)


def test_a_workshop_in_three_languages_from_joining_to_the_summary(tmp_path):
    lessons = shipped_lessons()
    entry = lessons.catalogue[LESSON]

    async def scenario(client):
        listed = await client.get("/admin/api/lessons", headers=BEARER)
        catalogue = {lesson["id"]: lesson for lesson in await listed.json()}
        assert catalogue[LESSON]["area"] == "safety"
        assert catalogue[LESSON]["titles"]["sw"] == lesson_text("sw").title
        created = await client.post(
            "/admin/api/workshops",
            json={
                "title": "Safe online",
                "lessons": [LESSON, "strong_passwords"],
                "language": "en",
            },
            headers=BEARER,
        )
        assert created.status == 201
        workshop = await created.json()
        code = workshop["code"]
        assert workshop["join_url"].endswith(f"/?join={code}") and workshop["telegram_url"] is None
        assert not set(code) & set("0O1IL"), "no look-alike characters"

        for language in PEOPLE:
            joined = await say(client, language, f"/join {code.lower()}")
            assert [(r["topic"], r["language"]) for r in joined] == [("workshop_join", language)]
            assert joined[0]["text"] == translate(
                language, texts.JOIN_NICKNAME, title="Safe online"
            )
            named = await say(client, language, NICKNAMES[language])
            assert named[0]["text"] == translate(
                language, texts.JOINED, nickname=NICKNAMES[language]
            )
            assert named[1]["text"] == translate(language, texts.WAIT_FOR_TRAINER)

        view = await live(client, workshop["id"])
        assert [
            (p["nickname"], p["language"], p["channel"], p["position"])
            for p in view["participants"]
        ] == [(NICKNAMES[lang], lang, "web", None) for lang in PEOPLE]

        advanced = await client.post(
            f"/admin/api/workshops/{workshop['id']}/advance", headers=BEARER
        )
        assert (await advanced.json())["delivered"] == 3
        for language in PEOPLE:
            opened, step = await inbox(client, language)
            assert opened["text"] == translate(language, texts.TRAINER_OPENED)
            assert step["language"] == language and step["topic"] == "lesson"
            assert step["text"].endswith(lesson_text(language).steps[0])
            assert [b["title"] for b in step["buttons"]] == [
                translate(language, texts.NEXT),
                translate(language, texts.ASK_FOR_HELP),
            ]

        # Everyone answers the quiz; the answers stay hidden until the trainer shows them.
        choices = {"fr": ["b", "b", "b"], "ar": ["a", "b", "b"], "sw": ["b", "c", "b"]}
        for language, options in choices.items():
            for question, option in zip(entry.questions, options, strict=True):
                said = await say(
                    client, language,
                    f'/quiz{{"lesson": "{LESSON}", "q": "{question.id}", "a": "{option}"}}',
                )  # fmt: skip
                assert said[0]["text"] == translate(language, texts.ANSWER_SAVED)
            assert said[-1]["text"] == translate(language, texts.RESULTS_LATER)
        helped = await say(client, "ar", "/workshop_help")
        assert helped[0]["text"] == translate("ar", texts.HELP_ASKED)

        view = await live(client, workshop["id"])
        first = next(
            q for q in view["questions"] if q["lesson"] == LESSON and q["question"] == "q1"
        )
        assert first["counts"] == {"a": 1, "b": 2, "c": 0} and first["right"] == "b"
        assert first["text"] == lesson_text("en").questions["q1"].question
        second = next(
            q for q in view["questions"] if q["question"] == "q2" and q["lesson"] == LESSON
        )
        assert second["counts"] == {"a": 0, "b": 2, "c": 1}
        assert [p["position"]["finished"] for p in view["participants"]] == [True, True, True]
        assert [p["needs_help"] for p in view["participants"]] == [False, True, False]

        closed = await client.post(
            f"/admin/api/workshops/{workshop['id']}/close-quiz", headers=BEARER
        )
        assert (await closed.json())["quiz_closed"] is True
        late = await say(client, "sw", f'/quiz{{"lesson": "{LESSON}", "q": "q1", "a": "a"}}')
        assert late[0]["text"] == translate("sw", texts.QUIZ_CLOSED)

        shown = await client.post(f"/admin/api/workshops/{workshop['id']}/results", headers=BEARER)
        assert (await shown.json())["delivered"] == 3
        results = {language: (await inbox(client, language))[0] for language in PEOPLE}
        feedback = lesson_text("ar").questions["q1"].feedback["a"]
        assert results["ar"]["language"] == "ar" and feedback in results["ar"]["text"]
        assert results["ar"]["text"].endswith(translate("ar", texts.QUIZ_RESULT, right=2, count=3))
        assert results["fr"]["text"].startswith(translate("fr", texts.YOUR_RESULTS))

        announced = await client.post(
            f"/admin/api/workshops/{workshop['id']}/announce", json={"message": "break"},
            headers=BEARER,
        )  # fmt: skip
        assert (await announced.json())["delivered"] == 3
        for language in PEOPLE:
            assert (await inbox(client, language))[0]["text"] == translate(
                language, texts.ANNOUNCE_BREAK
            )
        wrong = await client.post(
            f"/admin/api/workshops/{workshop['id']}/announce", json={"message": "party"},
            headers=BEARER,
        )  # fmt: skip
        assert wrong.status == 409

        exported = await client.get(
            f"/admin/api/workshops/{workshop['id']}/export.csv", headers=BEARER
        )
        rows = list(csv.DictReader(io.StringIO(await exported.text())))
        assert [(r["nickname"], r["lesson"], r["right"]) for r in rows] == [
            ("Claire", LESSON, "3"),
            ("ليلى", LESSON, "2"),
            ("Juma", LESSON, "2"),
        ]

        # /forget from a participant removes their membership and their answers.
        erased = await client.post("/api/forget", json={"sender": PEOPLE["sw"]})
        assert erased.status == 200
        view = await live(client, workshop["id"])
        assert [p["nickname"] for p in view["participants"]] == ["Claire", "ليلى"]
        first = next(
            q for q in view["questions"] if q["lesson"] == LESSON and q["question"] == "q1"
        )
        assert first["counts"] == {"a": 1, "b": 1, "c": 0}

        ended = await client.post(f"/admin/api/workshops/{workshop['id']}/end", headers=BEARER)
        summary = (await ended.json())["summary"]
        assert summary["participants"] == 2 and summary["completed"] == {
            LESSON: 2,
            "strong_passwords": 0,
        }
        assert summary["languages"] == {"fr": 1, "ar": 1}
        thanks = (await inbox(client, "fr"))[0]
        assert thanks["text"] == translate("fr", texts.WORKSHOP_ENDED)
        again = await say(client, "fr", f"/join {code}")
        assert again[0]["text"] == translate("fr", texts.JOIN_ENDED)

    run(tmp_path, scenario)


def test_joining_with_a_wrong_code_or_none_says_what_to_do(tmp_path):
    async def scenario(client):
        unknown = await say(client, "fr", "/join QQQ777")
        assert unknown[0]["text"] == translate("fr", texts.JOIN_UNKNOWN, code="QQQ777")
        bare = await say(client, "fr", "/join")
        assert bare[0]["text"] == translate("fr", texts.JOIN_HOW, example="KX7P4M")
        created = await client.post(
            "/admin/api/workshops", json={"title": "x", "lessons": ["nope"]}, headers=BEARER
        )
        assert created.status == 422
        missing = await client.post(
            "/admin/api/workshops", json={"title": "", "lessons": ["documents"]}, headers=BEARER
        )
        assert missing.status == 422
        nothing = await client.get("/admin/api/workshops/doesnotexist", headers=BEARER)
        assert nothing.status == 404

    run(tmp_path, scenario)


@pytest.mark.parametrize("language", ["en", "sw"])
def test_a_lesson_alone_from_the_menu_with_feedback_on_every_answer(tmp_path, language):
    entry = shipped_lessons().catalogue["strong_passwords"]
    text = shipped_lessons().text("strong_passwords", language)

    async def scenario(client):
        menu = await say(client, language, "/lessons", ALONE)
        assert menu[0]["buttons"][0]["title"] == text.title
        step = await say(client, language, '/lesson{"lesson": "strong_passwords"}', ALONE)
        assert step[0]["text"] == (
            translate(language, texts.LESSON_STEP, title=text.title, number=1, count=entry.steps)
            + "\n\n" + text.steps[0]
        )  # fmt: skip
        await say(client, language, '/lesson{"lesson": "strong_passwords", "step": "2"}', ALONE)
        resumed = await say(client, language, "/lessons", ALONE)
        assert resumed[0]["buttons"][0]["title"] == translate(
            language, texts.CONTINUE_LESSON, title=text.title
        )
        again = await say(client, language, resumed[0]["buttons"][0]["payload"], ALONE)
        assert again[0]["text"].endswith(text.steps[1]), "resumes where it was left"
        wrong = await say(
            client, language, '/quiz{"lesson": "strong_passwords", "q": "q1", "a": "a"}', ALONE
        )
        assert wrong[0]["text"] == text.questions["q1"].feedback["a"]
        assert wrong[1]["text"].endswith(text.questions["q2"].question)
        await say(
            client, language, '/quiz{"lesson": "strong_passwords", "q": "q2", "a": "b"}', ALONE
        )
        done = await say(
            client, language, '/quiz{"lesson": "strong_passwords", "q": "q3", "a": "b"}', ALONE
        )
        assert done[0]["text"] == text.questions["q3"].feedback["b"]
        assert done[1]["text"].startswith(translate(language, texts.QUIZ_RESULT, right=2, count=3))
        assert done[1]["buttons"][-2]["title"] == translate(language, texts.LESSONS)

    run(tmp_path, scenario)


def test_the_self_check_recommends_the_lesson_of_the_weakest_area_and_shows_the_change(tmp_path):
    lessons = shipped_lessons()

    async def scenario(client):
        intro = await say(client, "pt", "/selfcheck", SELF)
        assert intro[0]["text"] == translate("pt", texts.SELFCHECK_INTRO, count=10)
        # Everything right except both problem-solving questions.
        for question in lessons.selfcheck:
            option = (
                question.right
                if question.area != "problem_solving"
                else next(o for o in question.options if o != question.right)
            )
            said = await say(
                client, "pt", f'/selfcheck{{"q": "{question.id}", "a": "{option}"}}', SELF
            )
        result = said[-1]
        weak = lessons.area_name("problem_solving", "pt")
        assert translate("pt", texts.SELFCHECK_WEAK, areas=weak) in result["text"]
        assert result["buttons"][0]["payload"] == '/lesson{"lesson": "fixing_connection"}'
        for question in lessons.selfcheck:
            said = await say(
                client, "pt", f'/selfcheck{{"q": "{question.id}", "a": "{question.right}"}}', SELF
            )
        assert (
            translate("pt", texts.SELFCHECK_CHANGE, before=8, count=10, after=10)
            in said[-1]["text"]
        )
        assert translate("pt", texts.SELFCHECK_ALL_RIGHT) in said[-1]["text"]

    run(tmp_path, scenario)


def test_a_trainer_links_their_chat_account_and_leads_from_the_chat(tmp_path):
    """The same controls as the live view, from a chat (as on Telegram), once linked."""
    trainer, participant = "Trainer-chat-000000000001", "Participant-es-0000000001"

    async def scenario(client):
        app_engine = create_database_engine(f"sqlite:///{tmp_path / 'digibridge.sqlite3'}")
        staff, _ = Accounts(app_engine).create_user("rehema", "trainer")
        refused = await say(client, "en", "/workshop new Safe", trainer)
        assert refused[0]["text"] == translate("en", texts.TRAINER_NOT_LINKED)
        code = TrainerLinks(app_engine).issue(staff.id)
        wrong = await say(client, "en", "/link QQQ777", trainer)
        assert wrong[0]["text"] == translate("en", texts.TRAINER_LINK_WRONG)
        linked = await say(client, "en", f"/link {code}", trainer)
        assert linked[0]["text"] == translate("en", texts.TRAINER_LINKED, name="rehema")
        again = await say(client, "en", f"/link {code}", trainer)
        assert again[0]["text"] == translate("en", texts.TRAINER_LINK_WRONG), "used once"

        (created,) = await say(client, "en", "/workshop new Safe online", trainer)
        join = re.search(r"/join (\w+)", created["text"]).group(1)
        add = next(b for b in created["buttons"] if b["title"] == "+ " + lesson_text("en").title)
        (chosen,) = await say(client, "en", add["payload"], trainer)
        assert (
            translate("en", texts.WORKSHOP_LESSONS, lessons=lesson_text("en").title)
            in chosen["text"]
        )

        await say(client, "es", f"/join {join}", participant)
        await say(client, "es", "Lucía", participant)
        sent, status = await say(client, "en", "/workshop next", trainer)
        assert sent["text"] == translate("en", texts.SENT_TO, count=1)
        assert (
            "- Lucía (Español): " + translate("en", texts.AT_STEP, number=1, count=4)
            in status["text"]
        )
        opened, step = await inbox(client, "es", participant)
        assert step["text"].endswith(lesson_text("es").steps[0])
        await say(client, "es", f'/quiz{{"lesson": "{LESSON}", "q": "q1", "a": "b"}}', participant)
        (status,) = await say(client, "en", "/workshop status", trainer)
        question = lesson_text("en").questions["q1"]
        right = translate("en", texts.RIGHT_OPTION)
        assert f"1 · {question.options['b']} ({right})" in status["text"]
        end = next(
            b for b in status["buttons"] if b["title"] == translate("en", texts.END_WORKSHOP)
        )
        (ended,) = await say(client, "en", end["payload"], trainer)
        assert translate("en", texts.WORKSHOP_ENDED) in ended["text"] and not ended["buttons"]
        app_engine.dispose()

    run(tmp_path, scenario)


def test_participants_are_erased_when_the_retention_ends_and_the_summary_stays(tmp_path):
    engine = create_database_engine(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    upgrade(engine, load_content=False)
    store, progress = WorkshopStore(engine), ProgressStore(engine)
    state = store.create("Old", [LESSON], "en", "rehema")
    speaker = Speaker("web", "web:someone", "web:someone", "someone")
    member = store.join(speaker, state.id, "fr")
    store.set_nickname(member.id, "Claire")
    store.advance(state.id)
    progress.answer(speaker, LESSON, state.id, "q1", "b", last=False)
    store.end(state.id, {"participants": 1})
    assert store.erase_expired(30) == 0, "ended just now: kept"
    with Session(engine, future=True) as session, session.begin():
        ended = store.get(state.id).ended_at - timedelta(days=31)
        session.execute(update(Workshop).where(Workshop.id == state.id).values(ended_at=ended))
    assert store.erase_expired(30) == 1
    assert store.members(state.id) == [] and progress.workshop_positions(state.id) == {}
    assert store.get(state.id).summary == {"participants": 1}
    assert store.erase_expired(30) == 0, "once"
    engine.dispose()


def test_workshop_mode_shows_the_laptops_wifi_address(tmp_path):
    async def scenario(client):
        created = await client.post(
            "/admin/api/workshops", json={"title": "Library", "lessons": ["video_calls"]},
            headers=BEARER,
        )  # fmt: skip
        workshop = await created.json()
        page = await (await client.get(f"/admin/workshops/{workshop['id']}", headers=BEARER)).text()
        address = lan_address()
        if address is None:
            pytest.skip("this machine has no network address besides loopback")
        assert f"http://{address}:8080/?join={workshop['code']}" in page
        assert page.count("<svg") == 2, "the web chat's link and the Wi-Fi link as QR codes"

    async def go():
        settings = Settings(data_dir=tmp_path, admin_token=TOKEN, host="0.0.0.0")  # noqa: S104
        async with TestClient(TestServer(gateway_app(settings, tmp_path))) as client:
            await scenario(client)

    asyncio.run(go())


def test_lesson_texts_are_edited_checked_exported_and_imported(tmp_path):
    """Lesson text is content like answers: an edit is served at once, a broken one is
    refused with why, and a translator's PO, CSV or YAML round-trips."""
    lessons = shipped_lessons()
    key = "video_calls.quiz.q1.feedback.a"

    async def scenario(client):
        shown = await (await client.get("/admin/api/lessons/video_calls/fr", headers=BEARER)).json()
        fields = {f["key"]: f for f in shown["fields"]}
        assert (
            fields[key]["text"] == lessons.text("video_calls", "fr").questions["q1"].feedback["a"]
        )
        assert (
            fields[key]["english"]
            == lessons.text("video_calls", "en").questions["q1"].feedback["a"]
        )
        new = "Oui. Coupez la vidéo et gardez le son : la connexion suffit alors souvent."
        saved = await client.put(
            "/admin/api/lessons/video_calls/fr", json={"fields": {key: new}}, headers=BEARER
        )
        assert saved.status == 200 and (await saved.json())["edited"] is True
        await say(client, "fr", '/quiz{"lesson": "video_calls", "q": "q1"}', ALONE)
        answered = await say(
            client, "fr", '/quiz{"lesson": "video_calls", "q": "q1", "a": "a"}', ALONE
        )
        assert answered[0]["text"] == new, "served at once"
        too_long = await client.put(
            "/admin/api/lessons/video_calls/fr", json={"fields": {key: "x" * 201}}, headers=BEARER
        )
        assert too_long.status == 422
        assert "201 characters (at most 200)" in (await too_long.json())["error"]["message"]

        for fmt in ("po", "csv", "yaml"):
            exported = await client.get(
                f"/admin/api/lessons/export?format={fmt}&language=fr", headers=BEARER
            )
            body = await exported.read()
            assert new.encode() in body
            changed = body.replace(new.encode(), f"Oui ({fmt}). Coupez la vidéo.".encode())
            new = f"Oui ({fmt}). Coupez la vidéo."
            imported = await client.post(
                f"/admin/api/lessons/import?format={fmt}", data=changed, headers=BEARER
            )
            assert (await imported.json()) == {"changed": 1}, fmt
            now = await (
                await client.get("/admin/api/lessons/video_calls/fr", headers=BEARER)
            ).json()
            assert {f["key"]: f["text"] for f in now["fields"]}[
                key
            ] == f"Oui ({fmt}). Coupez la vidéo."
        broken = await client.post(
            "/admin/api/lessons/import?format=csv",
            data=f"key,language,english,text\n{key},fr,,{'y' * 300}\n".encode(),
            headers=BEARER,
        )
        assert broken.status == 422
        reverted = await client.delete("/admin/api/lessons/video_calls/fr", headers=BEARER)
        assert (await reverted.json())["edited"] is False
        page = await client.get("/admin/lessons/video_calls/text/ar", headers=BEARER)
        assert 'dir="rtl"' in await page.text()

    run(tmp_path, scenario)


def test_workshop_mode_is_digibridge_up_with_host(monkeypatch, tmp_path):
    started = {}
    monkeypatch.setenv("DIGIBRIDGE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(bot.supervisor, "up", lambda settings, train: started.update(
        host=settings.host, train=train) or 0)  # fmt: skip
    assert bot.cli.main(["up", "--host", "0.0.0.0", "--no-train"]) == 0  # noqa: S104
    assert started == {"host": "0.0.0.0", "train": False}  # noqa: S104
    assert bot.cli.main(["up"]) == 0
    assert started["host"] == "127.0.0.1", "local only unless asked"
