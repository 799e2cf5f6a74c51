/*
 * test_lock.c — the apply lock (runtime/lock.c) against the local endpoint:
 * acquire/release, waiting then failing with the holder named (fake clock
 * and sleep), expired-lock takeover, refresh and release after a takeover,
 * fcc unlock's id check, racing acquires from two contexts, the Ctrl-C
 * flag, and the pure pieces (key, holder, description).
 */
#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/aws/s3.h"
#include "runtime/lock.h"
#include "tu_aws.h"

/* ---- a fake clock: sleeping advances it ---- */

typedef struct fake_clock {
	long long now_ms;
	long sleeps[64];
	size_t nsleeps;
	long long slept_ms;
	size_t nwaits;
	char last_holder[256];
} fake_clock;

static long long fake_now(void *payload)
{
	return ((fake_clock *)payload)->now_ms;
}

static void fake_sleep(void *payload, long ms)
{
	fake_clock *c = payload;

	if (c->nsleeps < 64)
		c->sleeps[c->nsleeps++] = ms;
	c->slept_ms += ms;
	c->now_ms += ms;
}

static void fake_on_wait(void *payload, const lock_info *holder, long long waited, long next)
{
	fake_clock *c = payload;

	(void)waited;
	(void)next;
	c->nwaits++;
	snprintf(c->last_holder, sizeof c->last_holder, "%s", holder->who);
}

static lock_hooks hooks_for(fake_clock *c, long long start_ms)
{
	lock_hooks h;

	memset(c, 0, sizeof *c);
	c->now_ms = start_ms;
	memset(&h, 0, sizeof h);
	h.now_ms = fake_now;
	h.sleep_ms = fake_sleep;
	h.on_wait = fake_on_wait;
	h.payload = c;
	return h;
}

static long long wall_ms(void)
{
	return (long long)time(NULL) * 1000;
}

static lock_info holder(const char *who, const char *cmd)
{
	lock_info li;

	memset(&li, 0, sizeof li);
	snprintf(li.who, sizeof li.who, "%s", who);
	snprintf(li.where, sizeof li.where, "testhost:/work/%s", who);
	snprintf(li.command, sizeof li.command, "%s", cmd);
	return li;
}

#define OK(call, e) ck_assert_msg((call) == FCC_OK, "%s", (e).msg)

/* ---- pure pieces ---- */

START_TEST(test_lock_key_convention)
{
	fcc_buf b;

	fcc_buf_init(&b, 4096);
	ck_assert_int_eq(lock_key(&b, "fcc/demo", "demo", "dev"), FCC_OK);
	ck_assert_str_eq(fcc_buf_cstr(&b), "fcc/demo/.fcc/lock/demo-dev.json");
	fcc_buf_reset(&b);
	ck_assert_int_eq(lock_key(&b, "/p/", "demo", NULL), FCC_OK);
	ck_assert_str_eq(fcc_buf_cstr(&b), "p/.fcc/lock/demo.json");
	fcc_buf_reset(&b);
	ck_assert_int_eq(lock_key(&b, "", "demo", ""), FCC_OK);
	ck_assert_str_eq(fcc_buf_cstr(&b), ".fcc/lock/demo.json");
	fcc_buf_reset(&b);
	ck_assert_int_eq(lock_key(&b, "p", "", "dev"), FCC_EUSAGE);
	ck_assert_int_eq(lock_key(&b, "p", "a/b", "dev"), FCC_EUSAGE);
	ck_assert_int_eq(lock_key(&b, "p", "a", "x/y"), FCC_EUSAGE);
	fcc_buf_dispose(&b);
}
END_TEST

static const char *gh_env(void *payload, const char *name)
{
	static const char *const kv[] = {"USER",
					 "ci-bot",
					 "GITHUB_SERVER_URL",
					 "https://github.com",
					 "GITHUB_REPOSITORY",
					 "acme/forecast",
					 "GITHUB_RUN_ID",
					 "4242",
					 NULL};
	size_t i;

	(void)payload;
	for (i = 0; kv[i]; i += 2)
		if (strcmp(kv[i], name) == 0)
			return kv[i + 1];
	return NULL;
}

