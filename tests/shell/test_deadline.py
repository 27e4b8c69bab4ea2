"""The engine's total deadline: timeouts, foreign cancellations, and nothing left behind."""

import asyncio

import pytest

from shell.engine.deadline import Deadline


def test_a_block_still_running_at_the_deadline_raises_timeout_error():
    async def scenario():
        with pytest.raises(TimeoutError), Deadline(0.01):
            await asyncio.sleep(10)
        return asyncio.current_task().cancelling()

    assert asyncio.run(scenario()) == 0  # no cancellation left pending on the task


def test_a_block_that_finishes_in_time_is_untouched_and_its_timer_cancelled():
    async def scenario():
        with Deadline(0.05) as deadline:
            await asyncio.sleep(0)
        await asyncio.sleep(0.1)  # the timer would have fired by now
        return deadline.expired

    assert asyncio.run(scenario()) is False


def test_a_cancellation_from_outside_stays_a_cancellation():
    async def worker():
        with Deadline(10):
            await asyncio.sleep(10)

    async def scenario():
        task = asyncio.create_task(worker())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())


def test_outside_a_task_it_refuses_clearly():
    with pytest.raises(RuntimeError, match="no running event loop"):
        Deadline(1)


def test_a_shared_deadline_times_out_only_the_tasks_still_inside():
    async def fetch(deadline, seconds, after=0.0):
        with deadline:
            await asyncio.sleep(seconds)
        await asyncio.sleep(after)  # outside the block: not bounded any more
        return "done"

    async def scenario():
        deadline = Deadline(0.05, shared=True)
        quick = asyncio.create_task(fetch(deadline, 0, after=0.1))
        slow = asyncio.create_task(fetch(deadline, 10))
        results = await asyncio.gather(quick, slow, return_exceptions=True)
        deadline.close()
        return results, slow.cancelling()

    (quick, slow), cancelling = asyncio.run(scenario())
    assert quick == "done"  # it had left the block when the time came
    assert isinstance(slow, TimeoutError) and cancelling == 0


def test_an_expired_deadline_refuses_new_entries_and_a_closed_one_never_fires():
    async def scenario():
        expired = Deadline(0, shared=True)
        await asyncio.sleep(0.01)
        with pytest.raises(TimeoutError), expired:
            await asyncio.sleep(10)
        closed = Deadline(0.01, shared=True)
        closed.close()
        with closed:
            await asyncio.sleep(0.05)
        return closed.expired

    assert asyncio.run(scenario()) is False
