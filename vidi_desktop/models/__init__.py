"""Model backends: one protocol, a runner thread, the built-in router, VLMs, the Vidi adapter.

Nothing here imports Qt; torch and transformers are imported inside the functions that need
them, so the CLI and the GUI start without paying for them.
"""
