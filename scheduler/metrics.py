"""``/metrics`` in Prometheus text format, computed from the job history on each scrape.

Counters come from the ``jobs`` table, so they survive a scheduler restart (Prometheus sees a
monotonic series, not a reset) and every scheduler instance sharing a store reports the same.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from scheduler.jobstore import connect

log = logging.getLogger(__name__)

_COUNTERS = (  # (metric, column, help)
    ("narcoscope_crawl_pages_total", "pages", "Pages fetched by scheduled crawls."),
    ("narcoscope_crawl_items_total", "listings", "Listings extracted by scheduled crawls."),
    ("narcoscope_crawl_errors_total", "errors", "Errors logged by scheduled crawls."),
    ("narcoscope_crawl_blocked_pages_total", "blocked", "Blocked pages (captcha, login wall, seized)."),
    ("narcoscope_tor_failures_total", "tor_failures", "Downloads that failed on the Tor path."),
)
_BUCKETS = (1, 5, 15, 60, 300, 900, 3600, 4 * 3600, float("inf"))


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _header(name: str, kind: str, help_text: str) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]


def render(db: sqlite3.Connection) -> str:
    """The whole exposition, one text block."""
    lines: list[str] = []
    for name, col, help_text in _COUNTERS:
        lines += _header(name, "counter", help_text)
        for source, total in db.execute(
                f"SELECT source, coalesce(sum({col}),0) FROM jobs WHERE kind='crawl' GROUP BY source"):
            lines.append(f'{name}{{source="{_label(source)}"}} {total}')
    lines += _header("narcoscope_index_lag_seconds", "gauge", "From the slot to its records being indexed, last crawl.")
    for source, lag in db.execute(
            "SELECT source, index_lag_s FROM jobs WHERE kind='crawl' AND index_lag_s IS NOT NULL"
            " AND job_id IN (SELECT max(job_id) FROM jobs WHERE index_lag_s IS NOT NULL GROUP BY source)"):
        lines.append(f'narcoscope_index_lag_seconds{{source="{_label(source)}"}} {lag:.3f}')
    lines += _header("narcoscope_jobs_total", "counter", "Finished job attempts by task and status.")
    for task, status, n in db.execute("SELECT task, status, count(*) FROM jobs GROUP BY task, status"):
        lines.append(f'narcoscope_jobs_total{{task="{_label(task)}",status="{status}"}} {n}')
    lines += _histogram(db)
    lines += _header("narcoscope_scheduler_spawn_delay_seconds", "gauge", "From due to child start, last job.")
    row = db.execute("SELECT spawn_delay_s FROM jobs WHERE spawn_delay_s IS NOT NULL ORDER BY job_id DESC").fetchone()
    lines.append(f"narcoscope_scheduler_spawn_delay_seconds {row[0] if row else 0:.6f}")
    lines += _header("narcoscope_health_alerts_total", "counter", "Health alerts raised, by source and symptom.")
    for source, symptom, n in db.execute("SELECT source, symptom, count(*) FROM health_alerts GROUP BY 1, 2"):
        lines.append(f'narcoscope_health_alerts_total{{source="{_label(source)}",symptom="{_label(symptom)}"}} {n}')
    return "\n".join(lines) + "\n"


def _histogram(db: sqlite3.Connection) -> Iterable[str]:
    name = "narcoscope_job_duration_seconds"
    yield from _header(name, "histogram", "Wall time of finished job attempts.")
    durations: dict[str, list[float]] = {}
    for task, secs in db.execute(
            "SELECT task, (julianday(finished_at) - julianday(started_at)) * 86400 FROM jobs"
            " WHERE started_at IS NOT NULL AND finished_at IS NOT NULL"):
        durations.setdefault(task, []).append(float(secs))
    for task, values in sorted(durations.items()):
        t = _label(task)
        for b in _BUCKETS:
            le = "+Inf" if b == float("inf") else f"{b:g}"
            yield f'{name}_bucket{{task="{t}",le="{le}"}} {sum(v <= b for v in values)}'
        yield f'{name}_sum{{task="{t}"}} {sum(values):.3f}'
        yield f'{name}_count{{task="{t}"}} {len(values)}'


class MetricsServer:
    """A small HTTP server thread on 127.0.0.1 answering ``GET /metrics``."""

    def __init__(self, db_path: Path, port: int = 0, host: str = "127.0.0.1") -> None:
        db = connect(db_path)
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] != "/metrics":
                    self.send_error(404)
                    return
                with lock:
                    body = render(db).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                log.debug("metrics: " + format, *args)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.url = f"http://{host}:{self.httpd.server_address[1]}/metrics"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="metrics", daemon=True)

    def start(self) -> MetricsServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
