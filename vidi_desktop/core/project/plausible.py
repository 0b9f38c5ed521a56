"""Probe facts a project file may hold: exact, but within what any real file has.

An asset's ``info`` is free-form JSON written by ``probe``; the core reads its extent
(``duration``/``start``), exporters and the window read more. A hand-edited project can put
a 4299-digit duration or ``1e300`` there, which every later ``float()`` turns into an
OverflowError. Reading a project therefore checks the time facts it relies on and refuses
an absurd one with a message naming the field, like any other damage.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from vidi_desktop.core.project.fields import SchemaError, join_path

MAX_SECONDS = 10**9
"""Thirty years: beyond any recording's start or length."""
_MAX_TEXT = 100  # "num/den" written by probe is far shorter
_TIME_KEYS = ("duration", "duration_exact", "start_time", "start_time_exact", "start")


def check_asset_facts(info: dict[str, Any], path: str) -> None:
    """Raise :class:`SchemaError` when a time fact of ``info`` is not a plausible number."""
    for key in _TIME_KEYS:
        if key in info and info[key] is not None:
            _check_seconds(info[key], join_path(path, key))
    video = info.get("video")
    if isinstance(video, dict):
        vpath = join_path(path, "video")
        for key in ("rate", "average_rate"):
            if isinstance(video.get(key), str):
                _check_rate(video[key], join_path(vpath, key))
        for key in ("width", "height", "frames"):
            value = video.get(key)
            if isinstance(value, float) and not value.is_integer():
                raise SchemaError(join_path(join_path(path, "video"), key),
                                  f"expected a whole number, got {value!r}")


MAX_FPS = 10_000  # high-speed cameras stop well below


def _check_rate(text: str, path: str) -> None:
    if len(text) > _MAX_TEXT:
        raise SchemaError(path, f"a {len(text)}-character frame rate is no rate")
    try:
        rate = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        return  # unreadable: read as unknown, as before
    if not 0 < rate <= MAX_FPS:
        raise SchemaError(path, f"{float(min(abs(rate), Fraction(10**300))):.3g} fps is no "
                                "frame rate (edited by hand?)")


def _check_seconds(value: object, path: str) -> None:
    if isinstance(value, bool):
        raise SchemaError(path, "expected seconds, got a boolean")
    if isinstance(value, str) and len(value) > _MAX_TEXT:
        raise SchemaError(path, f"a {len(value)}-character number is no duration")
    try:
        seconds = Fraction(value) if not isinstance(value, str) else Fraction(value.strip())
    except (ValueError, TypeError, ZeroDivisionError, OverflowError):
        return  # not a number at all: the core reads it as unknown, as before
    if abs(seconds) > MAX_SECONDS:
        raise SchemaError(path, f"{float(min(abs(seconds), Fraction(10**300))):.3g} s is no "
                                "real duration (edited by hand?)")
