"""``ask`` again on an existing project: only new suggestions are added, decisions stay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vidi_desktop.cli import main
from vidi_desktop.core.project import ProjectDocument, ReviewState
from vidi_desktop.models.registry import BACKENDS


@pytest.fixture(autouse=True)
def recording_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """The recording stub backend under its own name, through the real registry."""
    monkeypatch.setitem(BACKENDS, "rec", ("stub_backends", "RecordingBackend", "test backend"))


def test_the_same_request_twice_says_nothing_new(
    small_clip: Path, tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "p.json"
    assert main(["ask", str(small_clip), "find the good bits", "-o", str(out),
                 "--backend", "rec"]) == 0
    assert "2 new, 0 already there" in capsys.readouterr().out
    first = ProjectDocument.open(out).project.suggestions
    assert main(["ask", str(small_clip), "find the good bits", "-o", str(out),
                 "--backend", "rec"]) == 0
    assert "0 new, 2 already there" in capsys.readouterr().out
    assert ProjectDocument.open(out).project.suggestions == first


def test_a_rerun_leaves_decisions_as_they_were(small_clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    assert main(["ask", str(small_clip), "find the good bits", "-o", str(out), "-q",
                 "--backend", "rec"]) == 0
    doc = ProjectDocument.open(out)
    keep = next(s for s in doc.project.suggestions if s.kind == "cut_range")
    doc.reject([keep.id])
    doc.save()
    assert main(["ask", str(small_clip), "find the good bits", "-o", str(out), "-q",
                 "--backend", "rec"]) == 0
    again = ProjectDocument.open(out).project
    assert [s.kind for s in again.suggestions] == ["answer", "cut_range"]
    assert again.suggestion(keep.id).state is ReviewState.REJECTED
