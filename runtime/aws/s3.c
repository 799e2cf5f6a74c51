/*
 * s3.c — Amazon S3 typed client (see s3.h).
 */
#define _XOPEN_SOURCE 700 /* strptime, for Last-Modified */
#include "runtime/aws/s3.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "compiler/base/alloc.h"

static int key_path(fcc_buf *path, const char *key, const char *op, aws_error *ae)
{
	fcc_buf_init(path, 64 * 1024);
	if (!key || !*key)
		return fcc_err_set(&ae->err, FCC_EUSAGE, "S3 %s: no key", op);
	if (aws_s3_key_path(path, key))
		return fcc_err_set(&ae->err, FCC_ENOMEM, "S3 %s: out of memory", op);
	return FCC_OK;
}

static void read_info(s3_object_info *out, const http_response *r)
{
	aws_pool *p = &out->pool;
	const char *v;
	size_t i;

	if ((v = http_response_header(r, "Content-Length")))
		out->content_length = strtoll(v, NULL, 10);
	out->etag = aws_pool_strdup(p, http_response_header(r, "ETag"));
	out->content_type = aws_pool_strdup(p, http_response_header(r, "Content-Type"));
	out->version_id = aws_pool_strdup(p, http_response_header(r, "x-amz-version-id"));
	if ((v = http_response_header(r, "Last-Modified"))) {
		struct tm tm;
		memset(&tm, 0, sizeof tm);
		if (strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm))
			out->last_modified = (long long)timegm(&tm);
	}
	for (i = 0; i < r->headers.n; i++) {
		const http_header *h = &r->headers.items[i];
		aws_tag *t;
		if (strncasecmp(h->name, "x-amz-meta-", 11) != 0)
			continue;
		if (!(t = AWS_PUSH(p, out->metadata, out->nmetadata, out->mcap)))
			return;
		t->key = aws_pool_strdup(p, h->name + 11);
		t->value = aws_pool_strdup(p, h->value);
	}
}

/* The PutObject request for `in` into *req: the key path, Content-MD5,
 * Content-Type, the conditions and the metadata headers. `path`, `md5`, *h
 * and *names back the request until it is submitted (aws_submit copies);
 * the caller disposes `path` and frees *h and *names either way. */
static int put_request(aws_request *req, fcc_buf *path, char md5[32], http_header **h,
		       char (**names)[160], const s3_put_input *in, aws_error *ae)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	size_t i, nh = 0;
	int rc;

	*h = NULL;
	*names = NULL;
	if ((rc = key_path(path, in->key, "PutObject", ae)))
		return rc;
	if (!EVP_Digest(in->body ? in->body : "", in->len, md, &mdlen, EVP_md5(), NULL))
		return fcc_err_set(&ae->err, FCC_ERROR, "S3 PutObject: MD5 failed");
	EVP_EncodeBlock((unsigned char *)md5, md, (int)mdlen);
	if (!(*h = fcc_calloc(in->nmetadata + 4, sizeof **h)) ||
	    !(*names = fcc_calloc(in->nmetadata + 1, sizeof **names)))
		return fcc_err_set(&ae->err, FCC_ENOMEM, "S3 PutObject: out of memory");
	(*h)[nh].name = "Content-MD5";
	(*h)[nh++].value = md5;
	(*h)[nh].name = "Content-Type";
	(*h)[nh++].value = (char *)(in->content_type ? in->content_type : "binary/octet-stream");
	if (in->if_none_match) {
		(*h)[nh].name = "If-None-Match";
		(*h)[nh++].value = (char *)in->if_none_match;
	}
	if (in->if_match) {
		(*h)[nh].name = "If-Match";
		(*h)[nh++].value = (char *)in->if_match;
	}
	for (i = 0; i < in->nmetadata; i++) {
		snprintf((*names)[i], sizeof(*names)[i], "x-amz-meta-%s", in->metadata[i].key);
		(*h)[nh].name = (*names)[i];
		(*h)[nh++].value = (char *)(in->metadata[i].value ? in->metadata[i].value : "");
	}
	memset(req, 0, sizeof *req);
	req->svc = &aws_svc_s3;
	req->operation = "PutObject";
	req->method = "PUT";
	req->path = path->data;
	req->bucket = in->bucket;
	req->headers = *h;
	req->nheaders = nh;
	req->body = in->body;
	req->body_len = in->len;
	return FCC_OK;
}

