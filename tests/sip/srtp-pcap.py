#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""What a UA saw on the wire, from a tcpdump capture (Ethernet, IPv4, UDP),
for tests/test-sip-srtp.sh.

  srtp-pcap.py SRC_ADDR NAME=PCAP...
      for each capture, "NAME sip: " lines and "NAME media: " lines (one
      Python start: the test runs under emulation, where starting is slow)

  sip lines: one per SIP message with a body: its first line, then the
      body's m=, c= and a=crypto lines, separated by " | "
  media lines: one per UDP datagram from SRC_ADDR that looks like RTP
      (version 2, payload type below 72): "LENGTH PT ROUGH SSRC", SSRC in
      hex. ROUGH is the percentage of steps between consecutive samples,
      read as PCMU after the 12-byte header, larger than half the packet's
      peak: 0 for a 440 Hz sine (it
      moves by at most a third of its amplitude per sample), 10 to 40 for
      ciphertext (random bytes, 24 on average)
"""
import socket
import struct
import sys


def udp_datagrams(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(pkt) < 42 or pkt[12:14] != b"\x08\x00" or pkt[23] != 17:
            continue
        ihl = (pkt[14] & 15) * 4
        udp = 14 + ihl
        src = socket.inet_ntoa(pkt[26:30])
        sport, dport, ulen = struct.unpack("!HHH", pkt[udp:udp + 6])
        yield src, sport, dport, pkt[udp + 8:udp + ulen]


def sip(name, path):
    for _, sport, dport, payload in udp_datagrams(path):
        if 5060 not in (sport, dport):
            continue
        text = payload.decode("latin-1")
        head, _, body = text.partition("\r\n\r\n")
        if not body.strip():
            continue
        keep = [l for l in body.split("\r\n")
                if l.startswith(("m=", "c=", "a=crypto:"))]
        print(name + " sip: " + " | ".join([head.split("\r\n")[0]] + keep))


def ulaw(b):
    """G.711 mu-law byte to a linear sample"""
    u = ~b & 0xFF
    x = ((((u & 0x0F) << 3) + 0x84) << ((u >> 4) & 7)) - 0x84
    return -x if u & 0x80 else x


def rough(payload):
    xs = [ulaw(b) for b in payload]
    peak = max(abs(x) for x in xs) if xs else 0
    if peak == 0 or len(xs) < 2:
        return 0
    big = sum(1 for a, b in zip(xs, xs[1:]) if abs(b - a) > peak / 2)
    return 100 * big // (len(xs) - 1)


def media(name, path, src_addr):
    for src, sport, dport, p in udp_datagrams(path):
        if src != src_addr or 5060 in (sport, dport) or len(p) < 12:
            continue
        if p[0] >> 6 != 2 or (p[1] & 127) >= 72:
            continue
        print(name + " media:", len(p), p[1] & 127, rough(p[12:172]),
              "%08x" % struct.unpack("!I", p[8:12]))


if __name__ == "__main__":
    for arg in sys.argv[2:]:
        name, _, path = arg.partition("=")
        sip(name, path)
        media(name, path, sys.argv[1])
