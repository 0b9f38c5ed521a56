"""read_audio(): resampled samples placed exactly on the timeline."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from vidi_desktop.core.errors import MissingStreamError
from vidi_desktop.core.time import Time
from vidi_desktop.media.audio import read_audio


def dominant_frequency(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[spectrum.argmax()])


def test_16k_mono_tone(small_clip: Path) -> None:
    clip = read_audio(small_clip, rate=16000, layout="mono")
    assert clip.rate == 16000 and clip.channels == 1
    assert clip.samples.dtype == np.float32
    # 60 frames at 29.97 = 2.002 s of audio (AAC padding may add a few ms).
    assert abs(float(clip.duration) - 2.002) < 0.03
    assert abs(dominant_frequency(clip.mono()[2000:18000], 16000) - 440) < 2
    assert 0.3 < np.abs(clip.mono()[2000:18000]).max() <= 1.0


def test_stereo_native_rate(shared_media: Path) -> None:
    clip = read_audio(shared_media / "example.mp4", rate=48000, layout="stereo")
    assert clip.channels == 2
    assert abs(float(clip.duration) - 42.4) < 0.05


def test_span_is_trimmed_to_the_sample(small_clip: Path) -> None:
    start = Time.from_seconds(Fraction(1, 2))
    quarter = Time.from_seconds(Fraction(1, 4))
    clip = read_audio(small_clip, rate=16000, start=start, duration=quarter)
    assert clip.start == start
    assert clip.samples.shape == (1, 4000)
    whole = read_audio(small_clip, rate=16000)
    # The span lines up with the same samples of a whole-file read: the best-matching offset
    # is exactly 0.5 s. (Values differ by a sub-sample resampling phase, < 0.06 on this tone.)
    errors = {
        off: float(np.abs(whole.samples[0, off : off + 4000] - clip.samples[0]).max())
        for off in range(7990, 8011)
    }
    assert min(errors, key=errors.__getitem__) == 8000 - whole.start.ticks
    assert errors[8000] < 0.06


def test_audio_only_file(audio_only: Path) -> None:
    clip = read_audio(audio_only, rate=16000)
    assert abs(float(clip.duration) - 1.0) < 0.05
    assert abs(dominant_frequency(clip.mono(), 16000) - 440) < 2


def test_no_audio_stream(shared_media: Path) -> None:
    with pytest.raises(MissingStreamError, match="no audio stream"):
        read_audio(shared_media / "counter.mp4")


def _write_aac(path: Path, rate: int, layout: str, seconds: float, freq: float) -> None:
    """An ADTS AAC file of a tone (ADTS files joined byte for byte make one stream)."""
    import av

    with av.open(str(path), "w", format="adts") as out:
        stream = out.add_stream("aac", rate=rate)
        stream.layout = layout
        n = int(rate * seconds)
        tone = (0.3 * np.sin(2 * np.pi * freq * np.arange(n) / rate)).astype(np.float32)
        channels = av.AudioLayout(layout).nb_channels
        for i in range(0, n, 1024):
            block = np.ascontiguousarray(np.stack([tone[i : i + 1024]] * channels))
            frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=layout)
            frame.rate, frame.pts = rate, i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def test_a_stream_that_changes_rate_and_channels_midway_is_read_whole(tmp_path: Path) -> None:
    first, second = tmp_path / "a.aac", tmp_path / "b.aac"
    _write_aac(first, 44100, "mono", 2.0, 440)
    _write_aac(second, 48000, "stereo", 3.0, 880)
    joined = tmp_path / "joined.aac"
    joined.write_bytes(first.read_bytes() + second.read_bytes())
    clip = read_audio(joined, rate=16000, layout="mono")
    assert abs(float(clip.duration) - 5.0) < 0.1
    mono = clip.mono()
    assert abs(dominant_frequency(mono[4000:28000], 16000) - 440) < 2
    assert abs(dominant_frequency(mono[40000:72000], 16000) - 880) < 2


def test_samples_are_those_of_the_resampler_fed_frame_by_frame(tmp_path: Path) -> None:
    """Decoded frames go to the resampler a second at a time: the samples, their count and
    the start are exactly what PyAV's resampler gives fed one decoded frame at a time."""
    import av

    path = tmp_path / "tone.aac"
    _write_aac(path, 48000, "stereo", 3.3, 523)
    expected = []
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=16000)
        for frame in container.decode(audio=0):
            expected += [o.to_ndarray().reshape(1, -1) for o in resampler.resample(frame)]
        expected += [o.to_ndarray().reshape(1, -1) for o in resampler.resample(None)]
    reference = np.concatenate(expected, axis=1)
    chunks: list[np.ndarray] = []
    clip = read_audio(path, rate=16000, layout="mono", on_chunk=chunks.append)
    assert clip.samples.shape == reference.shape
    assert np.array_equal(clip.samples, reference)
    assert clip.start == Time(0, Fraction(1, 16000))
    assert sum(c.shape[1] for c in chunks) == reference.shape[1]


def test_fast_resampling_keeps_the_length_start_and_tone(small_clip: Path) -> None:
    """``fast`` (a shorter resampling filter) gives the same samples to within a little
    aliasing: same start, a sample more or less at the end (the filter's flush), same tone
    and level, in step with the exact ones — not bit for bit the same."""
    exact = read_audio(small_clip, rate=16000, layout="mono")
    fast = read_audio(small_clip, rate=16000, layout="mono", fast=True)
    assert fast.start == exact.start
    assert abs(fast.samples.shape[1] - exact.samples.shape[1]) <= 2
    assert not np.array_equal(fast.samples, exact.samples)
    middle = slice(2000, 18000)
    assert abs(dominant_frequency(fast.mono()[middle], 16000) - 440) < 2
    assert float(np.abs(fast.samples[:, middle] - exact.samples[:, middle]).max()) < 0.02
