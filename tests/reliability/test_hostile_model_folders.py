"""Issue 16.11: ``models list``/``check`` never raise, whatever a model folder holds.

They crashed on a 5000-digit number or deep nesting in ``config.json`` and on ``1e999`` in a
safetensors header, and one bad folder broke the whole list; a folder whose only weights
are a pickle ``.bin`` was "ready to load", though the app loads only safetensors.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from vidi_desktop.cli import main
from vidi_desktop.models.manager import check_model, inspect_model, list_models


def _good(folder: Path) -> Path:
    """A small but complete Qwen3-VL folder (real safetensors, tokenizer, processor)."""
    import numpy as np
    from safetensors.numpy import save_file

    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"model_type": "qwen3_vl"}))
    save_file({"w": np.zeros((4, 4), np.float16)}, str(folder / "model.safetensors"))
    (folder / "tokenizer.json").write_text("{}")
    (folder / "tokenizer_config.json").write_text('{"chat_template": "x"}')
    (folder / "preprocessor_config.json").write_text("{}")
    return folder


def _safetensors_with_header(path: Path, header_text: str) -> None:
    data = header_text.encode()
    path.write_bytes(struct.pack("<Q", len(data)) + data + b"\0" * 64)


HOSTILE = {
    "digits": lambda f: (f / "config.json").write_text(
        '{"model_type": "qwen3_vl", "hidden_size": ' + "9" * 5000 + "}"),
    "nesting": lambda f: (f / "config.json").write_text(
        '{"model_type": "qwen3_vl", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    "quant-bits": lambda f: (f / "config.json").write_text(
        '{"model_type": "qwen3_vl", "quantization_config": {"quant_method": "gptq", "bits": '
        + "7" * 4000 + "}}"),
    "inf-shape": lambda f: _safetensors_with_header(
        f / "model.safetensors",
        '{"w": {"dtype": "F16", "shape": [1e999, 2], "data_offsets": [0, 64]}}'),
    "nan-offsets": lambda f: _safetensors_with_header(
        f / "model.safetensors",
        '{"w": {"dtype": "F16", "shape": [2, 2], "data_offsets": [NaN, 8]}}'),
    "deep-header": lambda f: _safetensors_with_header(
        f / "model.safetensors", '{"w": ' + "[" * 50_000 + "]" * 50_000 + "}"),
    "shard-index": lambda f: (f / "model.safetensors.index.json").write_text(
        '{"weight_map": {"a": ' + "[" * 50_000 + "]" * 50_000 + "}}"),
}


@pytest.mark.parametrize("damage", list(HOSTILE))
def test_a_hostile_folder_is_a_problem_not_a_crash(tmp_path, damage) -> None:
    folder = _good(tmp_path / damage)
    HOSTILE[damage](folder)
    info = check_model(folder, cuda=False, ram_available=10**12)
    assert not info.ok and info.problems
    assert all("\n" not in p and len(p) < 400 for p in info.problems)
    json.dumps(info.to_json())  # printable by --json


def test_one_bad_folder_does_not_hide_the_others(tmp_path, capsys) -> None:
    for name in HOSTILE:
        HOSTILE[name](_good(tmp_path / f"bad-{name}"))
    _good(tmp_path / "good")
    listed = list_models(tmp_path)
    assert len(listed) == len(HOSTILE) + 1
    assert [m.name for m in listed if m.ok] == ["good"]
    assert main(["models", "list", "--dir", str(tmp_path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["models"]) == len(HOSTILE) + 1


def test_pickle_only_weights_need_a_conversion(tmp_path) -> None:
    folder = _good(tmp_path / "old")
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x02pickled")
    info = inspect_model(folder)
    assert not info.ok
    assert any("only safetensors" in p and "convert" in p for p in info.problems)
