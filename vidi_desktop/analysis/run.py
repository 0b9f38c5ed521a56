"""One file through the registered analysers: one decode pass, one audio read, typed results.

A run computes the analysers asked for and those they need
(:func:`~vidi_desktop.analysis.registry.needed`), stage by stage: the decode pass feeds the
frame analyser of every analyser that reads pictures at once; the audio is read once, as
16 kHz mono, for every analyser that reads it; then the analysers compute — pictures stage,
audio stage, derived stage, in registration order within each. The audio stage runs on a
second thread while the pictures are decoded (decoding, face detection, voice activity and
Whisper release the GIL, so the two use both cores), unless one of its analysers needs a
pictures-stage result; its notes and results are merged after the pictures', so the outcome
is the same as in turn. Missing streams are not
errors: footage without audio skips the audio analysers, audio-only files skip the pictures
ones, and a truncated file is analysed up to where it stops — each says so in ``notes``.
What the results become — suggestions, the ``analyze --json`` document, counts — each
analyser's spec says.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vidi_desktop.analysis import registry
from vidi_desktop.core.progress import JobContext, ProgressFn, shares

if TYPE_CHECKING:
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.analysis.registry import AnalyserSpec, Count
    from vidi_desktop.core.project import Suggestion
    from vidi_desktop.media.audio import AudioClip
    from vidi_desktop.media.decode import PassReport
    from vidi_desktop.media.probe import MediaInfo

__all__ = ["AnalysisRun", "FileAnalysis", "analyze_file", "stopped_note"]

NO_VIDEO_NOTE = "no video: shot, face and reframe analysis skipped"
NO_AUDIO_NOTE = "no audio: speech, silence and subtitle analysis skipped"
DETECTED_SPEECH = "_speech_detected"  # voice activity scored while the audio decoded


@dataclass
class FileAnalysis:
    """Everything computed for one file.

    Each registered product reads as an attribute (``analysis.shots``, ``analysis.tubes``…):
    its result, or None where it was not asked for or not possible.
    """

    info: MediaInfo
    results: dict[str, Any] = field(default_factory=dict)  # product name → result
    notes: list[str] = field(default_factory=list)
    audio: AudioClip | None = field(default=None, repr=False)  # 16 kHz mono, for scoring

    def __getattr__(self, name: str) -> Any:
        # Only called for names that are not real attributes: the registered products.
        if not name.startswith("_") and name in registry.products():
            return self.__dict__.get("results", {}).get(name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def suggestions(self, asset_id: str) -> list[Suggestion]:
        """The results as pending project suggestions, analyser by analyser."""
        out: list[Suggestion] = []
        for spec in registry.specs():
            if spec.suggestions is not None:
                out += spec.suggestions(self, asset_id)
        return out

    def counts(self) -> list[Count]:
        """How many of each result (the first analyser to report a key wins: faces and
        people count their shared tubes once)."""
        found: dict[str, Count] = {}
        for spec in registry.specs():
            for count in spec.counts(self) if spec.counts is not None else ():
                found.setdefault(count.key, count)
        return list(found.values())

    def to_json(self, options: AnalyzeOptions) -> dict[str, Any]:
        """The ``analyze --json`` document: only the sections asked for (a contract).

        Two analysers writing the same key (faces and people: ``tubes``) share one list, in
        registration order.
        """
        v = self.info.video
        doc: dict[str, Any] = {
            "file": str(self.info.path),
            "rate": str(v.rate) if v is not None and v.rate else None,
            "frames": v.frames if v is not None else 0,
        }
        asked = set(options.asked())
        for spec in registry.specs():
            if spec.json is None or spec.name not in asked:
                continue
            for key, value in spec.json(self, options).items():
                if isinstance(doc.get(key), list) and isinstance(value, list):
                    doc[key] = doc[key] + value
                else:
                    doc[key] = value
        if self.notes:
            doc["notes"] = list(self.notes)
        return doc


@dataclass
class AnalysisRun:
    """What an analyser's ``compute`` sees: the file, the options, what the shared inputs
    gave, the results so far — and where its own go (``results``)."""

    info: MediaInfo
    options: AnalyzeOptions
    analysis: FileAnalysis
    pictures: dict[str, Any]  # analyser name → what its frame analyser finished with
    ctx: JobContext  # this stage's progress, the run's cancel flag

    @property
    def results(self) -> dict[str, Any]:
        return self.analysis.results

    @property
    def audio(self) -> AudioClip | None:
        return self.analysis.audio


def analyze_file(
    path: str | os.PathLike[str],
    options: AnalyzeOptions,
    ctx: JobContext,
    info: MediaInfo | None = None,
    *,
    shots: list[Any] | None = None,
    transcript: Any | None = None,
) -> FileAnalysis:
    """Run the analysers ``options`` asks for on one file (see the module docstring).

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
    needed = options.needed()
    readers = [s.name for s in needed if s.frames is not None]
    if shots is not None and readers == ["shots"]:
        result.results["shots"] = list(shots)  # the pictures were for shots only: no decode
    if transcript is not None:
        result.results["transcript"] = transcript
    needed = tuple(s for s in needed if not s.products or not
                   all(p in result.results for p in s.products))
    listening = [s for s in needed if s.stage == "audio"]
    derived = [s for s in needed if s.stage == "derived"]
    hearing = any("audio" in s.needs for s in needed)
    watching = info.video is not None and any(s.frames is not None for s in needed)
    beside = _beside_pictures(listening, needed) if watching else []
    later = [s for s in listening if s not in beside]
    detect = any(s.name == "speech" for s in needed)  # voice activity scored while decoding
    # One 0–100 % for the file: each branch fills its own share, weighted by what it roughly
    # costs (the decode pass most, reading the audio least); the audio branch runs beside the
    # pictures, so the bar is their weighted sum, and it never runs back.
    audio_steps = shares([("read", 0.5), *((s.name, 2.0) for s in beside)])
    later_steps = shares([("read", 0.5 if hearing and not beside else 0),
                          *((s.name, 2.0) for s in later)])
    progress = _Progress(
        ctx,
        pictures=3.0 if watching else 0,
        audio=0.5 + 2.0 * len(beside) if beside else 0,
        later=(0.5 if hearing and not beside else 0) + 2.0 * len(later),
        derived=0.5 if derived else 0,
    )
    audio_side = None
    if beside:
        audio_side = _AudioSide(info, options, beside, detect, progress, audio_steps)
        audio_side.start()
    try:
        pictures = _decode_pass(
            info, options, needed, result, ctx.part(progress.branch("pictures", "pictures"))
        )
        run = AnalysisRun(info, options, result, pictures, ctx)
        if pictures:  # no video, or nothing reads pictures: the pictures stage has nothing to do
            report = progress.branch("pictures", "pictures")
            _compute(run, [s for s in needed if s.stage == "pictures"], ctx.part(report))
        progress.finish("pictures")
    except BaseException:
        if audio_side is not None:
            audio_side.abandon()
        raise
    if audio_side is not None:
        audio_side.join_into(result, ctx, progress)
    elif hearing:
        report = progress.branch("later", "audio", *later_steps["read"])
        result.audio = _read_audio(
            info, result, ctx.part(report), detect, gated=options.voice_activity == "gated"
        )
    if result.audio is not None:
        for spec in later:
            report = progress.branch("later", spec.name, *later_steps[spec.name])
            _compute(run, [spec], ctx.part(report))
    progress.finish("later")
    _compute(run, derived, ctx.part(progress.branch("derived", "derived")))
    ctx.progress(1.0, "done", force=True)
    return result


