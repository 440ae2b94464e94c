"""The text of an alert message: what, where, since when, the value and the threshold, and the link.

In the configured language (`general.language`), times in the scope's own zone, figures written as the
wall writes them (components/formatting.py), and a link to the page that shows the cause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from wallboard.components.alert_banner import local_time, scope_label, value_text
from wallboard.components.formatting import seconds
from wallboard.config import STALE, AlertRule, Config
from wallboard.i18n import label, t
from wallboard.maths.alerting import FIRE, RECOVER, REMIND
from wallboard.urls import COMPLAINTS_PATH, DATA_QUALITY_PATH, SITE_PATH, SKILL_PATH, WALL_PATH, url


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def page_link(rule_tile: str, scope: str, config: Config, lang: str) -> str:
    """The page that shows the cause, absolute when `[alerts] public_url` is set."""
    group, _, site = scope.partition("@")
    site_id = (site or group).removeprefix("site:") if (site or group).startswith("site:") else None
    if rule_tile == STALE:
        path = url(DATA_QUALITY_PATH, lang=lang)
    elif rule_tile.startswith("complaint"):
        path = url(COMPLAINTS_PATH, site=site_id, lang=lang)
    elif group.startswith("group:"):
        path = url(SKILL_PATH, skill_group=group.removeprefix("group:"), site=site_id, lang=lang)
    elif site_id:
        path = url(SITE_PATH, site_id=site_id, lang=lang)
    else:
        path = url(WALL_PATH, lang=lang)
    return (config.alerts.public_url or "") + path


def tile_message(kind: str, rule: AlertRule, config: Config, value: float | None, threshold: float | None,
                 higher_is_better: bool, since: datetime, now: datetime) -> Message:
    """FIRE / REMIND / RECOVER of a tile rule (or the "stale" rule)."""
    lang = config.language
    zone = config.site(rule.site).timezone if rule.site else config.timezone
    where = scope_label(rule.scope, config, lang)
    what = t("alert.stale", lang) if rule.tile == STALE else t(f"kpi.{rule.tile}", lang)
    head = t(f"alert.{kind}", lang)
    title = f"{head} {where} · {what}" + ("" if kind == RECOVER else f" {value_text(rule.tile, value)}")
    lasted = seconds((now - since).total_seconds())
    lines = []
    if kind in (FIRE, REMIND):
        direction = t("alert.below" if higher_is_better else "alert.above", lang)
        lines.append(t("alert.value_line", lang, what=what, value=value_text(rule.tile, value), direction=direction,
                       level=t(f"level.{rule.level}", lang), threshold=value_text(rule.tile, threshold)))
        lines.append(t("alert.since_line", lang, since=local_time(since, zone), lasted=lasted))
    else:
        lines.append(t("alert.recovered_line", lang, since=local_time(since, zone), at=local_time(now, zone),
                       lasted=lasted, value=value_text(rule.tile, value)))
    lines.append(t("alert.scope_line", lang, scope=where))
    lines.append(page_link(rule.tile, rule.scope, config, lang))
    return Message(title=title, body="\n".join(lines))


def complaint_message(rule: AlertRule, config: Config, complaint: dict, stage: dict, now: datetime) -> Message:
    """complaint_due: one stage of one complaint is due within `before_minutes` (or already overdue)."""
    lang = config.language
    site = config.site(complaint["site"])
    due = datetime.fromisoformat(stage["due_at"])
    remaining = (due - now.replace(tzinfo=UTC)).total_seconds()
    stage_name = label("stage", stage["stage"], lang)
    key = "alert.complaint_overdue" if remaining < 0 else "alert.complaint_due"
    title = t(key, lang, complaint=complaint["complaint_id"], stage=stage_name,
              due=due.astimezone(ZoneInfo(site.timezone)).strftime("%m-%d %H:%M"))
    lines = [t("alert.complaint_line", lang, site=site.label(lang), severity=complaint.get("severity") or "—",
               category=label("category", complaint.get("category"), lang),
               left=("-" if remaining < 0 else "") + seconds(abs(remaining)))]
    if stage.get("provisional"):
        lines.append(t("calendar.provisional", lang))
    lines.append(page_link("complaint_due", f"site:{site.id}", config, lang))
    return Message(title=title, body="\n".join(lines))


def test_message(channel: str, config: Config) -> Message:
    lang = config.language
    return Message(title=t("alert.test_title", lang),
                   body=t("alert.test_body", lang, channel=channel) + "\n" + page_link("", "all", config, lang))