int s3_put_object(s3_object_info *out, aws_ctx *ctx, const s3_put_input *in, aws_error *ae)
{
	char md5[32], (*names)[160] = NULL;
	http_header *h = NULL;
	aws_request req;
	http_response r;
	fcc_buf path;
	int rc;

	if (out)
		memset(out, 0, sizeof *out);
	aws_error_clear(ae);
	http_response_init(&r);
	fcc_buf_init(&path, 64 * 1024);
	if ((rc = put_request(&req, &path, md5, &h, &names, in, ae)))
		goto out;
	if ((rc = aws_call(ctx, &req, &r, ae)))
		goto out;
	if (out) {
		out->etag = aws_pool_strdup(&out->pool, http_response_header(&r, "ETag"));
		out->content_length = (long long)in->len;
		if (out->pool.oom) {
			aws_pool_dispose(&out->pool);
			rc = fcc_err_set(&ae->err, FCC_ENOMEM, "S3 PutObject: out of memory");
		}
	}
out:
	fcc_free(h);
	fcc_free(names);
	fcc_buf_dispose(&path);
	http_response_dispose(&r);
	return rc;
}

int s3_put_object_submit(aws_ctx *ctx, const s3_put_input *in, aws_done_fn done, void *payload,
			 fcc_err *e)
{
	char md5[32], (*names)[160] = NULL;
	http_header *h = NULL;
	aws_request req;
	aws_error ae;
	fcc_buf path;
	int rc;

	aws_error_clear(&ae);
	fcc_buf_init(&path, 64 * 1024);
	if ((rc = put_request(&req, &path, md5, &h, &names, in, &ae)))
		fcc_err_set(e, rc, "%s", ae.err.msg);
	else
		rc = aws_submit(ctx, &req, done, payload, e);
	fcc_free(h);
	fcc_free(names);
	fcc_buf_dispose(&path);
	return rc;
}

static int head_or_get(s3_object_info *out, aws_ctx *ctx, const char *method, const char *op,
		       const char *bucket, const char *key, aws_error *ae)
{
	aws_request req;
	http_response r;
	fcc_buf path;
	int rc;

	memset(out, 0, sizeof *out);
	aws_error_clear(ae);
	http_response_init(&r);
	if ((rc = key_path(&path, key, op, ae)))
		goto out;
	memset(&req, 0, sizeof req);
	req.svc = &aws_svc_s3;
	req.operation = op;
	req.method = method;
	req.path = path.data;
	req.bucket = bucket;
	if ((rc = aws_call(ctx, &req, &r, ae)))
		goto out;
	read_info(out, &r);
	if (strcmp(method, "GET") == 0) {
		out->body =
			aws_pool_strndup(&out->pool, r.body.data ? r.body.data : "", r.body.len);
		out->content_length = (long long)r.body.len;
	}
	if (out->pool.oom) {
		aws_pool_dispose(&out->pool);
		rc = fcc_err_set(&ae->err, FCC_ENOMEM, "S3 %s: out of memory", op);
	}
out:
	fcc_buf_dispose(&path);
	http_response_dispose(&r);
	return rc;
}

int s3_head_object(s3_object_info *out, aws_ctx *ctx, const char *bucket, const char *key,
		   aws_error *ae)
{
	return head_or_get(out, ctx, "HEAD", "HeadObject", bucket, key, ae);
}

int s3_get_object(s3_object_info *out, aws_ctx *ctx, const char *bucket, const char *key,
		  aws_error *ae)
{
	return head_or_get(out, ctx, "GET", "GetObject", bucket, key, ae);
}

