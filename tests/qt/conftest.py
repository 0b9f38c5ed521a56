"""Qt test setup: offscreen platform, isolated QSettings, a project with footage and suggestions.

``QT_QPA_PLATFORM`` must be set before Qt is imported anywhere, so it is set at the top of
this file (``setdefault``: a developer may run the tests on a real display on purpose).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
import time
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar

import pytest

from vidi_desktop.core.progress import check_cancel
from vidi_desktop.core.project import (
    Answer,
    CutRange,
    HighlightClip,
    ProjectDocument,
    SceneBoundary,
    SubtitleCue,
    Suggestion,
    Word,
)
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.models.protocol import BackendError, Capabilities, Request


@pytest.fixture(autouse=True)
def isolated_qsettings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every QSettings read/write of a test goes to its own temporary folder."""
    from support.qsettings import isolate_qsettings

    folder = tmp_path_factory.mktemp("qsettings")
    isolate_qsettings(folder)
    yield folder


@pytest.fixture(autouse=True)
def isolated_autosaves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Autosaves of one test never meet another's."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("VIDI_DESKTOP_DATA_DIR", str(data))
    return data


def seconds_range(start: Fraction | float | str, end: Fraction | float | str) -> TimeRange:
    """``[start, end)`` in exact seconds."""
    return TimeRange.from_start_end(
        Time.exact(Fraction(start)), Time.exact(Fraction(end))
    )


def asset_for(path: Path) -> Any:
    """The project asset of a media file, as the media bin makes it."""
    from vidi_desktop.media.probe import probe
    from vidi_desktop.services.analyze import asset_from_probe

    return asset_from_probe(probe(path))


def sample_suggestions(asset_id: str) -> list[Suggestion]:
    """One suggestion of most kinds, inside a 2-second clip."""
    return [
        Suggestion.new(asset_id, SceneBoundary(Time.exact(Fraction(1))), "test", label="cut"),
        Suggestion.new(
            asset_id, CutRange(seconds_range("0.4", "0.7")), "test", label="silence",
            confidence=0.9,
        ),
        Suggestion.new(
            asset_id, HighlightClip(seconds_range("1.1", "1.9"), "best bit", 0.8), "test",
            label="best bit",
        ),
        Suggestion.new(
            asset_id,
            SubtitleCue(
                seconds_range("0.1", "0.9"),
                "hello there",
                (
                    Word(seconds_range("0.1", "0.4"), "hello"),
                    Word(seconds_range("0.5", "0.9"), "there"),
                ),
            ),
            "test",
            label="hello there",
        ),
    ]


@pytest.fixture
def asset_of() -> Callable[[Path], Any]:
    """``asset_of(path)``: the project asset of a media file, as the media bin makes it."""
    return asset_for


@pytest.fixture
def project_doc(small_clip: Path) -> ProjectDocument:
    """An unsaved, unmodified project: the 29.97 DF small clip and a few pending suggestions."""
    from vidi_desktop.core.project import Project

    asset = asset_for(small_clip)
    project = Project(
        assets=(asset,), suggestions=tuple(sample_suggestions(asset.id)), name="Test project"
    )
    return ProjectDocument(project)


# -- a real Backend for the bridge tests (the built-in one is written elsewhere) ---------------


class ScriptedBackend:
    """A real :class:`~vidi_desktop.models.protocol.Backend` whose answer the request text picks.

    * ``scenes`` — a scene boundary at 1.5 s of each asset (and an Answer saying so; the
      sample suggestions hold one at 1 s, so this one is new to them);
    * ``answer`` — an Answer only;
    * ``crash`` — raises RuntimeError; ``refuse`` — raises BackendError;
    * ``slow`` — reports progress every 20 ms for up to 20 s, honouring ``cancel``;
    * ``bad`` — returns something that is not a list of suggestions.

    It records which thread loaded and ran it, to prove the model lives on the model thread.
    """

    name = "scripted"
    loads: ClassVar[list[int]] = []
    runs: ClassVar[list[int]] = []
    unloads: ClassVar[list[int]] = []

    def __init__(self, **options: Any) -> None:
        self.options = options

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(self.name, temporal=True, answers=True)

    def load(self, progress: Callable[[float | None, str], None], cancel: threading.Event) -> None:
        ScriptedBackend.loads.append(threading.get_ident())
        progress(0.0, "loading scripted")

    def run(
        self,
        request: Request,
        progress: Callable[[float | None, str], None],
        cancel: threading.Event,
    ) -> list[Suggestion]:
        ScriptedBackend.runs.append(threading.get_ident())
        text = request.text.lower()
        if "crash" in text:
            raise RuntimeError("segfault-ish")
        if "refuse" in text:
            raise BackendError("this backend cannot do that: try qwen-vl")
        if "bad" in text:
            return "not a list"  # type: ignore[return-value]
        if "slow" in text:
            deadline = time.monotonic() + 120  # longer than any wait for its cancel
            step = 0
            while time.monotonic() < deadline:
                check_cancel(cancel)
                progress(min(0.99, step / 100), f"stage {step}")
                step += 1
                time.sleep(0.02)
            return []
        out: list[Suggestion] = []
        progress(0.5, "thinking")
        for ref in request.assets:
            if "scenes" in text:
                out.append(
                    Suggestion.new(
                        ref.asset_id, SceneBoundary(Time.exact(Fraction(3, 2))), "scripted",
                        label="scene 2", request=request.text,
                    )
                )
            out.append(
                Suggestion.new(
                    ref.asset_id, Answer(f"answer to {request.text!r}"), "scripted",
                    request=request.text,
                )
            )
        progress(1.0, "done")
        return out

    def unload(self) -> None:
        ScriptedBackend.unloads.append(threading.get_ident())


@pytest.fixture
def scripted_factory() -> Callable[[str, Any], ScriptedBackend]:
    """A backend factory for ModelRunner/ModelBridge that always makes a ScriptedBackend."""
    ScriptedBackend.loads, ScriptedBackend.runs, ScriptedBackend.unloads = [], [], []

    def factory(name: str, options: Any) -> ScriptedBackend:
        return ScriptedBackend(**dict(options or {}))

    factory.cls = ScriptedBackend  # type: ignore[attr-defined]  # tests read its records
    return factory
