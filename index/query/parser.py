"""Hand-written recursive-descent parser for the narcoscope query language.

Grammar (a Lucene/Kibana subset; AND binds tighter than OR, juxtaposition means AND)::

    query   := or_expr EOF
    or_expr := and_expr ("OR" and_expr)*
    and_expr:= unary (["AND"] unary)*
    unary   := "NOT" unary | "-" primary | "+" primary | primary
    primary := "(" or_expr ")" | FIELD ":" value | PHRASE | WORD | WORD* | "*"
    value   := WORD | WORD* | PHRASE | ("["|"{") bound "TO" bound ("]"|"}") | (">"|">="|"<"|"<=") NUMBER|DATE

Errors carry the character position and render a caret under it, so the UI can point at them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from index.query.tree import (
    DATE_FIELDS,
    FIELD_ALIASES,
    NUMERIC_FIELDS,
    TERM_FIELDS,
    TEXT_FIELDS,
    And,
    MatchAll,
    Node,
    Not,
    Or,
    Range,
    Term,
    Text,
)

_SPECIAL = set('()"[]{}:')
_KEYWORDS = {"AND", "OR", "NOT"}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class QuerySyntaxError(ValueError):
    """A query the parser cannot read; ``position`` is the 0-based character offset."""

    def __init__(self, message: str, position: int, query: str) -> None:
        self.message = message
        self.position = position
        self.query = query
        super().__init__(f"{message} at position {position}\n{query}\n{' ' * position}^")


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # WORD PHRASE LPAREN RPAREN LBRACK RBRACK COLON MINUS PLUS EOF
    text: str
    pos: int
    glued: bool = False  # no whitespace before this token


def _tokenize(query: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        glued = i > 0 and not query[i - 1].isspace()
        if ch.isspace():
            i += 1
        elif ch == '"':
            i = _phrase(query, i, toks, glued)
        elif ch in "()":
            toks.append(_Tok("LPAREN" if ch == "(" else "RPAREN", ch, i, glued))
            i += 1
        elif ch in "[{":
            toks.append(_Tok("LBRACK", ch, i, glued))
            i += 1
        elif ch in "]}":
            toks.append(_Tok("RBRACK", ch, i, glued))
            i += 1
        elif ch == ":":
            toks.append(_Tok("COLON", ch, i, glued))
            i += 1
        elif ch in "-+" and i + 1 < n and not query[i + 1].isspace() and (not glued or query[i - 1] == "("):
            toks.append(_Tok("MINUS" if ch == "-" else "PLUS", ch, i, glued))
            i += 1
        else:
            start = i
            while i < n and not query[i].isspace() and query[i] not in _SPECIAL:
                i += 1
            toks.append(_Tok("WORD", query[start:i], start, glued))
    toks.append(_Tok("EOF", "", n))
    return toks


def _phrase(query: str, start: int, toks: list[_Tok], glued: bool) -> int:
    i, out = start + 1, []
    while i < len(query):
        ch = query[i]
        if ch == "\\" and i + 1 < len(query):
            out.append(query[i + 1])
            i += 2
            continue
        if ch == '"':
            toks.append(_Tok("PHRASE", "".join(out), start, glued))
            return i + 1
        out.append(ch)
        i += 1
    raise QuerySyntaxError("unterminated phrase (missing closing quote)", start, query)


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.toks = _tokenize(query)
        self.i = 0

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def advance(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def error(self, message: str, tok: _Tok | None = None) -> QuerySyntaxError:
        return QuerySyntaxError(message, (tok or self.tok).pos, self.query)

    def is_kw(self, word: str) -> bool:
        return self.tok.kind == "WORD" and self.tok.text == word

    def parse(self) -> Node:
        if self.tok.kind == "EOF":
            return MatchAll()
        node = self.or_expr()
        if self.tok.kind != "EOF":
            raise self.error(f"unexpected {self.tok.text!r}")
        return node

    def or_expr(self) -> Node:
        children = [self.and_expr()]
        while self.is_kw("OR"):
            self.advance()
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> Node:
        children = [self.unary()]
        while True:
            if self.is_kw("AND"):
                self.advance()
            elif self.tok.kind in ("EOF", "RPAREN") or self.is_kw("OR"):
                break
            children.append(self.unary())
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self) -> Node:
        if self.is_kw("NOT"):
            self.advance()
            return Not(self.unary())
        if self.tok.kind == "MINUS":
            self.advance()
            return Not(self.primary())
        if self.tok.kind == "PLUS":
            self.advance()
        return self.primary()

    def primary(self) -> Node:
        tok = self.tok
        if tok.kind == "LPAREN":
            self.advance()
            node = self.or_expr()
            if self.tok.kind != "RPAREN":
                raise self.error("expected ')'")
            self.advance()
            return node
        if tok.kind == "PHRASE":
            self.advance()
            return self.text(tok.text, tok, phrase=True)
        if tok.kind == "WORD" and tok.text not in _KEYWORDS:
            self.advance()
            if self.tok.kind == "COLON" and self.tok.glued:
                self.advance()
                return self.field_expr(tok)
            if tok.text == "*":
                return MatchAll()
            return self.word(tok)
        if tok.kind == "EOF":
            raise self.error("expected a term, a phrase or '('; the query ended")
        raise self.error(f"expected a term, a phrase or '(' but found {tok.text!r}")

    def word(self, tok: _Tok, field: str | None = None) -> Text:
        prefix = tok.text.endswith("*")
        value = tok.text[:-1] if prefix else tok.text
        return self.text(value, tok, prefix=prefix, field=field)

    def text(self, value: str, tok: _Tok, *, phrase: bool = False, prefix: bool = False,
             field: str | None = None) -> Text:
        if "*" in value or "?" in value:
            raise self.error("wildcards are only supported at the end of a word", tok)
        if not any(ch.isalnum() for ch in value):
            raise self.error(f"{tok.text!r} has nothing searchable (no letters or digits)", tok)
        return Text(value=value, field=field, phrase=phrase, prefix=prefix)

    def field_expr(self, name_tok: _Tok) -> Node:
        name = FIELD_ALIASES.get(name_tok.text.lower(), name_tok.text.lower())
        tok = self.tok
        if not tok.glued or tok.kind not in ("WORD", "PHRASE", "LBRACK"):
            raise self.error(f"expected a value after '{name_tok.text}:'")
        if tok.kind == "LBRACK":
            return self.range_expr(name, name_tok)
        self.advance()
        if name in TEXT_FIELDS:
            return self.text(tok.text, tok, phrase=True, field=name) if tok.kind == "PHRASE" else self.word(tok, name)
        if name in TERM_FIELDS:
            return self.term(name, tok)
        if name in NUMERIC_FIELDS or name in DATE_FIELDS:
            return self.comparison(name, tok)
        raise self.error(f"unknown field {name_tok.text!r}", name_tok)

    def term(self, name: str, tok: _Tok) -> Term:
        prefix = tok.kind == "WORD" and tok.text.endswith("*")
        value = tok.text[:-1] if prefix else tok.text
        if "*" in value or not value.strip():
            raise self.error("expected a value (wildcards only at the end)", tok)
        mode = TERM_FIELDS[name]
        value = value.lower() if mode == "lower" else value.upper() if mode == "upper" else value
        return Term(field=name, value=value, prefix=prefix)

    def comparison(self, name: str, tok: _Tok) -> Range:
        match = re.match(r"^(>=|<=|>|<)?(.*)$", tok.text)
        assert match is not None
        op, raw = match.group(1) or "", match.group(2)
        value = self.bound(name, raw, tok)
        if value is None:
            raise self.error(f"expected a value for {name}", tok)
        if op in (">", ">="):
            return Range(name, value, None, include_low=op == ">=")
        if op in ("<", "<="):
            return Range(name, None, value, include_high=op == "<=")
        return Range(name, value, value)

    def range_expr(self, name: str, name_tok: _Tok) -> Range:
        if name not in NUMERIC_FIELDS and name not in DATE_FIELDS:
            raise self.error(f"field {name_tok.text!r} does not take a range", name_tok)
        open_tok = self.advance()
        low_tok = self.expect_word("a lower bound")
        to_tok = self.expect_word("'TO'")
        if to_tok.text != "TO":
            raise self.error("expected 'TO'", to_tok)
        high_tok = self.expect_word("an upper bound")
        if self.tok.kind != "RBRACK":
            raise self.error("expected ']' or '}'")
        close_tok = self.advance()
        low, high = self.bound(name, low_tok.text, low_tok), self.bound(name, high_tok.text, high_tok)
        return Range(name, low, high, include_low=open_tok.text == "[", include_high=close_tok.text == "]")

    def expect_word(self, what: str) -> _Tok:
        if self.tok.kind != "WORD":
            raise self.error(f"expected {what}")
        return self.advance()

    def bound(self, name: str, raw: str, tok: _Tok) -> float | str | None:
        if raw == "*":
            return None
        if name in NUMERIC_FIELDS:
            if not _NUMBER.match(raw):
                raise self.error(f"expected a number for {name}, got {raw!r}", tok)
            return float(raw)
        if not _DATE.match(raw):
            raise self.error(f"expected a date YYYY-MM-DD for {name}, got {raw!r}", tok)
        try:
            date.fromisoformat(raw)
        except ValueError:
            raise self.error(f"invalid date {raw!r}", tok) from None
        return raw


def parse_query(query: str) -> Node:
    """Parse a query string into a typed tree; raises :class:`QuerySyntaxError`."""
    return _Parser(query).parse()
