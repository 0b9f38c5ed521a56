"""Tiny Qwen-VL models built offline, for testing the real loading and generate path.

:func:`build_tiny_vlm` writes a complete model folder — ``config.json``, random weights
(2 layers, hidden 64, a 2-block vision tower), a byte-level BPE tokenizer trained here with
``tokenizers`` on a few lines of text (with the special tokens the Qwen processors need), the
image/video processor settings and a chat template — about 1 MB, in a couple of seconds.
Nothing is downloaded. Its answers are noise, so tests never assert on what it says by
itself: :class:`ForcedAnswer` makes the real ``generate`` loop emit a known text.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

SPECIAL_TOKENS = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|image_pad|>",
    "<|video_pad|>",
)

# What the tokenizer learns merges from: the shapes of answers and prompts (any text still
# encodes, byte by byte, thanks to the byte-level alphabet).
_CORPUS = [
    "The red car enters at <1.0 seconds> and leaves at <2.0 seconds>.",
    "<12.5 seconds> - <18.0 seconds>\n<0.5 seconds> to <2.5 seconds>",
    '```json\n[{"time": 1.0, "bbox_2d": [100, 200, 300, 400], "label": "car"}]\n```',
    "from 00:01:02 to 00:01:10, 12.5 - 18.0 seconds, 0123456789",
    "user assistant system You are a helpful assistant. Find every moment in this video when",
    "Track the red car in this video. Split this video into chapters. Intro, Ending.",
]

# Qwen's chat format, reduced to what the tests send (a video, then text).
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n"
    "{% if m['content'] is string %}{{ m['content'] }}{% else %}"
    "{% for c in m['content'] %}"
    "{% if c['type'] == 'video' %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif c['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% else %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

FAMILIES = ("qwen3_vl", "qwen2_5_vl")


def train_tokenizer() -> Any:
    """A ``PreTrainedTokenizerFast`` (byte-level BPE, ~350 tokens) with Qwen's specials."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_CORPUS * 10, trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )


def build_tiny_vlm(folder: Path, family: str = "qwen3_vl", seed: int = 0) -> Path:
    """Write a tiny ``family`` model folder (``qwen3_vl`` or ``qwen2_5_vl``) and return it."""
    import torch

    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer()
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    text = {
        "vocab_size": len(tokenizer),
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 4096,
        # head_dim 16: the three M-RoPE sections (time, height, width) share its 8 pairs.
        "rope_parameters": {
            "rope_type": "default",
            "rope_theta": 10000.0,
            "mrope_section": [4, 2, 2],
        },
        "pad_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|im_end|>"],
    }
    special = {
        "image_token_id": ids["<|image_pad|>"],
        "video_token_id": ids["<|video_pad|>"],
        "vision_start_token_id": ids["<|vision_start|>"],
        "vision_end_token_id": ids["<|vision_end|>"],
    }
    torch.manual_seed(seed)
    if family == "qwen3_vl":
        model, processor = _qwen3(text, special, tokenizer)
    else:
        model, processor = _qwen2_5(text, special, tokenizer)
    model.generation_config.eos_token_id = ids["<|im_end|>"]
    model.generation_config.pad_token_id = ids["<|endoftext|>"]
    model.generation_config.do_sample = False
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def _qwen3(text: dict[str, Any], special: dict[str, int], tokenizer: Any) -> tuple[Any, Any]:
    from transformers import (
        Qwen2VLImageProcessor,
        Qwen3VLConfig,
        Qwen3VLForConditionalGeneration,
        Qwen3VLProcessor,
        Qwen3VLVideoProcessor,
    )

    text = {**text, "head_dim": 16}
    text["rope_parameters"] = {**text["rope_parameters"], "mrope_interleaved": True}
    config = Qwen3VLConfig(
        text_config=text,
        vision_config={
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "patch_size": 16,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "out_hidden_size": 64,
            "num_position_embeddings": 64,  # a square: the position grid is interpolated
            "deepstack_visual_indexes": [1],
        },
        **special,
    )
    model = Qwen3VLForConditionalGeneration(config)
    processor = Qwen3VLProcessor(
        image_processor=Qwen2VLImageProcessor(
            patch_size=16, merge_size=2, temporal_patch_size=2,
            size={"shortest_edge": 32 * 32, "longest_edge": 256 * 256},
        ),
        video_processor=Qwen3VLVideoProcessor(
            patch_size=16, merge_size=2, temporal_patch_size=2,
            size={"shortest_edge": 32 * 32, "longest_edge": 64 * 64 * 64},
            cap_pixels_per_frame=False,
        ),
        tokenizer=tokenizer,
        chat_template=CHAT_TEMPLATE,
    )
    return model, processor


