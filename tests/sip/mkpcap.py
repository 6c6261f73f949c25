#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Write a pcap of COUNT RTP packets (PCMU, 160-byte payload, 20 ms apart)
for sipp's play_pcap_audio.  The tests count these packets exactly, so the
file holds exactly COUNT packets and nothing else.

usage: mkpcap.py OUT.pcap COUNT [SSRC [FIRST [SSRC2:FIRST2@N]]]

FIRST (default 0) is the first packet's index: sequence number 1000 +
FIRST, timestamps and capture times to match, so a second file carries on
the stream of a first one (SRTP receivers refuse a replayed index).
SSRC2:FIRST2@N: from the N-th packet on the sender is another source, as
when a PBX bridges in another party: SSRC2, its own sequence numbers from
1000 + FIRST2 and its own timestamps; capture times go on evenly.
"""
import struct
import sys


def rtp(seq, ts, ssrc):
    # V=2, no padding/extension/CSRC, M=0, PT=0 (PCMU)
    hdr = struct.pack("!BBHII", 0x80, 0, seq & 0xffff, ts & 0xffffffff, ssrc)
    return hdr + bytes([0xff]) * 160


def udp_ip_eth(payload, sport=6000, dport=6000):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    tot = 20 + len(udp)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, 0, 0x4000, 64, 17, 0,
                     bytes([10, 0, 0, 2]), bytes([10, 0, 0, 1]))
    csum = 0
    for i in range(0, 20, 2):
        csum += (ip[i] << 8) | ip[i + 1]
    while csum >> 16:
        csum = (csum & 0xffff) + (csum >> 16)
    ip = ip[:10] + struct.pack("!H", ~csum & 0xffff) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + udp


def main():
    out, count = sys.argv[1], int(sys.argv[2])
    ssrc = int(sys.argv[3], 0) if len(sys.argv) > 3 else 0x4b525450
    first = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    ssrc2, first2, at = ssrc, first, count
    if len(sys.argv) > 5:
        src, at = sys.argv[5].split("@")
        ssrc2, first2 = (int(v, 0) for v in src.split(":"))
        at = int(at)
    with open(out, "wb") as f:
        # pcap global header: LINKTYPE_ETHERNET, microsecond timestamps
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i in range(first, first + count):
            n = i - first
            if n < at:
                frame = udp_ip_eth(rtp(1000 + i, 8000 + 160 * i, ssrc))
            else:
                j = first2 + n - at
                frame = udp_ip_eth(rtp(1000 + j, 90000 + 160 * j, ssrc2))
            usec = i * 20000
            f.write(struct.pack("<IIII", 1700000000 + usec // 1000000,
                                usec % 1000000, len(frame), len(frame)))
            f.write(frame)


if __name__ == "__main__":
    main()
