/*
 * aws_opts.h — the AWS options every runtime command shares (plan, apply,
 * destroy, unlock, whoami): --profile, --region, --endpoint-url,
 * --allow-http, --debug, as getopt_long entries and their handler; and
 * opening an aws_ctx from them. CLI layer.
 */
#ifndef FCC_CLI_AWS_OPTS_H
#define FCC_CLI_AWS_OPTS_H

#include <getopt.h>

#include "runtime/aws.h"

typedef struct cli_aws_opts {
	const char *profile;
	const char *region;
	const char *endpoint_url;
	int allow_http;
	int debug;
	unsigned max_in_flight; /* set by the command, not an option; 0: the default (8) */
} cli_aws_opts;

/* getopt_long values of the AWS options, above every short option's char. */
enum {
	CLI_AWS_OPT_PROFILE = 0x1000,
	CLI_AWS_OPT_REGION,
	CLI_AWS_OPT_ENDPOINT_URL,
	CLI_AWS_OPT_ALLOW_HTTP,
	CLI_AWS_OPT_DEBUG
};

/* The AWS options as getopt_long entries, for a command's own table (a
 * macro, so the table can stay a static initializer). */
/* clang-format off */
/* HTTP transfers in flight at once for fcc plan's and fcc apply's reads:
 * the first wave of a plan is about a dozen requests for one product, and 8
 * in flight would split it; a catalog of 50 products makes ~200 reads, four
 * per product, and 64 in flight halved its wall time against 32 behind a
 * 50 ms latency (bench/plan.sh) where 128 gained nothing more. Apply's
 * --parallelism (at most 64) caps its steps, not these. */
#define CLI_AWS_READS_IN_FLIGHT 64

#define CLI_AWS_LONGOPTS                                                     \
	{"profile", required_argument, NULL, CLI_AWS_OPT_PROFILE},           \
	{"region", required_argument, NULL, CLI_AWS_OPT_REGION},             \
	{"endpoint-url", required_argument, NULL, CLI_AWS_OPT_ENDPOINT_URL}, \
	{"allow-http", no_argument, NULL, CLI_AWS_OPT_ALLOW_HTTP},           \
	{"debug", no_argument, NULL, CLI_AWS_OPT_DEBUG}
/* clang-format on */

/* getopt_long answered `ch` with `arg` (optarg): when `ch` is an AWS option,
 * store it in `o` and return 1, or return -1 after printing a usage error
 * (an empty value); return 0 when it is not one. */
int cli_aws_opts_take(cli_aws_opts *o, const char *cmd, int ch, const char *arg);

/* After getopt: at most one operand, into *out (left as is when there is
 * none). 0, or CLI_USAGE after printing "unexpected argument". */
int cli_one_operand(const char *cmd, int argc, char **argv, const char **out);

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
