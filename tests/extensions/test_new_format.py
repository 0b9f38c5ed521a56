"""A new export format is one writer file plus one table row: ``--format`` offers it and
``services.export`` writes it (``toy_format.write_cue_list``, registered by the ``cue_list``
fixture; the export dialog is in ``test_new_format_dialog.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vidi_desktop.cli import main
from vidi_desktop.core.project import Project, save_project
from vidi_desktop.interchange.formats import FORMATS, ExportFormat
from vidi_desktop.services.export import export


def test_format_choices_follow_the_table(
    cue_list: ExportFormat, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    usage = capsys.readouterr().out
    assert "{" + ",".join(FORMATS) + "}" in usage and ",cues}" in usage


def test_cli_writes_it(cue_list: ExportFormat, highlights_project: Project, tmp_path: Path) -> None:
    path = tmp_path / "p.vidi"
    save_project(highlights_project, path)
    out = tmp_path / "cut.cues"
    assert main(["export", str(path), "--format", "cues", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == (
        "CUE LIST Toy\n"
        "001 01:00:00;00 01:00:00;15 small.mp4 frames 0-14\n"
        "002 01:00:00;15 01:00:01;00 small.mp4 frames 30-44\n"
        "    MARK 32 Part two\n"
    )


def test_services_export_a_project_value_with_its_options(
    cue_list: ExportFormat, highlights_project: Project, tmp_path: Path
) -> None:
    result = export(highlights_project, fmt="cues", output=tmp_path / "cut.txt", markers=False,
                    per_highlight=True, record_start="00:59:59;00")
    assert result.paths == [tmp_path / "cut-01.txt", tmp_path / "cut-02.txt"]
    second = result.paths[1].read_text(encoding="utf-8")
    assert second == (
        "CUE LIST Toy - second\n001 00:59:59;00 00:59:59;15 small.mp4 frames 30-44\n"
    )


def test_an_unregistered_format_is_refused_in_one_line(
    highlights_project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.vidi"
    save_project(highlights_project, path)
    with pytest.raises(SystemExit) as stop:
        main(["export", str(path), "--format", "cues", "-o", str(tmp_path / "x.cues")])
    assert stop.value.code == 2
    assert "invalid choice: 'cues'" in capsys.readouterr().err
    assert not (tmp_path / "x.cues").exists()
