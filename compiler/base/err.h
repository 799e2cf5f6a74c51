/*
 * err.h — fcc's error codes and the error value passed down by callers.
 *
 * 0 is success, negatives are failures (libgit2's convention). Runtime
 * functions return one of these codes and fill an fcc_err the caller passes
 * in; the message is a fixed buffer so reporting an error never allocates.
 * Bottom layer: includes nothing else from fcc.
 */
#ifndef FCC_ERR_H
#define FCC_ERR_H

#include <stddef.h>

enum {
	FCC_OK = 0,
	FCC_ERROR = -1,      /* generic failure */
	FCC_ENOMEM = -2,     /* allocation failed */
	FCC_EIO = -3,        /* file or network I/O failed */
	FCC_EPARSE = -4,     /* input could not be parsed */
	FCC_ECHECK = -5,     /* input parsed but is invalid (diagnostics were emitted) */
	FCC_ENOTFOUND = -6,  /* the thing asked for does not exist */
	FCC_ECONFLICT = -7,  /* state changed underneath us */
	FCC_ETHROTTLED = -8, /* AWS throttled us past the retry budget */
	FCC_EAWS = -9,       /* AWS answered with an error */
	FCC_EUSAGE = -10,    /* bad command-line usage */
	FCC_ETIMEOUT = -11   /* an operation did not finish in time */
};

typedef struct fcc_err {
	int code;
	char msg[1024];
} fcc_err;

/* Record `code` and a printf-style message in `e` (which may be NULL) and
 * return `code`, so callers can write `return fcc_err_set(e, FCC_EIO, ...)`.
 * Messages are one line, lower case, no trailing period. */
int fcc_err_set(fcc_err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Reset `e` to FCC_OK with an empty message. */
void fcc_err_clear(fcc_err *e);

/* Static name of a code, e.g. "out of memory" for FCC_ENOMEM. */
const char *fcc_err_name(int code);

#endif
