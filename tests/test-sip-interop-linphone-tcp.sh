#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# Interop: linphone and baresip over TCP, the calls 3 and 4 of
# tests/test-sip-interop-linphone.sh (a test of its own, to keep each
# under the time a test may take under emulation).
IOP_TP=tcp exec "$(dirname "$0")/test-sip-interop-linphone.sh"
