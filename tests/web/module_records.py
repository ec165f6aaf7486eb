"""Records a whole test module shares, made once: inside one transaction that each test's own
(a savepoint within it) cannot outlive, rolled back when the module is done."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import transaction

__all__ = ["module_records"]

T = TypeVar("T")


@contextmanager
def module_records(blocker: Any, make: Callable[[], T]) -> Iterator[T]:
    """Make a module's shared records in a transaction of their own and yield what `make` gave;
    roll them back at the end, so no other module ever sees them.

    `blocker` is pytest-django's `django_db_blocker`. Each test asks for `db` as usual: Django's
    test transaction is then a savepoint inside this one, and takes back only the test's writes.
    """
    with blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            made = make()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield made
    finally:
        with blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
