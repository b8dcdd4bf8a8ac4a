/* event_copy.c - one event as a COPY row: the binary format the loader
 * sends (src/db/events.c) and the text format of db_event_encode(); see
 * events.h. */
#include "db/events.h"

#include <stdlib.h>
#include <string.h>

#include "db/conn.h"
#include "db/copy.h"

/* ---- encoding ----------------------------------------------------------
 *
 * The loader sends COPY's binary format: per row a 16-bit field count, then
 * per field a 32-bit length (-1: NULL) and the value in the type's binary
 * form, all big-endian. For the same rows the server spends about a tenth
 * less CPU than on the text format (no text to split and unescape, no
 * number and time parsing: spine.sh (a), 9.4 vs 10.4 s for 0.75 M rows),
 * and the client no longer escapes every text byte. Text values are sent
 * as they are; the server still checks them as UTF-8, as for text COPY.
 * db_event_encode() keeps writing the text format, for tools that feed
 * psql \copy (tests/bench/gen). */

static int hexdig(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hexval(char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* 8-4-4-4-12 hex digits: what the uuid column accepts from us. */
static int is_uuid(const char *g)
{
	if (g == NULL)
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (g[i] != '-')
				return 0;
		} else if (!hexdig(g[i])) {
			return 0;
		}
	}
	return g[36] == '\0';
}

/* Text format. */

static void put_guid(struct db_copybuf *b, const char *g)
{
	if (is_uuid(g))
		db_copy_raw(b, g, 36);
	else
		db_copy_null(b);
}

static void put_key(struct db_copybuf *b, const char *g)
{
	int64_t k = is_uuid(g) ? ev_guid_prefix(g) : 0;
	if (k == 0)
		db_copy_null(b);
	else
		db_copy_i64(b, k);
}

/* integer columns: out of range is as good as absent. */
static int i32_absent(int64_t v)
{
	return v < INT32_MIN || v > INT32_MAX || v == -1;
}

static void put_i32(struct db_copybuf *b, int64_t v)
{
	if (i32_absent(v))
		db_copy_null(b);
	else
		db_copy_i64(b, v);
}

/* json_dumpb of extra into the stack buffer small (n bytes) when it fits,
 * else into *big (malloc'd; json_dumpb, not json_dumps: the caller may have
 * given jansson its own allocator, as itrace-ingest does). Returns the
 * text and its length in *len; NULL when extra is absent or empty. */
static const char *dump_extra(const json_t *extra, char *small, size_t n, char **big,
                              size_t *len)
{
	*big = NULL;
	if (extra == NULL || (json_is_object(extra) && json_object_size(extra) == 0))
		return NULL;
	size_t k = json_dumpb(extra, small, n, JSON_COMPACT | JSON_ENCODE_ANY);
	if (k == 0)
		return NULL;
	*len = k;
	if (k <= n)
		return small;
	*big = malloc(k);
	if (*big == NULL || json_dumpb(extra, *big, k, JSON_COMPACT | JSON_ENCODE_ANY) != k)
		return NULL;
	return *big;
}

static void put_extra(struct db_copybuf *b, const json_t *extra)
{
	char small[4096], *big;
	size_t n = 0;
	const char *s = dump_extra(extra, small, sizeof small, &big, &n);
	if (s == NULL)
		db_copy_null(b);
	else
		db_copy_textn(b, s, n);
	free(big);
}

#define T(s) do { db_copy_sep(b); db_copy_text(b, (s)); } while (0)

/* The text row without endpoint_id and dedup; returns where dedup goes. */
static size_t encode_tail_text(struct db_copybuf *b, const struct ev *e)
{
	size_t start = b->len;
	char ts[DB_TS_LEN];
	db_format_ts(e->ts_us, ts);
	db_copy_raw(b, ts, strlen(ts));
	T(ev_kind_name(e->kind));
	db_copy_sep(b);
	db_copy_i64(b, e->eid);
	db_copy_sep(b);
	db_copy_i64_opt(b, e->record_id);
	db_copy_sep(b);
	size_t mid = b->len - start;   /* the dedup column goes here */
	put_guid(b, e->proc_guid);
	db_copy_sep(b);
	put_key(b, e->proc_guid);
	db_copy_sep(b);
	db_copy_i64_opt(b, e->pid);
	T(e->image);
	T(e->cmdline);
	T(e->user);
	T(e->integrity);
	db_copy_sep(b);
	put_guid(b, e->parent_guid);
	db_copy_sep(b);
	put_key(b, e->parent_guid);
	db_copy_sep(b);
	db_copy_i64_opt(b, e->parent_pid);
	T(e->parent_image);
	T(e->parent_cmdline);
	T(e->target);
	T(e->details);
	T(e->proto);
	T(e->remote_ip);
	db_copy_sep(b);
	put_i32(b, e->remote_port);
	T(e->local_ip);
	db_copy_sep(b);
	put_i32(b, e->local_port);
	db_copy_sep(b);
	db_copy_bool(b, e->initiated);
	T(e->sha256);
	T(e->sha1);
	T(e->md5);
	T(e->imphash);
	db_copy_sep(b);
	db_copy_bool(b, e->signed_);
	T(e->signature);
	T(e->original_file_name);
	T(e->company);
	T(e->description);
	T(e->product);
	db_copy_sep(b);
	put_extra(b, e->extra);
	db_copy_eol(b);
	return mid;
}

#undef T

/* endpoint_id, the tail's first part, dedup, the rest. */
static void encode_row_text(struct db_copybuf *b, int64_t endpoint_id, int64_t dedup,
                            const char *tail, size_t len, size_t mid)
{
	db_copy_i64(b, endpoint_id);
	db_copy_sep(b);
	db_copy_raw(b, tail, mid);
	db_copy_i64(b, dedup);
	db_copy_sep(b);
	db_copy_raw(b, tail + mid, len - mid);
}

