/*
 * kv.c — owned string lists and sorted tag maps (see kv.h).
 */
#include "runtime/kv.h"

#include <string.h>

#include "compiler/base/alloc.h"

int kv_strs_push(kv_strs *l, const char *s)
{
	char **v;
	char *copy = fcc_strdup(s);

	if (!copy)
		return FCC_ENOMEM;
	v = fcc_realloc(l->v, (l->n + 1) * sizeof *v);
	if (!v) {
		fcc_free(copy);
		return FCC_ENOMEM;
	}
	v[l->n++] = copy;
	l->v = v;
	return FCC_OK;
}

int kv_strs_has(const kv_strs *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

void kv_strs_dispose(kv_strs *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		fcc_free(l->v[i]);
	fcc_free(l->v);
	l->v = NULL;
	l->n = 0;
}

int kv_tags_set(kv_tags *t, const char *key, const char *value)
{
	size_t i = 0;
	char *k, *val;
	kv_tag *v;

	while (i < t->n && strcmp(t->v[i].key, key) < 0)
		i++;
	val = fcc_strdup(value);
	if (!val)
		return FCC_ENOMEM;
	if (i < t->n && strcmp(t->v[i].key, key) == 0) {
		fcc_free(t->v[i].value);
		t->v[i].value = val;
		return FCC_OK;
	}
	k = fcc_strdup(key);
	v = k ? fcc_realloc(t->v, (t->n + 1) * sizeof *v) : NULL;
	if (!v) {
		fcc_free(k);
		fcc_free(val);
		return FCC_ENOMEM;
	}
	memmove(v + i + 1, v + i, (t->n - i) * sizeof *v);
	v[i].key = k;
	v[i].value = val;
	t->v = v;
	t->n++;
	return FCC_OK;
}

const char *kv_tags_get(const kv_tags *t, const char *key)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].key, key) == 0)
			return t->v[i].value;
	return NULL;
}

void kv_tags_dispose(kv_tags *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		fcc_free(t->v[i].key);
		fcc_free(t->v[i].value);
	}
	fcc_free(t->v);
	t->v = NULL;
	t->n = 0;
}

int kv_strs_from_json(kv_strs *out, const json_t *arr, const char *field, fcc_err *e)
{
	size_t i;
	json_t *it;

	if (!json_is_array(arr))
		return fcc_err_set(e, FCC_EPARSE, "%s: expected an array of strings", field);
	json_array_foreach(arr, i, it) {
		if (!json_is_string(it)) {
			kv_strs_dispose(out);
			return fcc_err_set(e, FCC_EPARSE, "%s[%zu]: expected a string", field, i);
		}
		if (kv_strs_push(out, json_string_value(it)) != FCC_OK) {
			kv_strs_dispose(out);
			return fcc_err_set(e, FCC_ENOMEM, "out of memory");
		}
	}
	return FCC_OK;
}

int kv_tags_from_json(kv_tags *out, const json_t *obj, const char *field, fcc_err *e)
{
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return fcc_err_set(e, FCC_EPARSE, "%s: expected an object of strings", field);
	json_object_foreach((json_t *)obj, k, v) {
		if (!json_is_string(v)) {
			kv_tags_dispose(out);
			return fcc_err_set(e, FCC_EPARSE, "%s.%s: expected a string", field, k);
		}
		if (kv_tags_set(out, k, json_string_value(v)) != FCC_OK) {
			kv_tags_dispose(out);
			return fcc_err_set(e, FCC_ENOMEM, "out of memory");
		}
	}
	return FCC_OK;
}

json_t *kv_strs_to_json(const kv_strs *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < l->n; i++)
		if (json_array_append_new(a, json_string(l->v[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *kv_tags_to_json(const kv_tags *t)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; o && i < t->n; i++)
		if (json_object_set_new(o, t->v[i].key, json_string(t->v[i].value)) != 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}
