"""Per-second motion and loudness curves on generated footage with known content."""

from __future__ import annotations

import numpy as np

from vidi_desktop.analysis.activity import MotionActivity, loudness_per_second
from vidi_desktop.analysis.pipeline import run_visual_pass
from vidi_desktop.core.progress import JobContext
from vidi_desktop.media.audio import read_audio
from vidi_desktop.media.probe import probe
from vidi_desktop.media.synth import flat_color, moving_pattern


def test_motion_is_high_where_the_picture_moves(make_clip) -> None:
    still = flat_color((90, 90, 90), 160, 120)
    moving = moving_pattern(160, 120)
    clip = make_clip("still_then_moving.mp4", frames=100, rate=25, size=(160, 120),
                     picture=lambda n: still(n) if n < 50 else moving(n * 7), stamp=False)
    results, report = run_visual_pass(clip, probe(clip), [MotionActivity()], JobContext())
    motion = results["activity"]
    assert report.complete and len(motion) == 4
    assert motion[0] < 0.01 and motion[1] < 0.01
    assert motion[2] > 0.03 and motion[3] > 0.03


def test_loudness_follows_the_sound(make_clip) -> None:
    clip = make_clip("loud_quiet.mp4", frames=75, rate=25,
                     audio=lambda t: np.where(t < 1.5, 0.5 * np.sin(2 * np.pi * 200 * t), 0.0))
    audio = read_audio(clip, rate=16000)
    level = loudness_per_second(audio, 0.0, 3)
    assert level[0] > 0.8 and level[2] < 0.05
