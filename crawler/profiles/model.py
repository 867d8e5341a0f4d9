"""The typed shape of a site profile, after validation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

RecordKind = Literal["listing", "vendor", "thread", "none"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How to read one value from a page.

    Exactly one locator (``css``, ``xpath``, ``label``, ``url``, ``const``, ``first``) says where
    the value is; the rest are clean-ups applied in order: ``attr``/``text`` pick what to read,
    ``re`` captures, ``split`` turns a string into a list, ``join`` turns a list into a string.
    ``items`` + ``fields`` read a repeated block (price tiers, forum posts) as a list of records.
    """

    css: str | None = None
    xpath: str | None = None
    label: tuple[str, ...] = ()
    url: str | None = None  # a named group of the page rule's ``match``, or ``param:NAME``
    const: str | None = None
    first: tuple[FieldSpec, ...] = ()
    within: str | None = None  # css scope for ``label``
    attr: str | None = None
    text: Literal["all", "own", "raw"] = "all"
    many: bool = False
    regex: re.Pattern[str] | None = None
    split: str | None = None
    join: str | None = None
    strip: bool = True
    default: str | None = None
    items: str | None = None
    fields: dict[str, FieldSpec] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BlockRule:
    """A page that is not content (captcha, DDoS queue, login wall, seizure banner, not found)."""

    reason: str
    css: str | None = None
    text: str | None = None
    status: int | None = None
    url: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class PageRule:
    """A kind of page, recognised by a regular expression on its path and query."""

    kind: str
    match: re.Pattern[str]
    record: RecordKind = "none"
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    links: tuple[str, ...] = ()  # css/xpath selectors of hrefs to consider; empty: every <a href>
    follow: bool = True


@dataclass(frozen=True, slots=True)
class RateLimit:
    delay: float = 1.0
    concurrency: int = 2
    max_pages: int = 10_000
    max_depth: int = 20


@dataclass(frozen=True, slots=True)
class Schedule:
    """When the scheduler crawls a source: a cron expression or a fixed interval, plus jitter.

    ``jitter`` (seconds) delays each run by a random amount up to it, so crawls keep no fixed
    rhythm that a market could fingerprint. Read by ``scheduler/``; the crawler ignores it.
    """

    cron: str | None = None
    every: float | None = None  # seconds
    jitter: float = 0.0


@dataclass(frozen=True, slots=True)
class SessionSpec:
    """Where an analyst-supplied session comes from: never the profile itself, never the logs.

    ``cookies_env`` names an environment variable holding a Cookie header value
    (``name=value; name2=value2``); ``cookies_file`` a file outside the repository with the same.
    narcoscope never logs in, creates accounts or solves CAPTCHAs: it only replays what it is given.
    """

    cookies_env: str = ""
    cookies_file: str = ""
    expired_after: int = 3  # login-wall pages before the crawl stops and reports the session expired


@dataclass(frozen=True, slots=True)
class SiteProfile:
    """One market or forum: where it is, how to crawl it politely and how to read its pages."""

    name: str
    kind: Literal["market", "forum"]
    path: str
    mirrors: tuple[str, ...]
    start: tuple[str, ...]
    pages: tuple[PageRule, ...]
    blocked: tuple[BlockRule, ...] = ()
    rate_limit: RateLimit = RateLimit()
    onion: bool = False
    title: str = ""
    deny: tuple[re.Pattern[str], ...] = ()
    schedule: Schedule | None = None
    session: SessionSpec | None = None

    def rule_for(self, path_and_query: str) -> PageRule | None:
        for rule in self.pages:
            if rule.match.search(path_and_query):
                return rule
        return None
