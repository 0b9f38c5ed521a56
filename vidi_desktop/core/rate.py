"""Exact frame rates as :class:`fractions.Fraction` (NTSC 29.97 is 30000/1001, never 29.97)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction


def parse_fraction(value: str | int | float | Fraction) -> Fraction:
    """Parse ``"30000/1001"``, ``"30000 / 1001"``, ``"30000:1001"``, ``"25"``, ``"0.04"``,
    an int or a Fraction exactly.

    Floats are converted through their shortest repr (``0.1`` → 1/10), never bit-exact;
    NaN and infinities are refused (``ValueError``).
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(repr(value))
    text = str(value).strip()
    if not text:
        raise ValueError("empty number")
    if ":" in text:
        num, den = text.split(":", 1)
        return Fraction(int(num), int(den))
    if "/" in text:
        num, den = text.split("/", 1)
        return Fraction(num.strip() + "/" + den.strip())
    return Fraction(text)


@dataclass(frozen=True, slots=True)
class FrameRate:
    """A constant frame rate, exact.

    ``nominal`` is the integer frame count per timecode second (30 for 29.97), which is what
    SMPTE timecode counts in.
    """

    value: Fraction

    def __post_init__(self) -> None:
        if not isinstance(self.value, Fraction):
            object.__setattr__(self, "value", parse_fraction(self.value))
        if self.value <= 0:
            raise ValueError(f"frame rate must be positive, got {self.value}")

    @classmethod
    def parse(cls, value: str | int | float | Fraction | FrameRate) -> FrameRate:
        """Build from ``"24000/1001"``, ``25``, a Fraction, or a decimal like ``"29.97"``.

        Decimals are how people write NTSC rates, so they snap to the exact rate
        (``"23.976"`` → 24000/1001); fractions and integers are taken as they are.
        """
        if isinstance(value, FrameRate):
            return value
        is_decimal = isinstance(value, float) or (isinstance(value, str) and "." in value)
        exact = parse_fraction(value)
        return cls(snap_rate(exact) if is_decimal else exact)

    @property
    def nominal(self) -> int:
        """Frames per timecode second: the rate rounded half up, e.g. 30 for 30000/1001.

        Half up, not Python's half-to-even ``round``: 12.5 → 13 like 7.5 → 8. Never below 1.
        """
        return max(1, math.floor(self.value + Fraction(1, 2)))

    @property
    def is_ntsc(self) -> bool:
        """True for the N × 1000/1001 family (23.976, 29.97, 59.94, 119.88…).

        Exactly ``N * 1000 / 1001`` for a whole N: 29999/1001 has a 1001 denominator but is
        not an NTSC rate.
        """
        return self.value.denominator == 1001 and self.value.numerator % 1000 == 0

    @property
    def supports_drop_frame(self) -> bool:
        """Drop-frame timecode exists only for NTSC rates whose nominal is a multiple of 30.

        29.97 drops 2 labels a minute, 59.94 drops 4 (119.88 drops 8, by the same rule).
        """
        return self.is_ntsc and self.nominal % 30 == 0

    @property
    def frame_duration(self) -> Fraction:
        """Seconds per frame, exact."""
        return 1 / self.value

    def __float__(self) -> float:
        return float(self.value)

    def __str__(self) -> str:
        return f"{self.value.numerator}/{self.value.denominator}"


def snap_rate(rate: Fraction, tolerance: Fraction = Fraction(1, 2000)) -> Fraction:
    """Snap a measured rate to the nearest standard one when within ``tolerance`` (relative).

    Containers often report 2997/100 or 23976/1000; editors mean 30000/1001 and 24000/1001.
    Integer rates and NTSC rates near a measured value win; anything else is kept as is.
    """
    if rate <= 0:
        return rate
    nearest_int = Fraction(round(rate))
    candidates = [nearest_int, nearest_int * 1000 / 1001]
    # The NTSC sibling of the next integer up (29.97 → 30 * 1000/1001).
    candidates.append(Fraction(round(rate * Fraction(1001, 1000))) * 1000 / 1001)
    best = min(candidates, key=lambda c: abs(c - rate))
    if best > 0 and abs(best - rate) / best <= tolerance:
        return best
    return rate
