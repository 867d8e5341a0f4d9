"""The JSON API under ``/api`` (documented by the OpenAPI schema at ``/api/openapi.json``).

The pages use only these endpoints. Every endpoint needs a session (with CSRF token for writes) or
an API token; errors are JSON ``{"detail": ...}`` with a 4xx status, and query syntax errors carry
the position inside the analyst's query so the UI can point at it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from index.base import MAX_RESULT_WINDOW, InvalidRequestError, SearchRequest, SearchResult, check_weekly_by
from index.query import QuerySyntaxError
from web import accounts, alerts, entities, gazetteer, novelty, sources
from web.deps import AppState, Caller, admin_caller, api_caller, state
from web.evidence import evidence_text
from web.search import DATE_PARAMS, DEFAULT_FACETS, FILTER_FIELDS, FilterError, SearchParams, result_json

router = APIRouter(prefix="/api", dependencies=[Depends(api_caller)])
StateDep = Annotated[AppState, Depends(state)]
CallerDep = Annotated[Caller, Depends(api_caller)]
Multi = Annotated[list[str], Query()]


def bad_request(exc: Exception) -> HTTPException:
    """The 400 an analyst can act on; syntax errors say where."""
    if isinstance(exc, QuerySyntaxError):
        return HTTPException(400, {"error": "query_syntax", "message": exc.message, "position": exc.position,
                                   "query": exc.query})
    return HTTPException(400, {"error": "invalid_request", "message": str(exc)})


def search_params(
    *, q: str = "", substance: Multi = [], class_: Annotated[list[str], Query(alias="class")] = [],  # noqa: B006
    market: Multi = [], vendor: Multi = [], ships_from: Multi = [], ships_to: Multi = [],  # noqa: B006
    lang: Multi = [], price_band: Multi = [],  # noqa: B006
    first_seen_from: str = "", first_seen_to: str = "", last_seen_from: str = "", last_seen_to: str = "",
    kind: Literal["listing", "post"] | None = None,
    sort: Literal["relevance", "newest", "price_asc", "price_desc", "last_seen"] = "relevance",
    page: Annotated[int, Query(ge=1, le=MAX_RESULT_WINDOW)] = 1,
    size: Annotated[int, Query(ge=0, le=100)] = 20,
    facets: Annotated[str, Query(description="comma-separated facet fields, or 'none'")] = ",".join(DEFAULT_FACETS),
) -> SearchParams:
    """Search filters as URL parameters (repeat a parameter to OR values of one field)."""
    values = {"substance": substance, "class": class_, "market": market, "vendor": vendor,
              "ships_from": ships_from, "ships_to": ships_to, "lang": lang}
    dates = {"first_seen_from": first_seen_from, "first_seen_to": first_seen_to,
             "last_seen_from": last_seen_from, "last_seen_to": last_seen_to}
    assert set(values) == set(FILTER_FIELDS) and set(dates) == set(DATE_PARAMS)
    wanted = tuple(f for f in facets.split(",") if f and f != "none")
    return SearchParams(q=q, filters=values, price_band=price_band, dates=dates, kind=kind, sort=sort,
                        page=page, size=size, facets=wanted)


ParamsDep = Annotated[SearchParams, Depends(search_params)]


def run_search(st: AppState, params: SearchParams, req: SearchRequest | None = None) -> tuple[SearchRequest,
                                                                                               SearchResult]:
    try:
        params.validate_own_query()
        req = req or params.request()
        req.validate()  # unknown facet names etc. -> 400 before any work
        return req, st.data.index().search(req)
    except (QuerySyntaxError, InvalidRequestError, FilterError) as exc:
        raise bad_request(exc) from None


class FacetValue(BaseModel):
    value: str
    count: int


class SearchResponse(BaseModel):
    query: str = Field(description="the full query-language string that ran (analyst query AND filters)")
    total: int
    total_is_lower_bound: bool
    page: int
    size: int
    offset: int
    sort: str
    took_ms: float
    hits: list[dict[str, Any]] = Field(description="index documents; `highlights` hold HTML-escaped text "
                                                   "with <mark> around matches")
    facets: dict[str, list[FacetValue]]
    facets_sampled: list[str]


@router.get("/search", response_model=SearchResponse, summary="Search listings and posts")
def search(st: StateDep, params: ParamsDep) -> dict[str, Any]:
    req, result = run_search(st, params)
    out = result_json(req, result, params)
    out["facets"].update(_disjunctive_facets(st, params))
    return out


FACET_OF_FILTER = {"substance": "substance", "class": "class", "market": "source", "vendor": "vendor",
                   "ships_from": "ships_from", "ships_to": "ships_to", "lang": "lang"}


def _disjunctive_facets(st: AppState, params: SearchParams) -> dict[str, list[dict[str, Any]]]:
    """For a field the analyst filtered on, count its values *without* that filter, so the other
    values stay visible and can be added (values of one field are ORed)."""
    out: dict[str, list[dict[str, Any]]] = {}
    selected = [(p, FACET_OF_FILTER[p]) for p, v in params.filters.items() if v and FACET_OF_FILTER[p] in params.facets]
    if params.price_band and "price_band" in params.facets:
        selected.append(("price_band", "price_band"))
    for param, facet in selected:
        other = SearchParams(q=params.q, filters={k: v for k, v in params.filters.items() if k != param},
                             price_band=[] if param == "price_band" else params.price_band, dates=params.dates,
                             kind=params.kind, size=0, facets=(facet,))
        _req, res = run_search(st, other, other.request(highlight=False))
        out[facet] = [{"value": v, "count": n} for v, n in res.facets.get(facet, [])]
    return out


@router.get("/query/validate", summary="Check query syntax without running it")
def validate_query(q: str = "") -> dict[str, Any]:
    try:
        SearchParams(q=q).validate_own_query()
    except QuerySyntaxError as exc:
        return {"ok": False, "message": exc.message, "position": exc.position}
    return {"ok": True}


@router.get("/listings/{doc_id}", summary="A listing (or post) with price history, extraction and evidence")
def listing(st: StateDep, doc_id: str) -> dict[str, Any]:
    found = entities.listing_detail(st.data, doc_id)
    if found is None:
        raise HTTPException(404, "no such document")
    return found


@router.get("/listings/{doc_id}/evidence/{digest}", summary="A captured page as sanitised text")
def listing_evidence(st: StateDep, doc_id: str, digest: str) -> dict[str, Any]:
    found = entities.listing_detail(st.data, doc_id)
    if found is None or digest not in {p["digest"] for p in found["evidence"]}:
        raise HTTPException(404, "no such evidence for this document")
    page = next(p for p in found["evidence"] if p["digest"] == digest)
    return {**page, **evidence_text(st.data.pages, digest)}


@router.get("/vendors/{name:path}", summary="A vendor across markets: profiles, aliases, listings, activity")
def vendor(st: StateDep, name: str) -> dict[str, Any]:
    try:
        return entities.vendor_detail(st.data, name)
    except (QuerySyntaxError, InvalidRequestError) as exc:  # a name the query language cannot express
        raise bad_request(exc) from None


@router.get("/substances", summary="The substance gazetteer (ids, names, classes)")
def substance_list(st: StateDep) -> dict[str, Any]:
    gz = gazetteer.load(st.cfg.paths.config / "gazetteer")
    return {"classes": gz.classes,
            "substances": [{"id": s.id, "name": s.name, "class": s.cls} for s in gz.substances.values()]}


@router.get("/substances/{sid:path}", summary="A substance: class, synonyms, markets, vendors, trends, price per gram")
def substance(st: StateDep, sid: str) -> dict[str, Any]:
    try:
        return entities.substance_detail(st.data, sid)
    except (QuerySyntaxError, InvalidRequestError) as exc:
        raise bad_request(exc) from None


@router.get("/markets/{name:path}", summary="A market: what it lists, by whom, from where, over time")
def market(st: StateDep, name: str) -> dict[str, Any]:
    try:
        found = entities.market_detail(st.data, name)
    except (QuerySyntaxError, InvalidRequestError) as exc:
        raise bad_request(exc) from None
    found["health"] = next((s for s in sources.source_health(st.data) if s["source"] == name), None)
    return found


@router.get("/trends", summary="Weekly observation counts by a dimension (index `weekly()`)")
def trends(st: StateDep, by: str = "substance", q: str = "", start: date | None = None,
           end: date | None = None) -> dict[str, Any]:
    try:
        check_weekly_by(by)
        SearchParams(q=q).validate_own_query()
        return entities.weekly_json(st.data.index().weekly(by, query=q, start=start, end=end))
    except (QuerySyntaxError, InvalidRequestError) as exc:
        raise bad_request(exc) from None


@router.get("/sources", summary="Health of each market and forum from its crawls")
def source_list(st: StateDep) -> list[dict[str, Any]]:
    return sources.source_health(st.data)


# novelty --------------------------------------------------------------------------------------
class ConfirmIn(BaseModel):
    candidate: str = Field(max_length=200)
    substance_class: str = Field(alias="class", max_length=80)
    id: str = Field("", max_length=80)
    name: str = Field("", max_length=120)


class RejectIn(BaseModel):
    candidate: str = Field(max_length=200)


@router.get("/candidates", summary="The novelty queue")
def candidates(st: StateDep, status: Literal["pending", "confirmed", "rejected", "all"] = "pending"
               ) -> list[dict[str, Any]]:
    return novelty.queue(st.data, st.db, status=status)


@router.post("/candidates/confirm", summary="Confirm a candidate as a substance of a class")
def confirm_candidate(st: StateDep, caller: CallerDep, body: ConfirmIn) -> dict[str, str]:
    try:
        return novelty.confirm(st.cfg, st.db, caller.user, body.candidate, cls=body.substance_class,
                               sid=body.id, name=body.name)
    except novelty.ReviewError as exc:
        raise bad_request(exc) from None


@router.post("/candidates/reject", summary="Reject a candidate")
def reject_candidate(st: StateDep, caller: CallerDep, body: RejectIn) -> dict[str, str]:
    try:
        novelty.reject(st.cfg, st.db, caller.user, body.candidate)
    except novelty.ReviewError as exc:
        raise bad_request(exc) from None
    return {"candidate": body.candidate, "status": "rejected"}


# alerts ---------------------------------------------------------------------------------------
class AlertIn(BaseModel):
    name: str = Field(max_length=120)
    rule: Literal["new_match", "new_vendor", "price_drop", "spread"]
    query: str = Field("", max_length=2000)
    substance: str = Field("", max_length=120)
    percent: float = 20.0
    markets: int = 3
    days: int = 14
    notify: Literal["log", "webhook", "email"] = "log"
    target: str = Field("", max_length=2000)


@router.get("/alerts", summary="Saved alerts")
def alert_list(st: StateDep) -> list[dict[str, Any]]:
    return alerts.list_alerts(st.db)


@router.post("/alerts", status_code=201, summary="Create an alert (its current matches become the baseline)")
def alert_create(st: StateDep, caller: CallerDep, body: AlertIn) -> dict[str, Any]:
    try:
        return alerts.create_alert(st.data, st.db, caller.user, alerts.AlertSpec(**body.model_dump()))
    except (alerts.AlertError, QuerySyntaxError, ValueError) as exc:
        raise bad_request(exc) from None


@router.get("/alerts/{aid}", summary="An alert and its firing history")
def alert_get(st: StateDep, aid: int) -> dict[str, Any]:
    found = alerts.get_alert(st.db, aid)
    if found is None:
        raise HTTPException(404, "no such alert")
    return {**found, "history": alerts.history(st.db, aid)}


@router.delete("/alerts/{aid}", status_code=204, summary="Delete an alert (owner or admin)")
def alert_delete(st: StateDep, caller: CallerDep, aid: int) -> Response:
    if not alerts.delete_alert(st.db, caller.user, aid):
        raise HTTPException(404, "no such alert of yours")
    return Response(status_code=204)


@router.post("/alerts/check", summary="Check every alert now (the pipeline does this after each crawl)")
def alert_check(st: StateDep, caller: CallerDep) -> list[dict[str, Any]]:
    fired = alerts.run_checks(st.cfg, st.data, st.db)
    st.db.audit(caller.user.name, "alert.check", {"fired": len(fired)})
    return [{"alert_id": f.alert_id, "alert_name": f.alert_name, "summary": f.summary, "delivery": f.delivery}
            for f in fired]


# exports --------------------------------------------------------------------------------------
@router.get("/export", summary="Export a search as CSV, JSON lines, STIX 2.1 or a MISP event")
def export(*, st: StateDep, caller: CallerDep, request: Request, params: ParamsDep,
           format: Literal["csv", "jsonl", "stix", "misp"] = "csv",
           tlp: Literal["clear", "green", "amber", "red"] = "amber",
           limit: Annotated[int, Query(ge=1, le=MAX_RESULT_WINDOW)] = 1000) -> Response:
    docs = []
    base = params.request(facets=False, highlight=False)
    step = 500
    for offset in range(0, limit, step):
        req = SearchRequest(query=base.query, kind=base.kind, sort=base.sort, size=min(step, limit - offset),
                            offset=offset)
        _req, result = run_search(st, params, req)
        docs += [h.doc for h in result.hits]
        if len(result.hits) < req.size:
            break
    body = _render(st, format, tlp, docs, base.query)
    st.db.audit(caller.user.name, "export", {"format": format, "tlp": tlp, "query": base.query,
                                             "count": len(docs), "client": request.client.host if request.client
                                             else ""})
    name = f"narcoscope-export.{EXPORT_EXTENSIONS[format]}"
    return Response(body, media_type=EXPORT_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


EXPORT_TYPES = {"csv": "text/csv", "jsonl": "application/x-ndjson", "stix": "application/stix+json",
                "misp": "application/json"}
EXPORT_EXTENSIONS = {"csv": "csv", "jsonl": "jsonl", "stix": "stix.json", "misp": "misp.json"}


def _render(st: AppState, fmt: str, tlp: str, docs: list[Any], query: str) -> str:
    from web import exports  # stix2 and pymisp take seconds to import: only when exporting
    if fmt == "csv":
        return exports.to_csv(docs)
    if fmt == "jsonl":
        return exports.to_jsonl(docs)
    if fmt == "stix":
        gz = gazetteer.load(st.cfg.paths.config / "gazetteer")
        names = {s.id: (s.name, s.cls) for s in gz.substances.values()}
        return exports.to_stix(docs, tlp, names)
    return exports.to_misp(docs, tlp, f"narcoscope export: {query or 'all documents'}")


@router.get("/audit", summary="The audit log (admin)", dependencies=[Depends(admin_caller)])
def audit(st: StateDep, limit: Annotated[int, Query(ge=1, le=5000)] = 500, action: str = "") -> list[dict[str, Any]]:
    if action:
        return st.db.rows("SELECT * FROM audit WHERE action = ? ORDER BY id DESC LIMIT ?", (action, limit))
    return st.db.rows("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))


# accounts -------------------------------------------------------------------------------------
class TokenIn(BaseModel):
    name: str = Field("api", max_length=80)


class UserIn(BaseModel):
    name: str = Field(max_length=64)
    password: str = Field(min_length=accounts.MIN_PASSWORD, max_length=1000)
    role: Literal["analyst", "admin"] = "analyst"


@router.get("/me", summary="Who am I")
def me(caller: CallerDep) -> dict[str, Any]:
    return {"name": caller.user.name, "role": caller.user.role, "via_token": caller.via_token}


@router.get("/tokens", summary="My API tokens (never the secrets)")
def tokens(st: StateDep, caller: CallerDep) -> list[dict[str, Any]]:
    return accounts.list_tokens(st.db, caller.user)


@router.post("/tokens", status_code=201, summary="Create an API token (shown once)")
def token_create(st: StateDep, caller: CallerDep, body: TokenIn) -> dict[str, Any]:
    tid, token = accounts.create_token(st.db, caller.user, body.name)
    st.db.audit(caller.user.name, "token.create", {"id": tid, "name": body.name})
    return {"id": tid, "name": body.name, "token": token}


@router.delete("/tokens/{tid}", status_code=204, summary="Revoke one of my API tokens")
def token_revoke(st: StateDep, caller: CallerDep, tid: int) -> Response:
    if not accounts.revoke_token(st.db, caller.user, tid):
        raise HTTPException(404, "no such token")
    st.db.audit(caller.user.name, "token.revoke", {"id": tid})
    return Response(status_code=204)


@router.get("/users", summary="Users (admin)", dependencies=[Depends(admin_caller)])
def users(st: StateDep) -> list[dict[str, Any]]:
    return accounts.list_users(st.db)


@router.post("/users", status_code=201, summary="Create a user (admin)", dependencies=[Depends(admin_caller)])
def user_create(st: StateDep, caller: CallerDep, body: UserIn) -> dict[str, Any]:
    try:
        user = accounts.add_user(st.db, body.name, body.password, body.role)
    except accounts.AccountError as exc:
        raise bad_request(exc) from None
    st.db.audit(caller.user.name, "user.create", {"name": user.name, "role": user.role})
    return {"id": user.id, "name": user.name, "role": user.role}


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request) -> dict[str, Any]:
    schema: dict[str, Any] = request.app.openapi()
    return schema
