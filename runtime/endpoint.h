/*
 * endpoint.h — where to send a request for an AWS service and how to sign
 * it: URL, signing name, signing region, S3 addressing style.
 *
 * Runtime layer below the service clients, beside sigv4. Pure: no I/O; the
 * environment is read through a caller-passed getenv-like function so tests
 * can pass a table. Follows the SDK conventions in AWS-WIRE.md ("Endpoint
 * overrides") and the partition rules (aws, aws-cn, aws-us-gov).
 */
#ifndef FCC_ENDPOINT_H
#define FCC_ENDPOINT_H

#include "compiler/base/err.h"

/* getenv-like lookup: the value of `name` or NULL. Borrowed result, valid
 * until endpoint_resolve() returns. */
typedef const char *(*endpoint_getenv_fn)(const char *name, void *payload);

/* Where the chosen URL came from, strongest first. */
typedef enum endpoint_source {
	ENDPOINT_SRC_EXPLICIT = 1,    /* endpoint_url (--endpoint-url) */
	ENDPOINT_SRC_ENV_SERVICE,     /* AWS_ENDPOINT_URL_<SERVICE> */
	ENDPOINT_SRC_ENV_GLOBAL,      /* AWS_ENDPOINT_URL */
	ENDPOINT_SRC_PROFILE_SERVICE, /* profile `services` section endpoint_url */
	ENDPOINT_SRC_PROFILE_GLOBAL,  /* profile endpoint_url */
	ENDPOINT_SRC_DEFAULT          /* the partition's standard host */
} endpoint_source;

typedef struct endpoint_config {
	/* "cloudformation", "servicecatalog", "s3", "iam", "sts", "sagemaker"
	 * or "forecast" (the signing names). */
	const char *service;
	const char *region;       /* e.g. "eu-west-1", "cn-north-1", "us-gov-west-1" */
	const char *endpoint_url; /* explicit override, wins over everything; NULL if none */
	/* Values from the selected profile (the profile parser fills them):
	 * the per-service `endpoint_url` of its `services` section, its own
	 * `endpoint_url`, and `ignore_configured_endpoint_urls`. */
	const char *profile_service_endpoint_url;
	const char *profile_endpoint_url;
	int profile_ignore_configured;
	/* S3 only: the bucket the request is for, to choose the addressing
	 * style; NULL for none. */
	const char *bucket;
	/* Allow an http:// endpoint whose host is not loopback (--allow-http). */
	int allow_insecure_http;
	endpoint_getenv_fn getenv_fn; /* NULL: no environment */
	void *getenv_payload;
} endpoint_config;

typedef struct endpoint {
	char *scheme;         /* "https" or "http" */
	char *host;           /* host name, IPv4 or "[v6]" (brackets kept, as in a Host header) */
	int port;             /* explicit or the scheme's default (443 / 80) */
	int port_explicit;    /* the URL named the port */
	char *base_path;      /* "" or "/prefix" without a trailing slash */
	char *url;            /* scheme://host[:port]base_path */
	char *signing_name;   /* e.g. "sagemaker" for api.sagemaker.R.amazonaws.com */
	char *signing_region; /* e.g. "us-east-1" for global IAM */
	char *partition;      /* "aws", "aws-cn" or "aws-us-gov" */
	endpoint_source source;
	/* S3: requests must put the bucket in the path (custom endpoint, IP
	 * host, or a bucket that cannot be a DNS label). When 0 and `bucket`
	 * was given, host and url already carry "BUCKET." in front. */
	int s3_path_style;
} endpoint;

/* Resolve cfg into *out (caller disposes with endpoint_dispose). Returns
 * FCC_OK; FCC_ENOTFOUND for an unknown service; FCC_EUSAGE for a malformed
 * region or override URL, or a plain-http override to a non-loopback host
 * without allow_insecure_http (the message names the source and --allow-http);
 * FCC_ENOMEM. On failure *out is zeroed and `e` says why. */
int endpoint_resolve(endpoint *out, const endpoint_config *cfg, fcc_err *e);

/* Free the strings of `ep` and zero it; zeroed and NULL are fine. */
void endpoint_dispose(endpoint *ep);

/* Non-zero when `bucket` can be a virtual-host label over TLS: 3-63 chars of
 * a-z 0-9 '-', starting and ending with a letter or digit, no dots. */
int endpoint_s3_bucket_virtual_ok(const char *bucket);

/* Non-zero when `host` is loopback: "localhost", an IPv4 address in
 * 127.0.0.0/8, or "[::1]". */
int endpoint_host_is_loopback(const char *host);

#endif
