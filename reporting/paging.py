"""One page of a longer list, for every list the dashboard shows: counted (exactly, or up to a limit
when counting would cost more than the page) and fetched a page at a time."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from models.errors import ValidationError

T = TypeVar("T")
MAX_PAGE = 100_000
PER_PAGE_CHOICES = (10, 25, 50, 100)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a longer list, with what the page links need.

    `total` is exact unless `total_is_lower_bound`: a list counted only up to a limit (see
    `paginate(count_limit=…)`) has at least `total` items, and then there is no last page number.
    """

    items: list[T]
    number: int
    per_page: int
    total: int
    total_is_lower_bound: bool = False
    more_after: bool = False  # an item follows this page (known from fetching one past it)

    @property
    def pages(self) -> int | None:
        if self.total_is_lower_bound:
            return None
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        if self.total_is_lower_bound:
            return self.more_after
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        if not self.items and (self.total == 0 or self.total_is_lower_bound):
            return 0
        return (self.number - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        if self.total_is_lower_bound:
            return (self.number - 1) * self.per_page + len(self.items)
        return min(self.total, self.number * self.per_page)


def paginate(
    session: Session,
    statement: Select,
    *,
    page: int,
    per_page: int,
    scalars: bool = True,
    count_limit: int | None = None,
    load: Callable[[Select], Select] | None = None,
) -> Page:
    """Count the statement's rows and fetch one page of them (page numbers start at 1).

    With `count_limit`, rows are counted only up to that many: counting every one of a million
    matching rows costs more than the page itself, and "more than 10,000" tells a reader as much
    (narrow the filters to see an exact figure). Below the limit the count is exact as ever.

    With `load`, `statement` selects keys only and `load(keys of the page)` fetches the page's rows.
    """
    if page < 1 or page > MAX_PAGE:
        raise ValidationError({"page": f"Pages are numbered from 1 to {MAX_PAGE:,}."})
    if per_page < 1 or per_page > max(PER_PAGE_CHOICES):
        raise ValidationError({"per_page": f"Choose between 1 and {max(PER_PAGE_CHOICES)} items a page."})
    counted = statement.order_by(None)
    if count_limit is not None:
        counted = counted.limit(count_limit + 1)
    total = session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    bounded = count_limit is not None and total > count_limit
    offset = (page - 1) * per_page
    # Past a bounded count, one row beyond the page says whether a next page exists.
    window = statement.limit(per_page + 1 if bounded else per_page).offset(offset)
    if load is not None:
        window = load(window)
    rows = list(session.scalars(window).unique()) if scalars else list(session.execute(window).all())
    if not bounded:
        return Page(items=rows, number=page, per_page=per_page, total=total)
    return Page(
        items=rows[:per_page],
        number=page,
        per_page=per_page,
        total=count_limit,
        total_is_lower_bound=True,
        more_after=len(rows) > per_page,
    )
