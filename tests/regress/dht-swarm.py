#!/usr/bin/env python3
# tests/regress/dht-swarm.py: a swarm of libtorrent sessions with the DHT on,
# all on 127.0.0.1, as the rest of the Mainline network for dht.sh. The
# sessions bootstrap on each other and on the nodes named with -b. Commands
# come one a line on stdin; each answer is one JSON line on stdout.
#
#   dht-swarm.py -p PORT,PORT,... | -n COUNT [-b HOST:PORT]...
#
# With -n the sessions take free ports (0) and the started line says
# which; fixed ports may be taken by another test's sockets.
#
#   nodes                       {"event": "nodes", "counts": [N, ...]}
#   get PK SALT                 {"event": "got", "seq": S, "value": HEX, ...}
#   put SEEDHEX PKHEX SALT DATA {"event": "put", "nodes": N}
#
# libtorrent's Python binding puts DATA (bencoded) as a byte string, the
# value; a get gives such a string's contents decoded.

import argparse
import hashlib
import json
import sys
import time
import warnings

warnings.simplefilter("ignore", DeprecationWarning)

try:
    import libtorrent as lt
except ImportError as e:
    print(json.dumps({"event": "skip", "reason": str(e)}), flush=True)
    sys.exit(0)


def benc(v):
    # Bencode what libtorrent hands back as Python values.
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:" % len(v) + v
    if isinstance(v, list):
        return b"l" + b"".join(benc(x) for x in v) + b"e"
    if isinstance(v, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, x)
                       for k, x in v.items())
        return b"d" + b"".join(benc(k) + benc(x) for k, x in items) + b"e"
    raise TypeError(type(v))


def say(**kw):
    print(json.dumps(kw), flush=True)


def make_session(port):
    s = {
        "listen_interfaces": "127.0.0.1:%d" % port,
        "enable_dht": True,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "dht_restrict_routing_ips": False,
        "dht_restrict_search_ips": False,
        "dht_enforce_node_id": False,
        "dht_ignore_dark_internet": False,
        "dht_bootstrap_nodes": "",	# routers never enter the table
        # Every node here is 127.0.0.1: no per-address blocking, and
        # more than 8000 bytes a second of answers for the whole swarm.
        "dht_block_ratelimit": 100000,
        "dht_upload_rate_limit": 1000000,
        "alert_mask": lt.alert.category_t.dht_notification |
        lt.alert.category_t.dht_operation_notification,
    }
    return lt.session(s)


def expanded_key(seed):
    # libtorrent's (orlp ed25519) private key: SHA-512 of the seed, clamped.
    h = bytearray(hashlib.sha512(seed).digest())
    h[0] &= 248
    h[31] &= 63
    h[31] |= 64
    return bytes(h)


def wait_alert(ses, want, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ses.wait_for_alert(200)
        for a in ses.pop_alerts():
            if not isinstance(a, want):
                continue
            if want is lt.dht_mutable_item_alert:
                try:
                    a.value = a.item
                except RuntimeError:
                    continue    # no item (yet): an empty entry
            return a
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-p")
    ap.add_argument("-n", type=int)
    ap.add_argument("-b", action="append", default=[])
    args = ap.parse_args()
    if args.n:
        made = [make_session(0) for _ in range(args.n)]
        end = time.monotonic() + 30
        while time.monotonic() < end and \
                not all(ses.listen_port() for ses in made):
            made[0].wait_for_alert(100)
        ports = [ses.listen_port() for ses in made]
    else:
        ports = [int(p) for p in args.p.split(",")]
        made = [make_session(p) for p in ports]
    everyone = ["127.0.0.1:%d" % p for p in ports] + args.b
    sessions = []
    for p, ses in zip(ports, made):
        boot = [b for b in everyone if b != "127.0.0.1:%d" % p]
        sessions.append((ses, boot))
    # A node added before a session's DHT is up is lost: add them until
    # every session knows the others (at most 90 s: under the sanitizer
    # builds of CI, with other tests running, 20 s was seen not to do).
    end = time.monotonic() + 90
    while time.monotonic() < end:
        for ses, boot in sessions:
            for b in boot:
                h, _, pn = b.rpartition(":")
                ses.add_dht_node((h, int(pn)))
        sessions[0][0].wait_for_alert(500)
        for ses, _ in sessions:
            ses.pop_alerts()
        # Each knows the others, or 8 of them in a large swarm.
        if all(ses.status().dht_nodes >= min(len(ports) - 1, 8)
               for ses, _ in sessions):
            break
    sessions = [ses for ses, _ in sessions]
    say(event="started", ports=ports,
        nodes=[ses.status().dht_nodes for ses in sessions])
    for line in sys.stdin:
        w = line.split()
        if not w:
            continue
        if w[0] == "nodes":
            say(event="nodes", counts=[s.status().dht_nodes
                                       for s in sessions])
        elif w[0] == "get" and len(w) == 3:
            ses = sessions[0]
            ses.dht_get_mutable_item(bytes.fromhex(w[1]), w[2].encode())
            a = wait_alert(ses, lt.dht_mutable_item_alert, 20)
            if a is None:
                say(event="got", found=0)
            else:
                say(event="got", found=1, seq=a.seq,
                    value=benc(a.value).hex(),
                    key=bytes(a.key).hex(), salt=a.salt,
                    authoritative=a.authoritative)
        elif w[0] == "put" and len(w) == 5:
            ses = sessions[-1]
            seed = bytes.fromhex(w[1])
            ses.dht_put_mutable_item(expanded_key(seed), bytes.fromhex(w[2]),
                                     bytes.fromhex(w[4]), w[3].encode())
            a = wait_alert(ses, lt.dht_put_alert, 30)
            say(event="put", nodes=a.num_success if a is not None else 0)
        else:
            say(event="error", line=line.strip())


main()
