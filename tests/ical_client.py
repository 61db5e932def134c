#!/usr/bin/env python3
"""Reads liaison's reception calendars as a calendar program would: a real server on the Haishu
sample, each feed parsed by Python's `icalendar` (a maintained RFC 5545 parser), its events
compared with the sessions the station's and member's JSON give from the same calendar rules.

    target/venv/bin/python tests/ical_client.py [path/to/liaison]   (default: target/debug/liaison)

Needs `icalendar` (tests/ical.sh installs it into target/venv). Prints one line per check and
closes with 'N passed, M failed'; exits non-zero on any failure.
"""
import datetime
import json
import os
import sys
import tempfile
import urllib.error
import urllib.request

import icalendar

from liaison_server import Checks, serve

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "debug", "liaison")
checks = Checks()
check = checks.check


def get(path):
    try:
        with urllib.request.urlopen(BASE + path, timeout=30) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def parse(body):
    """The feed's events as (start, end, summary, uid), starts as aware datetimes."""
    cal = icalendar.Calendar.from_ical(body)
    events = []
    for e in cal.walk("VEVENT"):
        start, end = e.decoded("DTSTART"), e.decoded("DTEND")
        events.append((start, end, str(e.get("SUMMARY")), str(e.get("UID"))))
    return cal, events


def iso(text):
    return datetime.datetime.fromisoformat(text)


def same_sessions(feed, listed):
    """The listed sessions (the JSON's next 50) that the feed (six months ahead) must hold: those
    up to the earlier of the two lists' last starts, in order."""
    if not feed:
        return listed[:1]  # a non-empty list against an empty feed fails the comparison
    last = min(feed[-1], listed[-1]) if listed else feed[-1]
    return [s for s in listed if s <= last]


tmp = tempfile.mkdtemp()
db = os.path.join(tmp, "ical.db")
with serve(BIN, db, "--reload-secs", "0", "--public-url", "https://liaison.example.gov.cn") as BASE:
    # Stations with reception days: each feed holds the sessions the station's JSON lists.
    _, _, body = get("/api/v1/stations?kind=deputy_liaison_station,member_workstation,liaison_point&limit=1000")
    stations = json.loads(body)["features"]
    checked = 0
    for feature in stations:
        sid = feature["properties"]["id"]
        _, _, detail = get(f"/api/v1/stations/{sid}?sessions=50")
        sessions = json.loads(detail)["properties"]["next_sessions"]
        if not sessions:
            continue
        status, ctype, feed = get(f"/api/v1/stations/{sid}/calendar.ics")
        check(f"station {sid}: 200 text/calendar", status == 200 and ctype.startswith("text/calendar"), f"{status} {ctype}")
        cal, events = parse(feed)
        check(f"station {sid}: VERSION 2.0 and a name", str(cal.get("VERSION")) == "2.0" and cal.get("X-WR-CALNAME"))
        starts = [e[0] for e in events]
        shown = same_sessions(starts, [iso(s["start"]) for s in sessions])
        check(f"station {sid}: the feed's first {len(shown)} events are the JSON's sessions",
              shown and starts[:len(shown)] == shown, f"{starts[:3]} vs {shown[:3]}")
        check(f"station {sid}: events in Asia/Shanghai time", all(s.utcoffset() == datetime.timedelta(hours=8) for s in starts))
        check(f"station {sid}: each event ends after it starts", all(e[1] > e[0] for e in events))
        check(f"station {sid}: unique UIDs", len({e[3] for e in events}) == len(events))
        check(f"station {sid}: the summary names the station", all(feature["properties"]["name"] in e[2] for e in events))
        checked += 1
        if checked == 5:
            break
    check("some stations have reception days", checked > 0)

    # A member on duty: their feed holds the sessions of the member's JSON, at their stations.
    members_checked = 0
    for feature in stations:
        _, _, detail = get(f"/api/v1/stations/{feature['properties']['id']}?sessions=50")
        for s in json.loads(detail)["properties"]["next_sessions"]:
            for m in s["members"]:
                if members_checked == 3:
                    break
                mid = m["id"]
                _, _, member = get(f"/api/v1/members/{mid}?sessions=50")
                sessions = json.loads(member)["next_sessions"]
                status, ctype, feed = get(f"/api/v1/members/{mid}/calendar.ics?lang=en")
                check(f"member {mid}: 200 text/calendar", status == 200 and ctype.startswith("text/calendar"))
                cal, events = parse(feed)
                starts = [e[0] for e in events]
                shown = same_sessions(starts, [iso(x["start"]) for x in sessions])
                check(f"member {mid}: the feed's first {len(shown)} events are the JSON's sessions",
                      shown and starts[:len(shown)] == shown, f"{starts[:3]} vs {shown[:3]}")
                check(f"member {mid}: English texts", all(e[2].startswith("Reception at ") for e in events), events[:1])
                members_checked += 1
        if members_checked == 3:
            break
    check("some members are on duty", members_checked > 0)

    status, ctype, body = get("/api/v1/stations/NO-SUCH/calendar.ics")
    check("an unknown station is a 404 in the API's error shape",
          status == 404 and json.loads(body)["error"]["code"], f"{status} {body[:200]}")
    status, _, body = get(f"/api/v1/stations/{stations[0]['properties']['id']}/calendar.ics?lang=xx")
    check("an unknown language is a 400", status == 400, f"{status}")

checks.exit()
