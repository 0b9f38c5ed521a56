"""The export format table: its rows, what it refuses, and the lookups the front ends use."""

from __future__ import annotations

import importlib
import inspect

import pytest

from vidi_desktop.core.project import Project
from vidi_desktop.interchange.errors import ExportError
from vidi_desktop.interchange.formats import (
    FORMAT_IDS,
    FORMATS,
    ExportFormat,
    export_format,
    format_for_suffix,
    formats_of,
    register_format,
)
from vidi_desktop.interchange.writers import ExportOptions, export_texts, timeline_text


@pytest.mark.parametrize("fmt", list(FORMATS.values()), ids=list(FORMATS))
def test_every_writer_named_in_the_table_exists(fmt: ExportFormat) -> None:
    assert isinstance(fmt.writer, str)
    module, _, attr = fmt.writer.partition(":")
    writer = getattr(importlib.import_module(module), attr)
    takes = inspect.signature(writer).parameters
    for field, keyword in fmt.options:
        assert field in ExportOptions.__dataclass_fields__ and keyword in takes


def test_the_table_holds_the_formats_the_cli_has_always_offered() -> None:
    assert set(FORMAT_IDS) >= {"edl", "fcp7", "fcpxml", "otio", "srt", "vtt", "csv", "json"}
    assert list(FORMAT_IDS) == list(FORMATS)
    assert {f.id for f in formats_of("timeline")} >= {"edl", "fcp7", "fcpxml", "otio"}
    assert {f.id for f in formats_of("subtitles")} == {"srt", "vtt"}


def test_a_suffix_names_its_format_in_any_case() -> None:
    assert format_for_suffix(".XML").id == "fcp7"  # type: ignore[union-attr]
    assert format_for_suffix(".mov") is None
    assert format_for_suffix(".srt", formats_of("timeline")) is None


def test_options_follow_family_and_writer() -> None:
    edl, fcpxml, srt, csv = (export_format(f) for f in ("edl", "fcpxml", "srt", "csv"))
    assert edl.takes("edl_audio") and edl.takes("record_start") and not edl.takes("fcpxml_version")
    assert fcpxml.takes("fcpxml_version") and not fcpxml.takes("subtitle_timing")
    assert srt.takes("subtitle_timing") and not srt.takes("markers")
    assert not any(csv.takes(o) for o in ("markers", "record_start", "subtitle_timing"))


@pytest.mark.parametrize("bad, message", [
    (ExportFormat("edl", "Other EDL", (".edl",), "timeline", "x:y"), "already registered"),
    (ExportFormat("toy", "Toy", ("toy",), "timeline", "x:y"), "must start with '.'"),
    (ExportFormat("toy", "Toy", (), "timeline", "x:y"), "must start with '.'"),
    (ExportFormat("toy", "Toy", (".toy",), "video", "x:y"), "unknown family"),  # type: ignore[arg-type]
])
def test_a_bad_row_is_refused(bad: ExportFormat, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        register_format(bad)
    assert FORMATS["edl"].name == "CMX 3600 EDL" and "toy" not in FORMATS


def test_an_unknown_format_is_an_export_error_naming_the_known_ones() -> None:
    with pytest.raises(ExportError, match=r"unknown export format 'aaf' \(known: .*edl"):
        export_texts(Project(), "aaf")


def test_only_timeline_formats_write_a_timeline() -> None:
    with pytest.raises(ExportError, match=r"'csv' is not a timeline format \(.*otio"):
        timeline_text(None, "csv")  # type: ignore[arg-type]
