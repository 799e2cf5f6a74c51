/*
 * cmd_sign.c — `fcc sign`: sign a raw HTTP request with SigV4 and print the
 * canonical request, string to sign and Authorization header, so a user can
 * diff them against what AWS says it expected in a SignatureDoesNotMatch
 * error. CLI layer over runtime/sigv4 and runtime/sigv4_raw.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "runtime/cli/cli.h"
#include "compiler/base/alloc.h"
#include "compiler/base/buf.h"
#include "compiler/base/err.h"
#include "runtime/aws.h"
#include "runtime/sigv4.h"
#include "runtime/sigv4_raw.h"

#define REDACTED "<redacted: use --show-token>"

static void help(FILE *f)
{
	fprintf(f,
		"usage: fcc sign [FILE] --service NAME --region REGION [options]\n"
		"\n"
		"Sign a raw HTTP/1.1 request with AWS Signature Version 4 and print each step,\n"
		"to compare with the canonical request and string to sign that AWS quotes in a\n"
		"SignatureDoesNotMatch error. The request is read from FILE, or stdin when FILE\n"
		"is absent or '-': a request line 'METHOD /path?query HTTP/1.1', header lines\n"
		"'Name: value' (a line starting with a space continues the previous value), a\n"
		"blank line, then the body. '\\r\\n' line ends are accepted. The path is taken as\n"
		"sent on the wire (already percent-encoded) and must include a Host header.\n"
		"\n"
		"Output, each label on its own line followed by the exact bytes and a newline:\n"
		"  # canonical request\n"
		"  # string to sign\n"
		"  # authorization\n"
		"\n"
		"options:\n"
		"  --service NAME     signing name, e.g. cloudformation, s3, sagemaker (required)\n"
		"  --region REGION    signing region, e.g. us-east-1 (required)\n"
		"  --date DATE        request time as YYYYMMDDTHHMMSSZ; default: the request's\n"
		"                     X-Amz-Date header, else the current time\n"
		"  --s3               S3 rules: sign the path exactly as sent (no normalisation,\n"
		"                     no second percent-encoding) and add x-amz-content-sha256\n"
		"  --unsigned-token   add X-Amz-Security-Token after signing instead of signing it\n"
		"  --print-request    print only the signed request (request line, headers with\n"
		"                     the ones the signer adds, Authorization, then the body)\n"
		"  --show-token       print the session token verbatim; by default its value is\n"
		"                     replaced with '" REDACTED "'\n"
		"  -h, --help         show this help\n"
		"\n"
		"credentials: the AWS SDK chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/\n"
		"AWS_SESSION_TOKEN, AWS_PROFILE and the shared files, web identity, container,\n"
		"IMDS). The secret key is never printed.\n"
		"\n"
		"exit status: 0 signed, 1 error (unreadable or malformed request, missing\n"
		"credentials), 2 usage error.\n");
}

/* Credentials for signing, from the SDK credential chain (environment,
 * profiles, web identity, container, IMDS; runtime/creds.h) through an AWS
 * context so profiles that assume a role can reach STS. *out is freed by
 * the caller with creds_credentials_free (which wipes the secret). */
static int sign_credentials(creds_credentials **out, const char *region, fcc_err *e)
{
	aws_options o;
	aws_ctx *ctx = NULL;
	int rc;

	memset(&o, 0, sizeof o);
	o.region = region;
	if ((rc = aws_ctx_new(&ctx, &o, e)))
		return rc;
	rc = creds_get(out, aws_ctx_creds(ctx), e);
	aws_ctx_free(ctx);
	return rc;
}

static int read_input(fcc_buf *b, const char *file, fcc_err *e)
{
	FILE *f = stdin;
	char chunk[8192];
	size_t n;
	int rc = FCC_OK;

	if (file && strcmp(file, "-") != 0 && !(f = fopen(file, "rb")))
		return fcc_err_set(e, FCC_EIO, "cannot open '%s'", file);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if ((rc = fcc_buf_append(b, chunk, n))) {
			rc = fcc_err_set(e, rc, "request too large or out of memory");
			break;
		}
	if (!rc && ferror(f))
		rc = fcc_err_set(e, FCC_EIO, "cannot read '%s'", file ? file : "stdin");
	if (f != stdin)
		fclose(f);
	return rc;
}

/* Print `s`, replacing the value of an x-amz-security-token line (the
 * canonical request) with a placeholder unless `show`. */
static void print_creq(const char *s, int show)
{
	const char *key = "\nx-amz-security-token:", *p;

	if (show || !(p = strstr(s, key))) {
		fputs(s, stdout);
		return;
	}
	p += strlen(key);
	fwrite(s, 1, (size_t)(p - s), stdout);
	fputs(REDACTED, stdout);
	fputs(p + strcspn(p, "\n"), stdout);
}

/* Name of a raw header line, compared with `name` case-insensitively. */
static int line_is(const char *hname, const char *name)
{
	size_t n = strlen(name);

	while (*hname == ' ' || *hname == '\t')
		hname++;
	if (strncasecmp(hname, name, n) != 0)
		return 0;
	hname += n;
	while (*hname == ' ' || *hname == '\t')
		hname++;
	return *hname == '\0';
}

