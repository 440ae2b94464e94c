"""Every user-visible string goes through the catalogue, in both languages."""

import re

from support.source import package_files

from wallboard.i18n import CATALOGUE, resolve, t


def test_i18n001_resolve_and_fill():
    assert resolve("zh-CN") == "zh" and resolve("EN") == "en" and resolve("fr", "en") == "en" and resolve(None) == "zh"
    assert t("fresh.stale_since", "en", time="09:00:05") == "Stale since 09:00:05"
    assert t("fresh.stale_since", "zh", time="09:00:05") == "数据未更新，自 09:00:05 起"


def test_i18n002_every_literal_key_exists():
    """Literal keys passed to t(...) anywhere in the code are in the catalogue."""
    used = set()
    for path in package_files():
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_0-9.]*[a-z_0-9])["']""", path.read_text(encoding="utf-8")))
    assert used, "no keys found: the pattern is wrong"
    assert used <= set(CATALOGUE), used - set(CATALOGUE)


def test_i18n003_both_languages_filled():
    for key, (zh, en) in CATALOGUE.items():
        assert zh and en, key
