"""Where model work runs: inline when it is smaller than a thread hand-off, else in one model lane.

A single short message takes about 0.3 ms to label. Handing it to a worker thread costs more
than that (anyio's bookkeeping, a wake-up of the loop) and, on a busy server, the thread then
waits for the GIL for up to Python's switch interval (5 ms) while the event loop holds it. So
requests estimated at about a millisecond of work or less run on the loop.

Larger work runs in a worker thread, one at a time per process (the "model lane"): the work
holds the GIL, so parallel threads would only interleave, and every request would finish as
late as the last one. First come, first served gives the same throughput and a shorter wait.
`attune serve --workers N` is how the service uses more cores.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable, Sequence
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread

from service.config import INLINE_BUDGET

P = ParamSpec("P")
T = TypeVar("T")

# Estimated cost in "character units": labelling costs about 2 µs a character plus a fixed
# ~0.2 ms a message; explanations cost about five times as much a character. The default budget,
# `service.config.INLINE_BUDGET` (ATTUNE_INLINE_BUDGET), is about 1 ms on the reference machine.
PER_MESSAGE_COST = 100
EXPLAIN_FACTOR = 5

_lanes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def work_cost(texts: Sequence[str], *, explain: bool) -> int:
    """An estimate of the CPU work for labelling `texts`, in character units."""
    chars = sum(map(len, texts))
    return len(texts) * PER_MESSAGE_COST + chars * (EXPLAIN_FACTOR if explain else 1)


def runs_inline(texts: Sequence[str], *, explain: bool, budget: int = INLINE_BUDGET) -> bool:
    return budget > 0 and work_cost(texts, explain=explain) <= budget


def _lane() -> anyio.CapacityLimiter:
    """This event loop's model lane (one per process in production; tests may run several loops)."""
    loop = asyncio.get_running_loop()
    lane = _lanes.get(loop)
    if lane is None:
        lane = _lanes[loop] = anyio.CapacityLimiter(1)
    return lane


async def run_in_model_lane(func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Call `func(*args, **kwargs)` in a worker thread, after the model work queued before it."""
    return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs), limiter=_lane())


async def run_model_work(
    texts: Sequence[str], explained: bool, budget: int, func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
) -> T:
    """Call `func(*args, **kwargs)`: inline when labelling `texts` costs at most `budget`, else in
    the model lane."""
    if runs_inline(texts, explain=explained, budget=budget):
        return func(*args, **kwargs)
    return await run_in_model_lane(func, *args, **kwargs)
