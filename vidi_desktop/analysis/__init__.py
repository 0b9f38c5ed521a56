"""The built-in analysers: no downloaded weights, CPU only, no Qt.

Each analyser is registered with a spec (:mod:`.registry`, the built-in specs in
:mod:`.specs`) that the CLI, the options, the run and batch chunking read. Visual analysers
(:class:`~vidi_desktop.analysis.base.FrameAnalyser`) share one decode pass
(:func:`~vidi_desktop.analysis.pipeline.run_visual_pass`); audio analysers read the 16 kHz
mono track once; :mod:`.run` drives them for one file.
"""