int s3_delete_object(aws_ctx *ctx, const char *bucket, const char *key, const char *if_match,
		     aws_error *ae)
{
	http_header h[1];
	aws_request req;
	http_response r;
	fcc_buf path;
	int rc;

	aws_error_clear(ae);
	http_response_init(&r);
	if ((rc = key_path(&path, key, "DeleteObject", ae)))
		goto out;
	memset(&req, 0, sizeof req);
	req.svc = &aws_svc_s3;
	req.operation = "DeleteObject";
	req.method = "DELETE";
	req.path = path.data;
	req.bucket = bucket;
	if (if_match) {
		h[0].name = (char *)"If-Match";
		h[0].value = (char *)if_match;
		req.headers = h;
		req.nheaders = 1;
	}
	rc = aws_call(ctx, &req, &r, ae);
out:
	fcc_buf_dispose(&path);
	http_response_dispose(&r);
	return rc;
}

/* ---- asynchronous HeadObject ---- */

typedef struct head_job {
	s3_object_info *out;
	aws_finish_fn done;
	void *payload;
} head_job;

static void head_done(void *payload, http_response *resp, aws_error *layer)
{
	head_job *j = payload;
	aws_error ae = *layer;

	if (!ae.err.code) {
		read_info(j->out, resp);
		if (j->out->pool.oom)
			fcc_err_set(&ae.err, FCC_ENOMEM, "S3 HeadObject: out of memory");
	}
	j->done(j->payload, &ae);
	fcc_free(j);
}

int s3_head_object_submit(s3_object_info *out, aws_ctx *ctx, const char *bucket, const char *key,
			  aws_finish_fn done, void *payload, fcc_err *e)
{
	aws_request req;
	aws_error ae;
	head_job *j = NULL;
	fcc_buf path;
	int rc;

	memset(out, 0, sizeof *out);
	aws_error_clear(&ae);
	if ((rc = key_path(&path, key, "HeadObject", &ae))) {
		fcc_err_set(e, rc, "%s", ae.err.msg);
		goto out;
	}
	if (!(j = fcc_calloc(1, sizeof *j))) {
		rc = fcc_err_set(e, FCC_ENOMEM, "S3 HeadObject: out of memory");
		goto out;
	}
	j->out = out;
	j->done = done;
	j->payload = payload;
	memset(&req, 0, sizeof req);
	req.svc = &aws_svc_s3;
	req.operation = "HeadObject";
	req.method = "HEAD";
	req.path = path.data;
	req.bucket = bucket;
	if ((rc = aws_submit(ctx, &req, head_done, j, e)) == FCC_OK)
		j = NULL; /* head_done frees it */
out:
	fcc_free(j);
	fcc_buf_dispose(&path);
	return rc;
}

/* ---- bucket-level calls: versions, version deletes, the bucket itself ---- */

static int bucket_call(aws_ctx *ctx, const char *bucket, const char *op, const char *method,
		       const char *path, const char *query, http_response *r, aws_error *ae)
{
	aws_request req;

	memset(&req, 0, sizeof req);
	req.svc = &aws_svc_s3;
	req.operation = op;
	req.method = method;
	req.path = path;
	req.query = query;
	req.bucket = bucket;
	return aws_call(ctx, &req, r, ae);
}

static int qparam(fcc_buf *q, const char *k, const char *v)
{
	if (!v)
		return FCC_OK;
	if ((q->len && fcc_buf_putc(q, '&')) || fcc_buf_puts(q, k) || fcc_buf_putc(q, '='))
		return FCC_ENOMEM;
	return aws_percent_encode(q, v, strlen(v), 0);
}

