"""The corpus search under the media bin: open a batch index, search, go to a hit, export."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import math
import shutil
import threading
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from windows import close_window

from vidi_desktop.qt import corpus_panel as cp
from vidi_desktop.qt.clock import AssetClock
from vidi_desktop.qt.corpus_panel import CorpusPanel
from vidi_desktop.qt.media_bin import MediaBin
from vidi_desktop.qt.session import Session

RATE = 16000
FPS = Fraction(30000, 1001)
SHOTS = Path("/tmp/shots")


@pytest.fixture(scope="module")
def corpus(make_clip: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A real batch index (shots + subtitles) of two generated clips: ``corpus_talk.mp4``
    (29.97 fps, DF timecode 01:00:00;00, espeak-ng says a sentence with "budget" in it) and
    ``corpus_quiet.mp4`` (no sound). Returns the index folder, the talk clip and where
    "budget" is said (seconds)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("needs espeak-ng")
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.media.synth import speak
    from vidi_desktop.services.batch import BatchSettings, run_batch

    # "budget" is synthesised on its own so its true span is known to the sample.
    pieces = [np.zeros(RATE // 2, np.float32)]
    at = RATE // 2
    said: dict[str, tuple[float, float]] = {}
    # Whisper tiny.en hears this phrasing of espeak-ng reliably ("talk about the budget"
    # at 150 wpm it may hear as "talk him out, let's merge it").
    for text in ("Today we will discuss the", "budget", "for the new office."):
        voice = speak(text, "en-us", 150)
        said[text] = (at / RATE, (at + len(voice)) / RATE)
        pieces += [voice, np.zeros(RATE // 4, np.float32)]
        at += len(voice) + RATE // 4
    pieces.append(np.zeros(RATE // 2, np.float32))
    track = np.concatenate(pieces)

    def audio(t: np.ndarray) -> np.ndarray:
        return np.interp(t, np.arange(len(track)) / RATE, track)

    frames = math.ceil(len(track) / RATE * FPS)
    talk = make_clip(
        "corpus_talk.mp4", frames=frames, rate=FPS, size=(192, 108), audio=audio,
        timecode="01:00:00;00",
    )
    quiet = make_clip("corpus_quiet.mp4", frames=50, rate=25, size=(192, 108))
    out = tmp_path_factory.mktemp("corpus_index")
    options = AnalyzeOptions(shots=True, subtitles=True, thumbnails=0, waveform=False)
    result = run_batch([talk, quiet], out, BatchSettings(options))
    assert result.analysed == ["corpus_quiet.mp4", "corpus_talk.mp4"]
    return {"index": out, "talk": talk, "budget": said["budget"]}


@pytest.fixture
def bin_and_panel(qtbot) -> Iterator[tuple[Session, MediaBin, CorpusPanel]]:
    """A media bin with the corpus panel under it, wired as the window wires them."""
    session = Session()
    media_bin = MediaBin(session)
    panel = CorpusPanel(session)
    media_bin.add_section(panel)
    panel.add_media_requested.connect(media_bin.add_paths)
    qtbot.addWidget(media_bin)
    media_bin.resize(320, 640)
    media_bin.show()
    qtbot.waitExposed(media_bin)
    yield session, media_bin, panel
    panel.shutdown()
    media_bin.shutdown()


def open_index(qtbot, panel: CorpusPanel, path: Path) -> None:
    with qtbot.waitSignal(panel.index_loaded, timeout=60_000):
        panel.open_index(path)


def search(qtbot, panel: CorpusPanel, text: str) -> None:
    with qtbot.waitSignal(panel.search_finished, timeout=60_000):
        panel.search(text)


def double_click(qtbot, panel: CorpusPanel, row: int) -> None:
    item = panel.results.item(row)
    rect = panel.results.visualItemRect(item)
    # A real double click starts with a press (item views act only on a double click on the
    # item they saw pressed); QTest's double click alone sends no press first.
    qtbot.mouseClick(panel.results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_search_lists_hits_and_a_double_click_adds_the_file_and_seeks(
    qtbot, bin_and_panel, corpus, asset_of
) -> None:
    session, media_bin, panel = bin_and_panel
    open_index(qtbot, panel, corpus["index"])
    assert panel.index_label.text().endswith("2 files")

    # Return in the search line runs the search on a worker: nothing is listed yet when the
    # event handler returns, the hits arrive by signal.
    panel.query.setText("Budget")
    with qtbot.waitSignal(panel.search_finished, timeout=60_000):
        qtbot.keyClick(panel.query, Qt.Key.Key_Return)
        assert panel.results.count() == 0 and panel.status.text().startswith("Searching")
    assert len(panel.hits) == 1
    (hit,) = panel.hits
    assert (hit.key, hit.kind, hit.text.lower().strip(".,")) == (
        "corpus_talk.mp4", "transcript", "budget"
    )
    said_from, said_to = corpus["budget"]
    start, end = hit.range.start.seconds, hit.range.end_exclusive.seconds
    assert said_from - 0.3 <= start < end <= said_to + 0.3
    # The row: file name, source timecode range (DF), kind and the words.
    clock = AssetClock.of(asset_of(corpus["talk"]))
    name, span, words = panel.results.item(0).text().split("\n")
    assert name == "corpus_talk.mp4"
    assert span == f"{clock.timecode(start)} – {clock.timecode(end)}"
    assert span.startswith("01:00:0") and ";" in span  # drop-frame source timecode
    kind, said = words.split(": ")
    assert kind == "transcript" and said.lower().strip("“”.,") == "budget"
    assert panel.status.text() == "1 hit in 1 file"

    # Double-click: the file joins the project through the media bin, becomes the current
    # asset, and the player is asked for the hit's first instant, exactly.
    seeks: list[Fraction] = []
    session.seek_requested.connect(seeks.append)
    assert session.document.project.assets == ()
    double_click(qtbot, panel, 0)
    qtbot.waitUntil(lambda: bool(seeks), timeout=60_000)
    (asset,) = session.document.project.assets
    assert Path(asset.path).resolve() == corpus["talk"].resolve()
    assert session.asset_id == asset.id and media_bin.asset_ids() == [asset.id]
    assert seeks == [start] and isinstance(seeks[0], Fraction)
    assert panel.status.text() == f"corpus_talk.mp4 at {clock.timecode(start)}"
    # Again, by keyboard: the file is in the project already; no second copy, the same seek.
    panel.results.setFocus()
    qtbot.keyClick(panel.results, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(seeks) == 2, timeout=60_000)
    assert seeks[1] == start and len(session.document.project.assets) == 1
    qtbot.waitUntil(lambda: not media_bin.is_busy, timeout=60_000)
    assert len(session.document.project.assets) == 1


def test_no_hits_and_notes_are_one_line(qtbot, bin_and_panel, corpus) -> None:
    _, _, panel = bin_and_panel
    open_index(qtbot, panel, corpus["index"])
    panel.mode.setCurrentIndex(panel.mode.findData("visual"))
    search(qtbot, panel, "a red car")
    assert panel.hits == [] and panel.results.count() == 0
    text = panel.status.text()
    assert text.startswith("No hits. · the built-in visual search knows faces")
    assert "\n" not in text and not panel.export_button.isEnabled()
    panel.mode.setCurrentIndex(panel.mode.findData("transcript"))
    search(qtbot, panel, "zebra crossing")
    assert panel.hits == [] and panel.status.text() == "No hits."
    panel.search("   ")
    assert panel.status.text() == "Type words to find." and panel.status.property("role") == "error"


def test_export_selects_writes_the_hits(
    qtbot, bin_and_panel, corpus, tmp_path, monkeypatch, asset_of
) -> None:
    import opentimelineio as otio
    import pycmx

    _, _, panel = bin_and_panel
    open_index(qtbot, panel, corpus["index"])
    search(qtbot, panel, "budget")
    (hit,) = panel.hits
    assert panel.export_button.isEnabled()

    with qtbot.waitSignal(panel.exported, timeout=60_000) as sig:
        panel.export_selects(tmp_path / "selects.otio")
    assert sig.args == [str(tmp_path / "selects.otio")]
    timeline = otio.adapters.read_from_file(str(tmp_path / "selects.otio"))
    (clip,) = timeline.video_tracks()[0].find_clips()
    assert Path(clip.media_reference.target_url).name == "corpus_talk.mp4"
    # The selects start at the hit (source timecode frames; the exporter takes the first frame
    # starting inside the hit, the list the frame on screen at its start: at most one apart).
    clock = AssetClock.of(asset_of(corpus["talk"]))
    first = clip.source_range.start_time.value - clock.tc_start
    on_screen = clock.frame_at(hit.range.start.seconds)
    assert on_screen <= first <= on_screen + 1
    assert panel.status.text() == "Wrote 1 hit(s) to selects.otio."

    # The button asks where (answered here without a modal dialog): an EDL by its extension.
    monkeypatch.setattr(cp, "choose_selects_path", lambda parent, start: str(tmp_path / "s.edl"))
    qtbot.waitUntil(panel.export_button.isEnabled, timeout=60_000)  # off while one is written
    with qtbot.waitSignal(panel.exported, timeout=60_000):
        qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    with open(tmp_path / "s.edl") as fh:
        assert len(list(pycmx.parse_cmx3600(fh).events)) == 1

    # A format it cannot write: one line saying which it can, and no file.
    with qtbot.waitSignal(panel.message, timeout=60_000,
                          check_params_cb=lambda text: "format" in text):
        panel.export_selects(tmp_path / "selects.txt")
    assert "choose a selects format" in panel.status.text()
    assert panel.status.property("role") == "error" and not (tmp_path / "selects.txt").exists()


def test_a_bad_index_is_a_message_and_the_panel_keeps_working(
    qtbot, bin_and_panel, corpus, tmp_path
) -> None:
    _, _, panel = bin_and_panel
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "index.json").write_text("{not json")
    with qtbot.waitSignal(panel.message, timeout=60_000,
                          check_params_cb=lambda text: "damaged" in text):
        panel.open_index(damaged / "index.json")
    assert panel.status.text().endswith("damaged batch index (not JSON)")
    assert panel.status.property("role") == "error" and panel.index is None
    panel.search("budget")
    assert panel.status.text().startswith("Open a batch index first")
    with qtbot.waitSignal(panel.message, timeout=60_000,
                          check_params_cb=lambda text: "no batch index" in text):
        panel.open_index(tmp_path / "nowhere")
    # The good one still opens and searches after that.
    open_index(qtbot, panel, corpus["index"])
    search(qtbot, panel, "budget")
    assert len(panel.hits) == 1 and panel.status.property("role") == "dim"


def test_a_search_does_not_run_on_the_gui_thread(qtbot, bin_and_panel, corpus, monkeypatch):
    """The search function runs on a worker thread; a newer search drops an older one."""
    from vidi_desktop.services import corpus_search

    _, _, panel = bin_and_panel
    open_index(qtbot, panel, corpus["index"])
    threads: list[int] = []
    real_search = corpus_search.search

    def recording_search(*args, **kwargs):
        threads.append(threading.get_ident())
        return real_search(*args, **kwargs)

    monkeypatch.setattr(corpus_search, "search", recording_search)
    panel.search("year")  # replaced at once by the next one: its result is dropped
    search(qtbot, panel, "budget")
    qtbot.waitUntil(lambda: not panel.is_busy, timeout=60_000)
    assert threads and threading.get_ident() not in threads
    assert [h.text.lower().strip(".,") for h in panel.hits] == ["budget"]


def test_window_file_menu_opens_an_index_and_a_hit_plays(
    qtbot, corpus, scripted_factory, monkeypatch, asset_of
) -> None:
    from vidi_desktop.qt import main_window as mw
    from vidi_desktop.qt.theme import apply_theme

    monkeypatch.setattr(mw, "ask_save_changes", lambda *a: "discard")
    app = QApplication.instance()
    # The window as the app shows it (dark theme), put back afterwards for the other tests.
    saved = (app.style().name(), app.palette(), app.styleSheet())
    apply_theme(app)
    window = mw.MainWindow(Session(), backend_factory=scripted_factory, restore_layout=False)
    try:
        window.show()
        qtbot.waitExposed(window)
        action = window.actions_by_name["open_index"]
        file_menu = window.menuBar().actions()[0].menu()
        assert action in file_menu.actions() and action.text() == "Open Batch &Index…"
        monkeypatch.setattr(cp, "choose_index_path", lambda parent: str(corpus["index"]))
        panel = window.corpus
        with qtbot.waitSignal(panel.index_loaded, timeout=60_000):
            action.trigger()
        search(qtbot, panel, "budget")
        (hit,) = panel.hits
        double_click(qtbot, panel, 0)
        # The viewer shows the frame the hit's start falls on (the exports' rounding: the
        # first frame starting at or after it) and reports its time.
        clock = AssetClock.of(asset_of(corpus["talk"]))
        frame_start = clock.time_of(clock.frame_at(hit.range.start.seconds))
        qtbot.waitUntil(lambda: window.session.position == frame_start, timeout=60_000)
        assert window.statusBar().currentMessage()
        SHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SHOTS / "corpus.png"))
        window.media_bin.grab().save(str(SHOTS / "corpus_bin.png"))
    finally:
        close_window(window)
        app.setStyleSheet(saved[2])
        app.setPalette(saved[1])
        app.setStyle(saved[0])
