"""Find, check and load a Qwen-VL model folder the user brought (never downloads).

Before transformers sees a folder it is checked here, so that each usual mistake gets a
one-line message naming the file: no folder, no or broken ``config.json``, a model type we
do not speak, a missing or truncated weights shard, missing tokenizer files. Loading itself
is ``AutoModelForImageTextToText`` / ``AutoProcessor`` with ``local_files_only=True`` and
``trust_remote_code=False``; 4-bit (nf4) and 8-bit go through ``BitsAndBytesConfig``.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vidi_desktop.models.protocol import BackendError
from vidi_desktop.models.vlm.dialects import DIALECTS, Dialect, dialect_for

log = logging.getLogger(__name__)

QUANTIZATIONS = ("4bit", "8bit")
# The vision tower and the output layer stay in full precision: quantizing them costs more
# accuracy (boxes, timestamps) than the little memory it saves.
_KEEP_UNQUANTIZED = ["model.visual", "visual", "lm_head"]
_WEIGHT_INDEXES = ("model.safetensors.index.json", "pytorch_model.bin.index.json")
_SINGLE_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
_TOKENIZER_FILES = ("tokenizer.json", "vocab.json")
# A pickle runs code when loaded: only safetensors are loaded (manager.py says so too).
_PICKLE_ONLY = (
    "{folder}: its weights are a pickle ({name}); vidi-desktop loads only safetensors: "
    "convert them (transformers: save_pretrained(..., safe_serialization=True))"
)


@dataclass
class LoadedModel:
    """A model ready to generate, with what the backend needs to drive it."""

    model: Any  # transformers PreTrainedModel
    processor: Any  # transformers ProcessorMixin
    dialect: Dialect
    folder: Path
    device: str  # "cpu", "cuda:0"…
    dtype: Any  # torch.dtype of the activations
    factor: int = 28  # pixels per visual token side (patch size × spatial merge)
    temporal_patch: int = 2  # frames the vision tower merges into one step
    thinking: bool = False  # a Thinking variant: its answer follows a reasoning block
    bytes_per_token: int | None = None  # memory one visual token costs (an estimate)


def find_model_folder(root: Path) -> Path:
    """The first folder under ``root`` (sorted by name) holding a Qwen-VL ``config.json``."""
    if root.is_dir():
        for child in sorted(root.iterdir()):
            config = child / "config.json"
            if not config.is_file():
                continue
            try:
                model_type = json.loads(config.read_text(encoding="utf-8")).get("model_type")
            except (OSError, ValueError, AttributeError):
                continue  # a broken folder is reported when it is chosen, not while searching
            if isinstance(model_type, str) and dialect_for(model_type):
                return child
    raise BackendError(
        f"no Qwen-VL model folder found in {root}: put a Qwen3-VL or Qwen2.5-VL folder "
        "(with config.json and weights) there, or set model_path"
    )


def read_config(folder: Path) -> dict[str, Any]:
    """``config.json`` as a dict; a clear :class:`BackendError` when it is missing or broken."""
    if not folder.exists():
        raise BackendError(f"model folder not found: {folder}")
    if not folder.is_dir():
        raise BackendError(f"model path is not a folder: {folder}")
    path = folder / "config.json"
    if not path.is_file():
        raise BackendError(f"{path} is missing: {folder} is not a transformers model folder")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise BackendError(f"{path} is not a text file (damaged?)") from None
    except ValueError as exc:
        raise BackendError(f"{path} is not valid JSON ({exc})") from None
    except OSError as exc:
        raise BackendError(f"{path} cannot be read ({exc.strerror or exc})") from None
    if not isinstance(config, dict):
        raise BackendError(f"{path} does not hold a JSON object")
    return config


def dialect_of(config: dict[str, Any], folder: Path) -> Dialect:
    """The dialect of a config, or a :class:`BackendError` naming the model type."""
    model_type = config.get("model_type")
    dialect = dialect_for(model_type) if isinstance(model_type, str) else None
    if dialect is None:
        raise BackendError(
            f"{folder / 'config.json'}: model_type {model_type!r} is not a Qwen-VL model "
            f"this backend speaks (supported: {', '.join(DIALECTS)})"
        )
    return dialect


def check_weights(folder: Path) -> list[Path]:
    """The weight files of ``folder``, each checked to exist (and safetensors to be whole)."""
    for name in _WEIGHT_INDEXES:
        index_path = folder / name
        if not index_path.is_file():
            continue
        if name.startswith("pytorch_model"):
            raise BackendError(_PICKLE_ONLY.format(folder=folder, name=name))
        try:
            weight_map = json.loads(index_path.read_text(encoding="utf-8"))["weight_map"]
            shards = sorted(set(weight_map.values()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            raise BackendError(f"{index_path} is damaged (no readable weight_map)") from None
        files = [folder / str(s) for s in shards]
        for f in files:
            if not f.is_file():
                raise BackendError(f"{f} is missing (listed in {name}); copy it into {folder}")
        for f in files:
            _check_safetensors(f)
        return files
    for name in _SINGLE_WEIGHTS:
        f = folder / name
        if f.is_file():
            if f.suffix == ".bin":
                raise BackendError(_PICKLE_ONLY.format(folder=folder, name=name))
            _check_safetensors(f)
            return [f]
    raise BackendError(
        f"{folder / 'model.safetensors'} is missing: no weights in {folder} "
        "(expected model.safetensors or model-0000N-of-0000M.safetensors with its index)"
    )


def _check_safetensors(path: Path) -> None:
    """A truncated or damaged ``.safetensors`` file named before torch trips over it."""
    if path.suffix != ".safetensors":
        return
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
            if len(head) < 8:
                raise BackendError(f"{path} is truncated ({size} bytes); copy it again")
            (header_len,) = struct.unpack("<Q", head)
            if header_len > 100_000_000 or 8 + header_len > size:
                raise BackendError(f"{path} is truncated or not a safetensors file; copy it again")
            header = json.loads(fh.read(header_len))
    except OSError as exc:
        raise BackendError(f"{path} cannot be read ({exc.strerror or exc})") from None
    except (ValueError, UnicodeDecodeError):
        raise BackendError(f"{path} has a damaged header; copy it again") from None
    ends = [
        v["data_offsets"][1]
        for k, v in header.items()
        if k != "__metadata__" and isinstance(v, dict) and "data_offsets" in v
    ]
    need = 8 + header_len + max(ends, default=0)
    if size < need:
        raise BackendError(
            f"{path} is truncated ({size:,} of {need:,} bytes); copy it again"
        )


def check_tokenizer(folder: Path) -> None:
    """The processor needs a tokenizer; say which file is missing."""
    if not any((folder / name).is_file() for name in _TOKENIZER_FILES):
        raise BackendError(f"{folder / 'tokenizer.json'} is missing: the model cannot read text")


VLM_EXTRA = "pip install 'vidi-desktop[vlm]'"


def require_vlm_packages() -> None:
    """Raise a one-line :class:`BackendError` naming the ``vlm`` extra when torch or
    transformers is missing (the default install leaves them out: they are several GB)."""
    missing = []
    for package in ("torch", "transformers"):
        try:
            importlib.import_module(package)
        except ImportError:
            missing.append(package)
    if missing:
        what = " and ".join(missing)
        verb = "is" if len(missing) == 1 else "are"
        raise BackendError(
            f"the qwen-vl backend needs {what}, which {verb} not installed: {VLM_EXTRA}"
        )


def pick_device(device: str) -> str:
    """``"auto"`` → the first CUDA device when there is one, else CPU (with a warning)."""
    import torch

    if device == "auto":
        if torch.cuda.is_available():
            return "cuda:0"
        log.warning(
            "no CUDA GPU found: the VLM runs on the CPU, which is very slow "
            "(minutes per request for a real model)"
        )
        return "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise BackendError(f"device {device!r} was asked for but torch sees no CUDA GPU here")
    return device


def quantization_config(quantization: str | None, compute_dtype: Any) -> Any:
    """A ``BitsAndBytesConfig`` for ``"4bit"`` (nf4, double quant) or ``"8bit"``; None for
    full precision. Raises :class:`BackendError` when the packages it needs are missing."""
    if quantization is None:
        return None
    if quantization not in QUANTIZATIONS:
        raise BackendError(
            f"unknown quantization {quantization!r}: use '4bit', '8bit' or none"
        )
    for package in ("bitsandbytes", "accelerate"):
        if importlib.util.find_spec(package) is None:
            raise BackendError(
                f"{quantization} loading needs the {package!r} package "
                f"({VLM_EXTRA}); or load without quantization"
            )
    from transformers import BitsAndBytesConfig

    if quantization == "4bit":
        return BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=compute_dtype,
            llm_int8_skip_modules=_KEEP_UNQUANTIZED,
        )
    return BitsAndBytesConfig(load_in_8bit=True, llm_int8_skip_modules=_KEEP_UNQUANTIZED)


def compute_dtype(device: str) -> Any:
    """bfloat16 on GPUs that have it (float16 on older ones); float32 on the CPU, where
    half precision is emulated on most processors and slower than full."""
    import torch

    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def is_out_of_memory(exc: BaseException) -> bool:
    """True for CUDA OOM, host ``MemoryError`` and RuntimeErrors that say out of memory."""
    if isinstance(exc, MemoryError):
        return True
    try:
        import torch

        if isinstance(exc, torch.cuda.OutOfMemoryError):
            return True
    except (ImportError, AttributeError):
        pass
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def release_memory() -> None:
    """Give cached GPU memory back after an OOM or an unload."""
    import gc

    gc.collect()
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:
        pass


def load_model(folder: Path, quantization: str | None, device: str) -> LoadedModel:
    """Check ``folder`` and load its model and processor on ``device`` ("auto", "cpu",
    "cuda:N"). Every failure is a :class:`BackendError` with a message naming the cause."""
    require_vlm_packages()
    config = read_config(folder)
    dialect = dialect_of(config, folder)
    check_weights(folder)
    check_tokenizer(folder)
    device = pick_device(device)
    dtype = compute_dtype(device)
    quant = quantization_config(quantization, dtype)

    from transformers import AutoModelForImageTextToText, AutoProcessor

    try:
        processor = AutoProcessor.from_pretrained(
            str(folder), local_files_only=True, trust_remote_code=False
        )
    except Exception as exc:
        raise BackendError(
            f"{folder}: the processor (tokenizer and image/video settings) cannot be loaded: "
            f"{_one_line(exc)}"
        ) from exc
    kwargs: dict[str, Any] = {
        "local_files_only": True,
        "trust_remote_code": False,
        "dtype": dtype,
    }
    if quant is not None:
        kwargs["quantization_config"] = quant
        kwargs["device_map"] = {"": device}  # bitsandbytes places weights while loading
    try:
        model = AutoModelForImageTextToText.from_pretrained(str(folder), **kwargs)
        if quant is None:
            model = model.to(device)
    except Exception as exc:
        if is_out_of_memory(exc):
            release_memory()
            raise BackendError(out_of_memory_message("loading", folder, quantization)) from exc
        raise BackendError(f"{folder}: the model cannot be loaded: {_one_line(exc)}") from exc
    model.eval()
    from vidi_desktop.models.vlm.budget import bytes_per_token
    from vidi_desktop.models.vlm.thinking import is_thinking_model

    vp = getattr(processor, "video_processor", None)
    vision = config.get("vision_config") if isinstance(config.get("vision_config"), dict) else {}
    patch = int(getattr(vp, "patch_size", 0) or vision.get("patch_size") or 14)
    merge = int(getattr(vp, "merge_size", 0) or vision.get("spatial_merge_size") or 2)
    temporal = int(getattr(vp, "temporal_patch_size", 0) or vision.get("temporal_patch_size") or 2)
    dtype_bytes = int(getattr(dtype, "itemsize", 0) or 2)
    return LoadedModel(
        model,
        processor,
        dialect,
        folder,
        device,
        dtype,
        factor=patch * merge,
        temporal_patch=temporal,
        thinking=is_thinking_model(processor),
        bytes_per_token=bytes_per_token(config, dtype_bytes),
    )


def out_of_memory_message(stage: str, folder: Path, quantization: str | None) -> str:
    """One line that says what ran out and what to try."""
    hint = (
        "try fewer frames (max_frames=16) or a smaller max_side (336)"
        if quantization == "4bit"
        else "try quantization='4bit', fewer frames (max_frames=16) or a smaller max_side (336)"
    )
    return f"out of memory while {stage} {folder.name}: {hint}"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."
