"""The headless main job end to end: analysers wired into projects and the --json contract."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from vidi_desktop.analysis.options import AnalyzeOptions
from vidi_desktop.core.errors import CancelledError
from vidi_desktop.core.project import load_project
from vidi_desktop.media.synth import flat_color
from vidi_desktop.paths import sample_clip
from vidi_desktop.services.analyze import analyze_files


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vidi_desktop", *args],
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def sample_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's main job: every built-in analyser on the bundled sample."""
    out = tmp_path_factory.mktemp("job") / "sample.json"
    result = run_cli("analyze", "--sample", "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_main_job_fills_the_project(sample_project: Path) -> None:
    project = load_project(sample_project)
    kinds = {s.kind for s in project.suggestions}
    assert {"speech", "silence_cut", "subtitle_cue", "highlight_clip", "reframe_path"} <= kinds
    sources = {s.source for s in project.suggestions}
    assert {"builtin.speech", "builtin.silence", "builtin.transcript"} <= sources
    assert all(s.state == "pending" for s in project.suggestions)


def test_main_job_hears_banana_near_40_s(sample_project: Path) -> None:
    """example.mp4 says "banana" when its burnt-in timecode reaches 40 s."""
    project = load_project(sample_project)
    cues = [s for s in project.suggestions if s.kind == "subtitle_cue"]
    banana = [c for c in cues if "banana" in c.payload.text.lower()]
    assert any(39 <= float(c.payload.range.start.seconds) <= 42 for c in banana)


@pytest.fixture(scope="module")
def cut_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Grey for 40 frames, then red: one hard cut at frame 40; no audio."""
    from vidi_desktop.media.synth import write_clip

    grey = flat_color((60, 60, 60), 320, 240)
    red = flat_color((200, 30, 30), 320, 240)
    return write_clip(tmp_path_factory.mktemp("cut") / "cut.mp4", frames=80, rate=25,
                      picture=lambda n: grey(n) if n < 40 else red(n), stamp=False)


def test_json_contract_has_only_the_keys_asked_for(cut_clip: Path) -> None:
    out = run_cli("analyze", str(cut_clip), "--shots", "--speech", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert set(doc) == {"file", "rate", "frames", "shots", "speech", "silences",
                        "silence_cuts", "notes"}
    assert doc["rate"] == "25/1" and doc["frames"] == 80
    (shot,) = doc["shots"]
    assert shot["frame"] == 40 and shot["kind"] == "cut" and shot["span"] == [40, 40]
    assert shot["time"] == pytest.approx(1.6)
    assert doc["speech"] == [] and any("no audio" in n for n in doc["notes"])


def test_json_does_not_write_a_project_unless_asked(cut_clip: Path, tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "vidi_desktop", "analyze", str(cut_clip),
                          "--shots", "--json"], capture_output=True, text=True, cwd=tmp_path,
                         timeout=300)
    assert out.returncode == 0 and list(tmp_path.iterdir()) == []


def test_audio_only_file_skips_the_visual_analysers(audio_only: Path) -> None:
    result = analyze_files([audio_only], None, AnalyzeOptions(shots=True, faces=True))
    (analysis,) = result.analyses
    assert analysis.shots is None and any("no video" in n for n in analysis.notes)


def test_truncated_file_is_analysed_up_to_where_it_stops(tmp_path: Path) -> None:
    from vidi_desktop.media.synth import write_clip

    grey = flat_color((60, 60, 60), 320, 240)
    red = flat_color((200, 30, 30), 320, 240)
    whole = write_clip(tmp_path / "whole.mp4", frames=150, rate=25, faststart=True,
                       picture=lambda n: grey(n) if n < 20 else red(n), stamp=False)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.6)])
    result = analyze_files([cut], tmp_path / "p.json", AnalyzeOptions(shots=True))
    (analysis,) = result.analyses
    assert [b.frame for b in analysis.shots or []] == [20]
    assert any("truncated" in n for n in analysis.notes)
    assert load_project(tmp_path / "p.json").assets[0].info["truncated"] is True


@pytest.mark.parametrize("stage", ["pictures", "speech"], ids=["while-decoding", "later-stage"])
def test_cancel_stops_the_job_and_leaves_the_project_alone(tmp_path: Path, stage: str) -> None:
    import shutil

    target = tmp_path / "p.json"
    analyze_files([sample_clip()], target, AnalyzeOptions(thumbnails=0, waveform=False))
    before = target.read_bytes()
    copy = tmp_path / "copy.mp4"
    shutil.copy(sample_clip(), copy)
    cancel = threading.Event()
    cancelled_at: list[float] = []

    def on_progress(fraction: float | None, message: str) -> None:
        # Cancel once the job reports the stage asked: placed by events, not by a timer.
        if stage in message and not cancel.is_set():
            cancelled_at.append(time.monotonic())
            cancel.set()

    with pytest.raises(CancelledError):
        analyze_files([copy], target, AnalyzeOptions.everything(), on_progress, cancel)
    returned = time.monotonic()
    assert cancelled_at, f"the job never reported the {stage} stage"
    # Generous (a loaded machine is slow; a job ignoring the cancel would not raise at all):
    # how fast a cancel lands is measured in benchmarks/bench_cancel.py.
    assert returned - cancelled_at[0] < 60
    assert target.read_bytes() == before
