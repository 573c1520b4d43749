"""The query language, parsed once into a small tree that each backend compiles.

Grammar (NOT binds tighter than AND, AND tighter than OR; adjacent operands mean AND):

    query    := or
    or       := and ("OR" and)*
    and      := unary (["AND"] unary)*
    unary    := ("NOT" | "-") unary | prox
    prox     := primary (("/N" | "w/N") primary)*          a /10 b: a within N words of b
    primary  := "(" or ")" | NEAR "(" item+ ["," N] ")" | field | "phrase" | word | word*

    field    := name ":" [op] value | name ":" value ".." value    op: >= <= > < =
    fields   := model state agency signer section signed year status type revision file sha page

Words are matched stemmed (overtime ~ overtimes); quoted phrases are matched exactly (no stemming), as
CourtListener does with its `.exact` sub-fields; `word*` is a prefix match on exact (unstemmed) tokens.
A word that the tokenizer splits, such as `287(a)(2)`, becomes a stemmed phrase of its tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from moa.errors import UserError
from moa.program import MODEL_NAMES, MODELS
from moa.states import STATE_NAMES

# ---------------------------------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Term:
    """One word, matched stemmed; `prefix` matches every exact token that starts with it."""

    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    """Consecutive words; `exact` (a quoted phrase) matches without stemming."""

    words: tuple[str, ...]
    exact: bool = True


@dataclass(frozen=True)
class Near:
    """Every item within `distance` words of the next (FTS5 NEAR semantics: tokens between items)."""

    items: tuple[Term | Phrase, ...]
    distance: int


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class Field:
    """A metadata filter. `op` is one of = >= <= > < range; `value2` is the upper bound of a range.

    Values are canonical: model upper-case code, state two-letter code, dates ISO (a bare year or
    year-month is expanded by the parser into a range), status/type lower-case.
    """

    name: str
    op: str
    value: str
    value2: str | None = None


Node = Term | Phrase | Near | And | Or | Not | Field
TEXT_NODES = (Term, Phrase, Near)

DEFAULT_NEAR = 10
FIELDS = (
    "model", "state", "agency", "signer", "section", "signed", "year", "status", "type", "revision",
    "file", "sha", "page",
)
FIELD_ALIASES = {
    "signatory": "signer", "signed_by": "signer", "clause": "section", "date": "signed",
    "agency_type": "type", "template": "revision", "template_revision": "revision", "sha256": "sha",
    "ledger": "status",
}
STATUSES = ("active", "removed", "unknown")
AGENCY_TYPES = ("sheriff", "police", "corrections", "jail", "state", "other")

STATES = {name.lower(): code for code, name in STATE_NAMES.items()}
_MODEL_ALIASES = {name.lower(): code for code, name in MODEL_NAMES.items()} | {
    "jail": "JEM", "wso": "WSO", "warrant": "WSO", "task force": "TFM", "taskforce": "TFM",
    "jem": "JEM", "tfm": "TFM",
}

_TOKEN = re.compile(r"[^\W_]+")


class QuerySyntaxError(UserError):
    """A query the parser cannot read; `position` is the 0-based character offset of the problem."""

    def __init__(self, message: str, position: int, query: str = "") -> None:
        self.message = message
        self.position = position
        self.query = query
        super().__init__(f"query syntax error at position {position}: {message}")


def tokens_of(text: str) -> list[str]:
    """The lower-cased word tokens of a text, split as FTS5's unicode61 tokenizer splits them."""
    return [t.lower() for t in _TOKEN.findall(text)]


# ---------------------------------------------------------------------------------------------- lexer


@dataclass(frozen=True)
class _Tok:
    kind: str  # WORD PHRASE FIELD LP RP AND OR NOT NEAR PROX COMMA
    value: object
    pos: int


_OPS = {"AND": "AND", "OR": "OR", "NOT": "NOT", "&&": "AND", "||": "OR"}
_PROX = re.compile(r"(?:w)?/(\d+)$", re.I)
_FIELD = re.compile(r"([A-Za-z_]+):")


def _read_quoted(q: str, i: int) -> tuple[str, int]:
    """The text of a quoted string starting at q[i] == '"', and the index after the closing quote."""
    j = q.find('"', i + 1)
    if j < 0:
        raise QuerySyntaxError('unbalanced quote (")', i, q)
    return q[i + 1 : j], j + 1


def _read_word(q: str, i: int) -> tuple[str, int]:
    """A bare word; parentheses glued inside it, as in 287(a)(2), belong to the word."""
    j, depth = i, 0
    while j < len(q):
        c = q[j]
        if c.isspace() or c == '"' or c == ",":
            break
        if c == "(":
            if j == i:
                break
            depth += 1
        elif c == ")":
            if depth == 0:
                break
            depth -= 1
        j += 1
    return q[i:j], j


