#!/usr/bin/env python3
"""An independent verifier of lawtrail's test vectors, written from
docs/EVENTS.md alone: Python's standard library, and the openssl command for
Ed25519 (RFC 8032). It re-derives every key, re-checks every body's canonical
form by the document's byte rules, every event id, signature, co-signature
and chain link, the document content hash, the sealed key file and the
receipt. Exit status 0 when all hold, 1 with the first failure otherwise.

    python3 verify.py vectors.json
"""

import base64
import datetime
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from argon2id import argon2id, xchacha20poly1305_open  # noqa: E402


class Refused(Exception):
    pass


def need(cond, what):
    if not cond:
        raise Refused(what)


# ---- JSON as the document defines it -------------------------------------

class Obj(list):
    """A JSON object as its (name, value) pairs, in order."""

    def get(self, name, default=None):
        for k, v in self:
            if k == name:
                return v
        return default

    def names(self):
        return [k for k, _ in self]


def _pairs(pairs):
    names = [k for k, _ in pairs]
    if len(set(names)) != len(names):
        raise Refused("a name appears twice in an object")
    return Obj(pairs)


class Num:
    """A number with a fraction or exponent, kept as written: only an amount
    in yuan (amount_yuan) may be one, and it is never read as a double."""

    def __init__(self, text):
        self.text = text

    def __str__(self):
        return self.text

    def __repr__(self):
        return self.text

    def __eq__(self, other):
        return isinstance(other, Num) and other.text == self.text

    __hash__ = None


def _no_float(s):
    raise Refused("number %s is not an integer" % s)


def parse(raw):
    """Strict parse: UTF-8, no duplicate names; a non-integer number is kept
    as its text (Num) for the one field that may hold one."""
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        raise Refused("not UTF-8")
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_float=Num, parse_constant=_no_float)
    except Refused:
        raise
    except ValueError as e:
        raise Refused("not JSON: %s" % e)


_NAMED = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
          "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def enc_str(s):
    out = ['"']
    for ch in s:
        if 0xD800 <= ord(ch) <= 0xDFFF:
            raise Refused("a lone surrogate in a string")
        if ch in _NAMED:
            out.append(_NAMED[ch])
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def enc(v):
    if isinstance(v, Obj):
        return "{" + ",".join(enc_str(k) + ":" + enc(x) for k, x in v) + "}"
    if isinstance(v, list):
        return "[" + ",".join(enc(x) for x in v) + "]"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, Num):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return enc_str(v)
    raise Refused("unexpected value %r" % (v,))


# ---- value forms ----------------------------------------------------------

HEX64 = re.compile(r"^[0-9a-f]{64}$")
TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$")
ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
B64 = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")


def check_time(s, what):
    m = TIME.match(s) if isinstance(s, str) else None
    need(m, "%s %r is not YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" % (what, s))
    y, mo, d, h, mi, sec = (int(x) for x in m.group(1, 2, 3, 4, 5, 6))
    try:
        datetime.datetime(y, mo, d, h, mi, sec)
    except ValueError:
        raise Refused("%s %r is not a real time" % (what, s))
    frac = m.group(7)
    need(frac is None or not frac.endswith("0"), "%s %r: fraction ends in 0" % (what, s))
    if m.group(8) != "Z":
        need(not (m.group(10) == "00" and m.group(11) == "00"), "%s %r: zero offset not written Z" % (what, s))
        need(int(m.group(10)) < 24 and int(m.group(11)) < 60, "%s %r: offset out of range" % (what, s))


def utc_time(s):
    """The same instant in UTC, fraction kept, Z (receipts sign this form)."""
    m = TIME.match(s)
    base = datetime.datetime(*(int(x) for x in m.group(1, 2, 3, 4, 5, 6)))
    if m.group(8) != "Z":
        off = datetime.timedelta(hours=int(m.group(10)), minutes=int(m.group(11)))
        base = base - off if m.group(9) == "+" else base + off
    frac = (m.group(7) or "").rstrip("0")
    return base.strftime("%Y-%m-%dT%H:%M:%S") + ("." + frac if frac else "") + "Z"


def b64(s, what, size=None):
    need(isinstance(s, str) and B64.match(s), "%s is not standard base64 with padding" % what)
    b = base64.b64decode(s, validate=True)
    need(size is None or len(b) == size, "%s: %d bytes, want %s" % (what, len(b), size))
    return b


