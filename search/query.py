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

The parser is total: any string gives a tree or one QuerySyntaxError with a position, never another exception.
Bounds (LIMITS) are enforced here, before any backend sees the query; identical terms, phrases and filters
under one AND or OR are matched once, and NOT NOT x is x.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import snowballstemmer

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

# Bounds on a query, each with its own message (README, "Limits"). Long or deep queries are refused before
# they reach a backend: FTS5's and SQLite's parsers have fixed stacks, Elasticsearch caps nested bool queries.
MAX_QUERY_CHARS = 2000
MAX_DEPTH = 16  # parentheses and NOTs nested inside each other
MAX_TERMS = 64  # distinct words and phrases, each item of a NEAR counted
MAX_FILTERS = 32  # distinct field filters
MAX_NEAR = 1000  # words between NEAR items (a /N b, NEAR(…, N))
MAX_NEAR_ITEMS = 8  # Elasticsearch matches FTS5's NEAR of k items with k(k-1)/2 interval pairs
MAX_PAGE = 9999
LIMITS = {"characters": MAX_QUERY_CHARS, "depth": MAX_DEPTH, "terms": MAX_TERMS, "filters": MAX_FILTERS,
          "near": MAX_NEAR, "near_items": MAX_NEAR_ITEMS, "page": MAX_PAGE}
FIELDS = (
    "model", "state", "agency", "signer", "section", "signed", "year", "status", "type", "revision",
    "file", "sha", "page",
)
FIELD_ALIASES = {
    "signatory": "signer", "signed_by": "signer", "clause": "section", "date": "signed",
    "agency_type": "type", "template": "revision", "template_revision": "revision", "sha256": "sha",
    "ledger": "status",
}
STATUSES = ("active", "removed", "pending", "withdrawn", "unlisted", "unknown")  # agreements.models.Status
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


class QueryLimitError(QuerySyntaxError):
    """A query over one of the documented bounds (LIMITS): too long, too deep, too many terms or filters."""

    def __init__(self, message: str, position: int, query: str = "") -> None:
        super().__init__(message, position, query)
        UserError.__init__(self, f"query over a limit at position {position}: {message}")


class QueryTooExpensive(UserError):
    """A query that ran past its time budget (or past what an index can compile): narrow it."""


def tokens_of(text: str) -> list[str]:
    """The lower-cased word tokens of a text, split as FTS5's unicode61 tokenizer splits them, and like it
    (remove_diacritics 2) without the diacritics of Latin letters: 'Café' is 'cafe'. The tokens of the tokens
    are the tokens (parse → print → parse is stable)."""
    return [t.lower() if t.isascii() else _fold(t.lower()) for t in _TOKEN.findall(text)]


