"""serverlib.py — what the HTTP server's script tests share: TAP output, a node made by the
TAXII fixture (users alice, bob, ... with tokens; collections A, B, S), `solidarity serve`
started on a free loopback port and stopped, and raw HTTP over sockets (the tests need
control of every byte and of the source address: 127.0.0.x).

Usage from a test: t = Tap(); node = Node(t, bin, build); srv = node.serve("--quiet") ...
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, detail=""):
        self.n += 1
        if cond:
            print(f"ok {self.n} - {what}", flush=True)
        else:
            self.failed += 1
            print(f"not ok {self.n} - {what}", flush=True)
            for line in str(detail).splitlines()[-30:]:
                print(f"# {line}", flush=True)
        return cond

    def skip(self, what, why):
        self.n += 1
        print(f"ok {self.n} - {what} # SKIP {why}", flush=True)

    def bail(self, what, detail=""):
        self.ok(False, what, detail)
        self.done()

    def done(self):
        print(f"1..{self.n}", flush=True)
        sys.exit(1 if self.failed else 0)


class Server:
    """A running `solidarity serve`: its process, URL, port and log file."""

    def __init__(self, proc, url, log):
        self.proc, self.url, self.log = proc, url, log
        self.port = int(url.rstrip("/").rsplit(":", 1)[1])

    def log_text(self):
        with open(self.log, encoding="utf-8", errors="replace") as f:
            return f.read()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=60):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            if self.wait(60) is None:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


class Node:
    """A node in a temporary directory, made by the TAXII fixture."""

    def __init__(self, tap, binary, build):
        self.tap, self.bin = tap, binary
        os.umask(0o077)  # serve refuses a store other users may read
        self.tmp = tempfile.mkdtemp(prefix="sol-http-")
        self.data = os.path.join(self.tmp, "data")
        os.mkdir(self.data)
        fixture = os.path.join(build, "tests", "taxii", "taxii_fixture")
        p = subprocess.run([fixture, self.data], capture_output=True, text=True)
        if p.returncode:
            tap.bail("the fixture makes a node", p.stderr)
        self.vars = dict(line.split("=", 1) for line in p.stdout.split())
        self.servers = []

    def serve(self, *args, env=None, log=None):
        """Start serve with args; returns a Server, or None (the log says why)."""
        log = log or os.path.join(self.tmp, f"serve.{len(self.servers)}.log")
        out = os.path.join(self.tmp, f"serve.{len(self.servers)}.out")
        e = dict(os.environ)
        e.setdefault("SOLIDARITY_USER", "root")  # as root, stay root unless a test says
        e.update(env or {})
        with open(out, "w") as fo, open(log, "a") as fe:
            proc = subprocess.Popen([self.bin, "--data", self.data, "serve", "--listen",
                                     "127.0.0.1:0", *args], stdout=fo, stderr=fe,
                                    stdin=subprocess.DEVNULL, env=e)
        for _ in range(300):
            with open(out) as fo:
                first = fo.readline()
            if first.endswith("\n"):
                srv = Server(proc, first.strip(), log)
                self.servers.append(srv)
                return srv
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        proc.kill()
        proc.wait()
        self.last_error = open(log, encoding="utf-8", errors="replace").read()
        return None

    def close(self):
        for s in self.servers:
            s.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def run_test(*steps):
    """The test's main: a node, each step(tap, node) in turn, the node removed, the plan."""
    t = Tap()
    node = Node(t, sys.argv[1], sys.argv[2])
    try:
        for step in steps:
            step(t, node)
    finally:
        node.close()
    t.done()


def request(port, method, path, headers=None, body=None, timeout=10, source="127.0.0.1"):
    """One request on a new connection: (status, headers dict lower-case, body bytes)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                   source_address=(source, 0))
    try:
        h = {"Accept": "application/taxii+json;version=2.1"}
        h.update(headers or {})
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        c.close()


def raw(port, data, timeout=10, source="127.0.0.1"):
    """Send bytes as they are; the status line answered (b"" when closed unanswered)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                 source_address=(source, 0))
    try:
        s.sendall(data)
        got = b""
        while b"\r\n" not in got:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        return got.split(b"\r\n", 1)[0]
    except (ConnectionResetError, BrokenPipeError):
        return b""
    finally:
        s.close()


def metric(port, name, token):
    """The value of one sample of /metrics (name with its labels), or None; token: an
    admin's, or the metrics token."""
    status, _, body = request(port, "GET", "/metrics",
                              headers={"Authorization": f"Bearer {token}"})
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None


def bundle(n, prefix):
    """An envelope of n new TLP:GREEN indicators."""
    import uuid
    objs = [{"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
             "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
             "name": f"{prefix}-{i}", "pattern": f"[domain-name:value = '{prefix}-{i}.example']",
             "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
             "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}
            for i in range(n)]
    return json.dumps({"objects": objs}).encode(), [o["id"] for o in objs]


TAXII = "application/taxii+json;version=2.1"
