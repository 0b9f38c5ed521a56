"""Parameters of a plain-language request, read by rules: durations, counts, aspect ratios,
quoted phrases, time windows and the knobs of silence removal.

Editors write "ten 30-second highlights for TikTok from the first 5 minutes": the window
("the first 5 minutes") is read first and taken out of the text, so its "5 minutes" is not
mistaken for the clip length; then the silence knobs ("keep pauses under 0.5 s"), the
aspect ratio, the clip length and last the count ("ten"). Each rule consumes the words it
used, so no number is read twice. Everything here is plain Python: no model, no media.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Literal

# -- numbers ------------------------------------------------------------------------------------

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_PHRASE_NUMBERS = {
    "a dozen": 12,
    "half a dozen": 6,
    "a couple of": 2,
    "a couple": 2,
    "a pair of": 2,
    "a few": 3,
    "a handful of": 5,
    "a single": 1,
    "a hundred": 100,
}
_WORD_NUM = (
    r"(?:(?:"
    + "|".join(_TENS)
    + r")(?:[- ](?:"
    + "|".join(k for k in _UNITS if k != "zero")
    + r"))?|"
    + "|".join(sorted(_UNITS, key=len, reverse=True))
    + r")"
)
_DIGITS = r"\d+(?:[.,]\d+)?"
NUMBER = rf"(?:{_DIGITS}|{_WORD_NUM})"
"""A number written with digits (``30``, ``0.5``, ``1,5``) or words (``thirty-five``)."""


def number_value(text: str) -> Fraction:
    """The value of a :data:`NUMBER` match (``"0.5"`` → 1/2, ``"twenty-five"`` → 25)."""
    t = text.strip().lower()
    if re.fullmatch(_DIGITS, t):
        return Fraction(t.replace(",", "."))
    parts = re.split(r"[- ]", t)
    total = 0
    for p in parts:
        total += _TENS.get(p, 0) + _UNITS.get(p, 0)
    return Fraction(total)


# -- durations ----------------------------------------------------------------------------------

_UNIT_SECONDS = {
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "ms": Fraction(1, 1000),
    "millisecond": Fraction(1, 1000),
    "milliseconds": Fraction(1, 1000),
}
_UNIT = r"(?:milliseconds?|ms|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)"
_CLOCK = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:\.\d+)?"
_NAMED_DURATIONS = {
    "half a minute": Fraction(30),
    "half an hour": Fraction(1800),
    "a minute and a half": Fraction(90),
    "an hour and a half": Fraction(5400),
    "a quarter of an hour": Fraction(900),
    "quarter of an hour": Fraction(900),
    "a quarter hour": Fraction(900),
    "an hour": Fraction(3600),
    "a minute": Fraction(60),
    "a second": Fraction(1),
    "a half second": Fraction(1, 2),
    "half a second": Fraction(1, 2),
}
_NAMED = "|".join(re.escape(k) for k in sorted(_NAMED_DURATIONS, key=len, reverse=True))
# "30-second", "30 s", "1 minute 30", "2m30s", "1.5 minutes", "1 and a half minutes".
_AMOUNT = (
    rf"{NUMBER}(?:\s+and\s+a\s+half)?\s*-?\s*{_UNIT}"
    rf"(?:\s*(?:and\s+)?{_DIGITS}\s*-?\s*{_UNIT}|\s+{_DIGITS}(?!\s*[:.\d]))?"
)
DURATION = rf"(?:{_CLOCK}|{_NAMED}|{_AMOUNT})"
"""A span of time: ``1:30``, ``half a minute``, ``30-second``, ``2 min``, ``2m30s``…"""

_AMOUNT_RE = re.compile(
    rf"(?P<n>{NUMBER})(?P<half>\s+and\s+a\s+half)?\s*-?\s*(?P<u>{_UNIT})"
    rf"(?:\s*(?:and\s+)?(?P<n2>{_DIGITS})\s*-?\s*(?P<u2>{_UNIT})|\s+(?P<n3>{_DIGITS}))?$"
)


def duration_value(text: str) -> Fraction:
    """Seconds in a :data:`DURATION` match; ``ValueError`` when it is not one."""
    t = re.sub(r"\s+", " ", text.strip().lower())
    if t in _NAMED_DURATIONS:
        return _NAMED_DURATIONS[t]
    if re.fullmatch(_CLOCK, t):
        parts = t.split(":")
        total = Fraction(0)
        for p in parts:
            total = total * 60 + Fraction(p)
        return total
    m = _AMOUNT_RE.fullmatch(t)
    if m is None:
        raise ValueError(f"not a duration: {text!r}")
    unit = Fraction(_UNIT_SECONDS[m["u"]])
    value = number_value(m["n"]) + (Fraction(1, 2) if m["half"] else 0)
    seconds = value * unit
    if m["n2"]:
        seconds += Fraction(m["n2"]) * Fraction(_UNIT_SECONDS[m["u2"]])
    elif m["n3"]:
        # "1 minute 30": the bare number counts in the next smaller unit.
        smaller = {3600: 60, 60: 1}.get(int(unit) if unit >= 1 else 0, 0)
        seconds += Fraction(m["n3"]) * smaller
    return seconds


def format_seconds(seconds: Fraction | float) -> str:
    """``75.5`` → ``"1:15.5"``, ``3600`` → ``"1:00:00"`` (for messages)."""
    s = Fraction(seconds)
    sign = "-" if s < 0 else ""
    s = abs(s)
    whole = int(s)
    frac = float(s - whole)
    h, rest = divmod(whole, 3600)
    m, sec = divmod(rest, 60)
    tail = f"{frac:.1f}"[1:] if frac >= 0.05 else ""
    if h:
        return f"{sign}{h}:{m:02d}:{sec:02d}{tail}"
    return f"{sign}{m}:{sec:02d}{tail}"


# -- windows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A part of the footage named in words, resolved against its length by :meth:`resolve`.

    ``start``/``end`` are seconds from the beginning; ``last`` is the final seconds ("the
    last 30 seconds"); ``part`` a fraction of the length ("the second half", "the intro");
    ``before_last`` everything but the final seconds ("before the last minute"). Any of them
    may be None (open).
    """

    start: Fraction | None = None
    end: Fraction | None = None
    last: Fraction | None = None
    part: tuple[Fraction, Fraction] | None = None
    before_last: Fraction | None = None  # "before the last minute": all but the final seconds
    text: str = ""

    def resolve(self, duration: Fraction) -> tuple[Fraction, Fraction]:
        """``(start, end)`` in seconds from the beginning of footage ``duration`` long.

        The result may lie outside ``[0, duration]``: the caller says so to the editor
        rather than silently clamping a request for minute 10 of a 20-second clip.
        """
        if self.last is not None:
            return max(Fraction(0), duration - self.last), duration
        if self.before_last is not None:
            return Fraction(0), duration - self.before_last
        if self.part is not None:
            return self.part[0] * duration, self.part[1] * duration
        start = self.start if self.start is not None else Fraction(0)
        end = self.end if self.end is not None else max(duration, start)
        return start, end

    def describe(self) -> str:
        """The window in words, for messages ("0:00–5:00", "the last 0:30")."""
        if self.last is not None:
            return f"the last {format_seconds(self.last)}"
        if self.before_last is not None:
            return f"all but the last {format_seconds(self.before_last)}"
        if self.part is not None:
            return f"{float(self.part[0]):.0%}–{float(self.part[1]):.0%} of the footage"
        a = format_seconds(self.start) if self.start is not None else "start"
        b = format_seconds(self.end) if self.end is not None else "end"
        return f"{a}–{b}"


