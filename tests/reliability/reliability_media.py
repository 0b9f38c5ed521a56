"""Media and projects the reliability tests make: small clips, projects with an edit, ffmpeg."""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from vidi_desktop.core.project import EditClip, Project, save_project
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.media.probe import probe
from vidi_desktop.services.analyze import asset_from_probe

FFMPEG = shutil.which("ffmpeg")

needs_ffmpeg = pytest.mark.skipif(
    FFMPEG is None, reason="Debian's ffmpeg is not installed (apt-get install ffmpeg)"
)


def ffmpeg(*args: str) -> None:
    """Run Debian's ffmpeg quietly; a failure shows its last lines."""
    assert FFMPEG is not None
    done = subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *map(str, args)],
        capture_output=True, text=True, timeout=120,
    )
    if done.returncode != 0:
        raise AssertionError(f"ffmpeg {' '.join(map(str, args))} failed: {done.stderr[-800:]}")


def edit_project(
    clip: Path, target: Path, ranges: list[tuple[int, int]], rate: Fraction = Fraction(25)
) -> Path:
    """Save a project at ``target`` whose accepted edit is ``ranges`` (frames from the first
    one, on the file's own clock) of ``clip``."""
    info = probe(clip)
    asset = asset_from_probe(info)
    start = Time(info.start_time.numerator, Fraction(1, info.start_time.denominator))
    edit = tuple(
        EditClip.new(asset.id, TimeRange(start + r.start, r.duration))
        for r in (TimeRange.from_frames(f, e, rate) for f, e in ranges)
    )
    save_project(Project(assets=(asset,), edit=edit, name=target.stem), target)
    return target
