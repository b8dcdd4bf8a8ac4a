/* test_monthly.c - the monthly report (SPEC R-25) over a seeded month.
 *
 * October 2026 is seeded through the real API: itrace-cmdd runs with its
 * clock injected (ITRACE_FAKE_NOW) on 30 September 23:50 JST, 1 October
 * 00:30 JST, 14 October 10:00 JST and 2 November; endpoints post alerts,
 * an analyst claims, judges and publishes. The daemon's uptime records
 * for October are written with one known gap (2 h 30 min). Then:
 *   - `itrace-tui report monthly` prints the right counts in Markdown and
 *     in HTML, in English and in Japanese (section names of the service
 *     description), with the hostile path and host name neutralised;
 *     (the gray alert got no answer: the 2 November daemon closed it as
 *     white, R-19, and the report says so);
 *   - the daemon publishes the report: not on 6 November while
 *     alerts of October are still open, but on 9 November (the 5th
 *     business day) when its business hours open; a tenant with nothing
 *     open gets it at once; exactly once with two daemons running, stored
 *     as kind monthly with its 13-month retention, audited, mail
 *     queued to the contacts; and not while another holder has the jobs'
 *     advisory lock;
 *   - the published report keeps its HTML beside the Markdown (same model:
 *     sections, <svg> chart, counts, every endpoint string escaped, the
 *     hostile ones included); a daemon with --smtp mails it to a real SMTP
 *     sink (tests/lib/smtp_sink.py) as multipart/alternative whose text/plain
 *     and text/html parts decode to exactly the stored Markdown and HTML,
 *     while the quick-report mails stay text/plain; GET /v1/reports/{id}
 *     returns the JSON, ?format=md the Markdown and ?format=html the HTML
 *     (text/html, nosniff, CSP), other tenants' callers refused;
 *   - a daemon down through two due dates catches up, oldest month first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "cmdd_helper.h"
#include "smtp_sink.h"
#include "th.h"

static struct {
	char *db;
	PGconn *pg;
	char *alice, *bob, *ws1, *ws2, *wb1;
	long acme, beta;
	long a1, a2, a3, a4, a5, a6, a_oct1, a_sep, a_nov, b1;
} W;

#define ADMIN(...) cmdd_admin_or_die(W.db, __VA_ARGS__, (const char *)NULL)

#define num(...) th_countf(W.pg, __VA_ARGS__)

static void sql(const char *q)
{
	PGresult *r = PQexec(W.pg, q);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", q, PQerrorMessage(W.pg));
	PQclear(r);
}

static json_t *call(const struct cmdd *d, const char *method, const char *path,
                    const char *token, const char *body, long want)
{
	struct cmdd_resp r;
	int rc = cmdd_http(d, method, path, token, NULL, body, body != NULL ? strlen(body) : 0, &r);
	if (rc != 0 || r.status != want)
		fail_msg("%s %s: status %ld, want %ld: %s", method, path, r.status, want, r.body);
	json_t *j = json_loads(r.body, 0, NULL);
	cmdd_resp_free(&r);
	return j != NULL ? j : json_null();
}

/* "/v1/alerts/ID/what" */
static const char *path_of(long id, const char *what)
{
	static char buf[4][96];
	static int slot;
	char *b = buf[slot++ % 4];
	snprintf(b, sizeof buf[0], "/v1/alerts/%ld/%s", id, what);
	return b;
}

/* An alert from an endpoint (JSON-escaped path); its id. */
static long post_alert(const struct cmdd *d, const char *token, char hashch, const char *path)
{
	static int n;
	char sha[65], body[1024];
	memset(sha, hashch, 64);
	sha[64] = '\0';
	snprintf(body, sizeof body,
	         "{\"detected_at\":\"2026-09-29T00:00:%02dZ\",\"path\":\"%s\",\"sha256\":\"%s\","
	         "\"detection\":\"Trojan:Win32/Test\",\"action\":\"blocked\"}", n++ % 60, path,
	         sha);
	json_t *j = call(d, "POST", "/v1/agent/alerts", token, body, 201);
	json_t *id = json_object_get(j, "id");
	if (id == NULL)
		id = json_object_get(json_object_get(j, "alert"), "id");
	long v = (long)json_integer_value(id);
	json_decref(j);
	assert_true(v > 0);
	return v;
}

static long version(long id)
{
	return num("SELECT version FROM alert WHERE id = %ld", id);
}

static void claim(const struct cmdd *d, long id)
{
	json_decref(call(d, "POST", path_of(id, "claim"), W.alice, NULL, 200));
}

static void verdict(const struct cmdd *d, long id, const char *phase, const char *v, int needs)
{
	char body[256];
	snprintf(body, sizeof body, "{\"phase\":\"%s\",\"verdict\":\"%s\",\"version\":%ld%s}",
	         phase, v, version(id), needs ? ",\"needs_explanatory\":true" : "");
	json_decref(call(d, "POST", path_of(id, "verdict"), W.alice, body, 200));
}