_POINT = rf"(?:{_CLOCK}|(?:the\s+)?{DURATION}(?:\s+mark)?|minute\s+{NUMBER})"
_FIRST = r"(?:first|opening|initial|beginning|start)"
_LAST = r"(?:last|final|closing|ending|end)"
INTRO_SHARE = Fraction(1, 10)
"""How much of the footage "the intro" / "the outro" names: its first / last tenth."""

_ORDINAL_INDEX = {
    "first": 0,
    "front": 0,
    "opening": 0,
    "initial": 0,
    "second": 1,
    "third": 2,
    "fourth": 3,
    "middle": -2,  # the middle third; no middle half or quarter
    "last": -1,
    "final": -1,
    "back": -1,
    "latter": -1,
    "closing": -1,
}
_FRACTIONS = {"half": 2, "third": 3, "quarter": 4}
_NAMED_PARTS = {
    "intro": (Fraction(0), INTRO_SHARE),
    "introduction": (Fraction(0), INTRO_SHARE),
    "opening": (Fraction(0), INTRO_SHARE),
    "outro": (1 - INTRO_SHARE, Fraction(1)),
    "ending": (1 - INTRO_SHARE, Fraction(1)),
    "conclusion": (1 - INTRO_SHARE, Fraction(1)),
    "closing": (1 - INTRO_SHARE, Fraction(1)),
}
_PART = (
    rf"(?:the\s+)?(?:(?P<ord>{'|'.join(_ORDINAL_INDEX)})\s+(?P<frac>{'|'.join(_FRACTIONS)})\b"
    rf"|(?P<pcw>first|opening|initial|last|final|closing)\s+(?P<pc>\d+(?:\.\d+)?)\s*"
    rf"(?:%|percent\b|per\s+cent\b)"
    rf"|(?P<named>{'|'.join(_NAMED_PARTS)})\b(?!\s*(?:{NUMBER}|-))(?:\s+(?:part|section|bit))?)"
)
_WINDOW_RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        "between",
        re.compile(
            rf"\b(?:between|from)\s+(?P<a>{_POINT})\s+(?:and|to|until|till|-|–)\s+(?P<b>{_POINT})"
        ),
    ),
    ("range", re.compile(rf"(?<![\w:])(?P<a>{_CLOCK})\s*(?:-|–|to)\s*(?P<b>{_CLOCK})(?![\w:])")),
    (
        # "after the first 30 seconds": what follows them, not the 30 seconds themselves
        "after_first",
        re.compile(
            rf"\b(?:after|past|skip(?:ping)?)\s+(?:the\s+)?{_FIRST}\s+"
            rf"(?P<d>{DURATION}|{NUMBER}\s*-?\s*{_UNIT}|minute|hour|second)\b"
        ),
    ),
    (
        "before_last",
        re.compile(
            rf"\b(?:before|until|till|up\s+to)\s+(?:the\s+)?{_LAST}\s+"
            rf"(?P<d>{DURATION}|{NUMBER}\s*-?\s*{_UNIT}|minute|hour|second)\b"
        ),
    ),
    (
        "part",
        re.compile(
            rf"\b(?:(?P<rel>after|past|before|until|till|up\s+to)\s+|(?:in|during|within|for|"
            rf"from|of|over|throughout)\s+)?{_PART}"
        ),
    ),
    (
        "first",
        re.compile(
            rf"\b(?:in\s+|within\s+|during\s+|from\s+|over\s+|of\s+)?(?:the\s+)?{_FIRST}\s+"
            rf"(?P<d>{DURATION}|{NUMBER}\s*-?\s*{_UNIT}|minute|hour|second)\b"
        ),
    ),
    (
        "last",
        re.compile(
            rf"\b(?:in\s+|within\s+|during\s+|from\s+|over\s+|of\s+)?(?:the\s+)?{_LAST}\s+"
            rf"(?P<d>{DURATION}|{NUMBER}\s*-?\s*{_UNIT}|minute|hour|second)\b"
        ),
    ),
    (
        "after",
        re.compile(
            rf"\b(?:after|past|since|starting\s+(?:at|from)|from)\s+(?P<a>{_POINT})"
            rf"(?:\s+(?:on|onwards?|and\s+later))?"
        ),
    ),
    ("before", re.compile(rf"\b(?:before|until|till|up\s+to|by)\s+(?P<b>{_POINT})")),
]


