"""Staff accounts: passwords (argon2), sessions, API tokens and the login slow-down.

Secrets are never stored: a password as its argon2 hash, a session cookie or API token as
its SHA-256 (they are long random values, so a fast hash is enough to make a stolen
database useless for signing in).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.admin import audit
from bot.admin.models import AdminSession, AdminUser, ApiToken, utcnow
from bot.admin.roles import LANGUAGE_LIMITED, ROLES, Right
from bot.i18n.locales import SUPPORTED_LANGUAGES

MIN_PASSWORD_CHARS = 12
SESSION_IDLE = timedelta(minutes=30)
SESSION_LIFETIME = timedelta(hours=12)
COOKIE_MAX_AGE = int(SESSION_LIFETIME.total_seconds())
# After this many wrong passwords in a row (per account, and per address), each further
# attempt waits twice as long as the one before, up to MAX_LOGIN_DELAY.
FREE_LOGIN_FAILURES = 5
MAX_LOGIN_DELAY = timedelta(minutes=15)
MAX_TRACKED_ADDRESSES = 10_000
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{1,63}")
_hasher = PasswordHasher()
# A hash to verify against when the account does not exist, so that the answer takes as
# long as for a real one and does not tell which names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A request about an account that cannot be done; the message says why."""


class LoginRefused(Exception):
    """Wrong name or password, or too many attempts (`retry_after` seconds to wait)."""

    def __init__(self, retry_after: int = 0) -> None:
        super().__init__("too many attempts" if retry_after else "wrong name or password")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Staff:
    """A signed-in member of staff, as the routes see them."""

    id: int
    name: str
    role: str
    languages: tuple[str, ...]
    must_change_password: bool
    interface_language: str | None

    def can(self, right: Right) -> bool:
        return right in ROLES.get(self.role, frozenset())

    def can_edit(self, language: str) -> bool:
        if not self.can(Right.EDIT_CONTENT):
            return False
        return self.role not in LANGUAGE_LIMITED or language in self.languages

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "role": self.role,
            "languages": list(self.languages),
            "must_change_password": self.must_change_password,
        }


# The built-in account that `DIGIBRIDGE_ADMIN_TOKEN` acts as.
TOKEN_ADMIN = Staff(0, "admin-token", "admin", (), False, None)


