/*
 * lock.c — the apply lock on S3 conditional writes (see lock.h for the
 * object, the key convention and the Ctrl-C protocol).
 */
#define _XOPEN_SOURCE 700 /* strptime */
#include "runtime/lock.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compiler/base/alloc.h"
#include "compiler/base/version.h"
#include "runtime/aws/s3.h"

/* Waiting for a held lock: first wait, doubling to the cap, never past the
 * holder's expiry (so an expired lock is taken over promptly) nor the
 * timeout. */
#define WAIT_FIRST_MS 1000L
#define WAIT_MAX_MS 15000L
/* A race (the lock vanished between our 412 and our read, or S3's 409 for
 * two conditional writes in flight) is retried at once, this many times in
 * a row at most before waiting like a held lock. */
#define MAX_QUICK_RETRIES 20

/* ---- clock and sleep ---- */

static long long real_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long now_ms(const lock_hooks *h)
{
	return h->now_ms ? h->now_ms(h->payload) : real_now_ms();
}

static void sleep_for(const lock_hooks *h, long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	if (h->sleep_ms) {
		h->sleep_ms(h->payload, ms);
		return;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL); /* a signal cuts it short: the caller polls the flag */
}

/* ---- times ---- */

static void iso_time(char out[32], long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm))
		memset(&tm, 0, sizeof tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static long long parse_iso(const char *s)
{
	struct tm tm;
	const char *end;

	if (!s)
		return 0;
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || (*end != 'Z' && *end != '\0'))
		return 0;
	return (long long)timegm(&tm);
}

/* ---- key and holder ---- */

int lock_key(fcc_buf *out, const char *prefix, const char *project, const char *env)
{
	size_t a = 0, b;
	int rc = FCC_OK;

	if (!project || !*project || strchr(project, '/') || (env && strchr(env, '/')))
		return FCC_EUSAGE;
	if (prefix) {
		b = strlen(prefix);
		while (a < b && prefix[a] == '/')
			a++;
		while (b > a && prefix[b - 1] == '/')
			b--;
		if (b > a) {
			rc = fcc_buf_append(out, prefix + a, b - a);
			if (!rc)
				rc = fcc_buf_putc(out, '/');
		}
	}
	if (!rc)
		rc = fcc_buf_printf(out, ".fcc/lock/%s%s%s.json", project, env && *env ? "-" : "",
				    env && *env ? env : "");
	return rc;
}

static const char *env_of(creds_getenv_fn fn, void *payload, const char *name)
{
	const char *v = fn ? fn(payload, name) : getenv(name);

	return v && *v ? v : NULL;
}

void lock_holder_default(lock_info *out, const char *command, creds_getenv_fn getenv_fn,
			 void *payload)
{
	const char *user, *srv, *repo, *run;
	char host[256], cwd[768];

	memset(out, 0, sizeof *out);
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "unknown-host");
	host[sizeof host - 1] = '\0';
	user = env_of(getenv_fn, payload, "USER");
	if (!user)
		user = env_of(getenv_fn, payload, "LOGNAME");
	if (user)
		snprintf(out->who, sizeof out->who, "%.100s@%.120s (pid %ld)", user, host,
			 (long)getpid());
	else
		snprintf(out->who, sizeof out->who, "uid %ld@%.120s (pid %ld)", (long)getuid(),
			 host, (long)getpid());
	srv = env_of(getenv_fn, payload, "GITHUB_SERVER_URL");
	repo = env_of(getenv_fn, payload, "GITHUB_REPOSITORY");
	run = env_of(getenv_fn, payload, "GITHUB_RUN_ID");
	if (srv && repo && run)
		snprintf(out->where, sizeof out->where, "%.200s/%.300s/actions/runs/%.100s", srv,
			 repo, run);
	else
		snprintf(out->where, sizeof out->where, "%.200s:%.760s", host,
			 getcwd(cwd, sizeof cwd) ? cwd : "?");
	snprintf(out->command, sizeof out->command, "%s", command ? command : "fcc");
}

