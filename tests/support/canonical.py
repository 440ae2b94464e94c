"""The canonical tables a follower writes, read back for comparison: each table's rows as sorted tuples."""

from __future__ import annotations

from sqlalchemy import delete, select

from wallboard.data_access import schema


def canonical(engine) -> dict:
    with engine.connect() as conn:
        return {t.name: sorted(tuple(r) for r in conn.execute(select(t))) for t in
                (schema.calls, schema.agent_states, schema.agents)}


def clear(engine) -> None:
    """Every call, agent state, agent and source position gone (the tests of a module share a database)."""
    with engine.begin() as conn:
        for t in (schema.calls, schema.agent_states, schema.agents, schema.source_positions):
            conn.execute(delete(t))
