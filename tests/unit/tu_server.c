/*
 * tu_server.c — see tu_server.h.
 */
#include "tu_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

int tu_server_start(tu_server *s, const char *script, const char *const *args)
{
	const char *argv[32];
	char path[4096], line[32];
	size_t n = 0, got = 0;
	int fds[2], i;
	pid_t parent = getpid();

	memset(s, 0, sizeof *s);
	snprintf(path, sizeof path, "%s", tu_path(script));
	argv[n++] = "python3";
	argv[n++] = path;
	for (i = 0; args && args[i] && n < 30; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe(fds) != 0)
		return -1;
	s->pid = fork();
	if (s->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (s->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	/* read the port line, waiting at most 20 s for the interpreter */
	while (got < sizeof line - 1) {
		struct pollfd p = {.fd = fds[0], .events = POLLIN};
		ssize_t r;
		if (poll(&p, 1, 20000) <= 0)
			break;
		r = read(fds[0], line + got, 1);
		if (r <= 0)
			break;
		got++;
		if (line[got - 1] == '\n')
			break;
	}
	close(fds[0]);
	line[got] = '\0';
	s->port = atoi(line);
	if (s->port <= 0) {
		tu_server_stop(s);
		return -1;
	}
	snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
	return 0;
}

void tu_server_stop(tu_server *s)
{
	int status, i;

	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	for (i = 0; i < 500; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		if (waitpid(s->pid, &status, WNOHANG) == s->pid)
			break;
		nanosleep(&ts, NULL);
	}
	if (i == 500) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
	}
	s->pid = 0;
}

int tu_unused_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}
