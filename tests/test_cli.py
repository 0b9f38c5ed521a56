"""The CLI as scripts use it: exit codes, the probe --json contract, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vidi_desktop.cli import main


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The installed entry point, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "vidi_desktop", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        env={**os.environ},
    )


def test_help_lists_commands() -> None:
    out = run_cli("--help")
    assert out.returncode == 0
    for command in ("probe", "thumbs", "analyze", "export"):
        assert command in out.stdout


def test_version() -> None:
    out = run_cli("--version")
    assert out.returncode == 0 and out.stdout.startswith("vidi-desktop ")


def test_probe_json_contract(small_clip: Path) -> None:
    out = run_cli("probe", str(small_clip), "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert {"file", "container", "duration", "start_time", "start_timecode", "video",
            "audio"} <= doc.keys()
    v = doc["video"]
    assert {"codec", "width", "height", "rate", "frames", "sar", "rotation"} <= v.keys()
    assert v["rate"] == "30000/1001" and v["frames"] == 60 and v["sar"] == "1:1"
    assert v["rotation"] == 0 and v["codec"] == "h264" and (v["width"], v["height"]) == (320, 240)
    assert doc["start_timecode"] == "01:00:00;00"
    assert abs(doc["duration"] - 2.002) < 1e-6
    assert doc["audio"][0] | {} == doc["audio"][0]
    assert {"codec": "aac", "sample_rate": 48000, "channels": 2}.items() <= doc["audio"][0].items()


def test_probe_human(small_clip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", str(small_clip)]) == 0
    text = capsys.readouterr().out
    assert "29.97 fps" in text and "60 frames" in text and "01:00:00;00" in text


def test_thumbs_writes_pngs(small_clip: Path, tmp_path: Path) -> None:
    out = run_cli("thumbs", str(small_clip), "-n", "4", "--height", "60", "-o",
                  str(tmp_path / "t"), "--json")
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)
    assert len(listed) == 4
    for item in listed:
        data = Path(item["file"]).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda d: d / "missing.mp4", "no such file"),
        (lambda d: d, "is a folder"),
        (lambda d: (d / "fake.mp4").write_text("hello") and d / "fake.mp4", "not a video"),
        (lambda d: (d / "empty.mp4").write_bytes(b"") or d / "empty.mp4", "empty"),
    ],
    ids=["missing", "directory", "text", "empty"],
)
@pytest.mark.parametrize("command", ["probe", "thumbs"])
def test_bad_input_is_one_line_exit_2(tmp_path: Path, make, words: str, command: str) -> None:
    target = make(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    out = run_cli(command, str(target), cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert words in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_audio_only_thumbs_is_refused(audio_only: Path, tmp_path: Path) -> None:
    out = run_cli("thumbs", str(audio_only), "-o", str(tmp_path / "t"))
    assert out.returncode == 2 and "no video stream" in out.stderr
    assert not (tmp_path / "t").exists()


def test_global_flags_work_after_the_command_too(small_clip: Path) -> None:
    before = run_cli("-q", "probe", str(small_clip))
    after = run_cli("probe", str(small_clip), "-q")
    assert before.returncode == after.returncode == 0
    assert before.stdout == after.stdout