def _part_value(m: re.Match[str]) -> tuple[Fraction, Fraction] | None:
    """The fraction of the footage a :data:`_PART` match names, or None when it names none."""
    if m["frac"]:
        n = _FRACTIONS[m["frac"]]
        i = _ORDINAL_INDEX[m["ord"]]
        if i == -2:
            if n != 3:
                return None
            i = 1
        elif i < 0:
            i = n - 1
        if i >= n:
            return None  # "the third half"
        return Fraction(i, n), Fraction(i + 1, n)
    if m["pc"]:
        share = Fraction(m["pc"]) / 100
        if not 0 < share <= 1:
            return None
        if m["pcw"] in ("last", "final", "closing"):
            return 1 - share, Fraction(1)
        return Fraction(0), share
    return _NAMED_PARTS[m["named"]]


def _point_value(text: str) -> Fraction:
    t = re.sub(r"\s+", " ", text.strip().lower())
    t = re.sub(r"^the ", "", t)
    t = re.sub(r" mark$", "", t)
    m = re.fullmatch(rf"minute ({NUMBER})", t)
    if m:
        return number_value(m[1]) * 60
    return duration_value(t)


def _span_value(text: str) -> Fraction:
    t = text.strip().lower()
    if t in ("minute", "hour", "second"):
        return Fraction(_UNIT_SECONDS[t])
    return duration_value(t)


