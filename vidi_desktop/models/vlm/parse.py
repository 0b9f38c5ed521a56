"""Tolerant readers for what a vision-language model writes: times, ranges, boxes, JSON.

Models answer in many shapes: Qwen3-VL echoes its frame labels (``<12.5 seconds>``), others
write ``12.5-18 seconds``, ``from 00:01:02 to 00:01:10``, bare clock times, or JSON (often in
``` fences, often slightly broken). These functions find what they can and ignore the rest;
they never raise, whatever the text (a property test feeds them arbitrary strings).

Times come out as exact :class:`~fractions.Fraction` seconds as written (``"12.5"`` is
``25/2``, never a float); boxes as the four numbers written, in whatever coordinate space the
model used. Turning them into clip times and normalized boxes is :mod:`.results`' job, which
knows the dialect's rules and the clip.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

# Seconds beyond this are nonsense for any footage (about 11.5 days) and would only make
# huge Fractions out of garbage digits.
MAX_SECONDS = Fraction(10**6)
# The longest model answer we look at: anything past this is runaway generation.
MAX_TEXT = 20_000
# How many JSON start positions to try in one text (bounds the work on garbage).
_MAX_JSON_TRIES = 200
_MAX_JSON_DEPTH = 32


@dataclass(frozen=True, slots=True)
class Span:
    """A time the model named: a range (``end`` set) or an instant (``end`` None), in seconds.

    ``label`` is the text that went with it on its line (a chapter title, an event name).
    """

    start: Fraction
    end: Fraction | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class RawBox:
    """Four box numbers as the model wrote them, and the time they go with (None: not said)."""

    t: Fraction | None
    coords: tuple[float, float, float, float]
    label: str = ""


# -- numbers and single times ----------------------------------------------------------------

_NUM = r"\d{1,9}(?:\.\d{1,9})?"
_SEC_UNIT = r"(?:seconds?|secs?|sec\.|s)(?![A-Za-z])"
_MIN_UNIT = r"(?:minutes?|mins?)(?![A-Za-z])"
_MS_UNIT = r"(?:milliseconds?|ms)(?![A-Za-z])"

# One time mention; alternatives are tried in this order at each position.
_MENTION = re.compile(
    r"(?P<tag><\s*(?P<tag_num>" + _NUM + r")\s*(?:" + _SEC_UNIT + r")?\s*>)"
    r"|(?P<clock>(?<![\d:.])\d{1,2}(?::\d{2}){1,3}(?:[.,]\d{1,6})?(?!\d|:\d))"
    r"|(?P<unit>(?<![\w.])(?P<unit_num>" + _NUM + r")\s*(?P<unit_name>"
    + _MS_UNIT + "|" + _MIN_UNIT + "|" + _SEC_UNIT + r"))"
    r"|(?P<bare>(?<![\w.:])" + _NUM + r"(?!\w|[.:]\d))"
)
# Between two mentions, what makes them one range.
_CONNECTOR = re.compile(r"\s*(?:-|–|—|~|to|until|till|through|thru|and)\s*", re.IGNORECASE)
_RANGE_LEAD = re.compile(r"(?:from|between|during|in)\s*$", re.IGNORECASE)
_BETWEEN_LEAD = re.compile(r"between\s*$", re.IGNORECASE)
# Text that is nothing but ranges of bare numbers ("12.5-18, 30-35"): then bare numbers count.
_ONLY_NUMBERS = re.compile(r"[\s\d.,;:\-–—~\[\]()]*", re.ASCII)


def _fraction(text: str) -> Fraction | None:
    try:
        value = Fraction(text.replace(",", "."))
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return value if 0 <= value <= MAX_SECONDS else None


def number_seconds(value: object) -> Fraction | None:
    """Exact seconds from a JSON number (decimal as written: ``0.1`` is ``1/10``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value) if 0 <= value <= MAX_SECONDS else None
    if isinstance(value, float):
        # repr is the shortest decimal that reads back as this float: "12.5", "1e-05".
        return _fraction(repr(value)) if math.isfinite(value) else None
    return None


