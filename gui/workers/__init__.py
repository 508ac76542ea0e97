"""Background work for the GUI. Core callbacks (progress, stage) are adapted to Qt here and nowhere else."""

from gui.workers.jobs import Job, JobKind, JobState, download_job, upload_job
from gui.workers.progress import ProgressProbe
from gui.workers.queue import TransferQueue
from gui.workers.task import TaskRunner, describe_exception

__all__ = [
    "Job",
    "JobKind",
    "JobState",
    "ProgressProbe",
    "TaskRunner",
    "TransferQueue",
    "describe_exception",
    "download_job",
    "upload_job",
]
