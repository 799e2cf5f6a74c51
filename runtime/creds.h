/*
 * creds.h — the AWS credential chain and region resolution of the fcc runtime.
 *
 * Sits below the service clients and beside the signer: the clients ask
 * creds_get() for credentials before each signing. The providers are tried in
 * botocore's order (shared/AWS-WIRE.md "Credential resolution order"):
 *
 *   env → profile assume-role → web identity → shared credentials file →
 *   credential_process → shared config file → container → IMDSv2
 *
 * Two outside dependencies come in as callbacks so the chain does not depend
 * on the transport or the signer: an HTTP GET/PUT for the container and
 * instance metadata endpoints (creds_http_default() in creds_http.c is the
 * libcurl one), and an STS call for AssumeRole / AssumeRoleWithWebIdentity.
 * The environment and the clock are callbacks too, so tests control them.
 *
 * Secrets: secret keys and session tokens are wiped with OPENSSL_cleanse when
 * freed, and no message this module produces contains one — errors name the
 * source and the field, never the value.
 */
#ifndef FCC_CREDS_H
#define FCC_CREDS_H

#include <stddef.h>

#include "compiler/base/buf.h"
#include "compiler/base/err.h"

/* Refresh temporary credentials this long before they expire (botocore's
 * mandatory refresh window is 10 minutes, its advisory one 15; the SDK
 * default for fcc's short runs is 5). */
#define CREDS_REFRESH_MARGIN_DEFAULT 300
/* Budget for one request to a container or instance metadata endpoint. */
#define CREDS_METADATA_TIMEOUT_MS 1000
/* Budget for a credential_process command. */
#define CREDS_PROCESS_TIMEOUT_MS 60000
/* Longest source_profile chain followed before giving up. */
#define CREDS_MAX_CHAIN_DEPTH 10

typedef struct creds_credentials {
	char *access_key_id;
	char *secret_access_key; /* secret: wiped on free */
	char *session_token;     /* secret: wiped on free; NULL for long-term keys */
	long long expiration;    /* epoch seconds; 0 = does not expire */
	char *source;            /* which provider produced them, e.g. "env", "imds" */
} creds_credentials;

/* Copies the strings into a new credentials value (`token` and `source` may
 * be NULL). Returns FCC_OK or FCC_ENOMEM; *out is NULL on failure. */
int creds_credentials_new(creds_credentials **out, const char *access_key_id,
			  const char *secret_access_key, const char *session_token,
			  long long expiration, const char *source, fcc_err *e);
/* A deep copy of `c`. Returns FCC_OK or FCC_ENOMEM. */
int creds_credentials_dup(creds_credentials **out, const creds_credentials *c, fcc_err *e);
/* Wipes the secret parts and frees; NULL is fine. */
void creds_credentials_free(creds_credentials *c);

/* getenv(3)-like lookup: the value of `name` or NULL. The result is borrowed
 * and must stay valid while the chain uses it, as getenv's does. */
typedef const char *(*creds_getenv_fn)(void *payload, const char *name);
/* Current time, epoch seconds. */
typedef long long (*creds_clock_fn)(void *payload);

/*
 * One HTTP request to a credential endpoint. `headers` is a NULL-terminated
 * list of "Name: value" lines (may be NULL). On a response (whatever its
 * status) returns FCC_OK with *status_out and the body appended to
 * `body_out` (whose cap the caller set). Returns FCC_EIO or FCC_ETIMEOUT
 * when no response came, FCC_ENOMEM, or FCC_EIO when the body exceeds the
 * cap. Must not follow redirects.
 */
typedef int (*creds_http_fn)(void *payload, const char *method, const char *url,
			     const char *const *headers, long timeout_ms, long *status_out,
			     fcc_buf *body_out, fcc_err *e);

enum creds_sts_kind {
	CREDS_STS_ASSUME_ROLE = 1, /* signed with `source` */
	CREDS_STS_WEB_IDENTITY = 2 /* unsigned, carries `web_identity_token` */
};

typedef struct creds_sts_request {
	enum creds_sts_kind kind;
	const char *role_arn;
	const char *role_session_name;
	const char *web_identity_token;  /* CREDS_STS_WEB_IDENTITY only; secret */
	const creds_credentials *source; /* CREDS_STS_ASSUME_ROLE only */
	long duration_seconds;           /* 0 = let STS pick its default */
	const char *external_id;         /* NULL when not configured */
	const char *region;              /* resolved region, NULL = STS global endpoint */
} creds_sts_request;

typedef struct creds_sts_response {
	creds_credentials
		*creds;       /* set on success (creds_credentials_new); the chain owns it after */
	char error_code[128]; /* the AWS error code ("AccessDenied") when the call returns FCC_EAWS */
} creds_sts_response;

