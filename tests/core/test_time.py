"""Time (integer ticks × rational time base) and TimeRange (start + duration, end excluded)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from issue_rates import NTSC_30, RATE_IDS, RATES

from vidi_desktop.core.rate import FrameRate
from vidi_desktop.core.time import Time, TimeRange, common_time_base

# Container time bases: MPEG-TS, NTSC MP4, a common mp4 muxer default, Matroska/FLV, QuickTime.
CONTAINER_TBS = [
    Fraction(1, 90000),
    Fraction(1, 30000),
    Fraction(1, 12800),
    Fraction(1, 1000),
    Fraction(1, 600),
    Fraction(1, 24000),
]
TB_IDS = [f"1/{tb.denominator}" for tb in CONTAINER_TBS]

DAY = 24 * 3600
SOME_TBS = [
    *CONTAINER_TBS,
    Fraction(1001, 30000),
    Fraction(1001, 24000),
    Fraction(1, 25),
    Fraction(1, 44100),
    Fraction(1, 48000),
    Fraction(1),
]

time_bases = st.sampled_from(SOME_TBS)
ticks = st.integers(min_value=-(10**9), max_value=10**9)
times = st.builds(Time, ticks, time_bases)


# -- construction -------------------------------------------------------------------------------
def test_time_holds_exact_ticks_and_base():
    t = Time(3003, Fraction(1, 90000))
    assert t.seconds == Fraction(3003, 90000) == Fraction(1001, 30000)
    assert repr(t) == "Time(3003, 1/90000)"
    assert str(t) == "0.033367s"


def test_time_base_is_parsed_from_text():
    assert Time(1, "1/90000").time_base == Fraction(1, 90000)  # type: ignore[arg-type]
    assert Time(1, "1001/30000").seconds == Fraction(1001, 30000)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [1.5, "3", None, Fraction(1, 2)])
def test_ticks_must_be_integers(bad):
    with pytest.raises(TypeError):
        Time(bad, Fraction(1, 1000))  # type: ignore[arg-type]


def test_bool_ticks_are_refused():
    with pytest.raises(TypeError):
        Time(True, Fraction(1, 1000))  # type: ignore[arg-type]


def test_numpy_integer_ticks_become_plain_ints():
    np = pytest.importorskip("numpy")
    t = Time(np.int64(3003), Fraction(1, 90000))  # type: ignore[arg-type]
    assert type(t.ticks) is int
    assert t == Time(3003, Fraction(1, 90000))


@pytest.mark.parametrize("bad", [0, -1, Fraction(-1, 1000), "0/1"])
def test_time_base_must_be_positive(bad):
    with pytest.raises(ValueError):
        Time(1, bad)


def test_zero():
    assert Time.zero() == Time(0, Fraction(1, 90000))
    assert Time.zero("1/1000").time_base == Fraction(1, 1000)


@pytest.mark.parametrize(
    ("seconds", "rounding", "ticks"),
    [
        (Fraction(1, 3), "round", 333),
        (Fraction(2, 3), "round", 667),
        (Fraction(2, 3), "floor", 666),
        (Fraction(1, 3), "ceil", 334),
        (Fraction(5, 2000), "round", 3),  # 2.5 ticks: half away from zero, not to even
        (Fraction(7, 2000), "round", 4),
        (Fraction(-5, 2000), "round", -3),
        (Fraction(-1, 3), "floor", -334),
        (Fraction(-1, 3), "ceil", -333),
        (Fraction(-1, 3), "round", -333),
        ("1.5", "exact", 1500),
        (2, "exact", 2000),
    ],
)
def test_from_seconds_rounding(seconds, rounding, ticks):
    t = Time.from_seconds(seconds, Fraction(1, 1000), rounding)
    assert t.ticks == ticks
    assert t.time_base == Fraction(1, 1000)


def test_from_seconds_exact_refuses_to_lose_precision():
    with pytest.raises(ValueError, match="whole number"):
        Time.from_seconds(Fraction(1, 3), Fraction(1, 1000), "exact")


def test_rescale_exact_and_lossy():
    t = Time(1001, Fraction(1, 30000))
    assert t.rescale(Fraction(1, 90000)) == t
    assert t.rescale(Fraction(1, 90000)).ticks == 3003
    assert t.rescale(Fraction(1, 30000)) is t
    with pytest.raises(ValueError):
        t.rescale(Fraction(1, 1000))
    assert t.rescale(Fraction(1, 1000), "round").ticks == 33
    assert t.rescale(Fraction(1, 1000), "ceil").ticks == 34


@pytest.mark.parametrize(
    ("ticks", "tb", "ms"),
    [
        (3003, Fraction(1, 90000), 33),
        (1, Fraction(1, 2000), 1),
        (-1, Fraction(1, 2000), -1),
        (1001, Fraction(1, 24000), 42),
    ],
)
def test_to_ms(ticks, tb, ms):
    assert Time(ticks, tb).to_ms() == ms


# -- frame ↔ time -------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", RATES, ids=RATE_IDS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_frame_time_frame_round_trip(rate, data):
    frame = data.draw(st.integers(min_value=-1000, max_value=DAY * FrameRate(rate).nominal))
    t = Time.from_frame(frame, rate)
    assert t.seconds == frame / rate
    assert t.to_frame(rate) == frame
    assert t.to_frame(rate, "round") == frame
    assert t.to_frame(rate, "ceil") == frame
    assert t.to_frame(rate, "exact") == frame


@pytest.mark.parametrize("rate", RATES, ids=RATE_IDS)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_to_frame_floor_is_the_frame_on_screen(rate, data):
    frame = data.draw(st.integers(min_value=-1000, max_value=DAY * 60))
    into = data.draw(st.fractions(min_value=0, max_value=1).filter(lambda x: x < 1))
    seconds = (frame + into) / rate
    t = Time(seconds.numerator, Fraction(1, seconds.denominator))  # exactly that instant
    # Any instant from the start of frame N up to (not including) the start of N+1 shows N.
    assert t.to_frame(rate) == frame
    assert t.to_frame(rate, "ceil") == (frame if into == 0 else frame + 1)
    # "round" sends exact halves away from zero (-0.5 frame → -1, like +0.5 → 1).
    half_goes_up = frame >= 0
    rounds_up = into > Fraction(1, 2) or (into == Fraction(1, 2) and half_goes_up)
    assert t.to_frame(rate, "round") == (frame + 1 if rounds_up else frame)


@pytest.mark.parametrize("rate", RATES, ids=RATE_IDS)
@pytest.mark.parametrize("tb", CONTAINER_TBS, ids=TB_IDS)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_frame_to_container_pts_and_back(rate, tb, data):
    """A frame stored as pts in a container time base comes back as the same frame.

    Every listed time base has a tick shorter than half a frame, so the error of rounding to
    a tick (≤ ½ tick) is far below half a frame: rounding in and rounding out is exact.
    Where a frame is a whole number of ticks (1001 ticks of 1/30000 at 29.97, 3750 of
    1/90000 at 24) even the lossless ``exact`` rescale works and floor finds the frame.
    """
    fr = FrameRate(rate)
    frame = data.draw(st.integers(min_value=0, max_value=DAY * fr.nominal))
    t = Time.from_frame(frame, fr)

    assert t.rescale(tb, "round").to_frame(fr, "round") == frame
    # Ceil into the container, floor out: the pts never lands before the frame starts.
    assert t.rescale(tb, "ceil").to_frame(fr, "floor") == frame
    assert t.rescale(tb, "floor").to_frame(fr, "ceil") == frame

    if (fr.frame_duration / tb).denominator == 1:
        pts = t.rescale(tb)  # exact
        assert pts.ticks == frame * fr.frame_duration / tb
        assert pts.to_frame(fr) == frame


def test_coarse_time_base_needs_rounding_not_floor():
    """Matroska's 1 ms ticks at 29.97: frame 1 starts at 33.366… ms and is stored as 33 ms.

    33 ms is a little *before* frame 1, so ``floor`` (the frame on screen) says frame 0; the
    nearest frame start (``round``) says frame 1. Rounding stays exact while the error is
    under half a frame (16.7 ms here), i.e. for any tick shorter than a frame.
    """
    ms = Fraction(1, 1000)
    t = Time.from_frame(1, NTSC_30).rescale(ms, "round")
    assert t.ticks == 33
    assert t.to_frame(NTSC_30, "floor") == 0
    assert t.to_frame(NTSC_30, "round") == 1
    with pytest.raises(ValueError):
        Time.from_frame(1, NTSC_30).rescale(ms)  # the exact rescale refuses


def test_time_base_coarser_than_a_frame_loses_frames():
    # Ticks of 1/25 s cannot hold 29.97 fps: two frames land on the same tick.
    tb = Fraction(1, 25)
    back = [
        Time.from_frame(f, NTSC_30).rescale(tb, "round").to_frame(NTSC_30, "round")
        for f in range(31)
    ]
    assert back != list(range(31))
    assert len(set(back)) < 31


def test_from_frame_uses_one_frame_ticks():
    t = Time.from_frame(5, "29.97")
    assert t.time_base == Fraction(1001, 30000)
    assert t.ticks == 5
    assert Time.from_frame(24, 24).seconds == 1


@pytest.mark.parametrize(
    ("seconds", "rounding", "frame"),
    [
        (Fraction(1, 48), "floor", 0),
        (Fraction(1, 48), "round", 1),
        (Fraction(1, 48), "ceil", 1),
        (Fraction(1, 49), "round", 0),
        (Fraction(-1, 48), "floor", -1),
        (Fraction(-1, 48), "round", -1),
    ],
)
def test_to_frame_rounding_modes(seconds, rounding, frame):
    assert Time.from_seconds(seconds, Fraction(1, 4800)).to_frame(24, rounding) == frame


# -- arithmetic across time bases ---------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(a=times, b=times)
def test_addition_and_subtraction_are_exact(a, b):
    s = a + b
    d = a - b
    assert s.seconds == a.seconds + b.seconds
    assert d.seconds == a.seconds - b.seconds
    assert s == b + a
    assert s - b == a
    assert d + b == a
    assert s.time_base == common_time_base(a.time_base, b.time_base)


@settings(max_examples=100, deadline=None)
@given(a=times, b=times, c=times)
def test_addition_is_associative(a, b, c):
    assert (a + b) + c == a + (b + c)


@settings(max_examples=100, deadline=None)
@given(a=times, k=st.integers(min_value=-1000, max_value=1000))
def test_negation_and_integer_multiples(a, k):
    assert (-a).seconds == -a.seconds
    negated = -a
    assert -negated == a
    assert (a * k).seconds == a.seconds * k
    assert k * a == a * k
    assert a - a == Time.zero()
    assert a + 0 == a
    assert 0 + a == a


def test_sum_of_times():
    parts = [
        Time(1001, Fraction(1, 30000)),
        Time(3003, Fraction(1, 90000)),
        Time(1, Fraction(1001, 30000)),
    ]
    assert sum(parts) == Time(3, Fraction(1001, 30000))


def test_adding_non_times_is_refused():
    t = Time(1, Fraction(1, 1000))
    for bad in (1, 1.0, Fraction(1), "1"):
        with pytest.raises(TypeError):
            t + bad  # type: ignore[operator]
    with pytest.raises(TypeError):
        t * 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        t * True  # type: ignore[operator]


@settings(max_examples=150, deadline=None)
@given(a=times, b=times)
def test_order_and_equality_follow_exact_seconds(a, b):
    assert (a == b) == (a.seconds == b.seconds)
    assert (a < b) == (a.seconds < b.seconds)
    assert (a <= b) == (a.seconds <= b.seconds)
    assert (a > b) == (a.seconds > b.seconds)
    assert (a >= b) == (a.seconds >= b.seconds)
    if a == b:
        assert hash(a) == hash(b)


def test_equal_times_in_different_bases_are_one_key():
    a = Time(1001, Fraction(1, 30000))
    b = Time(3003, Fraction(1, 90000))
    c = Time(1, Fraction(1001, 30000))
    assert a == b == c
    assert len({a, b, c}) == 1
    assert Time(33, Fraction(1, 1000)) != a  # 33 ms is not a 29.97 frame


def test_comparing_with_non_times_raises_type_error():
    t = Time(1, Fraction(1, 1000))
    assert t != 1
    assert (t == "x") is False
    with pytest.raises(TypeError):
        t < 1  # type: ignore[operator]  # noqa: B015
    with pytest.raises(TypeError):
        t >= Fraction(0)  # type: ignore[operator]  # noqa: B015


@settings(max_examples=150, deadline=None)
@given(a=time_bases, b=time_bases)
def test_common_time_base_is_the_coarsest_shared_one(a, b):
    c = common_time_base(a, b)
    na, nb = a / c, b / c
    assert na.denominator == 1 and nb.denominator == 1
    # Coarsest: the two tick counts share no factor, so no larger base holds both.
    assert math.gcd(na.numerator, nb.numerator) == 1


@pytest.mark.parametrize(
    ("a", "b", "c"),
    [
        (Fraction(1, 90000), Fraction(1001, 30000), Fraction(1, 90000)),
        (Fraction(1001, 24000), Fraction(1001, 30000), Fraction(1001, 120000)),
        (Fraction(1, 1000), Fraction(1, 48000), Fraction(1, 48000)),
        (Fraction(1, 25), Fraction(1, 30), Fraction(1, 150)),
        (Fraction(1, 12800), Fraction(1, 90000), Fraction(1, 2880000)),
    ],
)
def test_common_time_base_examples(a, b, c):
    assert common_time_base(a, b) == c


@settings(max_examples=100, deadline=None)
@given(t=times)
def test_time_json_round_trip(t):
    data = t.to_json()
    back = Time.from_json(data)
    assert back == t
    assert back.ticks == t.ticks and back.time_base == t.time_base


def test_time_json_shape_and_refusals():
    assert Time(3003, Fraction(1, 90000)).to_json() == {"ticks": 3003, "time_base": "1/90000"}
    with pytest.raises(ValueError):
        Time.from_json({"ticks": 1.5, "time_base": "1/1000"})
    with pytest.raises(ValueError):
        Time.from_json({"ticks": True, "time_base": "1/1000"})
    with pytest.raises(KeyError):
        Time.from_json({"ticks": 1})


# -- TimeRange ----------------------------------------------------------------------------------
@st.composite
def ranges(draw, max_start=10**6, max_duration=10**6):
    tb = draw(time_bases)
    start = draw(st.integers(min_value=-max_start, max_value=max_start))
    duration = draw(st.integers(min_value=0, max_value=max_duration))
    return TimeRange(Time(start, tb), Time(duration, tb))


def test_range_end_is_exclusive():
    r = TimeRange.from_frames(10, 20, 25)
    assert r.contains(Time.from_frame(10, 25))
    assert r.contains(Time.from_frame(19, 25))
    assert not r.contains(Time.from_frame(20, 25))
    assert not r.contains(Time.from_frame(9, 25))
    assert r.end_exclusive == Time.from_frame(20, 25)
    assert r.duration == Time.from_frame(10, 25)
    assert r.frames(25) == (10, 20)


def test_one_frame_range_has_one_frame_duration():
    r = TimeRange.from_frames(7, 8, NTSC_30)
    assert r.duration.seconds == Fraction(1001, 30000)
    assert r.frames(NTSC_30) == (7, 8)


def test_negative_duration_is_refused():
    with pytest.raises(ValueError, match="negative"):
        TimeRange(Time(0, Fraction(1, 25)), Time(-1, Fraction(1, 25)))
    with pytest.raises(ValueError, match="negative"):
        TimeRange.from_start_end(Time(10, Fraction(1, 25)), Time(9, Fraction(1, 25)))
    with pytest.raises(ValueError, match="negative"):
        TimeRange.from_frames(10, 9, 25)


def test_range_in_two_time_bases_uses_the_common_one():
    r = TimeRange(Time(1, Fraction(1001, 30000)), Time(3003, Fraction(1, 90000)))
    assert r.time_base == Fraction(1, 90000)
    assert r.start.time_base == r.duration.time_base == Fraction(1, 90000)
    assert r.start.ticks == 3003 and r.duration.ticks == 3003


@pytest.mark.parametrize("rate", RATES, ids=RATE_IDS)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_from_frames_frames_round_trip(rate, data):
    first = data.draw(st.integers(min_value=-(10**6), max_value=DAY * 60))
    end = data.draw(st.integers(min_value=first, max_value=first + 10**6))
    r = TimeRange.from_frames(first, end, rate)
    assert r.frames(rate) == (first, end)
    assert r.is_empty() == (first == end)
    assert r.duration.to_frame(rate) == end - first


@pytest.mark.parametrize("rate", RATES, ids=RATE_IDS)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_frames_covers_exactly_the_frames_that_start_inside(rate, data):
    r = data.draw(ranges())
    first, end = r.frames(rate)
    inside = data.draw(st.integers(min_value=first, max_value=max(first, end - 1)))
    for f in {*range(first - 2, first + 3), *range(end - 2, end + 3), inside}:
        assert r.contains(Time.from_frame(f, rate)) == (first <= f < end)


@settings(max_examples=150, deadline=None)
@given(r=ranges())
def test_contains_start_but_not_end(r):
    assume(not r.is_empty())
    assert r.contains(r.start)
    assert not r.contains(r.end_exclusive)
    last_tick = r.end_exclusive - Time(1, r.time_base)
    assert r.contains(last_tick)
    assert not r.contains(r.start - Time(1, r.time_base))


@settings(max_examples=50, deadline=None)
@given(r=ranges())
def test_empty_range_contains_nothing(r):
    empty = TimeRange(r.start, Time(0, r.time_base))
    assert empty.is_empty()
    assert not empty.contains(empty.start)
    assert not empty.overlaps(r)
    assert not r.overlaps(empty)
    assert empty.intersection(r) is None


def test_empty_range_inside_another_does_not_overlap_it():
    outer = TimeRange.from_frames(0, 100, 25)
    empty = TimeRange.from_frames(50, 50, 25)
    assert outer.contains(empty.start)
    assert not outer.overlaps(empty)
    assert not empty.overlaps(outer)
    assert outer.intersection(empty) is None


@settings(max_examples=150, deadline=None)
@given(a=ranges(), b=ranges())
def test_overlap_and_intersection_agree_and_are_symmetric(a, b):
    assert a.overlaps(b) == b.overlaps(a)
    i = a.intersection(b)
    assert i == b.intersection(a)
    assert a.overlaps(b) == (i is not None)
    if i is not None:
        assert not i.is_empty()
        assert i.start == max(a.start, b.start)
        assert i.end_exclusive == min(a.end_exclusive, b.end_exclusive)
        # Every instant of the intersection is in both, and the bounds are tight.
        for t in (i.start, i.end_exclusive - Time(1, common_time_base(a.time_base, b.time_base))):
            assert a.contains(t) and b.contains(t) and i.contains(t)


@settings(max_examples=150, deadline=None)
@given(a=ranges(), gap=st.integers(min_value=0, max_value=10**6), length=st.integers(1, 10**6))
def test_adjacent_ranges_do_not_overlap(a, gap, length):
    assume(not a.is_empty())
    tb = a.time_base
    b = TimeRange(a.end_exclusive + Time(gap, tb), Time(length, tb))
    assert not a.overlaps(b)
    assert not b.overlaps(a)
    assert a.intersection(b) is None
    if gap == 0:
        # Touching: the shared boundary belongs to b only.
        assert b.contains(a.end_exclusive) and not a.contains(a.end_exclusive)
    # One tick of overlap is overlap.
    c = TimeRange(a.end_exclusive - Time(1, tb), Time(length, tb))
    assert a.overlaps(c)
    assert a.intersection(c) == TimeRange(c.start, Time(1, tb))


def test_adjacent_ranges_across_time_bases():
    a = TimeRange.from_frames(0, 10, NTSC_30)
    b = TimeRange(Time(30030, Fraction(1, 90000)), Time(3003, Fraction(1, 90000)))
    assert a.end_exclusive == b.start
    assert not a.overlaps(b)
    assert a.intersection(b) is None


@settings(max_examples=100, deadline=None)
@given(a=ranges(), b=ranges())
def test_clamped_is_intersection(a, b):
    assert a.clamped(b) == a.intersection(b)


@settings(max_examples=100, deadline=None)
@given(r=ranges())
def test_from_start_end_round_trip(r):
    assert TimeRange.from_start_end(r.start, r.end_exclusive) == r


@settings(max_examples=100, deadline=None)
@given(r=ranges())
def test_range_json_round_trip(r):
    back = TimeRange.from_json(r.to_json())
    assert back == r
    assert back.time_base == r.time_base
    assert hash(back) == hash(r)


def test_range_json_shape():
    r = TimeRange.from_frames(10, 20, NTSC_30)
    assert r.to_json() == {"start": 10, "duration": 10, "time_base": "1001/30000"}
    with pytest.raises(ValueError):
        TimeRange.from_json({"start": 1.0, "duration": 1, "time_base": "1/25"})
