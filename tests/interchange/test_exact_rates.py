"""Proof of frame exactness: at every rate, every event reads back on the frames written.

For each of 23.976, 24, 25, 29.97 DF/NDF, 30, 50, 59.94 DF and 60, an edit of edge ranges
(first/last frame, one-frame ranges, ranges across drop-frame minute boundaries, a source
whose timecode starts two frames before an hour) is exported and read back: the EDL by
pycmx (timecode strings converted by OTIO's own timecode code) and by OTIO's cmx_3600
reader; FCP7 XML by OTIO's fcp_xml reader; FCPXML by OTIO's fcpx_xml reader with its time
helpers made exact (the stock one is off, see test_adapter_faults.py); .otio by OTIO.
Expected frames come from the ranges alone: source = start timecode + index, record =
01:00:00:00 + running total.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from fractions import Fraction

import opentimelineio as otio
import pycmx
import pytest
from interchange_fixtures import RATE_CASES, edge_ranges

from vidi_desktop.core.rate import FrameRate
from vidi_desktop.core.timecode import timecode_to_frames
from vidi_desktop.interchange.edl import write_edl
from vidi_desktop.interchange.fcp7 import write_fcp7
from vidi_desktop.interchange.fcpxml import FCPXML_VERSIONS, write_fcpxml
from vidi_desktop.interchange.otio_export import write_otio
from vidi_desktop.interchange.otio_readers import read_fcpxml
from vidi_desktop.interchange.timeline import build_timeline

IDS = [c[0] for c in RATE_CASES]


def expected(rate: Fraction, drop: bool, start_tc: str, ranges: list[tuple[int, int]]):
    """[(src_in, src_out, rec_in, rec_out)] as absolute frame numbers."""
    fr = FrameRate(rate)
    s = timecode_to_frames(start_tc, fr, drop_frame=drop)
    rec = timecode_to_frames("01:00:00:00", fr, drop_frame=drop)
    out = []
    for first, end in ranges:
        out.append((s + first, s + end, rec, rec + end - first))
        rec += end - first
    return out


@pytest.fixture(params=RATE_CASES, ids=IDS)
def case(request, edit_project):
    _, rate, drop, tc = request.param
    total, ranges = edge_ranges(rate, drop, tc)
    project, _, _ = edit_project(rate, total, ranges, tc)
    timeline = build_timeline(project)
    return rate, drop, tc, ranges, timeline, expected(rate, drop, tc, ranges)


def otio_frames(tc: str, rate: Fraction) -> int:
    """Timecode → frame with OTIO's implementation (independent of vidi's)."""
    return int(otio.opentime.from_timecode(tc, float(rate)).value)


def test_edl_read_back_by_pycmx(case) -> None:
    rate, drop, _, _, timeline, want = case
    text = write_edl(timeline)
    assert ("FCM: DROP FRAME" if drop else "FCM: NON-DROP FRAME") in text.splitlines()[:3]
    edl = pycmx.parse_cmx3600(io.StringIO(text))
    assert edl.format == "3600"
    got = []
    for event in edl.events:
        (edit,) = event.edits
        tcs = (edit.source_in, edit.source_out, edit.record_in, edit.record_out)
        assert all((";" in t) == drop for t in tcs), tcs
        assert re.fullmatch(r"[A-Za-z0-9]{1,8}", edit.source)
        assert edit.clip_name == "A001C003_230101_R1AB.mov"
        got.append(tuple(otio_frames(t, rate) for t in tcs))
    assert got == want


def test_edl_read_back_by_otio(case) -> None:
    rate, _, _, _, timeline, want = case
    tl = otio.adapters.read_from_string(write_edl(timeline), "cmx_3600", rate=float(rate))
    video = next(t for t in tl.tracks if t.kind == otio.schema.TrackKind.Video)
    offset = -video.source_range.start_time.value  # the reader shifts the track by record in
    clips = list(video.find_clips())
    got = []
    for c in clips:
        sr = c.source_range
        rec = c.range_in_parent()
        got.append((sr.start_time.value, sr.end_time_exclusive().value,
                    rec.start_time.value + offset, rec.end_time_exclusive().value + offset))
    assert got == want
    audio = [t for t in tl.tracks if t.kind == otio.schema.TrackKind.Audio]
    assert len(audio) == 2 and all(len(list(t.find_clips())) == len(want) for t in audio)


def test_fcp7_read_back_by_otio(case) -> None:
    _, drop, tc, _, timeline, want = case
    text = write_fcp7(timeline)
    tl = otio.adapters.read_from_string(text, "fcp_xml")
    assert tl.global_start_time.value == want[0][2]
    for track in tl.tracks:
        got = [
            (c.source_range.start_time.value, c.source_range.end_time_exclusive().value,
             c.range_in_parent().start_time.value + want[0][2],
             c.range_in_parent().end_time_exclusive().value + want[0][2])
            for c in track.find_clips()
        ]
        assert got == want, track.kind
    root = ET.fromstring(text)
    # OTIO ignores it, NLEs do not: DF must stay DF on the sequence and the file.
    formats = {e.text for e in root.iter("displayformat")}
    assert formats == {"DF" if drop else "NDF"}
    assert root.find("./sequence/timecode/string").text == (
        "01:00:00;00" if drop else "01:00:00:00")
    assert root.find(".//file/timecode/string").text == tc
    assert root.find("./sequence/media/video/format/samplecharacteristics/width").text == "1920"
    assert len(root.findall("./sequence/media/audio/track")) == 2


@pytest.mark.parametrize("version", ["1.8", "1.9", "1.10", "1.11"])
def test_fcpxml_read_back_exactly(case, version) -> None:
    rate, drop, _, _, timeline, want = case
    text = write_fcpxml(timeline, version=version)
    tl = read_fcpxml(text)
    (track,) = tl.tracks
    got = [
        (c.source_range.start_time.value, c.source_range.end_time_exclusive().value,
         c.range_in_parent().start_time.value, c.range_in_parent().end_time_exclusive().value)
        for c in track.find_clips()
    ]
    assert got == want
    root = ET.fromstring(text)
    assert root.get("version") == version
    fd = Fraction(root.find("./resources/format").get("frameDuration").removesuffix("s"))
    assert fd == 1 / rate
    for clip in root.iter("asset-clip"):
        for attr in ("offset", "start", "duration"):
            frames = Fraction(clip.get(attr).removesuffix("s")) / fd
            assert frames.denominator == 1, (attr, clip.get(attr))
        assert clip.get("tcFormat") == ("DF" if drop else "NDF")
    assert root.find(".//sequence").get("tcFormat") == ("DF" if drop else "NDF")
    assert (root.find(".//media-rep") is not None) == (int(version.split(".")[1]) >= 9)


def test_otio_json_round_trip(case) -> None:
    rate, _, _, _, timeline, want = case
    tl = otio.adapters.read_from_string(write_otio(timeline), "otio_json")
    assert tl.global_start_time.value == want[0][2]
    video = tl.video_tracks()[0]
    got = [
        (c.source_range.start_time.value, c.source_range.end_time_exclusive().value,
         c.range_in_parent().start_time.value + want[0][2],
         c.range_in_parent().end_time_exclusive().value + want[0][2])
        for c in video.find_clips()
    ]
    assert got == want
    assert abs(video.find_clips()[0].source_range.start_time.rate - float(rate)) < 1e-9


def test_every_fcpxml_version_is_accepted(edit_project) -> None:
    project, _, _ = edit_project(Fraction(25), 100, [(0, 10)])
    timeline = build_timeline(project)
    for version in FCPXML_VERSIONS:
        assert ET.fromstring(write_fcpxml(timeline, version=version)).get("version") == version
