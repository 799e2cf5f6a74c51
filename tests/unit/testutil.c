/*
 * testutil.c — see testutil.h.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *tu_path(const char *rel)
{
	static char buf[4096];
	const char *root = getenv("FCC_SRCDIR");

	snprintf(buf, sizeof buf, "%s/%s", root && *root ? root : ".", rel);
	return buf;
}

char *tu_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (cap - n < 4096) {
			char *p = realloc(data, cap = cap ? cap * 2 : 8192);
			if (!p) {
				free(data);
				fclose(f);
				return NULL;
			}
			data = p;
		}
		got = fread(data + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	fclose(f);
	data[n] = '\0';
	if (len)
		*len = n;
	return data;
}

char *tu_write_temp(const char *name, const char *data, size_t len)
{
	char dir[] = "/tmp/fcc-test-XXXXXX";
	char *path;
	FILE *f;

	if (!mkdtemp(dir))
		return NULL;
	path = malloc(strlen(dir) + strlen(name) + 2);
	if (!path)
		return NULL;
	sprintf(path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		free(path);
		return NULL;
	}
	fwrite(data, 1, len, f);
	fclose(f);
	return path;
}
