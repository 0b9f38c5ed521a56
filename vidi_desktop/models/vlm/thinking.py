"""Thinking variants (Qwen3-VL-*-Thinking): the reasoning block before the answer.

A thinking model writes its reasoning first and closes it with ``</think>``; its chat
template opens the block itself (the generation prompt ends ``<think>\\n``), so the
decoded output usually holds only the closing tag. The answer is what follows the last
``</think>``; parsing the reasoning would read its tentative times and boxes as the answer.
A reply that never closes the block ran out of tokens while thinking: there is no answer.

Thinking needs room: :data:`THINKING_RESERVE` tokens are added to the answer's budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OPEN, CLOSE = "<think>", "</think>"
THINKING_RESERVE = 4096
"""Tokens reserved for the reasoning of a thinking model, on top of the answer's budget."""


@dataclass(frozen=True)
class Reply:
    """A model's output split into its reasoning and its answer."""

    answer: str
    reasoning: str = ""
    closed: bool = True  # False: the reasoning never ended (no answer at all)


def is_thinking_model(processor: Any) -> bool:
    """True when the processor's chat template opens a reasoning block (a Thinking model)."""
    for holder in (processor, getattr(processor, "tokenizer", None)):
        template = getattr(holder, "chat_template", None)
        if isinstance(template, dict):  # named templates
            template = " ".join(str(t) for t in template.values())
        if isinstance(template, str) and OPEN in template:
            return True
    return False


def split_reply(text: str, thinking: bool) -> Reply:
    """``text`` without its reasoning block (see the module docstring)."""
    if CLOSE in text:
        reasoning, _, answer = text.rpartition(CLOSE)
        return Reply(answer.strip(), reasoning.replace(OPEN, "").strip(), True)
    if OPEN in text:
        # An opened block never closed: whatever came before it is all the answer there is.
        before, _, reasoning = text.partition(OPEN)
        return Reply(before.strip(), reasoning.strip(), False)
    if thinking:
        return Reply("", text.strip(), False)
    return Reply(text)
