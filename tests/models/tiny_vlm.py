# ruff: noqa: E501  (the published chat template below is reproduced line for line)
"""Tiny Qwen-VL models built offline, for testing the real loading and generate path.

:func:`build_tiny_vlm` writes a complete model folder — ``config.json``, random weights
(2 layers, hidden 64, a 2-block vision tower), a byte-level BPE tokenizer trained here with
``tokenizers`` on a few lines of text (with the special tokens the Qwen processors need) —
about 1 MB, in a couple of seconds. Nothing is downloaded. What shapes the prompt is *not*
made up for the test: the folder gets the chat template and the image/video processor
settings the real models publish (:data:`QWEN3_VL_CHAT_TEMPLATE`,
:data:`QWEN3_VL_PREPROCESSOR`, :data:`QWEN3_VL_VIDEO_PREPROCESSOR`,
:data:`QWEN2_5_VL_CHAT_TEMPLATE`, :data:`QWEN2_5_VL_PREPROCESSOR`), so prompt construction
runs as it does with real weights: special tokens, vision blocks, per-frame timestamps, the
processors' resize and merge settings. Only the weights and the vocabulary are tiny.

The model's answers are noise, so tests never assert on what it says by itself:
:class:`ForcedAnswer` makes the real ``generate`` loop emit a known text.
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
THINK_TOKENS = ("<think>", "</think>")
"""Added, but not special, in Qwen3's tokenizer: decoding keeps them in the text."""

# -- what the real models publish ------------------------------------------------------------
# Data, reproduced so the tiny folders build prompts exactly as the real ones do.

# Source: Qwen/Qwen3-VL-8B-Instruct on Hugging Face, chat_template.json ("chat_template"),
# Apache-2.0 (the same template ships with the other Qwen3-VL Instruct sizes).
QWEN3_VL_CHAT_TEMPLATE = """{%- if tools %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0].role == 'system' %}
        {%- if messages[0].content is string %}
            {{- messages[0].content }}
        {%- else %}
            {%- for content in messages[0].content %}
                {%- if 'text' in content %}
                    {{- content.text }}
                {%- endif %}
            {%- endfor %}
        {%- endif %}
        {{- '\\n\\n' }}
    {%- endif %}
    {{- "# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}
    {%- for tool in tools %}
        {{- "\\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}
{%- else %}
    {%- if messages[0].role == 'system' %}
        {{- '<|im_start|>system\\n' }}
        {%- if messages[0].content is string %}
            {{- messages[0].content }}
        {%- else %}
            {%- for content in messages[0].content %}
                {%- if 'text' in content %}
                    {{- content.text }}
                {%- endif %}
            {%- endfor %}
        {%- endif %}
        {{- '<|im_end|>\\n' }}
    {%- endif %}
{%- endif %}
{%- set image_count = namespace(value=0) %}
{%- set video_count = namespace(value=0) %}
{%- for message in messages %}
    {%- if message.role == "user" %}
        {{- '<|im_start|>' + message.role + '\\n' }}
        {%- if message.content is string %}
            {{- message.content }}
        {%- else %}
            {%- for content in message.content %}
                {%- if content.type == 'image' or 'image' in content or 'image_url' in content %}
                    {%- set image_count.value = image_count.value + 1 %}
                    {%- if add_vision_id %}Picture {{ image_count.value }}: {% endif -%}
                    <|vision_start|><|image_pad|><|vision_end|>
                {%- elif content.type == 'video' or 'video' in content %}
                    {%- set video_count.value = video_count.value + 1 %}
                    {%- if add_vision_id %}Video {{ video_count.value }}: {% endif -%}
                    <|vision_start|><|video_pad|><|vision_end|>
                {%- elif 'text' in content %}
                    {{- content.text }}
                {%- endif %}
            {%- endfor %}
        {%- endif %}
        {{- '<|im_end|>\\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role + '\\n' }}
        {%- if message.content is string %}
            {{- message.content }}
        {%- else %}
            {%- for content_item in message.content %}
                {%- if 'text' in content_item %}
                    {{- content_item.text }}
                {%- endif %}
            {%- endfor %}
        {%- endif %}
        {%- if message.tool_calls %}
            {%- for tool_call in message.tool_calls %}
                {%- if (loop.first and message.content) or (not loop.first) %}
                    {{- '\\n' }}
                {%- endif %}
                {%- if tool_call.function %}
                    {%- set tool_call = tool_call.function %}
                {%- endif %}
                {{- '<tool_call>\\n{"name": "' }}
                {{- tool_call.name }}
                {{- '", "arguments": ' }}
                {%- if tool_call.arguments is string %}
                    {{- tool_call.arguments }}
                {%- else %}
                    {{- tool_call.arguments | tojson }}
                {%- endif %}
                {{- '}\\n</tool_call>' }}
            {%- endfor %}
        {%- endif %}
        {{- '<|im_end|>\\n' }}
    {%- elif message.role == "tool" %}
        {%- if loop.first or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\\n<tool_response>\\n' }}
        {%- if message.content is string %}
            {{- message.content }}
        {%- else %}
            {%- for content in message.content %}
                {%- if content.type == 'image' or 'image' in content or 'image_url' in content %}
                    {%- set image_count.value = image_count.value + 1 %}
                    {%- if add_vision_id %}Picture {{ image_count.value }}: {% endif -%}
                    <|vision_start|><|image_pad|><|vision_end|>
                {%- elif content.type == 'video' or 'video' in content %}
                    {%- set video_count.value = video_count.value + 1 %}
                    {%- if add_vision_id %}Video {{ video_count.value }}: {% endif -%}
                    <|vision_start|><|video_pad|><|vision_end|>
                {%- elif 'text' in content %}
                    {{- content.text }}
                {%- endif %}
            {%- endfor %}
        {%- endif %}
        {{- '\\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
"""

