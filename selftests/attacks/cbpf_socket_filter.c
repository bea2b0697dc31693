// SPDX-License-Identifier: GPL-2.0
/*
 * Route 9, classic BPF: the kernel translates a socket filter to eBPF and
 * JIT-compiles it from the bytes we chose, as it does for an eBPF load.
 * SO_ATTACH_FILTER hands it one program ("accept everything"); with the
 * argument "reuseport", SO_ATTACH_REUSEPORT_CBPF does. Attached is the
 * attack working.
 */
#define ATTACK_NAME "cbpf_socket_filter"
#include "attack.h"
#include <linux/filter.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	struct sock_filter insn[] = { BPF_STMT(BPF_RET | BPF_K, 0xffffffff) };
	struct sock_fprog prog = { .len = 1, .filter = insn };
	int reuseport = argc > 1 && !strcmp(argv[1], "reuseport");
	int s, one = 1;

	attack_init();
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		attack_error("socket: %s", strerror(errno));
	if (!reuseport) {
		if (setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)))
			attack_step_failed("SO_ATTACH_FILTER", errno);
		attack_worked("SO_ATTACH_FILTER attached a classic BPF program");
	}
	if (setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
		attack_error("SO_REUSEPORT: %s", strerror(errno));
	if (setsockopt(s, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)))
		attack_step_failed("SO_ATTACH_REUSEPORT_CBPF", errno);
	attack_worked("SO_ATTACH_REUSEPORT_CBPF attached a classic BPF program");
}
