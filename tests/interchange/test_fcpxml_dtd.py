"""Every advertised FCPXML version validates against Apple's DTD of that version.

``xmllint --dtdvalid`` with Apple's DTDs (``../shared/interchange/dtd``; Final Cut Pro
refuses a file its DTD does not allow) on cuts, markers and chapter markers, disabled
clips, drop-frame rates, several audio streams, audio-only and non-square sources and a
keyframed crop. Skips, saying why, without xmllint or the DTDs.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
from independent import DTD_DIR, dtd, xmllint_errors
from interchange_fixtures import make_asset

from vidi_desktop.cli import main
from vidi_desktop.core.project import (
    Chapter,
    EditClip,
    HighlightClip,
    Project,
    ReviewState,
    SceneBoundary,
    Suggestion,
)
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.interchange.fcpxml import FCPXML_VERSIONS, write_fcpxml
from vidi_desktop.interchange.model import Reframe, ReframeKey, Timeline
from vidi_desktop.interchange.timeline import TimelineOptions, build_timeline

R, NTSC30, NTSC60 = Fraction(25), Fraction(30000, 1001), Fraction(60000, 1001)


def frames(f: int, e: int, rate: Fraction = R) -> TimeRange:
    return TimeRange.from_frames(f, e, rate)


def cuts() -> Timeline:
    a = make_asset(R, 300, "01:00:00:00")
    edit = (EditClip.new(a.id, frames(10, 40)), EditClip.new(a.id, frames(100, 101)))
    return build_timeline(Project(assets=(a,), edit=edit, name="Cuts & <friends>"))


def markers_and_disabled() -> Timeline:
    a = make_asset(R, 300)
    accepted = ReviewState.ACCEPTED
    chapter = Suggestion.new(a.id, Chapter(frames(5, 15), "Intro"), "t").replace(state=accepted)
    boundary = Suggestion.new(a.id, SceneBoundary(Time(20, 1 / R)), "t").replace(state=accepted)
    rejected = Suggestion.new(a.id, HighlightClip(frames(100, 150)), "t").replace(
        state=ReviewState.REJECTED)
    p = Project(assets=(a,), suggestions=(chapter, boundary, rejected),
                edit=(EditClip.new(a.id, frames(0, 50)),))
    tl = build_timeline(p, TimelineOptions(include="all", pending_as="disabled"))
    assert [c.enabled for c in tl.clips] == [True, False]
    assert len(tl.clips[0].markers) >= 2
    return tl


def drop_frame(rate: Fraction, tc: str) -> Callable[[], Timeline]:
    def make() -> Timeline:
        a = make_asset(rate, 9000, tc)
        b = make_asset(R, 500, "10:00:00:00", path="/m/pal.mov")  # another rate, NDF
        edit = (EditClip.new(a.id, frames(0, 100, rate)), EditClip.new(b.id, frames(5, 30)))
        tl = build_timeline(Project(assets=(a, b), edit=edit))
        assert tl.drop_frame
        return tl
    return make


def audio_streams() -> Timeline:
    a = make_asset(R, 200, path="/m/two streams.mov")
    a = dataclasses.replace(a, info={**a.info, "audio": [
        {"codec": "pcm", "sample_rate": 48000, "channels": 2, "stream_index": 1},
        {"codec": "pcm", "sample_rate": 48000, "channels": 1, "stream_index": 2}]})
    b = make_asset(R, 200, path="/m/tone.wav", audio_channels=1)
    b = dataclasses.replace(b, info={**b.info, "video": None})  # audio only
    silent = make_asset(R, 200, path="/m/silent.mov", audio_channels=0)
    edit = tuple(EditClip.new(x.id, frames(0, 20)) for x in (a, b, silent))
    return build_timeline(Project(assets=(a, b, silent), edit=edit))


def anamorphic_and_reframed() -> Timeline:
    a = make_asset(R, 100, path="/m/pal wide.mov", width=720, height=576, sar="16:11")
    tl = build_timeline(Project(assets=(a,), edit=(EditClip.new(a.id, frames(0, 50)),)))
    path = Reframe(Fraction(9, 16), (ReframeKey(0, 0.0, 0.0, 0.3, 1.0),
                                     ReframeKey(49, 0.7, 0.0, 1.0, 1.0)))
    return replace(tl, width=1080, height=1920, clips=(replace(tl.clips[0], reframe=path),))


SCENARIOS: dict[str, Callable[[], Timeline]] = {
    "cuts": cuts,
    "markers+disabled": markers_and_disabled,
    "29.97DF": drop_frame(NTSC30, "00:59:59;28"),
    "59.94DF": drop_frame(NTSC60, "00:59:59;56"),
    "audio streams": audio_streams,
    "anamorphic+reframe": anamorphic_and_reframed,
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("version", FCPXML_VERSIONS)
def test_fcpxml_validates_against_apples_dtd(version: str, scenario: str,
                                             tmp_path: Path) -> None:
    schema = dtd(version)
    path = tmp_path / "cut.fcpxml"
    path.write_text(write_fcpxml(SCENARIOS[scenario](), version=version), encoding="utf-8")
    assert xmllint_errors(path, schema) == ""


def test_every_version_with_a_dtd_that_validates_is_advertised(tmp_path: Path) -> None:
    """The versions written are those whose DTD accepts them; older DTDs (1.0–1.2) are
    refused by the CLI rather than written wrongly."""
    dtd("1.10")
    path = tmp_path / "cut.fcpxml"
    for version in ("1.0", "1.1", "1.2"):
        assert version not in FCPXML_VERSIONS
        text = write_fcpxml(cuts(), version="1.3").replace('version="1.3"',
                                                          f'version="{version}"')
        path.write_text(text, encoding="utf-8")
        assert xmllint_errors(path, DTD_DIR / f"FCPXMLv{version.replace('.', '_')}.dtd")


def test_cli_offers_exactly_the_written_versions(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["export", "p.vidi", "--format", "fcpxml", "--fcpxml-version", "1.2",
              "-o", str(tmp_path / "x.fcpxml")])
    assert exit_.value.code == 2
    assert ", ".join(f"'{v}'" for v in FCPXML_VERSIONS) in capsys.readouterr().err


@pytest.mark.parametrize("version", ["1.5", "1.6", "1.10"])
def test_every_audio_stream_is_a_role_or_an_audio_component(version: str) -> None:
    root = ET.fromstring(write_fcpxml(audio_streams(), version=version))
    asset = root.find(".//asset[@name='two streams.mov']")
    assert asset is not None
    assert (asset.get("audioSources"), asset.get("audioChannels")) == ("2", "3")
    if version == "1.5":
        clip = root.find(".//spine/clip")
        assert clip is not None
        audio = clip.findall("audio")
        assert [(a.get("lane"), a.get("srcID")) for a in audio] == [("-1", None), ("-2", "2")]
    else:
        clip = root.find(".//spine/asset-clip")
        assert clip is not None
        sources = clip.findall("audio-channel-source")
        assert [(s.get("srcCh"), s.get("role")) for s in sources] == [
            ("1, 2", "dialogue.dialogue-1"), ("3", "dialogue.dialogue-2")]


def test_non_square_pixels_are_pasp_on_the_format() -> None:
    root = ET.fromstring(write_fcpxml(anamorphic_and_reframed()))
    asset = root.find(".//asset")
    assert asset is not None
    fmt = root.find(f".//format[@id='{asset.get('format')}']")
    assert fmt is not None
    assert (fmt.get("width"), fmt.get("height"), fmt.get("paspH"), fmt.get("paspV")) == (
        "720", "576", "16", "11")
