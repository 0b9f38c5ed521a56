"""The export defects found by the independent checks stay fixed: VFR rates, FCP7 audio links
and pixel aspect, 7-bit EDLs, every audio stream."""

from __future__ import annotations

import dataclasses
import io
import itertools
import re
import xml.etree.ElementTree as ET
from fractions import Fraction
from urllib.parse import unquote

import pycmx
import pytest
from independent import edl_events, tc_frames
from interchange_fixtures import make_asset

from vidi_desktop.core.project import EditClip, Project
from vidi_desktop.core.time import TimeRange
from vidi_desktop.interchange.edl import write_edl
from vidi_desktop.interchange.fcp7 import pixel_aspect_name, write_fcp7
from vidi_desktop.interchange.fcpxml import write_fcpxml
from vidi_desktop.interchange.timeline import build_timeline
from vidi_desktop.interchange.writers import export_texts

R = Fraction(25)


def frames(f: int, e: int, rate: Fraction = R) -> TimeRange:
    return TimeRange.from_frames(f, e, rate)


def with_streams(asset, *channels: int):
    audio = [
        {"codec": "aac", "sample_rate": 48000, "channels": n, "stream_index": i + 1}
        for i, n in enumerate(channels)
    ]
    return dataclasses.replace(asset, info={**asset.info, "audio": audio})


# -- VFR ------------------------------------------------------------------------------------


def test_vfr_file_exports_at_its_nle_rate_with_every_cut_within_a_frame(shared_media) -> None:
    from vidi_desktop.media.probe import probe
    from vidi_desktop.media.reader import VideoReader
    from vidi_desktop.services.analyze import asset_from_probe

    path = shared_media / "goldeneye-vfr-drop3.mp4"  # 24000/1001 declared, 15.984 average
    asset = asset_from_probe(probe(path))
    with VideoReader(path) as reader:
        cuts = [reader.time_of(n) for n in (0, 60, 140)] + [reader.time_of(159)]
    edit = tuple(EditClip.new(asset.id, TimeRange.from_start_end(a, b))
                 for a, b in itertools.pairwise(cuts))
    project = Project(assets=(asset,), edit=edit, name="vfr")
    texts = export_texts(project, "edl")
    rate = Fraction(24000, 1001)
    media_frames = int(Fraction(1001, 100) * rate)  # 10.01 s read at 23.976
    for ev, (a, b) in zip(edl_events(texts.files[0][1]), itertools.pairwise(cuts),
                          strict=True):
        for tc, true in ((ev["src_in"], a), (ev["src_out"], b)):
            n = tc_frames(tc, rate)
            assert abs(Fraction(n) / rate - true.seconds) <= 1 / rate, (tc, true)
            assert n <= media_frames
    assert any("variable frame rate" in w and "23.976" in w for w in texts.warnings)
    tl = build_timeline(project)
    fcp7 = ET.fromstring(write_fcp7(tl))
    assert {(r.findtext("timebase"), r.findtext("ntsc")) for r in fcp7.iter("rate")} == {
        ("24", "TRUE")}
    assert 'frameDuration="1001/24000s"' in write_fcpxml(tl)


def test_phone_clip_declaring_30_is_not_exported_at_its_average() -> None:
    a = make_asset(R, 100)
    video = {**a.info["video"], "rate": None, "average_rate": "29381/1000",
             "declared_rate": "30/1", "frames": 388}
    # Facts are parsed once, when the asset is made: give it the phone's facts from the start.
    a = dataclasses.replace(a, info={**a.info, "video": video, "duration_exact": "13/1"})
    tl = build_timeline(Project(assets=(a,), edit=(EditClip.new(a.id, frames(0, 25)),)))
    assert tl.rate.value == 30 and tl.clips[0].source.frames == 390
    assert "<timebase>30</timebase>" in write_fcp7(tl)


# -- FCP7 -----------------------------------------------------------------------------------


