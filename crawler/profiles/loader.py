"""Load and validate site profiles from YAML, with errors that name the file, line and field.

An analyst writes profiles by hand, so every mistake must point at the exact place: the YAML is
composed into nodes (which keep their line numbers) before being turned into typed objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import yaml

from crawler.profiles.model import BlockRule, FieldSpec, PageRule, RateLimit, Schedule, SessionSpec, SiteProfile

REPO_ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")

_FIELD_KEYS = {
    "css", "xpath", "label", "url", "const", "first", "within", "attr", "text", "many", "re",
    "split", "join", "strip", "default", "items", "fields",
}
_LOCATORS = ("css", "xpath", "label", "url", "const", "first", "items")
_RECORDS = {"listing", "vendor", "thread", "none"}


class ProfileError(ValueError):
    """A profile is invalid. ``str()`` reads ``file:line: field: what is wrong``."""

    def __init__(self, file: str, line: int, field: str, message: str) -> None:
        self.file, self.line, self.field = file, line, field
        super().__init__(f"{file}:{line}: {field}: {message}")


def profile_dir() -> Path:
    return REPO_ROOT / "config" / "sites"


class _Ctx:
    """Where we are in the document, for error messages."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, node: yaml.Node, path: str, message: str) -> ProfileError:
        return ProfileError(self.file, node.start_mark.line + 1, path, message)


def _mapping(ctx: _Ctx, node: yaml.Node, path: str) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise ctx.fail(node, path, "expected a mapping")
    out: dict[str, yaml.Node] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise ctx.fail(key, path, "keys must be plain strings")
        if key.value in out:
            raise ctx.fail(key, f"{path}.{key.value}", "duplicate key")
        out[key.value] = value
    return out


