/*
 * retry.c — AWS SDK "standard" retry mode (see retry.h). Pure: no I/O, no
 * clock. Error-code lists as in botocore 1.43 retries/standard.py
 * (TransientRetryableChecker, ThrottledRetryableChecker) and
 * retries/special.py (RetryIDPCommunicationError); quota as in
 * retries/quota.py and RetryQuotaChecker.
 */
#include "runtime/retry.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const transient_codes[] = {
	"RequestTimeout",
	"RequestTimeoutException",
	"PriorRequestNotComplete",
};

/* botocore also lists PriorRequestNotComplete here; it is transient above */
static const char *const throttling_codes[] = {
	"Throttling",
	"ThrottlingException",
	"ThrottledException",
	"RequestThrottledException",
	"TooManyRequestsException",
	"ProvisionedThroughputExceededException",
	"TransactionInProgressException",
	"RequestLimitExceeded",
	"BandwidthLimitExceeded",
	"LimitExceededException",
	"RequestThrottled",
	"SlowDown",
	"PriorRequestNotComplete",
	"EC2ThrottledException",
};

static int in_list(const char *code, const char *const *list, size_t n)
{
	size_t i;

	if (!code || !*code)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0) /* AWS error codes are case-sensitive */
			return 1;
	return 0;
}

int retry_is_throttling_code(const char *code)
{
	return in_list(code, throttling_codes, sizeof throttling_codes / sizeof *throttling_codes);
}

int retry_is_retryable(const retry_outcome *o)
{
	if (o->no_response)
		return 1;
	if (in_list(o->code, transient_codes, sizeof transient_codes / sizeof *transient_codes))
		return 1;
	if (o->status == 500 || o->status == 502 || o->status == 503 || o->status == 504)
		return 1;
	if (retry_is_throttling_code(o->code))
		return 1;
	if (o->modeled_retryable)
		return 1;
	/* STS answers IDPCommunicationError when the web identity provider
	 * could not be reached; botocore retries it for sts only */
	if (o->service && strcmp(o->service, "sts") == 0 && o->code &&
	    strcmp(o->code, "IDPCommunicationError") == 0)
		return 1;
	return 0;
}

/* xorshift64*: a small, fast generator; jitter needs spread, not secrecy */
static double default_random(void *payload)
{
	retry_policy *p = payload;
	uint64_t x = p->rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	p->rng_state = x;
	return (double)((x * 2685821657736338717ULL) >> 11) / 9007199254740992.0; /* / 2^53 */
}

void retry_policy_set_random(retry_policy *p, retry_random_fn fn, void *payload)
{
	p->random = fn ? fn : default_random;
	p->random_payload = fn ? payload : p;
}

static void defaults(retry_policy *p)
{
	memset(p, 0, sizeof *p);
	p->max_attempts = RETRY_DEFAULT_MAX_ATTEMPTS;
	p->quota = RETRY_QUOTA_MAX;
	strcpy(p->requested_mode, "standard");
	/* seed from the address: differs between runs under ASLR; never 0 */
	p->rng_state = ((uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ULL) | 1u;
	retry_policy_set_random(p, NULL, NULL);
}

int retry_policy_init(retry_policy *out, retry_getenv_fn get, fcc_err *e)
{
	const char *mode = get ? get("AWS_RETRY_MODE") : NULL;
	const char *max = get ? get("AWS_MAX_ATTEMPTS") : NULL;
	char *end;
	long n;

	defaults(out);
	if (mode && *mode) {
		if (strcasecmp(mode, "standard") != 0 && strcasecmp(mode, "legacy") != 0 &&
		    strcasecmp(mode, "adaptive") != 0)
			return fcc_err_set(
				e, FCC_EUSAGE,
				"AWS_RETRY_MODE must be standard, legacy or adaptive, not '%.40s'",
				mode);
		snprintf(out->requested_mode, sizeof out->requested_mode, "%s", mode);
		for (end = out->requested_mode; *end; end++)
			*end = (char)(*end >= 'A' && *end <= 'Z' ? *end + 32 : *end);
	}
	if (max && *max) {
		errno = 0;
		n = strtol(max, &end, 10);
		while (*end == ' ' || *end == '\t')
			end++;
		if (errno || end == max || *end || n < 1 || n > RETRY_MAX_ATTEMPTS_LIMIT) {
			defaults(out);
			return fcc_err_set(
				e, FCC_EUSAGE,
				"AWS_MAX_ATTEMPTS must be an integer from 1 to %d, not '%.40s'",
				RETRY_MAX_ATTEMPTS_LIMIT, max);
		}
		out->max_attempts = (unsigned)n;
	}
	return FCC_OK;
}

retry_verdict retry_decide(retry_policy *p, unsigned attempt, const retry_outcome *o,
			   unsigned *delay_ms, unsigned *cost)
{
	unsigned c, cap_ms;
	double r;

	*delay_ms = 0;
	*cost = 0;
	if (attempt < 1)
		attempt = 1;
	/* botocore checks retryability first: a non-retryable error is reported
	 * as such even on the last attempt */
	if (!retry_is_retryable(o))
		return RETRY_NO;
	if (attempt >= p->max_attempts)
		return RETRY_NO_ATTEMPTS;
	c = o->no_response && o->timeout ? RETRY_TIMEOUT_COST : RETRY_COST;
	if (c > p->quota)
		return RETRY_NO_QUOTA;
	p->quota -= c;
	/* full jitter: random(0,1) * min(2^(attempt-1), 20) s */
	cap_ms = attempt - 1 >= 5
			 ? RETRY_MAX_BACKOFF_MS
			 : (1000u << (attempt - 1) < RETRY_MAX_BACKOFF_MS ? 1000u << (attempt - 1)
									  : RETRY_MAX_BACKOFF_MS);
	r = p->random(p->random_payload);
	if (!(r >= 0.0)) /* also catches NaN */
		r = 0.0;
	if (r >= 1.0)
		r = 1.0;
	*delay_ms = (unsigned)(r * cap_ms);
	*cost = c;
	return RETRY_YES;
}

void retry_on_success(retry_policy *p, unsigned retried_cost)
{
	unsigned add = retried_cost ? retried_cost : RETRY_NO_RETRY_INCREMENT;

	p->quota = p->quota + add > RETRY_QUOTA_MAX ? RETRY_QUOTA_MAX : p->quota + add;
}

const char *retry_verdict_name(retry_verdict v)
{
	switch (v) {
	case RETRY_NO:
		return "not retryable";
	case RETRY_YES:
		return "retry";
	case RETRY_NO_ATTEMPTS:
		return "maximum attempts reached";
	case RETRY_NO_QUOTA:
		return "retry quota exhausted";
	}
	return "not retryable";
}
