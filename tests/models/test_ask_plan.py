"""``ask FILE "request" --plan``: the plan contract — routing only, nothing run or written."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from vidi_desktop.cli import main
from vidi_desktop.media.probe import probe
from vidi_desktop.models.builtin.plan import PARAM_KEYS, TASKS, plan_file

CONTRACT_KEYS = ["request", "backend", "file", "duration", "steps", "refusal"]


def run_plan(capsys: Any, *args: str) -> tuple[int, dict]:
    code = main(["ask", *args, "--plan", "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if code == 0 else {}


def test_plan_json_follows_the_contract(small_clip: Path, capsys: Any) -> None:
    code, data = run_plan(capsys, str(small_clip), "remove silences over 1 s, then subtitles")
    assert code == 0
    assert list(data) == CONTRACT_KEYS
    assert data["backend"] == "builtin" and data["refusal"] is None
    assert data["request"] == "remove silences over 1 s, then subtitles"
    assert Path(data["file"]).resolve() == small_clip.resolve()
    assert [s["task"] for s in data["steps"]] == ["silences", "subtitles"]
    for step in data["steps"]:
        assert list(step) == ["task", "params"] and step["task"] in TASKS
        assert tuple(step["params"]) == PARAM_KEYS
    assert data["steps"][0]["params"]["min_silence"] == 1.0


def test_the_duration_is_the_probed_one_and_windows_resolve_against_it(
    small_clip: Path, capsys: Any
) -> None:
    _, data = run_plan(capsys, str(small_clip), "scene changes in the second half")
    duration = float(probe(small_clip).duration)
    assert data["duration"] == duration
    assert data["steps"][0]["params"]["window"] == [duration / 2, duration]


def test_start_and_end_narrow_the_window(small_clip: Path, capsys: Any) -> None:
    code = main(["ask", str(small_clip), "subtitles", "--plan", "--json", "--start", "0.5",
                 "--end", "1.5"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["steps"][0]["params"]["window"] == [0.5, 1.5]


def test_a_refusal_has_a_reason_a_message_and_no_steps(small_clip: Path, capsys: Any) -> None:
    _, data = run_plan(capsys, str(small_clip), "when does the guy hand over the envelope")
    assert data["steps"] == [] and data["refusal"]["reason"] == "needs_vlm"
    assert "--backend qwen-vl" in data["refusal"]["message"]
    _, data = run_plan(capsys, str(small_clip), "denoise the audio")
    assert data["steps"] == [] and data["refusal"]["reason"] == "unsupported"


def test_a_window_past_the_end_of_the_file_is_a_refusal(small_clip: Path, capsys: Any) -> None:
    _, data = run_plan(capsys, str(small_clip), "subtitles after 10:00")
    assert data["steps"] == [] and data["refusal"]["reason"] == "unsupported"
    assert "outside the file" in data["refusal"]["message"]


def test_plan_runs_no_analyser_and_writes_nothing(
    small_clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from vidi_desktop.models.builtin import tasks

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("an analyser ran")

    # Guards, not stand-ins: planning must never reach the analysers or the transcriber.
    monkeypatch.setattr(tasks, "analyze_file", forbidden)
    monkeypatch.setattr(tasks.AnalysisStore, "transcript", forbidden)
    monkeypatch.chdir(tmp_path)
    cache = Path(os.environ["VIDI_DESKTOP_CACHE_DIR"])
    before = sorted(p.name for p in cache.rglob("*"))
    code, data = run_plan(capsys, str(small_clip), "split into scenes and add subtitles")
    assert code == 0 and len(data["steps"]) == 2
    assert list(tmp_path.iterdir()) == []  # no project.json
    assert sorted(p.name for p in cache.rglob("*")) == before


def test_plan_with_an_output_file_is_refused(small_clip: Path, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "p.json"
    assert main(["ask", str(small_clip), "scenes", "--plan", "-o", str(out)]) == 2
    assert "writes nothing" in capsys.readouterr().err and not out.exists()


def test_plan_on_a_file_that_is_not_media_is_one_line(tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    assert main(["ask", str(bad), "split into scenes", "--plan", "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and list(tmp_path.iterdir()) == [bad]


def test_plan_for_people_lists_the_steps(small_clip: Path, capsys: Any) -> None:
    assert main(["ask", str(small_clip), "3 highlights of 1 second, square", "--plan"]) == 0
    out = capsys.readouterr().out
    assert "1. highlights (3 clips, 1 s each, 1:1)" in out


def test_plan_file_is_the_api_behind_it(small_clip: Path) -> None:
    data = plan_file(small_clip, "delete the ums and ahs")
    assert [s["task"] for s in data["steps"]] == ["fillers"]
