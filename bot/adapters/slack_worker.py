"""Where slow work runs, so Bolt's listener threads only ever ack and hand off.

One asyncio loop in a daemon thread runs every explanation and DNS check concurrently (50 slow
/checkmx commands are 50 coroutines, not 50 blocked threads); a small thread pool takes the blocking
Web API calls (posting answers, downloading files) so they never stall that loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class TrackingExecutor(concurrent.futures.ThreadPoolExecutor):
    """A thread pool that can wait until everything submitted so far has finished."""

    def __init__(self, max_workers: int, thread_name_prefix: str = "") -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._pending: set[concurrent.futures.Future[Any]] = set()
        self._lock = threading.Lock()

    def submit(
        self, fn: Callable[..., T], /, *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[T]:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: concurrent.futures.Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def pending(self) -> list[concurrent.futures.Future[Any]]:
        with self._lock:
            return list(self._pending)


class AckGate:
    """Counts Slack requests being acknowledged right now; background work starts when none are.

    Under the GIL a job that starts 50 DNS checks burns a few hundred milliseconds of CPU, and
    every ack still in flight would share the interpreter with it. Jobs therefore wait (at most
    `Worker.max_defer`) for the acks to go out first; the work itself then takes seconds anyway.
    """

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()

    def enter(self) -> None:
        with self._lock:
            self._count += 1

    def leave(self) -> None:
        with self._lock:
            self._count -= 1

    def __enter__(self) -> AckGate:
        self.enter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.leave()

    @property
    def busy(self) -> bool:
        return self._count > 0


class Worker:
    """An asyncio loop thread for jobs plus a pool for blocking I/O. Thread-safe `submit`."""

    def __init__(
        self,
        *,
        max_jobs: int = 200,
        io_threads: int = 16,
        name: str = "ndrbot-slack",
        gate: AckGate | None = None,
        max_defer: float = 0.25,
    ) -> None:
        self.name = name
        self.max_jobs = max_jobs
        self.gate = gate or AckGate()
        self.max_defer = max_defer
        self.io_pool = TrackingExecutor(io_threads, thread_name_prefix=f"{name}-io")
        self.loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._jobs: set[concurrent.futures.Future[Any]] = set()
        self._lock = threading.Lock()
        self._limit: asyncio.Semaphore | None = None
        self._quiet: asyncio.Task[None] | None = None

    def start(self) -> Worker:
        if self._thread is None:
            ready = threading.Event()
            self._thread = threading.Thread(
                target=self._run, args=(ready,), name=f"{self.name}-loop", daemon=True
            )
            self._thread.start()
            ready.wait(10)
        return self

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self._limit = asyncio.Semaphore(self.max_jobs)
        self.loop.call_soon(ready.set)
        self.loop.run_forever()

    def submit(self, job: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any]:
        """Schedule a coroutine on the loop and return at once (never blocks the caller)."""
        if self._thread is None:
            self.start()
        future = asyncio.run_coroutine_threadsafe(self._guarded(job), self.loop)
        with self._lock:
            self._jobs.add(future)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, future: concurrent.futures.Future[Any]) -> None:
        with self._lock:
            self._jobs.discard(future)

    async def _guarded(self, job: Coroutine[Any, Any, Any]) -> Any:
        assert self._limit is not None
        if self.gate.busy:
            await self._acks_sent()
        async with self._limit:
            try:
                return await job
            except Exception:
                log.exception("background job failed")
                return None

    async def _acks_sent(self) -> None:
        """Wait until no ack is in flight (or max_defer passed); one poller shared by all jobs."""
        if self._quiet is None or self._quiet.done():
            self._quiet = self.loop.create_task(self._poll_gate(self.loop.time() + self.max_defer))
        await asyncio.shield(self._quiet)

    async def _poll_gate(self, deadline: float) -> None:
        while self.gate.busy and self.loop.time() < deadline:
            await asyncio.sleep(0.002)

    async def io(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a blocking call in the I/O pool, from a job on the loop."""
        return await self.loop.run_in_executor(self.io_pool, functools.partial(fn, *args, **kwargs))

    def drain(self, timeout: float = 10.0, *, also: TrackingExecutor | None = None) -> bool:
        """Wait until no job (and nothing in `also`, e.g. Bolt's listener pool) is running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # Listeners first: one that finished before this look has already submitted its job.
            others = also.pending() if also is not None else []
            with self._lock:
                jobs = list(self._jobs)
            if not jobs and not others:
                return True
            concurrent.futures.wait([*jobs, *others], timeout=max(0.0, deadline - time.monotonic()))
        return False

    def cancel(self) -> int:
        """Cancel every job still running (shutdown, after the drain); returns how many."""
        with self._lock:
            jobs = list(self._jobs)
        return sum(1 for job in jobs if job.cancel())

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is None:
            return
        self.drain(timeout)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)
        self._thread = None
        self.io_pool.shutdown(wait=False, cancel_futures=True)
