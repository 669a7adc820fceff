"""privileges.py — `solidarity serve` started as root runs as another user, confined.

As root: serve --user nobody on a data directory that belongs to nobody runs as nobody
(real, effective and saved ids; its own group only), with no_new_privs and a seccomp
filter, and serves TAXII reads and writes; a data directory that is not the user's, or a
user that does not exist, stop it before it starts, saying what to do. As any user: an
unconfined run (--no-sandbox) has no filter, a confined one has. (That a confined process
reads nothing outside its directory is tests/util/test_sandbox.c.)

Usage: privileges.py SOLIDARITY-BINARY BUILD-DIR
"""
import json
import os
import pwd
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serverlib import TAXII, Node, Tap, bundle, request  # noqa: E402


def status_of(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.split()
    return fields


def chown_tree(path, uid, gid):
    for root, dirs, files in os.walk(path):
        os.chown(root, uid, gid)
        for name in files:
            os.chown(os.path.join(root, name), uid, gid)


def main():
    t = Tap()
    node = Node(t, sys.argv[1], sys.argv[2])
    try:
        run(t, node)
    finally:
        if os.geteuid() == 0:
            chown_tree(node.tmp, 0, 0)
        node.close()
    t.done()


def run(t, node):
    srv = node.serve("--quiet")
    if not srv:
        t.bail("serve starts", node.last_error)
    st = status_of(srv.proc.pid)
    t.ok(st["NoNewPrivs"] == ["1"] and st["Seccomp"] == ["2"],
         "confined by default: no_new_privs and a seccomp filter", st)
    srv.stop()
    srv = node.serve("--quiet", "--no-sandbox")
    st = status_of(srv.proc.pid)
    t.ok(st["Seccomp"] == ["0"], "--no-sandbox: no filter")
    srv.stop()

    if os.geteuid() != 0:
        for what in ("started as root, serve runs as --user", "a data directory not the user's",
                     "a user that does not exist"):
            t.skip(what, "not root")
        return
    nobody = pwd.getpwnam("nobody")
    p = subprocess.run([node.bin, "--data", node.data, "serve", "--listen", "127.0.0.1:0",
                        "--user", "nobody"], capture_output=True, text=True, timeout=30)
    t.ok(p.returncode == 2 and f"{node.data} belongs to uid 0, not to nobody" in p.stderr
         and "chown -R nobody" in p.stderr,
         "a data directory that is not the user's: exit 2, saying what to do", p.stderr)
    p = subprocess.run([node.bin, "--data", node.data, "serve", "--listen", "127.0.0.1:0",
                        "--user", "no-such-user-here"], capture_output=True, text=True,
                       timeout=30)
    t.ok(p.returncode == 2 and "there is no user 'no-such-user-here'" in p.stderr,
         "a user that does not exist: exit 2", p.stderr)
    p = subprocess.run([node.bin, "--data", node.data, "serve", "--listen", "127.0.0.1:0"],
                       capture_output=True, text=True, timeout=30,
                       env={k: v for k, v in os.environ.items() if k != "SOLIDARITY_USER"})
    t.ok(p.returncode == 2 and "serve runs as 'solidarity'" in p.stderr
         or (p.returncode == 2 and "belongs to uid 0, not to solidarity" in p.stderr),
         "by default, root becomes the user solidarity (or says why it cannot)", p.stderr)

    chown_tree(node.tmp, nobody.pw_uid, nobody.pw_gid)
    srv = node.serve("--user", "nobody")
    if not t.ok(srv is not None, "serve --user nobody starts", getattr(node, "last_error", "")):
        return
    st = status_of(srv.proc.pid)
    want_uid, want_gid = str(nobody.pw_uid), str(nobody.pw_gid)
    t.ok(st["Uid"] == [want_uid] * 4 and st["Gid"] == [want_gid] * 4,
         f"it runs as nobody: uid {st['Uid']}, gid {st['Gid']}")
    t.ok(st["Groups"] in ([want_gid], []), f"with nobody's group only ({st['Groups']})")
    t.ok(st["NoNewPrivs"] == ["1"] and st["Seccomp"] == ["2"] and st["CapEff"] == ["0" * 16],
         "no capabilities, no_new_privs, a seccomp filter", st)
    alice, col = node.vars["alice"], node.vars["A"]
    auth = {"Authorization": f"Bearer {alice}"}
    body, ids = bundle(3, "dropped")
    code, _, b = request(srv.port, "POST", f"/intel/collections/{col}/objects/",
                         headers={**auth, "Content-Type": TAXII}, body=body)
    t.ok(code == 202 and json.loads(b).get("success_count") == 3,
         "as nobody, confined: a POST is stored (202)", b[:300])
    code, _, b = request(srv.port, "GET", f"/intel/collections/{col}/objects/?match[id]="
                         + ",".join(ids), headers=auth)
    t.ok(code == 200 and len(json.loads(b).get("objects", [])) == 3,
         "and read back (200)", b[:300])
    rc = srv.stop()
    t.ok(rc == 0, f"and it stops cleanly (exit {rc})", srv.log_text())
    t.ok("privileges dropped" in srv.log_text(), "the log says privileges were dropped",
         srv.log_text())


if __name__ == "__main__":
    main()
