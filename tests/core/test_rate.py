"""FrameRate and snap_rate: exact rational rates, NTSC decimals snapped to x/1001."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vidi_desktop.core.rate import FrameRate, parse_fraction, snap_rate

NTSC_24 = Fraction(24000, 1001)
NTSC_30 = Fraction(30000, 1001)
NTSC_60 = Fraction(60000, 1001)


# -- parse_fraction --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30000/1001", NTSC_30),
        (" 30000 / 1001 ", NTSC_30),
        ("30000:1001", NTSC_30),
        ("25", Fraction(25)),
        ("0.04", Fraction(1, 25)),
        ("1e3", Fraction(1000)),
        (25, Fraction(25)),
        (0.1, Fraction(1, 10)),  # through the shortest repr, not the binary value
        (NTSC_24, NTSC_24),
    ],
)
def test_parse_fraction_is_exact(text, expected):
    assert parse_fraction(text) == expected


@pytest.mark.parametrize("bad", ["", "   ", "abc", "nan", "inf", "1/0", float("nan")])
def test_parse_fraction_refuses_non_numbers(bad):
    with pytest.raises((ValueError, ZeroDivisionError)):
        parse_fraction(bad)


def test_parse_fraction_refuses_bool():
    with pytest.raises(TypeError):
        parse_fraction(True)


# -- FrameRate.parse: decimals snap, fractions and integers are kept --------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("23.976", NTSC_24),
        ("23.98", NTSC_24),
        (23.976, NTSC_24),
        ("29.97", NTSC_30),
        (29.97, NTSC_30),
        ("59.94", NTSC_60),
        ("119.88", Fraction(120000, 1001)),
        ("47.952", Fraction(48000, 1001)),
        ("24000/1001", NTSC_24),
        ("30000/1001", NTSC_30),
        ("25", Fraction(25)),
        (25, Fraction(25)),
        ("25.0", Fraction(25)),
        (30.0, Fraction(30)),
        (NTSC_30, NTSC_30),
        (Fraction(50), Fraction(50)),
    ],
)
def test_parse_known_rates(value, expected):
    rate = FrameRate.parse(value)
    assert rate.value == expected
    assert isinstance(rate.value, Fraction)


def test_parse_returns_a_framerate_unchanged():
    rate = FrameRate(NTSC_30)
    assert FrameRate.parse(rate) is rate


def test_parse_keeps_explicit_fractions_even_when_near_ntsc():
    # A fraction is taken as written; only decimals are assumed to be rounded NTSC rates.
    assert FrameRate.parse("2997/100").value == Fraction(2997, 100)
    assert FrameRate.parse(Fraction(2997, 100)).value == Fraction(2997, 100)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.5", Fraction(25, 2)),
        ("7.5", Fraction(15, 2)),
        ("1000/1", Fraction(1000)),
        ("1000", Fraction(1000)),
        ("15.5", Fraction(31, 2)),
        ("0.5", Fraction(1, 2)),
    ],
)
def test_odd_rates_are_kept(value, expected):
    assert FrameRate.parse(value).value == expected


@pytest.mark.parametrize("bad", ["0", 0, "-25", -25, "-29.97", Fraction(-1, 2), "0/1"])
def test_zero_and_negative_rates_are_refused(bad):
    with pytest.raises(ValueError):
        FrameRate.parse(bad)


def test_constructor_refuses_zero_and_negative():
    with pytest.raises(ValueError):
        FrameRate(Fraction(0))
    with pytest.raises(ValueError):
        FrameRate(Fraction(-30))


def test_constructor_parses_non_fraction_values():
    assert FrameRate(25).value == Fraction(25)  # type: ignore[arg-type]
    assert FrameRate("30000/1001").value == NTSC_30  # type: ignore[arg-type]


# -- properties -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rate", "nominal", "ntsc", "df"),
    [
        (NTSC_24, 24, True, False),
        (Fraction(24), 24, False, False),
        (Fraction(25), 25, False, False),
        (NTSC_30, 30, True, True),
        (Fraction(30), 30, False, False),
        (Fraction(48000, 1001), 48, True, False),
        (Fraction(50), 50, False, False),
        (NTSC_60, 60, True, True),
        (Fraction(60), 60, False, False),
        (Fraction(120000, 1001), 120, True, True),
        (Fraction(15000, 1001), 15, True, False),
        (Fraction(25, 2), 13, False, False),  # half up, not Python's half-to-even
        (Fraction(15, 2), 8, False, False),
        (Fraction(5, 2), 3, False, False),
        (Fraction(1, 2), 1, False, False),  # never below one frame per second
        (Fraction(1000), 1000, False, False),
    ],
)
def test_nominal_ntsc_and_drop_frame_support(rate, nominal, ntsc, df):
    fr = FrameRate(rate)
    assert fr.nominal == nominal
    assert fr.is_ntsc is ntsc
    assert fr.supports_drop_frame is df


def test_a_1001_denominator_alone_is_not_ntsc():
    # 29999/1001 ≈ 29.969 is not N×1000/1001, so it has no drop-frame timecode either.
    fr = FrameRate(Fraction(29999, 1001))
    assert not fr.is_ntsc
    assert not fr.supports_drop_frame


def test_frame_duration_float_and_str():
    fr = FrameRate(NTSC_30)
    assert fr.frame_duration == Fraction(1001, 30000)
    assert float(fr) == pytest.approx(29.97002997)
    assert str(fr) == "30000/1001"
    assert str(FrameRate(Fraction(25))) == "25/1"


def test_framerate_is_hashable_and_compares_by_value():
    assert FrameRate(NTSC_30) == FrameRate.parse("29.97")
    assert len({FrameRate(NTSC_30), FrameRate.parse("30000/1001")}) == 1


# -- snap_rate --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("measured", "expected"),
    [
        (Fraction(2997, 100), NTSC_30),
        (Fraction(23976, 1000), NTSC_24),
        (Fraction(5994, 100), NTSC_60),
        (Fraction(2398, 100), NTSC_24),
        (Fraction(25), Fraction(25)),
        (Fraction(2500, 100), Fraction(25)),
        (Fraction(24001, 1000), Fraction(24)),  # 24.001 is 24 with rounding noise
        (Fraction(25, 2), Fraction(25, 2)),
        (Fraction(15, 2), Fraction(15, 2)),
        (Fraction(1000), Fraction(1000)),
        # 29.97 and 30 are 0.1 % apart and each snaps within 0.05 %: the nearest one wins.
        (Fraction(2998, 100), NTSC_30),
        (Fraction(2999, 100), Fraction(30)),
        (Fraction(295, 10), Fraction(295, 10)),  # far from any standard rate: kept
    ],
)
def test_snap_rate(measured, expected):
    assert snap_rate(measured) == expected


def test_snap_rate_leaves_non_positive_values_alone():
    assert snap_rate(Fraction(0)) == 0
    assert snap_rate(Fraction(-25)) == -25


def test_snap_rate_tolerance_is_relative_and_adjustable():
    assert snap_rate(Fraction(2995, 100)) == Fraction(2995, 100)
    assert snap_rate(Fraction(2995, 100), tolerance=Fraction(1, 500)) == NTSC_30


STANDARD = [
    NTSC_24,
    Fraction(24),
    Fraction(25),
    NTSC_30,
    Fraction(30),
    Fraction(48000, 1001),
    Fraction(48),
    Fraction(50),
    NTSC_60,
    Fraction(60),
    Fraction(120000, 1001),
]


@pytest.mark.parametrize("rate", STANDARD)
def test_snap_rate_is_identity_on_standard_rates(rate):
    assert snap_rate(rate) == rate


@pytest.mark.parametrize("rate", STANDARD)
@given(noise=st.fractions(min_value=Fraction(-1, 10000), max_value=Fraction(1, 10000)))
def test_snap_rate_recovers_standard_rates_from_noisy_measurements(rate, noise):
    # A relative error of 1e-4 (e.g. 1 ms rounding over a few hundred frames) still snaps.
    assert snap_rate(rate * (1 + noise)) == rate


@pytest.mark.parametrize("text", ["23.976", "29.97", "59.94", "119.88", "47.952", "24", "25"])
def test_decimal_of_the_exact_rate_parses_back(text):
    rate = FrameRate.parse(text)
    assert FrameRate.parse(f"{float(rate.value):.3f}") == rate
    assert FrameRate.parse(f"{float(rate.value):.2f}") == rate
    assert FrameRate.parse(float(rate.value)) == rate
