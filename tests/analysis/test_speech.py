"""Speech segments (silero-vad): espeak-ng sentences placed at known times, with noise."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from vidi_desktop.analysis.speech import (
    NO_AUDIO_NOTE,
    AudioInputError,
    NoAudioError,
    detect_speech,
    load_speech_audio,
    speech_engine,
)
from vidi_desktop.core.errors import CancelledError, MissingStreamError
from vidi_desktop.core.progress import JobContext
from vidi_desktop.core.time import Time
from vidi_desktop.media.audio import AudioClip
from vidi_desktop.media.synth import speak

RATE = 16000
TICK = Fraction(1, RATE)

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


def espeak(text: str, voice: str = "en-us", wpm: int = 150) -> np.ndarray:
    """``text`` spoken by espeak-ng at 16 kHz (see :func:`vidi_desktop.media.synth.speak`)."""
    return speak(text, voice, wpm, 16000)



def place(
    total_s: float, parts: list[tuple[float, np.ndarray]], noise_db: float = -55.0, seed: int = 0
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """A timeline with each utterance starting at its time over white noise; returns the
    samples and each utterance's true [first, end) sample."""
    rng = np.random.default_rng(seed)
    out = rng.normal(0, 10 ** (noise_db / 20), int(total_s * RATE)).astype(np.float32)
    truth = []
    for at, x in parts:
        a = int(at * RATE)
        out[a : a + len(x)] += x
        truth.append((a, a + len(x)))
    return out, truth


def clip_of(samples: np.ndarray, start: Time | None = None) -> AudioClip:
    return AudioClip(samples[None, :].astype(np.float32), RATE, start or Time(0, TICK))


@pytest.fixture(scope="module")
def three_sentences() -> tuple[np.ndarray, list[tuple[int, int]]]:
    if shutil.which("espeak-ng") is None:
        pytest.skip("needs espeak-ng")
    return place(
        11.0,
        [
            (0.5, espeak("The quick brown fox jumps over the lazy dog")),
            (4.0, espeak("Please remove the silences from this interview", "en-gb")),
            (8.0, espeak("Subtitles appear on screen", "en-us+f3", 170)),
        ],
    )


@needs_espeak
def test_segments_match_the_known_utterances(three_sentences) -> None:
    samples, truth = three_sentences
    segments = detect_speech(clip_of(samples))
    assert len(segments) == len(truth)
    for seg, (a, b) in zip(segments, truth, strict=True):
        # One model window is 32 ms and the pad 30 ms: boundaries within 0.1 s / 0.2 s.
        assert abs(seg.range.start.ticks - a) <= 0.1 * RATE
        assert abs(seg.range.end_exclusive.ticks - b) <= 0.2 * RATE
        assert seg.confidence > 0.7


@needs_espeak
def test_times_are_exact_sample_ticks_offset_by_the_clip_start(three_sentences) -> None:
    samples, _ = three_sentences
    at_zero = detect_speech(clip_of(samples))
    offset = Time(12_345_678, TICK)  # 771.6 s into a long recording
    shifted = detect_speech(clip_of(samples, offset))
    assert [s.range.time_base for s in shifted] == [TICK] * len(shifted)
    assert [s.range.start - offset for s in shifted] == [s.range.start for s in at_zero]
    assert [s.range.duration for s in shifted] == [s.range.duration for s in at_zero]


@needs_espeak
def test_min_silence_joins_utterances_with_a_short_pause() -> None:
    word = espeak("Hello there")
    samples, truth = place(4.0, [(0.5, word), (0.5 + len(word) / RATE + 0.3, word)])
    assert len(detect_speech(clip_of(samples), min_silence_ms=100)) == 2
    joined = detect_speech(clip_of(samples), min_silence_ms=600)
    assert len(joined) == 1
    assert abs(joined[0].range.start.ticks - truth[0][0]) <= 0.1 * RATE
    assert abs(joined[0].range.end_exclusive.ticks - truth[1][1]) <= 0.2 * RATE


@needs_espeak
def test_min_speech_drops_short_bursts() -> None:
    short = espeak("Yes")  # about 0.35 s
    samples, _ = place(3.0, [(1.0, short)])
    assert len(detect_speech(clip_of(samples))) == 1
    assert detect_speech(clip_of(samples), min_speech_ms=int(len(short) / RATE * 1000) + 200) == []


