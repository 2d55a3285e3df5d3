"""E-mail digests delivered to a real SMTP server (aiosmtpd on loopback, with a
login): the right passages with links and the outcome split, nothing twice,
daily digests a day apart, and a refused connection left pending, shown on
/saved and sent by the next run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from tests.bookmarks.conftest import add_user, login
from tests.saved.conftest import SENDER, free_port, real_letters, run_alerts
from webapp.db import get_engine
from webapp.db.models import SavedSearch
from webapp.saved.mail import DigestSection, SmtpConfigError, compose_digest, parse_smtp_url

# the test server accepts a login without TLS (loopback only)
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

BASE = "https://imr.example.com"


def _parts(msg):
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    return text, html


def _expected(client, saved_id):
    return client.get(f"/api/saved/{saved_id}/new?all=1").get_json()["passages"]


def test_digest_goes_to_a_real_smtp_server_once(indexed_app, corpus, db_url, smtp):
    inbox, url = smtp
    add_user(indexed_app, "alice")
    client = indexed_app.test_client()
    login(client, "alice")
    client.patch("/api/account", json={"email": "alice@example.com"})
    everything = client.post("/api/saved", json={"name": "Everything", "q": "", "alert": "instant"}).get_json()
    upheld = client.post(
        "/api/saved", json={"name": "Upheld", "filters": {"decision": ["Upheld"]}, "alert": "daily"}
    ).get_json()
    quiet = client.post("/api/saved", json={"name": "Quiet", "q": "", "alert": "off"}).get_json()

    corpus.add(real_letters()[40:46])
    corpus.reindex()
    report = run_alerts(db_url, corpus, smtp_url=url, base_url=BASE)
    assert [d.status for d in report.delivery.digests] == ["sent"]
    assert len(inbox.messages) == 1
    msg = inbox.messages[0]
    assert inbox.envelopes[0] == (SENDER, ["alice@example.com"])
    assert msg["To"] == "alice@example.com" and msg["From"] == SENDER
    passages = _expected(client, everything["id"])
    assert msg["Subject"] == f"IMR alert: {len(passages)} new decisions for “Everything”"
    text, html = _parts(msg)
    for p in passages:
        link = f"{BASE}/letters/{p['letter_id']}#p-{p['ordinal']}"
        assert link in text and link in html
        assert p["citation_line"] in text
    upheld_n = sum(p["decision"] == "Upheld" for p in passages)
    overturned_n = sum(p["decision"] == "Overturned" for p in passages)
    assert f"Upheld {upheld_n} (" in text and f"Overturned {overturned_n} (" in text
    assert "Upheld (daily)" not in text and "== Upheld" not in text  # its first digest is a day away
    assert "Quiet" not in text  # alerts off: /saved and feeds only
    assert _expected(client, quiet["id"])  # ... but its results are recorded

    # nothing is sent twice
    run_alerts(db_url, corpus, smtp_url=url, base_url=BASE)
    assert len(inbox.messages) == 1

    # a day later the daily digest goes out with what it found since it was saved
    with Session(get_engine(db_url)) as session:
        row = session.get(SavedSearch, upheld["id"])
        row.last_mailed_at = row.created_at - timedelta(days=1)
        session.commit()
    run_alerts(db_url, corpus, smtp_url=url, base_url=BASE)
    assert len(inbox.messages) == 2
    text, _ = _parts(inbox.messages[1])
    assert "== Upheld" in text and "== Everything" not in text
    upheld_passages = _expected(client, upheld["id"])
    assert upheld_passages and all(p["decision"] == "Upheld" for p in upheld_passages)
    for p in upheld_passages:
        assert f"{BASE}/letters/{p['letter_id']}#p-{p['ordinal']}" in text
    run_alerts(db_url, corpus, smtp_url=url, base_url=BASE)
    assert len(inbox.messages) == 2


def test_a_refused_connection_stays_pending_visible_and_is_retried(indexed_app, corpus, db_url, smtp):
    inbox, url = smtp
    client = indexed_app.test_client()  # single-user mode: the local owner gets the e-mail
    client.patch("/api/account", json={"email": "me@example.com"})
    saved = client.post("/api/saved", json={"name": "Everything", "q": "", "alert": "instant"}).get_json()
    corpus.add(real_letters()[40:44])
    corpus.reindex()

    dead = f"smtp://127.0.0.1:{free_port()}/?from={SENDER}"  # nothing listens there
    report = run_alerts(db_url, corpus, smtp_url=dead, base_url=BASE)
    (digest,) = report.delivery.digests
    assert digest.status == "pending" and "could not reach the mail server" in digest.error
    listed = client.get(f"/api/saved/{saved['id']}").get_json()
    assert listed["email_pending"]["attempts"] == 1
    assert "ConnectionRefusedError" in listed["email_pending"]["last_error"]
    page = client.get("/saved").get_data(as_text=True)
    assert "E-mail not delivered yet" in page and "will be retried" in page

    report = run_alerts(db_url, corpus, smtp_url=url, base_url=BASE)
    assert [d.status for d in report.delivery.digests] == ["sent"]
    assert len(inbox.messages) == 1
    text, _ = _parts(inbox.messages[0])
    for p in _expected(client, saved["id"]):
        assert f"{BASE}/letters/{p['letter_id']}#p-{p['ordinal']}" in text
    assert client.get(f"/api/saved/{saved['id']}").get_json()["email_pending"] is None
    assert "E-mail not delivered yet" not in client.get("/saved").get_data(as_text=True)
    run_alerts(db_url, corpus, smtp_url=url, base_url=BASE)
    assert len(inbox.messages) == 1


def test_wrong_password_is_reported_not_lost(indexed_app, corpus, db_url, smtp):
    inbox, url = smtp
    client = indexed_app.test_client()
    client.patch("/api/account", json={"email": "me@example.com"})
    client.post("/api/saved", json={"name": "Everything", "q": "", "alert": "instant"})
    corpus.add(real_letters()[40:42])
    corpus.reindex()
    report = run_alerts(db_url, corpus, smtp_url=url.replace("s3cret%20pass", "wrong"), base_url=BASE)
    assert report.delivery.digests[0].status == "pending"
    assert "535" in report.delivery.digests[0].error
    assert inbox.messages == []
    assert run_alerts(db_url, corpus, smtp_url=url, base_url=BASE).delivery.digests[0].status == "sent"
    assert len(inbox.messages) == 1


def test_smtp_urls():
    c = parse_smtp_url("smtps://user%40corp:p%3Ass@mail.example.com/?from=alerts@example.com")
    assert (c.scheme, c.host, c.port, c.username, c.password, c.sender, c.starttls) == (
        "smtps",
        "mail.example.com",
        465,
        "user@corp",
        "p:ss",
        "alerts@example.com",
        False,
    )
    c = parse_smtp_url("smtp://mail.example.com:587?starttls=1", default_sender="imr@example.com")
    assert (c.port, c.starttls, c.username, c.sender) == (587, True, None, "imr@example.com")
    assert parse_smtp_url("smtp://localhost/?from=a@b.example").port == 25
    for bad, why in [
        ("http://x/?from=a@b.example", "smtp:// or smtps://"),
        ("smtp:///?from=a@b.example", "no server"),
        ("smtp://x", "sender address"),
        ("smtp://x/?from=nobody", "not an e-mail address"),
        ("smtp://x:port/?from=a@b.example", "port"),
    ]:
        with pytest.raises(SmtpConfigError, match=why):
            parse_smtp_url(bad)
    assert "p:ss" not in parse_smtp_url("smtps://u:p%3Ass@h/?from=a@b.example").describe()


def test_digest_text_is_escaped_in_html():
    snap = {
        "letter_id": "L1",
        "ordinal": 2,
        "item": "MRI <img src=x onerror=alert(1)>",
        "decision": "Upheld",
        "case_number": "CM16-0213037",
        "decision_date": "2016-12-09",
        "excerpt": "A & <script>x</script>",
        "citations": [{"key": "ODG | Neck and Upper Back | MRI", "pages": "12"}],
    }
    msg = compose_digest(
        SENDER,
        "c@d.example",
        [DigestSection("<b>Neck</b>", "https://x/saved/1/new", "https://x/saved/1/open", [snap])],
        "https://x",
        1,
    )
    text, html = _parts(msg)
    assert "<img" not in html and "<script>" not in html and "<b>Neck" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;b&gt;Neck&lt;/b&gt;" in html
    assert "IMR CM16-0213037 (Dec. 9, 2016), item 2: MRI <img src=x onerror=alert(1)> - Upheld" in text
    assert "ODG | Neck and Upper Back | MRI (p. 12)" in text
