"""The export dialog: every service format, sequence facts, files written, errors, reveal."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from fractions import Fraction
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl

from vidi_desktop.commands.export import EXPORT_FORMATS
from vidi_desktop.core.project import HighlightClip, SubtitleCue, Suggestion
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.qt.export_dialog import ExportDialog


def _secs(a: float, b: float) -> TimeRange:
    return TimeRange.from_start_end(Time.exact(Fraction(str(a))), Time.exact(Fraction(str(b))))


@pytest.fixture
def accepted_doc(project_doc):
    """The test project with its highlight accepted (the edit is that one clip)."""
    highlight = next(s for s in project_doc.project.suggestions
                     if isinstance(s.payload, HighlightClip))
    project_doc.accept([highlight.id])
    return project_doc


def _dialog(qtbot, doc, fmt: str, out: Path) -> ExportDialog:
    dialog = ExportDialog(doc)
    qtbot.addWidget(dialog)
    dialog.set_format(fmt)
    dialog.output.setText(str(out))
    return dialog


def test_offers_every_format_the_services_write(qtbot, project_doc):
    dialog = ExportDialog(project_doc)
    qtbot.addWidget(dialog)
    offered = [dialog.format.itemData(i) for i in range(dialog.format.count())]
    assert offered == list(EXPORT_FORMATS)


def test_sequence_facts_follow_the_source_timecode(qtbot, accepted_doc, tmp_path):
    dialog = _dialog(qtbot, accepted_doc, "fcp7", tmp_path / "x.xml")
    text = dialog.sequence.text()
    # The small clip is 29.97 drop-frame; the highlight 1.1–1.9 s is 24 frames.
    assert "29.97 fps drop-frame" in text
    assert "starts 01:00:00;00" in text
    assert "00:00:00;24 long" in text and "1 clip" in text
    dialog.record_start.setText("00:59:58;00")
    dialog.record_start.editingFinished.emit()
    assert "starts 00:59:58;00" in dialog.sequence.text()
    dialog.set_format("srt")
    assert dialog.sequence.isHidden()


def test_edl_export_writes_the_file_and_offers_reveal(qtbot, accepted_doc, tmp_path, monkeypatch):
    out = tmp_path / "cut.edl"
    dialog = _dialog(qtbot, accepted_doc, "edl", out)
    assert dialog.export() == [out]
    text = out.read_text()
    assert "FCM: DROP FRAME" in text
    assert "01:00:00;00 01:00:00;24" in text  # record in/out of the one clip
    assert f"Wrote {out}" in dialog.message_text
    assert not dialog.reveal_button.isHidden()
    opened: list[QUrl] = []
    monkeypatch.setattr(
        "vidi_desktop.qt.export_dialog.QDesktopServices.openUrl",
        lambda url: opened.append(url) or True,
    )
    assert dialog.reveal()
    assert opened == [QUrl.fromLocalFile(str(tmp_path))]
    # Exporting an unsaved project leaves it unsaved and leaves no snapshot behind.
    assert accepted_doc.path is None and accepted_doc.is_modified


def test_fcpxml_version_and_options_reach_the_writer(qtbot, accepted_doc, tmp_path):
    out = tmp_path / "cut.fcpxml"
    dialog = _dialog(qtbot, accepted_doc, "fcpxml", out)
    assert dialog.fcpxml_version.isEnabled() and not dialog.edl_video_only.isEnabled()
    dialog.fcpxml_version.setCurrentText("1.8")
    assert dialog.export() == [out]
    assert '<fcpxml version="1.8">' in out.read_text()


def test_subtitles_default_to_every_cue_not_rejected(qtbot, project_doc, tmp_path):
    out = tmp_path / "subs.srt"
    dialog = _dialog(qtbot, project_doc, "srt", out)
    assert dialog.include.currentData() == "accepted+pending"  # the cue is still pending
    assert dialog.export() == [out]
    cue = next(s for s in project_doc.project.suggestions if isinstance(s.payload, SubtitleCue))
    text = out.read_text(encoding="utf-8")
    assert cue.payload.text in text and "00:00:00,100 --> 00:00:00,900" in text


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_subtitle_files_take_accepted_and_pending_cues_never_rejected(qtbot, project_doc,
                                                                      tmp_path, fmt):
    asset = project_doc.project.assets[0].id
    said = {"accepted": ("kept words", 1.0, 1.2), "pending": ("maybe words", 1.3, 1.5),
            "rejected": ("dropped words", 1.6, 1.8)}
    added = project_doc.add_suggestions([
        Suggestion.new(asset, SubtitleCue(_secs(a, b), text), "t") for text, a, b in said.values()
    ])
    project_doc.accept([added[0].id])
    project_doc.reject([added[2].id])
    dialog = ExportDialog(project_doc)
    qtbot.addWidget(dialog)
    dialog.set_format("edl")
    assert dialog.include.currentData() == "accepted"  # an NLE gets the edit
    dialog.set_format(fmt)
    assert dialog.include.currentData() == "accepted+pending"
    out = tmp_path / f"subs.{fmt}"
    dialog.output.setText(str(out))
    assert dialog.export() == [out]
    text = out.read_text(encoding="utf-8")
    assert "kept words" in text and "maybe words" in text
    assert "dropped words" not in text
    dialog.set_format("fcp7")  # back to a timeline: the edit again
    assert dialog.include.currentData() == "accepted"


def test_a_chosen_inclusion_survives_a_format_change(qtbot, project_doc, tmp_path):
    dialog = _dialog(qtbot, project_doc, "srt", tmp_path / "s.srt")
    dialog.include.setCurrentIndex(dialog.include.findData("all"))
    dialog.set_format("vtt")
    assert dialog.include.currentData() == "all"


def test_the_fcpxml_version_row_is_enabled_for_fcpxml_alone(qtbot, project_doc):
    dialog = ExportDialog(project_doc)
    qtbot.addWidget(dialog)
    label = dialog._form.labelForField(dialog.fcpxml_version)
    assert label is not None and label.text() == "FCPXML version"
    for fmt in EXPORT_FORMATS:
        dialog.set_format(fmt)
        on = fmt == "fcpxml"
        assert dialog.fcpxml_version.isEnabled() == on, fmt
        assert label.isEnabled() == on, fmt


def test_the_dialog_remembers_the_last_format_and_folder(qtbot, accepted_doc, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    first = _dialog(qtbot, accepted_doc, "fcpxml", folder / "cut.fcpxml")
    assert first.export() == [folder / "cut.fcpxml"]
    again = ExportDialog(accepted_doc)
    qtbot.addWidget(again)
    assert again.fmt == "fcpxml"
    assert Path(again.output.text()).parent == folder
    assert Path(again.output.text()).suffix == ".fcpxml"
    # A failed export changes nothing that is remembered.
    again.set_format("edl")
    again.output.setText(str(tmp_path / "missing" / "x.edl"))
    assert again.export() == []
    third = ExportDialog(accepted_doc)
    qtbot.addWidget(third)
    assert third.fmt == "fcpxml" and Path(third.output.text()).parent == folder


def test_a_remembered_folder_that_is_gone_falls_back_to_the_projects(qtbot, accepted_doc,
                                                                      tmp_path):
    folder = tmp_path / "gone"
    folder.mkdir()
    assert _dialog(qtbot, accepted_doc, "edl", folder / "a.edl").export()
    (folder / "a.edl").unlink()
    folder.rmdir()
    again = ExportDialog(accepted_doc)
    qtbot.addWidget(again)
    assert Path(again.output.text()).parent == Path.home()  # an unsaved project's default


def _edl_title(path: Path) -> str:
    import io

    import pycmx

    return pycmx.parse_cmx3600(io.StringIO(path.read_text())).title


def test_the_edl_title_is_the_projects_name(qtbot, accepted_doc, tmp_path):
    accepted_doc.rename("Interview day 2")
    out = tmp_path / "cut.edl"
    assert _dialog(qtbot, accepted_doc, "edl", out).export() == [out]
    assert _edl_title(out) == "Interview day 2"


def test_an_untitled_project_saved_as_a_file_is_titled_by_the_file(qtbot, accepted_doc,
                                                                   tmp_path):
    accepted_doc.rename("Untitled")
    accepted_doc.save(tmp_path / "river shoot.vidi")
    out = tmp_path / "cut.edl"
    assert _dialog(qtbot, accepted_doc, "edl", out).export() == [out]
    assert _edl_title(out) == "river shoot"


def test_saved_project_is_exported_from_its_file(qtbot, accepted_doc, tmp_path):
    project = tmp_path / "p.vidi"
    accepted_doc.save(project)
    out = tmp_path / "s.json"
    dialog = _dialog(qtbot, accepted_doc, "json", out)
    dialog.include.setCurrentIndex(dialog.include.findData("all"))
    assert dialog.export() == [out]
    import json

    doc = json.loads(out.read_text())
    assert doc["project"] == str(project)
    assert len(doc["suggestions"]) == len(accepted_doc.project.suggestions)


def test_unsaved_changes_are_exported_as_they_stand(qtbot, accepted_doc, tmp_path):
    import json

    project = tmp_path / "p.vidi"
    accepted_doc.save(project)
    pending = next(s for s in accepted_doc.project.suggestions if s.state == "pending")
    accepted_doc.reject([pending.id])  # not saved
    out = tmp_path / "s.json"
    dialog = _dialog(qtbot, accepted_doc, "json", out)
    dialog.include.setCurrentIndex(dialog.include.findData("all"))
    assert dialog.export() == [out]
    doc = json.loads(out.read_text())
    assert doc["project"] == str(project)  # the document's file, not a snapshot of it
    states = {s["id"]: s["state"] for s in doc["suggestions"]}
    assert states[pending.id] == "rejected"
    assert accepted_doc.is_modified  # exporting saved nothing
    on_disk = json.loads(project.read_text())
    assert {s["id"]: s["state"] for s in on_disk["suggestions"]}[pending.id] == "pending"


def test_a_project_never_saved_names_no_file(qtbot, project_doc, tmp_path):
    import json

    out = tmp_path / "s.json"
    dialog = _dialog(qtbot, project_doc, "json", out)
    dialog.include.setCurrentIndex(dialog.include.findData("all"))
    assert dialog.export() == [out]
    assert json.loads(out.read_text())["project"] is None


def test_errors_stay_in_the_dialog(qtbot, tmp_path):
    from vidi_desktop.core.project import ProjectDocument

    # No footage: the sequence line says why, and exporting says it in one line.
    dialog = _dialog(qtbot, ProjectDocument(), "edl", tmp_path / "none.edl")
    assert dialog.sequence.text().startswith("Nothing to write:")
    assert dialog.export() == []
    assert dialog.message.property("role") == "error"
    assert "\n" not in dialog.message_text and dialog.message_text
    assert dialog.reveal_button.isHidden()
    assert not (tmp_path / "none.edl").exists()
    # A folder that does not exist.
    dialog.set_format("csv")
    dialog.output.setText(str(tmp_path / "missing" / "x.csv"))
    assert dialog.export() == []
    assert "folder does not exist" in dialog.message_text
    # No target at all.
    dialog.output.setText("")
    assert dialog.export() == []
    assert dialog.message_text == "Choose where to save the export."


def test_output_name_follows_the_format(qtbot, project_doc, tmp_path):
    dialog = _dialog(qtbot, project_doc, "fcp7", tmp_path / "cut.xml")
    dialog.set_format("otio")
    assert dialog.output.text() == str(tmp_path / "cut.otio")
    dialog.set_format("vtt")
    assert dialog.output.text() == str(tmp_path / "cut.vtt")


def test_exporting_onto_the_unsaved_project_itself_is_refused(qtbot, accepted_doc, tmp_path):
    """Issue 16.1: with unsaved changes the dialog exports from a snapshot; the project's
    own file is still an input and must not be replaced by the export."""
    project = tmp_path / "p.vidi"
    accepted_doc.save(project)
    accepted_doc.rename("changed since")  # unsaved: the export reads a temporary snapshot
    before = project.read_bytes()
    dialog = _dialog(qtbot, accepted_doc, "json", project)
    assert dialog.export() == []
    assert "the project it reads" in dialog.message_text
    assert project.read_bytes() == before


def test_nothing_accepted_says_so_and_whole_files_export_uncut(qtbot, project_doc, tmp_path):
    out = tmp_path / "whole.edl"
    dialog = _dialog(qtbot, project_doc, "edl", out)
    assert dialog.sequence.text().startswith("Nothing to write: nothing accepted shapes the edit")
    assert dialog.export() == [] and not out.exists()
    assert "export the files whole" in dialog.message.text()
    dialog.whole.setChecked(True)
    assert dialog.sequence.text().startswith("Sequence:")
    assert dialog.export() == [out] and out.read_text().startswith("TITLE:")
