"""Shot detection in overlapping chunks merges to exactly the one-pass result."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import pytest

from vidi_desktop.analysis.options import AnalyzeOptions
from vidi_desktop.analysis.run import analyze_file
from vidi_desktop.analysis.specs.shots import context_seconds as shot_context_seconds
from vidi_desktop.core.progress import JobContext
from vidi_desktop.services.chunking import (
    ChunkResult,
    ChunkSpec,
    analyse_chunk,
    chunkable,
    default_overlap,
    merge_chunks,
    plan_chunks,
)

SHOTS = AnalyzeOptions(shots=True)


def chunked(path: Path, chunk: Fraction, overlap: Fraction) -> tuple[list[ChunkResult], object]:
    from vidi_desktop.media.probe import probe

    info = probe(path)
    specs = plan_chunks(info.duration, chunk, overlap)
    results = [analyse_chunk(path, SHOTS, s, JobContext()) for s in specs]
    return results, merge_chunks(results)


@pytest.mark.shared_media
@pytest.mark.parametrize(
    ("name", "chunk", "overlap"),
    [
        # Edges through the cuts at 1.0/6.0 s and the fades/dissolve of testvideo.mp4.
        ("testvideo.mp4", Fraction(6), Fraction(4)),
        ("testvideo.mp4", Fraction(8), Fraction(10)),
        ("testvideo.mp4", Fraction(7, 2), Fraction(5)),
        ("goldeneye-vfr-drop3.mp4", Fraction(3), Fraction(4)),  # variable frame rate
        ("fades.mp4", Fraction(4), Fraction(4)),
    ],
)
def test_chunked_shots_equal_one_pass(
    shared_media: Path, name: str, chunk: Fraction, overlap: Fraction
) -> None:
    path = shared_media / name
    whole = analyze_file(path, SHOTS, JobContext())
    results, merged = chunked(path, chunk, overlap)
    assert len(results) >= 3
    assert merged.shots == whole.shots  # frame, time, kind, span, confidence, direction
    assert merged.to_json(SHOTS) == whole.to_json(SHOTS)
    # Each chunk decoded more than it owns, and the owned stretches tile the file.
    for r in results:
        assert r.frames[0] <= r.owned[0] <= r.owned[1] <= r.frames[1]
    assert results[0].owned[0] == 0
    assert all(a.owned[1] == b.owned[0] for a, b in itertools.pairwise(results))


@pytest.mark.shared_media
def test_testvideo_boundaries_are_the_known_ones_when_chunked(shared_media: Path) -> None:
    _, merged = chunked(shared_media / "testvideo.mp4", Fraction(5), Fraction(6))
    frames = [b.frame for b in merged.shots]
    assert 30 in frames and 180 in frames  # the two hard cuts (README of the media)
    assert len(frames) == len(set(frames))  # nothing doubled at an edge


def test_plan_covers_everything_once() -> None:
    specs = plan_chunks(Fraction(1801), Fraction(600), Fraction(26))
    assert [s.index for s in specs] == [0, 1, 2, 3]
    assert specs[0].own_start is None and specs[-1].own_end is None
    for a, b in itertools.pairwise(specs):
        assert a.own_end == b.own_start
    assert all(s.overlap == 26 for s in specs)
    assert plan_chunks(Fraction(10), Fraction(600), Fraction(26)) == [
        ChunkSpec(0, 1, None, None, Fraction(26))
    ]
    with pytest.raises(ValueError):
        plan_chunks(Fraction(10), Fraction(0), Fraction(1))


def test_default_overlap_covers_twice_the_detector_memory() -> None:
    for fps in (23.976, 25.0, 29.97, 60.0, 10.0):
        ring = shot_context_seconds(fps)
        assert 12 < ring < 15 or fps < 20  # ~12.5 s of pictures at usual rates
        assert default_overlap(fps, SHOTS) >= 2 * ring


def test_only_shots_are_chunked() -> None:
    assert chunkable(AnalyzeOptions(shots=True))
    assert not chunkable(AnalyzeOptions(shots=True, subtitles=True))
    assert not chunkable(AnalyzeOptions(faces=True))
    assert not chunkable(AnalyzeOptions.everything())


def test_merge_refuses_gaps_and_repeats(make_clip) -> None:
    path = make_clip("chunk_merge.mp4", frames=100, rate=25, size=(160, 120))
    specs = plan_chunks(Fraction(4), Fraction(2), Fraction(1))
    results = [analyse_chunk(path, SHOTS, s, JobContext()) for s in specs]
    assert merge_chunks(results).shots is not None
    with pytest.raises(ValueError, match="do not make"):
        merge_chunks(results[:1])
    with pytest.raises(ValueError, match="do not make"):
        merge_chunks([results[0], results[0], results[1]])
    broken = ChunkResult(results[1].spec, None, {}, results[1].frames, (60, 100))
    with pytest.raises(ValueError, match="owns from frame"):
        merge_chunks([results[0], broken])


def test_audio_only_file_falls_back_to_whole(audio_only: Path) -> None:
    spec = plan_chunks(Fraction(1), Fraction(1, 2), Fraction(1))[0]
    assert analyse_chunk(audio_only, SHOTS, spec, JobContext()).fallback


def test_default_overlap_on_a_long_generated_clip(make_clip, tmp_path: Path) -> None:
    """90 s with transitions right at the chunk edges (30 s, 60 s): a dissolve across the
    first, a hard cut on the second, a fade through black near the end; default overlap."""
    import sys

    import numpy as np

    sys.path.insert(0, str(Path(__file__).parent))
    from batch_helpers import assert_same_outputs

    from vidi_desktop.services.batch import BatchSettings, run_batch

    rng = np.random.default_rng(7)
    shots = [rng.integers(0, 255, size=(9, 16, 3), dtype=np.uint8) for _ in range(8)]
    starts = [0, 400, 760, 1100, 1500, 1700, 1950, 2150]  # a new picture at each

    def base(n: int) -> np.ndarray:
        k = max(i for i, s in enumerate(starts) if s <= n)
        return np.repeat(np.repeat(shots[k], 10, axis=0), 10, axis=1).astype(np.float32)

    def picture(n: int) -> np.ndarray:
        img = base(n)
        if 740 <= n < 760:  # dissolve over the 30 s edge (frame 750)
            w = (n - 739) / 21
            img = img * (1 - w) + base(760) * w
        if 1930 <= n < 1970:  # fade out to black and back in
            img = img * abs(n - 1950) / 20
        return np.clip(img, 0, 255).astype(np.uint8)

    clip = make_clip("long_edges.mp4", frames=2250, rate=25, size=(160, 90),
                     picture=picture, stamp=False)
    whole, chunked = tmp_path / "whole", tmp_path / "chunked"
    run_batch([clip], whole, BatchSettings(SHOTS, chunk_seconds=None))
    result = run_batch([clip], chunked, BatchSettings(SHOTS, chunk_seconds=Fraction(30)))
    assert result.index.entries["long_edges.mp4"].chunks == 3
    assert result.index.entries["long_edges.mp4"].counts["shots"] >= 6
    assert_same_outputs(whole, chunked)
