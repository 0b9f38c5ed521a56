"""One decode pass feeding every visual analyser of a run.

Decoding is the expensive part of visual analysis; doing it once per run instead of once
per analyser is what keeps ``analyze --shots --faces --reframe`` near raw decode speed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from vidi_desktop.analysis.base import FrameAnalyser
from vidi_desktop.core.progress import JobContext
from vidi_desktop.media.decode import PassReport, iter_decoded
from vidi_desktop.media.probe import MediaInfo


def run_visual_pass(
    path: str | os.PathLike[str],
    info: MediaInfo,
    analysers: Sequence[FrameAnalyser],
    ctx: JobContext,
    *,
    start_frame: int = 0,
    end_frame: int | None = None,
    allow_truncated: bool = True,
    skip_loop_filter: bool = True,
) -> tuple[dict[str, Any], PassReport]:
    """Decode ``path`` once, feed each analyser the frames it wants, collect their results.

    Returns ``{analyser.name: analyser.finish()}`` and how the pass ended (a truncated file
    is analysed up to where it stops, and the report says where). Deblocking is skipped by
    default (``skip_loop_filter``): the analysers look at small pictures, where it does not
    show, and decoding — the bulk of the cost — gets about 1.3× faster.
    """
    report = PassReport()
    if not analysers or info.video is None:
        return {}, report
    for a in analysers:
        a.begin(info)
    total = max(1, (end_frame if end_frame is not None else info.video.frames) - start_frame)
    for i, frame in enumerate(
        iter_decoded(
            path,
            start_frame=start_frame,
            end_frame=end_frame,
            cancel=ctx.cancel,
            allow_truncated=allow_truncated,
            report=report,
            skip_loop_filter=skip_loop_filter,
        )
    ):
        for a in analysers:
            if a.wants(frame.index):
                a.feed(frame)
        if i % 16 == 0:
            ctx.progress(i / total, f"frame {frame.index}")
    return {a.name: a.finish() for a in analysers}, report
