/*
 * progress.c — the apply progress reporter: tty live lines, plain CI lines,
 * JSON lines, and the summary (see progress.h).
 */
#include "runtime/progress.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compiler/base/alloc.h"
#include "compiler/base/buf.h"

typedef enum step_state { ST_RUNNING = 0, ST_CHANGED, ST_UNCHANGED, ST_FAILED } step_state;

typedef struct step_id {
	char *key, *value;
} step_id;

typedef struct pstep {
	char *name;
	char *message;
	step_state state;
	long long start_ms, end_ms;
	step_id *ids;
	size_t nids, idcap;
} pstep;

struct progress {
	progress_options o;
	pstep *steps;
	size_t n, cap;
	size_t total;
	size_t live_lines; /* tty: lines of the live region now on screen */
	long long first_ms;
	int io_error;
};

/* ANSI pieces; empty without colour. */
#define C_RESET "\033[0m"
#define C_GREEN "\033[32m"
#define C_RED "\033[31m"
#define C_DIM "\033[2m"
#define C_CYAN "\033[36m"
#define C_BOLD "\033[1m"

static long long real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long now_ms(const progress *p)
{
	return p->o.now_ms ? p->o.now_ms(p->o.clock_payload) : real_now();
}

int progress_mode_parse(progress_mode *out, const char *s, int is_terminal)
{
	if (!s)
		return FCC_EUSAGE;
	if (strcmp(s, "auto") == 0)
		*out = is_terminal ? PROGRESS_TTY : PROGRESS_PLAIN;
	else if (strcmp(s, "tty") == 0)
		*out = PROGRESS_TTY;
	else if (strcmp(s, "plain") == 0)
		*out = PROGRESS_PLAIN;
	else if (strcmp(s, "json") == 0)
		*out = PROGRESS_JSON;
	else
		return FCC_EUSAGE;
	return FCC_OK;
}

void progress_format_duration(char out[32], long long ms)
{
	if (ms < 0)
		ms = 0;
	if (ms < 60000)
		snprintf(out, 32, "%lld.%llds", ms / 1000, (ms % 1000) / 100);
	else if (ms < 3600000)
		snprintf(out, 32, "%lldm%02llds", ms / 60000, (ms / 1000) % 60);
	else
		snprintf(out, 32, "%lldh%02lldm", ms / 3600000, (ms / 60000) % 60);
}

int progress_new(progress **out, const progress_options *o, fcc_err *e)
{
	const char *nc = getenv("NO_COLOR");
	progress *p;

	*out = NULL;
	if (!o || !o->out)
		return fcc_err_set(e, FCC_EUSAGE, "progress: no output stream");
	if (!(p = fcc_calloc(1, sizeof *p)))
		return fcc_err_set(e, FCC_ENOMEM, "progress: out of memory");
	p->o = *o;
	if ((nc && *nc) /* https://no-color.org */ || p->o.mode != PROGRESS_TTY)
		p->o.color = 0;
	if (!p->o.columns)
		p->o.columns = 100;
	p->first_ms = -1;
	*out = p;
	return FCC_OK;
}

void progress_free(progress *p)
{
	size_t i, j;

	if (!p)
		return;
	for (i = 0; i < p->n; i++) {
		fcc_free(p->steps[i].name);
		fcc_free(p->steps[i].message);
		for (j = 0; j < p->steps[i].nids; j++) {
			fcc_free(p->steps[i].ids[j].key);
			fcc_free(p->steps[i].ids[j].value);
		}
		fcc_free(p->steps[i].ids);
	}
	fcc_free(p->steps);
	fcc_free(p);
}

void progress_set_total(progress *p, size_t total)
{
	p->total = total;
}

size_t progress_count_done(const progress *p)
{
	size_t i, k = 0;

	for (i = 0; i < p->n; i++)
		k += p->steps[i].state != ST_RUNNING && p->steps[i].state != ST_FAILED;
	return k;
}

