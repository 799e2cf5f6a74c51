/*
 * endpoint.c — endpoint resolution for fcc's AWS services (see endpoint.h).
 *
 * Hosts and signing names follow AWS-WIRE.md's protocol table; partitions
 * follow the region prefix. Overrides follow botocore's configured-endpoint
 * precedence: explicit > AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL >
 * profile services-section endpoint_url > profile endpoint_url.
 */
#include "runtime/endpoint.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compiler/base/alloc.h"
#include "compiler/base/buf.h"

typedef struct svc_info {
	const char *name;   /* signing name */
	const char *env;    /* AWS_ENDPOINT_URL_<env> */
	const char *prefix; /* host prefix */
	int global_iam;     /* one endpoint per partition */
} svc_info;

static const svc_info services[] = {
	{"cloudformation", "CLOUDFORMATION", "cloudformation", 0},
	{"servicecatalog", "SERVICE_CATALOG", "servicecatalog", 0},
	{"s3", "S3", "s3", 0},
	{"iam", "IAM", "iam", 1},
	{"sts", "STS", "sts", 0},
	/* the host prefix is api.sagemaker, the signing name sagemaker */
	{"sagemaker", "SAGEMAKER", "api.sagemaker", 0},
	{"forecast", "FORECAST", "forecast", 0},
};

int endpoint_s3_bucket_virtual_ok(const char *b)
{
	size_t n, i;

	if (!b)
		return 0;
	n = strlen(b);
	if (n < 3 || n > 63 || !isalnum((unsigned char)b[0]) || !isalnum((unsigned char)b[n - 1]))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b[i];
		/* dots would break the *.s3 wildcard certificate */
		if (!(islower(c) || isdigit(c) || c == '-'))
			return 0;
	}
	return 1;
}

/* Dotted-quad IPv4; first octet into *first. */
static int is_ipv4(const char *h, int *first)
{
	int parts = 0;

	while (parts < 4) {
		int v = 0, digits = 0;
		while (isdigit((unsigned char)*h) && digits < 4) {
			v = v * 10 + (*h++ - '0');
			digits++;
		}
		if (!digits || digits > 3 || v > 255)
			return 0;
		if (parts == 0 && first)
			*first = v;
		parts++;
		if (parts < 4 && *h++ != '.')
			return 0;
	}
	return *h == '\0';
}

int endpoint_host_is_loopback(const char *host)
{
	int first = -1;

	if (!host)
		return 0;
	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
		return 1;
	return is_ipv4(host, &first) && first == 127;
}

static int region_ok(const char *r)
{
	size_t i;

	if (!r || !*r || strlen(r) > 64)
		return 0;
	for (i = 0; r[i]; i++)
		if (!islower((unsigned char)r[i]) && !isdigit((unsigned char)r[i]) && r[i] != '-')
			return 0;
	return r[0] != '-' && r[i - 1] != '-';
}

static int truthy(const char *v)
{
	return v && strcasecmp(v, "true") == 0;
}

static const char *env(const endpoint_config *cfg, const char *name)
{
	const char *v;

	if (!cfg->getenv_fn)
		return NULL;
	v = cfg->getenv_fn(name, cfg->getenv_payload);
	return v && *v ? v : NULL;
}

