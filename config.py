"""The wallboard's configuration: `wallboard.toml` plus environment variables (CONTRACT section 6).

Everything is validated here, once, at start-up: a bad file stops the program with a
`ConfigError` that names the key and the problem, never later in a callback.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import date, time
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wallboard.i18n import LANGUAGES
from wallboard.maths.agent_limits import DEFAULT_STATE_LIMITS, AgentLimits, StateLimit
from wallboard.maths.alerting import LEVELS, parse_quiet_hours
from wallboard.maths.deadlines import ComplaintPolicy
from wallboard.maths.kpi import FORMULAS, ServiceLevelSettings
from wallboard.maths.thresholds import WALL_TILES, ThresholdRule
from wallboard.maths.working_days import NO_CORRECTIONS, CalendarCorrections, validate_region

DEFAULT_TIMEZONE = "Asia/Shanghai"


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the key."""


class Named:
    """Something shown by its Chinese name, or its English one on an English screen."""

    name: str
    name_en: str

    def label(self, lang: str) -> str:
        return self.name if lang == "zh" else self.name_en


@dataclass(frozen=True)
class Site(Named):
    id: str
    name: str
    name_en: str
    timezone: str = DEFAULT_TIMEZONE
    holidays: str = "CN"
    remote: bool = False
    region: str | None = None  # the id of its [[regions]] entry (e.g. a province)


@dataclass(frozen=True)
class Region(Named):
    """A level between the whole centre and its sites (a province, an area): 600 sites are read by region."""

    id: str
    name: str
    name_en: str


@dataclass(frozen=True)
class SkillGroup(Named):
    id: str
    name: str
    name_en: str
    site: str | None = None
    settings: ServiceLevelSettings = field(default_factory=ServiceLevelSettings)
    thresholds: dict[str, ThresholdRule] = field(default_factory=dict)  # this group's own tile rules


# Default tile thresholds: `warn`/`alert` are the values at which the level changes;
# `higher_is_better` says in which direction.  Overridable under [thresholds.<tile>].
DEFAULT_THRESHOLDS: dict[str, ThresholdRule] = {
    "service_level": ThresholdRule(warn=0.8, alert=0.6, higher_is_better=True),
    "service_level_30m": ThresholdRule(warn=0.8, alert=0.6, higher_is_better=True),
    "calls_waiting": ThresholdRule(warn=5, alert=15, higher_is_better=False),
    "longest_wait": ThresholdRule(warn=30, alert=90, higher_is_better=False),
    "asa": ThresholdRule(warn=15, alert=30, higher_is_better=False),
    "abandon_rate": ThresholdRule(warn=0.05, alert=0.10, higher_is_better=False),
    "connection_rate": ThresholdRule(warn=0.92, alert=0.85, higher_is_better=True),
    "agents_available": ThresholdRule(warn=2, alert=0, higher_is_better=True),
    "csat": ThresholdRule(warn=4.2, alert=3.8, higher_is_better=True),
    "complaints_due_soon": ThresholdRule(warn=1, alert=5, higher_is_better=False),
    "complaints_overdue": ThresholdRule(warn=1, alert=1, higher_is_better=False),
    "required_agents": ThresholdRule(warn=0, alert=3, higher_is_better=False),
}


STALE, COMPLAINT_DUE = "stale", "complaint_due"  # the two rule tiles that are not wall tiles
RULE_TILES = (*WALL_TILES, STALE, COMPLAINT_DUE)
SCOPE = re.compile(r"all|site:(?P<site>[^@\s]+)|group:(?P<group>[^@\s]+)(@site:(?P<gsite>[^@\s]+))?")


@dataclass(frozen=True)
class AlertRule:
    """One `[[alerts.rules]]` entry (CONTRACT section 8); `key` identifies its state across restarts."""

    tile: str
    channels: tuple[str, ...]
    scope: str = "all"
    level: str = "alert"
    for_seconds: float = 120.0
    repeat_minutes: float = 30.0  # 0: no reminders
    recover_seconds: float | None = None  # clear this long before recovering (default: for_seconds)
    before_minutes: float = 120.0  # complaint_due only

    @property
    def key(self) -> str:
        extra = f"|{self.before_minutes:g}" if self.tile == COMPLAINT_DUE else ""
        return f"{self.tile}|{self.scope}|{self.level}{extra}"

    @property
    def site(self) -> str | None:
        m = SCOPE.fullmatch(self.scope)
        return (m["site"] or m["gsite"]) if m else None

    @property
    def skill_group(self) -> str | None:
        m = SCOPE.fullmatch(self.scope)
        return m["group"] if m else None


