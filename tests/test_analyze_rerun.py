"""``analyze`` on an existing project runs the analysers again and adds only what is new."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from vidi_desktop.core.project import ProjectDocument, ReviewState


@pytest.fixture(scope="module")
def three_shots(make_clip: Callable[..., Path]) -> Path:
    """Three flat-colour shots of 30 frames: the shot detector finds their cuts."""
    from vidi_desktop.media.synth import flat_color

    colours = [flat_color(c, 320, 240) for c in ((200, 30, 30), (30, 200, 30), (30, 30, 200))]
    return make_clip("rerun_three_shots.mp4", frames=90, rate=25,
                     picture=lambda n: colours[n // 30](n))


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vidi_desktop", "analyze", *args],
                          capture_output=True, text=True, timeout=300)


def test_analyze_again_adds_nothing_and_keeps_decisions(three_shots: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    first = analyze(str(three_shots), "--shots", "-o", str(out))
    assert first.returncode == 0, first.stderr
    doc = ProjectDocument.open(out)
    found = doc.project.suggestions
    assert found, first.stdout
    assert f"({len(found)} new, 0 already there)" in first.stdout
    doc.accept([found[0].id])
    doc.save()
    decided = ProjectDocument.open(out).project

    again = analyze(str(three_shots), "--shots", "-o", str(out))
    assert again.returncode == 0, again.stderr
    assert f"(0 new, {len(found)} already there)" in again.stdout
    assert "already in the project (analysed again)" in again.stdout
    after = ProjectDocument.open(out).project
    assert after.suggestions == decided.suggestions and after.edit == decided.edit
    assert after.suggestion(found[0].id).state is ReviewState.ACCEPTED
