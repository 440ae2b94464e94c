"""Dash values as the JSON they travel as: built once, then sent to every screen that asks without re-encoding."""

from __future__ import annotations

import json
from typing import Any

from plotly.io.json import to_json_plotly


def to_plain(value: Any) -> Any:
    """`value` (components, figures, Patch, no_update inside lists and dicts) as plain JSON values: Dash sends those
    at the JSON encoder's C speed, where components cost a Python call each (a 600-site wall: ~120 per answer)."""
    return json.loads(to_json_plotly(value))
