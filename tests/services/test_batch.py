"""``batch``: one project (+ EDL/SRT) per file, an index, resumable, the same bytes whichever
way it runs (in this process, in chunks, in a pool of worker processes)."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest
from batch_helpers import assert_same_outputs, two_folders_same_name

from vidi_desktop.analysis.options import AnalyzeOptions
from vidi_desktop.analysis.run import analyze_file
from vidi_desktop.cli import main
from vidi_desktop.core.progress import JobContext
from vidi_desktop.core.project import SceneBoundary, load_project
from vidi_desktop.services.batch import BatchSettings, run_batch
from vidi_desktop.services.batch_index import DONE, load_index

SHOTS = AnalyzeOptions(shots=True, thumbnails=0, waveform=False)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory, shared_media: Path) -> Path:
    return two_folders_same_name(tmp_path_factory.mktemp("in"), shared_media)


@pytest.fixture(scope="module")
def single_run(clips: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: shots + EDL, in this process, no chunks."""
    out = tmp_path_factory.mktemp("single")
    settings = BatchSettings(SHOTS, exports=("edl",), chunk_seconds=None)
    result = run_batch([clips], out, settings)
    assert result.analysed == ["a/clip.mp4", "b/clip.mp4"] and not result.failed
    return out


@pytest.mark.shared_media
def test_one_project_and_edl_per_file_and_an_index(single_run: Path, clips: Path) -> None:
    import pycmx

    index = load_index(single_run)
    assert sorted(index.entries) == ["a/clip.mp4", "b/clip.mp4"]  # same name, two folders
    for key, cuts in (("a/clip.mp4", {30, 180}), ("b/clip.mp4", {60, 140})):
        entry = index.entries[key]
        assert entry.status == DONE and entry.source == str((clips / key).resolve())
        whole = analyze_file(clips / key, SHOTS, JobContext())
        # The project: the asset and one pending scene boundary per boundary found.
        project = load_project(single_run / f"{key}.vidi")
        assert [a.path for a in project.assets] == [entry.source]
        frames = [s.metadata["frame"] for s in project.suggestions
                  if isinstance(s.payload, SceneBoundary)]
        assert frames == [b.frame for b in whole.shots] and cuts <= set(frames)
        assert entry.counts == {"shots": len(whole.shots)}
        # The analysis document is exactly ``analyze --json``.
        doc = json.loads((single_run / f"{key}.json").read_text())
        assert doc == json.loads(json.dumps(whole.to_json(SHOTS)))
        # The EDL: one event per shot, read back by an independent parser.
        with open(single_run / f"{key}.edl") as fh:
            edl = pycmx.parse_cmx3600(fh)
        assert len(list(edl.events)) == len(whole.shots) + 1
    assert (single_run / "report.txt").read_text().count("ERROR") == 0


@pytest.mark.shared_media
def test_resume_skips_current_files_and_redoes_changed_ones(
    clips: Path, single_run: Path, tmp_path: Path
) -> None:
    import shutil

    out = tmp_path / "out"
    shutil.copytree(single_run, out)
    settings = BatchSettings(SHOTS, exports=("edl",), chunk_seconds=None)
    again = run_batch([clips], out, settings)
    assert again.analysed == [] and again.current == ["a/clip.mp4", "b/clip.mp4"]
    # A file touched (new mtime) is analysed again; the other is still current.
    target = clips / "b" / "clip.mp4"
    st = target.stat()
    try:
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        changed = run_batch([clips], out, settings)
        assert changed.analysed == ["b/clip.mp4"] and changed.current == ["a/clip.mp4"]
    finally:
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    # An output gone, other options, or --force: analysed again.
    (out / "a" / "clip.mp4.edl").unlink()
    assert run_batch([clips], out, settings).analysed == ["a/clip.mp4", "b/clip.mp4"]
    other = BatchSettings(replace_options(sensitivity=0.7), exports=("edl",))
    assert len(run_batch([clips], out, other).analysed) == 2
    assert len(run_batch([clips], out, other).current) == 2
    forced = BatchSettings(replace_options(sensitivity=0.7), exports=("edl",), force=True)
    assert len(run_batch([clips], out, forced).analysed) == 2
    # Asking for an export the results lack (SRT) also redoes them.
    srt = BatchSettings(replace_options(sensitivity=0.7), exports=("edl", "srt"))
    assert len(run_batch([clips], out, srt).analysed) == 2


def replace_options(**changes: object) -> AnalyzeOptions:
    return SHOTS.replace(**changes)


@pytest.mark.shared_media
def test_chunked_and_pooled_runs_write_the_same_bytes(
    clips: Path, single_run: Path, tmp_path: Path
) -> None:
    """Chunks of 8 s with edges through cuts, fades and the dissolve; two worker processes."""
    chunked = BatchSettings(
        SHOTS, exports=("edl",), chunk_seconds=Fraction(8), overlap_seconds=Fraction(5),
        workers=2,
    )
    result = run_batch([clips], tmp_path / "pool", chunked)
    assert result.index.entries["a/clip.mp4"].chunks >= 3
    assert result.index.run["workers"] == 2
    assert_same_outputs(single_run, tmp_path / "pool")


@pytest.mark.shared_media
def test_progress_rises_to_one(clips: Path, tmp_path: Path) -> None:
    seen: list[float] = []
    settings = BatchSettings(SHOTS, chunk_seconds=Fraction(10), overlap_seconds=Fraction(5))
    run_batch([clips], tmp_path / "out", settings, on_progress=lambda f, m: seen.append(f))
    assert seen[-1] == 1.0
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(seen))
    assert len(seen) > 10


def test_cli_batch_on_generated_clips(
    make_clip: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Runs without the shared media: two generated clips, a text file, a glob."""
    import shutil

    src = tmp_path / "src"
    (src / "day1").mkdir(parents=True)
    (src / "day2").mkdir()
    clip = make_clip("batch_cli.mp4", frames=50, rate=25, size=(160, 120))
    shutil.copy(clip, src / "day1" / "take.mp4")
    shutil.copy(clip, src / "day2" / "take.mp4")
    (src / "day1" / "notes.txt").write_text("not media")
    out = tmp_path / "out"
    code = main(["batch", str(src), "--shots", "--edl", "-o", str(out), "--json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["analysed"] == ["day1/take.mp4", "day2/take.mp4"] and doc["failed"] == []
    assert [i["why"] for i in doc["ignored"]] == ["not a media file name"]
    for key in doc["analysed"]:
        for suffix in (".vidi", ".json", ".edl"):
            assert (out / f"{key}{suffix}").is_file()
    # A glob, a second time: both are current.
    code = main(["batch", str(src / "*" / "*.mp4"), "--shots", "--edl", "-o", str(out), "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["current"] == ["day1/take.mp4", "day2/take.mp4"]
    # A file with no shots still gets an EDL: the whole file as one event.
    assert "001 " in (out / "day1" / "take.mp4.edl").read_text()
