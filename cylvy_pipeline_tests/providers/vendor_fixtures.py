"""Responses copied from the vendors' documentation (``fixtures/<vendor>/``; where each came from and what
was changed is in ``fixtures/README.md``), for the local servers to answer with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"


def vendor_json(vendor: str, name: str) -> Any:
    """A fixture file parsed as JSON, fresh on every call (tests may change their copy)."""
    return json.loads((FIXTURES / vendor / name).read_text(encoding="utf-8"))


def vendor_bytes(vendor: str, name: str) -> bytes:
    """A fixture file as the vendor's bytes, for a local server to answer with unchanged."""
    return (FIXTURES / vendor / name).read_bytes()