@dataclass(frozen=True)
class AlertSettings:
    """`[alerts]`: where messages go (Apprise URLs by channel name) and when they are sent."""

    public_url: str | None = None
    quiet_hours: tuple[time, time] | None = None
    channels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rules: tuple[AlertRule, ...] = ()


PANELS = ("sites", "groups", "chart", "agents", "complaints")  # what a wall shows below its tiles (section 9)
LAYOUT_NAME = re.compile(r"[A-Za-z0-9_-]{1,40}")


@dataclass(frozen=True)
class WallLayout(Named):
    """A `[layouts.<name>]` entry (CONTRACT section 9): the tiles, panels, sites and skill groups of one wall.

    Empty `sites` / `skill_groups`: every one. A layout's figures are those of its sites' skill groups together.
    """

    id: str
    name: str
    name_en: str
    tiles: tuple[str, ...] = WALL_TILES
    panels: tuple[str, ...] = ("groups", "chart", "complaints")
    sites: tuple[str, ...] = ()
    skill_groups: tuple[str, ...] = ()

    def covers(self, site: str | None, skill_group: str | None) -> bool:
        """Whether a site's skill group is part of this wall."""
        return (not self.sites or site in self.sites) and (not self.skill_groups or skill_group in self.skill_groups)


SOURCE_KINDS = ("asterisk-queue-log", "freeswitch-callcenter", "sql")
SQL_TARGETS = ("calls", "agent-states", "surveys", "complaints")


@dataclass(frozen=True)
class LiveSource:
    """A `[[sources]]` entry (CONTRACT section 7): a system whose rows a follower keeps in the canonical tables."""

    kind: str
    name: str  # how it is shown and where its position is kept: `name`, else derived from what it reads
    path: str | None = None  # asterisk-queue-log: the file Asterisk appends to ...
    url: str | None = field(default=None, repr=False)  # ... or a database URL (every kind), read-only
    table: str = "queue_log"
    site: str | None = None
    queue_sites: dict[str, str] = field(default_factory=dict)
    timezone: str | None = None  # the zone of the source's naive times (default: [general] timezone)
    gmt: bool = False  # Asterisk's queue_log_realtime_use_gmt
    queue_groups: dict[str, str] = field(default_factory=dict)
    agents: dict[str, str] = field(default_factory=dict)
    cdr_url: str | None = field(default=None, repr=False)
    cdr_table: str = "cdr"
    target: str | None = None  # sql: calls | agent-states | surveys | complaints
    query: str | None = None
    watermark: str | None = None

    def site_of(self, queue: str, config: Config) -> str:
        """A queue's site: `queue_sites`, else the queue's configured skill group's site, else `site`, else
        'default'."""
        return (self.queue_sites.get(queue) or config.skill_group(self.group_of(queue)).site or self.site
                or "default")

    def group_of(self, queue: str) -> str:
        return self.queue_groups.get(queue, queue)