int lock_describe(fcc_buf *out, const lock_info *li, long long now_s)
{
	char c[32], x[32];

	iso_time(c, li->created);
	iso_time(x, li->expires);
	return fcc_buf_printf(
		out, "held by %s at %s since %s (expires %s%s), lock id %s, command '%s'",
		li->who[0] ? li->who : "unknown", li->where[0] ? li->where : "unknown",
		li->created ? c : "unknown time", li->expires ? x : "never",
		li->expires && now_s >= li->expires ? ", expired" : "",
		li->id[0] ? li->id : "unknown", li->command[0] ? li->command : "unknown");
}

/* ---- the object ---- */

static void copy_field(char *dst, size_t n, const json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));

	snprintf(dst, n, "%s", v ? v : "");
}

static int parse_lock(lock_info *out, const char *body, size_t len)
{
	json_t *j = json_loadb(body, len, 0, NULL);
	int rc = FCC_EPARSE;

	memset(out, 0, sizeof *out);
	if (!j)
		return FCC_EPARSE;
	if (json_is_object(j) && json_is_string(json_object_get(j, "id"))) {
		copy_field(out->id, sizeof out->id, j, "id");
		copy_field(out->who, sizeof out->who, j, "who");
		copy_field(out->where, sizeof out->where, j, "where");
		copy_field(out->command, sizeof out->command, j, "command");
		out->created = parse_iso(json_string_value(json_object_get(j, "created")));
		out->expires = parse_iso(json_string_value(json_object_get(j, "expires")));
		rc = out->id[0] ? FCC_OK : FCC_EPARSE;
	}
	json_decref(j);
	return rc;
}

/* The lock object's text (free()); NULL on OOM. */
static char *render_lock(const lock_info *li)
{
	char c[32], x[32];
	json_t *j;
	char *s = NULL;

	iso_time(c, li->created);
	iso_time(x, li->expires);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", li->id, "who", li->who, "where",
		      li->where, "command", li->command, "created", c, "expires", x, "fcc",
		      FCC_VERSION);
	if (j)
		s = json_dumps(j, JSON_INDENT(2));
	json_decref(j);
	return s;
}

/* Copy an AWS failure into e, keeping its code. */
static int aws_fail(fcc_err *e, const aws_error *ae)
{
	return fcc_err_set(e, ae->err.code, "%s", ae->err.msg);
}

static int is_precondition(const aws_error *ae)
{
	return aws_error_is(ae, "PreconditionFailed") ||
	       aws_error_is(ae, "ConditionalRequestConflict") || ae->status == 412 ||
	       ae->status == 409;
}

int lock_read(lock_info *out, char *etag, aws_ctx *ctx, const char *bucket, const char *key,
	      fcc_err *e)
{
	s3_object_info oi;
	aws_error ae;
	int rc;

	memset(out, 0, sizeof *out);
	if (etag)
		etag[0] = '\0';
	if ((rc = s3_get_object(&oi, ctx, bucket, key, &ae))) {
		if (rc == FCC_ENOTFOUND)
			return fcc_err_set(e, rc, "no lock at s3://%s/%s", bucket, key);
		return aws_fail(e, &ae);
	}
	if (etag)
		snprintf(etag, 128, "%s", oi.etag ? oi.etag : "");
	rc = parse_lock(out, oi.body, (size_t)oi.content_length);
	if (rc)
		fcc_err_set(e, rc, "s3://%s/%s is not a lock fcc wrote", bucket, key);
	aws_pool_dispose(&oi.pool);
	return rc;
}

/* The PutObject of lock `li` at bucket/key, conditional on one of the two
 * headers. The body is jansson's (free() it after the request is made; the
 * request keeps a copy); NULL on ENOMEM. */
static char *lock_put_input(s3_put_input *in, const char *bucket, const char *key,
			    const lock_info *li, const char *if_none_match, const char *if_match)
{
	char *text = render_lock(li);

	memset(in, 0, sizeof *in);
	in->bucket = bucket;
	in->key = key;
	in->body = text;
	in->len = text ? strlen(text) : 0;
	in->content_type = "application/json";
	in->if_none_match = if_none_match;
	in->if_match = if_match;
	return text;
}

