"""Faults in the production shape: PostgreSQL stopped for 30 s, Redis stopped for 30 s, a
Rasa server killed, all while people chat in four languages.

The stack is `digibridge up` with two Rasa servers on a private PostgreSQL (content and
conversations) and a private Redis (Rasa's lock store, our locks and rate limits), servers
that this module starts, stops and starts again itself (`private_servers`). Each simulated
person sends a message about every second and waits for its reply. What they must see:
every reply within the reply timeout, either a right answer (topic and language) or "I'm
having trouble" in their own language (503 `unavailable`, as the chat API says), never a
500, a hang or a broken connection; right answers again soon after the server is back,
without restarting anything; and a history (`/api/history`) holding every answered turn
once, in order. The figures of each fault go to `tests/artifacts/faults.json`.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest
import requests

from bot import PROJECT_ROOT
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.processes.rasa_stores import TICKET_LOCK_SECONDS
from tests.integration.private_servers import (
    PrivatePostgres,
    PrivateRedis,
    private_postgres,
    private_redis,
)
from tests.integration.stack import Stack, session_id, start_stack

REPLY_TIMEOUT = 8.0  # DIGIBRIDGE_REPLY_TIMEOUT of the stack under test (the default)
SLACK = 1.5  # the gateway's own work around the reply timeout (lock, language, JSON)
OUTAGE_SECONDS = 30.0
RECOVERY_SECONDS = 5.0  # after the server is back, every message sent later is answered
# Everyone has a right answer again within one reply timeout of a database's return: the
# first reply then may wait for the turn before it (one at a time per conversation) while
# every server makes its connections again, about 2 s here and 5 s on a loaded machine.
OUTAGE_RECOVERY_SECONDS = REPLY_TIMEOUT
# Chatting goes on this long after the server is back: the first reply of each conversation
# then may take a few seconds (each server's connections are made again), and at least two
# messages of each person fall after RECOVERY_SECONDS.
AFTER_RECOVERY_SECONDS = 15.0
# Rasa's lock store looks again for a free ticket every second (`LockStore.lock`'s wait).
RASA_LOCK_POLL_SECONDS = 1.0
INTERVAL = 1.0  # each person sends a message about this often
KILLED_CHAT_SECONDS = 60.0  # the longest a killed Rasa server may take to come back
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"

SWITCH_TO_FRENCH = ("en français s'il vous plaît", "change_language")
# Each person writes in their own language and gets answers in it (the questions of
# test_chat, known to be understood).
QUESTIONS = {
    "en": [
        ("how do I make a strong password", "strong_passwords"),
        ("someone sent me a text saying I won a prize, is it a scam?", "phishing_scams"),
        ("how do I file my taxes on the internet", "online_tax"),
    ],
    "fr": [
        ("comment faire une copie de sauvegarde de mes photos", "backup_files"),
        ("je veux payer ma facture d'électricité en ligne", "pay_bills_online"),
        ("que dit la déclaration sur la 5G et l'internet des objets", "m_new_infrastructure"),
    ],
    "ar": [
        ("كيف احمي اطفالي على الانترنت", "protect_children"),
        ("كيف احصل على هوية رقمية", "digital_id"),
        ("ماذا يقول البيان عن التجارة الرقمية ومنظمة التجارة العالمية", "m_digital_trade"),
    ],
    "sw": [
        ("nawezaje kuunganisha simu na wifi", "internet_connection"),
        ("nataka kusoma kozi za bure mtandaoni", "online_learning"),
        ("tamko linasema nini kuhusu 5G na intaneti ya vitu", "m_new_infrastructure"),
    ],
}


@dataclass(frozen=True)
class Person:
    name: str
    writes: str  # the language of their messages (and of "I'm having trouble")
    answered_in: str  # the language of their answers
    questions: list[tuple[str, str]]
    opening: tuple[str, str] | None = None  # (message, topic) sent before the chat, if any

    @property
    def sender(self) -> str:
        return session_id(self.name)


@dataclass
class Turn:
    text: str
    topic: str
    sent: float
    seconds: float
    status: int | None  # None: no HTTP answer at all (a hang or a broken connection)
    body: Any  # the JSON answer (or the start of a body that is not JSON)


@dataclass
class Chat:
    person: Person
    turns: list[Turn] = field(default_factory=list)

    def answered(self, turn: Turn) -> bool:
        if turn.status != 200:
            return False
        messages = turn.body["messages"]
        return (
            bool(messages)
            and messages[0]["topic"] == turn.topic
            and all(m["language"] == self.person.answered_in and m["text"] for m in messages)
        )

    def troubled(self, turn: Turn) -> bool:
        """Told "I'm having trouble" in their language: by the gateway (503 `unavailable`),
        or by the action server as its answer when the content store failed under it.
        Someone who asked for another language than they write may be told in either:
        the gateway decides from the message, Rasa from the conversation."""
        for language in dict.fromkeys((self.person.writes, self.person.answered_in)):
            text = translate(language, texts.TROUBLE)
            if turn.status == 503 and turn.body == {
                "error": {"code": "unavailable", "message": text}
            }:
                return True
            if turn.status == 200 and turn.body["messages"] == [
                {"text": text, "buttons": [], "topic": None, "language": language}
            ]:
                return True
        return False


def people(prefix: str) -> list[Person]:
    """One person a language, and one who asked for French and writes in English (their
    answers come in French only while their conversation is intact)."""
    return [
        *(Person(f"{prefix}-{lang}", lang, lang, q) for lang, q in QUESTIONS.items()),
        Person(f"{prefix}-en-fr", "en", "fr", QUESTIONS["en"], SWITCH_TO_FRENCH),
    ]


def _send(stack: Stack, person: Person, text: str, topic: str) -> Turn:
    started = time.monotonic()
    try:
        response = requests.post(
            f"{stack.base_url}/api/chat",
            json={"sender": person.sender, "message": text, "language": person.writes},
            timeout=REPLY_TIMEOUT + 15,
        )
    except requests.RequestException as error:
        return Turn(text, topic, started, time.monotonic() - started, None, repr(error))
    try:
        body = response.json()
    except ValueError:
        body = response.text[:200]  # a 500's HTML page, for instance
    status = response.status_code
    return Turn(text, topic, started, time.monotonic() - started, status, body)


class Chatting:
    """People chatting in threads, each one message at a time, about every INTERVAL."""

    def __init__(self, stack: Stack, persons: list[Person]) -> None:
        self.stack = stack
        self.chats = [Chat(p) for p in persons]
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(c,)) for c in self.chats]

    def _run(self, chat: Chat) -> None:
        i = 0
        while not self._stop.is_set():
            text, topic = chat.person.questions[i % len(chat.person.questions)]
            i += 1
            turn = _send(self.stack, chat.person, text, topic)
            chat.turns.append(turn)
            self._stop.wait(max(0.0, turn.sent + INTERVAL - time.monotonic()))

    def __enter__(self) -> Chatting:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(REPLY_TIMEOUT + 30)


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[PrivatePostgres, PrivateRedis]]:
    with private_postgres() as postgres, private_redis() as redis_server:
        yield postgres, redis_server


@pytest.fixture(scope="module")
def faulty_stack(model, servers, tmp_path_factory) -> Iterator[Stack]:
    postgres, redis_server = servers
    stack = start_stack(
        tmp_path_factory.mktemp("faults"),
        {
            "DIGIBRIDGE_DATABASE_URL": postgres.url,
            "DIGIBRIDGE_TRACKER_STORE_URL": postgres.url,
            "DIGIBRIDGE_LOCK_STORE_URL": redis_server.url,
            "DIGIBRIDGE_REDIS_URL": redis_server.url,
            "DIGIBRIDGE_RASA_SERVERS": "2",
            "DIGIBRIDGE_REPLY_TIMEOUT": str(REPLY_TIMEOUT),
            # A message a second per person fits; the limits still go through Redis.
            "DIGIBRIDGE_WEB_SESSION_RATE": "120",
        },
    )
    try:
        _warm_up(stack)
        yield stack
    finally:
        assert stack.stop() == 0, stack.log_tail()


def _warm_up(stack: Stack, seconds: float = 120) -> None:
    """A first answer from each Rasa server (its first message is the slow one)."""
    deadline = time.monotonic() + seconds
    for index in (0, 1):
        person = Person(_homed_on(index, "warm-up"), "en", "en", QUESTIONS["en"])
        while not Chat(person).answered(_send(stack, person, *QUESTIONS["en"][0])):
            assert time.monotonic() < deadline, stack.log_tail()


def _open(stack: Stack, persons: list[Person]) -> list[Turn]:
    """Each person's first message, sent one at a time on a quiet stack: answered."""
    openings = []
    for person in persons:
        text, topic = person.opening or person.questions[-1]
        turn = _send(stack, person, text, topic)
        assert Chat(person).answered(turn), (person.name, turn.status, turn.body)
        openings.append(turn)
    return openings


