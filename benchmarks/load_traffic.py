"""Closed-loop chat traffic: each simulated user is one conversation that sends a message,
waits for the reply and sends the next, as a person does (a flood of unanswered requests
would measure queues, not conversations)."""

from __future__ import annotations

import asyncio
import math
import secrets
import time
from dataclasses import dataclass

import aiohttp

from bot import PROJECT_ROOT
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.i18n.locales import SUPPORTED_LANGUAGES
from bot.training_data import read_examples

TIMEOUT_SECONDS = 30.0
CITIZEN = PROJECT_ROOT / "benchmarks" / "nlu" / "citizen"
# DigiBridge's "I'm having trouble" in every language: a reply that says it is an error.
TROUBLE = {translate(language, texts.TROUBLE) for language in SUPPORTED_LANGUAGES}


def citizen_messages() -> list[str]:
    """The citizen questions of every language, interleaved (one of each language in turn),
    so that any stretch of traffic mixes languages as a real deployment's does."""
    per_language = [
        [text for examples in read_examples(CITIZEN / f"{lang}.yml").values() for text in examples]
        for lang in SUPPORTED_LANGUAGES
    ]
    longest = max(len(texts_) for texts_ in per_language)
    return [t[i] for i in range(longest) for t in per_language if i < len(t)]


def new_sender() -> str:
    """A fresh conversation: 22 url-safe random characters, as the web chat makes them."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class Outcome:
    sender: str
    started: float  # time.monotonic() when sent
    ms: float
    error: str | None  # None: answered; else "HTTP 500", "timeout", "connection", "trouble"


def judge(digibridge: bool, status: int, payload: object) -> str | None:
    """None for a real answer, else what went wrong."""
    if digibridge and status == 503:
        return "trouble"
    if status != 200:
        return f"HTTP {status}"
    if digibridge:
        messages = payload.get("messages") if isinstance(payload, dict) else None
        if not isinstance(messages, list) or not messages:
            return "no reply"
        if any(isinstance(m, dict) and m.get("text") in TROUBLE for m in messages):
            return "trouble"
    elif not isinstance(payload, list):
        return "no reply"
    return None


async def send(
    session: aiohttp.ClientSession, url: str, digibridge: bool, sender: str, text: str
) -> Outcome:
    began = time.monotonic()
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as response:
            payload = await response.json(content_type=None)
            error = judge(digibridge, response.status, payload)
    except asyncio.TimeoutError:
        error = "timeout"
    except (aiohttp.ClientError, ValueError):
        error = "connection"
    return Outcome(sender, began, (time.monotonic() - began) * 1000, error)


def client_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0),
        timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS),
    )


async def _user(
    session: aiohttp.ClientSession,
    url: str,
    digibridge: bool,
    messages: list[str],
    offset: int,
    turns: int,
    stop_at: float,
    out: list[Outcome],
) -> None:
    """One simulated user: a conversation of `turns` messages (0: endless), then the next
    person's conversation, until `stop_at`."""
    sender, index = new_sender(), offset
    while time.monotonic() < stop_at:
        out.append(await send(session, url, digibridge, sender, messages[index % len(messages)]))
        index += 1
        if turns and (index - offset) % turns == 0:
            sender = new_sender()


@dataclass
class LoadRun:
    outcomes: list[Outcome]
    began: float
    measured_from: float  # after the ramp: what is measured starts here
    stop_at: float
    ended: float  # the last reply in flight at `stop_at` has come back

    @property
    def senders(self) -> list[str]:
        """Every conversation the run had, in order of its first message."""
        return list(dict.fromkeys(o.sender for o in self.outcomes))

    def measured(self, since: float | None = None, until: float | None = None) -> list[Outcome]:
        """Messages sent within [since, until), by default the measured stretch."""
        since = self.measured_from if since is None else since
        until = self.stop_at if until is None else until
        return [o for o in self.outcomes if since <= o.started < until]


async def closed_loop(
    url: str,
    digibridge: bool,
    users: int,
    seconds: float,
    messages: list[str],
    ramp: float = 0,
    turns: int = 0,
) -> LoadRun:
    """`users` at once, each sending its next message as soon as the last is answered, in
    conversations of `turns` messages (0: one conversation each), for `ramp` seconds (not
    measured: connections open, conversations begin) and then `seconds`."""
    began = time.monotonic()
    stop_at = began + ramp + seconds
    out: list[Outcome] = []
    async with client_session() as session:
        await asyncio.gather(
            *(
                _user(
                    session,
                    url,
                    digibridge,
                    messages,
                    k * len(messages) // users,
                    turns,
                    stop_at,
                    out,
                )
                for k in range(users)
            )
        )
    return LoadRun(out, began, began + ramp, stop_at, time.monotonic())


async def one_conversation(
    url: str, digibridge: bool, count: int, messages: list[str]
) -> list[Outcome]:
    """One user sending `count` messages in one conversation, one after the other."""
    sender = new_sender()
    async with client_session() as session:
        return [
            await send(session, url, digibridge, sender, messages[i % len(messages)])
            for i in range(count)
        ]


async def user_turns(base_url: str, digibridge: bool, senders: list[str]) -> list[int]:
    """How many user messages each conversation's stored history holds."""
    counts = []
    async with client_session() as session:
        for sender in senders:
            if digibridge:
                async with session.post(
                    f"{base_url}/api/history", json={"sender": sender}
                ) as response:
                    turns = (await response.json())["messages"]
                counts.append(sum(turn["role"] == "user" for turn in turns))
            else:
                async with session.get(
                    f"{base_url}/conversations/{sender}/tracker", params={"include_events": "ALL"}
                ) as response:
                    events = (await response.json())["events"]
                counts.append(sum(event["event"] == "user" for event in events))
    return counts


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation, to 0.1; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (rank - low), 1)


def summarise(outcomes: list[Outcome], seconds: float) -> dict:
    """Throughput, latency percentiles (answered messages only) and errors by kind."""
    ok = [o.ms for o in outcomes if o.error is None]
    errors: dict[str, int] = {}
    for o in outcomes:
        if o.error is not None:
            errors[o.error] = errors.get(o.error, 0) + 1
    return {
        "seconds": seconds,
        "messages": len(outcomes),
        "answered": len(ok),
        "messages_per_second": round(len(ok) / seconds, 2),
        "p50_ms": percentile(ok, 50),
        "p95_ms": percentile(ok, 95),
        "p99_ms": percentile(ok, 99),
        "max_ms": percentile(ok, 100),
        "errors": sum(errors.values()),
        "errors_by_kind": errors,
    }
