"""The analyser registry: an analyser added as one file plus one registration line
(tests/analysis/toy_analyser.py) reaches the CLI flags of analyze and batch, the --json
document, the project and batch chunking; and the registry refuses inconsistent specs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
import toy_analyser

from vidi_desktop.analysis import registry
from vidi_desktop.analysis.options import AnalyzeOptions
from vidi_desktop.cli import main

DARK, LIGHT = (30, 30, 30), (220, 220, 220)


@pytest.fixture
def flips() -> Iterator[None]:
    registry.register(toy_analyser.SPEC)  # the one registration line
    yield
    registry.unregister("flips")


@pytest.fixture
def chunk_safe_flips() -> Iterator[None]:
    registry.register(toy_analyser.CHUNK_SAFE_SPEC)
    yield
    registry.unregister("flips")


@pytest.fixture(scope="module")
def flip_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Dark, light from frame 20, dark again from frame 50 (25 fps, 80 frames, no audio)."""
    from vidi_desktop.media.synth import flat_color, write_clip

    dark, light = flat_color(DARK, 160, 120), flat_color(LIGHT, 160, 120)
    return write_clip(
        tmp_path_factory.mktemp("flips") / "flips.mp4", frames=80, rate=25, size=(160, 120),
        picture=lambda n: light(n) if 20 <= n < 50 else dark(n), stamp=False,
    )


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", ["analyze", "batch"])
def test_a_registered_analyser_has_its_flag_and_setting(flips, capsys, command) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    assert "--flips" in text and "--flip-level L" in text
    assert "frames where the picture flips between dark and light" in text


def test_analyze_json_has_its_section_and_only_the_keys_asked(flips, flip_clip, capsys) -> None:
    doc = json.loads(cli(capsys, "analyze", str(flip_clip), "--flips", "--json"))
    assert set(doc) == {"file", "rate", "frames", "flips"}
    assert doc["flips"] == [{"frame": 20, "to_light": True}, {"frame": 50, "to_light": False}]


def test_its_setting_reaches_it(flips, flip_clip, capsys) -> None:
    out = cli(capsys, "analyze", str(flip_clip), "--flips", "--flip-level", "0.95", "--json")
    assert json.loads(out)["flips"] == []  # the light frames are not that light


def test_the_project_gets_its_suggestions_and_the_summary_its_count(
    flips, flip_clip, tmp_path, capsys
) -> None:
    from vidi_desktop.core.project import load_project

    out = cli(capsys, "analyze", str(flip_clip), "--flips", "-o", str(tmp_path / "p.json"))
    assert "2 flips" in out
    project = load_project(tmp_path / "p.json")
    found = [s for s in project.suggestions if s.source == "toy.flips"]
    assert [s.label for s in found] == ["to light", "to dark"]
    assert [s.payload.time.seconds for s in found] == [Fraction(20, 25), Fraction(50, 25)]
    assert all(s.state == "pending" for s in found)


def test_batch_runs_an_analyser_not_declared_chunk_safe_whole(flips, flip_clip, tmp_path) -> None:
    from vidi_desktop.core.progress import JobContext
    from vidi_desktop.services.batch import BatchSettings, run_batch
    from vidi_desktop.services.chunking import analyse_chunk, chunkable, plan_chunks

    options = AnalyzeOptions(flips=True, thumbnails=0, waveform=False)
    assert not chunkable(options)
    with pytest.raises(ValueError, match="flips not declared chunk-safe"):
        analyse_chunk(flip_clip, options, plan_chunks(Fraction(3), Fraction(1), Fraction(1))[0],
                      JobContext())
    settings = BatchSettings(options, chunk_seconds=Fraction(1), overlap_seconds=Fraction(1))
    result = run_batch([flip_clip], tmp_path / "out", settings)
    entry = result.index.entries["flips.mp4"]
    assert entry.chunks == 1 and entry.counts == {"flips": 2}


def test_batch_chunks_a_chunk_safe_analyser_and_merges_it_exactly(
    chunk_safe_flips, flip_clip, tmp_path
) -> None:
    from vidi_desktop.services.batch import BatchSettings, run_batch
    from vidi_desktop.services.chunking import chunkable

    options = AnalyzeOptions(flips=True, thumbnails=0, waveform=False)
    assert chunkable(options)
    whole = run_batch([flip_clip], tmp_path / "whole", BatchSettings(options, chunk_seconds=None))
    chunked = run_batch([flip_clip], tmp_path / "chunked",
                        BatchSettings(options, chunk_seconds=Fraction(1)))
    assert whole.index.entries["flips.mp4"].chunks == 1
    assert chunked.index.entries["flips.mp4"].chunks == 4  # 3.2 s in chunks of at most 1 s
    docs = [_analysis_json(r.index, "flips.mp4") for r in (whole, chunked)]
    assert docs[0]["flips"] == docs[1]["flips"] == [
        {"frame": 20, "to_light": True}, {"frame": 50, "to_light": False}
    ]


def test_batch_analyze_list_takes_a_registered_name(flips, flip_clip, tmp_path, capsys) -> None:
    from vidi_desktop.services.batch_index import load_index

    out = tmp_path / "out"
    cli(capsys, "batch", str(flip_clip), "-o", str(out), "--analyze", "flips", "-q")
    assert _analysis_json(load_index(out), "flips.mp4")["flips"][0]["frame"] == 20


def _analysis_json(index: object, key: str) -> dict:
    """The KEY.json (``analyze --json`` document) a batch wrote for ``key``."""
    entry = index.entries[key]  # type: ignore[attr-defined]
    return json.loads((index.path.parent / entry.outputs["analysis"]).read_text())  # type: ignore[attr-defined]


def test_unregistered_it_is_gone(flip_clip, capsys) -> None:
    assert "flips" not in registry.names()
    with pytest.raises(TypeError, match="unknown option 'flips'"):
        AnalyzeOptions(flips=True)
    with pytest.raises(SystemExit):
        main(["analyze", str(flip_clip), "--flips"])


# -- the rules a spec must follow ---------------------------------------------------------------


def test_the_built_in_analysers_in_order() -> None:
    assert registry.names() == (
        "shots", "speech", "subtitles", "faces", "people", "highlights", "reframe"
    )
    assert [s.name for s in AnalyzeOptions(subtitles=True).needed()] == [
        "shots", "speech", "transcript", "subtitles"
    ]
    assert AnalyzeOptions.everything().asked() == (
        "shots", "speech", "subtitles", "faces", "highlights", "reframe"
    )


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"name": "shots"}, "new name"),
        ({"needs": ("pictures", "later")}, "not an input or an analyser registered before"),
        ({"frames": None}, "frame analyser"),
        ({"products": ("notes",)}, "may not be called notes"),
        ({"params": (toy_analyser.SPEC.params[0]._replace(field="sensitivity"),)},
         "'sensitivity' is already taken"),
        ({"chunk_safe": True}, "chunk-safe needs"),
        ({"stage": "audio"}, "audio-stage analyser needs 'audio'"),
    ],
)
def test_an_inconsistent_spec_is_refused(change, why) -> None:
    with pytest.raises(ValueError, match=why):
        registry.register(toy_analyser.SPEC._replace(**change))
    assert "flips" not in registry.names()
