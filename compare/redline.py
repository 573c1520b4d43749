"""Word-level redlines: a diff of two texts as ops, and renderers (plain text, HTML, side by side).

The diff runs on words as printed (so a reader sees the real text), matched on a comparison form of each word
(`key`) that the caller can make tolerant of OCR noise.
"""

from __future__ import annotations

import difflib
import html
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Op:
    """One run of the redline: 'equal', 'delete' (only in old), 'insert' (only in new) or 'replace'."""

    tag: str
    old: tuple[str, ...]
    new: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"op": self.tag, "old": " ".join(self.old), "new": " ".join(self.new)}


def words(text: str) -> list[str]:
    return _WORD.findall(text or "")


def _default_key(w: str) -> str:
    return re.sub(r"[^\w]", "", w.lower()) or w


def diff_words(old: str | Sequence[str], new: str | Sequence[str],
               key: Callable[[str], str] | None = None) -> list[Op]:
    """Word-level diff of `old` → `new`. Words compare equal when their `key` is equal (default: case and
    punctuation ignored), so the ops keep the printed words of each side."""
    a = words(old) if isinstance(old, str) else list(old)
    b = words(new) if isinstance(new, str) else list(new)
    k = key or _default_key
    ka, kb = [k(w) for w in a], [k(w) for w in b]
    sm = difflib.SequenceMatcher(None, ka, kb, autojunk=False)
    ops: list[Op] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        ops.append(Op(tag, tuple(a[i1:i2]), tuple(b[j1:j2])))
    return ops


def changed_words(ops: Sequence[Op]) -> int:
    """How many words the redline strikes or adds (a replaced pair counts its longer side)."""
    n = 0
    for op in ops:
        if op.tag != "equal":
            n += max(len(op.old), len(op.new))
    return n


def _elide(ws: tuple[str, ...], context: int | None, first: bool, last: bool) -> str:
    if context is None or len(ws) <= 2 * context + 1:
        return " ".join(ws)
    head = () if first else ws[:context]
    tail = () if last else ws[-context:]
    return " ".join((*head, "…", *tail))


def render_text(ops: Sequence[Op], context: int | None = None) -> str:
    """`[-old-]{+new+}` markup (the convention of `git diff --word-diff=plain`); with `context`, unchanged
    runs keep only that many words either side of a change."""
    parts: list[str] = []
    for i, op in enumerate(ops):
        if op.tag == "equal":
            parts.append(_elide(op.old, context, i == 0, i == len(ops) - 1))
            continue
        if op.old:
            parts.append("[-" + " ".join(op.old) + "-]")
        if op.new:
            parts.append("{+" + " ".join(op.new) + "+}")
    return " ".join(p for p in parts if p)


def render_html(ops: Sequence[Op]) -> str:
    """An HTML fragment with <del> and <ins>; all text escaped."""
    parts: list[str] = []
    for op in ops:
        if op.tag == "equal":
            parts.append(html.escape(" ".join(op.old)))
            continue
        if op.old:
            parts.append("<del>" + html.escape(" ".join(op.old)) + "</del>")
        if op.new:
            parts.append("<ins>" + html.escape(" ".join(op.new)) + "</ins>")
    return " ".join(p for p in parts if p)


def render_side_by_side(ops: Sequence[Op], width: int = 100, labels: tuple[str, str] = ("standard", "this")) -> str:
    """Two columns: old on the left, new on the right; changed runs marked with `|`, `<` or `>`."""
    col = max(20, (width - 3) // 2)
    lines = [f"{labels[0][:col]:<{col}} | {labels[1][:col]}", "-" * col + "-+-" + "-" * col]
    for op in ops:
        left = textwrap.wrap(" ".join(op.old), col) or [""]
        right = textwrap.wrap(" ".join(op.new), col) or [""]
        mark = {"equal": " ", "delete": "<", "insert": ">", "replace": "|"}[op.tag]
        if op.tag == "equal" and len(left) > 4:
            # Long unchanged runs are elided to their ends so the changes stand out.
            left = right = left[:1] + [f"… {len(op.old)} words unchanged …"] + left[-1:]
        for i in range(max(len(left), len(right))):
            lft = left[i] if i < len(left) else ""
            rgt = right[i] if i < len(right) else ""
            sep = "|" if mark == " " else mark
            lines.append(f"{lft:<{col}} {sep} {rgt}")
    return "\n".join(lines)