def _find_window(text: str) -> tuple[Window, tuple[int, int]] | None:
    for kind, pattern in _WINDOW_RULES:
        for m in pattern.finditer(text):
            try:
                if kind in ("between", "range"):
                    a, b = _point_value(m["a"]), _point_value(m["b"])
                    if b <= a:
                        continue
                    w = Window(start=a, end=b)
                elif kind == "part":
                    part = _part_value(m)
                    if part is None:
                        continue
                    if m["rel"] in ("after", "past"):
                        part = (part[1], Fraction(1))
                    elif m["rel"] is not None:
                        part = (Fraction(0), part[0])
                    if part[1] <= part[0]:
                        continue
                    w = Window(part=part)
                elif kind == "after_first":
                    w = Window(start=_span_value(m["d"]))
                elif kind == "before_last":
                    w = Window(before_last=_span_value(m["d"]))
                elif kind == "first":
                    w = Window(start=Fraction(0), end=_span_value(m["d"]))
                elif kind == "last":
                    w = Window(last=_span_value(m["d"]))
                elif kind == "after":
                    w = Window(start=_point_value(m["a"]))
                else:
                    w = Window(end=_point_value(m["b"]))
            except ValueError:
                continue
            return replace(w, text=m[0].strip()), m.span()
    return None


# Words that name the footage itself, or what the analysers find, after "during/before…":
# "silences during the interview" is the whole interview, "silence before the cut" no window.
_NOT_A_PART = frozenset(
    """video clip clips footage interview recording file audio talk podcast film movie vlog
    webinar lecture episode stream show whole thing entire rest cut cuts pause pauses silence
    silences word words speech sentence sentences line lines phrase shot shots scene scenes
    transition transitions fade fades edit edits subtitle subtitles caption captions highlight
    highlights clip moment moments chapter chapters one ones each every end start beginning
    first last""".split()  # noqa: SIM905
)
_PROGRAMME_PARTS = (
    r"acts?|q&a|q and a|qa|intermission|interval|credits|commercials?|ad\s+breaks?|breaks?|"
    r"halftime|half-time|overtime|kick-?off|keynote|encore|chorus|verse|bridge|innings?"
)
_ORDINAL_PARTS = r"segments?|parts?|sections?|rounds?|sets?|periods?|sessions?|halves"
_UNREAD_WINDOW = [
    re.compile(
        r"\b(?:during|throughout|before|after|until|till|since)\s+"
        r"(?:the|a|an|his|her|their|our|my|your)\s+(?P<np>[\w&'-]+(?:\s+[\w&'-]+)?)"
    ),
    re.compile(
        rf"\b(?:in|from|within|for|of|at)\s+the\s+(?P<np>(?:(?:\w+)\s+)?(?:{_PROGRAMME_PARTS}))\b"
    ),
    re.compile(
        r"\b(?:in|from|within|for|of|at)\s+the\s+(?P<np>(?:second|third|fourth|fifth|next|"
        rf"other|later|earlier|previous)\s+(?:{_ORDINAL_PARTS}))\b"
    ),
]


def _find_unread_window(text: str) -> str | None:
    """A part of the footage named in words no rule can place ("during the Q&A"), or None.

    Read after the windows that could be placed were taken out of ``text``.
    """
    for pattern in _UNREAD_WINDOW:
        for m in pattern.finditer(text):
            first = m["np"].split()[0]
            if pattern is _UNREAD_WINDOW[0] and first in _NOT_A_PART:
                continue
            return m.group(0).strip()
    return None


# -- aspect ratios --------------------------------------------------------------------------------

