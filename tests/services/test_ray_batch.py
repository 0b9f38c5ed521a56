"""The batch on Ray (a local instance, 2 CPUs): the same bytes as the single-process run,
chunks merged exactly, a worker that dies is retried or reported, the index stays whole."""

from __future__ import annotations

import os
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from batch_helpers import assert_same_outputs, two_folders_same_name

from vidi_desktop.analysis.options import AnalyzeOptions
from vidi_desktop.services.batch import BatchSettings, run_batch
from vidi_desktop.services.batch_index import DONE, ERROR, load_index

ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'vidi-desktop[ray]')")

SHOTS = AnalyzeOptions(shots=True, thumbnails=0, waveform=False)
# Chunks of 8 s: testvideo.mp4 (24 s) is cut into chunks with edges through its fades and
# dissolve, so the merge is exercised on real footage.
CHUNKED = BatchSettings(
    SHOTS, exports=("edl",), chunk_seconds=Fraction(8), overlap_seconds=Fraction(5)
)


@pytest.fixture(scope="session")
def ray_local() -> Iterator[None]:
    """One local Ray instance for every Ray test (starting one takes seconds on 2 cores)."""
    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
                 object_store_memory=100 * 1024 * 1024)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory, shared_media: Path) -> Path:
    return two_folders_same_name(tmp_path_factory.mktemp("in"), shared_media)


@pytest.fixture(scope="module")
def single(clips: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: the same batch in this process, files whole."""
    out = tmp_path_factory.mktemp("single")
    run_batch([clips], out, BatchSettings(SHOTS, exports=("edl",), chunk_seconds=None))
    return out


@pytest.mark.shared_media
def test_ray_run_equals_single_process_byte_for_byte(
    ray_local: None, clips: Path, single: Path, tmp_path: Path
) -> None:
    from vidi_desktop.services.ray_batch import RayEngine

    engine = RayEngine()
    assert engine.workers == 2
    result = run_batch([clips], tmp_path / "ray", CHUNKED, engine=engine)
    assert result.index.run["engine"] == "ray"
    assert result.index.entries["a/clip.mp4"].chunks >= 3
    workers = {w for e in result.index.done() for w in [e.run.get("worker")] if w}
    assert all(str(os.getpid()) not in w for w in workers)  # ran in Ray workers
    assert_same_outputs(single, tmp_path / "ray")


def _die_once(marker_dir: str):
    """A task that kills its Ray worker the first time it meets chunk 2 of a/clip.mp4."""

    def task(unit):
        import os as _os

        from vidi_desktop.services.batch_workers import execute_unit

        if unit.key == "a/clip.mp4" and unit.chunk is not None and unit.chunk.index == 1:
            marker = _os.path.join(marker_dir, "died")
            if not _os.path.exists(marker):
                open(marker, "w").close()
                _os._exit(1)  # the worker process is gone mid-task
        return execute_unit(unit)

    return task


@pytest.mark.shared_media
def test_worker_dying_mid_task_is_retried(
    ray_local: None, clips: Path, single: Path, tmp_path: Path
) -> None:
    from vidi_desktop.services.ray_batch import RayEngine

    engine = RayEngine(task=_die_once(str(tmp_path)), max_retries=2)
    run_batch([clips], tmp_path / "ray", CHUNKED, engine=engine)
    assert (tmp_path / "died").exists()  # it did die once
    assert_same_outputs(single, tmp_path / "ray")


def _always_die():
    """A task that kills its worker whenever it meets b/clip.mp4 (a closure: Ray ships it
    by value, its workers cannot import this test module)."""

    def task(unit):
        import os as _os

        from vidi_desktop.services.batch_workers import execute_unit

        if unit.key == "b/clip.mp4":
            _os._exit(1)
        return execute_unit(unit)

    return task


@pytest.mark.shared_media
def test_worker_that_keeps_dying_is_reported_and_the_index_stays_whole(
    ray_local: None, clips: Path, single: Path, tmp_path: Path
) -> None:
    from vidi_desktop.services.ray_batch import RayEngine

    out = tmp_path / "ray"
    engine = RayEngine(task=_always_die(), max_retries=1)
    result = run_batch([clips], out, CHUNKED, engine=engine)
    assert result.failed == ["b/clip.mp4"] and result.analysed == ["a/clip.mp4"]
    index = load_index(out)
    assert index.entries["a/clip.mp4"].status == DONE
    bad = index.entries["b/clip.mp4"]
    assert bad.status == ERROR and "worker process died" in bad.error
    assert not (out / "b").exists()
    assert (out / "a" / "clip.mp4.vidi").read_bytes() != b""
    # The next run on a healthy engine finishes the job and keeps what was done.
    again = run_batch([clips], out, CHUNKED, engine=RayEngine())
    assert again.current == ["a/clip.mp4"] and again.analysed == ["b/clip.mp4"]
    assert_same_outputs(single, out)


def test_cli_ray_flag_needs_no_cluster(
    ray_local: None, make_clip, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--ray`` with no address uses the Ray already running here (or starts one)."""
    import json
    import shutil

    from vidi_desktop.cli import main

    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(make_clip("ray_cli.mp4", frames=30, rate=25, size=(160, 120)), src / "x.mp4")
    code = main(["batch", str(src), "--shots", "--ray", "-o", str(tmp_path / "o"), "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["analysed"] == ["x.mp4"]
    assert load_index(tmp_path / "o").run["engine"] == "ray"
