"""Who is asking: session cookies (browser) or bearer API tokens (scripts), plus CSRF checks.

Browser sessions are a random id in a signed, HttpOnly, SameSite=Strict cookie, looked up in
``web.db`` (so logout and password changes end them). Every state-changing request made with a
session cookie must carry the session's CSRF token (``X-CSRF-Token`` header or ``csrf_token``
form field) and, when the browser sends one, an ``Origin`` matching this server. Requests with a
bearer token carry no ambient credentials, so they need no CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from itsdangerous import BadSignature, Signer
from starlette.concurrency import run_in_threadpool

from web import accounts
from web.accounts import User
from web.config import WebConfig
from web.data import DataAccess
from web.webdb import WebDB

SESSION_COOKIE = "narcoscope_session"
LOGIN_CSRF_COOKIE = "narcoscope_login_csrf"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(slots=True)
class AppState:
    cfg: WebConfig
    db: WebDB
    data: DataAccess
    signer: Signer
    login_failures: dict[str, list[float]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated user and how they came in."""

    user: User
    csrf: str = ""  # empty for token callers
    via_token: bool = False


class LoginRequired(Exception):
    """An HTML page was asked for without a session: answered with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def state(request: Request) -> AppState:
    st: AppState = request.app.state.ns
    return st


def session_id(request: Request, st: AppState) -> str | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        return st.signer.unsign(raw).decode("ascii")
    except (BadSignature, UnicodeDecodeError):
        return None


def identify(request: Request, st: AppState) -> Caller | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        user = accounts.token_user(st.db, auth[7:].strip())
        return Caller(user, via_token=True) if user else None
    sid = session_id(request, st)
    session = accounts.load_session(st.db, sid) if sid else None
    return Caller(session.user, csrf=session.csrf) if session else None


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":  # not sent, or hidden by a privacy setting: the token decides
        return True
    host = request.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


async def check_csrf(request: Request, caller: Caller) -> None:
    if caller.via_token or request.method not in UNSAFE:
        return
    given = request.headers.get("x-csrf-token")
    if not given and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        given = value if isinstance(value, str) else None
    if not _same_origin(request) or not accounts.csrf_matches(caller.csrf, given):
        raise HTTPException(status_code=403, detail="CSRF check failed: reload the page and try again")


async def api_caller(request: Request, st: Annotated[AppState, Depends(state)]) -> Caller:
    """API endpoints: 401 without credentials, 403 on a failed CSRF check."""
    caller = await run_in_threadpool(identify, request, st)  # SQLite I/O stays off the event loop
    if caller is None:
        raise HTTPException(status_code=401, detail="authentication required",
                            headers={"WWW-Authenticate": "Bearer"})
    await check_csrf(request, caller)
    return caller


async def admin_caller(caller: Annotated[Caller, Depends(api_caller)]) -> Caller:
    if not caller.user.is_admin:
        raise HTTPException(status_code=403, detail="admin role required")
    return caller


async def page_caller(request: Request, st: Annotated[AppState, Depends(state)]) -> Caller:
    """HTML pages: a browser without a session is sent to the login page."""
    caller = await run_in_threadpool(identify, request, st)
    if caller is None or caller.via_token:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path)
    await check_csrf(request, caller)
    return caller


def safe_next(path: str | None) -> str:
    """Only same-site relative paths are followed after login (no open redirect)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/search"
    return path
