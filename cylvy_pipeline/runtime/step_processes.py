"""The multiprocess executor's fork server: step processes start warm, and die with their run worker.

The multiprocess executor forks each step from a fork server (``STEP_PROCESS_PRELOAD`` in defs/jobs.py
imports this module there, and nowhere else). A run worker killed with SIGKILL (or by the OOM killer)
cannot stop them: the fork server would live on as long as any step it forked (each holds the pipe
whose end tells the server its client is gone), and the steps would carry on as orphans, writing rows
and events for a run that run monitoring has already failed. Importing this module asks the kernel to
SIGKILL the fork server when the run worker exits, and every step when the fork server exits, so a
killed run worker takes its steps with it, as it does with the in-process executor. A worker that
stops normally (Ctrl-C, a UI termination) still stops its steps through Dagster first.

The fork server also fills, once, the caches every step would otherwise fill for itself after the fork:
the generated keyword vocabulary and the public-suffix list that registrable domains are cut with.
"""

from __future__ import annotations

import os
import sys

from cylvy_pipeline.runtime.parent_death import die_with_parent
from cylvy_pipeline.runtime.step_warmup import warm_step_caches

warm_step_caches()
if sys.platform == "linux":
    die_with_parent()  # the fork server, with the run worker
    os.register_at_fork(after_in_child=die_with_parent)  # each step, with the fork server
