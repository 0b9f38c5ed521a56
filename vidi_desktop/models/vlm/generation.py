"""The generate step: prompt + frames → model inputs → tokens, cancellable token by token.

``transformers`` checks stopping criteria after every new token, so the cancel
``threading.Event`` is read there: generation stops within one token of a cancel. The same
hook reports progress (``n/max`` tokens). Decoding is greedy: the same request on the same
footage gives the same answer, which is what an editor expects of a tool.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from vidi_desktop.models.vlm.dialects import Dialect
from vidi_desktop.models.vlm.sampling import FrameSample

# Qwen's chat format, for a folder whose processor has no chat template of its own.
_CHATML = (
    "<|im_start|>user\n<|vision_start|><|video_pad|><|vision_end|>{text}<|im_end|>\n"
    "<|im_start|>assistant\n"
)


def build_inputs(
    processor: Any, dialect: Dialect, sample: FrameSample, prompt: str
) -> tuple[Any, tuple[int, int]]:
    """Processor inputs for one video + prompt, and the picture size the model will see.

    A lone frame is shown twice (the vision tower groups frames in pairs and refuses fewer).
    """
    import numpy as np

    images = list(sample.images)
    repeat = 1 if len(images) == 1 else 0
    images += images[-1:] * repeat
    video = np.stack(images)
    messages = [
        {"role": "user", "content": [{"type": "video"}, {"type": "text", "text": prompt}]}
    ]
    if getattr(processor, "chat_template", None):
        text = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    else:
        text = _CHATML.format(text=prompt)
    extra: dict[str, Any] = {}
    vp = getattr(processor, "video_processor", None)
    factor = int(getattr(vp, "patch_size", 0) or 0) * int(getattr(vp, "merge_size", 0) or 0)
    w, h = sample.size
    if factor and w % factor == 0 and h % factor == 0:
        # Frames already sized to the model's grid within the sampling budget (as
        # qwen-vl-utils sizes them, then calls the processor with do_resize=False).
        extra["do_resize"] = False
    if hasattr(vp, "cap_pixels_per_frame"):
        # The reference per-frame pixel budget when the processor resizes; transformers 5
        # warns on every load until it is chosen explicitly.
        extra["cap_pixels_per_frame"] = "do_resize" not in extra
    inputs = processor(
        text=[text],
        videos=[video],
        video_metadata=[dialect.video_metadata(sample, repeat_last=repeat)],
        do_sample_frames=False,  # the frames are already the ones we chose, at their times
        return_tensors="pt",
        **extra,
    )
    return inputs, _input_size(processor, inputs, sample)


def _input_size(processor: Any, inputs: Any, sample: FrameSample) -> tuple[int, int]:
    """Width and height of the frames after the processor's resize (grid × patch size)."""
    grid = inputs.get("video_grid_thw")
    patch = getattr(getattr(processor, "video_processor", None), "patch_size", None)
    if grid is None or not patch:
        return sample.size
    _, gh, gw = (int(x) for x in grid[0])
    return gw * int(patch), gh * int(patch)


@dataclass(frozen=True)
class Generated:
    """What ``generate`` produced: the decoded text, how many tokens, and whether the model
    ended it itself (its end token) rather than running into ``max_new_tokens``."""

    text: str
    tokens: int
    ended: bool
    max_new_tokens: int

    @property
    def truncated(self) -> bool:
        """True when the budget ran out before the model finished."""
        return not self.ended and self.tokens >= self.max_new_tokens


def generate(
    model: Any,
    processor: Any,
    inputs: Any,
    *,
    max_new_tokens: int,
    cancel: threading.Event,
    on_token: Callable[[int, int], None] | None = None,
    logits_processors: Sequence[Any] = (),
) -> Generated:
    """Greedy generation of at most ``max_new_tokens`` new tokens (see :class:`Generated`).

    Stops at the model's end token, at ``max_new_tokens`` or right after ``cancel`` is set
    (the caller checks ``cancel`` afterwards and raises).
    """
    import torch
    from transformers import LogitsProcessorList, StoppingCriteriaList

    device = _device_of(model)
    dtype = getattr(model, "dtype", None)
    batch = {}
    for key, value in inputs.items():
        if isinstance(value, torch.Tensor):
            if value.is_floating_point() and dtype is not None and dtype.is_floating_point:
                value = value.to(device=device, dtype=dtype)
            else:
                value = value.to(device)
        batch[key] = value
    prompt_len = int(batch["input_ids"].shape[1])
    config = _greedy_config(model, processor, max_new_tokens)
    stop = _cancel_criterion(cancel, prompt_len, max_new_tokens, on_token)
    with torch.inference_mode():
        out = model.generate(
            **batch,
            generation_config=config,
            stopping_criteria=StoppingCriteriaList([stop]),
            logits_processor=LogitsProcessorList(list(logits_processors)),
        )
    new = out[0, prompt_len:]
    tokenizer = getattr(processor, "tokenizer", processor)
    text = tokenizer.decode(new, skip_special_tokens=True, clean_up_tokenization_spaces=False)
    eos = config.eos_token_id
    ends = {int(e) for e in (eos if isinstance(eos, list | tuple) else [eos]) if e is not None}
    pad = config.pad_token_id
    ids = [int(x) for x in new.tolist()]
    # Padding after the end token (batched generate) is not part of the answer.
    while len(ids) > 1 and pad is not None and ids[-1] == pad and ids[-2] in ends | {pad}:
        ids.pop()
    ended = bool(ids) and ids[-1] in ends
    return Generated(text, len(ids), ended, max_new_tokens)


def _device_of(model: Any) -> Any:
    try:
        return model.device
    except AttributeError:
        return next(model.parameters()).device


def _greedy_config(model: Any, processor: Any, max_new_tokens: int) -> Any:
    config = copy.deepcopy(model.generation_config)
    config.do_sample = False
    # Sampling settings from the model's own config would only draw warnings in greedy mode.
    config.temperature = None
    config.top_p = None
    config.top_k = None
    config.max_new_tokens = max_new_tokens
    if config.pad_token_id is None:
        tokenizer = getattr(processor, "tokenizer", None)
        pad = getattr(tokenizer, "pad_token_id", None)
        config.pad_token_id = pad if pad is not None else config.eos_token_id
    return config


def _cancel_criterion(
    cancel: threading.Event,
    prompt_len: int,
    max_new_tokens: int,
    on_token: Callable[[int, int], None] | None,
) -> Any:
    """A ``StoppingCriteria`` that stops on ``cancel`` and reports tokens as they come."""
    import torch
    from transformers import StoppingCriteria

    class CancelCriterion(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            done = int(input_ids.shape[1]) - prompt_len
            if on_token is not None:
                on_token(done, max_new_tokens)
            rows = (input_ids.shape[0],)
            return torch.full(rows, cancel.is_set(), dtype=torch.bool, device=input_ids.device)

    return CancelCriterion()
