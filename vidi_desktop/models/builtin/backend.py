"""The built-in backend: plain-language requests routed to the built-in analysers, on the CPU.

The MiniLM sentence-embedding router (model in the app's resources, nothing downloaded;
exemplar embeddings cached on disk) is loaded on the first request that needs it, or ahead
of it on a background thread (:meth:`BuiltinBackend.warm_up`, which the window calls at
start): a preset's words (:mod:`.presets`) are an exact intent and skip routing entirely,
so a preset never waits for the router, loaded or not. ``run`` routes the request
(:mod:`.router`), resolves the time window it names (or ``Request.window``), takes the
parameters ``Request.options`` sets (:mod:`.knobs`), runs the task on each asset
(:mod:`.tasks`) and returns plain suggestions. Requests it cannot serve get one
:class:`~vidi_desktop.core.project.Answer` that says why and what would serve them — a
vision-language model for questions about what is in the picture — never a guess.
"""

from __future__ import annotations

import logging
import threading
import time
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from vidi_desktop.core.errors import CancelledError
from vidi_desktop.core.progress import JobContext, ProgressFn, check_cancel
from vidi_desktop.core.project import Answer, Suggestion
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.models.builtin import intents as I
from vidi_desktop.models.builtin.embedder import make_embedder
from vidi_desktop.models.builtin.knobs import apply_options
from vidi_desktop.models.builtin.params import format_seconds
from vidi_desktop.models.builtin.presets import preset_route
from vidi_desktop.models.builtin.router import RoutedRequest, Router
from vidi_desktop.models.builtin.tasks import TASKS, AnalysisStore, TaskInput
from vidi_desktop.models.protocol import AssetRef, Capabilities, Request, RequestError

if TYPE_CHECKING:
    from vidi_desktop.media.probe import MediaInfo
    from vidi_desktop.models.builtin.plan import Plan

log = logging.getLogger(__name__)


class BuiltinBackend:
    """The embedded default backend (see the module docstring)."""

    name = "builtin"

    def __init__(self, whisper_model: str | None = None, embedder_path: str | None = None) -> None:
        self.whisper_model = whisper_model
        self.embedder = make_embedder(embedder_path)
        self.router = Router(self.embedder)
        self.store = AnalysisStore()
        self.load_seconds: float | None = None
        self.last_route: RoutedRequest | None = None
        self._ready = False
        # One router load at a time: a typed request waits for the one under way.
        self._router_lock = threading.Lock()
        self._warming: threading.Thread | None = None
        self._warm_cancel = threading.Event()

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            name=self.name,
            temporal=False,  # free-text moments need a VLM; phrase search is a builtin task
            spatial=False,
            chapters=True,
            answers=False,
            builtin_tasks=I.SERVED,
            needs_gpu=False,
            description="built-in analysers on the CPU: "
            + ", ".join(I.BY_NAME[n].title for n in I.SERVED),
        )

    @property
    def loaded(self) -> bool:
        return self._ready

    def load(self, progress: ProgressFn, cancel: threading.Event) -> None:
        """Nothing to load up front: the analysers load their models when they run, and the
        router on the first request that is not a preset (:meth:`load_router`)."""
        check_cancel(cancel)
        self._ready = True

    def load_router(self, progress: ProgressFn, cancel: threading.Event) -> None:
        """Load the sentence-embedding model and the exemplars' embeddings (cached on disk);
        while another thread loads it (:meth:`warm_up`), wait for that load (cancellable)."""
        check_cancel(cancel)
        if self.router.loaded:
            return
        what = "MiniLM" if type(self.embedder).__name__ == "Embedder" else "word rules"
        progress(0.0, f"loading the request router ({what})")
        while not self._router_lock.acquire(timeout=0.1):
            check_cancel(cancel)
        try:
            if self.router.loaded:  # loaded meanwhile, in the background
                progress(1.0, "request router ready")
                return
            started = time.perf_counter()
            self.router.load()
            self.load_seconds = time.perf_counter() - started
        finally:
            self._router_lock.release()
        progress(1.0, f"request router ready ({self.load_seconds:.1f} s)")

    def warm_up(self) -> None:
        """Start loading the request router on a background thread and return at once (a
        no-op when it is loaded or loading). Presets never wait for it; a typed request
        finds it ready, or waits for this load instead of starting its own."""
        if self.router.loaded or (self._warming is not None and self._warming.is_alive()):
            return
        self._warm_cancel = threading.Event()
        self._warming = threading.Thread(
            target=self._warm, args=(self._warm_cancel,), name="vidi-router", daemon=True
        )
        self._warming.start()

    def _warm(self, cancel: threading.Event) -> None:
        try:
            self.load_router(lambda fraction, message="": None, cancel)
        except CancelledError:
            pass
        except Exception as exc:  # the first typed request loads it again and says why
            log.warning("loading the request router in the background failed: %s", exc)

    @property
    def router_loading(self) -> bool:
        """True while :meth:`warm_up`'s background load runs."""
        return self._warming is not None and self._warming.is_alive()

    def unload(self) -> None:
        """Drop the embedding model and the kept analyses (a background router load that is
        still waiting to start gives up)."""
        self._warm_cancel.set()
        self.embedder.unload()
        self.router = Router(self.embedder)
        self.store.clear()
        self._ready = False

    def route(self, text: str) -> RoutedRequest:
        """The routing decision alone (for the GUI's hints, benchmarks and tests)."""
        return preset_route(text) or self.router.route(text)

    def run(
        self, request: Request, progress: ProgressFn, cancel: threading.Event
    ) -> list[Suggestion]:
        """Route ``request`` and run its task(s) on every asset (see the module docstring)."""
        if not self._ready:
            self.load(progress, cancel)
        check_cancel(cancel)
        routed = preset_route(request.text)
        if routed is None:
            self.load_router(progress, cancel)
            check_cancel(cancel)
            routed = self.router.route(request.text)
        self.last_route = routed
        if not routed.served:
            return [self._decline(request, routed)]
        tasks = [routed, *routed.also]
        steps = len(tasks) * len(request.assets)
        out: list[Suggestion] = []
        step = 0
        for asset in request.assets:
            info = _probe(asset)
            extent = _extent(info)
            for routed_task in tasks:
                check_cancel(cancel)
                # The preset popover's values (Request.options) win over the words.
                task, knobs = apply_options(routed_task, request.options)
                window = _window(request, task, info, extent)
                job = JobContext(cancel=cancel, on_progress=_stage(progress, step, steps, task))
                found = TASKS[task.intent](
                    TaskInput(
                        asset,
                        info,
                        task,
                        extent,
                        window,
                        job,
                        self.store,
                        self.embedder,
                        self.whisper_model,
                        knobs,
                    )
                )
                out += [_stamp(s, request, task) for s in found]
                step += 1
        progress(1.0, "done")
        return out

    # -- requests it does not serve -----------------------------------------------------------

    def _decline(self, request: Request, routed: RoutedRequest) -> Suggestion:
        from vidi_desktop.models.builtin.plan import refusal_message

        text = refusal_message(routed)
        # "refusal" marks it as a request not served (the CLI exits 2 with it, adding nothing).
        reason = "needs_vlm" if routed.intent == I.NEEDS_VLM else "unsupported"
        return Suggestion.new(
            request.assets[0].asset_id,
            Answer(text),
            f"builtin.{routed.intent}",
            label=text if len(text) <= 60 else text[:57] + "…",
            metadata={"vidi": {"routing": _routing_meta(routed), "refusal": reason}},
            request=request.text,
        )

    def plan(
        self,
        text: str,
        duration: Fraction | None,
        selected: tuple[Fraction, Fraction] | None = None,
    ) -> Plan:
        """What ``text`` would run on footage ``duration`` s long, without running it
        (:mod:`.plan`; the window's request box shows it as a hint)."""
        from vidi_desktop.models.builtin.plan import Planner

        return Planner(self.router).plan(text, duration, selected)


