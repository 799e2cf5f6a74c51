/*
 * tu_server.h — start and stop the loopback Python servers the runtime unit
 * tests talk to (tests/aws/httptest_server.py, tests/aws/faultproxy.py).
 *
 * The server is a child process that binds 127.0.0.1 on a free port and
 * prints the port on its first stdout line. It is stopped with SIGTERM and
 * reaped by tu_server_stop(); it also gets SIGTERM if the test process dies
 * first (PR_SET_PDEATHSIG), so a failed assertion never leaks a server.
 */
#ifndef FCC_TU_SERVER_H
#define FCC_TU_SERVER_H

#include <sys/types.h>

typedef struct tu_server {
	pid_t pid;
	int port;
	char base[64]; /* "http://127.0.0.1:PORT" */
} tu_server;

/* Run `python3 <repo>/<script> args...` (args NULL-terminated, may be NULL).
 * Returns 0 with s filled, or -1 (nothing left running). */
int tu_server_start(tu_server *s, const char *script, const char *const *args);
/* SIGTERM, wait (SIGKILL after 5 s); safe to call twice. */
void tu_server_stop(tu_server *s);
/* A loopback port that nothing listens on (bound, then closed). */
int tu_unused_port(void);

#endif
