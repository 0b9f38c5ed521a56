"""A new export format (``toy_format.write_cue_list``, one file plus one table row) is in the
export dialog's list, with the options it reads enabled, and the dialog writes it.
"""

from __future__ import annotations

from vidi_desktop.core.project import ProjectDocument
from vidi_desktop.qt.export_dialog import ExportDialog


def test_dialog_lists_it_and_enables_what_it_reads(qtbot, cue_list, highlights_project,
                                                   tmp_path):
    dialog = ExportDialog(ProjectDocument(highlights_project))
    qtbot.addWidget(dialog)
    labels = {dialog.format.itemData(i): dialog.format.itemText(i)
              for i in range(dialog.format.count())}
    assert labels["cues"] == "Cue list — plain text"
    dialog.output.setText(str(tmp_path / "cut.edl"))
    dialog.set_format("cues")
    assert dialog.output.text() == str(tmp_path / "cut.cues")
    assert dialog.markers.isEnabled() and dialog.record_start.isEnabled()  # a timeline format
    assert not dialog.fcpxml_version.isEnabled() and not dialog.edl_video_only.isEnabled()
    assert not dialog.sequence.isHidden()


def test_dialog_writes_it_from_the_unsaved_document(qtbot, cue_list, highlights_project,
                                                    tmp_path):
    doc = ProjectDocument(highlights_project)
    dialog = ExportDialog(doc)
    qtbot.addWidget(dialog)
    dialog.set_format("cues")
    out = tmp_path / "cut.cues"
    dialog.output.setText(str(out))
    dialog.markers.setChecked(False)
    assert dialog.export() == [out]
    assert out.read_text(encoding="utf-8") == (
        "CUE LIST Toy\n"
        "001 01:00:00;00 01:00:00;15 small.mp4 frames 0-14\n"
        "002 01:00:00;15 01:00:01;00 small.mp4 frames 30-44\n"
    )
    assert doc.path is None  # written from the document itself, never saved