def _check_replies(stack: Stack, chats: list[Chat]) -> None:
    for chat in chats:
        for turn in chat.turns:
            assert chat.answered(turn) or chat.troubled(turn), (
                f"{chat.person.name} sent {turn.text!r} and got {turn.status}: {turn.body}\n"
                f"{stack.log_tail()}"
            )
            assert turn.seconds < REPLY_TIMEOUT + SLACK, (chat.person.name, turn.seconds)


def _history_is_intact(stack: Stack, chat: Chat, opening: Turn) -> None:
    """Every answered turn is in the history exactly once, in order, with the answer the
    person saw; nothing is there that was not sent. A turn the person was told "trouble"
    about may be there (Rasa finished it late) or not (it never reached the store)."""
    history = stack.history(chat.person.name)
    stored: list[tuple[str, list[dict]]] = []
    for turn in history:
        if turn["role"] == "user":
            stored.append((turn["text"], []))
        else:
            assert stored, f"an answer before any question: {history}"
            stored[-1][1].append(turn)
    sent = [opening, *chat.turns]

    def seen(turn: Turn) -> list[dict] | None:
        return turn.body["messages"] if chat.answered(turn) else None

    @cache
    def aligns(i: int, j: int) -> bool:  # stored[i:] against sent[j:]
        if j == len(sent):
            return i == len(stored)
        turn = sent[j]
        shown = seen(turn)
        if i < len(stored) and stored[i][0] == turn.text:
            answers = [
                {k: a[k] for k in ("text", "topic", "language") if k in a} for a in stored[i][1]
            ]
            same = shown is None or answers == [
                {k: m[k] for k in ("text", "topic", "language") if k in m} for m in shown
            ]
            if same and aligns(i + 1, j + 1):
                return True
        return shown is None and aligns(i, j + 1)  # only an unanswered turn may be missing

    assert aligns(0, 0), (
        f"{chat.person.name}'s history does not match what they saw:\n"
        f"sent: {[(t.text, t.status) for t in sent]}\nstored: {[s[0] for s in stored]}"
    )


