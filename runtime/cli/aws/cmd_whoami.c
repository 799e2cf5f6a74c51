/*
 * cmd_whoami.c — `fcc whoami`: who fcc acts as (STS GetCallerIdentity), in
 * which region, and which credential source won. The first thing to run
 * when a plan says AccessDenied.
 */
#include <stdio.h>
#include <string.h>

#include "runtime/aws/sts.h"
#include "runtime/cli/aws/aws_opts.h"
#include "runtime/cli/cli.h"

static void help(FILE *f)
{
	fprintf(f,
		"usage: fcc whoami [options]\n"
		"\n"
		"Ask STS who the current credentials belong to (GetCallerIdentity) and print\n"
		"the account, ARN, user id, the region and where it came from, and which\n"
		"credential source won (env, profile, web identity, container, IMDS...).\n"
		"\n"
		"options:\n"
		"%s"
		"  -h, --help           show this help\n"
		"\n"
		"exit status: 0 ok, 1 error (no credentials, AWS error, network), 2 usage.\n",
		cli_aws_opts_help());
}

int cmd_whoami(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		CLI_AWS_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	cli_aws_opts o;
	aws_ctx *ctx = NULL;
	creds_credentials *cr = NULL;
	sts_identity id;
	aws_error ae;
	fcc_err e;
	const char *rsrc;
	int ch, r, status = CLI_FAIL;

	memset(&o, 0, sizeof o);
	memset(&id, 0, sizeof id);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if ((r = cli_aws_opts_take(&o, "whoami", ch, optarg)) < 0)
			return CLI_USAGE;
		if (r)
			continue;
		if (ch == 'h') {
			help(stdout);
			return CLI_OK;
		}
		return cli_getopt_error("whoami", argv);
	}
	if (optind < argc)
		return cli_usage_error("whoami", "unexpected argument '%s'", argv[optind]);
	/* STS answers in any region; with none configured, ask us-east-1 (the
	 * global endpoint's region) and say so */
	if (cli_aws_ctx_open(&ctx, &o, "whoami", "us-east-1"))
		return CLI_FAIL;
	fcc_err_clear(&e);
	if (creds_get(&cr, aws_ctx_creds(ctx), &e)) {
		fprintf(stderr, "fcc whoami: no credentials: %s\n", e.msg);
		goto out;
	}
	if (sts_get_caller_identity(&id, ctx, &ae)) {
		cli_aws_print_error("whoami", &ae);
		goto out;
	}
	rsrc = aws_ctx_region_source(ctx);
	printf("account     %s\n", id.account);
	printf("arn         %s\n", id.arn);
	printf("user id     %s\n", id.user_id ? id.user_id : "");
	printf("region      %s (%s)\n", aws_ctx_region(ctx),
	       strcmp(rsrc, "fallback") == 0 ? "default: nothing configured" : rsrc);
	printf("credentials %s\n", cr->source ? cr->source : "unknown");
	if (fflush(stdout) != 0) {
		fprintf(stderr, "fcc whoami: cannot write the output\n");
		goto out;
	}
	status = CLI_OK;
out:
	creds_credentials_free(cr);
	aws_pool_dispose(&id.pool);
	aws_ctx_free(ctx);
	return status;
}
