"""The agents grid (AG Grid) of the site and skill-group pages: columns, and rows from the snapshot's agents."""

from __future__ import annotations

from collections.abc import Callable

from wallboard.i18n import t

STATE_ORDER = {"on_call": 0, "wrap_up": 1, "available": 2, "not_ready": 3, "logged_out": 4}


def agent_grid_columns(lang: str, with_group: bool = True) -> list[dict]:
    """Columns of the live agent table (dash-ag-grid); durations sort as numbers, show as m:ss."""
    duration = {"function": "wallboardDuration(params.value)"}
    columns = [
        {"field": "agent", "headerName": t("drill.agent", lang), "cellRenderer": "markdown", "minWidth": 150,
         "filter": "agTextColumnFilter", "cellRendererParams": {"linkTarget": "_self"}},
        {"field": "state_label", "headerName": t("drill.state", lang), "cellClass": {"function":
                                                                                     "'state-' + params.data.state"}},
        {"field": "state_seconds", "headerName": t("drill.in_state", lang), "valueFormatter": duration,
         "filter": "agNumberColumnFilter", "type": "numericColumn"},
        {"field": "reason", "headerName": t("drill.reason", lang)},
        {"field": "group", "headerName": t("groups.group", lang)},
        {"field": "handled", "headerName": t("drill.handled", lang), "filter": "agNumberColumnFilter",
         "type": "numericColumn"},
        {"field": "aht_seconds", "headerName": t("drill.aht", lang), "valueFormatter": duration,
         "filter": "agNumberColumnFilter", "type": "numericColumn"},
        {"field": "asa_seconds", "headerName": t("drill.asa", lang), "valueFormatter": duration,
         "filter": "agNumberColumnFilter", "type": "numericColumn"},
        {"field": "csat", "headerName": t("col.csat_mean", lang), "filter": "agNumberColumnFilter",
         "type": "numericColumn", "valueFormatter": {"function": "wallboardScore(params.value)"}},
    ]
    return columns if with_group else [c for c in columns if c["field"] != "group"]


def agent_grid_rows(rows: list[dict], lang: str, group_label: Callable[[str | None], str],
                    href: Callable[[str], str]) -> list[dict]:
    """Snapshot agent rows → grid rows (agent name links to its page; figures stay numbers for sorting)."""
    out = []
    for r in sorted(rows, key=lambda r: (STATE_ORDER.get(r["state"], 5), r["agent_id"])):  # on shift first
        name = r["agent_name"] or r["agent_id"]
        out.append({"agent_id": r["agent_id"], "agent": f"[{_md(name)} · {_md(r['agent_id'])}]({href(r['agent_id'])})",
                    "state": r["state"], "state_label": t(f"state.{r['state']}", lang),
                    "state_seconds": round(r["state_seconds"]), "reason": r["reason"] or "",
                    "group": group_label(r["skill_group"]), "handled": r["handled"],
                    "aht_seconds": _round(r["aht_seconds"]), "asa_seconds": _round(r["asa_seconds"]),
                    "csat": r["csat"]})
    return out


def _md(text: str) -> str:
    """Text safe inside a markdown link label (names come from the source databases)."""
    return "".join("\\" + ch if ch in "\\[]()*_`<>#" else ch for ch in text)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
