"""Usage counts for the analytics page: one row per answered message with its hour,
channel, language, outcome and topic, and nothing else (no text, no identifier)."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.admin.models import UsageEvent, utcnow

OUTCOMES = ("answered", "asked_back", "not_understood")


def record(
    session: Session, channel: str, language: str, outcome: str, topic: str | None,
    new_conversation: bool, rephrase_of: str | None,
) -> None:  # fmt: skip
    """Counts one answered message, in the caller's transaction."""
    hour = utcnow().replace(minute=0, second=0, microsecond=0)
    session.add(
        UsageEvent(
            hour=hour,
            channel=channel[:32],
            language=language,
            outcome=outcome,
            topic=topic,
            new_conversation=new_conversation,
            rephrase_of=rephrase_of,
        )
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _events(
    engine: Engine, start: datetime, end: datetime, language: str | None, channel: str | None
) -> list[UsageEvent]:
    query = select(UsageEvent).where(UsageEvent.hour >= start, UsageEvent.hour < end)
    if language:
        query = query.where(UsageEvent.language == language)
    if channel:
        query = query.where(UsageEvent.channel == channel)
    with Session(engine, future=True) as session:
        return list(session.scalars(query))


def _shares(events: list[UsageEvent]) -> dict[str, Any]:
    outcomes = Counter(e.outcome for e in events)
    total = len(events)
    return {
        "conversations": sum(1 for e in events if e.new_conversation),
        "messages": total,
        **{o: outcomes.get(o, 0) for o in OUTCOMES},
        "shares": {o: round(outcomes.get(o, 0) / total, 4) if total else 0.0 for o in OUTCOMES},
    }


def analytics(
    engine: Engine, start: datetime, end: datetime, language: str | None = None,
    channel: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Counts over [start, end): totals, per language, per channel, per day, top topics and
    the topics most often followed by a rephrase."""
    events = _events(engine, start, end, language, channel)
    by_language: dict[str, list[UsageEvent]] = defaultdict(list)
    by_channel: dict[str, list[UsageEvent]] = defaultdict(list)
    by_day: dict[str, list[UsageEvent]] = defaultdict(list)
    for event in events:
        by_language[event.language].append(event)
        by_channel[event.channel].append(event)
        by_day[_aware(event.hour).date().isoformat()].append(event)
    topics = Counter(e.topic for e in events if e.outcome == "answered" and e.topic)
    rephrased = Counter(e.rephrase_of for e in events if e.rephrase_of)
    days = []
    day = _aware(start).date()
    while day < _aware(end).date() + timedelta(days=1) and len(days) < 366:
        days.append({"day": day.isoformat(), **_shares(by_day.get(day.isoformat(), []))})
        day += timedelta(days=1)
    return {
        "from": _aware(start).isoformat(),
        "to": _aware(end).isoformat(),
        "totals": _shares(events),
        "by_language": {k: _shares(v) for k, v in sorted(by_language.items())},
        "by_channel": {k: _shares(v) for k, v in sorted(by_channel.items())},
        "days": days,
        "top_topics": [{"topic": t, "count": n} for t, n in topics.most_common(10)],
        "rephrased_topics": [{"topic": t, "count": n} for t, n in rephrased.most_common(10)],
    }


def analytics_csv(report: dict[str, Any]) -> str:
    """Per day: the counts and shares (UTF-8 with BOM, for spreadsheets)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["day", "conversations", "messages", *OUTCOMES])
    for day in report["days"]:
        writer.writerow([day["day"], day["conversations"], day["messages"],
                         *(day[o] for o in OUTCOMES)])  # fmt: skip
    return out.getvalue()