def clock_seconds(text: str, rate: Fraction | None = None) -> Fraction | None:
    """``MM:SS``, ``HH:MM:SS``, ``HH:MM:SS.mmm`` (or ``,mmm``) or ``HH:MM:SS:FF`` in seconds.

    Frames (``:FF``) count only when ``rate`` is known; without it they are dropped (the
    second is right, the fraction of it unknown).
    """
    decimal = Fraction(0)
    main = text
    m = re.search(r"[.,](\d+)$", text)
    if m:
        decimal = Fraction(int(m.group(1)), 10 ** len(m.group(1)))
        main = text[: m.start()]
    parts = main.split(":")
    if not all(p.isdecimal() for p in parts) or not 2 <= len(parts) <= 4:
        return None
    nums = [int(p) for p in parts]
    frames = Fraction(0)
    if len(nums) == 4:
        if decimal:
            return None  # "HH:MM:SS:FF.x" is no format anyone writes
        if rate is not None and rate > 0 and nums[3] < rate:
            frames = nums[3] / rate
        nums = nums[:3]
    if any(n >= 60 for n in nums[1:]):
        return None
    if len(nums) == 2:
        nums = [0, *nums]
    seconds = nums[0] * 3600 + nums[1] * 60 + nums[2] + decimal + frames
    return seconds if seconds <= MAX_SECONDS else None


@dataclass(frozen=True, slots=True)
class _Mention:
    start: int  # span in the text
    end: int
    seconds: Fraction
    bare: bool  # a number without unit: a time only as part of a range


def _mentions(text: str, rate: Fraction | None) -> list[_Mention]:
    found: list[_Mention] = []
    for m in _MENTION.finditer(text):
        seconds: Fraction | None
        bare = False
        if m.group("tag"):
            seconds = _fraction(m.group("tag_num"))
        elif m.group("clock"):
            seconds = clock_seconds(m.group("clock"), rate)
        elif m.group("unit"):
            seconds = _fraction(m.group("unit_num"))
            unit = m.group("unit_name").lower()
            if seconds is not None and (unit == "ms" or unit.startswith("milli")):
                seconds = seconds / 1000
            elif seconds is not None and unit.startswith("min"):
                seconds = seconds * 60 if seconds * 60 <= MAX_SECONDS else None
        else:
            seconds = _fraction(m.group("bare"))
            bare = True
        if seconds is not None:
            found.append(_Mention(m.start(), m.end(), seconds, bare))
    return found


# -- spans (ranges and instants) in free text --------------------------------------------------


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, (len(text) if end < 0 else end)


_LABEL_JUNK = " \t\r\"'`*#>|:;,.-–—()[]{}"
_LEAD_WORDS = re.compile(
    r"^(?:(?:\d+[.)]\s+)|(?:from|between|at|during|in|chapter\s*\d*)\b\s*)+", re.IGNORECASE
)


_TRAIL_WORDS = re.compile(
    r"(?:\s+\b(?:from|between|at|during|in|is|are|happens|occurs|starts)\b)+\s*$", re.IGNORECASE
)


def _clean_label(text: str) -> str:
    text = _LEAD_WORDS.sub("", text.strip(_LABEL_JUNK)).strip(_LABEL_JUNK)
    text = _TRAIL_WORDS.sub("", text).strip(_LABEL_JUNK)
    text = re.sub(r"\s+", " ", text)
    return text[:200]


def text_spans(text: str, rate: Fraction | None = None) -> list[Span]:
    """Ranges and instants written in plain text, in the order they appear.

    Two mentions joined by ``-``, ``to``, ``until`` (or ``and`` after ``between``) are one
    range. A bare number (no unit, no ``<…>``, no colon) is a time only inside a range that
    has a unit on one end, follows ``from``/``between``, or in a text made of numbers only.
    """
    text = _safe_text(text)
    mentions = _mentions(text, rate)
    only_numbers = bool(_ONLY_NUMBERS.fullmatch(text))
    spans: list[Span] = []
    used_end = 0  # text already consumed by the previous span (labels stop there)
    i = 0
    while i < len(mentions):
        a = mentions[i]
        b = mentions[i + 1] if i + 1 < len(mentions) else None
        lead = text[max(0, a.start - 12) : a.start]
        if b is not None and _joins(text, a, b, lead):
            rng_ok = (
                not (a.bare and b.bare) or only_numbers or bool(_RANGE_LEAD.search(lead))
            )
            if rng_ok:
                label = _label_for(text, a.start, b.end, mentions, i + 2, used_end)
                spans.append(Span(a.seconds, b.seconds, label))
                used_end = b.end
                i += 2
                continue
        if not a.bare:
            label = _label_for(text, a.start, a.end, mentions, i + 1, used_end)
            spans.append(Span(a.seconds, None, label))
            used_end = a.end
        i += 1
    return spans


