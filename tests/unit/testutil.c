/*
 * testutil.c — see testutil.h.
 */
#include "testutil.h"

#include <dirent.h>
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

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t tu_list_cases(const char *rel, const char *suffix, char **out, size_t max)
{
	DIR *d = opendir(tu_path(rel));
	struct dirent *e;
	size_t n = 0, sl = strlen(suffix);

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		size_t l = strlen(e->d_name);
		if (l > sl && strcmp(e->d_name + l - sl, suffix) == 0)
			out[n++] = strndup(e->d_name, l - sl);
	}
	closedir(d);
	qsort(out, n, sizeof *out, cmp_name);
	return n;
}