/* PutObject of `li` with one condition. On success the new ETag lands in
 * etag[128]. */
static int put_lock(char *etag, aws_ctx *ctx, const char *bucket, const char *key,
		    const lock_info *li, const char *if_none_match, const char *if_match,
		    aws_error *ae)
{
	s3_put_input in;
	s3_object_info oi;
	char *text = lock_put_input(&in, bucket, key, li, if_none_match, if_match);
	int rc;

	aws_error_clear(ae);
	if (!text)
		return fcc_err_set(&ae->err, FCC_ENOMEM, "lock: out of memory");
	rc = s3_put_object(&oi, ctx, &in, ae);
	if (!rc) {
		snprintf(etag, 128, "%s", oi.etag ? oi.etag : "");
		aws_pool_dispose(&oi.pool);
	}
	free(text);
	return rc;
}

/* ---- acquire, refresh, release ---- */

void lock_init(lock_handle *l)
{
	memset(l, 0, sizeof *l);
}

void lock_dispose(lock_handle *l)
{
	if (!l)
		return;
	fcc_free(l->bucket);
	fcc_free(l->key);
	memset(l, 0, sizeof *l);
}

static volatile sig_atomic_t caught_signal;

static int held_message(fcc_err *e, const lock_handle *l, long long now_s, long long waited_ms)
{
	fcc_buf b;
	int rc;

	if (!l->info.id[0])
		return fcc_err_set(e, FCC_ECONFLICT,
				   "s3://%s/%s exists but is not a lock fcc wrote; gave up after "
				   "waiting %llds. Look at it, and remove it with: aws s3 rm "
				   "s3://%s/%s",
				   l->bucket, l->key, waited_ms / 1000, l->bucket, l->key);
	fcc_buf_init(&b, sizeof e->msg - 1);
	lock_describe(&b, &l->info, now_s);
	rc = fcc_err_set(e, FCC_ECONFLICT,
			 "the lock s3://%s/%s is %s; gave up after waiting %llds. If that run is "
			 "gone, release its lock with: fcc unlock %s",
			 l->bucket, l->key, fcc_buf_cstr(&b), waited_ms / 1000,
			 l->info.id[0] ? l->info.id : "<id>");
	fcc_buf_dispose(&b);
	return rc;
}

/* Just written (l->info.expires set): the next refresh is due half a TTL
 * before the expiry the object states — whole seconds, which other runs
 * compare with — so within half a TTL of the write, never later. */
static void written(lock_handle *l)
{
	l->next_ms = l->info.expires * 1000 - l->ttl_s * 1000 / 2;
}

static void taken(lock_handle *l, const lock_info *mine, long ttl_s)
{
	l->info = *mine;
	l->held = 1;
	l->ttl_s = ttl_s;
	l->lost = 0;
	l->refreshing = 0;
	fcc_err_clear(&l->lost_err);
	written(l);
}

