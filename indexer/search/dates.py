"""Date ranges as users write them: in the query (`decided:2016-01..2016-06`,
`injured:<2015`, `decision_year:2018..2020`) and as URL/API parameters
(`decided_from=2016-01`). A date may be a year, a month or a day; a range
covers whole periods, so `2016-01..2016-06` runs from 1 January to 30 June.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_OPS = re.compile(r"(>=|<=|>|<)?\s*(.*)")


class DateError(ValueError):
    """A date or range that cannot be read (the message is user-readable)."""


def period(text: str) -> tuple[date, date]:
    """First and last day of `2016`, `2016-03` or `2016-03-09`."""
    m = _DATE.fullmatch(text.strip())
    if not m:
        raise DateError(f"“{text[:40]}” is not a date: write 2016, 2016-03 or 2016-03-09")
    year = int(m.group(1))
    try:
        if m.group(3):
            d = date(year, int(m.group(2)), int(m.group(3)))
            return d, d
        if m.group(2):
            month = int(m.group(2))
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        raise DateError(f"“{text[:40]}” is not a real date") from None


def parse_range(text: str) -> tuple[str | None, str | None]:
    """(start, end) ISO days, inclusive, either open (None), from a range value:
    `2016`, `2016-01..2016-06`, `2016..`, `..2017-03`, `>2020`, `>=2020`, `<2017`, `<=2017`."""
    text = text.strip()
    if ".." in text:
        lo, _, hi = text.partition("..")
        start = period(lo)[0].isoformat() if lo.strip() else None
        end = period(hi)[1].isoformat() if hi.strip() else None
        if start is None and end is None:
            raise DateError("a date range needs a date on at least one side of “..”")
        if start and end and start > end:
            raise DateError(f"the range {text} ends before it starts")
        return start, end
    m = _OPS.fullmatch(text)
    assert m is not None  # every text matches: the operator is optional
    op, value = m.groups()
    first, last = period(value)
    if op == ">":
        return date.fromordinal(last.toordinal() + 1).isoformat(), None
    if op == ">=":
        return first.isoformat(), None
    if op == "<":
        return None, date.fromordinal(first.toordinal() - 1).isoformat()
    if op == "<=":
        return None, last.isoformat()
    return first.isoformat(), last.isoformat()


def bound(text: str | None, end: bool) -> str | None:
    """A from/to parameter as an ISO day: the first (or, for `end`, the last) day it names."""
    if text is None or not str(text).strip():
        return None
    first, last = period(str(text))
    return (last if end else first).isoformat()
