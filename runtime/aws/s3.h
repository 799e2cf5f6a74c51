/*
 * s3.h — typed client for Amazon S3 (rest-xml): the object calls fcc needs
 * to upload content-addressed artifacts and check them, and the conditional
 * writes (If-None-Match / If-Match) and deletes the apply lock is built on
 * (runtime/lock.h). Keys are
 * percent-encoded per segment; custom endpoints use path-style addressing.
 * Outputs: aws_pool_dispose(&out->pool). A missing object is FCC_ENOTFOUND.
 */
#ifndef FCC_AWS_S3_H
#define FCC_AWS_S3_H

#include "runtime/aws.h"

typedef struct s3_put_input {
	const char *bucket, *key; /* required */
	const void *body;
	size_t len;
	const char *content_type; /* NULL: binary/octet-stream */
	const aws_tag *metadata;  /* x-amz-meta-<key>: value */
	size_t nmetadata;
	/* Conditional writes (S3 honours both on PutObject since 2024): "*" in
	 * if_none_match writes only when no object exists; an ETag in if_match
	 * writes only over that very version. A failed condition is FCC_EAWS
	 * with code PreconditionFailed (HTTP 412); If-Match on a missing object
	 * is FCC_ENOTFOUND (NoSuchKey). Two conditional writes racing for the
	 * same key may make S3 answer 409 ConditionalRequestConflict to one of
	 * them. NULL: unconditional. */
	const char *if_none_match;
	const char *if_match;
} s3_put_input;

typedef struct s3_object_info {
	aws_pool pool;
	long long content_length;
	const char *etag, *content_type, *version_id;
	long long last_modified;
	aws_tag *metadata; /* x-amz-meta-* headers, prefix removed */
	size_t nmetadata, mcap;
	const void *body; /* GetObject only; NUL-terminated, `content_length` bytes */
} s3_object_info;

/* PutObject, with Content-MD5 (S3 checks it) and the signed
 * x-amz-content-sha256. `out` may be NULL; else it gets the ETag. */
int s3_put_object(s3_object_info *out, aws_ctx *ctx, const s3_put_input *in, aws_error *ae);
/* PutObject queued on `ctx` (aws_submit; `in` and what it points to are
 * copied): `done` runs from aws_run() with the response (its ETag header)
 * and the final error, coded as for s3_put_object. Returns FCC_OK, or an
 * error in `e` and `done` is never called. */
int s3_put_object_submit(aws_ctx *ctx, const s3_put_input *in, aws_done_fn done, void *payload,
			 fcc_err *e);
/* HeadObject: its errors have no body, so a missing object is known by the
 * 404 status alone. */
int s3_head_object(s3_object_info *out, aws_ctx *ctx, const char *bucket, const char *key,
		   aws_error *ae);
int s3_get_object(s3_object_info *out, aws_ctx *ctx, const char *bucket, const char *key,
		  aws_error *ae);
/* DeleteObject. With `if_match` (an ETag; NULL: unconditional) S3 deletes
 * only that version: another one is FCC_EAWS PreconditionFailed (412), a
 * missing object FCC_ENOTFOUND. Unconditional deletes of a missing key
 * succeed (S3 answers 204 either way). */
int s3_delete_object(aws_ctx *ctx, const char *bucket, const char *key, const char *if_match,
		     aws_error *ae);

/* One object version or delete marker (ListObjectVersions). */
typedef struct s3_version {
	const char *key, *version_id; /* version_id "null" in an unversioned bucket */
	int delete_marker;
} s3_version;

typedef struct s3_version_list {
	aws_pool pool;
	s3_version *items;
	size_t n, cap;
	int truncated; /* stopped at `max` */
} s3_version_list;

/* ListObjectVersions of the keys under `prefix` (NULL: all), every page,
 * at most `max` entries (0: no limit; `truncated` says when more exist).
 * A missing bucket is FCC_ENOTFOUND (NoSuchBucket). */
int s3_list_object_versions(s3_version_list *out, aws_ctx *ctx, const char *bucket,
			    const char *prefix, size_t max, aws_error *ae);
/* DeleteObject of one version (or delete marker) for good; `version_id`
 * NULL: the current object (a delete marker in a versioned bucket). */
int s3_delete_object_version(aws_ctx *ctx, const char *bucket, const char *key,
			     const char *version_id, aws_error *ae);
/* DeleteBucket: only an empty bucket (no versions, no delete markers) can
 * go; else FCC_EAWS BucketNotEmpty (409). */
int s3_delete_bucket(aws_ctx *ctx, const char *bucket, aws_error *ae);

/* HeadObject queued on `ctx` (aws_submit): `out` is filled by the time
 * `done` runs from aws_run() with ae->err.code FCC_OK; a missing object is
 * FCC_ENOTFOUND there. Returns FCC_OK, or an error in `e` and `done` is never
 * called. Dispose out->pool either way. */
int s3_head_object_submit(s3_object_info *out, aws_ctx *ctx, const char *bucket, const char *key,
			  aws_finish_fn done, void *payload, fcc_err *e);

#endif
