"""``models check``: a model type no backend serves, and a config.json that does not describe
the weights beside it (read from the safetensors headers, nothing loaded)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from safetensors.numpy import save_file

from vidi_desktop.cli import main
from vidi_desktop.models.manager import inspect_model


def check(capsys: Any, path: Path) -> tuple[int, dict]:
    code = main(["models", "check", str(path), "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from tiny_vlm import build_tiny_vlm

    root = tmp_path_factory.mktemp("tiny_models")
    return {
        "qwen3": build_tiny_vlm(root / "Qwen3-VL-Tiny", "qwen3_vl"),
        "qwen25": build_tiny_vlm(root / "Qwen2.5-VL-Tiny", "qwen2_5_vl"),
    }


def test_folders_whose_config_matches_their_weights_pass(tiny, capsys) -> None:
    for folder in tiny.values():
        code, info = check(capsys, folder)
        assert code == 0 and info["problems"] == [], info["problems"]


def test_a_qwen2_5_config_on_qwen3_shards_is_caught(tiny, tmp_path, capsys) -> None:
    folder = Path(shutil.copytree(tiny["qwen3"], tmp_path / "mixed"))
    shutil.copyfile(tiny["qwen25"] / "config.json", folder / "config.json")
    code, info = check(capsys, folder)
    assert code == 2
    (problem,) = [p for p in info["problems"] if p.startswith("config.json does not match")]
    assert "the weights are Qwen3-VL's (q_norm and deepstack tensors)" in problem


def test_a_qwen3_config_on_qwen2_5_shards_is_caught(tiny, tmp_path) -> None:
    folder = Path(shutil.copytree(tiny["qwen25"], tmp_path / "mixed"))
    shutil.copyfile(tiny["qwen3"] / "config.json", folder / "config.json")
    (problem,) = inspect_model(folder).problems
    assert "the weights are Qwen2.5-VL's (attention biases, no q_norm)" in problem


def test_a_layer_count_that_differs_is_caught(tiny, tmp_path, capsys) -> None:
    folder = Path(shutil.copytree(tiny["qwen3"], tmp_path / "deeper"))
    config = json.loads((folder / "config.json").read_text())
    config["text_config"]["num_hidden_layers"] = 36
    config["vision_config"]["depth"] = 27
    (folder / "config.json").write_text(json.dumps(config))
    code, info = check(capsys, folder)
    assert code == 2
    (problem,) = info["problems"]
    assert "config.json has 36 text layers, the weights 2" in problem
    assert "config.json has 27 vision blocks, the weights 2" in problem


def _handmade(folder: Path, config: dict, tensors: dict[str, tuple[int, ...]]) -> Path:
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(config))
    save_file({k: np.zeros(v, np.float16) for k, v in tensors.items()},
              str(folder / "model.safetensors"))
    (folder / "tokenizer.json").write_text("{}")
    (folder / "preprocessor_config.json").write_text("{}")
    (folder / "chat_template.json").write_text('{"chat_template": "x"}')
    return folder


TEXT = {"model_type": "qwen2_5_vl", "hidden_size": 16, "vocab_size": 10,
        "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2,
        "intermediate_size": 32}
LAYER = {
    "model.embed_tokens.weight": (10, 16),
    "model.layers.0.self_attn.q_proj.bias": (16,),
    "model.layers.0.self_attn.k_proj.weight": (8, 16),
    "model.layers.0.mlp.gate_proj.weight": (32, 16),
}


def test_shapes_are_compared_with_the_config(tmp_path) -> None:
    assert inspect_model(_handmade(tmp_path / "same", TEXT, LAYER)).ok
    wider = {**TEXT, "hidden_size": 32, "intermediate_size": 64, "num_key_value_heads": 4}
    (problem,) = inspect_model(_handmade(tmp_path / "wider", wider, LAYER)).problems
    assert "hidden_size is 32, the embedding's 16" in problem
    assert "keys 4 heads of 8 (32), the weights 8" in problem
    assert "intermediate_size is 64, the weights' 32" in problem


def test_quantized_weights_skip_the_shapes_not_the_counts(tmp_path) -> None:
    quant = {"quant_method": "awq", "bits": 4}
    wider = {**TEXT, "hidden_size": 32, "quantization_config": quant}
    assert inspect_model(_handmade(tmp_path / "awq", wider, LAYER)).ok  # packed: no verdict
    deeper = {**wider, "num_hidden_layers": 4}
    (problem,) = inspect_model(_handmade(tmp_path / "awq4", deeper, LAYER)).problems
    assert "4 text layers, the weights 1" in problem


def test_a_model_type_no_backend_serves_is_not_loadable(tmp_path, capsys) -> None:
    folder = _handmade(tmp_path / "llava", {"model_type": "llava"}, {"w": (2, 2)})
    code, info = check(capsys, folder)
    assert code == 2 and info["family"] == "unknown"
    assert info["problems"] == [
        "model_type 'llava' is served by no backend (qwen-vl: qwen3_vl, qwen3_vl_moe, "
        "qwen2_5_vl; vidi: dattn_gemma2, dattn_mistral)"
    ]
    assert main(["models", "check", str(folder)]) == 2
    assert "cannot load as it is" in capsys.readouterr().out


def test_a_config_without_model_type_is_not_loadable(tmp_path) -> None:
    folder = _handmade(tmp_path / "bare", {"architectures": ["X"]}, {"w": (2, 2)})
    info = inspect_model(folder)
    assert not info.ok and "no model_type" in info.problems[0]
