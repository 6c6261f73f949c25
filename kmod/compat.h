/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Gaps between the kernels krtp.ko builds against (6.1 and 6.12), named by
 * the feature that is missing, not by version (WireGuard's COMPAT_CANNOT_*).
 * Nothing else in kmod/ tests LINUX_VERSION_CODE.
 */
#ifndef _KRTP_COMPAT_H
#define _KRTP_COMPAT_H

#include <linux/netlink.h>

/*
 * Formatted extack messages (NL_SET_ERR_MSG_FMT) arrived in 6.2; 6.1's
 * netlink_ext_ack only holds a pointer to a message that must outlive the
 * request. The fallback formats into one slot of a small static ring: the
 * ack is built right after the handler returns, long before the ring wraps,
 * and a slot is never freed, so a reader can at worst see a newer message.
 */
#ifndef NL_SET_ERR_MSG_FMT_MOD
#define COMPAT_CANNOT_FORMAT_EXTACK
const char *krtp_compat_extack_fmt(const char *fmt, ...) __printf(1, 2);
#define NL_SET_ERR_MSG_FMT_MOD(extack, fmt, args...) do {			\
	struct netlink_ext_ack *__extack = (extack);				\
										\
	if (__extack)								\
		__extack->_msg = krtp_compat_extack_fmt(KBUILD_MODNAME ": " fmt, \
							##args);		\
} while (0)
#endif

#endif /* _KRTP_COMPAT_H */
