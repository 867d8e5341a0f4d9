"""The narcoscope query language: parsed once into a typed tree, compiled per backend."""

from index.query.parser import QuerySyntaxError, parse_query
from index.query.to_es import compile_es
from index.query.to_sqlite import SqlQuery, compile_sqlite
from index.query.tree import And, MatchAll, Node, Not, Or, Range, Term, Text

__all__ = [
    "And",
    "MatchAll",
    "Node",
    "Not",
    "Or",
    "QuerySyntaxError",
    "Range",
    "SqlQuery",
    "Term",
    "Text",
    "compile_es",
    "compile_sqlite",
    "parse_query",
]