# The Thinking editions (Qwen3-VL-*-Thinking) open the reasoning block in the generation
# prompt. Here: the Instruct template above with that one ending, which is what the backend
# depends on (not a verbatim copy of the Thinking template, whose other differences concern
# earlier assistant turns that a single request never has).
QWEN3_VL_THINKING_CHAT_TEMPLATE = QWEN3_VL_CHAT_TEMPLATE.replace(
    "{{- '<|im_start|>assistant\\n' }}\n{%- endif %}\n",
    "{{- '<|im_start|>assistant\\n<think>\\n' }}\n{%- endif %}\n",
)

# Source: Qwen/Qwen3-VL-8B-Instruct, preprocessor_config.json and
# video_preprocessor_config.json (the video budget is a total over all frames).
QWEN3_VL_PREPROCESSOR = {
    "size": {"longest_edge": 16777216, "shortest_edge": 65536},
    "patch_size": 16,
    "temporal_patch_size": 2,
    "merge_size": 2,
    "image_mean": [0.5, 0.5, 0.5],
    "image_std": [0.5, 0.5, 0.5],
    "processor_class": "Qwen3VLProcessor",
    "image_processor_type": "Qwen2VLImageProcessorFast",
}
QWEN3_VL_VIDEO_PREPROCESSOR = {
    "size": {"longest_edge": 25165824, "shortest_edge": 4096},
    "patch_size": 16,
    "temporal_patch_size": 2,
    "merge_size": 2,
    "image_mean": [0.5, 0.5, 0.5],
    "image_std": [0.5, 0.5, 0.5],
    "processor_class": "Qwen3VLProcessor",
    "video_processor_type": "Qwen3VLVideoProcessor",
}

# Source: Qwen/Qwen2.5-VL-7B-Instruct on Hugging Face, chat_template.json, Apache-2.0.
QWEN2_5_VL_CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}"
    "{{ message['content'] }}<|im_end|>\n{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}"
    "Picture {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}"
    "{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}"
    "Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

# Source: Qwen/Qwen2.5-VL-7B-Instruct, preprocessor_config.json (its video processor reads
# the same file: min/max pixels are per frame).
QWEN2_5_VL_PREPROCESSOR = {
    "min_pixels": 3136,
    "max_pixels": 12845056,
    "patch_size": 14,
    "temporal_patch_size": 2,
    "merge_size": 2,
    "image_mean": [0.48145466, 0.4578275, 0.40821073],
    "image_std": [0.26862954, 0.26130258, 0.27577711],
    "image_processor_type": "Qwen2VLImageProcessor",
    "processor_class": "Qwen2_5_VLProcessor",
}

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

FAMILIES = ("qwen3_vl", "qwen2_5_vl")
PUBLISHED: dict[str, dict[str, object]] = {
    # family: what its folder gets, file name → content
    "qwen3_vl": {
        "chat_template.json": {"chat_template": QWEN3_VL_CHAT_TEMPLATE},
        "preprocessor_config.json": QWEN3_VL_PREPROCESSOR,
        "video_preprocessor_config.json": QWEN3_VL_VIDEO_PREPROCESSOR,
    },
    "qwen2_5_vl": {
        "chat_template.json": {"chat_template": QWEN2_5_VL_CHAT_TEMPLATE},
        "preprocessor_config.json": QWEN2_5_VL_PREPROCESSOR,
    },
}


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
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    fast.add_tokens(list(THINK_TOKENS))  # not special, as in Qwen3's tokenizer
    return fast


def build_tiny_vlm(
    folder: Path, family: str = "qwen3_vl", seed: int = 0, thinking: bool = False
) -> Path:
    """Write a tiny ``family`` model folder (``qwen3_vl`` or ``qwen2_5_vl``) and return it,
    with the published chat template and processor settings (``thinking``: a Qwen3-VL
    Thinking edition's generation prompt)."""
    import json

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
    # What shapes the prompt comes from the published files, not from the objects above.
    for stale in ("chat_template.jinja", "processor_config.json"):
        (folder / stale).unlink(missing_ok=True)
    for name, content in PUBLISHED[family].items():
        (folder / name).write_text(json.dumps(content, indent=2) + "\n")
    if thinking:
        if family != "qwen3_vl":
            raise ValueError("the Thinking editions are Qwen3-VL models")
        template = {"chat_template": QWEN3_VL_THINKING_CHAT_TEMPLATE}
        (folder / "chat_template.json").write_text(json.dumps(template, indent=2) + "\n")
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
