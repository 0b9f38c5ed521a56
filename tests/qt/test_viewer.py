"""The viewer widget driven through the session, on generated barcode footage."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from player_media import qimage_rgb, shown_number, truncated_copy

from vidi_desktop.core.project import Asset, ProjectDocument
from vidi_desktop.core.project.model import Box, ObjectTube, ReframePath, Suggestion
from vidi_desktop.qt.session import Session
from vidi_desktop.qt.viewer import ViewerWidget

pytestmark = pytest.mark.timeout(120)

NTSC = Fraction(30000, 1001)


def frame_seconds(n: int) -> Fraction:
    return n / NTSC


@pytest.fixture
def session(project_doc: ProjectDocument) -> Session:
    """The small 29.97 DF clip (60 frames, TC 01:00:00;00) with a subtitle 0.1-0.9 s."""
    s = Session()
    s.set_document(project_doc)
    return s


@pytest.fixture
def viewer(qtbot: object, session: Session) -> Iterator[ViewerWidget]:
    v = ViewerWidget(session, proxy="never")
    qtbot.addWidget(v)
    v.resize(720, 540)
    v.show()
    yield v
    v.close_media()


def wait_frame(qtbot: object, viewer: ViewerWidget, n: int) -> None:
    qtbot.waitUntil(
        lambda: viewer.current_frame is not None
        and viewer.current_frame.exact
        and viewer.current_frame.index == n,
        timeout=60_000,
    )


def test_shows_the_session_asset_and_follows_seek_requests(qtbot, viewer, session):
    wait_frame(qtbot, viewer, 0)
    assert shown_number(viewer.canvas.image) == 0
    assert viewer.timecode_label.text() == "01:00:00;00"
    with qtbot.waitSignal(session.position_changed, timeout=60_000) as blocker:
        # Frame 45's start rounded to the millisecond, as model output and cues give it.
        session.request_seek(round(frame_seconds(45) * 1000) / Fraction(1000))
    assert blocker.args == [frame_seconds(45)]
    assert session.position == frame_seconds(45)
    assert shown_number(viewer.canvas.image) == 45
    assert viewer.timecode_label.text() == "01:00:01;15"
    assert viewer.frame_label.text() == "45 / 60"
    # A moment inside frame 45 is where a range starting then begins in every export and in
    # the review list: frame 46 (one rounding rule).
    with qtbot.waitSignal(session.position_changed, timeout=60_000) as blocker:
        session.request_seek(frame_seconds(45) + Fraction(1, 100))
    assert blocker.args == [frame_seconds(46)]
    assert shown_number(viewer.canvas.image) == 46


def test_drop_frame_timecode_skips_labels_at_the_minute(qtbot, make_clip, asset_of):
    path = make_clip("viewer_df.mp4", frames=6, rate=NTSC, timecode="00:00:59;28")
    doc = ProjectDocument()
    doc.add_asset(asset_of(path))
    session = Session()
    session.set_document(doc)
    v = ViewerWidget(session, proxy="never")
    qtbot.addWidget(v)
    try:
        labels = []
        for n in range(4):
            session.request_seek(frame_seconds(n))
            wait_frame(qtbot, v, n)
            labels.append(v.timecode_label.text())
        assert labels == ["00:00:59;28", "00:00:59;29", "00:01:00;02", "00:01:00;03"]
    finally:
        v.close_media()


def test_transport_slots(qtbot, viewer, session):
    wait_frame(qtbot, viewer, 0)
    viewer.go_end()
    wait_frame(qtbot, viewer, 59)
    assert shown_number(viewer.canvas.image) == 59
    viewer.go_start()
    wait_frame(qtbot, viewer, 0)
    viewer.step(1)
    viewer.step(1)
    wait_frame(qtbot, viewer, 2)
    viewer.step(-1)
    wait_frame(qtbot, viewer, 1)
    assert shown_number(viewer.canvas.image) == 1
    viewer.play_pause()
    assert viewer.player.speed == 1
    qtbot.waitUntil(lambda: viewer.current_frame.index >= 8, timeout=60_000)
    viewer.play_pause()
    assert viewer.player.speed == 0
    assert viewer.speed_label.text() == ""
    viewer.shuttle(1)
    viewer.shuttle(1)
    assert viewer.player.speed == 2 and viewer.speed_label.text() == "▶ 2×"
    viewer.shuttle(0)
    viewer.shuttle(-1)
    assert viewer.player.speed == -1 and viewer.speed_label.text() == "◀ 1×"
    viewer.shuttle(0)
    # The position the session holds is the frame on screen once things settle.
    qtbot.wait(100)
    shown = viewer.current_frame
    assert session.position == shown.seconds == frame_seconds(shown.index)


def test_in_and_out_marks(qtbot, viewer, session):
    wait_frame(qtbot, viewer, 0)
    assert viewer.in_point is None and viewer.out_point is None
    session.request_seek(frame_seconds(10))
    wait_frame(qtbot, viewer, 10)
    with qtbot.waitSignal(viewer.marks_changed):
        viewer.mark_in()
    session.request_seek(frame_seconds(20))
    wait_frame(qtbot, viewer, 20)
    with qtbot.waitSignal(viewer.marks_changed):
        viewer.mark_out()
    assert viewer.in_point == frame_seconds(10)
    assert viewer.out_point == frame_seconds(21)  # exclusive: frame 20 is inside
    marked = viewer.marked_range()
    assert marked is not None and marked.duration.seconds == frame_seconds(11)
    assert viewer.marks_label.text() == "IN 01:00:00;10   OUT 01:00:00;20"
    # Marking in after the out clears the out.
    session.request_seek(frame_seconds(30))
    wait_frame(qtbot, viewer, 30)
    viewer.mark_in()
    assert viewer.in_point == frame_seconds(30) and viewer.out_point is None
    viewer.clear_marks()
    assert viewer.in_point is None


def add_overlay_suggestions(session: Session) -> tuple[Suggestion, Suggestion]:
    asset_id = session.asset_id
    car = Suggestion.new(
        asset_id,
        ObjectTube("red car", tuple(Box(t, 0.1, 0.3, 0.4, 0.7) for t in range(0, 2001, 200))),
        "test",
    )
    crop = Suggestion.new(
        asset_id, ReframePath("9:16", ((0, 0.55, 0.0, 0.8, 1.0),), (), 2002), "test"
    )
    session.document.add_suggestions([car, crop])
    return car, crop


def test_overlays_follow_the_project_and_the_toggles(qtbot, viewer, session):
    session.request_seek(frame_seconds(15))  # 0.5 s: inside the subtitle "hello there"
    wait_frame(qtbot, viewer, 15)
    assert [c.text for c in viewer.canvas.overlays.captions] == ["hello there"]
    assert viewer.canvas.overlays.boxes == ()
    car, _ = add_overlay_suggestions(session)
    frame = viewer.canvas.overlays
    assert [b.label for b in frame.boxes] == ["red car"]
    assert frame.crop is not None and frame.crop.aspect == "9:16"
    viewer.set_overlay_visible("tubes", False)
    assert viewer.canvas.overlays.boxes == () and not viewer.overlay_visible("tubes")
    viewer.set_overlay_visible("tubes", True)
    viewer.set_overlay_visible("subtitles", False)
    assert viewer.canvas.overlays.captions == ()
    assert len(viewer.canvas.overlays.boxes) == 1
    session.document.reject([car.id])
    assert viewer.canvas.overlays.boxes == ()
    session.document.undo()
    assert len(viewer.canvas.overlays.boxes) == 1
    with pytest.raises(ValueError, match="unknown overlay"):
        viewer.set_overlay_visible("ghosts", True)


def test_reframe_dims_outside_the_crop_window(qtbot, viewer, session):
    session.request_seek(frame_seconds(15))
    wait_frame(qtbot, viewer, 15)
    add_overlay_suggestions(session)
    viewer.set_overlay_visible("tubes", False)
    viewer.set_overlay_visible("subtitles", False)
    rect = viewer.canvas.video_rect()
    outside = (int(rect.x() + rect.width() * 0.3), int(rect.y() + rect.height() * 0.8))
    inside = (int(rect.x() + rect.width() * 0.7), int(rect.y() + rect.height() * 0.8))

    def brightness() -> tuple[float, float]:
        img = qimage_rgb(viewer.canvas.grab().toImage())
        return (float(img[outside[1], outside[0]].mean()), float(img[inside[1], inside[0]].mean()))

    dim_out, dim_in = brightness()
    viewer.set_overlay_visible("reframe", False)
    plain_out, plain_in = brightness()
    assert dim_out < plain_out * 0.6  # outside the window: dimmed
    assert dim_in == pytest.approx(plain_in, abs=2)  # inside: untouched
    shots = os.environ.get("VIDI_SHOTS_DIR")
    if shots:
        viewer.set_overlay_visible("reframe", True)
        viewer.set_overlay_visible("tubes", True)
        viewer.set_overlay_visible("subtitles", True)
        viewer.grab().save(str(Path(shots) / "viewer_test.png"))


def test_letterbox_keeps_the_display_aspect(qtbot, viewer):
    wait_frame(qtbot, viewer, 0)
    viewer.resize(900, 400)
    qtbot.wait(20)
    rect = viewer.canvas.video_rect()
    assert rect.width() / rect.height() == pytest.approx(320 / 240, rel=0.01)
    assert rect.height() == pytest.approx(viewer.canvas.height(), abs=1)


def test_damaged_file_shows_its_error_in_the_viewer(qtbot, make_clip, tmp_path, small_clip):
    good = make_clip("viewer_trunc.mp4", frames=40, gop=10, faststart=True)
    bad = truncated_copy(good, tmp_path / "broken take.mp4", keep=0.4)
    st = bad.stat()
    doc = ProjectDocument()
    broken = doc.add_asset(Asset.new(bad, st.st_size, st.st_mtime_ns))
    from vidi_desktop.media.probe import probe
    from vidi_desktop.services.analyze import asset_from_probe

    fine = doc.add_asset(asset_from_probe(probe(small_clip)))
    session = Session()
    session.set_document(doc)
    v = ViewerWidget(session, proxy="never")
    qtbot.addWidget(v)
    try:
        qtbot.waitUntil(lambda: bool(v.player.error), timeout=60_000)
        assert "broken take.mp4" in v.canvas.message
        assert "truncated" in v.canvas.message or "damaged" in v.canvas.message
        assert v.canvas.image is None and v.current_frame is None
        assert v.timecode_label.text() == "--:--:--:--"
        v.play_pause()  # nothing to play: no crash, nothing happens
        v.step(1)
        v.mark_in()
        assert v.in_point is None
        # Another asset plays fine afterwards.
        session.set_asset(fine.id)
        wait_frame(qtbot, v, 0)
        assert v.canvas.message == ""
        assert broken.id != fine.id
    finally:
        v.close_media()


def test_missing_file_shows_its_error(qtbot, tmp_path):
    doc = ProjectDocument()
    doc.add_asset(Asset.new(tmp_path / "gone.mp4", 100, 1))
    session = Session()
    session.set_document(doc)
    v = ViewerWidget(session, proxy="never")
    qtbot.addWidget(v)
    try:
        qtbot.waitUntil(lambda: bool(v.player.error), timeout=60_000)
        assert "gone.mp4" in v.canvas.message and "no such file" in v.canvas.message
    finally:
        v.close_media()


def test_no_sound_is_reported_once(qtbot, viewer):
    from PySide6.QtMultimedia import QMediaDevices

    if not QMediaDevices.defaultAudioOutput().isNull():
        pytest.skip("this machine has an audio device: the no-device path cannot run")
    wait_frame(qtbot, viewer, 0)
    reasons: list[str] = []
    viewer.audio_unavailable.connect(reasons.append)
    for _ in range(2):
        viewer.play_pause()
        qtbot.wait(150)
        viewer.play_pause()
    assert len(reasons) == 1
    assert viewer.sound_label.text() == "no sound"


def test_close_media_stops_the_threads(qtbot, viewer, session, qtlog):
    wait_frame(qtbot, viewer, 0)
    viewer.play_pause()
    qtbot.waitUntil(lambda: viewer.current_frame.index >= 3, timeout=60_000)
    thread = viewer.player._thread
    viewer.close_media()
    assert thread is not None and thread.isFinished()
    assert not viewer.player.is_open
    assert viewer.canvas.image is None and "No clip" in viewer.canvas.message
    assert not [m for m in qtlog.records if "Destroyed while" in m.message]


def test_asset_switch_and_empty_session(qtbot, viewer, session):
    wait_frame(qtbot, viewer, 0)
    session.set_asset("")
    assert not viewer.player.is_open and "No clip" in viewer.canvas.message
    first = session.document.project.assets[0].id
    session.set_asset(first)
    wait_frame(qtbot, viewer, 0)




def test_picture_fits_the_view_and_sharpens_when_it_grows(qtbot, viewer, session):
    session.request_seek(frame_seconds(12))
    wait_frame(qtbot, viewer, 12)
    viewer.resize(220, 200)  # a canvas smaller than the 320x240 footage
    session.request_seek(frame_seconds(13))
    qtbot.waitUntil(
        lambda: viewer.current_frame.index == 13 and viewer.canvas.image.width() < 320,
        timeout=60_000,
    )
    small = viewer.canvas.image
    assert small.width() <= viewer.canvas.width() and small.height() <= viewer.canvas.height()
    assert small.width() / small.height() == pytest.approx(320 / 240, rel=0.03)
    viewer.resize(800, 600)
    qtbot.waitUntil(lambda: viewer.canvas.image.width() == 320, timeout=60_000)
    assert viewer.current_frame.index == 13
    assert shown_number(viewer.canvas.image) == 13
