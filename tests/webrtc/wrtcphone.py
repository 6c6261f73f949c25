#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A WebRTC phone: aiortc (Debian's python3-aiortc) for the media, SIP over
WebSocket as JsSIP sends it (tests/ws/wsphone.py's REGISTER and digest).

It registers, calls TARGET with aiortc's offer (UDP/TLS/RTP/SAVPF, ICE,
a=fingerprint, BUNDLE), answers a 407 with digest, and on the 200 hands
the answer to aiortc, which does ICE with krtpd (ICE-lite) and DTLS-SRTP.
Only when DTLS is connected (and the --go file exists, if given) does it
start its tone and ACK, so the media of both sides, the callee's starting
at the ACK, meets programmed flows. It sends a 440 Hz tone for
--talk seconds, counts the audio frames it decoded from what it received,
stops the tone, prints one line "stats <json>" with its figures (packets
sent and received by aiortc's RTP statistics, frames decoded, the DTLS
state), waits for the --hold file if given, and hangs up with a BYE.

With --video it also sends video (VP8 by aiortc's choice, 160x120 at 10
frames a second, from the tone's start), on a transport of its own: it
waits for that DTLS session too, asks for a key frame (RTCP PLI) each
second until a video frame decodes, as a browser does, and the stats line
adds video_packets_sent, video_packets_received and video_frames_decoded.
With --ready FILE the caller waits for FILE after talking, before the
stats line (the test stops the callee's media first).

With --refresh FILE (and --stats3 FILE) the call goes on after the
stats line: once FILE exists (krtpd was killed and restarted meanwhile)
it connects and registers again, re-INVITEs with its unchanged offer as
--reinvite does ("reinvite <code>"), and once the --stats3 file exists
prints "stats3 <json>" (counted from the call's start); then the --hold
file and the BYE.

With --max-bundle (and --video) its offer is the one a browser on
bundlePolicy max-bundle sends: every line after the first bundle-only,
port 0, without candidates (RFC 8843 section 6). aiortc moves the video
onto the audio's transport when the answer's BUNDLE group names both, so
the video must connect on that one transport.

With --no-fingerprint only|after it also sends an offer without its
a=fingerprint lines, instead of the call or after it, and expects a 488
with a Warning.

With --reinvite FILE (a call that outlives krtpd: killed and restarted)
the tone goes on after the stats line; once FILE exists it connects and
registers again (the old WebSocket died with krtpd), sends a re-INVITE
with its unchanged offer, as a browser refreshing its session, expects
200 with krtpd's fingerprint and ICE credentials of before, prints
"reinvite <code>", ACKs, talks --talk seconds more, and once the
--stats3 file exists prints "stats3 <json>" (counted from the call's
start).

With --answer it then stays registered and takes one call (with --video
it sends and receives video in it too, asking for key frames, and with
--hangup waits for the --bye2 file, if given, before its BYE): it checks
that krtpd's offer is WebRTC (UDP/TLS/RTP/SAVPF, ICE-lite, a sha-256
fingerprint, a=setup:actpass, rtcp-mux, BUNDLE, a host candidate), prints
it, answers 200 with aiortc's answer, and once DTLS is connected prints
"callee dtls up"; when the --go2 file exists it sends its tone for --talk
seconds (and until the --stats2 file exists), prints "stats2 <json>" as
above, and answers the caller's BYE. With --answer-only it places no call:
it registers and takes that one call. As the callee, with --reregister
FILE, once FILE exists after the stats2 line it connects and registers
again (krtpd restarted) and answers the caller's re-INVITE, which must
carry krtpd's fingerprint, ICE credentials and actpass of before, with
its unchanged answer ("reinvite 200"), then prints "stats3 <json>" once
the --stats3 file exists; with --hangup it sends the BYE itself (after
the --hold file, if given) instead of waiting for the caller's.

usage: wrtcphone.py --user U --password P --domain D --target URI
                    [--talk S] [--timeout S] [--go FILE] [--hold FILE]
                    [--no-fingerprint only|after] [--answer --go2 FILE [--stats2 FILE]]
                    [--reinvite FILE --stats3 FILE] URL
       wrtcphone.py --user U --password P --domain D --answer-only --go2 FILE
                    [--stats2 FILE] [--talk S] [--timeout S] [--hangup [--hold FILE]]
                    [--reregister FILE --stats3 FILE] URL

Each step prints "ok - what" or "not ok - what: why"; exit status 0 when
all passed.
"""
import argparse
import array
import asyncio
import fcntl
import fractions
import json
import logging
import math
import os
import re
import socket
import struct
import sys
import termios
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ws"))
import websockets  # noqa: E402
from av import AudioFrame, VideoFrame  # noqa: E402
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc.rtcdtlstransport import RtpRouter  # noqa: E402
import aioice.ice  # noqa: E402

import wsphone  # noqa: E402
from wsphone import HOST, hdr, headers, register, step  # noqa: E402


class Paced(MediaStreamTrack):
    """a track whose frames go out in real time once its go event is set"""
    def __init__(self, go):
        super().__init__()
        self.start = None
        self.go = go

    async def at(self, t):
        """wait for go, then until t seconds after the first frame"""
        await self.go.wait()
        if self.start is None:
            self.start = time.monotonic()
        delay = self.start + t - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)


class Tone(Paced):
    """440 Hz, 8 kHz mono, 20 ms frames, paced in real time"""
    kind = "audio"

    def __init__(self):
        super().__init__(asyncio.Event())
        self.pts = 0

    async def recv(self):
        await self.at(self.pts / 8000)
        pcm = array.array("h", (int(8000 * math.sin(2 * math.pi * 440 * (self.pts + i) / 8000))
                                for i in range(160)))
        frame = AudioFrame(format="s16", layout="mono", samples=160)
        frame.planes[0].update(pcm.tobytes())
        frame.sample_rate = 8000
        frame.pts = self.pts
        frame.time_base = fractions.Fraction(1, 8000)
        self.pts += 160
        return frame


class Picture(Paced):
    """160x120 frames at 10 a second, a bar moving across, paced in real
    time, from when the tone starts"""
    kind = "video"

    def __init__(self, go):
        super().__init__(go)
        self.n = 0

    async def recv(self):
        await self.at(self.n / 10)
        frame = VideoFrame(width=160, height=120, format="yuv420p")
        for i, p in enumerate(frame.planes):
            row = bytearray(p.line_size * (120 if i == 0 else 60))
            bar = (self.n * 8) % p.line_size
            for y in range(0, len(row), p.line_size):
                row[y + bar:y + min(bar + 8, p.line_size)] = b"\xff" * min(8, p.line_size - bar)
            p.update(bytes(row))
        frame.pts = self.n * 9000
        frame.time_base = fractions.Fraction(1, 90000)
        self.n += 1
        return frame


def digest(a, challenge, method, uri):
    """wsphone's digest, for any method and URI"""
    import hashlib
    c = dict((k.lower(), v.strip('"')) for k, v in
             re.findall(r'(\w+)=("[^"]*"|[^,\s]+)', challenge))
    alg = c.get("algorithm", "MD5")
    h = hashlib.sha256 if alg.upper() == "SHA-256" else hashlib.md5

    def hx(x):
        return h(x.encode()).hexdigest()

    ha1 = hx("%s:%s:%s" % (a.user, c["realm"], a.password))
    ha2 = hx("%s:%s" % (method, uri))
    cnonce, nc = os.urandom(8).hex(), "00000001"
    resp = hx("%s:%s:%s:%s:auth:%s" % (ha1, c["nonce"], nc, cnonce, ha2))
    auth = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", '
            'algorithm=%s, qop=auth, nc=%s, cnonce="%s"'
            % (a.user, c["realm"], c["nonce"], uri, resp, alg, nc, cnonce))
    if "opaque" in c:
        auth += ', opaque="%s"' % c["opaque"]
    return auth


class Dialog:
    def __init__(self, a):
        self.a = a
        self.callid = os.urandom(8).hex() + "@" + HOST
        self.tag = os.urandom(4).hex()
        self.cseq = 0
        self.totag = ""
        self.route = []
        self.contact = a.target

    def request(self, method, body="", auth=None, branch=None, cseq=None, uri=None):
        a = self.a
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        lines = [
            "%s %s SIP/2.0" % (method, uri or (self.contact if self.totag else a.target)),
            "Via: SIP/2.0/WS %s;branch=%s" % (HOST, branch or "z9hG4bK" + os.urandom(6).hex()),
            "Max-Forwards: 69",
            "To: <%s>%s" % (a.target, ";tag=" + self.totag if self.totag else ""),
            "From: <sip:%s@%s>;tag=%s" % (a.user, a.domain, self.tag),
            "Call-ID: " + self.callid,
            "CSeq: %d %s" % (cseq, method),
            "Contact: <sip:%s@%s;transport=ws;ob>" % (a.user, HOST),
        ]
        lines += ["Route: " + r for r in self.route]
        if auth:
            lines.append("Proxy-Authorization: " + auth)
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append("Content-Length: %d" % len(body.encode()))
        return "\r\n".join(lines) + "\r\n\r\n" + body


async def final(ws, timeout, method="INVITE"):
    """the next final response to a request of this method (skips 1xx and requests)"""
    while True:
        msg = await asyncio.wait_for(ws.recv(), timeout)
        if isinstance(msg, bytes):
            msg = msg.decode()
        if not msg.startswith("SIP/2.0 "):
            continue
        if not any(v.endswith(" " + method) for v in hdr(msg, "cseq")):
            continue
        code = int(msg.split(" ", 2)[1])
        if code >= 200:
            return code, msg


def ack_non2xx(d, invite_branch, cseq, resp):
    """ACK for a non-2xx final response: same branch, the response's To (RFC 3261 17.1.1.3)"""
    to = hdr(resp, "to")[0]
    m = re.search(r";tag=([^;>\s]+)", to)
    saved = d.totag
    d.totag = m.group(1) if m else ""
    ack = d.request("ACK", branch=invite_branch, cseq=cseq)
    d.totag = saved
    return ack


async def invite(ws, a, d, sdp, uri=None):
    """INVITE (to uri: the target, or in the dialog its contact) with the
    offer, answering a 407 once; the final response"""
    branch = "z9hG4bK" + os.urandom(6).hex()
    await ws.send(d.request("INVITE", sdp, branch=branch))
    code, resp = await final(ws, a.timeout)
    if code == 407:
        await ws.send(ack_non2xx(d, branch, d.cseq, resp))
        chal = hdr(resp, "proxy-authenticate")[0]
        branch = "z9hG4bK" + os.urandom(6).hex()
        await ws.send(d.request("INVITE", sdp, auth=digest(a, chal, "INVITE", uri or a.target),
                                branch=branch))
        code, resp = await final(ws, a.timeout)
    if code >= 300:
        await ws.send(ack_non2xx(d, branch, d.cseq, resp))
    return code, resp


async def no_fingerprint(ws, a, offer):
    """a new call whose offer lacks a=fingerprint: 488 and a Warning"""
    offer = "".join(l for l in offer.splitlines(True) if not l.startswith("a=fingerprint:"))
    code, resp = await invite(ws, a, Dialog(a), offer)
    warn = " ".join(hdr(resp, "warning"))
    step(code == 488, "offer without a=fingerprint refused with 488", str(code))
    step("fingerprint" in warn, "... and a Warning that says why", warn)


def reply(req, code, reason, a, totag, body=""):
    """a response to req: its Via, From, To (with totag), Call-ID, CSeq, Record-Route"""
    lines = ["SIP/2.0 %d %s" % (code, reason)]
    for n, v in headers(req)[1]:
        if n in ("via", "v", "from", "f", "call-id", "i", "cseq", "record-route"):
            lines.append("%s: %s" % (n, v))
        elif n in ("to", "t"):
            lines.append("To: " + v + (";tag=" + totag if totag and ";tag=" not in v else ""))
    lines.append("Contact: <sip:%s@%s;transport=ws;ob>" % (a.user, HOST))
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append("Content-Length: %d" % len(body.encode()))
    return "\r\n".join(lines) + "\r\n\r\n" + body


def callee_bye(inv, totag):
    """the callee's BYE in the dialog INVITE inv made: to the caller's Contact,
    through the INVITE's Record-Route in its order (RFC 3261 12.1.1), From and
    To swapped, the callee's own CSeq"""
    def one(name, short):
        return (hdr(inv, name) + hdr(inv, short))[0]
    contact = one("contact", "m")
    m = re.search(r"<([^>]+)>", contact)
    target = m.group(1) if m else contact.split(";")[0].strip()
    lines = [
        "BYE %s SIP/2.0" % target,
        "Via: SIP/2.0/WS %s;branch=z9hG4bK%s" % (HOST, os.urandom(6).hex()),
        "Max-Forwards: 69",
        "From: %s;tag=%s" % (one("to", "t"), totag),
        "To: " + one("from", "f"),
        "Call-ID: " + one("call-id", "i"),
        "CSeq: 1 BYE",
    ]
    lines += ["Route: " + r.strip() for v in hdr(inv, "record-route") for r in v.split(",")]
    lines.append("Content-Length: 0")
    return "\r\n".join(lines) + "\r\n\r\n"


async def incoming(ws, timeout, method):
    """the next request of this method (skips everything else)"""
    while True:
        msg = await asyncio.wait_for(ws.recv(), timeout)
        if isinstance(msg, bytes):
            msg = msg.decode()
        if msg.startswith(method + " "):
            return msg


async def wait_state(dtls, timeout):
    t0 = time.monotonic()
    while dtls.state not in ("connected", "failed", "closed") and \
            time.monotonic() - t0 < timeout:
        await asyncio.sleep(0.05)
    return time.monotonic() - t0


class Drops(logging.Handler):
    """aiortc's debug messages about packets it drops (SRTP unprotect, RTP parsing)"""
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.n = {}

    def emit(self, record):
        msg = record.getMessage()
        for k in ("unprotect failed", "parsing failed"):
            if k in msg:
                self.n[k] = self.n.get(k, 0) + 1


DROPS = Drops()
logging.getLogger("aiortc.rtcdtlstransport").addHandler(DROPS)
logging.getLogger("aiortc.rtcdtlstransport").setLevel(logging.DEBUG)


class ConsentLost(logging.Handler):
    """aioice closing the connection: consent expired (RFC 7675)"""
    def emit(self, record):
        if "Consent to send expired" in record.getMessage():
            DROPS.n["consent expired"] = DROPS.n.get("consent expired", 0) + 1


logging.getLogger("aioice.ice").addHandler(ConsentLost())
logging.getLogger("aioice.ice").setLevel(logging.INFO)
# aioice gives each consent check 0.5 s (no retransmission) and closes
# the call after 6 late answers in a row: Python under emulation on a
# loaded host reads its socket later than that, and the call died with
# krtpd answering (seen as "consent expired" above). Browsers take an
# answer that comes within RFC 7675's 30 s. The tests check krtpd's
# consent, not aiortc's: aiortc keeps checking, and never gives up
aioice.ice.CONSENT_FAILURES = 1 << 30


def count_unrouted():
    """RTP that aiortc's router discards (no receiver by SSRC and payload
    type) counts as dropped too ("unrouted", with its SSRC and type)"""
    route = RtpRouter.route_rtp

    def routed(self, packet):
        r = route(self, packet)
        if r is None:
            k = "unrouted ssrc %d pt %d" % (packet.ssrc, packet.payload_type)
            DROPS.n[k] = DROPS.n.get(k, 0) + 1
        return r
    RtpRouter.route_rtp = routed


count_unrouted()


async def wait_file(path, timeout):
    """until path exists (no path: at once), at most timeout seconds"""
    t0 = time.monotonic()
    while path and not os.path.exists(path) and time.monotonic() - t0 < timeout:
        await asyncio.sleep(0.1)


def rx_counts(pc):
    """packets received of each kind, every SSRC's: aiortc's getStats has
    one inbound-rtp entry per receiver, whose SSRCs overwrite each other
    (a sender that restarts its stream has two), so its receivers' own
    counts are read"""
    out = {}
    for r in pc.getReceivers():
        kind = getattr(r, "_RTCRtpReceiver__kind", None) or (r.track.kind if r.track else "")
        streams = getattr(r, "_RTCRtpReceiver__remote_streams", {})
        out[kind] = out.get(kind, 0) + sum(st.packets_received for st in streams.values())
        out[kind + "_ssrcs"] = out.get(kind + "_ssrcs", 0) + len(streams)
    return out


async def received(pc):
    """packets received, all streams"""
    c = rx_counts(pc)
    return c.get("audio", 0) + c.get("video", 0)


def ice_sockets(pc):
    """aiortc's ICE sockets (aioice's, one per local address)"""
    for t in pc.getTransceivers():
        ice = getattr(t.sender.transport, "transport", None)
        for p in getattr(getattr(ice, "_connection", None), "_protocols", []):
            sock = p.transport.get_extra_info("socket") if p.transport else None
            if sock is not None:
                yield sock


def queued(pc):
    """bytes of the next datagram waiting on any of aiortc's sockets"""
    n = 0
    for sock in ice_sockets(pc):
        buf = fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0")
        n += struct.unpack("i", buf)[0]
    return n


async def drained(pc, timeout=30):
    """until aiortc has read and handled what its sockets hold (the test
    stopped the other side): nothing queued, and its count of packets
    received unchanged for half a second; at most timeout seconds, as
    Python under emulation on a loaded host may lag far behind"""
    last = await received(pc)
    for _ in range(int(timeout * 2)):
        await asyncio.sleep(0.5)
        now = await received(pc)
        if now == last and not queued(pc):
            return
        last = now


async def media_stats(pc, got, dtls, stop=True):
    """stop the tone (and the video), then aiortc's figures, final (stop
    False: as they are now); the video's keys start with video_"""
    if stop:
        for sender in pc.getSenders():
            await sender.stop()
        await asyncio.sleep(0.5)
    stats = {"frames_decoded": got["frames"], "dtls": dtls.state,
             "dtls_rx_packets": getattr(dtls, "_RTCDtlsTransport__rx_packets", -1),
             "dropped": dict(DROPS.n)}
    if "video" in got:
        stats["video_frames_decoded"] = got["video"]
        stats["video_vp8"] = dict(VIDEO)
    for s in (await pc.getStats()).values():
        pre = "video_" if getattr(s, "kind", "audio") == "video" else ""
        if s.type == "outbound-rtp":
            stats[pre + "packets_sent"] = s.packetsSent
    c = rx_counts(pc)
    for kind, pre in (("audio", ""), ("video", "video_")):
        if kind in c:
            stats[pre + "packets_received"] = c[kind]
            stats[pre + "ssrcs_received"] = c[kind + "_ssrcs"]
    return stats


async def answer_call(ws, a):
    """a plain phone's call through krtpd: krtpd's WebRTC offer, aiortc's answer"""
    inv = await incoming(ws, a.timeout, "INVITE")
    offer = inv.split("\r\n\r\n", 1)[1]
    print("# offer:\n# " + offer.strip().replace("\r\n", "\n# "), flush=True)
    step(re.search(r"^m=audio [1-9]\d* UDP/TLS/RTP/SAVPF ", offer, re.M)
         and "a=ice-lite" in offer and re.search(r"^a=fingerprint:sha-256 ", offer, re.M)
         and "a=setup:actpass" in offer and "a=rtcp-mux" in offer
         and re.search(r"^a=group:BUNDLE \S", offer, re.M)
         and re.search(r"^a=candidate:\S+ 1 udp \d+ \S+ \d+ typ host", offer, re.M),
         "krtpd's offer: UDP/TLS/RTP/SAVPF, ICE-lite, sha-256 fingerprint, setup actpass, "
         "rtcp-mux, BUNDLE, a host candidate")
    pc, tone, got, tasks = new_peer(a.video)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    big_buffers(pc)
    if a.video:  # (other tests read the last a=fingerprint printed as krtpd's)
        print("# callee answer:\n# " + pc.localDescription.sdp.strip().replace("\r\n", "\n# "),
              flush=True)
    totag = os.urandom(4).hex()
    await ws.send(reply(inv, 200, "OK", a, totag, pc.localDescription.sdp))
    await incoming(ws, a.timeout, "ACK")
    dtls = pc.getSenders()[0].transport
    took = await wait_state(dtls, a.timeout)
    step(dtls.state == "connected", "callee: DTLS-SRTP with krtpd connected (%.1f s)" % took,
         dtls.state)
    print("callee dtls up", flush=True)
    await wait_file(a.go2, a.timeout)
    tone.go.set()
    if a.video:
        tasks.append(asyncio.ensure_future(ask_keyframe(pc, got)))
    await asyncio.sleep(a.talk)
    # the caller's media may start late on a loaded host: the test says
    # when krtp.ko has forwarded it all
    await wait_file(a.stats2, 3 * a.timeout)
    if a.video:
        await drained(pc)  # the test stopped the caller: what is queued is all
    print("stats2 " + json.dumps(await media_stats(pc, got, dtls)), flush=True)
    if a.reregister:
        ws = await answer_refresh(ws, a, offer, pc, totag)
        if not ws:
            return
        await wait_file(a.stats3, a.timeout)
        print("stats3 " + json.dumps(await media_stats(pc, got, dtls, False)), flush=True)
    if a.hangup:
        await wait_file(a.bye2 or a.hold, 3 * a.timeout)
        await ws.send(callee_bye(inv, totag))
        code, _ = await final(ws, a.timeout, "BYE")
        step(code == 200, "callee: its BYE answered 200", str(code))
    else:
        bye = await incoming(ws, 3 * a.timeout, "BYE")
        await ws.send(reply(bye, 200, "OK", a, ""))
        step(True, "callee: the caller's BYE answered 200")
    await pc.close()
    for t in tasks:
        t.cancel()


async def answer_refresh(ws, a, offer, pc, totag):
    """as the callee, once a.reregister exists: connect and register again
    (krtpd restarted, the WebSocket died with it), then answer the caller's
    re-INVITE, which must bring krtpd's fingerprint, ICE credentials and
    actpass of before, with the same answer: aiortc keeps its DTLS session.
    The new WebSocket, or None."""
    await wait_file(a.reregister, 3 * a.timeout)
    await ws.close()
    ws = await connect(a)
    if not ws:
        return None
    print("reconnected", flush=True)
    inv = await incoming(ws, 3 * a.timeout, "INVITE")
    reoffer = inv.split("\r\n\r\n", 1)[1]
    print("# re-offer:\n# " + reoffer.strip().replace("\r\n", "\n# "), flush=True)
    for p in ("a=fingerprint:", "a=ice-ufrag:", "a=ice-pwd:"):
        step(sdp_lines(reoffer, p) == sdp_lines(offer, p),
             "callee: the re-offer's %s is the first offer's" % p, " ".join(sdp_lines(reoffer, p)))
    step("a=setup:actpass" in reoffer, "callee: the re-offer says a=setup:actpass")
    await ws.send(reply(inv, 200, "OK", a, totag, pc.localDescription.sdp))
    await incoming(ws, a.timeout, "ACK")
    print("reinvite 200", flush=True)
    return ws


async def connect(a):
    """a WebSocket to krtpd with a registration over it, or None"""
    ws = await websockets.connect(a.url, subprotocols=["sip"], origin="https://phone.krtp.test")
    callid, tag = os.urandom(8).hex(), os.urandom(4).hex()
    await ws.send(register(a, 1, callid, tag))
    first = await asyncio.wait_for(ws.recv(), a.timeout)
    chal = hdr(first, "www-authenticate")
    if chal:
        await ws.send(register(a, 2, callid, tag, wsphone.digest(a, chal[0])))
        first = await asyncio.wait_for(ws.recv(), a.timeout)
    if not step(first.startswith("SIP/2.0 200 "), "REGISTER over WebSocket answered 200",
                first.split("\r\n", 1)[0]):
        await ws.close()
        return None
    return ws


def sdp_lines(sdp, prefix):
    return re.findall(r"^%s.*$" % prefix, sdp, re.M)


async def reinvite(a, d, offer, answer):
    """after krtpd's restart: a new connection, the unchanged offer in the dialog"""
    ws = await connect(a)
    if not ws:
        return
    code, resp = await invite(ws, a, d, offer, d.contact)
    print("reinvite %d" % code, flush=True)
    again = resp.split("\r\n\r\n", 1)[1] if code == 200 else ""
    print("# re-answer:\n# " + again.strip().replace("\r\n", "\n# "), flush=True)
    step(code == 200, "re-INVITE with the unchanged offer answered 200", str(code))
    for what in ("a=fingerprint:", "a=ice-ufrag:", "a=ice-pwd:", "a=setup:"):
        step(sdp_lines(answer, what) and sdp_lines(again, what) == sdp_lines(answer, what),
             "... the answer's %s as before" % what, " ".join(sdp_lines(again, what)))
    if code == 200:
        await ws.send(d.request("ACK", cseq=d.cseq))
    return ws


VIDEO = {"requests": 0, "decode": 0, "decoded": 0, "key": 0}


def count_decodes():
    """count what aiortc's VP8 decoder is given and gives back (its thread)"""
    from aiortc.codecs import vpx
    decode = vpx.Vp8Decoder.decode

    def counted(self, encoded_frame):
        frames = decode(self, encoded_frame)
        VIDEO["decode"] += 1
        VIDEO["key"] += 1 if encoded_frame.data and not encoded_frame.data[0] & 1 else 0
        VIDEO["decoded"] += len(frames)
        return frames
    vpx.Vp8Decoder.decode = counted


class KeyframeRequest:
    """a compound RTCP packet (RFC 3550 section 6.1, as RFC 4585 section
    3.1 asks without rtcp-rsize): an empty receiver report, a PLI (RFC 4585
    section 6.3.1) and a FIR (RFC 5104 section 4.3.1) for media_ssrc"""
    def __init__(self, ssrc, media_ssrc, seq):
        self.b = (struct.pack("!BBHI", 0x80, 201, 1, ssrc) +
                  struct.pack("!BBHII", 0x81, 206, 2, ssrc, media_ssrc) +
                  struct.pack("!BBHIIIB3x", 0x84, 206, 4, ssrc, 0, media_ssrc, seq & 0xff))

    def __bytes__(self):
        return self.b


async def ask_keyframe(pc, got):
    """a key frame requested from every video source heard, each second
    until a frame decodes, as a browser does: the callee's first key frame
    went out before krtpd had the call's video keys, so nothing after it
    decodes"""
    for n in range(120):
        await asyncio.sleep(1)
        if got["video"]:
            print("video decodes", flush=True)
            return
        for r in pc.getReceivers():
            own = getattr(r, "_RTCRtpReceiver__rtcp_ssrc", None)
            if r.track and r.track.kind == "video" and own is not None:
                for ssrc in list(getattr(r, "_RTCRtpReceiver__remote_streams", {})):
                    await r._send_rtcp(KeyframeRequest(own, ssrc, n))
                    VIDEO["requests"] += 1


def new_peer(video=False):
    """a peer connection sending a Tone (and a Picture, started with it)
    and counting the frames it decodes"""
    pc = RTCPeerConnection()
    tone = Tone()
    pc.addTrack(tone)
    got = {"frames": 0}
    if video:
        pc.addTrack(Picture(tone.go))
        got["video"] = 0
    tasks = []

    @pc.on("track")
    def on_track(track):
        key = "video" if track.kind == "video" else "frames"
        tasks.append(asyncio.ensure_future(count_frames(track, got, key)))

    return pc, tone, got, tasks


async def count_frames(track, counter, key):
    try:
        while True:
            await track.recv()
            counter[key] += 1
    except Exception:
        pass


def big_buffers(pc):
    """4 MB receive buffers on aiortc's ICE sockets, as a browser asks
    (libwebrtc's SO_RCVBUF): aioice asks for 256 kB, which aiortc, Python
    under emulation, overruns while it decodes a frame, and bundled audio
    and video share one socket. SO_RCVBUFFORCE: root in the test's guest"""
    for sock in ice_sockets(pc):
        try:
            sock.setsockopt(socket.SOL_SOCKET, 33, 4 << 20)  # SO_RCVBUFFORCE
        except OSError:
            pass


def max_bundle(offer):
    """the offer as a browser on max-bundle writes it: every m= section
    after the first with port 0, a=bundle-only and no candidates"""
    out, n = [], -1
    for line in offer.split("\r\n"):
        if line.startswith("m="):
            n += 1
            if n > 0:
                f = line.split(" ")
                f[1] = "0"
                line = " ".join(f)
        elif n > 0 and (line.startswith("a=candidate:") or line == "a=end-of-candidates"):
            continue
        out.append(line)
        if n > 0 and line.startswith("a=mid:"):
            out.append("a=bundle-only")
    return "\r\n".join(out)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--domain", required=True)
    ap.add_argument("--target")
    ap.add_argument("--talk", type=float, default=5)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--no-fingerprint", choices=("only", "after"),
                    help="offer without a=fingerprint (expect 488) instead of the call, "
                    "or after it")
    ap.add_argument("--hold", help="after the stats (as the callee: stats2) line, wait for this file "
                    "before the BYE")
    ap.add_argument("--go", help="once DTLS is up, wait for this file before the tone and ACK")
    ap.add_argument("--answer", action="store_true",
                    help="after the call, take one call to the registered contact")
    ap.add_argument("--answer-only", action="store_true",
                    help="place no call: register and take one call")
    ap.add_argument("--go2", help="as the callee, once DTLS is up, wait for this file")
    ap.add_argument("--stats2", help="as the callee, after talking, wait for this file "
                    "before the stats2 line")
    ap.add_argument("--reregister", help="as the callee, after the stats2 line, wait for this "
                    "file, connect and register again, and answer a re-INVITE unchanged")
    ap.add_argument("--hangup", action="store_true",
                    help="as the callee, send the BYE after the stats2 line (and --hold)")
    ap.add_argument("--reinvite", help="the tone goes on; once this file exists, connect "
                    "again and send a re-INVITE with the unchanged offer")
    ap.add_argument("--stats3", help="after the re-INVITE, wait for this file before the "
                    "stats3 line")
    ap.add_argument("--video", action="store_true",
                    help="as the caller, send and receive video too")
    ap.add_argument("--ready", help="as the caller, after talking, wait for this file "
                    "before the stats line")
    ap.add_argument("--bye2", help="as the callee with --hangup, wait for this file (default: "
                    "the --hold file) before the BYE")
    ap.add_argument("--refresh", help="after the stats line, once this file exists, connect "
                    "again and re-INVITE with the unchanged offer")
    ap.add_argument("--max-bundle", action="store_true",
                    help="offer every line after the first bundle-only, as max-bundle does")
    ap.add_argument("url")
    a = ap.parse_args()
    if not a.target and not a.answer_only:
        ap.error("--target is required unless --answer-only")

    ws = await connect(a)
    if not ws:
        return 1
    try:
        if a.answer_only:
            await answer_call(ws, a)
            return 1 if wsphone.failures else 0

        if a.video:
            count_decodes()
        pc, tone, got, tasks = new_peer(a.video)
        await pc.setLocalDescription(await pc.createOffer())
        big_buffers(pc)
        offer = pc.localDescription.sdp
        d = Dialog(a)
        if a.no_fingerprint == "only":
            await no_fingerprint(ws, a, offer)
            await pc.close()
            return 1 if wsphone.failures else 0

        if a.max_bundle:
            offer = max_bundle(offer)
            print("# sent offer:\n# " + offer.strip().replace("\r\n", "\n# "), flush=True)
        code, resp = await invite(ws, a, d, offer)
        if not step(code == 200, "INVITE with aiortc's offer answered 200", str(code)):
            await pc.close()
            return 1
        answer = resp.split("\r\n\r\n", 1)[1]
        print("# answer:\n# " + answer.strip().replace("\r\n", "\n# "), flush=True)
        step("a=ice-lite" in answer and re.search(r"^a=fingerprint:sha-256 ", answer, re.M)
             and "a=setup:passive" in answer and "UDP/TLS/RTP/SAVPF" in answer,
             "answer: ICE-lite, sha-256 fingerprint, setup passive, UDP/TLS/RTP/SAVPF")
        to = hdr(resp, "to")[0]
        d.totag = re.search(r";tag=([^;>\s]+)", to).group(1)
        m = re.search(r"<([^>]+)>", hdr(resp, "contact")[0])
        d.contact = m.group(1) if m else a.target
        d.route = list(reversed([r.strip() for v in hdr(resp, "record-route")
                                 for r in v.split(",")]))
        invite_cseq = d.cseq
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        dtls = pc.getSenders()[0].transport
        took = await wait_state(dtls, a.timeout)
        step(dtls.state == "connected", "DTLS-SRTP with krtpd connected (%.1f s)" % took,
             dtls.state)
        if a.video and a.max_bundle:
            vdtls = pc.getSenders()[1].transport
            step(vdtls is dtls and dtls.state == "connected",
                 "video: DTLS-SRTP with krtpd connected, on the audio's transport (bundled)",
                 "a transport of its own" if vdtls is not dtls else dtls.state)
        elif a.video:
            vdtls = pc.getSenders()[1].transport
            took = await wait_state(vdtls, a.timeout)
            step(vdtls is not dtls and vdtls.state == "connected",
                 "video: DTLS-SRTP with krtpd connected, a transport of its own (%.1f s)" % took,
                 vdtls.state)
        await wait_file(a.go, a.timeout)
        tone.go.set()
        await ws.send(d.request("ACK", cseq=invite_cseq))
        if a.video:
            tasks.append(asyncio.ensure_future(ask_keyframe(pc, got)))
        await asyncio.sleep(a.talk)
        await wait_file(a.ready, 3 * a.timeout)

        if a.reinvite:
            # the tone goes on across krtpd's restart and the re-INVITE
            print("stats " + json.dumps(await media_stats(pc, got, dtls, False)), flush=True)
            await wait_file(a.reinvite, a.timeout)
            ws = await reinvite(a, d, offer, answer) or ws
            await asyncio.sleep(a.talk)
            await wait_file(a.stats3, a.timeout)
            print("stats3 " + json.dumps(await media_stats(pc, got, dtls)), flush=True)
        else:
            # the tone stops before the figures are read, so they are final;
            # with video the test froze the callee first: all queued is all
            if a.video:
                await drained(pc)
            print("stats " + json.dumps(await media_stats(pc, got, dtls)), flush=True)
        if a.refresh:
            await wait_file(a.refresh, 3 * a.timeout)
            ws = await reinvite(a, d, offer, answer) or ws
            await wait_file(a.stats3, 3 * a.timeout)
            # the test stopped the callee: what is queued is all there is
            await drained(pc)
            print("stats3 " + json.dumps(await media_stats(pc, got, dtls, False)), flush=True)
        await wait_file(a.hold, a.timeout)
        await ws.send(d.request("BYE"))
        code, _ = await final(ws, a.timeout, "BYE")
        step(code == 200, "BYE answered 200", str(code))
        await pc.close()
        for t in tasks:
            t.cancel()
        if a.no_fingerprint == "after":
            await no_fingerprint(ws, a, offer)
        if a.answer:
            await answer_call(ws, a)
    finally:
        await ws.close()
    return 1 if wsphone.failures else 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except Exception as e:
        step(False, "wrtcphone", repr(e))
        sys.exit(1)
