"""A saved search's private Atom feed (RFC 4287): its newest results.

The address carries an unguessable token instead of a login, so feed readers
and e-mail-to-feed services can fetch it; the user can replace or revoke it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from xml.etree import ElementTree as ET

from webapp.db.models import SavedSearch, SavedSearchHit
from webapp.saved.mail import passage_link

ATOM = "http://www.w3.org/2005/Atom"
TAG = "tag:imr-precedent-search,2026"


def _stamp(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds").replace("+00:00", "Z")


def _add(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{name}", attrs)
    if text is not None:
        el.text = text
    return el


def atom_feed(
    saved: SavedSearch, hits: Sequence[SavedSearchHit], self_url: str, search_url: str, base_url: str, citation_of
) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", f"{TAG}:saved/{saved.id}/{saved.created_at:%Y%m%d%H%M%S}")
    _add(feed, "title", f"IMR alerts: {saved.name}")
    _add(feed, "subtitle", "New IMR decisions matching a saved search in IMR Precedent Search")
    updated = max([h.found_at for h in hits] + [saved.created_at])
    _add(feed, "updated", _stamp(updated))
    _add(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    _add(feed, "link", rel="alternate", href=search_url, type="text/html")
    author = _add(feed, "author")
    _add(author, "name", "IMR Precedent Search")
    _add(feed, "generator", "IMR Precedent Search")
    for hit in hits:
        snap = hit.snapshot or {}
        entry = _add(feed, "entry")
        _add(entry, "id", f"{TAG}:saved/{saved.id}/passage/{hit.passage_id}")
        _add(entry, "title", citation_of(hit))
        _add(entry, "updated", _stamp(hit.found_at))
        _add(entry, "link", rel="alternate", href=passage_link(base_url, snap), type="text/html")
        lines = [f"Decision: {snap.get('decision') or 'not stated'}"]
        cites = "; ".join(
            c.get("key", "") + (f" (p. {c['pages']})" if c.get("pages") else "") for c in snap.get("citations") or []
        )
        if cites:
            lines.append(f"Guidelines: {cites}")
        if snap.get("excerpt"):
            lines.append(snap["excerpt"])
        _add(entry, "summary", "\n\n".join(lines), type="text")
        for c in snap.get("citations") or []:
            if c.get("key"):
                _add(entry, "category", term=c["key"])
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
