"""Lists longer than a screen page themselves (the contract's `data-page="k/n"`): every screen shows the same page
at the same moment, turning every PAGE_SECONDS, so a TV needs no scroll bar and no one at the wall has to touch it."""

from __future__ import annotations

import math

PAGE_SECONDS = 10


def page_slice(items: list, per_page: int, at_seconds: float, seconds: int = PAGE_SECONDS) -> tuple[list, int, int]:
    """(the items on the page shown at `at_seconds` (epoch), its number from 1, how many pages)."""
    pages = max(1, math.ceil(len(items) / per_page))
    k = int(at_seconds // seconds) % pages
    return items[k * per_page:(k + 1) * per_page], k + 1, pages


def page_label(k: int, n: int) -> str:
    return f"{k}/{n}"
