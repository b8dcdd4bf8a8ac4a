/* monthly.c - the monthly report's model: the month, readiness, counting,
 * downtime; see monthly.h. The renderers are in monthly_render.c. */
#include "core/monthly.h"

#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "core/sla.h"

/* ---- The month ------------------------------------------------------------ */

static int digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int monthly_parse_month(const char *s, int *year, int *month)
{
	if (s == NULL || strlen(s) != 7 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2))
		return -1;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	if (y < 2000 || y > 2099 || m < 1 || m > 12)
		return -1;
	*year = y;
	*month = m;
	return 0;
}

int monthly_bounds(const struct cal *c, int year, int month, int64_t *from_us,
                   int64_t *to_us)
{
	if (month < 1 || month > 12 || year < 1971 || year > 9998)
		return -1;
	int ny = month == 12 ? year + 1 : year, nm = month == 12 ? 1 : month + 1;
	*from_us = cal_local_us(c, year, month, 1, 0, 0, 0);
	*to_us = cal_local_us(c, ny, nm, 1, 0, 0, 0);
	return 0;
}

void monthly_prev_month(const struct cal *c, int64_t now_us, int *year, int *month)
{
	struct cal_tm tm;
	cal_local_tm(c, now_us, &tm);
	*year = tm.month == 1 ? tm.year - 1 : tm.year;
	*month = tm.month == 1 ? 12 : tm.month - 1;
}

bool monthly_ready(const struct cal *c, int year, int month, int64_t now_us,
                   long open_alerts)
{
	int64_t from, to;
	if (monthly_bounds(c, year, month, &from, &to) != 0 || now_us < to)
		return false;
	if (open_alerts <= 0)
		return true;
	int ny = month == 12 ? year + 1 : year, nm = month == 12 ? 1 : month + 1;
	int64_t day = cal_nth_business_day_of_month(c, ny, nm, SLA_MONTHLY_NTH);
	if (day < 0)            /* fewer business days than that: do not wait */
		return true;
	return now_us >= cal_open_us(c, day);
}

/* ---- The model ------------------------------------------------------------ */

/* Sanitized copy; "" for NULL. NULL only on allocation failure. */
static char *san(const char *s)
{
	return san_str(s != NULL ? s : "");
}

struct monthly *monthly_new(const char *tenant, const struct cal *c, int year,
                            int month, int64_t now_us)
{
	int64_t from, to;
	if (monthly_bounds(c, year, month, &from, &to) != 0)
		return NULL;
	struct monthly *m = calloc(1, sizeof *m);
	if (m == NULL)
		return NULL;
	m->tenant = san(tenant);
	m->mode = san("");
	if (m->tenant == NULL || m->mode == NULL) {
		monthly_free(m);
		return NULL;
	}
	m->year = year;
	m->month = month;
	m->tz_min = c->tz_min;
	m->from_us = from;
	m->to_us = to;
	m->now_us = now_us;
	m->data_to_us = now_us < to ? now_us : to;
	m->days = cal_days_in_month(year, month);
	m->prev_received = -1;
	m->first_run_us = MR_NONE;
	m->measured_from_us = m->measured_to_us = MR_NONE;
	return m;
}

static void free_alert(struct mr_alert *a)
{
	free(a->host);
	free(a->path);
	free(a->detection);
}

static void free_endpoint(struct mr_endpoint *e)
{
	free(e->host);
	free(e->client_version);
	free(e->isolation);
	free(e->last_error);
}

void monthly_free(struct monthly *m)
{
	if (m == NULL)
		return;
	free(m->tenant);
	free(m->mode);
	for (size_t i = 0; i < m->n_alerts; i++)
		free_alert(&m->alerts[i]);
	free(m->alerts);
	for (size_t i = 0; i < m->n_endpoints; i++)
		free_endpoint(&m->endpoints[i]);
	free(m->endpoints);
	free(m->runs);
	free(m->gaps);
	free(m);
}

int monthly_set_tenant(struct monthly *m, bool auto_isolate, bool auto_exception,
                       const char *mode, int64_t onboarding_from_us,
                       int64_t onboarding_to_us)
{
	char *md = san(mode);
	if (md == NULL)
		return -1;
	free(m->mode);
	m->mode = md;
	m->auto_isolate = auto_isolate;
	m->auto_exception = auto_exception;
	m->onboarding_from_us = onboarding_from_us;
	m->onboarding_to_us = onboarding_to_us;
	return 0;
}

