"""The audit log: every change made on the admin side, written in the same transaction as
the change itself, so that no change is ever missing from it. Nothing updates or deletes it."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.admin.models import AuditEntry


def record(
    session: Session, actor: str, action: str, target: str, before: Any = None, after: Any = None
) -> None:
    session.add(AuditEntry(actor=actor, action=action, target=target, before=before, after=after))


def _as_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "before": entry.before,
        "after": entry.after,
    }


def entries(
    engine: Engine, limit: int = 100, before_id: int | None = None,
    since: datetime | None = None,
) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
    """The newest entries first (`before_id` pages on), and how many there are in all."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    with Session(engine, future=True) as session:
        total = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        return [_as_json(e) for e in session.scalars(query)], total


def export_csv(engine: Engine) -> str:
    """The whole log as CSV (UTF-8 with BOM, for spreadsheets), oldest first."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["id", "at", "actor", "action", "target", "before", "after"])
    with Session(engine, future=True) as session:
        for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
            writer.writerow(
                [entry.id, entry.at.isoformat(), entry.actor, entry.action, entry.target,
                 json.dumps(entry.before, ensure_ascii=False),
                 json.dumps(entry.after, ensure_ascii=False)]
            )  # fmt: skip
    return out.getvalue()
