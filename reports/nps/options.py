"""Operator options of the NPS report, read from ``config/reports/`` and validated on load.

Why a file and not CLI flags: what a report shows (onion URLs or not, which takedowns to draw)
is a decision of the team that publishes it, made once and reviewed, not per run. An unknown key
or a wrong type raises :class:`ReportConfigError` naming the file and key, so a typo in a
publication setting can never pass silently.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reports.trends.annotations import Annotation

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ReportConfigError(ValueError):
    """A report option file is malformed (message names the file and the key)."""


@dataclass(frozen=True, slots=True)
class ClassGroup:
    """A row of the "By class" section: gazetteer classes reported together."""

    id: str
    label: str
    classes: tuple[str, ...]


DEFAULT_GROUPS = (
    ClassGroup("cathinones", "Synthetic cathinones", ("synthetic_cathinone",)),
    ClassGroup("synthetic_cannabinoids", "Synthetic cannabinoids", ("synthetic_cannabinoid",)),
    ClassGroup("semi_synthetic_cannabinoids", "Semi-synthetic cannabinoids", ("semi_synthetic_cannabinoid",)),
    ClassGroup("opioids", "Nitazenes and other opioids", ("nitazene", "fentanyl_analogue", "other_synthetic_opioid")),
    ClassGroup("benzodiazepines", "Designer benzodiazepines", ("designer_benzodiazepine",)),
    ClassGroup("arylcyclohexylamines", "Arylcyclohexylamines", ("arylcyclohexylamine",)),
    ClassGroup("psychedelics", "Tryptamines and phenethylamines", ("tryptamine", "phenethylamine", "lysergamide")),
)


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """Everything the report builder may be told; defaults are the shipped config's values."""

    hide_onion_urls: bool = True
    history_weeks: int = 26
    novelty_window_weeks: int = 4
    emerging_window_weeks: int = 4
    price_min_listings: int = 3
    class_groups: tuple[ClassGroup, ...] = DEFAULT_GROUPS
    annotations: tuple[Annotation, ...] = ()
    gazetteer_dir: Path | None = None

    @property
    def nps_classes(self) -> tuple[str, ...]:
        """Every class that belongs to a reported group, in group order."""
        return tuple(c for g in self.class_groups for c in g.classes)


_INT_KEYS = ("history_weeks", "novelty_window_weeks", "emerging_window_weeks", "price_min_listings")


def _read(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise ReportConfigError(f"{path}: not valid YAML: {exc}") from exc


def _groups(path: Path, raw: object) -> tuple[ClassGroup, ...]:
    if not isinstance(raw, list) or not raw:
        raise ReportConfigError(f"{path}: class_groups must be a non-empty list")
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not {"id", "label", "classes"} <= set(item):
            raise ReportConfigError(f"{path}: class_groups[{i}] needs id, label and classes")
        classes = item["classes"]
        if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
            raise ReportConfigError(f"{path}: class_groups[{i}].classes must be a list of class ids")
        out.append(ClassGroup(str(item["id"]), str(item["label"]), tuple(classes)))
    return tuple(out)


def _options(path: Path) -> dict[str, Any]:
    raw = (_read(path) or {}) if path.exists() else {}
    if not isinstance(raw, dict):
        raise ReportConfigError(f"{path}: expected a mapping of options")
    known = {"hide_onion_urls", "class_groups", *_INT_KEYS}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ReportConfigError(f"{path}: unknown option(s) {unknown}; expected among {sorted(known)}")
    out: dict[str, Any] = {}
    if "hide_onion_urls" in raw:
        if not isinstance(raw["hide_onion_urls"], bool):
            raise ReportConfigError(f"{path}: hide_onion_urls must be true or false")
        out["hide_onion_urls"] = raw["hide_onion_urls"]
    for key in _INT_KEYS:
        if key in raw:
            value = raw[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ReportConfigError(f"{path}: {key} must be a positive integer, got {value!r}")
            out[key] = value
    if "class_groups" in raw:
        out["class_groups"] = _groups(path, raw["class_groups"])
    return out


def load_annotations(path: Path) -> tuple[Annotation, ...]:
    """Takedowns and scheduling changes from ``annotations.yaml`` (a list; a missing file is none)."""
    if not path.exists():
        return ()
    raw = _read(path) or []
    if not isinstance(raw, list):
        raise ReportConfigError(f"{path}: expected a list of annotations")
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ReportConfigError(f"{path}: item {i} is not a mapping")
        try:
            out.append(Annotation(week=str(item.get("week", "")), kind=item.get("kind", "other"),
                                  label=str(item.get("label", "")), source=str(item.get("source", "")),
                                  substance=str(item.get("substance", ""))))
        except (TypeError, ValueError) as exc:
            raise ReportConfigError(f"{path}: item {i}: {exc}") from exc
        if out[-1].kind not in ("takedown", "scheduling", "other"):  # suspect-volume comes from the store
            raise ReportConfigError(f"{path}: item {i}: kind must be takedown, scheduling or other")
    return tuple(out)


def suspect_annotations(store_db: Path) -> tuple[Annotation, ...]:
    """One ``suspect-volume`` annotation per (source, week) the scheduler's health check flagged
    in the record store (none when there is no store, or the scheduler never ran on it)."""
    if not store_db.exists():
        return ()
    from urllib.parse import quote

    from scheduler.health import suspect_weeks

    conn = sqlite3.connect(f"file:{quote(str(store_db.resolve()))}?mode=ro", uri=True)
    try:
        flagged = suspect_weeks(conn)
    except sqlite3.OperationalError:  # no crawl_flags table: never flagged
        return ()
    finally:
        conn.close()
    return tuple(Annotation(week=week, kind="suspect-volume", label=f"{source}: crawl suspect, left out",
                            source=source) for source, week in sorted(flagged, key=lambda p: (p[1], p[0])))


def load_options(config_dir: Path, store_db: Path | None = None, **overrides: Any) -> ReportOptions:
    """Options from ``<config>/reports/report.yaml`` and ``annotations.yaml``, plus the weeks the
    store's crawl health flagged (``store_db``); keywords override."""
    reports_dir = config_dir / "reports"
    values = _options(reports_dir / "report.yaml")
    values["annotations"] = load_annotations(reports_dir / "annotations.yaml") + (
        suspect_annotations(store_db) if store_db is not None else ())
    values["gazetteer_dir"] = config_dir / "gazetteer"
    values.update(overrides)
    return ReportOptions(**values)


__all__ = ["ClassGroup", "ReportConfigError", "ReportOptions", "load_annotations", "load_options",
           "suspect_annotations"]
