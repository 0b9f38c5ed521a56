"""The transformers VLM backend: a Qwen3-VL / Qwen2.5-VL folder the user brought, behind the
model protocol.

One request runs as the pipeline DESIGN.md describes: sample frames (PyAV, exact times) →
encode (the model's processor, with the frames' true times) → generate (greedy, cancellable
per token) → parse (tolerant) → suggestions (times snapped to frames, normalized boxes).
Progress is reported by stage; the cancel event is checked between stages and after every
generated token. Out-of-memory and bad folders become :class:`BackendError` messages.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
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
from vidi_desktop.models.vlm.tasks import Task, choose_task, subject

log = logging.getLogger(__name__)

# Shares of one asset's progress bar, by stage.
_SAMPLING, _ENCODING, _GENERATING, _PARSING = 0.0, 0.3, 0.4, 0.95


class TransformersVLMBackend:
    """Qwen3-VL / Qwen2.5-VL through transformers, from a local folder.

    Options (the registry passes them as keywords; a request's ``options`` may override
    ``fps``, ``max_frames``, ``max_side``, ``max_new_tokens`` and force a ``task``):

    - ``model_path``: the model folder; None takes the first Qwen-VL folder found under
      :func:`vidi_desktop.paths.models_dir`;
    - ``quantization``: ``"4bit"`` (nf4), ``"8bit"`` or None (needs bitsandbytes and
      accelerate);
    - ``device``: ``"auto"`` (CUDA when present, else CPU with a warning), ``"cpu"``,
      ``"cuda:N"``;
    - ``fps``, ``max_frames``, ``max_side``: frames sampled per second, at most how many,
      and their longer side in pixels;
    - ``max_new_tokens``: the longest answer;
    - ``logits_processors``: extra transformers ``LogitsProcessor`` objects applied while
      generating (constrained output; tests force a known answer through the real loop).
    """

    name = "qwen-vl"

    def __init__(
        self,
        model_path: str | None = None,
        quantization: str | None = None,
        device: str = "auto",
        fps: float = 1.0,
        max_frames: int = 32,
        max_side: int = 448,
        max_new_tokens: int = 256,
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
             "max_new_tokens": max_new_tokens},
            {},
        )
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
        task = choose_task(request.text, request.options)
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
        from vidi_desktop.models.vlm.generation import build_inputs, generate
        from vidi_desktop.models.vlm.results import Context, to_suggestions
        from vidi_desktop.models.vlm.sampling import sample_frames

        loaded = self._loaded
        assert loaded is not None
        check_cancel(cancel)
        part(_SAMPLING, "sampling frames")
        sample = sample_frames(
            asset.path,
            window=request.window,
            fps=settings["fps"],
            max_frames=settings["max_frames"],
            max_side=settings["max_side"],
            cancel=cancel,
            on_frame=lambda done, total: part(
                _SAMPLING + (_ENCODING - _SAMPLING) * done / total,
                f"sampling frames {done}/{total}",
            ),
        )
        check_cancel(cancel)
        part(_ENCODING, f"encoding {len(sample.frames)} frames")
        max_new = settings["max_new_tokens"]
        try:
            prompt = loaded.dialect.prompt(task, request.text, what, sample)
            inputs, input_size = build_inputs(loaded.processor, loaded.dialect, sample, prompt)
            check_cancel(cancel)
            part(_GENERATING, f"generating tokens 0/{max_new}")
            text, n_tokens = generate(
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
        log.debug("%s answered (%d tokens): %r", loaded.folder.name, n_tokens, text)
        ctx = Context(
            task=task,
            dialect=loaded.dialect,
            sample=sample,
            asset_id=asset.asset_id,
            request=request.text,
            subject=what,
            source=f"qwen-vl:{loaded.folder.name}",
            input_size=input_size,
        )
        suggestions = to_suggestions(text, ctx)
        part(1.0, f"{len(suggestions)} suggestion(s)")
        return suggestions

    def _folder(self) -> Path:
        if self.model_path:
            return Path(self.model_path).expanduser()
        from vidi_desktop.paths import models_dir

        return find_model_folder(models_dir())


def _settings(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Sampling/generation settings with a request's overrides, checked."""
    out = dict(base)
    for key in ("fps", "max_frames", "max_side", "max_new_tokens"):
        if key in overrides:
            out[key] = overrides[key]
    fps = out["fps"]
    if isinstance(fps, bool) or not isinstance(fps, int | float | Fraction) or not fps > 0:
        raise BackendError(f"fps must be a positive number, got {fps!r}")
    if fps > 1000:
        raise BackendError(f"fps must be at most 1000, got {fps!r}")
    for key, low in (("max_frames", 1), ("max_side", 32), ("max_new_tokens", 1)):
        value = out[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise BackendError(f"{key} must be a whole number ≥ {low}, got {value!r}")
    return out