/* Split an override URL into *out's scheme/host/port/base_path/url. */
static int parse_url(endpoint *out, const char *url, const char *what, fcc_err *e)
{
	const char *p, *host, *hend, *port = NULL, *path;
	size_t i;
	long pv;

	if (strncasecmp(url, "https://", 8) == 0) {
		out->scheme = fcc_strdup("https");
		out->port = 443;
		p = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		out->scheme = fcc_strdup("http");
		out->port = 80;
		p = url + 7;
	} else {
		return fcc_err_set(e, FCC_EUSAGE, "%s '%s' must start with https:// or http://",
				   what, url);
	}
	if (!out->scheme)
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	for (i = 0; url[i]; i++)
		if ((unsigned char)url[i] <= ' ' || url[i] == '\x7f' || url[i] == '?' ||
		    url[i] == '#' || url[i] == '@' || url[i] == '\\')
			return fcc_err_set(e, FCC_EUSAGE,
					   "%s '%s': only scheme://host[:port][/path] is allowed "
					   "(no spaces, user info, query or fragment)",
					   what, url);
	host = p;
	if (*p == '[') {
		hend = strchr(p, ']');
		if (!hend || hend == p + 1)
			return fcc_err_set(e, FCC_EUSAGE, "%s '%s': bad IPv6 address", what, url);
		for (i = 1; p + i < hend; i++)
			if (!isxdigit((unsigned char)p[i]) && p[i] != ':' && p[i] != '.')
				return fcc_err_set(e, FCC_EUSAGE, "%s '%s': bad IPv6 address", what,
						   url);
		hend++;
	} else {
		hend = p + strcspn(p, ":/");
		if (hend == p)
			return fcc_err_set(e, FCC_EUSAGE, "%s '%s' has no host", what, url);
		for (i = 0; p + i < hend; i++)
			if (!isalnum((unsigned char)p[i]) && p[i] != '-' && p[i] != '.' &&
			    p[i] != '_')
				return fcc_err_set(e, FCC_EUSAGE, "%s '%s': bad host name", what,
						   url);
	}
	p = hend;
	if (*p == ':') {
		char *end;
		port = ++p;
		pv = strtol(port, &end, 10);
		if (end == port || (*end && *end != '/') || pv < 1 || pv > 65535 ||
		    !isdigit((unsigned char)*port))
			return fcc_err_set(e, FCC_EUSAGE, "%s '%s': bad port", what, url);
		out->port = (int)pv;
		out->port_explicit = 1;
		p = end;
	} else if (*p && *p != '/') {
		return fcc_err_set(e, FCC_EUSAGE, "%s '%s': bad host", what, url);
	}
	path = p;
	i = strlen(path);
	while (i && path[i - 1] == '/')
		i--;
	if (!(out->host = fcc_strndup(host, (size_t)(hend - host))) ||
	    !(out->base_path = fcc_strndup(path, i)))
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	for (i = 0; out->host[i]; i++)
		out->host[i] = (char)tolower((unsigned char)out->host[i]);
	return FCC_OK;
}

static int set_url(endpoint *ep, fcc_err *e)
{
	fcc_buf b;

	fcc_buf_init(&b, 4096);
	if (fcc_buf_printf(&b, "%s://%s", ep->scheme, ep->host) ||
	    (ep->port_explicit && fcc_buf_printf(&b, ":%d", ep->port)) ||
	    fcc_buf_puts(&b, ep->base_path) || !(ep->url = fcc_buf_take(&b, NULL))) {
		fcc_buf_dispose(&b);
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	}
	return FCC_OK;
}

