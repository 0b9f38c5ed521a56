"""The transformers VLM backend: a Qwen3-VL / Qwen2.5-VL folder the user brought, behind the
model protocol.

One request runs as the pipeline docs/architecture.md describes ("How the other backends
answer"): sample frames (PyAV, exact times) → encode (the model's processor, with the
frames' true times) → generate (greedy, cancellable per token) → parse (tolerant) →
suggestions (times snapped to frames, normalized boxes).
Progress is reported by stage; the cancel event is checked between stages and after every
generated token. Out-of-memory and bad folders become :class:`BackendError` messages.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from vidi_desktop.core.progress import ProgressFn, check_cancel
from vidi_desktop.core.project import Suggestion
from vidi_desktop.models.protocol import AssetRef, BackendError, Capabilities, Request
from vidi_desktop.models.vlm.loading import (
    QUANTIZATIONS,
    LoadedModel,
    find_model_folder,
    is_out_of_memory,
    load_model,
    out_of_memory_message,
    release_memory,
)
from vidi_desktop.models.vlm.tasks import Task, choose_task, forced_task, subject

log = logging.getLogger(__name__)

# Shares of one asset's progress bar, by stage.
_SAMPLING, _ENCODING, _GENERATING, _PARSING = 0.0, 0.3, 0.4, 0.95


class TransformersVLMBackend:
    """Qwen3-VL / Qwen2.5-VL through transformers, from a local folder.

    Options (the registry passes them as keywords; a request's ``options`` may override
    ``fps``, ``max_frames``, ``max_side``, ``max_new_tokens``, ``thinking_tokens`` and
    ``task``):

    - ``model_path``: the model folder; None takes the first Qwen-VL folder found under
      :func:`vidi_desktop.paths.models_dir`;
    - ``quantization``: ``"4bit"`` (nf4), ``"8bit"`` or None (needs bitsandbytes and
      accelerate);
    - ``device``: ``"auto"`` (CUDA when present, else CPU with a warning), ``"cpu"``,
      ``"cuda:N"``;
    - ``fps``, ``max_frames``, ``max_side``: override the sampling budget (:mod:`.budget`:
      qwen-vl-utils' 2 fps, 4–768 frames, 128–768 tokens a frame, fitted to free memory):
      frames a second, at most how many, and a limit on their longer side in pixels;
    - ``max_new_tokens``: the answer's budget (default by task, :data:`ANSWER_TOKENS`);
      ``thinking_tokens``: added for a Thinking model's reasoning
      (:data:`~.thinking.THINKING_RESERVE`);
    - ``task``: ``grounding``, ``temporal``, ``answer``, ``chapters`` or ``highlights``
      instead of the one the request's words choose;
    - ``logits_processors``: extra transformers ``LogitsProcessor`` objects applied while
      generating (constrained output; tests force a known answer through the real loop).
    """

    name = "qwen-vl"

    def __init__(
        self,
        model_path: str | None = None,
        quantization: str | None = None,
        device: str = "auto",
        fps: float | None = None,
        max_frames: int | None = None,
        max_side: int | None = None,
        max_new_tokens: int | None = None,
        thinking_tokens: int | None = None,
        task: str | None = None,
        logits_processors: Sequence[Any] = (),
    ) -> None:
        if quantization not in (None, *QUANTIZATIONS):
            raise BackendError(
                f"unknown quantization {quantization!r}: use '4bit', '8bit' or none"
            )
        if not isinstance(device, str) or not (
            device in ("auto", "cpu") or device.startswith("cuda")
        ):
            raise BackendError(f"unknown device {device!r}: use 'auto', 'cpu' or 'cuda:N'")
        self.model_path = model_path
        self.quantization = quantization
        self.device = device
        self.settings = _settings(
            {"fps": fps, "max_frames": max_frames, "max_side": max_side,
             "max_new_tokens": max_new_tokens, "thinking_tokens": thinking_tokens,
             "task": task},
            {},
        )
        forced_task({"task": task})  # a typo in the backend's own task option fails here
        self.logits_processors = list(logits_processors)
        self._loaded: LoadedModel | None = None

    # -- protocol -----------------------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            name=self.name,
            temporal=True,
            spatial=True,
            chapters=True,
            answers=True,
            needs_gpu=False,  # runs on the CPU too, slowly; "auto" warns when it does
            description="Qwen3-VL / Qwen2.5-VL from a local folder (GPU advised)",
        )

    @property
    def loaded(self) -> LoadedModel | None:
        """The loaded model (None before :meth:`load` and after :meth:`unload`)."""
        return self._loaded

    def load(self, progress: ProgressFn, cancel: threading.Event) -> None:
        """Check the folder and load model + processor (seconds to minutes)."""
        if self._loaded is not None:
            return
        check_cancel(cancel)
        folder = self._folder()
        progress(0.0, f"loading {folder.name}")
        loaded = load_model(folder, self.quantization, self.device)
        if cancel.is_set():
            # from_pretrained cannot be interrupted; a load cancelled meanwhile is dropped.
            del loaded
            release_memory()
            check_cancel(cancel)
        self._loaded = loaded
        progress(1.0, f"loaded {folder.name} on {loaded.device}")

    def run(
        self, request: Request, progress: ProgressFn, cancel: threading.Event
    ) -> list[Suggestion]:
        """Answer ``request`` for each of its assets in turn."""
        if self._loaded is None:
            self.load(lambda f, m: progress(0.0, m), cancel)
        assert self._loaded is not None
        settings = _settings(self.settings, request.options)
        task = choose_task(request.text, {"task": settings["task"]})
        what = subject(request.text)
        out: list[Suggestion] = []
        count = len(request.assets)
        for i, asset in enumerate(request.assets):

            def part(fraction: float, message: str, i: int = i, name: str = asset.path) -> None:
                prefix = f"{Path(name).name}: " if count > 1 else ""
                progress((i + fraction) / count, prefix + message)

            out.extend(self._run_asset(request, asset, task, what, settings, part, cancel))
        return out

    def unload(self) -> None:
        """Drop the model and give its memory back."""
        self._loaded = None
        release_memory()

    # -- one asset --------------------------------------------------------------------------------
    def _run_asset(
        self,
        request: Request,
        asset: AssetRef,
        task: Task,
        what: str,
        settings: dict[str, Any],
        part: ProgressFn,
        cancel: threading.Event,
    ) -> list[Suggestion]:
        from vidi_desktop.core.project import Answer
        from vidi_desktop.models.vlm.generation import build_inputs, generate
        from vidi_desktop.models.vlm.results import Context, to_suggestions
        from vidi_desktop.models.vlm.sampling import sample_frames
        from vidi_desktop.models.vlm.thinking import THINKING_RESERVE, split_reply

        loaded = self._loaded
        assert loaded is not None
        check_cancel(cancel)
        budget = self._budget(request, asset, settings)
        part(_SAMPLING, "sampling frames")
        sample = sample_frames(
            asset.path,
            window=request.window,
            fps=budget.fps,
            max_frames=settings["max_frames"] or budget.max_frames,
            max_side=settings["max_side"],
            cancel=cancel,
            on_frame=lambda done, total: part(
                _SAMPLING + (_ENCODING - _SAMPLING) * done / total,
                f"sampling frames {done}/{total}",
            ),
            budget=budget,
        )
        check_cancel(cancel)
        part(_ENCODING, f"encoding {len(sample.frames)} frames")
        answer_budget = settings["max_new_tokens"] or ANSWER_TOKENS[task]
        reserve = 0
        if loaded.thinking:
            reserve = settings["thinking_tokens"] or THINKING_RESERVE
        max_new = answer_budget + reserve
        try:
            prompt = loaded.dialect.prompt(task, request.text, what, sample)
            inputs, input_size = build_inputs(loaded.processor, loaded.dialect, sample, prompt)
            check_cancel(cancel)
            part(_GENERATING, f"generating tokens 0/{max_new}")
            generated = generate(
                loaded.model,
                loaded.processor,
                inputs,
                max_new_tokens=max_new,
                cancel=cancel,
                on_token=lambda done, total: part(
                    _GENERATING + (_PARSING - _GENERATING) * done / total,
                    f"generating tokens {done}/{total}",
                ),
                logits_processors=self.logits_processors,
            )
        except Exception as exc:
            if is_out_of_memory(exc):
                release_memory()
                raise BackendError(
                    out_of_memory_message("generating with", loaded.folder, self.quantization)
                ) from exc
            raise
        check_cancel(cancel)
        part(_PARSING, "parsing the answer")
        log.debug("%s answered (%d tokens): %r", loaded.folder.name, generated.tokens,
                  generated.text)
        reply = split_reply(generated.text, loaded.thinking)
        cut = truncation(generated, reply.closed, reply.answer, task)
        grid = input_size
        meta = {
            "sampling": {
                **budget.as_metadata(),
                "frames": len(sample.frames),
                "interval_s": float(sample.interval),
                "frame_size": list(sample.size),
                "model_frame_size": list(grid),
            },
            "generation": {
                "max_new_tokens": max_new,
                "answer_tokens": answer_budget,
                "thinking_tokens_reserved": reserve,
                "tokens": generated.tokens,
                "ended": generated.ended,
                "truncated": cut is not None,
                "thinking": loaded.thinking,
            },
        }
        ctx = Context(
            task=task,
            dialect=loaded.dialect,
            sample=sample,
            asset_id=asset.asset_id,
            request=request.text,
            subject=what,
            source=f"qwen-vl:{loaded.folder.name}",
            input_size=input_size,
            temporal_patch=loaded.temporal_patch,
            meta=meta,
        )
        suggestions = to_suggestions(reply.answer, ctx) if reply.answer or not cut else []
        if cut is not None:
            note = Suggestion.new(
                asset.asset_id,
                Answer(cut),
                ctx.source,
                label="the answer was cut off",
                request=request.text,
                metadata={"vlm": {"task": str(task), "family": loaded.dialect.family, **meta}},
            )
            suggestions = [*suggestions, note]
        part(1.0, f"{len(suggestions)} suggestion(s)")
        return suggestions

    def _budget(self, request: Request, asset: AssetRef, settings: dict[str, Any]) -> Any:
        """The sampling budget for one asset: the reference numbers, fitted to free memory,
        with the request's ``fps`` / ``max_frames`` on top."""
        from vidi_desktop.models.vlm.budget import fit_to_memory, reference_budget

        loaded = self._loaded
        assert loaded is not None
        budget = reference_budget(loaded.factor)
        span = request.window.duration.seconds if request.window is not None else None
        if span is None and asset.duration is not None:
            span = asset.duration
        budget = fit_to_memory(
            budget, free_memory(loaded.device), loaded.bytes_per_token, float(span or 60)
        )
        if settings["fps"] is not None:
            budget = replace(budget, fps=float(settings["fps"]))
        if settings["max_frames"] is not None:
            budget = replace(budget, max_frames=int(settings["max_frames"]),
                             min_frames=min(budget.min_frames, int(settings["max_frames"])))
        return budget

    def _folder(self) -> Path:
        if self.model_path:
            return Path(self.model_path).expanduser()
        from vidi_desktop.paths import models_dir

        return find_model_folder(models_dir())


ANSWER_TOKENS: dict[Task, int] = {
    Task.GROUNDING: 2048,  # a box per sampled frame: ~30 tokens each
    Task.TEMPORAL: 512,
    Task.CHAPTERS: 1024,
    Task.HIGHLIGHTS: 1024,
    Task.QUESTION: 1024,
}
"""The default answer budget of each task (``max_new_tokens`` overrides it)."""


def truncation(generated: Any, closed: bool, answer: str, task: Task) -> str | None:
    """Why the answer is incomplete (one line for the editor), or None when it is whole:
    the token budget ran out, the reasoning never ended, or a list was left open."""
    if not closed:
        return (
            f"The model was still reasoning when its {generated.max_new_tokens} tokens ran "
            "out, so it gave no answer: ask again with --option thinking_tokens=8192."
        )
    if generated.truncated:
        key = "max_new_tokens"
        return (
            f"The answer was cut off after {generated.tokens} tokens: what came after is "
            f"missing (ask again with --option {key}={2 * generated.max_new_tokens})."
        )
    if task is Task.GROUNDING and answer.count("[") > answer.count("]"):
        return "The answer ends inside an unclosed list: the last boxes may be missing."
    return None


def free_memory(device: str) -> int | None:
    """Bytes free where the model runs now (GPU memory, else available RAM)."""
    if device.startswith("cuda"):
        try:
            import torch

            free, _total = torch.cuda.mem_get_info(torch.device(device))
            return int(free)
        except Exception:  # no CUDA after all, or a driver that cannot say
            return None
    from vidi_desktop.models.manager import available_ram

    ram, _is_total = available_ram()
    return ram


def _settings(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Sampling/generation settings with a request's overrides, checked (None: default)."""
    out = dict(base)
    for key in ("fps", "max_frames", "max_side", "max_new_tokens", "thinking_tokens", "task"):
        if key in overrides:
            out[key] = overrides[key]
    fps = out["fps"]
    if fps is not None:
        if isinstance(fps, bool) or not isinstance(fps, int | float | Fraction) or not fps > 0:
            raise BackendError(f"fps must be a positive number, got {fps!r}")
        if fps > 1000:
            raise BackendError(f"fps must be at most 1000, got {fps!r}")
    for key, low in (
        ("max_frames", 1), ("max_side", 32), ("max_new_tokens", 1), ("thinking_tokens", 0)
    ):
        value = out[key]
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise BackendError(f"{key} must be a whole number ≥ {low}, got {value!r}")
    return out
