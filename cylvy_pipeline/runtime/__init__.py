"""Process plumbing: how runs and steps execute, apart from the definitions of what they execute.

The run launcher whose workers run monitoring can health-check (run_launcher.py), the multiprocess
executor's fork server (step_processes.py), the Celery executor and worker (celery_executor.py,
celery_worker.py), and what they share: dying with a parent (parent_death.py) and caches loaded once
before steps fork (step_warmup.py). defs/ imports from here (the jobs name their executor); nothing here
imports defs/.
"""
