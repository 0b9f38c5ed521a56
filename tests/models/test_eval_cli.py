"""``vidi-desktop eval``: the --json contracts, readable tables, one-line errors, predict."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_eval_predict import VIDEO_ID, videos  # noqa: F401  (the fixture is used below)

from vidi_desktop.cli import main
from vidi_desktop.models.registry import BACKENDS

VUE = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "vue"
STG_KEYS = ["t_P", "t_R", "t_IoU", "v_P", "v_R", "v_IoU", "v_IoU_Int"]
TR_GROUPS = ["overall", "ultra-short", "short", "medium", "long", "ultra-long", "keyword",
             "phrase", "sentence", "vision", "audio", "vision+audio"]


@pytest.fixture(scope="module")
def vue() -> Path:
    if not (VUE / "stg" / "tubes.csv").is_file():
        pytest.skip(f"VUE benchmark files not found at {VUE}")
    return VUE


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "vidi_desktop", *args],
        capture_output=True, text=True, timeout=600, env={**os.environ},
    )


def test_stg_json_contract(vue: Path) -> None:
    out = run_cli("eval", "stg", "--gt", str(vue / "stg"),
                  "--pred", str(vue / "stg/results/vidi2/tubes.csv"), "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert list(doc) == STG_KEYS
    published = [0.730, 0.598, 0.532, 0.446, 0.363, 0.326, 0.603]
    for key, value in zip(STG_KEYS, published, strict=True):
        assert abs(doc[key] - value) <= 0.005, key
    assert "2 of 1600 queries have no prediction" in out.stderr


def test_tr_json_contract(vue: Path) -> None:
    out = run_cli("eval", "tr", "--gt", str(vue / "tr_v2/ground_truth.json"),
                  "--pred", str(vue / "tr_v2/results_Gemini-3-Pro-Prev.json"), "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert list(doc) == TR_GROUPS
    assert all(list(v) == ["P", "R", "IoU"] for v in doc.values())
    overall = doc["overall"]
    assert abs(overall["P"] - 48.61) <= 0.005 and abs(overall["R"] - 56.30) <= 0.005
    assert abs(overall["IoU"] - 37.58) <= 0.005
    assert out.stderr == ""


def test_readable_tables(vue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "tr", "--gt", str(vue / "tr_v2/ground_truth.json"),
                 "--pred", str(vue / "tr_v2/results_Vidi2.json")]) == 0
    text = capsys.readouterr().out
    assert "overall           1600  62.45  64.93  48.75" in text
    assert "vision+audio       586  64.03  61.38  46.81" in text
    assert main(["eval", "stg", "--gt", str(vue / "stg"),
                 "--pred", str(vue / "stg/results/gemini-3-pro-preview/tubes.csv")]) == 0
    text = capsys.readouterr().out
    assert "v_P         0.090  1581" in text and "t_IoU       0.275  1600" in text


def test_bad_prediction_file_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gt = tmp_path / "gt.json"
    gt.write_text(json.dumps([{"query_id": 0, "video_id": "v", "query": "q", "gt": [[1, 2]]}]))
    pred = tmp_path / "pred.json"
    pred.write_text('[{"query_id": 0, "answer": [[1, 2, 3]]}]')
    assert main(["eval", "tr", "--gt", str(gt), "--pred", str(pred)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"vidi-desktop: error: {pred} item 0 (query_id 0): answer[0] is not")


def test_missing_benchmark_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    assert main(["eval", "stg", "--gt", str(tmp_path / "nope"), "--pred", "x.csv"]) == 2
    assert "not a folder (expected query.csv, tubes.csv, video.csv)" in capsys.readouterr().err


def test_eval_needs_a_task() -> None:
    out = run_cli("eval")
    assert out.returncode == 2 and "TASK" in out.stderr
    out = run_cli("--help")
    assert "eval" in out.stdout


# -- predict ----------------------------------------------------------------------------------


@pytest.fixture
def colour_backend(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(BACKENDS, "colour", ("test_eval_predict", "ColourFinder", "test"))
    return "colour"


def test_predict_then_eval_tr(
    videos: Path,  # noqa: F811
    colour_backend: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gt = tmp_path / "gt.json"
    gt.write_text(json.dumps([
        {"query_id": 0, "video_id": VIDEO_ID, "query": "the red square", "gt": [[1, 3]],
         "duration_category": "ultra-short"},
        {"query_id": 1, "video_id": "absent", "query": "the blue square", "gt": [[3, 5]],
         "duration_category": "ultra-short"},
    ]))
    out = tmp_path / "res.json"
    code = main(["-q", "eval", "predict", "tr", "--queries", str(gt), "--videos", str(videos),
                 "--backend", colour_backend, "--option", "answer_as=answer", "-o", str(out)])
    assert code == 0
    assert json.loads(out.read_text())[0]["answer"] == [[1.0, 3.0]]
    capsys.readouterr()
    assert main(["eval", "tr", "--gt", str(gt), "--pred", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["overall"]["IoU"] == pytest.approx(99.5 / 2)  # one hit, one missing video
    assert "1 of 2 queries have no prediction" in captured.err


def test_predict_stg_summary_and_option_errors(
    videos: Path,  # noqa: F811
    colour_backend: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "query.csv").write_text(
        f"query_id,query_text,video_id\nq1,the blue square,{VIDEO_ID}\n"
    )
    out = tmp_path / "tubes.csv"
    argv = ["eval", "predict", "stg", "--queries", str(tmp_path), "--videos", str(videos),
            "--backend", colour_backend, "-o", str(out)]
    assert main(argv) == 0
    assert f"VUE-STG: 1 of 1 queries answered (0 with nothing found) → {out}" in (
        capsys.readouterr().out
    )
    assert len(out.read_text().splitlines()) == 1 + 10
    assert main([*argv, "--option", "spatial=false"]) == 2
    assert "no spatial grounding" in capsys.readouterr().err
    assert main([*argv, "--option", "nonsense"]) == 2
    assert "--option wants KEY=VALUE" in capsys.readouterr().err