def _qwen2_5(text: dict[str, Any], special: dict[str, int], tokenizer: Any) -> tuple[Any, Any]:
    from transformers import (
        Qwen2_5_VLConfig,
        Qwen2_5_VLForConditionalGeneration,
        Qwen2_5_VLProcessor,
        Qwen2VLImageProcessor,
        Qwen2VLVideoProcessor,
    )

    config = Qwen2_5_VLConfig(
        text_config={**text, "bos_token_id": text["pad_token_id"]},
        vision_config={
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "patch_size": 14,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "tokens_per_second": 2,
            "window_size": 56,
            "out_hidden_size": 64,
            "fullatt_block_indexes": [1],
        },
        **special,
    )
    model = Qwen2_5_VLForConditionalGeneration(config)
    processor = Qwen2_5_VLProcessor(
        image_processor=Qwen2VLImageProcessor(
            patch_size=14, merge_size=2, temporal_patch_size=2,
            size={"shortest_edge": 28 * 28, "longest_edge": 224 * 224},
        ),
        video_processor=Qwen2VLVideoProcessor(
            patch_size=14, merge_size=2, temporal_patch_size=2,
            size={"shortest_edge": 28 * 28, "longest_edge": 56 * 56 * 64},
            cap_pixels_per_frame=False,
        ),
        tokenizer=tokenizer,
        chat_template=CHAT_TEMPLATE,
    )
    return model, processor


def forced_answer(tokenizer: Any, text: str, **kwargs: Any) -> Any:
    """A :class:`ForcedAnswer` for ``text`` with ``tokenizer``'s end token."""
    return ForcedAnswer(
        tokenizer.encode(text, add_special_tokens=False), tokenizer.eos_token_id, **kwargs
    )


def _logits_processor_base() -> type:
    from transformers import LogitsProcessor

    return LogitsProcessor


class ForcedAnswer(_logits_processor_base()):  # type: ignore[misc]
    """Test-only ``LogitsProcessor``: the model must say ``tokens``, then its end token.

    ``calls`` counts the generation steps it saw (one per new token). With
    ``cancel_after=(k, event)`` it sets ``event`` once ``k`` tokens have been generated,
    to check that generation stops within one token. ``fail_with`` raises that exception
    at the first step (an error from inside ``generate``).
    """

    def __init__(
        self,
        tokens: list[int],
        eos_token_id: int,
        *,
        cancel_after: tuple[int, threading.Event] | None = None,
        fail_with: BaseException | None = None,
    ) -> None:
        self.tokens = list(tokens)
        self.eos = eos_token_id
        self.cancel_after = cancel_after
        self.fail_with = fail_with
        self.calls = 0
        self._prompt_len = 0
        self._last_len: int | None = None

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        if self.fail_with is not None:
            raise self.fail_with
        length = int(input_ids.shape[1])
        if self._last_len is None or length != self._last_len + 1:
            self._prompt_len = length  # a new generate call: the answer starts over
        self._last_len = length
        step = length - self._prompt_len
        self.calls += 1
        if self.cancel_after is not None and step >= self.cancel_after[0]:
            self.cancel_after[1].set()
        target = self.tokens[step] if step < len(self.tokens) else self.eos
        forced = torch.full_like(scores, float("-inf"))
        forced[:, target] = 0.0
        return forced

    def reset(self) -> None:
        """Start counting calls again."""
        self.calls = 0
        self._last_len = None
