/*
 * creds.c — the AWS credential chain (see creds.h for the order and the
 * contract) and region resolution.
 *
 * Each provider answers 1 (credentials found), 0 (not configured here: try
 * the next one, maybe leaving a note why) or a negative code (configured but
 * broken: stop, as botocore raises). The chain remembers which provider won so
 * a refresh asks that provider again instead of walking the whole chain.
 *
 * Profiles: botocore merges each `[NAME]` of the credentials file over the
 * config file's `[profile NAME]` (Session.full_config), so profile keys such as
 * role_arn or credential_process are looked up credentials-file first. The
 * "shared credentials file" and "shared config file" providers still read
 * their own file only, which is where the chain order distinguishes them.
 *
 * Role chaining follows botocore's AssumeRoleProvider: a source profile with
 * static keys is used as is (even if it also has role_arn), otherwise its own
 * role is assumed first; a profile may name itself as source_profile only
 * when it has static keys; any other revisit is a cycle.
 */
#include "runtime/creds.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compiler/base/alloc.h"
#include "runtime/ini.h"

extern char **environ;

#define TOKEN_FILE_MAX ((size_t)64 << 10)
#define PROCESS_STDOUT_MAX ((size_t)64 << 10)
#define PROCESS_STDERR_MAX ((size_t)4 << 10)
#define METADATA_BODY_MAX ((size_t)64 << 10)

enum provider {
	P_NONE = -1,
	P_ENV,
	P_ASSUME_ROLE,
	P_WEB_IDENTITY,
	P_SSO,
	P_SHARED_CREDENTIALS,
	P_PROCESS,
	P_CONFIG,
	P_CONTAINER,
	P_IMDS,
	P_COUNT
};

struct creds_chain {
	creds_options o;
	char *opt_profile;
	char *opt_region;
	char *profile;
	int profile_from_option;
	char *config_path;
	char *credentials_path;
	ini_file *config;
	ini_file *credentials;
	creds_credentials *cur;
	enum provider winner;
	fcc_buf notes;
	char region_source[256];
};

/* ---- credentials values ---- */

static void free_secret(char *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, strlen(s));
	fcc_free(s);
}

int creds_credentials_new(creds_credentials **out, const char *access_key_id,
			  const char *secret_access_key, const char *session_token,
			  long long expiration, const char *source, fcc_err *e)
{
	creds_credentials *c;

	*out = NULL;
	c = fcc_calloc(1, sizeof *c);
	if (!c)
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	c->access_key_id = fcc_strdup(access_key_id ? access_key_id : "");
	c->secret_access_key = fcc_strdup(secret_access_key ? secret_access_key : "");
	c->session_token = session_token ? fcc_strdup(session_token) : NULL;
	c->source = source ? fcc_strdup(source) : NULL;
	c->expiration = expiration;
	if (!c->access_key_id || !c->secret_access_key || (session_token && !c->session_token) ||
	    (source && !c->source)) {
		creds_credentials_free(c);
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	}
	*out = c;
	return FCC_OK;
}

int creds_credentials_dup(creds_credentials **out, const creds_credentials *c, fcc_err *e)
{
	return creds_credentials_new(out, c->access_key_id, c->secret_access_key, c->session_token,
				     c->expiration, c->source, e);
}

void creds_credentials_free(creds_credentials *c)
{
	if (!c)
		return;
	fcc_free(c->access_key_id);
	free_secret(c->secret_access_key);
	free_secret(c->session_token);
	fcc_free(c->source);
	fcc_free(c);
}

static int set_source(creds_credentials *c, const char *source, fcc_err *e)
{
	char *s = fcc_strdup(source);

	if (!s)
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	fcc_free(c->source);
	c->source = s;
	return FCC_OK;
}

/* ---- small helpers ---- */

static const char *env(const creds_chain *c, const char *name)
{
	const char *v = c->o.getenv ? c->o.getenv(c->o.getenv_payload, name) : getenv(name);

	/* an empty variable counts as unset, as botocore's truthiness tests do */
	return v && *v ? v : NULL;
}

static long long now(const creds_chain *c)
{
	return c->o.clock ? c->o.clock(c->o.clock_payload) : (long long)time(NULL);
}

static void note(creds_chain *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(creds_chain *c, const char *fmt, ...)
{
	va_list ap;

	/* notes are advice; running out of memory for one is not worth failing over */
	va_start(ap, fmt);
	if (fcc_buf_vprintf(&c->notes, fmt, ap) == FCC_OK)
		(void)fcc_buf_putc(&c->notes, '\n');
	va_end(ap);
}

int creds_parse_time(long long *out, const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, n = 0, off = 0;
	const char *p;

	*out = 0;
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
	    n != 19)
		return FCC_EPARSE;
	p = s + n;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return FCC_EPARSE;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om, m = 0;

		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &m) != 2 || m != 5)
			return FCC_EPARSE;
		off = (oh * 60 + om) * 60 * (*p == '+' ? 1 : -1);
		p += 1 + m;
	} else {
		return FCC_EPARSE;
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return FCC_EPARSE;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (long long)timegm(&tm) - off;
	return FCC_OK;
}

/* `~` and `~/...` from HOME; NULL HOME leaves the path as written. */
static char *expand_home(const creds_chain *c, const char *path)
{
	const char *home = env(c, "HOME");
	char *out;

	if (path[0] != '~' || (path[1] && path[1] != '/') || !home)
		return fcc_strdup(path);
	out = fcc_malloc(strlen(home) + strlen(path));
	if (out)
		sprintf(out, "%s%s", home, path + 1);
	return out;
}

/* Read a small file whole (token files); trailing blanks and newlines
 * dropped. *out is a secret: the caller wipes it with free_secret(). */
