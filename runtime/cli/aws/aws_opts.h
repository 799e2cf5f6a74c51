/*
 * aws_opts.h — the AWS options every runtime command shares (whoami now;
 * plan, apply and run later): --profile, --region, --endpoint-url,
 * --allow-http, --debug. CLI layer: parses argv and opens an aws_ctx.
 */
#ifndef FCC_CLI_AWS_OPTS_H
#define FCC_CLI_AWS_OPTS_H

#include "runtime/aws.h"

typedef struct cli_aws_opts {
	const char *profile;
	const char *region;
	const char *endpoint_url;
	int allow_http;
	int debug;
	unsigned max_in_flight; /* set by the command, not an option; 0: the default (8) */
} cli_aws_opts;

/* If argv[*i] is one of the AWS options, consume it (and its value, as
 * "--opt VALUE" or "--opt=VALUE") into `o` and return 1; return 0 when it is
 * not one; return -1 after printing a usage error for a missing value. */
int cli_aws_opts_parse(cli_aws_opts *o, const char *cmd, int argc, char **argv, int *i);

/* The help lines for these options. */
const char *cli_aws_opts_help(void);

/* Open a context for `o` (debug lines to stderr when o->debug), with
 * `region_fallback` used when nothing names a region. Prints the error as
 * "fcc CMD: message" and returns its code on failure; *out is NULL then. */
int cli_aws_ctx_open(aws_ctx **out, const cli_aws_opts *o, const char *cmd,
		     const char *region_fallback);

/* Print an AWS error in full on stderr: "fcc CMD: <aws_error_format line>". */
void cli_aws_print_error(const char *cmd, const aws_error *ae);

#endif