static const char *bare_env(void *payload, const char *name)
{
	(void)payload;
	return strcmp(name, "LOGNAME") == 0 ? "alice" : NULL;
}

START_TEST(test_lock_holder_default)
{
	lock_info li;
	char host[256], cwd[1024], want[1400];

	ck_assert_int_eq(gethostname(host, sizeof host), 0);
	lock_holder_default(&li, "fcc apply project.spec", gh_env, NULL);
	snprintf(want, sizeof want, "ci-bot@%s (pid %ld)", host, (long)getpid());
	ck_assert_str_eq(li.who, want);
	ck_assert_str_eq(li.where, "https://github.com/acme/forecast/actions/runs/4242");
	ck_assert_str_eq(li.command, "fcc apply project.spec");
	ck_assert_str_eq(li.id, "");

	lock_holder_default(&li, NULL, bare_env, NULL);
	ck_assert_ptr_nonnull(strstr(li.who, "alice@"));
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	snprintf(want, sizeof want, "%s:%s", host, cwd);
	ck_assert_str_eq(li.where, want);
}
END_TEST

START_TEST(test_lock_describe_line)
{
	lock_info li = holder("bob@h (pid 7)", "fcc apply x.spec");
	fcc_buf b;

	snprintf(li.id, sizeof li.id, "11111111-2222-4333-8444-555555555555");
	li.created = 1700000000;
	li.expires = 1700003600;
	fcc_buf_init(&b, 4096);
	ck_assert_int_eq(lock_describe(&b, &li, 1700000100), FCC_OK);
	ck_assert_str_eq(fcc_buf_cstr(&b),
			 "held by bob@h (pid 7) at testhost:/work/bob@h (pid 7) since "
			 "2023-11-14T22:13:20Z (expires 2023-11-14T23:13:20Z), lock id "
			 "11111111-2222-4333-8444-555555555555, command 'fcc apply x.spec'");
	fcc_buf_reset(&b);
	lock_describe(&b, &li, 1700003600);
	ck_assert_ptr_nonnull(strstr(fcc_buf_cstr(&b), "23:13:20Z, expired)"));
	fcc_buf_dispose(&b);
}
END_TEST

/* ---- against the endpoint ---- */

START_TEST(test_lock_acquire_release)
{
	aws_ctx *ctx = tu_aws_ctx();
	const char *bucket = tu_aws_bucket(ctx), *key = "proj/.fcc/lock/demo-dev.json";
	lock_info me = holder("alice@laptop (pid 1)", "fcc apply demo.spec"), seen;
	lock_handle l, l2;
	s3_object_info oi;
	aws_error ae;
	json_t *j;
	char etag[128];
	fcc_err e;

	lock_init(&l);
	OK(lock_acquire(&l, ctx, bucket, key, &me, 600, 0, NULL, &e), e);
	ck_assert(l.held);
	ck_assert_uint_eq(strlen(l.info.id), 36);
	ck_assert_int_eq(l.info.expires - l.info.created, 600);
	ck_assert_str_ne(l.etag, "");

	/* the object is the documented JSON */
	ck_assert_int_eq(s3_get_object(&oi, ctx, bucket, key, &ae), FCC_OK);
	j = json_loadb(oi.body, (size_t)oi.content_length, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "id")), l.info.id);
	ck_assert_str_eq(json_string_value(json_object_get(j, "who")), "alice@laptop (pid 1)");
	ck_assert_str_eq(json_string_value(json_object_get(j, "where")),
			 "testhost:/work/alice@laptop (pid 1)");
	ck_assert_str_eq(json_string_value(json_object_get(j, "command")), "fcc apply demo.spec");
	ck_assert_ptr_nonnull(json_string_value(json_object_get(j, "created")));
	ck_assert_ptr_nonnull(json_string_value(json_object_get(j, "expires")));
	json_decref(j);
	aws_pool_dispose(&oi.pool);

	OK(lock_read(&seen, etag, ctx, bucket, key, &e), e);
	ck_assert_str_eq(seen.id, l.info.id);
	ck_assert_str_eq(etag, l.etag);
	ck_assert_int_eq(seen.expires, l.info.expires);

	/* a second acquire with no wait fails at once and names the holder */
	lock_init(&l2);
	ck_assert_int_eq(lock_acquire(&l2, ctx, bucket, key, &me, 600, 0, NULL, &e), FCC_ECONFLICT);
	ck_assert(!l2.held);
	ck_assert_str_eq(l2.info.id, l.info.id);

	OK(lock_release(&l, &e), e);
	ck_assert(!l.held);
	ck_assert_int_eq(lock_read(&seen, NULL, ctx, bucket, key, &e), FCC_ENOTFOUND);
	OK(lock_release(&l, &e), e); /* releasing twice is harmless */

	/* and it can be taken again */
	OK(lock_acquire(&l2, ctx, bucket, key, &me, 600, 0, NULL, &e), e);
	ck_assert_str_ne(l2.info.id, l.info.id);
	OK(lock_release(&l2, &e), e);
	lock_dispose(&l);
	lock_dispose(&l2);
	aws_ctx_free(ctx);
}
END_TEST