int lock_acquire(lock_handle *l, aws_ctx *ctx, const char *bucket, const char *key,
		 const lock_info *holder, long ttl_s, long timeout_ms, const lock_hooks *hooks,
		 fcc_err *e)
{
	static const lock_hooks none;
	lock_info mine;
	char seen_etag[128];
	long long start, now, waited;
	long wait = WAIT_FIRST_MS, next;
	unsigned quick = 0;
	aws_error ae;
	int rc;

	if (!bucket || !*bucket || !key || !*key || ttl_s <= 0 || timeout_ms < 0 || l->held)
		return fcc_err_set(e, FCC_EUSAGE, "lock: bad arguments (bucket, key, ttl > 0)");
	fcc_free(l->bucket);
	fcc_free(l->key);
	l->ctx = ctx;
	l->hooks = hooks ? *hooks : none;
	l->bucket = fcc_strdup(bucket);
	l->key = fcc_strdup(key);
	if (!l->bucket || !l->key)
		return fcc_err_set(e, FCC_ENOMEM, "lock: out of memory");
	mine = *holder;
	if ((rc = aws_uuid4(mine.id, e)))
		return rc;
	start = now_ms(&l->hooks);
	for (;;) {
		if (caught_signal)
			return fcc_err_set(e, FCC_ERROR,
					   "interrupted while waiting for the lock s3://%s/%s",
					   bucket, key);
		now = now_ms(&l->hooks);
		mine.created = now / 1000;
		mine.expires = mine.created + ttl_s;
		rc = put_lock(l->etag, ctx, bucket, key, &mine, "*", NULL, &ae);
		if (!rc) {
			taken(l, &mine, ttl_s);
			return FCC_OK;
		}
		if (!is_precondition(&ae))
			return aws_fail(e, &ae);
		/* held (or a racing write): who has it? */
		rc = lock_read(&l->info, seen_etag, ctx, bucket, key, e);
		if (rc == FCC_ENOTFOUND && ++quick <= MAX_QUICK_RETRIES)
			continue; /* released between our put and our read */
		if (rc && rc != FCC_EPARSE && rc != FCC_ENOTFOUND)
			return rc;
		now = now_ms(&l->hooks);
		if (!rc && l->info.expires && now / 1000 >= l->info.expires) {
			/* expired: take it over, but only the very version we read */
			mine.created = now / 1000;
			mine.expires = mine.created + ttl_s;
			rc = put_lock(l->etag, ctx, bucket, key, &mine, NULL, seen_etag, &ae);
			if (!rc) {
				taken(l, &mine, ttl_s);
				return FCC_OK;
			}
			if (!is_precondition(&ae) && rc != FCC_ENOTFOUND)
				return aws_fail(e, &ae);
			if (++quick <= MAX_QUICK_RETRIES)
				continue; /* someone else moved first: look again */
		}
		quick = 0;
		waited = now - start;
		if (waited >= timeout_ms)
			return held_message(e, l, now / 1000, waited);
		next = wait;
		if (l->info.expires && l->info.expires * 1000 - now + 100 < next)
			next = (long)(l->info.expires * 1000 - now + 100);
		if (next > timeout_ms - waited)
			next = (long)(timeout_ms - waited);
		if (next < 1)
			next = 1;
		if (l->hooks.on_wait)
			l->hooks.on_wait(l->hooks.payload, &l->info, waited, next);
		sleep_for(&l->hooks, next);
		wait = wait * 2 > WAIT_MAX_MS ? WAIT_MAX_MS : wait * 2;
	}
}

int lock_refresh(lock_handle *l, long ttl_s, fcc_err *e)
{
	lock_info li;
	char etag[128];
	aws_error ae;
	int rc;

	if (!l->held || ttl_s <= 0)
		return fcc_err_set(e, FCC_EUSAGE, "lock: refresh of a lock not held");
	li = l->info;
	li.expires = now_ms(&l->hooks) / 1000 + ttl_s;
	if (!(rc = put_lock(etag, l->ctx, l->bucket, l->key, &li, NULL, l->etag, &ae))) {
		l->info = li;
		memcpy(l->etag, etag, sizeof etag);
		l->ttl_s = ttl_s;
		written(l);
		return FCC_OK;
	}
	if (is_precondition(&ae) || rc == FCC_ENOTFOUND) {
		l->held = 0;
		return fcc_err_set(e, FCC_ECONFLICT,
				   "the lock s3://%s/%s (id %s) is no longer ours: it expired and "
				   "was taken over or removed",
				   l->bucket, l->key, l->info.id);
	}
	return aws_fail(e, &ae);
}

/* ---- asynchronous refresh ---- */

typedef struct refresh_call {
	lock_handle *l;
	lock_info li;      /* what we wrote */
	long long sent_ms; /* wall clock when it was queued */
	lock_refresh_fn done;
	void *payload;
} refresh_call;

long long lock_refresh_in_ms(const lock_handle *l)
{
	long long in;

	if (!l || !l->held || l->lost || l->refreshing || l->ttl_s <= 0)
		return -1;
	in = l->next_ms - now_ms(&l->hooks);
	return in > 0 ? in : 0; /* overdue is due: -1 means "nothing to refresh" */
}

