"""Helpers shared by the tests and the benchmarks (not part of the installed package).

Tests import them as ``support.<module>`` (``tests/`` is on ``sys.path`` through its
``conftest.py``); benchmarks put ``tests/`` on ``sys.path`` themselves.
"""
