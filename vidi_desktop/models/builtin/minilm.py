"""all-MiniLM-L6-v2's forward pass in numpy: BERT encoder, mean pooling, unit length.

The weights come from a safetensors file (float16 or float32 matrices; read here without the
``safetensors`` package) and are computed in float32, so the vectors match the PyTorch model
to ~1e-7 in cosine (``tests/models/test_embedder.py`` checks it where torch is installed).
Tokens come from the model's own ``tokenizer.json`` through the ``tokenizers`` package (which
faster-whisper already needs). Nothing here imports torch or transformers.
"""

from __future__ import annotations

import hashlib
import json
import math
import mmap
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

MAX_TOKENS = 256  # the model was trained on up to 256 word pieces; longer text is cut
WEIGHT_FILES = ("model-fp16.safetensors", "model.safetensors")
_DTYPES = {"F32": "float32", "F16": "float16", "BF16": None, "I64": "int64"}


class ModelFileError(ValueError):
    """The weights file is not a MiniLM safetensors file this module can read."""


def read_safetensors(data: bytes | mmap.mmap) -> dict[str, np.ndarray]:
    """Tensors of a safetensors file's bytes, by name (views into ``data``, no copies)."""
    import numpy as np

    if len(data) < 8:
        raise ModelFileError("too short for a safetensors file")
    n = struct.unpack("<Q", data[:8])[0]
    if n > len(data) - 8 or n > 100_000_000:
        raise ModelFileError("its header runs past the end of the file")
    try:
        header = json.loads(data[8 : 8 + n])
    except ValueError as exc:
        raise ModelFileError(f"its header is not JSON ({exc})") from None
    out: dict[str, np.ndarray] = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        kind = _DTYPES.get(meta.get("dtype"))
        if kind is None:
            raise ModelFileError(f"tensor {name} has an unsupported type {meta.get('dtype')}")
        dtype = np.dtype(kind)
        a, b = meta["data_offsets"]
        shape = tuple(int(s) for s in meta["shape"])
        if not 0 <= a <= b <= len(data) - 8 - n or (b - a) != dtype.itemsize * math.prod(shape):
            raise ModelFileError(f"tensor {name} lies outside the file (truncated?)")
        out[name] = np.frombuffer(data, dtype, (b - a) // dtype.itemsize, 8 + n + a).reshape(shape)
    return out


@dataclass(frozen=True)
class _Layer:
    qkv_w: np.ndarray  # (384, 3*384), transposed for x @ w
    qkv_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    ln1: tuple[np.ndarray, np.ndarray]
    up_w: np.ndarray
    up_b: np.ndarray
    down_w: np.ndarray
    down_b: np.ndarray
    ln2: tuple[np.ndarray, np.ndarray]


class MiniLM:
    """The encoder loaded from a model folder (``config.json``, ``tokenizer.json``, weights)."""

    def __init__(self, folder: Path) -> None:
        import numpy as np
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text())
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.layers_count = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        weights_path = next((folder / n for n in WEIGHT_FILES if (folder / n).is_file()), None)
        if weights_path is None:
            raise ModelFileError(f"no {' or '.join(WEIGHT_FILES)} in {folder}")
        self.weights_path = weights_path
        self.tokenizer_path = folder / "tokenizer.json"
        # Mapped, not read: the token table (half the file) stays on disk but for the rows
        # sentences use, and start-up reads only the layers.
        with weights_path.open("rb") as fh:
            try:
                self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError as exc:  # an empty file cannot be mapped
                raise ModelFileError(f"{weights_path.name} is empty") from exc
        w = read_safetensors(self._map)  # type: ignore[arg-type]

        def get(name: str) -> np.ndarray:
            try:  # widened to float32: a copy, out of the mapped file
                return np.array(w[name], dtype=np.float32)
            except KeyError:
                raise ModelFileError(f"{weights_path.name} has no tensor {name}") from None

        # The token table stays in the mapped file in its stored precision (half of the
        # model); only the rows a sentence uses are read and widened.
        if "embeddings.word_embeddings.weight" not in w:
            raise ModelFileError(f"{weights_path.name} has no token table")
        self.tokens = w["embeddings.word_embeddings.weight"]
        self.positions = get("embeddings.position_embeddings.weight")[:MAX_TOKENS]
        self.token_type = get("embeddings.token_type_embeddings.weight")[0]
        self.ln0 = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        self.layers = []
        for i in range(self.layers_count):
            p = f"encoder.layer.{i}."
            qkv = [p + f"attention.self.{k}" for k in ("query", "key", "value")]
            # Transposed views, not copies: BLAS reads a transposed matrix as fast.
            self.layers.append(
                _Layer(
                    np.concatenate([get(k + ".weight") for k in qkv]).T,
                    np.concatenate([get(k + ".bias") for k in qkv]),
                    get(p + "attention.output.dense.weight").T,
                    get(p + "attention.output.dense.bias"),
                    (get(p + "attention.output.LayerNorm.weight"),
                     get(p + "attention.output.LayerNorm.bias")),
                    get(p + "intermediate.dense.weight").T,
                    get(p + "intermediate.dense.bias"),
                    get(p + "output.dense.weight").T,
                    get(p + "output.dense.bias"),
                    (get(p + "output.LayerNorm.weight"), get(p + "output.LayerNorm.bias")),
                )
            )
        self.tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()

    def content_hash(self) -> str:
        """sha256 of the weights file and the tokenizer (reads both whole)."""
        digest = hashlib.sha256()
        for path in (self.weights_path, self.tokenizer_path):
            with path.open("rb") as fh:
                digest.update(fh.read())  # one read: hashlib.file_digest is 3.11+ only
        return digest.hexdigest()

    def encode(self, texts: list[str], batch: int = 32) -> np.ndarray:
        """``(len(texts), hidden)`` float32 unit vectors, mean-pooled over real tokens."""
        import numpy as np

        ids = [e.ids for e in self.tokenizer.encode_batch(texts)]
        out = np.zeros((len(texts), self.hidden), np.float32)
        # Similar lengths together: padding is wasted work.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for first in range(0, len(order), batch):
            rows = order[first : first + batch]
            width = max(len(ids[i]) for i in rows)
            tok = np.zeros((len(rows), width), np.int64)
            mask = np.zeros((len(rows), width), np.float32)
            for r, i in enumerate(rows):
                tok[r, : len(ids[i])] = ids[i]
                mask[r, : len(ids[i])] = 1.0
            out[rows] = self._forward(tok, mask)
        return out

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import numpy as np

        b, t = ids.shape
        h, heads = self.hidden, self.heads
        d = h // heads
        x = self.tokens[ids].astype(np.float32) + self.positions[:t] + self.token_type
        x = _layer_norm(x, *self.ln0, self.eps)
        # Padding keys get the most negative float, as transformers' BERT does.
        bias = (1.0 - mask)[:, None, None, :] * np.finfo(np.float32).min
        scale = np.float32(1.0 / math.sqrt(d))
        for layer in self.layers:
            qkv = x @ layer.qkv_w + layer.qkv_b
            q, k, v = (
                qkv[..., i * h : (i + 1) * h].reshape(b, t, heads, d).transpose(0, 2, 1, 3)
                for i in range(3)
            )
            s = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            s = np.exp(s - s.max(axis=-1, keepdims=True))
            s /= s.sum(axis=-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(b, t, h)
            x = _layer_norm(ctx @ layer.out_w + layer.out_b + x, *layer.ln1, self.eps)
            up = _gelu(x @ layer.up_w + layer.up_b)
            x = _layer_norm(up @ layer.down_w + layer.down_b + x, *layer.ln2, self.eps)
        m = mask[..., None]
        pooled = (x * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        norm = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norm).astype(np.float32)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / (var + eps) ** 0.5 * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x·Φ(x), with erfc from Numerical Recipes' Chebyshev fit (relative
    error < 1.2e-7 everywhere, far below float32 noise after a layer norm)."""
    import numpy as np

    z = np.abs(x) * np.float32(1.0 / math.sqrt(2.0))
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (
            -0.82215223 + t * 0.17087277))))))))
    tail = t * np.exp(-z * z + poly)  # erfc(|x|/√2)
    # 1 + erf(x/√2) is 2 - erfc for x ≥ 0 and erfc(|x|/√2) below zero.
    return 0.5 * x * np.where(x >= 0, 2.0 - tail, tail)