_ASPECT_WORDS: list[tuple[str, str]] = [
    (
        r"\b(?:tik\s?tok|reels?|instagram\s+reels?|(?:youtube\s+)?shorts|stories|story|snapchat)\b",
        "9:16",
    ),
    (r"\b(?:vertical(?:ly)?|portrait|upright|phone[- ]sized?|mobile)\b", "9:16"),
    (r"\bsquare\b", "1:1"),
    (r"\b(?:instagram\s+(?:feed|post)|insta\s+post)\b", "4:5"),
    (r"\b(?:horizontal|landscape|widescreen|youtube)\b", "16:9"),
]
_ASPECT_RE = re.compile(r"(?<![\w:.])(\d{1,2})\s*(?::|/|\s+by\s+|\s*x\s*)\s*(\d{1,2})(?![\w:.])")
_KNOWN_RATIOS = {
    (9, 16),
    (16, 9),
    (1, 1),
    (4, 5),
    (5, 4),
    (4, 3),
    (3, 4),
    (2, 3),
    (3, 2),
    (21, 9),
    (9, 21),
    (2, 1),
    (1, 2),
}


def _find_aspect(text: str) -> tuple[str, tuple[int, int] | None] | None:
    """The aspect ratio written as numbers ("9:16", "4 by 5") or named by a word/platform."""
    for m in _ASPECT_RE.finditer(text):
        w, h = int(m[1]), int(m[2])
        before = text[: m.start()].rstrip()
        if re.search(r"\b(?:at|after|before|until|till|since|from|between|and)$", before):
            continue  # "after 9:16" is a time, not a ratio
        if (w, h) in _KNOWN_RATIOS:
            return f"{w}:{h}", m.span()
    found = [(m, aspect) for pattern, aspect in _ASPECT_WORDS if (m := re.search(pattern, text))]
    # "turn the vertical clip into landscape": the word after "to/into/for/as" is the target.
    for m, aspect in found:
        if re.search(r"\b(?:to|into|for|as)\s+(?:a\s+|an\s+|the\s+)?$", text[: m.start()]):
            return aspect, None
    if found:
        # A platform or a shape word names the ratio but is not removed: "vertical" also
        # tells the router what the request is about.
        return found[0][1], None
    return None


# -- quoted and spoken phrases ------------------------------------------------------------------

_QUOTES = [
    re.compile(r"\"([^\"]+)\""),
    re.compile(r"[“„]([^”“„]+)[”“]"),
    re.compile(r"‘([^’]+)’"),
    re.compile(r"«\s*([^»]+?)\s*»"),
    re.compile(r"(?<![\w'])'([^']+?)'(?![\w'])"),
]
_SAY = (
    r"(?:says?|said|saying|mentions?|mentioned|mentioning|utters?|uttered|pronounces?|"
    r"talks?\s+about|talked\s+about|talking\s+about|speaks?\s+about|spoke\s+about|"
    r"discuss(?:es|ed|ing)?|brings?\s+up|brought\s+up|refers?\s+to|"
    r"(?:part|bit|section|segment|portion|moment)s?\s+(?:about|on)|"
    r"the\s+words?|the\s+phrase|the\s+term|the\s+name)"
)
_UNQUOTED_PHRASE = re.compile(rf"\b{_SAY}\s+(?P<p>[^,.;:!?]+)")
_PHRASE_TAIL = re.compile(
    r"\s+(?:in|on|at|during|within|throughout|from)\s+(?:the\s+)?(?:video|clip|footage|"
    r"interview|recording|file|audio|transcript|talk)\b.*$|\s+(?:again|please|anywhere)\b.*$"
)


def _find_quoted(text: str) -> tuple[str, tuple[int, int]] | None:
    best: tuple[str, tuple[int, int]] | None = None
    for pattern in _QUOTES:
        m = pattern.search(text)
        if m and m[1].strip() and (best is None or m.start() < best[1][0]):
            best = (m[1].strip(), m.span())
    return best


_DISCUSSION = re.compile(
    r"\bthe\s+(?P<p>[a-z][\w'-]*(?:\s+[a-z][\w'-]*)?)\s+"
    r"(?:discussion|conversation|debate)\b"
)


