"""The edit's sound: each clip's own audio, cut to the clip's length, joined sample for sample."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from fractions import Fraction

import numpy as np
import pytest
from edit_media import CUT, JOIN_CUT, JOIN_FILES, NTSC, make_edit, make_footage

from vidi_desktop.interchange.program import Program
from vidi_desktop.qt.program import program_pcm

RATE = 8000


@pytest.fixture(scope="module")
def program(make_clip) -> Program:
    return Program.of(make_edit(*make_footage(make_clip)).project)


def samples(program: Program, start: Fraction = Fraction(0)) -> np.ndarray:
    data = b"".join(program_pcm(program, start, rate=RATE, channels=1))
    return np.frombuffer(data, "<i2").astype(np.float64) / 32767


def at(frame: int) -> int:
    """Sample index where sequence frame ``frame`` starts."""
    return round(frame * Fraction(1001, 30000) * RATE)


def pitch(x: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum) * RATE / len(x))


def test_the_sound_lasts_exactly_as_long_as_the_picture(program):
    assert len(samples(program)) == at(program.duration)


def test_the_sound_changes_file_at_the_join(program):
    x = samples(program)
    join = at(JOIN_FILES)
    assert pitch(x[join - 800 : join]) == pytest.approx(440, abs=10)
    assert pitch(x[join : join + 800]) == pytest.approx(880, abs=10)


def test_after_the_cut_the_sound_is_the_sources_after_the_cut(program):
    from vidi_desktop.qt.audio import pcm_chunks

    a = program.clips[0].source.path
    x = samples(program)
    source = np.frombuffer(
        b"".join(pcm_chunks(a, Fraction(CUT[1]) / NTSC, rate=RATE, channels=1)), "<i2"
    ).astype(np.float64) / 32767
    here = x[at(JOIN_CUT) : at(JOIN_CUT) + 400]
    assert np.max(np.abs(here - source[:400])) < 0.01
    # And not what was cut: the sound at the cut's start is another phase of the tone.
    cut_away = np.frombuffer(
        b"".join(pcm_chunks(a, Fraction(CUT[0]) / NTSC, rate=RATE, channels=1)), "<i2"
    ).astype(np.float64)[:400] / 32767
    assert np.max(np.abs(here - cut_away)) > 0.1


def test_starting_mid_edit_starts_there(program):
    start = Fraction(JOIN_FILES - 3) * program.frame_duration
    x = samples(program, start)
    assert len(x) == at(program.duration) - round(start * RATE)
    assert pitch(x[: at(3)]) == pytest.approx(440, abs=40)