START_TEST(test_lock_wait_then_fail)
{
	aws_ctx *ctx = tu_aws_ctx();
	const char *bucket = tu_aws_bucket(ctx), *key = ".fcc/lock/demo.json";
	lock_info a = holder("alice@laptop (pid 11)", "fcc apply a.spec");
	lock_info b = holder("bob@ci (pid 22)", "fcc apply b.spec");
	lock_handle la, lb;
	fake_clock c;
	lock_hooks h;
	char want[128];
	size_t i;
	fcc_err e;

	lock_init(&la);
	lock_init(&lb);
	OK(lock_acquire(&la, ctx, bucket, key, &a, 3600, 0, NULL, &e), e);

	h = hooks_for(&c, wall_ms());
	ck_assert_int_eq(lock_acquire(&lb, ctx, bucket, key, &b, 3600, 20000, &h, &e),
			 FCC_ECONFLICT);
	ck_assert(!lb.held);
	/* waited the whole timeout, with bounded, growing waits */
	ck_assert_int_eq(c.slept_ms, 20000);
	ck_assert_uint_ge(c.nsleeps, 3);
	ck_assert_int_eq(c.sleeps[0], 1000);
	ck_assert_int_eq(c.sleeps[1], 2000);
	for (i = 0; i < c.nsleeps; i++)
		ck_assert_int_le(c.sleeps[i], 15000);
	ck_assert_uint_eq(c.nwaits, c.nsleeps);
	ck_assert_str_eq(c.last_holder, "alice@laptop (pid 11)");
	/* the message names the holder, where, the lock id and the way out */
	ck_assert_ptr_nonnull(strstr(e.msg, "held by alice@laptop (pid 11) at testhost:"));
	ck_assert_ptr_nonnull(strstr(e.msg, la.info.id));
	snprintf(want, sizeof want, "fcc unlock %s", la.info.id);
	ck_assert_ptr_nonnull(strstr(e.msg, want));
	ck_assert_ptr_nonnull(strstr(e.msg, "waiting 20s"));
	ck_assert_ptr_nonnull(strstr(e.msg, "command 'fcc apply a.spec'"));

	/* released in the meantime: the next try wins */
	OK(lock_release(&la, &e), e);
	h = hooks_for(&c, wall_ms());
	OK(lock_acquire(&lb, ctx, bucket, key, &b, 3600, 20000, &h, &e), e);
	ck_assert_uint_eq(c.nsleeps, 0);
	OK(lock_release(&lb, &e), e);
	lock_dispose(&la);
	lock_dispose(&lb);
	aws_ctx_free(ctx);
}
END_TEST

