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
