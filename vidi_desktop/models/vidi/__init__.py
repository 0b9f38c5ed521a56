"""ByteDance Vidi as a backend: a runner subprocess in the user's Python, over JSON lines.

``adapter`` (the :class:`~.adapter.VidiBackend`), ``protocol`` (the message schema),
``parse`` (Vidi's answers → fractions of the duration), ``ranges`` (fractions → exact,
frame-snapped time ranges) and ``runner_script`` (the script the user's Python runs; it
imports nothing of vidi-desktop). Importing this package imports none of them.
"""
