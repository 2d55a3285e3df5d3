"""Passages: the rationale-level units of search, and what is known about each.

- `split`      the issues section of a letter -> one raw item per disputed treatment
- `citations`  guideline citations in a passage's fields -> canonical `Citation`s;
               `citations_in_query` for search
- `classify`   treatment category and body region from vocabulary trigger words
- `phrases`    word-level phrase matching shared by the above
- `scan`       fast scanning for case-insensitive patterns that start with known words
"""