def _joins(text: str, a: _Mention, b: _Mention, lead: str) -> bool:
    between = text[a.end : b.start]
    if not _CONNECTOR.fullmatch(between):
        return False
    if between.strip().lower() == "and":
        return bool(_BETWEEN_LEAD.search(lead))
    return True


def _label_for(
    text: str, start: int, end: int, mentions: list[_Mention], next_i: int, used_end: int
) -> str:
    """The words on the span's line: after it (up to the next time), else before it."""
    line_start, line_end = _line_bounds(text, start)
    stop = line_end
    if next_i < len(mentions) and mentions[next_i].start < line_end:
        stop = mentions[next_i].start
    after = _clean_label(text[end:stop])
    if after:
        return after
    return _clean_label(text[max(line_start, used_end) : start])


def _safe_text(text: object) -> str:
    if not isinstance(text, str):
        return ""
    return text[:MAX_TEXT]


# -- JSON ------------------------------------------------------------------------------------

_FENCE = re.compile(r"```[ \t]*[A-Za-z0-9_+-]*[ \t]*\n?(.*?)(?:```|$)", re.DOTALL)


def json_values(text: str) -> list[Any]:
    """Every JSON value in the text: fenced blocks first, else any ``{…}``/``[…]`` found.

    Slightly broken JSON (single quotes, trailing commas, Python ``True``/``None``) is
    repaired where that is unambiguous; what cannot be read is skipped.
    """
    text = _safe_text(text)
    blocks = [m.group(1) for m in _FENCE.finditer(text)] if "```" in text else []
    values: list[Any] = []
    for block in blocks or [text]:
        values.extend(_scan_json(block))
    if blocks and not values:
        values = _scan_json(_FENCE.sub(" ", text))
    return values


def _scan_json(text: str) -> list[Any]:
    whole = _loads(text.strip())
    if whole is not _FAIL and isinstance(whole, dict | list):
        return [whole]
    values: list[Any] = []
    decoder = json.JSONDecoder()
    pos, tries = 0, 0
    while tries < _MAX_JSON_TRIES:
        starts = [p for p in (text.find("{", pos), text.find("[", pos)) if p >= 0]
        if not starts:
            break
        start = min(starts)
        tries += 1
        value, end = _raw_decode(decoder, text, start)
        if value is _FAIL:
            pos = start + 1
            continue
        if isinstance(value, dict | list):
            values.append(value)
        pos = max(end, start + 1)
    return values


_FAIL = object()


def _loads(text: str) -> Any:
    for candidate in (text, _repair(text)):
        try:
            return json.loads(candidate)
        except (ValueError, RecursionError, TypeError):
            continue
    return _FAIL


def _raw_decode(decoder: json.JSONDecoder, text: str, start: int) -> tuple[Any, int]:
    try:
        return decoder.raw_decode(text, start)
    except (ValueError, RecursionError):
        pass
    # Repair only the stretch up to the matching bracket, so one broken object does not
    # swallow the rest of the text.
    end = _matching_bracket(text, start)
    if end is None:
        return _FAIL, start + 1
    value = _loads(text[start : end + 1])
    return value, end + 1


def _matching_bracket(text: str, start: int) -> int | None:
    depth = 0
    quote: str | None = None
    escaped = False
    for i in range(start, min(len(text), start + 5_000)):
        c = text[i]
        if quote:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth == 0:
                return i
    return None


def _repair(text: str) -> str:
    # Python-style literals and quotes, trailing commas: the usual small-model slips.
    fixed = re.sub(r"'([^'\"\\]*)'", r'"\1"', text)
    fixed = re.sub(r",\s*([}\]])", r"\1", fixed)
    fixed = re.sub(r"\bTrue\b", "true", fixed)
    fixed = re.sub(r"\bFalse\b", "false", fixed)
    return re.sub(r"\bNone\b", "null", fixed)


