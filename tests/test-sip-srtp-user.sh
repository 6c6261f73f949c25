#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test-sip-srtp.sh against krtpd's userspace relay (media = user): the
# same SDES bridge between baresip and a plain sipp, done by libsrtp2 in
# krtpd instead of krtp.ko, must give both phones the same call. This is
# what a host without the module gets.
TEST_SIP_MEDIA=user exec "$(dirname "$0")/test-sip-srtp.sh"
