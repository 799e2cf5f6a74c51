/*
 * emit_cfn_write.c — the template tree as text: YAML through libyaml's
 * emitter (events, so every style decision is ours and stable) and JSON
 * through jansson.
 *
 * YAML quoting: libyaml only knows whether a plain scalar would parse; it
 * does not know that `true`, `2010-09-09`, `0x1F` or `on` would come back as
 * a boolean, a date or a number. CloudFormation's YAML reader and cfn-lint
 * (PyYAML) resolve plain scalars with YAML 1.1 rules, which are broader than
 * the 1.2 core schema, so a string that either schema would read as anything
 * but a string is written quoted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/alloc.h"
#include "emit_cfn.h"
#include "emit_cfn_int.h"

typedef struct wr {
	yaml_emitter_t em;
	fcc_buf *out;
	int rc; /* first output error */
	fcc_err *e;
} wr;

static int write_cb(void *data, unsigned char *buffer, size_t size)
{
	wr *w = data;
	int rc = fcc_buf_append(w->out, buffer, size);

	if (rc && !w->rc)
		w->rc = rc;
	return rc == 0;
}

static int emit_ev(wr *w, yaml_event_t *ev)
{
	if (!yaml_emitter_emit(&w->em, ev)) {
		if (w->rc)
			return w->rc;
		if (w->em.error == YAML_MEMORY_ERROR)
			return fcc_err_set(w->e, FCC_ENOMEM, "out of memory writing YAML");
		return fcc_err_set(w->e, FCC_ERROR, "YAML emitter: %s",
				   w->em.problem ? w->em.problem : "unknown error");
	}
	return FCC_OK;
}

static int in_set(const char *s, const char *set)
{
	for (; *s; s++)
		if (!strchr(set, *s))
			return 0;
	return 1;
}

/* Non-zero when a plain `s` would not read back as the same string. */
static int needs_quotes(const char *s)
{
	static const char *const words[] = {
		"y",    "Y",    "yes",   "Yes",   "YES",   "n",     "N",     "no",    "No",
		"NO",   "true", "True",  "TRUE",  "false", "False", "FALSE", "on",    "On",
		"ON",   "off",  "Off",   "OFF",   "null",  "Null",  "NULL",  "~",     ".inf",
		".Inf", ".INF", "-.inf", "-.Inf", "-.INF", "+.inf", "+.Inf", "+.INF", ".nan",
		".NaN", ".NAN", "=",     "<<",    NULL};
	size_t i;

	if (!*s)
		return 1;
	for (i = 0; words[i]; i++)
		if (strcmp(s, words[i]) == 0)
			return 1;
	/* numbers in any base, sexagesimal, dates and timestamps: be broad,
	 * a quoted string costs two characters */
	if (strchr("0123456789+-.", s[0]) && in_set(s, "0123456789abcdefABCDEFxXoO._:+- tTzZ"))
		return 1;
	return 0;
}

static int scalar(wr *w, const char *tag, const char *text, size_t len, int plain_ok,
		  yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, (yaml_char_t *)tag, (yaml_char_t *)text,
					  (int)len, tag ? 0 : plain_ok, tag ? 0 : 1, style))
		return fcc_err_set(w->e, FCC_ENOMEM, "out of memory writing YAML");
	return emit_ev(w, &ev);
}

static int string_scalar(wr *w, const char *tag, const char *s, size_t len)
{
	yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
	int plain_ok = 1;

	if (strlen(s) != len || needs_quotes(s)) {
		plain_ok = 0;
		style = YAML_SINGLE_QUOTED_SCALAR_STYLE; /* libyaml falls back to double quotes */
	} else if (strchr(s, '\n')) {
		style = YAML_LITERAL_SCALAR_STYLE; /* libyaml falls back when a block won't do */
	}
	return scalar(w, tag, s, len, plain_ok, style);
}

