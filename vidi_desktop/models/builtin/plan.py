"""A routed request as a plan: the tasks it would run and their parameters, or why not.

This is what ``vidi-desktop ask FILE "request" --plan --json`` prints and what the window's
request box shows before anything runs: no analyser runs, no file changes. The shape is a
contract::

    {"steps": [{"task": ..., "params": {...}}], "refusal": null | {"reason", "message"}}

``params`` always holds exactly :data:`PARAM_KEYS`. A key a task does not use is null; a key
the request did not set is null too (the task's default applies). ``window`` is
``[start_s, end_s]`` resolved against the footage's duration (seconds from its start).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from vidi_desktop.models.builtin import intents as I
from vidi_desktop.models.builtin.router import RoutedRequest

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

REFUSAL_REASONS = ("needs_vlm", "unsupported")


@dataclass(frozen=True)
class Plan:
    """Steps to run (task, parameters) or a refusal (reason, message)."""

    steps: tuple[dict[str, Any], ...]
    refusal: dict[str, str] | None
    routed: RoutedRequest

    def as_json(self) -> dict[str, Any]:
        """``{"steps": [...], "refusal": ...}``, JSON-ready."""
        return {"steps": [dict(s) for s in self.steps], "refusal": self.refusal}


def step_params(routed: RoutedRequest, duration: Fraction | None) -> dict[str, Any]:
    """The contract's parameters of one routed task (unused keys null)."""
    p = routed.params
    used = TASK_KEYS.get(routed.intent, ())
    out: dict[str, Any] = dict.fromkeys(PARAM_KEYS)
    if "window" in used and p.window is not None:
        a, b = p.window.resolve(duration if duration is not None else Fraction(0))
        out["window"] = [float(a), float(b)]
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


def refusal_message(routed: RoutedRequest) -> str:
    """One line saying why the built-in backend does not run this, and what it can do."""
    can = "; ".join(I.BY_NAME[n].title for n in I.SERVED)
    if routed.intent == I.NEEDS_VLM:
        return (
            f"asks about what is in the picture ({routed.visual or 'a scene'}): a "
            "vision-language model answers it (--backend qwen-vl)"
        )
    return f"no built-in analyser does this; it can: {can}"


def make_plan(routed: RoutedRequest, duration: Fraction | None) -> Plan:
    """The plan of a routed request on footage ``duration`` seconds long (None: unknown)."""
    if routed.served:
        tasks = (routed, *routed.also)
        steps = tuple({"task": t.intent, "params": step_params(t, duration)} for t in tasks)
        return Plan(steps, None, routed)
    reason = "needs_vlm" if routed.intent == I.NEEDS_VLM else "unsupported"
    return Plan((), {"reason": reason, "message": refusal_message(routed)}, routed)
