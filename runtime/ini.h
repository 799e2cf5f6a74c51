/*
 * ini.h — parser for the AWS shared config and credentials files
 * (~/.aws/config, ~/.aws/credentials), read by the credential chain (creds.c)
 * and by region and endpoint resolution.
 *
 * The format is what botocore reads through Python's configparser
 * (botocore/configloader.py raw_config_parse):
 *   - `[section]` headers; section names are case-sensitive;
 *   - `key = value` or `key: value`; top-level keys are folded to lower case
 *     (configparser's default optionxform), values are trimmed and kept
 *     verbatim (no inline comments: `a = b ; c` has the value "b ; c");
 *   - whole-line comments start with `#` or `;` (leading blanks allowed);
 *   - a line indented deeper than its key continues that key's value; a key
 *     whose value is empty and is continued this way is a nested block
 *     (`s3 =\n  endpoint_url = ...`), whose sub-keys keep their case as in
 *     botocore's _parse_nested;
 *   - a duplicate section or a duplicate key in one section is an error, as
 *     with configparser's strict mode.
 * Errors name file:line. A missing file is not an error (an empty file).
 */
#ifndef FCC_INI_H
#define FCC_INI_H

#include <stddef.h>

#include "compiler/base/err.h"

/* Largest profile file fcc reads; real ones are a few KiB. */
#define INI_MAX_FILE ((size_t)1 << 20)

typedef struct ini_pair {
	char *key;
	char *value;
	unsigned line;
} ini_pair;

typedef struct ini_entry {
	char *key;     /* lower-cased */
	char *value;   /* trimmed; continuation lines joined with '\n' */
	ini_pair *sub; /* nested sub-keys when the value was a nested block */
	size_t nsub;
	unsigned line;
} ini_entry;

typedef struct ini_section {
	char *name; /* text between `[` and the last `]`, verbatim as configparser keeps it */
	unsigned line;
	ini_entry *entries;
	size_t nentries;
} ini_section;

typedef struct ini_file {
	char *path; /* as given; used in error messages */
	ini_section *sections;
	size_t nsections;
} ini_file;

/* Parse `len` bytes of `data`; `path` names the file in errors. On success
 * *out is owned by the caller (ini_free). Returns FCC_OK, FCC_ENOMEM, or
 * FCC_EPARSE with "path:line: ..." in `e`; *out is NULL on failure. */
int ini_parse(ini_file **out, const char *path, const char *data, size_t len, fcc_err *e);

/* Read and parse `path` (at most `max` bytes; 0 means INI_MAX_FILE). A path
 * that does not exist or names a directory gives an empty file, like botocore.
 * Returns FCC_OK, FCC_ENOMEM, FCC_EIO (unreadable, too large) or FCC_EPARSE. */
int ini_load(ini_file **out, const char *path, size_t max, fcc_err *e);

void ini_free(ini_file *f);

/* The section named exactly `name`, or NULL. Borrowed from `f`. */
const ini_section *ini_section_find(const ini_file *f, const char *name);

/* The config-file section of profile `profile`: `[profile NAME]`, or for
 * "default" `[default]` (or `[profile default]`; the later one in the file
 * wins, as botocore's dict update does). NULL when absent. Borrowed. */
const ini_section *ini_config_profile(const ini_file *f, const char *profile);

/* The `[services NAME]` section, or NULL. Borrowed. */
const ini_section *ini_config_services(const ini_file *f, const char *name);

/* Value of top-level `key` (compared after lower-casing), or NULL. A nested
 * block's value is "" (it has sub-keys instead). Borrowed. */
const char *ini_get(const ini_section *s, const char *key);

/* Value of sub-key `subkey` (case-sensitive) inside nested block `key`, or NULL. */
const char *ini_get_sub(const ini_section *s, const char *key, const char *subkey);

#endif
