/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control socket server (krtpctl calls | registrations | show call ID).
 * Protocol: the client sends one line "<text|json> <command> [arg]\n"; the
 * server answers "OK\n" and the output, or "ERR <message>\n", then closes.
 * The socket is mode 0600. Main thread only.
 */
#ifndef KRTPD_CTL_H
#define KRTPD_CTL_H

#include <stddef.h>

int CTL_Init(const char *path);
void CTL_Fini(void);

/* The command interpreter, exposed for tests: out is malloc'ed, NUL-terminated. */
int CTL_Command(const char *line, char **out, size_t *outlen);

#endif /* KRTPD_CTL_H */
