"""One file through the built-in analysers: one decode pass, one audio read, typed results.

The order follows what each analyser needs: the visual pass (shots, faces, people, motion)
first, then speech and silences from the audio, then the transcript (only where there is
speech), subtitle cues that never straddle a shot cut, face tubes that never cross one,
highlights from everything, and a reframe path that jumps only at cuts. Missing streams are
not errors here: footage without audio skips the speech analysers, audio-only files skip
the visual ones, and a truncated file is analysed up to where it stops — each says so in
``notes``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.services.jobs import JobContext

if TYPE_CHECKING:
    from vidi_desktop.analysis.highlights import Highlight
    from vidi_desktop.analysis.reframe import CropPath
    from vidi_desktop.analysis.shots import ShotBoundary
    from vidi_desktop.analysis.speech import SpeechSegment
    from vidi_desktop.analysis.subtitles import Cue
    from vidi_desktop.analysis.transcript import Transcript
    from vidi_desktop.analysis.tubes import Tube
    from vidi_desktop.core.project import Suggestion
    from vidi_desktop.media.audio import AudioClip
    from vidi_desktop.media.probe import MediaInfo

ANALYSERS = ("shots", "speech", "subtitles", "faces", "people", "highlights", "reframe")


@dataclass(frozen=True)
class AnalyzeOptions:
    """What to compute, and the knobs editors turn. No analyser selected = the defaults."""

    shots: bool = False
    speech: bool = False  # speech segments + silences + "remove silences" cuts
    subtitles: bool = False
    faces: bool = False
    people: bool = False
    highlights: int = 0  # how many clips
    highlight_seconds: Fraction = Fraction(30)
    reframe: str | None = None  # "9:16", "1:1", "4:5"…
    sensitivity: float = 0.5  # shot detection, 0..1
    silence_margin: Fraction = Fraction(1, 5)
    min_silence: Fraction = Fraction(1, 2)
    keep_pauses: Fraction | None = None
    whisper_model: str | None = None  # a local CTranslate2 folder; default tiny.en
    thumbnails: int = 10
    waveform: bool = True

    @classmethod
    def everything(cls, **overrides: Any) -> AnalyzeOptions:
        """The embedded default's full job: every built-in analyser."""
        base: dict[str, Any] = dict(
            shots=True, speech=True, subtitles=True, faces=True, highlights=3, reframe="9:16"
        )
        base.update(overrides)
        return cls(**base)

    @property
    def any_analyser(self) -> bool:
        return bool(
            self.shots or self.speech or self.subtitles or self.faces or self.people
            or self.highlights or self.reframe
        )

    # What each output needs underneath it.
    @property
    def need_shots(self) -> bool:
        return self.shots or self.subtitles or bool(self.highlights) or bool(self.reframe)

    @property
    def need_faces(self) -> bool:
        return self.faces or bool(self.highlights) or bool(self.reframe)

    @property
    def need_speech(self) -> bool:
        return self.speech or self.subtitles or bool(self.highlights)

    @property
    def need_transcript(self) -> bool:
        return self.subtitles or bool(self.highlights)


