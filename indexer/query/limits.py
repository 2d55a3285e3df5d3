"""Paging and counting limits: one object, read by the search service, the
request types, the web app's search state, the citator and the API description.

The deepest result reachable by paging is the engines' result window (OpenSearch's
`index.max_result_window` is 10,000; the embedded engines would serve deeper,
but every engine must answer the same requests alike).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PagingLimits:
    per_page: int = 20  # results on a page unless the request asks otherwise
    max_per_page: int = 100  # the most one page holds
    per_page_choices: tuple[int, ...] = (20, 50, 100)  # offered on the page; any 1..max_per_page is accepted
    max_offset: int = 10_000  # results past this cannot be paged to
    max_page: int = 1_000_000_000  # a page number past this is a bad request, not a very deep page
    facet_values: int = 30  # values listed per facet unless the request asks otherwise
    max_facet_values: int = 10_000  # the most values a facet lists (counts are exact either way)

    def deepest_page(self, per_page: int) -> int:
        """The last page paging serves at this page size."""
        return -(-self.max_offset // per_page)


PAGING = PagingLimits()
