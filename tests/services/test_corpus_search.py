"""Search over a batch index: phrases said, things seen, and the hits as one selects timeline."""

from __future__ import annotations

import json
import threading
from fractions import Fraction
from pathlib import Path

import pytest

from vidi_desktop.analysis.options import AnalyzeOptions
from vidi_desktop.cli import main
from vidi_desktop.core.project import CutRange, SubtitleCue, Suggestion, load_project
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.models.protocol import Capabilities, NotSupportedError
from vidi_desktop.services.batch import BatchSettings, run_batch
from vidi_desktop.services.corpus_search import (
    BackendVisualSearch,
    Hit,
    export_selects,
    load_index,
    search,
)

OPTIONS = AnalyzeOptions(shots=True, subtitles=True, thumbnails=0, waveform=False)


@pytest.fixture(scope="module")
def indexed(shared_media: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """example.mp4 (speech: says "banana" when its timecode reaches 40 s) and testvideo.mp4
    (no audio; cuts at 1.001 and 6.006 s, fades, a dissolve over frames 529-557)."""
    out = tmp_path_factory.mktemp("index")
    sources = [shared_media / "example.mp4", shared_media / "testvideo.mp4"]
    result = run_batch(sources, out, BatchSettings(OPTIONS))
    assert result.analysed == ["example.mp4", "testvideo.mp4"]
    return out


@pytest.mark.shared_media
def test_phrase_is_found_where_it_is_said(indexed: Path) -> None:
    index = load_index(indexed)
    assert load_index(indexed / "index.json").entries.keys() == index.entries.keys()
    hits = search(index, "Banana!", mode="transcript")
    assert all(isinstance(h, Hit) and h.kind == "transcript" for h in hits)
    assert {h.key for h in hits} == {"example.mp4"}
    at_40 = [h for h in hits if 39.5 <= h.range.start.seconds <= 41]
    assert len(at_40) == 1 and "banana" in at_40[0].text.lower()
    assert at_40[0].range.duration.seconds < 2  # one word, not the whole cue
    doc = at_40[0].to_json()
    assert doc["file"].endswith("example.mp4") and doc["start"] < doc["end"]


@pytest.mark.shared_media
def test_phrase_of_several_words_spans_them(indexed: Path) -> None:
    """A phrase taken from the transcript itself is found from its first to its last word."""
    project = load_project(indexed / "example.mp4.vidi")
    words = [w for s in project.suggestions if isinstance(s.payload, SubtitleCue)
             for w in s.payload.words]
    words.sort(key=lambda w: w.range.start)
    phrase = words[3:6]
    hits = search(load_index(indexed), " ".join(w.text for w in phrase), mode="transcript")
    spans = [(h.range.start, h.range.end_exclusive) for h in hits]
    assert (phrase[0].range.start, phrase[-1].range.end_exclusive) in spans
    assert search(load_index(indexed), "zebra crossing", mode="transcript") == []


@pytest.mark.shared_media
def test_builtin_visual_search_finds_transitions(indexed: Path, shared_media: Path) -> None:
    from vidi_desktop.media.probe import probe

    frames = probe(shared_media / "testvideo.mp4").video.frame_index
    dissolves = search(load_index(indexed), "dissolve", mode="visual")
    assert [h.key for h in dissolves] == ["testvideo.mp4"]
    (hit,) = dissolves
    assert hit.range.start == frames.time_of(529)
    assert hit.range.end_exclusive == frames.time_of(558)
    cuts = search(load_index(indexed), "hard cuts", mode="visual")
    centres = sorted(h.range.start + Time.exact(Fraction(1)) for h in cuts)
    assert frames.time_of(30) in centres and frames.time_of(180) in centres
    unknown = search(load_index(indexed), "a red car", mode="visual")
    assert unknown == [] and "built-in visual search" in unknown.notes[0]


@pytest.mark.shared_media
def test_hits_export_as_one_selects_timeline(indexed: Path, tmp_path: Path) -> None:
    import opentimelineio as otio

    index = load_index(indexed)
    hits = search(index, "banana", mode="transcript") + search(index, "dissolve", mode="visual")
    assert len(hits) == 3
    path = export_selects(index, hits, tmp_path / "selects.otio", handles=Fraction(1, 2))
    timeline = otio.adapters.read_from_file(str(path))
    (video,) = timeline.video_tracks()
    clips = list(video.find_clips())
    assert len(clips) == 3
    assert [Path(c.media_reference.target_url).name for c in clips] == [
        "example.mp4", "example.mp4", "testvideo.mp4"
    ]
    for clip, hit in zip(clips, hits, strict=True):
        r = clip.source_range
        frame = 1 / r.start_time.rate
        start = float(hit.range.start.seconds) - 0.5
        end = float(hit.range.end_exclusive.seconds) + 0.5
        assert abs(r.start_time.to_seconds() - max(0.0, start)) <= frame + 1e-6
        assert abs(r.end_time_exclusive().to_seconds() - end) <= frame + 1e-6
    # An EDL holds one frame rate: 30 and 29.97 fps files do not mix, and it says so.
    from vidi_desktop.interchange.errors import ExportError

    with pytest.raises(ExportError, match="one frame rate"):
        export_selects(index, hits, tmp_path / "selects.edl")
    assert not (tmp_path / "selects.edl").exists()
    # The hits of one rate as an EDL that an independent parser reads.
    import pycmx

    edl_path = export_selects(index, hits[:2], tmp_path / "selects.edl")
    with open(edl_path) as fh:
        assert len(list(pycmx.parse_cmx3600(fh).events)) == 2


@pytest.mark.shared_media
def test_cli_search_prints_hits_and_exports(
    indexed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "sel.otio"
    assert main(["search", str(indexed), "banana", "--json", "--export", str(target)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["hits"]) == 2 and doc["export"] == str(target) and target.is_file()
    assert main(["search", str(indexed), "fade", "--mode", "visual"]) == 0
    out = capsys.readouterr().out
    assert "testvideo.mp4" in out and "[visual]" in out and "fade" in out
    assert main(["search", str(tmp_path / "nowhere"), "x"]) == 2
    assert "no batch index" in capsys.readouterr().err


def test_index_without_transcripts_says_so(make_clip, tmp_path: Path) -> None:
    clip = make_clip("search_plain.mp4", frames=30, rate=25, size=(160, 120))
    out = tmp_path / "out"
    run_batch([clip], out, BatchSettings(AnalyzeOptions(shots=True)))
    hits = search(out, "hello", mode="transcript")
    assert hits == [] and "--subtitles" in hits.notes[0]


class _Finder:
    """A backend answering every temporal query with 2-3 s of each file (the protocol a VLM
    backend speaks; no VLM weights exist on these machines)."""

    name = "finder"
    capabilities = Capabilities("finder", temporal=True)

    def __init__(self) -> None:
        self.loads = 0
        self.requests: list[str] = []

    def load(self, progress, cancel: threading.Event) -> None:
        self.loads += 1

    def run(self, request, progress, cancel: threading.Event) -> list[Suggestion]:
        self.requests.append(request.text)
        (ref,) = request.assets
        r = TimeRange.from_start_end(Time.exact(Fraction(2)), Time.exact(Fraction(3)))
        return [Suggestion.new(ref.asset_id, CutRange(r, "keep"), "finder", label="red car")]

    def unload(self) -> None:
        pass


def test_visual_search_through_a_model_backend(make_clip, tmp_path: Path) -> None:
    import shutil

    src = tmp_path / "src"
    src.mkdir()
    clip = make_clip("search_backend.mp4", frames=100, rate=25, size=(160, 120))
    for name in ("one.mp4", "two.mp4"):
        shutil.copy(clip, src / name)
    run_batch([src], tmp_path / "out", BatchSettings(AnalyzeOptions(shots=True)))
    finder = _Finder()
    hits = search(tmp_path / "out", "the red car", mode="visual",
                  visual=BackendVisualSearch(finder))
    assert [(h.key, float(h.range.start.seconds), h.text) for h in hits] == [
        ("one.mp4", 2.0, "red car"), ("two.mp4", 2.0, "red car")
    ]
    assert finder.loads == 1 and finder.requests == ["the red car"] * 2
    assert hits.notes == []

    class Blind(_Finder):
        capabilities = Capabilities("blind", temporal=False)

    with pytest.raises(NotSupportedError):
        BackendVisualSearch(Blind())
