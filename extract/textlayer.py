"""A page's own text layer and how far it can be trusted.

pdfium gives the layer; letters printed for spaces are read as spaces (glyphspace) and a page stored out of
reading order is put in it (readorder); the shifted-font runs are decoded; then the layer is scored: how many
characters, the share of unmappable glyphs (`(cid:N)`, U+FFFD, private-use), the share of dictionary words
(a garbage OCR layer from an old scanner scores low), and how much of the page is covered by images (an
image-only signature page with a typed footer still needs OCR).
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .glyphspace import decode_spaces
from .readorder import chars_text, layer_chars, reading_order
from .shifted import decode_page
from .wordlist import words

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’]*[A-Za-z]|[A-Za-z]")
_SPACE = re.compile(r"\s+")
# C0 control codes too: a font without a usable ToUnicode map yields them (Noble County p1), never text.
_BAD_GLYPH = re.compile(r"\(cid:\d+\)|[\ufffd\ue000-\uf8ff\x00-\x08\x0e-\x1f\x7f]")


@dataclass
class LayerScore:
    chars: int  # non-space characters
    words: int  # alphabetic tokens of two letters or more
    dict_share: float  # share of those tokens found in the wordlist
    bad_glyphs: float  # share of characters that are unmappable glyphs
    image_cover: float  # share of the page area covered by image objects (0..1, overlaps capped)
    shifted_tokens: int  # tokens decoded from the shifted font

    @property
    def quality(self) -> float:
        """0..1: how usable the layer is as text (dictionary share, less unmappable glyphs)."""
        if self.chars == 0:
            return 0.0
        base = self.dict_share if self.words >= 5 else min(1.0, 0.5 + 0.1 * self.words)
        return round(max(0.0, base * (1.0 - min(1.0, 3 * self.bad_glyphs))), 3)


def score_text(text: str, image_cover: float = 0.0, shifted_tokens: int = 0) -> LayerScore:
    """Score a page's text (from any source) against the wordlist."""
    dictionary = words()
    chars = len(_SPACE.sub("", text))
    tokens = [t.replace("’", "'").lower() for t in _TOKEN.findall(text)]
    tokens = [t for t in tokens if len(t) >= 2]
    known = sum(1 for t in tokens if t in dictionary or t.split("'")[0] in dictionary)
    bad = sum(len(m.group(0)) for m in _BAD_GLYPH.finditer(text))
    return LayerScore(
        chars=chars,
        words=len(tokens),
        dict_share=round(known / len(tokens), 3) if tokens else 0.0,
        bad_glyphs=round(bad / chars, 3) if chars else 0.0,
        image_cover=round(image_cover, 3),
        shifted_tokens=shifted_tokens,
    )


def _image_area(container, count_fn, get_fn, width: float, height: float, depth: int) -> float:
    # Raw pdfium calls: wrapping every text object in a Python object costs more than the text itself.
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    area = 0.0
    for k in range(count_fn(container)):
        obj = get_fn(container, k)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            if pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
                w = max(0.0, min(right.value, width) - max(left.value, 0.0))
                h = max(0.0, min(top.value, height) - max(bottom.value, 0.0))
                area += w * h
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth > 0:
            area += _image_area(obj, pdfium_c.FPDFFormObj_CountObjects, pdfium_c.FPDFFormObj_GetObject,
                                width, height, depth - 1)
    return area


def image_cover(page: pdfium.PdfPage) -> float:
    """Share of the page area under image objects (summed, capped at 1), form XObjects included."""
    width, height = page.get_size()
    covered = _image_area(page.raw, pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject,
                          width, height, depth=2)
    return min(1.0, covered / max(width * height, 1.0))


def page_text(page: pdfium.PdfPage) -> str:
    """The text layer of one page (pdfium), line ends normalised, letters printed for spaces decoded and
    in reading order; pdfium's text as it was where neither applies."""
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        chars = layer_chars(textpage)
    finally:
        textpage.close()
    chars, decoded = decode_spaces(chars)
    ordered = reading_order(chars, *page.get_size())
    if ordered is not None:
        return ordered
    if decoded:
        return chars_text(chars)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_layer(page: pdfium.PdfPage) -> tuple[str, LayerScore]:
    """The decoded text layer of a page and its score."""
    text, shifted = decode_page(page_text(page))
    return text, score_text(text, image_cover(page), shifted)