START_TEST(test_lock_expired_takeover)
{
	aws_ctx *ctx = tu_aws_ctx();
	const char *bucket = tu_aws_bucket(ctx), *key = "x/.fcc/lock/demo-prod.json";
	lock_info a = holder("alice@laptop (pid 11)", "fcc apply"), seen;
	lock_info b = holder("bob@ci (pid 22)", "fcc apply");
	long long t0 = wall_ms() - 3600 * 1000;
	lock_handle la, lb;
	fake_clock ca, cb;
	lock_hooks ha, hb;
	fcc_err e;

	lock_init(&la);
	lock_init(&lb);
	/* alice took it an hour ago for 60 s, and crashed */
	ha = hooks_for(&ca, t0);
	OK(lock_acquire(&la, ctx, bucket, key, &a, 60, 0, &ha, &e), e);
	/* a wait ends early when the holder's lock expires within it */
	hb = hooks_for(&cb, t0 + 59500);
	OK(lock_acquire(&lb, ctx, bucket, key, &b, 600, 30000, &hb, &e), e);
	ck_assert_uint_eq(cb.nsleeps, 1);
	ck_assert_int_eq(cb.sleeps[0], 600); /* expiry + 100 ms, not the full second */
	ck_assert_str_ne(lb.info.id, la.info.id);
	OK(lock_read(&seen, NULL, ctx, bucket, key, &e), e);
	ck_assert_str_eq(seen.id, lb.info.id);
	ck_assert_str_eq(seen.who, "bob@ci (pid 22)");

	/* alice comes back: her refresh and release must not touch bob's lock */
	ck_assert_int_eq(lock_refresh(&la, 600, &e), FCC_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "no longer ours"));
	ck_assert(!la.held);
	la.held = 1; /* as if she had not noticed */
	ck_assert_int_eq(lock_release(&la, &e), FCC_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "taken over"));
	OK(lock_read(&seen, NULL, ctx, bucket, key, &e), e);
	ck_assert_str_eq(seen.id, lb.info.id);

	/* bob's own refresh works and moves the expiry */
	cb.now_ms += 100 * 1000;
	OK(lock_refresh(&lb, 600, &e), e);
	OK(lock_read(&seen, NULL, ctx, bucket, key, &e), e);
	ck_assert_int_eq(seen.expires, lb.info.expires);
	ck_assert_int_eq(seen.expires, (t0 + 59500 + 600 + 100 * 1000) / 1000 + 600);
	OK(lock_release(&lb, &e), e);
	ck_assert_int_eq(lock_read(&seen, NULL, ctx, bucket, key, &e), FCC_ENOTFOUND);
	lock_dispose(&la);
	lock_dispose(&lb);
	aws_ctx_free(ctx);
}
END_TEST

START_TEST(test_lock_force_release)
{
	aws_ctx *ctx = tu_aws_ctx();
	const char *bucket = tu_aws_bucket(ctx), *key = ".fcc/lock/demo.json";
	lock_info a = holder("alice@laptop (pid 11)", "fcc apply"), seen;
	lock_handle la;
	s3_put_input in;
	aws_error ae;
	fcc_err e;

	ck_assert_int_eq(lock_force_release(&seen, ctx, bucket, key, "nope", &e), FCC_ENOTFOUND);
	lock_init(&la);
	OK(lock_acquire(&la, ctx, bucket, key, &a, 600, 0, NULL, &e), e);
	/* the wrong id is refused and the lock stays */
	ck_assert_int_eq(lock_force_release(&seen, ctx, bucket, key,
					    "00000000-0000-4000-8000-000000000000", &e),
			 FCC_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, la.info.id));
	ck_assert_ptr_nonnull(strstr(e.msg, "not released"));
	ck_assert_str_eq(seen.id, la.info.id);
	OK(lock_read(&seen, NULL, ctx, bucket, key, &e), e);
	/* the right id works */
	OK(lock_force_release(&seen, ctx, bucket, key, la.info.id, &e), e);
	ck_assert_str_eq(seen.who, "alice@laptop (pid 11)");
	ck_assert_int_eq(lock_read(&seen, NULL, ctx, bucket, key, &e), FCC_ENOTFOUND);
	/* the owner's own release afterwards is harmless */
	OK(lock_release(&la, &e), e);

	/* something that is not a lock is never taken over nor force-released */
	memset(&in, 0, sizeof in);
	in.bucket = bucket;
	in.key = key;
	in.body = "not json";
	in.len = 8;
	ck_assert_int_eq(s3_put_object(NULL, ctx, &in, &ae), FCC_OK);
	ck_assert_int_eq(lock_force_release(&seen, ctx, bucket, key, "x", &e), FCC_EPARSE);
	ck_assert_int_eq(lock_acquire(&la, ctx, bucket, key, &a, 600, 0, NULL, &e), FCC_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "not a lock fcc wrote"));
	lock_dispose(&la);
	aws_ctx_free(ctx);
}
END_TEST

