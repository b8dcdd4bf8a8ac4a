/* alerts.c - the alert store: rows of AS_SELECT merged by id.
 *
 * Strings from the database that came from endpoints (host, path,
 * detection, sha256) are sanitized once here (dr_clean) and only the safe
 * copies are kept; the raw path and hash needed by API calls are fetched by
 * the action itself from the alert id (the API takes ids). Times are
 * microseconds since the epoch.
 */
#include <stdlib.h>
#include <string.h>

#include "core/sla.h"
#include "tui/tui.h"

/* Times as microseconds: date_part (double) is several times cheaper than
 * extract (numeric) over 100,000 rows. The published/answered columns
 * come with migration 003. */
#define US(col) " (date_part('epoch', " col ")*1000000)::int8"
const char AS_SELECT[] =
	"SELECT a.id, a.tenant_id, t.name, a.endpoint_id, e.hostname, a.path,"
	" coalesce(a.sha256,''), coalesce(a.detection,''), a.state,"
	" coalesce(a.quick_verdict,''), coalesce(a.explain_verdict,''),"
	" a.needs_explanatory::int, a.version,"
	US("a.received_at") "," US("a.detected_at") "," US("a.quick_due") ","
	US("a.explain_due") "," US("a.reply_due") "," US("a.quick_published_at") ","
	US("a.explain_published_at") "," US("a.answered_at") ","
	" coalesce(a.duplicate_of,0), coalesce(a.claimed_by,''), coalesce(a.action,''),"
	" e.isolation, a.escalated::int"
	" FROM alert a JOIN tenant t ON t.id = a.tenant_id"
	" JOIN endpoint e ON e.id = a.endpoint_id";
#undef US

enum { C_ID, C_TID, C_TENANT, C_EID, C_HOST, C_PATH, C_SHA, C_DET, C_STATE,
       C_QV, C_EV, C_NEEDS, C_VERSION, C_RECV, C_DETECTED, C_QDUE, C_EDUE,
       C_RDUE, C_QPUB, C_EPUB, C_ANS, C_DUP, C_CLAIM, C_ACTION, C_ISO, C_ESC, C_NCOLS };

int as_closed_state(const char *state)
{
	return strcmp(state, "closed") == 0;
}

static void al_free(struct alert *al)
{
	free(al);   /* one allocation: the struct and its strings */
}

void as_free(struct astore *s)
{
	for (size_t i = 0; i < s->n; i++)
		al_free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* v is kept sorted by id: binary search. */
static long find(const struct astore *s, int64_t id)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->v[mid]->id < id)
			lo = mid + 1;
		else if (s->v[mid]->id > id)
			hi = mid;
		else
			return (long)mid;
	}
	return -(long)lo - 1;
}

struct alert *as_get(const struct astore *s, int64_t id)
{
	long i = find(s, id);
	return i >= 0 ? s->v[i] : NULL;
}

static int64_t i64(PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return 0;
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static char letter(const char *v)
{
	if (strcmp(v, "black") == 0)
		return 'b';
	if (strcmp(v, "gray") == 0)
		return 'g';
	if (strcmp(v, "white") == 0)
		return 'w';
	return 0;
}

/* The base name of a raw path (sanitizing adds backslashes: cut first). */
static const char *base_name(const char *raw)
{
	const char *slash = strrchr(raw, '\\');
	const char *fslash = strrchr(raw, '/');
	if (fslash != NULL && (slash == NULL || fslash > slash))
		slash = fslash;
	return slash != NULL ? slash + 1 : raw;
}

/* One allocation per alert: the struct, then its sanitized strings. */
static struct alert *from_row(PGresult *r, int i)
{
	enum { S_TENANT, S_HOST, S_PATH, S_SHA, S_DET, S_STATE, S_CLAIM, S_ACTION, S_ISO,
	       S_FILE, S_N };
	const int cols[S_N] = {C_TENANT, C_HOST, C_PATH, C_SHA, C_DET, C_STATE, C_CLAIM,
	                       C_ACTION, C_ISO, C_PATH};
	char *clean[S_N];
	size_t len[S_N], total = sizeof(struct alert);
	for (int k = 0; k < S_N; k++) {
		const char *raw = PQgetvalue(r, i, cols[k]);
		clean[k] = dr_clean(k == S_FILE ? base_name(raw) : raw);
		len[k] = strlen(clean[k]) + 1;
		total += len[k];
	}
	struct alert *al = calloc(1, total);
	if (al == NULL)
		abort();
	char *p = (char *)(al + 1);
	char **dst[S_N] = {&al->tenant, &al->host, &al->path, &al->sha256, &al->detection,
	                   &al->state, &al->claimed_by, &al->action, &al->isolation, &al->file};
	for (int k = 0; k < S_N; k++) {
		memcpy(p, clean[k], len[k]);
		*dst[k] = p;
		p += len[k];
		free(clean[k]);
	}
	al->id = i64(r, i, C_ID);
	al->tenant_id = i64(r, i, C_TID);
	al->endpoint_id = i64(r, i, C_EID);
	al->qv = letter(PQgetvalue(r, i, C_QV));
	al->ev = letter(PQgetvalue(r, i, C_EV));
	al->needs_expl = (int)i64(r, i, C_NEEDS);
	al->version = (int)i64(r, i, C_VERSION);
	al->received = i64(r, i, C_RECV);
	al->detected = i64(r, i, C_DETECTED);
	al->quick_due = i64(r, i, C_QDUE);
	al->explain_due = i64(r, i, C_EDUE);
	al->reply_due = i64(r, i, C_RDUE);
	al->quick_pub = i64(r, i, C_QPUB);
	al->explain_pub = i64(r, i, C_EPUB);
	al->answered = i64(r, i, C_ANS);
	al->dup_of = i64(r, i, C_DUP);
	al->escalated = (int)i64(r, i, C_ESC);
	/* the quick clock is 24/7: known even when the row lacks it */
	if (al->quick_due == 0 && al->received != 0)
		al->quick_due = sla_quick_due(al->received);
	return al;
}

static int insert_at(struct astore *s, size_t pos, struct alert *al)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 256;
		struct alert **nv = realloc(s->v, nc * sizeof *nv);
		if (nv == NULL)
			return -1;
		s->v = nv;
		s->cap = nc;
	}
	memmove(&s->v[pos + 1], &s->v[pos], (s->n - pos) * sizeof s->v[0]);
	s->v[pos] = al;
	s->n++;
	return 0;
}

