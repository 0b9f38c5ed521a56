"""Orchestration without Qt: jobs with progress and cancellation, shared by the CLI and GUI."""

from vidi_desktop.services.jobs import JobContext, JobHandle, JobRunner, JobState, run_job

__all__ = ["JobContext", "JobHandle", "JobRunner", "JobState", "run_job"]