typedef struct racer {
	const char *bucket, *key;
	pthread_barrier_t *start;
	int rc;
	char id[37];
	char msg[1024];
} racer;

static void *race(void *arg)
{
	racer *r = arg;
	aws_ctx *ctx = tu_aws_ctx();
	lock_info me = holder("racer@h (pid 3)", "fcc apply");
	lock_handle l;
	fcc_err e;

	lock_init(&l);
	pthread_barrier_wait(r->start);
	r->rc = lock_acquire(&l, ctx, r->bucket, r->key, &me, 600, 0, NULL, &e);
	snprintf(r->msg, sizeof r->msg, "%s", r->rc ? e.msg : "");
	if (!r->rc)
		snprintf(r->id, sizeof r->id, "%s", l.info.id);
	lock_dispose(&l); /* the winner's lock stays for the check */
	aws_ctx_free(ctx);
	return NULL;
}

START_TEST(test_lock_concurrent_one_wins)
{
	aws_ctx *ctx = tu_aws_ctx();
	const char *bucket = tu_aws_bucket(ctx);
	char key[64];
	int round;

	for (round = 0; round < 5; round++) {
		pthread_barrier_t bar;
		pthread_t t[2];
		racer r[2];
		lock_info seen;
		fcc_err e;
		int i, wins = 0;

		snprintf(key, sizeof key, ".fcc/lock/race%d.json", round);
		pthread_barrier_init(&bar, NULL, 2);
		for (i = 0; i < 2; i++) {
			memset(&r[i], 0, sizeof r[i]);
			r[i].bucket = bucket;
			r[i].key = key;
			r[i].start = &bar;
			ck_assert_int_eq(pthread_create(&t[i], NULL, race, &r[i]), 0);
		}
		for (i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&bar);
		for (i = 0; i < 2; i++) {
			if (r[i].rc == FCC_OK)
				wins++;
			else
				ck_assert_msg(r[i].rc == FCC_ECONFLICT, "%s", r[i].msg);
		}
		ck_assert_int_eq(wins, 1);
		OK(lock_read(&seen, NULL, ctx, bucket, key, &e), e);
		ck_assert_str_eq(seen.id, r[0].rc == FCC_OK ? r[0].id : r[1].id);
	}
	aws_ctx_free(ctx);
}
END_TEST

START_TEST(test_lock_signal_releases)
{
	aws_ctx *ctx = tu_aws_ctx();
	const char *bucket = tu_aws_bucket(ctx), *key = ".fcc/lock/sig.json";
	lock_info a = holder("alice@laptop (pid 11)", "fcc apply"), seen;
	lock_handle l, l2;
	fcc_err e;

	lock_init(&l);
	lock_init(&l2);
	OK(lock_acquire(&l, ctx, bucket, key, &a, 600, 0, NULL, &e), e);
	ck_assert_int_eq(lock_install_signal_release(&l), FCC_OK);
	ck_assert_int_eq(lock_interrupted(), 0);
	OK(lock_check_interrupt(&e), e);
	ck_assert_int_eq(lock_cancelled(NULL), 0);

	ck_assert_int_eq(raise(SIGINT), 0); /* the process survives: only a flag is set */
	ck_assert_int_eq(lock_interrupted(), SIGINT);
	ck_assert_int_ne(lock_cancelled(NULL), 0);
	/* a waiting acquire stops instead of waiting */
	ck_assert_int_eq(
		lock_acquire(&l2, ctx, bucket, ".fcc/lock/other.json", &a, 600, 0, NULL, &e),
		FCC_ERROR);
	ck_assert_ptr_nonnull(strstr(e.msg, "interrupted"));
	/* the executor's poll point releases the lock */
	ck_assert_int_eq(lock_check_interrupt(&e), FCC_ERROR);
	ck_assert_ptr_nonnull(strstr(e.msg, "interrupted by SIGINT: lock "));
	ck_assert_ptr_nonnull(strstr(e.msg, " released"));
	ck_assert(!l.held);
	ck_assert_int_eq(lock_read(&seen, NULL, ctx, bucket, key, &e), FCC_ENOTFOUND);
	lock_restore_signals();
	ck_assert_int_eq(lock_interrupted(), 0);
	lock_dispose(&l);
	lock_dispose(&l2);
	aws_ctx_free(ctx);
}
END_TEST