def as_staff(user: AdminUser) -> Staff:
    return Staff(
        id=user.id,
        name=user.name,
        role=user.role,
        languages=tuple(user.languages or ()),
        must_change_password=user.must_change_password,
        interface_language=user.interface_language,
    )


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_password_rules(password: str, name: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    if name.lower() in password.lower():
        raise AccountError("a password must not contain the account name")


def _login_delay(failures: int) -> timedelta:
    if failures < FREE_LOGIN_FAILURES:
        return timedelta(0)
    return min(timedelta(seconds=2 ** (failures - FREE_LOGIN_FAILURES + 1)), MAX_LOGIN_DELAY)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; they were stored in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


@dataclass
class _Failures:
    count: int = 0
    last: datetime | None = None


class Accounts:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._address_failures: dict[str, _Failures] = {}

    # Accounts

    def create_user(
        self, name: str, role: str, languages: tuple[str, ...] = (), actor: str = "cli"
    ) -> tuple[Staff, str]:
        """A new account and its one-time password (to be changed at first login)."""
        if not _NAME.fullmatch(name):
            raise AccountError(
                "a name has 2-64 letters, digits or . _ @ - and starts with a letter or digit"
            )
        _check_role(role, languages)
        password = secrets.token_urlsafe(12)
        with Session(self._engine, future=True) as session, session.begin():
            if session.scalar(select(AdminUser.id).where(AdminUser.name == name)) is not None:
                raise AccountError(f"an account called {name!r} exists already")
            user = AdminUser(
                name=name,
                role=role,
                languages=list(dict.fromkeys(languages)),
                password_hash=_hasher.hash(password),
                must_change_password=True,
            )
            session.add(user)
            session.flush()
            staff = as_staff(user)
            audit.record(session, actor, "account.create", name, None, staff.as_json())
            return staff, password

    def reset_password(self, name: str, actor: str = "cli") -> str:
        """A new one-time password for an account; its sessions end."""
        password = secrets.token_urlsafe(12)
        with Session(self._engine, future=True) as session, session.begin():
            user = session.scalar(select(AdminUser).where(AdminUser.name == name))
            if user is None:
                raise AccountError(f"no account called {name!r}")
            user.password_hash = _hasher.hash(password)
            user.must_change_password = True
            user.failed_logins = 0
            session.execute(delete(AdminSession).where(AdminSession.user_id == user.id))
            audit.record(session, actor, "account.reset_password", name)
        return password

    def users(self) -> list[Staff]:
        with Session(self._engine, future=True) as session:
            return [
                as_staff(u) for u in session.scalars(select(AdminUser).order_by(AdminUser.name))
            ]

    def update_user(
        self, name: str, actor: str, role: str | None = None,
        languages: tuple[str, ...] | None = None, disabled: bool | None = None,
    ) -> dict[str, object]:  # fmt: skip
        """Changes an account's role, languages or whether it is disabled; what it is now."""
        with Session(self._engine, future=True) as session, session.begin():
            user = session.scalar(select(AdminUser).where(AdminUser.name == name))
            if user is None:
                raise AccountError(f"no account called {name!r}")
            before = {
                "role": user.role,
                "languages": list(user.languages),
                "disabled": user.disabled,
            }
            new_role = role if role is not None else user.role
            new_languages = languages if languages is not None else tuple(user.languages)
            _check_role(new_role, new_languages)
            user.role = new_role
            user.languages = list(dict.fromkeys(new_languages))
            if disabled is not None:
                user.disabled = disabled
                if disabled:
                    session.execute(delete(AdminSession).where(AdminSession.user_id == user.id))
            after = {
                "role": user.role,
                "languages": list(user.languages),
                "disabled": user.disabled,
            }
            audit.record(session, actor, "account.update", name, before, after)
            return after

    def set_interface_language(self, user_id: int, language: str) -> None:
        if language not in SUPPORTED_LANGUAGES:
            raise AccountError("unknown language")
        with Session(self._engine, future=True) as session, session.begin():
            user = session.get(AdminUser, user_id)
            if user is not None:
                user.interface_language = language

    # Signing in

    def authenticate(self, name: str, password: str, address: str) -> Staff:
        """The account, or LoginRefused; slows down after repeated failures."""
        now = utcnow()
        by_address = self._address_failures.setdefault(address, _Failures())
        wait = self._wait(by_address.count, by_address.last, now)
        with Session(self._engine, future=True) as session, session.begin():
            user = session.scalar(select(AdminUser).where(AdminUser.name == name))
            if user is not None:
                wait = max(wait, self._wait(user.failed_logins, user.last_failed_login, now))
            if wait:
                raise LoginRefused(retry_after=wait)
            if (
                _verify(user.password_hash if user else _DUMMY_HASH, password)
                and user
                and not user.disabled
            ):
                user.failed_logins = 0
                user.last_failed_login = None
                self._address_failures.pop(address, None)
                if _hasher.check_needs_rehash(user.password_hash):
                    user.password_hash = _hasher.hash(password)
                return as_staff(user)
            if user is not None:
                user.failed_logins += 1
                user.last_failed_login = now
        by_address.count += 1
        by_address.last = now
        if len(self._address_failures) > MAX_TRACKED_ADDRESSES:  # forget what has expired
            cutoff = now - MAX_LOGIN_DELAY
            for stale in [
                a for a, f in self._address_failures.items() if f.last and f.last < cutoff
            ]:
                del self._address_failures[stale]
        raise LoginRefused()

    @staticmethod
    def _wait(failures: int, last: datetime | None, now: datetime) -> int:
        last = _aware(last)
        if last is None:
            return 0
        remaining = last + _login_delay(failures) - now
        return max(0, int(remaining.total_seconds() + 0.999))

    def change_password(self, user_id: int, current: str, new: str) -> None:
        with Session(self._engine, future=True) as session, session.begin():
            user = session.get(AdminUser, user_id)
            if user is None or not _verify(user.password_hash, current):
                raise AccountError("the current password is not right")
            check_password_rules(new, user.name)
            if current == new:
                raise AccountError("the new password must differ from the current one")
            user.password_hash = _hasher.hash(new)
            user.must_change_password = False
            audit.record(session, user.name, "account.change_password", user.name)

    # Sessions

    def open_session(self, user: Staff) -> tuple[str, str]:
        """(cookie token, CSRF token) of a new session."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with Session(self._engine, future=True) as session, session.begin():
            session.add(
                AdminSession(token_hash=secret_hash(token), user_id=user.id, csrf_token=csrf)
            )
        return token, csrf

    def session_user(self, token: str) -> tuple[Staff, str] | None:
        """The session's account and CSRF token, while it has not expired."""
        now = utcnow()
        with Session(self._engine, future=True) as session, session.begin():
            row = session.get(AdminSession, secret_hash(token))
            if row is None:
                return None
            user = session.get(AdminUser, row.user_id)
            created, seen = _aware(row.created_at), _aware(row.last_seen)
            if (
                user is None
                or user.disabled
                or now - seen > SESSION_IDLE
                or now - created > SESSION_LIFETIME
            ):
                session.delete(row)
                return None
            if now - seen > timedelta(seconds=30):  # not a write on every request
                row.last_seen = now
            return as_staff(user), row.csrf_token

    def close_session(self, token: str) -> None:
        with Session(self._engine, future=True) as session, session.begin():
            session.execute(
                delete(AdminSession).where(AdminSession.token_hash == secret_hash(token))
            )

    def purge_sessions(self) -> int:
        cutoff = utcnow() - SESSION_IDLE
        with Session(self._engine, future=True) as session, session.begin():
            return session.execute(
                delete(AdminSession).where(AdminSession.last_seen < cutoff)
            ).rowcount

    # API tokens

    def create_token(self, user: Staff, label: str) -> tuple[int, str]:
        if user.id == TOKEN_ADMIN.id:
            raise AccountError("the deployment's admin token has no tokens of its own")
        label = label.strip()[:80] or "script"
        token = "dbt_" + secrets.token_urlsafe(32)
        with Session(self._engine, future=True) as session, session.begin():
            row = ApiToken(user_id=user.id, label=label, token_hash=secret_hash(token))
            session.add(row)
            session.flush()
            audit.record(session, user.name, "token.create", f"{user.name}/{row.id}", None, label)
            return row.id, token

    def tokens(self, user: Staff) -> list[dict[str, object]]:
        with Session(self._engine, future=True) as session:
            rows = session.scalars(
                select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
            )
            return [
                {"id": r.id, "label": r.label, "created_at": r.created_at.isoformat(),
                 "last_used": r.last_used.isoformat() if r.last_used else None}
                for r in rows
            ]  # fmt: skip

    def revoke_token(self, user: Staff, token_id: int) -> bool:
        with Session(self._engine, future=True) as session, session.begin():
            query = delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
            if not session.execute(query).rowcount:
                return False
            audit.record(session, user.name, "token.revoke", f"{user.name}/{token_id}")
            return True

    def token_user(self, token: str) -> Staff | None:
        with Session(self._engine, future=True) as session, session.begin():
            row = session.scalar(select(ApiToken).where(ApiToken.token_hash == secret_hash(token)))
            if row is None:
                return None
            user = session.get(AdminUser, row.user_id)
            if user is None or user.disabled:
                return None
            row.last_used = utcnow()
            staff = as_staff(user)
            # A script cannot change a password at a prompt; its token stands for the account.
            return Staff(staff.id, staff.name, staff.role, staff.languages, False, None)


def _check_role(role: str, languages: tuple[str, ...]) -> None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
    unknown = [lang for lang in languages if lang not in SUPPORTED_LANGUAGES]
    if unknown:
        raise AccountError(
            f"unknown language {unknown[0]!r} (supported: {', '.join(SUPPORTED_LANGUAGES)})"
        )
    if role in LANGUAGE_LIMITED and not languages:
        raise AccountError(f"an {role} needs the languages they edit (--languages fr,ar)")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
