/*
 * err.c — filling and naming fcc_err values.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

int fcc_err_set(fcc_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return code;
}

void fcc_err_clear(fcc_err *e)
{
	if (!e)
		return;
	e->code = FCC_OK;
	e->msg[0] = '\0';
}

const char *fcc_err_name(int code)
{
	switch (code) {
	case FCC_OK:
		return "ok";
	case FCC_ENOMEM:
		return "out of memory";
	case FCC_EIO:
		return "i/o error";
	case FCC_EPARSE:
		return "parse error";
	case FCC_ECHECK:
		return "invalid input";
	case FCC_ENOTFOUND:
		return "not found";
	case FCC_ECONFLICT:
		return "conflict";
	case FCC_ETHROTTLED:
		return "throttled";
	case FCC_EAWS:
		return "aws error";
	case FCC_EUSAGE:
		return "usage error";
	case FCC_ETIMEOUT:
		return "timed out";
	default:
		return "error";
	}
}
