"""A silence threshold: only the parts of a pause quieter than it are silence to cut."""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from vidi_desktop.analysis.silence import LevelTrack, quiet_within
from vidi_desktop.cli import main
from vidi_desktop.core.time import Time, TimeRange

RATE = 16000
HOP = 160  # 10 ms


def levels(db_per_hop: list[float]) -> LevelTrack:
    track = np.array(db_per_hop, np.float32)
    return LevelTrack(track, HOP, RATE, Time(0, Fraction(1, RATE)), len(track) * HOP)


def ms(a: int, b: int) -> TimeRange:
    return TimeRange.from_start_end(Time(a, Fraction(1, 1000)), Time(b, Fraction(1, 1000)))


def test_a_noise_inside_a_pause_splits_it() -> None:
    # 1 s pause: quiet (-60 dB) 0–400 ms, a cough (-20 dB) 400–500 ms, quiet again.
    track = levels([-60.0] * 40 + [-20.0] * 10 + [-60.0] * 50)
    assert quiet_within([ms(0, 1000)], track, -40) == [ms(0, 400), ms(500, 1000)]
    # Louder than the cough: the pause is silence all through.
    assert quiet_within([ms(0, 1000)], track, -10) == [ms(0, 1000)]


def test_only_the_pauses_are_looked_at() -> None:
    track = levels([-60.0] * 100)  # quiet everywhere, but speech at 300–700 ms
    assert quiet_within([ms(0, 300), ms(700, 1000)], track, -40) == [ms(0, 300), ms(700, 1000)]


def test_a_level_wobbling_at_the_threshold_does_not_chatter() -> None:
    # Up to 2 dB over the threshold is within the 3 dB hysteresis: one silence.
    track = levels([-60.0] * 20 + [-39.0, -41.0] * 20 + [-60.0] * 40)
    assert quiet_within([ms(0, 1000)], track, -40) == [ms(0, 1000)]


@pytest.fixture(scope="module")
def tones(make_clip: Callable[..., Path]) -> Path:
    """4 s at 25 fps of a tone: loud 0–1 s and 3–4 s, -49 dB between (no speech)."""

    def audio(t: np.ndarray) -> np.ndarray:
        loud = (t < 1) | (t >= 3)
        return np.where(loud, 0.5, 0.005) * np.sin(2 * np.pi * 440 * t)

    return make_clip("threshold_tones.mp4", frames=100, rate=25, size=(160, 96), audio=audio)


def test_analyze_takes_a_silence_threshold(tones: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["analyze", str(tones), "--speech", "--json", "-q"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert plain["silence_cuts"] == [{"start": 0.0, "end": 4.0}]
    assert main(["analyze", str(tones), "--speech", "--silence-threshold", "-30",
                 "--json", "-q"]) == 0
    out = json.loads(capsys.readouterr().out)
    # "-30dB" reads too, written with "=" (argparse takes a lone "-30dB" for an option).
    assert main(["analyze", str(tones), "--speech", "--silence-threshold=-30dB",
                 "--json", "-q"]) == 0
    assert json.loads(capsys.readouterr().out) == out
    ((cut),) = out["silence_cuts"]
    assert 1.0 + 0.2 - 0.08 <= cut["start"] < cut["end"] <= 3.0 - 0.2 + 0.08
    assert out["silences"] == plain["silences"]  # still the gaps between speech


@pytest.mark.parametrize("value", ["5", "-200", "loud"])
def test_a_bad_threshold_is_a_usage_error(tones: Path, value: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["analyze", str(tones), "--speech", "--silence-threshold", value, "-q"])
    assert exc.value.code == 2
