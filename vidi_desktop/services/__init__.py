"""Orchestration without Qt: the jobs the CLI and the window run (analyze, ask, batch, export).

Progress and cancellation come from :mod:`vidi_desktop.core.progress`.
"""