/* Grow *v (elements of size sz) to hold one more; -1 on failure. */
static int grow(void **v, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap != 0 ? *cap * 2 : 64;
	void *nv = realloc(*v, nc * sz);
	if (nv == NULL)
		return -1;
	*v = nv;
	*cap = nc;
	return 0;
}

static enum mr_verdict verdict_of(const char *s)
{
	if (s == NULL)
		return MR_PENDING;
	if (strcmp(s, "black") == 0)
		return MR_BLACK;
	if (strcmp(s, "gray") == 0)
		return MR_GRAY;
	if (strcmp(s, "white") == 0)
		return MR_WHITE;
	return MR_PENDING;
}

/* A clock: met (published in time), missed (late, or unpublished past
 * due at the end of the data), or neither (no clock, or still running). */
static void tally_clock(int64_t due, int64_t published, bool owed, int64_t data_to,
                        long *met, long *missed)
{
	if (due == MR_NONE)
		return;
	if (published != MR_NONE) {
		if (published <= due)
			(*met)++;
		else
			(*missed)++;
	} else if (owed && due < data_to) {
		(*missed)++;
	}
}

int monthly_add_alert(struct monthly *m, const struct mr_alert_in *a)
{
	if (a->received_us < m->from_us || a->received_us >= m->to_us)
		return 0;
	int day = (int)((a->received_us - m->from_us) / CAL_US_PER_DAY);
	if (day < 0 || day >= m->days)
		day = day < 0 ? 0 : m->days - 1;
	m->received++;
	m->daily[day]++;
	if (a->duplicate) {
		m->duplicates++;
		return 0;
	}
	if (a->onboarding) {
		m->onboarding++;
		return 0;
	}
	enum mr_verdict q = verdict_of(a->quick_verdict);
	enum mr_verdict v = a->explain_verdict != NULL ? verdict_of(a->explain_verdict) : q;
	m->triaged++;
	m->verdicts[v]++;
	m->daily_v[day][v]++;
	if (a->escalated)
		m->escalated++;
	if (a->gray_timeout)
		m->gray_timeouts++;
	tally_clock(a->quick_due_us, a->quick_published_us, true, m->data_to_us,
	            &m->quick_met, &m->quick_missed);
	tally_clock(a->explain_due_us, a->explain_published_us, a->needs_explanatory,
	            m->data_to_us, &m->explain_met, &m->explain_missed);
	if (m->n_alerts >= MR_MAX_ALERT_ROWS) {
		m->alerts_dropped++;
		return 0;
	}
	if (grow((void **)&m->alerts, &m->cap_alerts, m->n_alerts, sizeof *m->alerts) != 0) {
		m->alerts_dropped++;
		return -1;
	}
	struct mr_alert r = {
		.id = a->id,
		.host = san(a->host),
		.path = san(a->path),
		.detection = san(a->detection),
		.received_us = a->received_us,
		.verdict = v,
		.quick = q,
		.quick_report = a->quick_report,
		.explain_report = a->explain_report,
		.escalated = a->escalated,
	};
	if (r.host == NULL || r.path == NULL || r.detection == NULL) {
		free_alert(&r);
		m->alerts_dropped++;
		return -1;
	}
	m->alerts[m->n_alerts++] = r;
	return 0;
}

