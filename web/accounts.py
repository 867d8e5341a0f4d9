"""Local accounts: argon2-hashed passwords, roles, server-side sessions and hashed API tokens.

Nothing secret is stored in clear: passwords are argon2id hashes, and session ids and API tokens
(random, 256-bit) are stored as SHA-256 digests, so a copy of ``web.db`` lets no one log in.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from web.webdb import WebDB, now_iso

Role = Literal["analyst", "admin"]
ROLES: tuple[Role, ...] = ("analyst", "admin")
TOKEN_PREFIX = "nst_"
MIN_PASSWORD = 10
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the user is unknown, so timing matches a wrong password."""
    return _hasher.hash("narcoscope-timing-equaliser")


class AccountError(ValueError):
    """A request about accounts that cannot be honoured (unknown user, weak password …)."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _user(row: dict[str, object]) -> User:
    role = str(row["role"])
    return User(id=int(str(row["id"])), name=str(row["name"]), role="admin" if role == "admin" else "analyst")


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must be at least {MIN_PASSWORD} characters")


def add_user(db: WebDB, name: str, password: str, role: str = "analyst") -> User:
    name = name.strip()
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-@" for c in name):
        raise AccountError("user names are 1-64 letters, digits or . _ - @")
    if role not in ROLES:
        raise AccountError(f"role must be one of {ROLES}")
    check_password_strength(password)
    if db.one("SELECT id FROM users WHERE name = ?", (name,)):
        raise AccountError(f"user {name!r} exists")
    uid = db.execute("INSERT INTO users(name, password_hash, role, created_at) VALUES (?,?,?,?)",
                     (name, _hasher.hash(password), role, now_iso()))
    return User(uid, name, "admin" if role == "admin" else "analyst")


def set_password(db: WebDB, name: str, password: str) -> None:
    check_password_strength(password)
    if not db.execute("UPDATE users SET password_hash = ? WHERE name = ?", (_hasher.hash(password), name)):
        raise AccountError(f"no user {name!r}")
    row = db.one("SELECT id FROM users WHERE name = ?", (name,))
    if row:  # a new password ends every open session of that user
        db.execute("DELETE FROM sessions WHERE user_id = ?", (row["id"],))


def list_users(db: WebDB) -> list[dict[str, object]]:
    return db.rows("SELECT id, name, role, created_at, disabled FROM users ORDER BY name")


def remove_user(db: WebDB, name: str) -> None:
    row = db.one("SELECT id FROM users WHERE name = ?", (name,))
    if not row:
        raise AccountError(f"no user {name!r}")
    for table in ("sessions", "api_tokens"):
        db.execute(f"DELETE FROM {table} WHERE user_id = ?", (row["id"],))
    db.execute("DELETE FROM users WHERE id = ?", (row["id"],))


def authenticate(db: WebDB, name: str, password: str) -> User | None:
    """The user when the password matches; rehashes when argon2's parameters have changed."""
    row = db.one("SELECT * FROM users WHERE name = ? AND disabled = 0", (name,))
    stored = str(row["password_hash"]) if row else _dummy_hash()
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if _hasher.check_needs_rehash(stored):
        db.execute("UPDATE users SET password_hash = ? WHERE id = ?", (_hasher.hash(password), row["id"]))
    return _user(row)


# sessions ------------------------------------------------------------------------------------
def open_session(db: WebDB, user: User, hours: int) -> tuple[str, str]:
    """A new session: returns (session id for the cookie, CSRF token for the pages)."""
    sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = (datetime.now(timezone.utc) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
    db.execute("DELETE FROM sessions WHERE expires_at < ?", (now_iso(),))
    db.execute("INSERT INTO sessions VALUES (?,?,?,?,?)", (_digest(sid), user.id, csrf, now_iso(), expires))
    return sid, csrf


def load_session(db: WebDB, sid: str) -> Session | None:
    row = db.one(
        "SELECT u.id, u.name, u.role, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.sid_hash = ? AND s.expires_at > ? AND u.disabled = 0", (_digest(sid), now_iso()))
    return Session(_user(row), str(row["csrf"])) if row else None


def close_session(db: WebDB, sid: str) -> None:
    db.execute("DELETE FROM sessions WHERE sid_hash = ?", (_digest(sid),))


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


# API tokens ----------------------------------------------------------------------------------
def create_token(db: WebDB, user: User, name: str) -> tuple[int, str]:
    """A new API token for ``user``; the clear token is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    tid = db.execute("INSERT INTO api_tokens(user_id, name, token_hash, prefix, created_at) VALUES (?,?,?,?,?)",
                     (user.id, name[:80] or "token", _digest(token), token[:10], now_iso()))
    return tid, token


def token_user(db: WebDB, token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = db.one("SELECT u.id, u.name, u.role, t.id AS tid, t.last_used_at FROM api_tokens t "
                 "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND u.disabled = 0", (_digest(token),))
    if not row:
        return None
    now = now_iso()
    # At most one write a minute per token: a busy API client must not serialise on web.db.
    if not row["last_used_at"] or str(row["last_used_at"])[:16] != now[:16]:
        db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (now, row["tid"]))
    return _user(row)


def list_tokens(db: WebDB, user: User) -> list[dict[str, object]]:
    return db.rows("SELECT id, name, prefix, created_at, last_used_at FROM api_tokens WHERE user_id = ? "
                   "ORDER BY id", (user.id,))


def revoke_token(db: WebDB, user: User, token_id: int) -> bool:
    return db.execute("DELETE FROM api_tokens WHERE id = ? AND user_id = ?", (token_id, user.id)) > 0