static void publish(const struct cmdd *d, long id, const char *kind)
{
	char body[128];
	snprintf(body, sizeof body, "{\"kind\":\"%s\",\"lang\":\"en\"}", kind);
	json_decref(call(d, "POST", path_of(id, "reports"), W.alice, body, 201));
}

/* A daemon on the injected clock; smtp: its --smtp URL, or NULL. */
static void start_smtp(struct cmdd *d, const char *fake_now, const char *interval,
                       const char *smtp)
{
	static char env[8][64];
	static int slot;
	char *e = env[slot++ % 8];
	snprintf(e, sizeof env[0], "ITRACE_FAKE_NOW=%s", fake_now);
	char *envp[] = {e, NULL};
	const char *args[] = {"--job-interval", interval, "--threads", "2",
	                      smtp != NULL ? "--smtp" : NULL, smtp, NULL};
	if (cmdd_start(d, W.db, args, envp) != 0)
		fail_msg("cannot start itrace-cmdd at %s", fake_now);
}

static void start(struct cmdd *d, const char *fake_now, const char *interval)
{
	start_smtp(d, fake_now, interval, NULL);
}

/* Stop a daemon; it must exit cleanly (its log is shown when not). */
static void stop(struct cmdd *d)
{
	int st = cmdd_stop(d);
	if (st == 0)
		return;
	FILE *f = fopen(d->log, "r");
	char line[1024];
	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		fputs(line, stderr);
	if (f != NULL)
		fclose(f);
	fail_msg("itrace-cmdd exit status %d", st);
}

#define HOSTILE_PATH "C:\\\\Users\\\\u\\\\<script>alert(1)</script>\\u001b[2J|x.exe"

static int setup(void **state)
{
	(void)state;
	W.db = th_db_new_migrated();
	if (W.db == NULL)
		return -1;
	W.pg = th_connect(W.db);
	free(ADMIN("tenant", "add", "acme", "--contact", "soc@acme.example", "--service-start",
	           "2025-01-01"));
	free(ADMIN("tenant", "add", "beta", "--contact", "sec@beta.example", "--service-start",
	           "2025-01-01"));
	W.acme = num("SELECT id FROM tenant WHERE name = 'acme'");
	W.beta = num("SELECT id FROM tenant WHERE name = 'beta'");
	W.alice = ADMIN("token", "add", "--analyst", "alice", "--role", "analyst");
	W.bob = ADMIN("token", "add", "--analyst", "bob", "--role", "viewer", "--tenant", "beta");
	W.ws1 = ADMIN("token", "add", "--endpoint", "ws1", "--tenant", "acme");
	W.ws2 = ADMIN("token", "add", "--endpoint", "ws2", "--tenant", "acme");
	W.wb1 = ADMIN("token", "add", "--endpoint", "wb1", "--tenant", "beta");

	struct cmdd d;
	/* 30 September 23:50 JST: September. */
	start(&d, "2026-09-30T14:50:00Z", "600");
	W.a_sep = post_alert(&d, W.ws1, '9', "C:\\\\x\\\\september.exe");
	stop(&d);
	/* 1 October 00:30 JST (still 30 September in UTC): October. */
	start(&d, "2026-09-30T15:30:00Z", "600");
	W.a_oct1 = post_alert(&d, W.ws1, '1', "C:\\\\x\\\\first-of-october.exe");
	stop(&d);
	/* Wednesday 14 October 10:00 JST, business hours. */
	start(&d, "2026-10-14T01:00:00Z", "600");
	W.a1 = post_alert(&d, W.ws1, 'a', "C:\\\\x\\\\black.exe");
	claim(&d, W.a1);
	verdict(&d, W.a1, "quick", "black", 0);
	publish(&d, W.a1, "quick");
	W.a2 = post_alert(&d, W.ws1, 'b', "C:\\\\x\\\\gray.exe");
	claim(&d, W.a2);
	verdict(&d, W.a2, "quick", "gray", 0);
	publish(&d, W.a2, "quick");
	verdict(&d, W.a2, "explanatory", "gray", 0);
	publish(&d, W.a2, "explanatory");          /* awaiting the answer */
	W.a3 = post_alert(&d, W.ws2, 'c', "C:\\\\x\\\\white.exe");
	claim(&d, W.a3);
	verdict(&d, W.a3, "quick", "white", 0);
	publish(&d, W.a3, "quick");
	W.a4 = post_alert(&d, W.ws2, 'd', HOSTILE_PATH);   /* left new: open */
	W.a5 = post_alert(&d, W.ws1, 'a', "C:\\\\x\\\\black.exe");  /* */
	W.a6 = post_alert(&d, W.ws2, 'e', "C:\\\\x\\\\changed.exe");
	claim(&d, W.a6);
	verdict(&d, W.a6, "quick", "black", 1);
	publish(&d, W.a6, "quick");
	verdict(&d, W.a6, "explanatory", "white", 0);
	publish(&d, W.a6, "explanatory");
	W.b1 = post_alert(&d, W.wb1, 'f', "C:\\\\x\\\\beta-only.exe");
	claim(&d, W.b1);
	verdict(&d, W.b1, "quick", "black", 0);
	publish(&d, W.b1, "quick");
	/* The endpoint reports an error; its host name turns hostile. */
	json_decref(call(&d, "POST", "/v1/agent/heartbeat", W.ws2,
	                 "{\"client_version\":\"2.0.1\",\"errors\":[\"disk \\u001b]0;pwn\\u0007 full <b>\"]}",
	                 200));
	stop(&d);
	/* 2 November: November. */
	start(&d, "2026-11-02T01:00:00Z", "600");
	W.a_nov = post_alert(&d, W.ws1, '2', "C:\\\\x\\\\november.exe");
	stop(&d);
	sql("UPDATE endpoint SET hostname = 'ws2<img src=x onerror=alert(1)>' WHERE name = 'ws2'");
	/* An attribute breakout in another endpoint string (table 2). */
	sql("UPDATE endpoint SET client_version = '9.9\"><img src=x onerror=alert(2)>'"
	    " WHERE name = 'ws1'");
	/* Registered long before October (the tokens were made today). */
	sql("UPDATE endpoint SET created_at = '2026-01-01T00:00:00Z'");
	/* October's uptime: one gap, 10 October 12:00-14:30 JST (the seeding
	 * daemons' own runs lie inside the covered time). */
	sql("INSERT INTO service_run (host, pid, started_at, last_beat, stopped_at) VALUES"
	    " ('h1', 1, '2026-09-01T00:00:00Z', '2026-10-10T03:00:00Z', '2026-10-10T03:00:00Z'),"
	    " ('h1', 2, '2026-10-10T05:30:00Z', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z'),"
	    " ('h2', 3, '2026-10-20T00:00:00Z', '2026-10-21T00:00:00Z', NULL)");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	PQfinish(W.pg);
	th_db_drop(W.db);
	free(W.alice), free(W.bob), free(W.ws1), free(W.ws2), free(W.wb1);
	return 0;
}