@dataclass
class FileAnalysis:
    """Everything computed for one file (None where not asked for or not possible)."""

    info: MediaInfo
    shots: list[ShotBoundary] | None = None
    speech: list[SpeechSegment] | None = None
    silences: list[TimeRange] | None = None
    silence_cuts: list[TimeRange] | None = None
    transcript: Transcript | None = None
    cues: list[Cue] | None = None
    tubes: list[Tube] | None = None
    highlights: list[Highlight] | None = None
    reframe: CropPath | None = None
    notes: list[str] = field(default_factory=list)
    audio: AudioClip | None = field(default=None, repr=False)  # 16 kHz mono, for scoring

    def suggestions(self, asset_id: str) -> list[Suggestion]:
        """The results as pending project suggestions."""
        from vidi_desktop.analysis.reframe import reframe_suggestion
        from vidi_desktop.analysis.shots import shot_suggestions
        from vidi_desktop.analysis.silence import silence_suggestions
        from vidi_desktop.analysis.subtitles import subtitle_suggestions
        from vidi_desktop.analysis.tubes import tube_suggestions

        out: list[Suggestion] = []
        if self.shots:
            out += shot_suggestions(asset_id, self.shots)
        if self.speech:
            out += _speech_suggestions(asset_id, self.speech)
        if self.silence_cuts:
            out += silence_suggestions(asset_id, self.silence_cuts, "builtin.silence")
        if self.cues:
            out += subtitle_suggestions(asset_id, self.cues, "builtin.transcript")
        if self.tubes:
            out += tube_suggestions(asset_id, self.tubes, "builtin.tubes")
        if self.highlights:
            out += _highlight_suggestions(asset_id, self.highlights)
        if self.reframe is not None:
            out.append(reframe_suggestion(asset_id, self.reframe, "builtin.reframe"))
        return out

    def to_json(self, options: AnalyzeOptions) -> dict[str, Any]:
        """The ``analyze --json`` document: only the keys asked for (a contract)."""
        from vidi_desktop.analysis.tubes import tubes_to_json

        v = self.info.video
        doc: dict[str, Any] = {
            "file": str(self.info.path),
            "rate": str(v.rate) if v is not None and v.rate else None,
            "frames": v.frames if v is not None else 0,
        }
        if options.shots:
            doc["shots"] = [b.to_json() for b in self.shots or []]
        if options.speech:
            doc["speech"] = [_span(s.range) for s in self.speech or []]
            doc["silences"] = [_span(r) for r in self.silences or []]
            doc["silence_cuts"] = [_span(r) for r in self.silence_cuts or []]
        if options.subtitles:
            doc["subtitles"] = [_span(c.range) | {"text": c.text} for c in self.cues or []]
        if options.highlights:
            doc["highlights"] = [
                _span(h.range) | {"title": h.title, "score": h.score, "why": h.explanation}
                for h in self.highlights or []
            ]
        if options.faces or options.people:
            wanted = {"face"} if options.faces else set()
            wanted |= {"person"} if options.people else set()
            doc["tubes"] = tubes_to_json([t for t in self.tubes or [] if t.label in wanted])
        if options.reframe:
            r = self.reframe
            doc["reframe"] = None if r is None else {
                "aspect": r.aspect,
                "keyframes": [
                    {"t": k[0] / 1000, "x0": k[1], "y0": k[2], "x1": k[3], "y1": k[4]}
                    for k in r.keyframes
                ],
                "subjects": list(r.subjects),
            }
        if self.notes:
            doc["notes"] = list(self.notes)
        return doc


def analyze_file(
    path: str | os.PathLike[str],
    options: AnalyzeOptions,
    ctx: JobContext,
    info: MediaInfo | None = None,
    *,
    shots: list[ShotBoundary] | None = None,
    transcript: Transcript | None = None,
) -> FileAnalysis:
    """Run the selected analysers on one file (see the module docstring).

    ``info`` is the file's ``probe(..., allow_truncated=True)`` when the caller has it;
    ``shots`` and ``transcript`` are results of an earlier analysis of the same file, used
    instead of decoding the pictures (when shots are all they were needed for) or running
    Whisper again.
    """
    if info is None:
        from vidi_desktop.media.probe import probe

        info = probe(path, allow_truncated=True)
    result = FileAnalysis(info)
    if info.truncated:
        result.notes.append(
            f"file is truncated: analysed the {info.video.frames if info.video else 0} "
            f"frames that are there ({float(info.duration):.2f} s)"
        )
    pictures_for_shots_only = not (
        options.need_faces or options.people or options.highlights or options.reframe
    )
    if shots is not None and options.need_shots and pictures_for_shots_only:
        result.shots, visual = list(shots), {}
    else:
        visual = _visual_pass(info, options, result, ctx.stage(0, 3, "pictures"), ctx)
    _audio(info, options, result, visual, ctx, transcript)
    _derived(info, options, result, visual)
    ctx.progress(1.0, "done", force=True)
    return result


