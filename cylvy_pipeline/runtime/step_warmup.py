"""What each step process would otherwise load for itself after it starts. A process that forks steps
(the multiprocess executor's fork server, a Celery worker before it forks its pool) loads it once."""

from __future__ import annotations


def warm_step_caches() -> None:
    """The generated keyword vocabulary and the public-suffix list registrable domains are cut with."""
    from cylvy_pipeline.analysis.identity import registrable_domain
    from cylvy_pipeline.project.keyword_generator import vocabulary_capacity

    vocabulary_capacity()
    registrable_domain("www.cylvy.example")