@dataclass(frozen=True)
class Config:
    sites: tuple[Site, ...] = ()
    skill_groups: tuple[SkillGroup, ...] = ()
    regions: tuple[Region, ...] = ()
    default_settings: ServiceLevelSettings = field(default_factory=ServiceLevelSettings)
    thresholds: dict[str, ThresholdRule] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    timezone: str = DEFAULT_TIMEZONE
    language: str = "zh"
    poll_seconds: float = 5.0
    live_seconds: float = 1.0  # calls waiting and the longest wait: refreshed (and asked for by walls) this often
    announcements: tuple[str, ...] = ()
    complaint_policy: ComplaintPolicy = field(default_factory=ComplaintPolicy)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    calendars: dict[str, CalendarCorrections] = field(default_factory=dict)  # by holiday code ("CN")
    sources: tuple[LiveSource, ...] = ()  # [[sources]]: followed by `wallboard follow` and by `serve`
    layouts: dict[str, WallLayout] = field(default_factory=dict)  # [layouts.<name>], by name
    agent_limits: AgentLimits = field(default_factory=AgentLimits)
    reload_at: str | None = None  # "HH:MM": wall screens reload once a day (optional)
    calls_db: str | None = None
    tickets_db: str | None = None
    app_db: str | None = None
    redis_url: str | None = None
    secret_key: str | None = None
    source: str = "(defaults)"

    def site(self, site_id: str) -> Site:
        """The configured site, or one discovered from the data with default settings."""
        found = self._sites_by_id.get(site_id)
        return found or Site(id=site_id, name=site_id, name_en=site_id, timezone=self.timezone)

    @cached_property
    def _sites_by_id(self) -> dict[str, Site]:  # 600 sites: looked up per complaint and per row
        return {s.id: s for s in self.sites}

    @property
    def queue_seconds(self) -> float:
        """How often calls waiting and the longest wait are re-read and walls ask for them: `live_seconds`, never
        slower than the full poll (a 0.2 s soak poll refreshes the queues as often)."""
        return min(self.live_seconds, self.poll_seconds)

    def layout(self, name: str | None) -> WallLayout | None:
        return self.layouts.get(name or "")

    def region(self, region_id: str) -> Region | None:
        return next((r for r in self.regions if r.id == region_id), None)

    @cached_property
    def region_of(self) -> dict[str, str]:
        """{site id: region id} of the sites that have a region."""
        return {s.id: s.region for s in self.sites if s.region}

    @cached_property
    def _sites_by_region(self) -> dict[str, list[str]]:  # asked several times per wall callback
        out: dict[str, list[str]] = {}
        for site, region in self.region_of.items():
            out.setdefault(region, []).append(site)
        return out

    def region_sites(self, region_id: str) -> list[str]:
        """The ids of a region's sites, in the config's order."""
        return list(self._sites_by_region.get(region_id, ()))

    def calendar(self, code: str) -> CalendarCorrections:
        """The admin's corrections to a holiday calendar ("CN", "CN-GD" also takes those of "CN")."""
        return self.calendars.get(code.upper()) or self.calendars.get(code.upper().partition("-")[0], NO_CORRECTIONS)

    def site_timezone(self, site_id: str) -> str:
        return self.site(site_id).timezone

    def skill_group(self, group_id: str) -> SkillGroup:
        for g in self.skill_groups:
            if g.id == group_id:
                return g
        return SkillGroup(id=group_id, name=group_id, name_en=group_id, settings=self.default_settings)

    def site_name(self, lang: str) -> Callable[[str | None], str]:
        """Site ids to names in a language ("—" for none), for tables and charts."""
        return lambda site_id: self.site(site_id).label(lang) if site_id else "—"

    def group_name(self, lang: str) -> Callable[[str | None], str]:
        """Skill-group ids to names in a language ("—" for none), for tables and charts."""
        return lambda group_id: self.skill_group(group_id).label(lang) if group_id else "—"

    def settings_for(self, group_id: str | None) -> ServiceLevelSettings:
        return self.skill_group(group_id).settings if group_id else self.default_settings

    def with_sources(self, **urls: str | None) -> Config:
        """A copy with database URLs etc. overridden by command-line options that were given."""
        return replace(self, **{k: v for k, v in urls.items() if v is not None})


def _get(table: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str, default: Any = None) -> Any:
    value = table.get(key, default)
    if value is None:
        return None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"{where}.{key}: expected {names}, got {value!r}")
    return value