static void refresh_done(void *payload, http_response *resp, aws_error *ae)
{
	refresh_call *c = payload;
	lock_handle *l = c->l;
	const char *etag;
	long long retry;
	int rc = ae->err.code;

	l->refreshing = 0;
	if (rc == FCC_OK) {
		etag = http_response_header(resp, "ETag");
		snprintf(l->etag, sizeof l->etag, "%s", etag ? etag : "");
		l->info = c->li;
		written(l);
	} else if (is_precondition(ae) || rc == FCC_ENOTFOUND) {
		rc = FCC_ECONFLICT;
		l->held = 0;
		l->lost = 1;
		fcc_err_set(&l->lost_err, FCC_ECONFLICT,
			    "the lock s3://%s/%s (id %s) was taken over or removed while this run "
			    "held it",
			    l->bucket, l->key, l->info.id);
	} else {
		/* not ours to judge lost: try again soon, and before it expires */
		retry = l->ttl_s * 100 > 30000 ? 30000 : l->ttl_s * 100;
		l->next_ms = now_ms(&l->hooks) + retry;
	}
	if (c->done)
		c->done(c->payload, l, rc);
	fcc_free(c);
}

int lock_refresh_submit(lock_handle *l, lock_refresh_fn done, void *payload, fcc_err *e)
{
	s3_put_input in;
	refresh_call *c;
	char *text;
	int rc;

	if (!l->held || l->refreshing || l->ttl_s <= 0)
		return fcc_err_set(e, FCC_EUSAGE, "lock: refresh of a lock not held");
	if (!(c = fcc_calloc(1, sizeof *c)))
		return fcc_err_set(e, FCC_ENOMEM, "lock: out of memory");
	c->l = l;
	c->done = done;
	c->payload = payload;
	c->sent_ms = now_ms(&l->hooks);
	c->li = l->info;
	c->li.expires = c->sent_ms / 1000 + l->ttl_s;
	if (!(text = lock_put_input(&in, l->bucket, l->key, &c->li, NULL, l->etag))) {
		fcc_free(c);
		return fcc_err_set(e, FCC_ENOMEM, "lock: out of memory");
	}
	rc = s3_put_object_submit(l->ctx, &in, refresh_done, c, e);
	free(text); /* jansson's allocator; the request holds a copy */
	if (rc) {
		fcc_free(c);
		return rc;
	}
	l->refreshing = 1;
	return FCC_OK;
}

int lock_lost_describe(lock_handle *l, fcc_err *e)
{
	lock_info now;
	fcc_err re;
	fcc_buf b;
	int rc;

	if (!l->lost)
		return FCC_OK;
	fcc_err_clear(&re);
	rc = lock_read(&now, NULL, l->ctx, l->bucket, l->key, &re);
	if (rc == FCC_ENOTFOUND)
		return fcc_err_set(e, FCC_ECONFLICT,
				   "the lock s3://%s/%s (id %s) was removed while this run held it "
				   "(fcc unlock?)",
				   l->bucket, l->key, l->info.id);
	if (rc || !now.id[0])
		return fcc_err_set(e, FCC_ECONFLICT, "%s", l->lost_err.msg);
	fcc_buf_init(&b, sizeof e->msg - 1);
	lock_describe(&b, &now, now_ms(&l->hooks) / 1000);
	rc = fcc_err_set(e, FCC_ECONFLICT,
			 "the lock s3://%s/%s (id %s) was taken over while this run held it: it is "
			 "now %s",
			 l->bucket, l->key, l->info.id, fcc_buf_cstr(&b));
	fcc_buf_dispose(&b);
	return rc;
}

int lock_release(lock_handle *l, fcc_err *e)
{
	aws_error ae;
	int rc;

	if (!l->held)
		return FCC_OK;
	rc = s3_delete_object(l->ctx, l->bucket, l->key, l->etag, &ae);
	if (!rc || rc == FCC_ENOTFOUND) {
		l->held = 0;
		return FCC_OK;
	}
	if (is_precondition(&ae)) {
		l->held = 0;
		return fcc_err_set(
			e, FCC_ECONFLICT,
			"the lock s3://%s/%s (id %s) expired and was taken over by another "
			"run; its lock was left alone",
			l->bucket, l->key, l->info.id);
	}
	return aws_fail(e, &ae);
}