_STEMMER = snowballstemmer.stemmer("porter")  # Martin Porter's original algorithm, as FTS5's porter tokenizer
# FTS5's porter tokenizer leaves a token alone when it is shorter than 3 or longer than 64 bytes (fts5_tokenize.c);
# the stemmer alone would make 's' empty (lost from the index) and 'as' into 'a'.
_PORTER_MIN, _PORTER_MAX = 3, 64


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The porter stem of one lower-case token, where FTS5 stems it; else the token itself."""
    if not _PORTER_MIN <= len(word.encode("utf-8")) <= _PORTER_MAX:
        return word
    return _STEMMER.stemWord(word) or word


def _fold(token: str) -> str:
    """A token without the marks on its Latin letters: 'é' is 'e', and 'İ'.lower() (an 'i' and a combining
    dot) is 'i'. Other letters stay whole (Tibetan 'གྷ' decomposes into a letter and a mark)."""
    out: list[str] = []
    for c in token:
        d = unicodedata.normalize("NFD", c)
        if len(d) > 1 and d[0].isascii():
            out.append(d[0])
        elif not (out and out[-1].isascii() and unicodedata.category(c) == "Mn"):
            out.append(c)
    return "".join(out)


_ASCII_DIGITS = re.compile(r"[0-9]+")


def _number(text: str, limit: int, what: str, pos: int, q: str) -> int:
    """A whole number written in ASCII digits, at most `limit` (the digits are counted before int() is called)."""
    if not _ASCII_DIGITS.fullmatch(text):
        raise QuerySyntaxError(f"{what} must be a whole number written with 0-9, not {_clip(text)!r}", pos, q)
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(limit)) or int(digits) > limit:
        raise QueryLimitError(f"{what} {_clip(text)} is over the limit of {limit}", pos, q)
    return int(digits)


def _clip(text: str, n: int = 24) -> str:
    return text if len(text) <= n else text[:n] + "…"


# ---------------------------------------------------------------------------------------------- lexer


@dataclass(frozen=True)
class _Tok:
    kind: str  # WORD PHRASE FIELD LP RP AND OR NOT NEAR PROX COMMA
    value: object
    pos: int


_OPS = {"AND": "AND", "OR": "OR", "NOT": "NOT", "&&": "AND", "||": "OR"}
_PROX = re.compile(r"(?:w)?/(\S+)$", re.I)  # a proximity when its number is numeric (isnumeric: '/²' too)
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
        elif (m := _PROX.match(word)) and m.group(1).isnumeric():
            toks.append(_Tok("PROX", _number(m.group(1), MAX_NEAR, "the /N distance", i, q), i))
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
        self.depth = 0
        self.leaves: set[Node] = set()
        self.terms = 0
        self.filters: set[Field] = set()

    def enter(self, t: _Tok) -> None:
        """One level deeper (a parenthesis or a NOT); the recursion stays far from Python's limit."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryLimitError(f"more than {MAX_DEPTH} levels of parentheses and NOTs inside each other",
                                  t.pos, self.q)

    def leaf(self, node: Term | Phrase | Near, t: _Tok) -> Term | Phrase | Near:
        """Count a text leaf once, however often the query repeats it."""
        if isinstance(node, Near) and len(node.items) > MAX_NEAR_ITEMS:
            raise QueryLimitError(f"NEAR of {len(node.items)} words or phrases; the limit is {MAX_NEAR_ITEMS}",
                                  t.pos, self.q)
        if node not in self.leaves:
            self.leaves.add(node)
            self.terms += len(node.items) if isinstance(node, Near) else 1
            if self.terms > MAX_TERMS:
                raise QueryLimitError(f"more than {MAX_TERMS} different words and phrases", t.pos, self.q)
        return node

    def filter(self, node: Field, t: _Tok) -> Field:
        self.filters.add(node)
        if len(self.filters) > MAX_FILTERS:
            raise QueryLimitError(f"more than {MAX_FILTERS} different filters", t.pos, self.q)
        return node

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
        flat = _unique(x for c in children for x in (c.children if isinstance(c, Or) else (c,)))
        return flat[0] if len(flat) == 1 else Or(flat)

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
        flat = _unique(x for c in children for x in (c.children if isinstance(c, And) else (c,)))
        return flat[0] if len(flat) == 1 else And(flat)

    def parse_unary(self) -> Node:
        t = self.peek()
        if t is not None and t.kind == "NOT":
            self.take()
            if self.peek() is None or self.peek().kind in ("OR", "AND", "RP"):
                raise self.error("NOT needs a term after it")
            self.enter(t)
            child = self.parse_unary()
            self.depth -= 1
            return child.child if isinstance(child, Not) else Not(child)  # NOT NOT x is x
        return self.parse_prox()

    def parse_prox(self) -> Node:
        start = self.peek()
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
        return self.leaf(_near(items, distance), start)  # type: ignore[arg-type]

    def parse_primary(self) -> Node:
        t = self.peek()
        if t is None:
            raise self.error("query ends where a term was expected")
        if t.kind == "LP":
            self.take()
            if (n := self.peek()) is not None and n.kind == "RP":
                raise self.error("empty parentheses")
            self.enter(t)
            node = self.parse_or()
            if (n := self.peek()) is None or n.kind != "RP":
                raise self.error("unbalanced parenthesis: '(' without ')'", t.pos)
            self.take()
            self.depth -= 1
            return node
        if t.kind == "NEAR":
            return self.parse_near()
        if t.kind == "FIELD":
            self.take()
            name, op, value = t.value  # type: ignore[misc]
            return self.filter(_field(name, op, value, t.pos, self.q), t)
        if t.kind in ("WORD", "PHRASE"):
            self.take()
            return self.leaf(_text(t, self.q), t)
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
                if n is None or n.kind != "WORD" or not str(n.value).isnumeric():
                    raise self.error("NEAR(… , N) needs a whole number of words after the comma")
                distance = _number(str(n.value), MAX_NEAR, "the NEAR distance", n.pos, self.q)
                self.take()
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
        return self.leaf(_near(items, distance), start)


def _near(items: list[Term | Phrase], distance: int) -> Term | Phrase | Near:
    """A NEAR group without the items another item holds. FTS5 lets items overlap, so in NEAR("task force" force)
    `force` is found inside "task force" at any distance, and in NEAR(im* immigration) `im*` inside
    `immigration`: the group is the holding item alone (Elasticsearch's intervals would want two occurrences).

    A group is matched exactly only when every item is exact (a quoted phrase or a prefix*); otherwise all of
    it is matched stemmed, so its quoted phrases are written as the stemmed phrases they are matched as."""
    exact = all((isinstance(i, Phrase) and i.exact) or (isinstance(i, Term) and i.prefix) for i in items)
    if not exact:
        items = [(Term(i.words[0]) if len(i.words) == 1 else Phrase(i.words, exact=False))
                 if isinstance(i, Phrase) else i for i in items]
    prefix = [isinstance(i, Term) and i.prefix for i in items]
    # what each item is matched as: a prefix as typed, words as their tokens in the table the group uses
    toks = [(i.text,) if prefix[n] else tuple(w if exact else stem(w) for w in
                                               ((i.text,) if isinstance(i, Term) else i.words))
            for n, i in enumerate(items)]

    def holds(m: int, n: int) -> bool:
        """Whether an occurrence of item m always contains one of item n."""
        if prefix[m]:
            return prefix[n] and toks[m][0].startswith(toks[n][0])
        if prefix[n]:
            return any(t.startswith(toks[n][0]) for t in toks[m])
        a, b = toks[n], toks[m]
        return any(b[k:k + len(a)] == a for k in range(len(b) - len(a) + 1))

    def held(n: int) -> bool:
        # of two items that hold each other (the same tokens) the first stays
        return any(holds(m, n) and (not holds(n, m) or m < n) for m in range(len(items)) if m != n)

    kept = tuple(i for n, i in enumerate(items) if not held(n))
    return kept[0] if len(kept) == 1 else Near(kept, distance)