# -- stages ------------------------------------------------------------------------------------
def _visual_pass(
    info: MediaInfo,
    options: AnalyzeOptions,
    result: FileAnalysis,
    report: Any,
    ctx: JobContext,
) -> dict[str, Any]:
    if not (options.need_shots or options.need_faces or options.people or options.highlights
            or options.reframe):
        return {}  # an audio-only task: no picture is decoded and OpenCV is not even imported
    from vidi_desktop.analysis.activity import MotionActivity
    from vidi_desktop.analysis.faces import FaceDetector
    from vidi_desktop.analysis.people import PersonDetector
    from vidi_desktop.analysis.pipeline import run_visual_pass
    from vidi_desktop.analysis.reframe import MotionSaliencyAnalyser
    from vidi_desktop.analysis.shots import ShotDetector

    analysers: list[Any] = []
    if options.need_shots:
        analysers.append(ShotDetector(options.sensitivity))
    if options.need_faces:
        analysers.append(FaceDetector())
    if options.people:
        analysers.append(PersonDetector())
    if options.highlights:
        analysers.append(MotionActivity())
    if options.reframe:
        analysers.append(MotionSaliencyAnalyser())
    if not analysers:
        return {}
    if info.video is None:
        result.notes.append("no video: shot, face and reframe analysis skipped")
        return {}
    stage_ctx = JobContext(cancel=ctx.cancel, on_progress=lambda f, m: report(f, m))
    results, pass_report = run_visual_pass(info.path, info, analysers, stage_ctx)
    if not pass_report.complete and pass_report.stopped_at is not None:
        result.notes.append(
            f"pictures decoded up to {float(pass_report.stopped_at.seconds):.2f} s "
            f"({pass_report.reason})"
        )
    if "shots" in results:
        result.shots = list(results["shots"])
    return results


def _audio(
    info: MediaInfo,
    options: AnalyzeOptions,
    result: FileAnalysis,
    visual: dict[str, Any],
    ctx: JobContext,
    transcript: Transcript | None = None,
) -> None:
    if not options.need_speech:
        return
    from vidi_desktop.analysis.silence import levels_db, remove_silences, silences_from_speech
    from vidi_desktop.analysis.speech import load_and_detect_speech

    report = ctx.stage(1, 3, "speech")
    report(0.0, "voice activity")
    # Decoding and voice activity overlap (one core each); the same result as in turn.
    found = load_and_detect_speech(
        info.path, ctx=ctx, skip_missing=True, expected_seconds=float(info.duration)
    )
    if found is None:
        result.notes.append("no audio: speech, silence and subtitle analysis skipped")
        return
    clip, result.speech = found
    result.audio = clip
    extent = _extent(info)
    result.silences = silences_from_speech(result.speech, extent)
    report(0.5, "silences")
    grid = info.video.frame_index if info.video is not None else None
    result.silence_cuts = remove_silences(
        result.silences,
        extent,
        margin=options.silence_margin,
        min_silence=options.min_silence,
        keep_pauses_shorter_than=options.keep_pauses,
        snap_to=grid,
        levels=levels_db(clip, ctx=ctx),
    )
    if options.need_transcript and result.speech and transcript is not None:
        result.transcript = transcript
    elif options.need_transcript and result.speech:
        from vidi_desktop.analysis.transcript import transcribe

        tr_ctx = JobContext(cancel=ctx.cancel, on_progress=ctx.stage(2, 3, "transcript"))
        result.transcript = transcribe(
            clip, options.whisper_model, speech=result.speech, ctx=tr_ctx
        )