static int read_small_file(char **out, const char *path, const char *what, fcc_err *e)
{
	fcc_buf b;
	char chunk[1024];
	int fd, rc = FCC_OK;
	ssize_t got;

	*out = NULL;
	fcc_buf_init(&b, TOKEN_FILE_MAX);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fcc_err_set(e, FCC_EIO, "%s: cannot read %s: %s", what, path,
				   strerror(errno));
	for (;;) {
		got = read(fd, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = fcc_err_set(e, FCC_EIO, "%s: cannot read %s: %s", what, path,
					 strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		rc = fcc_buf_append(&b, chunk, (size_t)got);
		if (rc == FCC_EIO) {
			rc = fcc_err_set(e, rc, "%s: %s is larger than 64 KiB", what, path);
			goto out;
		}
		if (rc < 0) {
			rc = fcc_err_set(e, rc, "out of memory");
			goto out;
		}
	}
	while (b.len && isspace((unsigned char)b.data[b.len - 1]))
		b.data[--b.len] = '\0';
	*out = fcc_buf_take(&b, NULL);
	if (!*out)
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
out:
	OPENSSL_cleanse(chunk, sizeof chunk);
	if (b.data)
		OPENSSL_cleanse(b.data, b.len);
	fcc_buf_dispose(&b);
	close(fd);
	return rc;
}

/* ---- profiles ---- */

static const ini_section *creds_section(const creds_chain *c, const char *profile)
{
	return ini_section_find(c->credentials, profile);
}

static const ini_section *config_section(const creds_chain *c, const char *profile)
{
	return ini_config_profile(c->config, profile);
}

static int profile_exists(const creds_chain *c, const char *profile)
{
	return creds_section(c, profile) || config_section(c, profile);
}

/* A key of the merged profile: the credentials file wins (see the top). */
static const char *prof(const creds_chain *c, const char *profile, const char *key)
{
	const char *v = ini_get(creds_section(c, profile), key);

	if (!v)
		v = ini_get(config_section(c, profile), key);
	return v && *v ? v : NULL;
}

/* Static keys from one section, or 0 when it has none. `where` names the
 * section for messages (never a value). */
static int static_keys(creds_credentials **out, const ini_section *s, const char *where,
		       const char *source, fcc_err *e)
{
	const char *akid = ini_get(s, "aws_access_key_id");
	const char *secret = ini_get(s, "aws_secret_access_key");
	const char *token = ini_get(s, "aws_session_token");
	int rc;

	if (!token || !*token)
		token = ini_get(s, "aws_security_token");
	if (akid && !*akid)
		akid = NULL;
	if (secret && !*secret)
		secret = NULL;
	if (!akid && !secret)
		return 0;
	if (!akid || !secret)
		return fcc_err_set(e, FCC_ECHECK, "%s: %s is set but %s is not", where,
				   akid ? "aws_access_key_id" : "aws_secret_access_key",
				   akid ? "aws_secret_access_key" : "aws_access_key_id");
	rc = creds_credentials_new(out, akid, secret, token && *token ? token : NULL, 0, source, e);
	return rc < 0 ? rc : 1;
}

/* Static keys of the merged profile (credentials file first). */
static int profile_static_keys(creds_credentials **out, const creds_chain *c, const char *profile,
			       const char *source, fcc_err *e)
{
	char where[512];
	int rc;

	snprintf(where, sizeof where, "profile:%s in %s", profile, c->credentials_path);
	rc = static_keys(out, creds_section(c, profile), where, source, e);
	if (rc != 0)
		return rc;
	snprintf(where, sizeof where, "profile:%s in %s", profile, c->config_path);
	return static_keys(out, config_section(c, profile), where, source, e);
}

static int has_static_keys(const creds_chain *c, const char *profile)
{
	return prof(c, profile, "aws_access_key_id") || prof(c, profile, "aws_secret_access_key");
}

/* ---- JSON credential documents (process, container, IMDS) ---- */

/*
 * Credentials from a JSON object with AccessKeyId, SecretAccessKey, an
 * optional token under `token_key` and an optional Expiration. `what` names
 * the source in messages; values are never quoted.
 */
static int json_creds(creds_credentials **out, json_t *obj, const char *token_key, const char *what,
		      const char *source, fcc_err *e)
{
	json_t *akid = json_object_get(obj, "AccessKeyId");
	json_t *secret = json_object_get(obj, "SecretAccessKey");
	json_t *token = json_object_get(obj, token_key);
	json_t *exp = json_object_get(obj, "Expiration");
	long long expiration = 0;

	if (!json_is_string(akid) || !*json_string_value(akid))
		return fcc_err_set(e, FCC_EPARSE, "%s: AccessKeyId missing or not a string", what);
	if (!json_is_string(secret) || !*json_string_value(secret))
		return fcc_err_set(e, FCC_EPARSE, "%s: SecretAccessKey missing or not a string",
				   what);
	if (token && !json_is_null(token) && !json_is_string(token))
		return fcc_err_set(e, FCC_EPARSE, "%s: %s is not a string", what, token_key);
	if (exp && !json_is_null(exp) &&
	    (!json_is_string(exp) || creds_parse_time(&expiration, json_string_value(exp)) < 0))
		return fcc_err_set(e, FCC_EPARSE, "%s: Expiration is not an ISO 8601 timestamp",
				   what);
	return creds_credentials_new(out, json_string_value(akid), json_string_value(secret),
				     json_is_string(token) && *json_string_value(token)
					     ? json_string_value(token)
					     : NULL,
				     expiration, source, e);
}

/* Parse `len` bytes as a JSON object; jansson's error text can quote the
 * input, which may hold secrets, so only the position is reported. */
static int json_object_from(json_t **out, const char *data, size_t len, const char *what,
			    fcc_err *e)
{
	json_error_t jerr;

	*out = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*out)
		return fcc_err_set(e, FCC_EPARSE,
				   "%s: output is not valid JSON (line %d, column %d)", what,
				   jerr.line, jerr.column);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return fcc_err_set(e, FCC_EPARSE, "%s: output is not a JSON object", what);
	}
	return FCC_OK;
}

static void buf_wipe_dispose(fcc_buf *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->cap);
	fcc_buf_dispose(b);
}

/* ---- provider: environment ---- */