/* `itrace-tui report monthly ...`; its stdout (owned). */
static char *report(const char *tenant, const char *month, const char *format, const char *lang,
                    int want_status)
{
	const char *argv[] = {th_bin("itrace-tui"), "report", "monthly", "--db", W.db, "--tenant",
	                      tenant, "--month", month, "--format", format, "--lang", lang, NULL};
	struct th_out o;
	th_run(&o, NULL, NULL, argv);
	if (o.status != want_status)
		fail_msg("report monthly: status %d, want %d: %s", o.status, want_status, o.err);
	char *out = o.out;
	o.out = NULL;
	th_out_free(&o);
	return out;
}

/* Rows of the reports-per-alert table: "| time | id | ...". */
static int alert_rows(const char *md)
{
	int n = 0;
	for (const char *l = md; l != NULL && *l != '\0'; l = strchr(l, '\n'), l = l ? l + 1 : l) {
		long id;
		char ch;
		if (sscanf(l, "| %*d-%*d-%*d %*d:%*d | %ld %c", &id, &ch) == 2 && ch == '|')
			n++;
	}
	return n;
}

static void must(const char *text, const char *s)
{
	if (strstr(text, s) == NULL)
		fail_msg("missing: %s", s);
}

static void must_not(const char *text, const char *s)
{
	if (strstr(text, s) != NULL)
		fail_msg("should not be there: %s", s);
}

