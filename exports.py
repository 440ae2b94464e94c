"""What every file the project writes must hold: no cell that a spreadsheet would run as a formula.

A category, comment or id imported from another system may read `=HYPERLINK(…)` or
`+cmd|' /C calc'!A0`. OWASP's rule for CSV injection: a text cell that starts with
= + - @ tab or carriage return is written with a leading apostrophe, which spreadsheets
show as text and which keeps the value readable. Numbers are never touched (-0.2 stays
a number). XLSX files mark such cells as text instead (`is_formula_like`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: text that a spreadsheet would evaluate gets a leading apostrophe."""
    return "'" + value if is_formula_like(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]