def _walk(value: Any, depth: int = 0) -> Iterator[Any]:
    """Every dict and list inside a JSON value (depth-first, bounded depth)."""
    if depth > _MAX_JSON_DEPTH:
        return
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _walk(v, depth + 1)
    elif isinstance(value, list):
        yield value
        for v in value:
            yield from _walk(v, depth + 1)


_START_KEYS = (
    "start", "start_time", "starttime", "start_sec", "start_seconds", "begin", "from", "t_start",
)
_END_KEYS = ("end", "end_time", "endtime", "end_sec", "end_seconds", "stop", "to", "t_end")
_SPAN_KEYS = ("timestamps", "timestamp", "time", "times", "span", "segment", "range",
              "time_range", "interval")
_LABEL_KEYS = ("title", "label", "event", "description", "caption", "name", "text", "summary",
               "chapter", "object")
_BOX_KEYS = ("bbox_2d", "bbox", "box_2d", "box", "bounding_box", "bndbox")
_COORD_KEYS = (*_BOX_KEYS, "point_2d", "point", "points", "keypoints")
_TIME_KEYS = ("time", "timestamp", "t", "second", "seconds", "sec", "frame_time", "time_sec",
              "time_s", "ts")


def _lower_keys(d: dict[Any, Any]) -> dict[str, Any]:
    return {k.lower().strip(): v for k, v in d.items() if isinstance(k, str)}


def value_seconds(value: Any, rate: Fraction | None = None) -> Fraction | None:
    """Seconds from a JSON value: a number, or a string holding one time (unit optional)."""
    if isinstance(value, str):
        mentions = _mentions(_safe_text(value)[:200], rate)
        return mentions[0].seconds if mentions else None
    return number_seconds(value)


def _label_of(d: dict[str, Any]) -> str:
    for key in _LABEL_KEYS:
        v = d.get(key)
        if isinstance(v, str) and v.strip():
            return _clean_label(v)
    return ""


def json_spans(values: list[Any], rate: Fraction | None = None) -> list[Span]:
    """Ranges and instants in parsed JSON: ``{"start":…, "end":…}``, ``[[s, e], …]``,
    ``{"time": "12-18 seconds"}``, ``{"timestamps": [s, e]}``…"""
    spans: list[Span] = []

    def visit(node: Any, depth: int) -> None:
        if depth > _MAX_JSON_DEPTH:
            return
        if isinstance(node, dict):
            d = _lower_keys(node)
            if any(k in d for k in _COORD_KEYS):
                return  # a box's or point's numbers and time are not a range
            found = _dict_spans(d, rate)
            if found:
                spans.extend(found)
                return  # its children were read with it
            for v in node.values():
                visit(v, depth + 1)
        elif isinstance(node, list):
            if _is_pair(node):
                s, e = number_seconds(node[0]), number_seconds(node[1])
                if s is not None and e is not None:
                    spans.append(Span(s, e))
                return
            for v in node:
                visit(v, depth + 1)

    for value in values:
        visit(value, 0)
    return spans


def _is_pair(node: Any) -> bool:
    return (
        isinstance(node, list)
        and len(node) == 2
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in node)
    )


def _dict_spans(d: dict[str, Any], rate: Fraction | None) -> list[Span]:
    label = _label_of(d)
    start = next((value_seconds(d[k], rate) for k in _START_KEYS if k in d), None)
    end = next((value_seconds(d[k], rate) for k in _END_KEYS if k in d), None)
    if start is not None:
        return [Span(start, end, label)]
    for key in _SPAN_KEYS:
        if key not in d:
            continue
        v = d[key]
        if _is_pair(v):
            s, e = number_seconds(v[0]), number_seconds(v[1])
            if s is not None and e is not None:
                return [Span(s, e, label)]
        elif isinstance(v, list) and v and all(_is_pair(x) for x in v):
            pairs = [(number_seconds(x[0]), number_seconds(x[1])) for x in v]
            return [Span(a, b, label) for a, b in pairs if a is not None and b is not None]
        elif isinstance(v, str):
            found = text_spans(v[:500], rate)
            if found:
                return [Span(sp.start, sp.end, label or sp.label) for sp in found]
        else:
            s = number_seconds(v)
            if s is not None:
                return [Span(s, None, label)]
    return []


# -- boxes -----------------------------------------------------------------------------------