def test_fcp7_clipindex_is_the_position_in_its_own_track() -> None:
    silent = make_asset(R, 100, path="/m/silent.mov", audio_channels=0)
    mono = make_asset(R, 100, path="/m/mono.mov", audio_channels=1)
    stereo = make_asset(R, 100, path="/m/stereo.mov", audio_channels=2)
    edit = tuple(EditClip.new(a.id, frames(0, 10)) for a in (silent, mono, stereo))
    root = ET.fromstring(write_fcp7(build_timeline(Project(assets=(silent, mono, stereo),
                                                           edit=edit))))
    tracks = root.findall("./sequence/media/audio/track")
    assert [len(t.findall("clipitem")) for t in tracks] == [2, 1]
    items = {i.get("id"): i for i in root.iter("clipitem")}
    for item in items.values():
        for link in item.findall("link"):
            target = items[link.findtext("linkclipref")]
            kind = link.findtext("mediatype")
            track = (root.findall("./sequence/media/video/track") if kind == "video"
                     else tracks)[int(link.findtext("trackindex")) - 1]
            position = track.findall("clipitem").index(target) + 1
            assert int(link.findtext("clipindex")) == position
    # The stereo clip's second channel is first on track 2; its video is third on V1.
    stereo_video = root.findall("./sequence/media/video/track/clipitem")[2]
    assert [(lk.findtext("trackindex"), lk.findtext("clipindex"))
            for lk in stereo_video.findall("link")] == [("1", "3"), ("1", "2"), ("2", "1")]
    # Track 1 mixes mono and stereo-left: no output routing; track 2 is stereo-right only.
    assert [t.findtext("outputchannelindex") for t in tracks] == [None, "2"]


def test_fcp7_stereo_pair_tracks_route_left_and_right() -> None:
    a = make_asset(R, 100)
    root = ET.fromstring(write_fcp7(build_timeline(
        Project(assets=(a,), edit=(EditClip.new(a.id, frames(0, 10)),)))))
    tracks = root.findall("./sequence/media/audio/track")
    assert [t.findtext("outputchannelindex") for t in tracks] == ["1", "2"]


def test_fcp7_carries_every_audio_stream() -> None:
    a = with_streams(make_asset(R, 100), 2, 1, 2)
    root = ET.fromstring(write_fcp7(build_timeline(
        Project(assets=(a,), edit=(EditClip.new(a.id, frames(0, 10)),)))))
    tracks = root.findall("./sequence/media/audio/track")
    assert len(tracks) == 5
    assert [t.findtext("clipitem/sourcetrack/trackindex") for t in tracks] == [
        "1", "2", "3", "4", "5"]
    assert [t.findtext("outputchannelindex") for t in tracks] == ["1", "2", None, "1", "2"]
    assert [c.text for c in root.iter("channelcount")] == ["2", "1", "2"]


@pytest.mark.parametrize(("size", "sar", "want"), [
    ((1920, 1080), Fraction(1), ("square", False)),
    ((720, 576), Fraction(16, 15), ("PAL-601", False)),
    ((720, 576), Fraction(64, 45), ("PAL-601", True)),
    ((720, 480), Fraction(8, 9), ("NTSC-601", False)),
    ((720, 480), Fraction(32, 27), ("NTSC-601", True)),
    ((1440, 1080), Fraction(4, 3), ("HD-(1440x1080)", False)),
    ((1280, 1080), Fraction(3, 2), ("HD-(1280x1080)", False)),
    ((960, 720), Fraction(4, 3), ("HD-(960x720)", False)),
])
def test_fcp7_pixel_aspect_is_a_named_value(size, sar, want) -> None:
    assert pixel_aspect_name(*size, sar) == want