static int env_keys(creds_chain *c, creds_credentials **out, fcc_err *e)
{
	const char *akid = env(c, "AWS_ACCESS_KEY_ID");
	const char *secret = env(c, "AWS_SECRET_ACCESS_KEY");
	const char *token = env(c, "AWS_SESSION_TOKEN");
	int rc;

	if (!token)
		token = env(c, "AWS_SECURITY_TOKEN");
	if (!akid && !secret)
		return 0;
	if (!akid || !secret) {
		note(c, "env: %s is set but %s is not; skipped",
		     akid ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		     akid ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
		return 0;
	}
	rc = creds_credentials_new(out, akid, secret, token, 0, "env", e);
	return rc < 0 ? rc : 1;
}

static int prov_env(creds_chain *c, creds_credentials **out, fcc_err *e)
{
	/* botocore: a profile chosen in code (here --profile) outranks the environment */
	if (c->profile_from_option) {
		if (env(c, "AWS_ACCESS_KEY_ID") || env(c, "AWS_SECRET_ACCESS_KEY"))
			note(c,
			     "env: AWS_ACCESS_KEY_ID ignored because profile:%s was chosen explicitly",
			     c->profile);
		return 0;
	}
	return env_keys(c, out, e);
}

/* ---- STS ---- */

static const char *sts_region(creds_chain *c, char **owned)
{
	fcc_err ignore;

	*owned = NULL;
	if (creds_chain_region(owned, NULL, c, NULL, &ignore) < 0)
		return NULL;
	return *owned;
}

static int call_sts(creds_chain *c, creds_credentials **out, creds_sts_request *req,
		    const char *what, fcc_err *e)
{
	creds_sts_response resp;
	fcc_err sub;
	char *region = NULL;
	int rc;

	*out = NULL;
	if (!c->o.sts)
		return fcc_err_set(e, FCC_ECHECK, "%s: needs STS, but no STS client is configured",
				   what);
	memset(&resp, 0, sizeof resp);
	fcc_err_clear(&sub);
	req->region = sts_region(c, &region);
	rc = c->o.sts(c->o.sts_payload, &resp, req, &sub);
	fcc_free(region);
	if (rc < 0) {
		creds_credentials_free(resp.creds);
		if (resp.error_code[0])
			return fcc_err_set(e, rc, "%s: %s %s failed: %s: %s", what,
					   req->kind == CREDS_STS_WEB_IDENTITY
						   ? "AssumeRoleWithWebIdentity"
						   : "AssumeRole",
					   req->role_arn, resp.error_code, sub.msg);
		return fcc_err_set(e, rc, "%s: %s %s failed: %s", what,
				   req->kind == CREDS_STS_WEB_IDENTITY ? "AssumeRoleWithWebIdentity"
								       : "AssumeRole",
				   req->role_arn, sub.msg);
	}
	if (!resp.creds)
		return fcc_err_set(e, FCC_ERROR, "%s: STS returned no credentials", what);
	*out = resp.creds;
	return FCC_OK;
}

static int parse_duration(long *out, const char *v, const char *profile, fcc_err *e)
{
	char *end;
	long n;

	*out = 0;
	if (!v)
		return FCC_OK;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < 900 || n > 43200)
		return fcc_err_set(
			e, FCC_ECHECK,
			"profile:%s: duration_seconds must be a whole number from 900 to 43200",
			profile);
	*out = n;
	return FCC_OK;
}

/* ---- provider: web identity ---- */

/* Web identity from `profile`'s keys, each overridden by its environment
 * variable when `use_env` (botocore's AssumeRoleWithWebIdentityProvider). */
static int web_identity(creds_chain *c, creds_credentials **out, const char *profile, int use_env,
			fcc_err *e)
{
	creds_sts_request req;
	const char *token_file = use_env ? env(c, "AWS_WEB_IDENTITY_TOKEN_FILE") : NULL;
	char *path = NULL, *role = NULL, *session = NULL, *token = NULL, what[300], dflt[64];
	const char *v;
	int rc;

	if (!token_file)
		token_file = prof(c, profile, "web_identity_token_file");
	if (!token_file)
		return 0;
	path = expand_home(c, token_file);
	v = use_env ? env(c, "AWS_ROLE_ARN") : NULL;
	role = fcc_strdup(v ? v : prof(c, profile, "role_arn") ? prof(c, profile, "role_arn") : "");
	v = use_env ? env(c, "AWS_ROLE_SESSION_NAME") : NULL;
	if (!v)
		v = prof(c, profile, "role_session_name");
	snprintf(dflt, sizeof dflt, "fcc-session-%lld", now(c));
	session = fcc_strdup(v ? v : dflt);
	if (!path || !role || !session) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(what, sizeof what, "web-identity (profile:%s)", profile);
	if (!*role) {
		rc = fcc_err_set(e, FCC_ECHECK,
				 "%s: a web identity token file is set but no role ARN "
				 "(AWS_ROLE_ARN or role_arn)",
				 what);
		goto out;
	}
	/* read fresh on every call: the platform rotates the file under us */
	rc = read_small_file(&token, path, what, e);
	if (rc < 0)
		goto out;
	if (!*token) {
		rc = fcc_err_set(e, FCC_ECHECK, "%s: token file %s is empty", what, path);
		goto out;
	}
	memset(&req, 0, sizeof req);
	req.kind = CREDS_STS_WEB_IDENTITY;
	req.role_arn = role;
	req.role_session_name = session;
	req.web_identity_token = token;
	rc = call_sts(c, out, &req, what, e);
	if (rc == FCC_OK)
		rc = 1;
out:
	free_secret(token);
	fcc_free(path);
	fcc_free(role);
	fcc_free(session);
	return rc;
}

static int prov_web_identity(creds_chain *c, creds_credentials **out, fcc_err *e)
{
	int rc = web_identity(c, out, c->profile, 1, e);

	if (rc == 1 && (rc = set_source(*out, "web-identity", e)) == FCC_OK)
		rc = 1;
	return rc;
}

/* ---- provider: credential_process ---- */

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Drain one pipe into `b`, dropping what exceeds its cap (the child must
 * not block on a full pipe). Returns 1 at EOF, 0 otherwise; *over set when
 * data was dropped. */
static int drain(int fd, fcc_buf *b, int *over)
{
	char chunk[4096];
	ssize_t got = read(fd, chunk, sizeof chunk);
	int eof = 0;

	if (got < 0 && (errno == EINTR || errno == EAGAIN))
		goto out;
	if (got <= 0) {
		eof = 1;
		goto out;
	}
	if (fcc_buf_append(b, chunk, (size_t)got) < 0)
		*over = 1;
out:
	OPENSSL_cleanse(chunk, sizeof chunk);
	return eof;
}

