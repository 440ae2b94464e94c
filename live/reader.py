"""The one way screens read the live snapshot: named questions, not cache keys.

A reader takes the snapshot from the cache once, when first asked, so every answer of
one render or callback comes from the same poll.  The parts only drill-down pages need
(agents, waiting calls, skill-group tiles) are read from the cache when first asked,
so that a wall never unpickles them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wallboard.config import WallLayout
from wallboard.live.feed import queue_figures
from wallboard.live.poller import Cache, Poller, is_stale
from wallboard.live.snapshot import INTRADAY, SITE, group_scope_key, group_sites_prefix, scope_key
from wallboard.maths.thresholds import WALL_TILES

_UNREAD = object()


@dataclass(frozen=True)
class WallView:
    """What one wall shows: a site, a region (`region_sites` its sites), or a layout (its own sites and skill groups),
    with its tiles and panels. Hashable: screens asking for the same view share one answer per poll."""

    site: str | None = None
    region: str | None = None
    layout: WallLayout | None = None
    region_sites: tuple[str, ...] = ()
    panels: tuple[str, ...] = ()

    @property
    def layout_name(self) -> str | None:
        return self.layout.id if self.layout else None

    @property
    def sites(self) -> set[str] | None:
        """The sites shown, None for every site."""
        if self.layout is not None:
            return set(self.layout.sites) or None
        if self.region:
            return set(self.region_sites)
        return {self.site} if self.site else None

    @property
    def one_site(self) -> str | None:
        sites = self.sites
        return next(iter(sites)) if sites and len(sites) == 1 else None

    @property
    def tiles(self) -> tuple[str, ...]:
        return self.layout.tiles if self.layout else WALL_TILES

    def live_tiles(self, live: SnapshotReader) -> dict | None:
        return live.tiles(self.site, self.region, self.layout_name)


class SnapshotReader:
    """Answers about the last good snapshot; every answer is empty (never an error) before the first poll."""

    def __init__(self, cache: Cache, poll_seconds: float, snapshot: dict | None = None) -> None:
        """`snapshot`: answer from this one instead of the cache's (a benchmark's baseline, a test)."""
        self._cache = cache
        self.poll_seconds = poll_seconds
        self._snapshot: Any = _UNREAD if snapshot is None else snapshot
        self._parts: dict[str, Any] = {}
        self._queues: Any = _UNREAD if snapshot is None else {}  # a given snapshot is answered as it is
        self._newer: Any = _UNREAD
        self._site_tiles: dict[str, dict] | None = None

    # ---------------------------------------------------------------- the whole snapshot

    @property
    def snapshot(self) -> dict:
        """The snapshot's dict ({} before the first good poll)."""
        if self._snapshot is _UNREAD:
            self._snapshot = self._cache.get(Poller.KEY) or {}
        return self._snapshot

    def stamp(self) -> tuple:
        """What the answers of this reader depend on, in a few bytes (the snapshot's and the queues' times): an
        answer built for one stamp serves every screen that asks until it moves."""
        stamp = self._cache.get(Poller.STAMP_KEY) or {}
        return stamp.get("snapshot"), stamp.get("queues")

    def __bool__(self) -> bool:
        return bool(self.snapshot)

    @property
    def computed_at(self) -> str | None:
        return self.snapshot.get("computed_at")

    def age_seconds(self, now: datetime | None = None) -> float | None:
        """Seconds since the data were current (replica lag included); None before the first poll."""
        if not self.computed_at:
            return None
        return ((now or datetime.now(UTC)) - datetime.fromisoformat(self.computed_at)).total_seconds()

    def is_stale(self, now: datetime | None = None) -> bool:
        return is_stale(self.age_seconds(now), self.poll_seconds)

    def get(self, name: str, default: Any = None) -> Any:
        """A top-level fact of the poll ("replica_lag_seconds", "data_quality", "poller_pid", …)."""
        value = self.snapshot.get(name)
        return default if value is None else value

    # ---------------------------------------------------------------- scopes: all sites, a region's or one

    def sites(self) -> list[str]:
        """Sites the data has shown today."""
        return list(self.snapshot.get("sites", []))

    def tiles(self, site: str | None = None, region: str | None = None, layout: str | None = None) -> dict | None:
        """The wall's tile values of all sites (`site=None`), one site, one region's sites or a layout's (calls
        waiting and the longest wait as last re-read between polls)."""
        key = scope_key(site, region, layout)
        return self._with_queues(key, self.snapshot.get("scopes", {}).get(key))

    def queue_tiles(self, site: str | None = None, region: str | None = None) -> dict | None:
        """Calls waiting, the oldest and the longest wait of a scope as last re-read, without reading the snapshot
        (what a wall asks every `live_seconds`); the snapshot's tiles when no queue refresh runs."""
        queues = self._queues_read()
        if not queues:
            return self.tiles(site, region)
        return queue_figures(queues, scope_key(site, region))

    def _queues_read(self) -> dict:
        if self._queues is _UNREAD:
            self._queues = self._cache.get(Poller.QUEUES_KEY) or {}
        return self._queues

    def _newer_queues(self) -> dict:
        """The queue figures if they are newer than the snapshot, else {} (decided once per reader)."""
        if self._newer is _UNREAD:
            queues = self._queues_read()
            self._newer = queues if queues and self.computed_at and datetime.fromisoformat(
                queues["at"]) > datetime.fromisoformat(self.computed_at) else {}
        return self._newer

    def _with_queues(self, key: str, tiles: dict | None) -> dict | None:
        """`tiles` with the queue figures of a refresh newer than the snapshot."""
        queues = self._newer_queues()
        return {**tiles, **queue_figures(queues, key)} if tiles is not None and queues else tiles

    def site_tiles(self) -> dict[str, dict]:
        """Every site's tile values, by site id (built once per reader: a wall asks for them once per tile)."""
        if self._site_tiles is None:
            self._site_tiles = {key.removeprefix(SITE): self._with_queues(key, tiles)
                                for key, tiles in self.snapshot.get("scopes", {}).items() if key.startswith(SITE)}
        return self._site_tiles

    def group_rows(self, site: str | None = None, region: str | None = None,
                   layout: WallLayout | None = None) -> list[dict]:
        """The queue table's rows (one per site and skill group) of all sites, one region's, one or a layout's."""
        rows = self.snapshot.get("skill_groups", {}).get(scope_key(site, region), [])
        return [r for r in rows if layout.covers(r["site"], r["skill_group"])] if layout else list(rows)

    def skill_groups(self) -> set[str]:
        """Skill groups the data has shown today."""
        return {r["skill_group"] for rows in self.snapshot.get("skill_groups", {}).values() for r in rows
                if r["skill_group"]}

    def intraday(self, site: str | None = None, region: str | None = None, layout: str | None = None) -> dict | None:
        """Today's and last week's half-hour series of all sites, one region's, one or a layout's."""
        part = self._part(f"{INTRADAY}{scope_key(site, region, layout)}", {})
        # written with each poll; a scope without calls today keeps an older one, which is not today's
        return part.get("series") if part.get("computed_at") == self.snapshot.get("polled_at",
                                                                                 self.computed_at) else None

    def complaints(self, site: str | None = None, region: str | None = None,
                   layout: WallLayout | None = None) -> list[dict]:
        """Open complaints, soonest deadline first, of all sites, one region's, one or a layout's sites."""
        return [c for c in self.snapshot.get("complaints", []) if (not site or c["site"] == site)
                and (site or not region or c.get("region") == region)
                and (layout is None or not layout.sites or c["site"] in layout.sites)]

    def complaint(self, complaint_id: str) -> dict | None:
        return next((c for c in self.snapshot.get("complaints", []) if c["complaint_id"] == complaint_id), None)

    # ---------------------------------------------------------------- parts for the drill-down pages

    def _part(self, name: str, default: Any) -> Any:
        if name not in self._parts:
            value = self._cache.get(f"{Poller.KEY}:{name}")
            self._parts[name] = default if value is None else value
        return self._parts[name]

    def group_tiles(self, skill_group: str, site: str | None = None) -> dict | None:
        """A skill group's tile values across all sites, or at one site."""
        return self._part("group_scopes", {}).get(group_scope_key(skill_group, site))

    def group_site_tiles(self, skill_group: str) -> dict[str, dict]:
        """A skill group's tile values at each site it serves, by site id."""
        prefix = group_sites_prefix(skill_group)
        return {key.removeprefix(prefix): tiles for key, tiles in self._part("group_scopes", {}).items()
                if key.startswith(prefix)}

    def agents(self, site: str | None = None, skill_group: str | None = None,
               layout: WallLayout | None = None) -> list[dict]:
        """Agents now (state, reason, today's figures), optionally of one site and/or skill group, or a layout's."""
        return [a for a in self._part("agents", []) if (site is None or a["site"] == site)
                and (skill_group is None or a["skill_group"] == skill_group)
                and (layout is None or layout.covers(a["site"], a["skill_group"]))]

    def agent(self, agent_id: str) -> dict | None:
        return next((a for a in self._part("agents", []) if a["agent_id"] == agent_id), None)

    def waiting(self, skill_group: str | None = None, site: str | None = None) -> list[dict]:
        """Calls waiting now, oldest first, optionally of one skill group and/or site."""
        return [w for w in self._part("waiting", []) if (skill_group is None or w["skill_group"] == skill_group)
                and (site is None or w["site"] == site)]