START_TEST(test_lock_missing_bucket)
{
	aws_ctx *ctx = tu_aws_ctx();
	lock_info a = holder("alice@laptop (pid 11)", "fcc apply");
	lock_handle l;
	fcc_err e;

	lock_init(&l);
	ck_assert_int_eq(lock_acquire(&l, ctx, "fcc-no-such-bucket-xyz", ".fcc/lock/a.json", &a, 60,
				      0, NULL, &e),
			 FCC_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "NoSuchBucket"));
	ck_assert_int_eq(lock_acquire(&l, ctx, "b", "k", &a, 0, 0, NULL, &e), FCC_EUSAGE);
	lock_dispose(&l);
	aws_ctx_free(ctx);
}
END_TEST

/* ---- keeping the lock through a long run (asynchronous refresh) ---- */

typedef struct refresh_seen {
	int calls, rc;
} refresh_seen;

static void on_refreshed(void *payload, lock_handle *l, int rc)
{
	refresh_seen *r = payload;

	(void)l;
	r->calls++;
	r->rc = rc;
}

START_TEST(test_lock_refresh_async_due_at_half_ttl)
{
	aws_ctx *ctx = tu_aws_ctx();
	const char *bucket = tu_aws_bucket(ctx), *key = "r/.fcc/lock/demo.json";
	lock_info a = holder("alice@laptop (pid 11)", "fcc apply"), seen;
	long long t0 = wall_ms();
	char first_etag[128];
	refresh_seen rs = {0, -1};
	lock_handle l;
	fake_clock c;
	lock_hooks h;
	fcc_err e;

	lock_init(&l);
	ck_assert_int_eq(lock_refresh_in_ms(&l), -1); /* not held: nothing to keep */
	h = hooks_for(&c, t0);
	OK(lock_acquire(&l, ctx, bucket, key, &a, 60, 0, &h, &e), e);
	snprintf(first_etag, sizeof first_etag, "%s", l.etag);
	/* due once half the TTL has passed since the write, not before */
	ck_assert_int_eq(lock_refresh_in_ms(&l), 30000);
	c.now_ms += 29000;
	ck_assert_int_eq(lock_refresh_in_ms(&l), 1000);
	c.now_ms += 2000;
	ck_assert_int_eq(lock_refresh_in_ms(&l), 0); /* overdue is due */

	OK(lock_refresh_submit(&l, on_refreshed, &rs, &e), e);
	ck_assert(l.refreshing);
	ck_assert_int_eq(lock_refresh_in_ms(&l), -1); /* one at a time */
	ck_assert_int_eq(lock_refresh_submit(&l, on_refreshed, &rs, &e), FCC_EUSAGE);
	ck_assert_int_eq(rs.calls, 0); /* asynchronous: nothing until aws_run */
	OK(aws_run(ctx, &e), e);
	ck_assert_int_eq(rs.calls, 1);
	ck_assert_int_eq(rs.rc, FCC_OK);
	ck_assert(!l.refreshing && l.held && !l.lost);
	ck_assert_int_eq(l.info.expires, (t0 + 31000) / 1000 + 60);
	ck_assert_str_ne(l.etag, first_etag);
	OK(lock_read(&seen, NULL, ctx, bucket, key, &e), e);
	ck_assert_str_eq(seen.id, l.info.id);
	ck_assert_int_eq(seen.expires, l.info.expires);
	ck_assert_int_eq(lock_refresh_in_ms(&l), 30000); /* the next one: half a TTL on */
	ck_assert_int_eq(lock_lost_describe(&l, &e), FCC_OK);
	/* the new ETag is the one release is conditional on */
	OK(lock_release(&l, &e), e);
	ck_assert_int_eq(lock_read(&seen, NULL, ctx, bucket, key, &e), FCC_ENOTFOUND);
	lock_dispose(&l);
	aws_ctx_free(ctx);
}
END_TEST