static void test_cli_markdown(void **state)
{
	(void)state;
	/* The seed is what the test thinks it is. */
	assert_int_equal(num("SELECT count(*) FROM alert WHERE id = %ld AND state = 'duplicate'",
	                     W.a5), 1);
	/* The gray one got no answer: the 2 November daemon's jobs closed it
	 * as white. */
	assert_int_equal(num("SELECT count(*) FROM alert WHERE id = %ld AND state = 'closed'"
	                     " AND explain_verdict = 'white'", W.a2), 1);
	char *md = report("acme", "2026-10", "md", "en", 0);
	must(md, "# Monthly report: acme, 2026-10");
	must(md, "| Alerts received | 7 |");
	must(md, "| Quick reports published | 4 |");
	must(md, "| Explanatory reports published | 2 |");
	must(md, "| black | 1 | 16.7% |");
	must(md, "| gray | 0 | 0.0% |");
	must(md, "| white | 3 | 50.0% |");
	must(md, "| pending | 2 | 33.3% |");
	must(md, "| Total | 6 | 100.0% |");
	must(md, "duplicates (R-12) 1");
	must(md, "| Managed-service downtime | 2 h 30 min (availability 99.664%) |");
	must(md, "| 2026-10-10 12:00 | 2026-10-10 14:30 | 2 h 30 min |");
	must(md, "| Registered | 2 |");
	must(md, "| Reporting an error | 1 |");
	must(md, "| Total | 7 | 1 | 0 | 3 | 2 |");          /* table 1 */
	must(md, "| 2026-10-01 | 1 | 0 | 0 | 0 | 1 |");
	must(md, "| 2026-10-14 | 6 | 1 | 0 | 3 | 1 |");
	must(md, "1 gray alerts got no answer within 3 business days and were handled as white"
	     " (R-19).");
	char row[160];
	snprintf(row, sizeof row, "| %ld | ws2\\<img src=x onerror=alert(1)\\> | C:\\x\\changed.exe"
	         " | white (quick: black) | quick, explanatory |", W.a6);
	must(md, row);
	snprintf(row, sizeof row, "| %ld | ws1 | C:\\x\\gray.exe | white (quick: gray) |"
	         " quick, explanatory |", W.a2);
	must(md, row);
	/* One row per judged alert: not the duplicate, nor other months or
	 * tenants. */
	assert_int_equal(alert_rows(md), 6);
	must(md, "first-of-october.exe");
	must_not(md, "september.exe");
	must_not(md, "november.exe");
	must_not(md, "beta-only.exe");
	/* Hostile strings: escaped, no raw control characters. */
	must(md, "C:\\Users\\u\\\\\\<script\\>alert(1)\\</script\\>\\e\\[2J\\|x.exe");
	must(md, "disk \\e\\]0;pwn\\x07 full \\<b\\>");
	for (const char *q = md; *q != '\0'; q++)
		if ((unsigned char)*q < 0x20 && *q != '\n')
			fail_msg("control character 0x%02x", (unsigned char)*q);
	/* The chart: the 1st and the 14th have alerts. */
	must(md, "Alerts per day (most: 6 = █)\n▂            █                 \n");
	free(md);
}

static void test_cli_html_ja(void **state)
{
	(void)state;
	char *h = report("acme", "2026-10", "html", "ja", 0);
	must(h, "<!DOCTYPE html>");
	must(h, "<h2>1 ヶ月のエグゼクティブ・サマリー</h2>");
	must(h, "<h3>① 当月のサービスサマリー</h3>");
	must(h, "<h3>③ 検知アラート月次推移分析</h3>");
	must(h, "<h2>1 ヶ月のサービス稼働状況</h2>");
	must(h, "<h3>③ マネージドサービス停止時間</h3>");
	must(h, "<h2>別紙と用語</h2>");
	must(h, "<h3>② 用語の解説</h3>");
	must(h, "<td class=\"v-black\">ブラック</td><td class=\"n\">1</td>");
	must(h, "<td class=\"v-gray\">グレー</td><td class=\"n\">0</td>");
	must(h, "<td class=\"v-white\">ホワイト</td><td class=\"n\">3</td>");
	must(h, "<td class=\"v-pending\">判定待ち</td><td class=\"n\">2</td>");
	must(h, "<tr><td>受信した検知アラート</td><td>7</td></tr>");
	must(h, "<title>2026-10-14: 6</title>");
	assert_int_equal(th_count_str(h, "<rect class=\"bar\""), 2);
	must(h, "&lt;script&gt;alert(1)&lt;/script&gt;");
	must(h, "ws2&lt;img src=x onerror=alert(1)&gt;");
	must_not(h, "<script");
	must_not(h, "<img");
	must_not(h, "\x1b");
	free(h);
	/* Beta's month is beta's alone. */
	char *md = report("beta", "2026-10", "md", "ja", 0);
	must(md, "| 受信した検知アラート | 1 |");
	must(md, "| ブラック | 1 | 100.0% |");
	must(md, "beta-only.exe");
	must_not(md, "black.exe");
	free(md);
	/* Usage errors and a missing tenant. */
	free(report("nobody", "2026-10", "md", "en", 1));
	free(report("acme", "2026-13", "md", "en", 2));
	free(report("acme", "2026-10", "pdf", "en", 2));
}

static long monthly_reports(long tenant)
{
	return num("SELECT count(*) FROM report WHERE tenant_id = %ld AND kind = 'monthly'"
	           " AND period = '2026-10-01'", tenant);
}

static long wait_reports(long tenant, long want, int ms)
{
	long v = -1;
	for (int i = 0; i < ms / 50; i++) {
		if ((v = monthly_reports(tenant)) == want)
			break;
		usleep(50000);
	}
	return v;
}