def _figures(
    fault: str, chats: list[Chat], down: float, back: float, since: float, **more: float
) -> dict:
    """What people saw from `down` to `back`: the messages sent then or answered then (one
    in flight when the server stopped included), how many were answered and how many told
    "I'm having trouble"; the slowest reply of the whole test; and how long after `since`
    until every person had a right answer again (`recovery_s`)."""
    during = [
        (c, t) for c in chats for t in c.turns if t.sent < back and t.sent + t.seconds >= down
    ]
    recovery = 0.0
    for chat in chats:
        good = [t for t in chat.turns if t.sent >= since and chat.answered(t)]
        recovery = max(recovery, good[0].sent + good[0].seconds - since if good else math.inf)
    figures = {
        "people": len(chats),
        "messages": sum(len(c.turns) for c in chats),
        "during": len(during),
        "answered_during": sum(1 for c, t in during if c.answered(t)),
        "trouble_during": sum(1 for c, t in during if c.troubled(t)),
        "slowest_reply_s": round(max(t.seconds for c in chats for t in c.turns), 2),
        "recovery_s": round(recovery, 2),
        "trouble_after": sum(1 for c in chats for t in c.turns if t.sent >= back and c.troubled(t)),
        **{name: round(value, 1) for name, value in more.items()},
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "faults.json"
    recorded = json.loads(path.read_text()) if path.exists() else {}
    recorded[fault] = figures
    path.write_text(json.dumps(recorded, indent=2) + "\n")
    print(fault, figures)  # noqa: T201 - the figures of the README, shown with -s
    return figures


def _history_now(stack: Stack, person: Person) -> tuple[int, Any]:
    """`/api/history` as the page asks for it on a reload (with the page's language)."""
    response = requests.post(
        f"{stack.base_url}/api/history",
        json={"sender": person.sender, "language": person.writes},
        timeout=REPLY_TIMEOUT + 15,
    )
    return response.status_code, response.json()


def _outage(
    stack: Stack,
    fault: str,
    stop: Callable[[], None],
    start: Callable[[], None],
    history_readable: bool,
) -> None:
    """People chat while `stop()`..`start()` keeps a server down for OUTAGE_SECONDS. A page
    reloaded meanwhile shows its whole conversation (`history_readable`) or, when the
    conversations themselves are out of reach, "I'm having trouble": never an empty one."""
    persons = people(fault)
    openings = _open(stack, persons)
    logged_before = stack.log.stat().st_size
    with Chatting(stack, persons) as chatting:
        time.sleep(2 * INTERVAL)
        down = time.monotonic()
        stop()
        time.sleep(OUTAGE_SECONDS / 2)
        reloaded = [_history_now(stack, person) for person in persons]
        time.sleep(max(0.0, down + OUTAGE_SECONDS - time.monotonic()))
        start()
        back = time.monotonic()
        time.sleep(AFTER_RECOVERY_SECONDS)
    chats = chatting.chats
    figures = _figures(fault, chats, down, back, back, outage_s=back - down)
    _check_replies(stack, chats)
    assert figures["trouble_during"], "nobody was told of trouble: the outage was not seen"
    for chat, opening, (status, body) in zip(chats, openings, reloaded, strict=True):
        if history_readable:
            assert status == 200, (chat.person.name, status, body)
            assert [t["text"] for t in body["messages"][:1]] == [opening.text], body
        else:
            message = translate(chat.person.writes, texts.TROUBLE)
            assert (status, body) == (503, {"error": {"code": "unavailable", "message": message}})
    with stack.log.open("rb") as log:  # the gateway handled every request, the model
        log.seek(logged_before)  # endpoint's polls included, without a 500
        logged = log.read().decode(errors="replace")
        assert "Error handling request" not in logged, logged[logged.index("Error handling") :]
    for chat in chats:
        late = [t for t in chat.turns if t.sent >= back + RECOVERY_SECONDS]
        assert len(late) >= 2, (chat.person.name, [(t.sent - back, t.seconds) for t in late])
        assert all(chat.answered(t) for t in late), (
            f"{chat.person.name} still not answered {RECOVERY_SECONDS} s after the server was "
            f"back: {[(t.status, t.body) for t in late]}\n{stack.log_tail()}"
        )
    for chat, opening in zip(chats, openings, strict=True):
        _history_is_intact(stack, chat, opening)
    assert figures["recovery_s"] <= OUTAGE_RECOVERY_SECONDS


def test_postgres_stopped_for_30_seconds(faulty_stack, servers):
    postgres, _ = servers
    _outage(faulty_stack, "postgres", postgres.stop, postgres.start, history_readable=False)


def test_redis_stopped_for_30_seconds(faulty_stack, servers):
    _, redis_server = servers
    _outage(faulty_stack, "redis", redis_server.stop, redis_server.start, history_readable=True)


def _rasa_server(stack: Stack, port: int) -> int:
    found = subprocess.run(
        ["pgrep", "-P", str(stack.process.pid), "-f", f"bot.processes.rasa_server .* {port}$"],
        capture_output=True,
        text=True,
    ).stdout.split()
    assert len(found) == 1, found
    return int(found[0])


def _wait_for_rasa(url: str, deadline: float) -> float:
    """When the Rasa server at `url` answers again (restarted by the supervisor)."""
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return time.monotonic()
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the Rasa server at {url} was not restarted")


def _homed_on(index: int, name: str, servers: int = 2) -> str:
    """A name whose conversation the gateway sends to server `index` when both are idle."""
    for n in range(1000):
        candidate = f"{name}-{n}"
        if zlib.crc32(f"web:{session_id(candidate)}".encode()) % servers == index:
            return candidate
    raise AssertionError("no such name")


def test_a_killed_rasa_server_leaves_its_conversations_to_the_other(faulty_stack):
    stack = faulty_stack
    english = QUESTIONS["en"]
    switched = [
        Person(_homed_on(0, "kill-en-fr"), "en", "fr", english, SWITCH_TO_FRENCH),
        Person(_homed_on(0, "kill-en-es"), "en", "es", english,
               ("can you answer in Spanish please", "change_language")),
    ]  # fmt: skip
    persons = switched + [
        Person(_homed_on(0, f"kill-{lang}"), lang, lang, QUESTIONS[lang]) for lang in ("ar", "sw")
    ]
    # Opened one at a time, so each conversation starts on the server that is then killed;
    # the two that asked for French and Spanish must go on in it, written in English.
    openings = _open(stack, persons)
    rasa_port = int(stack.rasa_url.rsplit(":", 1)[1])
    first = _rasa_server(stack, rasa_port)
    with Chatting(stack, persons) as chatting:
        time.sleep(3 * INTERVAL)
        killed = time.monotonic()
        os.kill(first, signal.SIGKILL)
        time.sleep(1)  # gone (the supervisor waits 1 s before it starts another)
        restarted = _wait_for_rasa(stack.rasa_url, killed + KILLED_CHAT_SECONDS)
        time.sleep(AFTER_RECOVERY_SECONDS)  # both servers take messages again
    chats = chatting.chats
    # Nobody waits for the killed server's return: recovery counts from the kill itself.
    figures = _figures(
        "rasa-killed", chats, killed, restarted, killed, restarted_after_s=restarted - killed
    )
    _check_replies(stack, chats)
    assert _rasa_server(stack, rasa_port) != first, "the supervisor restarted the killed server"
    for chat in chats:
        troubled = [t for t in chat.turns if chat.troubled(t)]
        # At most the message that was in flight on the killed server: it may have been
        # saved before the kill, so it is never sent again (it would be answered twice).
        assert len(troubled) <= 1, (chat.person.name, [t.sent - killed for t in troubled])
        after = [t for t in chat.turns if t.sent >= killed + RECOVERY_SECONDS]
        assert len(after) >= 5, (chat.person.name, len(after))
        assert all(chat.answered(t) for t in after), (
            f"{chat.person.name}: {[(t.status, t.body) for t in after if not chat.answered(t)]}"
        )
    for chat, opening in zip(chats, openings, strict=True):
        _history_is_intact(stack, chat, opening)
    # The conversation in flight waits for the killed server's ticket in Rasa's lock store
    # to expire, and Rasa notices within its next look.
    assert figures["recovery_s"] <= TICKET_LOCK_SECONDS + RASA_LOCK_POLL_SECONDS + SLACK