def _beside_pictures(
    listening: list[AnalyserSpec], needed: tuple[AnalyserSpec, ...]
) -> list[AnalyserSpec]:
    """The leading audio analysers that need no pictures-stage result (directly or through
    another analyser): they can run while the pictures are decoded."""
    by_name = {s.name: s for s in needed}

    def uses_pictures(spec: AnalyserSpec, seen: frozenset[str] = frozenset()) -> bool:
        for need in spec.needs:
            dep = by_name.get(need)
            if dep is None or need in seen:
                continue
            if dep.stage == "pictures" or uses_pictures(dep, seen | {spec.name}):
                return True
        return False

    out: list[AnalyserSpec] = []
    for spec in listening:
        if uses_pictures(spec):
            break  # this one and the ones after it wait, so the order stays the same
        out.append(spec)
    return out


class _Progress:
    """One progress for branches of a run, some at once: the weighted sum of their fractions
    (each never goes back, so neither does the sum) and the messages of the branches at work,
    joined in the order the branches were given ("pictures: frame 480 · speech: …"), so a
    stage running beside the decode pass is seen, and can be cancelled, while it runs. Only
    the thread that made it calls the run's callback (a window's progress bar may not expect
    another thread): the audio thread's progress shows at the next report of the caller's
    thread."""

    def __init__(self, ctx: JobContext, **weights: float) -> None:
        self._ctx = ctx
        self._order = list(weights)
        self._weights = {k: float(w) for k, w in weights.items() if w > 0}
        self._done = dict.fromkeys(self._weights, 0.0)
        self._messages: dict[str, str] = {}  # branch → its latest message, while at work
        self._finished: set[str] = set()
        self._lock = threading.Lock()
        self._owner = threading.get_ident()

    def branch(
        self, name: str, label: str, start: float = 0.0, end: float = 1.0
    ) -> ProgressFn:
        """Progress of the step of branch ``name`` that fills ``start``…``end`` of it
        (:func:`~vidi_desktop.core.progress.shares`), labelled ``label``."""

        def report(fraction: float | None, detail: str = "") -> None:
            with self._lock:
                if fraction is not None and name in self._done:
                    done = start + (end - start) * min(1.0, max(0.0, fraction))
                    self._done[name] = max(self._done[name], done)
                if name not in self._finished:
                    self._messages[name] = f"{label}: {detail}" if detail else label
                self._update()
                fraction, message = self.fraction, self.message
            if threading.get_ident() == self._owner:
                self._ctx.progress(fraction, message)

        return report

    def finish(self, name: str) -> None:
        """Branch ``name`` has nothing left to do: its share is full, its message goes."""
        with self._lock:
            self._finished.add(name)
            if name in self._done:
                self._done[name] = 1.0
            self._messages.pop(name, None)
            self._update()

    fraction: float | None = None
    message: str = ""

    def _update(self) -> None:
        total = sum(self._weights.values())
        if total > 0:
            self.fraction = sum(self._weights[k] * self._done[k] for k in self._done) / total
        self.message = " · ".join(self._messages[k] for k in self._order if k in self._messages)

    def show(self) -> None:
        """Report the latest state from the caller's thread (while it waits for another)."""
        with self._lock:
            fraction, message = self.fraction, self.message
        self._ctx.progress(fraction, message)