static void remove_at(struct astore *s, size_t pos)
{
	al_free(s->v[pos]);
	memmove(&s->v[pos], &s->v[pos + 1], (s->n - pos - 1) * sizeof s->v[0]);
	s->n--;
}

int as_apply(struct astore *s, PGresult *r)
{
	int rows = PQntuples(r), nnew = 0;
	if (PQnfields(r) < C_NCOLS)
		return 0;
	s->gen++;
	for (int i = 0; i < rows; i++) {
		struct alert *al = from_row(r, i);
		long pos = find(s, al->id);
		if (as_closed_state(al->state)) {
			if (pos >= 0)
				remove_at(s, (size_t)pos);
			al_free(al);
			continue;
		}
		al->sync_seen = s->sync_gen;
		if (pos >= 0) {
			struct alert *old = s->v[pos];
			al->isnew = old->isnew;
			al->marked = old->marked;
			al_free(old);
			s->v[pos] = al;
		} else {
			al->isnew = s->loaded;
			nnew += al->isnew;
			if (insert_at(s, (size_t)(-pos - 1), al) != 0)
				al_free(al);
		}
	}
	return nnew;
}

void as_sync_begin(struct astore *s)
{
	s->sync_gen++;
}

void as_sync_end(struct astore *s)
{
	/* what the sync did not see is closed or gone */
	size_t o = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i]->sync_seen == s->sync_gen)
			s->v[o++] = s->v[i];
		else
			al_free(s->v[i]);
	}
	if (o != s->n)
		s->gen++;
	s->n = o;
	s->loaded = 1;
}

/* Which clocks run (SPEC "Clock rules"): quick until the quick report is
 * published; explanatory when one is needed, until it is published; the
 * gray reply until it is answered. Duplicates, closed and onboarding
 * alerts have none. */
int64_t as_deadline(const struct alert *al, char *which)
{
	int64_t best = 0;
	char w = 0;
	if (strcmp(al->state, "duplicate") == 0 || strcmp(al->state, "onboarding") == 0 ||
	    as_closed_state(al->state)) {
		if (which != NULL)
			*which = 0;
		return 0;
	}
	if (al->quick_due != 0 && al->quick_pub == 0) {
		best = al->quick_due;
		w = 'q';
	}
	if (al->needs_expl && al->explain_due != 0 && al->explain_pub == 0 &&
	    (best == 0 || al->explain_due < best)) {
		best = al->explain_due;
		w = 'e';
	}
	if (al->reply_due != 0 && al->answered == 0 && (best == 0 || al->reply_due < best)) {
		best = al->reply_due;
		w = 'r';
	}
	if (which != NULL)
		*which = w;
	return best;
}

const char *as_state_short(const char *state)
{
	static const char *const map[][2] = {
		{"quick_verdict", "q-verdict"}, {"quick_published", "q-publish"},
		{"explain_needed", "e-needed"}, {"explain_verdict", "e-verdict"},
		{"explain_published", "e-publish"}, {"awaiting_reply", "awaiting"},
		{"duplicate", "duplicate"}, {"onboarding", "onboard"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(state, map[i][0]) == 0)
			return map[i][1];
	return state;
}

char as_verdict(const struct alert *al)
{
	return al->ev != 0 ? al->ev : al->qv;
}
