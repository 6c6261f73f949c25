#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test-sip-baresip.sh against krtpd's userspace relay (media = user): the
# same baresip call, relayed and counted by krtpd itself, as on a host
# without the module.
TEST_SIP_MEDIA=user exec "$(dirname "$0")/test-sip-baresip.sh"
