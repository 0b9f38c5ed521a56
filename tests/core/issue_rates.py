"""The frame rates the Foundation issue asks every exact-time round trip to hold at."""

from fractions import Fraction

NTSC_24 = Fraction(24000, 1001)
NTSC_30 = Fraction(30000, 1001)
NTSC_60 = Fraction(60000, 1001)
RATES = [
    NTSC_24,
    Fraction(24),
    Fraction(25),
    NTSC_30,
    Fraction(30),
    Fraction(50),
    NTSC_60,
    Fraction(60),
]
RATE_IDS = [f"{float(r):.3f}" for r in RATES]
