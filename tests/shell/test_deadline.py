"""The engine's total deadline: timeouts, foreign cancellations, and nothing left behind.

On a virtual clock (tests/virtualtime.py): each test says at which second things happen and
checks that they happened then, however loaded the machine is.
"""

import asyncio

import pytest

from shell.engine.deadline import Deadline
from tests.virtualtime import run


def now() -> float:
    return asyncio.get_running_loop().time()


def test_a_block_still_running_at_the_deadline_raises_timeout_error_then():
    async def scenario():
        with pytest.raises(TimeoutError), Deadline(5):
            await asyncio.sleep(60)
        return now(), asyncio.current_task().cancelling()

    # At the deadline, not when the block would have ended; no cancellation left pending.
    assert run(scenario()) == (5, 0)


def test_a_block_that_finishes_in_time_is_untouched_and_its_timer_cancelled():
    async def scenario():
        with Deadline(5) as deadline:
            await asyncio.sleep(1)
        await asyncio.sleep(60)  # long past the deadline
        return deadline.expired, deadline._handle.cancelled()

    assert run(scenario()) == (False, True)


def test_a_cancellation_from_outside_stays_a_cancellation():
    async def worker():
        with Deadline(10):
            await asyncio.sleep(60)

    async def scenario():
        task = asyncio.create_task(worker())
        await asyncio.sleep(1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return now()

    assert run(scenario()) == 1


def test_a_cancellation_from_outside_after_the_deadline_fired_stays_a_cancellation():
    async def worker(deadline):
        with deadline:
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                await asyncio.sleep(1)  # cleaning up when the caller cancels too
                raise

    async def scenario():
        deadline = Deadline(5, shared=True)
        task = asyncio.create_task(worker(deadline))
        await asyncio.sleep(5.5)  # the deadline fired at 5; the task is still cleaning up
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        deadline.close()

    run(scenario())


def test_outside_a_task_it_refuses_clearly():
    with pytest.raises(RuntimeError, match="no running event loop"):
        Deadline(1)


def test_a_shared_deadline_times_out_only_the_tasks_still_inside():
    async def fetch(deadline, seconds, after=0.0):
        with deadline:
            await asyncio.sleep(seconds)
        await asyncio.sleep(after)  # outside the block: not bounded any more
        return "done", now()

    async def scenario():
        deadline = Deadline(5, shared=True)
        quick = asyncio.create_task(fetch(deadline, 1, after=10))
        slow = asyncio.create_task(fetch(deadline, 60))
        later = asyncio.create_task(fetch(deadline, 4))
        results = await asyncio.gather(quick, slow, later, return_exceptions=True)
        deadline.close()
        return results, slow.cancelling()

    (quick, slow, later), cancelling = run(scenario())
    assert quick == ("done", 11)  # it had left the block when the time came
    assert later == ("done", 4)  # just in time
    assert isinstance(slow, TimeoutError) and cancelling == 0


def test_an_expired_deadline_refuses_new_entries_and_a_closed_one_never_fires():
    async def scenario():
        expired = Deadline(0, shared=True)
        await asyncio.sleep(1)
        with pytest.raises(TimeoutError), expired:
            await asyncio.sleep(60)
        entered_at = now()
        closed = Deadline(5, shared=True)
        closed.close()
        with closed:
            await asyncio.sleep(60)
        return entered_at, closed.expired

    assert run(scenario()) == (1, False)  # refused at once, not after a minute
