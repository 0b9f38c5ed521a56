"""A routed request as a plan: the tasks it would run and their parameters, or why not.

This is what ``vidi-desktop ask FILE "request" --plan --json`` prints and what the window's
request box can show before anything runs: routing only — no analyser runs, no file changes.
The shape is a contract::

    {"steps": [{"task": ..., "params": {...}}], "refusal": null | {"reason", "message"}}

``task`` is one of :data:`TASKS`. ``params`` always holds exactly :data:`PARAM_KEYS`: a key
the task does not use is null, and so is one the request did not set (the task's default
applies). ``window`` is ``[start_s, end_s]`` in seconds from the start of the file, resolved
against its duration and intersected with the window the caller selected (``--start/--end``).
``refusal`` is null, or says why nothing would run: ``needs_vlm`` (about what is in the
picture: a vision-language model answers it) or ``unsupported`` (anything else the built-in
backend does not serve — a job outside the product, a part of the footage it cannot place, a
window outside the file, a request it did not understand), with a one-line ``message`` that
says what it can do instead; ``steps`` is then empty.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from vidi_desktop.models.builtin import intents as I
from vidi_desktop.models.builtin.params import format_seconds

if TYPE_CHECKING:
    from vidi_desktop.models.builtin.router import RoutedRequest, Router

PARAM_KEYS: tuple[str, ...] = (
    "window",
    "margin",
    "min_silence",
    "keep_pauses",
    "count",
    "duration",
    "aspect",
    "phrase",
)
TASK_KEYS: dict[str, tuple[str, ...]] = {
    I.SCENES: ("window",),
    I.SILENCES: ("window", "margin", "min_silence", "keep_pauses"),
    I.SUBTITLES: ("window",),
    I.HIGHLIGHTS: ("window", "count", "duration", "aspect"),
    I.REFRAME: ("window", "aspect"),
    I.FIND_PHRASE: ("window", "phrase"),
    I.FACES: ("window",),
    I.CHAPTERS: ("window", "count"),
    I.SPEECH: ("window",),
    I.FILLERS: ("window",),
}
"""The parameters each task reads; the plan nulls the others."""
TASKS: tuple[str, ...] = tuple(TASK_KEYS)
REFUSAL_REASONS = ("needs_vlm", "unsupported")
VLM_HINT = "--backend qwen-vl"


class WindowError(ValueError):
    """A window that does not fit the file (past its end, or apart from the one selected)."""


@dataclass(frozen=True)
class Plan:
    """Steps to run (task, parameters) or a refusal (reason, message)."""

    steps: tuple[dict[str, Any], ...]
    refusal: dict[str, str] | None
    routed: RoutedRequest

    def as_json(self) -> dict[str, Any]:
        """``{"steps": [...], "refusal": ...}``, JSON-ready."""
        return {
            "steps": [{"task": s["task"], "params": dict(s["params"])} for s in self.steps],
            "refusal": dict(self.refusal) if self.refusal else None,
        }

    def describe(self) -> str:
        """One line for people: "silences (min silence 1 s) → subtitles (0:00–2:00)"."""
        if self.refusal is not None:
            return f"won't run ({self.refusal['reason']}): {self.refusal['message']}"
        return " → ".join(describe_step(s) for s in self.steps)


def describe_step(step: dict[str, Any]) -> str:
    """A step in words: ``highlights (3 clips, 20 s, 1:1, 0:30–10:00)``."""
    p = step["params"]
    bits: list[str] = []
    if p["count"] is not None:
        unit = "chapters" if step["task"] == I.CHAPTERS else "clips"
        bits.append(f"{p['count']} {unit}")
    if p["duration"] is not None:
        bits.append(f"{p['duration']:g} s each")
    if p["aspect"]:
        bits.append(p["aspect"])
    if p["phrase"]:
        bits.append(f"“{p['phrase']}”")
    for key, name in (
        ("min_silence", "longer than"),
        ("keep_pauses", "keep pauses under"),
        ("margin", "margin"),
    ):
        if p[key] is not None:
            bits.append(f"{name} {p[key]:g} s")
    if p["window"] is not None:
        a, b = p["window"]
        bits.append(f"{format_seconds(Fraction(a).limit_denominator(1000))}–"
                    f"{format_seconds(Fraction(b).limit_denominator(1000))}")
    return step["task"] + (f" ({', '.join(bits)})" if bits else "")


def step_params(
    routed: RoutedRequest,
    duration: Fraction | None,
    selected: tuple[Fraction, Fraction] | None = None,
) -> dict[str, Any]:
    """The contract's parameters of one routed task (unused keys null).

    ``selected`` is a window chosen outside the words (``--start/--end``), in seconds from the
    file's start; raises :class:`WindowError` when the words' window misses the file or it.
    """
    p = routed.params
    used = TASK_KEYS.get(routed.intent, ())
    out: dict[str, Any] = dict.fromkeys(PARAM_KEYS)
    if "window" in used:
        window = resolve_window(routed, duration, selected)
        out["window"] = None if window is None else [float(window[0]), float(window[1])]
    for key in ("margin", "min_silence", "keep_pauses", "duration"):
        value = getattr(p, key)
        if key in used and value is not None:
            out[key] = float(value)
    if "count" in used:
        out["count"] = p.count
    if "aspect" in used:
        out["aspect"] = p.aspect
    if "phrase" in used:
        out["phrase"] = p.phrase
    return out


def resolve_window(
    routed: RoutedRequest,
    duration: Fraction | None,
    selected: tuple[Fraction, Fraction] | None = None,
) -> tuple[Fraction, Fraction] | None:
    """The task's window in seconds from the file's start: its words' ∩ ``selected``."""
    named = routed.params.window
    span: tuple[Fraction, Fraction] | None = None
    if named is not None:
        length = duration if duration is not None else Fraction(0)
        a, b = named.resolve(length)
        b = max(a, b)
        if duration is not None and (b <= a or a >= duration or b <= 0):
            raise WindowError(
                f"“{named.text}” is outside the file, which runs 0:00–{format_seconds(duration)}"
            )
        span = (max(a, Fraction(0)), min(b, duration) if duration is not None else b)
    if selected is not None:
        s = (selected[0], min(selected[1], duration) if duration is not None else selected[1])
        if span is None:
            span = s
        else:
            a, b = max(span[0], s[0]), min(span[1], s[1])
            if b <= a:
                raise WindowError(
                    f"“{named.text if named else ''}” and the selected window "
                    f"{format_seconds(s[0])}–{format_seconds(s[1])} do not overlap"
                )
            span = (a, b)
    return span


