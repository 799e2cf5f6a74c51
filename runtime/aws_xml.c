/*
 * aws_xml.c — reading AWS XML answers with libxml2: parse without network
 * access or entity expansion, find elements by local name ("A/B/C" or
 * "//Name"), and copy text into an output pool.
 */
#include "runtime/aws.h"

#include <libxml/parser.h>
#include <string.h>

#include "compiler/base/alloc.h"

int aws_xml_parse(xmlDoc **out, const void *data, size_t len, fcc_err *e)
{
	*out = NULL;
	if (len > (size_t)0x7fffffff)
		return fcc_err_set(e, FCC_EPARSE, "XML answer too large");
	/* NONET: no DTD fetches; entities are not substituted (no NOENT) */
	*out = xmlReadMemory(data, (int)len, "aws.xml", NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!*out || !xmlDocGetRootElement(*out)) {
		if (*out)
			xmlFreeDoc(*out);
		*out = NULL;
		return fcc_err_set(e, FCC_EPARSE, "the answer is not well-formed XML");
	}
	return FCC_OK;
}

static int name_is(const xmlNode *n, const char *name, size_t len)
{
	return n->type == XML_ELEMENT_NODE && strlen((const char *)n->name) == len &&
	       memcmp(n->name, name, len) == 0;
}

/* Walk `path` ("A/B/C") down the children of `from`. */
static const xmlNode *walk(const xmlNode *from, const char *path)
{
	const xmlNode *cur = from, *c;

	while (cur && *path) {
		size_t len = strcspn(path, "/");
		for (c = cur->children; c; c = c->next)
			if (name_is(c, path, len))
				break;
		cur = c;
		path += len;
		if (*path == '/')
			path++;
	}
	return cur;
}

/* Depth-first search below `from` for an element named like the first
 * segment of `path` from which the rest of `path` walks. */
static const xmlNode *descend(const xmlNode *from, const char *path)
{
	size_t len = strcspn(path, "/");
	const char *rest = path[len] == '/' ? path + len + 1 : path + len;
	const xmlNode *c, *r;

	for (c = from->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (name_is(c, path, len) && (r = walk(c, rest)))
			return r;
		if ((r = descend(c, path)))
			return r;
	}
	return NULL;
}

const xmlNode *aws_xml_find(const xmlNode *from, const char *path)
{
	if (!from || !path)
		return NULL;
	if (path[0] == '/' && path[1] == '/')
		return descend(from, path + 2);
	return walk(from, path);
}

const xmlNode *aws_xml_next(const xmlNode *n)
{
	const xmlNode *c;

	if (!n)
		return NULL;
	for (c = n->next; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, n->name))
			return c;
	return NULL;
}

size_t aws_xml_count(const xmlNode *parent, const char *name)
{
	const xmlNode *c;
	size_t n = 0, len = strlen(name);

	if (!parent)
		return 0;
	for (c = parent->children; c; c = c->next)
		if (name_is(c, name, len))
			n++;
	return n;
}

const char *aws_xml_str(aws_pool *p, const xmlNode *from, const char *path)
{
	const xmlNode *n = aws_xml_find(from, path);
	xmlChar *t;
	char *s;

	if (!n)
		return NULL;
	if (!(t = xmlNodeGetContent(n))) {
		p->oom = 1;
		return NULL;
	}
	s = aws_pool_strdup(p, (const char *)t);
	xmlFree(t);
	return s;
}

long long aws_xml_time(const xmlNode *from, const char *path)
{
	const xmlNode *n = aws_xml_find(from, path);
	xmlChar *t;
	long long v = 0;

	if (!n || !(t = xmlNodeGetContent(n)))
		return 0;
	if (creds_parse_time(&v, (const char *)t))
		v = 0;
	xmlFree(t);
	return v;
}

int aws_xml_bool(const xmlNode *from, const char *path)
{
	const xmlNode *n = aws_xml_find(from, path);
	xmlChar *t;
	int v;

	if (!n || !(t = xmlNodeGetContent(n)))
		return 0;
	v = strcmp((const char *)t, "true") == 0;
	xmlFree(t);
	return v;
}

int aws_xml_tags(aws_tag **out, size_t *n, aws_pool *p, const xmlNode *list)
{
	const xmlNode *m;
	size_t cap = 0;
	aws_tag *t;

	*out = NULL;
	*n = 0;
	for (m = aws_xml_find(list, "member"); m; m = aws_xml_next(m)) {
		if (!(t = AWS_PUSH(p, *out, *n, cap)))
			return FCC_ENOMEM;
		t->key = aws_xml_str(p, m, "Key");
		t->value = aws_xml_str(p, m, "Value");
	}
	return p->oom ? FCC_ENOMEM : FCC_OK;
}
