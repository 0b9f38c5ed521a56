"""How many frames a Qwen-VL model sees, and how big: the reference numbers, fitted to memory.

The defaults are those of Qwen's own video loader, qwen-vl-utils 0.0.14
(``qwen_vl_utils/vision_process.py``): 2 frames a second, between 4 and 768 frames (an even
number: the vision tower merges frames in pairs), each frame between 128 and 768 visual
tokens' worth of pixels (a token is ``factor × factor`` pixels, ``factor`` = patch size ×
spatial merge: 28 for Qwen2.5-VL, 32 for Qwen3-VL), and all frames together within 90 % of a
128,000-token sequence. A frame's pixel cap is qwen-vl-utils' own rule::

    max(min(768 · factor², total_pixels / frames · 2), 1.05 · 128 · factor²)

Those numbers assume a large GPU. :func:`fit_to_memory` lowers the total pixel budget (and so
the per-frame size, down to the 128-token floor, then the frame rate) until the visual tokens
fit the memory that is free once the model is loaded, using a per-token cost estimated from
the model's config (:func:`bytes_per_token`). Every number chosen goes into the answer's
metadata (:meth:`VideoBudget.as_metadata`), so a weak answer can be traced to its inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

FPS = 2.0
MIN_FRAMES = 4
MAX_FRAMES = 768
FRAME_FACTOR = 2  # frames per temporal patch: counts are kept even
MIN_TOKENS_PER_FRAME = 128
MAX_TOKENS_PER_FRAME = 768
MODEL_SEQ_LEN = 128_000
TOTAL_SHARE = 0.9
"""qwen-vl-utils 0.0.14's constants (FPS, FPS_MIN_FRAMES, FPS_MAX_FRAMES, FRAME_FACTOR,
VIDEO_MIN_TOKEN_NUM, VIDEO_MAX_TOKEN_NUM, MODEL_SEQ_LEN and the 0.9 of the total)."""

USABLE_MEMORY_SHARE = 0.6
"""Of the memory free after loading, the share the visual tokens may take: the rest covers
the text tokens, the generated answer, allocator slack and the rest of the machine."""


@dataclass(frozen=True)
class VideoBudget:
    """Frame rate, frame count bounds and pixel budgets for one request."""

    fps: float
    min_frames: int
    max_frames: int
    factor: int  # pixels per token side: patch size × spatial merge size
    min_pixels: int  # per frame
    max_pixels: int  # per frame, before the total's share
    total_pixels: int  # all frames together
    memory_bytes: int | None = None  # free for activations when it was fitted
    bytes_per_token: int | None = None
    scaled: bool = False  # lowered to fit memory

    def frame_pixels(self, frames: int) -> int:
        """The pixel cap of one frame when ``frames`` are shown (qwen-vl-utils' rule)."""
        share = self.total_pixels / max(1, frames) * FRAME_FACTOR
        return int(max(min(self.max_pixels, share), self.min_pixels * 1.05))

    def tokens(self, frames: int, pixels_per_frame: int) -> int:
        """Visual tokens for ``frames`` frames of ``pixels_per_frame`` pixels."""
        pairs = math.ceil(frames / FRAME_FACTOR)
        return pairs * (pixels_per_frame // (self.factor * self.factor))

    def as_metadata(self) -> dict[str, Any]:
        """The numbers, JSON-ready (for a suggestion's metadata)."""
        return {
            "fps": self.fps,
            "min_frames": self.min_frames,
            "max_frames": self.max_frames,
            "factor": self.factor,
            "min_pixels_per_frame": self.min_pixels,
            "max_pixels_per_frame": self.max_pixels,
            "total_pixels": self.total_pixels,
            "memory_free_bytes": self.memory_bytes,
            "bytes_per_token": self.bytes_per_token,
            "scaled_for_memory": self.scaled,
        }


def reference_budget(factor: int) -> VideoBudget:
    """qwen-vl-utils' defaults for a model whose token side is ``factor`` pixels."""
    f2 = factor * factor
    return VideoBudget(
        fps=FPS,
        min_frames=MIN_FRAMES,
        max_frames=MAX_FRAMES,
        factor=factor,
        min_pixels=MIN_TOKENS_PER_FRAME * f2,
        max_pixels=MAX_TOKENS_PER_FRAME * f2,
        total_pixels=int(MODEL_SEQ_LEN * f2 * TOTAL_SHARE),
    )


def fit_to_memory(
    budget: VideoBudget,
    free_bytes: int | None,
    per_token: int | None,
    duration_s: float,
) -> VideoBudget:
    """``budget`` lowered until a clip ``duration_s`` long fits ``free_bytes``.

    First the total pixel budget shrinks (frames get smaller, down to the 128-token floor);
    when even the floor does not fit, the frame rate drops too (never below ``min_frames``
    over the clip). Unknown memory leaves the reference numbers.
    """
    if not free_bytes or not per_token:
        return budget
    fitted = replace(budget, memory_bytes=int(free_bytes), bytes_per_token=int(per_token))
    affordable = int(free_bytes * USABLE_MEMORY_SHARE / per_token)
    f2 = budget.factor * budget.factor
    frames = planned_frames(budget, duration_s)
    needed = budget.tokens(frames, budget.frame_pixels(frames))
    if needed <= affordable:
        return fitted
    floor = MIN_TOKENS_PER_FRAME * f2
    total = affordable * f2  # visual tokens = total pixels / factor² (two frames a token)
    if total / frames * FRAME_FACTOR >= floor:
        return replace(fitted, total_pixels=total, scaled=True)
    # Even the smallest frames are too many: fewer frames a second.
    pairs = max(MIN_FRAMES // FRAME_FACTOR, affordable // MIN_TOKENS_PER_FRAME)
    fps = min(budget.fps, pairs * FRAME_FACTOR / max(duration_s, 1e-6))
    return replace(
        fitted,
        fps=max(fps, 1e-3),
        total_pixels=pairs * FRAME_FACTOR * floor,
        scaled=True,
    )


def planned_frames(budget: VideoBudget, duration_s: float) -> int:
    """How many frames ``budget`` takes from ``duration_s`` seconds (even, in bounds)."""
    n = math.ceil(duration_s * budget.fps)
    n = min(max(n, budget.min_frames), budget.max_frames)
    return max(FRAME_FACTOR, n - n % FRAME_FACTOR)


def smart_size(height: int, width: int, factor: int, min_pixels: int, max_pixels: int
               ) -> tuple[int, int]:
    """``(height, width)``: multiples of ``factor``, the aspect kept, the area within
    ``[min_pixels, max_pixels]`` (qwen-vl-utils' ``smart_resize``)."""
    h = max(factor, round(height / factor) * factor)
    w = max(factor, round(width / factor) * factor)
    if h * w > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        h = max(factor, math.floor(height / beta / factor) * factor)
        w = max(factor, math.floor(width / beta / factor) * factor)
    elif h * w < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h = math.ceil(height * beta / factor) * factor
        w = math.ceil(width * beta / factor) * factor
    return h, w


def bytes_per_token(config: dict[str, Any], dtype_bytes: int) -> int | None:
    """A per-visual-token memory estimate from a Qwen-VL ``config.json``: the KV cache every
    layer keeps, the activations of one layer's attention and MLP, and the vision tower's
    patches (4 per token) through one block. An estimate, stated as such in the metadata."""
    text = config.get("text_config") if isinstance(config.get("text_config"), dict) else config
    vision = config.get("vision_config") if isinstance(config.get("vision_config"), dict) else {}
    try:
        layers = int(text["num_hidden_layers"])
        hidden = int(text["hidden_size"])
        heads = int(text["num_attention_heads"])
        kv_heads = int(text.get("num_key_value_heads") or heads)
        head_dim = int(text.get("head_dim") or hidden // heads)
        intermediate = int(text.get("intermediate_size") or 4 * hidden)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    kv = layers * 2 * kv_heads * head_dim
    activations = 6 * hidden + 3 * intermediate
    v_hidden = int(vision.get("hidden_size") or 0)
    merge = int(vision.get("spatial_merge_size") or 2)
    vision_cost = merge * merge * 12 * v_hidden
    return max(1, (kv + activations + vision_cost) * dtype_bytes)