size_t progress_count_failed(const progress *p)
{
	size_t i, k = 0;

	for (i = 0; i < p->n; i++)
		k += p->steps[i].state == ST_FAILED;
	return k;
}

static size_t count_state(const progress *p, step_state s)
{
	size_t i, k = 0;

	for (i = 0; i < p->n; i++)
		k += p->steps[i].state == s;
	return k;
}

/* ---- steps ---- */

static pstep *find(progress *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->steps[i].name, name) == 0)
			return &p->steps[i];
	return NULL;
}

static pstep *get(progress *p, const char *name, long long now, int *created)
{
	pstep *s = find(p, name);

	*created = 0;
	if (s)
		return s;
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 8;
		pstep *ns = fcc_realloc(p->steps, nc * sizeof *ns);
		if (!ns)
			return NULL;
		p->steps = ns;
		p->cap = nc;
	}
	s = &p->steps[p->n];
	memset(s, 0, sizeof *s);
	if (!(s->name = fcc_strdup(name)))
		return NULL;
	s->start_ms = now;
	if (p->first_ms < 0)
		p->first_ms = now;
	p->n++;
	*created = 1;
	return s;
}

static int set_message(pstep *s, const char *message)
{
	char *m;

	if (!message)
		return FCC_OK;
	if (!(m = fcc_strdup(message)))
		return FCC_ENOMEM;
	fcc_free(s->message);
	s->message = m;
	return FCC_OK;
}

/* ---- output ---- */

static int emit(progress *p, const char *text, size_t len)
{
	if (p->io_error)
		return FCC_EIO;
	if (len && fwrite(text, 1, len, p->o.out) != len)
		p->io_error = 1;
	if (fflush(p->o.out) != 0)
		p->io_error = 1;
	return p->io_error ? FCC_EIO : FCC_OK;
}

static int emit_buf(progress *p, fcc_buf *b, int rc)
{
	if (!rc)
		rc = emit(p, b->data ? b->data : "", b->len);
	fcc_buf_dispose(b);
	return rc;
}

static const char *col(const progress *p, const char *c)
{
	return p->o.color ? c : "";
}

static void clock_hms(char out[16], long long ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof tm);
	strftime(out, 16, "%H:%M:%S", &tm);
}

static void iso_ms(char out[32], long long ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char base[24];

	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof tm);
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%s.%03lldZ", base, ms % 1000);
}

/* One finished step's line (tty). */
static int tty_done_line(fcc_buf *b, const progress *p, const pstep *s)
{
	char d[32];
	const char *mark, *c;

	progress_format_duration(d, s->end_ms - s->start_ms);
	switch (s->state) {
	case ST_CHANGED:
		mark = "\xe2\x9c\x93"; /* ✓ */
		c = C_GREEN;
		break;
	case ST_FAILED:
		mark = "\xe2\x9c\x97"; /* ✗ */
		c = C_RED;
		break;
	default:
		mark = "=";
		c = C_DIM;
		break;
	}
	return fcc_buf_printf(b, "%s%s%s %s%s%s%s %s(%s)%s\n", col(p, c), mark, col(p, C_RESET),
			      s->name, s->message ? ": " : "", s->message ? s->message : "",
			      s->state == ST_UNCHANGED && !s->message ? ": unchanged" : "",
			      col(p, C_DIM), d, col(p, C_RESET));
}

/* Append `text` cut to `width` display columns (UTF-8 aware enough: count
 * code points; multi-byte continuations are not columns). */
static int put_cut(fcc_buf *b, const char *text, size_t width)
{
	size_t i, cols = 0;

	for (i = 0; text[i]; i++) {
		if (((unsigned char)text[i] & 0xc0) != 0x80) {
			if (cols == width)
				break;
			cols++;
		}
	}
	return fcc_buf_append(b, text, i);
}