def _four(value: Any) -> tuple[float, float, float, float] | None:
    """``[x0, y0, x1, y1]`` or ``[[x0, y0], [x1, y1]]`` as four finite floats."""
    if isinstance(value, list) and len(value) == 2 and all(
        isinstance(p, list) and len(p) == 2 for p in value
    ):
        value = [*value[0], *value[1]]
    if not isinstance(value, list) or len(value) != 4:
        return None
    out: list[float] = []
    for x in value:
        if isinstance(x, bool) or not isinstance(x, int | float):
            return None
        try:
            f = float(x)
        except OverflowError:
            return None
        if not math.isfinite(f):
            return None
        out.append(f)
    return (out[0], out[1], out[2], out[3])


def _coords_list(value: Any) -> list[tuple[float, float, float, float]]:
    """One box (``_four``) or a list of them."""
    one = _four(value)
    if one is not None:
        return [one]
    if isinstance(value, list):
        return [c for c in (_four(v) for v in value[:1000]) if c is not None]
    return []


def json_boxes(values: list[Any], rate: Fraction | None = None) -> list[RawBox]:
    """Boxes in parsed JSON: ``{"bbox_2d": [...], "time": …, "label": …}``, or a mapping
    from times to boxes (``{"<1.0 seconds>": [x0, y0, x1, y1]}``)."""
    boxes: list[RawBox] = []
    for value in values:
        for node in _walk(value):
            if not isinstance(node, dict):
                continue
            d = _lower_keys(node)
            key = next((k for k in _BOX_KEYS if k in d and _coords_list(d[k])), None)
            if key is not None:
                t = next((value_seconds(d[k], rate) for k in _TIME_KEYS if k in d), None)
                label = _label_of(d)
                boxes.extend(RawBox(t, c, label) for c in _coords_list(d[key]))
                continue
            for k, v in node.items():
                if not isinstance(k, str):
                    continue
                coords = _coords_list(v)
                t = value_seconds(k, rate) if coords else None
                if t is not None:
                    boxes.extend(RawBox(t, c) for c in coords)
    return boxes


_TEXT_BOX = re.compile(
    r"[\[(]\s*(-?\d{1,6}(?:\.\d+)?)\s*,\s*(-?\d{1,6}(?:\.\d+)?)\s*[\])]?\s*,?\s*[\[(]?\s*"
    r"(-?\d{1,6}(?:\.\d+)?)\s*,\s*(-?\d{1,6}(?:\.\d+)?)\s*[\])]"
)


def text_boxes(text: str, rate: Fraction | None = None) -> list[RawBox]:
    """Boxes written as ``[x0, y0, x1, y1]`` or ``(x0,y0),(x1,y1)`` in plain text; each takes
    the last time mentioned before it (None when none was)."""
    text = _safe_text(text)
    mentions = [m for m in _mentions(text, rate) if not m.bare]
    boxes: list[RawBox] = []
    for m in _TEXT_BOX.finditer(text):
        coords = tuple(float(g) for g in m.groups())
        before = [x for x in mentions if x.end <= m.start()]
        t = before[-1].seconds if before else None
        boxes.append(RawBox(t, coords))  # type: ignore[arg-type]
    return boxes


# -- the entry points ----------------------------------------------------------------------------


def parse_spans(text: str, rate: Fraction | None = None) -> list[Span]:
    """Every time range or instant in a model's answer: from its JSON when it wrote JSON with
    times in it, else from the text. Never raises (property-tested on arbitrary text)."""
    spans = json_spans(json_values(text), rate)
    return spans if spans else text_spans(text, rate)


def parse_boxes(text: str, rate: Fraction | None = None) -> list[RawBox]:
    """Every box in a model's answer (JSON first, else ``[x0, y0, x1, y1]`` in text)."""
    boxes = json_boxes(json_values(text), rate)
    return boxes if boxes else text_boxes(text, rate)


def strip_markup(text: str) -> str:
    """The answer as prose for an editor: code fences and special tokens removed, trimmed."""
    if not isinstance(text, str):
        return ""
    text = re.sub(r"<\|[^|>]{1,40}\|>", "", text[:MAX_TEXT])
    text = re.sub(r"```[A-Za-z0-9_+-]*", "", text)
    return text.strip()
