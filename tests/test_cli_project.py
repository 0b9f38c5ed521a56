"""``analyze`` and ``export`` from the command line: projects written safely, bad input refused."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from vidi_desktop.core.project import load_project


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vidi_desktop", *args],
        capture_output=True, text=True, timeout=300, cwd=cwd,
    )


def test_analyze_sample_writes_a_project(tmp_path: Path) -> None:
    out = run_cli("analyze", "--sample", "--shots", "-o", str(tmp_path / "p.json"))
    assert out.returncode == 0, out.stderr
    project = load_project(tmp_path / "p.json")
    (asset,) = project.assets
    assert asset.name == "example.mp4"
    assert asset.info["video"]["frames"] == 1272
    assert asset.extent() is not None and asset.extent().duration.seconds == Fraction(212, 5)


def test_analyze_adds_to_an_existing_project(tmp_path: Path, small_clip: Path) -> None:
    target = tmp_path / "p.json"
    assert run_cli("analyze", str(small_clip), "--shots", "-o", str(target)).returncode == 0
    out = run_cli("analyze", str(small_clip), "--sample", "--shots", "-o", str(target))
    assert out.returncode == 0, out.stderr
    assert "already in the project" in out.stdout
    names = sorted(a.name for a in load_project(target).assets)
    assert names == ["example.mp4", "small.mp4"]
    assert Path(str(target) + ".bak").exists()


def test_analyze_with_a_bad_file_writes_nothing(tmp_path: Path, small_clip: Path) -> None:
    bad = tmp_path / "broken.mp4"
    bad.write_text("not a video")
    out = run_cli("analyze", str(small_clip), str(bad), "--shots", "-o", str(tmp_path / "p.json"))
    assert out.returncode == 2
    assert "broken.mp4" in out.stderr and out.stderr.count("\n") == 1
    assert not (tmp_path / "p.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.mp4"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"schema": "vidi-desktop.project", "version": 99}', "newer vidi-desktop"),
        ('{"schema": "vidi-desktop.project", "version": "two"}', "version"),
        ('{"schema": "vidi-desktop.proj', "not valid JSON"),
        ("[1, 2, 3]", "project"),
    ],
    ids=["future", "bad-version", "truncated", "not-object"],
)
@pytest.mark.parametrize("command", ["analyze", "export"])
def test_bad_project_is_refused_and_untouched(
    tmp_path: Path, small_clip: Path, content: str, words: str, command: str
) -> None:
    project = tmp_path / "p.json"
    project.write_text(content)
    if command == "analyze":
        out = run_cli("analyze", str(small_clip), "--shots", "-o", str(project))
    else:
        out = run_cli("export", str(project), "--format", "json", "-o", str(tmp_path / "e.json"))
    assert out.returncode == 2, out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert words.lower() in out.stderr.lower()
    assert project.read_text() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json"]


def test_export_json_selects_by_state(tmp_path: Path, small_clip: Path) -> None:
    target = tmp_path / "p.json"
    assert run_cli("analyze", str(small_clip), "--shots", "--speech", "-o",
                   str(target)).returncode == 0
    out = run_cli("export", str(target), "--format", "json", "--include", "all",
                  "-o", str(tmp_path / "e.json"))
    assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / "e.json").read_text())
    assert doc["include"] == "all" and doc["assets"][0]["name"] == "small.mp4"
    assert doc["suggestions"] and all(s["state"] == "pending" for s in doc["suggestions"])
    out = run_cli("export", str(target), "--format", "json", "-o", str(tmp_path / "a.json"))
    assert json.loads((tmp_path / "a.json").read_text())["suggestions"] == []
