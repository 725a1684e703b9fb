"""Where model work runs: small requests inline on the loop, larger ones one at a time in a thread."""

from __future__ import annotations

import threading
import time

import anyio
import pytest

from service.api.offload import INLINE_BUDGET, run_in_model_lane, run_model_work, runs_inline, work_cost


def test_a_short_message_is_inline_and_a_long_or_explained_batch_is_not() -> None:
    assert runs_inline(["I miss you, can you call tonight?"], explain=False)
    assert runs_inline(["I miss you"], explain=True)
    assert not runs_inline(["x" * 2_000], explain=False)
    assert not runs_inline(["I miss you, can you call tonight?"] * 100, explain=False)
    assert not runs_inline(["I miss you, can you call tonight?" * 5], explain=True)


def test_cost_grows_with_messages_characters_and_explanations() -> None:
    one = work_cost(["abc"], explain=False)
    assert work_cost(["abc", "abc"], explain=False) > one
    assert work_cost(["abcdef"], explain=False) > one
    assert work_cost(["abc"], explain=True) > one
    assert work_cost([], explain=False) == 0 <= INLINE_BUDGET


def test_a_budget_of_zero_sends_everything_to_the_thread() -> None:
    assert runs_inline(["hi"], explain=False)
    assert not runs_inline(["hi"], explain=False, budget=0)


def _thread_name() -> str:
    return threading.current_thread().name


@pytest.mark.parametrize(("texts", "inline"), [(["short"], True), (["x" * 5_000], False)])
def test_run_model_work_runs_where_the_cost_says(texts: list[str], inline: bool) -> None:
    async def main() -> tuple[str, str]:
        return _thread_name(), await run_model_work(texts, False, INLINE_BUDGET, _thread_name)

    loop_thread, work_thread = anyio.run(main)
    assert (work_thread == loop_thread) is inline


def test_run_model_work_with_no_budget_never_runs_inline() -> None:
    async def main() -> tuple[str, str]:
        return _thread_name(), await run_model_work(["short"], False, 0, _thread_name)

    loop_thread, work_thread = anyio.run(main)
    assert work_thread != loop_thread


def test_the_model_lane_runs_one_job_at_a_time_in_arrival_order() -> None:
    active = 0
    most = 0
    order: list[int] = []
    lock = threading.Lock()

    def job(n: int) -> None:
        nonlocal active, most
        with lock:
            active += 1
            most = max(most, active)
        time.sleep(0.01)
        with lock:
            active -= 1
            order.append(n)

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            for n in range(6):
                tg.start_soon(run_in_model_lane, job, n)
                await anyio.sleep(0.001)

    anyio.run(main)
    assert most == 1
    assert order == list(range(6))
