/*
 * aws_opts.c — the shared AWS options' getopt handler, the one-operand
 * check, and opening the runtime context for a command (see aws_opts.h).
 */
#include "runtime/cli/aws/aws_opts.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "runtime/cli/cli.h"

int cli_aws_opts_take(cli_aws_opts *o, const char *cmd, int ch, const char *arg)
{
	const char **slot = NULL, *name = NULL;

	switch (ch) {
	case CLI_AWS_OPT_ALLOW_HTTP:
		o->allow_http = 1;
		return 1;
	case CLI_AWS_OPT_DEBUG:
		o->debug = 1;
		return 1;
	case CLI_AWS_OPT_PROFILE:
		slot = &o->profile, name = "--profile";
		break;
	case CLI_AWS_OPT_REGION:
		slot = &o->region, name = "--region";
		break;
	case CLI_AWS_OPT_ENDPOINT_URL:
		slot = &o->endpoint_url, name = "--endpoint-url";
		break;
	default:
		return 0;
	}
	if (!arg || !*arg) {
		cli_usage_error(cmd, "option '%s' needs a non-empty value", name);
		return -1;
	}
	*slot = arg;
	return 1;
}

int cli_one_operand(const char *cmd, int argc, char **argv, const char **out)
{
	if (optind < argc)
		*out = argv[optind++];
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
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
	fprintf(stderr, "fcc %s: %s\n", cmd,
		ae->err.msg[0] ? ae->err.msg : fcc_err_name(ae->err.code));
}
