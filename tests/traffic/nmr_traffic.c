// SPDX-License-Identifier: GPL-2.0
/*
 * nmr-traffic: UDP traffic through the guest's real IPv4 stack, over
 * loopback, for the packet hook scenarios and the packet-path benchmark.
 * Built static on the host by scripts/vm-run.sh, run in the guest as
 * /bin/nmr-traffic.
 *
 *   nmr-traffic load ADDR PASS_PORT DROP_PORT CPU STOPFILE
 *	Sends datagrams to ADDR:PASS_PORT and ADDR:DROP_PORT in turn, from
 *	CPU (-1: any), until STOPFILE exists, and receives them in a child
 *	process.  Nothing is lost on the way unless a hook drops it: the
 *	sender keeps at most WINDOW pass-port datagrams ahead of the
 *	receiver.  Both run at nice 19, so that the scenario driving the
 *	modules is not starved.  At the end it waits for the last ones and prints
 *	"load ADDR sent_pass N recv_pass N sent_drop N recv_drop N".
 *   nmr-traffic probe ADDR PORT COUNT
 *	Sends COUNT datagrams to ADDR:PORT and prints "probe sent N
 *	received N": it waits until all have arrived, or 0.5 s after the
 *	last one arrived (or was sent).
 *   nmr-traffic flood ADDR PORT MILLISECONDS CPU
 *	Sends as fast as it can, from CPU, to a socket that never reads
 *	(so the datagrams are delivered up to the socket and dropped
 *	there), and prints "flood packets N ns N".
 *   nmr-traffic rmmod MODULE
 *	Unloads MODULE, named as in /proc/modules (no path, no .ko, '_' not
 *	'-'), with delete_module(2) and O_NONBLOCK, as rmmod does, and prints
 *	"rmmod MODULE us N status N": the time from the call to its return,
 *	without a fork and an exec, and 0 or the errno.  Exits 0 or 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WINDOW		64
#define PAYLOAD		32
#define RCVBUF		(1 << 20)
#define STALL_NS	(10 * 1000000000LL)

struct shared {
	uint64_t recv_pass;
	uint64_t recv_drop;
	int stop;
};

static void die(const char *what)
{
	fprintf(stderr, "nmr-traffic: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct sockaddr_in addr_of(const char *ip, const char *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };

	if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1) {
		fprintf(stderr, "nmr-traffic: not an IPv4 address: %s\n", ip);
		exit(2);
	}
	return sin;
}

static int udp_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		die("socket");
	return fd;
}

static int bound_socket(const struct sockaddr_in *sin, int rcvbuf)
{
	int fd = udp_socket();

	if (rcvbuf &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)))
		die("SO_RCVBUF");
	if (bind(fd, (const struct sockaddr *)sin, sizeof(*sin)))
		die("bind");
	return fd;
}

static void pin(const char *cpu)
{
	cpu_set_t set;

	if (atoi(cpu) < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(atoi(cpu), &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

static void send_one(int fd, const struct sockaddr_in *to, uint64_t seq)
{
	char buf[PAYLOAD] = { 0 };

	memcpy(buf, &seq, sizeof(seq));
	while (sendto(fd, buf, sizeof(buf), 0, (const struct sockaddr *)to, sizeof(*to)) < 0)
		if (errno != EINTR && errno != ENOBUFS && errno != EAGAIN)
			die("sendto");
}

/* Reads what is queued on @fd; returns how many datagrams. */
static uint64_t drain(int fd)
{
	char buf[PAYLOAD];
	uint64_t n = 0;

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		die("recv");
	return n;
}

static void receiver(struct shared *sh, int pass_fd, int drop_fd)
{
	struct pollfd fds[2] = { { .fd = pass_fd, .events = POLLIN },
				 { .fd = drop_fd, .events = POLLIN } };

	for (;;) {
		int n = poll(fds, 2, 100);

		if (n < 0 && errno != EINTR)
			die("poll");
		if (n == 0 && __atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE))
			_exit(0);
		if (n <= 0)
			continue;
		if (fds[0].revents & POLLIN)
			__atomic_add_fetch(&sh->recv_pass, drain(pass_fd), __ATOMIC_RELEASE);
		if (fds[1].revents & POLLIN)
			__atomic_add_fetch(&sh->recv_drop, drain(drop_fd), __ATOMIC_RELEASE);
	}
}

