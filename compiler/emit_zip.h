/*
 * emit_zip.h — reproducible zip archives (libzip) for the seed code.
 *
 * Entries are written in byte order of their paths, deflated, with one fixed
 * timestamp (SOURCE_DATE_EPOCH, else 1980-01-01 00:00:00 UTC) and fixed Unix
 * permissions (0644, 0755 for executables), so identical input gives
 * identical bytes on any machine. Paths must be relative, with no "..", no
 * leading "/", no empty segment and no backslash.
 */
#ifndef FCC_EMIT_ZIP_H
#define FCC_EMIT_ZIP_H

#include <stddef.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"

typedef struct emit_zip_entry {
	const char *path;
	const void *data;
	size_t len;
	int executable;
} emit_zip_entry;

/* Build the archive of `entries` (any order; sorted here) in memory into
 * `out`. `when` is the timestamp of every entry (use emit_zip_epoch()).
 * Returns FCC_OK, FCC_ENOMEM, FCC_ECHECK for a bad or duplicate path (the
 * message names it), or FCC_ERROR when libzip fails. */
int emit_zip_build(fcc_buf *out, emit_zip_entry *entries, size_t n, time_t when, fcc_err *e);

/* SOURCE_DATE_EPOCH when set and valid (clamped to 1980..2107, the DOS date
 * range), else 315532800 (1980-01-01T00:00:00Z). `env` is getenv-like. */
time_t emit_zip_epoch(const char *(*env)(const char *name));

/* Non-zero when `path` is a safe relative archive path (see above). */
int emit_zip_path_ok(const char *path);

#endif