def _find_spoken(text: str) -> str | None:
    """The words after "says", "mentions", "the word"… when they are not quoted."""
    m = _UNQUOTED_PHRASE.search(text)
    if m is None:
        m = _DISCUSSION.search(text)  # "find the budget discussion"
        return m["p"] if m else None
    phrase = _PHRASE_TAIL.sub("", m["p"]).strip()
    phrase = re.sub(r"^(?:the\s+(?:word|phrase|term|name)\s+|about\s+)", "", phrase)
    phrase = re.sub(r"^(?:the|a|an)\s+", "", phrase)
    phrase = re.sub(r"\s+(?:is|are|was|were|gets?|comes?)\s+(?:said|mentioned|up).*$", "", phrase)
    return phrase or None


# -- silence knobs ------------------------------------------------------------------------------

_SHORTER = r"(?:under|below|shorter\s+than|less\s+than|up\s+to|<=?|of\s+at\s+most|at\s+most)"
_LONGER = r"(?:over|above|longer\s+than|more\s+than|>=?|of\s+at\s+least|at\s+least|exceeding)"
_KEEP_PAUSES = re.compile(
    rf"\b(?:keep|leave|preserve|allow|don'?t\s+(?:cut|touch|remove)|do\s+not\s+(?:cut|touch|"
    rf"remove)|except|but\s+not|ignore|skip)\b[^.;]*?\b(?:pauses?|silences?|gaps?|breaths?)\b"
    rf"[^.;]*?{_SHORTER}\s*(?P<d>{DURATION})"
)
_TIGHTEN_TO = re.compile(
    rf"\b(?:tighten|shorten|trim|reduce|cut\s+down|shrink)\b[^.;]*?\b(?:pauses?|silences?|gaps?)"
    rf"\b[^.;]*?\b(?:to|down\s+to)\s+(?P<d>{DURATION})"
)
_KEEP_ONES = re.compile(
    rf"\b(?:pauses?|silences?|gaps?|breaths?)\b[^.;]*?\b(?:keep|leave|preserve|except|but\s+not)"
    rf"\b\s+(?:the\s+)?(?:ones|those|any)\s+(?:that\s+are\s+)?{_SHORTER}\s*(?P<d>{DURATION})"
)
_MIN_SILENCE = re.compile(
    rf"\b(?:pauses?|silences?|gaps?|dead\s+air)\b[^.;]*?{_LONGER}\s*(?P<d>{DURATION})"
)
_MARGIN = re.compile(
    rf"(?:\b(?:margins?|padding|pad|handles?|buffer|breathing\s+room)\b[^.;\d]*?"
    rf"(?P<a>{DURATION})|(?P<b>{DURATION})\s+(?:of\s+)?(?:margins?|padding|handles?|buffer|"
    rf"breathing\s+room)|\b(?:keep|leave)\s+(?P<c>{DURATION})\s+(?:of\s+silence\s+)?"
    rf"(?:around|before\s+and\s+after|either\s+side\s+of|on\s+each\s+side\s+of)\b)"
)


# -- counts ---------------------------------------------------------------------------------------

_COUNT = re.compile(
    rf"(?<![\w.:,-])(?:top\s+|best\s+)?(?P<n>{_DIGITS}|{_WORD_NUM}|"
    + "|".join(re.escape(k) for k in sorted(_PHRASE_NUMBERS, key=len, reverse=True))
    + r")(?![\w.:%-]|\s*(?:"
    + _UNIT
    + r")\b)"
)


def _find_count(text: str) -> int | None:
    for m in _COUNT.finditer(text):
        raw = m["n"]
        if raw in _PHRASE_NUMBERS:
            return _PHRASE_NUMBERS[raw]
        if raw == "one" and re.match(r"\s+(?:of|by|another|after)\b", text[m.end() :]):
            continue  # "one of the", "one by one"
        value = number_value(raw)
        if value.denominator == 1 and 0 < value <= 500:
            return int(value)
    return None