static void test_daemon_publishes(void **state)
{
	(void)state;
	/* The tenants exist from 1 October 01:00 JST: October is owed,
	 * September (ended before) is not. */
	sql("UPDATE tenant SET created_at = '2026-09-30T16:00:00Z'");
	struct cmdd d1, d2;
	/* Friday 6 November 10:00 JST, the 4th business day (3rd: Culture
	 * Day): acme still has open alerts of October, beta has none. */
	start(&d1, "2026-11-06T01:00:00Z", "0.1");
	assert_int_equal(wait_reports(W.beta, 1, 10000), 1);
	usleep(600000);
	assert_int_equal(monthly_reports(W.acme), 0);
	stop(&d1);
	/* Monday 9 November 09:30 JST: the 5th business day is open. But
	 * while someone else holds the jobs' advisory lock nothing runs. */
	sql("SELECT pg_advisory_lock(1769239139, 1)");
	start(&d1, "2026-11-09T00:30:00Z", "0.1");
	start(&d2, "2026-11-09T00:30:00Z", "0.1");
	usleep(800000);
	assert_int_equal(monthly_reports(W.acme), 0);
	sql("SELECT pg_advisory_unlock(1769239139, 1)");
	assert_int_equal(wait_reports(W.acme, 1, 10000), 1);
	usleep(600000);                 /* more passes of both daemons */
	stop(&d1);
	stop(&d2);
	/* Once more after a restart: still exactly one. */
	start(&d1, "2026-11-09T02:00:00Z", "0.1");
	usleep(600000);
	stop(&d1);
	assert_int_equal(monthly_reports(W.acme), 1);
	assert_int_equal(monthly_reports(W.beta), 1);
	/* September ended before the tenants existed: no report owed. */
	assert_int_equal(num("SELECT count(*) FROM report WHERE kind = 'monthly'"
	                     " AND period = '2026-09-01'"), 0);
	long id = num("SELECT id FROM report WHERE tenant_id = %ld AND kind = 'monthly'", W.acme);
	assert_int_equal(num("SELECT count(*) FROM report WHERE id = %ld AND lang = 'ja'"
	                     " AND author = 'system' AND verdict IS NULL"
	                     " AND published_at >= '2026-11-09T00:30:00Z'"
	                     " AND published_at < '2026-11-09T00:31:00Z'"
	                     " AND (purge_after AT TIME ZONE 'Asia/Tokyo')::date = '2027-12-09'",
	                     id), 1);
	char q[256];
	snprintf(q, sizeof q, "SELECT body FROM report WHERE id = %ld", id);
	char *body = th_scalar(W.pg, q);
	assert_non_null(body);
	must(body, "# 月次レポート: acme 2026年10月");
	must(body, "## 1 ヶ月のエグゼクティブ・サマリー");
	must(body, "| ブラック | 1 | 16.7% |");
	must(body, "| ホワイト | 3 | 50.0% |");
	must(body, "| 判定待ち | 2 | 33.3% |");
	must(body, "| 受信した検知アラート | 7 |");
	must(body, "作成日時: 2026-11-09 09:30");
	free(body);
	/* Audited and mailed, once per tenant. */
	assert_int_equal(num("SELECT count(*) FROM audit WHERE action = 'report.publish'"
	                     " AND rule = 'R-25' AND object = 'report:%ld'", id), 1);
	assert_int_equal(num("SELECT count(*) FROM outbox WHERE report_id = %ld"
	                     " AND recipients = '{soc@acme.example}'"
	                     " AND subject = '[InfoTrace] 月次レポート 2026年10月: acme'"
	                     " AND body LIKE '%%1 ヶ月のサービス稼働状況%%'", id), 1);
	assert_int_equal(num("SELECT count(*) FROM outbox o JOIN report r ON r.id = o.report_id"
	                     " WHERE r.kind = 'monthly'"), 2);
	assert_int_equal(num("SELECT count(*) FROM audit WHERE action = 'mail.queue'"
	                     " AND rule = 'R-25'"), 2);
	/* The database refuses a second monthly report of the same month. */
	char ins[256];
	snprintf(ins, sizeof ins, "INSERT INTO report (tenant_id, kind, body, period)"
	         " VALUES (%ld, 'monthly', 'x', '2026-10-01')", W.acme);
	PGresult *r = PQexec(W.pg, ins);
	assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
	assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "23505");
	PQclear(r);
}

/* GET path with a token: the status, the body (owned) and the Content-Type
 * and Content-Security-Policy headers (owned, "" when absent). */
struct got {
	long status;
	char *body, ctype[128], csp[256], nosniff[64];
	size_t len;
};

