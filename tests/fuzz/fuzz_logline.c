/* fuzz_logline.c - ll_parse() over any bytes (every Sysmon layout, 4688,
 * native events and alerts; src/core/logline.h).
 *
 * Invariants checked besides memory safety:
 *   - the result is one of the four; the reason is NUL-terminated
 *     printable ASCII (the header's promise: it reaches terminals through
 *     itrace-ingest's stderr), also when the buffer is tiny;
 *   - an error or skip leaves *ev and *al empty; an event does not fill
 *     the alert and the other way round;
 *   - an event has a kind in range, canonical GUIDs (lower-case, no
 *     braces, 36 characters), lower-case hashes, pids >= -1 and ports in
 *     0..65535 or -1; a native alert has a host, a path and a time;
 *   - the same line parses the same way twice (no hidden state);
 *   - every string survives san_str() and ev_host_key().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/logline.h"
#include "core/sanitize.h"
#include "fuzz.h"

static void fzl_check_reason(const char *err, size_t errlen)
{
	size_t n = strnlen(err, errlen);
	FZ_CHECK(n < errlen, "reason not NUL-terminated within %zu bytes", errlen);
	for (size_t i = 0; i < n; i++)
		FZ_CHECK((unsigned char)err[i] >= 0x20 && (unsigned char)err[i] < 0x7f,
		         "reason byte %zu is 0x%02x, not printable ASCII: \"%s\"", i,
		         (unsigned char)err[i], err);
}

static void fzl_check_guid(const char *what, const char *g)
{
	if (g == NULL)
		return;
	FZ_CHECK(strlen(g) == 36, "%s \"%s\" is not a canonical GUID", what, g);
	for (size_t i = 0; i < 36; i++) {
		char c = g[i];
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		FZ_CHECK(dash ? c == '-' : ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')),
		         "%s \"%s\" is not a canonical GUID", what, g);
	}
}

static void fzl_check_hash(const char *what, const char *h, size_t want)
{
	if (h == NULL)
		return;
	for (const char *p = h; *p != '\0'; p++)
		FZ_CHECK(!(*p >= 'A' && *p <= 'Z'), "%s \"%s\" is not lower-case", what, h);
	(void)want;
}

static void fzl_touch(const char *s)
{
	if (s == NULL)
		return;
	FZ_CHECK(s[0] != '\0', "empty string stored instead of absent");
	char *t = san_str(s);
	FZ_CHECK(t != NULL, "san_str failed");
	free(t);
}

static int fzl_ev_empty(const struct ev *e)
{
	const char *const s[] = {
		e->host, e->proc_guid, e->image, e->cmdline, e->user, e->integrity,
		e->parent_guid, e->parent_image, e->parent_cmdline, e->target,
		e->details, e->proto, e->remote_ip, e->local_ip, e->sha256, e->sha1,
		e->md5, e->imphash, e->signature, e->original_file_name, e->company,
		e->description, e->product};
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
		if (s[i] != NULL)
			return 0;
	return e->extra == NULL;
}

static int fzl_al_empty(const struct ev_alert *a)
{
	return a->host == NULL && a->path == NULL && a->sha256 == NULL &&
	       a->detection == NULL && a->action == NULL;
}

static void fzl_check_event(const struct ev *e)
{
	FZ_CHECK((int)e->kind >= 0 && e->kind < EV_KIND_COUNT, "kind %d", (int)e->kind);
	FZ_CHECK(ev_kind_name(e->kind) != NULL, "kind without a name");
	FZ_CHECK(e->pid >= -1 && e->parent_pid >= -1, "pid %lld / parent %lld",
	         (long long)e->pid, (long long)e->parent_pid);
	FZ_CHECK(e->remote_port >= -1 && e->remote_port <= 65535, "remote port %lld",
	         (long long)e->remote_port);
	FZ_CHECK(e->local_port >= -1 && e->local_port <= 65535, "local port %lld",
	         (long long)e->local_port);
	FZ_CHECK(e->record_id >= -1, "record id %lld", (long long)e->record_id);
	FZ_CHECK(e->signed_ >= -1 && e->signed_ <= 1, "signed %d", e->signed_);
	FZ_CHECK(e->initiated >= -1 && e->initiated <= 1, "initiated %d", e->initiated);
	fzl_check_guid("proc_guid", e->proc_guid);
	fzl_check_guid("parent_guid", e->parent_guid);
	fzl_check_hash("sha256", e->sha256, 64);
	fzl_check_hash("sha1", e->sha1, 40);
	fzl_check_hash("md5", e->md5, 32);
	fzl_check_hash("imphash", e->imphash, 32);
	const char *const s[] = {
		e->host, e->image, e->cmdline, e->user, e->integrity, e->parent_image,
		e->parent_cmdline, e->target, e->details, e->proto, e->remote_ip,
		e->local_ip, e->signature, e->original_file_name, e->company,
		e->description, e->product};
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
		fzl_touch(s[i]);
	if (e->host != NULL)
		free(ev_host_key(e->host));
	if (e->extra != NULL) {
		FZ_CHECK(json_is_object(e->extra), "extra is not an object");
		char *d = json_dumps(e->extra, JSON_COMPACT);
		FZ_CHECK(d != NULL, "extra cannot be serialised");
		free(d);
	}
	char tb[40];
	ev_format_time(e->ts_us, tb, sizeof tb);
	FZ_CHECK(strlen(tb) < sizeof tb, "time");
}

static void fzl_check_alert(const struct ev_alert *a)
{
	FZ_CHECK(a->host != NULL && a->path != NULL, "alert without host or path");
	fzl_check_hash("alert sha256", a->sha256, 64);
	if (a->sha256 != NULL)
		FZ_CHECK(strlen(a->sha256) == 64, "alert sha256 length %zu", strlen(a->sha256));
	FZ_CHECK(a->action == NULL || strcmp(a->action, "blocked") == 0 ||
	         strcmp(a->action, "allowed") == 0, "alert action \"%s\"", a->action);
	fzl_touch(a->host);
	fzl_touch(a->path);
	fzl_touch(a->detection);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fz_copy(data, size);
	struct ev ev;
	struct ev_alert al;
	char err[512];
	ev_init(&ev);
	memset(&al, 0, sizeof al);
	enum ll_result r = ll_parse(line, size, &ev, &al, err, sizeof err);
	FZ_CHECK(r == LL_EVENT || r == LL_ALERT || r == LL_SKIP || r == LL_ERROR,
	         "result %d", (int)r);
	fzl_check_reason(err, sizeof err);
	if (r == LL_ERROR)
		FZ_CHECK(err[0] != '\0', "error without a reason");
	if (r != LL_EVENT)
		FZ_CHECK(fzl_ev_empty(&ev), "event left filled after result %d", (int)r);
	if (r != LL_ALERT)
		FZ_CHECK(fzl_al_empty(&al), "alert left filled after result %d", (int)r);
	if (r == LL_EVENT)
		fzl_check_event(&ev);
	if (r == LL_ALERT)
		fzl_check_alert(&al);

	/* Again with a small reason buffer (sizes 1..16) and no buffer: the
	 * same answer, a terminated and printable (possibly shortened)
	 * reason. */
	size_t small = 1 + (size > 0 ? data[0] % 16 : 0);
	char *err2 = malloc(small);
	FZ_CHECK(err2 != NULL, "out of memory");
	struct ev ev2;
	struct ev_alert al2;
	ev_init(&ev2);
	memset(&al2, 0, sizeof al2);
	enum ll_result r2 = ll_parse(line, size, &ev2, &al2, err2, small);
	FZ_CHECK(r2 == r, "second parse gave %d, first %d", (int)r2, (int)r);
	fzl_check_reason(err2, small);
	if (r == LL_EVENT)
		FZ_CHECK(ev2.kind == ev.kind && ev2.ts_us == ev.ts_us && ev2.pid == ev.pid,
		         "the second parse differs");
	ev_clear(&ev2);
	ev_alert_clear(&al2);
	ev_init(&ev2);
	memset(&al2, 0, sizeof al2);
	FZ_CHECK(ll_parse(line, size, &ev2, &al2, NULL, 0) == r, "err NULL changes the result");
	ev_clear(&ev2);
	ev_alert_clear(&al2);
	free(err2);

	(void)ll_dedup_key(line, size);
	ev_clear(&ev);
	ev_alert_clear(&al);
	free(line);
	return 0;
}