def _scalar(ctx: _Ctx, node: yaml.Node, path: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise ctx.fail(node, path, "expected a single value")
    return str(node.value)


def _strings(ctx: _Ctx, node: yaml.Node, path: str) -> tuple[str, ...]:
    if isinstance(node, yaml.ScalarNode):
        return (str(node.value),)
    if not isinstance(node, yaml.SequenceNode):
        raise ctx.fail(node, path, "expected a string or a list of strings")
    return tuple(_scalar(ctx, n, f"{path}[{i}]") for i, n in enumerate(node.value))


def _typed(ctx: _Ctx, node: yaml.Node, path: str, conv: Callable[[str], T], what: str) -> T:
    raw = _scalar(ctx, node, path)
    try:
        return conv(raw)
    except ValueError:
        raise ctx.fail(node, path, f"expected {what}, got {raw!r}") from None


def _bool(raw: str) -> bool:
    low = raw.lower()
    if low in {"true", "yes", "on"}:
        return True
    if low in {"false", "no", "off"}:
        return False
    raise ValueError(raw)


def _regex(ctx: _Ctx, node: yaml.Node, path: str) -> re.Pattern[str]:
    raw = _scalar(ctx, node, path)
    try:
        return re.compile(raw)
    except re.error as exc:
        raise ctx.fail(node, path, f"bad regular expression: {exc}") from None


def _check_selector(ctx: _Ctx, node: yaml.Node, path: str, kind: str, value: str) -> None:
    from parsel import Selector  # local: parsel pulls lxml/cssselect, only needed to validate

    try:
        probe = Selector(text="<html></html>")
        probe.css(value) if kind == "css" else probe.xpath(value)
    except Exception as exc:  # noqa: BLE001 - parsel raises several unrelated types
        raise ctx.fail(node, path, f"invalid {kind} selector {value!r}: {exc}") from None


def _field(ctx: _Ctx, node: yaml.Node, path: str) -> FieldSpec:
    if isinstance(node, yaml.ScalarNode):  # shorthand: a CSS selector
        _check_selector(ctx, node, path, "css", node.value)
        return FieldSpec(css=node.value)
    if isinstance(node, yaml.SequenceNode):  # shorthand: alternatives
        return FieldSpec(first=tuple(_field(ctx, n, f"{path}[{i}]") for i, n in enumerate(node.value)))
    m = _mapping(ctx, node, path)
    for key, sub in m.items():
        if key not in _FIELD_KEYS:
            raise ctx.fail(sub, f"{path}.{key}", f"unknown key; expected one of {sorted(_FIELD_KEYS)}")
    locators = [k for k in _LOCATORS if k in m]
    if len(locators) != 1:
        raise ctx.fail(node, path, f"needs exactly one of {list(_LOCATORS)}, found {locators or 'none'}")
    kw: dict[str, Any] = {}
    for key in ("css", "xpath"):
        if key in m:
            kw[key] = _scalar(ctx, m[key], f"{path}.{key}")
            _check_selector(ctx, m[key], f"{path}.{key}", key, kw[key])
    for key in ("url", "const", "within", "attr", "split", "join", "default"):
        if key in m:
            kw[key] = _scalar(ctx, m[key], f"{path}.{key}")
    if "items" in m:
        kw["items"] = _scalar(ctx, m["items"], f"{path}.items")
        _check_selector(ctx, m["items"], f"{path}.items", "css", kw["items"])
        if "fields" not in m:
            raise ctx.fail(node, path, "'items' needs 'fields'")
        kw["fields"] = _fields(ctx, m["fields"], f"{path}.fields")
    elif "fields" in m:
        raise ctx.fail(m["fields"], f"{path}.fields", "'fields' only goes with 'items'")
    if "label" in m:
        kw["label"] = _strings(ctx, m["label"], f"{path}.label")
    if "first" in m:
        seq = m["first"]
        if not isinstance(seq, yaml.SequenceNode) or not seq.value:
            raise ctx.fail(seq, f"{path}.first", "expected a non-empty list of fields")
        kw["first"] = tuple(_field(ctx, n, f"{path}.first[{i}]") for i, n in enumerate(seq.value))
    if "text" in m:
        text = _scalar(ctx, m["text"], f"{path}.text")
        if text not in ("all", "own", "raw"):
            raise ctx.fail(m["text"], f"{path}.text", "expected 'all', 'own' or 'raw'")
        kw["text"] = text
    for key in ("many", "strip"):
        if key in m:
            kw[key] = _typed(ctx, m[key], f"{path}.{key}", _bool, "true or false")
    if "re" in m:
        kw["regex"] = _regex(ctx, m["re"], f"{path}.re")
    return FieldSpec(**kw)


def _fields(ctx: _Ctx, node: yaml.Node, path: str) -> dict[str, FieldSpec]:
    return {k: _field(ctx, v, f"{path}.{k}") for k, v in _mapping(ctx, node, path).items()}


def _page_rule(ctx: _Ctx, kind: str, node: yaml.Node, path: str) -> PageRule:
    m = _mapping(ctx, node, path)
    allowed = {"match", "record", "fields", "links", "follow"}
    for key, sub in m.items():
        if key not in allowed:
            raise ctx.fail(sub, f"{path}.{key}", f"unknown key; expected one of {sorted(allowed)}")
    if "match" not in m:
        raise ctx.fail(node, path, "missing 'match' (a regular expression on path and query)")
    record = _scalar(ctx, m["record"], f"{path}.record") if "record" in m else "none"
    if record not in _RECORDS:
        raise ctx.fail(m["record"], f"{path}.record", f"expected one of {sorted(_RECORDS)}")
    links = _strings(ctx, m["links"], f"{path}.links") if "links" in m else ()
    for i, sel in enumerate(links):
        _check_selector(ctx, m["links"], f"{path}.links[{i}]", "css", sel)
    follow = _typed(ctx, m["follow"], f"{path}.follow", _bool, "true or false") if "follow" in m else True
    fields = _fields(ctx, m["fields"], f"{path}.fields") if "fields" in m else {}
    rule = PageRule(kind=kind, match=_regex(ctx, m["match"], f"{path}.match"), record=record,  # type: ignore[arg-type]
                    fields=fields, links=links, follow=follow)
    _require_fields(ctx, node, path, rule)
    return rule


_REQUIRED = {"listing": ("listing_id", "title"), "vendor": ("name",), "thread": ("thread_id", "posts")}


def _require_fields(ctx: _Ctx, node: yaml.Node, path: str, rule: PageRule) -> None:
    for name in _REQUIRED.get(rule.record, ()):
        if name not in rule.fields:
            raise ctx.fail(node, f"{path}.fields", f"a '{rule.record}' page needs a '{name}' field")
    if rule.record == "thread":
        posts = rule.fields["posts"]
        if posts.items is None or "body" not in posts.fields:
            raise ctx.fail(node, f"{path}.fields.posts", "needs 'items' and fields incl. 'body'")


def _block_rule(ctx: _Ctx, node: yaml.Node, path: str) -> BlockRule:
    m = _mapping(ctx, node, path)
    allowed = {"reason", "css", "text", "status", "url"}
    for key, sub in m.items():
        if key not in allowed:
            raise ctx.fail(sub, f"{path}.{key}", f"unknown key; expected one of {sorted(allowed)}")
    if "reason" not in m:
        raise ctx.fail(node, path, "missing 'reason'")
    if not {"css", "text", "status", "url"} & m.keys():
        raise ctx.fail(node, path, "needs one of css, text, status, url")
    css = _scalar(ctx, m["css"], f"{path}.css") if "css" in m else None
    if css:
        _check_selector(ctx, m["css"], f"{path}.css", "css", css)
    return BlockRule(
        reason=_scalar(ctx, m["reason"], f"{path}.reason"), css=css,
        text=_scalar(ctx, m["text"], f"{path}.text") if "text" in m else None,
        status=_typed(ctx, m["status"], f"{path}.status", int, "an HTTP status") if "status" in m else None,
        url=_regex(ctx, m["url"], f"{path}.url") if "url" in m else None,
    )


_TOP = {"name", "kind", "title", "mirrors", "onion", "start", "rate_limit", "blocked", "pages",
        "deny", "extends", "schedule", "session"}


def _rate_limit(ctx: _Ctx, node: yaml.Node, path: str) -> RateLimit:
    m = _mapping(ctx, node, path)
    conv: dict[str, tuple[Callable[[str], Any], str]] = {
        "delay": (float, "seconds"), "concurrency": (int, "a whole number"),
        "max_pages": (int, "a whole number"), "max_depth": (int, "a whole number"),
    }
    kw = {}
    for key, sub in m.items():
        if key not in conv:
            raise ctx.fail(sub, f"{path}.{key}", f"unknown key; expected one of {sorted(conv)}")
        fn, what = conv[key]
        kw[key] = _typed(ctx, sub, f"{path}.{key}", fn, what)
    return RateLimit(**kw)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(raw: str) -> float:
    """``"90s"``, ``"15m"``, ``"6h"``, ``"1d"`` or plain seconds -> seconds."""
    m = _DURATION.match(raw)
    if not m:
        raise ValueError(raw)
    return float(m.group(1)) * _UNIT[m.group(2) or "s"]


def _schedule(ctx: _Ctx, node: yaml.Node, path: str) -> Schedule:
    """``{cron: "0 */6 * * *", jitter: 20m}`` or ``{every: 6h, jitter: 30m}``."""
    m = _mapping(ctx, node, path)
    for key, sub in m.items():
        if key not in ("cron", "every", "jitter"):
            raise ctx.fail(sub, f"{path}.{key}", "unknown key; expected one of ['cron', 'every', 'jitter']")
    if ("cron" in m) == ("every" in m):
        raise ctx.fail(node, path, "needs exactly one of 'cron' or 'every'")
    jitter = _typed(ctx, m["jitter"], f"{path}.jitter", parse_duration, "a duration like 20m") if "jitter" in m else 0.0
    if "every" in m:
        every = _typed(ctx, m["every"], f"{path}.every", parse_duration, "a duration like 6h")
        if every <= 0:
            raise ctx.fail(m["every"], f"{path}.every", "must be longer than zero")
        return Schedule(every=every, jitter=jitter)
    cron = _scalar(ctx, m["cron"], f"{path}.cron")
    from croniter import croniter  # local: only profiles with a cron schedule need it

    if not croniter.is_valid(cron):
        raise ctx.fail(m["cron"], f"{path}.cron", f"invalid cron expression {cron!r}")
    return Schedule(cron=cron, jitter=jitter)


def _session(ctx: _Ctx, node: yaml.Node, path: str) -> SessionSpec:
    """``{cookies_env: NARCOSCOPE_SESSION_X}`` or ``{cookies_file: ~/.config/narcoscope/x.cookies}``."""
    m = _mapping(ctx, node, path)
    for key, sub in m.items():
        if key not in ("cookies_env", "cookies_file", "expired_after"):
            raise ctx.fail(sub, f"{path}.{key}",
                           "unknown key; expected one of ['cookies_env', 'cookies_file', 'expired_after']"
                           " (secrets themselves never go in a profile)")
    if not {"cookies_env", "cookies_file"} & m.keys():
        raise ctx.fail(node, path, "needs 'cookies_env' or 'cookies_file'")
    cookies_file = _scalar(ctx, m["cookies_file"], f"{path}.cookies_file") if "cookies_file" in m else ""
    if cookies_file and Path(cookies_file).expanduser().resolve().is_relative_to(REPO_ROOT):
        raise ctx.fail(m["cookies_file"], f"{path}.cookies_file", "secrets must live outside the repository")
    return SessionSpec(
        cookies_env=_scalar(ctx, m["cookies_env"], f"{path}.cookies_env") if "cookies_env" in m else "",
        cookies_file=cookies_file,
        expired_after=_typed(ctx, m["expired_after"], f"{path}.expired_after", int, "a whole number")
        if "expired_after" in m else 3,
    )


def _merge(base: yaml.Node, child: yaml.Node) -> yaml.Node:
    """``extends``: the child's top-level keys replace the base's, except ``pages`` (merged by kind)."""
    if not (isinstance(base, yaml.MappingNode) and isinstance(child, yaml.MappingNode)):
        return child
    merged = {k.value: (k, v) for k, v in base.value if k.value != "extends"}
    for k, v in child.value:
        if k.value == "pages" and "pages" in merged and isinstance(v, yaml.MappingNode):
            v = _merge(merged["pages"][1], v)
        merged[k.value] = (k, v)
    return yaml.MappingNode(child.tag, list(merged.values()), child.start_mark, child.end_mark)


def _compose(path: Path, seen: tuple[Path, ...] = ()) -> yaml.Node:
    if path in seen:
        raise ProfileError(str(path), 1, "extends", "profiles extend each other in a cycle")
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ProfileError(str(path), line, "(yaml)", str(exc.problem)) from None
    if node is None:
        raise ProfileError(str(path), 1, "(file)", "the profile is empty")
    ctx = _Ctx(str(path))
    m = _mapping(ctx, node, "(profile)")
    if "extends" in m:
        base_name = _scalar(ctx, m["extends"], "extends")
        base_path = path.parent / f"{base_name}.yaml"
        if not base_path.exists():
            raise ctx.fail(m["extends"], "extends", f"no profile {base_name!r} in {path.parent}")
        node = _merge(_compose(base_path, (*seen, path)), node)
    return node


def load_profile(path: Path | str) -> SiteProfile:
    """Load one profile; ``path`` is a file, or a name looked up in ``config/sites``."""
    p = Path(path)
    if not p.suffix:
        p = profile_dir() / f"{p}.yaml"
    if not p.exists():
        raise ProfileError(str(p), 0, "(file)", "no such profile")
    node = _compose(p)
    ctx = _Ctx(str(p))
    m = _mapping(ctx, node, "(profile)")
    for key, sub in m.items():
        if key not in _TOP:
            raise ctx.fail(sub, key, f"unknown key; expected one of {sorted(_TOP)}")
    for key in ("name", "kind", "mirrors", "start", "pages"):
        if key not in m:
            raise ctx.fail(node, key, "missing")
    kind = _scalar(ctx, m["kind"], "kind")
    if kind not in ("market", "forum"):
        raise ctx.fail(m["kind"], "kind", "expected 'market' or 'forum'")
    mirrors = _strings(ctx, m["mirrors"], "mirrors")
    for i, mirror in enumerate(mirrors):
        if not re.match(r"^https?://[^/\s]+/?$", mirror):
            raise ctx.fail(m["mirrors"], f"mirrors[{i}]", f"expected http(s)://host[:port], got {mirror!r}")
    pages = _mapping(ctx, m["pages"], "pages")
    profile = SiteProfile(
        name=_scalar(ctx, m["name"], "name"), kind=kind,  # type: ignore[arg-type]
        path=str(p), mirrors=tuple(x.rstrip("/") for x in mirrors),
        start=_strings(ctx, m["start"], "start"),
        pages=tuple(_page_rule(ctx, k, v, f"pages.{k}") for k, v in pages.items()),
        blocked=tuple(_block_rule(ctx, n, f"blocked[{i}]")
                      for i, n in enumerate(_seq(ctx, m.get("blocked"), "blocked"))),
        rate_limit=_rate_limit(ctx, m["rate_limit"], "rate_limit") if "rate_limit" in m else RateLimit(),
        onion=_typed(ctx, m["onion"], "onion", _bool, "true or false") if "onion" in m else False,
        title=_scalar(ctx, m["title"], "title") if "title" in m else "",
        deny=tuple(_regex(ctx, n, f"deny[{i}]") for i, n in enumerate(_seq(ctx, m.get("deny"), "deny"))),
        schedule=_schedule(ctx, m["schedule"], "schedule") if "schedule" in m else None,
        session=_session(ctx, m["session"], "session") if "session" in m else None,
    )
    if any(".onion" in x for x in profile.mirrors) and not profile.onion:
        profile = replace(profile, onion=True)
    return profile


def _seq(ctx: _Ctx, node: yaml.Node | None, path: str) -> list[yaml.Node]:
    if node is None:
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise ctx.fail(node, path, "expected a list")
    return list(node.value)


def load_profiles(directory: Path | None = None) -> dict[str, SiteProfile]:
    """Every profile in ``config/sites`` that names a site (files starting with ``_`` are bases)."""
    out: dict[str, SiteProfile] = {}
    for p in sorted((directory or profile_dir()).glob("*.yaml")):
        if p.name.startswith("_"):
            continue
        prof = load_profile(p)
        out[prof.name] = prof
    return out
