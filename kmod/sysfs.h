/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KRTP_SYSFS_H
#define _KRTP_SYSFS_H

int krtp_sysfs_init(void);
void krtp_sysfs_exit(void);

#endif /* _KRTP_SYSFS_H */