# -- helpers ---------------------------------------------------------------------------------------


def _probe(asset: AssetRef) -> MediaInfo:
    from vidi_desktop.media.probe import probe

    return probe(asset.path, allow_truncated=True)


def _extent(info: MediaInfo) -> TimeRange:
    start = Time.exact(Fraction(info.start_time))
    return TimeRange(start, Time.exact(Fraction(info.duration)))


def _window(
    request: Request, task: RoutedRequest, info: MediaInfo, extent: TimeRange
) -> TimeRange | None:
    """The part of the file to work on: the request's window ∩ the one its words name.

    A window past the end of the file is an error the editor can act on, not an empty
    answer. Words count from the start of the file ("the first 5 minutes"); ``Request.window``
    is on the media timeline, like the suggestions.
    """
    windows: list[tuple[TimeRange, str]] = []
    if request.window is not None:
        r = request.window
        desc = f"{format_seconds(r.start.seconds)}–{format_seconds(r.end_exclusive.seconds)}"
        windows.append((r, desc))
    named = task.params.window
    if named is not None:
        a, b = named.resolve(Fraction(info.duration))
        base = extent.start
        # "after 10:00" of a 20 s clip resolves to nothing: report it as outside the clip.
        b = max(a, b)
        r = TimeRange.from_start_end(base + Time.exact(a), base + Time.exact(b))
        windows.append((r, f"“{named.text}”"))
    if not windows:
        return None
    span = extent
    for r, desc in windows:
        if r.is_empty() or extent.intersection(r) is None:
            raise RequestError(
                f"{desc} is outside {info.path.name}, which runs "
                f"{format_seconds(extent.start.seconds)}–"
                f"{format_seconds(extent.end_exclusive.seconds)}"
            )
        inside = span.intersection(r)
        if inside is None:
            raise RequestError(
                f"{windows[1][1]} and the selected window {windows[0][1]} do not overlap"
            )
        span = inside
    return None if span == extent else span


def _stage(progress: ProgressFn, step: int, steps: int, task: RoutedRequest) -> Any:
    title = I.BY_NAME[task.intent].title

    def report(fraction: float | None, message: str) -> None:
        overall = None if fraction is None else (step + fraction) / steps
        progress(overall, f"{title}: {message}" if message else title)

    return report


def _routing_meta(routed: RoutedRequest) -> dict[str, Any]:
    return {
        "intent": routed.intent,
        "score": routed.score,
        "why": routed.explanation,
        "params": routed.params.as_dict(),
    }


def _stamp(s: Suggestion, request: Request, task: RoutedRequest) -> Suggestion:
    """The suggestion with the request's words and the routing decision attached."""
    metadata = dict(s.metadata)
    vidi = dict(metadata.get("vidi", {}))
    vidi["routing"] = _routing_meta(task)
    metadata["vidi"] = vidi
    return s.replace(request=request.text, metadata=metadata)