/* Shortest %g text that reads back as `v`, with a ".0" so it stays a float. */
static void format_real(char *buf, size_t n, double v)
{
	int p;

	for (p = 1; p <= 17; p++) {
		snprintf(buf, n, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (!strpbrk(buf, ".eEn"))
		strncat(buf, ".0", n - strlen(buf) - 1);
}

static const char *short_tag(const char *key)
{
	if (strcmp(key, "Ref") == 0)
		return "!Ref";
	if (strcmp(key, "Condition") == 0)
		return "!Condition";
	if (strcmp(key, "Fn::Sub") == 0)
		return "!Sub";
	if (strcmp(key, "Fn::GetAtt") == 0)
		return "!GetAtt";
	if (strcmp(key, "Fn::Join") == 0)
		return "!Join";
	if (strcmp(key, "Fn::Select") == 0)
		return "!Select";
	if (strcmp(key, "Fn::Split") == 0)
		return "!Split";
	if (strcmp(key, "Fn::If") == 0)
		return "!If";
	if (strcmp(key, "Fn::Equals") == 0)
		return "!Equals";
	if (strcmp(key, "Fn::And") == 0)
		return "!And";
	if (strcmp(key, "Fn::Or") == 0)
		return "!Or";
	if (strcmp(key, "Fn::Not") == 0)
		return "!Not";
	if (strcmp(key, "Fn::FindInMap") == 0)
		return "!FindInMap";
	if (strcmp(key, "Fn::Base64") == 0)
		return "!Base64";
	if (strcmp(key, "Fn::Cidr") == 0)
		return "!Cidr";
	if (strcmp(key, "Fn::GetAZs") == 0)
		return "!GetAZs";
	if (strcmp(key, "Fn::ImportValue") == 0)
		return "!ImportValue";
	if (strcmp(key, "Fn::Transform") == 0)
		return "!Transform";
	return NULL;
}

/* Emit `j`; with `tag` the node carries it and `j` itself is written as a
 * plain map/list/scalar (YAML allows one tag per node, so an intrinsic
 * directly inside a short-form one stays in long form). */
static int node(wr *w, const json_t *j, const char *tag, int depth)
{
	yaml_event_t ev;
	char num[64];
	int rc;

	if (depth > 200)
		return fcc_err_set(w->e, FCC_ERROR, "template nests too deeply to write");
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *fn = tag ? NULL : emit_cfn_intrinsic(j);
		const char *k;
		json_t *v;
		if (fn && short_tag(fn)) {
			const json_t *val = json_object_get(j, fn);
			if (strcmp(fn, "Fn::GetAtt") == 0 && json_array_size(val) == 2 &&
			    json_is_string(json_array_get(val, 0)) &&
			    json_is_string(json_array_get(val, 1)) &&
			    !strchr(json_string_value(json_array_get(val, 0)), '.')) {
				/* the dotted scalar form: !GetAtt Res.Attr */
				fcc_buf b;
				fcc_buf_init(&b, 0);
				rc = fcc_buf_printf(&b, "%s.%s",
						    json_string_value(json_array_get(val, 0)),
						    json_string_value(json_array_get(val, 1)));
				if (!rc)
					rc = string_scalar(w, "!GetAtt", fcc_buf_cstr(&b), b.len);
				fcc_buf_dispose(&b);
				return rc;
			}
			return node(w, val, short_tag(fn), depth + 1);
		}
		if (!yaml_mapping_start_event_initialize(&ev, NULL, (yaml_char_t *)tag, tag ? 0 : 1,
							 YAML_BLOCK_MAPPING_STYLE))
			return fcc_err_set(w->e, FCC_ENOMEM, "out of memory writing YAML");
		if ((rc = emit_ev(w, &ev)))
			return rc;
		json_object_foreach((json_t *)j, k, v) {
			if ((rc = string_scalar(w, NULL, k, strlen(k))) ||
			    (rc = node(w, v, NULL, depth + 1)))
				return rc;
		}
		if (!yaml_mapping_end_event_initialize(&ev))
			return fcc_err_set(w->e, FCC_ENOMEM, "out of memory writing YAML");
		return emit_ev(w, &ev);
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *v;
		if (!yaml_sequence_start_event_initialize(&ev, NULL, (yaml_char_t *)tag,
							  tag ? 0 : 1, YAML_BLOCK_SEQUENCE_STYLE))
			return fcc_err_set(w->e, FCC_ENOMEM, "out of memory writing YAML");
		if ((rc = emit_ev(w, &ev)))
			return rc;
		json_array_foreach((json_t *)j, i, v) {
			if ((rc = node(w, v, NULL, depth + 1)))
				return rc;
		}
		if (!yaml_sequence_end_event_initialize(&ev))
			return fcc_err_set(w->e, FCC_ENOMEM, "out of memory writing YAML");
		return emit_ev(w, &ev);
	}
	case JSON_STRING:
		return string_scalar(w, tag, json_string_value(j), json_string_length(j));
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(j));
		return scalar(w, tag, num, strlen(num), 1, YAML_PLAIN_SCALAR_STYLE);
	case JSON_REAL:
		format_real(num, sizeof num, json_real_value(j));
		return scalar(w, tag, num, strlen(num), 1, YAML_PLAIN_SCALAR_STYLE);
	case JSON_TRUE:
		return scalar(w, tag, "true", 4, 1, YAML_PLAIN_SCALAR_STYLE);
	case JSON_FALSE:
		return scalar(w, tag, "false", 5, 1, YAML_PLAIN_SCALAR_STYLE);
	default:
		return scalar(w, tag, "null", 4, 1, YAML_PLAIN_SCALAR_STYLE);
	}
}