static void print_request(const sigv4_raw *raw, const sigv4_result *res, int show)
{
	size_t i, j;

	printf("%s %s %s", raw->method, raw->target, raw->version);
	for (i = 0; i < raw->nheaders; i++) {
		int replaced = 0;
		for (j = 0; j < res->nadd && !replaced; j++)
			replaced = line_is(raw->names[i], res->add[j].name);
		if (replaced)
			continue;
		if (!show && line_is(raw->names[i], "x-amz-security-token"))
			printf("\n%s:%s", raw->names[i], REDACTED);
		else
			printf("\n%s", raw->lines[i]);
	}
	for (j = 0; j < res->nadd; j++) {
		int tok = strcasecmp(res->add[j].name, "x-amz-security-token") == 0;
		printf("\n%s:%s", res->add[j].name, tok && !show ? REDACTED : res->add[j].value);
	}
	printf("\nAuthorization: %s", res->authorization);
	if (raw->body_len) {
		fputs("\n\n", stdout);
		fwrite(raw->body, 1, raw->body_len, stdout);
	}
}

int cmd_sign(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"s3", no_argument, NULL, '3'},
		{"print-request", no_argument, NULL, 'P'},
		{"unsigned-token", no_argument, NULL, 'U'},
		{"show-token", no_argument, NULL, 'T'},
		{"service", required_argument, NULL, 's'},
		{"region", required_argument, NULL, 'r'},
		{"date", required_argument, NULL, 'd'},
		{NULL, 0, NULL, 0},
	};
	const char *file = NULL, *service = NULL, *region = NULL, *date = NULL;
	int s3 = 0, print_req = 0, unsigned_token = 0, show = 0, ch, rc, status = CLI_FAIL;
	sigv4_credentials cr;
	creds_credentials *cc = NULL;
	sigv4_params pa;
	sigv4_request rq;
	sigv4_raw raw;
	sigv4_result res;
	fcc_buf in;
	fcc_err e;

	memset(&raw, 0, sizeof raw);
	memset(&res, 0, sizeof res);
	fcc_buf_init(&in, FCC_BUF_DEFAULT_MAX);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			help(stdout);
			return CLI_OK;
		case '3':
			s3 = 1;
			break;
		case 'P':
			print_req = 1;
			break;
		case 'U':
			unsigned_token = 1;
			break;
		case 'T':
			show = 1;
			break;
		case 's':
			service = optarg;
			break;
		case 'r':
			region = optarg;
			break;
		case 'd':
			date = optarg;
			break;
		default:
			return cli_getopt_error("sign", argv);
		}
	}
	if (optind < argc)
		file = argv[optind++];
	if (optind < argc)
		return cli_usage_error("sign", "only one request file may be given");
	if (!service || !*service)
		return cli_usage_error("sign", "--service is required");
	if (!region || !*region)
		return cli_usage_error("sign", "--region is required");
	if (date && !sigv4_date_valid(date))
		return cli_usage_error("sign", "--date must be YYYYMMDDTHHMMSSZ, got '%s'", date);
	if (sign_credentials(&cc, region, &e)) {
		fprintf(stderr, "fcc sign: no credentials: %s\n", e.msg);
		return CLI_FAIL;
	}
	cr.access_key_id = cc->access_key_id;
	cr.secret_access_key = cc->secret_access_key;
	cr.session_token = cc->session_token && *cc->session_token ? cc->session_token : NULL;

	if ((rc = read_input(&in, file, &e)) ||
	    (rc = sigv4_raw_parse(&raw, in.data ? in.data : "", in.len, &e))) {
		fprintf(stderr, "fcc sign: %s: %s\n", file ? file : "stdin", e.msg);
		goto out;
	}
	memset(&rq, 0, sizeof rq);
	rq.method = raw.method;
	rq.path = raw.path;
	rq.query = raw.query;
	rq.headers = raw.headers;
	rq.nheaders = raw.nheaders;
	rq.payload = raw.body;
	rq.payload_len = raw.body_len;
	memset(&pa, 0, sizeof pa);
	pa.service = service;
	pa.region = region;
	pa.amz_date = date;
	pa.when = time(NULL);
	pa.flags = (s3 ? SIGV4_S3 : 0) | (unsigned_token ? SIGV4_UNSIGNED_TOKEN : 0);
	if (sigv4_sign(&res, &rq, &cr, &pa, &e)) {
		fprintf(stderr, "fcc sign: %s\n", e.msg);
		goto out;
	}
	if (print_req) {
		print_request(&raw, &res, show);
	} else {
		fputs("# canonical request\n", stdout);
		print_creq(res.canonical_request, show);
		printf("\n# string to sign\n%s\n# authorization\n%s\n", res.string_to_sign,
		       res.authorization);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "fcc sign: cannot write the output\n");
		goto out;
	}
	status = CLI_OK;
out:
	creds_credentials_free(cc);
	sigv4_result_dispose(&res);
	sigv4_raw_dispose(&raw);
	fcc_buf_dispose(&in);
	return status;
}
