"""The models folder: what weights the user brought, and whether each folder can load.

One sub-folder per model in :func:`vidi_desktop.paths.models_dir` (or any folder given).
For each, :func:`inspect_model` reads ``config.json`` (family from ``model_type``,
quantization), checks the weights (a single ``model.safetensors``, every shard named in
``model.safetensors.index.json``, or the ``pytorch_model.bin`` equivalents; safetensors
headers are read to count parameters and to catch truncated downloads), and looks for
tokenizer and processor files, refuses a ``model_type`` no backend serves and compares
``config.json`` with the tensors the headers name (:mod:`.weights_check`: a Qwen2.5-VL
config on Qwen3-VL shards, a wrong layer count…). :func:`check_model` adds an estimate of
the memory needed against the free RAM and, when torch is already imported or asked for,
free CUDA memory.

Nothing here raises for a broken folder: problems are collected as one-line messages, so a
listing always shows every folder. Only the standard library is imported (plus torch on
request), and nothing is ever loaded.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import struct
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vidi_desktop.core.errors import VidiError

FAMILIES: dict[str, str] = {
    # config.json model_type → family
    "qwen3_vl": "qwen3_vl",
    "qwen3_vl_moe": "qwen3_vl",
    "qwen2_5_vl": "qwen2_5_vl",
    "dattn_gemma2": "vidi",  # Vidi1.5-9B
    "dattn_mistral": "vidi",  # Vidi-7B
}
BACKENDS: dict[str, str] = {"qwen3_vl": "qwen-vl", "qwen2_5_vl": "qwen-vl", "vidi": "vidi"}
"""Family → the backend (``models.registry`` name) that serves it."""

TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "spiece.model", "vocab.json", "vocab.txt")
PROCESSOR_FILES = (
    "preprocessor_config.json",
    "processor_config.json",
    "video_preprocessor_config.json",
)
MEMORY_FACTOR = 1.2
"""Weights in memory take about their size on disk; the rest is activations, KV cache and
the video frames' tokens. A rough rule: it says "will not fit", never "will run fast"."""
_MAX_HEADER = 100 * 1024 * 1024  # a safetensors header beyond this is a corrupt file


class ModelNotFoundError(VidiError):
    """No model folder by that name or path."""


@dataclass(frozen=True)
class Weights:
    """What the weight files hold (``parameters``/``dtype`` None when unknown)."""

    files: tuple[str, ...] = ()
    bytes: int = 0
    parameters: int | None = None
    dtype: str | None = None
    format: str = ""  # "safetensors" or "bin"


@dataclass(frozen=True)
class Memory:
    """The memory estimate of :func:`check_model` and what the machine has free."""

    needed: int
    ram_available: int | None
    ram_is_total: bool = False  # the platform told only the total RAM
    gpus: tuple[tuple[str, int, int], ...] | None = None  # (name, free, total); None: unchecked
    fits: str | None = None  # "gpu", "cpu" or None (nowhere)

    def to_json(self) -> dict[str, Any]:
        return {
            "needed": self.needed,
            "ram_available": self.ram_available,
            "ram_is_total": self.ram_is_total,
            "gpus": None
            if self.gpus is None
            else [{"name": n, "free": f, "total": t} for n, f, t in self.gpus],
            "fits": self.fits,
        }


@dataclass(frozen=True)
class ModelInfo:
    """One model folder: what it is and what stops it from loading (``problems``)."""

    name: str
    path: Path
    family: str = "unknown"
    model_type: str | None = None
    size: int = 0  # bytes on disk, every file in the folder
    weights: Weights = field(default_factory=Weights)
    quantization: str | None = None
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    memory: Memory | None = None

    @property
    def ok(self) -> bool:
        """True when nothing found stops it from loading."""
        return not self.problems

    @property
    def backend(self) -> str | None:
        """The backend that serves this family, None for an unknown one."""
        return BACKENDS.get(self.family)

    @property
    def parameters(self) -> int | None:
        return self.weights.parameters

    def to_json(self) -> dict[str, Any]:
        """A plain JSON object (the ``models list/check --json`` contract)."""
        return {
            "name": self.name,
            "path": str(self.path),
            "family": self.family,
            "model_type": self.model_type,
            "backend": self.backend,
            "size": self.size,
            "parameters": self.weights.parameters,
            "dtype": self.weights.dtype,
            "quantization": self.quantization,
            "weights": list(self.weights.files),
            "weights_format": self.weights.format or None,
            "ok": self.ok,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "memory": None if self.memory is None else self.memory.to_json(),
        }


