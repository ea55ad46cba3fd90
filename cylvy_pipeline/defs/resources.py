"""Dagster resources: the project being analysed and the product database (providers: defs/providers.py)."""


import functools
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import psycopg
from pydantic import Field

from cylvy_pipeline.project.loader import load_project
from cylvy_pipeline.project.model import Project
from cylvy_pipeline.storage.database import product_database_url


class ProjectResource(dg.ConfigurableResource):
    """The client's project folder (project.yaml + keywords.csv); empty means the bundled sample."""

    project_dir: str | None = Field(default=None, description="Project folder; None = the sample project")
    keyword_count: int | None = Field(
        default=None, description="Sample scale knob: replace the keyword list with N generated keywords"
    )

    def load(self) -> Project:
        return _load_project_cached(self.project_dir, self.keyword_count)


@functools.lru_cache(maxsize=8)
def _load_project_cached(project_dir: str | None, keyword_count: int | None) -> Project:
    return load_project(project_dir, keyword_count=keyword_count)


class PostgresResource(dg.ConfigurableResource):
    """The product database. Empty URL = CYLVY_DATABASE_URL, else the embedded server."""

    url: str | None = Field(default=None, description="libpq URL of the product database")

    def connect(self) -> psycopg.Connection:
        """A new connection; the caller closes it (see :meth:`connection` for a ``with`` block)."""
        return psycopg.connect(self.url or product_database_url())

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        with self.connect() as conn:
            yield conn
