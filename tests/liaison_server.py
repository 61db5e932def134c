"""What the Python clients of tests/ share: a tally of named checks, and a liaison server on a
fresh database on a free 127.0.0.1 port, started and waited for like an operator would (an empty
database loads the sample before listening), stopped on the way out.

    from liaison_server import Checks, serve
    checks = Checks()
    with serve(BIN, db, "--reload-secs", "0") as base:
        checks.check("it answers", urllib.request.urlopen(base + "/healthz").status == 200)
    checks.exit()
"""
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

# How long an empty database may take to load the sample and listen: seconds in a debug build,
# more on a busy machine.
START_SECONDS = 120


class Checks:
    """One line per check; `exit()` prints 'N passed, M failed' and exits non-zero on a failure."""

    def __init__(self):
        self.passed, self.failed = 0, 0

    def check(self, name, cond, detail=""):
        if cond:
            self.passed += 1
            print(f"ok   {name}")
        else:
            self.failed += 1
            print(f"FAIL {name} {detail}")

    def exit(self):
        print(f"{self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status == 200
    except (OSError, urllib.error.URLError):
        return False


@contextlib.contextmanager
def serve(binary, db, *args, env=None):
    """`liaison --db DB serve` with `args` on a free port; yields its base URL once /healthz
    answers, and fails at once if the server exits first."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ if env is None else env, RUST_LOG="warn")
    server = subprocess.Popen([binary, "--db", db, "serve", "--bind", f"127.0.0.1:{port}", *args],
                              stdout=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not answers(base + "/healthz"):
            if server.poll() is not None:
                sys.exit(f"the server exited with {server.returncode} before it answered /healthz")
            if time.monotonic() > deadline:
                sys.exit(f"the server did not answer /healthz within {START_SECONDS} s")
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)