void db_event_encode(struct db_copybuf *b, int64_t endpoint_id, const struct ev *e,
                     int64_t dedup)
{
	struct db_copybuf t;
	db_copy_init(&t);
	size_t mid = encode_tail_text(&t, e);
	encode_row_text(b, endpoint_id, dedup, t.data, t.len, mid);
	db_copy_free(&t);
}

/* Binary format. */

#define NCOLS 37                  /* of db_event_columns */
#define PG_EPOCH_US INT64_C(946684800000000)   /* 2000-01-01 in Unix us */

/* The stream's header (signature, flags, no extension) and trailer. */
const char db_event_copy_header[DB_EVENT_COPY_HEADER] =
	"PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
const char db_event_copy_trailer[DB_EVENT_COPY_TRAILER] = "\377\377";

static void be16(struct db_copybuf *b, uint16_t v)
{
	char o[2] = {(char)(v >> 8), (char)v};
	db_copy_raw(b, o, 2);
}

static void be32(struct db_copybuf *b, uint32_t v)
{
	char o[4] = {(char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v};
	db_copy_raw(b, o, 4);
}

static void be64(struct db_copybuf *b, uint64_t v)
{
	be32(b, (uint32_t)(v >> 32));
	be32(b, (uint32_t)v);
}

static void bnull(struct db_copybuf *b)
{
	be32(b, UINT32_MAX);          /* -1 */
}

static void bi64(struct db_copybuf *b, int64_t v)
{
	be32(b, 8);
	be64(b, (uint64_t)v);
}

static void bi64_opt(struct db_copybuf *b, int64_t v)
{
	if (v == -1)
		bnull(b);
	else
		bi64(b, v);
}

static void bi32(struct db_copybuf *b, int64_t v)
{
	if (i32_absent(v)) {
		bnull(b);
	} else {
		be32(b, 4);
		be32(b, (uint32_t)(int32_t)v);
	}
}

static void bbool(struct db_copybuf *b, int v)
{
	if (v < 0) {
		bnull(b);
	} else {
		be32(b, 1);
		db_copy_raw(b, v ? "\1" : "\0", 1);
	}
}

static void btextn(struct db_copybuf *b, const char *s, size_t n)
{
	be32(b, (uint32_t)n);
	db_copy_raw(b, s, n);
}

static void btext(struct db_copybuf *b, const char *s)
{
	if (s == NULL)
		bnull(b);
	else
		btextn(b, s, strlen(s));
}

static void bguid(struct db_copybuf *b, const char *g)
{
	if (!is_uuid(g)) {
		bnull(b);
		return;
	}
	char u[16];
	int k = 0;
	for (int i = 0; i < 36; i += 2) {
		if (g[i] == '-')
			i++;
		u[k++] = (char)(hexval(g[i]) << 4 | hexval(g[i + 1]));
	}
	btextn(b, u, sizeof u);
}

static void bkey(struct db_copybuf *b, const char *g)
{
	int64_t k = is_uuid(g) ? ev_guid_prefix(g) : 0;
	if (k == 0)
		bnull(b);
	else
		bi64(b, k);
}

/* jsonb: a version byte (1), then the JSON text. */
static void bextra(struct db_copybuf *b, const json_t *extra)
{
	char small[4096], *big;
	size_t n = 0;
	const char *s = dump_extra(extra, small, sizeof small, &big, &n);
	if (s == NULL) {
		bnull(b);
	} else {
		be32(b, (uint32_t)n + 1);
		db_copy_raw(b, "\1", 1);
		db_copy_raw(b, s, n);
	}
	free(big);
}

size_t db_event_encode_tail(struct db_copybuf *b, const struct ev *e)
{
	size_t start = b->len;
	bi64(b, e->ts_us - PG_EPOCH_US);
	btext(b, ev_kind_name(e->kind));
	bi32(b, e->eid);
	bi64_opt(b, e->record_id);
	size_t mid = b->len - start;   /* the dedup column goes here */
	bguid(b, e->proc_guid);
	bkey(b, e->proc_guid);
	bi64_opt(b, e->pid);
	btext(b, e->image);
	btext(b, e->cmdline);
	btext(b, e->user);
	btext(b, e->integrity);
	bguid(b, e->parent_guid);
	bkey(b, e->parent_guid);
	bi64_opt(b, e->parent_pid);
	btext(b, e->parent_image);
	btext(b, e->parent_cmdline);
	btext(b, e->target);
	btext(b, e->details);
	btext(b, e->proto);
	btext(b, e->remote_ip);
	bi32(b, e->remote_port);
	btext(b, e->local_ip);
	bi32(b, e->local_port);
	bbool(b, e->initiated);
	btext(b, e->sha256);
	btext(b, e->sha1);
	btext(b, e->md5);
	btext(b, e->imphash);
	bbool(b, e->signed_);
	btext(b, e->signature);
	btext(b, e->original_file_name);
	btext(b, e->company);
	btext(b, e->description);
	btext(b, e->product);
	bextra(b, e->extra);
	return mid;
}

/* Field count, endpoint_id, the tail's first part, dedup, the rest. */
void db_event_row(struct db_copybuf *b, int64_t endpoint_id, int64_t dedup,
                       const char *tail, size_t len, size_t mid)
{
	be16(b, NCOLS);
	bi64(b, endpoint_id);
	db_copy_raw(b, tail, mid);
	bi64(b, dedup);
	db_copy_raw(b, tail + mid, len - mid);
}
