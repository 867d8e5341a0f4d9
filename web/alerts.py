"""Saved searches with a rule, checked after each crawl by :func:`check_alerts`.

Rules (each keeps a little state in ``alert_state`` so it fires on *changes*, not on every check):

* ``new_match`` — a document matching the query that the alert has not seen before;
* ``new_vendor`` — a vendor selling the substance who was not selling it before;
* ``price_drop`` — a matching listing whose USD price fell by at least ``percent`` since the last check;
* ``spread`` — the substance seen on at least ``markets`` markets within ``days`` days of the newest
  data in the index (not the wall clock, so replayed or simulated crawls behave like live ones);
  it fires when the condition becomes true and re-arms once it is false again.

New-match, new-vendor and price-drop rules take a baseline when created: only later changes fire.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from index.base import SearchRequest
from index.query import parse_query
from narcoscope.paths import Paths
from web.accounts import User
from web.config import WebConfig
from web.data import DataAccess
from web.entities import latest_seen
from web.notify import deliver, validate_target
from web.search import quote
from web.webdb import WebDB, now_iso

log = logging.getLogger(__name__)
RULES = ("new_match", "new_vendor", "price_drop", "spread")
SCAN = 1000  # newest matches a rule looks at per check
MAX_SEEN = 20_000


class AlertError(ValueError):
    """An alert definition that cannot be saved."""


@dataclass(slots=True)
class Firing:
    """One alert firing: what changed, and how the notification went."""

    alert_id: int
    alert_name: str
    rule: str
    fired_at: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    delivery: str = ""


@dataclass(slots=True)
class AlertSpec:
    name: str
    rule: str
    query: str = ""
    substance: str = ""
    percent: float = 20.0
    markets: int = 3
    days: int = 14
    notify: str = "log"
    target: str = ""

    def effective_query(self) -> str:
        if self.rule in ("new_vendor", "spread"):
            return f"substance:{quote(self.substance)}"
        return self.query


def validate(spec: AlertSpec) -> AlertSpec:
    if not spec.name.strip() or len(spec.name) > 120:
        raise AlertError("name is required (max 120 characters)")
    if spec.rule not in RULES:
        raise AlertError(f"rule must be one of {RULES}")
    if spec.rule in ("new_vendor", "spread") and not spec.substance.strip():
        raise AlertError("this rule needs a substance")
    if spec.rule in ("new_match", "price_drop"):
        parse_query(spec.query)  # QuerySyntaxError reaches the caller with its position
    if not 0 < spec.percent < 100:
        raise AlertError("percent must be between 0 and 100")
    if spec.markets < 1 or not 1 <= spec.days <= 365:
        raise AlertError("markets >= 1 and days in 1..365")
    spec.target = validate_target(spec.notify, spec.target)
    return spec


def create_alert(data: DataAccess, db: WebDB, user: User, spec: AlertSpec) -> dict[str, Any]:
    spec = validate(spec)
    params = {"substance": spec.substance, "percent": spec.percent, "markets": spec.markets, "days": spec.days}
    aid = db.execute(
        "INSERT INTO alerts(name, owner, rule, query, params, notify, created_at) VALUES (?,?,?,?,?,?,?)",
        (spec.name.strip(), user.name, spec.rule, spec.effective_query(), json.dumps(params),
         json.dumps({"kind": spec.notify, "target": spec.target}), now_iso()))
    alert = get_alert(db, aid)
    assert alert is not None
    if spec.rule != "spread":
        _evaluate(data, db, alert)  # baseline: what matches now never fires
    db.audit(user.name, "alert.create", {"id": aid, "name": spec.name, "rule": spec.rule})
    return alert


def get_alert(db: WebDB, aid: int) -> dict[str, Any] | None:
    row = db.one("SELECT * FROM alerts WHERE id = ?", (aid,))
    return _decode(row) if row else None


def list_alerts(db: WebDB) -> list[dict[str, Any]]:
    rows = db.rows("SELECT a.*, (SELECT count(*) FROM alert_firings f WHERE f.alert_id = a.id) AS firings, "
                   "(SELECT max(fired_at) FROM alert_firings f WHERE f.alert_id = a.id) AS last_fired_at "
                   "FROM alerts a ORDER BY a.id")
    return [_decode(r) for r in rows]


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["params"] = json.loads(row["params"])
    row["notify"] = json.loads(row["notify"])
    row["enabled"] = bool(row["enabled"])
    return row


def history(db: WebDB, aid: int, limit: int = 200) -> list[dict[str, Any]]:
    rows = db.rows("SELECT * FROM alert_firings WHERE alert_id = ? ORDER BY id DESC LIMIT ?", (aid, limit))
    for r in rows:
        r["details"] = json.loads(r["details"])
    return rows


def delete_alert(db: WebDB, user: User, aid: int) -> bool:
    alert = get_alert(db, aid)
    if alert is None or (alert["owner"] != user.name and not user.is_admin):
        return False
    for table, col in (("alert_state", "alert_id"), ("alert_firings", "alert_id"), ("alerts", "id")):
        db.execute(f"DELETE FROM {table} WHERE {col} = ?", (aid,))
    db.audit(user.name, "alert.delete", {"id": aid, "name": alert["name"]})
    return True


# checking -------------------------------------------------------------------------------------
def check_alerts(paths: Paths) -> list[Firing]:
    """Check every enabled alert against the index; record, notify and return what fired."""
    cfg = WebConfig.from_paths(paths)
    data = DataAccess(paths)
    try:
        return run_checks(cfg, data, WebDB(cfg.db))
    finally:
        data.close()


def run_checks(cfg: WebConfig, data: DataAccess, db: WebDB) -> list[Firing]:
    fired = []
    for alert in db.rows("SELECT * FROM alerts WHERE enabled = 1 ORDER BY id"):
        alert = _decode(alert)
        try:
            firing = _evaluate(data, db, alert)
        except Exception:  # one broken alert must not stop the others
            log.exception("alert %s (%s) could not be checked", alert["id"], alert["name"])
            continue
        if firing is not None:
            notify = alert["notify"]
            payload = {"alert_id": firing.alert_id, **{k: v for k, v in asdict(firing).items() if k != "delivery"}}
            firing.delivery = deliver(notify["kind"], notify["target"], payload, cfg.alert_logs)
            db.execute("INSERT INTO alert_firings(alert_id, fired_at, summary, details, delivery) VALUES (?,?,?,?,?)",
                       (firing.alert_id, firing.fired_at, firing.summary,
                        json.dumps(firing.details, ensure_ascii=False, default=str), firing.delivery))
            fired.append(firing)
    return fired


def _evaluate(data: DataAccess, db: WebDB, alert: dict[str, Any]) -> Firing | None:
    """Apply the rule, update its state, and return a firing when something changed."""
    aid = alert["id"]
    state = {r["key"]: json.loads(r["value"]) for r in db.rows("SELECT key, value FROM alert_state WHERE alert_id = ?",
                                                               (aid,))}
    summary, details, new_state = _RULE_FUNCS[alert["rule"]](data, alert, state)
    with db.connect() as conn:
        for key, value in new_state.items():
            conn.execute("INSERT OR REPLACE INTO alert_state VALUES (?,?,?)", (aid, key, json.dumps(value)))
        conn.execute("UPDATE alerts SET last_checked_at = ? WHERE id = ?", (now_iso(), aid))
    if summary is None:
        return None
    return Firing(aid, alert["name"], alert["rule"], now_iso(), summary, details)


RuleResult = tuple[str | None, dict[str, Any], dict[str, Any]]


def _matches(data: DataAccess, query: str, size: int = SCAN) -> list[Any]:
    return [h.doc for h in data.index().search(SearchRequest(query=query, sort="newest", size=size)).hits]


def _brief(doc: Any) -> dict[str, Any]:
    return {"doc_id": doc.doc_id, "title": doc.title[:200], "source": doc.source, "vendor": doc.vendor,
            "price_usd": doc.price_usd, "price_display": doc.price_display}


def _new_match(data: DataAccess, alert: dict[str, Any], state: dict[str, Any]) -> RuleResult:
    docs = _matches(data, alert["query"])
    first = "seen" not in state
    seen = set(state.get("seen", []))
    new = [d for d in docs if d.doc_id not in seen]
    keep = ([d.doc_id for d in docs] + [s for s in state.get("seen", []) if s not in {d.doc_id for d in docs}])
    new_state = {"seen": keep[:MAX_SEEN]}
    if first or not new:
        return None, {}, new_state
    return (f"{len(new)} new match{'es' if len(new) > 1 else ''}",
            {"query": alert["query"], "new": [_brief(d) for d in new[:50]]}, new_state)


def _new_vendor(data: DataAccess, alert: dict[str, Any], state: dict[str, Any]) -> RuleResult:
    docs = _matches(data, alert["query"], size=2 * SCAN)
    first = "vendors" not in state
    known = set(state.get("vendors", []))
    current: dict[str, Any] = {}
    for d in docs:
        if d.vendor and d.vendor.casefold() not in known:
            current.setdefault(d.vendor.casefold(), d)
    new_state = {"vendors": sorted(known | set(current))}
    if first or not current:
        return None, {}, new_state
    names = sorted(d.vendor for d in current.values())
    return (f"new vendor(s) for {alert['params']['substance']}: {', '.join(names)[:200]}",
            {"substance": alert["params"]["substance"], "vendors": [_brief(d) for d in current.values()]},
            new_state)


def _price_drop(data: DataAccess, alert: dict[str, Any], state: dict[str, Any]) -> RuleResult:
    docs = _matches(data, alert["query"])
    first = "prices" not in state
    before: dict[str, float] = state.get("prices", {})
    percent = float(alert["params"]["percent"])
    drops = []
    prices = dict(before)
    for d in docs:
        if d.price_usd is None:
            continue
        old = before.get(d.doc_id)
        if old and old > 0 and (old - d.price_usd) / old * 100.0 >= percent:
            drops.append({**_brief(d), "previous_usd": old, "drop_percent": round((old - d.price_usd) / old * 100, 1)})
        prices[d.doc_id] = d.price_usd
    new_state = {"prices": dict(list(prices.items())[-MAX_SEEN:])}
    if first or not drops:
        return None, {}, new_state
    return f"{len(drops)} price drop(s) of {percent:g}% or more", {"drops": drops[:50]}, new_state


def _spread(data: DataAccess, alert: dict[str, Any], state: dict[str, Any]) -> RuleResult:
    params = alert["params"]
    ref = latest_seen(data)
    if ref is None:
        return None, {}, {"active": False}
    since = (ref - timedelta(days=int(params["days"]))).date().isoformat()
    query = f"{alert['query']} AND last_seen:[{since} TO *]"
    res = data.index().search(SearchRequest(query=query, size=0, facets=["source"]))
    markets = [m for m, _n in res.facets.get("source", [])]
    active = len(markets) >= int(params["markets"])
    if not active or state.get("active"):
        return None, {}, {"active": active}
    return (f"{params['substance']} on {len(markets)} markets within {params['days']} days",
            {"substance": params["substance"], "markets": markets, "since": since,
             "reference": ref.isoformat()}, {"active": True})


_RULE_FUNCS = {"new_match": _new_match, "new_vendor": _new_vendor, "price_drop": _price_drop, "spread": _spread}