static size_t got_body(char *p, size_t size, size_t n, void *ud)
{
	struct got *g = ud;
	char *nb = realloc(g->body, g->len + size * n + 1);
	if (nb == NULL)
		return 0;
	memcpy(nb + g->len, p, size * n);
	g->len += size * n;
	nb[g->len] = '\0';
	g->body = nb;
	return size * n;
}

static void header_value(const char *line, size_t n, const char *name, char *out, size_t cap)
{
	size_t l = strlen(name);
	if (n <= l + 1 || strncasecmp(line, name, l) != 0 || line[l] != ':')
		return;
	const char *v = line + l + 1;
	while (*v == ' ')
		v++;
	size_t vl = n - (size_t)(v - line);
	while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
		vl--;
	snprintf(out, cap, "%.*s", (int)vl, v);
}

static size_t got_header(char *p, size_t size, size_t n, void *ud)
{
	struct got *g = ud;
	header_value(p, size * n, "Content-Type", g->ctype, sizeof g->ctype);
	header_value(p, size * n, "Content-Security-Policy", g->csp, sizeof g->csp);
	header_value(p, size * n, "X-Content-Type-Options", g->nosniff, sizeof g->nosniff);
	return size * n;
}

static void get(const struct cmdd *d, const char *path, const char *token, struct got *g)
{
	memset(g, 0, sizeof *g);
	g->body = calloc(1, 1);
	CURL *c = curl_easy_init();
	char url[512], auth[256];
	snprintf(url, sizeof url, "%s%s", d->url, path);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	struct curl_slist *h = curl_slist_append(NULL, auth);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, got_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, g);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, got_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, g);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &g->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

static char *report_col(long id, const char *col)
{
	char q[160];
	snprintf(q, sizeof q, "SELECT %s FROM report WHERE id = %ld", col, id);
	char *v = th_scalar(W.pg, q);
	if (v == NULL)
		fail_msg("report %ld: no %s", id, col);
	return v;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v != NULL ? v : "(missing)";
}

/* the HTML stored with the Markdown, mailed as multipart/alternative,
 * served by the API; every endpoint string escaped in it. */
