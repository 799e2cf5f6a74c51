/*
 * aws_opts.c — parsing of the shared AWS options and opening the runtime
 * context for a command (see aws_opts.h).
 */
#include "runtime/cli/aws/aws_opts.h"

#include <stdio.h>
#include <string.h>

#include "runtime/cli/cli.h"

static const char *value_of(const char *a, const char *name, int argc, char **argv, int *i,
			    int *missing)
{
	size_t n = strlen(name);

	if (strncmp(a, name, n) == 0 && a[n] == '=')
		return a + n + 1;
	if (strcmp(a, name) == 0) {
		if (*i + 1 < argc)
			return argv[++*i];
		*missing = 1;
	}
	return NULL;
}

int cli_aws_opts_parse(cli_aws_opts *o, const char *cmd, int argc, char **argv, int *i)
{
	static const char *const names[] = {"--profile", "--region", "--endpoint-url"};
	const char *a = argv[*i], *v;
	const char **slot[3];
	int missing = 0;
	size_t k;

	slot[0] = &o->profile;
	slot[1] = &o->region;
	slot[2] = &o->endpoint_url;
	if (strcmp(a, "--allow-http") == 0) {
		o->allow_http = 1;
		return 1;
	}
	if (strcmp(a, "--debug") == 0) {
		o->debug = 1;
		return 1;
	}
	for (k = 0; k < 3; k++) {
		if ((v = value_of(a, names[k], argc, argv, i, &missing))) {
			if (!*v) {
				cli_usage_error(cmd, "option '%s' needs a non-empty value", names[k]);
				return -1;
			}
			*slot[k] = v;
			return 1;
		}
		if (missing) {
			cli_usage_error(cmd, "option '%s' needs a value", names[k]);
			return -1;
		}
	}
	return 0;
}

const char *cli_aws_opts_help(void)
{
	return "  --profile NAME       the AWS profile (default: AWS_PROFILE, else 'default')\n"
	       "  --region REGION      the AWS region (default: AWS_REGION, AWS_DEFAULT_REGION,\n"
	       "                       then the profile's region)\n"
	       "  --endpoint-url URL   send every request to URL (e.g. a local test endpoint);\n"
	       "                       AWS_ENDPOINT_URL[_<SERVICE>] and the profile's\n"
	       "                       endpoint_url work too\n"
	       "  --allow-http         allow a plain-http endpoint that is not loopback\n"
	       "  --debug              print the HTTP traffic on stderr, secrets redacted\n";
}

static void debug_line(void *payload, const char *line)
{
	(void)payload;
	fprintf(stderr, "debug: %s\n", line);
}

int cli_aws_ctx_open(aws_ctx **out, const cli_aws_opts *o, const char *cmd,
		     const char *region_fallback)
{
	aws_options ao;
	fcc_err e;
	int rc;

	memset(&ao, 0, sizeof ao);
	ao.profile = o->profile;
	ao.region = o->region;
	ao.region_fallback = region_fallback;
	ao.endpoint_url = o->endpoint_url;
	ao.allow_http = o->allow_http;
	ao.max_in_flight = o->max_in_flight;
	if (o->debug)
		ao.debug = debug_line;
	fcc_err_clear(&e);
	if ((rc = aws_ctx_new(out, &ao, &e)))
		fprintf(stderr, "fcc %s: %s\n", cmd, e.msg);
	return rc;
}

void cli_aws_print_error(const char *cmd, const aws_error *ae)
{
	fprintf(stderr, "fcc %s: %s\n", cmd, ae->err.msg[0] ? ae->err.msg : fcc_err_name(ae->err.code));
}
