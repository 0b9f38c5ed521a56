"""The transcript: Whisper's words with their times, only where speech was found.

Internal — not asked for on its own — it runs when subtitles or highlights need it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidi_desktop.analysis.registry import AnalyserSpec, Count, Param

if TYPE_CHECKING:
    from vidi_desktop.analysis.run import AnalysisRun, FileAnalysis


def _compute(run: AnalysisRun) -> None:
    speech = run.results.get("speech")
    if not speech:
        return  # nothing said: no transcript (not an empty one)
    from vidi_desktop.analysis.transcript import transcribe

    run.results["transcript"] = transcribe(
        run.audio, run.options.whisper_model, speech=speech, ctx=run.ctx
    )


def _counts(analysis: FileAnalysis) -> list[Count]:
    if analysis.transcript is None:
        return []
    return [Count("words", len(analysis.transcript.words))]


SPEC = AnalyserSpec(
    name="transcript",
    help="words and their times (Whisper, on the speech found)",
    stage="audio",
    needs=("audio", "speech"),
    products=("transcript",),
    asked=None,
    params=(
        Param("whisper_model", None, "--whisper-model", metavar="DIR",
              help="a local CTranslate2 Whisper folder (default: bundled tiny.en)"),
    ),
    compute=_compute,
    counts=_counts,
)
