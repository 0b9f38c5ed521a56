"""A new export format (``toy_format.write_cue_list``, one file plus one table row) is in the
export dialog's list, with the options it reads enabled, and the dialog writes it.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator

import pytest

from vidi_desktop.core.project import HighlightClip
from vidi_desktop.interchange.formats import FORMATS, ExportFormat, register_format
from vidi_desktop.qt.export_dialog import ExportDialog

CUES = ExportFormat("cues", "Cue list", (".cues", ".txt"), "timeline",
                    "toy_format:write_cue_list", (("markers", "markers"),), use="plain text")


@pytest.fixture
def cue_list() -> Iterator[ExportFormat]:
    register_format(CUES)  # the one registration line
    yield CUES
    FORMATS.pop(CUES.id)


def test_dialog_lists_it_and_enables_what_it_reads(qtbot, cue_list, project_doc, tmp_path):
    dialog = ExportDialog(project_doc)
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


def test_dialog_writes_it_from_the_unsaved_document(qtbot, cue_list, project_doc, tmp_path):
    highlight = next(s for s in project_doc.project.suggestions
                     if isinstance(s.payload, HighlightClip))
    project_doc.accept([highlight.id])
    dialog = ExportDialog(project_doc)
    qtbot.addWidget(dialog)
    dialog.set_format("cues")
    out = tmp_path / "cut.cues"
    dialog.output.setText(str(out))
    dialog.markers.setChecked(False)
    assert dialog.export() == [out]
    # The accepted highlight (1.1-1.9 s of the 29.97 DF clip) is the one clip of the edit.
    assert out.read_text(encoding="utf-8") == (
        "CUE LIST Test project\n001 01:00:00;00 01:00:00;24 small.mp4 frames 33-56\n"
    )
    assert project_doc.path is None and project_doc.is_modified
