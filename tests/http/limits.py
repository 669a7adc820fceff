"""limits.py — the request limits of `solidarity serve`, each answered with a TAXII error in
the TAXII media type: a target over 64 KiB (414), header fields over 64 KiB (431), a body over
the cap (413); and what must fit: a match[id] of 1000 ids, 500 query parameters.

Usage: limits.py SOLIDARITY-BINARY BUILD-DIR
"""
import json
import os
import socket
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serverlib import TAXII, bundle, raw, request, run_test  # noqa: E402


def taxii_error(t, status, headers, body, want, what):
    """The answer is the TAXII error resource with status want (TAXII 2.1 §3.6.1)."""
    try:
        d = json.loads(body)
    except ValueError:
        d = {}
    t.ok(status == want and headers.get("content-type") == TAXII
         and d.get("http_status") == str(want) and d.get("title"),
         f"{what}: {want}, a TAXII error in {TAXII}", f"{status} {headers} {body[:300]!r}")


def run(t, node):
    alice, col = node.vars["alice"], node.vars["A"]
    auth = {"Authorization": f"Bearer {alice}"}
    srv = node.serve("--quiet")
    if not srv:
        t.bail("serve starts", node.last_error)
    port = srv.port
    objects = f"/intel/collections/{col}/objects/"

    body, ids = bundle(5, "limits")
    st, h, b = request(port, "POST", objects, headers={**auth, "Content-Type": TAXII}, body=body)
    t.ok(st == 202, "five indicators posted: 202", b)

    # TAXII 2.1 §3.4: filters are URL parameters of a GET; 1000 ids are about 48 KB.
    wanted = ids + [f"indicator--{uuid.uuid4()}" for _ in range(995)]
    target = objects + "?match[id]=" + ",".join(wanted)
    st, h, b = request(port, "GET", target, headers=auth)
    got = sorted(o["id"] for o in json.loads(b).get("objects", [])) if st == 200 else []
    t.ok(st == 200 and got == sorted(ids),
         f"a match[id] of 1000 ids ({len(target)} bytes of target): 200, the 5 that exist",
         f"{st} {b[:300]!r}")
    st, h, b = request(port, "GET", f"/intel/collections/{col}/manifest/?match[id]="
                       + ",".join(wanted), headers=auth)
    t.ok(st == 200 and len(json.loads(b).get("objects", [])) == 5,
         "the manifest with the same 1000 ids: 200, 5 entries", b[:300])

    params = "&".join(f"p{i}=v{i}" for i in range(500))
    st, h, b = request(port, "GET", objects + "?match[type]=indicator&" + params, headers=auth)
    t.ok(st in (200, 400) and h.get("content-type") == TAXII,
         f"500 query parameters are answered ({st}, in the TAXII media type)", b[:300])

    st, h, b = request(port, "GET", objects + "?match[id]=" + "x" * (70 * 1024), headers=auth)
    taxii_error(t, st, h, b, 414, "a target over 64 KiB")
    t.ok(h.get("x-request-id"), "with its X-Request-Id")
    many = {f"X-Pad-{i}": "p" * 1000 for i in range(70)}
    st, h, b = request(port, "GET", "/taxii2/", headers=many)
    taxii_error(t, st, h, b, 431, "70 header fields of 1000 bytes")
    st, h, b = request(port, "GET", "/taxii2/", headers={"X-Big": "b" * (66 * 1024)})
    taxii_error(t, st, h, b, 431, "one header field over 64 KiB")

    # Over the connection's memory (256 KiB) libmicrohttpd answers for itself, and the
    # connection closes; the server goes on.
    line = raw(port, b"GET /taxii2/?" + b"q" * (300 * 1024) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    t.ok(line.startswith(b"HTTP/1.1 414") or line == b"",
         f"a 300 KiB request line: libmicrohttpd's own refusal ({line[:40]!r})")
    st, h, b = request(port, "GET", "/taxii2/")
    t.ok(st == 200, "and the server answers the next request")

    small = node.vars["S"]
    body, _ = bundle(400, "big")
    st, h, b = request(port, "POST", f"/small/collections/{small}/objects/",
                       headers={**auth, "Content-Type": TAXII}, body=body)
    taxii_error(t, st, h, b, 413, "a body over the API root's max_content_length")
    line = raw(port, b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n")
    t.ok(line.startswith(b"HTTP/1.1 413"), f"a body declared over the server's cap: 413 ({line!r})")
    # Chunked: no declared length, the cap is found while reading.
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"POST /small/collections/{small}/objects/ HTTP/1.1\r\nHost: x\r\n"
              f"Authorization: Bearer {alice}\r\nContent-Type: {TAXII}\r\nAccept: {TAXII}\r\n"
              "Transfer-Encoding: chunked\r\n\r\n".encode())
    chunk = b"x" * 65536
    for _ in range(4):
        s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    s.sendall(b"0\r\n\r\n")
    got = b""
    while b"\r\n\r\n" not in got:
        c = s.recv(65536)
        if not c:
            break
        got += c
    s.close()
    t.ok(got.startswith(b"HTTP/1.1 413"), "a chunked body over the cap: 413", got[:200])

    a = request(port, "GET", "/healthz")[1].get("x-request-id")
    b2 = request(port, "GET", "/healthz")[1].get("x-request-id")
    t.ok(a and b2 and a != b2, f"every answer has its own X-Request-Id ({a}, {b2})")
    rc = srv.stop()
    t.ok(rc == 0, f"the server stops cleanly (exit {rc})", srv.log_text())


if __name__ == "__main__":
    run_test(run)
