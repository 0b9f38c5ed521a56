"""FrameIndex: frame numbers ↔ pts for constant and variable frame rate streams."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from issue_rates import NTSC_24, NTSC_30, NTSC_60, RATE_IDS, RATES

from vidi_desktop.core.frame_index import FrameIndex
from vidi_desktop.core.rate import FrameRate
from vidi_desktop.core.time import Time

MS = Fraction(1, 1000)
TB_90K = Fraction(1, 90000)


def _grid_pts(rate: Fraction, tb: Fraction, n: int, offset: int = 0) -> list[int]:
    """What a muxer writes: each frame's start time rounded to the nearest tick."""
    return [offset + round(i / (rate * tb)) for i in range(n)]


# -- construction -------------------------------------------------------------------------------
def test_from_pts_sorts_decode_order_with_b_frames():
    # IPBB… in decode order (25 fps in 1/12800): I0 P3 B1 B2 P6 B4 B5, display order 0..6.
    step = 512
    decode = [0, 3, 1, 2, 6, 4, 5]
    idx = FrameIndex.from_pts([d * step for d in decode], Fraction(1, 12800), keyframe_pts=[0])
    assert idx.pts == tuple(i * step for i in range(7))
    assert idx.keyframes == (0,)
    assert len(idx) == 7
    assert idx.time_of(3) == Time(3 * step, Fraction(1, 12800))
    assert idx.constant_rate() == FrameRate(Fraction(25))


def test_from_pts_keyframes_are_frame_numbers_in_display_order():
    decode = [0, 3, 1, 2, 9, 6, 4, 5, 7, 8]  # a second GOP opens at display frame 6
    idx = FrameIndex.from_pts([d * 100 for d in decode], MS, keyframe_pts=[0, 600])
    assert idx.keyframes == (0, 6)


def test_from_pts_drops_duplicates():
    idx = FrameIndex.from_pts([0, 40, 40, 80, 0, 120], MS, keyframe_pts=[0, 0])
    assert idx.pts == (0, 40, 80, 120)
    assert idx.keyframes == (0,)


def test_from_pts_ignores_keyframe_pts_that_are_not_frames():
    idx = FrameIndex.from_pts([0, 40, 80], MS, keyframe_pts=[0, 50])
    assert idx.keyframes == (0,)


def test_negative_pts_are_fine():
    # Edit lists and B-frame delay give the first frames negative pts.
    idx = FrameIndex.from_pts([-2002, -1001, 0, 1001], Fraction(1, 30000))
    assert idx.start == Time(-2002, Fraction(1, 30000))
    assert idx.frame_at(Time(0, MS)) == 2
    assert idx.constant_rate() == FrameRate(NTSC_30)


def test_constructor_requires_strictly_increasing_pts():
    with pytest.raises(ValueError, match="strictly increasing"):
        FrameIndex((0, 40, 40), MS)
    with pytest.raises(ValueError, match="strictly increasing"):
        FrameIndex((0, 80, 40), MS)


def test_constructor_normalises_lists_and_text_time_base():
    idx = FrameIndex([0, 40, 80], "1/1000", [0])  # type: ignore[arg-type]
    assert idx.pts == (0, 40, 80)
    assert idx.keyframes == (0,)
    assert idx.time_base == MS
    assert hash(idx) == hash(FrameIndex((0, 40, 80), MS, (0,)))


def test_constructor_accepts_numpy_integers():
    np = pytest.importorskip("numpy")
    idx = FrameIndex(tuple(np.arange(0, 400, 40, dtype=np.int64)), MS)
    assert all(type(p) is int for p in idx.pts)
    assert idx.constant_rate() == FrameRate(Fraction(25))


@pytest.mark.parametrize("bad", [(0.5, 1.0), ("0", "40")])
def test_constructor_refuses_non_integer_pts(bad):
    with pytest.raises(TypeError):
        FrameIndex(bad, MS)


@pytest.mark.parametrize("tb", [Fraction(0), Fraction(-1, 1000)])
def test_constructor_refuses_non_positive_time_base(tb):
    with pytest.raises(ValueError, match="time base"):
        FrameIndex((0, 1), tb)


@pytest.mark.parametrize("keys", [(1, 0), (0, 0), (-1,), (3,)])
def test_constructor_refuses_bad_keyframe_numbers(keys):
    with pytest.raises(ValueError, match="keyframe"):
        FrameIndex((0, 40, 80), MS, keys)


