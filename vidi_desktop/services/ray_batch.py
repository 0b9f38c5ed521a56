"""The batch on a Ray cluster: one Ray task per file (or per chunk of a long file).

``vidi-desktop batch … --ray [ADDRESS]`` runs the same driver as a local batch
(:mod:`~vidi_desktop.services.batch`) with :class:`RayEngine` as its engine: each
:class:`~vidi_desktop.services.batch_workers.WorkUnit` becomes a task that runs
:func:`~vidi_desktop.services.batch_workers.execute_unit` on some node and returns its plain
result through the object store; the driver merges chunks and writes every output and the
index, as it does locally — so the files are the same bytes whichever engine made them.

Each task declares what it needs: one CPU for shots and faces, two when Whisper transcribes
(it runs several threads), and ``gpus_per_task`` GPUs when a VLM analyser is part of the job
(none of the built-in analysers needs one). A task whose worker process dies (killed, out of
memory, a crash in a decoder) is retried by Ray up to ``max_retries`` times; after that it is
an ``error`` entry like any other bad file, and the index stays consistent because only the
driver writes it.

``ray`` is an optional dependency (``pip install 'vidi-desktop[ray]'``); it is imported
only when a Ray engine is made.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from vidi_desktop.core.errors import VidiError
from vidi_desktop.services.batch_workers import (
    WORKER_DIED,
    Task,
    UnitOutcome,
    WorkUnit,
    describe_error,
    execute_unit,
)


class RayUnavailableError(VidiError):
    """Ray is not installed or the cluster cannot be reached."""


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RayUnavailableError(
            "Ray is not installed: pip install 'vidi-desktop[ray]' (or run without --ray)"
        ) from None
    return ray


def resources_for(unit: WorkUnit, gpus_per_task: float = 0.0) -> dict[str, float]:
    """What one task asks the Ray scheduler for (CPUs, GPUs)."""
    cpus = 2.0 if unit.chunk is None and unit.options.runs("transcript") else 1.0
    return {"num_cpus": cpus, "num_gpus": float(gpus_per_task)}


def _run(unit: WorkUnit, task: Task | None) -> UnitOutcome:
    """The Ray task body (module level: workers import it by name)."""
    return (task or execute_unit)(unit)


class RayEngine:
    """Runs work units as Ray tasks (see the module docstring).

    ``address``: None starts a local Ray instance (``num_cpus`` CPUs, all when None);
    ``"auto"`` or ``"ray://host:10001"`` joins a running cluster. If Ray is already
    initialised in this process, that instance is used and left running at ``close``.
    ``task`` replaces :func:`execute_unit` (tests use it to kill a worker on purpose).
    """

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        *,
        num_cpus: int | None = None,
        gpus_per_task: float = 0.0,
        max_retries: int = 2,
        task: Task | None = None,
    ) -> None:
        ray = self._ray = _import_ray()
        self._started_here = False
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if address is None:
                kwargs["num_cpus"] = num_cpus
            try:
                ray.init(address=address, **kwargs)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = address or "a local instance"
                raise RayUnavailableError(f"cannot start or reach Ray at {where}: {exc}") from None
            self._started_here = True
        self.workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._gpus = gpus_per_task
        self._max_retries = max_retries
        self._task = task
        self._remote = ray.remote(_run)
        self._refs: dict[Any, WorkUnit] = {}

    def submit(self, unit: WorkUnit) -> None:
        res = resources_for(unit, self._gpus)
        ref = self._remote.options(
            max_retries=self._max_retries,
            retry_exceptions=False,  # an exception is a bad file: retrying will not help
            name=f"vidi-batch:{unit.label}",
            **res,
        ).remote(unit, self._task)
        self._refs[ref] = unit

    def as_completed(self) -> Iterator[UnitOutcome]:
        ray = self._ray
        from ray.exceptions import RayError, WorkerCrashedError

        while self._refs:
            ready, _ = ray.wait(list(self._refs), num_returns=1)
            for ref in ready:
                unit = self._refs.pop(ref)
                try:
                    outcome = ray.get(ref)
                except WorkerCrashedError:
                    outcome = UnitOutcome(
                        unit, error=f"{WORKER_DIED}; retried {self._max_retries} times"
                    )
                except RayError as exc:
                    cause = getattr(exc, "cause", None)
                    outcome = UnitOutcome(unit, error=describe_error(cause or exc))
                yield outcome

    def close(self) -> None:
        ray = self._ray
        for ref in list(self._refs):
            with contextlib.suppress(Exception):  # best effort on the way out
                ray.cancel(ref, force=True)
        self._refs.clear()
        if self._started_here:
            ray.shutdown()
