/*
 * emit_zip.c — reproducible zip archives with libzip (see emit_zip.h).
 *
 * libzip converts time_t to the DOS date/time of the entry with localtime(),
 * which would make the bytes depend on the machine's time zone; we compute
 * the DOS fields from UTC ourselves and set them with zip_file_set_dostime().
 * The archive is built on an in-memory source so `fcc build --check` can
 * compare bytes without touching the disk.
 */
#include "emit_zip.h"

#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "base/alloc.h"

#define DOS_EPOCH ((time_t)315532800) /* 1980-01-01T00:00:00Z */
#define DOS_LAST ((time_t)4354819198) /* 2107-12-31T23:59:58Z */

time_t emit_zip_epoch(const char *(*env)(const char *name))
{
	const char *s = env ? env("SOURCE_DATE_EPOCH") : NULL;
	char *end;
	long long v;

	if (!s || !*s)
		return DOS_EPOCH;
	v = strtoll(s, &end, 10);
	if (*end || v < 0)
		return DOS_EPOCH;
	if ((time_t)v < DOS_EPOCH)
		return DOS_EPOCH;
	if ((time_t)v > DOS_LAST)
		return DOS_LAST;
	return (time_t)v;
}

int emit_zip_path_ok(const char *path)
{
	const char *p = path;

	if (!*p || *p == '/' || strchr(p, '\\'))
		return 0;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
		if (*p == '/') {
			p++;
			if (!*p)
				return 0;
		}
	}
	return 1;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const emit_zip_entry *)a)->path, ((const emit_zip_entry *)b)->path);
}

static void dos_time(time_t t, zip_uint16_t *dtime, zip_uint16_t *ddate)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	*dtime = (zip_uint16_t)((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
	*ddate = (zip_uint16_t)(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
}

static int zip_fail(fcc_err *e, const char *what, zip_error_t *ze)
{
	return fcc_err_set(e, FCC_ERROR, "zip: %s: %s", what,
			   ze ? zip_error_strerror(ze) : "error");
}

int emit_zip_build(fcc_buf *out, emit_zip_entry *entries, size_t n, time_t when, fcc_err *e)
{
	zip_source_t *src = NULL;
	zip_t *za = NULL;
	zip_error_t ze;
	zip_uint16_t dtime, ddate;
	zip_stat_t st;
	size_t i;
	int rc = FCC_OK;

	zip_error_init(&ze);
	qsort(entries, n, sizeof *entries, cmp_entry);
	for (i = 0; i < n; i++) {
		if (!emit_zip_path_ok(entries[i].path))
			return fcc_err_set(e, FCC_ECHECK, "unsafe path in archive: '%s'",
					   entries[i].path);
		if (i && strcmp(entries[i].path, entries[i - 1].path) == 0)
			return fcc_err_set(e, FCC_ECHECK, "two archive entries named '%s'",
					   entries[i].path);
	}
	dos_time(when, &dtime, &ddate);
	src = zip_source_buffer_create(NULL, 0, 0, &ze);
	if (!src) {
		rc = zip_fail(e, "buffer", &ze);
		goto out;
	}
	za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	if (!za) {
		rc = zip_fail(e, "open", &ze);
		goto out;
	}
	zip_source_keep(src); /* keep the bytes after zip_close() */
	for (i = 0; i < n; i++) {
		zip_source_t *fs = zip_source_buffer(za, entries[i].data, entries[i].len, 0);
		zip_int64_t idx;
		zip_uint32_t mode = entries[i].executable ? 0100755 : 0100644;

		if (!fs) {
			rc = zip_fail(e, entries[i].path, zip_get_error(za));
			goto out;
		}
		idx = zip_file_add(za, entries[i].path, fs, ZIP_FL_ENC_UTF_8);
		if (idx < 0) {
			zip_source_free(fs);
			rc = zip_fail(e, entries[i].path, zip_get_error(za));
			goto out;
		}
		/* zlib's default level 6: level 9 took 0.6 ms more on the example's
		 * seed for 55 bytes (bench/build.sh, callgrind). */
		if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 6) < 0 ||
		    zip_file_set_dostime(za, (zip_uint64_t)idx, dtime, ddate, 0) < 0 ||
		    zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX,
						     mode << 16) < 0) {
			rc = zip_fail(e, entries[i].path, zip_get_error(za));
			goto out;
		}
	}
	if (zip_close(za) < 0) {
		rc = zip_fail(e, "close", zip_get_error(za));
		zip_discard(za);
		za = NULL;
		goto out;
	}
	za = NULL;
	if (zip_source_stat(src, &st) < 0 || zip_source_open(src) < 0) {
		rc = zip_fail(e, "read back", zip_source_error(src));
		goto out;
	}
	fcc_buf_reset(out);
	for (;;) {
		char chunk[65536];
		zip_int64_t got = zip_source_read(src, chunk, sizeof chunk);
		if (got < 0) {
			rc = zip_fail(e, "read back", zip_source_error(src));
			break;
		}
		if (got == 0)
			break;
		if (fcc_buf_append(out, chunk, (size_t)got)) {
			rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
			break;
		}
	}
	zip_source_close(src);
out:
	if (za)
		zip_discard(za);
	if (src)
		zip_source_free(src);
	zip_error_fini(&ze);
	return rc;
}