# -- empty and single-frame tables ----------------------------------------------------------------
def test_empty_index():
    idx = FrameIndex((), MS)
    assert len(idx) == 0
    with pytest.raises(IndexError):
        idx.frame_at(Time(0, MS))
    with pytest.raises(IndexError):
        idx.time_of(0)
    with pytest.raises(IndexError):
        _ = idx.start
    assert idx.frame_of_pts(0) is None
    assert idx.keyframe_at_or_before(5) == 0
    assert idx.constant_rate() is None
    assert idx.constant_rate(NTSC_30) == FrameRate(NTSC_30)


def test_single_frame_index():
    idx = FrameIndex((1000,), MS, (0,))
    assert idx.frame_at(Time(0, MS)) == 0
    assert idx.frame_at(Time(10**9, MS)) == 0
    assert idx.time_of(0) == Time(1, Fraction(1))
    assert idx.constant_rate() is None  # one frame has no rate…
    assert idx.constant_rate(Fraction(2997, 100)) == FrameRate(NTSC_30)  # …but the hint does


# -- time_of / frame_at -------------------------------------------------------------------------
@st.composite
def vfr_pts(draw, min_size=1, max_size=200):
    """Strictly increasing pts with arbitrary gaps, maybe starting below zero."""
    start = draw(st.integers(min_value=-(10**6), max_value=10**6))
    gaps = draw(
        st.lists(
            st.integers(min_value=1, max_value=10**5), min_size=min_size - 1, max_size=max_size - 1
        )
    )
    pts = [start]
    for g in gaps:
        pts.append(pts[-1] + g)
    return pts


time_bases = st.sampled_from(
    [MS, TB_90K, Fraction(1, 12800), Fraction(1001, 30000), Fraction(1, 44100)]
)


@settings(max_examples=100, deadline=None)
@given(pts=vfr_pts(), tb=time_bases)
def test_time_of_frame_at_round_trip(pts, tb):
    idx = FrameIndex(tuple(pts), tb)
    for i in range(len(idx)):
        t = idx.time_of(i)
        assert t == Time(pts[i], tb)
        assert idx.frame_at(t) == i
        assert idx.frame_of_pts(pts[i]) == i
        # The frame stays on screen until the tick before the next one.
        if i + 1 < len(idx):
            assert idx.frame_at(Time(pts[i + 1] - 1, tb)) == i


@settings(max_examples=100, deadline=None)
@given(pts=vfr_pts(), tb=time_bases, query_tb=time_bases, data=st.data())
def test_frame_at_is_the_last_frame_not_after_t_in_any_time_base(pts, tb, query_tb, data):
    idx = FrameIndex(tuple(pts), tb)
    lo = (pts[0] * tb / query_tb).__floor__() - 10
    hi = (pts[-1] * tb / query_tb).__ceil__() + 10
    t = Time(data.draw(st.integers(min_value=lo, max_value=hi)), query_tb)
    shown = [i for i, p in enumerate(pts) if p * tb <= t.seconds]
    expected = shown[-1] if shown else 0
    assert idx.frame_at(t) == expected


@settings(max_examples=50, deadline=None)
@given(pts=vfr_pts(), tb=time_bases)
def test_frame_at_clamps_to_the_clip(pts, tb):
    idx = FrameIndex(tuple(pts), tb)
    assert idx.frame_at(idx.start - Time(1, tb)) == 0
    assert idx.frame_at(Time(-(10**12), Fraction(1))) == 0
    assert idx.frame_at(Time(pts[-1] + 1, tb)) == len(idx) - 1
    assert idx.frame_at(Time(10**12, Fraction(1))) == len(idx) - 1


def test_frame_at_across_time_bases_is_exact():
    # 29.97 in 1/30000; a query in 1/90000 one tick before frame 1 is still frame 0.
    idx = FrameIndex(tuple(i * 1001 for i in range(10)), Fraction(1, 30000))
    assert idx.frame_at(Time(3003, TB_90K)) == 1
    assert idx.frame_at(Time(3002, TB_90K)) == 0
    assert idx.frame_at(Time.from_frame(5, NTSC_30)) == 5


@pytest.mark.parametrize("frame", [-1, 3, 100])
def test_time_of_outside_the_clip_raises(frame):
    idx = FrameIndex((0, 40, 80), MS)
    with pytest.raises(IndexError):
        idx.time_of(frame)


def test_frame_of_pts_misses():
    idx = FrameIndex((0, 40, 80), MS)
    assert idx.frame_of_pts(40) == 1
    assert idx.frame_of_pts(41) is None
    assert idx.frame_of_pts(-1) is None
    assert idx.frame_of_pts(120) is None


