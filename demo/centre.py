"""The simulated centre: its regions, sites, skill groups and agents' rosters.

Two shapes. Three sites (the default): the insurance hotline of seed 001 (claims, consultation, VIP, rescue)
in Beijing, Shanghai and Chengdu, about 4,000 calls a day. N sites (`--sites N`, 600 = seed 000's national
health-check hotline): one number for N centres in the provinces of mainland China, of realistic unequal sizes
(a log-normal spread: a few big city centres, many small ones), working the seed's four lines of work —
appointment booking, report enquiries, the green channel and complaint intake — at about 100,000 calls and
5,000 agents logged in over a weekday at 600 sites (both scale with N).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

ZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class GroupSpec:
    id: str
    name: str
    name_en: str
    threshold_seconds: int
    target: float
    talk_seconds: float  # mean talk time
    patience_seconds: float  # mean time a caller waits before hanging up
    calls_per_agent_day: float  # calls offered per rostered agent per weekday
    around_the_clock: bool


@dataclass(frozen=True)
class SiteSpec:
    id: str
    name: str
    name_en: str
    remote: bool
    agents: dict[str, int]  # rostered agents per skill group
    region: str | None = None


@dataclass(frozen=True)
class CentreSpec:
    sites: tuple[SiteSpec, ...]
    groups: tuple[GroupSpec, ...]
    regions: tuple[tuple[str, str, str], ...] = ()  # (id, zh, en)
    scale: float = 1.0  # complaints and return visits per day, relative to the three-site centre
    group: dict[str, GroupSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "group", {g.id: g for g in self.groups})

    @property
    def site_ids(self) -> list[str]:
        return [s.id for s in self.sites]

    def config_toml(self) -> str:
        """The wallboard.toml that matches this centre (written by `demo`, and by `simulate --write-config`)."""
        lines = ["[general]", f'timezone = "{ZONE}"', 'language = "zh"', "poll_seconds = 5",
                 'announcements = ["今日培训：15:00 新版理赔流程 / Training 15:00: new claims process",'
                 ' "周五例会 16:30 / Weekly review Friday 16:30"]', ""]
        for rid, zh, en in self.regions:
            lines += ["[[regions]]", f'id = "{rid}"', f'name = "{zh}"', f'name_en = "{en}"', ""]
        for s in self.sites:
            lines += ["[[sites]]", f'id = "{s.id}"', f'name = "{s.name}"', f'name_en = "{s.name_en}"',
                      f'timezone = "{ZONE}"', 'holidays = "CN"', f'location = "{"remote" if s.remote else "local"}"']
            lines += [f'region = "{s.region}"', ""] if s.region else [""]
        for g in self.groups:
            lines += ["[[skill_groups]]", f'id = "{g.id}"', f'name = "{g.name}"', f'name_en = "{g.name_en}"',
                      f"threshold_seconds = {g.threshold_seconds}", f"target = {g.target}", ""]
        return "\n".join(lines + self._layouts_toml())

    def _layouts_toml(self) -> list[str]:
        """Two example walls (CONTRACT section 9): the biggest site's two biggest teams with their agent board, and
        the queues of every site; and limits on breaks the simulated agents sometimes overrun."""
        site = max(self.sites, key=lambda s: sum(s.agents.values()))
        teams = sorted(site.agents, key=lambda g: -site.agents[g])[:2]
        names = {g.id: g for g in self.groups}
        zh, en = "与".join(names[g].name for g in teams), " & ".join(names[g].name_en for g in teams)
        return [
            f"[layouts.{site.id.lower()}-team]", f'name = "{site.name} · {zh}"', f'name_en = "{site.name_en} · {en}"',
            'tiles = ["service_level", "calls_waiting", "longest_wait", "abandon_rate", "agents_available",'
            ' "agents_on_call", "agents_wrap_up", "agents_not_ready", "complaints_due_soon", "complaints_overdue"]',
            'panels = ["groups", "agents", "complaints"]', f'sites = ["{site.id}"]',
            f"skill_groups = [{', '.join(repr(g).replace(chr(39), chr(34)) for g in teams)}]", "",
            "[layouts.queues]", 'name = "全部队列"', 'name_en = "Every queue"',
            'tiles = ["service_level", "calls_waiting", "longest_wait", "asa", "abandon_rate", "connection_rate",'
            ' "required_agents"]', 'panels = ["sites", "groups", "chart"]', "",
            "[agent_limits.wrap_up]", "warn = 120", "alert = 180", "",
            "[agent_limits.reasons.break]", "warn = 900", "alert = 1200", "",
            "[agent_limits.reasons.lunch]", "warn = 2700", "alert = 3600", ""]


INSURANCE_GROUPS = (
    GroupSpec("claims", "报案理赔", "Claims reporting", 20, 0.80, 200, 120, 55, True),
    GroupSpec("consult", "咨询投诉", "Consultation & complaints", 20, 0.80, 230, 140, 46, False),
    GroupSpec("vip", "VIP服务", "VIP service", 10, 0.90, 240, 90, 40, False),
    GroupSpec("rescue", "救援调度", "Rescue dispatch", 15, 0.85, 160, 80, 45, True),
)

THREE_SITES = CentreSpec(
    sites=(
        SiteSpec("BJ", "北京", "Beijing", False, {"claims": 12, "consult": 10, "vip": 5, "rescue": 5}),
        SiteSpec("SH", "上海", "Shanghai", False, {"claims": 11, "consult": 9, "vip": 5}),
        SiteSpec("CD", "成都", "Chengdu", True, {"claims": 12, "consult": 11}),
    ),
    groups=INSURANCE_GROUPS,
)

# Seed 000's lines of work. Calls per rostered agent are set so that 600 sites give ~100,000 calls a weekday.
HEALTH_GROUPS = (
    GroupSpec("booking", "体检预约", "Appointment booking", 20, 0.80, 150, 110, 16, False),
    GroupSpec("reports", "报告查询", "Report enquiries", 20, 0.80, 180, 120, 14, False),
    GroupSpec("green", "绿色通道", "Green channel", 15, 0.85, 240, 90, 12, False),
    GroupSpec("complaints", "投诉受理", "Complaint intake", 20, 0.80, 300, 150, 10, True),
)
AGENTS_PER_SITE = 12.5  # rostered agents per site on average: 600 sites ≈ 6,800, ~5,000 of them at work a weekday

# (id, zh, en, weight): the provinces of mainland China, weighted roughly by population
PROVINCES = (
    ("GD", "广东", "Guangdong", 126), ("SD", "山东", "Shandong", 102), ("HA", "河南", "Henan", 99),
    ("JS", "江苏", "Jiangsu", 85), ("SC", "四川", "Sichuan", 84), ("HE", "河北", "Hebei", 75),
    ("HN", "湖南", "Hunan", 66), ("ZJ", "浙江", "Zhejiang", 65), ("AH", "安徽", "Anhui", 61),
    ("HB", "湖北", "Hubei", 58), ("GX", "广西", "Guangxi", 50), ("YN", "云南", "Yunnan", 47),
    ("JX", "江西", "Jiangxi", 45), ("LN", "辽宁", "Liaoning", 43), ("FJ", "福建", "Fujian", 42),
    ("SN", "陕西", "Shaanxi", 40), ("GZ", "贵州", "Guizhou", 39), ("SX", "山西", "Shanxi", 35),
    ("CQ", "重庆", "Chongqing", 32), ("HL", "黑龙江", "Heilongjiang", 31), ("XJ", "新疆", "Xinjiang", 26),
    ("GS", "甘肃", "Gansu", 25), ("SH", "上海", "Shanghai", 25), ("JL", "吉林", "Jilin", 24),
    ("NM", "内蒙古", "Inner Mongolia", 24), ("BJ", "北京", "Beijing", 22), ("TJ", "天津", "Tianjin", 14),
    ("HI", "海南", "Hainan", 10), ("NX", "宁夏", "Ningxia", 7), ("QH", "青海", "Qinghai", 6),
    ("XZ", "西藏", "Tibet", 4),
)


def centre_for(sites: int, seed: int = 1) -> CentreSpec:
    """The centre `--sites N` simulates: the three-site hotline for 3, else the national health-check one."""
    if sites < 1:
        raise ValueError(f"--sites: must be at least 1, got {sites}")
    return THREE_SITES if sites == 3 else national(sites, seed)


def national(n: int, seed: int = 1) -> CentreSpec:
    """N health-check centres in the provinces (largest first), sizes log-normal, every one with booking and
    reports, the larger half with a green channel, one in eight taking complaints (the national line's team)."""
    rng = random.Random(seed * 7919 + n)
    total_weight = sum(w for *_, w in PROVINCES)
    # sites per province in proportion to its weight, at least one for the first n provinces
    counts = {p[0]: 0 for p in PROVINCES}
    for i in range(n):
        if i < len(PROVINCES):
            counts[PROVINCES[i][0]] += 1
        else:
            pick = rng.uniform(0, total_weight)
            for pid, _zh, _en, w in PROVINCES:
                pick -= w
                if pick <= 0:
                    counts[pid] += 1
                    break
    sizes = [rng.lognormvariate(0.0, 0.75) for _ in range(n)]
    mean_size = sum(sizes) / n
    rosters = [max(3, round(AGENTS_PER_SITE * size / mean_size)) for size in sizes]
    median = sorted(rosters)[n // 2]
    sites, k = [], 0
    for pid, zh, en, _w in PROVINCES:
        for number in range(1, counts[pid] + 1):
            agents = rosters[k]
            k += 1
            groups = {"booking": max(1, round(agents * 0.45)), "reports": max(1, round(agents * 0.35))}
            if agents >= median:
                groups["green"] = max(1, round(agents * 0.12))
            if k % 8 == 1:
                groups["complaints"] = max(1, round(agents * 0.08))
            sites.append(SiteSpec(f"{pid}{number:02d}", f"{zh}{number}号中心", f"{en} {number}",
                                  remote=rng.random() < 0.3, agents=groups, region=pid))
    regions = tuple((pid, zh, en) for pid, zh, en, _ in PROVINCES if counts[pid])
    rate = {g.id: g.calls_per_agent_day for g in HEALTH_GROUPS}
    daily = sum(rate[g] * c for s in sites for g, c in s.agents.items())
    return CentreSpec(tuple(sites), HEALTH_GROUPS, regions, scale=max(1.0, daily / 4000))

