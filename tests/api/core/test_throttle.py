"""Guessing tokens is slowed: after many wrong API tokens or failed dashboard sign-ins from one
address, that address is answered 429 with Retry-After, even for a right token, until the
oldest failure is old enough. Valid tokens never count."""

from __future__ import annotations

from dataclasses import dataclass

from api.core.throttle import MOST_FAILURES, WINDOW_SECONDS, Throttle
from tests.api.conftest import Api

LEADS = "/api/v1/leads"


@dataclass
class Ticks:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def _ticking(app_state: object) -> Ticks:
    ticks = Ticks()
    app_state.throttle = Throttle(clock=ticks)  # type: ignore[attr-defined]
    return ticks


def test_wrong_tokens_from_one_address_are_slowed_but_a_valid_one_never(api: Api) -> None:
    ticks = _ticking(api.app.state)
    wrong = {"Authorization": "Bearer yq_wrong"}
    for _ in range(MOST_FAILURES - 1):
        assert api.client.get(LEADS, headers=wrong).status_code == 401
    slowed = api.client.get(LEADS, headers=wrong)
    assert slowed.status_code == 429
    assert slowed.json()["error"]["code"] == "too_many_requests"
    assert slowed.json()["error"]["message"] == "失败的尝试太多，请稍后再试"
    assert 1 <= int(slowed.headers["Retry-After"]) <= WINDOW_SECONDS
    right = {"Authorization": "Bearer " + api.seeded.token(api.seeded.manager("tlbank"))}
    assert api.client.get(LEADS, headers=right).status_code == 200  # a bank is never locked out
    ticks.now += WINDOW_SECONDS + 1
    assert api.client.get(LEADS, headers=wrong).status_code == 401


def test_valid_tokens_never_count(api: Api) -> None:
    _ticking(api.app.state)
    right = {"Authorization": "Bearer " + api.seeded.token(api.seeded.manager("tlbank"))}
    for _ in range(MOST_FAILURES * 2):
        assert api.client.get(LEADS, headers=right).status_code == 200


def test_each_address_has_its_own_count() -> None:
    ticks = Ticks()
    throttle = Throttle(most=3, window=60, clock=ticks)
    for _ in range(3):
        throttle.failed("10.0.0.1")
    assert throttle.wait("10.0.0.1") == 60
    assert throttle.wait("10.0.0.2") is None
    ticks.now += 30
    assert throttle.wait("10.0.0.1") == 30
    ticks.now += 30
    assert throttle.wait("10.0.0.1") is None


def test_the_least_recently_failing_address_is_forgotten_first() -> None:
    throttle = Throttle(most=2, window=60, clock=Ticks(), most_addresses=2)
    for address in ("a", "a", "b", "b"):
        throttle.failed(address)
    throttle.failed("c")  # a third address: "a", failing longest ago, is forgotten
    assert throttle.wait("a") is None and throttle.wait("b") == 60