/* First line of the child's stderr, printable characters only, for messages. */
static void stderr_hint(char *dst, size_t cap, const fcc_buf *b)
{
	const char *s = fcc_buf_cstr(b);
	size_t i, n = 0;

	dst[0] = '\0';
	while (*s && isspace((unsigned char)*s))
		s++;
	if (!*s || cap < 8)
		return;
	n = (size_t)snprintf(dst, cap, ": ");
	for (i = 0; s[i] && s[i] != '\n' && n + 1 < cap && i < 200; i++)
		dst[n++] = isprint((unsigned char)s[i]) ? s[i] : '?';
	dst[n] = '\0';
}

/*
 * Run `cmd` with /bin/sh -c in its own process group, collecting stdout into
 * `out` and stderr into `err`, killing the group after `timeout_ms`.
 * *status receives the wait status. Returns FCC_OK, FCC_EIO, FCC_ETIMEOUT.
 */
static int run_command(int *status, fcc_buf *out, fcc_buf *err, int *over, const char *cmd,
		       long timeout_ms, const char *what, fcc_err *e)
{
	int outp[2] = {-1, -1}, errp[2] = {-1, -1}, rc = FCC_OK, spawned = 0, out_eof = 0,
	    err_eof = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *argv[4];
	pid_t pid = -1;
	long long deadline = mono_ms() + timeout_ms;

	*status = 0;
	if (pipe(outp) < 0 || pipe(errp) < 0) {
		rc = fcc_err_set(e, FCC_EIO, "%s: pipe: %s", what, strerror(errno));
		goto close_pipes;
	}
	fcntl(outp[0], F_SETFD, FD_CLOEXEC);
	fcntl(errp[0], F_SETFD, FD_CLOEXEC);
	if (posix_spawn_file_actions_init(&fa) != 0) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
		goto close_pipes;
	}
	if (posix_spawnattr_init(&attr) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
		goto close_pipes;
	}
	posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	posix_spawn_file_actions_addclose(&fa, outp[1]);
	posix_spawn_file_actions_addclose(&fa, errp[1]);
	/* its own group, so a timeout also kills what the shell started */
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = (char *)cmd;
	argv[3] = NULL;
	errno = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (errno != 0) {
		rc = fcc_err_set(e, FCC_EIO, "%s: cannot start /bin/sh: %s", what, strerror(errno));
		goto close_pipes;
	}
	spawned = 1;
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	while (!out_eof || !err_eof) {
		struct pollfd pf[2];
		long long left = deadline - mono_ms();
		int n = 0, r;

		if (left <= 0) {
			kill(-pid, SIGKILL);
			rc = fcc_err_set(e, FCC_ETIMEOUT,
					 "%s: did not finish within %ld ms; killed", what,
					 timeout_ms);
			goto reap;
		}
		if (!out_eof)
			pf[n++] = (struct pollfd){.fd = outp[0], .events = POLLIN};
		if (!err_eof)
			pf[n++] = (struct pollfd){.fd = errp[0], .events = POLLIN};
		r = poll(pf, (nfds_t)n, (int)(left > 1000 ? 1000 : left));
		if (r < 0 && errno != EINTR) {
			kill(-pid, SIGKILL);
			rc = fcc_err_set(e, FCC_EIO, "%s: poll: %s", what, strerror(errno));
			goto reap;
		}
		for (r = 0; r < n; r++) {
			if (!(pf[r].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pf[r].fd == outp[0])
				out_eof = drain(outp[0], out, over);
			else
				err_eof = drain(errp[0], err, &(int){0});
		}
	}
reap:
	if (spawned) {
		while (waitpid(pid, status, 0) < 0 && errno == EINTR)
			;
		/* grandchildren that kept running after sh exited would hold no pipe
		 * we wait on any more; they are the command's business */
	}
close_pipes:
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	return rc;
}

static int credential_process(creds_chain *c, creds_credentials **out, const char *profile,
			      fcc_err *e)
{
	const char *cmd = prof(c, profile, "credential_process");
	fcc_buf so, se;
	json_t *doc = NULL, *ver;
	char what[300], hint[256];
	int status, over = 0, rc;
	long timeout =
		c->o.process_timeout_ms > 0 ? c->o.process_timeout_ms : CREDS_PROCESS_TIMEOUT_MS;

	if (!cmd)
		return 0;
	snprintf(what, sizeof what, "credential_process for profile:%s", profile);
	fcc_buf_init(&so, PROCESS_STDOUT_MAX);
	fcc_buf_init(&se, PROCESS_STDERR_MAX);
	rc = run_command(&status, &so, &se, &over, cmd, timeout, what, e);
	if (rc < 0)
		goto out;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		stderr_hint(hint, sizeof hint, &se);
		if (WIFEXITED(status))
			rc = fcc_err_set(e, FCC_EIO, "%s: exited with status %d%s", what,
					 WEXITSTATUS(status), hint);
		else
			rc = fcc_err_set(e, FCC_EIO, "%s: killed by signal %d%s", what,
					 WIFSIGNALED(status) ? WTERMSIG(status) : 0, hint);
		goto out;
	}
	if (over) {
		rc = fcc_err_set(e, FCC_EIO, "%s: output is larger than 64 KiB", what);
		goto out;
	}
	rc = json_object_from(&doc, fcc_buf_cstr(&so), so.len, what, e);
	if (rc < 0)
		goto out;
	ver = json_object_get(doc, "Version");
	if (!json_is_integer(ver) || json_integer_value(ver) != 1) {
		rc = fcc_err_set(e, FCC_EPARSE, "%s: Version must be 1", what);
		goto out;
	}
	rc = json_creds(out, doc, "SessionToken", what, "credential-process", e);
	if (rc == FCC_OK)
		rc = 1;
out:
	json_decref(doc);
	buf_wipe_dispose(&so);
	buf_wipe_dispose(&se);
	return rc;
}

static int prov_process(creds_chain *c, creds_credentials **out, fcc_err *e)
{
	return credential_process(c, out, c->profile, e);
}

/* ---- providers: container and IMDS (through the HTTP callback) ---- */

static long meta_timeout(const creds_chain *c)
{
	return c->o.metadata_timeout_ms > 0 ? c->o.metadata_timeout_ms : CREDS_METADATA_TIMEOUT_MS;
}

