/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A real DNS server for the unit tests: dnsmasq on 127.0.0.1 and a free
 * unprivileged port, with no upstream, no /etc/hosts, and only the records
 * the test passes (dnsmasq options such as --srv-host=...). It is
 * authoritative for the local domain given (--local), so other names in it
 * get NXDOMAIN.
 */
#ifndef KRTPD_TEST_DNSMASQ_H
#define KRTPD_TEST_DNSMASQ_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t dnsmasq_pid = -1;

/* an unused UDP port on loopback; with keep, the bound socket (a server that never answers) */
static int dnsmasq_free_port(int keep)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), p;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len))
		return -1;
	p = ntohs(sin.sin_port);
	if (keep)
		return fd;
	close(fd);
	return p;
}

/* start it with the records (NULL-terminated); returns its port, or -1 */
static int dnsmasq_start(const char *domain, const char *const *records)
{
	char portarg[32], localarg[160];
	const char *argv[64];
	int i, n = 0, port = dnsmasq_free_port(0);

	snprintf(portarg, sizeof(portarg), "--port=%d", port);
	snprintf(localarg, sizeof(localarg), "--local=/%s/", domain);
	argv[n++] = "dnsmasq";
	argv[n++] = "--keep-in-foreground";
	argv[n++] = "--conf-file=/dev/null";
	argv[n++] = "--no-resolv";
	argv[n++] = "--no-hosts";
	argv[n++] = "--user=root";
	argv[n++] = "--pid-file";
	argv[n++] = "--listen-address=127.0.0.1";
	argv[n++] = "--bind-interfaces";
	argv[n++] = "--local-ttl=60";
	argv[n++] = "--log-facility=/dev/null";
	argv[n++] = portarg;
	argv[n++] = localarg;
	for (i = 0; records[i] && n < 63; i++)
		argv[n++] = records[i];
	argv[n] = NULL;
	dnsmasq_pid = fork();
	if (dnsmasq_pid == 0) {
		execvp("dnsmasq", (char **)argv);
		_exit(127);
	}
	/* ready when its TCP side accepts */
	for (i = 0; i < 100; i++) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
		int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ok = !connect(fd, (struct sockaddr *)&sin, sizeof(sin));
		close(fd);
		if (ok)
			return port;
		usleep(20000);
	}
	return -1;
}

static void dnsmasq_stop(void)
{
	if (dnsmasq_pid > 0) {
		kill(dnsmasq_pid, SIGTERM);
		waitpid(dnsmasq_pid, NULL, 0);
	}
	dnsmasq_pid = -1;
}

#endif /* KRTPD_TEST_DNSMASQ_H */