def refusal_message(routed: RoutedRequest) -> str:
    """One line saying why the built-in backend does not run this, and what it can do."""
    can = "; ".join(I.BY_NAME[n].title for n in I.SERVED)
    text = routed.text
    if routed.intent == I.NEEDS_VLM:
        from vidi_desktop.paths import models_dir

        return (
            f"“{text}” asks about what is in the picture ({routed.visual or 'a scene'}). "
            "The built-in backend knows shots, faces, speech and silences, not objects or "
            "actions. A vision-language model answers this: put Qwen3-VL or Qwen2.5-VL weights "
            f"in {models_dir()} and run with `{VLM_HINT}`."
        )
    if routed.intent == I.UNSUPPORTED:
        if routed.job is not None:
            return (
                f"The built-in backend cannot do {routed.job.what} (“{text}”). "
                f"{routed.job.instead}"
            )
        return (
            f"The built-in backend cannot do “{text}”: no built-in analyser does that. "
            f"It can: {can}."
        )
    if routed.intent == I.UNREAD_WINDOW:
        return (
            f"Which part of the footage is “{routed.params.unread_window}”? Give times "
            "(“from 2:00 to 5:00”), a part (“the second half”, “the last minute”, “the "
            "intro”) or select a range (--start/--end); nothing was run on the whole file."
        )
    if routed.intent == I.HELP:
        return (
            f"Ask in plain words. The built-in backend can: {can}. For questions about what "
            f"is in the picture (“when is the red car visible”) use `{VLM_HINT}`."
        )
    guess = ""
    if routed.alternatives:
        options = " or ".join(
            f"“{I.BY_NAME[a].title}”" for a in routed.alternatives if a in I.SERVED
        )
        guess = f" Did you mean {options}?" if options else ""
    return f"I did not understand “{text}”.{guess} The built-in backend can: {can}."


def make_plan(
    routed: RoutedRequest,
    duration: Fraction | None,
    selected: tuple[Fraction, Fraction] | None = None,
) -> Plan:
    """The plan of a routed request on footage ``duration`` seconds long (None: unknown)."""
    if routed.served:
        tasks = (routed, *routed.also)
        try:
            steps = tuple(
                {"task": t.intent, "params": step_params(t, duration, selected)} for t in tasks
            )
        except WindowError as exc:
            return Plan((), {"reason": "unsupported", "message": str(exc)}, routed)
        return Plan(steps, None, routed)
    reason = "needs_vlm" if routed.intent == I.NEEDS_VLM else "unsupported"
    return Plan((), {"reason": reason, "message": refusal_message(routed)}, routed)


class Planner:
    """Plans requests without running them (for ``ask --plan`` and the window's hint line).

    Holds a :class:`~.router.Router`, loaded on first use (MiniLM, or the word vectors
    where torch is not installed); thread-safe as the router is.
    """

    def __init__(self, router: Router | None = None) -> None:
        self._router = router

    @property
    def router(self) -> Router:
        if self._router is None:
            from vidi_desktop.models.builtin.embedder import make_embedder
            from vidi_desktop.models.builtin.router import Router

            self._router = Router(make_embedder())
        return self._router

    def plan(
        self,
        text: str,
        duration: Fraction | None,
        selected: tuple[Fraction, Fraction] | None = None,
    ) -> Plan:
        """The plan for ``text`` on footage ``duration`` seconds long (None: unknown)."""
        return make_plan(self.router.route(text), duration, selected)


_shared: Planner | None = None


def shared_planner() -> Planner:
    """One planner per process (its router loads once): ``ask --plan``, the window's hint."""
    global _shared
    if _shared is None:
        _shared = Planner()
    return _shared


def plan_file(
    path: str | os.PathLike[str],
    text: str,
    selected: tuple[Fraction, Fraction] | None = None,
    planner: Planner | None = None,
) -> dict[str, Any]:
    """``ask --plan --json``: ``{"request", "backend", "file", "duration", "steps",
    "refusal"}`` for ``text`` about the media file at ``path`` (probed, never analysed).

    Raises :class:`~vidi_desktop.core.errors.VidiError` (one line) when the file is not
    media; nothing is written.
    """
    from vidi_desktop.media.probe import probe
    from vidi_desktop.models.protocol import AssetRef, Request, RequestError

    Request(text, (AssetRef("plan", str(path)),))  # the same checks as a run: empty, too long
    info = probe(path, allow_truncated=True)
    duration = Fraction(info.duration)
    if selected is not None and selected[0] >= duration:
        raise RequestError(
            f"--start {format_seconds(selected[0])} is past the end of {info.path.name} "
            f"({format_seconds(duration)})"
        )
    plan = (planner or shared_planner()).plan(text, duration, selected)
    return {
        "request": text,
        "backend": "builtin",
        "file": str(info.path),
        "duration": float(duration),
        **plan.as_json(),
    }