START_TEST(test_lock_refresh_async_after_takeover_is_lost)
{
	aws_ctx *ctx = tu_aws_ctx();
	const char *bucket = tu_aws_bucket(ctx), *key = "t/.fcc/lock/demo.json";
	lock_info a = holder("alice@laptop (pid 11)", "fcc apply"), seen;
	lock_info b = holder("bob@ci (pid 22)", "fcc apply b.spec");
	long long t0 = wall_ms() - 3600 * 1000;
	refresh_seen rs = {0, -1};
	lock_handle la, lb;
	fake_clock ca, cb;
	lock_hooks ha, hb;
	fcc_err e;

	lock_init(&la);
	lock_init(&lb);
	ha = hooks_for(&ca, t0);
	OK(lock_acquire(&la, ctx, bucket, key, &a, 2, 0, &ha, &e), e);
	/* alice's run stalls past her expiry; bob takes the lock over */
	hb = hooks_for(&cb, t0 + 5000);
	OK(lock_acquire(&lb, ctx, bucket, key, &b, 600, 0, &hb, &e), e);
	ca.now_ms = t0 + 5000;
	ck_assert_int_eq(lock_refresh_in_ms(&la), 0);
	OK(lock_refresh_submit(&la, on_refreshed, &rs, &e), e);
	OK(aws_run(ctx, &e), e);
	ck_assert_int_eq(rs.calls, 1);
	ck_assert_int_eq(rs.rc, FCC_ECONFLICT);
	ck_assert(la.lost && !la.held && !la.refreshing);
	ck_assert_int_eq(lock_refresh_in_ms(&la), -1);
	ck_assert_int_eq(lock_refresh_submit(&la, NULL, NULL, &e), FCC_EUSAGE);
	/* bob's lock was not overwritten, and the loss names him */
	OK(lock_read(&seen, NULL, ctx, bucket, key, &e), e);
	ck_assert_str_eq(seen.id, lb.info.id);
	ck_assert_int_eq(lock_lost_describe(&la, &e), FCC_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "taken over"));
	ck_assert_ptr_nonnull(strstr(e.msg, la.info.id));
	ck_assert_ptr_nonnull(strstr(e.msg, "held by bob@ci (pid 22)"));
	ck_assert_ptr_nonnull(strstr(e.msg, lb.info.id));
	/* releasing alice's handle leaves bob's lock alone */
	OK(lock_release(&la, &e), e);
	OK(lock_read(&seen, NULL, ctx, bucket, key, &e), e);
	ck_assert_str_eq(seen.id, lb.info.id);
	/* removed rather than taken over: said so too */
	OK(lock_release(&lb, &e), e);
	la.held = 1;
	la.lost = 0;
	OK(lock_refresh_submit(&la, on_refreshed, &rs, &e), e);
	OK(aws_run(ctx, &e), e);
	ck_assert_int_eq(rs.rc, FCC_ECONFLICT);
	ck_assert_int_eq(lock_lost_describe(&la, &e), FCC_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "was removed"));
	lock_dispose(&la);
	lock_dispose(&lb);
	aws_ctx_free(ctx);
}
END_TEST

Suite *suite_lock(void)
{
	Suite *s = suite_create("lock");
	TCase *t = tcase_create("lock");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, test_lock_key_convention);
	tcase_add_test(t, test_lock_holder_default);
	tcase_add_test(t, test_lock_describe_line);
	tcase_add_test(t, test_lock_acquire_release);
	tcase_add_test(t, test_lock_wait_then_fail);
	tcase_add_test(t, test_lock_expired_takeover);
	tcase_add_test(t, test_lock_force_release);
	tcase_add_test(t, test_lock_concurrent_one_wins);
	tcase_add_test(t, test_lock_signal_releases);
	tcase_add_test(t, test_lock_missing_bucket);
	tcase_add_test(t, test_lock_refresh_async_due_at_half_ttl);
	tcase_add_test(t, test_lock_refresh_async_after_takeover_is_lost);
	suite_add_tcase(s, t);
	return s;
}