# -- the whole request ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Params:
    """What a request says besides its intent; None where it does not say."""

    phrase: str | None = None  # words to find in the speech
    quoted: bool = False  # the phrase was in quotes (exact words)
    count: int | None = None
    duration: Fraction | None = None  # a clip length ("30-second highlights")
    aspect: str | None = None  # "9:16"…
    aspect_explicit: bool = False  # written as a ratio, not implied by a platform word
    window: Window | None = None
    keep_pauses: Fraction | None = None  # keep pauses between speech shorter than this
    margin: Fraction | None = None  # silence kept next to speech
    min_silence: Fraction | None = None  # only silences longer than this
    short: bool = False  # "short clips"
    unit: Literal["shot", "moment"] | None = None  # "every shot with…" vs "whenever…"
    unread_window: str | None = None  # a part of the footage named but not placed ("the Q&A")
    leftover: str = field(default="", compare=False)  # the text once parameters are removed

    def as_dict(self) -> dict[str, object]:
        """The parameters that were found, JSON-friendly (for explanations and metadata)."""
        out: dict[str, object] = {}
        for key in ("phrase", "count", "aspect", "unit"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        for key in ("duration", "keep_pauses", "margin", "min_silence"):
            value = getattr(self, key)
            if value is not None:
                out[key] = float(value)
        if self.window is not None:
            out["window"] = self.window.describe()
        return out


def normalize(text: str) -> str:
    """Lower case, typographic quotes and dashes made plain, spaces collapsed."""
    t = text.replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", " - ")
    return re.sub(r"\s+", " ", t).strip().lower()


def _cut(text: str, span: tuple[int, int]) -> str:
    return text[: span[0]] + " " + text[span[1] :]


def parse_params(text: str) -> Params:
    """Read every parameter of ``text`` (see the module docstring for the order)."""
    # Quotes first, on the original text: the phrase keeps its case and its own numbers.
    quoted = _find_quoted(text.strip())
    rest = text.strip()
    phrase: str | None = None
    if quoted is not None:
        phrase = quoted[0]
        rest = _cut(rest, quoted[1])
    t = normalize(rest)
    if phrase is None:
        spoken = _find_spoken(t)
        if spoken is not None:
            phrase = spoken
            t = t.replace(spoken, " ", 1)
    window: Window | None = None
    found = _find_window(t)
    if found is not None:
        window, span = found
        t = _cut(t, span)
    unread_window = _find_unread_window(t)
    keep_pauses = margin = min_silence = None
    m = _KEEP_PAUSES.search(t) or _KEEP_ONES.search(t)
    if m:
        keep_pauses = duration_value(m["d"])
        t = _cut(t, m.span("d"))
    m = _TIGHTEN_TO.search(t)
    if m:
        # Pauses tightened "to 0.4 s" keep 0.2 s of silence either side of the cut.
        margin = duration_value(m["d"]) / 2
        t = _cut(t, m.span("d"))
    m = _MARGIN.search(t)
    if m:
        group = next(g for g in ("a", "b", "c") if m[g])
        margin = duration_value(m[group])
        t = _cut(t, m.span(group))
    m = _MIN_SILENCE.search(t)
    if m:
        min_silence = duration_value(m["d"])
        t = _cut(t, m.span("d"))
    aspect: str | None = None
    explicit = False
    found_aspect = _find_aspect(t)
    if found_aspect is not None:
        aspect, aspect_span = found_aspect
        if aspect_span is not None:
            explicit = True
            t = _cut(t, aspect_span)
    duration: Fraction | None = None
    m = re.search(rf"(?<![\w:.]){DURATION}(?![\w:])", t)
    if m:
        try:
            duration = duration_value(m[0])
            t = _cut(t, m.span())
        except ValueError:
            duration = None
    count = _find_count(t)
    unit: Literal["shot", "moment"] | None = None
    if re.search(r"\b(?:shots?|scenes?|takes?|clips?)\b", t):
        unit = "shot"
    elif re.search(r"\b(?:moments?|whenever|every\s+time|parts?|times?|when)\b", t):
        unit = "moment"
    return Params(
        phrase=phrase,
        quoted=quoted is not None,
        count=count,
        duration=duration,
        aspect=aspect,
        aspect_explicit=explicit,
        window=window,
        keep_pauses=keep_pauses,
        margin=margin,
        min_silence=min_silence,
        short=bool(re.search(r"\b(?:short|quick|brief|bite[- ]sized|snappy)\b", t)),
        unit=unit,
        unread_window=unread_window,
        leftover=re.sub(r"\s+", " ", t).strip(),
    )