def _lex(q: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i = 0
    while i < len(q):
        c = q[i]
        if c.isspace():
            i += 1
            continue
        if c == "(":
            toks.append(_Tok("LP", None, i))
            i += 1
            continue
        if c == ")":
            toks.append(_Tok("RP", None, i))
            i += 1
            continue
        if c == ",":
            toks.append(_Tok("COMMA", None, i))
            i += 1
            continue
        if c == '"':
            text, j = _read_quoted(q, i)
            toks.append(_Tok("PHRASE", text, i))
            i = j
            continue
        if c == "-" and i + 1 < len(q) and not q[i + 1].isspace() and (not toks or q[i - 1].isspace() or q[i - 1] == "("):
            toks.append(_Tok("NOT", None, i))
            i += 1
            continue
        m = _FIELD.match(q, i)
        if m and (m.end() >= len(q) or q[m.end()].isspace()):
            if FIELD_ALIASES.get(m.group(1).lower(), m.group(1).lower()) in FIELDS:
                raise QuerySyntaxError(f"field {m.group(1)}: has no value", i, q)
            m = None
        if m:
            name = m.group(1).lower()
            j = m.end()
            op = ""
            for candidate in (">=", "<=", ">", "<", "="):
                if q.startswith(candidate, j):
                    op, j = candidate, j + len(candidate)
                    break
            if j < len(q) and q[j] == '"':
                value, j = _read_quoted(q, j)
            else:
                value, j = _read_word(q, j)
            if not value.strip():
                raise QuerySyntaxError(f"field {name}: has no value", i, q)
            toks.append(_Tok("FIELD", (name, op, value), i))
            i = j
            continue
        if q.startswith("NEAR(", i):
            toks.append(_Tok("NEAR", None, i))
            i += 4
            continue
        word, j = _read_word(q, i)
        if not word:  # a lone character the word reader refuses (cannot happen for '(' handled above)
            raise QuerySyntaxError(f"unexpected character {c!r}", i, q)
        if word in _OPS:
            toks.append(_Tok(_OPS[word], None, i))
        elif _PROX.match(word):
            toks.append(_Tok("PROX", int(_PROX.match(word).group(1)), i))
        elif tokens_of(word):
            toks.append(_Tok("WORD", word, i))
        # else: bare punctuation such as § or & holds no searchable word; the index ignores it too
        i = j
    return toks


# ---------------------------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, q: str) -> None:
        self.q = q
        self.toks = _lex(q)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def error(self, message: str, pos: int | None = None) -> QuerySyntaxError:
        if pos is None:
            t = self.peek()
            pos = t.pos if t else len(self.q)
        return QuerySyntaxError(message, pos, self.q)

    def parse(self) -> Node:
        if not self.toks:
            raise self.error("empty query", 0)
        node = self.parse_or()
        t = self.peek()
        if t is not None:
            if t.kind == "RP":
                raise self.error("unbalanced parenthesis: ')' without '('")
            raise self.error(f"unexpected {t.kind.lower()}")
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while (t := self.peek()) is not None and t.kind == "OR":
            self.take()
            if self.peek() is None or self.peek().kind in ("OR", "AND", "RP"):
                raise self.error("OR needs a term after it")
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self) -> Node:
        if (t := self.peek()) is not None and t.kind in ("AND", "OR"):
            raise self.error(f"{t.kind} needs a term before it")
        children = [self.parse_unary()]
        while (t := self.peek()) is not None and t.kind not in ("OR", "RP", "COMMA"):
            if t.kind == "AND":
                self.take()
                nxt = self.peek()
                if nxt is None or nxt.kind in ("OR", "AND", "RP"):
                    raise self.error("AND needs a term after it")
            children.append(self.parse_unary())
        flat: list[Node] = []
        for c in children:
            flat.extend(c.children if isinstance(c, And) else (c,))
        return flat[0] if len(flat) == 1 else And(tuple(flat))

    def parse_unary(self) -> Node:
        t = self.peek()
        if t is not None and t.kind == "NOT":
            self.take()
            if self.peek() is None or self.peek().kind in ("OR", "AND", "RP"):
                raise self.error("NOT needs a term after it")
            return Not(self.parse_unary())
        return self.parse_prox()

    def parse_prox(self) -> Node:
        first = self.parse_primary()
        items = [first]
        distance = None
        while (t := self.peek()) is not None and t.kind == "PROX":
            self.take()
            distance = t.value if distance is None else min(distance, t.value)
            if self.peek() is None:
                raise self.error(f"/{t.value} needs a term after it")
            items.append(self.parse_primary())
        if distance is None:
            return first
        for item, tok_pos in zip(items, range(len(items)), strict=True):
            if not isinstance(item, Term | Phrase):
                raise self.error("proximity (/N) joins words or quoted phrases only", None if tok_pos else 0)
        return Near(tuple(items), distance)  # type: ignore[arg-type]

    def parse_primary(self) -> Node:
        t = self.peek()
        if t is None:
            raise self.error("query ends where a term was expected")
        if t.kind == "LP":
            self.take()
            if (n := self.peek()) is not None and n.kind == "RP":
                raise self.error("empty parentheses")
            node = self.parse_or()
            if (n := self.peek()) is None or n.kind != "RP":
                raise self.error("unbalanced parenthesis: '(' without ')'", t.pos)
            self.take()
            return node
        if t.kind == "NEAR":
            return self.parse_near()
        if t.kind == "FIELD":
            self.take()
            name, op, value = t.value  # type: ignore[misc]
            return _field(name, op, value, t.pos, self.q)
        if t.kind in ("WORD", "PHRASE"):
            self.take()
            return _text(t, self.q)
        if t.kind == "RP":
            raise self.error("unbalanced parenthesis: ')' without '('")
        if t.kind == "PROX":
            raise self.error(f"/{t.value} needs a term before it")
        raise self.error(f"unexpected {t.kind.lower()}")

    def parse_near(self) -> Node:
        start = self.take()
        self.take()  # the '(' checked by the lexer
        items: list[Term | Phrase] = []
        distance = DEFAULT_NEAR
        while True:
            t = self.peek()
            if t is None:
                raise self.error("unbalanced parenthesis: NEAR( without ')'", start.pos)
            if t.kind == "RP":
                self.take()
                break
            if t.kind == "COMMA":
                self.take()
                n = self.peek()
                if n is None or n.kind != "WORD" or not str(n.value).isdigit():
                    raise self.error("NEAR(… , N) needs a whole number of words after the comma")
                distance = int(self.take().value)  # type: ignore[arg-type]
                if (r := self.peek()) is None or r.kind != "RP":
                    raise self.error("NEAR(… , N) must end with ')' after N")
                self.take()
                break
            if t.kind not in ("WORD", "PHRASE"):
                raise self.error("NEAR( ) holds words or quoted phrases only")
            self.take()
            node = _text(t, self.q)
            if not isinstance(node, Term | Phrase):
                raise self.error("NEAR( ) holds words or quoted phrases only", t.pos)
            items.append(node)
        if len(items) < 2:
            raise self.error("NEAR( ) needs at least two words or phrases", start.pos)
        return Near(tuple(items), distance)


