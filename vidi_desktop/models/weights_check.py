"""Does ``config.json`` describe the weights beside it? Read from the safetensors headers.

A folder can hold a Qwen2.5-VL ``config.json`` next to Qwen3-VL shards (a config copied from
another download, a conversion gone wrong): transformers would then build one architecture
and fail deep inside loading, or worse load with half its tensors random. The shards'
headers (a few kilobytes each, read without loading anything) name every tensor and its
shape, enough to check, for the Qwen-VL families:

- the family's own tensors: Qwen3-VL's text layers have ``q_norm``/``k_norm`` and its vision
  tower a ``deepstack_merger_list``; Qwen2.5-VL's attention has biases and neither of those;
- the number of text layers and of vision blocks against ``num_hidden_layers`` and
  ``vision_config.depth``;
- the shapes of the token embedding (vocabulary × hidden size), of the first layer's key
  projection (key/value heads × head size) and MLP (intermediate size), and of the first
  vision block's attention (vision hidden size) — skipped for quantized weights, whose
  tensors are packed.

Only the standard library: nothing is loaded.
"""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path
from typing import Any

_MAX_HEADER = 100 * 1024 * 1024
_TEXT_LAYER = re.compile(r"(?:^|\.)layers\.(\d+)\.")
_VISION_BLOCK = re.compile(r"(?:^|\.)(?:visual|vision_tower|vision_model)\.blocks\.(\d+)\.")
_VISION = re.compile(r"(?:^|\.)(?:visual|vision_tower|vision_model)\.")


def tensor_shapes(folder: Path, files: list[str]) -> dict[str, list[int]] | None:
    """Every tensor's name → shape in the safetensors ``files`` of ``folder`` (None when a
    header cannot be read: the weights check reports that already)."""
    shapes: dict[str, list[int]] = {}
    for name in files:
        if not name.endswith(".safetensors"):
            return None
        try:
            with (folder / name).open("rb") as f:
                prefix = f.read(8)
                if len(prefix) < 8:
                    return None
                (length,) = struct.unpack("<Q", prefix)
                if length > _MAX_HEADER:
                    return None
                header = json.loads(f.read(length).decode("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return None
        if not isinstance(header, dict):
            return None
        for key, entry in header.items():
            if key == "__metadata__" or not isinstance(entry, dict):
                continue
            try:
                shapes[key] = [int(x) for x in entry["shape"]]
            except (KeyError, TypeError, ValueError):
                return None
    return shapes


def _int(d: dict[str, Any], key: str) -> int | None:
    value = d.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _first(shapes: dict[str, list[int]], pattern: str) -> list[int] | None:
    rx = re.compile(pattern)
    for name in sorted(shapes):
        if rx.search(name) and not _VISION.search(name):
            return shapes[name]
    return None


def mismatches(
    config: dict[str, Any], family: str, shapes: dict[str, list[int]], quantized: bool
) -> list[str]:
    """How ``config`` and the weights disagree (empty when they agree or it cannot tell)."""
    if family not in ("qwen3_vl", "qwen2_5_vl") or not shapes:
        return []
    text = config.get("text_config") if isinstance(config.get("text_config"), dict) else config
    vision = config.get("vision_config") if isinstance(config.get("vision_config"), dict) else {}
    names = list(shapes)
    text_names = [n for n in names if not _VISION.search(n)]
    out: list[str] = []

    has_qk_norm = any(n.endswith("self_attn.q_norm.weight") for n in text_names)
    has_deepstack = any("deepstack_merger_list" in n for n in names)
    has_bias = any(n.endswith("self_attn.q_proj.bias") for n in text_names)
    if family == "qwen2_5_vl" and (has_qk_norm or has_deepstack):
        out.append(
            "the weights are Qwen3-VL's (q_norm and deepstack tensors) but config.json says "
            "qwen2_5_vl"
        )
    elif family == "qwen3_vl" and has_bias and not has_qk_norm:
        out.append(
            "the weights are Qwen2.5-VL's (attention biases, no q_norm) but config.json says "
            "qwen3_vl"
        )

    layers = {int(m[1]) for n in text_names if (m := _TEXT_LAYER.search(n))}
    want = _int(text, "num_hidden_layers")
    if layers and want is not None and len(layers) != want:
        out.append(f"config.json has {want} text layers, the weights {len(layers)}")
    blocks = {int(m[1]) for n in names if (m := _VISION_BLOCK.search(n))}
    depth = _int(vision, "depth")
    if blocks and depth is not None and len(blocks) != depth:
        out.append(f"config.json has {depth} vision blocks, the weights {len(blocks)}")

    if quantized:
        return out  # packed tensors: their shapes say nothing about the config
    hidden, vocab = _int(text, "hidden_size"), _int(text, "vocab_size")
    embed = _first(shapes, r"embed_tokens\.weight$")
    if embed is not None and len(embed) == 2:
        if hidden is not None and embed[1] != hidden:
            out.append(f"config.json's hidden_size is {hidden}, the embedding's {embed[1]}")
        if vocab is not None and embed[0] != vocab:
            out.append(f"config.json's vocab_size is {vocab}, the embedding's {embed[0]}")
    heads = _int(text, "num_attention_heads")
    kv_heads = _int(text, "num_key_value_heads") or heads
    head_dim = _int(text, "head_dim") or (hidden // heads if hidden and heads else None)
    k_proj = _first(shapes, r"layers\.0\.self_attn\.k_proj\.weight$")
    if k_proj is not None and kv_heads and head_dim and k_proj[0] != kv_heads * head_dim:
        out.append(
            f"config.json gives keys {kv_heads} heads of {head_dim} ({kv_heads * head_dim}), "
            f"the weights {k_proj[0]}"
        )
    gate = _first(shapes, r"layers\.0\.mlp\.gate_proj\.weight$")
    inter = _int(text, "intermediate_size")
    if gate is not None and inter is not None and gate[0] != inter:
        out.append(f"config.json's intermediate_size is {inter}, the weights' {gate[0]}")
    v_hidden = _int(vision, "hidden_size")
    qkv = next(
        (shapes[n] for n in sorted(names) if re.search(r"blocks\.0\.attn\.qkv\.weight$", n)),
        None,
    )
    if qkv is not None and v_hidden is not None and len(qkv) == 2 and qkv[1] != v_hidden:
        out.append(f"config.json's vision hidden_size is {v_hidden}, the weights' {qkv[1]}")
    return out