static int tty_live(fcc_buf *b, const progress *p, long long now)
{
	char d[32], count[96];
	size_t i, running = count_state(p, ST_RUNNING), done = progress_count_done(p);
	size_t failed = count_state(p, ST_FAILED);
	fcc_buf line;
	int rc = FCC_OK;

	for (i = 0; !rc && i < p->n; i++) {
		const pstep *s = &p->steps[i];
		if (s->state != ST_RUNNING)
			continue;
		progress_format_duration(d, now - s->start_ms);
		fcc_buf_init(&line, 4096);
		rc = fcc_buf_printf(&line, "\xe2\x80\xba %s%s%s (%s)", s->name,
				    s->message ? ": " : "", s->message ? s->message : "", d);
		if (!rc) {
			rc = fcc_buf_printf(b, "%s", col(p, C_CYAN));
			if (!rc)
				rc = put_cut(b, fcc_buf_cstr(&line), p->o.columns - 1);
			if (!rc)
				rc = fcc_buf_printf(b, "%s\n", col(p, C_RESET));
		}
		fcc_buf_dispose(&line);
	}
	if (p->total)
		snprintf(count, sizeof count, "%zu/%zu done", done, p->total);
	else
		snprintf(count, sizeof count, "%zu done", done);
	progress_format_duration(d, p->first_ms < 0 ? 0 : now - p->first_ms);
	if (!rc)
		rc = fcc_buf_printf(b, "%s%s%s, %zu running", col(p, C_BOLD), count,
				    col(p, C_RESET), running);
	if (!rc && failed)
		rc = fcc_buf_printf(b, ", %s%zu failed%s", col(p, C_RED), failed, col(p, C_RESET));
	if (!rc)
		rc = fcc_buf_printf(b, ", %s\n", d);
	return rc;
}

/* Count the lines tty_live draws: running steps + the count line. */
static size_t live_count(const progress *p)
{
	return count_state(p, ST_RUNNING) + 1;
}

/* tty: erase the live region, print `permanent` (may be NULL), redraw. */
static int tty_redraw(progress *p, const pstep *permanent, int final)
{
	fcc_buf b;
	int rc = FCC_OK;

	fcc_buf_init(&b, FCC_BUF_DEFAULT_MAX);
	if (p->live_lines)
		rc = fcc_buf_printf(&b, "\r\033[%zuA\033[J", p->live_lines);
	if (!rc && permanent)
		rc = tty_done_line(&b, p, permanent);
	p->live_lines = 0;
	if (!rc && !final) {
		rc = tty_live(&b, p, now_ms(p));
		p->live_lines = live_count(p);
	}
	return emit_buf(p, &b, rc);
}

