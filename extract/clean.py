"""OCR-noise normalization for headings and clause text ("CML RIGHTS", "tenninates", "TIIlS MOA").

Only confusions seen in this corpus's OCR layers are fixed, each by a narrow pattern, so that clean
text is never changed: Tesseract and old scanner OCR read 'rm' as 'nn', 'IV' as 'M', 'TH' as 'TI' or 'TID'.
"""

from __future__ import annotations

import re

# Upper-case heading words: OCR spelling -> word. Matched as whole words after case folding.
HEADING_WORDS = {
    "CML": "CIVIL", "CIVIl,": "CIVIL", "CIVIl": "CIVIL", "RIGIITS": "RIGHTS", "RlGHTS": "RIGHTS",
    "TIIlS": "THIS", "TIDS": "THIS", "TIIIS": "THIS", "THlS": "THIS", "TffiS": "THIS", "Tms": "THIS", "TIUS": "THIS",
    "TIDRD": "THIRD", "TIIIRD": "THIRD", "AUTHOmTY": "AUTHORITY", "RESPONSmILITY": "RESPONSIBILITY",
    "RESPONSIBILITlES": "RESPONSIBILITIES", "MODJFICATION": "MODIFICATION", "MODJFICATIONS": "MODIFICATIONS",
    "or": "OF", "10": "TO", "MO": "MOA", "ID": "III", "Il": "II", "Ill": "III", "lI": "II", "lll": "III",
}
# Letters split by OCR inside heading words: "CONT ACT", "DA TE", "ST AND ARDS".
HEADING_JOINS = [
    (re.compile(r"\bCONT\s+ACT\b"), "CONTACT"),
    (re.compile(r"\bDA\s+TE\b"), "DATE"),
    (re.compile(r"\bST\s*AND\s*ARDS\b"), "STANDARDS"),
    (re.compile(r"\bPOINTSOFCONTACT\b"), "POINTS OF CONTACT"),
    (re.compile(r"\bRESPONSIBILIT\s+IES\b"), "RESPONSIBILITIES"),
]

# Body text: 'rm' read as 'nn' ("tenninates", "tenns", "detennine", "fonn", "perfonn", "infonnation").
BODY_FIXES = [
    (re.compile(r"\bten(n)(s|inat\w*|ine\w*)\b"), r"term\2"),
    (re.compile(r"\bTen(n)(s|inat\w*|ine\w*)\b"), r"Term\2"),
    (re.compile(r"\bdeten(n)(ine\w*|ination\w*)\b"), r"determ\2"),
    (re.compile(r"\b(per|in|con|trans|re|plat)?fonn(s|ed|ing|ation\w*|ance\w*|al\w*)?\b"), r"\1form\2"),
    (re.compile(r"\bCML\b"), "CIVIL"),
    (re.compile(r"\bcml rights\b", re.IGNORECASE), "civil rights"),
]


def clean_heading(title: str) -> str:
    """A heading as printed, with this corpus's OCR confusions and stray punctuation removed."""
    t = re.sub(r"[_|~`{}\[\]]", " ", title)
    t = re.sub(r"\s+", " ", t).strip(" .,:;-'\"")
    for rx, rep in HEADING_JOINS:
        t = rx.sub(rep, t)
    words = [HEADING_WORDS.get(w, w) for w in t.split(" ")]
    return " ".join(words).strip()


def clean_text(text: str) -> str:
    """Body text with the 'rn'->'nn' class of OCR errors repaired (word-bounded, so "Tennessee" stays)."""
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]+", " ", text)  # control codes from a broken text layer
    for rx, rep in BODY_FIXES:
        text = rx.sub(rep, text)
    return text
