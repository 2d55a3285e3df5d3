"""The Wilson bounds against a reference computed another way: by inverting the
score test numerically (the interval is every p with |k/n - p| <= z*sqrt(p(1-p)/n))."""

from __future__ import annotations

import math

import pytest

from indexer.stats.wilson import Z95, wilson_interval


def _score_test_bounds(k: int, n: int, z: float) -> tuple[float, float]:
    phat = k / n

    def inside(p: float) -> bool:
        return abs(phat - p) <= z * math.sqrt(p * (1 - p) / n) + 1e-15

    def bisect(lo: float, hi: float, lo_inside: bool) -> float:
        for _ in range(200):
            mid = (lo + hi) / 2
            if inside(mid) == lo_inside:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    low = 0.0 if k == 0 else bisect(0.0, phat, False)
    high = 1.0 if k == n else bisect(phat, 1.0, True)
    return low, high


@pytest.mark.parametrize(
    "k,n",
    [
        (0, 1),
        (1, 1),
        (0, 10),
        (1, 20),
        (5, 10),
        (12, 100),
        (84, 1000),
        (999, 1000),
        (3, 7),
        (127, 1000),
        (1, 1_000_000),
        (123_456, 1_000_000),
    ],
)
def test_matches_the_inverted_score_test(k: int, n: int) -> None:
    low, high = wilson_interval(k, n)
    ref_low, ref_high = _score_test_bounds(k, n, Z95)
    assert low == pytest.approx(ref_low, abs=1e-9)
    assert high == pytest.approx(ref_high, abs=1e-9)
    assert 0.0 <= low <= k / n <= high <= 1.0


def test_known_values() -> None:
    # a textbook case: 1 of 10, z = 1.96 -> (0.0179, 0.4042)
    low, high = wilson_interval(1, 10, z=1.96)
    assert (round(low, 4), round(high, 4)) == (0.0179, 0.4042)
    assert Z95 == pytest.approx(1.959964, abs=1e-6)


def test_empty_and_invalid() -> None:
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def test_narrows_with_n() -> None:
    widths = [wilson_interval(n // 10, n)[1] - wilson_interval(n // 10, n)[0] for n in (10, 100, 1000, 10000)]
    assert widths == sorted(widths, reverse=True)
