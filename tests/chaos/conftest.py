"""Reporting for the chaos suite: the fault matrix after the run, and with every failure."""

from __future__ import annotations

import pytest

from tests.chaos.harness import MATRIX


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if MATRIX.rows:
        terminalreporter.write_sep("=", "chaos matrix")
        terminalreporter.write_line(MATRIX.render())


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
