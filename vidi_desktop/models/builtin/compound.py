"""Compound requests: several tasks in one request, each keeping its own parameters.

"cut the dead air with 0.2s padding and then transcribe the first 2 minutes" is two tasks:
silence removal with a 0.2 s margin, and subtitles for the first two minutes — the window
belongs to the subtitles alone. The request is split at commas, colons, semicolons and
"and", "then", "and also", "plus"…; each segment is routed on its own and is either

- a **task**: a served intent named by one of its keywords ("transcribe the first 2 minutes");
- a **modifier**: parameters and nothing else ("square", "20 seconds each", "for tiktok",
  "in the second half");
- **other** words, which stay with the segment before them ("… salt and pepper").

Consecutive segments of the same task are one task ("remove the silences and keep pauses
under 0.5 s"). A modifier that is only a window applies to every task that names none ("in
the second half: subtitles and scene detection"); any other modifier joins the nearest task
before it that uses its parameters ("10 highlights 20 seconds each, square" is one highlights
task in 1:1), else the nearest after it, else it is a task of its own if it names one.
Quoted phrases and the words of a time window are never split ("between 1:00 and 2:30").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from vidi_desktop.models.builtin.params import NUMBER, Params, parse_params

if TYPE_CHECKING:
    from vidi_desktop.models.builtin.router import RoutedRequest

SEPARATOR = re.compile(
    r"(?:,\s*|\s+)(?:and then|and also|and after that|after that|afterwards|and|then|plus|"
    r"as well as|also|next)\s+|\s*(?:;|(?<!\d)[,:]|[,:](?!\d))\s*|\s+&\s+"
)
"""Where a request splits; never inside a time or ratio ("1:30", "4:5") or "1,5 s"."""
# Words that carry no task of their own next to parameters ("20 seconds each, please").
_MODIFIER_WORDS = frozenset(
    """each apiece per please only just but too also as well in into for at on to the a an
    format version ratio aspect with of about around roughly approximately long
    all every one ones tiktok tik tok reels reel instagram insta youtube shorts short stories
    story snapchat vertical vertically portrait upright square horizontal landscape
    widescreen mobile phone feed post by x""".split()  # noqa: SIM905
)
# The parameters each task reads (a modifier joins a task that reads one of its parameters).
TASK_PARAMS: dict[str, frozenset[str]] = {
    "scenes": frozenset({"window"}),
    "silences": frozenset({"window", "margin", "min_silence", "keep_pauses"}),
    "subtitles": frozenset({"window"}),
    "highlights": frozenset({"window", "count", "duration", "aspect"}),
    "reframe": frozenset({"window", "aspect"}),
    "find_phrase": frozenset({"window", "phrase"}),
    "faces": frozenset({"window"}),
    "chapters": frozenset({"window", "count"}),
    "speech": frozenset({"window"}),
    "fillers": frozenset({"window"}),
}


@dataclass
class _Group:
    routed: RoutedRequest  # the task segment's routing (intent, keyword)
    start: int  # span of its contiguous segments in the text
    end: int
    extra: list[str] = field(default_factory=list)  # modifiers joined from elsewhere


def param_keys(p: Params) -> frozenset[str]:
    """The names of the parameters ``p`` sets."""
    keys = {
        k
        for k in ("window", "margin", "min_silence", "keep_pauses", "count", "duration", "aspect")
        if getattr(p, k) is not None
    }
    if p.phrase:
        keys.add("phrase")
    return frozenset(keys)


def is_modifier(text: str, params: Params) -> bool:
    """True when ``text`` only gives parameters (see the module docstring)."""
    if not param_keys(params) - {"phrase"} or params.phrase:
        return False
    words = re.findall(r"[a-z0-9]+(?:[.:][0-9]+)?", params.leftover.lower())
    number = re.compile(rf"{NUMBER}|\d+(?:[.:]\d+)?")
    return all(w in _MODIFIER_WORDS or number.fullmatch(w) for w in words)


def segments(text: str, protect: list[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` between separators, never splitting inside a ``protect`` string."""
    masked = text
    for p in protect:
        if p:
            masked = masked.replace(p, "x" * len(p), 1)
    spans: list[tuple[int, int]] = []
    at = 0
    for m in SEPARATOR.finditer(masked):
        if m.start() > at:
            spans.append((at, m.start()))
        at = m.end()
    if at < len(text):
        spans.append((at, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def split_tasks(
    text: str, protect: list[str], route: Callable[[str], RoutedRequest]
) -> list[RoutedRequest] | None:
    """The tasks of a compound request with their own parameters, or None when ``text`` is
    one task with nothing to regroup (then the whole request's routing stands)."""
    spans = segments(text, protect)
    if len(spans) < 2:
        return None
    groups: list[_Group] = []
    modifiers: list[tuple[int, str, RoutedRequest]] = []  # (index in groups, text, routing)
    leading: list[int] = []  # "other" words before the first task: they join it
    for a, b in spans:
        piece = text[a:b].strip()
        routed = route(piece)
        if is_modifier(piece, routed.params):
            modifiers.append((len(groups), piece, routed))
        elif routed.served and routed.keyword:
            if groups and groups[-1].routed.intent == routed.intent and not modifiers_after(
                modifiers, len(groups)
            ):
                groups[-1].end = b  # the same task said twice: one task
            else:
                start = leading[0] if leading and not groups else a
                groups.append(_Group(routed, start, b))
                leading = []
        elif groups:
            groups[-1].end = b  # other words stay with the task before them
        else:
            leading.append(a)
    if not groups:
        return None
    window_mods: list[Params] = []
    for at, piece, routed in modifiers:
        keys = param_keys(routed.params)
        if keys == {"window"}:
            window_mods.append(routed.params)
            continue
        target = _nearest(groups, at, keys)
        if target is not None:
            target.extra.append(piece)
        elif routed.served and routed.keyword:
            groups.insert(at, _Group(routed, -1, -1, [piece]))
        else:
            groups[max(0, at - 1)].extra.append(piece)
    if len(groups) == 1 and not groups[0].extra and not window_mods:
        return None
    out: list[RoutedRequest] = []
    for g in groups:
        body = text[g.start : g.end] if g.start >= 0 else ""
        part = ", ".join(x for x in (body.strip(" ,;:"), *g.extra) if x)
        params = parse_params(part)
        for w in window_mods:
            if params.window is None:
                params = replace(params, window=w.window)
        out.append(replace(g.routed, text=part, params=params))
    return out


def modifiers_after(modifiers: list[tuple[int, str, RoutedRequest]], count: int) -> bool:
    """True when a modifier came after the last of ``count`` groups (it separates tasks)."""
    return any(at == count for at, _, _ in modifiers)


def _nearest(groups: list[_Group], at: int, keys: frozenset[str]) -> _Group | None:
    """The nearest task before position ``at`` that reads one of ``keys``, else after it."""
    before = [g for g in groups[:at] if TASK_PARAMS.get(g.routed.intent, frozenset()) & keys]
    if before:
        return before[-1]
    after = [g for g in groups[at:] if TASK_PARAMS.get(g.routed.intent, frozenset()) & keys]
    return after[0] if after else None
