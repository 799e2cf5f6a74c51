/*
 * kv.h — small owned string lists and tag maps shared by the desired state
 * (desired.h), the state snapshot (state.h) and the diff (diff.h).
 *
 * Both keep copies of what they are given. Tags stay sorted by key, so every
 * rendering and every fingerprint built from them is stable. Caller provides
 * the storage: zero-initialise, fill with the push/set calls, kv_*_dispose().
 */
#ifndef FCC_KV_H
#define FCC_KV_H

#include <jansson.h>
#include <stddef.h>

#include "compiler/base/err.h"

typedef struct kv_strs {
	char **v;
	size_t n;
} kv_strs;

typedef struct kv_tag {
	char *key;
	char *value;
} kv_tag;

typedef struct kv_tags {
	kv_tag *v; /* sorted by key, keys unique */
	size_t n;
} kv_tags;

/* Append a copy of `s`. FCC_OK or FCC_ENOMEM (list unchanged). */
int kv_strs_push(kv_strs *l, const char *s);
/* Non-zero when `s` is in the list. */
int kv_strs_has(const kv_strs *l, const char *s);
/* Frees every string and the array; the list is empty afterwards. */
void kv_strs_dispose(kv_strs *l);

/* Set `key` to a copy of `value`, keeping keys sorted. FCC_OK or FCC_ENOMEM
 * (tags unchanged). */
int kv_tags_set(kv_tags *t, const char *key, const char *value);
/* Borrowed value of `key`, or NULL. */
const char *kv_tags_get(const kv_tags *t, const char *key);
void kv_tags_dispose(kv_tags *t);

/* Fill `out` (empty) from a JSON array of strings / object of strings.
 * `field` names the value in errors. FCC_EPARSE when the JSON has the wrong
 * shape, FCC_ENOMEM; on failure `out` is disposed. */
int kv_strs_from_json(kv_strs *out, const json_t *arr, const char *field, fcc_err *e);
int kv_tags_from_json(kv_tags *out, const json_t *obj, const char *field, fcc_err *e);

/* New JSON array / object with copies of the contents; NULL on ENOMEM. */
json_t *kv_strs_to_json(const kv_strs *l);
json_t *kv_tags_to_json(const kv_tags *t);

#endif