class _AudioSide(threading.Thread):
    """The audio read and the audio analysers that need no pictures, on a second thread.

    It works on a FileAnalysis of its own (results and notes are merged by
    :meth:`join_into`, after the pictures'), with a cancel flag of its own, set when the run
    is cancelled or the pictures side fails.
    """

    def __init__(
        self,
        info: MediaInfo,
        options: AnalyzeOptions,
        specs: list[AnalyserSpec],
        detect: bool,
        progress: _Progress,
        steps: dict[str, tuple[float, float]],
    ) -> None:
        super().__init__(name="vidi-audio", daemon=True)
        self._info, self._options, self._specs = info, options, specs
        self._detect, self._progress, self._steps = detect, progress, steps
        self.cancel = threading.Event()
        self.side = FileAnalysis(info)
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            def part(label: str, step: str) -> JobContext:
                report = self._progress.branch("audio", label, *self._steps[step])
                return JobContext(cancel=self.cancel, on_progress=report)

            reading = part("audio", "read")
            self.side.audio = _read_audio(
                self._info, self.side, reading, self._detect,
                gated=self._options.voice_activity == "gated",
            )
            if self.side.audio is None:
                return
            run = AnalysisRun(self._info, self._options, self.side, {}, reading)
            for spec in self._specs:
                _compute(run, [spec], part(spec.name, spec.name))
        except BaseException as exc:  # handed to the caller's thread by join_into
            self.error = exc
        finally:
            self._progress.finish("audio")

    def abandon(self) -> None:
        """Stop the audio side (the run was cancelled or the pictures side failed).

        It is not waited for: a cancelled run returns at once, and the thread ends at its
        next cancel check (it only ever wrote to its own FileAnalysis, dropped here).
        """
        self.cancel.set()

    def join_into(self, result: FileAnalysis, ctx: JobContext, progress: _Progress) -> None:
        """Wait (showing progress, passing on a cancel) and merge: notes after the pictures',
        then results."""
        while self.is_alive():
            self.join(0.05)
            if ctx.cancel.is_set():
                self.abandon()
                ctx.check_cancelled()
            progress.show()
        if self.error is not None:
            raise self.error
        result.notes.extend(self.side.notes)
        result.results.update(self.side.results)
        result.audio = self.side.audio


