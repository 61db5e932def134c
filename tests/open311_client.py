#!/usr/bin/env python3
"""Drives liaison's Open311 GeoReport v2 endpoints as a client would: a real server on the Haishu
sample, a real integrator token from the command line, JSON and XML, filters and error cases.

    python3 tests/open311_client.py [path/to/liaison]     (default: target/debug/liaison)

Prints one line per check and closes with 'N passed, M failed'; exits non-zero on any failure.
"""
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

from liaison_server import Checks, serve

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "debug", "liaison")
PHONE, FIRST, LAST = "13987654321", "晓红", "欧阳"
checks = Checks()
check = checks.check


def call(method, path, form=None):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def get_json(path):
    status, _, body = call("GET", path)
    return status, json.loads(body)


def is_error_list(body, code):
    return isinstance(body, list) and body and body[0].get("code") == code and body[0].get("description")


tmp = tempfile.mkdtemp()
db = os.path.join(tmp, "open311.db")
env = dict(os.environ, RUST_LOG="warn")
token_out = subprocess.run([BIN, "--db", db, "token", "create", "--role", "integrator", "--name", "12345热线"],
                           capture_output=True, text=True, env=env, check=True)
API_KEY = token_out.stdout.strip()
leader = subprocess.run([BIN, "--db", db, "token", "create", "--role", "leader", "--name", "区领导"],
                        capture_output=True, text=True, env=env, check=True).stdout.strip()