static void test_daemon_html_mail_api(void **state)
{
	(void)state;
	long id = num("SELECT id FROM report WHERE tenant_id = %ld AND kind = 'monthly'"
	              " AND period = '2026-10-01'", W.acme);
	assert_true(id > 0);
	char *md = report_col(id, "body"), *html = report_col(id, "html");
	/* The document: sections of the service description, the chart,
	 * the counts of the same snapshot as the Markdown. */
	must(html, "<!DOCTYPE html>\n<html lang=\"ja\">");
	must(html, "<h1>月次レポート: acme 2026年10月</h1>");
	must(html, "<h2>1 ヶ月のエグゼクティブ・サマリー</h2>");
	must(html, "<h2>1 ヶ月のサービス稼働状況</h2>");
	must(html, "<h2>別紙と用語</h2>");
	must(html, "<svg class=\"chart\"");
	must(html, "<title>2026-10-14: 6</title>");
	assert_int_equal(th_count_str(html, "<rect class=\"bar\""), 2);
	must(html, "<tr><td>受信した検知アラート</td><td>7</td></tr>");
	must(html, "<td class=\"v-black\">ブラック</td><td class=\"n\">1</td>");
	must(html, "<td class=\"v-white\">ホワイト</td><td class=\"n\">3</td>");
	must(html, "<td class=\"v-pending\">判定待ち</td><td class=\"n\">2</td>");
	must(html, "作成日時: 2026-11-09 09:30");
	must(md, "作成日時: 2026-11-09 09:30");
	must(md, "| 受信した検知アラート | 7 |");
	/* Hostile endpoint strings: escaped, never markup. */
	must(html, "&lt;script&gt;alert(1)&lt;/script&gt;");
	must(html, "ws2&lt;img src=x onerror=alert(1)&gt;");
	must(html, "9.9&quot;&gt;&lt;img src=x onerror=alert(2)&gt;");
	must(html, "disk \\e]0;pwn\\x07 full &lt;b&gt;");
	must_not(html, "<script");
	must_not(html, "<img");
	must_not(html, "9.9\"");
	must_not(html, "<b>");
	for (const char *q = html; *q != '\0'; q++)
		if ((unsigned char)*q < 0x20 && *q != '\n')
			fail_msg("control character 0x%02x in the HTML", (unsigned char)*q);
	/* Every monthly report has both forms, its mail the same two. */
	assert_int_equal(num("SELECT count(*) FROM report WHERE kind = 'monthly'"
	                     " AND (html IS NULL OR html NOT LIKE '<!DOCTYPE html>%%')"), 0);
	assert_int_equal(num("SELECT count(*) FROM outbox o JOIN report r ON r.id = o.report_id"
	                     " WHERE r.kind = 'monthly' AND o.body = r.body AND o.html = r.html"), 2);
	assert_int_equal(num("SELECT count(*) FROM report WHERE kind <> 'monthly'"
	                     " AND html IS NOT NULL"), 0);
	/* The audit row of the publication carries neither text. */
	assert_int_equal(num("SELECT count(*) FROM audit WHERE object = 'report:%ld'"
	                     " AND action = 'report.publish' AND NOT (after ? 'body')"
	                     " AND NOT (after ? 'html') AND after->>'kind' = 'monthly'", id), 1);

	/* A daemon with --smtp sends the outbox to a real SMTP server. */
	if (!smtp_sink_usable())
		fail_msg("python3-aiosmtpd is needed for the mail part (tests/lib/deps.sh)");
	struct smtp_sink sk;
	assert_int_equal(smtp_sink_start(&sk, 0, NULL), 0);
	char url[64];
	struct cmdd d;
	start_smtp(&d, "2026-11-09T03:00:00Z", "0.1", smtp_sink_url(&sk, url, sizeof url));
	long queued = num("SELECT count(*) FROM outbox");
	long sent = 0;
	for (int i = 0; i < 200 && sent < queued; i++) {
		usleep(50000);
		sent = num("SELECT count(*) FROM outbox WHERE state = 'sent'");
	}
	assert_int_equal(sent, queued);

	/* The API, on the same daemon. */
	char path[96];
	struct got g;
	snprintf(path, sizeof path, "/v1/reports/%ld?format=html", id);
	get(&d, path, W.alice, &g);
	assert_int_equal(g.status, 200);
	assert_string_equal(g.ctype, "text/html; charset=utf-8");
	assert_string_equal(g.csp, "default-src 'none'; style-src 'unsafe-inline'");
	assert_string_equal(g.nosniff, "nosniff");
	assert_string_equal(g.body, html);
	free(g.body);
	snprintf(path, sizeof path, "/v1/reports/%ld?format=md", id);
	get(&d, path, W.alice, &g);
	assert_int_equal(g.status, 200);
	assert_string_equal(g.ctype, "text/markdown; charset=utf-8");
	assert_string_equal(g.body, md);
	free(g.body);
	snprintf(path, sizeof path, "/v1/reports/%ld", id);
	get(&d, path, W.alice, &g);
	assert_int_equal(g.status, 200);
	assert_string_equal(g.ctype, "application/json");
	json_t *j = json_loads(g.body, 0, NULL);
	free(g.body);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "id")), id);
	assert_int_equal(json_integer_value(json_object_get(j, "tenant")), W.acme);
	assert_string_equal(jstr(j, "kind"), "monthly");
	assert_string_equal(jstr(j, "lang"), "ja");
	assert_string_equal(jstr(j, "period"), "2026-10-01");
	assert_string_equal(jstr(j, "author"), "system");
	assert_string_equal(jstr(j, "body"), md);
	json_t *f = json_object_get(j, "formats");
	assert_int_equal(json_array_size(f), 2);
	assert_string_equal(json_string_value(json_array_get(f, 1)), "html");
	assert_null(json_object_get(j, "html"));
	json_decref(j);
	/* Another tenant's caller, a bad format, a quick report (no HTML),
	 * no such report. */
	snprintf(path, sizeof path, "/v1/reports/%ld?format=html", id);
	get(&d, path, W.bob, &g);
	assert_int_equal(g.status, 403);
	must_not(g.body, "<html");
	free(g.body);
	snprintf(path, sizeof path, "/v1/reports/%ld?format=pdf", id);
	get(&d, path, W.alice, &g);
	assert_int_equal(g.status, 400);
	must(g.body, "\"bad_field\"");
	free(g.body);
	long quick = num("SELECT min(id) FROM report WHERE kind = 'quick' AND tenant_id = %ld",
	                 W.acme);
	snprintf(path, sizeof path, "/v1/reports/%ld?format=html", quick);
	get(&d, path, W.alice, &g);
	assert_int_equal(g.status, 404);
	assert_string_equal(g.ctype, "application/json");
	free(g.body);
	snprintf(path, sizeof path, "/v1/reports/%ld", quick);
	get(&d, path, W.alice, &g);
	assert_int_equal(g.status, 200);
	j = json_loads(g.body, 0, NULL);
	free(g.body);
	assert_int_equal(json_array_size(json_object_get(j, "formats")), 1);
	json_decref(j);
	get(&d, "/v1/reports/999999?format=html", W.alice, &g);
	assert_int_equal(g.status, 404);
	free(g.body);
	stop(&d);
	smtp_sink_stop(&sk);

	/* The monthly mail: multipart/alternative, both parts exactly the
	 * stored texts; the quick-report mails unchanged (text/plain). */
	assert_int_equal(smtp_sink_count(&sk), queued);
	int monthly = 0, plain = 0;
	for (int i = 1; i <= smtp_sink_count(&sk); i++) {
		json_t *m = smtp_sink_msg(&sk, i);
		assert_non_null(m);
		assert_null(json_object_get(m, "error"));
		assert_int_equal(json_integer_value(json_object_get(m, "defects")), 0);
		assert_true(json_integer_value(json_object_get(m, "max_line")) <= 998);
		const char *subj = jstr(m, "subject");
		if (strcmp(subj, "[InfoTrace] 月次レポート 2026年10月: acme") == 0) {
			monthly++;
			assert_string_equal(jstr(m, "ctype"), "multipart/alternative");
			assert_string_equal(json_string_value(json_array_get(json_object_get(m, "rcpt_tos"), 0)),
			                    "soc@acme.example");
			json_t *parts = json_object_get(m, "parts");
			assert_int_equal(json_array_size(parts), 2);
			json_t *t = json_array_get(parts, 0), *h = json_array_get(parts, 1);
			assert_string_equal(jstr(t, "ctype"), "text/plain");
			assert_string_equal(jstr(t, "charset"), "utf-8");
			assert_string_equal(jstr(t, "body"), md);
			assert_string_equal(jstr(h, "ctype"), "text/html");
			assert_string_equal(jstr(h, "charset"), "utf-8");
			assert_string_equal(jstr(h, "body"), html);
			must_not(jstr(h, "body"), "<img");
			must_not(jstr(h, "body"), "<script");
			must(jstr(m, "raw"), "Subject: =?UTF-8?B?");
		} else if (strstr(subj, "速報レポート") != NULL) {
			plain++;
			assert_string_equal(jstr(m, "ctype"), "text/plain");
			assert_int_equal(json_array_size(json_object_get(m, "parts")), 0);
		}
		json_decref(m);
	}
	assert_int_equal(monthly, 1);
	assert_true(plain >= 1);
	free(md);
	free(html);
}

