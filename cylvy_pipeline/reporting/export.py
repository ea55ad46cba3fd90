"""The report's tables to take away: an Excel workbook with one sheet per table, or one CSV file per
table, each led by an ``about`` table naming the market, execution and date and explaining the terms.

The numbers are the report's, unrounded: fractions stay fractions (0.25 = 25 %), DSI indexes are 0–100.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_NAME_LIMIT = 31  # Excel's


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Pandas' nullable missing values (``pd.NA``) as empty cells; timezone-aware times as UTC text."""
    return frame.astype(object).where(frame.notna(), None)


def xlsx_bytes(tables: Mapping[str, pd.DataFrame]) -> bytes:
    """A workbook with one sheet per table (named after it), in the given order, header row frozen."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in tables.items():
            sheet = name[:_SHEET_NAME_LIMIT]
            _plain(frame).to_excel(writer, sheet_name=sheet, index=False)
            worksheet = writer.sheets[sheet]
            worksheet.freeze_panes = "A2"
            for column, header in zip(worksheet.columns, frame.columns):
                # Wide enough for the header and typical values, not for the longest URL.
                width = max([len(str(header))] + [len(str(v)) for v in frame[header].head(50)])
                worksheet.column_dimensions[column[0].column_letter].width = min(max(width, 8) + 2, 60)
    return buffer.getvalue()


def write_csv_files(tables: Mapping[str, pd.DataFrame], folder: Path) -> list[Path]:
    """``<table>.csv`` per table in ``folder`` (created), UTF-8 with a header row; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in tables.items():
        path = folder / f"{name}.csv"
        _plain(frame).to_csv(path, index=False)
        paths.append(path)
    return paths