def _timezone(value: str, where: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: unknown time zone {value!r}") from None
    return value


def _settings(table: dict[str, Any], where: str, base: ServiceLevelSettings) -> ServiceLevelSettings:
    threshold = _get(table, "threshold_seconds", (int, float), where, base.threshold_seconds)
    target = _get(table, "target", float, where, base.target)
    formula = _get(table, "formula", str, where, base.formula)
    short = _get(table, "short_abandon_seconds", (int, float), where, base.short_abandon_seconds)
    if formula not in FORMULAS:
        raise ConfigError(f"{where}.formula: {formula!r} is not one of {', '.join(FORMULAS)}")
    if not 0 < target < 1:
        raise ConfigError(f"{where}.target: must be between 0 and 1 (a fraction), got {target}")
    if threshold < 0 or short < 0:
        raise ConfigError(f"{where}: threshold_seconds and short_abandon_seconds must be >= 0")
    return ServiceLevelSettings(threshold_seconds=threshold, target=target, formula=formula,
                                short_abandon_seconds=short)


def parse_config(data: dict[str, Any], source: str = "(inline)") -> Config:
    """Validate a parsed TOML document into a `Config`."""
    general = data.get("general", {})
    tz = _timezone(_get(general, "timezone", str, "general", DEFAULT_TIMEZONE), "general.timezone")
    language = _get(general, "language", str, "general", "zh")
    if language not in LANGUAGES:
        raise ConfigError(f"general.language: {language!r} is not one of {', '.join(LANGUAGES)}")
    poll = _get(general, "poll_seconds", float, "general", 5.0)
    if poll <= 0:
        raise ConfigError(f"general.poll_seconds: must be > 0, got {poll}")
    live = _get(general, "live_seconds", float, "general", 1.0)
    if live <= 0:
        raise ConfigError(f"general.live_seconds: must be > 0, got {live}")
    announcements = tuple(_get(general, "announcements", list, "general", []))
    reload_at = _get(general, "reload_at", str, "general")
    if reload_at is not None and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", reload_at):
        raise ConfigError(f"general.reload_at: expected HH:MM (24 h), got {reload_at!r}")
    defaults = _settings(data.get("service_level", {}), "service_level", ServiceLevelSettings())

    regions = []
    for i, r in enumerate(data.get("regions", [])):
        where = f"regions[{i}]"
        rid = _get(r, "id", str, where)
        if not rid:
            raise ConfigError(f"{where}.id: required")
        if rid in {x.id for x in regions}:
            raise ConfigError(f"{where}.id: {rid!r} is listed twice")
        name = _get(r, "name", str, where, rid)
        regions.append(Region(rid, name, _get(r, "name_en", str, where, name)))
    region_ids = {r.id for r in regions}

    sites = []
    for i, s in enumerate(data.get("sites", [])):
        where = f"sites[{i}]"
        sid = _get(s, "id", str, where)
        if not sid:
            raise ConfigError(f"{where}.id: required")
        name = _get(s, "name", str, where, sid)
        location = _get(s, "location", str, where, "local")
        if location not in ("local", "remote"):
            raise ConfigError(f"{where}.location: must be 'local' or 'remote', got {location!r}")
        region = _get(s, "holidays", str, where, "CN")
        try:
            validate_region(region)
        except ValueError as e:
            raise ConfigError(f"{where}.holidays: {e}") from None
        in_region = _get(s, "region", str, where)
        if in_region is not None and in_region not in region_ids:
            raise ConfigError(f"{where}.region: {in_region!r} is not in [[regions]]")
        sites.append(Site(id=sid, name=name, name_en=_get(s, "name_en", str, where, name),
                          timezone=_timezone(_get(s, "timezone", str, where, tz), f"{where}.timezone"),
                          holidays=region, remote=location == "remote", region=in_region))
    site_ids = {s.id for s in sites}

    groups = []
    for i, g in enumerate(data.get("skill_groups", [])):
        where = f"skill_groups[{i}]"
        gid = _get(g, "id", str, where)
        if not gid:
            raise ConfigError(f"{where}.id: required")
        site = _get(g, "site", str, where)
        if site is not None and site not in site_ids:
            raise ConfigError(f"{where}.site: {site!r} is not a configured site")
        name = _get(g, "name", str, where, gid)
        groups.append(SkillGroup(id=gid, name=name, name_en=_get(g, "name_en", str, where, name), site=site,
                                 settings=_settings(g, where, defaults),
                                 thresholds=_thresholds(g.get("thresholds", {}), f"{where}.thresholds", {})))

    thresholds = _thresholds(data.get("thresholds", {}), "thresholds", DEFAULT_THRESHOLDS)
    alerts = _alerts(data.get("alerts", {}), site_ids, {g.id for g in groups})

    return Config(sites=tuple(sites), skill_groups=tuple(groups), regions=tuple(regions), default_settings=defaults,
                  thresholds=thresholds, timezone=tz, language=language, poll_seconds=poll, live_seconds=live,
                  announcements=announcements, reload_at=reload_at,
                  complaint_policy=_policy(data.get("complaints", {})), alerts=alerts,
                  calendars=_calendars(data.get("calendars", {})),
                  layouts=_layouts(data.get("layouts", {}), site_ids, {g.id for g in groups}),
                  agent_limits=_agent_limits(data.get("agent_limits", {})),
                  sources=_sources(data.get("sources", []), site_ids, tz), source=source)


SOURCE_KEYS = {
    "asterisk-queue-log": {"path", "url", "table", "site", "queue_sites", "timezone", "gmt", "queue_groups", "agents"},
    "freeswitch-callcenter": {"url", "cdr_url", "cdr_table", "site", "queue_sites", "timezone", "queue_groups",
                              "agents"},
    "sql": {"url", "target", "query", "watermark", "timezone", "site"},
}


def _sources(entries: Any, site_ids: set[str], default_tz: str) -> tuple[LiveSource, ...]:
    """[[sources]]: every entry checked now (kind, the keys it takes, its sites and zone), not at its first read."""
    if not isinstance(entries, list):
        raise ConfigError("sources: expected [[sources]] tables")
    out: list[LiveSource] = []
    for i, entry in enumerate(entries):
        where = f"sources[{i}]"
        entry = _table(entry, where)
        kind = _get(entry, "kind", str, where)
        if kind not in SOURCE_KINDS:
            raise ConfigError(f"{where}.kind: expected one of {', '.join(SOURCE_KINDS)}, got {kind!r}")
        unknown = set(entry) - SOURCE_KEYS[kind] - {"kind", "name"}
        if unknown:
            raise ConfigError(f"{where}: {', '.join(sorted(unknown))} not a key of a {kind} source")
        path, url = _get(entry, "path", str, where), _get(entry, "url", str, where)
        if kind == "asterisk-queue-log" and (path is None) == (url is None):
            raise ConfigError(f"{where}: give either path (the queue_log file) or url (its realtime table)")
        if kind != "asterisk-queue-log" and not url:
            raise ConfigError(f"{where}.url: required for a {kind} source")
        shown = {key: _database_url(_get(entry, key, str, where), f"{where}.{key}")
                 for key in ("url", "cdr_url") if entry.get(key) is not None}
        site = _get(entry, "site", str, where)
        queue_sites = {str(k): v for k, v in _table(entry.get("queue_sites", {}), f"{where}.queue_sites").items()}
        for s in [site, *queue_sites.values()]:
            if s is not None and site_ids and s not in site_ids:
                raise ConfigError(f"{where}: site {s!r} is not a configured site")
        tz = _timezone(_get(entry, "timezone", str, where, default_tz), f"{where}.timezone")
        target, query = _get(entry, "target", str, where), _get(entry, "query", str, where)
        watermark = _get(entry, "watermark", str, where)
        if kind == "sql":
            if target not in SQL_TARGETS:
                raise ConfigError(f"{where}.target: expected one of {', '.join(SQL_TARGETS)}, got {target!r}")
            if not query or ":since" not in query or not watermark:
                raise ConfigError(f"{where}: a sql source needs a query with :since and the watermark column")
        identity = "|".join(str(x) for x in (kind, path, shown.get("url"), entry.get("table"), target, query))
        derived = hashlib.blake2b(identity.encode(), digest_size=6).hexdigest()
        name = _get(entry, "name", str, where) or f"{kind}:{derived}"
        if len(name) > 64 or name in {s.name for s in out}:
            raise ConfigError(f"{where}.name: {name!r} is too long (64) or names another source too")
        out.append(LiveSource(
            kind=kind, name=name, path=path, url=url, table=_get(entry, "table", str, where, "queue_log"),
            site=site, queue_sites=queue_sites, timezone=tz, gmt=bool(_get(entry, "gmt", bool, where, False)),
            queue_groups={str(k): str(v) for k, v in _table(entry.get("queue_groups", {}),
                                                            f"{where}.queue_groups").items()},
            agents={str(k): str(v) for k, v in _table(entry.get("agents", {}), f"{where}.agents").items()},
            cdr_url=_get(entry, "cdr_url", str, where), cdr_table=_get(entry, "cdr_table", str, where, "cdr"),
            target=target, query=query, watermark=watermark))
    return tuple(out)


LAYOUT_KEYS = {"name", "name_en", "tiles", "panels", "sites", "skill_groups"}


def _layouts(table: Any, site_ids: set[str], group_ids: set[str]) -> dict[str, WallLayout]:
    """[layouts.<name>]: tiles and panels known, listed once; sites and skill groups configured (when any are)."""
    out = {}
    for name, entry in _table(table, "layouts").items():
        where = f"layouts.{name}"
        if not LAYOUT_NAME.fullmatch(name):
            raise ConfigError(f"{where}: a layout's name is 1-40 letters, digits, - or _ (it goes in URLs)")
        entry = _table(entry, where)
        unknown = set(entry) - LAYOUT_KEYS
        if unknown:
            raise ConfigError(f"{where}: {', '.join(sorted(unknown))} not a key of a layout "
                              f"(known: {', '.join(sorted(LAYOUT_KEYS))})")
        lists = {}
        for key, known, default in (("tiles", WALL_TILES, WALL_TILES), ("panels", PANELS, None),
                                    ("sites", site_ids, ()), ("skill_groups", group_ids, ())):
            values = _get(entry, key, list, where)
            if values is None:
                lists[key] = default
                continue
            for i, value in enumerate(values):
                if not isinstance(value, str):
                    raise ConfigError(f"{where}.{key}[{i}]: expected a string, got {value!r}")
                if known and value not in known:
                    what = {"tiles": "a wall tile", "panels": "a panel", "sites": "a configured site",
                            "skill_groups": "a configured skill group"}[key]
                    hint = f" (one of {', '.join(known)})" if key in ("tiles", "panels") else ""
                    raise ConfigError(f"{where}.{key}[{i}]: {value!r} is not {what}{hint}")
                if value in values[:i]:
                    raise ConfigError(f"{where}.{key}[{i}]: {value!r} is listed twice")
            lists[key] = tuple(values)
        if not lists["tiles"]:
            raise ConfigError(f"{where}.tiles: a wall needs at least one tile")
        if lists["panels"] is None:  # one site's wall shows its agents, several sites' their cells
            lists["panels"] = ("groups", "agents", "complaints") if len(lists["sites"]) == 1 else \
                ("sites", "groups", "chart", "complaints")
        title = _get(entry, "name", str, where, name)
        out[name] = WallLayout(id=name, name=title, name_en=_get(entry, "name_en", str, where, title), **lists)
    return out


def _agent_limits(table: Any) -> AgentLimits:
    """[agent_limits.<state>] and [agent_limits.reasons.<reason>]: warn and alert in seconds."""
    table = _table(table, "agent_limits")

    def limit(value: Any, where: str, base: StateLimit | None) -> StateLimit:
        value = _table(value, where)
        unknown = set(value) - {"warn", "alert"}
        if unknown:
            raise ConfigError(f"{where}: {', '.join(sorted(unknown))} unknown (known: warn, alert)")
        warn = _get(value, "warn", float, where, base.warn if base else None)
        alert = _get(value, "alert", float, where, base.alert if base else None)
        if warn is None or alert is None:
            raise ConfigError(f"{where}: give warn and alert (seconds in the state)")
        if not 0 <= warn <= alert:
            raise ConfigError(f"{where}: expected 0 <= warn <= alert (seconds), got warn={warn:g}, alert={alert:g}")
        return StateLimit(warn=warn, alert=alert)

    states = dict(DEFAULT_STATE_LIMITS)
    reasons = {}
    for key, value in sorted(table.items(), key=lambda kv: kv[0] == "reasons"):  # reasons after not_ready
        if key == "reasons":
            for reason, entry in _table(value, "agent_limits.reasons").items():
                reasons[reason] = limit(entry, f"agent_limits.reasons.{reason}", states.get("not_ready"))
        elif key in ("not_ready", "wrap_up", "on_call", "available"):
            states[key] = limit(value, f"agent_limits.{key}", states.get(key))
        else:
            raise ConfigError(f"agent_limits.{key}: not a state (not_ready, wrap_up, on_call, available) "
                              "nor reasons")
    return AgentLimits(states=states, reasons=reasons)


def _database_url(url: str, where: str) -> str:
    """The URL checked now, as it may be shown (password hidden)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        raise ConfigError(f"{where}: not a database URL") from None


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table")
    return value


def _alerts(table: dict[str, Any], site_ids: set[str], group_ids: set[str]) -> AlertSettings:
    """[alerts]: every channel URL parsed by Apprise and every rule checked now, not at the first alert."""
    table = _table(table, "alerts")
    known = {"public_url", "quiet_hours", "channels", "rules"}
    for key in table:
        if key not in known:
            raise ConfigError(f"alerts.{key}: unknown setting (known: {', '.join(sorted(known))})")
    public_url = _get(table, "public_url", str, "alerts")
    if public_url is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", public_url):
        raise ConfigError(f"alerts.public_url: expected http(s)://host[:port][/path], got {public_url!r}")
    quiet = _get(table, "quiet_hours", str, "alerts")
    try:
        quiet_hours = parse_quiet_hours(quiet) if quiet is not None else None
    except ValueError as e:
        raise ConfigError(f"alerts.quiet_hours: {e}") from None
    channels = {}
    for name, urls in _table(table.get("channels", {}), "alerts.channels").items():
        where = f"alerts.channels.{name}"
        if isinstance(urls, str):
            urls = [urls]
        if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
            raise ConfigError(f"{where}: expected a list of Apprise URLs")
        for i, url in enumerate(urls):
            if not _apprise_accepts(url):
                scheme = url.partition("://")[0] if "://" in url else "(none)"
                raise ConfigError(f"{where}[{i}]: Apprise cannot use this URL (scheme {scheme!r}); "
                                  "see https://github.com/caronc/apprise/wiki for each service's URL")
        channels[name] = tuple(urls)
    rules = []
    rule_list = table.get("rules", [])
    if not isinstance(rule_list, list):
        raise ConfigError("alerts.rules: expected [[alerts.rules]] tables")
    for i, r in enumerate(rule_list):
        rules.append(_rule(_table(r, f"alerts.rules[{i}]"), f"alerts.rules[{i}]", channels, site_ids, group_ids))
    keys = [r.key for r in rules]
    for i, key in enumerate(keys):
        if key in keys[:i]:
            raise ConfigError(f"alerts.rules[{i}]: the same tile, scope and level as alerts.rules[{keys.index(key)}]"
                              " (give one rule several channels instead)")
    return AlertSettings(public_url=public_url.rstrip("/") if public_url else None, quiet_hours=quiet_hours,
                         channels=channels, rules=tuple(rules))


def _rule(r: dict[str, Any], where: str, channels: dict, site_ids: set[str], group_ids: set[str]) -> AlertRule:
    known = {"tile", "scope", "level", "for_seconds", "repeat_minutes", "recover_seconds", "before_minutes",
             "channels"}
    for key in r:
        if key not in known:
            raise ConfigError(f"{where}.{key}: unknown setting (known: {', '.join(sorted(known))})")
    tile = _get(r, "tile", str, where)
    if tile not in RULE_TILES:
        raise ConfigError(f"{where}.tile: {tile!r} is not a tile (one of {', '.join(RULE_TILES)})")
    scope = _get(r, "scope", str, where, "all")
    m = SCOPE.fullmatch(scope)
    if m is None:
        raise ConfigError(f"{where}.scope: {scope!r} is not all, site:<id>, group:<id> or group:<id>@site:<id>")
    site, group = m["site"] or m["gsite"], m["group"]
    if site and site_ids and site not in site_ids:
        raise ConfigError(f"{where}.scope: site {site!r} is not a configured site")
    if group and group_ids and group not in group_ids:
        raise ConfigError(f"{where}.scope: skill group {group!r} is not a configured skill group")
    if tile in (STALE, COMPLAINT_DUE) and group:
        raise ConfigError(f"{where}.scope: {tile} rules take all or site:<id>")
    level = _get(r, "level", str, where, "alert")
    if level not in LEVELS:
        raise ConfigError(f"{where}.level: {level!r} is not one of {', '.join(LEVELS)}")
    names = _get(r, "channels", list, where)
    if not names:
        raise ConfigError(f"{where}.channels: required (names of [alerts.channels])")
    for name in names:
        if name not in channels:
            raise ConfigError(f"{where}.channels: {name!r} is not a channel of [alerts.channels]")
    numbers = {}
    for key, default in (("for_seconds", 120.0), ("repeat_minutes", 30.0), ("before_minutes", 120.0)):
        numbers[key] = _get(r, key, float, where, default)
        if numbers[key] < 0:
            raise ConfigError(f"{where}.{key}: must be >= 0, got {numbers[key]}")
    recover = _get(r, "recover_seconds", float, where)
    if recover is not None and recover < 0:
        raise ConfigError(f"{where}.recover_seconds: must be >= 0, got {recover}")
    return AlertRule(tile=tile, scope=scope, level=level, channels=tuple(names), recover_seconds=recover,
                     **numbers)


def _apprise_accepts(url: str) -> bool:
    import apprise  # only a config with alerts pays for importing it

    return apprise.Apprise.instantiate(url, suppress_exceptions=True) is not None


def _calendars(table: dict[str, Any]) -> dict[str, CalendarCorrections]:
    """[calendars.<code>]: holidays, make-up working days and corrections, as ISO dates."""
    out = {}
    for code, entry in _table(table, "calendars").items():
        where = f"calendars.{code}"
        entry = _table(entry, where)
        lists = {}
        for key in entry:
            if key not in ("holidays", "working_days", "not_holidays"):
                raise ConfigError(f"{where}.{key}: unknown setting (known: holidays, working_days, not_holidays)")
        for key in ("holidays", "working_days", "not_holidays"):
            days = set()
            for i, value in enumerate(_get(entry, key, list, where, [])):
                if isinstance(value, date):  # TOML's own date literal
                    days.add(value)
                    continue
                try:
                    days.add(date.fromisoformat(value))
                except (TypeError, ValueError):
                    raise ConfigError(f"{where}.{key}[{i}]: expected a date YYYY-MM-DD, got {value!r}") from None
            lists[key] = frozenset(days)
        both = lists["holidays"] & lists["working_days"]
        if both:
            raise ConfigError(f"{where}: {min(both)} is both a holiday and a working day")
        out[code.upper()] = CalendarCorrections(**lists)
    return out


def _thresholds(table: dict[str, Any], where: str, base: dict[str, ThresholdRule]) -> dict[str, ThresholdRule]:
    """Tile rules: each [<where>.<tile>] overrides warn / alert / higher_is_better of the base rule."""
    out = dict(base)
    for tile, rule in table.items():
        key = f"{where}.{tile}"
        if not isinstance(rule, dict):
            raise ConfigError(f"{key}: expected a table with warn, alert and higher_is_better")
        default = out.get(tile) or DEFAULT_THRESHOLDS.get(tile) or ThresholdRule(0, 0, True)
        out[tile] = ThresholdRule(
            warn=_get(rule, "warn", float, key, default.warn), alert=_get(rule, "alert", float, key, default.alert),
            higher_is_better=_get(rule, "higher_is_better", bool, key, default.higher_is_better))
    return out


def _policy(table: dict[str, Any]) -> ComplaintPolicy:
    """[complaints] overrides the manual's deadlines (hand_over_hours = 12, close_days_remote = 14, …)."""
    known = {f.name: f.type for f in fields(ComplaintPolicy)}
    values = {}
    for key in table:
        if key not in known:
            raise ConfigError(f"complaints.{key}: unknown setting (known: {', '.join(known)})")
        values[key] = _get(table, key, (int, float), "complaints")
    try:
        return ComplaintPolicy(**values)
    except ValueError as e:
        raise ConfigError(f"complaints: {e}") from None


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read the config file (argument, else WALLBOARD_CONFIG, else defaults) and the environment."""
    path = path or os.environ.get("WALLBOARD_CONFIG")
    config = Config()
    if path:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{p}: config file not found") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"{p}: not valid TOML: {e}") from None
        try:
            config = parse_config(data, source=str(p))
        except ConfigError as e:
            raise ConfigError(f"{p}: {e}") from None
    env = os.environ
    poll = env.get("WALLBOARD_POLL_SECONDS")
    if poll is not None:
        try:
            poll_value = float(poll)
            if poll_value <= 0:
                raise ValueError
        except ValueError:
            raise ConfigError(f"WALLBOARD_POLL_SECONDS: must be a positive number, got {poll!r}") from None
        config = replace(config, poll_seconds=poll_value)
    return config.with_sources(calls_db=env.get("WALLBOARD_CALLS_DB"), tickets_db=env.get("WALLBOARD_TICKETS_DB"),
                               app_db=env.get("WALLBOARD_APP_DB"), redis_url=env.get("WALLBOARD_REDIS_URL"),
                               secret_key=env.get("WALLBOARD_SECRET_KEY"))
