"""Query language: parser behaviour, error positions, and the golden ES/SQLite compilations."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml

from index._sqlite_schema import connect
from index.query import (
    And,
    MatchAll,
    Not,
    Or,
    QuerySyntaxError,
    Range,
    Term,
    Text,
    compile_es,
    compile_sqlite,
    parse_query,
)

GOLDEN = Path(__file__).with_name("golden_queries.yaml")
TABLE: dict[str, Any] = yaml.safe_load(GOLDEN.read_text(encoding="utf-8"))


def test_golden_table_is_big_enough() -> None:
    assert len(TABLE["queries"]) >= 30
    assert len(TABLE["errors"]) >= 10


@pytest.mark.parametrize("case", TABLE["queries"], ids=lambda c: c["query"] or "<empty>")
def test_golden_compilation(case: dict[str, Any]) -> None:
    tree = parse_query(case["query"])
    sql = compile_sqlite(tree)
    got = {"es": compile_es(tree), "sqlite": {"match": sql.match, "where": sql.where, "params": sql.params}}
    if os.environ.get("NARCOSCOPE_REGEN_GOLDEN"):
        pytest.skip("regenerating: run the generator, then review the diff")
    assert got["es"] == case["es"]
    assert got["sqlite"] == case["sqlite"]


@pytest.mark.parametrize("case", TABLE["queries"], ids=lambda c: c["query"] or "<empty>")
def test_golden_sql_is_valid_sqlite(case: dict[str, Any]) -> None:
    """Every compiled query runs on a real (empty) index: no syntax errors in MATCH or WHERE."""
    conn = connect(":memory:")
    sql = compile_sqlite(parse_query(case["query"]))
    if sql.match is None:
        conn.execute(f"SELECT d.rid FROM docs d WHERE {sql.where}", sql.params).fetchall()
    else:
        conn.execute(f"SELECT d.rid FROM fts CROSS JOIN docs d ON d.rid = fts.rowid WHERE fts MATCH ? AND "
                     f"{sql.where}", [sql.match, *sql.params]).fetchall()


@pytest.mark.parametrize("case", TABLE["errors"], ids=lambda c: c["query"])
def test_golden_errors(case: dict[str, Any]) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(case["query"])
    assert info.value.position == case["position"]
    lines = str(info.value).splitlines()
    assert lines[1] == case["query"]
    assert lines[2] == " " * case["position"] + "^"


def test_tree_shapes() -> None:
    assert parse_query("") == MatchAll()
    assert parse_query("a b") == And((Text("a"), Text("b")))
    assert parse_query("a OR b c") == Or((Text("a"), And((Text("b"), Text("c")))))
    assert parse_query("-a") == Not(Text("a"))
    assert parse_query("NOT NOT a") == Not(Not(Text("a")))
    assert parse_query("market:x") == Term("source", "x")
    assert parse_query("from:de") == Term("ships_from", "DE")
    assert parse_query("price:[1 TO 2}") == Range("price_usd", 1.0, 2.0, True, False)
    assert parse_query('title:"a b"') == Text("a b", field="title", phrase=True)
    assert parse_query("5-meo-dmt") == Text("5-meo-dmt")  # a dash inside a word is not NOT


def test_lowercase_operators_are_words() -> None:
    assert parse_query("cocaine and heroin") == And((Text("cocaine"), Text("and"), Text("heroin")))


@pytest.mark.parametrize("hostile", [
    'x" OR title:y', "NEAR(a b)", "a * b", "{title}: x", "col:x", '"""', "^x", "a AND (b", "fts MATCH",
])
def test_user_text_cannot_break_out_of_fts_quoting(hostile: str) -> None:
    """Whatever the user types either fails to parse or compiles to SQL that runs."""
    conn = connect(":memory:")
    try:
        sql = compile_sqlite(parse_query(hostile))
    except QuerySyntaxError:
        return
    args = [sql.match, *sql.params] if sql.match else sql.params
    base = "FROM fts CROSS JOIN docs d ON d.rid = fts.rowid WHERE fts MATCH ? AND" if sql.match else "FROM docs d WHERE"
    try:
        conn.execute(f"SELECT count(*) {base} {sql.where}", args).fetchone()
    except sqlite3.OperationalError as exc:  # pragma: no cover - the assertion message is the point
        pytest.fail(f"{hostile!r} produced invalid FTS5/SQL: {exc}")


def test_readme_documents_every_query_field() -> None:
    """The docs fail this test when the query language grows without them (datasette's habit)."""
    from index.query.tree import DATE_FIELDS, FIELD_ALIASES, NUMERIC_FIELDS, TERM_FIELDS, TEXT_FIELDS

    readme = (Path(__file__).resolve().parents[2] / "index" / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+):`", readme))
    canonical = set(TERM_FIELDS) | set(TEXT_FIELDS) | set(NUMERIC_FIELDS) | set(DATE_FIELDS)
    aliases = {a for a in FIELD_ALIASES if a not in ("substances", "classes")}
    hidden = {"ships_from", "ships_to"}  # documented by their aliases from:/to:
    assert (canonical - hidden) | aliases <= documented, sorted((canonical - hidden) | aliases - documented)