static int plain_line(progress *p, long long now, const char *step, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int plain_line(progress *p, long long now, const char *step, const char *fmt, ...)
{
	char hms[16];
	va_list ap;
	fcc_buf b;
	int rc;

	clock_hms(hms, now);
	fcc_buf_init(&b, FCC_BUF_DEFAULT_MAX);
	rc = fcc_buf_printf(&b, "%s %s: ", hms, step);
	if (!rc) {
		va_start(ap, fmt);
		rc = fcc_buf_vprintf(&b, fmt, ap);
		va_end(ap);
	}
	if (!rc)
		rc = fcc_buf_putc(&b, '\n');
	return emit_buf(p, &b, rc);
}

/* json: one object per line; `obj` is consumed. */
static int json_line(progress *p, json_t *obj)
{
	char *text;
	int rc;

	if (!obj)
		return FCC_ENOMEM;
	text = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(obj);
	if (!text)
		return FCC_ENOMEM;
	rc = emit(p, text, strlen(text));
	if (!rc)
		rc = emit(p, "\n", 1);
	free(text);
	return rc;
}

static json_t *json_event(long long now, const char *step, const char *event)
{
	char ts[32];
	json_t *o;

	iso_ms(ts, now);
	o = json_object();
	if (o && (json_object_set_new(o, "ts", json_string(ts)) ||
		  (step && json_object_set_new(o, "step", json_string(step))) ||
		  json_object_set_new(o, "event", json_string(event)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int json_add(json_t *o, const char *key, json_t *v)
{
	return o && v && json_object_set_new(o, key, v) == 0 ? 0 : -1;
}

/* ---- events ---- */

int progress_start(progress *p, const char *step, const char *message)
{
	long long now = now_ms(p);
	int created;
	pstep *s = get(p, step, now, &created);
	json_t *o;

	if (!s || set_message(s, message))
		return FCC_ENOMEM;
	if (!created) { /* restarted: count time from now */
		s->start_ms = now;
		s->state = ST_RUNNING;
	}
	switch (p->o.mode) {
	case PROGRESS_TTY:
		return tty_redraw(p, NULL, 0);
	case PROGRESS_JSON:
		o = json_event(now, step, "start");
		if (o && message && json_add(o, "message", json_string(message))) {
			json_decref(o);
			o = NULL;
		}
		return json_line(p, o);
	default:
		return plain_line(p, now, step, "%s", message ? message : "started");
	}
}

static pstep *ensure(progress *p, const char *name, long long now)
{
	int created;

	return get(p, name, now, &created);
}

int progress_update(progress *p, const char *step, const char *message)
{
	long long now = now_ms(p);
	pstep *s = ensure(p, step, now);
	json_t *o;

	if (!s || set_message(s, message))
		return FCC_ENOMEM;
	switch (p->o.mode) {
	case PROGRESS_TTY:
		return tty_redraw(p, NULL, 0);
	case PROGRESS_JSON:
		o = json_event(now, step, "update");
		if (json_add(o, "message", json_string(message ? message : ""))) {
			json_decref(o);
			o = NULL;
		}
		return json_line(p, o);
	default:
		return plain_line(p, now, step, "%s", message ? message : "");
	}
}

int progress_id(progress *p, const char *step, const char *key, const char *value)
{
	long long now = now_ms(p);
	pstep *s = ensure(p, step, now);
	step_id *ni;
	json_t *o;

	if (!s)
		return FCC_ENOMEM;
	if (s->nids == s->idcap) {
		size_t nc = s->idcap ? s->idcap * 2 : 4;
		if (!(ni = fcc_realloc(s->ids, nc * sizeof *ni)))
			return FCC_ENOMEM;
		s->ids = ni;
		s->idcap = nc;
	}
	ni = &s->ids[s->nids];
	ni->key = fcc_strdup(key ? key : "");
	ni->value = fcc_strdup(value ? value : "");
	if (!ni->key || !ni->value) {
		fcc_free(ni->key);
		fcc_free(ni->value);
		return FCC_ENOMEM;
	}
	s->nids++;
	switch (p->o.mode) {
	case PROGRESS_TTY:
		return FCC_OK;
	case PROGRESS_JSON:
		o = json_event(now, step, "id");
		if (json_add(o, "key", json_string(ni->key)) ||
		    json_add(o, "value", json_string(ni->value))) {
			json_decref(o);
			o = NULL;
		}
		return json_line(p, o);
	default:
		return plain_line(p, now, step, "%s %s", ni->key, ni->value);
	}
}

static int end_step(progress *p, const char *name, step_state st, const char *message)
{
	long long now = now_ms(p);
	pstep *s = ensure(p, name, now);
	char d[32];
	json_t *o;

	if (!s || set_message(s, message))
		return FCC_ENOMEM;
	s->state = st;
	s->end_ms = now;
	progress_format_duration(d, now - s->start_ms);
	switch (p->o.mode) {
	case PROGRESS_TTY:
		return tty_redraw(p, s, 0);
	case PROGRESS_JSON:
		o = json_event(now, name, st == ST_FAILED ? "fail" : "finish");
		if ((st != ST_FAILED && json_add(o, "changed", json_boolean(st == ST_CHANGED))) ||
		    json_add(o, "duration_ms", json_integer(now - s->start_ms)) ||
		    (message && json_add(o, "message", json_string(message)))) {
			json_decref(o);
			o = NULL;
		}
		return json_line(p, o);
	default:
		if (st == ST_FAILED)
			return plain_line(p, now, name, "FAILED after %s: %s", d,
					  message ? message : "");
		return plain_line(p, now, name, "%s in %s%s%s%s",
				  st == ST_CHANGED ? "done" : "unchanged", d, message ? " (" : "",
				  message ? message : "", message ? ")" : "");
	}
}

int progress_finish(progress *p, const char *step, int changed, const char *message)
{
	return end_step(p, step, changed ? ST_CHANGED : ST_UNCHANGED, message);
}

int progress_fail(progress *p, const char *step, const char *message)
{
	return end_step(p, step, ST_FAILED, message);
}

int progress_stack_event(progress *p, const char *step, const progress_cfn_event *ev)
{
	long long now = now_ms(p);
	char when[32];
	fcc_buf text;
	json_t *o;
	int rc;

	fcc_buf_init(&text, FCC_BUF_DEFAULT_MAX);
	rc = fcc_buf_printf(&text, "%s (%s) %s", ev->logical_id ? ev->logical_id : "?",
			    ev->resource_type ? ev->resource_type : "?",
			    ev->status ? ev->status : "?");
	if (!rc && ev->reason && *ev->reason)
		rc = fcc_buf_printf(&text, ": %s", ev->reason);
	if (rc) {
		fcc_buf_dispose(&text);
		return rc;
	}
	if (p->o.mode != PROGRESS_JSON) {
		/* the same as an update: the live line (tty) or one plain line */
		rc = progress_update(p, step, fcc_buf_cstr(&text));
		fcc_buf_dispose(&text);
		return rc;
	}
	if (!ensure(p, step, now)) {
		fcc_buf_dispose(&text);
		return FCC_ENOMEM;
	}
	o = json_event(now, step, "stack_event");
	if (ev->time_ms)
		iso_ms(when, ev->time_ms);
	if (json_add(o, "stack", json_string(ev->stack ? ev->stack : "")) ||
	    json_add(o, "logical_id", json_string(ev->logical_id ? ev->logical_id : "")) ||
	    json_add(o, "resource_type", json_string(ev->resource_type ? ev->resource_type : "")) ||
	    json_add(o, "status", json_string(ev->status ? ev->status : "")) ||
	    (ev->reason && *ev->reason && json_add(o, "reason", json_string(ev->reason))) ||
	    (ev->time_ms && json_add(o, "time", json_string(when))) ||
	    json_add(o, "message", json_string(fcc_buf_cstr(&text)))) {
		json_decref(o);
		o = NULL;
	}
	fcc_buf_dispose(&text);
	return json_line(p, o);
}

int progress_tick(progress *p)
{
	if (p->o.mode != PROGRESS_TTY || count_state(p, ST_RUNNING) == 0)
		return p->io_error ? FCC_EIO : FCC_OK;
	return tty_redraw(p, NULL, 0);
}

/* ---- summary ---- */

static const char *state_name(step_state s)
{
	switch (s) {
	case ST_CHANGED:
		return "changed";
	case ST_UNCHANGED:
		return "unchanged";
	case ST_FAILED:
		return "failed";
	default:
		return "running";
	}
}

static int json_summary(progress *p, long long now)
{
	json_t *o = json_event(now, NULL, "summary"), *arr = json_array();
	size_t i, j;
	int bad = !o || !arr;

	for (i = 0; !bad && i < p->n; i++) {
		const pstep *s = &p->steps[i];
		json_t *so = json_object(), *ids = json_object();
		bad = !so || !ids;
		for (j = 0; !bad && j < s->nids; j++)
			bad = json_add(ids, s->ids[j].key, json_string(s->ids[j].value));
		bad = bad || json_add(so, "step", json_string(s->name)) ||
		      json_add(so, "status", json_string(state_name(s->state))) ||
		      json_add(so, "duration_ms",
			       json_integer((s->state == ST_RUNNING ? now : s->end_ms) -
					    s->start_ms)) ||
		      (s->message && json_add(so, "message", json_string(s->message)));
		if (!bad) {
			bad = json_add(so, "ids", ids);
			ids = NULL;
		}
		if (!bad) {
			bad = json_array_append_new(arr, so) != 0;
			so = NULL;
		}
		json_decref(so);
		json_decref(ids);
	}
	bad = bad ||
	      json_add(o, "steps_total", json_integer((json_int_t)(p->total ? p->total : p->n))) ||
	      json_add(o, "changed", json_integer((json_int_t)count_state(p, ST_CHANGED))) ||
	      json_add(o, "unchanged", json_integer((json_int_t)count_state(p, ST_UNCHANGED))) ||
	      json_add(o, "failed", json_integer((json_int_t)count_state(p, ST_FAILED))) ||
	      json_add(o, "running", json_integer((json_int_t)count_state(p, ST_RUNNING))) ||
	      json_add(o, "duration_ms", json_integer(p->first_ms < 0 ? 0 : now - p->first_ms));
	if (!bad) {
		bad = json_add(o, "steps", arr);
		arr = NULL;
	}
	json_decref(arr);
	if (bad) {
		json_decref(o);
		return FCC_ENOMEM;
	}
	return json_line(p, o);
}

int progress_summary(progress *p)
{
	long long now = now_ms(p);
	size_t i, j, width = 4, nids = 0;
	char d[32];
	fcc_buf b;
	int rc = FCC_OK;

	if (p->o.mode == PROGRESS_JSON)
		return json_summary(p, now);
	if (p->o.mode == PROGRESS_TTY && p->live_lines && (rc = tty_redraw(p, NULL, 1)))
		return rc;
	for (i = 0; i < p->n; i++) {
		if (strlen(p->steps[i].name) > width)
			width = strlen(p->steps[i].name);
		nids += p->steps[i].nids;
	}
	fcc_buf_init(&b, FCC_BUF_DEFAULT_MAX);
	progress_format_duration(d, p->first_ms < 0 ? 0 : now - p->first_ms);
	rc = fcc_buf_printf(&b, "%ssummary:%s %zu changed, %zu unchanged, %zu failed",
			    col(p, C_BOLD), col(p, C_RESET), count_state(p, ST_CHANGED),
			    count_state(p, ST_UNCHANGED), count_state(p, ST_FAILED));
	if (!rc && count_state(p, ST_RUNNING))
		rc = fcc_buf_printf(&b, ", %zu unfinished", count_state(p, ST_RUNNING));
	if (!rc && p->total > p->n)
		rc = fcc_buf_printf(&b, ", %zu not started", p->total - p->n);
	if (!rc)
		rc = fcc_buf_printf(&b, " in %s\n", d);
	for (i = 0; !rc && i < p->n; i++) {
		const pstep *s = &p->steps[i];
		const char *c = s->state == ST_CHANGED  ? C_GREEN
				: s->state == ST_FAILED ? C_RED
							: C_DIM;
		progress_format_duration(d,
					 (s->state == ST_RUNNING ? now : s->end_ms) - s->start_ms);
		rc = fcc_buf_printf(&b, "  %s%-9s%s  %-*s  %7s%s%s\n", col(p, c),
				    state_name(s->state), col(p, C_RESET), (int)width, s->name, d,
				    s->message ? "  " : "", s->message ? s->message : "");
	}
	if (!rc && nids)
		rc = fcc_buf_puts(&b, "identifiers:\n");
	for (i = 0; !rc && i < p->n; i++)
		for (j = 0; !rc && j < p->steps[i].nids; j++)
			rc = fcc_buf_printf(&b, "  %-*s  %s  %s\n", (int)width, p->steps[i].name,
					    p->steps[i].ids[j].key, p->steps[i].ids[j].value);
	return emit_buf(p, &b, rc);
}
