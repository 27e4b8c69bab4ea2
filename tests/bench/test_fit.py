"""The cost-against-work fit: the slope is the cost of one more unit, and a point off the
line shows as its deviation."""

import pytest

from bench.fit import slope, worst_deviation


def test_a_linear_cost_gives_its_slope_and_no_deviation():
    points = {6: 400.0 + 6 * 22, 12: 400.0 + 12 * 22, 24: 400.0 + 24 * 22, 48: 400.0 + 48 * 22}
    assert slope(points) == pytest.approx(22.0)
    assert worst_deviation(points) == pytest.approx(0.0, abs=1e-12)


def test_a_cost_that_bends_upwards_strays_from_the_line():
    points = {2: 390.0, 24: 455.0, 200: 2400.0}  # the 200 KB page costs more per KB
    assert slope(points) > (455 - 390) / 22
    assert worst_deviation(points) > 0.15
