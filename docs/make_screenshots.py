"""Regenerate the README screenshots in ``docs/screenshots/`` (1440x900 PNG, offscreen Qt;
``window-1280x720`` at the size of a small laptop screen).

Run from the repository root::

    .venv/bin/python docs/make_screenshots.py            # all of them
    .venv/bin/python docs/make_screenshots.py reframe    # just some (names below)

Most pictures come from the real command, ``vidi-desktop gui FILE --request TEXT
--screenshot OUT.png``, one subprocess each. Three need the playhead where the command does
not put it (the command shows the first suggestion's start): reframe wants a frame mid-shot
(the path starts at 0 s), subtitles a frame inside a cue, and the Edit view the silences
accepted and the program at its second join, the trim a silence cut's edge dragged onto a
shot boundary, mid-drag, and the 1280x720 picture I/O marks around the dissolve (see
:func:`_pose`, :func:`_show_edit`, :func:`_show_trim`, :func:`_show_marks`). Those drive
``MainWindow`` in a child process of this script through the same helpers
``vidi_desktop.qt.app.run_window`` uses, plus one selection and one seek.

The demo clip is generated here with :mod:`vidi_desktop.media.synth` (six shots: hard cuts,
one dissolve, one fade to black; espeak-ng speech with pauses) and kept in
``bench-results/screenshots/`` (ignored by git) so later runs reuse it. Settings, autosaves
and caches go to folders under the same place, never the user's own, so the window always
starts with the same layout, backend and empty request history.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "docs" / "screenshots"
WORK_DIR = ROOT / "bench-results" / "screenshots"
SAMPLE = ROOT / "resources" / "samples" / "example.mp4"
SIZE = (1440, 900)
SMALL_SIZE = (1280, 720)  # the "marks" pose: the window on a small screen
MAX_BYTES = 400_000

W, H, FPS = 1280, 720, 25
DEMO_SECONDS = 40
DEMO_VERSION = 3  # bump when the clip's recipe changes, so the cached file is rebuilt

# (name, clip: "demo" or "sample", request, pose): pose "" = the plain ``gui`` command,
# else how the in-process driver places the playhead before the picture (see _pose).
SHOTS: list[tuple[str, str, str, str]] = [
    ("window-scenes", "demo", "split into scenes", ""),
    ("window-silences", "demo", "remove the silences", ""),
    ("window-subtitles", "sample", "add subtitles", "longest-cue"),
    ("window-highlights", "demo", "give me three 10-second highlights", ""),
    ("window-reframe", "demo", "reframe to 9:16", "mid-shot"),
    ("window-edit", "demo", "remove the silences", "edit"),
    ("window-trim", "demo", "remove the silences", "trim"),
    ("window-1280x720", "demo", "split into scenes", "marks"),
]
REFRAME_SEEK_S = Fraction(9)  # mid-shot 2: the disc is off-centre, so the crop follows it

# Speech: (start second, sentence). Gaps of 2 s or more between them are the silences.
SPEECH: list[tuple[float, str]] = [
    (1.0, "Welcome back. Today we are looking at the harbour at sunrise."),
    (8.0, "The boats leave early, before the wind picks up."),
    (15.5, "Here is the market. Everything is fresh from the morning catch."),
    (23.0, "Later, the light turns gold over the old town."),
    (30.5, "And that is where we end the day."),
    (36.0, "Thanks for watching."),
]


# -- the demo clip ----------------------------------------------------------------------
def _plasma(
    tint: tuple[float, float, float], scale: float, drift: float
) -> Callable[[int], np.ndarray]:
    """Soft drifting colour waves. Smooth on purpose: synth's ``moving_pattern`` speckles
    (its uint8 sums wrap), which reads as corruption and makes 500 KB screenshots."""
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float32)
    gain = np.array(tint, np.float32)

    def make(n: int) -> np.ndarray:
        t = n * drift
        v = (
            np.sin(xs / (90 * scale) + t)
            + np.sin(ys / (70 * scale) - 0.7 * t)
            + np.sin((xs + ys) / (130 * scale) + 0.4 * t)
        )  # -3..3
        level = (v + 3) / 6  # 0..1
        img = (40 + 150 * level)[..., None] * gain
        return np.clip(img, 0, 255).astype(np.uint8)

    return make


def _moving_disc(
    bg: tuple[int, int, int], fg: tuple[int, int, int], x0: float, x1: float, frames: int
) -> Callable[[int], np.ndarray]:
    """A bright disc gliding from ``x0`` to ``x1`` (fractions of the width) over a gradient:
    one subject for the reframer to follow."""
    ys, xs = np.mgrid[0:H, 0:W]
    shade = (0.6 + 0.4 * ys / H)[..., None]
    backdrop = (np.array(bg, np.float32) * shade).astype(np.uint8)
    r = H * 0.16

    def make(n: int) -> np.ndarray:
        f = n / max(1, frames - 1)
        cx = (x0 + (x1 - x0) * f) * W
        cy = H * (0.55 + 0.08 * np.sin(n / 9))
        img = backdrop.copy()
        img[(xs - cx) ** 2 + (ys - cy) ** 2 < r * r] = fg
        return img

    return make


def _hills(sky: tuple[int, int, int], land: tuple[int, int, int]) -> Callable[[int], np.ndarray]:
    """A sky gradient over a rolling green horizon that drifts slowly sideways (slowly, so
    the dissolve into it stands out from the motion beside it, as the shot detector asks)."""
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float32)
    sky_img = np.array(sky, np.float32) * (0.55 + 0.45 * ys / H)[..., None]
    land_img = np.array(land, np.float32) * (1.1 - 0.5 * (ys / H))[..., None]

    def make(n: int) -> np.ndarray:
        horizon = H * (0.58 + 0.07 * np.sin((xs[0] + n * 1.5) / 160)
                       + 0.03 * np.sin((xs[0] - n) / 57))
        ground = ys >= horizon[None, :]
        return np.clip(np.where(ground[..., None], land_img, sky_img), 0, 255).astype(np.uint8)

    return make


def _demo_picture() -> Callable[[int], np.ndarray]:
    """The shot list, frame by frame: (first frame, last frame exclusive, picture)."""
    s = FPS
    shots = [
        (0 * s, 7 * s, _plasma((0.35, 1.15, 1.05), 1.0, 0.06)),  # teal waves
        # hard cut
        (7 * s, 14 * s, _moving_disc((30, 40, 110), (255, 190, 60), 0.2, 0.75, 7 * s)),
        # hard cut
        (14 * s, 21 * s, _plasma((1.3, 0.45, 0.85), 0.6, 0.05)),  # magenta ripples
        # 1 s dissolve, 20-21 s, into
        (20 * s, 28 * s, _hills((250, 200, 90), (50, 140, 60))),  # golden sky, green hills
        # hard cut
        (28 * s, 34 * s, _plasma((1.35, 0.85, 0.35), 1.8, 0.04)),  # amber swells, fade out
        # black 34-35 s, then a hard cut from black
        (35 * s, 40 * s, _moving_disc((90, 30, 100), (120, 230, 255), 0.8, 0.35, 5 * s)),
    ]
    fade_out = (33 * s, 34 * s)
    black = np.zeros((H, W, 3), np.uint8)

    def make(n: int) -> np.ndarray:
        live = [(a, b, pic) for a, b, pic in shots if a <= n < b]
        if not live:
            return black.copy()
        if len(live) == 2:  # the dissolve
            (a0, b0, p0), (a1, _, p1) = live
            w = (n - a1 + 0.5) / (b0 - a1)
            img = p0(n - a0).astype(np.float32) * (1 - w) + p1(n - a1).astype(np.float32) * w
            return img.astype(np.uint8)
        a, _, pic = live[0]
        img = pic(n - a)
        if fade_out[0] <= n < fade_out[1]:
            k = 1 - (n - fade_out[0] + 1) / (fade_out[1] - fade_out[0])
            img = (img.astype(np.float32) * k).astype(np.uint8)
        return img

    return make


def _demo_audio(rate: int = 48000) -> Callable[[np.ndarray], np.ndarray]:
    """The sentences at their times, a faint room tone between them (not digital zero)."""
    from vidi_desktop.media.synth import speak

    track = np.zeros(int(DEMO_SECONDS * rate) + rate, np.float32)
    for start, text in SPEECH:
        voice = speak(text, wpm=160, rate=rate)
        i = int(start * rate)
        n = min(len(voice), len(track) - i)
        track[i : i + n] += voice[:n]
    rng = np.random.default_rng(7)
    track += rng.normal(0, 0.0015, len(track)).astype(np.float32)

    def audio(t: np.ndarray) -> np.ndarray:
        return track[np.minimum((t * rate).astype(np.int64), len(track) - 1)]

    return audio


def demo_clip() -> Path:
    """The demo clip, generated on first use (about half a minute on two cores)."""
    from vidi_desktop.media.synth import write_clip

    path = WORK_DIR / f"demo-v{DEMO_VERSION}.mp4"
    if path.is_file():
        return path
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part.mp4")
    t0 = time.monotonic()
    write_clip(
        tmp,
        frames=DEMO_SECONDS * FPS,
        rate=FPS,
        size=(W, H),
        picture=_demo_picture(),
        stamp=False,  # the barcode is for tests; it would only clutter the picture
        crf=20,
        preset="veryfast",
        audio=_demo_audio(),
    )
    tmp.replace(path)
    print(f"demo clip: {path} ({time.monotonic() - t0:.1f} s)", flush=True)
    return path


# -- the screenshots --------------------------------------------------------------------
def _isolated_env() -> dict[str, str]:
    """Environment for a reproducible window: offscreen, own settings/data/cache folders."""
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env["XDG_CONFIG_HOME"] = str(WORK_DIR / "config")
    env["VIDI_DESKTOP_DATA_DIR"] = str(WORK_DIR / "data")
    env["VIDI_DESKTOP_CACHE_DIR"] = str(WORK_DIR / "cache")
    return env


def _fresh_settings() -> None:
    """Forget the settings and request history a previous run left."""
    for sub in ("config", "data"):
        shutil.rmtree(WORK_DIR / sub, ignore_errors=True)


def shoot_with_command(clip: Path, request: str, out: Path) -> None:
    """One screenshot through ``vidi-desktop gui`` (the path users and CI take)."""
    _fresh_settings()
    cmd = [
        sys.executable, "-m", "vidi_desktop", "gui", str(clip),
        "--backend", "builtin",
        "--request", request,
        "--screenshot", str(out),
        "--size", f"{SIZE[0]}x{SIZE[1]}",
    ]
    subprocess.run(cmd, cwd=ROOT, env=_isolated_env(), check=True, timeout=900)


def shoot_in_process(pose: str, clip: Path, request: str, out: Path) -> None:
    """A picture that needs the playhead somewhere the command does not put it.

    Runs in a child process of this script (``--in-process``) so that it gets the same
    isolated environment, and its own QApplication, like the other pictures.
    """
    _fresh_settings()
    cmd = [sys.executable, str(Path(__file__).resolve()), "--in-process", pose,
           str(clip), request, str(out)]
    subprocess.run(cmd, cwd=ROOT, env=_isolated_env(), check=True, timeout=900)


def _pose(window: object, pose: str) -> Fraction:
    """Select a suggestion and pick the time to show; returns that time (seconds).

    * ``mid-shot``: keep the selection (the reframe path) and show 9 s, mid-way through the
      moving-disc shot, so the crop window sits off-centre over its subject.
    * ``longest-cue``: select the subtitle with the most text and show its middle frame, so
      the caption is drawn in the viewer (at a cue's very first frame it may not be: the
      frame can start a few ms before the cue does).
    """
    from vidi_desktop.core.project.model import SubtitleCue

    session = window.session  # type: ignore[attr-defined]
    if pose == "mid-shot":
        return REFRAME_SEEK_S
    if pose == "longest-cue":
        project = session.document.project
        cues = [s for s in project.suggestions if isinstance(s.payload, SubtitleCue)]
        if not cues:
            raise SystemExit("no subtitle cue to show")
        best = max(cues, key=lambda s: len(s.payload.text))
        session.select(best.id)
        r = best.payload.range
        return r.start.seconds + r.duration.seconds / 2
    raise SystemExit(f"unknown pose {pose!r}")


def _show_edit(app: object, window: object, out: Path) -> None:
    """Accept every silence cut, show the Edit view at the second join, save the picture."""
    from vidi_desktop.qt import app as qt_app

    session = window.session  # type: ignore[attr-defined]
    accepted = session.document.accept_all("cut_range")
    if len(accepted) < 2:
        raise SystemExit("fewer than two silences to cut: no join to show")
    viewer = window.viewer  # type: ignore[attr-defined]
    viewer.set_mode("edit")
    program = viewer.program
    if program is None:
        raise SystemExit("no edit to show")
    join = program.clips[2].record_in if len(program.clips) > 2 else program.clips[1].record_in
    player = viewer.program_player
    qt_app._wait_until(app, lambda: player.facts is not None, time.monotonic() + 60)
    viewer.seek_program(join)
    qt_app._wait_until(
        app,
        lambda: viewer.current_frame is not None and viewer.current_frame.exact
        and viewer.current_frame.index == join,
        time.monotonic() + 60,
    )
    session.select("")
    qt_app._wait_until(app, lambda: False, time.monotonic() + qt_app.SETTLE_S * 2)
    qt_app._save_screenshot(window, out)


def _show_trim(app: object, window: object, out: Path) -> None:
    """Mid-drag: a silence cut's edge pulled onto the shot boundary inside it, snapping on.

    The scenes are asked for too (the shots are what the edge snaps to). Real mouse events
    on the timeline's viewport, as the tests send them; the picture is taken before the
    button is let go, so the label, the lit edge and the part trimmed off show.
    """
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from vidi_desktop.core.project.model import SceneBoundary, SilenceCut
    from vidi_desktop.qt import app as qt_app
    from vidi_desktop.qt.timeline import HEADER_W

    error = qt_app._ask_and_wait(app, window, "split into scenes", time.monotonic() + 900)
    if error:
        raise SystemExit(f"'split into scenes' failed: {error}")
    session, timeline = window.session, window.timeline  # type: ignore[attr-defined]
    project = session.document.project
    shots = [s.payload.time.seconds for s in project.suggestions
             if isinstance(s.payload, SceneBoundary) and s.payload.transition == "cut"]
    silences = [s for s in project.suggestions if isinstance(s.payload, SilenceCut)]
    pairs = [(s, t) for s in silences for t in shots
             if s.payload.range.start.seconds < t < s.payload.range.end_exclusive.seconds]
    if not pairs:
        raise SystemExit("no silence with a shot cut inside it: nothing to snap to")
    cut, shot = pairs[0]
    r = cut.payload.range
    a, b = float(r.start.seconds), float(r.end_exclusive.seconds)
    lanes_w = timeline.viewport().width() - HEADER_W
    timeline.set_view(a - 1.5, lanes_w / (b - a + 3.0))
    viewport = timeline.viewport()
    y = round(timeline.item_rect(cut.id).center().y())
    start = QPoint(round(timeline.x_of(b)), y)
    end_x = round(timeline.x_of(shot)) + 5  # 5 px short of the shot: snapping pulls it on
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for x in (start.x() - (start.x() - end_x) // 2, end_x):
        QTest.mouseMove(viewport, QPoint(x, y))
    if timeline.trim.snapped_to is None:
        raise SystemExit("the edge did not snap to the shot")
    qt_app._wait_until(app, lambda: False, time.monotonic() + qt_app.SETTLE_S * 2)
    qt_app._save_screenshot(window, out)
    QTest.keyClick(viewport, Qt.Key.Key_Escape)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(end_x, y))


def _show_marks(app: object, window: object, out: Path) -> None:
    """At 1280x720: I/O marks a second either side of the first dissolve (or fade), the
    transition selected and the playhead in its middle, then the picture."""
    from vidi_desktop.core.project.model import SceneBoundary
    from vidi_desktop.qt import app as qt_app

    session, viewer = window.session, window.viewer  # type: ignore[attr-defined]
    gradual = [s for s in session.document.project.suggestions
               if isinstance(s.payload, SceneBoundary) and s.payload.duration]
    if not gradual:
        raise SystemExit("no dissolve or fade found to show")
    chosen = min(gradual, key=lambda s: (s.payload.transition != "dissolve",
                                          s.payload.time.seconds))
    extent = chosen.payload.extent()

    def go(seconds: Fraction) -> None:
        session.request_seek(seconds)
        qt_app._wait_until(
            app,
            lambda: viewer.current_frame is not None and viewer.current_frame.exact
            and viewer.current_frame.index == viewer.player.current_frame,
            time.monotonic() + 60,
        )

    go(extent.start.seconds - 1)
    viewer.mark_in()
    go(extent.end_exclusive.seconds + 1)
    viewer.mark_out()
    session.select(chosen.id)
    go(extent.start.seconds + extent.duration.seconds / 2)
    qt_app._wait_until(app, lambda: False, time.monotonic() + qt_app.SETTLE_S * 2)
    qt_app._save_screenshot(window, out)


def _shoot_here(pose: str, clip: Path, request: str, out: Path) -> int:
    """Drive MainWindow like ``qt.app.run_window`` (scripted), seeking before the picture."""
    from vidi_desktop.qt import app as qt_app
    from vidi_desktop.qt.main_window import MainWindow
    from vidi_desktop.qt.settings_dialog import backend_options, load_model_settings

    restore_messages = qt_app.install_message_handler()
    app = qt_app.ensure_app()
    window = MainWindow(restore_layout=False)
    restore_hook = qt_app.install_excepthook(window)
    try:
        settings = load_model_settings()
        settings.backend = "builtin"
        window.bridge.set_backend("builtin", backend_options(settings))
        window.interactive = False
        window.resize(*(SMALL_SIZE if pose == "marks" else SIZE))
        window.show()
        window.open_paths([clip])
        deadline = time.monotonic() + 900
        if not qt_app._wait_until(app, lambda: not window.media_bin.is_busy, deadline):
            raise SystemExit(f"{clip} was not read in time")
        error = qt_app._ask_and_wait(app, window, request, deadline)
        if error:
            raise SystemExit(f"{request!r} failed: {error}")
        if pose == "edit":
            _show_edit(app, window, out)
            return 0
        if pose == "trim":
            _show_trim(app, window, out)
            return 0
        if pose == "marks":
            _show_marks(app, window, out)
            return 0
        target = _pose(window, pose)
        window.session.request_seek(target)
        qt_app._wait_until(
            app,
            lambda: abs(window.session.position - target) < Fraction(1, 10)
            and getattr(window.viewer, "current_frame", None) is not None,
            time.monotonic() + 30,
        )
        # Thumbnails and the waveform, as the command's own settle step allows for.
        qt_app._wait_until(app, lambda: False, time.monotonic() + qt_app.SETTLE_S * 2)
        qt_app._save_screenshot(window, out)
    finally:
        qt_app._close_quietly(window, app)
        restore_hook()
        restore_messages()
    return 0


def main(argv: list[str] | None = None) -> int:
    names = [s[0].removeprefix("window-") for s in SHOTS]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", metavar="NAME",
                        help=f"just these pictures ({', '.join(names)}); default all")
    parser.add_argument("--in-process", nargs=4, metavar=("POSE", "CLIP", "REQUEST", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only) - set(names))
    if unknown:
        parser.error(f"unknown picture(s): {', '.join(unknown)}; choose from {', '.join(names)}")
    if args.in_process:
        pose, clip, request, out = args.in_process
        return _shoot_here(pose, Path(clip), request, Path(out))

    t_all = time.monotonic()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    clips = {"demo": demo_clip(), "sample": SAMPLE}
    for name, clip_key, request, pose in SHOTS:
        if args.only and name.removeprefix("window-") not in args.only:
            continue
        out = OUT_DIR / f"{name}.png"
        t0 = time.monotonic()
        if pose:
            shoot_in_process(pose, clips[clip_key], request, out)
        else:
            shoot_with_command(clips[clip_key], request, out)
        size = out.stat().st_size
        print(f"{out.relative_to(ROOT)}: {size / 1000:.0f} KB, "
              f"{time.monotonic() - t0:.1f} s", flush=True)
        if size > MAX_BYTES:
            print(f"  warning: over {MAX_BYTES // 1000} KB", flush=True)
    print(f"all done in {time.monotonic() - t_all:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