def _compute(run: AnalysisRun, specs: list[AnalyserSpec], ctx: JobContext) -> None:
    run.ctx = ctx
    for spec in specs:
        if spec.compute is not None:
            spec.compute(run)


def _decode_pass(
    info: MediaInfo,
    options: AnalyzeOptions,
    needed: tuple[AnalyserSpec, ...],
    result: FileAnalysis,
    ctx: JobContext,
) -> dict[str, Any]:
    """Feed every needed frame analyser from one decode pass; results by analyser name."""
    watching = [(s.name, s.frames(options)) for s in needed if s.frames is not None]
    if not watching:
        return {}
    if info.video is None:
        result.notes.append(NO_VIDEO_NOTE)
        return {}
    from vidi_desktop.analysis.pipeline import run_visual_pass

    names = [fa.name for _, fa in watching]
    if len(set(names)) != len(names):
        raise ValueError(f"two frame analysers share a name: {sorted(names)}")
    finished, report = run_visual_pass(info.path, info, [fa for _, fa in watching], ctx)
    note = stopped_note(report)
    if note is not None:
        result.notes.append(note)
    return {name: finished[fa.name] for name, fa in watching}


def stopped_note(report: PassReport) -> str | None:
    """The note for a decode pass that stopped early (truncated or damaged file), if it did."""
    if not report.complete and report.stopped_at is not None:
        return (
            f"pictures decoded up to {float(report.stopped_at.seconds):.2f} s "
            f"({report.reason})"
        )
    return None


def _read_audio(
    info: MediaInfo, result: FileAnalysis, ctx: JobContext, speech: bool, gated: bool = False
) -> AudioClip | None:
    """The 16 kHz clip; with ``speech``, voice activity is scored while it decodes (both cores,
    the same segments as in turn) and kept for the speech analyser — ``gated``: only where
    loudness cannot tell (:mod:`~vidi_desktop.analysis.speech_gate`)."""
    from vidi_desktop.analysis.speech import load_and_detect_speech, load_speech_audio

    if speech:
        if gated:
            from vidi_desktop.analysis.speech_gate import load_and_gate_speech as load_and_detect
        else:
            load_and_detect = load_and_detect_speech
        found = load_and_detect(
            info.path, ctx=ctx, skip_missing=True, expected_seconds=float(info.duration)
        )
        clip = None
        if found is not None:
            clip, result.results[DETECTED_SPEECH] = found
    else:
        clip = load_speech_audio(info.path, ctx=ctx, skip_missing=True)
    if clip is None:
        result.notes.append(NO_AUDIO_NOTE)
    return clip