with serve(BIN, db, "--reload-secs", "0", env=env) as BASE:
    # discovery and services, both formats
    s, d = get_json("/open311/v2/discovery.json")
    check("discovery.json names GeoReport v2", s == 200 and d["endpoints"][0]["specification"].endswith("GeoReport_v2"), d)
    s, ctype, body = call("GET", "/open311/v2/discovery.xml")
    check("discovery.xml is XML", s == 200 and "xml" in ctype and ET.fromstring(body).tag == "discovery", body[:200])
    s, services = get_json("/open311/v2/services.json")
    codes = [x["service_code"] for x in services]
    check("services.json lists the 13 categories", s == 200 and len(codes) == 13 and "parking" in codes and "environment" in codes, codes)
    s, _, body = call("GET", "/open311/v2/services.xml")
    xml_codes = [e.findtext("service_code") for e in ET.fromstring(body).findall("service")]
    check("services.xml lists the same services", xml_codes == codes, xml_codes)
    s, definition = get_json("/open311/v2/services/parking.json")
    check("a service definition", s == 200 and definition["service_code"] == "parking", definition)
    s, err = get_json("/open311/v2/services/weather.json")
    check("an unknown service is a 404 in the spec's error shape", s == 404 and is_error_list(err, 404), err)

    # creating requests
    form = {"api_key": API_KEY, "service_code": "parking", "lat": "29.8655", "long": "121.5435",
            "description": "小区门口晚上乱停车，堵住消防通道", "first_name": FIRST, "last_name": LAST, "phone": PHONE}
    s, _, body = call("POST", "/open311/v2/requests.json", form)
    created = json.loads(body)
    check("POST requests.json with api_key creates a request", s == 201 and created[0]["service_request_id"] and created[0]["token"], body)
    rid, token = created[0]["service_request_id"], created[0]["token"]
    s, _, body = call("POST", "/open311/v2/requests.xml", dict(form, service_code="noise", description="夜间施工噪音"))
    xml_id = ET.fromstring(body).find("request").findtext("service_request_id") if s == 201 else None
    check("POST requests.xml answers in XML", s == 201 and xml_id and xml_id != rid, body[:300])
    for name, bad, status in [
        ("without api_key", {k: v for k, v in form.items() if k != "api_key"}, 403),
        ("with a wrong api_key", dict(form, api_key="lsn_" + "0" * 64), 403),
        ("with a leader's key", dict(form, api_key=leader), 403),
        ("without lat/long", {k: v for k, v in form.items() if k != "lat"}, 400),
        ("with lat out of range", dict(form, lat="95"), 400),
        ("with an unknown service", dict(form, service_code="weather"), 404),
        ("without a description", {k: v for k, v in form.items() if k != "description"}, 400),
    ]:
        s, _, body = call("POST", "/open311/v2/requests.json", bad)
        check(f"POST {name} is a {status}", s == status and is_error_list(json.loads(body), status), f"{s} {body}")
    s, _, body = call("POST", "/open311/v2/requests.xml", {"service_code": "parking"})
    check("errors come as XML on .xml", s == 403 and ET.fromstring(body).tag == "errors" and ET.fromstring(body).find("error").findtext("code") == "403", body)

    # tokens and single requests
    s, t = get_json(f"/open311/v2/tokens/{urllib.parse.quote(token)}.json")
    check("tokens/{token} gives the request id", s == 200 and t[0]["service_request_id"] == rid, t)
    s, t = get_json("/open311/v2/tokens/0000-0000-0000-0001.json")
    check("an unknown token is a 404", s == 404 and is_error_list(t, 404), t)
    s, one = get_json(f"/open311/v2/requests/{rid}.json")
    r = one[0] if s == 200 else {}
    check("requests/{id} shows it open, with our status", r.get("status") == "open" and r.get("liaison_status") == "submitted", one)
    check("positions are rounded to ~100 m", (r.get("lat"), r.get("long")) == (29.866, 121.544), r)
    check("the service and agency are named", r.get("service_code") == "parking" and r.get("agency_responsible"), r)
    s, one = get_json("/open311/v2/requests/999999.json")
    check("an unknown request is a 404", s == 404 and is_error_list(one, 404), one)

    # queries with filters
    s, open_parking = get_json("/open311/v2/requests.json?service_code=parking&status=open")
    check("filter by service and open status", s == 200 and any(x["service_request_id"] == rid for x in open_parking)
          and all(x["service_code"] == "parking" and x["status"] == "open" for x in open_parking), open_parking)
    s, closed = get_json("/open311/v2/requests.json?status=closed")
    check("the new request is not closed", s == 200 and not any(x["service_request_id"] == rid for x in closed), closed)
    s, by_id = get_json(f"/open311/v2/requests.json?service_request_id={rid},{xml_id}")
    check("filter by ids", s == 200 and sorted(x["service_request_id"] for x in by_id) == sorted([rid, xml_id]), by_id)
    s, future = get_json("/open311/v2/requests.json?start_date=2099-01-01T00:00:00%2B08:00")
    check("a start_date in the future finds nothing", s == 200 and future == [], future)
    s, err = get_json("/open311/v2/requests.json?start_date=2026-12-01&end_date=2026-11-01")
    check("start_date after end_date is a 400", s == 400 and is_error_list(err, 400), err)
    s, err = get_json("/open311/v2/requests.json?status=pending")
    check("an unknown status is a 400", s == 400 and is_error_list(err, 400), err)
    s, _, body = call("GET", "/open311/v2/requests.xml?service_code=noise")
    ids = [e.findtext("service_request_id") for e in ET.fromstring(body).findall("request")] if s == 200 else []
    check("requests.xml lists requests", xml_id in ids, body[:300])
    s, err = get_json("/open311/v2/requests.yaml")
    check("an unknown format is a 404", s == 404 and is_error_list(err, 404), err)

    # privacy: no public Open311 answer carries the citizen's contact or another citizen's token
    public = "".join(call("GET", p)[2] for p in [
        "/open311/v2/requests.json", "/open311/v2/requests.xml", f"/open311/v2/requests/{rid}.json",
        f"/open311/v2/requests/{rid}.xml"])
    check("no phone number or name in public answers", PHONE not in public and FIRST not in public and LAST not in public)
    check("no tracking token in public answers", token not in public and token.replace("-", "") not in public)

checks.exit()
