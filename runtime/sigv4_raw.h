/*
 * sigv4_raw.h — a small parser for raw HTTP/1.1 requests, as written in the
 * SigV4 test vectors (.req files) and read by `fcc sign`.
 *
 * Runtime layer, beside sigv4: it only turns text into the pieces
 * sigv4_sign() takes. Not a general HTTP parser: no chunked bodies, no
 * absolute-form targets; it tolerates "\r\n" line ends and folded header
 * lines (a line starting with a space or tab continues the previous value).
 */
#ifndef FCC_SIGV4_RAW_H
#define FCC_SIGV4_RAW_H

#include <stddef.h>

#include "compiler/base/err.h"
#include "runtime/sigv4.h"

typedef struct sigv4_raw {
	char *method;  /* "GET" */
	char *target;  /* request target as written: path plus optional "?query" */
	char *path;    /* target up to '?' */
	char *query;   /* after '?', NULL when the target has none */
	char *version; /* "HTTP/1.1" */
	/* Headers in order of appearance: name as written, value after ':'
	 * with folded continuation lines joined by one space (untrimmed
	 * otherwise; the signer trims). `headers` points into names/values. */
	char **names;
	char **values;
	char **lines; /* each header's text exactly as written, folds kept, '\n'-joined, no line end */
	sigv4_header *headers;
	size_t nheaders;
	char *body; /* bytes after the blank line; NUL-terminated for convenience */
	size_t body_len;
} sigv4_raw;

/* Parse `len` bytes at `data`. The request line is split on the first and
 * the last space, so a target with a literal space (vector
 * normalize-path/get-space) still parses. On success fills *out (dispose with
 * sigv4_raw_dispose) and returns FCC_OK; otherwise FCC_EPARSE (message names
 * the line) or FCC_ENOMEM, with *out zeroed. */
int sigv4_raw_parse(sigv4_raw *out, const char *data, size_t len, fcc_err *e);

/* Free everything in `r` and zero it; a zeroed struct is fine. */
void sigv4_raw_dispose(sigv4_raw *r);

#endif
