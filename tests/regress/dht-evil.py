#!/usr/bin/env python3
# tests/regress/dht-evil.py: a hostile Mainline DHT peer for dht-hostile.sh,
# with plain UDP sockets on 127.0.0.x. It sends a p2pchat node malformed
# bencode, answers to queries it never sent, announces and puts with bad
# tokens, wrong signatures, stale sequence numbers and huge values, more
# items than one address may store, and floods of queries from one address
# and from many; it checks what comes back and prints one JSON line a
# step, then {"event": "done"} or {"event": "fail", "why": ...}.
#
#   dht-evil.py HOST:PORT

import json
import os
import select
import socket
import sys
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import \
    Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization
import hashlib


def benc(v):
    # Bencode ints, bytes, lists and dicts (keys sorted).
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:" % len(v) + v
    if isinstance(v, list):
        return b"l" + b"".join(benc(x) for x in v) + b"e"
    if isinstance(v, dict):
        return b"d" + b"".join(benc(k) + benc(v[k])
                               for k in sorted(v)) + b"e"
    raise TypeError(type(v))


def bdec(s, i=0):
    # Decode one bencoded value at s[i:]; returns (value, next index).
    c = s[i:i + 1]
    if c == b"i":
        j = s.index(b"e", i)
        return int(s[i + 1:j]), j + 1
    if c == b"l":
        i, out = i + 1, []
        while s[i:i + 1] != b"e":
            v, i = bdec(s, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        i, out = i + 1, {}
        while s[i:i + 1] != b"e":
            k, i = bdec(s, i)
            v, i = bdec(s, i)
            out[k] = v
        return out, i + 1
    j = s.index(b":", i)
    n = int(s[i:j])
    return s[j + 1:j + 1 + n], j + 1 + n


def say(**kw):
    print(json.dumps(kw), flush=True)


def fail(why):
    say(event="fail", why=why)
    sys.exit(1)


class Peer:
    # One socket on its own 127.0.0.x address.
    def __init__(self, host):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind((host, 0))
        self.s.setblocking(False)
        self.id = os.urandom(20)
        self.tid = 0

    def query(self, to, q, a, ro=0):
        self.tid = (self.tid + 1) & 0xffff
        t = self.tid.to_bytes(2, "big")
        a = dict(a)
        a[b"id"] = self.id
        m = {b"t": t, b"y": b"q", b"q": q, b"a": a}
        if ro:
            m[b"ro"] = 1
        pkt = benc(m)
        self.s.sendto(pkt, to)
        return len(pkt)

    def recv_all(self, secs, first=False):
        # Every datagram that comes within secs (or the first), decoded
        # where it can be.
        out, end = [], time.monotonic() + secs
        while True:
            left = end - time.monotonic()
            if left <= 0 or (first and out):
                return out
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                continue
            while True:
                try:
                    pkt = self.s.recv(65536)
                except BlockingIOError:
                    break
                try:
                    out.append((len(pkt), bdec(pkt)[0]))
                except (ValueError, IndexError):
                    out.append((len(pkt), None))

    def ask(self, to, q, a, secs=2.0):
        # One query and its answer (or error), or None; the node's own
        # queries (it pings a node new in its table) are let go.
        self.query(to, q, a)
        end = time.monotonic() + secs
        while time.monotonic() < end:
            for _, m in self.recv_all(end - time.monotonic(), True):
                if isinstance(m, dict) and m.get(b"y") in (b"r", b"e"):
                    return m
        return None


class Key:
    # An Ed25519 key that signs BEP 44 items.
    def __init__(self):
        self.sk = Ed25519PrivateKey.generate()
        self.pk = self.sk.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def sign(self, salt, seq, v):
        m = b""
        if salt:
            m += benc(b"salt") + benc(salt)
        m += benc(b"seq") + benc(seq) + benc(b"v") + benc(v)
        return self.sk.sign(m)

    def target(self, salt):
        return hashlib.sha1(self.pk + salt).digest()


def code(m):
    # The error code of a KRPC error, or 0 for an answer, -1 for none.
    if m is None:
        return -1
    if m.get(b"y") == b"e":
        return m[b"e"][0]
    return 0


def main():
    host, _, port = sys.argv[1].rpartition(":")
    to = (host, int(port))
    a = Peer("127.0.0.2")

    # Malformed datagrams: never an answer.
    junk = [b"", b"d", b"l" * 4000, b"i99999999999999999999999e",
            b"d1:t2:aa1:y1:q", b"de", b"d1:yi1ee", b"4:spam",
            b"d1:t0:1:y1:qe", b"d1:t2:aa1:y2:qqe", os.urandom(300),
            b"d" + b"1:ad" * 500, b"x" * 4000]
    for j in junk:
        a.s.sendto(j, to)
    got = a.recv_all(0.5)
    if got:
        fail("an answer to a malformed datagram: %r" % got[:2])
    say(event="malformed", sent=len(junk))

    # Answers to queries the node never sent: ignored.
    for i in range(50):
        a.s.sendto(benc({b"t": os.urandom(2), b"y": b"r",
                         b"r": {b"id": os.urandom(20),
                                b"nodes": os.urandom(26 * 8)}}), to)
    if a.recv_all(0.3):
        fail("an answer to an answer")
    say(event="unmatched", sent=50)

    # Bad tokens on announce_peer and put.
    m = a.ask(to, b"announce_peer", {b"info_hash": os.urandom(20),
                                     b"port": 4242, b"token": b"badtoken"})
    if code(m) != 203:
        fail("announce with a bad token: %r" % m)
    k = Key()
    salt = b"evil"
    v = b"first"
    m = a.ask(to, b"put", {b"k": k.pk, b"salt": salt, b"seq": 5,
                           b"sig": k.sign(salt, 5, v), b"token": b"12345678",
                           b"v": v})
    if code(m) != 203:
        fail("put with a bad token: %r" % m)
    say(event="bad_tokens", sent=2)

    # A good put, then a stale one, a badly signed one and a huge one.
    m = a.ask(to, b"get", {b"target": k.target(salt)})
    if code(m) != 0 or b"token" not in m[b"r"]:
        fail("no token from get: %r" % m)
    tok = m[b"r"][b"token"]
    m = a.ask(to, b"put", {b"k": k.pk, b"salt": salt, b"seq": 5,
                           b"sig": k.sign(salt, 5, v), b"token": tok,
                           b"v": v})
    if code(m) != 0:
        fail("a good put refused: %r" % m)
    m = a.ask(to, b"put", {b"k": k.pk, b"salt": salt, b"seq": 3,
                           b"sig": k.sign(salt, 3, b"older"),
                           b"token": tok, b"v": b"older"})
    if code(m) != 302:
        fail("a stale put: %r" % m)
    m = a.ask(to, b"put", {b"k": k.pk, b"salt": salt, b"seq": 6,
                           b"sig": k.sign(salt, 6, b"other"),
                           b"token": tok, b"v": b"forged"})
    if code(m) != 206:
        fail("a badly signed put: %r" % m)
    big = b"x" * 1100
    m = a.ask(to, b"put", {b"k": k.pk, b"salt": salt, b"seq": 7,
                           b"sig": k.sign(salt, 7, big), b"token": tok,
                           b"v": big})
    if code(m) != 205:
        fail("a huge put: %r" % m)
    m = a.ask(to, b"get", {b"target": k.target(salt)})
    if code(m) != 0 or m[b"r"].get(b"seq") != 5 or \
            m[b"r"].get(b"v") != v:
        fail("the good item is not what get answers: %r" % m)
    say(event="puts", stale=1, bad_sig=1, huge=1)

    # More items than one address may store: the bound holds.
    stored = 1
    for i in range(12):
        k2 = Key()
        m = a.ask(to, b"get", {b"target": k2.target(b"")})
        tok = m[b"r"][b"token"]
        m = a.ask(to, b"put", {b"k": k2.pk, b"seq": 1,
                               b"sig": k2.sign(b"", 1, b"v"),
                               b"token": tok, b"v": b"v"})
        if code(m) == 0:
            stored += 1
        elif code(m) != 202:
            fail("put over the bound: %r" % m)
    if stored > 8:
        fail("one address stored %d items" % stored)
    say(event="items", stored=stored)

    # A flood from one address: the answers stay within the rate.
    f = Peer("127.0.0.3")
    start = time.monotonic()
    sent = sent_bytes = 0
    back = []
    while time.monotonic() - start < 1.0:
        for _ in range(50):
            sent_bytes += f.query(to, b"find_node",
                                  {b"target": os.urandom(20)})
            sent += 1
        back += f.recv_all(0.005)
    back += f.recv_all(0.5)
    secs = time.monotonic() - start
    recv_bytes = sum(n for n, _ in back)
    say(event="flood_one", sent=sent, sent_bytes=sent_bytes,
        answers=len(back), recv_bytes=recv_bytes, secs=round(secs, 2))
    # The bucket: 2 s of credit at most, refilled at 8192 bytes a second.
    if recv_bytes > 2 * 8192 + 8192 * secs + 1500:
        fail("a flood from one address got %d bytes" % recv_bytes)
    if not back:
        fail("no answer at all to a flood from one address")

    # A flood from many addresses: the node's total rate holds.
    many = [Peer("127.0.0.%d" % (10 + i)) for i in range(150)]
    start = time.monotonic()
    sent = 0
    for _ in range(20):
        for p in many:
            p.query(to, b"get_peers", {b"info_hash": os.urandom(20)})
            sent += 1
    recv_bytes = answers = 0
    for p in many:
        got = p.recv_all(0.01)
        answers += len(got)
        recv_bytes += sum(n for n, _ in got)
    secs = time.monotonic() - start
    for p in many:
        got = p.recv_all(0)
        answers += len(got)
        recv_bytes += sum(n for n, _ in got)
    say(event="flood_many", sent=sent, answers=answers,
        recv_bytes=recv_bytes, secs=round(secs, 2))
    if recv_bytes > 262144 + 262144 * secs + 1500:
        fail("a flood from many addresses got %d bytes" % recv_bytes)

    # The node still answers a good query (once the rate allows).
    g = Peer("127.0.0.4")
    end = time.monotonic() + 10
    while time.monotonic() < end:
        m = g.ask(to, b"ping", {}, 0.3)
        if code(m) == 0 and len(m[b"r"].get(b"id", b"")) == 20:
            say(event="done")
            return
    fail("no answer to a good ping after the floods")


main()
