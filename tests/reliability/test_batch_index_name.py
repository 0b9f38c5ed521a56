"""Issue 16.4: ``batch`` on a file literally named ``index`` must not overwrite its analysis
with the batch's ``index.json`` (nor the index with the analysis)."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from vidi_desktop.analysis.options import AnalyzeOptions
from vidi_desktop.services.batch import BatchSettings, output_names, run_batch
from vidi_desktop.services.batch_index import load_index
from vidi_desktop.services.batch_safety import output_base


def test_a_file_named_index_keeps_its_analysis(make_clip, tmp_path: Path) -> None:
    src = make_clip("rel_index.mp4", frames=30, rate=Fraction(25), gop=10)
    folder = tmp_path / "in"
    folder.mkdir()
    named_index = folder / "index"
    named_index.write_bytes(src.read_bytes())
    out = tmp_path / "out"
    result = run_batch([named_index], out, BatchSettings(AnalyzeOptions(shots=True)))
    assert result.analysed == ["index"] and not result.failed
    index = load_index(out)  # still the batch index, readable
    entry = index.entries["index"]
    analysis = json.loads((out / entry.outputs["analysis"]).read_text())
    assert analysis["file"] == str(named_index.resolve()) and analysis["frames"] == 30
    assert json.loads((out / "index.json").read_text())["schema"] == "vidi.batch-index"
    # A second run finds the results current instead of re-analysing.
    again = run_batch([named_index], out, BatchSettings(AnalyzeOptions(shots=True)))
    assert again.current == ["index"]


def test_output_names_stay_distinct_around_the_index() -> None:
    keys = ["index", "index_", "INDEX", "Index__", "index.mp4", "sub/index", "report", "indexes"]
    names = [output_names(k)["analysis"] for k in keys]
    assert len(set(names)) == len(names)
    assert all(n.lower() != "index.json" for n in names)
    assert output_base("index.mp4") == "index.mp4" and output_base("sub/index") == "sub/index"
