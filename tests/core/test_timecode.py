"""SMPTE timecode ↔ frame numbers, non-drop and 29.97/59.94 drop-frame."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from issue_rates import NTSC_24, NTSC_30, NTSC_60, RATES

from vidi_desktop.core.rate import FrameRate
from vidi_desktop.core.timecode import (
    frames_per_day,
    frames_to_timecode,
    is_drop_frame_label,
    timecode_to_frames,
)

# (rate, drop_frame) pairs the issue lists: every rate NDF, the NTSC 30/60 ones DF too.
CASES = [(r, False) for r in RATES] + [(NTSC_30, True), (NTSC_60, True)]
CASE_IDS = [f"{float(r):.3f}{'-DF' if df else ''}" for r, df in CASES]


def _parts(label: str) -> tuple[int, int, int, int]:
    hh, mm, rest = label.split(":", 2)
    ss, ff = rest.replace(";", ":").split(":")
    return int(hh), int(mm), int(ss), int(ff)


def frames_to_timecode_minute(minute: int, rate: Fraction, df: bool) -> int:
    """Frame number of the label ``00:MM:00;00`` (or the first label of that minute in DF)."""
    first_ff = FrameRate(rate).nominal // 15 if df and minute % 10 else 0
    return timecode_to_frames(f"00:{minute:02d}:00:{first_ff:02d}", rate, df)


# -- round trips --------------------------------------------------------------------------------
@pytest.mark.parametrize(("rate", "df"), CASES, ids=CASE_IDS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_frame_timecode_frame_round_trip_over_a_day(rate, df, data):
    day = frames_per_day(rate, df)
    frame = data.draw(st.integers(min_value=0, max_value=day))
    label = frames_to_timecode(frame, rate, df)
    assert timecode_to_frames(label, rate, df) == frame
    # The separator alone carries DF/NDF: reading without the flag gives the same frame.
    assert timecode_to_frames(label, rate) == frame
    assert is_drop_frame_label(label) is df


@pytest.mark.parametrize(("rate", "df"), CASES, ids=CASE_IDS)
def test_round_trip_exhaustive_around_minute_and_hour_boundaries(rate, df):
    nominal = FrameRate(rate).nominal
    per_hour = frames_per_day(rate, df) // 24
    per_10min = per_hour // 6
    # Every frame of the first 70 seconds, then 3 seconds either side of each minute of the
    # first 11 (where DF skips labels) and of a few hours.
    frames = list(range(0, nominal * 70))
    minutes = [frames_to_timecode_minute(m, rate, df) for m in range(2, 12)]
    hours = [h * per_hour for h in (1, 2, 23, 24)]
    for boundary in [*minutes, per_10min, *hours]:
        frames += range(boundary - nominal * 3, boundary + nominal * 3)
    frames = sorted(set(frames))
    previous = None
    for frame in frames:
        label = frames_to_timecode(frame, rate, df)
        assert timecode_to_frames(label, rate, df) == frame, label
        if previous is not None and frame == previous[0] + 1:
            assert _parts(label) > _parts(previous[1])
        previous = (frame, label)


@pytest.mark.parametrize(("rate", "df"), CASES, ids=CASE_IDS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_labels_strictly_increase_with_frame_number(rate, df, data):
    day = frames_per_day(rate, df)
    a = data.draw(st.integers(min_value=0, max_value=day))
    b = data.draw(st.integers(min_value=a + 1, max_value=day + 1))
    assert _parts(frames_to_timecode(a, rate, df)) < _parts(frames_to_timecode(b, rate, df))


@pytest.mark.parametrize(("rate", "df"), CASES, ids=CASE_IDS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_every_label_field_is_in_range(rate, df, data):
    nominal = FrameRate(rate).nominal
    frame = data.draw(st.integers(min_value=0, max_value=frames_per_day(rate, df) - 1))
    hh, mm, ss, ff = _parts(frames_to_timecode(frame, rate, df))
    assert 0 <= hh < 24 and 0 <= mm < 60 and 0 <= ss < 60 and 0 <= ff < nominal
    if df:
        assert not (ss == 0 and ff < nominal // 15 and mm % 10 != 0), "a skipped label"


# -- known drop-frame facts ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("frame", "label"),
    [
        (0, "00:00:00;00"),
        (29, "00:00:00;29"),
        (30, "00:00:01;00"),
        (1799, "00:00:59;29"),
        (1800, "00:01:00;02"),
        (1801, "00:01:00;03"),
        (3597, "00:01:59;29"),
        (3598, "00:02:00;02"),
        (17981, "00:09:59;29"),
        (17982, "00:10:00;00"),
        (17983, "00:10:00;01"),
        (19782, "00:11:00;02"),
        (107891, "00:59:59;29"),
        (107892, "01:00:00;00"),
        (24 * 107892, "24:00:00;00"),
    ],
)
def test_known_2997_drop_frame_labels(frame, label):
    assert frames_to_timecode(frame, NTSC_30, drop_frame=True) == label
    assert timecode_to_frames(label, NTSC_30) == frame


@pytest.mark.parametrize(
    ("frame", "label"),
    [
        (3599, "00:00:59;59"),
        (3600, "00:01:00;04"),
        (35964, "00:10:00;00"),
        (215783, "00:59:59;59"),
        (215784, "01:00:00;00"),
    ],
)
def test_known_5994_drop_frame_labels(frame, label):
    assert frames_to_timecode(frame, NTSC_60, drop_frame=True) == label
    assert timecode_to_frames(label, NTSC_60) == frame


def test_one_hour_of_drop_frame():
    # 108,000 labels an hour less 2 per minute except every tenth: 108,000 - 2×54.
    assert frames_per_day(NTSC_30, True) // 24 == 107892
    assert frames_per_day(NTSC_60, True) // 24 == 215784
    assert frames_per_day(NTSC_30, False) // 24 == 108000
    assert frames_per_day(Fraction(25)) == 25 * 86400
    assert frames_per_day(NTSC_24) == 24 * 86400


@pytest.mark.parametrize(
    ("rate", "label"),
    [
        (NTSC_30, "00:01:00;00"),
        (NTSC_30, "00:01:00;01"),
        (NTSC_30, "01:09:00;01"),
        (NTSC_60, "00:01:00;00"),
        (NTSC_60, "00:01:00;03"),
    ],
)
def test_labels_skipped_by_drop_frame_are_refused(rate, label):
    with pytest.raises(ValueError, match="does not exist"):
        timecode_to_frames(label, rate)


@pytest.mark.parametrize(
    ("rate", "label", "frame"),
    [
        (NTSC_30, "00:10:00;00", 17982),
        (NTSC_30, "00:10:00;01", 17983),
        (NTSC_30, "00:00:00;00", 0),
        (NTSC_30, "00:00:00;01", 1),
        (NTSC_30, "00:01:00;02", 1800),
        (NTSC_30, "00:01:01;00", 1828),  # only ;00/;01 of second 0 are skipped
        (NTSC_60, "00:01:00;04", 3600),
        (NTSC_60, "00:20:00;00", 2 * 35964),
    ],
)
def test_labels_drop_frame_keeps_are_accepted(rate, label, frame):
    assert timecode_to_frames(label, rate) == frame


@pytest.mark.parametrize(
    "rate",
    [
        Fraction(25),
        NTSC_24,
        Fraction(24),
        Fraction(30),
        Fraction(50),
        Fraction(60),
        Fraction(48000, 1001),
    ],
)
def test_drop_frame_is_refused_where_it_does_not_exist(rate):
    with pytest.raises(ValueError, match="drop-frame"):
        frames_to_timecode(100, rate, drop_frame=True)
    with pytest.raises(ValueError, match="drop-frame"):
        timecode_to_frames("00:00:04;00", rate)
    with pytest.raises(ValueError, match="drop-frame"):
        timecode_to_frames("00:00:04:00", rate, drop_frame=True)


# -- separators ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("label", "frame"),
    [
        ("00:01:00;02", 1800),  # ; → drop-frame
        ("00:01:00,02", 1800),  # , → drop-frame
        ("00:01:00:02", 1802),  # : → non-drop
        ("00:01:00.02", 1802),  # . → non-drop
        ("00.01.00;02", 1800),
    ],
)
def test_separator_selects_drop_frame(label, frame):
    assert timecode_to_frames(label, NTSC_30) == frame


@pytest.mark.parametrize(
    ("label", "df"),
    [
        ("01:00:00;00", True),
        ("01:00:00,00", True),
        ("01:00:00:00", False),
        ("01:00:00.00", False),
        ("nonsense", False),
        ("", False),
    ],
)
def test_is_drop_frame_label(label, df):
    assert is_drop_frame_label(label) is df


def test_explicit_flag_overrides_the_separator():
    assert timecode_to_frames("00:01:00:02", NTSC_30, drop_frame=True) == 1800
    assert timecode_to_frames("00:01:00;02", NTSC_30, drop_frame=False) == 1802


def test_surrounding_whitespace_is_ignored():
    assert timecode_to_frames("  01:00:00:00\n", Fraction(25)) == 90000


# -- non-drop -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rate", "frame", "label"),
    [
        (Fraction(25), 0, "00:00:00:00"),
        (Fraction(25), 24, "00:00:00:24"),
        (Fraction(25), 25, "00:00:01:00"),
        (Fraction(25), 90000, "01:00:00:00"),
        (NTSC_24, 86400, "01:00:00:00"),  # 23.976 counts 24 labels a second: never DF
        (NTSC_30, 1800, "00:01:00:00"),  # 29.97 NDF is valid
        (NTSC_30, 108000, "01:00:00:00"),
        (NTSC_60, 216000, "01:00:00:00"),
        (Fraction(50), 49, "00:00:00:49"),
        (Fraction(60), 3600, "00:01:00:00"),
    ],
)
def test_known_non_drop_labels(rate, frame, label):
    assert frames_to_timecode(frame, rate) == label
    assert timecode_to_frames(label, rate) == frame


def test_non_drop_at_2997_drifts_from_wall_clock_by_36_seconds_an_hour():
    # Why DF exists: the NDF label 01:00:00:00 is shown 3.6 s after one real hour.
    frame = timecode_to_frames("01:00:00:00", NTSC_30)
    assert frame / NTSC_30 - 3600 == Fraction(18, 5)


# -- wall clock ---------------------------------------------------------------------------------
def _label_seconds(label: str, nominal: int) -> Fraction:
    hh, mm, ss, ff = _parts(label)
    return (hh * 60 + mm) * 60 + ss + Fraction(ff, nominal)


@pytest.mark.parametrize("rate", [NTSC_30, NTSC_60], ids=["29.97", "59.94"])
def test_drop_frame_label_tracks_wall_clock_within_the_first_hour(rate):
    nominal = FrameRate(rate).nominal
    per_hour = frames_per_day(rate, True) // 24
    worst = max(
        abs(_label_seconds(frames_to_timecode(f, rate, True), nominal) - f / rate)
        for f in range(0, per_hour + 1, 29)
    )
    assert worst < Fraction(1, 10)


@pytest.mark.parametrize("rate", [NTSC_30, NTSC_60], ids=["29.97", "59.94"])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_drop_frame_label_error_is_two_frames_plus_a_small_daily_drift(rate, data):
    # Within each 10-minute cycle the label is off by at most 2 (29.97) or 4 (59.94) labels,
    # i.e. 1/15 s; on top of that DF runs 18/17,999,982 fast (3.6 ms an hour, 86 ms a day),
    # so over 24 h the error stays under 0.15 s (0.146 s at worst) — under 0.1 s only for
    # the first several hours.
    nominal = FrameRate(rate).nominal
    frame = data.draw(st.integers(min_value=0, max_value=frames_per_day(rate, True)))
    real = frame / rate
    label = _label_seconds(frames_to_timecode(frame, rate, True), nominal)
    drift = real * Fraction(18, 17999982)
    assert abs(label - real) <= Fraction(1, 15) + drift
    assert abs(label - real) < Fraction(15, 100)


def test_drop_frame_error_at_24h_is_the_accumulated_drift():
    frame = frames_per_day(NTSC_30, True)
    assert frames_to_timecode(frame, NTSC_30, True) == "24:00:00;00"
    assert 86400 - frame / NTSC_30 == Fraction(2160, 25000)  # 86.4 ms


# -- formatting ---------------------------------------------------------------------------------
def test_hours_past_24_keep_counting_and_read_back():
    for rate, df in [(Fraction(25), False), (NTSC_30, True), (NTSC_30, False)]:
        per_hour = frames_per_day(rate, df) // 24
        for hours, text in [(24, "24"), (99, "99"), (100, "100"), (1234, "1234")]:
            label = frames_to_timecode(hours * per_hour, rate, df)
            assert label.split(":")[0] == text
            assert timecode_to_frames(label, rate) == hours * per_hour


@pytest.mark.parametrize(("rate", "df"), CASES, ids=CASE_IDS)
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_wrap_24h_rolls_over_like_a_timecode_generator(rate, df, data):
    day = frames_per_day(rate, df)
    frame = data.draw(st.integers(min_value=0, max_value=day - 1))
    days = data.draw(st.integers(min_value=0, max_value=3))
    wrapped = frames_to_timecode(frame + days * day, rate, df, wrap_24h=True)
    assert wrapped == frames_to_timecode(frame, rate, df)


def test_wrap_24h_examples():
    assert frames_to_timecode(25 * 86400, 25, wrap_24h=True) == "00:00:00:00"
    assert frames_to_timecode(25 * 86400 - 1, 25, wrap_24h=True) == "23:59:59:24"
    assert frames_to_timecode(24 * 107892 + 1800, NTSC_30, True, wrap_24h=True) == "00:01:00;02"


@pytest.mark.parametrize(
    ("rate", "df", "frame", "label"),
    [
        (Fraction(100), False, 99, "00:00:00:99"),  # up to 100 fps the frames take 2 digits
        (Fraction(120), False, 119, "00:00:00:119"),
        (Fraction(120), False, 5, "00:00:00:005"),
        (Fraction(120000, 1001), False, 7199, "00:00:59:119"),
        (Fraction(120000, 1001), True, 7200, "00:01:00;008"),  # 119.88 DF skips 8 labels
        (Fraction(120000, 1001), True, 71928, "00:10:00;000"),
        (Fraction(1000), False, 999, "00:00:00:999"),
        (Fraction(1200), False, 1199, "00:00:00:1199"),
        (Fraction(50), False, 49, "00:00:00:49"),
        (Fraction(1, 2), False, 3, "00:00:03:00"),  # below 1 fps: one label a second
    ],
)
def test_frame_field_width_and_high_rates(rate, df, frame, label):
    assert frames_to_timecode(frame, rate, df) == label
    assert timecode_to_frames(label, rate, df) == frame


@pytest.mark.parametrize("rate", [Fraction(120), Fraction(120000, 1001), Fraction(1000)])
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_high_rate_round_trip(rate, data):
    fr = FrameRate(rate)
    df = fr.supports_drop_frame and data.draw(st.booleans())
    frame = data.draw(st.integers(min_value=0, max_value=frames_per_day(rate, df)))
    assert timecode_to_frames(frames_to_timecode(frame, rate, df), rate, df) == frame


@pytest.mark.parametrize("rate", ["29.97", "30000/1001", 29.97, FrameRate(NTSC_30), NTSC_30])
def test_rate_may_be_given_in_any_form(rate):
    assert frames_to_timecode(1800, rate, True) == "00:01:00;02"
    assert timecode_to_frames("00:01:00;02", rate) == 1800


# -- refusals -----------------------------------------------------------------------------------
def test_negative_frame_is_refused():
    with pytest.raises(ValueError, match="negative"):
        frames_to_timecode(-1, 25)


def test_non_integer_frame_is_refused():
    with pytest.raises(TypeError):
        frames_to_timecode(1.5, 25)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        frames_to_timecode(True, 25)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "label",
    [
        "",
        "garbage",
        "01:00:00",
        "1:2:3:4",
        "01:00:00:0",
        "01:00:00:00:00",
        "01-00-00-00",
        "-00:00:01:00",
        "01:60:00:00",
        "01:00:60:00",
        "01:00:00:25",
        "01:00:00:99",
    ],
)
def test_malformed_or_out_of_range_labels_are_refused(label):
    with pytest.raises(ValueError):
        timecode_to_frames(label, 25)