def test_noise_and_silence_are_not_speech() -> None:
    rng = np.random.default_rng(1)
    quiet = np.zeros(3 * RATE, np.float32)
    hiss = rng.normal(0, 0.01, 3 * RATE).astype(np.float32)
    assert detect_speech(clip_of(np.concatenate([quiet, hiss]))) == []


def test_empty_clip_gives_nothing() -> None:
    assert detect_speech(clip_of(np.zeros(0, np.float32))) == []


def test_other_rates_and_thresholds_are_refused() -> None:
    clip = AudioClip(np.zeros((1, 44100), np.float32), 44100, Time(0, Fraction(1, 44100)))
    with pytest.raises(AudioInputError, match="16 kHz"):
        detect_speech(clip)
    with pytest.raises(AudioInputError, match="threshold"):
        detect_speech(clip_of(np.zeros(RATE, np.float32)), threshold=1.5)


def test_file_without_audio_is_skipped_with_a_clear_note(make_clip: Callable[..., Path]) -> None:
    silent_film = make_clip("no_audio.mp4", frames=10)
    with pytest.raises(NoAudioError) as info:
        load_speech_audio(silent_film)
    assert isinstance(info.value, MissingStreamError)
    assert str(info.value) == f"{silent_film}: {NO_AUDIO_NOTE}"
    assert load_speech_audio(silent_film, skip_missing=True) is None


@needs_espeak
def test_speech_in_an_encoded_file(make_clip: Callable[..., Path], three_sentences) -> None:
    """Through AAC encoding, the file's decode and resampling: same segments, ±0.1 s."""
    samples, truth = three_sentences
    rate48 = 48000
    timeline = np.interp(
        np.arange(len(samples) * 3) / rate48, np.arange(len(samples)) / RATE, samples
    )

    def audio(t: np.ndarray) -> np.ndarray:
        idx = np.clip(np.round(t * rate48).astype(int), 0, len(timeline) - 1)
        return timeline[idx]

    path = make_clip("speech.mp4", frames=11 * 25, rate=25, size=(160, 120), audio=audio)
    clip = load_speech_audio(path)
    assert clip is not None
    segments = detect_speech(clip)
    assert len(segments) == len(truth)
    for seg, (a, b) in zip(segments, truth, strict=True):
        assert abs(seg.range.start.ticks - a) <= 0.1 * RATE
        assert abs(seg.range.end_exclusive.ticks - b) <= 0.2 * RATE


def test_progress_is_reported_and_a_cancel_stops_the_pass() -> None:
    rng = np.random.default_rng(2)
    long_noise = clip_of(rng.normal(0, 0.01, 600 * RATE).astype(np.float32))  # 10 minutes
    seen: list[float | None] = []
    ctx = JobContext()

    def on_progress(fraction: float | None, _message: str) -> None:
        seen.append(fraction)
        if fraction is not None and fraction >= 0.05 and not ctx.cancel.is_set():
            ctx.cancel.set()  # a few reports in: stop here

    ctx.on_progress = on_progress
    with pytest.raises(CancelledError):
        detect_speech(long_noise, ctx=ctx)
    # The pass raised instead of finishing, and the report that cancelled was the last one
    # (the latency in seconds is measured in benchmarks/bench_cancel.py).
    assert ctx.cancel.is_set() and seen[-1] is not None and seen[-1] >= 0.05
    assert seen and seen == sorted(seen) and max(f for f in seen if f is not None) < 0.5


def test_example_speech_pauses_and_banana(shared_media: Path) -> None:
    """example.mp4: talk until ~17.3 s, digital silence, "banana" as the timecode hits 40 s."""
    clip = load_speech_audio(shared_media / "example.mp4")
    assert clip is not None
    segments = detect_speech(clip)
    spans = [(float(s.range.start.seconds), float(s.range.end_exclusive.seconds)) for s in segments]
    assert spans[0][0] < 0.4
    assert not any(a < 39.0 and b > 18.0 for a, b in spans)  # nothing in the long silence
    last = spans[-1]
    assert 39.7 < last[0] < 40.2 and 40.4 < last[1] < 40.9
    assert 4 <= len(spans) <= 8  # pauses at ~0.8, 5.0, 10.6 and 13.3 s split the talk


