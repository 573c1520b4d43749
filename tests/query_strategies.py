"""Hypothesis strategies for query strings: any text, the language's own pieces in any order, and well-formed
queries over the words of the test documents. Shared by tests/test_query_fuzz.py and bench/query_fuzz.py.

The adversarial rows of issue 18 (ADVERSARIAL) are concrete strings; each must get a result or one clean error.
"""

from __future__ import annotations

from hypothesis import strategies as st

# Words the small catalog's MOAs hold (so backends find something), a few they do not, and look-alikes.
WORDS = ("overtime", "costs", "salaries", "deputy", "deputies", "arrest", "arrested", "warrant", "warrantless",
         "probable", "cause", "detainer", "immigration", "officer", "officers", "training", "supervision",
         "liability", "termination", "287", "g", "a", "2", "1357", "ice", "lea", "moa", "task", "force",
         "jail", "sheriff", "county", "florida", "the", "of", "and", "or", "not", "near", "w", "zzyzx",
         "résumé", "café", "İstanbul", "ß", "２８７", "²", "٣", "x" * 70 + "s", "custodial", "interview")
PHRASES = ("probable cause", "287(g)", "287(a)(2)", "warrant can be obtained", "likely to escape",
           "task force", "per diem", "the LEA", "costs and expenditures", "8 U.S.C. § 1357(g)")
FIELD_VALUES = {
    "model": ("TFM", "WSO", "JEM", "jail", "task force", "xyz"),
    "state": ("FL", "TX", "KY", "ID", "florida", "ZZ", "Ünï"),
    "agency": ("County", "Police", "Sheriff", "Grayson", "a,b", ">=x"),
    "signer": ("Sheriff", "Woosley", "Chief"),
    "section": ("costs", "training", "termination", "iv.e", "liability"),
    "signed": (">=2025-03-01", "<2025", "2025-02", "2025-01-01..2025-06-30", "2025-13-01", "..2025", "2026..2025"),
    "year": ("2025", "2024", "25", "２０２５"),
    "status": ("active", "removed", "unknown", "pending"),
    "type": ("sheriff", "police", "jail", "other"),
    "revision": ("2025-02-15", "2025-02-12", "x"),
    "file": ("Arcadia", "Tavares", "MOA_03"),
    "sha": ("c99c9a1a", "00", "zz"),
    "page": ("1", "3", ">=2", "<3", "2..4", "5..3", "0", "99999999999999999999", "²", "9" * 5000),
}
NUMBERS = ("0", "1", "3", "5", "10", "1000", "1001", "2147483647", "4294967296", "²", "٣", "00005",
           "9" * 40, "9" * 5000, "-1", "x")
PIECES = ("(", ")", '"', "NOT ", "-", " AND ", " OR ", "&&", "||", "NEAR(", ",", "*", ":", " ", "/5", "w/3",
          "/", "model:", "page:", "signed:>=", "state:", "NEAR", "\t", "\x00", "\u200b", "§")


def _word() -> st.SearchStrategy[str]:
    return st.sampled_from(WORDS)


def _near_number() -> st.SearchStrategy[str]:
    return st.sampled_from(NUMBERS)


def leaf() -> st.SearchStrategy[str]:
    word = _word()
    return st.one_of(
        word,
        word.map(lambda w: w[:3] + "*"),
        st.sampled_from(PHRASES).map(lambda p: f'"{p}"'),
        st.sampled_from(PHRASES),
    )


def field() -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(FIELD_VALUES)).flatmap(
        lambda name: st.sampled_from(FIELD_VALUES[name]).map(
            lambda v: f'{name}:"{v}"' if " " in v else f"{name}:{v}"))


def near() -> st.SearchStrategy[str]:
    items = st.lists(st.one_of(_word(), _word().map(lambda w: w[:2] + "*"),
                               st.sampled_from(PHRASES).map(lambda p: f'"{p}"')), min_size=1, max_size=4)
    return st.one_of(
        st.tuples(items, _near_number()).map(lambda x: f"NEAR({' '.join(x[0])}, {x[1]})"),
        items.map(lambda x: f"NEAR({' '.join(x)})"),
        st.tuples(_word(), _near_number(), _word()).map(lambda x: f"{x[0]} /{x[1]} {x[2]}"),
    )


def well_formed() -> st.SearchStrategy[str]:
    """Queries of the language: leaves, filters and NEARs joined by AND/OR/NOT and parentheses."""
    base = st.one_of(leaf(), field(), near())
    return st.recursive(
        base,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from([" ", " AND ", " OR ", " || ", " && ", " NOT ", " -"]), inner)
            .map(lambda x: x[0] + x[1] + x[2]),
            inner.map(lambda s: f"({s})"),
            inner.map(lambda s: f"NOT {s}"),
            inner.map(lambda s: f"-{s}"),
        ),
        max_leaves=12,
    )


def pieces() -> st.SearchStrategy[str]:
    """The language's own pieces and words in any order: unbalanced, misplaced, repeated."""
    return st.lists(st.one_of(st.sampled_from(PIECES), _word(), _near_number(), field()), max_size=40).map("".join)


def repeated() -> st.SearchStrategy[str]:
    """A piece repeated many times: deep nesting, long NOT chains, one phrase thousands of times."""
    return st.tuples(st.sampled_from(("(", "NOT ", "-", '"287(g)" ', "a OR (", "state:FL ", "x ", "NEAR(a b) ",
                                      "costs /1 ", "overtime w/2 ")),
                     st.integers(1, 1200), st.sampled_from(("a", "", ")", "b)"))).map(lambda x: x[0] * x[1] + x[2])


def any_text() -> st.SearchStrategy[str]:
    """Any string at all, lone surrogates included."""
    return st.one_of(st.text(max_size=200), st.text(st.characters(codec=None, categories=None), max_size=60))


def queries() -> st.SearchStrategy[str]:
    return st.one_of(well_formed(), pieces(), repeated(), any_text())


# The rows of issue 18's table, as strings: each must give a result or one clean, specific error.
ADVERSARIAL = {
    "200 nested (": "(" * 200 + "overtime" + ")" * 200,
    "1,000 NOTs": "NOT " * 1000 + "overtime",
    "a proximity with 5,000 digits": "overtime /" + "9" * 5000 + " costs",
    "a NEAR distance with 5,000 digits": "NEAR(overtime costs, " + "9" * 5000 + ")",
    "a page number with 5,000 digits": "page:" + "9" * 5000,
    "² as a page number": "page:²",
    "² as a NEAR distance": "NEAR(overtime costs, ²)",
    "² as a proximity": "overtime /² costs",
    "page:99999999999999999999": "page:99999999999999999999",
    "NEAR beyond its bound": "NEAR(overtime costs, 4294967296)",
    "NEAR at 2147483647": "NEAR(overtime costs, 2147483647)",
    "38 NOTs": "NOT " * 38 + "overtime",
    "26 nested ORs": "(" * 26 + "overtime" + " OR costs)" * 26,
    "1,000 filters": " ".join(f"page:{n}" for n in range(1, 1001)),
    "33 filters within the length": " ".join(f"page:{n}" for n in range(1, 34)),
    "a 48 KB query": "overtime " * 5400,
    '"287(g)" 2,000 times': '"287(g)" ' * 2000,
    '"287(g)" 200 times': '"287(g)" ' * 200,
    "a NEAR of 9 words": "NEAR(overtime costs salaries deputy arrest warrant training liability jail)",
}
