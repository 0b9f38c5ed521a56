"""Exact media time: integer ticks in a rational time base, and ranges with an exclusive end.

A :class:`Time` is what a container stores (pts × time_base); it never passes through a float.
Comparisons and arithmetic across different time bases are exact. A :class:`TimeRange` is
start + duration with the end excluded, OpenTimelineIO's convention, so adjacent ranges
share a boundary without overlapping and a one-frame range has a duration of one frame.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from vidi_desktop.core.rate import FrameRate, parse_fraction

Rounding = Literal["floor", "ceil", "round", "exact"]


def _round(value: Fraction, rounding: Rounding) -> int:
    if rounding == "floor":
        return math.floor(value)
    if rounding == "ceil":
        return math.ceil(value)
    if rounding == "round":
        # Half away from zero: 2.5 frames → 3, so the result never depends on banker's parity.
        return int(value + Fraction(1, 2)) if value >= 0 else -int(-value + Fraction(1, 2))
    if value.denominator != 1:
        raise ValueError(f"{value} is not a whole number of ticks")
    return value.numerator


def common_time_base(a: Fraction, b: Fraction) -> Fraction:
    """The coarsest time base in which both ``a`` and ``b`` are whole numbers of ticks."""
    return Fraction(math.gcd(a.numerator, b.numerator), math.lcm(a.denominator, b.denominator))


@dataclass(frozen=True, slots=True, eq=False)
class Time:
    """A point in time: ``ticks`` × ``time_base`` seconds, both exact."""

    ticks: int
    time_base: Fraction

    def __post_init__(self) -> None:
        if isinstance(self.ticks, bool):
            raise TypeError("ticks must be an int, got bool")
        if type(self.ticks) is not int:
            # Any integral type (numpy.int64 from a pts array) is stored as a plain int.
            try:
                object.__setattr__(self, "ticks", operator.index(self.ticks))
            except TypeError:
                raise TypeError(f"ticks must be an int, got {type(self.ticks).__name__}") from None
        if not isinstance(self.time_base, Fraction):
            object.__setattr__(self, "time_base", parse_fraction(self.time_base))
        if self.time_base <= 0:
            raise ValueError(f"time base must be positive, got {self.time_base}")

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_seconds(
        cls,
        seconds: Fraction | int | str,
        time_base: Fraction | str | int = Fraction(1, 1000),
        rounding: Rounding = "round",
    ) -> Time:
        """Time nearest to ``seconds`` in ``time_base`` (``rounding`` chooses the direction)."""
        tb = parse_fraction(time_base)
        return cls(_round(parse_fraction(seconds) / tb, rounding), tb)

    @classmethod
    def exact(cls, seconds: Fraction) -> Time:
        """``seconds`` exactly, in ticks of ``1 / denominator`` (no rounding ever)."""
        return cls(seconds.numerator, Fraction(1, seconds.denominator))

    @classmethod
    def from_frame(cls, frame: int, rate: FrameRate | Fraction | str) -> Time:
        """The start time of ``frame`` at a constant ``rate``, in ticks of one frame."""
        fr = FrameRate.parse(rate)
        return cls(frame, fr.frame_duration)

    @classmethod
    def zero(cls, time_base: Fraction | str | int = 1) -> Time:
        return cls(0, parse_fraction(time_base))

    # -- views ----------------------------------------------------------------------------
    @property
    def seconds(self) -> Fraction:
        """Exact seconds."""
        return self.ticks * self.time_base

    def to_ms(self, rounding: Rounding = "round") -> int:
        """Milliseconds, rounded (the unit object tubes use)."""
        return _round(self.seconds * 1000, rounding)

    def rescale(self, time_base: Fraction | str | int, rounding: Rounding = "exact") -> Time:
        """The same time in another time base; ``"exact"`` refuses to lose precision."""
        tb = parse_fraction(time_base)
        if tb == self.time_base:
            return self
        return Time(_round(self.seconds / tb, rounding), tb)

    def to_frame(self, rate: FrameRate | Fraction | str, rounding: Rounding = "floor") -> int:
        """Index of the frame at a constant ``rate`` shown at this time.

        ``floor`` (the default) gives the frame on screen at this instant; ``round`` the
        nearest frame start.
        """
        fr = FrameRate.parse(rate)
        return _round(self.seconds * fr.value, rounding)

    # -- arithmetic and order (exact across time bases) ------------------------------------
    def _coerce(self, other: object) -> Time:
        if isinstance(other, Time):
            return other
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return Time(0, self.time_base)
        return NotImplemented  # type: ignore[return-value]

    def __add__(self, other: Time) -> Time:
        other = self._coerce(other)
        if other is NotImplemented:
            return NotImplemented
        tb = common_time_base(self.time_base, other.time_base)
        return Time(
            self.rescale(tb).ticks + other.rescale(tb).ticks,
            tb,
        )

    __radd__ = __add__

    def __sub__(self, other: Time) -> Time:
        other = self._coerce(other)
        if other is NotImplemented:
            return NotImplemented
        tb = common_time_base(self.time_base, other.time_base)
        return Time(self.rescale(tb).ticks - other.rescale(tb).ticks, tb)

    def __neg__(self) -> Time:
        return Time(-self.ticks, self.time_base)

    def __mul__(self, factor: int) -> Time:
        if not isinstance(factor, int) or isinstance(factor, bool):
            return NotImplemented
        return Time(self.ticks * factor, self.time_base)

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Time) and self.seconds == other.seconds

    def __hash__(self) -> int:
        return hash(self.seconds)

    def __lt__(self, other: Time) -> bool:
        if not isinstance(other, Time):
            return NotImplemented
        return self.seconds < other.seconds

    def __le__(self, other: Time) -> bool:
        if not isinstance(other, Time):
            return NotImplemented
        return self.seconds <= other.seconds

    def __gt__(self, other: Time) -> bool:
        if not isinstance(other, Time):
            return NotImplemented
        return self.seconds > other.seconds

    def __ge__(self, other: Time) -> bool:
        if not isinstance(other, Time):
            return NotImplemented
        return self.seconds >= other.seconds

    def __repr__(self) -> str:
        return f"Time({self.ticks}, {self.time_base})"

    def __str__(self) -> str:
        return f"{float(self.seconds):.6f}s"

    # -- serialisation ------------------------------------------------------------------------
    def to_json(self) -> dict[str, object]:
        return {"ticks": self.ticks, "time_base": _fraction_text(self.time_base)}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Time:
        return cls(_as_int(data["ticks"]), parse_fraction(str(data["time_base"])))


@dataclass(frozen=True, slots=True, eq=False)
class TimeRange:
    """``[start, start + duration)`` — the end is excluded, as in OpenTimelineIO.

    Start and duration share one time base (the common one when built from two bases).
    """

    start: Time
    duration: Time

    def __post_init__(self) -> None:
        if self.duration.ticks < 0:
            raise ValueError(f"a time range cannot have a negative duration ({self.duration!r})")
        if self.start.time_base != self.duration.time_base:
            tb = common_time_base(self.start.time_base, self.duration.time_base)
            object.__setattr__(self, "start", self.start.rescale(tb))
            object.__setattr__(self, "duration", self.duration.rescale(tb))

    @classmethod
    def from_start_end(cls, start: Time, end_exclusive: Time) -> TimeRange:
        """Range from ``start`` up to but excluding ``end_exclusive``."""
        return cls(start, end_exclusive - start)

    @classmethod
    def from_frames(
        cls, first: int, end_exclusive: int, rate: FrameRate | Fraction | str
    ) -> TimeRange:
        """Frames ``first`` … ``end_exclusive - 1`` at a constant rate."""
        fr = FrameRate.parse(rate)
        return cls(Time(first, fr.frame_duration), Time(end_exclusive - first, fr.frame_duration))

    @property
    def time_base(self) -> Fraction:
        return self.start.time_base

    @property
    def end_exclusive(self) -> Time:
        return self.start + self.duration

    def is_empty(self) -> bool:
        return self.duration.ticks == 0

    def contains(self, t: Time) -> bool:
        """True when ``start <= t < end`` (the end belongs to the next range)."""
        return self.start <= t < self.end_exclusive

    def overlaps(self, other: TimeRange) -> bool:
        """True when the two share any instant (touching at a boundary is not overlap).

        An empty range holds no instant, so it overlaps nothing, even inside another range;
        ``a.overlaps(b)`` is always ``a.intersection(b) is not None``.
        """
        if self.is_empty() or other.is_empty():
            return False
        return self.start < other.end_exclusive and other.start < self.end_exclusive

    def intersection(self, other: TimeRange) -> TimeRange | None:
        start = max(self.start, other.start)
        end = min(self.end_exclusive, other.end_exclusive)
        if end <= start:
            return None
        return TimeRange.from_start_end(start, end)

    def clamped(self, bounds: TimeRange) -> TimeRange | None:
        """This range cut to ``bounds``, or None when nothing is left."""
        return self.intersection(bounds)

    def frames(self, rate: FrameRate | Fraction | str) -> tuple[int, int]:
        """``(first, end_exclusive)`` frame indices covered at a constant rate.

        A frame is covered when its start time lies in the range.
        """
        return (
            self.start.to_frame(rate, "ceil"),
            self.end_exclusive.to_frame(rate, "ceil"),
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, TimeRange)
            and self.start == other.start
            and self.duration == other.duration
        )

    def __hash__(self) -> int:
        return hash((self.start, self.duration))

    def __repr__(self) -> str:
        return f"TimeRange(start={self.start!r}, duration={self.duration!r})"

    def to_json(self) -> dict[str, object]:
        return {
            "start": self.start.ticks,
            "duration": self.duration.ticks,
            "time_base": _fraction_text(self.time_base),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> TimeRange:
        tb = parse_fraction(str(data["time_base"]))
        return cls(Time(_as_int(data["start"]), tb), Time(_as_int(data["duration"]), tb))


def _fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _as_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer tick count, got {value!r}")
    return value
