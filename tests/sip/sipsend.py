#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send one raw SIP message over UDP and print the reply, for the tests'
malformed-message batch and for liveness probes (OPTIONS).

usage: sipsend.py [--expect CODE|none] [--timeout S] [--bind ADDR]
                  [--truncate N] HOST:PORT FILE

FILE is a message template with LF line ends (sent as CRLF). Placeholders:
  {local_ip} {local_port}  the sending socket's address
  {dest}                   HOST:PORT as given
  {branch} {callid} {tag}  fresh per run
  {clen}                   the length of the body after the blank line
  {NUL}                    a NUL byte
  {PAD:N}                  N bytes of 'a'
--truncate N cuts the finished message to N bytes. The first reply's start
line goes to stdout, the whole reply with --verbose.  Exit status: 0 when
the reply's status code is CODE (or, with "none", when nothing comes back
within the timeout), 1 otherwise.
"""
import argparse
import os
import re
import socket
import sys


def render(text, sock, dest):
    ip, port = sock.getsockname()[:2]
    text = text.replace("{dest}", dest)
    rnd = os.urandom(6).hex()
    text = text.replace("{local_ip}", ip).replace("{local_port}", str(port))
    text = text.replace("{branch}", "z9hG4bK" + rnd)
    text = text.replace("{callid}", rnd + "@krtp.test").replace("{tag}", rnd[:8])
    text = re.sub(r"\{PAD:(\d+)\}", lambda m: "a" * int(m.group(1)), text)
    text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    if "{clen}" in text:
        head, sep, body = text.partition("\r\n\r\n")
        text = head.replace("{clen}", str(len(body.encode()))) + sep + body
    return text.replace("{NUL}", "\0").encode("latin-1")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--expect", default=None)
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--bind", default="")
    ap.add_argument("--truncate", type=int, default=0)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("dest")
    ap.add_argument("file")
    a = ap.parse_args()

    host, _, port = a.dest.rpartition(":")
    host = host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((a.bind, 0))
    s.connect((host, int(port)))
    with open(a.file, encoding="latin-1") as f:
        msg = render(f.read(), s, a.dest)
    if a.truncate:
        msg = msg[:a.truncate]
    s.settimeout(a.timeout)
    s.send(msg)
    try:
        reply = s.recv(65535)
    except (socket.timeout, ConnectionRefusedError):
        # a 1xx-less silence or ICMP port unreachable: nothing came back
        print("(no reply)")
        return 0 if a.expect == "none" else 1
    text = reply.decode("latin-1")
    print(text.split("\r\n", 1)[0])
    if a.verbose:
        sys.stdout.write(text)
    if a.expect is None:
        return 0
    m = re.match(r"SIP/2\.0 (\d{3}) ", text)
    return 0 if m and m.group(1) == a.expect else 1


if __name__ == "__main__":
    sys.exit(main())