# -- the folder ---------------------------------------------------------------------------------
def default_folder() -> Path:
    """The models folder of this user (``VIDI_DESKTOP_DATA_DIR`` overrides it)."""
    from vidi_desktop.paths import models_dir

    return models_dir()


def list_models(folder: str | os.PathLike[str] | None = None) -> list[ModelInfo]:
    """Every model sub-folder of ``folder`` (default: the user's), by name; never raises."""
    root = Path(folder) if folder is not None else default_folder()
    try:
        entries = sorted(root.iterdir(), key=lambda p: p.name.lower())
    except OSError:
        return []  # no folder yet: no models
    return [_inspect_safely(p) for p in entries if not p.name.startswith(".") and p.is_dir()]


def _inspect_safely(folder: Path) -> ModelInfo:
    """One folder's entry, whatever is in it: a folder that breaks the inspection is listed
    with that as its problem, and the others are still listed."""
    try:
        return inspect_model(folder)
    except Exception as exc:  # never let one bad folder hide every other one
        text = str(exc).splitlines()[0][:200] if str(exc) else ""
        return ModelInfo(folder.name, folder, problems=(
            f"cannot be inspected: {type(exc).__name__}{': ' + text if text else ''}",
        ))


def resolve(name_or_path: str, folder: str | os.PathLike[str] | None = None) -> Path:
    """A model folder from a path, or from a name in ``folder`` (default: the user's)."""
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return path
    root = Path(folder) if folder is not None else default_folder()
    candidate = root / name_or_path
    if candidate.is_dir():
        return candidate
    known = [m.name for m in list_models(root)]
    hint = f"; models in {root}: {', '.join(known)}" if known else f"; {root} holds no model"
    raise ModelNotFoundError(f"no model folder {name_or_path!r}{hint}")


# -- one model ----------------------------------------------------------------------------------
def inspect_model(path: str | os.PathLike[str]) -> ModelInfo:
    """What is in the model folder ``path``, and its problems; never raises."""
    folder = Path(path)
    problems: list[str] = []
    warnings: list[str] = []
    info = ModelInfo(folder.name, folder)
    if not folder.is_dir():
        return replace(info, problems=(f"{folder} is not a folder",))
    try:
        files = {p.name for p in folder.iterdir() if p.is_file()}
    except OSError as exc:
        return replace(info, problems=(f"cannot read the folder: {exc.strerror or exc}",))
    size = _folder_size(folder)

    config, config_problem = _read_config(folder / "config.json")
    model_type = None
    quantization = None
    if config_problem:
        problems.append(config_problem)
    if config is not None:
        value = config.get("model_type")
        model_type = value if isinstance(value, str) and value else None
        if model_type is None:
            problems.append("config.json has no model_type: no backend can tell what it is")
        quantization = _quantization(config.get("quantization_config"))
    family = FAMILIES.get(model_type or "", "unknown")
    if model_type and family == "unknown" and "vidi" in model_type.lower():
        family = "vidi"

    weights, weight_problems = _weights(folder, files)
    problems.extend(weight_problems)
    if config is not None and not weight_problems and weights.format == "safetensors":
        from vidi_desktop.models.weights_check import mismatches, tensor_shapes

        shapes = tensor_shapes(folder, list(weights.files))
        found = mismatches(config, family, shapes or {}, quantization is not None)
        if found:
            problems.append("config.json does not match the weights: " + "; ".join(found[:3]))
    if quantization is not None and weights.parameters is not None:
        # Packed quantized tensors (4-bit in uint8…) hold fewer elements than parameters.
        weights = replace(weights, parameters=None)

    if not any(name in files for name in TOKENIZER_FILES):
        message = "no tokenizer files (tokenizer.json, tokenizer.model or vocab.json)"
        (problems if family in ("qwen3_vl", "qwen2_5_vl") else warnings).append(message)
    if family in ("qwen3_vl", "qwen2_5_vl"):
        if not any(name in files for name in PROCESSOR_FILES):
            problems.append("no processor files (preprocessor_config.json)")
        if not ({"chat_template.json", "chat_template.jinja"} & files) and not _has_template(
            folder / "tokenizer_config.json"
        ):
            warnings.append("no chat template: prompts may be built wrongly")
    if family == "unknown" and model_type:
        served = "; ".join(
            f"{b}: {', '.join(t for t, f in FAMILIES.items() if BACKENDS[f] == b)}"
            for b in dict.fromkeys(BACKENDS.values())
        )
        problems.append(f"model_type {model_type!r} is served by no backend ({served})")

    return replace(
        info,
        family=family,
        model_type=model_type,
        size=size,
        weights=weights,
        quantization=quantization,
        problems=tuple(problems),
        warnings=tuple(warnings),
    )


