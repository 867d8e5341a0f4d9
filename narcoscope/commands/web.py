"""``narcoscope web``: serve the analyst workbench (web UI + JSON API) with uvicorn."""

from __future__ import annotations

import argparse
from typing import Any

HELP = "serve the analyst workbench (web UI and JSON API)"
DESCRIPTION = """\
Serve the workbench: search with facets, listings with their evidence, vendors, substances,
the novelty queue, alerts, source health and exports (CSV, JSON lines, STIX 2.1, MISP).

Every page and API call needs an account: create one first with `narcoscope user add NAME`.
It binds 127.0.0.1 by default; put it behind a TLS reverse proxy (and pass --secure-cookies)
before exposing it to a network."""

EPILOG = """\
examples:
  narcoscope user add alice --role admin
  narcoscope web --port 8080
  curl -H "Authorization: Bearer $TOKEN" 'http://127.0.0.1:8080/api/search?q=substance:bromazolam'"""


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("web", help=HELP, description=DESCRIPTION, epilog=EPILOG, formatter_class=Formatter)
    p.add_argument("--host", default="127.0.0.1", help="address to bind")
    p.add_argument("--port", type=int, default=8080, help="port to listen on")
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    p.add_argument("--secure-cookies", action="store_true", help="mark cookies Secure (serve behind HTTPS)")
    p.add_argument("--home", help="data directory (default: $NARCOSCOPE_HOME or ./var)")
    p.add_argument("--index", help="index URL (default: $NARCOSCOPE_INDEX or sqlite in --home)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from narcoscope.paths import Paths

    paths = Paths.from_env(args.home, args.index)
    # The app factory reads these, so every uvicorn worker process builds the same app.
    os.environ["NARCOSCOPE_HOME"] = str(paths.home)
    os.environ["NARCOSCOPE_INDEX"] = paths.index_url
    if args.secure_cookies:
        os.environ["NARCOSCOPE_WEB_SECURE_COOKIES"] = "1"
    from web.config import load_secret

    load_secret(paths.home)  # create the signing key once, before workers race for it
    uvicorn.run("web.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                proxy_headers=False, server_header=False, log_level="info")
    return 0
