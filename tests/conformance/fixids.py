#!/usr/bin/env python3
# Generation helper for gen_validate.sh: gives the SCOs of a bundle their deterministic
# UUIDv5 ids (STIX 2.1 section 2.9) so that the validate cases test one thing each, not
# also the "SCO id should be v5" advice. Reads JSON on stdin, writes it on stdout.
import json, sys, uuid
NS = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
CONTRIB = {"file": ["hashes", "name", "extensions", "parent_directory_ref"],
           "user-account": ["account_type", "user_id", "account_login"],
           "artifact": ["hashes", "payload_bin"]}
doc = json.load(sys.stdin)
if isinstance(doc, dict) and doc.get("type") == "bundle":
    for _ in range(3):
        text = json.dumps(doc)
        for o in doc.get("objects", []):
            keys = CONTRIB.get(o.get("type"))
            if not keys:
                continue
            sub = {k: o[k] for k in keys if k in o}
            h = sub.get("hashes")
            if isinstance(h, dict) and h:  # only one hash, by preference (sections 6.1, 6.7)
                pick = next((a for a in ("MD5", "SHA-1", "SHA-256", "SHA-512") if a in h), next(iter(h)))
                sub["hashes"] = {pick: h[pick]}
            if not sub:
                continue
            canon = json.dumps(sub, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            new = o["type"] + "--" + str(uuid.uuid5(NS, canon))
            if new != o["id"]:
                text = text.replace('"%s"' % o["id"], '"%s"' % new)
        doc = json.loads(text)
json.dump(doc, sys.stdout, indent=1)
