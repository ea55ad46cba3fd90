"""A process that asks the kernel to SIGKILL it when its parent exits (Linux; elsewhere, nothing).

Used where a parent starts processes that must not outlive it: the multiprocess executor's fork server
and steps (step_processes.py), and a Celery worker's pool processes (celery_worker.py).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(*_args, **_kwargs) -> None:
    """Die with the current parent (any arguments ignored, so it can be a signal receiver)."""
    if sys.platform != "linux":
        return
    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent exited before the request was in place
        os.kill(os.getpid(), signal.SIGKILL)