int s3_list_object_versions(s3_version_list *out, aws_ctx *ctx, const char *bucket,
			    const char *prefix, size_t max, aws_error *ae)
{
	aws_pool *p = &out->pool;
	/* the next page's markers live in the list's pool, as its items do */
	const char *key_marker = NULL, *vid_marker = NULL;
	unsigned page;
	int rc = FCC_OK, more = 0;

	memset(out, 0, sizeof *out);
	aws_error_clear(ae);
	for (page = 0; page < AWS_MAX_PAGES; page++) {
		http_response r;
		fcc_buf q;
		xmlDoc *doc = NULL;
		const xmlNode *root, *n;
		fcc_err pe;

		fcc_buf_init(&q, 64 * 1024);
		http_response_init(&r);
		/* the canonical query is sorted: keep the keys in that order */
		if (qparam(&q, "key-marker", key_marker) || qparam(&q, "prefix", prefix) ||
		    qparam(&q, "version-id-marker", vid_marker) || qparam(&q, "versions", "")) {
			fcc_buf_dispose(&q);
			rc = fcc_err_set(&ae->err, FCC_ENOMEM,
					 "S3 ListObjectVersions: out of memory");
			break;
		}
		rc = bucket_call(ctx, bucket, "ListObjectVersions", "GET", "/", fcc_buf_cstr(&q),
				 &r, ae);
		fcc_buf_dispose(&q);
		if (!rc && aws_xml_parse(&doc, r.body.data ? r.body.data : "", r.body.len, &pe))
			rc = fcc_err_set(&ae->err, FCC_EPARSE, "S3 ListObjectVersions: %s", pe.msg);
		http_response_dispose(&r);
		if (rc) {
			xmlFreeDoc(doc);
			break;
		}
		root = xmlDocGetRootElement(doc);
		for (n = root ? root->children : NULL; n; n = n->next) {
			s3_version *sv;
			int marker;
			if (n->type != XML_ELEMENT_NODE)
				continue;
			marker = strcmp((const char *)n->name, "DeleteMarker") == 0;
			if (!marker && strcmp((const char *)n->name, "Version") != 0)
				continue;
			if (max && out->n >= max) {
				out->truncated = 1;
				break;
			}
			if (!(sv = AWS_PUSH(p, out->items, out->n, out->cap)))
				break;
			sv->key = aws_xml_str(p, n, "Key");
			sv->version_id = aws_xml_str(p, n, "VersionId");
			sv->delete_marker = marker;
		}
		more = root && aws_xml_bool(root, "IsTruncated");
		key_marker = root ? aws_xml_str(p, root, "NextKeyMarker") : NULL;
		vid_marker = root ? aws_xml_str(p, root, "NextVersionIdMarker") : NULL;
		xmlFreeDoc(doc);
		if (p->oom) {
			rc = fcc_err_set(&ae->err, FCC_ENOMEM,
					 "S3 ListObjectVersions: out of memory");
			break;
		}
		if (out->truncated || !more || !key_marker) {
			more = 0;
			break;
		}
	}
	if (!rc && more) /* AWS_MAX_PAGES pages and still more: not the whole list */
		rc = fcc_err_set(&ae->err, FCC_ERROR,
				 "S3 ListObjectVersions: more than %u pages under %s",
				 AWS_MAX_PAGES, prefix ? prefix : "the bucket");
	if (rc)
		aws_pool_dispose(p);
	return rc;
}

int s3_delete_object_version(aws_ctx *ctx, const char *bucket, const char *key,
			     const char *version_id, aws_error *ae)
{
	http_response r;
	fcc_buf path, q;
	int rc;

	aws_error_clear(ae);
	http_response_init(&r);
	fcc_buf_init(&q, 4096);
	if ((rc = key_path(&path, key, "DeleteObject", ae)))
		goto out;
	if (qparam(&q, "versionId", version_id)) {
		rc = fcc_err_set(&ae->err, FCC_ENOMEM, "S3 DeleteObject: out of memory");
		goto out;
	}
	rc = bucket_call(ctx, bucket, "DeleteObject", "DELETE", path.data,
			 version_id ? fcc_buf_cstr(&q) : NULL, &r, ae);
out:
	fcc_buf_dispose(&path);
	fcc_buf_dispose(&q);
	http_response_dispose(&r);
	return rc;
}

int s3_delete_bucket(aws_ctx *ctx, const char *bucket, aws_error *ae)
{
	http_response r;
	int rc;

	aws_error_clear(ae);
	http_response_init(&r);
	rc = bucket_call(ctx, bucket, "DeleteBucket", "DELETE", "/", NULL, &r, ae);
	http_response_dispose(&r);
	return rc;
}
