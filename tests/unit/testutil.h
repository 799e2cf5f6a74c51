/*
 * testutil.h — helpers shared by the unit suites: repository paths and
 * reading files whole.
 */
#ifndef FCC_TESTUTIL_H
#define FCC_TESTUTIL_H

#include <stddef.h>

/* Absolute path of `rel` inside the repository (FCC_SRCDIR or the cwd).
 * Returns a static buffer reused by the next call. */
const char *tu_path(const char *rel);
/* Read a whole file; NULL when missing. Caller frees with free(). */
char *tu_read(const char *path, size_t *len);
/* Write `data` to a fresh file in a temporary directory; returns its path
 * (caller frees with free()). */
char *tu_write_temp(const char *name, const char *data, size_t len);

/* Names (without the suffix) of the files in `rel` (a repository path)
 * ending in `suffix`, sorted, into out[0..max); returns how many. The names
 * are malloc'd and live for the whole test run. */
size_t tu_list_cases(const char *rel, const char *suffix, char **out, size_t max);

#endif