def _text(t: _Tok, q: str) -> Term | Phrase:
    raw = str(t.value)
    if t.kind == "PHRASE":
        words = tokens_of(raw)
        if not words:
            raise QuerySyntaxError("empty phrase", t.pos, q)
        return Phrase(tuple(words), exact=True)
    prefix = raw.endswith("*")
    words = tokens_of(raw.rstrip("*"))
    if not words:
        raise QuerySyntaxError(f"{raw!r} holds no searchable word", t.pos, q)
    if prefix:
        if len(words) > 1:
            raise QuerySyntaxError(f"prefix {raw!r} must be a single word", t.pos, q)
        return Term(words[0], prefix=True)
    if "*" in raw:
        raise QuerySyntaxError("'*' may only end a word (prefix search)", t.pos + raw.index("*"), q)
    return Term(words[0]) if len(words) == 1 else Phrase(tuple(words), exact=False)


def _iso(value: str, pos: int, q: str) -> tuple[str, str]:
    """A date, year-month or year as the (first, last) ISO days it covers."""
    try:
        if re.fullmatch(r"\d{4}", value):
            return f"{value}-01-01", f"{value}-12-31"
        if re.fullmatch(r"\d{4}-\d{2}", value):
            y, m = int(value[:4]), int(value[5:])
            last = (date(y + (m == 12), m % 12 + 1, 1) - date(y, m, 1)).days
            date(y, m, 1)
            return f"{value}-01", f"{value}-{last:02d}"
        d = date.fromisoformat(value)
        return d.isoformat(), d.isoformat()
    except ValueError:
        raise QuerySyntaxError(f"{value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)", pos, q) from None


