"""Render logical paragraphs the way text comes out of a DWC letter PDF.

Real letters reach us as PDF text layers: every printed line ends with a
trailing space and is followed by an empty line, paragraphs are separated by a
line holding a single space, widths wander between ~88 and ~99 characters
(proportional fonts), a long token such as `Non-MTUS` may break after its
hyphen, and page footers (`Page 2 of 3`) land wherever a page ends. The
generator reproduces exactly that damage so the parser is exercised on it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"(\S+)( *)")
# A hyphen may end a printed line only when an upper-case letter or digit
# follows (`Non-` / `MTUS`, `L4-` / `L5`): those joins are unambiguous.
_HYPHEN_BREAK = re.compile(r"^(.*?-)([A-Z0-9].*)$")


def wrap(text: str, width: int, break_hyphens: bool = True) -> list[str]:
    """Greedy wrap keeping each line's trailing separator, as PDF extraction does.

    Every returned line ends with the spaces that followed its last word (at
    least one), so `"".join(lines)` differs from `text` only in the final space.
    """
    lines: list[str] = []
    current = ""
    for match in _TOKEN.finditer(text):
        word, sep = match.group(1), match.group(2) or " "
        if current and len(current.rstrip()) + 1 + len(word) > width:
            if break_hyphens and "-" in word:
                head = _split_hyphen(word, width - len(current))
                if head is not None:
                    lines.append(current + head)
                    current = word[len(head) :] + sep
                    continue
            lines.append(current)
            current = word + sep
        else:
            current += word + sep
    if current:
        lines.append(current)
    return lines


def _split_hyphen(word: str, room: int) -> str | None:
    """The longest `xxx-` prefix of `word` that fits in `room` and precedes a capital/digit."""
    best = None
    for i, ch in enumerate(word[:-1]):
        if ch == "-" and i + 1 <= room and i > 0 and (word[i + 1].isupper() or word[i + 1].isdigit()):
            best = word[: i + 1]
    return best


@dataclass
class PageLayout:
    """Accumulates physical lines and inserts page footers every `page_lines` lines."""

    rng: random.Random
    footers: bool = True
    page_lines: int = 0
    lines: list[str] = field(default_factory=list)
    _since_footer: int = 0
    _pages: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.page_lines:
            self.page_lines = self.rng.randint(44, 52)

    def add_line(self, line: str, blank_after: int = 1) -> None:
        """One printed line, then `blank_after` empty lines (the PDF double spacing)."""
        self.lines.append(line)
        self.lines.extend("" for _ in range(blank_after))
        self._since_footer += 1
        if self.footers and self._since_footer >= self.page_lines:
            self._since_footer = 0
            self._pages.append(len(self.lines))
            self.lines.append("\x00FOOTER")  # numbered once the page count is known
            self.lines.append("")

    def paragraph(self, text: str, width: int | None = None, break_hyphens: bool = True) -> None:
        width = width or self.rng.randint(88, 97)
        for line in wrap(text, width, break_hyphens):
            self.add_line(line)

    def spacer(self) -> None:
        """The lone-space line that separates paragraphs in extracted text."""
        self.add_line(" ")

    def render(self) -> str:
        total = len(self._pages) + 1
        out: list[str] = []
        page = 0
        for line in self.lines:
            if line == "\x00FOOTER":
                page += 1
                out.append(f"Page {page} of {total} ")
            else:
                out.append(line)
        if self.footers:
            out.extend([f"Page {total} of {total} ", ""])
        return "\n".join(out) + "\n"
