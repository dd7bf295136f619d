"""Reading an import file row by row (CSV or XLSX), without holding it in memory."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

FORMATS = ("csv", "xlsx")
UTC_SUFFIX = " (UTC)"  # how `srm export … --format xlsx` names its timestamp columns


class Sheet:
    """An open import file: its header (names as written, `(UTC)` suffix removed) and its data rows.

    `rows` yields (line, cells), the header being line 1; every cell is text, "" when empty.
    """

    def __init__(self, header: list[str], rows: Iterator[tuple[int, list[str]]], utc: frozenset[str]):
        self.header = header
        self.rows = rows
        self.utc = utc  # columns whose times carry no offset because they are in UTC


def format_of(path: str | Path, given: str | None) -> str | None:
    """The format asked for, else the one the file's extension names (None when neither says)."""
    if given:
        return given
    suffix = Path(path).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


@contextmanager
def open_sheet(path: str | Path, fmt: str) -> Iterator[Sheet]:
    """The file as a Sheet; raises OSError when it cannot be read, ValueError when it is not `fmt`."""
    if fmt == "csv":
        with open(path, newline="", encoding="utf-8-sig") as handle:
            yield _sheet(_csv_rows(handle))
        return
    from openpyxl import load_workbook  # only when needed: it takes a while to import

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except Exception as exc:  # not a workbook: openpyxl and zipfile raise several kinds of error
        raise ValueError(str(exc) or type(exc).__name__) from exc
    try:
        yield _sheet(
            [_xlsx_cell(v) for v in row] for row in workbook.worksheets[0].iter_rows(values_only=True)
        )
    finally:
        workbook.close()


def _csv_rows(handle) -> Iterator[list[str]]:
    try:
        yield from csv.reader(handle)
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _sheet(rows: Iterator[list[str]]) -> Sheet:
    rows = iter(rows)
    first = next(rows, None)
    header = [cell.strip() for cell in first or []]
    while header and not header[-1]:  # spreadsheets often carry empty columns at the end
        header.pop()
    utc = frozenset(name.removesuffix(UTC_SUFFIX) for name in header if name.endswith(UTC_SUFFIX))
    header = [name.removesuffix(UTC_SUFFIX) for name in header]

    def data() -> Iterator[tuple[int, list[str]]]:
        for line, cells in enumerate(rows, start=2):
            if any(cell.strip() for cell in cells):  # blank lines are skipped (but counted)
                yield line, cells

    return Sheet(header, data(), utc)


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == time(0) and value.tzinfo is None
            else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
