"""Speech (voice activity), the silences between it and the silence cuts an editor makes."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from vidi_desktop.analysis.registry import AnalyserSpec, Param, count_items
from vidi_desktop.core import values

if TYPE_CHECKING:
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.analysis.run import AnalysisRun, FileAnalysis
    from vidi_desktop.core.project import Suggestion
    from vidi_desktop.core.time import TimeRange
    from vidi_desktop.media.probe import MediaInfo


def _compute(run: AnalysisRun) -> None:
    from vidi_desktop.analysis.run import DETECTED_SPEECH
    from vidi_desktop.analysis.silence import levels_db, remove_silences, silences_from_speech
    from vidi_desktop.analysis.speech import detect_speech

    clip, info, options, ctx = run.audio, run.info, run.options, run.ctx
    assert clip is not None  # the run computes audio analysers only when there is audio
    # Voice activity fills the first 80 % of this stage, the levels for the cuts the rest;
    # it was usually scored while the audio decoded (the run keeps it for us).
    speech = run.results.pop(DETECTED_SPEECH, None)
    if speech is None:
        speech = detect_speech(clip, ctx=ctx.part(ctx.share(0.0, 0.8, "voice activity")))
    extent = _extent(info)
    silences = silences_from_speech(speech, extent)
    grid = info.video.frame_index if info.video is not None else None
    cuts = remove_silences(
        silences,
        extent,
        margin=options.silence_margin,
        min_silence=options.min_silence,
        keep_pauses_shorter_than=options.keep_pauses,
        snap_to=grid,
        levels=levels_db(clip, ctx=ctx.part(ctx.share(0.8, 1.0, "silences"))),
    )
    run.results.update(speech=speech, silences=silences, silence_cuts=cuts)


def _extent(info: MediaInfo) -> TimeRange:
    """The whole file on the media timeline, on the video's time base (else 1/48000)."""
    from vidi_desktop.core.time import Time, TimeRange

    tb = info.video.time_base if info.video is not None else Fraction(1, 48000)
    start = Time.from_seconds(info.start_time, tb, "round")
    end = Time.from_seconds(info.start_time + info.duration, tb, "round")
    return TimeRange.from_start_end(start, end)


def _suggestions(analysis: FileAnalysis, asset_id: str) -> list[Suggestion]:
    """Speech ranges (information: where someone talks), then the silences to cut — the
    only ones of the two that change the edit, so accepting everything is one clean edit."""
    from vidi_desktop.core.project import SpeechRange, Suggestion

    out = [
        Suggestion.new(
            asset_id,
            SpeechRange(s.range),
            "builtin.speech",
            confidence=round(s.confidence, 3),
            label="speech",
            metadata={"vidi": {"analyser": "speech"}},
        )
        for s in analysis.speech or []
    ]
    if analysis.silence_cuts:
        from vidi_desktop.analysis.silence import silence_suggestions

        out += silence_suggestions(asset_id, analysis.silence_cuts, "builtin.silence")
    return out


def _json(analysis: FileAnalysis, options: AnalyzeOptions) -> dict[str, Any]:
    from vidi_desktop.analysis.speech import ranges_json

    return {
        "speech": ranges_json(s.range for s in analysis.speech or []),
        "silences": ranges_json(analysis.silences or []),
        "silence_cuts": ranges_json(analysis.silence_cuts or []),
    }


SPEC = AnalyserSpec(
    name="speech",
    help="speech, silences, silence cuts",
    stage="audio",
    needs=("audio",),
    products=("speech", "silences", "silence_cuts"),
    params=(
        Param("silence_margin", Fraction(1, 5), "--margin", values.seconds, "S",
              "silence kept next to speech when cutting silences (0.2)"),
        Param("min_silence", Fraction(1, 2), "--min-silence", values.seconds, "S",
              "shortest silence worth cutting (0.5)"),
        Param("keep_pauses", None, "--keep-pauses", values.seconds, "S",
              "keep pauses between speech shorter than S whole"),
    ),
    compute=_compute,
    suggestions=_suggestions,
    json=_json,
    counts=count_items(
        ("speech", "speech", ("speech segment", "speech segments")),
        ("silence_cuts", "silence_cuts", ("silence to cut", "silences to cut")),
    ),
)
