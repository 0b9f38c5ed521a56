"""``ask``: a request about a file lands in the project only when it succeeds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vidi_desktop.cli import main
from vidi_desktop.core.project import ProjectDocument
from vidi_desktop.models.protocol import RequestError
from vidi_desktop.models.registry import BACKENDS
from vidi_desktop.services.ask import ask_file, build_request


@pytest.fixture(autouse=True)
def stub_backends_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the stub backends under names of their own, through the real registry."""
    for name, cls in (
        ("rec", "RecordingBackend"),
        ("oom", "OutOfMemoryBackend"),
        ("junk", "NonsenseBackend"),
    ):
        monkeypatch.setitem(BACKENDS, name, ("stub_backends", cls, f"test backend {name}"))


def test_ask_adds_the_asset_and_the_suggestions(small_clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    done = ask_file(small_clip, "find the good bits", out, backend="rec")
    doc = ProjectDocument.open(out)
    assert len(doc.project.assets) == 1
    assert Path(doc.project.assets[0].path).resolve() == small_clip.resolve()
    assert sorted(s.kind for s in doc.project.suggestions) == ["answer", "cut_range"]
    assert set(done.added_ids) == {s.id for s in doc.project.suggestions}


def test_asking_again_reuses_the_asset(small_clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    ask_file(small_clip, "one", out, backend="rec")
    ask_file(small_clip, "two", out, backend="rec")
    doc = ProjectDocument.open(out)
    assert len(doc.project.assets) == 1
    # Two answers; the keep both runs found is there once (re-running adds only what is new).
    assert len(doc.project.suggestions) == 3


@pytest.mark.parametrize(("backend", "message"), [("oom", "out of memory"), ("junk", "junk")])
def test_a_failed_request_changes_nothing(
    small_clip: Path, tmp_path: Path, backend: str, message: str
) -> None:
    out = tmp_path / "p.json"
    ask_file(small_clip, "first", out, backend="rec")
    before = out.read_bytes()
    with pytest.raises(Exception, match=message):
        ask_file(small_clip, "second", out, backend=backend)
    assert out.read_bytes() == before


def test_build_request_refuses_an_asset_not_in_the_project() -> None:
    with pytest.raises(RequestError, match="not in the project"):
        build_request(ProjectDocument(), "split into scenes", ["nope"])


def test_cli_ask_json_shape(small_clip: Path, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "p.json"
    code = main(["ask", str(small_clip), "find the good bits", "-o", str(out), "--json",
                 "--backend", "rec", "--option", "flavour=\"dry\""])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"request", "backend", "file", "asset_id", "project", "answer",
                         "suggestions", "elapsed_s"}
    assert data["backend"] == "rec" and data["answer"] == "rec heard: find the good bits"
    assert [s["kind"] for s in data["suggestions"]] == ["answer", "cut_range"]
    stored = {s.id for s in ProjectDocument.open(out).project.suggestions}
    assert {s["id"] for s in data["suggestions"]} == stored


def test_cli_ask_failure_is_one_line_and_writes_nothing(
    small_clip: Path, tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "p.json"
    assert main(["ask", str(small_clip), "", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "request is empty" in err and len(err.strip().splitlines()) == 1
    assert main(["ask", str(small_clip), "x", "-o", str(out), "--backend", "oom"]) == 2
    assert "out of memory" in capsys.readouterr().err
    assert not out.exists()


def test_cli_ask_refuses_a_bad_option(small_clip: Path, capsys: Any) -> None:
    code = main(["ask", str(small_clip), "scenes", "--json", "--option", "novalue"])
    assert code == 2 and "KEY=VALUE" in capsys.readouterr().err


def test_cli_ask_on_a_file_that_is_not_media(tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    assert main(["ask", str(bad), "split into scenes", "-o", str(tmp_path / "p.json")]) == 2
    assert not (tmp_path / "p.json").exists()


def test_ask_progress_is_one_scale_loading_then_running(small_clip: Path) -> None:
    """Loading the backend fills the first fifth, the request the rest: the run's 50 %
    reads as 60 %, never below what the load reached."""
    seen: list[tuple[float | None, str]] = []
    ask_file(small_clip, "find the good bits", None, backend="rec",
             on_progress=lambda f, m: seen.append((f, m)))
    fractions = {m: f for f, m in seen}
    assert fractions["thinking"] == pytest.approx(0.2 + 0.8 * 0.5)
    known = [f for f, _ in seen if f is not None]
    assert known == sorted(known)


@pytest.mark.parametrize("name", ["p.vidi", "project.json"])
def test_cli_ask_about_a_project_says_to_name_the_footage(
    small_clip: Path, tmp_path: Path, capsys: Any, name: str
) -> None:
    """`ask p.vidi "…"` is a natural slip: one line that says how to ask, nothing changed."""
    project = tmp_path / name
    assert main(["ask", str(small_clip), "split into scenes", "-o", str(project), "-q"]) == 0
    before = project.read_bytes()
    capsys.readouterr()
    assert main(["ask", str(project), "split into scenes", "-o", str(project)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "is a project, not footage" in err and f"-o {project}" in err
    assert project.read_bytes() == before