def _field(name: str, op: str, value: str, pos: int, q: str) -> Field:
    name = FIELD_ALIASES.get(name, name)
    if name not in FIELDS:
        raise QuerySyntaxError(f"unknown field {name!r}; known fields: {', '.join(FIELDS)}", pos, q)
    value = value.strip()
    rng = value.split("..", 1) if ".." in value else None
    if name in ("signed", "year", "page"):
        if name == "page":
            parts = rng or [value]
            if not all(p.isdigit() for p in parts):
                raise QuerySyntaxError(f"page:{value} needs a page number", pos, q)
            if rng:
                return Field(name, "range", parts[0], parts[1])
            return Field(name, op or "=", value)
        if rng:
            lo, hi = _iso(rng[0], pos, q)[0], _iso(rng[1], pos, q)[1]
            return Field("signed", "range", lo, hi)
        first, last = _iso(value, pos, q)
        if name == "year" and not re.fullmatch(r"\d{4}", value):
            raise QuerySyntaxError(f"year:{value} needs a four-digit year", pos, q)
        if op in ("", "="):
            return Field("signed", "range", first, last) if first != last else Field("signed", "=", first)
        # >= a month means from its first day; <= a month means through its last day.
        bound = {">=": first, ">": last, "<=": last, "<": first}[op]
        return Field("signed", op, bound)
    if op not in ("", "="):
        raise QuerySyntaxError(f"{name}: does not take {op}", pos, q)
    if name == "model":
        code = value.upper() if value.upper() in MODELS else _MODEL_ALIASES.get(value.lower())
        if code is None:
            raise QuerySyntaxError(f"model:{value} is not one of {', '.join(MODELS)}", pos, q)
        return Field(name, "=", code)
    if name == "state":
        code = value.upper() if len(value) == 2 and value.isalpha() else STATES.get(value.lower())
        if code is None:
            raise QuerySyntaxError(f"state:{value} is not a two-letter state code or state name", pos, q)
        return Field(name, "=", code)
    if name == "status":
        v = value.lower()
        if v not in STATUSES:
            raise QuerySyntaxError(f"status:{value} is not one of {', '.join(STATUSES)}", pos, q)
        return Field(name, "=", v)
    if name == "type":
        v = value.lower()
        if v not in AGENCY_TYPES:
            raise QuerySyntaxError(f"type:{value} is not one of {', '.join(AGENCY_TYPES)}", pos, q)
        return Field(name, "=", v)
    if name == "revision":
        return Field(name, "=", _iso(value, pos, q)[0] if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else value)
    if name == "section":
        return Field(name, "=", value.lower())
    if name == "sha":
        if not re.fullmatch(r"[0-9a-fA-F]{4,64}", value):
            raise QuerySyntaxError(f"sha:{value} is not a sha256 (or prefix of one)", pos, q)
        return Field(name, "=", value.lower())
    return Field(name, "=", value)  # agency, signer, file: case-insensitive substring


# ---------------------------------------------------------------------------------------------- API


def parse(query: str) -> Node:
    """Parse a query string into its tree; raise QuerySyntaxError (a UserError: exit 2) on bad syntax."""
    return _Parser(query).parse()


def walk(node: Node):
    """Every node of the tree, parents before children."""
    yield node
    if isinstance(node, And | Or):
        for c in node.children:
            yield from walk(c)
    elif isinstance(node, Not):
        yield from walk(node.child)


def text_leaves(node: Node, positive_only: bool = True) -> list[Term | Phrase | Near]:
    """The text leaves (Term, Phrase, Near), leaving out those under a NOT when positive_only."""
    if isinstance(node, TEXT_NODES):
        return [node]
    if isinstance(node, Not):
        return [] if positive_only else text_leaves(node.child, positive_only)
    if isinstance(node, And | Or):
        return [leaf for c in node.children for leaf in text_leaves(c, positive_only)]
    return []


def fields(node: Node) -> list[Field]:
    return [n for n in walk(node) if isinstance(n, Field)]


def has_text(node: Node) -> bool:
    return any(isinstance(n, TEXT_NODES) for n in walk(node))


def to_string(node: Node) -> str:
    """A canonical query string for the tree (parses back to an equal tree)."""
    if isinstance(node, Term):
        return node.text + ("*" if node.prefix else "")
    if isinstance(node, Phrase):
        return f'"{" ".join(node.words)}"' if node.exact else "-".join(node.words)
    if isinstance(node, Near):
        return f"NEAR({' '.join(to_string(i) for i in node.items)}, {node.distance})"
    if isinstance(node, And):
        return " AND ".join(_wrap(c) for c in node.children)
    if isinstance(node, Or):
        return " OR ".join(_wrap(c) for c in node.children)
    if isinstance(node, Not):
        return f"NOT {_wrap(node.child)}"
    if isinstance(node, Field):
        if node.op == "range":
            return f"{node.name}:{node.value}..{node.value2}"
        op = "" if node.op == "=" else node.op
        v = f'"{node.value}"' if (" " in node.value or ":" in node.value) else node.value
        return f"{node.name}:{op}{v}"
    raise TypeError(node)


def _wrap(node: Node) -> str:
    s = to_string(node)
    return f"({s})" if isinstance(node, And | Or) else s
