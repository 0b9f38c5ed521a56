"""vidi-desktop: a local assistant that finds, reviews and exports the moments that matter.

Layers (see README): ``core`` (exact time, project document) ← ``media`` (PyAV) ←
``analysis``/``models`` ← ``services`` ← ``cli`` / ``qt``. Importing this package is cheap.
"""

__version__ = "0.1.0"