def _unique(nodes) -> tuple[Node, ...]:
    """Children in order, each once: `"287(g)" "287(g)" …` is matched as one phrase, not two thousand."""
    return tuple(dict.fromkeys(nodes))


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
        if re.fullmatch(r"[0-9]{4}", value):
            return f"{value}-01-01", f"{value}-12-31"
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}", value):
            y, m = int(value[:4]), int(value[5:])
            last = (date(y + (m == 12), m % 12 + 1, 1) - date(y, m, 1)).days
            date(y, m, 1)
            return f"{value}-01", f"{value}-{last:02d}"
        if not value.isascii():
            raise ValueError(value)
        d = date.fromisoformat(value)
        return d.isoformat(), d.isoformat()
    except ValueError:
        raise QuerySyntaxError(f"{_clip(value)!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)", pos, q) from None


def _field(name: str, op: str, value: str, pos: int, q: str) -> Field:
    name = FIELD_ALIASES.get(name, name)
    if name not in FIELDS:
        raise QuerySyntaxError(f"unknown field {name!r}; known fields: {', '.join(FIELDS)}", pos, q)
    value = value.strip()
    rng = value.split("..", 1) if ".." in value else None
    if name in ("signed", "year", "page"):
        if name == "page":
            nums = [str(_number(p, MAX_PAGE, "the page number", pos, q)) for p in (rng or [value])]
            if rng:
                if int(nums[0]) > int(nums[1]):
                    raise QuerySyntaxError(f"page:{_clip(value)} runs backwards (first page after last)", pos, q)
                return Field(name, "range", nums[0], nums[1])
            return Field(name, op or "=", nums[0])
        if rng:
            lo, hi = _iso(rng[0], pos, q)[0], _iso(rng[1], pos, q)[1]
            if lo > hi:
                raise QuerySyntaxError(f"{name}:{_clip(value)} runs backwards (first date after last)", pos, q)
            return Field("signed", "range", lo, hi)
        first, last = _iso(value, pos, q)
        if name == "year" and not re.fullmatch(r"[0-9]{4}", value):
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
        code = value.upper() if len(value) == 2 and value.isascii() and value.isalpha() else STATES.get(value.lower())
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
        return Field(name, "=", _iso(value, pos, q)[0] if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value) else value)
    if name == "section":
        return Field(name, "=", value.lower())
    if name == "sha":
        if not re.fullmatch(r"[0-9a-fA-F]{4,64}", value):
            raise QuerySyntaxError(f"sha:{value} is not a sha256 (or prefix of one)", pos, q)
        return Field(name, "=", value.lower())
    return Field(name, "=", value)  # agency, signer, file: case-insensitive substring


# ---------------------------------------------------------------------------------------------- API


def parse(query: str) -> Node:
    """Parse a query string into its tree; raise QuerySyntaxError (a UserError: exit 2) on bad syntax and
    QueryLimitError (a QuerySyntaxError) on a query over LIMITS. Raises nothing else, whatever the string."""
    if not isinstance(query, str):
        raise QuerySyntaxError(f"a query is text, not {type(query).__name__}", 0, "")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryLimitError(f"the query is {len(query)} characters long; the limit is {MAX_QUERY_CHARS}",
                              MAX_QUERY_CHARS, query)
    if m := _SURROGATE.search(query):
        raise QuerySyntaxError("the query is not valid Unicode text (a lone surrogate)", m.start(), query)
    return _Parser(query).parse()


_SURROGATE = re.compile("[\ud800-\udfff]")


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
        return " ".join(f"({to_string(c)})" if isinstance(c, Or) else to_string(c) for c in node.children)
    if isinstance(node, Or):
        return " OR ".join(to_string(c) for c in node.children)
    if isinstance(node, Not):
        s = to_string(node.child)
        return f"NOT ({s})" if isinstance(node.child, And | Or) else f"NOT {s}"
    if isinstance(node, Field):
        if node.op == "range":
            return f"{node.name}:{node.value}..{node.value2}"
        op = "" if node.op == "=" else node.op
        plain = not any(c.isspace() or c in '"(),:' for c in node.value) and not node.value.startswith(("<", ">", "="))
        return f"{node.name}:{op}{node.value if plain else chr(34) + node.value + chr(34)}"
    raise TypeError(node)
