/*
 * spec_load.c — libyaml events → spec AST with spans.
 *
 * The loader keeps an explicit stack of open containers instead of recursing,
 * so nesting depth is a checked limit rather than a stack overflow. Every node
 * records its weight (its subtree size with aliases expanded); the running
 * total is capped at SPEC_MAX_NODES so a "billion laughs" file fails fast
 * while aliases themselves stay shared pointers and cost no memory.
 *
 * libyaml's marks are 0-based line/column in characters; fcc_source_offset()
 * turns them into byte offsets for spans.
 */
#include "spec_load.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/alloc.h"

spec_pair *spec_map_get(const spec_node *map, const char *key)
{
	size_t i;

	if (!map || map->kind != SPEC_MAP)
		return NULL;
	for (i = 0; i < map->n; i++)
		if (strcmp(map->pairs[i].key->str, key) == 0)
			return &map->pairs[i];
	return NULL;
}

int spec_is_null(const spec_node *n)
{
	if (!n || n->kind != SPEC_SCALAR || !n->plain || n->tag)
		return 0;
	return n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
	       strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0;
}

const char *spec_kind_name(const spec_node *n)
{
	if (!n)
		return "nothing";
	switch (n->kind) {
	case SPEC_MAP:
		return "a mapping";
	case SPEC_SEQ:
		return "a list";
	default:
		return spec_is_null(n) ? "null" : "a scalar";
	}
}

typedef struct frame {
	spec_node *node;
	spec_node **kids; /* scratch: children in order (map: key, value, key, ...) */
	size_t nkids, cap;
	char *anchor; /* anchor to register when the container closes */
} frame;

typedef struct loader {
	const fcc_source *src;
	fcc_arena *arena;
	diag_sink *d;
	yaml_parser_t parser;
	frame stack[SPEC_MAX_DEPTH + 1];
	size_t depth;
	struct anchor {
		char *name;
		spec_node *node;
	} * anchors;
	size_t nanchors, anchors_cap;
	size_t total; /* running expanded node count */
	spec_node *root;
	int ndocs;
} loader;

static fcc_span mark_span(const loader *l, yaml_mark_t a, yaml_mark_t b)
{
	fcc_span s;

	s.src = l->src;
	s.start = fcc_source_offset(l->src, a.line, a.column);
	s.end = fcc_source_offset(l->src, b.line, b.column);
	if (s.end < s.start)
		s.end = s.start;
	return s;
}

static int push_child(loader *l, spec_node *n)
{
	frame *f;

	if (l->depth == 0) {
		l->root = n;
		return FCC_OK;
	}
	f = &l->stack[l->depth - 1];
	if (f->nkids == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 8;
		spec_node **p = fcc_realloc(f->kids, ncap * sizeof *p);
		if (!p)
			return FCC_ENOMEM;
		f->kids = p;
		f->cap = ncap;
	}
	f->kids[f->nkids++] = n;
	return FCC_OK;
}

static int add_anchor(loader *l, const char *name, spec_node *n)
{
	size_t i;

	for (i = 0; i < l->nanchors; i++)
		if (strcmp(l->anchors[i].name, name) == 0) {
			l->anchors[i].node = n; /* YAML allows redefining an anchor */
			return FCC_OK;
		}
	if (l->nanchors == l->anchors_cap) {
		size_t ncap = l->anchors_cap ? l->anchors_cap * 2 : 8;
		struct anchor *p = fcc_realloc(l->anchors, ncap * sizeof *p);
		if (!p)
			return FCC_ENOMEM;
		l->anchors = p;
		l->anchors_cap = ncap;
	}
	l->anchors[l->nanchors].name = fcc_arena_strdup(l->arena, name);
	if (!l->anchors[l->nanchors].name)
		return FCC_ENOMEM;
	l->anchors[l->nanchors++].node = n;
	return FCC_OK;
}

static const char *tag_of(loader *l, const yaml_char_t *tag, int *oom)
{
	const char *t;

	if (!tag)
		return NULL;
	t = fcc_arena_strdup(l->arena, (const char *)tag);
	if (!t)
		*oom = 1;
	return t;
}

static int count(loader *l, size_t weight, fcc_span at)
{
	l->total += weight;
	if (l->total > SPEC_MAX_NODES) {
		diag_error(l->d, at, "aliases expand the spec past the %d-node limit",
			   SPEC_MAX_NODES);
		return FCC_EPARSE;
	}
	return FCC_OK;
}