static int http(creds_chain *c, const char *method, const char *url, const char *const *headers,
		long *status, fcc_buf *body, fcc_err *e)
{
	creds_http_fn fn = c->o.http ? c->o.http : creds_http_default;

	return fn(c->o.http_payload, method, url, headers, meta_timeout(c), status, body, e);
}

/* AWS-WIRE.md: an http:// full URI must point at a loopback address or one
 * of the container agents' link-local addresses; https may go anywhere. */
static int full_uri_allowed(const char *url)
{
	const char *h, *end;
	char host[128];
	size_t n;
	unsigned char addr[16];

	if (strncasecmp(url, "https://", 8) == 0)
		return 1;
	if (strncasecmp(url, "http://", 7) != 0)
		return 0;
	h = url + 7;
	if (*h == '[') {
		end = strchr(h, ']');
		if (!end)
			return 0;
		h++;
	} else {
		end = h + strcspn(h, ":/?#");
	}
	n = (size_t)(end - h);
	if (n == 0 || n >= sizeof host || memchr(h, '@', n))
		return 0;
	memcpy(host, h, n);
	host[n] = '\0';
	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "169.254.170.2") == 0 ||
	    strcmp(host, "169.254.170.23") == 0)
		return 1;
	if (inet_pton(AF_INET, host, addr) == 1)
		return addr[0] == 127;
	if (inet_pton(AF_INET6, host, addr) == 1) {
		static const unsigned char loop6[16] = {[15] = 1};
		static const unsigned char ecs6[16] = {0xfd, 0x00, 0x0e, 0xc2, [15] = 0x23};

		return memcmp(addr, loop6, 16) == 0 || memcmp(addr, ecs6, 16) == 0;
	}
	return 0;
}