int emit_cfn_yaml(fcc_buf *out, const json_t *tmpl, fcc_err *e)
{
	wr w;
	yaml_event_t ev;
	int rc;

	memset(&w, 0, sizeof w);
	w.out = out;
	w.e = e;
	if (!yaml_emitter_initialize(&w.em))
		return fcc_err_set(e, FCC_ENOMEM, "out of memory writing YAML");
	yaml_emitter_set_output(&w.em, write_cb, &w);
	yaml_emitter_set_unicode(&w.em, 1);
	yaml_emitter_set_indent(&w.em, 2);
	yaml_emitter_set_width(&w.em, -1); /* never fold long lines */
	yaml_emitter_set_break(&w.em, YAML_LN_BREAK);

	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING)) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory writing YAML");
		goto out;
	}
	if ((rc = emit_ev(&w, &ev)))
		goto out;
	if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1)) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory writing YAML");
		goto out;
	}
	if ((rc = emit_ev(&w, &ev)) || (rc = node(&w, tmpl, NULL, 0)))
		goto out;
	if (!yaml_document_end_event_initialize(&ev, 1)) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory writing YAML");
		goto out;
	}
	if ((rc = emit_ev(&w, &ev)))
		goto out;
	if (!yaml_stream_end_event_initialize(&ev)) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory writing YAML");
		goto out;
	}
	if ((rc = emit_ev(&w, &ev)))
		goto out;
	if (!yaml_emitter_flush(&w.em))
		rc = w.rc ? w.rc : fcc_err_set(e, FCC_EIO, "could not flush the YAML output");
out:
	if (rc == w.rc && rc)
		fcc_err_set(e, rc, "%s",
			    rc == FCC_ENOMEM ? "out of memory writing YAML"
					     : "the YAML output is over its size cap");
	yaml_emitter_delete(&w.em);
	return rc;
}

typedef struct jw {
	fcc_buf *out;
	int rc;
} jw;

static int json_cb(const char *buffer, size_t size, void *data)
{
	jw *w = data;
	int rc = fcc_buf_append(w->out, buffer, size);

	if (rc && !w->rc)
		w->rc = rc;
	return rc ? -1 : 0;
}

int emit_cfn_json(fcc_buf *out, const json_t *tmpl, fcc_err *e)
{
	jw w = {out, 0};

	/* 15 significant digits print 0.3 as 0.3; reals in templates are short */
	if (json_dump_callback(tmpl, json_cb, &w, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) != 0) {
		if (w.rc == FCC_EIO)
			return fcc_err_set(e, FCC_EIO, "the JSON output is over its size cap");
		return fcc_err_set(e, FCC_ENOMEM, "out of memory writing JSON");
	}
	if ((w.rc = fcc_buf_putc(out, '\n')))
		return fcc_err_set(e, w.rc, "could not end the JSON output");
	return FCC_OK;
}
