#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
A real ICE agent (aioice, the ICE of Debian's python3-aiortc) checking
krtpd's ICE-lite responder; run by test_ice_aioice.c, not on its own.

    ice_aioice.py PORT controlling|controlled UFRAG PWD

Prints its own ufrag on the first line (test_ice_aioice needs it as the
remote ufrag), then runs connectivity checks against 127.0.0.1:PORT with
UFRAG/PWD as the remote credentials. In "controlled" mode it starts in the
wrong role, so the lite agent must answer 487 and aioice switch to
controlling. Exit 0 when a pair is nominated and a datagram went over it.
"""
import asyncio
import sys

import aioice
import aioice.ice


async def main():
    port, mode, ufrag, pwd = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    # host candidates on loopback only, whatever interfaces the machine has
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    conn = aioice.Connection(ice_controlling=(mode == "controlling"), components=1,
                             use_ipv6=False)
    print(conn.local_username, flush=True)
    await conn.gather_candidates()
    conn.remote_username = ufrag
    conn.remote_password = pwd
    await conn.add_remote_candidate(aioice.Candidate(
        foundation="1", component=1, transport="udp", priority=2130706431,
        host="127.0.0.1", port=port, type="host"))
    await conn.add_remote_candidate(None)
    try:
        await asyncio.wait_for(conn.connect(), 15)
        await conn.send(b"media")
    finally:
        await conn.close()
    if not conn.ice_controlling:
        print("still controlled", file=sys.stderr)
        return 1
    return 0


sys.exit(asyncio.run(main()))
