"""What a run computes and the knobs editors turn, with one field per registered option.

:class:`AnalyzeOptions` has a field for each analyser that can be asked for (``shots``:
on/off, ``highlights``: how many, ``reframe``: the aspect or None), one per setting of an
analyser (``sensitivity``, ``silence_margin``…) and the run's own (``thumbnails``,
``waveform``) — all read from :mod:`vidi_desktop.analysis.registry`, so a newly registered
analyser brings its fields with it. No analyser asked = nothing to analyse;
:meth:`AnalyzeOptions.everything` is the default job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vidi_desktop.analysis import registry

if TYPE_CHECKING:
    from vidi_desktop.analysis.registry import AnalyserSpec


class AnalyzeOptions:
    """Immutable, hashable options of a run: ``AnalyzeOptions(shots=True, sensitivity=0.7)``.

    Every registered field reads as an attribute (its default when not given); an unknown
    keyword is a TypeError, as for a dataclass.
    """

    __slots__ = ("_values",)
    _values: dict[str, Any]

    def __init__(self, **values: Any) -> None:
        defaults = registry.option_defaults()
        unknown = sorted(set(values) - set(defaults))
        if unknown:
            raise TypeError(f"AnalyzeOptions got an unknown option {unknown[0]!r}")
        object.__setattr__(self, "_values", {k: values.get(k, d) for k, d in defaults.items()})

    @classmethod
    def everything(cls, **overrides: Any) -> AnalyzeOptions:
        """The embedded default's full job: every analyser of the default job, asked for."""
        base = {
            s.name: s.asked.on
            for s in registry.specs()
            if s.asked is not None and s.default_job
        }
        base.update(overrides)
        return cls(**base)

    def __getattr__(self, name: str) -> Any:
        try:
            return object.__getattribute__(self, "_values")[name]
        except KeyError:
            raise AttributeError(f"AnalyzeOptions has no option {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("AnalyzeOptions is immutable; use replace()")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AnalyzeOptions) and self._values == other._values

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._values.items())))

    def __repr__(self) -> str:
        set_ = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"AnalyzeOptions({set_})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled by value (worker processes, Ray): the receiver rebuilds it from its registry.
        return (_rebuild, (dict(self._values),))

    def as_dict(self) -> dict[str, Any]:
        """Every field and its value, in registry order."""
        return dict(self._values)

    def replace(self, **changes: Any) -> AnalyzeOptions:
        """A copy with ``changes``."""
        return AnalyzeOptions(**{**self._values, **changes})

    def asked(self) -> tuple[str, ...]:
        """The analysers asked for (their field is truthy), in registry order."""
        values = self._values
        return tuple(s.name for s in registry.specs() if s.asked is not None and values[s.name])

    @property
    def any_analyser(self) -> bool:
        """True when at least one analyser is asked for."""
        return bool(self.asked())

    def needed(self) -> tuple[AnalyserSpec, ...]:
        """The analysers a run with these options computes (asked and needed), in order."""
        return registry.needed(self.asked())

    def runs(self, name: str) -> bool:
        """Whether analyser ``name`` runs (asked for, or needed by one that is)."""
        return any(s.name == name for s in self.needed())


def _rebuild(values: dict[str, Any]) -> AnalyzeOptions:
    return AnalyzeOptions(**values)
