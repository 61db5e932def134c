#!/usr/bin/env python3
"""A citizen follows their opinion by e-mail, as a mail server sees it: a real SMTP server
(`aiosmtpd`) on a free port, a real liaison server sending to it (`--smtp-url`), real staff moving
the opinion along. Checks that the registered and reply notices arrive once each, in the language
the citizen submitted in, with the link to rate the reply and a one-click unsubscribe link
(RFC 8058) that stops what follows.

    target/venv/bin/python tests/notices_client.py [path/to/liaison]   (default: target/debug/liaison)

Needs `aiosmtpd` (tests/notices.sh installs it into target/venv). Prints one line per check and
closes with 'N passed, M failed'; exits non-zero on any failure.
"""
import email
import email.policy
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from aiosmtpd.controller import Controller

from liaison_server import Checks, free_port, serve

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "debug", "liaison")
PUBLIC = "https://liaison.example.gov.cn"
FROM = "海曙区人大代表联络站 <noreply@liaison.example.gov.cn>"
EN, ZH = "li.ming@example.cn", "wang.fang@example.cn"
DEADLINE = 60
checks = Checks()
check = checks.check


class Inbox:
    """What the SMTP server accepted: (envelope recipients, parsed message)."""

    def __init__(self):
        self.got = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.got.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address):
        return [m for rcpt, m in self.got if address in rcpt]


def request(method, path, body=None, token=None, form=None):
    headers = {}
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if form is not None:
        data, headers["Content-Type"] = form.encode(), "application/x-www-form-urlencoded"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(BASE + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_for(what, cond):
    started = time.monotonic()
    while not cond():
        if time.monotonic() - started > DEADLINE:
            check(what, False, f"not within {DEADLINE} s")
            return False
        time.sleep(0.1)
    return True


def submit(address, lang=None):
    follow = {"email": address}
    if lang:
        follow["lang"] = lang
    status, body = request("POST", "/api/v1/issues", {
        "category": "roads", "title": "路灯不亮", "text": "3 号门旁的路灯坏了一周。",
        "lon": 121.543512, "lat": 29.865498, "channel": "online", "follow": follow,
    })
    check(f"an opinion followed by {address} is submitted", status == 201, f"{status} {body[:300]}")
    created = json.loads(body)
    return created["id"], created["tracking_code"]


def move(oid, step):
    status, body = request("POST", f"/api/v1/staff/issues/{oid}/transitions", step, token=ADMIN)
    check(f"staff move it to {step['to']}", status == 200, f"{status} {body[:300]}")


inbox = Inbox()
smtp_port = free_port()
controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
controller.start()
tmp = tempfile.mkdtemp()
db = os.path.join(tmp, "notices.db")
env = dict(os.environ, RUST_LOG="warn")
ADMIN = subprocess.run([BIN, "--db", db, "token", "create", "--role", "admin", "--name", "ops"],
                       capture_output=True, text=True, env=env, check=True).stdout.strip()
try:
    with serve(BIN, db, "--reload-secs", "0", "--public-url", PUBLIC, "--auto-close-days", "36500",
               "--outbox-poll-ms", "100", "--smtp-url", f"smtp://127.0.0.1:{smtp_port}", "--smtp-from", FROM,
               env=env) as BASE:
        en_id, en_code = submit(EN, "en")
        zh_id, zh_code = submit(ZH)
        time.sleep(1)
        check("submitting sends nothing", inbox.got == [], inbox.got)

        move(en_id, {"to": "registered", "version": 1})
        move(zh_id, {"to": "registered", "version": 1})
        move(en_id, {"to": "replied", "version": 2, "reply_route": "direct_answer", "reply": "The lamp was replaced."})
        wait_for("three notices arrive", lambda: len(inbox.got) >= 3)

        en = inbox.to(EN)
        subjects = [m["subject"] for m in en]
        check("the English citizen gets the registered and the reply notice",
              subjects == [f"Your opinion has been registered (tracking code {en_code})",
                           f"Your opinion has a reply (tracking code {en_code})"], subjects)
        reply = en[-1] if en else None
        body = reply.get_body(("plain",)).get_content() if reply else ""
        check("the reply notice links to the page to rate it, in English",
              f"Read the reply and rate it: {PUBLIC}/track/{en_code}?lang=en" in body, body)
        check("it comes from the configured sender",
              reply is not None and reply["from"].addresses[0].display_name == "海曙区人大代表联络站"
              and reply["from"].addresses[0].addr_spec == "noreply@liaison.example.gov.cn", reply and reply["from"])
        unsubscribe = reply["list-unsubscribe"] if reply else ""
        check("it offers one-click unsubscribe (RFC 8058)",
              unsubscribe.startswith(f"<{PUBLIC}/unsubscribe/") and reply["list-unsubscribe-post"] == "List-Unsubscribe=One-Click",
              unsubscribe)
        check("the unsubscribe link is in the text too", unsubscribe.strip("<>") in body, body)

        zh = inbox.to(ZH)
        check("the citizen who chose no language gets Chinese",
              [m["subject"] for m in zh] == [f"您的意见已受理（查询码 {zh_code}）"], [m["subject"] for m in zh])
        zh_body = zh[0].get_body(("plain",)).get_content() if zh else ""
        check("with the link to the page in Chinese", f"查看办理进度：{PUBLIC}/track/{zh_code}" in zh_body.splitlines(), zh_body)

        ids = [m["message-id"] for _, m in inbox.got]
        check("every notice has its own Message-ID", len(set(ids)) == len(ids) == 3, ids)

        # One click, as a mail client does it (RFC 8058): POST with this body to the link.
        path = unsubscribe.strip("<>")[len(PUBLIC):]
        status, page = request("POST", path, form="List-Unsubscribe=One-Click")
        check("one-click unsubscribe answers 200", status == 200 and 'data-state="stopped"' in page, f"{status} {page[:200]}")
        move(en_id, {"to": "closed", "version": 3, "note": "已处理"})
        move(zh_id, {"to": "rejected", "version": 2, "note": "不属于本站职责"})
        wait_for("the other citizen is told of the rejection", lambda: len(inbox.to(ZH)) >= 2)
        time.sleep(1)
        check("the citizen who unsubscribed gets nothing more", len(inbox.to(EN)) == 2, [m["subject"] for m in inbox.to(EN)])
        check("each notice arrived once", len(inbox.got) == 4, [m["subject"] for _, m in inbox.got])
finally:
    controller.stop()
checks.exit()