def test_json_entries_are_seconds() -> None:
    from vidi_desktop.analysis.speech import SpeechSegment, ranges_json, segments_json
    from vidi_desktop.core.time import TimeRange

    seg = SpeechSegment(TimeRange(Time(8000, TICK), Time(24000, TICK)), 0.93)
    assert segments_json([seg]) == [{"start": 0.5, "end": 2.0, "confidence": 0.93}]
    assert ranges_json([seg.range]) == [{"start": 0.5, "end": 2.0}]


def test_audio_only_files_are_analysed(audio_only: Path) -> None:
    clip = load_speech_audio(audio_only)
    assert clip is not None and abs(float(clip.duration) - 1.0) < 0.05
    assert detect_speech(clip) == []  # a steady 440 Hz tone is not a voice


needs_torch_reference = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None or importlib.util.find_spec("silero_vad") is None,
    reason="the TorchScript reference needs the dev extra (torch, silero-vad)",
)


def test_the_default_engine_is_onnx(monkeypatch) -> None:
    monkeypatch.delenv("VIDI_DESKTOP_SPEECH_ENGINE", raising=False)
    assert speech_engine() == "onnx"


@needs_espeak
@needs_torch_reference
def test_onnx_engine_finds_the_same_speech_as_torch(three_sentences, monkeypatch) -> None:
    """The default ONNX engine (silero's sequence export) gives silero's TorchScript model's
    segments exactly: same boundaries to the sample, same scores."""
    monkeypatch.setenv("VIDI_DESKTOP_SPEECH_ENGINE", "torch")
    samples, _ = three_sentences
    reference = detect_speech(clip_of(samples))
    monkeypatch.setenv("VIDI_DESKTOP_SPEECH_ENGINE", "onnx")
    onnx = detect_speech(clip_of(samples))
    assert len(reference) == 3
    assert [s.range for s in onnx] == [s.range for s in reference]
    for a, b in zip(onnx, reference, strict=True):
        assert abs(a.confidence - b.confidence) <= 1e-3


@needs_espeak
def test_8khz_audio_runs_the_per_window_model(three_sentences) -> None:
    """8 kHz has no sequence export: the per-window model finds the same three sentences."""
    samples, _ = three_sentences
    clip16 = clip_of(samples)
    eight = AudioClip(np.ascontiguousarray(clip16.samples[:, ::2]), 8000, clip16.start)
    found16 = detect_speech(clip16)
    found8 = detect_speech(eight)
    assert len(found8) == len(found16) == 3
    for a, b in zip(found8, found16, strict=True):
        assert abs(a.range.start.seconds - b.range.start.seconds) < Fraction(1, 5)
        assert abs(a.range.end_exclusive.seconds - b.range.end_exclusive.seconds) < Fraction(1, 5)


@needs_espeak
def test_decoding_and_scoring_together_give_the_same_segments(
    three_sentences, tmp_path: Path
) -> None:
    """The file decoded on a helper thread while the model scores: the same segments, to the
    sample, as reading it first and detecting after."""
    from vidi_desktop.analysis.speech import load_and_detect_speech
    from vidi_desktop.media.synth import write_clip

    samples, _ = three_sentences

    def audio(t: np.ndarray) -> np.ndarray:
        return np.interp(t, np.arange(len(samples)) / RATE, samples)

    path = write_clip(tmp_path / "s.mp4", frames=int(len(samples) / RATE * 10), rate=10,
                      size=(64, 48), audio=audio)
    clip, together = load_and_detect_speech(path)
    separately = detect_speech(load_speech_audio(path))
    assert len(together) == 3
    assert together == separately
    assert clip.samples.shape[1] > 10 * RATE


def test_the_combined_reader_skips_or_refuses_a_file_without_sound(tmp_path: Path) -> None:
    from vidi_desktop.analysis.speech import load_and_detect_speech
    from vidi_desktop.media.synth import write_clip

    path = write_clip(tmp_path / "mute.mp4", frames=10, size=(64, 48))
    assert load_and_detect_speech(path, skip_missing=True) is None
    with pytest.raises(NoAudioError, match=NO_AUDIO_NOTE):
        load_and_detect_speech(path)
