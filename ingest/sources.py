"""The reader of each kind of `[[sources]]` entry, and the database its rows go to."""

from __future__ import annotations

from wallboard.config import Config, LiveSource


def reader_for(source: LiveSource, config: Config):
    """The reader of a `[[sources]]` entry (ingest/follow.py's Reader)."""
    if source.kind == "asterisk-queue-log":
        from wallboard.ingest.queue_log_follow import QueueLogFile, QueueLogTable

        return QueueLogFile(source, config) if source.path else QueueLogTable(source, config)
    if source.kind == "freeswitch-callcenter":
        from wallboard.ingest.freeswitch_follow import FreeswitchCallcenter

        return FreeswitchCallcenter(source, config)
    if source.kind == "sql":
        from wallboard.ingest.sql_follow import SqlSource

        return SqlSource(source, config)
    raise NotImplementedError(f"source kind {source.kind} is not followed by this release yet")


def writes_tickets(source: LiveSource) -> bool:
    """Whether a source's rows go to the tickets database (surveys, complaints) rather than the calls database."""
    return source.kind == "sql" and source.target in ("surveys", "complaints")
