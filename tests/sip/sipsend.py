#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send one raw SIP message over UDP and print the reply, for the tests'
malformed-message batch and for liveness probes (OPTIONS).

usage: sipsend.py [--expect CODE|none] [--timeout S] [--bind ADDR] [--tcp] [--callid ID]
                  [--truncate N] [--probe FILE] HOST:PORT FILE
       sipsend.py [--tcp] --mutate N [--seed S] [--rate R] HOST:PORT FILE...

FILE is a message template with LF line ends (sent as CRLF). Placeholders:
  {local_ip} {local_port}  the sending socket's address
  {dest}                   HOST:PORT as given
  {branch} {callid} {tag}  fresh per run (--callid sets the Call-ID)
  {clen}                   the length of the body after the blank line
  {NUL}                    a NUL byte
  {PAD:N}                  N bytes of 'a'
--truncate N cuts the finished message to N bytes. --tcp sends over one TCP
connection instead of UDP. --mutate N sends N randomly damaged copies
(bytes flipped, cut, duplicated or NUL; reproducible with --seed) without
waiting for replies, then exits 0; with several FILEs, N of each, taken
in turn. Over UDP one datagram each, at most R a second with --rate; over
TCP (--tcp) each on a connection of its own, written in one to three
pieces and then closed, one in four with a reset (a server drops a stream
after garbage, so one connection would carry only the first). The first
reply's start line goes to
stdout, the whole reply with --verbose (1xx replies are skipped: the
final one counts). --probe FILE then sends FILE (an OPTIONS: is the
server still up?) over UDP from a fresh socket, up to three tries of a
second, and prints "probe: " and its reply's start line.  Exit status: 0 when the reply's
status code is CODE (or, with "none", when nothing comes back within the
timeout), 1 otherwise.
"""
import argparse
import os
import random
import re
import socket
import struct
import sys
import time


def render(text, sock, dest, callid=None):
    ip, port = sock.getsockname()[:2]
    text = text.replace("{dest}", dest)
    rnd = os.urandom(6).hex()
    if callid:
        text = text.replace("{callid}", callid)
    text = text.replace("{local_ip}", ip).replace("{local_port}", str(port))
    text = text.replace("{branch}", "z9hG4bK" + rnd)
    text = text.replace("{callid}", rnd + "@krtp.test").replace("{tag}", rnd[:8])
    text = re.sub(r"\{PAD:(\d+)\}", lambda m: "a" * int(m.group(1)), text)
    text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    if "{clen}" in text:
        head, sep, body = text.partition("\r\n\r\n")
        text = head.replace("{clen}", str(len(body.encode()))) + sep + body
    return text.replace("{NUL}", "\0").encode("latin-1")


def mutate(msg, rnd):
    b = bytearray(msg)
    for _ in range(rnd.randint(1, 8)):
        op = rnd.randrange(5)
        i = rnd.randrange(len(b)) if b else 0
        if op == 0 and b:
            b[i] = rnd.randrange(256)
        elif op == 1:
            del b[i:]
        elif op == 2 and b:
            j = rnd.randrange(i, len(b))
            b[i:i] = b[i:j + 1]
        elif op == 3:
            b[i:i] = b"\0"
        else:
            b[i:i] = rnd.choice([b"\r\n", b":", b";", b"<", b" ", b"\r\n\r\n",
                                 b"Content-Length: 99999\r\n", b"%"])
    return bytes(b[:65000])


def send_tcp_mutated(host, port, fam, a, msgs, rnd):
    """One connection per damaged copy; returns 0 (refusals are counted)."""
    refused = sent = 0
    for _ in range(a.mutate):
        for msg in msgs:
            data = mutate(msg, rnd)
            pieces = rnd.randint(1, 3)
            reset = rnd.randrange(4) == 0
            c = socket.socket(fam, socket.SOCK_STREAM)
            c.settimeout(a.timeout)
            sent += 1
            try:
                c.bind((a.bind, 0))
                c.connect((host, port))
                cuts = sorted(rnd.randrange(len(data) + 1) for _ in range(pieces - 1))
                last = 0
                for cut in cuts + [len(data)]:
                    c.sendall(data[last:cut])
                    last = cut
                if reset:
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
            except OSError:
                refused += 1
            finally:
                c.close()
    print("sent %d damaged copies on as many connections (%d refused or reset)" %
          (sent, refused))
    return 0


def exchange(s, msg):
    """send msg, return the final reply's text; None: no reply, "": closed"""
    try:
        s.sendall(msg)
        reply = s.recv(65535)
        # provisional answers (100 Trying) come first: wait for the final one
        while re.match(rb"SIP/2\.0 1\d\d ", reply):
            reply = s.recv(65535)
    except (socket.timeout, ConnectionError):
        # silence, ICMP port unreachable or a closed connection
        return None
    return reply.decode("latin-1")


def probe(host, port, fam, a):
    """--probe: the probe message over UDP from a fresh socket, up to three
    tries of a second; the start line of its reply, or (no reply)"""
    for _ in range(3):
        p = socket.socket(fam, socket.SOCK_DGRAM)
        p.bind((a.bind, 0))
        p.settimeout(1.0)
        p.connect((host, port))
        with open(a.probe, encoding="latin-1") as f:
            text = exchange(p, render(f.read(), p, a.dest))
        p.close()
        if text:
            return text.split("\r\n", 1)[0]
    return "(no reply)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--expect", default=None)
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--bind", default="")
    ap.add_argument("--truncate", type=int, default=0)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--tcp", action="store_true")
    ap.add_argument("--callid", default=None)
    ap.add_argument("--mutate", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rate", type=float, default=0)
    ap.add_argument("--probe", default=None)
    ap.add_argument("dest")
    ap.add_argument("file", nargs="+")
    a = ap.parse_args()
    if len(a.file) > 1 and not a.mutate:
        ap.error("several FILEs only with --mutate")

    host, _, port = a.dest.rpartition(":")
    host = host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM if a.tcp else socket.SOCK_DGRAM)
    s.bind((a.bind, 0))
    s.settimeout(a.timeout)
    s.connect((host, int(port)))
    msgs = []
    for name in a.file:
        with open(name, encoding="latin-1") as f:
            msgs.append(render(f.read(), s, a.dest, a.callid))
    if a.truncate:
        msgs = [m[:a.truncate] for m in msgs]
    if a.mutate:
        rnd = random.Random(a.seed)
        if a.tcp:
            s.close()
            return send_tcp_mutated(host, int(port), fam, a, msgs, rnd)
        t0 = time.monotonic()
        i = 0
        for _ in range(a.mutate):
            for msg in msgs:
                if a.rate and i % 50 == 0:
                    # pace in batches: sleep until this batch is due
                    due = t0 + i / a.rate
                    now = time.monotonic()
                    if due > now:
                        time.sleep(due - now)
                i += 1
                try:
                    s.send(mutate(msg, rnd))
                except OSError:
                    pass
        print("sent %d damaged copies" % i)
        return 0
    text = exchange(s, msgs[0])
    print(text.split("\r\n", 1)[0] if text else "(no reply)" if text is None else
          "(connection closed)")
    if text and a.verbose:
        sys.stdout.write(text)
    if a.probe:
        print("probe: " + probe(host, int(port), fam, a))
    if not text:
        return 0 if a.expect == "none" else 1
    if a.expect is None:
        return 0
    m = re.match(r"SIP/2\.0 (\d{3}) ", text)
    return 0 if m and m.group(1) == a.expect else 1


if __name__ == "__main__":
    sys.exit(main())
