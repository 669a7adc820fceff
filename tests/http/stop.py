"""stop.py — how `solidarity serve` stops and reloads.

SIGTERM while a POST's body is still arriving: the server accepts no new connection, closes
the idle ones, takes the rest of the body, stores the objects and sends the 202 (with
"Connection: close"), then exits 0. A request that stalls is cut when stop-timeout ends.
SIGINT does the same. SIGHUP reads solidarity.conf again (flags still over it), reopens the
log after logrotate moved it, switches the log to JSON lines; a broken configuration at
SIGHUP leaves the running one in place. The configuration file's errors at start name the
file and line.

Usage: stop.py SOLIDARITY-BINARY BUILD-DIR
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serverlib import TAXII, bundle, request, run_test  # noqa: E402


def read_answer(s):
    got = b""
    while True:
        try:
            c = s.recv(65536)
        except OSError:
            break
        if not c:
            break
        got += c
    head, _, body = got.partition(b"\r\n\r\n")
    return head.decode(errors="replace"), body


def connect_refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return False
    except OSError:
        return True


def post_head(node, length):
    return (f"POST /intel/collections/{node.vars['A']}/objects/ HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {node.vars['alice']}\r\nContent-Type: {TAXII}\r\n"
            f"Accept: {TAXII}\r\nContent-Length: {length}\r\n\r\n").encode()


def run_stop(t, node, sig):
    name = signal.Signals(sig).name
    srv = node.serve()
    if not srv:
        t.bail("serve starts", node.last_error)
    port = srv.port
    idle = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    idle.request("GET", "/healthz")
    idle.getresponse().read()  # kept alive, idle from now on
    body, ids = bundle(5, f"stop-{name}")
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(post_head(node, len(body)) + body[: len(body) // 2])
    time.sleep(0.3)
    t0 = time.monotonic()
    srv.signal(sig)
    time.sleep(1.0)
    t.ok(srv.proc.poll() is None, f"{name} with a body half sent: the server waits for it")
    t.ok(connect_refused(port), f"{name}: no new connection is accepted")
    s.sendall(body[len(body) // 2:])
    head, answer = read_answer(s)
    s.close()
    rc = srv.wait(30)
    took = time.monotonic() - t0
    try:
        d = json.loads(answer)
    except ValueError:
        d = {}
    t.ok(head.startswith("HTTP/1.1 202") and d.get("success_count") == 5,
         f"{name}: the POST whose body was arriving is stored and answered 202", head + "\n"
         + answer[:300].decode(errors="replace"))
    t.ok("connection: close" in head.lower(), f"{name}: the answer says Connection: close")
    t.ok(rc == 0, f"{name}: then the server exits 0, {took:.2f} s after the signal "
         f"(1.0 s of it waiting for the body)", srv.log_text())
    t.ok("stopped in" in srv.log_text(), f"{name}: the log says it stopped", srv.log_text())
    idle.close()
    # The objects are there for the next server.
    srv = node.serve("--quiet")
    st, _, b = request(srv.port, "GET", f"/intel/collections/{node.vars['A']}/objects/?match[id]="
                       + ",".join(ids), headers={"Authorization": f"Bearer {node.vars['alice']}"})
    t.ok(st == 200 and len(json.loads(b).get("objects", [])) == 5,
         f"{name}: the next server has the 5 objects")
    srv.stop()


def run_cut(t, node):
    srv = node.serve("--stop-timeout", "2")
    if not srv:
        t.bail("serve --stop-timeout 2 starts", node.last_error)
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=20)
    s.sendall(post_head(node, 1000) + b'{"objects": [')
    time.sleep(0.3)
    t0 = time.monotonic()
    srv.signal(signal.SIGTERM)
    rc = srv.wait(30)
    took = time.monotonic() - t0
    s.close()
    t.ok(rc == 0 and 1.9 <= took <= 4.0,
         f"a body that stalls is cut when stop-timeout (2 s) ends: exit {rc} after {took:.2f} s")
    t.ok("1 request cut by stop-timeout" in srv.log_text(), "the log says one request was cut",
         srv.log_text())


def run_reload(t, node):
    conf = os.path.join(node.data, "solidarity.conf")
    log = os.path.join(node.tmp, "serve.log")
    with open(conf, "w") as f:
        f.write(f"# written by stop.py\ntitle First title\nlog {log}\n"
                "contact \"cert@example.org\"\n")
    srv = node.serve("--contact", "flag@example.org")
    if not srv:
        t.bail("serve with solidarity.conf starts", node.last_error)
    port = srv.port
    d = json.loads(request(port, "GET", "/taxii2/")[2])
    t.ok(d.get("title") == "First title", "the data directory's solidarity.conf is read")
    t.ok(d.get("contact") == "flag@example.org", "a flag overrides the file")
    text = open(log).read()
    t.ok(" GET /taxii2/ 200 " in "\n" + text or "GET /taxii2/ 200 " in text,
         "the log goes to the file the configuration names", text)
    os.rename(log, log + ".1")  # what logrotate does
    with open(conf, "w") as f:
        f.write(f"title Second title\nlog {log}\nlog-format json\nheader-timeout 5\n"
                "threads 3\n")
    srv.signal(signal.SIGHUP)
    time.sleep(0.5)
    st, h, b = request(port, "GET", "/taxii2/")
    d = json.loads(b)
    t.ok(d.get("title") == "Second title", "SIGHUP: the new title is served")
    t.ok(d.get("contact") == "flag@example.org", "SIGHUP: the flag still overrides the file")
    time.sleep(0.2)
    lines = [json.loads(x) for x in open(log).read().splitlines() if x.strip()]
    reqs = [x for x in lines if x.get("event") == "request"]
    t.ok(os.path.exists(log) and reqs and reqs[-1].get("request_id") == h.get("x-request-id")
         and reqs[-1].get("status") == 200 and reqs[-1].get("path") == "/taxii2/",
         "SIGHUP: the log is opened again, in JSON lines, with the answer's X-Request-Id",
         open(log).read() if os.path.exists(log) else "no log")
    t.ok(any(x.get("event") == "message" and "threads changed" in x.get("msg", "")
             for x in lines), "SIGHUP: what needs a restart (threads) is said", lines)
    t.ok("First title" not in open(log).read() and "GET /taxii2/ 200" in open(log + ".1").read(),
         "the old lines stayed in the file logrotate moved")
    with open(conf, "w") as f:
        f.write("title Third\nno-such-key 1\n")
    srv.signal(signal.SIGHUP)
    time.sleep(0.5)
    d = json.loads(request(port, "GET", "/taxii2/")[2])
    t.ok(d.get("title") == "Second title" and srv.proc.poll() is None,
         "SIGHUP with a broken file: the server goes on as it was")
    t.ok("unknown key 'no-such-key'" in open(log).read(), "and the log says what is wrong")
    srv.stop()
    os.unlink(conf)


def run_conf_errors(t, node):
    conf = os.path.join(node.tmp, "bad.conf")
    with open(conf, "w") as f:
        f.write("listen 127.0.0.1:0\n\nmax-connections lots\n")
    p = subprocess.run([node.bin, "--data", node.data, "serve", "--config", conf],
                       capture_output=True, text=True, env={**os.environ, "SOLIDARITY_USER": "root"},
                       timeout=30)
    t.ok(p.returncode == 2 and f"{conf}:3: max-connections: 'lots' is not a number" in p.stderr,
         "a bad value: exit 2, naming the file and line", p.stderr)
    with open(conf, "w") as f:
        f.write("title one\ntitle two\n")
    p = subprocess.run([node.bin, "--data", node.data, "serve", "--config", conf],
                       capture_output=True, text=True, env={**os.environ, "SOLIDARITY_USER": "root"},
                       timeout=30)
    t.ok(p.returncode == 2 and "title is set twice (line 1 and here)" in p.stderr,
         "a key set twice: exit 2", p.stderr)
    p = subprocess.run([node.bin, "--data", node.data, "serve", "--config",
                        os.path.join(node.tmp, "missing.conf")], capture_output=True, text=True,
                       timeout=30)
    t.ok(p.returncode == 2 and "missing.conf: cannot open" in p.stderr,
         "a --config that does not exist: exit 2", p.stderr)


def run_docs(t, node):
    """--help, solidarity.conf(5) and solidarity-serve(1) name the same options."""
    import re
    docs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs")
    conf5 = os.path.join(docs, "solidarity.conf.5")
    serve1 = os.path.join(docs, "solidarity-serve.1")
    if not os.path.exists(conf5):
        t.skip("the man pages name every option", "no docs/ beside the tests")
        return
    p = subprocess.run([node.bin, "serve", "--help"], capture_output=True, text=True)
    helped = set(re.findall(r"^  --([a-z-]+)", p.stdout, re.M)) - {"config"}
    man5 = open(conf5).read()
    keys = man5[man5.index(".SH KEYS"):man5.index(".SH EXAMPLE")]
    lines = keys.splitlines()
    documented = set()
    for before, line in zip(lines, lines[1:]):
        m = re.match(r"\.(?:BI|BR|B) ([a-z\\-]+)", line)
        if before in (".TP", ".TQ") and m:
            documented.add(m.group(1).replace("\\-", "-"))
    t.ok(helped and helped == documented,
         "solidarity.conf(5) has a key for every option of serve --help, and no other",
         f"--help only: {sorted(helped - documented)}; man only: {sorted(documented - helped)}")
    man1 = open(serve1).read().replace("\\-", "-")
    missing = sorted(k for k in helped if f"--{k}" not in man1)
    t.ok(not missing, "solidarity-serve(1) describes every option", missing)


if __name__ == "__main__":
    run_test(lambda t, n: run_stop(t, n, signal.SIGTERM),
             lambda t, n: run_stop(t, n, signal.SIGINT), run_cut, run_reload, run_conf_errors,
             run_docs)
