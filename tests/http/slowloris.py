"""slowloris.py — a slowloris against `solidarity serve` while a normal client is served.

Six loopback addresses (127.0.0.2-7) open 60 connections each, send a request line, then one
byte of a header every 2 seconds, and reconnect whenever the server closes one: 360
connections against a server of 150 slots, 40 per address, 20 kept for authenticated
clients, a 3 s header deadline. Meanwhile a client from 127.0.0.1 makes requests on new
connections (anonymous and authenticated) and an authenticated client keeps its
connection alive. Each must be answered, the median within 100 ms; the policy's counters
show what it did (refused per address, evicted, timed out).

Usage: slowloris.py SOLIDARITY-BINARY BUILD-DIR
"""
import http.client
import os
import selectors
import socket
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serverlib import metric, request, run_test  # noqa: E402

ATTACKERS = [f"127.0.0.{i}" for i in range(2, 8)]
PER_ATTACKER = 60
DRIP_SECONDS = 2.0
ATTACK_SECONDS = 9.0


def attack(port, stop, counts):
    """Keep PER_ATTACKER slow connections open from each attacker address until stop."""
    sel = selectors.DefaultSelector()
    conns = {}

    def open_one(addr):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.bind((addr, 0))
            s.connect_ex(("127.0.0.1", port))
        except OSError:
            s.close()
            return
        conns[s] = [addr, time.monotonic(), False]
        sel.register(s, selectors.EVENT_WRITE | selectors.EVENT_READ)
        counts["opened"] += 1

    def drop(s):
        sel.unregister(s)
        addr = conns.pop(s)[0]
        s.close()
        counts["closed_by_server"] += 1
        if not stop.is_set():
            open_one(addr)

    for addr in ATTACKERS:
        for _ in range(PER_ATTACKER):
            open_one(addr)
    while not stop.is_set():
        for key, ev in sel.select(timeout=0.2):
            s = key.fileobj
            state = conns.get(s)
            if state is None:
                continue
            if ev & selectors.EVENT_READ:
                try:
                    if not s.recv(4096):
                        drop(s)
                        continue
                except OSError:
                    drop(s)
                    continue
            if ev & selectors.EVENT_WRITE and not state[2]:
                try:
                    s.send(b"GET /taxii2/ HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                    state[2] = True
                    sel.modify(s, selectors.EVENT_READ)
                except OSError:
                    drop(s)
        now = time.monotonic()
        for s, state in list(conns.items()):
            if state[2] and now - state[1] >= DRIP_SECONDS:
                state[1] = now
                try:
                    s.send(b"a")
                except OSError:
                    drop(s)
    for s in list(conns):
        sel.unregister(s)
        s.close()


def timed(fn):
    t = time.monotonic()
    try:
        status = fn()
    except Exception as e:  # a refused or reset connection is a failure to serve
        status = repr(e)
    return status, (time.monotonic() - t) * 1000


def run(t, node):
    alice, admin = node.vars["alice"], node.vars["admin"]
    srv = node.serve("--quiet", "--max-connections", "150", "--per-address-connections", "40",
                     "--reserved-connections", "20", "--header-timeout", "3",
                     "--idle-timeout", "20")
    if not srv:
        t.bail("serve starts", node.last_error)
    port = srv.port
    auth = {"Authorization": f"Bearer {alice}"}
    # An authenticated client with a kept-alive connection, before the attack.
    keep = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    keep.request("GET", "/intel/collections/",
                 headers={**auth, "Accept": "application/taxii+json;version=2.1"})
    r = keep.getresponse()
    r.read()
    t.ok(r.status == 200, "an authenticated client keeps a connection alive: 200")

    stop = threading.Event()
    counts = {"opened": 0, "closed_by_server": 0}
    attacker = threading.Thread(target=attack, args=(port, stop, counts))
    attacker.start()
    time.sleep(2.0)  # the slots fill up
    open_now = metric(port, 'solidarity_http_connections{state="open"}', admin)
    t.ok(open_now is not None and open_now >= 100,
         f"the attack holds the server's slots ({open_now:.0f} connections open of 150)")

    anonymous, authenticated, kept = [], [], []
    end = time.monotonic() + ATTACK_SECONDS - 2.5
    while time.monotonic() < end:
        anonymous.append(timed(lambda: request(port, "GET", "/healthz")[0]))
        authenticated.append(timed(lambda: request(port, "GET", "/intel/collections/",
                                                   headers=auth)[0]))

        def again():
            keep.request("GET", "/intel/collections/",
                         headers={**auth, "Accept": "application/taxii+json;version=2.1"})
            resp = keep.getresponse()
            resp.read()
            return resp.status
        kept.append(timed(again))
        time.sleep(0.1)
    stop.set()
    attacker.join()

    for name, results in (("anonymous GET /healthz", anonymous),
                          ("authenticated GET collections, new connections", authenticated),
                          ("authenticated GET on the kept-alive connection", kept)):
        codes = [c for c, _ in results]
        ms = sorted(m for _, m in results)
        med = statistics.median(ms)
        t.ok(codes and all(c == 200 for c in codes),
             f"during the attack, {name}: {len(codes)} requests, all 200", codes)
        t.ok(med < 100, f"{name}: median {med:.1f} ms, max {ms[-1]:.1f} ms (under 100 ms)", ms)
    print(f"# attack: {counts['opened']} connections opened, "
          f"{counts['closed_by_server']} closed by the server", flush=True)
    refused = metric(port, 'solidarity_http_connections_refused_total{reason="per_address"}', admin)
    evicted = metric(port, "solidarity_http_connections_evicted_total", admin)
    t.ok(refused and refused > 0, f"connections over an address's 40 were refused ({refused:.0f})")
    t.ok(evicted and evicted > 0, f"slow connections made room for newcomers ({evicted:.0f})")
    # A slow client gets a 408 in the TAXII media type when its deadline passes.
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /taxii2/ HTTP/1.1\r\nHost: x\r\n")
    t0 = time.monotonic()
    got = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
    s.close()
    took = time.monotonic() - t0
    t.ok(got.startswith(b"HTTP/1.1 408") and b"application/taxii+json;version=2.1" in got
         and 2.5 <= took <= 5, f"a request whose headers stall: 408 after {took:.1f} s", got)
    timed_out = metric(port, 'solidarity_http_connections_timed_out_total{phase="headers"}', admin)
    t.ok(timed_out and timed_out > 0, f"and /metrics counts it ({timed_out:.0f})")
    keep.close()
    rc = srv.stop()
    t.ok(rc == 0, f"the server stops cleanly after the attack (exit {rc})", srv.log_text())


if __name__ == "__main__":
    run_test(run)