def check_model(
    path: str | os.PathLike[str],
    *,
    cuda: bool | None = None,
    ram_available: int | None = None,
    gpus: Iterable[tuple[str, int, int]] | None = None,
) -> ModelInfo:
    """:func:`inspect_model` plus the memory check.

    ``cuda``: True reads free GPU memory through torch (importing it), False never does,
    None (default) only when torch is already imported. ``ram_available`` and ``gpus``
    replace what the machine reports (for tests and for a GUI that already knows).
    """
    info = inspect_model(path)
    needed = math.ceil((info.weights.bytes or info.size) * MEMORY_FACTOR)
    ram_total_only = False
    if ram_available is None:
        ram_available, ram_total_only = available_ram()
    gpu_list = tuple(gpus) if gpus is not None else cuda_memory(cuda)
    fits: str | None = None
    if gpu_list and any(free >= needed for _, free, _ in gpu_list):
        fits = "gpu"
    elif ram_available is not None and ram_available >= needed:
        fits = "cpu"
    memory = Memory(needed, ram_available, ram_total_only, gpu_list, fits)
    problems, warnings = list(info.problems), list(info.warnings)
    need = _gb(needed)
    if fits == "cpu" and gpu_list:
        best = max(free for _, free, _ in gpu_list)
        warnings.append(f"needs about {need}, {_gb(best)} free on the GPU: it would run on the CPU")
    elif fits == "cpu" and gpu_list is None:
        warnings.append("GPU memory not checked (vidi-desktop models check --cuda)")
    elif fits is None and ram_available is not None:
        where = f"{_gb(ram_available)} of RAM {'in all' if ram_total_only else 'free'}"
        if gpu_list:
            where += f", at most {_gb(max(free for _, free, _ in gpu_list))} free on a GPU"
        if gpu_list is None:
            warnings.append(
                f"needs about {need}, more than the {where}; it fits only on a GPU with "
                "that much free (check with --cuda)"
            )
        else:
            problems.append(f"not enough memory: needs about {need}, {where}")
    return replace(info, memory=memory, problems=tuple(problems), warnings=tuple(warnings))


