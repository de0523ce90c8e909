"""Later: a batch call's outcome that arrives without a task waiting for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Later"]

T = TypeVar("T")


class Later(Generic[T]):
    """What a batch call may return when the rest of its work is waiting for an event
    (a SIM's status callback), not running code: the batch keeps the item in progress
    with no task of its own, and the producer ends it with `resolve()` or `fail()`.

    A batch holding thousands of SIMs that wait seconds to settle keeps a task, a chain
    of coroutines and their frames per SIM otherwise, and the cyclic GC walks them all.
    Subclasses stop their pending work in `cancel()` (the batch was stopped; nothing is
    reported then) and let `wait()` return once it has stopped.
    """

    __slots__ = ("_report",)

    def __init__(self) -> None:
        # Set by the batch when the call returns this: (value, error) -> None.
        self._report: Callable[[T | None, BaseException | None], None] | None = None

    def resolve(self, value: T) -> None:
        """The item succeeded with `value` (reported once; ignored after a cancel)."""
        report, self._report = self._report, None
        if report is not None:
            report(value, None)

    def fail(self, error: BaseException) -> None:
        """The item failed with `error` (reported once; ignored after a cancel)."""
        report, self._report = self._report, None
        if report is not None:
            report(None, error)

    def cancel(self) -> None:
        """Stop the pending work: nothing is reported afterwards."""
        self._report = None

    async def wait(self) -> None:
        """Return once the pending work has stopped (after `cancel()`)."""
