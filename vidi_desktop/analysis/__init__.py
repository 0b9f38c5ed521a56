"""The built-in analysers: no downloaded weights, CPU only, no Qt.

Visual analysers (:class:`~vidi_desktop.analysis.base.FrameAnalyser`) share one decode pass
(:func:`~vidi_desktop.analysis.pipeline.run_visual_pass`); audio analysers read the 16 kHz
mono track once. Each produces plain result objects that ``services.analyze`` turns into
project suggestions and into the ``analyze --json`` document.
"""
