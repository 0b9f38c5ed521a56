"""The details NLE imports fail on: reels, FCM, paths, format blocks, audio, markers, motion."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import replace
from fractions import Fraction

import opentimelineio as otio
import pycmx
import pytest
from interchange_fixtures import make_asset

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
from vidi_desktop.interchange.edl import write_edl, write_edls
from vidi_desktop.interchange.errors import ExportError
from vidi_desktop.interchange.fcp7 import motion_at, write_fcp7
from vidi_desktop.interchange.fcpxml import transform_at, write_fcpxml
from vidi_desktop.interchange.model import Reframe, ReframeKey
from vidi_desktop.interchange.names import file_url, path_from_url, reel_name
from vidi_desktop.interchange.otio_export import to_otio
from vidi_desktop.interchange.timeline import TimelineOptions, build_timeline

R = Fraction(25)
NTSC = Fraction(30000, 1001)


def frames(f: int, e: int, rate: Fraction = R) -> TimeRange:
    return TimeRange.from_frames(f, e, rate)


def one_clip_project(*assets_and_ranges, suggestions=()) -> Project:
    assets = tuple({a.id: a for a, _ in assets_and_ranges}.values())
    edit = tuple(EditClip.new(a.id, r) for a, r in assets_and_ranges)
    return Project(assets=assets, edit=edit, suggestions=tuple(suggestions), name="Details")


# -- names ------------------------------------------------------------------------------------


def test_reel_names_are_short_unique_and_never_reserved() -> None:
    used: set[str] = set()
    names = [reel_name(n, used) for n in (
        "Interview take 1.mov", "Interview take 2.mov", "black.mp4", "BL.mov", "été.mov", "",
    )]
    assert names == ["Intervie", "Interv01", "black01", "BL01", "ete", "REEL"]
    assert all(len(n) <= 8 and n.isalnum() for n in names)


@pytest.mark.parametrize(("path", "url"), [
    ("/Volumes/Media/A 01#.mov", "file://localhost/Volumes/Media/A%2001%23.mov"),
    ("C:\\Footage\\clip é.mp4", "file://localhost/C:/Footage/clip%20%C3%A9.mp4"),
])
def test_paths_are_percent_encoded_file_localhost_urls(path, url) -> None:
    assert file_url(path) == url
    assert path_from_url(url) == path.replace("\\", "/")


# -- EDL --------------------------------------------------------------------------------------


def test_edl_names_the_full_clip_and_file() -> None:
    a = make_asset(R, 100, path="/media/Interview take 1.mov")
    text = write_edl(build_timeline(one_clip_project((a, frames(0, 10)))))
    assert "* FROM CLIP NAME:  Interview take 1.mov" in text
    assert "* SOURCE FILE: /media/Interview take 1.mov" in text
    (edit,) = next(pycmx.parse_cmx3600(io.StringIO(text)).events).edits
    assert edit.source == "Intervie"


def test_edl_switches_fcm_for_a_source_counted_the_other_way() -> None:
    df = make_asset(NTSC, 4000, "01:00:00;00", path="/m/df.mov")
    ndf = make_asset(NTSC, 4000, "02:00:00:00", path="/m/ndf.mov")
    text = write_edl(build_timeline(one_clip_project(
        (df, frames(0, 10, NTSC)), (ndf, frames(0, 10, NTSC)))))
    lines = text.splitlines()
    assert lines[1] == "FCM: DROP FRAME"
    i = next(n for n, line in enumerate(lines) if line.startswith("002"))
    assert lines[i - 1] == "FCM: NON-DROP FRAME" and lines[i + 1] == "FCM: DROP FRAME"
    assert "02:00:00:00 02:00:00:10 01:00:00;10 01:00:00;20" in lines[i]


def test_edl_refuses_mixed_rates_with_a_way_out() -> None:
    a = make_asset(R, 100, path="/m/a.mov")
    b = make_asset(Fraction(24), 100, path="/m/b.mov")
    tl = build_timeline(one_clip_project((a, frames(0, 10)), (b, frames(0, 10, Fraction(24)))))
    with pytest.raises(ExportError, match=r"one frame rate.*fcp7"):
        write_edl(tl)


def test_edl_channels_follow_the_audio() -> None:
    stereo = make_asset(R, 100, path="/m/s.mov")
    silent = make_asset(R, 100, path="/m/n.mov", audio_channels=0)
    text = write_edl(build_timeline(one_clip_project((stereo, frames(0, 5)),
                                                     (silent, frames(0, 5)))))
    events = [line.split()[2] for line in text.splitlines() if line[:3].isdigit()]
    assert events == ["AA/V", "V"]


def test_edl_locators_at_source_timecode() -> None:
    a = make_asset(R, 100, "10:00:00:00")
    s = Suggestion.new(a.id, SceneBoundary(Time(30, 1 / R)), "test").replace(
        state=ReviewState.ACCEPTED)
    text = write_edl(build_timeline(one_clip_project((a, frames(20, 60)), suggestions=[s])))
    assert "* LOC: 10:00:01:05 BLUE    Shot cut" in text
    tl = otio.adapters.read_from_string(text, "cmx_3600", rate=25)
    (marker,) = next(iter(tl.tracks[0].find_clips())).markers
    assert marker.marked_range.start_time.value == 900030


def test_edl_over_999_events_is_split_with_record_timecode_running_on() -> None:
    a = make_asset(R, 5000, path="/m/a.mov")
    p = one_clip_project(*[(a, frames(2 * i, 2 * i + 1)) for i in range(1200)])
    parts = write_edls(build_timeline(p))
    lists = [list(pycmx.parse_cmx3600(io.StringIO(t)).events) for t in parts]
    assert [len(e) for e in lists] == [999, 201]
    assert [e[-1].number for e in lists] == [999, 201]
    # Every event line keeps the 3-digit column layout.
    assert all(len(line.split()[0]) == 3 for t in parts for line in t.splitlines()
               if line[:1].isdigit())
    assert lists[0][-1].edits[0].record_out == lists[1][0].edits[0].record_in
    assert lists[1][0].edits[0].source_in == "00:01:19:23"  # clip 1000: frame 1998
    with pytest.raises(ExportError, match="1200 events"):
        write_edl(build_timeline(p))


def test_disabled_clips_are_left_out_of_an_edl() -> None:
    a = make_asset(R, 300)
    s = Suggestion.new(a.id, HighlightClip(frames(100, 150)), "t")
    p = Project(assets=(a,), suggestions=(s.replace(state=ReviewState.REJECTED),),
                edit=(EditClip.new(a.id, frames(0, 10)),))
    tl = build_timeline(p, TimelineOptions(include="all", pending_as="disabled"))
    assert len(tl.clips) == 2
    assert sum(line[:3].isdigit() for line in write_edl(tl).splitlines()) == 1


# -- FCP7 XML ---------------------------------------------------------------------------------


def test_fcp7_has_format_block_audio_tracks_links_and_each_file_once() -> None:
    a = make_asset(R, 100, "01:00:00:00", path="/media/my clip.mov")
    tl = build_timeline(one_clip_project((a, frames(0, 10)), (a, frames(50, 60))))
    root = ET.fromstring(write_fcp7(tl))
    fmt = root.find("./sequence/media/video/format/samplecharacteristics")
    assert (fmt.find("width").text, fmt.find("height").text) == ("1920", "1080")
    assert fmt.find("rate/timebase").text == "25" and fmt.find("rate/ntsc").text == "FALSE"
    tracks = root.findall("./sequence/media/audio/track")
    assert len(tracks) == 2 and all(len(t.findall("clipitem")) == 2 for t in tracks)
    assert [e.text for e in root.iter("pathurl")] == ["file://localhost/media/my%20clip.mov"]
    first = root.find("./sequence/media/video/track/clipitem")
    assert {link.find("linkclipref").text for link in first.findall("link")} == {
        "clipitem-1", "clipitem-2", "clipitem-3"}
    assert root.find(".//file/timecode/reel/name").text == "myclip"


def test_fcp7_markers_and_disabled_clips() -> None:
    a = make_asset(R, 300)
    chapter = Suggestion.new(a.id, Chapter(frames(5, 15), "Intro"), "t").replace(
        state=ReviewState.ACCEPTED)
    maybe = Suggestion.new(a.id, HighlightClip(frames(100, 150)), "t")
    p = Project(assets=(a,), suggestions=(chapter, maybe),
                edit=(EditClip.new(a.id, frames(0, 50)),))
    tl = build_timeline(p, TimelineOptions(include="all", pending_as="disabled"))
    root = ET.fromstring(write_fcp7(tl))
    (marker,) = root.findall("./sequence/marker")
    assert (marker.find("name").text, marker.find("in").text, marker.find("out").text) == (
        "Intro", "5", "15")
    items = root.findall("./sequence/media/video/track/clipitem")
    assert [e.find("enabled").text for e in items] == ["TRUE", "FALSE"]
    back = otio.adapters.read_from_string(write_fcp7(tl), "fcp_xml")
    assert back.tracks.markers[0].name == "Intro"


def reframed(aspect=Fraction(9, 16)):
    a = make_asset(R, 100, path="/m/wide.mov")
    tl = build_timeline(one_clip_project((a, frames(0, 50))))
    path = Reframe(aspect, (ReframeKey(0, 0.0, 0.0, 0.31640625, 1.0),
                            ReframeKey(49, 0.68359375, 0.0, 1.0, 1.0)))
    return replace(tl, width=1080, height=1920, clips=(replace(tl.clips[0], reframe=path),))


def test_fcp7_reframe_is_editable_basic_motion_keyframes() -> None:
    tl = reframed()
    root = ET.fromstring(write_fcp7(tl))
    effect = root.find(".//clipitem/filter/effect")
    assert effect.find("effectid").text == "basic"
    scale = next(p for p in effect.findall("parameter") if p.find("parameterid").text == "scale")
    center = next(p for p in effect.findall("parameter")
                  if p.find("parameterid").text == "center")
    assert [k.find("when").text for k in scale.findall("keyframe")] == ["0", "49"]
    # The crop window (1080 source px tall) fills 1920 px: 177.78 %.
    assert abs(float(scale.find("value").text) - 177.7778) < 0.01
    horiz = [float(k.find("value/horiz").text) for k in center.findall("keyframe")]
    assert horiz[0] > 0 > horiz[1]  # the left crop moves the picture right, and back
    assert motion_at(tl, tl.clips[0], 0)[1] == pytest.approx(horiz[0], abs=1e-5)


# -- FCPXML -----------------------------------------------------------------------------------


def test_fcpxml_reframe_is_adjust_transform_keyframes() -> None:
    tl = reframed()
    root = ET.fromstring(write_fcpxml(tl))
    assert root.find("./resources/format").get("width") == "1080"
    adjust = root.find(".//asset-clip/adjust-transform")
    keys = adjust.findall("./param[@name='position']/keyframeAnimation/keyframe")
    assert [k.get("time") for k in keys] == ["0s", "49/25s"]
    x_first = float(keys[0].get("value").split()[0])
    assert x_first > 0 > float(keys[1].get("value").split()[0])
    scale, x, _ = transform_at(tl, tl.clips[0], 0)
    # FCP fits 1920×1080 into 1080×1920 (× 0.5625); the crop must fill it: 1.7778 / 0.5625.
    assert scale == pytest.approx(1920 / 1080 / 0.5625, rel=1e-6)
    assert x == pytest.approx(x_first, abs=1e-5)


def test_fcpxml_chapters_markers_disabled_and_source_path() -> None:
    a = make_asset(R, 300, path="/media/A 1.mov")
    chapter = Suggestion.new(a.id, Chapter(frames(5, 15), "Intro"), "t").replace(
        state=ReviewState.ACCEPTED)
    boundary = Suggestion.new(a.id, SceneBoundary(Time(20, 1 / R)), "t").replace(
        state=ReviewState.ACCEPTED)
    maybe = Suggestion.new(a.id, HighlightClip(frames(100, 150)), "t")
    p = Project(assets=(a,), suggestions=(chapter, boundary, maybe),
                edit=(EditClip.new(a.id, frames(0, 50)),))
    tl = build_timeline(p, TimelineOptions(include="all", pending_as="disabled"))
    root = ET.fromstring(write_fcpxml(tl, version="1.8"))
    assert root.find(".//asset").get("src") == "file:///media/A%201.mov"
    clips = root.findall(".//spine/asset-clip")
    assert [c.get("enabled") for c in clips] == [None, "0"]
    chapter_e = clips[0].find("chapter-marker")
    assert (chapter_e.get("value"), chapter_e.get("start"), chapter_e.get("duration")) == (
        "Intro", "1/5s", "2/5s")
    assert clips[0].find("marker").get("start") == "4/5s"  # frame 20 at 25 fps


def test_fcpxml_refuses_an_unknown_version() -> None:
    a = make_asset(R, 10)
    with pytest.raises(ExportError, match=r"1\.2"):
        write_fcpxml(build_timeline(one_clip_project((a, frames(0, 5)))), version="1.2")


# -- OTIO ----------------------------------------------------------------------------------


def test_otio_keeps_tube_boxes_and_reframe_in_metadata() -> None:
    from vidi_desktop.core.project import Box, ObjectTube

    a = make_asset(R, 300)
    tube = Suggestion.new(a.id, ObjectTube("dog", (Box(400, .1, .2, .3, .4),)), "t",
                          request="the dog").replace(state=ReviewState.ACCEPTED)
    p = Project(assets=(a,), suggestions=(tube,), edit=(EditClip.new(a.id, frames(0, 50)),))
    tl = to_otio(build_timeline(p))
    (marker,) = tl.video_tracks()[0].find_clips()[0].markers
    assert [list(b) for b in marker.metadata["vidi"]["payload"]["boxes"]] == [[400, .1, .2, .3, .4]]
    assert marker.metadata["vidi"]["request"] == "the dog"
    assert marker.marked_range.start_time.value == 10
    clip = to_otio(reframed()).video_tracks()[0].find_clips()[0]
    assert clip.metadata["vidi"]["reframe"]["aspect"] == "9:16"


def test_a_file_whose_first_frame_is_not_at_zero(edit_project) -> None:
    # Ranges are container times: frame 0 sits at 1.075 s (delayed_start.mp4 is like this).
    project, _, _ = edit_project(R, 100, [(10, 20)], "00:00:10:00", start_time=Fraction(43, 40))
    (clip,) = build_timeline(project).clips
    assert (clip.first, clip.end) == (10, 20)
    assert clip.source.timecode(clip.first) == "00:00:10:10"