static int cmd_load(char **argv)
{
	struct sockaddr_in pass = addr_of(argv[0], argv[1]);
	struct sockaddr_in drop = addr_of(argv[0], argv[2]);
	uint64_t sent_pass = 0, sent_drop = 0;
	const char *stopfile = argv[4];
	struct shared *sh;
	int pass_fd, drop_fd, fd;
	int64_t since;
	pid_t child;

	if (setpriority(PRIO_PROCESS, 0, 19))
		die("setpriority");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	pass_fd = bound_socket(&pass, RCVBUF);
	drop_fd = bound_socket(&drop, RCVBUF);
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0)
		receiver(sh, pass_fd, drop_fd);
	pin(argv[3]);
	fd = udp_socket();

	while ((sent_pass & 255) || access(stopfile, F_OK)) {
		send_one(fd, &pass, sent_pass++);
		send_one(fd, &drop, sent_drop++);
		since = now_ns();
		while (sent_pass - __atomic_load_n(&sh->recv_pass, __ATOMIC_ACQUIRE) > WINDOW) {
			if (now_ns() - since > STALL_NS) {
				fprintf(stderr,
					"nmr-traffic: the receiver stalled: %llu of %llu received\n",
					(unsigned long long)sh->recv_pass,
					(unsigned long long)sent_pass);
				kill(child, SIGKILL);
				return 1;
			}
			usleep(100);
		}
	}
	/* The pass port loses nothing: wait for all; then for the stragglers. */
	since = now_ns();
	while (__atomic_load_n(&sh->recv_pass, __ATOMIC_ACQUIRE) != sent_pass &&
	       now_ns() - since < STALL_NS)
		usleep(1000);
	usleep(500000);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	waitpid(child, NULL, 0);
	printf("load %s sent_pass %llu recv_pass %llu sent_drop %llu recv_drop %llu\n", argv[0],
	       (unsigned long long)sent_pass, (unsigned long long)sh->recv_pass,
	       (unsigned long long)sent_drop, (unsigned long long)sh->recv_drop);
	return 0;
}

static int cmd_probe(char **argv)
{
	struct sockaddr_in to = addr_of(argv[0], argv[1]);
	int count = atoi(argv[2]), received = 0, i;
	int rfd = bound_socket(&to, RCVBUF), fd = udp_socket();
	struct pollfd pfd = { .fd = rfd, .events = POLLIN };

	for (i = 0; i < count; i++)
		send_one(fd, &to, i);
	while (received < count) {
		int n = poll(&pfd, 1, 500);

		if (n < 0 && errno != EINTR)
			die("poll");
		if (n == 0)
			break;
		if (n > 0)
			received += drain(rfd);
	}
	printf("probe sent %d received %d\n", count, received);
	return 0;
}

static int cmd_flood(char **argv)
{
	struct sockaddr_in to = addr_of(argv[0], argv[1]);
	int64_t duration = atoll(argv[2]) * 1000000LL, start, end;
	uint64_t packets = 0;
	int fd;

	bound_socket(&to, 0);
	pin(argv[3]);
	fd = udp_socket();
	start = now_ns();
	do {
		int i;

		for (i = 0; i < 256; i++)
			send_one(fd, &to, packets++);
		end = now_ns();
	} while (end - start < duration);
	printf("flood packets %llu ns %lld\n", (unsigned long long)packets,
	       (long long)(end - start));
	return 0;
}

static int cmd_rmmod(char **argv)
{
	int64_t start = now_ns(), end;
	int status = 0;

	if (syscall(SYS_delete_module, argv[0], O_NONBLOCK))
		status = errno;
	end = now_ns();
	printf("rmmod %s us %lld status %d\n", argv[0], (long long)(end - start) / 1000, status);
	return status ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int args;
		int (*fn)(char **argv);
	} cmds[] = {
		{ "load", 5, cmd_load },
		{ "probe", 3, cmd_probe },
		{ "flood", 4, cmd_flood },
		{ "rmmod", 1, cmd_rmmod },
	};
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; argc >= 2 && i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		if (argc != cmds[i].args + 2)
			break;
		return cmds[i].fn(argv + 2);
	}
	fprintf(stderr, "usage: nmr-traffic load ADDR PASS_PORT DROP_PORT CPU STOPFILE\n"
		"       nmr-traffic probe ADDR PORT COUNT\n"
		"       nmr-traffic flood ADDR PORT MILLISECONDS CPU\n"
		"       nmr-traffic rmmod MODULE\n");
	return 2;
}
