/*
 * retry.h — the AWS SDK "standard" retry mode, as a pure policy.
 *
 * No I/O and no clock: the caller (the AWS request layer) reports how an
 * attempt ended and gets back whether to retry and after how long; it then
 * re-signs and resubmits through http_submit(…, delay_ms, …) itself.
 * Behaviour follows botocore's retries/standard.py and shared/AWS-WIRE.md:
 *
 *  - max attempts: 3 in all (first try + 2 retries), AWS_MAX_ATTEMPTS overrides;
 *  - retryable: no response (connection error, dropped connection, timeout,
 *    TLS failure); HTTP 500/502/503/504; the transient error codes
 *    (RequestTimeout, RequestTimeoutException, PriorRequestNotComplete); the
 *    throttling codes (Throttling, ThrottlingException, …, SlowDown); errors the
 *    service model marks retryable; and STS's IDPCommunicationError, which
 *    botocore retries specially. A bare 429 without a throttling code is NOT
 *    retried (botocore matches throttling by code, not status);
 *  - backoff: full jitter, random(0,1) * min(2^(attempt-1), 20) seconds;
 *  - retry quota: a token bucket per policy (per client) of 500; a retry costs
 *    5 (10 after a timeout); no quota, no retry; a success without retries
 *    refills 1, a success after retries refunds what its last retry took.
 *
 * Modes: AWS_RETRY_MODE accepts "standard" and, as aliases of it, "legacy" and
 * "adaptive". fcc does not implement legacy's different error lists and
 * 5-attempt default, nor adaptive's client-side rate limiter: both degrade to
 * standard, whose retry set covers legacy's and whose quota protects a
 * throttled account just as well for a CLI's request volume. The mode that was
 * asked for is kept in `requested_mode` so --debug can say so.
 *
 * A policy is not thread-safe; fcc drives all requests from one thread.
 */
#ifndef FCC_RETRY_H
#define FCC_RETRY_H

#include "compiler/base/err.h"

#define RETRY_DEFAULT_MAX_ATTEMPTS 3
#define RETRY_MAX_ATTEMPTS_LIMIT 50 /* higher AWS_MAX_ATTEMPTS values are refused */
#define RETRY_QUOTA_MAX 500
#define RETRY_COST 5
#define RETRY_TIMEOUT_COST 10
#define RETRY_NO_RETRY_INCREMENT 1
#define RETRY_MAX_BACKOFF_MS 20000

typedef enum retry_verdict {
	RETRY_NO = 0,      /* the failure is not retryable */
	RETRY_YES = 1,     /* retry after *delay_ms */
	RETRY_NO_ATTEMPTS, /* retryable, but this was the last allowed attempt */
	RETRY_NO_QUOTA     /* retryable, but the retry quota is exhausted */
} retry_verdict;

/* How one attempt failed. Fill what is known; zero the rest. */
typedef struct retry_outcome {
	int no_response;       /* no HTTP response: connect error, dropped, TLS, timeout */
	int timeout;           /* the no-response failure was a timeout (costs more quota) */
	long status;           /* HTTP status when a response arrived */
	const char *code;      /* AWS error code from the body or x-amzn-ErrorType, or NULL */
	int modeled_retryable; /* the service model marks this error `retryable` */
	const char *service; /* signing name ("sts", …) for service-specific rules; may be NULL */
} retry_outcome;

/* Random source for the jitter: a uniform value in [0, 1). */
typedef double (*retry_random_fn)(void *payload);
/* getenv-compatible lookup, so callers and tests can pass getenv itself. */
typedef char *(*retry_getenv_fn)(const char *name);

typedef struct retry_policy {
	unsigned max_attempts;
	unsigned quota;          /* tokens left, 0..RETRY_QUOTA_MAX */
	char requested_mode[16]; /* "standard", "legacy" or "adaptive" */
	retry_random_fn random;
	void *random_payload;
	unsigned long long rng_state; /* the default generator's state */
} retry_policy;

/* Initialise `out` from AWS_RETRY_MODE and AWS_MAX_ATTEMPTS read through
 * `get` (NULL = no environment: all defaults). Unset or empty variables take
 * the defaults. Returns FCC_OK, or FCC_EUSAGE with a message naming the
 * variable when AWS_RETRY_MODE is not standard/legacy/adaptive or
 * AWS_MAX_ATTEMPTS is not an integer from 1 to RETRY_MAX_ATTEMPTS_LIMIT (as
 * botocore refuses such values rather than guessing); `out` then holds the
 * defaults. The default random source is a xorshift generator seeded from the
 * policy's address; it only spreads retries, it is not for secrets. */
int retry_policy_init(retry_policy *out, retry_getenv_fn get, fcc_err *e);

/* Replace the random source (tests pass a fixed one). */
void retry_policy_set_random(retry_policy *p, retry_random_fn fn, void *payload);

/* Non-zero when `o` is retryable in itself (ignores attempts and quota). */
int retry_is_retryable(const retry_outcome *o);
/* Non-zero when `code` is one of the throttling error codes. */
int retry_is_throttling_code(const char *code);

/* Decide about attempt number `attempt` (1 = the first try) that ended as `o`.
 * RETRY_YES: the quota has been charged, *delay_ms holds the jittered backoff
 * and *cost what was charged (keep it for retry_on_success). Any other
 * verdict leaves the quota alone and sets *delay_ms = *cost = 0. */
retry_verdict retry_decide(retry_policy *p, unsigned attempt, const retry_outcome *o,
			   unsigned *delay_ms, unsigned *cost);

/* Report a successful response. `retried_cost` is the *cost of the last
 * RETRY_YES for this request, or 0 when it succeeded on the first try. */
void retry_on_success(retry_policy *p, unsigned retried_cost);

/* Static name of a verdict, e.g. "retry quota exhausted". */
const char *retry_verdict_name(retry_verdict v);

#endif