static int prov_container(creds_chain *c, creds_credentials **out, fcc_err *e)
{
	const char *rel = env(c, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env(c, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *tokfile, *tokenv;
	char *url = NULL, *token = NULL, *auth = NULL;
	const char *headers[3] = {"Accept: application/json", NULL, NULL};
	fcc_buf body;
	json_t *doc = NULL;
	long status = 0;
	int rc;

	if (!rel && !full)
		return 0;
	fcc_buf_init(&body, METADATA_BODY_MAX);
	if (rel) {
		url = fcc_malloc(strlen(rel) + 32);
		if (url)
			sprintf(url, "http://169.254.170.2%s%s", rel[0] == '/' ? "" : "/", rel);
	} else {
		if (!full_uri_allowed(full)) {
			rc = fcc_err_set(
				e, FCC_ECHECK,
				"container: AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a "
				"loopback address, 169.254.170.2, 169.254.170.23 or fd00:ec2::23");
			goto out;
		}
		url = fcc_strdup(full);
	}
	if (!url) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
		goto out;
	}
	/* botocore: the token file, when set, wins over the token variable */
	tokfile = env(c, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	if (tokfile) {
		rc = read_small_file(&token, tokfile, "container", e);
		if (rc < 0)
			goto out;
	} else if ((tokenv = env(c, "AWS_CONTAINER_AUTHORIZATION_TOKEN"))) {
		token = fcc_strdup(tokenv);
		if (!token) {
			rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (token) {
		if (strpbrk(token, "\r\n")) {
			rc = fcc_err_set(
				e, FCC_ECHECK,
				"container: the authorization token contains a line break");
			goto out;
		}
		auth = fcc_malloc(strlen(token) + sizeof "Authorization: ");
		if (!auth) {
			rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
			goto out;
		}
		sprintf(auth, "Authorization: %s", token);
		headers[1] = auth;
	}
	rc = http(c, "GET", url, headers, &status, &body, e);
	if (rc < 0)
		goto out;
	if (status != 200) {
		rc = fcc_err_set(e, FCC_EIO, "container: credentials endpoint answered HTTP %ld",
				 status);
		goto out;
	}
	rc = json_object_from(&doc, fcc_buf_cstr(&body), body.len, "container", e);
	if (rc < 0)
		goto out;
	rc = json_creds(out, doc, "Token", "container", "container", e);
	if (rc == FCC_OK)
		rc = 1;
out:
	json_decref(doc);
	buf_wipe_dispose(&body);
	free_secret(auth);
	free_secret(token);
	fcc_free(url);
	return rc;
}

static int role_name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("+=,.@_-", *s))
			return 0;
	return 1;
}

static int prov_imds(creds_chain *c, creds_credentials **out, fcc_err *e)
{
	const char *disabled = env(c, "AWS_EC2_METADATA_DISABLED");
	const char *ep = env(c, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *put_headers[] = {"X-aws-ec2-metadata-token-ttl-seconds: 21600", NULL};
	const char *get_headers[2] = {NULL, NULL};
	char *base = NULL, *url = NULL, *tokhdr = NULL, *role = NULL;
	fcc_buf body;
	json_t *doc = NULL, *code;
	fcc_err sub;
	long status = 0;
	size_t n;
	int rc = 0;

	if (disabled && strcasecmp(disabled, "true") == 0) {
		note(c, "imds: disabled by AWS_EC2_METADATA_DISABLED");
		return 0;
	}
	fcc_buf_init(&body, METADATA_BODY_MAX);
	base = fcc_strdup(ep ? ep : "http://169.254.169.254");
	if (!base)
		goto oom;
	for (n = strlen(base); n && base[n - 1] == '/'; n--)
		base[n - 1] = '\0';
	url = fcc_malloc(strlen(base) + 128 + 64);
	if (!url)
		goto oom;

	/* IMDSv2: a session token first (PUT), then the reads carry it */
	sprintf(url, "%s/latest/api/token", base);
	fcc_err_clear(&sub);
	if (http(c, "PUT", url, put_headers, &status, &body, &sub) < 0) {
		if (sub.code == FCC_ENOMEM)
			goto oom;
		note(c, "imds: no answer from %s (not on EC2?): %s", base, sub.msg);
		rc = 0;
		goto out;
	}
	if (status != 200 || body.len == 0) {
		note(c, "imds: token request answered HTTP %ld", status);
		rc = 0;
		goto out;
	}
	tokhdr = fcc_malloc(body.len + sizeof "X-aws-ec2-metadata-token: ");
	if (!tokhdr)
		goto oom;
	sprintf(tokhdr, "X-aws-ec2-metadata-token: %s", fcc_buf_cstr(&body));
	if (strpbrk(tokhdr, "\r\n")) {
		rc = fcc_err_set(e, FCC_EPARSE, "imds: the session token contains a line break");
		goto out;
	}
	get_headers[0] = tokhdr;
	OPENSSL_cleanse(body.data, body.len);
	fcc_buf_reset(&body);

	sprintf(url, "%s/latest/meta-data/iam/security-credentials/", base);
	rc = http(c, "GET", url, get_headers, &status, &body, e);
	if (rc < 0)
		goto out;
	if (status != 200) {
		note(c, "imds: no instance role (role list answered HTTP %ld)", status);
		rc = 0;
		goto out;
	}
	n = strcspn(fcc_buf_cstr(&body), "\r\n");
	role = fcc_strndup(fcc_buf_cstr(&body), n);
	if (!role)
		goto oom;
	if (!role_name_ok(role)) {
		note(c, "imds: no usable instance role name");
		rc = 0;
		goto out;
	}
	fcc_buf_reset(&body);
	{
		char *grown = fcc_realloc(url, strlen(base) + strlen(role) + 64);

		if (!grown)
			goto oom;
		url = grown;
	}
	sprintf(url, "%s/latest/meta-data/iam/security-credentials/%s", base, role);
	rc = http(c, "GET", url, get_headers, &status, &body, e);
	if (rc < 0)
		goto out;
	if (status != 200) {
		rc = fcc_err_set(e, FCC_EIO, "imds: credentials of role %s answered HTTP %ld", role,
				 status);
		goto out;
	}
	rc = json_object_from(&doc, fcc_buf_cstr(&body), body.len, "imds", e);
	if (rc < 0)
		goto out;
	code = json_object_get(doc, "Code");
	if (json_is_string(code) && strcmp(json_string_value(code), "Success") != 0) {
		rc = fcc_err_set(e, FCC_EIO, "imds: credentials of role %s have Code %.64s", role,
				 json_string_value(code));
		goto out;
	}
	rc = json_creds(out, doc, "Token", "imds", "imds", e);
	if (rc == FCC_OK)
		rc = 1;
	goto out;
oom:
	rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
out:
	json_decref(doc);
	buf_wipe_dispose(&body);
	free_secret(tokhdr);
	fcc_free(role);
	fcc_free(url);
	fcc_free(base);
	return rc;
}

/* ---- provider: profile assume-role (with source_profile chaining) ---- */

typedef struct visit {
	const char *names[CREDS_MAX_CHAIN_DEPTH + 1];
	size_t n;
	fcc_buf via; /* " via profile:a via profile:b" */
} visit;

static int assume_role(creds_chain *c, creds_credentials **out, const char *profile, visit *v,
		       fcc_err *e);

static int visited(const visit *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->names[i], name) == 0)
			return 1;
	return 0;
}

static int cycle_error(const visit *v, const char *name, fcc_err *e)
{
	char path[512];
	size_t i, n = 0;

	path[0] = '\0';
	for (i = 0; i < v->n && n < sizeof path; i++)
		n += (size_t)snprintf(path + n, sizeof path - n, "%s -> ", v->names[i]);
	return fcc_err_set(e, FCC_ECHECK, "profile:%s: source_profile cycle: %s%s", v->names[0],
			   path, name);
}

/* Credentials of a source profile (botocore _resolve_credentials_from_profile). */
static int source_profile_creds(creds_chain *c, creds_credentials **out, const char *sp, visit *v,
				fcc_err *e)
{
	int rc;

	if (has_static_keys(c, sp))
		return profile_static_keys(out, c, sp, "static", e);
	if (prof(c, sp, "role_arn") && !prof(c, sp, "web_identity_token_file"))
		return assume_role(c, out, sp, v, e);
	rc = web_identity(c, out, sp, 0, e);
	if (rc != 0)
		return rc;
	rc = credential_process(c, out, sp, e);
	if (rc != 0)
		return rc;
	return fcc_err_set(e, FCC_ECHECK,
			   "profile:%s: used as source_profile but has no credentials", sp);
}

static int credential_source(creds_chain *c, creds_credentials **out, const char *profile,
			     const char *cs, fcc_err *e)
{
	int rc;

	if (strcmp(cs, "Environment") == 0)
		rc = env_keys(c, out, e);
	else if (strcmp(cs, "Ec2InstanceMetadata") == 0)
		rc = prov_imds(c, out, e);
	else if (strcmp(cs, "EcsContainer") == 0)
		rc = prov_container(c, out, e);
	else
		return fcc_err_set(
			e, FCC_ECHECK,
			"profile:%s: credential_source must be Environment, Ec2InstanceMetadata or "
			"EcsContainer",
			profile);
	if (rc == 0)
		return fcc_err_set(e, FCC_ENOTFOUND,
				   "profile:%s: credential_source %s has no credentials", profile,
				   cs);
	return rc;
}

static int assume_role(creds_chain *c, creds_credentials **out, const char *profile, visit *v,
		       fcc_err *e)
{
	const char *role = prof(c, profile, "role_arn");
	const char *sp = prof(c, profile, "source_profile");
	const char *cs = prof(c, profile, "credential_source");
	creds_credentials *src = NULL;
	creds_sts_request req;
	char what[300], dflt[64];
	const char *session;
	int rc;

	*out = NULL;
	snprintf(what, sizeof what, "profile:%s", profile);
	if (sp && cs)
		return fcc_err_set(e, FCC_ECHECK,
				   "%s: set source_profile or credential_source, not both", what);
	if (!sp && !cs)
		return fcc_err_set(e, FCC_ECHECK,
				   "%s: role_arn needs source_profile or credential_source", what);
	memset(&req, 0, sizeof req);
	rc = parse_duration(&req.duration_seconds, prof(c, profile, "duration_seconds"), profile,
			    e);
	if (rc < 0)
		return rc;
	if (v->n >= CREDS_MAX_CHAIN_DEPTH)
		return fcc_err_set(e, FCC_ECHECK,
				   "profile:%s: source_profile chain is longer than %d profiles",
				   v->names[0], CREDS_MAX_CHAIN_DEPTH);
	v->names[v->n++] = profile;
	if (cs) {
		rc = fcc_buf_printf(&v->via, " via credential_source:%s", cs);
		if (rc < 0)
			return fcc_err_set(e, rc, "out of memory");
		rc = credential_source(c, &src, profile, cs, e);
	} else {
		if (visited(v, sp) && (strcmp(sp, profile) != 0 || !has_static_keys(c, sp)))
			return cycle_error(v, sp, e);
		if (!profile_exists(c, sp))
			return fcc_err_set(e, FCC_ENOTFOUND,
					   "%s: source_profile '%s' does not exist", what, sp);
		rc = fcc_buf_printf(&v->via, " via profile:%s", sp);
		if (rc < 0)
			return fcc_err_set(e, rc, "out of memory");
		rc = source_profile_creds(c, &src, sp, v, e);
	}
	if (rc < 0)
		return rc;
	session = prof(c, profile, "role_session_name");
	snprintf(dflt, sizeof dflt, "fcc-session-%lld", now(c));
	req.kind = CREDS_STS_ASSUME_ROLE;
	req.role_arn = role;
	req.role_session_name = session ? session : dflt;
	req.source = src;
	req.external_id = prof(c, profile, "external_id");
	rc = call_sts(c, out, &req, what, e);
	creds_credentials_free(src);
	return rc < 0 ? rc : 1;
}

static int prov_assume_role(creds_chain *c, creds_credentials **out, fcc_err *e)
{
	visit v;
	char *src = NULL;
	int rc;

	/* botocore leaves profiles with a web identity token file to that provider */
	if (!prof(c, c->profile, "role_arn") || prof(c, c->profile, "web_identity_token_file"))
		return 0;
	memset(&v, 0, sizeof v);
	fcc_buf_init(&v.via, 4096);
	rc = assume_role(c, out, c->profile, &v, e);
	if (rc == 1) {
		fcc_buf b;

		fcc_buf_init(&b, 0);
		if (fcc_buf_printf(&b, "profile:%s (assume-role%s)", c->profile,
				   fcc_buf_cstr(&v.via)) < 0 ||
		    !(src = fcc_buf_take(&b, NULL)))
			rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
		else if ((rc = set_source(*out, src, e)) == FCC_OK)
			rc = 1;
		fcc_buf_dispose(&b);
	}
	if (rc < 0) {
		creds_credentials_free(*out);
		*out = NULL;
	}
	fcc_free(src);
	fcc_buf_dispose(&v.via);
	return rc;
}

/* ---- providers: SSO (note only) and the two files ---- */

static int prov_sso(creds_chain *c, creds_credentials **out, fcc_err *e)
{
	(void)out;
	(void)e;
	if (prof(c, c->profile, "sso_start_url") || prof(c, c->profile, "sso_session"))
		note(c,
		     "sso: profile:%s uses IAM Identity Center (sso_*), which fcc does not read; skipped",
		     c->profile);
	return 0;
}

static int prov_shared_credentials(creds_chain *c, creds_credentials **out, fcc_err *e)
{
	char where[512];

	snprintf(where, sizeof where, "profile:%s in %s", c->profile, c->credentials_path);
	return static_keys(out, creds_section(c, c->profile), where, "shared-credentials-file", e);
}

static int prov_config(creds_chain *c, creds_credentials **out, fcc_err *e)
{
	char where[512];

	snprintf(where, sizeof where, "profile:%s in %s", c->profile, c->config_path);
	return static_keys(out, config_section(c, c->profile), where, "shared-config-file", e);
}

typedef int (*provider_fn)(creds_chain *c, creds_credentials **out, fcc_err *e);

static const struct {
	const char *name;
	provider_fn fn;
} providers[P_COUNT] = {
	[P_ENV] = {"env", prov_env},
	[P_ASSUME_ROLE] = {"assume-role", prov_assume_role},
	[P_WEB_IDENTITY] = {"web-identity", prov_web_identity},
	[P_SSO] = {"sso", prov_sso},
	[P_SHARED_CREDENTIALS] = {"shared-credentials-file", prov_shared_credentials},
	[P_PROCESS] = {"credential-process", prov_process},
	[P_CONFIG] = {"shared-config-file", prov_config},
	[P_CONTAINER] = {"container", prov_container},
	[P_IMDS] = {"imds", prov_imds},
};

/* ---- the chain ---- */

static int resolve_all(creds_chain *c, creds_credentials **out, enum provider *winner, fcc_err *e)
{
	int i, rc;

	*out = NULL;
	for (i = 0; i < P_COUNT; i++) {
		rc = providers[i].fn(c, out, e);
		if (rc < 0) {
			creds_credentials_free(*out);
			*out = NULL;
			return rc;
		}
		if (rc > 0) {
			*winner = (enum provider)i;
			return FCC_OK;
		}
	}
	return fcc_err_set(
		e, FCC_ENOTFOUND,
		"no AWS credentials found for profile:%s (tried env, profile assume-role, web "
		"identity, %s, credential_process, %s, container, imds)%s%s",
		c->profile, c->credentials_path, c->config_path, c->notes.len ? "; " : "",
		fcc_buf_cstr(&c->notes));
}

static char *dup_or_null(const char *s, int *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = fcc_strdup(s);
	if (!d)
		*oom = 1;
	return d;
}

int creds_chain_new(creds_chain **out, const creds_options *opts, fcc_err *e)
{
	creds_chain *c;
	const char *p, *how = NULL;
	int oom = 0, rc;

	*out = NULL;
	c = fcc_calloc(1, sizeof *c);
	if (!c)
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	if (opts)
		c->o = *opts;
	c->winner = P_NONE;
	fcc_buf_init(&c->notes, 16 << 10);
	c->opt_profile = dup_or_null(c->o.profile, &oom);
	c->opt_region = dup_or_null(c->o.region, &oom);
	c->o.profile = c->opt_profile;
	c->o.region = c->opt_region;

	if (c->opt_profile && *c->opt_profile) {
		p = c->opt_profile;
		how = "--profile";
		c->profile_from_option = 1;
	} else if ((p = env(c, "AWS_PROFILE"))) {
		how = "AWS_PROFILE";
	} else if ((p = env(c, "AWS_DEFAULT_PROFILE"))) {
		how = "AWS_DEFAULT_PROFILE";
	} else {
		p = "default";
	}
	c->profile = dup_or_null(p, &oom);
	p = env(c, "AWS_CONFIG_FILE");
	c->config_path = expand_home(c, p ? p : "~/.aws/config");
	p = env(c, "AWS_SHARED_CREDENTIALS_FILE");
	c->credentials_path = expand_home(c, p ? p : "~/.aws/credentials");
	if (oom || !c->config_path || !c->credentials_path) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
		goto out;
	}
	rc = ini_load(&c->config, c->config_path, 0, e);
	if (rc < 0)
		goto out;
	rc = ini_load(&c->credentials, c->credentials_path, 0, e);
	if (rc < 0)
		goto out;
	/* a named profile that is missing is a mistake to report, not a reason
	 * to fall through to other credentials; "default" may be absent */
	if (how && strcmp(c->profile, "default") != 0 && !profile_exists(c, c->profile)) {
		rc = fcc_err_set(e, FCC_ENOTFOUND, "profile '%s' (from %s) is in neither %s nor %s",
				 c->profile, how, c->config_path, c->credentials_path);
		goto out;
	}
out:
	if (rc < 0) {
		creds_chain_free(c);
		return rc;
	}
	*out = c;
	return FCC_OK;
}