# -- config -------------------------------------------------------------------------------------
def _read_config(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    if not path.is_file():
        return None, "no config.json"
    try:
        data = load_json_text(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return None, "config.json is not UTF-8 text"
    except json.JSONDecodeError as exc:
        return None, f"config.json is not valid JSON (line {exc.lineno}: {exc.msg})"
    except ValueError as exc:
        return None, f"config.json is not a plausible config ({exc})"
    except OSError as exc:
        return None, f"cannot read config.json: {exc.strerror or exc}"
    if not isinstance(data, dict):
        return None, "config.json is not a JSON object"
    return data, None


def _quantization(config: object) -> str | None:
    """``"bitsandbytes nf4"``, ``"awq 4-bit"``, ``"fp8"``… from a ``quantization_config``."""
    if not isinstance(config, dict) or not config:
        return None
    method = str(config.get("quant_method") or "").lower()
    if not method:
        if config.get("load_in_4bit") or config.get("load_in_8bit"):
            method = "bitsandbytes"
        else:
            return "unknown"
    if method == "bitsandbytes":
        if config.get("load_in_4bit"):
            kind = config.get("bnb_4bit_quant_type")
            return f"bitsandbytes {kind}" if isinstance(kind, str) and kind else "bitsandbytes"
        if config.get("load_in_8bit"):
            return "bitsandbytes 8-bit"
        return "bitsandbytes"
    bits = config.get("bits") or config.get("w_bit")
    if isinstance(bits, int) and not isinstance(bits, bool):
        return f"{method} {bits}-bit"
    return method


def _has_template(path: Path) -> bool:
    try:
        data = load_json_text(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and bool(data.get("chat_template"))


MAX_DIGITS = 30  # a config or header number longer than this is damage, not a setting


def load_json_text(text: str) -> Any:
    """``json.loads`` for files a user brought: a 5000-digit number, ``1e999``, ``NaN`` or
    nesting 100 000 deep is a ``ValueError`` with a reason, never an OverflowError or a
    RecursionError (or a number that later fails to print)."""
    try:
        return json.loads(
            text, parse_int=_bounded_int, parse_float=_finite_float, parse_constant=_no_constant
        )
    except RecursionError:
        raise ValueError("nested too deeply to be a config") from None


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        raise ValueError(f"a number with {digits} digits")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or len(text) > 64:
        raise ValueError(f"the number {text[:20]} is out of range")
    return value


def _no_constant(text: str) -> float:
    raise ValueError(f"{text} is not a number JSON allows")


# -- weights ------------------------------------------------------------------------------------
def _weights(folder: Path, files: set[str]) -> tuple[Weights, list[str]]:
    for index_name, single, fmt in (
        ("model.safetensors.index.json", "model.safetensors", "safetensors"),
        ("pytorch_model.bin.index.json", "pytorch_model.bin", "bin"),
    ):
        if index_name in files:
            return _sharded(folder, index_name, fmt)
        if single in files:
            return _files(folder, [single], fmt)
    others = sorted(n for n in files if n.endswith(".safetensors"))
    if others == ["adapter_model.safetensors"]:
        return Weights(), ["only a LoRA adapter (adapter_model.safetensors), no base weights"]
    return Weights(), [
        "no weights (model.safetensors, its shards with model.safetensors.index.json, "
        "or pytorch_model.bin)"
    ]


def _sharded(folder: Path, index_name: str, fmt: str) -> tuple[Weights, list[str]]:
    try:
        index = load_json_text((folder / index_name).read_text(encoding="utf-8"))
        weight_map = index["weight_map"]
        if not isinstance(weight_map, dict) or not weight_map:
            raise TypeError("empty weight_map")
        shards = sorted({str(v) for v in weight_map.values()})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return Weights(), [f"{index_name} is not a valid shard index ({exc})"]
    missing = [s for s in shards if not (folder / s).is_file()]
    if missing:
        named = ", ".join(missing[:3])
        if len(missing) > 3:
            named += f" and {len(missing) - 3} more"
        return Weights(tuple(shards), format=fmt), [
            f"missing {len(missing)} of {len(shards)} weight shards: {named}"
        ]
    return _files(folder, shards, fmt)


def _files(folder: Path, names: list[str], fmt: str) -> tuple[Weights, list[str]]:
    problems: list[str] = []
    total = 0
    parameters: int | None = 0
    dtypes: Counter[str] = Counter()
    for name in names:
        path = folder / name
        try:
            size = path.stat().st_size
        except OSError as exc:
            problems.append(f"cannot read {name}: {exc.strerror or exc}")
            parameters = None
            continue
        total += size
        if size == 0:
            problems.append(f"{name} is empty")
            parameters = None
            continue
        if fmt != "safetensors":
            parameters = None  # a pickle cannot be read without torch (nor safely)
            if not problems or not problems[-1].startswith("pickle weights"):
                problems.append(
                    f"pickle weights ({name}): vidi-desktop loads only safetensors; convert "
                    "them (transformers: load, then save_pretrained(safe_serialization=True))"
                )
            continue
        header = _safetensors_header(path, size)
        if isinstance(header, str):
            problems.append(f"{name}: {header}")
            parameters = None
            continue
        count, counts_by_dtype = header
        dtypes.update(counts_by_dtype)
        if parameters is not None:
            parameters += count
    dtype = dtypes.most_common(1)[0][0] if dtypes else None
    return Weights(tuple(names), total, parameters, dtype, fmt), problems


def _safetensors_header(path: Path, size: int) -> tuple[int, Counter[str]] | str:
    """``(element count, elements per dtype)`` from the header, or what is wrong."""
    try:
        with path.open("rb") as f:
            prefix = f.read(8)
            if len(prefix) < 8:
                return "too short to be a safetensors file"
            (length,) = struct.unpack("<Q", prefix)
            if length > min(_MAX_HEADER, size - 8):
                return "not a safetensors file (bad header length)"
            header = load_json_text(f.read(length).decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        return f"unreadable safetensors header ({exc})"
    if not isinstance(header, dict):
        return "unreadable safetensors header"
    count = 0
    by_dtype: Counter[str] = Counter()
    end = 0
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        try:
            shape = [int(x) for x in entry["shape"]]
            start, stop = (int(x) for x in entry["data_offsets"])
            dtype = str(entry["dtype"])
        except (KeyError, TypeError, ValueError, OverflowError):
            return f"malformed safetensors entry {key[:80]!r}"
        elements = math.prod(shape)
        count += elements
        by_dtype[dtype] += elements
        end = max(end, stop, start)
    if 8 + length + end > size:
        return (
            f"truncated: {size:,} bytes, the header promises {8 + length + end:,} "
            "(an interrupted download?)"
        )
    return count, by_dtype


def _folder_size(folder: Path) -> int:
    total = 0
    for root, _dirs, names in os.walk(folder):
        for name in names:
            with contextlib.suppress(OSError):  # follows links, as in the Hub cache
                total += os.stat(os.path.join(root, name)).st_size
    return total


# -- memory -------------------------------------------------------------------------------------
def available_ram() -> tuple[int | None, bool]:
    """``(bytes, is_total)``: free RAM, or the total where the platform says only that."""
    try:
        import psutil  # optional: present in many environments, never required

        return int(psutil.virtual_memory().available), False
    except Exception:
        pass
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024, False
    except (OSError, ValueError, IndexError):
        pass
    if sys.platform == "win32":
        return _windows_available_ram(), False
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"), True
    except (AttributeError, ValueError, OSError):
        return None, False


def _windows_available_ram() -> int | None:
    import ctypes

    class MemoryStatus(ctypes.Structure):
        _fields_ = [
            ("dwLength", ctypes.c_ulong),
            ("dwMemoryLoad", ctypes.c_ulong),
            ("ullTotalPhys", ctypes.c_ulonglong),
            ("ullAvailPhys", ctypes.c_ulonglong),
            ("ullTotalPageFile", ctypes.c_ulonglong),
            ("ullAvailPageFile", ctypes.c_ulonglong),
            ("ullTotalVirtual", ctypes.c_ulonglong),
            ("ullAvailVirtual", ctypes.c_ulonglong),
            ("ullAvailExtendedVirtual", ctypes.c_ulonglong),
        ]

    status = MemoryStatus()
    status.dwLength = ctypes.sizeof(MemoryStatus)
    if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):  # type: ignore[attr-defined]
        return None
    return int(status.ullAvailPhys)


def cuda_memory(use_torch: bool | None = None) -> tuple[tuple[str, int, int], ...] | None:
    """``(name, free, total)`` per CUDA device; ``()`` when there is none; None: unchecked.

    torch is only imported when ``use_torch`` is True; with None, only when some other part
    of the program has imported it already (it costs seconds).
    """
    if use_torch is False or (use_torch is None and "torch" not in sys.modules):
        return None
    try:
        import torch

        if not torch.cuda.is_available():
            return ()
        devices = []
        for i in range(torch.cuda.device_count()):
            free, total = torch.cuda.mem_get_info(i)
            devices.append((torch.cuda.get_device_name(i), int(free), int(total)))
        return tuple(devices)
    except Exception:
        return None  # no torch, a broken driver: unchecked, never a crash


# -- text ---------------------------------------------------------------------------------------
def _gb(n: int) -> str:
    return f"{n / 1e9:.1f} GB"


def human_size(n: int) -> str:
    """``4.3 GB``, ``812 MB``, ``12 kB``: decimal units, as file managers show them."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}" if n < 100 * scale else f"{n / scale:.0f} {unit}"
    return f"{n} B"


def human_count(n: int | None) -> str:
    """``2.1 B``, ``350 M``, ``-`` when unknown."""
    if n is None:
        return "-"
    for unit, scale in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return str(n)
