/*
 * fuzz_ini.c — libFuzzer harness for runtime/ini.c, the parser of the AWS
 * config and credentials files (outside input: users edit them by hand).
 * Parses the input, then walks every lookup helper over what came out.
 */
#include <stddef.h>
#include <stdint.h>

#include "runtime/ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ini_file *f = NULL;
	fcc_err e;
	size_t i, j;

	if (ini_parse(&f, "fuzz", (const char *)data, size, &e) != FCC_OK)
		return 0;
	for (i = 0; i < f->nsections; i++) {
		const ini_section *s = &f->sections[i];

		(void)ini_section_find(f, s->name);
		for (j = 0; j < s->nentries; j++) {
			(void)ini_get(s, s->entries[j].key);
			if (s->entries[j].nsub)
				(void)ini_get_sub(s, s->entries[j].key, s->entries[j].sub[0].key);
		}
	}
	(void)ini_config_profile(f, "default");
	(void)ini_config_services(f, "local");
	ini_free(f);
	return 0;
}
