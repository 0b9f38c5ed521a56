"""Silence by level (hysteresis, exact hop boundaries) and "remove silences" cut ranges."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vidi_desktop.analysis.silence import (
    FLOOR_DB,
    LevelTrack,
    detect_silences,
    levels_db,
    remove_silences,
    silence_suggestions,
    silences_from_speech,
)
from vidi_desktop.analysis.speech import AudioInputError, SpeechSegment
from vidi_desktop.core.frame_index import FrameIndex
from vidi_desktop.core.project.model import CutRange, SilenceCut
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.media.audio import AudioClip

RATE = 16000
TICK = Fraction(1, RATE)
MS = Fraction(1, 1000)


def tone(seconds: float, db: float) -> np.ndarray:
    """A 400 Hz sine whose RMS is ``db`` dBFS; a 10 ms hop holds exactly four periods."""
    amplitude = np.sqrt(2) * 10 ** (db / 20)
    t = np.arange(round(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * 400 * t)).astype(np.float32)


def quiet(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * RATE), np.float32)


def clip_of(*parts: np.ndarray, start: Time | None = None) -> AudioClip:
    return AudioClip(np.concatenate(parts)[None, :], RATE, start or Time(0, TICK))


def sec(num: int | str, base: Fraction = MS) -> Time:
    """Milliseconds (or another base) as a Time: ``sec(1500)`` is 1.5 s."""
    return Time(int(num), base)


def span(a_ms: int, b_ms: int) -> TimeRange:
    return TimeRange.from_start_end(sec(a_ms), sec(b_ms))


# -- levels and detection --------------------------------------------------------------------


def test_levels_are_rms_dbfs_per_10ms() -> None:
    track = levels_db(clip_of(tone(0.1, -20.0), quiet(0.05)))
    assert track.hop == 160 and len(track) == 15
    np.testing.assert_allclose(track.db[:10], -20.0, atol=0.01)
    assert (track.db[10:] == FLOOR_DB).all()


def test_hysteresis_holds_silence_through_a_level_between_thresholds() -> None:
    # loud | zero 0.5 s | -41 dB 0.3 s (between enter -45 and leave -38) | zero 0.2 s | loud
    clip = clip_of(tone(1, -6), quiet(0.5), tone(0.3, -41), quiet(0.2), tone(1, -6))
    with_hysteresis = detect_silences(clip, enter_db=-45, leave_db=-38, min_length=Fraction(1, 5))
    assert with_hysteresis == [span(1000, 2000)]
    # Without hysteresis the -41 dB stretch is sound, leaving two silences.
    single = detect_silences(clip, enter_db=-45, leave_db=-45, min_length=Fraction(1, 5))
    assert single == [span(1000, 1500), span(1800, 2000)]


def test_level_between_thresholds_does_not_start_a_silence() -> None:
    clip = clip_of(tone(1, -6), tone(0.5, -41), tone(1, -6))
    assert detect_silences(clip, enter_db=-45, leave_db=-38) == []


def test_min_length_drops_short_dips() -> None:
    clip = clip_of(tone(1, -6), quiet(0.1), tone(1, -6), quiet(0.3), tone(1, -6))
    assert detect_silences(clip, min_length=Fraction(1, 5)) == [span(2100, 2400)]
    assert detect_silences(clip, min_length=0) == [span(1000, 1100), span(2100, 2400)]


def test_trailing_silence_ends_at_the_clip_end_exactly() -> None:
    clip = clip_of(tone(1, -6), quiet(0.5), np.zeros(37, np.float32))  # a partial last hop
    assert detect_silences(clip) == [TimeRange(sec(1000), Time(8037, TICK))]


def test_silences_are_placed_at_the_clip_start() -> None:
    start = Time(160_000 + 37, TICK)  # 10.0023125 s: not on the 10 ms grid of the timeline
    found = detect_silences(clip_of(tone(1, -6), quiet(0.5), tone(1, -6), start=start))
    assert found == [TimeRange(start + sec(1000), sec(500))]


def test_contradictory_thresholds_are_refused() -> None:
    with pytest.raises(AudioInputError, match="leave level"):
        detect_silences(clip_of(quiet(1)), enter_db=-30, leave_db=-40)
    with pytest.raises(AudioInputError, match="hop"):
        levels_db(clip_of(quiet(1)), hop_ms=0)


# -- remove_silences ---------------------------------------------------------------------------

TEN_S = TimeRange(sec(0), sec(10_000))
SILENCES = [span(0, 1000), span(3000, 3400), span(5000, 6500), span(9000, 10_000)]


def test_margin_is_kept_next_to_speech_and_edges_are_cut_whole() -> None:
    cuts = remove_silences(SILENCES, TEN_S, margin=Fraction(1, 5), min_silence=Fraction(1, 2))
    # The 0.4 s pause is below min_silence; leading/trailing silence goes to the edge.
    assert cuts == [span(0, 800), span(5200, 6300), span(9200, 10_000)]


def test_margin_pair_is_before_and_after_speech() -> None:
    cuts = remove_silences(SILENCES, TEN_S, margin=(Fraction(1, 10), Fraction(3, 10)))
    assert cuts == [span(0, 900), span(5300, 6400), span(9300, 10_000)]


def test_keep_pauses_shorter_than_spares_inner_pauses_only() -> None:
    cuts = remove_silences(SILENCES, TEN_S, keep_pauses_shorter_than=2)
    assert cuts == [span(0, 800), span(9200, 10_000)]


def test_a_margin_larger_than_half_the_pause_cuts_nothing() -> None:
    assert remove_silences([span(5000, 5500)], TEN_S, margin="0.3", min_silence=0) == []


def test_a_duration_means_an_extent_from_zero() -> None:
    assert remove_silences(SILENCES, sec(10_000)) == remove_silences(SILENCES, TEN_S)


def test_silences_from_speech_are_the_gaps() -> None:
    speech = [
        SpeechSegment(span(1000, 3000), 0.9),
        SpeechSegment(span(3400, 5000), 0.9),
        SpeechSegment(span(6500, 9000), 0.9),
    ]
    assert silences_from_speech(speech, TEN_S) == SILENCES
    assert silences_from_speech([], TEN_S) == [TEN_S]


def test_overlapping_silences_are_merged_and_clamped() -> None:
    cuts = remove_silences(
        [span(4000, 5500), span(5000, 7000), span(9500, 12_000)], TEN_S, margin=0
    )
    assert cuts == [span(4000, 7000), span(9500, 10_000)]


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.integers(0, 3000), min_size=1, max_size=8),
    talks=st.lists(st.integers(1, 3000), min_size=8, max_size=8),
    margin_ms=st.integers(0, 600),
    min_ms=st.integers(0, 1500),
)
def test_cuts_never_reach_into_speech_plus_margin(
    gaps: list[int], talks: list[int], margin_ms: int, min_ms: int
) -> None:
    speech: list[TimeRange] = []
    t = 0
    for gap, talk in zip(gaps, talks, strict=False):
        t += gap
        speech.append(span(t, t + talk))
        t += talk
    extent = TimeRange(sec(0), sec(t + 500))
    margin = Fraction(margin_ms, 1000)
    cuts = remove_silences(
        silences_from_speech(speech, extent),
        extent,
        margin=margin,
        min_silence=Fraction(min_ms, 1000),
    )
    for c in cuts:
        assert not c.is_empty()
        for s in speech:
            guarded = TimeRange.from_start_end(
                max(extent.start, s.start - sec(margin_ms)),
                min(extent.end_exclusive, s.end_exclusive + sec(margin_ms)),
            )
            assert not c.overlaps(guarded)
    assert all(a.end_exclusive <= b.start for a, b in itertools.pairwise(cuts))


# -- snapping to video frames ------------------------------------------------------------------


def flat_levels(seconds: int, db: float, dips: dict[int, float]) -> LevelTrack:
    """A level track at ``db`` with some 10 ms hops (by index) set to other levels."""
    track = np.full(seconds * 100, db, np.float32)
    for hop, level in dips.items():
        track[hop] = level
    return LevelTrack(track, 160, RATE, Time(0, TICK), seconds * RATE)


def test_snap_to_the_nearest_frame_boundary_without_levels() -> None:
    cuts = remove_silences([span(1000, 3000)], TEN_S, margin="0.21", snap_to=25)
    # Raw cut 1.21–2.79 s; 25 fps boundaries every 40 ms: 1.20 and 2.80 are nearest.
    assert cuts == [TimeRange.from_start_end(Time(30, Fraction(1, 25)), Time(70, Fraction(1, 25)))]


def test_snap_prefers_the_quietest_boundary_within_the_window() -> None:
    # Noise floor -60 dB, a -90 dB dip around 1.28 s (hops 127, 128) and a deeper one at
    # 1.40 s, which is beyond the two-frame window of the nearest boundary (1.20 s).
    levels = flat_levels(10, -60.0, {127: -90.0, 128: -90.0, 139: -100.0, 140: -100.0})
    cuts = remove_silences([span(1000, 3000)], TEN_S, margin="0.21", snap_to=25, levels=levels)
    assert cuts[0].start == Time(32, Fraction(1, 25))  # 1.28 s
    assert cuts[0].end_exclusive == Time(70, Fraction(1, 25))  # flat: the nearest, 2.80 s


def test_snap_never_moves_a_cut_into_speech() -> None:
    # Margin 0: the raw cut starts where speech ends (1.0 s); a quieter boundary at 0.96 s
    # lies inside the speech and must not be taken.
    levels = flat_levels(10, -50.0, {95: -100.0, 96: -100.0})
    cuts = remove_silences([span(1000, 3000)], TEN_S, margin=0, snap_to=25, levels=levels)
    assert cuts[0].start >= sec(1000)
    assert cuts[0].end_exclusive <= sec(3000)


def test_snap_uses_the_pts_of_a_variable_rate_frame_table() -> None:
    # Frames at irregular times (ms): the boundary nearest 1.21 s is the frame at 1.23 s.
    pts = [0, 400, 900, 1150, 1230, 1500, 2000, 2790, 2900, 10_000]
    index = FrameIndex(tuple(pts), MS)
    cuts = remove_silences([span(1000, 3000)], TEN_S, margin="0.21", snap_to=index)
    assert cuts == [span(1230, 2790)]


def test_cuts_become_cut_suggestions() -> None:
    cuts = [span(0, 800), span(5200, 6300)]
    suggestions = silence_suggestions("a1b2c3", cuts)
    assert [s.payload for s in suggestions] == [SilenceCut(c) for c in cuts]
    assert all(s.kind == "silence_cut" and isinstance(s.payload, CutRange) for s in suggestions)
    assert all(s.asset_id == "a1b2c3" and s.source == "silence" for s in suggestions)
    assert suggestions[1].label == "silence 1.1 s"
    assert suggestions[0].payload.edit_action() == "cut"


def test_negative_settings_are_refused() -> None:
    with pytest.raises(AudioInputError, match="margin"):
        remove_silences(SILENCES, TEN_S, margin=-1)
    with pytest.raises(AudioInputError, match="minimum silence"):
        remove_silences(SILENCES, TEN_S, min_silence="soon")


# -- real footage ------------------------------------------------------------------------------


def test_example_long_silence_is_found_by_level_and_removed(shared_media: Path) -> None:
    from vidi_desktop.analysis.speech import detect_speech, load_speech_audio
    from vidi_desktop.core.rate import FrameRate

    clip = load_speech_audio(shared_media / "example.mp4")
    assert clip is not None
    silences = detect_silences(clip, min_length=Fraction(1, 2))
    long_ones = [s for s in silences if s.duration.seconds > 5]
    assert len(long_ones) == 1
    assert (
        17.2 < long_ones[0].start.seconds < 17.6
        and 39.7 < long_ones[0].end_exclusive.seconds < 40.1
    )

    speech = detect_speech(clip)
    extent = TimeRange(Time(0, TICK), Time(clip.samples.shape[1], TICK))
    cuts = remove_silences(
        silences_from_speech(speech, extent),
        extent,
        snap_to=FrameRate(30),
        levels=levels_db(clip),
    )
    biggest = max(cuts, key=lambda c: c.duration.seconds)
    assert 17.4 < biggest.start.seconds < 17.7 and 39.7 < biggest.end_exclusive.seconds < 40.0
    for t in (biggest.start, biggest.end_exclusive):
        t.rescale(Fraction(1, 30))  # on the 30 fps frame grid: "exact" rescaling would raise
    for c in cuts:
        assert not any(c.overlaps(s.range) for s in speech)
