"""The built-in analysers' specs, one module each (listed in ``registry.BUILTIN``).

Each module declares ``SPEC``: how the analyser is asked for, what it reads, how it
computes and what its results become. They import their algorithm (``analysis/shots.py``…)
inside the functions the spec names, so reading every spec for ``--help`` stays cheap.
"""