/* Calls STS. Returns FCC_OK with out->creds set (with an expiration), or a
 * negative code: FCC_EAWS with out->error_code and a message in `e`, FCC_EIO
 * for transport failures. */
typedef int (*creds_sts_fn)(void *payload, creds_sts_response *out, const creds_sts_request *req,
			    fcc_err *e);

typedef struct creds_options {
	const char *profile;    /* --profile; NULL: AWS_PROFILE, AWS_DEFAULT_PROFILE, "default" */
	const char *region;     /* --region; NULL: see creds_region_resolve() */
	creds_getenv_fn getenv; /* NULL: getenv(3) */
	void *getenv_payload;
	creds_clock_fn clock; /* NULL: time(2) */
	void *clock_payload;
	creds_http_fn http; /* NULL: creds_http_default */
	void *http_payload;
	creds_sts_fn sts; /* NULL: profiles that need STS fail with a clear error */
	void *sts_payload;
	long refresh_margin_s;    /* 0: CREDS_REFRESH_MARGIN_DEFAULT */
	long metadata_timeout_ms; /* 0: CREDS_METADATA_TIMEOUT_MS */
	long process_timeout_ms;  /* 0: CREDS_PROCESS_TIMEOUT_MS; credential_process runs with
				     * the real process environment, not the getenv callback's */
} creds_options;

typedef struct creds_chain creds_chain;

/*
 * A chain over `opts` (copied; the callbacks' payloads are borrowed and must
 * outlive the chain). Loads AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE
 * (default ~/.aws/config and ~/.aws/credentials, `~` from HOME) and picks the
 * profile. Returns FCC_OK, FCC_ENOMEM, FCC_EIO/FCC_EPARSE for an unreadable
 * or malformed file (message with file:line), or FCC_ENOTFOUND when a profile
 * named by the option, AWS_PROFILE or AWS_DEFAULT_PROFILE is in neither file.
 * *out is NULL on failure.
 */
int creds_chain_new(creds_chain **out, const creds_options *opts, fcc_err *e);
void creds_chain_free(creds_chain *c);

/*
 * Credentials from the chain: resolved on the first call, then reused, and
 * resolved again by the winning provider when they are within the refresh
 * margin of their expiration. If that refresh fails while the old ones have
 * not expired yet, the old ones are returned (and a note is recorded).
 * *out is a copy the caller frees with creds_credentials_free(); its `source`
 * says which provider won, e.g. "env", "profile:dev (assume-role via
 * profile:base)", "web-identity", "shared-credentials-file",
 * "credential-process", "shared-config-file", "container", "imds".
 * Returns FCC_OK; FCC_ENOTFOUND when no provider had credentials (the message
 * lists the notes); FCC_ECHECK also when the source's credentials are already
 * past their Expiration (never returned: the message names the source and
 * the time; a refresh that brings back expired ones counts as a failed
 * refresh); FCC_EPARSE/FCC_ECHECK for a broken profile, FCC_EAWS from
 * STS, FCC_EIO/FCC_ETIMEOUT from an endpoint or credential_process.
 * Not thread-safe: callers serialise calls on one chain.
 */
int creds_get(creds_credentials **out, creds_chain *c, fcc_err *e);

/* The profile the chain uses (borrowed). */
const char *creds_chain_profile(const creds_chain *c);

/* Why providers were skipped, one line each ("env: AWS_ACCESS_KEY_ID is set
 * but AWS_SECRET_ACCESS_KEY is not; skipped"); "" when none. Borrowed, valid
 * until the next creds_get(). */
const char *creds_chain_notes(const creds_chain *c);

/*
 * The region: `opts->region`, then AWS_REGION, then AWS_DEFAULT_REGION, then
 * the profile's `region` in the config file, then `fallback` (the spec's
 * region; may be NULL). *out is owned by the caller (fcc_free); *source_out
 * (may be NULL) receives the winner's name, borrowed from `c` until the next
 * call: "option", "env:AWS_REGION", "env:AWS_DEFAULT_REGION", "profile:NAME",
 * "fallback". Returns FCC_OK, FCC_ENOTFOUND when none gave a region,
 * FCC_ENOMEM; *out is NULL on failure.
 */
int creds_chain_region(char **out, const char **source_out, creds_chain *c, const char *fallback,
		       fcc_err *e);

/* The libcurl implementation of creds_http_fn (creds_http.c); `payload` is
 * unused. */
int creds_http_default(void *payload, const char *method, const char *url,
		       const char *const *headers, long timeout_ms, long *status_out,
		       fcc_buf *body_out, fcc_err *e);

/* Parse an ISO 8601 UTC timestamp as STS and the metadata services write it
 * ("2026-11-26T07:54:00Z", fractional seconds and ±HH:MM offsets accepted).
 * Returns FCC_OK or FCC_EPARSE. */
int creds_parse_time(long long *out, const char *s);

#endif