# -- keyframes ----------------------------------------------------------------------------------
def test_keyframe_at_or_before():
    idx = FrameIndex(tuple(range(0, 1200, 40)), MS, (0, 12, 24))
    assert idx.keyframe_at_or_before(0) == 0
    assert idx.keyframe_at_or_before(11) == 0
    assert idx.keyframe_at_or_before(12) == 12
    assert idx.keyframe_at_or_before(23) == 12
    assert idx.keyframe_at_or_before(29) == 24
    assert idx.keyframe_at_or_before(10**6) == 24


def test_keyframe_at_or_before_without_a_keyframe_before_is_zero():
    idx = FrameIndex(tuple(range(0, 400, 40)), MS, (3, 7))
    assert idx.keyframe_at_or_before(2) == 0
    assert idx.keyframe_at_or_before(5) == 3
    assert FrameIndex(tuple(range(0, 400, 40)), MS).keyframe_at_or_before(9) == 0


@settings(max_examples=100, deadline=None)
@given(n=st.integers(min_value=1, max_value=300), data=st.data())
def test_keyframe_at_or_before_property(n, data):
    keys = sorted(data.draw(st.sets(st.integers(min_value=0, max_value=n - 1))))
    idx = FrameIndex(tuple(range(n)), MS, tuple(keys))
    frame = data.draw(st.integers(min_value=0, max_value=n - 1))
    before = [k for k in keys if k <= frame]
    assert idx.keyframe_at_or_before(frame) == (before[-1] if before else 0)


# -- constant_rate ------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", RATES, ids=RATE_IDS)
@pytest.mark.parametrize(
    "tb",
    [TB_90K, Fraction(1, 30000), Fraction(1, 12800), MS, Fraction(1, 24000), Fraction(1, 600)],
    ids=["1/90000", "1/30000", "1/12800", "1/1000", "1/24000", "1/600"],
)
@settings(max_examples=10, deadline=None)
@given(n=st.integers(min_value=60, max_value=3000), offset=st.integers(-5000, 10**6))
def test_constant_rate_finds_every_rate_on_a_rounded_grid(rate, tb, n, offset):
    """From a couple of seconds of frames on, even 1 ms or 1/600 ticks tell 29.97 from 30."""
    idx = FrameIndex(tuple(_grid_pts(rate, tb, n, offset)), tb)
    assert idx.constant_rate() == FrameRate(rate)
    assert idx.constant_rate(hint=rate) == FrameRate(rate)


@pytest.mark.parametrize("rate", RATES, ids=RATE_IDS)
@settings(max_examples=10, deadline=None)
@given(n=st.integers(min_value=2, max_value=300), offset=st.integers(-5000, 10**6))
def test_constant_rate_with_the_declared_rate_works_on_short_clips(rate, n, offset):
    idx = FrameIndex(tuple(_grid_pts(rate, MS, n, offset)), MS)
    assert idx.constant_rate(hint=rate) == FrameRate(rate)


def test_matroska_1ms_rounding_of_23976():
    pts = [round(i * Fraction(1001, 24)) for i in range(2000)]
    steps = {b - a for a, b in itertools.pairwise(pts)}
    assert steps == {41, 42}  # the steps alternate, yet the stream is constant-rate
    idx = FrameIndex(tuple(pts), MS)
    assert idx.constant_rate() == FrameRate(NTSC_24)
    assert idx.constant_rate(Fraction(24000, 1001)) == FrameRate(NTSC_24)
    assert idx.constant_rate(Fraction(23976, 1000)) == FrameRate(NTSC_24)  # declared, snapped


def test_matroska_1ms_rounding_of_2997_and_5994():
    for rate in (NTSC_30, NTSC_60):
        pts = [round(i / rate * 1000) for i in range(1000)]
        assert FrameIndex(tuple(pts), MS).constant_rate() == FrameRate(rate)


def test_truncated_rather_than_rounded_pts_still_fit():
    # Some muxers floor: errors in [0, 1) tick instead of ±½.
    pts = [int(i * Fraction(1001, 30)) for i in range(1000)]
    assert FrameIndex(tuple(pts), MS).constant_rate() == FrameRate(NTSC_30)


def test_every_third_frame_dropped_is_vfr():
    pts = [p for i, p in enumerate(_grid_pts(Fraction(30), MS, 300)) if i % 3 != 2]
    idx = FrameIndex(tuple(pts), MS)
    assert idx.constant_rate() is None
    assert idx.constant_rate(hint=Fraction(30)) is None
    assert idx.constant_rate(hint=Fraction(20)) is None


def test_one_dropped_frame_is_vfr():
    pts = _grid_pts(NTSC_30, TB_90K, 600)
    del pts[300]
    assert FrameIndex(tuple(pts), TB_90K).constant_rate(hint=NTSC_30) is None