def test_fcp7_file_and_clip_say_the_named_pixel_aspect() -> None:
    a = make_asset(R, 100, width=704, height=576, sar="16:11")
    root = ET.fromstring(write_fcp7(build_timeline(
        Project(assets=(a,), edit=(EditClip.new(a.id, frames(0, 10)),)))))
    chars = root.find(".//file/media/video/samplecharacteristics")
    assert (chars.findtext("pixelaspectratio"), chars.findtext("anamorphic")) == (
        "PAL-601", "TRUE")
    clip = root.find("./sequence/media/video/track/clipitem")
    assert clip.findtext("pixelaspectratio") == "PAL-601"


# -- EDL ------------------------------------------------------------------------------------


def test_edl_is_seven_bit_ascii_and_names_come_back() -> None:
    name = "Café & 日本 100%.mov"
    a = make_asset(R, 100, path=f"/Volumes/Média/{name}")
    tl = build_timeline(Project(assets=(a,), edit=(EditClip.new(a.id, frames(0, 10)),),
                                name="Montage été"))
    text = write_edl(tl)
    assert text.isascii() and all(ch == "\n" or 32 <= ord(ch) < 127 for ch in text)
    clip_name = re.search(r"^\* FROM CLIP NAME:\s+(.*)$", text, re.M).group(1)
    assert clip_name == "Cafe %26 %E6%97%A5%E6%9C%AC 100%25.mov"
    assert unquote(clip_name) == "Cafe & 日本 100%.mov"
    source = re.search(r"^\* SOURCE FILE: (.*)$", text, re.M).group(1)
    assert source.startswith("file:///") and unquote(source[7:]) == a.path
    assert text.startswith("TITLE: Montage ete\n")


def test_edl_plain_ascii_paths_stay_plain() -> None:
    a = make_asset(R, 100, path="/media/Interview take 1.mov")
    text = write_edl(build_timeline(Project(assets=(a,), edit=(EditClip.new(a.id,
                                                                           frames(0, 10)),))))
    assert "* SOURCE FILE: /media/Interview take 1.mov" in text


@pytest.mark.parametrize(("streams", "channels", "aud"), [
    ((1,), "B", None), ((2,), "AA/V", None), ((1, 1), "AA/V", None),
    ((2, 1), "AA/V", "AUD  3"), ((2, 2), "AA/V", "AUD  3    4"), ((2, 2, 2), "AA/V", "AUD  3    4"),
])
def test_edl_channels_count_every_stream(streams, channels, aud) -> None:
    a = with_streams(make_asset(R, 100), *streams)
    tl = build_timeline(Project(assets=(a,), edit=(EditClip.new(a.id, frames(0, 10)),)))
    lines = write_edl(tl).splitlines()
    event = next(i for i, line in enumerate(lines) if line.startswith("001"))
    assert lines[event].split()[2] == channels
    assert (lines[event + 1] if lines[event + 1].startswith("AUD") else None) == aud
    (edit,) = next(pycmx.parse_cmx3600(io.StringIO("\n".join(lines))).events).edits
    want = min(4, sum(streams))
    assert sorted(edit.channels.channels) == list(range(1, want + 1))


def test_edl_export_says_which_channels_it_left_out() -> None:
    a = with_streams(make_asset(R, 100, path="/m/six.mov"), 2, 2, 2)
    texts = export_texts(Project(assets=(a,), edit=(EditClip.new(a.id, frames(0, 10)),)), "edl")
    assert any("six.mov" in w and "channels 5–6" in w for w in texts.warnings)


def test_edl_over_999_events_is_written_as_numbered_files() -> None:
    a = make_asset(R, 5000, path="/m/a.mov")
    edit = tuple(EditClip.new(a.id, frames(2 * i, 2 * i + 1)) for i in range(2000))
    texts = export_texts(Project(assets=(a,), edit=edit), "edl")
    assert [s for s, _ in texts.files] == ["", "-2", "-3"]
    assert [len(edl_events(t)) for _, t in texts.files] == [999, 999, 2]
    assert any("2000 events" in w and "3 EDLs" in w for w in texts.warnings)
    last = edl_events(texts.files[1][1])[-1]["rec_out"]
    assert edl_events(texts.files[2][1])[0]["rec_in"] == last