AMOUNT = re.compile(r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _amount(v):
    # an integer, or a decimal kept as written (Num); never an exponent
    if isinstance(v, Num) or (isinstance(v, int) and not isinstance(v, bool)):
        return AMOUNT.match(str(v)) is not None
    return False


def _each(schema, what):
    """A kind: a list of objects, each of the given fields."""
    def check(v):
        need(isinstance(v, list), "%s is not a list" % what)
        for i, x in enumerate(v):
            check_fields(x, schema, "%s[%d]" % (what, i))
        return True
    return check


def _one(schema, what):
    """A kind: one object of the given fields."""
    def check(v):
        check_fields(v, schema, what)
        return True
    return check


KINDS = {
    "str": lambda v: isinstance(v, str),
    "id": lambda v: isinstance(v, str) and ID.match(v),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "digest": lambda v: isinstance(v, str) and HEX64.match(v),
    "bytes": lambda v: isinstance(v, str) and B64.match(v),
    "key": lambda v: isinstance(v, str) and B64.match(v) and len(base64.b64decode(v)) == 32,
    "time": lambda v: isinstance(v, str) and TIME.match(v),
    "strs": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "fields": lambda v: isinstance(v, Obj) and v.names() == sorted(v.names()),
    "amount": _amount,
    "date": lambda v: isinstance(v, str) and DATE.match(v),
    "ids": lambda v: isinstance(v, list) and all(isinstance(x, str) and ID.match(x) for x in v),
}

# name, kind, omitted when empty — the payload tables of docs/EVENTS.md.
SOURCE = [("device_serial", "str", False), ("original_path", "str", False), ("original_path_bytes", "bytes", True),
          ("size", "int", False), ("source_mtime", "time", False)]
CONTENT = [("doc", "id", False), ("case", "id", False), ("step", "id", True), ("template", "id", False),
           ("template_version", "int", False), ("version", "int", False), ("fields", "fields", False)]
PAYLOADS = {
    "terminal.initialized": [("terminal", "id", False), ("name", "str", False), ("agency", "id", False), ("public_key", "key", False)],
    "agency.registered": [("agency", "id", False), ("name", "str", False)],
    "officer.enrolled": [("officer", "id", False), ("name", "str", False), ("credential_no", "str", False),
                         ("agency", "id", False), ("roles", "strs", False), ("public_key", "key", False)],
    "case.opened": [("case", "id", False), ("number", "str", False), ("title", "str", False),
                    ("act_type", "str", False), ("agency", "id", False)],
    "case.phase_advanced": [("case", "id", False), ("phase", "str", False)],
    "step.recorded": [("step", "id", False), ("case", "id", False), ("kind", "str", False), ("start", "time", False),
                      ("end", "time", False), ("officers", "strs", False), ("note", "str", True)],
    "step.footage_linked": [("step", "id", False), ("digest", "digest", False)],
    "step.text_only": [("step", "id", False), ("reason", "str", False)],
    "footage.ingested": [("digest", "digest", False)] + SOURCE + [
        ("device_model", "str", True), ("device_vendor", "str", True), ("officer", "str", True),
        ("name_serial", "str", True), ("clerk", "id", False), ("station", "str", False), ("profile", "str", True),
        ("start", "time", True), ("end", "time", True), ("seq", "int", True), ("important", "bool", True),
        ("clock_offset_ns", "int", False), ("clock_known", "bool", False)],
    "footage.cleared": [("digest", "digest", False)] + SOURCE + [("policy", "str", False)],
    "doc.drafted": CONTENT,
    "case.decision_proposed": [("case", "id", False), ("decision", "decision", False)],
    "review.submitted": [("review", "id", False), ("case", "id", False), ("round", "int", False),
                         ("decision", "decision", False), ("major", "ids", False), ("doc", "id", True),
                         ("doc_hash", "digest", True), ("material", "materials", True), ("due", "date", False),
                         ("approved_by", "id", True), ("note", "str", True)],
    "review.assigned": [("review", "id", False), ("round", "int", False), ("reviewer", "id", False)],
    "review.extended": [("review", "id", False), ("round", "int", False), ("due", "date", False), ("reason", "str", False)],
    "review.opinion": [("review", "id", False), ("round", "int", False), ("outcome", "str", False),
                       ("checklist", "checklist", False), ("problems", "str", True), ("changes", "str", True)],
    "review.disputed": [("review", "id", False), ("round", "int", False), ("reason", "str", False)],
    "review.resolved": [("review", "id", False), ("round", "int", False), ("resolution", "str", False),
                        ("decision", "str", False), ("collective", "collective", True)],
    "doc.finalized": CONTENT + [("content_hash", "digest", False), ("corrects", "digest", True)],
}


# The objects inside legal review's payloads (docs/EVENTS.md, "Payloads" and "Legal review").
PENALTY = [("kind", "str", False), ("amount_yuan", "amount", True), ("object", "str", True)]
DECISION = [("act", "str", False), ("party_kind", "str", False), ("penalties", "penalties", True),
            ("hearing", "str", True), ("crime_transfer", "bool", True), ("flags", "strs", True), ("summary", "str", True)]
MATERIAL = [("kind", "str", False), ("ref", "id", True), ("digest", "digest", False)]
CHECK_ITEMS = ["subject", "procedure", "facts", "basis", "authority", "documents", "crime"]
CHECKLIST_ENTRY = [("item", "str", False), ("finding", "str", False), ("note", "str", True)]
COLLECTIVE = [("held", "date", False), ("attendees", "strs", False), ("conclusion", "str", False)]


def _checklist(v):
    _each(CHECKLIST_ENTRY, "checklist")(v)
    need([e.get("item") for e in v] == CHECK_ITEMS, "checklist items are not the seven in order")
    need(all(e.get("finding") in ("ok", "problem", "na") for e in v), "a checklist finding is not ok, problem or na")
    return True


KINDS.update({
    "penalties": _each(PENALTY, "penalties"),
    "decision": _one(DECISION, "decision"),
    "materials": _each(MATERIAL, "material"),
    "checklist": _checklist,
    "collective": _one(COLLECTIVE, "collective"),
})


def check_fields(obj, schema, what):
    need(isinstance(obj, Obj), "%s is not an object" % what)
    names = [n for n, _, _ in schema]
    present = obj.names()
    need(all(n in names for n in present), "%s: unknown field in %s" % (what, present))
    need(present == [n for n in names if n in present], "%s: fields out of order: %s" % (what, present))
    for name, kind, omit in schema:
        v = obj.get(name)
        if name not in present:
            need(omit, "%s: field %s missing" % (what, name))
            continue
        need(KINDS[kind](v), "%s: field %s is not %s: %r" % (what, name, kind, v))
        need(not omit or not (v in ("", 0, False) or v == [] or v == Obj()),
             "%s: empty %s is written instead of omitted" % (what, name))
        if kind == "time":
            check_time(v, "%s.%s" % (what, name))


BODY_FIELDS = ["v", "terminal", "seq", "prev", "time", "actor", "type", "payload", "blobs"]


def check_body(raw):
    """Returns the parsed body, or raises Refused with the rule it breaks."""
    body = parse(raw)
    need(isinstance(body, Obj), "the body is not an object")
    need(body.names() == BODY_FIELDS, "fields are %s, want %s in that order" % (body.names(), BODY_FIELDS))
    need(enc(body).encode("utf-8") == raw, "not the canonical bytes (whitespace, escaping or number form)")
    need(body.get("v") == 1, "v is not 1")
    seq = body.get("seq")
    need(KINDS["int"](seq) and 1 <= seq < 1 << 64, "seq is not an integer from 1")
    prev = body.get("prev")
    need(KINDS["digest"](prev), "prev is not 64 lowercase hex digits")
    need((seq == 1) == (prev == "0" * 64), "prev must be zeros exactly for seq 1")
    check_time(body.get("time"), "time")
    need(isinstance(body.get("terminal"), str) and body.get("terminal"), "no terminal")
    need(isinstance(body.get("actor"), str), "actor is not a string")
    need(isinstance(body.get("type"), str) and body.get("type"), "no type")
    need(isinstance(body.get("payload"), Obj), "payload is not an object")
    blobs = body.get("blobs")
    need(isinstance(blobs, list) and all(KINDS["digest"](b) for b in blobs), "blobs is not a list of digests")
    schema = PAYLOADS.get(body.get("type"))
    need(schema is not None, "unknown type %r" % body.get("type"))
    check_fields(body.get("payload"), schema, body.get("type"))
    return body


# ---- Ed25519 through openssl ----------------------------------------------

SPKI = bytes.fromhex("302a300506032b6570032100")
PKCS8 = bytes.fromhex("302e020100300506032b657004220420")


def _openssl(args, tmp):
    return subprocess.run(["openssl"] + args, cwd=tmp, capture_output=True)


def _write(tmp, name, data):
    with open(os.path.join(tmp, name), "wb") as f:
        f.write(data)


def public_from_seed(seed, tmp):
    _write(tmp, "priv.der", PKCS8 + seed)
    r = _openssl(["pkey", "-inform", "DER", "-in", "priv.der", "-pubout", "-outform", "DER"], tmp)
    need(r.returncode == 0 and r.stdout[:12] == SPKI, "openssl pkey: %s" % r.stderr.decode())
    return r.stdout[12:]


def sign(seed, msg, tmp):
    _write(tmp, "priv.der", PKCS8 + seed)
    _write(tmp, "msg", msg)
    r = _openssl(["pkeyutl", "-sign", "-inkey", "priv.der", "-keyform", "DER", "-rawin", "-in", "msg"], tmp)
    need(r.returncode == 0, "openssl sign: %s" % r.stderr.decode())
    return r.stdout


def verify(pub, msg, sig, tmp):
    need(len(pub) == 32 and len(sig) == 64, "key or signature of the wrong size")
    _write(tmp, "pub.der", SPKI + pub)
    _write(tmp, "msg", msg)
    _write(tmp, "sig", sig)
    r = _openssl(["pkeyutl", "-verify", "-pubin", "-inkey", "pub.der", "-keyform", "DER", "-rawin",
                  "-in", "msg", "-sigfile", "sig"], tmp)
    return r.returncode == 0


def key_id(pub):
    return "k" + hashlib.sha256(pub).hexdigest()[:16]


# ---- the vectors ------------------------------------------------------------

def check_keys(vec, tmp):
    keys = {}
    for k in vec["keys"]:
        seed = hashlib.sha256(k["seed_from"].encode("utf-8")).digest()
        need(seed.hex() == k["seed_hex"], "key %s: seed" % k["name"])
        pub = public_from_seed(seed, tmp)
        need(pub.hex() == k["public_hex"] and base64.b64encode(pub).decode() == k["public_base64"],
             "key %s: public key" % k["name"])
        need(k["private_hex"] == (seed + pub).hex(), "key %s: private form" % k["name"])
        need(key_id(pub) == k["key_id"], "key %s: id" % k["name"])
        keys[k["name"]] = (seed, pub)
    return keys


def content_bytes(obj):
    """The bytes a document's content_hash is taken over."""
    names = [n for n, _, _ in CONTENT]
    fields = Obj(sorted(obj.get("fields"), key=lambda kv: kv[0]))
    out = Obj([(n, fields if n == "fields" else obj.get(n)) for n in names
               if not (n == "step" and not obj.get("step"))])
    return enc(out).encode("utf-8")


def check_events(vec, keys, tmp):
    prev = "0" * 64
    for i, e in enumerate(vec["events"]):
        raw = base64.b64decode(e["body_base64"], validate=True)
        need(raw == e["body"].encode("utf-8"), "%s: body_base64 and body differ" % e["name"])
        try:
            body = check_body(raw)
        except Refused as r:
            raise Refused("%s: %s" % (e["name"], r))
        need(hashlib.sha256(raw).hexdigest() == e["id"], "%s: id is not SHA-256 of the body" % e["name"])
        need(body.get("seq") == i + 1 and body.get("prev") == prev, "%s: chain link" % e["name"])
        seed, pub = keys[e["sig"]["key"]]
        need(body.get("terminal") == key_id(pub), "%s: terminal id is not the key's id" % e["name"])
        sigs = [e["sig"]] + e["cosigs"]
        for s in sigs:
            sig = b64(s["sig_base64"], e["name"] + " signature", 64)
            need(sig.hex() == s["sig_hex"], "%s: signature forms differ" % e["name"])
            kseed, kpub = keys[s["key"]]
            need(verify(kpub, raw, sig, tmp), "%s: signature by %s does not verify" % (e["name"], s["key"]))
            need(sign(kseed, raw, tmp) == sig, "%s: RFC 8032 signing gives another signature" % e["name"])
        for s in e["cosigs"]:
            need(s["officer"] == body.get("actor"), "%s: co-signer is not the actor" % e["name"])
        ev = e["event"]
        need(base64.b64decode(ev["body"]) == raw and ev["sig"] == e["sig"]["sig_base64"], "%s: event JSON" % e["name"])
        need([c["sig"] for c in ev.get("cosigs", [])] == [c["sig_base64"] for c in e["cosigs"]],
             "%s: event JSON co-signatures" % e["name"])
        need(("cosigs" in ev) == bool(e["cosigs"]), "%s: cosigs written although empty" % e["name"])
        p = body.get("payload")
        if body.get("type") == "doc.finalized":
            need(hashlib.sha256(content_bytes(p)).hexdigest() == p.get("content_hash"), "%s: content_hash" % e["name"])
        if body.get("type") in ("terminal.initialized", "officer.enrolled"):
            named = pub if body.get("type") == "terminal.initialized" else keys["officer"][1]
            need(base64.b64decode(p.get("public_key")) == named, "%s: public key" % e["name"])
        prev = e["id"]
    return len(vec["events"])


def check_malformed(vec):
    for m in vec["malformed"]:
        raw = base64.b64decode(m["body_base64"], validate=True)
        try:
            check_body(raw)
        except Refused:
            continue
        raise Refused("malformed vector %s (%s) passed the canonical check" % (m["name"], m["reason"]))
    return len(vec["malformed"])


def check_documents(vec):
    for d in vec["documents"]:
        content = json.loads(json.dumps(d["content"]), object_pairs_hook=_pairs)
        check_fields(content, CONTENT, d["name"])
        b = content_bytes(content)
        need(b == d["hashed_bytes"].encode("utf-8"), "%s: hashed bytes differ:\n%s" % (d["name"], b.decode()))
        need(hashlib.sha256(b).hexdigest() == d["content_hash"], "%s: content_hash" % d["name"])
    return len(vec["documents"])


SEALED_FIELDS = ["format", "purpose", "owner", "public", "kdf", "params", "salt", "nonce", "ciphertext"]


def check_sealed(vec, tmp):
    for s in vec["sealed_keys"]:
        f = json.loads(s["file"], object_pairs_hook=_pairs)
        need(f.names() == SEALED_FIELDS, "%s: fields %s" % (s["name"], f.names()))
        need(f.get("format") == "lawtrail-sealed-key/1" and f.get("kdf") == "argon2id", "%s: format" % s["name"])
        params = f.get("params")
        need(params.names() == ["time", "memory_kib", "threads"], "%s: params" % s["name"])
        public = b64(f.get("public"), "public", 32)
        salt = b64(f.get("salt"), "salt")
        nonce = b64(f.get("nonce"), "nonce", 24)
        sealed = b64(f.get("ciphertext"), "ciphertext", 48)
        ad = b"\x00".join([f.get("format").encode(), f.get("purpose").encode(), f.get("owner").encode(), public])
        need(ad.hex() == s["associated_data_hex"], "%s: associated data" % s["name"])
        pw = s["passphrase"].encode("utf-8")
        need(pw.hex() == s["passphrase_hex"], "%s: passphrase bytes" % s["name"])
        kek = argon2id(pw, salt, params.get("time"), params.get("memory_kib"), params.get("threads"), 32)
        need(kek.hex() == s["kek_hex"], "%s: argon2id gives %s" % (s["name"], kek.hex()))
        seed = xchacha20poly1305_open(kek, nonce, sealed, ad)
        need(seed is not None, "%s: the passphrase does not open the key" % s["name"])
        need(seed.hex() == s["seed_hex"] and public_from_seed(seed, tmp) == public == bytes.fromhex(s["public_hex"]),
             "%s: unsealed seed" % s["name"])
        wrong = argon2id(s["wrong_passphrase"].encode("utf-8"), salt, params.get("time"), params.get("memory_kib"),
                         params.get("threads"), 32)
        need(xchacha20poly1305_open(wrong, nonce, sealed, ad) is None, "%s: a wrong passphrase opened it" % s["name"])
    return len(vec["sealed_keys"])


def check_receipts(vec, keys, tmp):
    for r in vec["receipts"]:
        rc = r["receipt"]
        check_time(rc["time"], "receipt time")
        signed = "lawtrail-receipt/v1\n%s\n%d\n%s\n%s\n%d\n" % (
            rc["digest"], rc["size"], rc["terminal"], utc_time(rc["time"]), rc["log_index"])
        need(signed == r["signed_bytes"], "%s: signed bytes %r" % (r["name"], signed))
        sig = b64(rc["sig"], "receipt signature", 64)
        need(verify(keys[r["hub_key"]][1], signed.encode("utf-8"), sig, tmp), "%s: signature" % r["name"])
    return len(vec["receipts"])


def main(path):
    with open(path, "rb") as f:
        vec = json.loads(f.read().decode("utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        keys = check_keys(vec, tmp)
        print("keys ok: %d" % len(keys))
        print("events ok: %d" % check_events(vec, keys, tmp))
        print("malformed refused: %d" % check_malformed(vec))
        print("documents ok: %d" % check_documents(vec))
        print("sealed keys ok: %d" % check_sealed(vec, tmp))
        print("receipts ok: %d" % check_receipts(vec, keys, tmp))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: verify.py vectors.json")
    try:
        main(sys.argv[1])
    except Refused as e:
        print("FAILED: %s" % e)
        sys.exit(1)
