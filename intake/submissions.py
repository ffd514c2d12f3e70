"""Storing a submission exactly once, however often Slack (or a double click) delivers it.

Each form submission carries a delivery key (the modal's view id, or a trigger id). The key is
claimed in the same transaction as the record it creates and remembers the record's reference,
so a second delivery answers with the first record instead of storing another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from models.deliveries import claim_delivery, find_delivery
from models.errors import Unavailable

T = TypeVar("T")


@dataclass(frozen=True)
class Stored(Generic[T]):
    record: T
    duplicate_delivery: bool


def store_once(
    session: Session,
    key: str | None,
    *,
    kind: str,
    find: Callable[[str], T | None],
    create: Callable[[], T],
    reference_of: Callable[[T], str],
) -> Stored[T]:
    """Run `create` unless `key` was already delivered; then return what it created then.

    `find(reference)` looks the earlier record up. A concurrent delivery of the same key that
    commits first makes our claim fail: our work is rolled back and theirs is returned.
    """
    if key:
        earlier = _earlier(session, key, find)
        if earlier is not None:
            return Stored(earlier, duplicate_delivery=True)
    record = create()
    if key and not claim_delivery(session, key=key, kind=kind, result=reference_of(record)):
        session.rollback()
        earlier = _earlier(session, key, find)
        if earlier is None:
            raise Unavailable("This form was sent twice at once; nothing was saved. Please submit again.")
        return Stored(earlier, duplicate_delivery=True)
    return Stored(record, duplicate_delivery=False)


def _earlier(session: Session, key: str, find: Callable[[str], T | None]) -> T | None:
    delivery = find_delivery(session, key)
    if delivery is None or not delivery.result:
        return None
    return find(delivery.result)