typedef struct key_ref {
	const char *str;
	size_t idx;
} key_ref;

static int cmp_keys(const void *a, const void *b)
{
	const key_ref *x = a, *y = b;
	int c = strcmp(x->str, y->str);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Close a mapping: pairs from the scratch list, non-scalar keys reported,
 * duplicates reported (with a note at the first) and dropped. */
static int close_map(loader *l, frame *f)
{
	spec_node *m = f->node;
	size_t np = f->nkids / 2, i, k = 0;
	key_ref *refs = NULL;
	unsigned char *drop = NULL;
	int rc = FCC_OK;

	m->pairs = fcc_arena_alloc(l->arena, (np ? np : 1) * sizeof *m->pairs);
	refs = fcc_malloc((np ? np : 1) * sizeof *refs);
	drop = fcc_calloc(np ? np : 1, 1);
	if (!m->pairs || !refs || !drop) {
		rc = FCC_ENOMEM;
		goto out;
	}
	for (i = 0; i < np; i++) {
		spec_node *key = f->kids[2 * i];
		if (key->kind != SPEC_SCALAR) {
			diag_error(l->d, key->span, "mapping keys must be plain strings, not %s",
				   spec_kind_name(key));
			drop[i] = 1;
		}
		refs[i].str = key->kind == SPEC_SCALAR ? key->str : "";
		refs[i].idx = i;
	}
	qsort(refs, np, sizeof *refs, cmp_keys);
	for (i = 1; i < np; i++) {
		size_t first = i - 1;
		while (first > 0 && strcmp(refs[first - 1].str, refs[i].str) == 0)
			first--;
		if (strcmp(refs[first].str, refs[i].str) == 0 && !drop[refs[i].idx] &&
		    !drop[refs[first].idx]) {
			spec_node *dup = f->kids[2 * refs[i].idx];
			spec_node *orig = f->kids[2 * refs[first].idx];
			diag_error(l->d, dup->span, "duplicate key '%s'", dup->str);
			diag_note(l->d, orig->span, "'%s' was first defined here", orig->str);
			drop[refs[i].idx] = 1;
		}
	}
	for (i = 0; i < np; i++) {
		if (drop[i])
			continue;
		m->pairs[k].key = f->kids[2 * i];
		m->pairs[k].value = f->kids[2 * i + 1];
		k++;
	}
	m->n = k;
out:
	fcc_free(refs);
	fcc_free(drop);
	return rc;
}

static int close_container(loader *l)
{
	frame *f = &l->stack[l->depth - 1];
	spec_node *n = f->node;
	size_t i;
	int rc = FCC_OK;

	n->weight = 1;
	for (i = 0; i < f->nkids; i++)
		n->weight += f->kids[i]->weight;
	if (n->kind == SPEC_MAP) {
		rc = close_map(l, f);
	} else {
		n->items = fcc_arena_alloc(l->arena, (f->nkids ? f->nkids : 1) * sizeof *n->items);
		if (!n->items)
			rc = FCC_ENOMEM;
		else if (f->nkids)
			memcpy(n->items, f->kids, f->nkids * sizeof *n->items);
		n->n = f->nkids;
	}
	if (!rc && f->anchor)
		rc = add_anchor(l, f->anchor, n);
	fcc_free(f->kids);
	fcc_free(f->anchor);
	memset(f, 0, sizeof *f);
	l->depth--;
	if (!rc)
		rc = push_child(l, n);
	return rc;
}

static int open_container(loader *l, spec_kind kind, const yaml_event_t *ev)
{
	spec_node *n;
	frame *f;
	int oom = 0;
	const yaml_char_t *anchor, *tag;

	if (kind == SPEC_MAP) {
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
	} else {
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
	}
	if (l->depth >= SPEC_MAX_DEPTH) {
		diag_error(l->d, mark_span(l, ev->start_mark, ev->end_mark),
			   "spec nests deeper than %d levels", SPEC_MAX_DEPTH);
		return FCC_EPARSE;
	}
	n = fcc_arena_alloc(l->arena, sizeof *n);
	if (!n)
		return FCC_ENOMEM;
	n->kind = kind;
	n->span = mark_span(l, ev->start_mark, ev->end_mark);
	n->tag = tag_of(l, tag, &oom);
	if (oom)
		return FCC_ENOMEM;
	f = &l->stack[l->depth++];
	memset(f, 0, sizeof *f);
	f->node = n;
	if (anchor) {
		f->anchor = fcc_strdup((const char *)anchor);
		if (!f->anchor)
			return FCC_ENOMEM;
	}
	return count(l, 1, n->span);
}

static int on_scalar(loader *l, const yaml_event_t *ev)
{
	spec_node *n = fcc_arena_alloc(l->arena, sizeof *n);
	int oom = 0, rc;

	if (!n)
		return FCC_ENOMEM;
	n->kind = SPEC_SCALAR;
	n->span = mark_span(l, ev->start_mark, ev->end_mark);
	n->str = fcc_arena_strndup(l->arena, (const char *)ev->data.scalar.value,
				   ev->data.scalar.length);
	n->len = ev->data.scalar.length;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	n->tag = tag_of(l, ev->data.scalar.tag, &oom);
	n->weight = 1;
	if (!n->str || oom)
		return FCC_ENOMEM;
	if ((rc = count(l, 1, n->span)))
		return rc;
	if (ev->data.scalar.anchor && (rc = add_anchor(l, (const char *)ev->data.scalar.anchor, n)))
		return rc;
	return push_child(l, n);
}

static int on_alias(loader *l, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	fcc_span at = mark_span(l, ev->start_mark, ev->end_mark);
	size_t i;
	int rc;

	for (i = l->nanchors; i-- > 0;)
		if (strcmp(l->anchors[i].name, name) == 0) {
			if ((rc = count(l, l->anchors[i].node->weight, at)))
				return rc;
			return push_child(l, l->anchors[i].node);
		}
	diag_error(l->d, at, "alias '*%s' refers to no anchor defined before it", name);
	return FCC_EPARSE;
}

static void report_parser_error(loader *l)
{
	yaml_parser_t *p = &l->parser;
	fcc_span at = mark_span(l, p->problem_mark, p->problem_mark);

	if (p->error == YAML_MEMORY_ERROR) {
		diag_error(l->d, at, "out of memory while reading YAML");
		return;
	}
	if (p->context)
		diag_error(l->d, at, "invalid YAML: %s %s", p->problem ? p->problem : "error",
			   p->context);
	else
		diag_error(l->d, at, "invalid YAML: %s", p->problem ? p->problem : "error");
}

int spec_load(spec_node **out, const fcc_source *src, fcc_arena *arena, diag_sink *d)
{
	loader l;
	yaml_event_t ev;
	size_t bad;
	int rc = FCC_OK, done = 0;

	*out = NULL;
	memset(&l, 0, sizeof l);
	l.src = src;
	l.arena = arena;
	l.d = d;

	bad = fcc_utf8_invalid_at(src->data, src->len);
	if (bad != (size_t)-1) {
		fcc_span at = {src, bad, bad + 1};
		diag_error(d, at, "spec is not valid UTF-8 (byte 0x%02x)",
			   (unsigned char)src->data[bad]);
		return FCC_EPARSE;
	}
	if (!yaml_parser_initialize(&l.parser))
		return FCC_ENOMEM;
	yaml_parser_set_input_string(&l.parser, (const unsigned char *)src->data, src->len);
	yaml_parser_set_encoding(&l.parser, YAML_UTF8_ENCODING);

	while (!done) {
		if (!yaml_parser_parse(&l.parser, &ev)) {
			report_parser_error(&l);
			rc = l.parser.error == YAML_MEMORY_ERROR ? FCC_ENOMEM : FCC_EPARSE;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++l.ndocs > 1) {
				diag_error(
					d, mark_span(&l, ev.start_mark, ev.end_mark),
					"a spec holds one YAML document; found a second one here");
				rc = FCC_EPARSE;
			}
			break;
		case YAML_MAPPING_START_EVENT:
			rc = open_container(&l, SPEC_MAP, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = open_container(&l, SPEC_SEQ, &ev);
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			/* extend the span to the closing mark */
			l.stack[l.depth - 1].node->span.end =
				fcc_source_offset(src, ev.end_mark.line, ev.end_mark.column);
			rc = close_container(&l);
			break;
		case YAML_SCALAR_EVENT:
			rc = on_scalar(&l, &ev);
			break;
		case YAML_ALIAS_EVENT:
			rc = on_alias(&l, &ev);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (rc)
			break;
	}
	while (l.depth > 0) {
		frame *f = &l.stack[--l.depth];
		fcc_free(f->kids);
		fcc_free(f->anchor);
	}
	fcc_free(l.anchors);
	yaml_parser_delete(&l.parser);
	if (rc)
		return rc;
	*out = l.root;
	return FCC_OK;
}
