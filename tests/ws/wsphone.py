#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A browser-like SIP phone over WebSocket (RFC 7118), as JsSIP behaves:
a .invalid Via host and Contact, transport=ws, outbound (reg-id,
+sip.instance). It connects with subprotocol "sip", registers with digest
authentication (401, then an Authorization for the challenge's
algorithm), prints "registered", answers the next INVITE with 180 and 200
(an SDP answer), waits for the ACK and the BYE, answers the BYE, then
closes the WebSocket and checks that krtpd answered the close.

usage: wsphone.py --user U --password P --domain D [--cafile CA] [--timeout S] URL

Each step prints "ok - what" or "not ok - what: why"; exit status 0 when
all passed.
"""
import argparse
import asyncio
import hashlib
import os
import re
import ssl
import sys

import websockets

HOST = os.urandom(5).hex() + ".invalid"
INSTANCE = "<urn:uuid:6ea0f1c2-8f5e-4a7e-9a2d-%012x>" % int.from_bytes(os.urandom(6), "big")
failures = 0


def step(ok, what, why=""):
    global failures
    if ok:
        print("ok - " + what, flush=True)
    else:
        failures += 1
        print("not ok - %s: %s" % (what, why), flush=True)
    return ok


def headers(text):
    """start line, and the header lines as (lower-case name, value) pairs"""
    head = text.split("\r\n\r\n", 1)[0].split("\r\n")
    return head[0], [(n.strip().lower(), v.strip()) for n, _, v in
                     (h.partition(":") for h in head[1:])]


def hdr(text, name):
    return [v for n, v in headers(text)[1] if n == name.lower()]


def register(a, cseq, callid, tag, auth=None):
    lines = [
        "REGISTER sip:%s SIP/2.0" % a.domain,
        "Via: SIP/2.0/WS %s;branch=z9hG4bK%s" % (HOST, os.urandom(6).hex()),
        "Max-Forwards: 69",
        "To: <sip:%s@%s>" % (a.user, a.domain),
        "From: <sip:%s@%s>;tag=%s" % (a.user, a.domain, tag),
        "Call-ID: " + callid,
        "CSeq: %d REGISTER" % cseq,
        'Contact: <sip:%s@%s;transport=ws;ob>;+sip.instance="%s";reg-id=1;expires=600'
        % (a.user, HOST, INSTANCE),
        "Supported: path, outbound, gruu",
        "User-Agent: krtp wsphone",
    ]
    if auth:
        lines.append("Authorization: " + auth)
    lines.append("Content-Length: 0")
    return "\r\n".join(lines) + "\r\n\r\n"


def digest(a, challenge):
    c = dict((k.lower(), v.strip('"')) for k, v in
             re.findall(r'(\w+)=("[^"]*"|[^,\s]+)', challenge))
    alg = c.get("algorithm", "MD5")
    h = hashlib.sha256 if alg.upper() == "SHA-256" else hashlib.md5

    def hx(x):
        return h(x.encode()).hexdigest()

    uri = "sip:" + a.domain
    ha1 = hx("%s:%s:%s" % (a.user, c["realm"], a.password))
    ha2 = hx("REGISTER:" + uri)
    cnonce, nc = os.urandom(8).hex(), "00000001"
    resp = hx("%s:%s:%s:%s:auth:%s" % (ha1, c["nonce"], nc, cnonce, ha2))
    auth = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", '
            'algorithm=%s, qop=auth, nc=%s, cnonce="%s"'
            % (a.user, c["realm"], c["nonce"], uri, resp, alg, nc, cnonce))
    if "opaque" in c:
        auth += ', opaque="%s"' % c["opaque"]
    return auth


def response(req, code, reason, totag, body=""):
    """a response to req: its Vias, Record-Routes, From, To, Call-ID, CSeq"""
    out = ["SIP/2.0 %d %s" % (code, reason)]
    for n, v in headers(req)[1]:
        if n in ("via", "record-route", "from", "call-id", "cseq"):
            out.append("%s: %s" % (n.title() if n != "call-id" else "Call-ID", v))
        elif n == "to":
            out.append("To: " + v + ("" if ";tag=" in v else ";tag=" + totag))
    out.append("Contact: <sip:%s@%s;transport=ws>" % ("alice", HOST))
    if body:
        out.append("Content-Type: application/sdp")
    out.append("Content-Length: %d" % len(body.encode()))
    return "\r\n".join(out) + "\r\n\r\n" + body


async def next_request(ws, method, timeout):
    """the next request of this method; answers nothing else"""
    while True:
        msg = await asyncio.wait_for(ws.recv(), timeout)
        if isinstance(msg, bytes):
            msg = msg.decode()
        if msg.startswith(method + " "):
            return msg


async def connect_registered(a, ctx):
    """a WebSocket to krtpd with alice registered over it (digest), or None"""
    ws = await websockets.connect(a.url, subprotocols=["sip"], ssl=ctx,
                                  origin="https://phone.krtp.test")
    step(ws.subprotocol == "sip", "WebSocket open with subprotocol sip", str(ws.subprotocol))
    callid, tag = os.urandom(8).hex(), os.urandom(4).hex()
    await ws.send(register(a, 1, callid, tag))
    first = await asyncio.wait_for(ws.recv(), a.timeout)
    chal = hdr(first, "www-authenticate")
    if not step(first.startswith("SIP/2.0 401 ") and chal, "REGISTER challenged (401)",
                first.split("\r\n", 1)[0]):
        return None
    await ws.send(register(a, 2, callid, tag, digest(a, chal[0])))
    ok = await asyncio.wait_for(ws.recv(), a.timeout)
    contact = " ".join(hdr(ok, "contact"))
    if not step(ok.startswith("SIP/2.0 200 ") and "transport=ws" in contact,
                "REGISTER with digest answered 200 over the WebSocket",
                ok.split("\r\n", 1)[0] + " " + contact):
        return None
    return ws


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--domain", required=True)
    ap.add_argument("--cafile")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--transport", default="ws", help="what krtpd's Via and Record-Route name")
    ap.add_argument("--reconnect", action="store_true",
                    help="after the ACK, drop the WebSocket, connect and register again "
                    "(a browser tab's network change) and take the BYE there")
    ap.add_argument("url")
    a = ap.parse_args()

    ctx = None
    if a.url.startswith("wss:"):
        ctx = ssl.create_default_context(cafile=a.cafile)
    ws = await connect_registered(a, ctx)
    if not ws:
        return 1
    print("registered", flush=True)

    inv = await next_request(ws, "INVITE", a.timeout)
    via = hdr(inv, "via")[0] if hdr(inv, "via") else ""
    rr = " ".join(hdr(inv, "record-route"))
    tp = a.transport.lower()
    step(via.startswith("SIP/2.0/%s " % tp.upper()),
         "INVITE arrives with our Via SIP/2.0/" + tp.upper(), via)
    step(re.search(r";transport=%s>" % tp, rr) is not None,
         "Record-Route has transport=%s on the WebSocket leg" % tp, rr)
    m = re.search(r"^c=IN IP4 (\S+)", inv, re.M)
    ip = m.group(1) if m else "127.0.0.1"
    sdp = ("v=0\r\no=alice 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
           "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n" % (ip, ip))
    totag = os.urandom(4).hex()
    await ws.send(response(inv, 180, "Ringing", totag))
    await ws.send(response(inv, 200, "OK", totag, sdp))
    ack = await next_request(ws, "ACK", a.timeout)
    step(bool(ack), "ACK for the 200 arrives over the WebSocket")
    if a.reconnect:
        await ws.close()
        step(ws.close_code == 1000, "first WebSocket closed by us, krtpd answered (1000)",
             str(ws.close_code))
        ws = await connect_registered(a, ctx)
        if not ws:
            return 1
        print("reconnected", flush=True)
    bye = await next_request(ws, "BYE", a.timeout)
    await ws.send(response(bye, 200, "OK", totag))
    step(True, "BYE arrives over the WebSocket%s, answered 200" %
         (" it connected since" if a.reconnect else ""))
    await asyncio.sleep(0.3)	# the 200 leaves before the close
    await ws.close()
    step(ws.close_code == 1000, "close answered by krtpd (1000)", str(ws.close_code))
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except Exception as e:	# a timeout or a refused connection: say which
        step(False, "wsphone", repr(e))
        sys.exit(1)
