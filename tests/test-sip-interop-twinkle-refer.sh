#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# Interop: Twinkle over TCP registers, transfers a call (twinkle -c
# "transfer URI") and is transferred (bob's REFER), through krtpd:
# tests/test-sip-interop-linphone-refer.sh with Twinkle as the phone.
# timeout: 600
IOP_PHONE=twinkle IOP_TP=tcp exec "$(dirname "$0")/test-sip-interop-linphone-refer.sh"
