"""Coded error and warning catalogue for narcoscope's extraction pipeline.

Codes are stable so logs, issues and tests can refer to them (spaCy's ``errors.py`` pattern).
"""

from __future__ import annotations


class Errors:
    """Error messages, formatted with ``str.format`` keyword arguments."""

    E001 = "Gazetteer file not found: {path}. Build config/gazetteer/ or pass gazetteer_dir=."
    E002 = "Gazetteer {path} is malformed: {detail}"
    E003 = "Substance {sid!r} in {path} has unknown class {cls!r}."
    E004 = "Pipeline config not found: {path}"
    E005 = "Extraction config {path} is malformed: {detail}"
    E006 = "Rate table {path}, line {line}: {detail}"
    E007 = "NPS morphology pattern {name!r} in {path} does not compile: {detail}"
    E008 = "Places table {path}, line {line}: {detail}"
    E009 = "extract_many() got a record of type {kind}; expected Listing or Post."


class Warnings:
    """Warnings: logged once per run in aggregate, never once per document."""

    W001 = "Crypto rate table {path} is missing; crypto prices will not be converted to USD."
    W002 = "{count} price(s) in {currencies} had no rate on or before their date; price_usd left empty."
    W003 = "Matcher cache at {path} could not be written ({detail}); continuing without cache."


class ExtractionError(ValueError):
    """Raised for bad configuration or data; the message starts with its code."""

    def __init__(self, code: str, **kwargs: object) -> None:
        template = getattr(Errors, code)
        super().__init__(f"[{code}] {template.format(**kwargs)}")
        self.code = code
