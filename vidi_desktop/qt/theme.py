"""The dark theme: a neutral grey palette that keeps footage the brightest thing on screen.

Editors judge colour and exposure by eye, so the UI around the picture is a dim, neutral
grey (no tint) with one accent colour for focus and selection. Other widgets may use the
colour constants below for their own painting (the timeline's background, the viewer's
letterbox) so every view agrees.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

# -- colours (hex, so painters and stylesheets share them) ------------------------------------
BACKGROUND = "#1e1e1e"  # window background
PANEL = "#252526"  # docks, lists
BASE = "#1a1a1a"  # text fields, list bodies
ALTERNATE = "#202021"
VIEWER_BACKGROUND = "#000000"  # letterbox around the picture: true black
BORDER = "#3a3a3c"
TEXT = "#d4d4d4"
TEXT_DIM = "#8c8c8c"
TEXT_DISABLED = "#5c5c5c"
ACCENT = "#3d8ee6"  # focus, selection, progress
ACCENT_TEXT = "#ffffff"
BUTTON = "#2d2d30"
BUTTON_HOVER = "#37373b"
ERROR = "#f06c6c"
WARNING = "#e5b95c"
OK = "#6cc070"


def palette() -> QPalette:
    """The application palette (also used by widgets Qt paints with the palette only)."""
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: BACKGROUND,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BASE,
        QPalette.ColorRole.AlternateBase: ALTERNATE,
        QPalette.ColorRole.ToolTipBase: PANEL,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: TEXT_DIM,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: BUTTON,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.BrightText: ERROR,
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: ACCENT_TEXT,
        QPalette.ColorRole.Link: ACCENT,
        QPalette.ColorRole.Light: "#3c3c3c",
        QPalette.ColorRole.Midlight: "#333333",
        QPalette.ColorRole.Mid: "#2a2a2a",
        QPalette.ColorRole.Dark: "#151515",
        QPalette.ColorRole.Shadow: "#000000",
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(TEXT_DISABLED))
    return p


STYLESHEET = f"""
QMainWindow, QDialog {{ background: {BACKGROUND}; }}
QDockWidget {{ color: {TEXT}; }}
QDockWidget::title {{
    background: {PANEL}; padding: 4px 6px; border-bottom: 1px solid {BORDER};
}}
QToolTip {{ background: {PANEL}; color: {TEXT}; border: 1px solid {BORDER}; padding: 3px; }}
QMenuBar {{ background: {BACKGROUND}; color: {TEXT}; }}
QMenuBar::item:selected, QMenu::item:selected {{ background: {ACCENT}; color: {ACCENT_TEXT}; }}
QMenu {{ background: {PANEL}; color: {TEXT}; border: 1px solid {BORDER}; }}
QMenu::item:disabled {{ color: {TEXT_DISABLED}; }}
QStatusBar {{ background: {PANEL}; color: {TEXT_DIM}; border-top: 1px solid {BORDER}; }}
QLineEdit, QTextEdit, QPlainTextEdit, QTextBrowser, QListView, QTreeView, QTableView,
QComboBox, QSpinBox, QDoubleSpinBox {{
    background: {BASE}; color: {TEXT}; border: 1px solid {BORDER}; border-radius: 3px;
    selection-background-color: {ACCENT}; selection-color: {ACCENT_TEXT};
}}
QLineEdit {{ padding: 4px 6px; }}
QLineEdit:focus, QComboBox:focus {{ border: 1px solid {ACCENT}; }}
QPushButton, QToolButton {{
    background: {BUTTON}; color: {TEXT}; border: 1px solid {BORDER}; border-radius: 3px;
    padding: 4px 10px;
}}
QToolButton[transport="true"] {{ padding: 3px 4px; }}
QPushButton:hover, QToolButton:hover {{ background: {BUTTON_HOVER}; }}
QPushButton:pressed, QToolButton:pressed {{ background: {ACCENT}; color: {ACCENT_TEXT}; }}
QPushButton:disabled, QToolButton:disabled {{ color: {TEXT_DISABLED}; }}
QPushButton:default {{ border: 1px solid {ACCENT}; }}
QProgressBar {{
    background: {BASE}; border: 1px solid {BORDER}; border-radius: 3px; color: {TEXT};
    text-align: center; max-height: 14px;
}}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 2px; }}
QHeaderView::section {{
    background: {PANEL}; color: {TEXT_DIM}; border: 0; border-right: 1px solid {BORDER};
    padding: 3px 6px;
}}
QScrollBar:horizontal, QScrollBar:vertical {{ background: {BACKGROUND}; border: 0; }}
QScrollBar::handle {{ background: #45454a; border-radius: 3px; min-height: 20px; min-width: 20px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; }}
QTabBar::tab {{ background: {PANEL}; color: {TEXT_DIM}; padding: 4px 10px; }}
QTabBar::tab:selected {{ color: {TEXT}; border-bottom: 2px solid {ACCENT}; }}
QLabel[role="error"] {{ color: {ERROR}; }}
QLabel[role="dim"] {{ color: {TEXT_DIM}; }}
"""


def apply_theme(app: QApplication) -> None:
    """Give ``app`` the Fusion style, the dark palette and the stylesheet."""
    app.setStyle("Fusion")  # the native styles ignore much of the palette on some desktops
    app.setPalette(palette())
    app.setStyleSheet(STYLESHEET)
