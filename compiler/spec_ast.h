/*
 * spec_ast.h — the spec as a YAML tree whose every node keeps its span.
 *
 * Built by spec_load.c from libyaml's event API (the document API drops
 * nothing we need, but events let us enforce depth and alias-expansion limits
 * while parsing). Nodes live in the compilation's arena. Aliases share the
 * anchored node, so a node may have several parents: never mutate a node
 * after loading; later stages build new nodes instead.
 */
#ifndef FCC_SPEC_AST_H
#define FCC_SPEC_AST_H

#include <stddef.h>

#include "base/source.h"

typedef enum { SPEC_SCALAR, SPEC_MAP, SPEC_SEQ } spec_kind;

typedef struct spec_node spec_node;

typedef struct spec_pair {
	spec_node *key; /* always a SPEC_SCALAR */
	spec_node *value;
} spec_pair;

struct spec_node {
	spec_kind kind;
	fcc_span span;
	const char *tag; /* NULL, or the tag as written: "!Sub", "!!str", ... */
	/* SPEC_SCALAR */
	const char *str; /* NUL-terminated; may contain NULs only up to len */
	size_t len;
	int plain; /* written without quotes or block style (so 1 is a number) */
	/* SPEC_MAP: pairs; SPEC_SEQ: items */
	spec_pair *pairs;
	spec_node **items;
	size_t n;
	size_t weight; /* nodes in the subtree with aliases expanded */
};

/* Lookup of a key in a map node; NULL when absent or `map` is not a map. */
spec_pair *spec_map_get(const spec_node *map, const char *key);

/* Scalar helpers. A scalar is "null" when plain and one of "", "~", "null",
 * "Null", "NULL" (YAML 1.2 core schema). */
int spec_is_null(const spec_node *n);
/* Human name of the node's kind for messages: "a string", "a mapping", ... */
const char *spec_kind_name(const spec_node *n);

#endif
