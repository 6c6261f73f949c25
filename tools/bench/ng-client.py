#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A small client of rtpengine's ng control protocol (bencode over UDP),
for make bench-ng. It speaks to any ng server the same way, krtpd or
rtpengine, so figures of the two compare.

  ng-client.py [--host H] PORT ping
  ng-client.py [--host H] PORT call CALL_ID A_IP:PORT B_IP:PORT
      one call: offer from A (SDP c=A_IP, m=audio A_PORT), answer from B;
      prints "addr_a=IP port_a=N addr_b=IP port_b=N": where A must send
      (the relay's address and port in the answer's rewritten SDP) and
      where the relay sends to B from (the port in the offer's)
      SDES (make bench's SRTP rows): --a-crypto/--b-crypto "SUITE inline:KEY"
      make A's/B's SDP RTP/SAVP with that a=crypto; --to-a/--to-b the
      transport-protocol the relay is asked for towards A (answer) and B
      (offer), RTP/AVP by default; B's a=crypto takes the tag of the
      relay's offered line of its suite; then also prints crypto_a=SUITE:HEX
      and crypto_b=SUITE:HEX, the key the relay sends to A and B with (the
      answer's, and the offer's line of the suite B accepted; - if none)
  ng-client.py [--host H] PORT delete CALL_ID
  ng-client.py [--host H] PORT rtt [--calls N] [--measured M]
      round trip times: N calls are set up (offer and answer) and kept;
      then M more calls are each offered, answered and deleted, one
      request outstanding at a time, so N calls are up while each of those
      is timed; prints the median, 90th and 99th percentile in
      microseconds per command; then deletes the N calls

One request at a time, each with a fresh cookie; a reply that does not
come within --timeout seconds (2) is an error (exit status 1). With
--tries N a request that timed out is sent again, same cookie (both
rtpengine and krtpd answer a retransmission from their reply cache, as
for Kamailio's rtpengine module), N sends in all: in the icount VM the
guest's clock runs through its timer deadlines while the guest waits on
the host (a daemon's first SRTP call faulting its code in over 9p), so a
timeout there can expire in no real time at all."""
import argparse
import os
import socket
import sys
import time


def benc(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(benc(x) for x in v) + b"e"
    if isinstance(v, dict):
        return b"d" + b"".join(benc(k) + benc(v[k]) for k in sorted(v)) + b"e"
    raise TypeError(type(v))


def bdec(s, i=0):
    c = s[i:i + 1]
    if c == b"i":
        e = s.index(b"e", i)
        return int(s[i + 1:e]), e + 1
    if c == b"l":
        out, i = [], i + 1
        while s[i:i + 1] != b"e":
            v, i = bdec(s, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        out, i = {}, i + 1
        while s[i:i + 1] != b"e":
            k, i = bdec(s, i)
            v, i = bdec(s, i)
            out[k.decode("latin-1")] = v
        return out, i + 1
    colon = s.index(b":", i)
    n = int(s[i:colon])
    return s[colon + 1:colon + 1 + n], colon + 1 + n


class Ng:
    def __init__(self, host, port, timeout=2.0, tries=1):
        self.dst = (host, port)
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.settimeout(timeout)
        self.tries = tries
        self.n = 0
        self.tag = "%x" % os.getpid()

    def req(self, d):
        """send d, return (reply dict, round trip in ns)"""
        self.n += 1
        cookie = b"%s_%d" % (self.tag.encode(), self.n)
        msg = cookie + b" " + benc(d)
        t0 = time.perf_counter_ns()
        for n in range(self.tries):
            self.s.sendto(msg, self.dst)
            try:
                while True:
                    r = self.s.recv(65535)
                    if r.startswith(cookie + b" "):
                        break
                break
            except socket.timeout:
                if n + 1 == self.tries:
                    raise
                print("ng-client: %s: no reply, sending it again" % d.get("command"),
                      file=sys.stderr)
        t1 = time.perf_counter_ns()
        rep, _ = bdec(r, len(cookie) + 1)
        if rep.get("result") not in (b"ok", b"pong"):
            raise RuntimeError("%s: %s %s" % (d.get("command"), rep.get("result"),
                                              rep.get("error-reason")))
        return rep, t1 - t0


def sdp(ip, port, sess, crypto=None, tag=1):
    proto = "RTP/SAVP" if crypto else "RTP/AVP"
    return ("v=0\r\no=- %d 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d %s 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n%s"
            % (sess, ip, ip, port, proto,
               "a=crypto:%d %s\r\n" % (tag, crypto) if crypto else ""))


SUITES = {"AES_CM_128_HMAC_SHA1_80": "aes80", "AES_CM_128_HMAC_SHA1_32": "aes32",
          "AEAD_AES_128_GCM": "gcm"}


def sdp_cryptos(b):
    """the a=crypto lines of an SDP: [(tag, SUITE name, key and salt)]"""
    import base64
    out = []
    for line in b.decode("latin-1").split("\n"):
        f = line.strip().split()
        if line.startswith("a=crypto:") and len(f) >= 3 and f[2].startswith("inline:"):
            k = f[2].split(":", 1)[1].split("|")[0]
            key = base64.b64decode(k + "=" * (-len(k) % 4))  # may come unpadded
            out.append((int(f[0].split(":", 1)[1]), f[1], key))
    return out


def sdp_crypto(b, suite=None):
    """an SDP's a=crypto of that suite (else its first known one) as
    SUITE:HEX (key and salt), or -"""
    for _, name, key in sdp_cryptos(b):
        if name in SUITES and (suite is None or name == suite):
            return "%s:%s" % (SUITES[name], key.hex())
    return "-"


def answer_tag(offer_sdp, crypto):
    """the tag the answerer must give its a=crypto "SUITE inline:KEY": that
    of the relay's offered line of the same suite (RFC 4568 section 5.1.2;
    a relay offers several suites, each with its own tag)"""
    if not crypto:
        return 1
    suite = crypto.split()[0]
    for tag, name, _ in sdp_cryptos(offer_sdp):
        if name == suite:
            return tag
    raise RuntimeError("the offer has no a=crypto of %s" % suite)


def sdp_media(b):
    """(connection address, first audio port) of an SDP"""
    ip = port = None
    for line in b.decode("latin-1").split("\n"):
        line = line.strip()
        if line.startswith("c=IN IP4 "):
            ip = line.split()[2]
        elif line.startswith("m=audio ") and port is None:
            port = int(line.split()[1])
    return ip, port


COMMON = {"flags": ["trust-address"], "replace": ["origin", "session-connection"],
          "ICE": "remove", "transport-protocol": "RTP/AVP"}


def offer(ng, cid, a, sess, crypto=None, proto="RTP/AVP"):
    d = dict(COMMON, command="offer", **{"call-id": cid, "from-tag": cid + "-a",
                                       "sdp": sdp(a[0], a[1], sess, crypto),
                                       "transport-protocol": proto})
    return ng.req(d)


def answer(ng, cid, b, sess, crypto=None, proto="RTP/AVP", tag=1):
    d = dict(COMMON, command="answer", **{"call-id": cid, "from-tag": cid + "-a",
                                        "to-tag": cid + "-b",
                                        "sdp": sdp(b[0], b[1], sess, crypto, tag),
                                        "transport-protocol": proto})
    return ng.req(d)


def delete(ng, cid):
    return ng.req({"command": "delete", "call-id": cid, "from-tag": cid + "-a"})


def hostport(s):
    h, p = s.rsplit(":", 1)
    return h, int(p)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


def main():
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("port", type=int)
    ap.add_argument("cmd")
    ap.add_argument("args", nargs="*")
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--measured", type=int, default=1000)
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--tries", type=int, default=1)
    ap.add_argument("--a-crypto")
    ap.add_argument("--b-crypto")
    ap.add_argument("--to-a", default="RTP/AVP")
    ap.add_argument("--to-b", default="RTP/AVP")
    o = ap.parse_args()
    ng = Ng(o.host, o.port, o.timeout, o.tries)
    try:
        if o.cmd == "ping":
            ng.req({"command": "ping"})
        elif o.cmd == "call":
            cid, a, b = o.args[0], hostport(o.args[1]), hostport(o.args[2])
            r1, _ = offer(ng, cid, a, 1, o.a_crypto, o.to_b)
            r2, _ = answer(ng, cid, b, 2, o.b_crypto, o.to_a,
                           answer_tag(r1["sdp"], o.b_crypto))
            ab, pb = sdp_media(r1["sdp"])
            aa, pa = sdp_media(r2["sdp"])
            line = "addr_a=%s port_a=%d addr_b=%s port_b=%d" % (aa, pa, ab, pb)
            if o.a_crypto or o.b_crypto or o.to_a != "RTP/AVP" or o.to_b != "RTP/AVP":
                # towards B: the offered line of the suite B accepted
                line += " crypto_a=%s crypto_b=%s" % (
                    sdp_crypto(r2["sdp"]),
                    sdp_crypto(r1["sdp"], o.b_crypto.split()[0] if o.b_crypto else None))
            print(line)
        elif o.cmd == "delete":
            delete(ng, o.args[0])
        elif o.cmd == "rtt":
            a, b = ("192.0.2.1", 6000), ("192.0.2.2", 7000)
            tag = "rtt%x" % os.getpid()
            held = []
            for i in range(o.calls):
                cid = "%s-held-%d" % (tag, i)
                offer(ng, cid, a, i)
                answer(ng, cid, b, i)
                held.append(cid)
            t = {"offer": [], "answer": [], "delete": []}
            for i in range(o.measured):
                cid = "%s-m-%d" % (tag, i)
                t["offer"].append(offer(ng, cid, a, i)[1])
                t["answer"].append(answer(ng, cid, b, i)[1])
                t["delete"].append(delete(ng, cid)[1])
            for k in ("offer", "answer", "delete"):
                print("%s p50_us=%.1f p90_us=%.1f p99_us=%.1f n=%d held=%d" % (
                    k, pct(t[k], 50) / 1e3, pct(t[k], 90) / 1e3, pct(t[k], 99) / 1e3,
                    len(t[k]), len(held)))
            for cid in held:
                delete(ng, cid)
        else:
            ap.error("unknown command " + o.cmd)
    except (OSError, RuntimeError, KeyError, ValueError) as e:
        print("ng-client: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
