/*
 * cmd_unlock.c — `fcc unlock LOCK_ID`: release an apply lock left by a run
 * that died (runtime/lock.h). The lock is found from the spec (artifacts
 * bucket and prefix, project name, --env) or given as --bucket/--key, and
 * removed only when its id is LOCK_ID, so a lock someone took since is safe.
 */
#include <stdio.h>
#include <string.h>

#include "compiler/base/arena.h"
#include "compiler/base/buf.h"
#include "compiler/check.h"
#include "runtime/cli/aws/aws_opts.h"
#include "runtime/cli/cli.h"
#include "runtime/lock.h"

static void help(FILE *f)
{
	fprintf(f,
		"usage: fcc unlock LOCK_ID [--spec SPEC [--env NAME] | --bucket BUCKET --key KEY]\n"
		"                  [options]\n"
		"\n"
		"Release the apply lock with id LOCK_ID, left behind by an 'fcc apply' that\n"
		"was killed (the id is in the message of the apply that waited for it). The\n"
		"lock is the S3 object <prefix>/.fcc/lock/<project>[-<env>].json in the\n"
		"artifacts bucket; it is deleted only if its id is LOCK_ID.\n"
		"\n"
		"options:\n"
		"  --spec SPEC          find the lock from this spec (default: project.spec)\n"
		"  --env NAME           the environment the apply ran for\n"
		"  --bucket BUCKET      the lock's bucket (with --key, instead of a spec)\n"
		"  --key KEY            the lock's key\n"
		"%s"
		"  -h, --help           show this help\n"
		"\n"
		"exit status: 0 released, 1 error (no such lock, another id, AWS error),\n"
		"2 usage.\n",
		cli_aws_opts_help());
}

/* Bucket, key and region from the spec. Strings live in `arena` or `key`. */
static int from_spec(const char **bucket, fcc_buf *key, const char **region, const char *spec,
		     const char *env, fcc_arena *arena)
{
	spec_model *m = NULL;
	fcc_source *src = NULL;
	chk_options opt;
	diag_sink d;
	fcc_err e;
	int rc, status = CLI_FAIL;

	memset(&opt, 0, sizeof opt);
	opt.env = env;
	diag_init(&d);
	fcc_err_clear(&e);
	rc = chk_spec_file(&m, &src, spec, &opt, arena, &d, &e);
	if (rc == FCC_ENOMEM || (rc && d.n == 0 && e.code)) {
		fprintf(stderr, "fcc unlock: %s\n", e.msg[0] ? e.msg : fcc_err_name(rc));
		goto out;
	}
	if (rc) {
		cli_print_diagnostics(&d, DIAG_FORMAT_TEXT, cli_use_color(stderr));
		fprintf(stderr, "fcc unlock: %s has errors; give --bucket and --key instead\n",
			spec);
		goto out;
	}
	if (!m->artifacts.bucket.s || !m->project.name.s) {
		fprintf(stderr, "fcc unlock: %s names no artifacts bucket or project\n", spec);
		goto out;
	}
	*bucket = fcc_arena_strdup(arena, m->artifacts.bucket.s);
	*region = m->project.region.s ? fcc_arena_strdup(arena, m->project.region.s) : NULL;
	rc = lock_key(key, m->artifacts.prefix.s, m->project.name.s, m->env);
	if (rc || !*bucket) {
		fprintf(stderr, "fcc unlock: cannot build the lock key: %s\n", fcc_err_name(rc));
		goto out;
	}
	status = CLI_OK;
out:
	diag_dispose(&d);
	fcc_source_free(src);
	return status;
}

int cmd_unlock(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"spec", required_argument, NULL, 's'},
		{"env", required_argument, NULL, 'e'},
		{"bucket", required_argument, NULL, 'b'},
		{"key", required_argument, NULL, 'k'},
		CLI_AWS_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	const char *id = NULL, *spec = NULL, *env = NULL, *bucket = NULL, *key_opt = NULL;
	const char *region = NULL;
	cli_aws_opts o;
	aws_ctx *ctx = NULL;
	lock_info was;
	fcc_arena arena;
	fcc_buf key;
	fcc_err e;
	int ch, r, rc, status = CLI_FAIL;

	memset(&o, 0, sizeof o);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		const char **slot = NULL, *name = NULL;
		if ((r = cli_aws_opts_take(&o, "unlock", ch, optarg)) != 0) {
			if (r < 0)
				return CLI_USAGE;
			continue;
		}
		switch (ch) {
		case 'h':
			help(stdout);
			return CLI_OK;
		case 's':
			slot = &spec, name = "--spec";
			break;
		case 'e':
			slot = &env, name = "--env";
			break;
		case 'b':
			slot = &bucket, name = "--bucket";
			break;
		case 'k':
			slot = &key_opt, name = "--key";
			break;
		default:
			return cli_getopt_error("unlock", argv);
		}
		/* (argv[optind - 1] is the value by now, not the option) */
		if (!*optarg)
			return cli_usage_error("unlock", "option '%s' needs a value", name);
		*slot = optarg;
	}
	if (cli_one_operand("unlock", argc, argv, &id))
		return CLI_USAGE;
	if (!id)
		return cli_usage_error("unlock", "which lock? give its id (fcc unlock LOCK_ID)");
	if ((bucket || key_opt) && (spec || env))
		return cli_usage_error("unlock", "give either --spec/--env or --bucket/--key");
	if (!bucket != !key_opt)
		return cli_usage_error("unlock", "--bucket and --key go together");

	fcc_arena_init(&arena);
	fcc_buf_init(&key, 4096);
	if (bucket) {
		if (fcc_buf_puts(&key, key_opt))
			goto out;
	} else if (from_spec(&bucket, &key, &region, spec ? spec : "project.spec", env, &arena)) {
		goto out;
	}
	if (cli_aws_ctx_open(&ctx, &o, "unlock", region))
		goto out;
	fcc_err_clear(&e);
	rc = lock_force_release(&was, ctx, bucket, fcc_buf_cstr(&key), id, &e);
	if (rc) {
		fprintf(stderr, "fcc unlock: %s\n", e.msg);
		goto out;
	}
	printf("released lock %s on s3://%s/%s (held by %s at %s, command '%s')\n", was.id, bucket,
	       fcc_buf_cstr(&key), was.who, was.where, was.command);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "fcc unlock: cannot write the output\n");
		goto out;
	}
	status = CLI_OK;
out:
	aws_ctx_free(ctx);
	fcc_buf_dispose(&key);
	fcc_arena_dispose(&arena);
	return status;
}
