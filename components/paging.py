"""Lists longer than a screen page themselves (the contract's `data-page="k/n"`): every screen shows the same page
at the same moment, turning every PAGE_SECONDS, so a TV needs no scroll bar and no one at the wall has to touch it."""

from __future__ import annotations

import math

from dash import html

from wallboard.i18n import t

PAGE_SECONDS = 10


def page_slice(items: list, per_page: int, at_seconds: float, seconds: int = PAGE_SECONDS) -> tuple[list, int, int]:
    """(the items on the page shown at `at_seconds` (epoch), its number from 1, how many pages)."""
    pages = max(1, math.ceil(len(items) / per_page))
    k = int(at_seconds // seconds) % pages
    return items[k * per_page:(k + 1) * per_page], k + 1, pages


def page_props(page: tuple[int, int] | None) -> dict:
    """The contract's hook of a paged list: {"data-page": "k/n"} ({} for a list that does not page)."""
    return {"data-page": f"{page[0]}/{page[1]}"} if page else {}


def create_page_caption(page: tuple[int, int] | None, lang: str) -> list:
    """"Page k of n" under a table that has more than one page ([] otherwise)."""
    if not page or page[1] <= 1:
        return []
    return [html.Caption(t("list.page", lang, k=page[0], n=page[1]), className="page-caption")]