def test_phone_style_jitter_is_vfr():
    rng = random.Random(7)
    pts, t = [], 0
    for _ in range(500):
        pts.append(t)
        t += 3000 + rng.randint(-300, 300)  # ~30 fps with 10 % jitter, 1/90000
    assert FrameIndex(tuple(pts), TB_90K).constant_rate() is None


def test_screen_recording_with_rate_changes_is_vfr():
    pts = _grid_pts(Fraction(60), MS, 120) + [2000 + p for p in _grid_pts(Fraction(10), MS, 30)]
    assert FrameIndex(tuple(pts), MS).constant_rate() is None


def test_hint_breaks_the_tie_on_short_coarse_clips():
    """10 frames of 29.97 in 1 ms ticks fit the 30 fps grid too (drift 0.3 ms < 1 tick).

    Without a declaration the measured rate (9 frames in 300 ms = exactly 30) wins; with the
    container's declared 30000/1001 the answer is 29.97. A declared 30 keeps 30, and a
    declaration that does not fit (25) is ignored.
    """
    pts = _grid_pts(NTSC_30, MS, 10)
    assert pts[-1] == 300
    idx = FrameIndex(tuple(pts), MS)
    assert idx.constant_rate() == FrameRate(Fraction(30))
    assert idx.constant_rate(hint=NTSC_30) == FrameRate(NTSC_30)
    assert idx.constant_rate(hint=Fraction(2997, 100)) == FrameRate(NTSC_30)
    assert idx.constant_rate(hint=FrameRate.parse("29.97")) == FrameRate(NTSC_30)
    assert idx.constant_rate(hint="29.97") == FrameRate(NTSC_30)
    assert idx.constant_rate(hint=Fraction(30)) == FrameRate(Fraction(30))
    assert idx.constant_rate(hint=Fraction(25)) == FrameRate(Fraction(30))


def test_short_coarse_clip_gives_a_standard_rate_not_its_raw_measure():
    # 16 frames of 23.976 in 1 ms: 15 intervals in 626 ms measure 7500/313 ≈ 23.962, too far
    # from 23.976 to snap, yet the 23.976 grid fits every pts within a tick.
    pts = _grid_pts(NTSC_24, MS, 16)
    assert Fraction(15, pts[-1] - pts[0]) * 1000 == Fraction(7500, 313)
    assert FrameIndex(tuple(pts), MS).constant_rate() == FrameRate(NTSC_24)


def test_a_long_clip_is_not_fooled_by_a_wrong_hint():
    idx = FrameIndex(tuple(_grid_pts(NTSC_30, MS, 600)), MS)
    assert idx.constant_rate(hint=Fraction(30)) == FrameRate(NTSC_30)


@pytest.mark.parametrize("hint", [Fraction(0), None, "0/1", "garbage", Fraction(-25)])
def test_unusable_hints_are_ignored(hint):
    idx = FrameIndex(tuple(_grid_pts(Fraction(25), MS, 100)), MS)
    assert idx.constant_rate(hint=hint) == FrameRate(Fraction(25))


@pytest.mark.parametrize(
    ("rate", "tb"),
    [
        (Fraction(25, 2), MS),
        (Fraction(15, 2), TB_90K),
        (Fraction(1000), MS),
        (Fraction(2998, 100), TB_90K),
    ],
)
def test_odd_constant_rates_are_found(rate, tb):
    idx = FrameIndex(tuple(_grid_pts(rate, tb, 500)), tb)
    assert idx.constant_rate() == FrameRate(rate)


def test_two_frames_give_their_spacing():
    assert FrameIndex((0, 40), MS).constant_rate() == FrameRate(Fraction(25))


def test_tolerance_ticks_zero_demands_an_exact_grid():
    pts = tuple(round(i * Fraction(1001, 24)) for i in range(1000))
    assert FrameIndex(pts, MS).constant_rate(tolerance_ticks=0) is None
    exact = tuple(i * 1001 for i in range(1000))
    assert FrameIndex(exact, Fraction(1, 24000)).constant_rate(tolerance_ticks=0) == FrameRate(
        NTSC_24
    )


def test_constant_rate_on_a_long_table_is_answered():
    # 200,000 stamps (two hours at 29.97): a linear pass takes milliseconds, a quadratic one
    # (4e10 steps) would not finish within the suite's per-test timeout. No wall-clock bound
    # is asserted here: the speed itself is a benchmark's business.
    idx = FrameIndex(tuple(_grid_pts(NTSC_30, TB_90K, 200_000)), TB_90K)
    assert idx.constant_rate() == FrameRate(NTSC_30)
