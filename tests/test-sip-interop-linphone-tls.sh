#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# Interop: linphone over TLS and baresip over UDP, the calls 5 and 6 of
# tests/test-sip-interop-linphone.sh (a test of its own, to keep each
# under the time a test may take under emulation).
IOP_TP=tls exec "$(dirname "$0")/test-sip-interop-linphone.sh"
