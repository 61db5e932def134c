#!/usr/bin/env python3
"""Reads liaison's Atom feeds of public updates as a feed reader would: a real server on the
Haishu sample, each feed parsed by Python's `feedparser` (a maintained RFC 4287 parser), checked
for order, stable ids, links to the public Open311 request, and for what must never be in them
(the citizen's name and phone, the exact position, the tracking code).

    target/venv/bin/python tests/atom_client.py [path/to/liaison]   (default: target/debug/liaison)

Needs `feedparser` (tests/atom.sh installs it into target/venv). Prints one line per check and
closes with 'N passed, M failed'; exits non-zero on any failure.
"""
import json
import os
import sys
import tempfile
import urllib.error
import urllib.request

import feedparser

from liaison_server import Checks, serve

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "debug", "liaison")
PUBLIC = "https://liaison.example.gov.cn"
checks = Checks()
check = checks.check


def request(path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


NAME, PHONE = "欧阳小军", "15912345678"
LON, LAT = 121.543512, 29.865498
TITLE = 'Lamp <b>broken</b> & "dark" at night'

tmp = tempfile.mkdtemp()
db = os.path.join(tmp, "atom.db")
# No auto-close while it reads: the sample's history ends weeks before today, so the server's first
# round closes unrated replies in the seconds after it starts, and two reads would differ.
with serve(BIN, db, "--reload-secs", "0", "--public-url", PUBLIC, "--auto-close-days", "36500") as BASE:
    status, _, body = request("/api/v1/issues", {
        "category": "roads", "title": TITLE, "text": "The street lamp by gate 3 has been out for a week.",
        "lon": LON, "lat": LAT, "channel": "online", "contact": {"name": NAME, "phone": PHONE},
    })
    check("the opinion is submitted", status == 201, f"{status} {body[:200]}")
    created = json.loads(body)
    oid, code = created["id"], created["tracking_code"]
    station = created["routing"]["station"]["id"]
    town = created["routing"]["town"]["code"]

    feeds = [f"/feeds/stations/{station}.atom", f"/feeds/towns/{town}.atom", "/feeds/categories/roads.atom"]
    first_ids = {}
    for path in feeds:
        status, ctype, raw = request(path)
        check(f"{path}: 200 application/atom+xml", status == 200 and ctype.startswith("application/atom+xml"), f"{status} {ctype}")
        feed = feedparser.parse(raw)
        check(f"{path}: well-formed Atom 1.0", not feed.bozo and feed.version == "atom10", feed.get("bozo_exception"))
        check(f"{path}: a title, an id and a self link", feed.feed.get("title") and feed.feed.get("id")
              and any(l.get("rel") == "self" and l["href"] == PUBLIC + path for l in feed.feed.links), feed.feed)
        entries = feed.entries
        check(f"{path}: between 1 and 50 entries", 0 < len(entries) <= 50, len(entries))
        updated = [e.updated_parsed for e in entries]
        check(f"{path}: newest update first", updated == sorted(updated, reverse=True))
        check(f"{path}: unique entry ids", len({e.id for e in entries}) == len(entries))
        # Not necessarily first: the auto-close job may close old replies just after the submission.
        mine = [e for e in entries if e.id == f"tag:liaison.example.gov.cn,2026:opinions/{oid}"]
        check(f"{path}: the new opinion is there, with a stable tag: id", len(mine) == 1, [e.id for e in entries[:5]])
        top = mine[0] if mine else entries[0]
        check(f"{path}: its title arrives unescaped, exactly", top.title == TITLE, top.title)
        check(f"{path}: it links to the public Open311 request",
              top.link == f"{PUBLIC}/open311/v2/requests/{oid}.json", top.link)
        text = raw.decode()
        for secret, what in [(NAME, "name"), (PHONE, "phone"), (code, "tracking code"), ("/track", "tracking page"),
                             ("121.5435", "longitude"), ("29.8654", "latitude")]:
            check(f"{path}: no {what}", secret not in text)
        first_ids[path] = [e.id for e in entries]

    status, _, raw = request("/feeds/categories/roads.atom")
    check("entry ids are the same on the next read", [e.id for e in feedparser.parse(raw).entries] == first_ids["/feeds/categories/roads.atom"])
    roads = feedparser.parse(raw).entries
    check("a category feed holds that category only", all(t.term == "roads" for e in roads for t in e.tags))
    for e in roads[:3]:
        path = e.link[len(PUBLIC):]
        status, _, one = request(path)
        found = json.loads(one) if status == 200 else []
        check(f"entry {e.id} resolves to a public request of its category",
              status == 200 and found and found[0]["service_code"] == "roads", f"{status} {one[:200]}")

    status, _, raw = request("/feeds/categories/roads.atom?lang=en")
    check("English titles", feedparser.parse(raw).feed.title == "Opinions: Roads and traffic", feedparser.parse(raw).feed.title)

    for path in ["/feeds/stations/NO-SUCH.atom", "/feeds/towns/999999999999.atom", "/feeds/categories/nope.atom",
                 f"/feeds/stations/{station}.rss"]:
        status, _, body = request(path)
        check(f"{path} is a 404 in the API's error shape",
              status == 404 and json.loads(body)["error"]["code"], f"{status} {body[:200]}")
    status, _, _ = request("/feeds/categories/roads.atom?lang=xx")
    check("an unknown language is a 400", status == 400, status)

checks.exit()
