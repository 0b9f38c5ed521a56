"""Which kind of answer a request wants, from its words (simple rules, no model).

A VLM can be asked for time ranges, boxes over time, chapters, highlights or a free answer;
each needs its own prompt and its own reading of the output. The rules here are plain word
matches, checked in order (a request can force one with ``options["task"]``, e.g.
``--option task=grounding|temporal|answer``):

1. "where is / track / box / locate / follow" → :attr:`Task.GROUNDING` (object tubes);
2. "chapter(s) / sections" → :attr:`Task.CHAPTERS`;
3. "highlight(s) / best moments" → :attr:`Task.HIGHLIGHTS`;
4. "when …" / "at what time" → :attr:`Task.TEMPORAL` even with a question mark;
5. a question ("?" or a leading what/who/why/how/describe…) → :attr:`Task.QUESTION`;
6. anything else ("the red car turns left") → :attr:`Task.TEMPORAL`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from vidi_desktop.models.protocol import RequestError


class Task(StrEnum):
    """What the model is asked to produce."""

    TEMPORAL = "temporal"  # time ranges where something happens
    GROUNDING = "grounding"  # boxes over time (a tube) for an object
    CHAPTERS = "chapters"  # titled sections covering the footage
    HIGHLIGHTS = "highlights"  # the moments worth keeping
    QUESTION = "question"  # a free answer, with any moments it names


_GROUNDING = re.compile(
    r"\b(?:where\s+(?:is|are|was|were|does|do)|where's|track(?:s|ing)?|box(?:es)?|"
    r"bounding|locate|localize|follow|grounding)\b",
    re.IGNORECASE,
)
_CHAPTERS = re.compile(r"\b(?:chapters?|chapterize|sections?|table of contents)\b", re.I)
_HIGHLIGHTS = re.compile(r"\b(?:highlights?|best (?:moments?|parts?|bits?)|reel)\b", re.I)
_WHEN = re.compile(r"^\s*(?:when\b|at what (?:time|point|moment)|what time)", re.I)
_QUESTION_LEAD = re.compile(
    r"^\s*(?:what|who|whom|whose|which|why|how|is|are|was|were|does|do|did|can|could|"
    r"describe|summari[sz]e|explain|tell me|count)\b",
    re.IGNORECASE,
)

# Words that frame a grounding request but are not the object looked for.
_FRAMING = re.compile(
    r"^\s*(?:please\s+)?(?:where\s+(?:is|are|was|were|does|do)|where's|track|box|draw\s+(?:a\s+)?"
    r"boxe?s?\s+(?:around|on)|boxes?\s+(?:around|on)|bounding\s+boxe?s?\s+(?:for|of|around)|"
    r"locate|localize|follow|find)\s+",
    re.IGNORECASE,
)
_TAIL = re.compile(
    r"\s*(?:in\s+(?:the|this)\s+(?:video|clip|footage|shot))?\s*[?.!]*\s*$", re.IGNORECASE
)


TASK_OPTION_NAMES: dict[str, Task] = {
    **{t.value: t for t in Task},
    "answer": Task.QUESTION,  # ``--option task=answer``: a free answer
    "tube": Task.GROUNDING,
    "time": Task.TEMPORAL,
}
"""What ``options["task"]`` may say (``--option task=grounding|temporal|answer``…)."""


class UnknownTaskError(RequestError):
    """``options["task"]`` names no task."""


def forced_task(options: Mapping[str, Any] | None) -> Task | None:
    """The task ``options["task"]`` forces, None when it names none; an unknown name is an
    :class:`UnknownTaskError` (a typo must not silently run another task)."""
    forced = (options or {}).get("task")
    if forced is None or forced == "":
        return None
    name = str(forced).strip().lower()
    if name not in TASK_OPTION_NAMES:
        raise UnknownTaskError(
            f"unknown task {forced!r}: use grounding, temporal, answer, chapters or highlights"
        )
    return TASK_OPTION_NAMES[name]


def choose_task(text: str, options: Mapping[str, Any] | None = None) -> Task:
    """The task a request asks for (``options["task"]`` wins when it names one)."""
    forced = forced_task(options)
    if forced is not None:
        return forced
    if _GROUNDING.search(text):
        return Task.GROUNDING
    if _CHAPTERS.search(text):
        return Task.CHAPTERS
    if _HIGHLIGHTS.search(text):
        return Task.HIGHLIGHTS
    if _WHEN.search(text):
        return Task.TEMPORAL
    if text.rstrip().endswith("?") or _QUESTION_LEAD.search(text):
        return Task.QUESTION
    return Task.TEMPORAL


def subject(text: str) -> str:
    """What a request is about, without its framing words: "Where is the red car?" →
    "the red car"; "When does the dog jump?" → "the dog jump"; other text stays as typed."""
    s = _FRAMING.sub("", text, count=1)
    s = re.sub(r"^\s*(?:when\s+(?:does|do|did|is|are|was|were)\s+)", "", s, flags=re.I)
    s = re.sub(r"^\s*(?:find|show me|show)\s+(?:every|all|the)?\s*(?:moments?|times?)?\s*"
               r"(?:when|where|that|with)?\s*", "", s, flags=re.I)
    s = _TAIL.sub("", s).strip()
    # "the red car is visible", "the logo is on screen": the thing itself is the subject.
    s = _SEEN.sub("", s).strip()
    return s or text.strip()


_SEEN = re.compile(
    r"\s+(?:(?:is|are|was|were|gets?|comes?)\s+)?(?:visible|on[- ]screen|in\s+(?:the\s+)?"
    r"(?:frame|shot|picture)|in\s+view|shown|seen|appears?|shows\s+up)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
