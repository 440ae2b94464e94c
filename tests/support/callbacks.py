"""Callback requests crafted by hand, as an attacker (or a test) would send them to /_dash-update-component."""

from __future__ import annotations

import json

ROUTER = "_pages_content.children"  # the Pages router's callback computes a page's layout


def _concrete(ident: str):
    """A dependency id as sent by the browser: pattern ids with ALL become a one-element match list."""
    if not ident.startswith("{"):
        return ident, False
    pattern = json.loads(ident)
    wildcard = any(v == ["ALL"] for v in pattern.values())
    key = {"kpi": "service_level", "index": 0, "format": "csv"}
    return {k: (key.get(k, 0) if v == ["ALL"] else v) for k, v in pattern.items()}, wildcard


def callback_body(deps: list[dict], output_contains: str, values: dict[str, object]) -> dict:
    """The body of the callback whose output contains `output_contains`, with input/state values by component id."""
    dep = next(d for d in deps if output_contains in d["output"] and not d.get("clientside_function"))
    outputs = []
    for part in dep["output"].strip(".").split("..."):
        ident, prop = part.rsplit(".", 1)
        concrete, wildcard = _concrete(ident.split("@")[0])
        entry = {"id": concrete, "property": prop.split("@")[0]}
        outputs.append([entry] if wildcard else entry)

    def args(items):
        out = []
        for i in items:
            concrete, wildcard = _concrete(i["id"]) if isinstance(i["id"], str) else (i["id"], False)
            value = values.get(i["id"] if isinstance(i["id"], str) else json.dumps(i["id"]))
            entry = {"id": concrete, "property": i["property"], "value": value}
            out.append([entry] if wildcard else entry)
        return out

    inputs = args(dep["inputs"])
    first = inputs[0][0] if isinstance(inputs[0], list) else inputs[0]
    changed = json.dumps(first["id"], separators=(",", ":"), sort_keys=True) if isinstance(first["id"], dict) \
        else first["id"]
    return {"output": dep["output"], "outputs": outputs if len(outputs) > 1 else outputs[0], "inputs": inputs,
            "state": args(dep.get("state", [])), "changedPropIds": [f"{changed}.{first['property']}"]}


def router_body(deps: list[dict], path: str, search: str = "", input_id: str | None = None) -> dict:
    """The Pages router's request for `path`; `input_id` renames the inputs' ids (Dash passes them by position)."""
    dep = next(d for d in deps if ROUTER in d["output"])
    values = {"pathname": path, "search": search}
    inputs = [{"id": input_id or i["id"], "property": i["property"], "value": values.get(i["property"])}
              for i in dep["inputs"]]
    state = [{"id": s["id"], "property": s["property"], "value": None} for s in dep.get("state", [])]
    outputs = [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True))
               for p in dep["output"].strip(".").split("...")]
    return {"output": dep["output"], "outputs": outputs, "inputs": inputs, "state": state,
            "changedPropIds": [f"{input_id or '_pages_location'}.pathname"]}
