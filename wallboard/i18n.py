"""Every user-visible string goes through `t(key, lang)`: one catalogue, zh-CN and English."""

from __future__ import annotations

LANGUAGES = ("zh", "en")

CATALOGUE: dict[str, tuple[str, str]] = {
    # shell
    "app.title": ("客服中心运营看板", "Contact-centre wallboard"),
    "nav.wall": ("实时大屏", "Wall"),
    "nav.complaints": ("投诉时限", "Complaints"),
    "demo.banner": ("演示模式：模拟数据，未启用登录", "Demo mode: simulated data, no login required"),
    "all_sites": ("全部站点", "All sites"),
    "lang.switch": ("English", "中文"),
    "nav.satisfaction": ("满意度", "Satisfaction"),
    "nav.weekly": ("周报", "Weekly review"),
    "theme.toggle": ("切换浅色/深色", "Light / dark"),
    # freshness
    "fresh.live": ("实时", "Live"),
    "fresh.stale_since": ("数据未更新，自 {time} 起", "Stale since {time}"),
    "fresh.waiting": ("等待首次数据…", "Waiting for first data…"),
    "fresh.updated": ("更新于 {time}", "Updated {time}"),
    # tiles
    "kpi.service_level": ("服务水平(今日)", "Service level (today)"),
    "kpi.service_level_30m": ("近30分钟", "Last 30 min"),
    "kpi.calls_waiting": ("排队来电", "Calls waiting"),
    "kpi.longest_wait": ("最长等待", "Longest wait"),
    "kpi.asa": ("平均应答速度", "Avg speed of answer"),
    "kpi.abandon_rate": ("放弃率", "Abandon rate"),
    "kpi.connection_rate": ("接通率", "Connection rate"),
    "kpi.agents_available": ("空闲坐席", "Available"),
    "kpi.agents_on_call": ("通话中", "On call"),
    "kpi.agents_wrap_up": ("话后处理", "Wrap-up"),
    "kpi.agents_not_ready": ("未就绪(闭席)", "Not ready"),
    "kpi.required_agents": ("需要坐席(Erlang C)", "Required agents (Erlang C)"),
    "kpi.csat": ("满意度(今日)", "CSAT (today)"),
    "kpi.complaints_due_soon": ("投诉即将到期", "Complaints due soon"),
    "kpi.complaints_overdue": ("投诉已超时", "Complaints overdue"),
    "sub.target": ("目标 {target} · {threshold}秒内", "target {target} · within {threshold}s"),
    "sub.offered": ("今日进线 {n}", "offered today {n}"),
    "sub.logged_in": ("已登录 {n}", "logged in {n}"),
    "sub.surveys": ("{n} 份评价", "{n} surveys"),
    "sub.occupancy": ("占用率 {value}", "occupancy {value}"),
    "formula.abandons_against": ("公式：放弃计入分母", "formula: abandons against"),
    "formula.ignore_abandons": ("公式：不计放弃", "formula: ignore abandons"),
    "formula.abandons_in_favour": ("公式：阈值内放弃计为达标", "formula: abandons in favour"),
    "level.ok": ("正常", "OK"),
    "level.warn": ("注意", "Warning"),
    "level.alert": ("告警", "Alert"),
    # skill groups
    "groups.title": ("技能组队列", "Queues by skill group"),
    "groups.group": ("技能组", "Skill group"),
    "groups.site": ("站点", "Site"),
    "groups.waiting": ("排队", "Waiting"),
    "groups.oldest": ("最长等待", "Oldest"),
    "groups.sl": ("服务水平", "SL"),
    "groups.agents": ("坐席 需/在", "Agents req/in"),
    # complaints
    "complaints.nearest": ("最近到期的投诉", "Complaints nearest their deadline"),
    "complaints.none": ("没有未结投诉", "No open complaints"),
    "stage.hand_over": ("移交", "Hand-over"),
    "stage.register": ("登记", "Register"),
    "stage.first_contact": ("首次联系", "First contact"),
    "stage.close": ("结案", "Close"),
    "stage.refund": ("退款", "Refund"),
    "stage.archive": ("归档", "Archive"),
    "status.met": ("按时", "met"),
    "status.missed": ("逾期完成", "missed"),
    "status.open": ("进行中", "open"),
    "status.due_soon": ("即将到期", "due soon"),
    "status.overdue": ("已超时", "overdue"),
    "complaints.title": ("投诉处理时限", "Complaint deadlines"),
    "complaints.open": ("未结投诉", "Open complaints"),
    "complaints.id": ("编号", "ID"),
    "complaints.severity": ("等级", "Severity"),
    "complaints.category": ("类别", "Category"),
    "complaints.progress": ("各阶段", "Stages"),
    "complaints.next_stage": ("下一阶段", "Next stage"),
    "complaints.remaining": ("剩余时间", "Time left"),
    "complaints.stage": ("阶段", "Stage"),
    "complaints.on_time": ("按时率", "On time"),
    "complaints.on_time_title": ("近4周各阶段按时率", "On-time rate by stage, last 4 weeks"),
    "complaints.overdue_list": ("已超时", "Overdue"),
    "complaints.by_site": ("按站点", "By site"),
    "complaints.by_severity": ("按等级", "By severity"),
    "complaints.by_category": ("按类别", "By category"),
    "complaints.due": ("应于", "due"),
    "complaints.done": ("完成于", "done"),
    "complaints.received": ("受理时间", "Received"),
    "complaints.timeline": ("处理时间线", "Stage timeline"),
    "complaints.close": ("关闭", "Close"),
    "category.service_attitude": ("服务态度", "Service attitude"),
    "category.process": ("业务流程", "Process"),
    "category.quality": ("质量问题", "Quality"),
    "category.billing": ("费用问题", "Billing"),
    "category.suggestion": ("建议", "Suggestion"),
    "category.service": ("服务", "Service"),
    "chart.title": ("今日半小时来电 vs 上周同日", "Today by half-hour vs same day last week"),
    "chart.today": ("今日进线", "Offered today"),
    "chart.last_week": ("上周同日", "Same day last week"),
    "chart.service_level": ("今日服务水平", "Service level today"),
    "ticker.label": ("公告", "Notice"),
    "unit.seconds": ("秒", "s"),
    "none": ("—", "—"),
    "error.not_found": ("页面不存在", "Page not found"),
    # --- drill-down: site, skill group and agent pages (issue 7) ---
    # --- satisfaction and weekly review (issue 8) ---
    # --- reliability and data quality (issue 10) ---
}


def resolve(lang: str | None, default: str = "zh") -> str:
    """A supported language code from a `?lang=` value (zh-CN, zh_cn, EN…), else the default."""
    code = (lang or "").lower()[:2]
    return code if code in LANGUAGES else default


def t(key: str, lang: str = "zh", **values: object) -> str:
    """The text for `key` in `lang`, with `{placeholders}` filled; an unknown key shows itself."""
    pair = CATALOGUE.get(key)
    text = key if pair is None else pair[LANGUAGES.index(resolve(lang))]
    return text.format(**values) if values else text


def label(kind: str, value: str | None, lang: str = "zh") -> str:
    """The catalogue's name for a data value (a category, a stage…), else the value as written."""
    if not value:
        return "—"
    return t(f"{kind}.{value}", lang) if f"{kind}.{value}" in CATALOGUE else value
