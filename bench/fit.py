"""What a cost against work tells: the least-squares line through it, and how far any point
strays from that line (a cost that grows linearly keeps every point close to it)."""

from __future__ import annotations


def slope(points: dict[int, float]) -> float:
    """The least-squares slope of cost against work: what one more unit of work costs."""
    mean_x = sum(points) / len(points)
    mean_y = sum(points.values()) / len(points)
    spread = sum((x - mean_x) ** 2 for x in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points.items()) / spread


def worst_deviation(points: dict[int, float]) -> float:
    """The largest distance of a point from the least-squares line, as a share of that
    point's cost (0.02: every point within 2 % of the line)."""
    gradient = slope(points)
    mean_x = sum(points) / len(points)
    mean_y = sum(points.values()) / len(points)
    return max(abs(y - (mean_y + gradient * (x - mean_x))) / y for x, y in points.items())
