"""The list pages' paginator: its count and its deepest page are bounded, whatever the number of rows.

Django's `Paginator` counts every matching row (`COUNT(*)` reads them all) and serves any page asked for
(`OFFSET` reads every row before it): at a province's scale a list's count and its deep pages grow with the
province. `BoundedPaginator` counts at most `cap` + 1 rows (`SELECT COUNT(*) FROM (… LIMIT cap + 1)`), so
beyond the cap the page says "more than 10,000" and the pages stop there: the rest is reached by searching
or filtering. A page number out of range or not a number gets the nearest page that exists, never an error.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _


class BoundedPaginator(Paginator):
    """A `Paginator` whose `count` is at most `cap` (`settings.PAGE_COUNT_CAP` unless given); `capped` says
    whether more rows match than it counted."""

    def __init__(self, object_list: Any, per_page: int, *, cap: int | None = None, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = settings.PAGE_COUNT_CAP if cap is None else cap

    @cached_property
    def _counted(self) -> int:
        """The matching rows, counted up to one past the cap."""
        rows: Any = self.object_list
        if hasattr(rows, "query"):
            # no ordering and no joined columns for the count: a sort under the LIMIT would read every row
            counted: int = rows.order_by().select_related(None)[: self.cap + 1].count()
            return counted
        return min(len(rows), self.cap + 1)

    @property
    def capped(self) -> bool:
        return self._counted > self.cap

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def count_label(self) -> str:
        """The count as the page shows it: "1.234", or "more than 10.000" beyond the cap."""
        if self.capped:
            return _("more than %(count)s") % {"count": number_format(self.cap, force_grouping=True)}
        return number_format(self.count, force_grouping=True)

    @property
    def reachable_label(self) -> str:
        """The cap as the pager's note shows it ("10.000")."""
        return number_format(self.cap, force_grouping=True)

    def get_page(self, number: Any) -> Page:
        """The page asked for, the first one for anything not a whole number or below 1, the last reachable
        one beyond it: a hostile `?page=` answers a sensible page, never a 404 nor a deep `OFFSET`."""
        try:
            wanted = int(str(number).strip())
        except (TypeError, ValueError):
            wanted = 1
        return self.page(min(max(wanted, 1), self.num_pages))
