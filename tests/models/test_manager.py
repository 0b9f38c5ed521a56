"""The models folder: listing and checking model folders the tests build themselves.

Weights are real safetensors files written with the ``safetensors`` package (tiny tensors),
so the header reading, the parameter count and truncation are checked against the format's
own writer; broken folders are made by hand (bad JSON, a missing shard, a cut file).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from vidi_desktop.cli import main
from vidi_desktop.models.manager import (
    ModelNotFoundError,
    available_ram,
    check_model,
    cuda_memory,
    inspect_model,
    list_models,
    resolve,
)

GB = 10**9


def tensors(scale: int = 1) -> dict[str, np.ndarray]:
    # 4×8 + 8 = 40 elements per scale step, in two dtypes.
    return {
        "layer.weight": np.zeros((4 * scale, 8), dtype=np.float16),
        "layer.bias": np.zeros((8,), dtype=np.float32),
    }


def make_model(
    folder: Path,
    model_type: str | None = "qwen3_vl",
    *,
    shards: int = 0,
    tokenizer: bool = True,
    processor: bool = True,
    extra_config: dict[str, object] | None = None,
) -> Path:
    folder.mkdir(parents=True)
    config: dict[str, object] = {"architectures": ["Test"], **(extra_config or {})}
    if model_type is not None:
        config["model_type"] = model_type
    (folder / "config.json").write_text(json.dumps(config))
    if shards:
        weight_map = {}
        for i in range(1, shards + 1):
            name = f"model-{i:05d}-of-{shards:05d}.safetensors"
            part = {f"shard{i}.{k}": v for k, v in tensors().items()}
            save_file(part, str(folder / name))
            weight_map.update(dict.fromkeys(part, name))
        index = {"metadata": {"total_size": 0}, "weight_map": weight_map}
        (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    else:
        save_file(tensors(), str(folder / "model.safetensors"))
    if tokenizer:
        (folder / "tokenizer.json").write_text('{"version": "1.0"}')
        (folder / "tokenizer_config.json").write_text('{"chat_template": "{{ messages }}"}')
    if processor:
        (folder / "preprocessor_config.json").write_text("{}")
    return folder


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# -- inspect ------------------------------------------------------------------------------------
def test_complete_model(tmp_path: Path) -> None:
    folder = make_model(tmp_path / "Qwen3-VL-Tiny")
    info = inspect_model(folder)
    assert info.ok, info.problems
    assert (info.name, info.family, info.model_type, info.backend) == (
        "Qwen3-VL-Tiny", "qwen3_vl", "qwen3_vl", "qwen-vl"
    )
    assert info.parameters == 40
    assert info.weights.dtype == "F16"  # 32 of the 40 elements
    assert info.weights.files == ("model.safetensors",)
    assert info.size == folder_bytes(folder)
    assert info.quantization is None and info.warnings == ()


def test_all_shards_present(tmp_path: Path) -> None:
    info = inspect_model(make_model(tmp_path / "big", "qwen2_5_vl", shards=3))
    assert info.ok, info.problems
    assert info.family == "qwen2_5_vl" and info.parameters == 120
    assert len(info.weights.files) == 3


def test_missing_shard(tmp_path: Path) -> None:
    folder = make_model(tmp_path / "big", shards=3)
    (folder / "model-00002-of-00003.safetensors").unlink()
    info = inspect_model(folder)
    assert not info.ok
    assert info.problems == (
        "missing 1 of 3 weight shards: model-00002-of-00003.safetensors",
    )


def test_truncated_download(tmp_path: Path) -> None:
    folder = make_model(tmp_path / "cut")
    weights = folder / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[:-10])
    (problem,) = inspect_model(folder).problems
    assert problem.startswith("model.safetensors: truncated")
    weights.write_bytes(b"<html>Bad gateway</html>")  # a proxy's error page saved as weights
    (problem,) = inspect_model(folder).problems
    assert "not a safetensors file" in problem


def test_broken_config(tmp_path: Path) -> None:
    folder = make_model(tmp_path / "broken")
    (folder / "config.json").write_text('{"model_type": "qwen3_vl",')
    info = inspect_model(folder)
    assert info.problems[0].startswith("config.json is not valid JSON (line 1")
    assert info.family == "unknown"
    (folder / "config.json").write_text("[1, 2]")
    assert inspect_model(folder).problems[0] == "config.json is not a JSON object"
    (folder / "config.json").unlink()
    assert inspect_model(folder).problems[0] == "no config.json"


def test_bin_weights_and_no_weights(tmp_path: Path) -> None:
    folder = make_model(tmp_path / "old")
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x02pickled")
    info = inspect_model(folder)
    assert info.weights.format == "bin" and info.parameters is None
    # Issue 16.11: a pickle is not "ready to load": only safetensors are loaded.
    assert not info.ok and "convert them" in info.problems[0]
    (folder / "pytorch_model.bin").unlink()
    assert inspect_model(folder).problems[0].startswith("no weights")
    (folder / "adapter_model.safetensors").write_bytes(b"x")
    assert "LoRA adapter" in inspect_model(folder).problems[0]


def test_quantized_model(tmp_path: Path) -> None:
    quant = {"quant_method": "bitsandbytes", "load_in_4bit": True, "bnb_4bit_quant_type": "nf4"}
    info = inspect_model(make_model(tmp_path / "q", extra_config={"quantization_config": quant}))
    assert info.ok and info.quantization == "bitsandbytes nf4"
    assert info.parameters is None  # packed 4-bit tensors do not count parameters
    awq = {"quant_method": "awq", "bits": 4}
    assert inspect_model(
        make_model(tmp_path / "a", extra_config={"quantization_config": awq})
    ).quantization == "awq 4-bit"


def test_families(tmp_path: Path) -> None:
    vidi = inspect_model(make_model(tmp_path / "Vidi1.5-9B", "dattn_gemma2", processor=False))
    assert (vidi.family, vidi.backend) == ("vidi", "vidi") and vidi.ok
    seven = inspect_model(make_model(tmp_path / "Vidi-7B", "dattn_mistral", tokenizer=False))
    assert seven.family == "vidi" and seven.ok  # Vidi's tokenizer may live elsewhere: a warning
    assert any("tokenizer" in w for w in seven.warnings)
    # A model type no backend serves cannot load: a problem, not a warning.
    other = inspect_model(make_model(tmp_path / "llama", "llama"))
    assert other.family == "unknown" and other.backend is None and not other.ok
    (problem,) = other.problems
    assert problem.startswith("model_type 'llama' is served by no backend (qwen-vl: qwen3_vl")


def test_vlm_needs_tokenizer_and_processor(tmp_path: Path) -> None:
    info = inspect_model(make_model(tmp_path / "m", tokenizer=False, processor=False))
    assert set(info.problems) == {
        "no tokenizer files (tokenizer.json, tokenizer.model or vocab.json)",
        "no processor files (preprocessor_config.json)",
    }


# -- the folder ---------------------------------------------------------------------------------
def test_listing_survives_broken_folders(tmp_path: Path) -> None:
    make_model(tmp_path / "b-good")
    bad = make_model(tmp_path / "a-bad")
    (bad / "config.json").write_bytes(b"\xff\xfe\x00garbage")
    (tmp_path / "c-empty").mkdir()
    (tmp_path / "notes.txt").write_text("not a model")
    (tmp_path / ".cache").mkdir()
    unreadable = make_model(tmp_path / "d-locked")
    os.chmod(unreadable, 0)
    try:
        models = list_models(tmp_path)
    finally:
        os.chmod(unreadable, 0o755)
    assert [m.name for m in models] == ["a-bad", "b-good", "c-empty", "d-locked"]
    assert [m.ok for m in models[:3]] == [False, True, False]
    assert models[0].problems[0] == "config.json is not UTF-8 text"
    assert models[2].problems[0] == "no config.json"
    if os.geteuid() != 0:  # root reads anything
        assert not models[3].ok
    assert list_models(tmp_path / "nowhere") == []


def test_resolve_by_name_or_path(tmp_path: Path) -> None:
    folder = make_model(tmp_path / "Tiny")
    assert resolve("Tiny", tmp_path) == folder
    assert resolve(str(folder)) == folder
    with pytest.raises(ModelNotFoundError, match=r"models in .*: Tiny"):
        resolve("Huge", tmp_path)


# -- memory -------------------------------------------------------------------------------------
def test_memory_fits_gpu_cpu_or_nowhere(tmp_path: Path) -> None:
    folder = make_model(tmp_path / "m")
    weights = (folder / "model.safetensors").stat().st_size
    need = check_model(folder, ram_available=GB, gpus=[]).memory
    assert need is not None and need.needed == -(-weights * 12 // 10)
    assert need.fits == "cpu"

    on_gpu = check_model(folder, ram_available=0, gpus=[("Test GPU", GB, 2 * GB)])
    assert on_gpu.ok and on_gpu.memory is not None and on_gpu.memory.fits == "gpu"

    nowhere = check_model(folder, ram_available=10, gpus=[("Test GPU", 10, 2 * GB)])
    assert not nowhere.ok and nowhere.memory is not None and nowhere.memory.fits is None
    assert nowhere.problems[-1].startswith("not enough memory: needs about")

    small_gpu = check_model(folder, ram_available=GB, gpus=[("Test GPU", 10, 2 * GB)])
    assert small_gpu.ok and any("would run on the CPU" in w for w in small_gpu.warnings)

    # GPU memory unknown: too little RAM is a warning, the model may fit on a GPU.
    unknown = check_model(folder, ram_available=10, cuda=False)
    assert unknown.ok and any("--cuda" in w for w in unknown.warnings)


def test_machine_memory_is_read_without_torch() -> None:
    ram, _is_total = available_ram()
    assert ram is not None and ram > 0
    code = (
        "import sys; from vidi_desktop.models.manager import check_model, cuda_memory;"
        "assert cuda_memory() is None; print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert cuda_memory(False) is None


# -- the CLI ------------------------------------------------------------------------------------
def test_cli_list_json_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_model(tmp_path / "Tiny")
    (tmp_path / "broken").mkdir()
    assert main(["models", "list", "--dir", str(tmp_path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["folder"] == str(tmp_path)
    assert [(m["name"], m["ok"], m["parameters"]) for m in doc["models"]] == [
        ("broken", False, None),
        ("Tiny", True, 40),
    ]
    assert main(["models", "list", "--dir", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "Tiny" in text and "qwen3_vl" in text and "no config.json" in text


def test_cli_default_folder_and_empty(capsys: pytest.CaptureFixture[str]) -> None:
    from vidi_desktop.paths import models_dir

    # conftest points VIDI_DESKTOP_DATA_DIR at a temporary folder.
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert str(models_dir()) in out and "Put one sub-folder per model there" in out


def test_cli_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_model(tmp_path / "Tiny")
    assert main(["models", "check", "Tiny", "--dir", str(tmp_path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] and doc["memory"]["needed"] > 0 and doc["family"] == "qwen3_vl"

    broken = make_model(tmp_path / "cut", shards=2)
    (broken / "model-00001-of-00002.safetensors").unlink()
    assert main(["models", "check", str(broken)]) == 2
    out = capsys.readouterr().out
    assert "problem       missing 1 of 2 weight shards" in out and "cannot load" in out

    assert main(["models", "check", "Huge", "--dir", str(tmp_path)]) == 2
    assert "no model folder 'Huge'" in capsys.readouterr().err