void creds_chain_free(creds_chain *c)
{
	if (!c)
		return;
	creds_credentials_free(c->cur);
	ini_free(c->config);
	ini_free(c->credentials);
	fcc_buf_dispose(&c->notes);
	fcc_free(c->opt_profile);
	fcc_free(c->opt_region);
	fcc_free(c->profile);
	fcc_free(c->config_path);
	fcc_free(c->credentials_path);
	fcc_free(c);
}

/* A source that hands out credentials already past their Expiration (a
 * stale credential_process cache, a container endpoint serving an old token):
 * signing with them only earns ExpiredToken from every service, so say so
 * once, naming the source. botocore refuses the same way ("the refreshed
 * credentials are still expired", botocore/credentials.py
 * RefreshableCredentials._protected_refresh). Non-zero (FCC_ECHECK in e)
 * when `cr` expired at or before `t`. */
static int expired(const creds_credentials *cr, long long t, fcc_err *e)
{
	char when[32];
	time_t tt;
	struct tm tm;

	if (!cr || !cr->expiration || t < cr->expiration)
		return 0;
	tt = (time_t)cr->expiration;
	if (!gmtime_r(&tt, &tm) || !strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(when, sizeof when, "epoch %lld", cr->expiration);
	fcc_err_set(e, FCC_ECHECK,
		    "%s: the credentials it returned expired at %s (%lld s ago); not signing "
		    "with them: renew them at their source",
		    cr->source ? cr->source : "credential source", when, t - cr->expiration);
	return 1;
}

int creds_get(creds_credentials **out, creds_chain *c, fcc_err *e)
{
	creds_credentials *fresh = NULL;
	enum provider winner = P_NONE;
	long long t = now(c);
	long margin =
		c->o.refresh_margin_s > 0 ? c->o.refresh_margin_s : CREDS_REFRESH_MARGIN_DEFAULT;
	int rc;

	*out = NULL;
	if (c->cur && (c->cur->expiration == 0 || t < c->cur->expiration - margin))
		return creds_credentials_dup(out, c->cur, e);
	fcc_buf_reset(&c->notes);
	if (c->cur) {
		fcc_err sub;

		/* refresh through the provider that won, so the source stays the same */
		fcc_err_clear(&sub);
		rc = providers[c->winner].fn(c, &fresh, &sub);
		if (rc > 0 && expired(fresh, t, &sub))
			rc = sub.code; /* as a failed refresh: the old ones may still do */
		if (rc > 0) {
			winner = c->winner;
		} else {
			creds_credentials_free(fresh);
			fresh = NULL;
			if (t < c->cur->expiration) {
				note(c,
				     "%s: refresh failed, using credentials that expire in %lld s: %s",
				     providers[c->winner].name, c->cur->expiration - t,
				     rc < 0 ? sub.msg : "no credentials");
				return creds_credentials_dup(out, c->cur, e);
			}
			if (rc < 0)
				return fcc_err_set(e, rc, "%s", sub.msg);
		}
	}
	if (!fresh) {
		rc = resolve_all(c, &fresh, &winner, e);
		if (rc < 0)
			return rc;
	}
	if (expired(fresh, t, e)) {
		creds_credentials_free(fresh);
		return e->code;
	}
	rc = creds_credentials_dup(out, fresh, e);
	if (rc < 0) {
		creds_credentials_free(fresh);
		return rc;
	}
	creds_credentials_free(c->cur);
	c->cur = fresh;
	c->winner = winner;
	return FCC_OK;
}

const char *creds_chain_profile(const creds_chain *c)
{
	return c->profile;
}

const char *creds_chain_notes(const creds_chain *c)
{
	return fcc_buf_cstr(&c->notes);
}

int creds_chain_region(char **out, const char **source_out, creds_chain *c, const char *fallback,
		       fcc_err *e)
{
	const char *r = NULL, *src = NULL;

	*out = NULL;
	if (c->opt_region && *c->opt_region) {
		r = c->opt_region;
		src = "option";
	} else if ((r = env(c, "AWS_REGION"))) {
		src = "env:AWS_REGION";
	} else if ((r = env(c, "AWS_DEFAULT_REGION"))) {
		src = "env:AWS_DEFAULT_REGION";
	} else if ((r = prof(c, c->profile, "region"))) {
		snprintf(c->region_source, sizeof c->region_source, "profile:%s", c->profile);
		src = c->region_source;
	} else if (fallback && *fallback) {
		r = fallback;
		src = "fallback";
	} else {
		return fcc_err_set(
			e, FCC_ENOTFOUND,
			"no region: set --region, AWS_REGION, AWS_DEFAULT_REGION or region in profile:%s",
			c->profile);
	}
	*out = fcc_strdup(r);
	if (!*out)
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	if (source_out)
		*source_out = src;
	return FCC_OK;
}
