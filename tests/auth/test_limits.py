"""The sign-in attempt counters alone (no server): order of the counters, and bounded memory without Redis."""

from __future__ import annotations

from wallboard.auth import limits
from wallboard.auth.limits import LIMITS, LoginLimiter


def test_lim001_one_address_cannot_lock_an_account_for_everyone():
    """Refused attempts raise no further counter: one address adds at most 5 to an account's own counter, so 60
    guesses from one address leave the account open to its owner elsewhere."""
    limiter = LoginLimiter()
    answers = [limiter.allow("boss", "10.0.0.1") for _ in range(60)]
    assert answers.count(True) == LIMITS["name-address"]
    assert limiter.allow("boss", "10.0.0.2")  # the owner, from another address
    for i in range(LIMITS["name"] // LIMITS["name-address"]):  # ten addresses, five guesses each
        for _ in range(LIMITS["name-address"]):
            limiter.allow("boss", f"10.1.0.{i}")
    assert not limiter.allow("boss", "10.0.0.3")  # now the account is locked for everyone, as documented


def test_lim002_an_address_sweeping_over_names_stops_at_its_limit_and_adds_no_keys():
    limiter = LoginLimiter()
    assert sum(limiter.allow(f"user{i}", "10.0.0.9") for i in range(100)) == LIMITS["address"]
    assert limiter.tracked() == 1 + 2 * LIMITS["address"]


def test_lim003_without_redis_the_counters_stay_bounded(monkeypatch):
    monkeypatch.setattr(limits, "MAX_LOCAL_KEYS", 1000)
    limiter = LoginLimiter()
    for i in range(5000):
        limiter.allow(f"n{i}", f"10.{i // 250}.{i % 250}.1")
    assert limiter.tracked() <= 1000


def test_lim004_a_success_clears_the_account_and_forgets_the_attempt():
    limiter = LoginLimiter()
    for _ in range(4):
        limiter.allow("bj", "10.0.0.5")
    limiter.succeeded("bj", "10.0.0.5")
    assert all(limiter.allow("bj", "10.0.0.5") for _ in range(LIMITS["name-address"]))
