"""Issue 16.14: ``thumbs`` on a full disk crashed and left a 0-byte PNG; a killed render left
a hidden ``.part`` file that nothing removed.

The full disk is a real one — a 64 kB tmpfs — where the test may mount it (root with
CAP_SYS_ADMIN); otherwise a file-size limit (RLIMIT_FSIZE) makes the same writes fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from reliability_media import edit_project

from vidi_desktop.cli import main


def _mount_tmpfs(folder: Path, size: str) -> bool:
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, timeout=30)
    return done.returncode == 0


@pytest.fixture(params=["tmpfs", "rlimit"])
def small_disk(request, tmp_path: Path) -> Iterator[tuple[Path, dict]]:
    """A folder where writes fail after a few kB, and subprocess options that make it so."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if request.param == "tmpfs":
        if not _mount_tmpfs(folder, "64k"):
            pytest.skip("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)")
        try:
            yield folder, {}
        finally:
            subprocess.run(["umount", str(folder)], capture_output=True, timeout=30)
        return

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death
        resource.setrlimit(resource.RLIMIT_FSIZE, (16_000, 16_000))

    yield folder, {"preexec_fn": limit}


def _cli(args: list[str], **popen: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run([sys.executable, "-m", "vidi_desktop", *args], capture_output=True,
                          text=True, timeout=300, env=env, **popen)  # type: ignore[arg-type]


def test_thumbs_on_a_full_disk_leave_nothing(make_clip, small_disk) -> None:
    folder, popen = small_disk
    clip = make_clip("rel_full_disk.mp4", frames=60, rate=Fraction(25), gop=10,
                     size=(640, 480))
    # Warm the thumbnail cache first (it lives elsewhere): only the PNGs hit the small disk.
    assert _cli(["thumbs", str(clip), "-n", "12", "--height", "240", "-o",
                 str(folder.parent / "warm")]).returncode == 0
    out = _cli(["thumbs", str(clip), "-n", "12", "--height", "240", "-o",
                str(folder / "t")], **popen)
    assert out.returncode == 2, out.stderr
    assert out.stderr.count("\n") == 1 and "nothing was written" in out.stderr
    assert "internal error" not in out.stderr
    assert not (folder / "t").exists()  # made by this run, so removed; no 0-byte PNG
    assert [p.name for p in folder.iterdir() if p.name != "lost+found"] == []


def test_thumbs_into_an_existing_folder_on_a_full_disk_keep_it(make_clip, small_disk) -> None:
    folder, popen = small_disk
    clip = make_clip("rel_full_disk.mp4", frames=60, rate=Fraction(25), gop=10,
                     size=(640, 480))
    (folder / "t").mkdir()
    (folder / "t" / "mine.txt").write_text("keep me")
    out = _cli(["thumbs", str(clip), "-n", "12", "--height", "240", "-o",
                str(folder / "t")], **popen)
    assert out.returncode == 2
    assert sorted(p.name for p in (folder / "t").iterdir()) == ["mine.txt"]


@pytest.fixture
def long_project(make_clip, tmp_path: Path) -> Path:
    clip = make_clip("rel_kill_render.mp4", frames=750, rate=Fraction(25), gop=25,
                     size=(640, 360))
    return edit_project(clip, tmp_path / "p.json", [(0, 750)])


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.part"))


def test_a_killed_render_leaves_a_part_the_next_render_removes(long_project, tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "vidi_desktop", "-q", "render", str(long_project), "--crf", "40",
         "-o", str(tmp_path / "cut.mp4")], env=env,
    )
    try:
        for _ in range(600):
            if any(p.stat().st_size > 0 for p in _parts(tmp_path)):
                break
            assert proc.poll() is None, "the render ended before it could be killed"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    (stale,) = _parts(tmp_path)
    assert not (tmp_path / "cut.mp4").exists()
    clip = Path(json.loads(long_project.read_text())["assets"][0]["path"])
    short = edit_project(clip, tmp_path / "short.json", [(0, 5)])
    assert main(["-q", "render", str(short), "-o", str(tmp_path / "other.mp4")]) == 0
    assert not stale.exists() and _parts(tmp_path) == []


def test_a_running_renders_part_is_left_alone(long_project, tmp_path) -> None:
    """Another render in progress holds its part: the cleaner must not take it."""
    from vidi_desktop.interchange.part_files import clean_stale_parts, hold, release

    running = tmp_path / ".cut.mp4.abcd1234.part"
    running.write_bytes(b"half a render")
    dead = tmp_path / ".old.mov.zzzz9999.part"
    dead.write_bytes(b"killed")
    other = tmp_path / ".download.part"  # not a render's: never touched
    other.write_bytes(b"x")
    fd = hold(running)
    try:
        assert clean_stale_parts(tmp_path) == [dead]
    finally:
        release(fd)
    assert running.exists() and other.exists() and not dead.exists()
    with contextlib.suppress(FileNotFoundError):
        running.unlink()
