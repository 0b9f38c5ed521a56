"""Golden outputs: what the CLI writes today, byte for byte, so restructuring cannot change it.

Written before the registries refactor (issue 11) and kept after it: ``analyze --json``, the
project file ``analyze -o`` writes, ``ask --json``, ``probe --json`` and every export format
for a hand-built project with every suggestion kind. Only what legitimately differs between
runs is normalised: random ids (renamed in order of appearance in the project), absolute
paths, file sizes/mtimes of generated clips, timestamps and elapsed times.

A deliberate change of output regenerates the files with ``VIDI_UPDATE_GOLDEN=1 pytest
tests/test_golden_outputs.py`` and the diff is reviewed in the commit.
"""

from __future__ import annotations

import json
import os
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from vidi_desktop.cli import main

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("VIDI_UPDATE_GOLDEN") == "1"
SAMPLE = Path(__file__).resolve().parents[1] / "resources" / "samples" / "example.mp4"
_ID = re.compile(r"\b[0-9a-f]{12}\b")


class Normaliser:
    """Replaces run-specific strings (ids, paths, mtimes) with stable placeholders."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}
        self.literals: list[tuple[str, str]] = []

    def add_literal(self, value: str, placeholder: str) -> None:
        self.literals.append((value, placeholder))
        self.literals.sort(key=lambda p: -len(p[0]))  # longest first: paths inside paths

    def learn_project(self, doc: dict[str, Any]) -> None:
        """Name the project's ids in order of appearance, and its files' sizes and mtimes."""
        for section in ("assets", "suggestions", "edit"):
            for item in doc.get(section, []):
                self.ids.setdefault(item["id"], f"{section}-{len(self.ids) + 1}")
        for asset in doc.get("assets", []):
            self.add_literal(str(asset["mtime_ns"]), "<mtime_ns>")

    def text(self, text: str) -> str:
        for value, placeholder in self.literals:
            text = text.replace(value, placeholder)
        return _ID.sub(lambda m: self.ids.get(m.group(0), "<unknown-id>"), text)

    def json(self, doc: Any) -> str:
        def walk(v: Any, key: str = "") -> Any:
            if key in ("created", "elapsed_s", "mtime_ns"):
                return f"<{key}>"
            if isinstance(v, dict):
                return {k: walk(x, k) for k, x in v.items()}
            if isinstance(v, list):
                return [walk(x) for x in v]
            return v

        return self.text(json.dumps(walk(doc), indent=1, sort_keys=True, ensure_ascii=False))


def check_golden(name: str, text: str) -> None:
    """Compare with ``tests/golden/NAME`` (or write it with VIDI_UPDATE_GOLDEN=1)."""
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"missing golden file {path}; run with VIDI_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its golden copy"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return capsys.readouterr().out


# -- analysis, project file, ask, probe ------------------------------------------------------


@pytest.fixture(scope="module")
def cut_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four shots of flat colour with a tone: hard cuts at frames 25, 50 and 75 (25 fps)."""
    import numpy as np

    from vidi_desktop.media.synth import sine, write_clip

    colours = [(200, 40, 40), (40, 200, 40), (40, 40, 200), (220, 220, 60)]

    def picture(n: int) -> np.ndarray:
        img = np.zeros((240, 320, 3), np.uint8)
        img[:] = colours[min(n // 25, 3)]
        img[100:140, (n * 3) % 280 : (n * 3) % 280 + 40] = 255  # a moving square
        return img

    return write_clip(
        tmp_path_factory.mktemp("golden") / "cuts.mp4",
        frames=100,
        rate=25,
        picture=picture,
        audio=sine(330, 0.3),
        timecode="10:00:00:00",
    )


def test_analyze_json_and_project_of_the_sample(capsys, tmp_path) -> None:
    project = tmp_path / "sample.json"
    out = run_cli(capsys, "analyze", "--sample", "-o", str(project), "--json")
    doc = json.loads(project.read_text())
    norm = Normaliser()
    norm.add_literal(str(SAMPLE), "<sample>")
    norm.add_literal(str(tmp_path), "<tmp>")
    norm.learn_project(doc)
    check_golden("analyze-sample.json", norm.json(json.loads(out)))
    check_golden("project-sample.json", norm.json(doc))


def test_analyze_json_of_a_clip_with_cuts(capsys, cut_clip) -> None:
    out = run_cli(capsys, "analyze", str(cut_clip), "--shots", "--speech", "--faces", "--json")
    norm = Normaliser()
    norm.add_literal(str(cut_clip), "<clip>")
    check_golden("analyze-cuts.json", norm.json(json.loads(out)))


def test_probe_json(capsys, cut_clip) -> None:
    out = run_cli(capsys, "probe", str(SAMPLE), "--json")
    norm = Normaliser()
    norm.add_literal(str(SAMPLE), "<sample>")
    check_golden("probe-sample.json", norm.json(json.loads(out)))


@pytest.mark.parametrize(
    "name, request_text",
    [("scenes", "split into scenes"), ("silences", "remove the silences"),
     ("highlights", "3 highlights of 10 seconds"), ("refusal", "when is the red car visible")],
)
def test_ask_json(capsys, tmp_path, name, request_text) -> None:
    project = tmp_path / "ask.json"
    norm = Normaliser()
    norm.add_literal(str(SAMPLE), "<sample>")
    norm.add_literal(str(tmp_path), "<tmp>")
    norm.add_literal(os.environ["VIDI_DESKTOP_DATA_DIR"], "<data>")
    capsys.readouterr()
    code = main(["ask", str(SAMPLE), request_text, "-o", str(project), "--json"])
    printed = capsys.readouterr()
    if code != 0:  # a request the backend does not serve: one line, no project (issue 15)
        assert not project.exists()
        check_golden(f"ask-{name}.refused.txt", f"{code}\n{norm.text(printed.err)}")
        return
    norm.learn_project(json.loads(project.read_text()))
    check_golden(f"ask-{name}.json", norm.json(json.loads(printed.out)))


# -- exports ---------------------------------------------------------------------------------


def _every_kind_project(sample: Path, clip: Path, target: Path) -> dict[str, Any]:
    """Two assets with every suggestion kind in every state; cuts, keeps and highlights
    accepted through the document so the edit holds real clips."""
    from vidi_desktop.core.project import (
        Answer,
        Box,
        Chapter,
        CutRange,
        HighlightClip,
        ObjectTube,
        Project,
        ProjectDocument,
        SceneBoundary,
        SilenceCut,
        SpeechRange,
        SubtitleCue,
        Suggestion,
        Word,
    )
    from vidi_desktop.core.project.model import ReframePath
    from vidi_desktop.core.time import Time, TimeRange
    from vidi_desktop.media.probe import probe
    from vidi_desktop.services.analyze import asset_from_probe

    a = asset_from_probe(probe(sample))
    b = asset_from_probe(probe(clip))

    def span(asset_rate: Fraction, first: int, end: int) -> TimeRange:
        return TimeRange.from_frames(first, end, asset_rate)

    r30, r25 = Fraction(30), Fraction(25)
    made: list[Suggestion] = []

    def add(asset_id: str, payload: Any, **kw: Any) -> Suggestion:
        s = Suggestion.new(asset_id, payload, "golden", **kw)
        made.append(s)
        return s

    keep1 = add(a.id, CutRange(span(r30, 30, 300), "keep"), label="intro", confidence=0.9)
    keep2 = add(a.id, CutRange(span(r30, 450, 900), "keep"), label="talk")
    cut1 = add(a.id, CutRange(span(r30, 120, 150), "cut"), label="silence", confidence=0.75)
    add(a.id, SceneBoundary(Time(600, Fraction(1, 30))), confidence=0.99)
    add(a.id, SceneBoundary(Time(700, Fraction(1, 30)), "dissolve", Time(12, Fraction(1, 30))))
    hl = add(b.id, HighlightClip(span(r25, 10, 60), "the best bit", 0.8), label="highlight")
    add(a.id, Chapter(span(r30, 0, 600), "Part one & two"), label="chapter")
    add(a.id, SubtitleCue(span(r30, 40, 100), "Hello there,\nworld", (
        Word(span(r30, 40, 60), "Hello"), Word(span(r30, 60, 100), "there,"))))
    add(a.id, SubtitleCue(span(r30, 500, 560), "Second cue"))
    add(b.id, ObjectTube("face", (Box(400, 0.1, 0.1, 0.4, 0.5), Box(1200, 0.2, 0.1, 0.5, 0.5))))
    add(a.id, Answer("There are two people.", (span(r30, 100, 200),)))
    add(a.id, ReframePath("9:16", ((0, 0.3, 0.0, 0.6, 1.0), (5000, 0.4, 0.0, 0.7, 1.0)),
                          (), 42400))
    # Kinds of their own since issue 15: where someone talks, and a silence to remove.
    add(a.id, SpeechRange(span(r30, 30, 280)), label="speech", confidence=0.97)
    add(a.id, SilenceCut(span(r30, 300, 330)), label="silence 1.0 s")
    doc = ProjectDocument(Project(assets=(a, b), name="Golden & co"))
    doc.add_suggestions(made)
    doc.accept([keep1.id, keep2.id, hl.id])
    doc.accept([cut1.id])
    doc.reject([made[3].id])
    doc.save(target)
    return json.loads(target.read_text())


EXPORTS = [
    ("edl", ()), ("fcp7", ()), ("fcpxml", ()), ("fcpxml", ("--fcpxml-version", "1.8")),
    ("otio", ()), ("srt", ()), ("vtt", ()), ("csv", ()), ("json", ()),
    ("edl", ("--include", "all", "--kind", "shots")),
    ("fcp7", ("--include", "all")), ("fcpxml", ("--include", "all")),
    ("otio", ("--include", "all")), ("csv", ("--include", "all")), ("json", ("--include", "all")),
    ("srt", ("--include", "all", "--subtitle-times", "source")),
    ("vtt", ("--include", "pending", "--kind", "subtitles")),
    ("edl", ("--include", "pending", "--kind", "highlights")),
    ("fcp7", ("--kind", "chapters", "--include", "all")),
    ("edl", ("--kind", "cuts")), ("edl", ("--include", "all", "--kind", "speech")),
    ("fcpxml", ("--kind", "cuts", "--fcpxml-version", "1.11")),
]


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory: pytest.TempPathFactory, cut_clip: Path) -> tuple[Path, Normaliser]:
    folder = tmp_path_factory.mktemp("every-kind")
    project = folder / "every kind.json"
    doc = _every_kind_project(SAMPLE, cut_clip, project)
    norm = Normaliser()
    norm.add_literal(str(SAMPLE), "<sample>")
    norm.add_literal(str(cut_clip), "<clip>")
    norm.add_literal(str(cut_clip.parent), "<clips>")
    norm.add_literal(str(folder), "<tmp>")
    from urllib.parse import quote

    for p, name in ((SAMPLE, "<sample-url>"), (cut_clip, "<clip-url>")):
        norm.add_literal(quote(str(p)), name)
    norm.learn_project(doc)
    return project, norm


@pytest.mark.parametrize("fmt, flags", EXPORTS, ids=[f"{f}{'-'.join(x)}" for f, x in EXPORTS])
def test_export_formats(capsys, tmp_path, every_kind, fmt, flags) -> None:
    project, norm = every_kind
    out = tmp_path / f"out.{fmt}"
    capsys.readouterr()
    code = main(["export", str(project), "--format", fmt, "-o", str(out), *flags])
    printed = capsys.readouterr()
    name = f"export-{fmt}{''.join(flags).replace('-', '_')}"
    if code != 0:  # a refusal is an output too
        check_golden(f"{name}.refused.txt", f"{code}\n{norm.text(printed.err)}")
        return
    norm_out = Normaliser()
    norm_out.ids, norm_out.literals = norm.ids, [*norm.literals, (str(tmp_path), "<out>")]
    norm_out.literals.sort(key=lambda p: -len(p[0]))
    written = sorted(tmp_path.iterdir())
    text = "".join(
        f"== {p.name}\n{norm_out.text(p.read_text(encoding='utf-8'))}\n" for p in written
    )
    check_golden(f"{name}.txt", text + f"== stdout\n{norm_out.text(printed.out)}")


def test_review_list_and_json(capsys, every_kind) -> None:
    project, norm = every_kind
    listed = run_cli(capsys, "review", str(project), "--list")
    check_golden("review-list.txt", norm.text(listed))
    doc = json.loads(run_cli(capsys, "review", str(project), "--json"))
    check_golden("review-json.json", norm.json(doc))


def test_golden_files_are_all_used() -> None:
    """A golden file nothing writes any more is a test that silently stopped running."""
    if UPDATE or not GOLDEN.is_dir():
        pytest.skip("updating")
    names = {p.name for p in GOLDEN.iterdir()}
    expected = {"analyze-sample.json", "project-sample.json", "analyze-cuts.json",
                "probe-sample.json", "review-list.txt", "review-json.json",
                "ask-refusal.refused.txt"} | {f"ask-{n}.json" for n in
                                              ("scenes", "silences", "highlights")}
    for fmt, flags in EXPORTS:
        stem = f"export-{fmt}{''.join(flags).replace('-', '_')}"
        assert f"{stem}.txt" in names or f"{stem}.refused.txt" in names
        expected |= {f"{stem}.txt", f"{stem}.refused.txt"}
    assert names <= expected, names - expected
