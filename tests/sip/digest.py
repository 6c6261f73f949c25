#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""REGISTER with RFC 7616 digest authentication over UDP, choosing the
challenge's algorithm (sipp only does MD5): REGISTER, 401 with one or more
WWW-Authenticate challenges, REGISTER with an Authorization for the one of
--algorithm (qop=auth), then print the final answer's start line.

usage: digest.py --user U --password P --domain D --contact URI
                 [--algorithm MD5|SHA-256] [--expect CODE] HOST:PORT

Exit status 0 when the final status code is CODE (default 200; "401|403"
allows either), else 1.
"""
import argparse
import hashlib
import os
import re
import socket
import sys


def request(sock, a, cseq, callid, tag, auth=None):
    ip, port = sock.getsockname()[:2]
    lines = [
        f"REGISTER sip:{a.domain} SIP/2.0",
        f"Via: SIP/2.0/UDP {ip}:{port};branch=z9hG4bK{os.urandom(6).hex()}",
        "Max-Forwards: 70",
        f"From: <sip:{a.user}@{a.domain}>;tag={tag}",
        f"To: <sip:{a.user}@{a.domain}>",
        f"Call-ID: {callid}",
        f"CSeq: {cseq} REGISTER",
        f"Contact: <{a.contact}>",
        "Expires: 600",
    ]
    if auth:
        lines.append("Authorization: " + auth)
    lines.append("Content-Length: 0")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def final_reply(sock):
    while True:
        text = sock.recv(65535).decode("latin-1")
        if not re.match(r"SIP/2\.0 1\d\d ", text):
            return text


def challenges(text):
    out = []
    for line in text.split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() != "www-authenticate":
            continue
        params = dict((k.lower(), v.strip('"')) for k, v in
                      re.findall(r'(\w+)=("[^"]*"|[^,\s]+)', value))
        out.append(params)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--domain", required=True)
    ap.add_argument("--contact", required=True)
    ap.add_argument("--algorithm", default="SHA-256")
    ap.add_argument("--expect", default="200")
    ap.add_argument("dest")
    a = ap.parse_args()

    host, _, port = a.dest.rpartition(":")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.connect((host, int(port)))
    callid = os.urandom(8).hex() + "@krtp.test"
    tag = os.urandom(4).hex()
    s.send(request(s, a, 1, callid, tag))
    first = final_reply(s)
    if not first.startswith("SIP/2.0 401 "):
        print("no challenge: " + first.split("\r\n", 1)[0])
        return 1
    print("offered: " + ", ".join(c.get("algorithm", "MD5") for c in challenges(first)))
    chal = [c for c in challenges(first)
            if c.get("algorithm", "MD5").upper() == a.algorithm.upper()]
    if not chal:
        print("no %s challenge in: %s" % (a.algorithm, challenges(first)))
        return 1
    c = chal[0]
    h = hashlib.sha256 if a.algorithm.upper() == "SHA-256" else hashlib.md5

    def hx(x):
        return h(x.encode()).hexdigest()

    uri = "sip:" + a.domain
    ha1 = hx(f"{a.user}:{c['realm']}:{a.password}")
    ha2 = hx(f"REGISTER:{uri}")
    cnonce, nc = os.urandom(8).hex(), "00000001"
    if "auth" in c.get("qop", "").split(","):
        resp = hx(f"{ha1}:{c['nonce']}:{nc}:{cnonce}:auth:{ha2}")
        extra = f', qop=auth, nc={nc}, cnonce="{cnonce}"'
    else:
        resp = hx(f"{ha1}:{c['nonce']}:{ha2}")
        extra = ""
    auth = (f'Digest username="{a.user}", realm="{c["realm"]}", nonce="{c["nonce"]}", '
            f'uri="{uri}", response="{resp}", algorithm={a.algorithm}{extra}')
    if "opaque" in c:
        auth += f', opaque="{c["opaque"]}"'
    s.send(request(s, a, 2, callid, tag, auth))
    text = final_reply(s)
    line = text.split("\r\n", 1)[0]
    print(line)
    m = re.match(r"SIP/2\.0 (\d{3}) ", text)
    return 0 if m and m.group(1) in a.expect.split("|") else 1


if __name__ == "__main__":
    sys.exit(main())
