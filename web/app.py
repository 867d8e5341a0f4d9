"""The FastAPI application: API + pages + static assets, behind security headers.

Served by ``narcoscope web`` (uvicorn, 127.0.0.1 by default). The interactive API docs pages
are off (they load scripts from a CDN and inline, which the CSP forbids); the OpenAPI document
itself is served to signed-in users at ``/api/openapi.json``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.staticfiles import StaticFiles
from itsdangerous import Signer
from starlette.exceptions import HTTPException as StarletteHTTPException

from narcoscope import __version__
from narcoscope.paths import Paths
from web import api, pages
from web.config import WebConfig
from web.data import DataAccess
from web.deps import AppState, LoginRequired
from web.webdb import WebDB

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'; connect-src 'self'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # browsers then send Origin on same-site POSTs
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
STATIC = Path(__file__).parent / "static"


def create_app(cfg: WebConfig | None = None) -> FastAPI:
    cfg = cfg or WebConfig.from_paths(Paths.from_env())
    data = DataAccess(cfg.paths)
    st = AppState(cfg=cfg, db=WebDB(cfg.db), data=data, signer=Signer(cfg.secret_key, salt="narcoscope-session"))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        data.close()

    app = FastAPI(title="narcoscope workbench API", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None,
                  description="Search, inspect and export what narcoscope collected from drug markets. "
                              "Authenticate with a session cookie (+ X-CSRF-Token on writes) or "
                              "`Authorization: Bearer <API token>`.")
    app.state.ns = st
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(LoginRequired)
    async def _login_required(_request: Request, exc: LoginRequired) -> Response:
        return pages.login_redirect(exc.next_path)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or request.url.path.startswith("/static/"):
            return await http_exception_handler(request, exc)
        return pages.TEMPLATES.TemplateResponse(
            request, "error.html", {"page": "error", "title": f"Error {exc.status_code}", "user": None,
                                    "csrf": "", "status": exc.status_code, "detail": exc.detail, "data": {}},
            status_code=exc.status_code)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    return app
