"""A request's explicit task parameters (``Request.options``): the window's preset popover.

The words of a request carry parameters ("keep pauses under 0.5 s"); a preset's words are
fixed, so the window sends the values set in the preset's parameter popover alongside, under
the names of the analysers' options (``vidi-desktop analyze --margin`` is
``silence_margin``…). They win over what the words say, and each applies only to the task
that owns it, so a knob of the silences preset never changes how scenes are found:

================  ============================  ========================================
task              option                        what it sets
================  ============================  ========================================
silences          ``silence_margin``            seconds of silence kept next to speech
silences          ``min_silence``               shortest silence cut (seconds)
silences          ``keep_pauses``               pauses shorter than this kept (None: off)
silences          ``silence_threshold``         cut only what is quieter (dBFS; None: off)
scenes            ``sensitivity``               shot detection sensitivity, 0..1
highlights        ``highlights``                how many clips
highlights        ``highlight_seconds``         each clip's length (seconds)
================  ============================  ========================================

Other keys are left to other backends (a VLM's ``fps``…). A value out of range is a
:class:`~vidi_desktop.models.protocol.RequestError` naming it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Any

from vidi_desktop.models.builtin import intents as I
from vidi_desktop.models.builtin.router import RoutedRequest
from vidi_desktop.models.protocol import RequestError

_Check = Callable[[Any], Any]


def _seconds(value: Any) -> Fraction:
    x = _number(value)
    if x < 0:
        raise ValueError("must not be negative")
    return Fraction(str(x)) if isinstance(x, float) else Fraction(x)


def _positive_seconds(value: Any) -> Fraction:
    x = _seconds(value)
    if x <= 0:
        raise ValueError("must be more than 0 s")
    return x


def _decibels(value: Any) -> float:
    x = float(_number(value))
    if not -120.0 <= x <= 0.0:
        raise ValueError("must be between -120 and 0 dB")
    return x


def _share(value: Any) -> float:
    x = float(_number(value))
    if not 0.0 <= x <= 1.0:
        raise ValueError("must be between 0 and 1")
    return x


def _count(value: Any) -> int:
    x = _number(value)
    if x != int(x) or x < 1:
        raise ValueError("must be a whole number of at least 1")
    return int(x)


def _number(value: Any) -> float | int | Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction | str):
        raise ValueError(f"must be a number, got {value!r}")
    x = Fraction(value) if isinstance(value, str) else value
    if isinstance(x, float) and not math.isfinite(x):
        raise ValueError(f"must be a finite number, got {value!r}")
    return x


# option → (its task, the Params field it sets or None for an analysis option, its check)
KNOBS: dict[str, tuple[str, str | None, _Check]] = {
    "silence_margin": (I.SILENCES, "margin", _seconds),
    "min_silence": (I.SILENCES, "min_silence", _seconds),
    "keep_pauses": (I.SILENCES, "keep_pauses", _positive_seconds),
    "silence_threshold": (I.SILENCES, None, _decibels),
    "sensitivity": (I.SCENES, None, _share),
    "highlights": (I.HIGHLIGHTS, "count", _count),
    "highlight_seconds": (I.HIGHLIGHTS, "duration", _positive_seconds),
}
"""Every option a built-in task takes from ``Request.options`` (see the module docstring)."""


def knobs_for(intent: str) -> tuple[str, ...]:
    """The option names the task ``intent`` takes, in table order."""
    return tuple(name for name, (task, _, _) in KNOBS.items() if task == intent)


def apply_options(
    routed: RoutedRequest, options: Mapping[str, Any]
) -> tuple[RoutedRequest, dict[str, Any]]:
    """``routed`` with its parameters overridden by ``options``, and the analysis options
    (``AnalyzeOptions`` fields) its task runs with. ``None`` means "off" / the default."""
    params: dict[str, Any] = {}
    analysis: dict[str, Any] = {}
    for name in knobs_for(routed.intent):
        if name not in options:
            continue
        _, field, check = KNOBS[name]
        value = options[name]
        if value is not None:
            try:
                value = check(value)
            except (ValueError, ZeroDivisionError) as exc:
                raise RequestError(f"{name}: {exc}") from None
        if field is not None:
            params[field] = value
        elif value is not None:  # an analysis option left out keeps its default
            analysis[name] = value
    if params:
        routed = replace(routed, params=replace(routed.params, **params))
    return routed, analysis
