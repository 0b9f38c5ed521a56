"""Transcription windows: only speech, bounded length, long speech split with exact keeps."""

from __future__ import annotations

import numpy as np
import pytest

from vidi_desktop.analysis.windows import RATE, plan_windows

S = RATE  # one second in samples


def test_windows_hold_only_speech_and_its_padding() -> None:
    spans = [(10 * S, 12 * S), (40 * S, 41 * S), (300 * S, 303 * S)]
    windows = plan_windows(spans, 400 * S, pad=S // 4)
    covered = [(p.start, p.end) for w in windows for p in w.pieces]
    assert covered == [(a - S // 4, b + S // 4) for a, b in spans]
    assert sum(w.samples for w in windows) == 6 * S + 6 * (S // 4)


def test_close_speech_is_joined_and_windows_never_exceed_the_limit() -> None:
    spans = [(k * 7 * S, k * 7 * S + 6 * S) for k in range(60)]  # 6 s talk, 1 s pauses
    windows = plan_windows(spans, 60 * 7 * S, max_samples=30 * S, pad=S // 4)
    assert all(w.samples <= 30 * S for w in windows)
    assert len(windows) >= 14
    # Every speech sample is in exactly one window.
    seen = np.zeros(60 * 7 * S, np.int8)
    for w in windows:
        for p in w.pieces:
            seen[p.start : p.end] += 1
    for a, b in spans:
        assert (seen[a:b] == 1).all()


def test_a_long_segment_splits_at_its_quietest_moment_with_overlap() -> None:
    rng = np.random.default_rng(0)
    mono = rng.normal(0, 0.3, 100 * S).astype(np.float32)
    mono[25 * S : 25 * S + 2048] = 0.0  # a breath: the quietest place before the limit
    windows = plan_windows([(0, 100 * S)], 100 * S, mono, max_samples=30 * S, overlap=2 * S)
    assert all(w.samples <= 30 * S for w in windows)
    first, second = windows[0], windows[1]
    assert first.keep_to is not None and 25 * S <= first.keep_to < 25 * S + 2048
    assert second.keep_from == first.keep_to
    assert second.pieces[0].start == first.keep_to - 2 * S  # the overlap before the split
    assert first.pieces[0].end == first.keep_to + 2 * S  # and after it


@pytest.mark.parametrize("start", [0, 5 * S, 26 * S - 1, 26 * S, 59 * S, 100 * S - 1])
def test_each_word_start_is_kept_by_exactly_one_window(start: int) -> None:
    windows = plan_windows([(0, 100 * S)], 100 * S, None, max_samples=30 * S, overlap=2 * S)
    owners = [
        w for w in windows
        if w.pieces[0].start <= start < w.pieces[-1].end and w.keeps(start)
    ]
    assert len(owners) == 1


def test_positions_in_the_joined_audio_map_back_to_the_clip() -> None:
    (w,) = plan_windows([(S, 2 * S), (10 * S, 11 * S)], 20 * S, pad=0)
    assert w.to_clip(0) == S
    assert w.to_clip(S - 1) == 2 * S - 1
    assert w.to_clip(S) == 10 * S  # the first sample of the second piece
    assert w.to_clip(2 * S) == 11 * S  # one past the end
    mono = np.arange(20 * S, dtype=np.float32)
    audio = w.audio(mono)
    assert audio[0] == S and audio[S] == 10 * S and len(audio) == 2 * S


def test_a_window_never_spans_more_than_its_limit_of_the_clip() -> None:
    """Short speech far apart: a window decoded from the file stays a bounded read."""
    spans = [(k * 100 * S, k * 100 * S + S) for k in range(30)]  # 1 s every 100 s
    windows = plan_windows(spans, 3000 * S, pad=0, max_span=300 * S)
    assert all(w.span[1] - w.span[0] <= 300 * S for w in windows)
    assert sum(len(w.pieces) for w in windows) == 30


def test_audio_can_come_from_a_decoded_span() -> None:
    (w,) = plan_windows([(S, 2 * S), (10 * S, 11 * S)], 20 * S, pad=0)
    mono = np.arange(20 * S, dtype=np.float32)
    a, b = w.span
    assert np.array_equal(w.audio(mono[a:b], offset=a), w.audio(mono))