def _derived(
    info: MediaInfo, options: AnalyzeOptions, result: FileAnalysis, visual: dict[str, Any]
) -> None:
    cut_times = [b.time for b in result.shots or []]
    if result.transcript is not None and options.subtitles:
        from vidi_desktop.analysis.subtitles import make_cues

        result.cues = make_cues(result.transcript, shot_cuts=cut_times)
    tubes: list[Tube] = []
    if "faces" in visual or "people" in visual:
        from vidi_desktop.analysis.tubes import link_tubes

        for name in ("faces", "people"):
            if name in visual:
                tubes += link_tubes(visual[name], cuts_ms=cut_times)
        result.tubes = tubes
    if options.highlights:
        result.highlights = _highlights(info, options, result, visual)
    if options.reframe and info.video is not None:
        from vidi_desktop.analysis.reframe import crop_path

        faces = [t for t in tubes if t.label == "face"] or tubes
        result.reframe = crop_path(
            faces, info, options.reframe, saliency=visual.get("motion"), shot_cuts=cut_times
        )


def _highlights(
    info: MediaInfo, options: AnalyzeOptions, result: FileAnalysis, visual: dict[str, Any]
) -> list[Highlight]:
    import math

    import numpy as np

    from vidi_desktop.analysis.activity import loudness_per_second
    from vidi_desktop.analysis.highlights import HighlightInputs, Span, find_highlights

    seconds = max(1, math.ceil(info.duration))
    start = info.start_time
    words: list[Span] = []
    sentences: list[Span] = []
    if result.transcript is not None:
        words = [
            Span(w.range.start.seconds, w.range.end_exclusive.seconds, w.text)
            for w in result.transcript.words
        ]
        sentences = [
            Span(r.start.seconds, r.end_exclusive.seconds, text)
            for r, text in result.transcript.sentences()
        ]
    faces = np.zeros(seconds)
    for tube in result.tubes or []:
        for r in tube.visible_ranges():
            a = max(0, int(r.start.seconds - start))
            b = min(seconds, math.ceil(r.end_exclusive.seconds - start))
            faces[a:b] = 1.0
    clip = result.audio
    inputs = HighlightInputs(
        start=start,
        duration=info.duration,
        cuts=[b.time.seconds for b in result.shots or []],
        speech=[Span(s.range.start.seconds, s.range.end_exclusive.seconds)
                for s in result.speech or []],
        sentences=sentences,
        words=words,
        energy=loudness_per_second(clip, float(start), seconds) if clip is not None else None,
        motion=visual.get("activity"),
        faces=faces,
    )
    tb = info.video.time_base if info.video is not None else Fraction(1, 1000)
    return find_highlights(
        inputs, options.highlights, target=options.highlight_seconds, time_base=tb
    )


# -- helpers ---------------------------------------------------------------------------------
def _extent(info: MediaInfo) -> TimeRange:
    tb = info.video.time_base if info.video is not None else Fraction(1, 48000)
    start = Time.from_seconds(info.start_time, tb, "round")
    end = Time.from_seconds(info.start_time + info.duration, tb, "round")
    return TimeRange.from_start_end(start, end)


def _span(r: TimeRange) -> dict[str, float]:
    return {
        "start": round(float(r.start.seconds), 6),
        "end": round(float(r.end_exclusive.seconds), 6),
    }


def _speech_suggestions(asset_id: str, speech: list[SpeechSegment]) -> list[Suggestion]:
    """Speech as ranges to keep, so ``export --kind speech`` can keep only the talking."""
    from vidi_desktop.core.project import CutRange, Suggestion

    return [
        Suggestion.new(
            asset_id,
            CutRange(s.range, "keep"),
            "builtin.speech",
            confidence=round(s.confidence, 3),
            label="speech",
            metadata={"vidi": {"analyser": "speech"}},
        )
        for s in speech
    ]


def _highlight_suggestions(asset_id: str, highlights: list[Highlight]) -> list[Suggestion]:
    from vidi_desktop.core.project import HighlightClip, Suggestion

    return [
        Suggestion.new(
            asset_id,
            HighlightClip(h.range, h.title, h.score),
            "builtin.highlights",
            confidence=h.score,
            label=h.title,
            metadata={"vidi": {"analyser": "highlights", "score_parts": h.explanation}},
        )
        for h in highlights
    ]
