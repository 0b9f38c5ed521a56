"""Why the NLE writers are vidi's own: the OTIO adapters' faults, shown on this install.

Each test demonstrates a fault docs/architecture.md lists ("Measured constraints"). If one
starts failing, the adapter was fixed: consider going back to it for that format.
"""

from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio
import pytest
from interchange_fixtures import RATE_CASES, edge_ranges

from vidi_desktop.interchange.fcpxml import write_fcpxml
from vidi_desktop.interchange.otio_export import to_otio
from vidi_desktop.interchange.otio_readers import read_fcpxml
from vidi_desktop.interchange.timeline import build_timeline

NTSC = Fraction(30000, 1001)


@pytest.fixture
def df_timeline(edit_project):
    project, _, _ = edit_project(NTSC, 4000, [(0, 10), (1795, 1805)], "01:00:00;00")
    return build_timeline(project)


def test_cmx_3600_writer_has_no_fcm_and_ignores_the_record_start(df_timeline) -> None:
    text = otio.adapters.write_to_string(to_otio(df_timeline), "cmx_3600")
    assert "FCM:" not in text
    first_event = next(line for line in text.splitlines() if line.startswith("001"))
    assert first_event.split()[-2] == "00:00:00;00"  # not 01:00:00;00


def test_fcp_xml_writer_marks_drop_frame_as_ndf(df_timeline) -> None:
    text = otio.adapters.write_to_string(to_otio(df_timeline), "fcp_xml")
    assert "<displayformat>NDF</displayformat>" in text
    assert "<displayformat>DF</displayformat>" not in text


def test_fcpx_xml_writer_fails_at_ntsc(df_timeline) -> None:
    # Its rate table has no 29.97 entry: frameDuration="" and then a crash splitting it.
    with pytest.raises(ValueError, match="not enough values"):
        otio.adapters.write_to_string(to_otio(df_timeline), "fcpx_xml")


def test_fcpx_xml_reader_truncates_ntsc_rates(df_timeline) -> None:
    collection = otio.adapters.read_from_string(write_fcpxml(df_timeline), "fcpx_xml")
    (tl,) = list(collection)
    clip = next(iter(tl.tracks[0].find_clips()))
    assert clip.source_range.start_time.rate == 29  # not 29.97
    exact = next(iter(read_fcpxml(write_fcpxml(df_timeline)).tracks[0].find_clips()))
    assert exact.source_range.start_time.value == 107892  # 01:00:00;00


def test_fcpx_xml_reader_loses_a_frame_at_60_fps(edit_project) -> None:
    _, rate, drop, tc = next(c for c in RATE_CASES if c[0] == "60")
    total, ranges = edge_ranges(rate, drop, tc)
    project, _, _ = edit_project(rate, total, ranges, tc)
    text = write_fcpxml(build_timeline(project))
    (tl,) = list(otio.adapters.read_from_string(text, "fcpx_xml"))
    stock = [c.source_range.start_time.value for c in tl.tracks[0].find_clips()]
    exact = [c.source_range.start_time.value for c in read_fcpxml(text).tracks[0].find_clips()]
    want = [216000 + first for first, _ in ranges]
    assert exact == want
    assert stock != want  # int(float(...)) truncates 251997.99… to 251997
