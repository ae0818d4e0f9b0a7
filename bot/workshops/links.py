"""Linking a trainer's chat account to their admin account, with a one-time code.

The admin page shows the code; the trainer sends `/link CODE` to the bot. From then on that
chat account leads workshops as the admin account (while it keeps the workshops right).
A code lives ten minutes and is stored as a hash; a new code replaces the old one.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.admin.accounts import Staff, as_staff
from bot.admin.models import AdminUser
from bot.admin.roles import Right
from bot.core.models import utcnow
from bot.workshops.codes import new_code, normalise
from bot.workshops.models import TrainerLink

CODE_LIFETIME = timedelta(minutes=10)


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class TrainerLinks:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def issue(self, user_id: int) -> str:
        """A fresh one-time code for the account (any earlier unused one stops working)."""
        code = new_code()
        with Session(self._engine, future=True) as session, session.begin():
            session.execute(
                delete(TrainerLink).where(
                    TrainerLink.user_id == user_id, TrainerLink.person_id.is_(None)
                )
            )
            session.add(
                TrainerLink(
                    user_id=user_id, code_hash=_hash(code), expires_at=utcnow() + CODE_LIFETIME
                )
            )
        return code

    def redeem(self, code: str, person_id: str) -> Staff | None:
        """Links `person_id` to the account the code was issued for; None for a wrong or
        expired code."""
        normal = normalise(code)
        if normal is None:
            return None
        with Session(self._engine, future=True) as session, session.begin():
            link = session.scalars(
                select(TrainerLink).where(TrainerLink.code_hash == _hash(normal))
            ).first()
            if link is None or link.expires_at is None or _aware(link.expires_at) < utcnow():
                return None
            user = session.get(AdminUser, link.user_id)
            if user is None or user.disabled:
                return None
            session.execute(delete(TrainerLink).where(TrainerLink.person_id == person_id))
            link.person_id = person_id
            link.linked_at = utcnow()
            link.code_hash = None
            link.expires_at = None
            return as_staff(user)

    def staff_for(self, person_id: str) -> Staff | None:
        """The admin account a chat account leads workshops as, if it still may."""
        with Session(self._engine, future=True) as session:
            found = session.execute(
                select(AdminUser)
                .join(TrainerLink, TrainerLink.user_id == AdminUser.id)
                .where(TrainerLink.person_id == person_id)
            ).first()
            if found is None or found[0].disabled:
                return None
            staff = as_staff(found[0])
            return staff if staff.can(Right.WORKSHOPS) else None

    def linked(self, user_id: int) -> bool:
        with Session(self._engine, future=True) as session:
            query = select(TrainerLink.id).where(
                TrainerLink.user_id == user_id, TrainerLink.person_id.is_not(None)
            )
            return session.scalars(query).first() is not None


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