int lock_force_release(lock_info *out, aws_ctx *ctx, const char *bucket, const char *key,
		       const char *lock_id, fcc_err *e)
{
	lock_info li;
	char etag[128];
	aws_error ae;
	fcc_buf b;
	int rc;

	if (out)
		memset(out, 0, sizeof *out);
	if (!lock_id || !*lock_id)
		return fcc_err_set(e, FCC_EUSAGE, "unlock: no lock id");
	if ((rc = lock_read(&li, etag, ctx, bucket, key, e)))
		return rc;
	if (out)
		*out = li;
	if (strcmp(li.id, lock_id) != 0) {
		fcc_buf_init(&b, 700);
		lock_describe(&b, &li, real_now_ms() / 1000);
		rc = fcc_err_set(e, FCC_ECONFLICT,
				 "the lock s3://%s/%s has id %s, not %s: not released (it is %s)",
				 bucket, key, li.id, lock_id, fcc_buf_cstr(&b));
		fcc_buf_dispose(&b);
		return rc;
	}
	rc = s3_delete_object(ctx, bucket, key, etag, &ae);
	if (!rc)
		return FCC_OK;
	if (rc == FCC_ENOTFOUND)
		return fcc_err_set(e, rc, "no lock at s3://%s/%s", bucket, key);
	if (is_precondition(&ae))
		return fcc_err_set(e, FCC_ECONFLICT,
				   "the lock s3://%s/%s changed while fcc unlock looked at it: not "
				   "released; run fcc unlock again to see who holds it now",
				   bucket, key);
	return aws_fail(e, &ae);
}

/* ---- signals ---- */

static lock_handle *signal_lock;
static struct sigaction old_int, old_term;
static int installed;

static void on_signal(int sig)
{
	struct sigaction dfl;

	if (caught_signal) {
		/* second signal: give the user back a plain kill */
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigemptyset(&dfl.sa_mask);
		sigaction(sig, &dfl, NULL);
		raise(sig);
		return;
	}
	caught_signal = sig;
}

int lock_install_signal_release(lock_handle *l)
{
	struct sigaction sa;

	signal_lock = l;
	caught_signal = 0;
	if (installed)
		return FCC_OK;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: sleeps end early so the flag is seen */
	if (sigaction(SIGINT, &sa, &old_int) != 0)
		return FCC_ERROR;
	if (sigaction(SIGTERM, &sa, &old_term) != 0) {
		sigaction(SIGINT, &old_int, NULL);
		return FCC_ERROR;
	}
	installed = 1;
	return FCC_OK;
}

void lock_restore_signals(void)
{
	if (installed) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		installed = 0;
	}
	signal_lock = NULL;
	caught_signal = 0;
}

int lock_interrupted(void)
{
	return (int)caught_signal;
}

int lock_cancelled(void *payload)
{
	(void)payload;
	return caught_signal != 0;
}

int lock_check_interrupt(fcc_err *e)
{
	const char *name;
	fcc_err re;

	if (!caught_signal)
		return FCC_OK;
	name = caught_signal == SIGINT    ? "SIGINT"
	       : caught_signal == SIGTERM ? "SIGTERM"
					  : "a signal";
	if (!signal_lock || !signal_lock->held)
		return fcc_err_set(e, FCC_ERROR, "interrupted by %s", name);
	fcc_err_clear(&re);
	if (lock_release(signal_lock, &re) == FCC_ECONFLICT)
		return fcc_err_set(e, FCC_ERROR, "interrupted by %s (%s)", name, re.msg);
	if (re.code)
		return fcc_err_set(
			e, FCC_ERROR,
			"interrupted by %s; the lock could not be released (%s): run fcc "
			"unlock %s",
			name, re.msg, signal_lock->info.id);
	return fcc_err_set(e, FCC_ERROR, "interrupted by %s: lock %s released", name,
			   signal_lock->info.id);
}