int endpoint_resolve(endpoint *out, const endpoint_config *cfg, fcc_err *e)
{
	endpoint ep;
	const svc_info *svc = NULL;
	const char *suffix, *part, *override = NULL, *what = NULL, *ign;
	const char *sign_region;
	char envname[64], *host = NULL;
	int rc = FCC_OK, ignore;
	size_t i;

	memset(&ep, 0, sizeof ep);
	memset(out, 0, sizeof *out);
	for (i = 0; cfg->service && i < sizeof services / sizeof *services; i++)
		if (strcmp(cfg->service, services[i].name) == 0)
			svc = &services[i];
	if (!svc)
		return fcc_err_set(e, FCC_ENOTFOUND, "endpoint: unknown service '%s'",
				   cfg->service ? cfg->service : "(none)");
	if (!region_ok(cfg->region))
		return fcc_err_set(e, FCC_EUSAGE,
				   "endpoint: region '%s' is not a region name (like eu-west-1)",
				   cfg->region ? cfg->region : "");

	/* partition by region prefix */
	if (strncmp(cfg->region, "cn-", 3) == 0) {
		part = "aws-cn";
		suffix = "amazonaws.com.cn";
	} else if (strncmp(cfg->region, "us-gov-", 7) == 0) {
		part = "aws-us-gov";
		suffix = "amazonaws.com";
	} else {
		part = "aws";
		suffix = "amazonaws.com";
	}
	/* IAM is global per partition: one host, one signing region */
	sign_region = cfg->region;
	if (svc->global_iam)
		sign_region = strcmp(part, "aws-cn") == 0       ? "cn-north-1"
			      : strcmp(part, "aws-us-gov") == 0 ? "us-gov-west-1"
								: "us-east-1";
	if (!(ep.signing_name = fcc_strdup(svc->name)) ||
	    !(ep.signing_region = fcc_strdup(sign_region)) || !(ep.partition = fcc_strdup(part))) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
		goto out;
	}

	/* overrides; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (env wins over the
	 * profile's ignore_configured_endpoint_urls) drops all but explicit */
	ign = env(cfg, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	ignore = ign ? truthy(ign) : cfg->profile_ignore_configured;
	snprintf(envname, sizeof envname, "AWS_ENDPOINT_URL_%s", svc->env);
	if (cfg->endpoint_url && *cfg->endpoint_url) {
		override = cfg->endpoint_url;
		what = "--endpoint-url";
		ep.source = ENDPOINT_SRC_EXPLICIT;
	} else if (!ignore && (override = env(cfg, envname))) {
		what = envname;
		ep.source = ENDPOINT_SRC_ENV_SERVICE;
	} else if (!ignore && (override = env(cfg, "AWS_ENDPOINT_URL"))) {
		what = "AWS_ENDPOINT_URL";
		ep.source = ENDPOINT_SRC_ENV_GLOBAL;
	} else if (!ignore && cfg->profile_service_endpoint_url &&
		   *cfg->profile_service_endpoint_url) {
		override = cfg->profile_service_endpoint_url;
		what = "the profile's services endpoint_url";
		ep.source = ENDPOINT_SRC_PROFILE_SERVICE;
	} else if (!ignore && cfg->profile_endpoint_url && *cfg->profile_endpoint_url) {
		override = cfg->profile_endpoint_url;
		what = "the profile's endpoint_url";
		ep.source = ENDPOINT_SRC_PROFILE_GLOBAL;
	} else {
		ep.source = ENDPOINT_SRC_DEFAULT;
	}

	if (override) {
		if ((rc = parse_url(&ep, override, what, e)))
			goto out;
		/* plain HTTP sends the signed request and the response in clear:
		 * fine for a local moto, not across a network */
		if (strcmp(ep.scheme, "http") == 0 && !cfg->allow_insecure_http &&
		    !endpoint_host_is_loopback(ep.host)) {
			rc = fcc_err_set(e, FCC_EUSAGE,
					 "endpoint: %s '%s' uses plain http:// to a non-loopback "
					 "host; use https://, or pass --allow-http to accept it",
					 what, override);
			goto out;
		}
		/* a custom endpoint cannot be assumed to serve virtual hosts */
		ep.s3_path_style = strcmp(svc->name, "s3") == 0;
	} else {
		if (svc->global_iam) {
			if (strcmp(part, "aws-cn") == 0)
				host = fcc_strdup("iam.cn-north-1.amazonaws.com.cn");
			else if (strcmp(part, "aws-us-gov") == 0)
				host = fcc_strdup("iam.us-gov.amazonaws.com");
			else
				host = fcc_strdup("iam.amazonaws.com");
		} else {
			fcc_buf b;
			fcc_buf_init(&b, 1024);
			if (strcmp(svc->name, "s3") == 0 && cfg->bucket &&
			    endpoint_s3_bucket_virtual_ok(cfg->bucket))
				rc = fcc_buf_printf(&b, "%s.", cfg->bucket);
			if (!rc)
				rc = fcc_buf_printf(&b, "%s.%s.%s", svc->prefix, cfg->region,
						    suffix);
			host = rc ? NULL : fcc_buf_take(&b, NULL);
			fcc_buf_dispose(&b);
		}
		if (!host || !(ep.scheme = fcc_strdup("https")) ||
		    !(ep.base_path = fcc_strdup(""))) {
			rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
			goto out;
		}
		ep.host = host;
		host = NULL;
		ep.port = 443;
		ep.s3_path_style = strcmp(svc->name, "s3") == 0 && cfg->bucket &&
				   !endpoint_s3_bucket_virtual_ok(cfg->bucket);
	}
	if ((rc = set_url(&ep, e)))
		goto out;
	*out = ep;
	return FCC_OK;
out:
	fcc_free(host);
	endpoint_dispose(&ep);
	return rc;
}

void endpoint_dispose(endpoint *ep)
{
	if (!ep)
		return;
	fcc_free(ep->scheme);
	fcc_free(ep->host);
	fcc_free(ep->base_path);
	fcc_free(ep->url);
	fcc_free(ep->signing_name);
	fcc_free(ep->signing_region);
	fcc_free(ep->partition);
	memset(ep, 0, sizeof *ep);
}