/* A daemon down through the next due dates catches up with the two
 * months before its today, oldest first, each once. */
static void test_daemon_catches_up(void **state)
{
	(void)state;
	struct cmdd d;
	/* Tuesday 12 January 2027 10:00 JST: November and December are owed. */
	start(&d, "2027-01-12T01:00:00Z", "0.1");
	long n = -1;
	for (int i = 0; i < 200 && n != 4; i++) {
		n = num("SELECT count(*) FROM report WHERE kind = 'monthly'"
		        " AND period IN ('2026-11-01', '2026-12-01')");
		usleep(50000);
	}
	usleep(400000);
	stop(&d);
	assert_int_equal(n, 4);
	assert_int_equal(num("SELECT count(*) FROM report WHERE kind = 'monthly'"
	                     " AND tenant_id = %ld", W.acme), 3);
	assert_int_equal(num("SELECT count(*) FROM report WHERE kind = 'monthly'"
	                     " AND tenant_id = %ld AND period = '2026-11-01'"
	                     " AND body LIKE '%%| 受信した検知アラート | 1 |%%'"
	                     " AND body LIKE '%%november.exe%%'", W.acme), 1);
	assert_int_equal(num("SELECT count(*) FROM report WHERE kind = 'monthly'"
	                     " AND tenant_id = %ld AND period = '2026-12-01'"
	                     " AND body LIKE '%%| 受信した検知アラート | 0 |%%'", W.acme), 1);
	/* November first. */
	assert_int_equal(num("SELECT count(*) FROM report a JOIN report b"
	                     " ON a.tenant_id = b.tenant_id WHERE a.kind = 'monthly'"
	                     " AND b.kind = 'monthly' AND a.period = '2026-11-01'"
	                     " AND b.period = '2026-12-01' AND a.id < b.id"), 2);
	assert_int_equal(num("SELECT count(*) FROM outbox o JOIN report r ON r.id = o.report_id"
	                     " WHERE r.kind = 'monthly'"), 6);
	/* Each with its HTML, mailed with it. */
	assert_int_equal(num("SELECT count(*) FROM report WHERE kind = 'monthly'"
	                     " AND period = '2026-11-01' AND html LIKE '%%november.exe%%'"
	                     " AND html LIKE '%%<svg class=\"chart\"%%'"), 1);
	assert_int_equal(num("SELECT count(*) FROM outbox o JOIN report r ON r.id = o.report_id"
	                     " WHERE r.kind = 'monthly' AND o.html = r.html AND r.html IS NOT NULL"), 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_markdown),
		cmocka_unit_test(test_cli_html_ja),
		cmocka_unit_test(test_daemon_publishes),
		cmocka_unit_test(test_daemon_html_mail_api),
		cmocka_unit_test(test_daemon_catches_up),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