int monthly_add_endpoint(struct monthly *m, const struct mr_endpoint_in *e)
{
	if (e->created_us != MR_NONE && e->created_us >= m->data_to_us)
		return 0;
	bool isolated = e->isolation != NULL && e->isolation[0] != '\0' &&
	                strcmp(e->isolation, "none") != 0;
	m->ep_registered++;
	if (e->last_seen_us == MR_NONE)
		m->ep_never++;
	else if (e->last_seen_us >= m->from_us)
		m->ep_contacted++;
	if (isolated)
		m->ep_isolated++;
	if (e->last_error != NULL && e->last_error[0] != '\0')
		m->ep_errors++;
	if (m->n_endpoints >= MR_MAX_ENDPOINT_ROWS) {
		m->endpoints_dropped++;
		return 0;
	}
	if (grow((void **)&m->endpoints, &m->cap_endpoints, m->n_endpoints,
	         sizeof *m->endpoints) != 0) {
		m->endpoints_dropped++;
		return -1;
	}
	struct mr_endpoint r = {
		.host = san(e->host),
		.client_version = san(e->client_version),
		.isolation = san(e->isolation != NULL ? e->isolation : "none"),
		.last_error = san(e->last_error),
		.last_seen_us = e->last_seen_us,
		.isolated = isolated,
	};
	if (r.host == NULL || r.client_version == NULL || r.isolation == NULL ||
	    r.last_error == NULL) {
		free_endpoint(&r);
		m->endpoints_dropped++;
		return -1;
	}
	m->endpoints[m->n_endpoints++] = r;
	return 0;
}

int monthly_add_run(struct monthly *m, int64_t start_us, int64_t beat_us, int64_t stop_us)
{
	if (start_us == MR_NONE)
		return 0;
	if (m->first_run_us == MR_NONE || start_us < m->first_run_us)
		m->first_run_us = start_us;
	int64_t end = stop_us != MR_NONE ? stop_us : beat_us;
	if (stop_us == MR_NONE && beat_us != MR_NONE && beat_us < m->data_to_us &&
	    m->data_to_us - beat_us <= MR_BEAT_GRACE_US)
		end = m->data_to_us;        /* still running: beats come later */
	if (end == MR_NONE || end <= start_us)
		return 0;
	if (grow((void **)&m->runs, &m->cap_runs, m->n_runs, sizeof *m->runs) != 0)
		return -1;
	m->runs[m->n_runs++] = (struct mr_span){start_us, end};
	return 0;
}

static int cmp_span(const void *a, const void *b)
{
	const struct mr_span *x = a, *y = b;
	if (x->from_us != y->from_us)
		return x->from_us < y->from_us ? -1 : 1;
	return x->to_us < y->to_us ? -1 : x->to_us > y->to_us;
}

static int add_gap(struct monthly *m, size_t *cap, int64_t from, int64_t to)
{
	if (to <= from)
		return 0;
	if (grow((void **)&m->gaps, cap, m->n_gaps, sizeof *m->gaps) != 0)
		return -1;
	m->gaps[m->n_gaps++] = (struct mr_span){from, to};
	m->down_us += to - from;
	return 0;
}

int monthly_finish(struct monthly *m)
{
	free(m->gaps);
	m->gaps = NULL;
	m->n_gaps = 0;
	m->down_us = 0;
	if (m->first_run_us == MR_NONE) {
		m->measured = false;
		m->measured_from_us = m->measured_to_us = MR_NONE;
		return 0;
	}
	m->measured = true;
	int64_t lo = m->first_run_us > m->from_us ? m->first_run_us : m->from_us;
	int64_t hi = m->data_to_us;
	if (lo > hi)
		lo = hi;
	m->measured_from_us = lo;
	m->measured_to_us = hi;
	if (m->n_runs > 1)
		qsort(m->runs, m->n_runs, sizeof *m->runs, cmp_span);
	size_t cap = 0;
	int64_t cur = lo;           /* covered up to here */
	for (size_t i = 0; i < m->n_runs && cur < hi; i++) {
		const struct mr_span *r = &m->runs[i];
		if (r->to_us <= cur)
			continue;
		if (r->from_us > cur &&
		    add_gap(m, &cap, cur, r->from_us < hi ? r->from_us : hi) != 0)
			return -1;
		if (r->to_us > cur)
			cur = r->to_us;
	}
	if (cur < hi && add_gap(m, &cap, cur, hi) != 0)
		return -1;
	return 0;
}

const char *monthly_verdict_name(enum mr_verdict v, enum rp_lang lang)
{
	static const char *const en[MR_VERDICTS] = {"pending", "black", "gray", "white"};
	static const char *const ja[MR_VERDICTS] = {"判定待ち", "ブラック", "グレー", "ホワイト"};
	if ((unsigned)v >= MR_VERDICTS)
		v = MR_PENDING;
	return lang == RP_JA ? ja[v] : en[v];
}
