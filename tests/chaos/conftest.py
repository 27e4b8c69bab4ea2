"""Reporting for the chaos suite: the fault matrix after the run, and with every failure."""

from __future__ import annotations

import pytest

from tests.chaos.harness import MATRIX

#: How to read the matrix's "filled by" column.
LEGEND = (
    "filled by: what filled the slot (own, degraded, hostile, fallback, retry placeholder, "
    "empty, error-page) and, in brackets, how the shell had it: its copy (hit, stale, "
    "stale-if-error), fetched for the page (miss, revalidated, coalesced; fetched: after the "
    "page's head, not failed), not asked (breaker-open, bulkhead-full); no brackets: fetched "
    "and not kept, or failed with nothing kept to stand in"
)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if MATRIX.rows:
        terminalreporter.write_sep("=", "chaos matrix")
        terminalreporter.write_line(MATRIX.render())
        terminalreporter.write_line(LEGEND)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failed chaos case carries the matrix so far and the tail of its stack's output."""
    report = yield
    if report.failed and "tests/chaos/" in item.nodeid:
        if MATRIX.rows:
            report.sections.append(("chaos matrix", MATRIX.render()))
        chaos = getattr(item, "funcargs", {}).get("chaos")
        if chaos is not None:
            report.sections.append(("chaos stack output", chaos.stack.output.getvalue()[-6000:]))
    return report
