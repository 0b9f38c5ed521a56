"""Values an editor types — on the command line or in a settings field — parsed exactly.

Each parser takes the text and returns the value, or raises :class:`ValueError` with a
message that names what was expected and what was typed; the CLI turns that message into
its usage error. Durations are exact :class:`~fractions.Fraction` seconds.
"""

from __future__ import annotations

from fractions import Fraction


def seconds(text: str) -> Fraction:
    """A duration in seconds: ``0.2``, ``1/5`` or ``200ms``; never negative."""
    t = text.strip().lower()
    try:
        value = Fraction(t[:-2]) / 1000 if t.endswith("ms") else Fraction(t.rstrip("s"))
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"not a duration in seconds: {text!r}") from None
    if value < 0:
        raise ValueError(f"must not be negative: {text!r}")
    return value


def aspect(text: str) -> str:
    """An aspect ratio ``W:H`` (``9:16``; ``9/16`` also reads), in lowest-digit form."""
    parts = text.replace("/", ":").split(":")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError(f"an aspect ratio like 9:16, got {text!r}")
    return f"{int(parts[0])}:{int(parts[1])}"


def fraction01(text: str) -> float:
    """A number between 0 and 1 (a sensitivity, a share)."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"a number between 0 and 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"must be between 0 and 1, got {text}")
    return value


def decibels(text: str) -> float:
    """A sound level in dBFS below full scale: ``-40`` or ``-40dB`` (from -120 to 0)."""
    t = text.strip().lower().removesuffix("dbfs").removesuffix("db").strip()
    try:
        value = float(t)
    except ValueError:
        raise ValueError(f"a level in dB like -40, got {text!r}") from None
    if not -120.0 <= value <= 0.0:
        raise ValueError(f"must be between -120 and 0 dB, got {text}")
    return value


def positive_int(text: str) -> int:
    """A whole number of at least 1 (a count, a size)."""
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"a whole number, got {text!r}") from None
    if value < 1:
        raise ValueError(f"must be at least 1, got {value}")
    return value


def size(text: str) -> tuple[int, int]:
    """A picture size ``WIDTHxHEIGHT`` (``1080x1920``), each side at least 2 pixels."""
    w, sep, h = text.lower().partition("x")
    if not sep or not w.isdigit() or not h.isdigit() or int(w) < 2 or int(h) < 2:
        raise ValueError(f"expected WIDTHxHEIGHT like 1080x1920, got {text!r}")
    return int(w), int(h)
