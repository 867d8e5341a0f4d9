"""Server-rendered page shells and the login form.

Each page is a small Jinja2 template (autoescaped) plus one ES module under ``/static/js`` that
fetches the API and builds the DOM with ``textContent`` — never ``innerHTML`` with data — so
scraped text can never become markup. Identifiers reach the scripts as escaped data-attributes.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from web import accounts
from web.deps import LOGIN_CSRF_COOKIE, SESSION_COOKIE, AppState, Caller, page_caller, safe_next, state

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.autoescape = True  # every template, whatever its extension
MAX_FAILURES, FAILURE_WINDOW = 5, 300.0

router = APIRouter(include_in_schema=False)
StateDep = Annotated[AppState, Depends(state)]
PageCaller = Annotated[Caller, Depends(page_caller)]


def render(request: Request, caller: Caller, page: str, title: str, **data: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, f"{page}.html", {
        "page": page, "title": title, "user": caller.user, "csrf": caller.csrf, "data": data})


@router.get("/")
def home(caller: PageCaller) -> RedirectResponse:
    return RedirectResponse("/search", status_code=303)


@router.get("/search")
def search_page(request: Request, caller: PageCaller) -> HTMLResponse:
    return render(request, caller, "search", "Search")


@router.get("/listing/{doc_id}")
def listing_page(request: Request, caller: PageCaller, doc_id: str) -> HTMLResponse:
    return render(request, caller, "listing", "Listing", doc_id=doc_id)


@router.get("/vendor/{name:path}")
def vendor_page(request: Request, caller: PageCaller, name: str) -> HTMLResponse:
    return render(request, caller, "vendor", f"Vendor {name}", name=name)


@router.get("/substance/{sid:path}")
def substance_page(request: Request, caller: PageCaller, sid: str) -> HTMLResponse:
    return render(request, caller, "substance", f"Substance {sid}", sid=sid)


@router.get("/market/{name:path}")
def market_page(request: Request, caller: PageCaller, name: str) -> HTMLResponse:
    return render(request, caller, "market", f"Market {name}", name=name)


@router.get("/candidates")
def candidates_page(request: Request, caller: PageCaller) -> HTMLResponse:
    return render(request, caller, "candidates", "New substances")


@router.get("/alerts")
def alerts_page(request: Request, caller: PageCaller) -> HTMLResponse:
    return render(request, caller, "alerts", "Alerts")


@router.get("/sources")
def sources_page(request: Request, caller: PageCaller) -> HTMLResponse:
    return render(request, caller, "sources", "Sources")


@router.get("/account")
def account_page(request: Request, caller: PageCaller) -> HTMLResponse:
    return render(request, caller, "account", "Account")


@router.get("/admin")
def admin_page(request: Request, caller: PageCaller) -> HTMLResponse:
    if not caller.user.is_admin:
        raise HTTPException(403, "admin role required")
    return render(request, caller, "admin", "Administration")


# login ----------------------------------------------------------------------------------------
def _login_form(request: Request, st: AppState, error: str = "", status: int = 200) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    resp = TEMPLATES.TemplateResponse(request, "login.html", {
        "page": "login", "title": "Sign in", "user": None, "csrf": token, "error": error,
        "next": safe_next(request.query_params.get("next")), "data": {}}, status_code=status)
    resp.set_cookie(LOGIN_CSRF_COOKIE, st.signer.sign(token).decode(), httponly=True, samesite="strict",
                    secure=st.cfg.secure_cookies, path="/login", max_age=3600)
    return resp


@router.get("/login")
def login_page(request: Request, st: StateDep) -> HTMLResponse:
    return _login_form(request, st)


@router.post("/login", response_model=None)
def login(*, request: Request, st: StateDep, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=1000)], csrf_token: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/search") -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    expected = st.signer.sign(csrf_token).decode() if csrf_token else ""
    if not cookie or not accounts.csrf_matches(cookie, expected):
        return _login_form(request, st, "Your sign-in form expired; please try again.", 403)
    key = username.casefold()
    now = time.monotonic()
    recent = [t for t in st.login_failures.get(key, []) if now - t < FAILURE_WINDOW]
    if len(recent) >= MAX_FAILURES:
        return _login_form(request, st, "Too many failed attempts; wait a few minutes.", 429)
    user = accounts.authenticate(st.db, username, password)
    if user is None:
        st.login_failures[key] = [*recent, now]
        st.db.audit(username[:64], "login.failed", {"client": request.client.host if request.client else ""})
        return _login_form(request, st, "Unknown user or wrong password.", 401)
    st.login_failures.pop(key, None)
    sid, _csrf = accounts.open_session(st.db, user, st.cfg.session_hours)
    st.db.audit(user.name, "login", {"client": request.client.host if request.client else ""})
    resp = RedirectResponse(safe_next(next), status_code=303)
    resp.set_cookie(SESSION_COOKIE, st.signer.sign(sid).decode(), httponly=True, samesite="strict",
                    secure=st.cfg.secure_cookies, path="/", max_age=st.cfg.session_hours * 3600)
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return resp


@router.post("/logout")
def logout(request: Request, st: StateDep, caller: PageCaller) -> RedirectResponse:
    from web.deps import session_id

    sid = session_id(request, st)
    if sid:
        accounts.close_session(st.db, sid)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


def login_redirect(next_path: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(next_path, safe='')}", status_code=303)
