"""A signature page's handwritten dates, read line by line beside their printed "Date:" labels.

A whole-page reading loses most handwritten dates: Tesseract reads "3/12/25" as "Bl ha [25", and PP-OCR
splits it into pieces or reads a slash as a 1. Here each "Date:" label that the block reading (Tesseract,
400 dpi, one block) found marks a line, and so does the word where the form prints one, over "Signature:",
when Tesseract misread the label or ran it into the date (`_placed`). PP-OCR's detector finds the ink on
that line, right of the label, and the line is taken wider than the ink (the detector may miss a stroke
at either end, and a date cut short can still read as a date: "3/1/20" of "3/19/20"). The recognizer's
scores for the whole stretch are read under a grammar of dates (`extract.datedecode`).

The line is read eight ways (scaled from 1/2 to 5/4, with margins from 6 to 40 px) by PP-OCRv6 small's
recognizer (`extract.linerec`; PP-OCRv4's when that model is not installed). A date counts only when six of
them give it, each costing little against the recognizer's own best reading, and no two give one other date:
a line the recognizer reads differently each time ("7/12/20", "3/12/20", "3/1/20" for a "3/19/20") gives
nothing. A second recognizer, PP-OCRv5 mobile, reads the same eight ways as a check: when half its readings
give another date, the line gives a date only if the two models' scores, summed, still clearly prefer the
first (Washington Co. WI's "2/26/25", its 6 crossed by the slash, reads "2/24/25" to one and "2/20/25" to the
other, and neither is clearly preferred: it gives nothing).

Every reading is held to the days the page can bear: none after the file was last saved (its metadata), so
Tarrant Co. TX's "6-10-2020", read "6-10-2026" by v6 on a page scanned in June 2020, is read among the
years 2019-2020 instead; and none before the form's "Revised" date (the 2025 templates), so
Rockingham Co. NH's "4-1-25", whose last digit v6 reads as a 1 (2021) on a form revised in March 2025, is
read among the years 2025 on.

The result is the block reading with each agreed date put right after its label and the words Tesseract
made of the handwriting dropped, so the signature parser assigns it to its party as it does any reading.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from extract import datedecode, linerec, ppocr
from extract.dates import MONTHS
from extract.ocr import OcrResult

VERSION = 21  # bump when the geometry, the variants or the grammar change: the OCR cache holds results
# The printed label as Tesseract reads it: "Date:", "Date:_" (the underline), "Dat", "ate:" (a letter lost).
LABEL = re.compile(r"(?:Date|DATE)[:;.,_]*|Dat|D?ate:")
# A word that may be a misread label (`_label_words`): letters, then the colon or underline after a label.
_MISREAD = re.compile(r"([A-Za-z]{2,6})[:;_]+")
_OTHER_LABELS = ("name", "title", "agency", "signature")  # the other printed labels of a signature block
# The line beside a label, in label heights: handwriting rises well above the printed baseline.
ABOVE, BELOW = 2.0, 1.0
LABEL_WIDTH = 4.5  # a label's width at most, in printed line heights ("Date:" is about 3, "Date:_" more)
SIGNATURE = re.compile(r"Signature[:;.,_]*")  # the label printed under "Date:" (`_placed`)
DATE_TO_SIGNATURE = 0.52  # a printed "Date:" is this share of "Signature:"'s width in the same type
STEP = (1.5, 4.5)  # printed line heights from "Date:"'s baseline up from "Signature:"'s, least and most
MISREAD_CONF = 70  # Tesseract's confidence under which a word there may be the label misread
REACH = 1400  # px at 400 dpi (3.5 in): how far right of its label a date line runs at most
# Ink boxes whose vertical centre lies this many label heights above / below the label's top belong to it.
BAND_UP, BAND_DOWN = 1.3, 1.5
DETECT_HEIGHT = 384  # px the line is scaled to for PP-OCR's detector: about 2x at 400 dpi
PAD, WIDE = 0.4, 1.5  # label heights of room above and below, and left and right, of the ink found
# (scale, margin px) of the line's readings: the recognizer sees it at 48 px high, so a scale changes how
# strokes fall on its slices, and a margin how much of the underline and the next word it sees.
VARIANTS = ((1.0, 6), (0.75, 6), (1.0, 20), (1.25, 6), (0.5, 6), (0.6, 10), (1.0, 40), (0.85, 12))
AGREE = 6  # readings that must give the same date
RIVAL = 2  # readings of one other date that void the line (Bradford Co. FL's "6/4/19": 10/4 six times, 6/4 twice)
MAX_GAP = 3.5  # log-probability each of them may cost against the recognizer's own best reading
READER, CHECKER = "pp-ocrv6-small", "pp-ocrv5-mobile"  # extract.linerec's models
DISSENT = 4  # the checker's readings (at any cost) that, giving one other date, void the line …
# … unless the two models together still prefer the reader's date: over the eight readings, what the rival date
# costs each model against the reader's, summed, is at least this (one nat a reading). A handwritten "13" or "18"
# that the checker reads "03" or "08" while scoring both alike (Henry Co. AL, Washington Co. FL, Putnam Co. TN:
# +30, +42, +9.5) is given; a line the models truly split on (Washington Co. WI's "2/26": -1.9; Rockingham's
# "11-12": -12) is not.
JOINT_MARGIN = 8.0
MARGIN_CAP = 10.0  # log-probability one reading may add to the sum, so one odd crop cannot decide it
# A date both models give in all but one of their readings stands even when each reading costs more than
# MAX_GAP: a signature stroke across a typed "March 5, 2020" adds marks the grammar must pass over in every
# crop, and two models agreeing on every crop is the evidence the cost stands in for. Up to LOOSE_GAP (a few
# characters passed over); a line of text forced into the grammar costs 30 and more.
UNANIMOUS, LOOSE_GAP = 7, 15.0


Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class DateLine:
    label: Box  # the label word's box (left, top, width, height), as Tesseract gave it
    ink: Box | None  # the handwriting's box (left, top, right, bottom), page pixels
    iso: str | None  # the agreed date, None when the readings disagree or none fits
    stamped: bool = False  # read as a date stamp ("SEP 9 2019"), not handwriting


def _recognizers() -> tuple[Callable[[Any], Any], Callable[[Any], Any] | None, str]:
    """(reader, checker or None, their description): PP-OCRv6 small checked by PP-OCRv5 mobile, else
    PP-OCRv4 alone."""
    reader, checker = linerec.recognizer(READER), linerec.recognizer(CHECKER)
    if reader is None:
        return ppocr.line_scores, None, ppocr.version()
    described = linerec.version(READER) + (f" checked by {CHECKER}" if checker else "")
    return reader.scores, (checker.scores if checker else None), described


def version() -> str:
    return f"datecrop {VERSION} over {_recognizers()[2]}; lines found by {ppocr.version()}"


def _slips(word: str) -> int | None:
    """How many OCR slips (1 or 2) a word ending in a label's mark ("pate:", "Dae_", "pace:") is from "Date";
    2 too for one slip as near another printed label ("Nate:", Name or Date). None when it is nearer another
    label or is no such word."""
    m = _MISREAD.fullmatch(word)
    if m is None:
        return None
    d, other = _distances(m.group(1).lower())
    if not 1 <= d <= 2 or other < d:
        return None
    return 2 if other == d else d


def _side_by_side(a: Box, b: Box) -> bool:
    """Two words level with each other in the two columns (more than three of `a`'s heights apart), as the
    LEA's and ICE's labels stand."""
    return abs(a[1] - b[1]) < max(a[3], b[3]) and abs(a[0] - b[0]) > 3 * a[3]


def _label_words(words: list[Any]) -> list[Any]:
    """The words of `words` that are "Date:" labels: as LABEL reads them, and a label Tesseract misread
    ("pace:" for a bold "Date:", "Dae_", "Latte:") standing level with one in the other column, the pair the
    side-by-side signature blocks print: a misread one slip from "Date" beside a label or another such
    misread, one two slips away (or as near another label) only beside a label taken already. Unread, ICE's
    line ran on across the LEA's column and the LEA's date was never read (Suwannee Co. FL's "6-11-19")."""
    found = [w for w in words if LABEL.fullmatch(str(w[0]))]
    near = [(w, d) for w in words if not LABEL.fullmatch(str(w[0])) and (d := _slips(str(w[0])))]
    close = [w for w, d in near if d == 1]
    kept = found + [w for w in close if any(_side_by_side(tuple(w[2]), tuple(o[2]))
                                            for o in found + close if o is not w)]
    kept += [w for w, d in near if d == 2 and any(_side_by_side(tuple(w[2]), tuple(o[2])) for o in kept)]
    return [w for w in words if any(w is k for k in kept)]


def _placed(words: list[Any], taken: list[Any], line: int) -> list[tuple[Box, Box]]:
    """(word box, label box) of the "Date:" labels the form's layout places where none was read: the block
    prints "Date:" left-aligned over "Signature:", a line or two above it. The word standing there is the
    label misread ("pate.", "Ceres", "bu,") or run into the handwriting after it ("Date:_O/}",
    "pu:__Z|1¢|2»"), when Tesseract doubted it (under MISREAD_CONF) or it begins with "Date"; a heading read
    surely there ("TERMINATION") is none. The label box takes the width a printed "Date:" has beside that
    "Signature:" (DATE_TO_SIGNATURE) on the word's baseline."""
    def over(b: Box, sig: Box) -> bool:  # left-aligned with "Signature:", its baseline STEP line heights above
        rise = (sig[1] + sig[3]) - (b[1] + b[3])
        return abs(b[0] - sig[0]) < line and STEP[0] * line <= rise <= STEP[1] * line

    out = []
    for _, _, sig in (w for w in words if SIGNATURE.fullmatch(str(w[0]))):
        if any(over(tuple(w[2]), sig) for w in taken):
            continue
        above = sorted((w for w in words if over(tuple(w[2]), sig)), key=lambda w: -(w[2][1] + w[2][3]))
        if not above:
            continue
        text, conf, box = above[0]  # the nearest: the line just above "Signature:"
        if not (conf < MISREAD_CONF or str(text).startswith(("Date", "DATE"))) or _other_label(str(text)):
            continue
        left, top, _, height = box
        out.append((tuple(box), (left, top + height - line, int(DATE_TO_SIGNATURE * sig[2]), line)))
    return out


def _distances(core: str) -> tuple[int, int]:
    """OCR slips (edits) from a word's letters, lower case, to "date" and to the nearest other printed label."""
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(core, "date"), min(Levenshtein.distance(core, o) for o in _OTHER_LABELS)


def _other_label(word: str) -> bool:
    """Whether a word reads nearer one of the block's other printed labels than "Date" ("Narne:", "Title")."""
    to_date, to_other = _distances(re.sub(r"[^a-z]", "", word.lower()))
    return to_other < to_date


def _labels(words: list[Any]) -> list[tuple[Box, Box]]:
    """(word box, label box) of each label, the label box cut to the page's printed line height on its
    baseline (handwriting that runs into a label makes Tesseract's box for it twice as tall) and to the width
    a printed "Date:" takes at that height (Tesseract may take the date after it into the label's word:
    Manatee Co. FL's "Date:" box ran 545 px over "05·04·19", and the line was looked for after the date).
    Then the labels no reading of the word gave, placed by the form's layout (`_placed`)."""
    heights = sorted(b[3] for t, c, b in words if c >= 90 and str(t).isalpha())
    line = heights[len(heights) // 2] if heights else None
    out = []
    taken = _label_words(words)
    for _, _, box in taken:
        left, top, width, height = box
        h = min(height, line) if line else height
        out.append((tuple(box), (left, top + height - h, min(width, int(LABEL_WIDTH * h)), h)))
    return out + (_placed(words, taken, line) if line else [])


def _line_start(label: Box) -> int:
    """Where the line beside a label begins: just right of the label."""
    return label[0] + label[2] + 5


def _ink(image: Any, label: Box, labels: list[Box]) -> Box | None:
    """The crop right of `label` and the box (page pixels) around the ink on its line; None if no ink."""
    left, top, width, height = label
    right_edge = image.shape[1]
    nxt = [b[0] for b in labels if abs(b[1] - top) < height and b[0] > left]  # the next column's label
    x0, x1 = _line_start(label), min([n - 20 for n in nxt] + [left + width + REACH, right_edge])
    y0, y1 = max(0, top - int(ABOVE * height)), min(image.shape[0], top + height + int(BELOW * height))
    if x1 - x0 < height or y1 <= y0:
        return None
    crop = image[y0:y1, x0:x1]
    anchor = top - y0
    boxes = [b for b in ppocr.detect(crop, DETECT_HEIGHT)
             if anchor - BAND_UP * height <= (b[1] + b[3]) / 2 <= anchor + BAND_DOWN * height]
    if not boxes:
        return None
    # The detector's boxes hug the strokes and may miss a stroke at either end ("3/1" of "3/19/20"): a date
    # cut short can still read as a date, so the line is taken wide; what is no digit around it is allowed.
    wide, pad = int(WIDE * height), int(PAD * height)
    return (max(x0, x0 + min(b[0] for b in boxes) - wide), max(y0, y0 + min(b[1] for b in boxes) - pad),
            min(x1, x0 + max(b[2] for b in boxes) + wide), min(y1, y0 + max(b[3] for b in boxes) + pad))


def _crop(image: Any, ink: Box, scale: float, pad: int) -> Any:
    """The line in `ink` with `pad` px around it, scaled."""
    import numpy as np
    from PIL import Image

    left, top, right, bottom = ink
    line = image[max(0, top - pad):bottom + pad, max(0, left - pad):right + pad]
    if scale != 1.0 and line.size:
        pil = Image.fromarray(line)
        line = np.asarray(pil.resize((max(1, int(pil.width * scale)), max(1, int(pil.height * scale))),
                                     Image.Resampling.LANCZOS))
    return line


def readings(image: Any, ink: Box, scores: Callable[[Any], Any]) -> list[Any]:
    """One recognizer's scores for the line's eight crops (None where it gives none): what `votes` and
    `margin` read dates from, computed once."""
    return [scores(_crop(image, ink, s, m)) for s, m in VARIANTS]


def decoded(scored: list[Any], latest: date | None = None, earliest: date | None = None) -> list[Any]:
    """The grammar's reading (`datedecode.decode`, from `earliest` up to `latest`) of each of one recognizer's
    eight crops (`readings`), None where it gives none: decoded once, read by `votes`, `unanimous` and
    `_stamped`."""
    return [datedecode.decode(*one, latest=latest, earliest=earliest) if one is not None else None
            for one in scored]


def margin(scored: list[Any], iso: str, rival: str, latest: date | None = None,
           earliest: date | None = None) -> float:
    """How much more likely one recognizer finds `iso` than `rival` on the line: over its eight readings
    (`readings`), the sum of what reading `rival` costs against reading `iso` (log-probability, each held to
    +-MARGIN_CAP)."""
    total = 0.0
    for one in scored:
        if one is None:
            continue
        a = datedecode.decode(*one, latest=latest, only=iso, earliest=earliest)
        b = datedecode.decode(*one, latest=latest, only=rival, earliest=earliest)
        diff = (b.gap if b else MARGIN_CAP) - (a.gap if a else MARGIN_CAP)
        total += max(-MARGIN_CAP, min(MARGIN_CAP, diff))
    return round(total, 2)


def votes(reads: list[Any], most: float | None = MAX_GAP) -> Counter[str]:
    """How many of the line's eight readings (`decoded`) give each date, counting those that cost at most
    `most` (None: every reading)."""
    return Counter(d.iso for d in reads if d and (most is None or d.gap <= most))


def lines(image: Any, words: list[Any]) -> list[tuple[Box, list[Box]]]:
    """(label word's box, the boxes its line is read in) for every "Date:" label of a page: `image` an RGB
    array at the resolution of `words`' boxes. First the ink found right of the label; then the same box
    stretched left to the label, for a date whose first strokes the detector missed (Blaine Co. ID's "2/"
    crossing into its label). No boxes when no ink was found."""
    found = _labels(words)
    labels = [label for _, label in found]
    out = []
    for word, label in found:
        ink = _ink(image, label, labels)
        edge = _line_start(label)
        boxes = [ink] if ink else []
        if ink and ink[0] > edge:
            boxes.append((edge, ink[1], ink[2], ink[3]))
        out.append((word, boxes))
    return out


def agreed(reader: Counter[str], checker: Counter[str] | None) -> str | None:
    """The line's date from the reader's and the checker's votes, or None (the checker dissenting)."""
    top = reader.most_common(2)
    iso = top[0][0] if top and top[0][1] >= AGREE and (len(top) < 2 or top[1][1] < RIVAL) else None
    if iso and checker and dissent(iso, checker):
        return None
    return iso


def dissent(iso: str, checker: Counter[str]) -> str | None:
    """The other date the checker's votes give, when it gives one DISSENT times or more."""
    return next((d for d, n in checker.most_common() if d != iso and n >= DISSENT), None)


def unanimous(reads: list[Any], image: Any, ink: Box, checker: Callable[[Any], Any],
              latest: date | None = None, earliest: date | None = None) -> str | None:
    """The date both models give in UNANIMOUS or more of their eight readings (the reader's `decoded` in
    `reads`), each costing at most LOOSE_GAP, else None. The checker reads the line only when the reader is
    unanimous."""
    top = votes(reads, LOOSE_GAP).most_common(1)
    if not top or top[0][1] < UNANIMOUS:
        return None
    again = votes(decoded(readings(image, ink, checker), latest, earliest), LOOSE_GAP)
    return top[0][0] if again.get(top[0][0], 0) >= UNANIMOUS else None


_STAMP_MONTHS = {n: name.upper() for name, n in MONTHS.items() if len(name) == 3}  # 3 -> "MAR"
# A date stamp as the grammar reads it: the month in three capitals, then digits, spaces and dashes only
# ("SEP - 9 2019", "OCT 1 5 2019"); handwriting in capitals carries a comma or a full stop ("FEB. 21, 2025").
_STAMP = re.compile(r"[A-Z]{3}[\s-]*\d[\d\s-]*")


def _stamped(reads: list[Any], iso: str) -> bool:
    """Whether most of the reader's readings (`decoded`) that give `iso` read as a date stamp (`_STAMP`)."""
    texts = [d.text for d in reads if d and d.iso == iso]
    return 2 * sum(bool(_STAMP.fullmatch(t.strip())) for t in texts) > len(texts)


def read_line(image: Any, boxes: list[Box], reader: Callable[[Any], Any],
              checker: Callable[[Any], Any] | None, latest: date | None = None,
              earliest: date | None = None) -> tuple[str | None, Box | None, bool]:
    """(date, the box it was read in, whether it reads as a stamp) of one line: the first box whose readings
    give a date decides (when they disagree, the line gives nothing: Albemarle's "1-23-2020" reads 1-23 and
    5-23 four times each, and stretched, 5-23 eight times; a box whose readings give one date too few times
    leaves the next box to confirm that date, never to give another; a box both models read alike in every
    crop gives its date at a higher cost, `unanimous`, unless the reader read another date RIVAL times at that
    cost in any box); when the checker dissents, the date stands only if the two models together prefer it by
    JOINT_MARGIN. (None, first box) when no box gives a date. Only dates from `earliest` (the form's revision,
    `extract.fields.template_revision`) up to `latest` (the file's last save, `extract.pdf.latest_date`) are
    read."""
    weak: str | None = None  # the one date a box's readings gave, too few times to count
    loose_votes: Counter[str] = Counter()  # the reader's readings up to LOOSE_GAP, every box so far
    for ink in boxes:
        by_reader = readings(image, ink, reader)
        reads = decoded(by_reader, latest, earliest)
        read = votes(reads)
        iso = agreed(read, None)
        loose_votes += votes(reads, LOOSE_GAP)
        if iso is None and checker and (loose := unanimous(reads, image, ink, checker, latest, earliest)) \
                and weak in (None, loose):
            # Read at that cost, another date as often as a rival may be voids it, in any box: Loudoun Co.
            # VA's "3/26/2025" reads 3/24 six times and 3/26 twice in its first box, 3/24 in every crop of
            # the second.
            if any(n >= RIVAL for d, n in loose_votes.items() if d != loose):
                return None, ink, False
            return loose, ink, _stamped(reads, loose)
        if iso is None:
            if len(read) > 1 or (weak and set(read) - {weak}):
                break
            weak = weak or next(iter(read), None)
            continue
        if weak and iso != weak:
            break
        if checker:  # the check costs a second model's readings: only where a date was read
            by_checker = readings(image, ink, checker)
            # The checker dissents by the dates it reads however much they cost it: Highlands Co. FL's "6/20/2019",
            # whose 6 both models see as a 0, reads "4/20" to the reader's grammar, "01/20" or "6/20" to the
            # checker's at a cost over MAX_GAP; a date the models read apart is no date.
            rival = dissent(iso, votes(decoded(by_checker, latest, earliest), None))
            if rival and margin(by_reader, iso, rival, latest, earliest) \
                    + margin(by_checker, iso, rival, latest, earliest) < JOINT_MARGIN:
                iso = None
        return iso, ink, bool(iso) and _stamped(reads, iso)
    return None, (boxes[0] if boxes else None), False


def date_lines(image: Any, words: list[Any], latest: date | None = None,
               earliest: date | None = None) -> list[DateLine]:
    """Every "Date:" label of a page (an RGB array, at the resolution of `words`' boxes) and what its line
    reads as (a date from `earliest` up to `latest`)."""
    reader, checker, _ = _recognizers()
    out = []
    for word, boxes in lines(image, words):
        iso, ink, stamped = read_line(image, boxes, reader, checker, latest, earliest)
        out.append(DateLine(word, ink, iso, stamped))
    return out


def _partners(lines: list[DateLine]) -> dict[Box, DateLine]:
    """Each label's partner: the other column's label level with it ("Date:" of the LEA and of ICE side by
    side). Tesseract may put the two on separate text lines, the right one first; the signature parser
    tells the columns apart by their order on one line."""
    out = {}
    for a in lines:
        for b in lines:
            if a is not b and _side_by_side(a.label, b.label):
                out[a.label] = b
    return out


def substitute(base: OcrResult, lines: list[DateLine]) -> OcrResult:
    """`base` (the block reading the labels came from) with each agreed date put right after its label
    (written "Date:") and the words inside its ink box dropped; two labels level with each other are written
    on one line, left then right, each with its date if it has one. An empty text when no line gave a date."""
    inks = [line.ink for line in lines if line.iso and line.ink]
    if not inks:
        return OcrResult(text="", dpi=base.dpi)
    by_label = {line.label: line for line in lines}
    partner = _partners(lines)
    written: set[Box] = set()

    def inside(box: Box, ink: Box) -> bool:
        cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
        return ink[0] <= cx <= ink[2] and ink[1] <= cy <= ink[3]

    def label_and_date(line: DateLine, conf: float) -> tuple[list[str], list[Any]]:
        # The label as printed (the parser knows "Date:", not Tesseract's "ate:" or "Dat"), then the date.
        if not (line.iso and line.ink):
            return ["Date:"], [("Date:", conf, line.label)]
        month, day, year = int(line.iso[5:7]), int(line.iso[8:10]), line.iso[:4]
        # Written as the page wrote it, so the signature parser tells a stamp from handwriting.
        text = f"{_STAMP_MONTHS[month]} {day} {year}" if line.stamped else f"{month}/{day}/{year}"
        return ["Date:", text], [("Date:", conf, line.label), (text, 100.0, line.ink)]

    # Two labels already on one text line, left before right, stay where they are: written together at the
    # first, the left column's words would follow the right one's date (Highlands Co. FL's ICE stamp).
    in_order: set[Box] = set()
    k = 0
    for text_line in base.text.split("\n"):
        n = len(text_line.split())
        boxes = [tuple(w[2]) for w in base.words[k:k + n]]
        k += n
        for a in boxes:
            b = partner[a].label if a in partner else None
            if b in boxes and (boxes.index(a) < boxes.index(b)) == (a[0] < b[0]):
                in_order.add(a)
    words = iter(base.words)
    out_lines, out_words = [], []
    for text_line in base.text.split("\n"):
        kept = []
        for _ in text_line.split():
            word, conf, box = next(words, (None, 0.0, (0, 0, 0, 0)))
            if word is None:  # text and words out of step: not a reading this module made
                return OcrResult(text="", dpi=base.dpi)
            box = tuple(box)
            line = by_label.get(box)
            if line is not None and box in partner and box not in in_order:
                if box not in written:  # both columns' labels where the first of them stands
                    for one in sorted((line, partner[box]), key=lambda x: x.label[0]):
                        t, w = label_and_date(one, conf)
                        kept += t
                        out_words += w
                        written.add(one.label)
                continue
            if line is not None and line.iso and line.ink:
                t, w = label_and_date(line, conf)
                kept += t
                out_words += w
            elif not any(inside(box, ink) for ink in inks):
                kept.append(word)
                out_words.append((word, conf, box))
        out_lines.append(" ".join(kept))
    return OcrResult(text="\n".join(out_lines), words=out_words, mean_conf=base.mean_conf, dpi=base.dpi)


def reading(image: Any, base: OcrResult, latest: date | None = None, earliest: date | None = None) -> OcrResult:
    """The date-line reading of one page: `image` an RGB array at `base`'s resolution; no date after
    `latest` nor before `earliest`."""
    return substitute(base, date_lines(image, base.words, latest, earliest))
