/* test_mail.c - the outbox sender (src/cmdd/mail.c) against a real SMTP
 * server (tests/lib/smtp_sink.py, Debian's python3-aiosmtpd) and a real
 * PostgreSQL: recipients, subject and body as received, RFC 2047 subjects,
 * base64 bodies, retries with backoff when the server is down or answers
 * 4xx, giving up on 5xx, header injection refused; a row with html (the
 * monthly report, R-25) as multipart/alternative whose parts decode to
 * exactly the stored texts.
 *
 * mail.c is part of the itrace-cmdd program, not of libitrace, so it is
 * compiled into this test directly. The messages are decoded with Python's
 * own email package, not with our code.
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "smtp_sink.h"
#include "th.h"
#include "cmdd/mail.c"

static char *conninfo;
static PGconn *db;
static int64_t tenant_id;

/* ---- the SMTP sink (tests/lib/smtp_sink.h) ---- */

struct sink {
	struct smtp_sink s;
	int port;
};

static int sink_start(struct sink *s, int port, const char *const *extra)
{
	int rc = smtp_sink_start(&s->s, port, extra);
	s->port = s->s.port;
	return rc;
}

static void sink_stop(struct sink *s)
{
	smtp_sink_stop(&s->s);
}

static int sink_count(const struct sink *s)
{
	return smtp_sink_count(&s->s);
}

/* Message i (1-based) as Python's email package read it (smtp_sink.h). */
static json_t *sink_msg(const struct sink *s, int i)
{
	return smtp_sink_msg(&s->s, i);
}

static const char *js(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s != NULL ? s : "(missing)";
}

/* A port nothing listens on (bound, then released). */
static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof a;
	bind(fd, (struct sockaddr *)&a, sizeof a);
	getsockname(fd, (struct sockaddr *)&a, &l);
	close(fd);
	return ntohs(a.sin_port);
}

/* ---- the database ---- */

static int64_t now_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* A queued row; html NULL: a text/plain mail, else multipart/alternative
 * (R-25, 013_report_html.sql). */
static int64_t outbox_add_html(const char *rcpts_json, const char *subject, const char *body,
                               const char *html)
{
	char tb[24];
	snprintf(tb, sizeof tb, "%lld", (long long)tenant_id);
	const char *p[5] = {tb, rcpts_json, subject, body, html};
	PGresult *r = PQexecParams(db,
		"INSERT INTO outbox (tenant_id, recipients, subject, body, html)"
		" SELECT $1::bigint, array(SELECT json_array_elements_text($2::json)), $3, $4, $5"
		" RETURNING id", 5, NULL, p, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	int64_t id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return id;
}

/* The row as JSON: state, attempts, last_error, and times as epoch us. */
static json_t *outbox_row(int64_t id)
{
	char sql[512];
	snprintf(sql, sizeof sql,
	         "SELECT json_build_object('state', state, 'attempts', attempts,"
	         " 'last_error', last_error,"
	         " 'next', (extract(epoch FROM next_attempt_at) * 1000000)::bigint,"
	         " 'sent', (extract(epoch FROM sent_at) * 1000000)::bigint)::text"
	         " FROM outbox WHERE id = %lld", (long long)id);
	char *s = th_scalar(db, sql);
	json_t *j = s != NULL ? json_loads(s, 0, NULL) : NULL;
	free(s);
	assert_non_null(j);
	return j;
}

static int64_t outbox_add(const char *rcpts_json, const char *subject, const char *body)
{
	return outbox_add_html(rcpts_json, subject, body, NULL);
}

static int64_t ji(json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

static void outbox_clear(void)
{
	PQclear(PQexec(db, "DELETE FROM outbox"));
}

static int setup(void **state)
{
	(void)state;
	if (!smtp_sink_usable())
		return -1;
	conninfo = th_db_new_migrated();
	if (conninfo == NULL)
		return -1;
	db = th_connect(conninfo);
	char *id = th_scalar(db, "INSERT INTO tenant (name, contacts) VALUES ('mailco',"
	                         " '{admin@example.jp}') RETURNING id");
	tenant_id = id != NULL ? strtoll(id, NULL, 10) : 0;
	free(id);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return tenant_id > 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	PQfinish(db);
	th_db_drop(conninfo);
	curl_global_cleanup();
	return 0;
}

static const char *smtp_url(int port)
{
	static char buf[64];
	snprintf(buf, sizeof buf, "smtp://127.0.0.1:%d", port);
	return buf;
}

/* ---- tests ---- */

static const char subject_ja[] =
	"【速報】ブラック判定: C:\\Users\\山田\\Downloads\\請求書.exe (WS-0042) – 隔離済み";
static const char body_ja[] =
	"速報レポート (Quick report)\n"
	"判定: ブラック\n"
	".a line that starts with a dot\n"
	"\n"
	"1. ファイルの生成経緯: chrome.exe が https://example.test/請求書.exe から保存\n";

static void test_utf8_message(void **state)
{
	(void)state;
	outbox_clear();
	struct sink s;
	assert_int_equal(sink_start(&s, 0, NULL), 0);
	int64_t id = outbox_add("[\"admin@example.jp\",\"sec.team@example.co.jp\"]", subject_ja, body_ja);
	struct mail_cfg cfg = {smtp_url(s.port), "SOC 運用チーム <soc@itrace.example>"};
	int64_t now = now_us();
	assert_int_equal(mail_outbox_run(db, &cfg, now), 1);
	sink_stop(&s);
	assert_int_equal(sink_count(&s), 1);

	json_t *m = sink_msg(&s, 1);
	assert_non_null(m);
	assert_string_equal(js(m, "mail_from"), "soc@itrace.example");
	json_t *rc = json_object_get(m, "rcpt_tos");
	assert_int_equal(json_array_size(rc), 2);
	assert_string_equal(json_string_value(json_array_get(rc, 0)), "admin@example.jp");
	assert_string_equal(json_string_value(json_array_get(rc, 1)), "sec.team@example.co.jp");
	assert_string_equal(js(m, "subject"), subject_ja);
	assert_string_equal(js(m, "from"), "SOC 運用チーム <soc@itrace.example>");
	assert_string_equal(js(m, "to"), "admin@example.jp, sec.team@example.co.jp");
	assert_string_equal(js(m, "ctype"), "text/plain");
	assert_string_equal(js(m, "charset"), "utf-8");
	assert_string_equal(js(m, "cte"), "base64");
	assert_int_equal(json_integer_value(json_object_get(m, "defects")), 0);
	/* The body as sent (CRLF on the wire, made LF again by the decoder). */
	assert_string_equal(js(m, "body"), body_ja);
	/* RFC 2047 words, folded, no raw 8-bit byte in any header. */
	const char *raw = js(m, "raw");
	const char *hdr_end = strstr(raw, "\r\n\r\n");
	assert_non_null(hdr_end);
	assert_non_null(strstr(raw, "Subject: =?UTF-8?B?"));
	for (const char *p = raw; p < hdr_end; p++)
		assert_true((unsigned char)*p < 0x80);
	for (const char *p = raw, *nl; p < hdr_end; p = nl + 2) {
		nl = strstr(p, "\r\n");
		assert_true(nl - p <= 78);
	}
	const char *want_hdrs[] = {"Date", "From", "To", "Subject", "Message-ID", "MIME-Version",
	                           "Content-Type", "Content-Transfer-Encoding", NULL};
	json_t *hs = json_object_get(m, "headers");
	for (size_t i = 0; want_hdrs[i] != NULL; i++) {
		bool found = false;
		for (size_t k = 0; k < json_array_size(hs); k++)
			found |= strcmp(json_string_value(json_array_get(hs, k)), want_hdrs[i]) == 0;
		if (!found)
			fail_msg("header %s missing", want_hdrs[i]);
	}
	json_decref(m);

	json_t *row = outbox_row(id);
	assert_string_equal(js(row, "state"), "sent");
	assert_int_equal(ji(row, "attempts"), 1);
	assert_true(json_is_null(json_object_get(row, "last_error")));
	assert_true(llabs(ji(row, "sent") - now) < 1000);
	json_decref(row);
	/* Nothing left to send. */
	assert_int_equal(mail_outbox_run(db, &cfg, now + 1000000), 0);
}

static void test_ascii_7bit(void **state)
{
	(void)state;
	outbox_clear();
	struct sink s;
	assert_int_equal(sink_start(&s, 0, NULL), 0);
	outbox_add("[\"admin@example.jp\"]", "Quick report: black, invoice.exe on WS-0042",
	           "Verdict: black\n.dot line\n..two dots\nend\n");
	struct mail_cfg cfg = {smtp_url(s.port), NULL};
	assert_int_equal(mail_outbox_run(db, &cfg, now_us()), 1);
	sink_stop(&s);
	json_t *m = sink_msg(&s, 1);
	assert_non_null(m);
	assert_string_equal(js(m, "subject"), "Quick report: black, invoice.exe on WS-0042");
	assert_non_null(strstr(js(m, "raw"), "\r\nSubject: Quick report: black, invoice.exe on WS-0042\r\n"));
	assert_string_equal(js(m, "cte"), "7bit");
	assert_string_equal(js(m, "mail_from"), "itrace-soc@localhost");
	assert_string_equal(js(m, "body"), "Verdict: black\n.dot line\n..two dots\nend\n");
	json_decref(m);
}

static void test_retry_when_server_down(void **state)
{
	(void)state;
	outbox_clear();
	int port = free_port();
	int64_t id = outbox_add("[\"admin@example.jp\"]", "retry me", "body\n");
	int64_t id2 = outbox_add("[\"admin@example.jp\"]", "second", "body 2\n");
	struct mail_cfg cfg = {smtp_url(port), "soc@itrace.example"};
	int64_t t0 = now_us();
	/* Down: one attempt recorded, the next one 30 s later; the pass stops
	 * at the first unreachable server, so the second row is untouched. */
	assert_int_equal(mail_outbox_run(db, &cfg, t0), 0);
	json_t *row = outbox_row(id);
	assert_string_equal(js(row, "state"), "queued");
	assert_int_equal(ji(row, "attempts"), 1);
	assert_non_null(strstr(js(row, "last_error"), "onnect"));
	assert_true(llabs(ji(row, "next") - (t0 + 30 * 1000000LL)) < 1000);
	json_decref(row);
	row = outbox_row(id2);
	assert_int_equal(ji(row, "attempts"), 0);
	json_decref(row);
	/* Still down for the second row. */
	assert_int_equal(mail_outbox_run(db, &cfg, t0 + 1000000), 0);
	/* Not due yet: nothing happens, even with the server back. */
	struct sink s;
	assert_int_equal(sink_start(&s, port, NULL), 0);
	row = outbox_row(id);
	assert_int_equal(ji(row, "attempts"), 1);
	json_decref(row);
	/* Due: both go out now (the second after its own 30 s). */
	assert_int_equal(mail_outbox_run(db, &cfg, t0 + 29 * 1000000LL), 0);
	assert_int_equal(mail_outbox_run(db, &cfg, t0 + 31 * 1000000LL), 2);
	sink_stop(&s);
	assert_int_equal(sink_count(&s), 2);
	row = outbox_row(id);
	assert_string_equal(js(row, "state"), "sent");
	assert_int_equal(ji(row, "attempts"), 2);
	assert_true(llabs(ji(row, "sent") - (t0 + 31 * 1000000LL)) < 1000);
	json_decref(row);
	json_t *m = sink_msg(&s, 1);
	assert_string_equal(js(m, "subject"), "retry me");
	json_decref(m);
}

static void test_backoff_on_4xx(void **state)
{
	(void)state;
	outbox_clear();
	struct sink s;
	assert_int_equal(sink_start(&s, 0, (const char *[]){"--tempfail", "2", NULL}), 0);
	int64_t id = outbox_add("[\"admin@example.jp\"]", "temp", "body\n");
	struct mail_cfg cfg = {smtp_url(s.port), "soc@itrace.example"};
	int64_t t = now_us();
	assert_int_equal(mail_outbox_run(db, &cfg, t), 0);
	json_t *row = outbox_row(id);
	assert_string_equal(js(row, "state"), "queued");
	assert_int_equal(ji(row, "attempts"), 1);
	assert_non_null(strstr(js(row, "last_error"), "451"));
	assert_true(llabs(ji(row, "next") - (t + 30 * 1000000LL)) < 1000);
	json_decref(row);
	t += 30 * 1000000LL;
	assert_int_equal(mail_outbox_run(db, &cfg, t), 0);
	row = outbox_row(id);
	assert_int_equal(ji(row, "attempts"), 2);
	assert_true(llabs(ji(row, "next") - (t + 60 * 1000000LL)) < 1000);
	json_decref(row);
	t += 60 * 1000000LL;
	assert_int_equal(mail_outbox_run(db, &cfg, t), 1);
	sink_stop(&s);
	row = outbox_row(id);
	assert_string_equal(js(row, "state"), "sent");
	assert_int_equal(ji(row, "attempts"), 3);
	json_decref(row);

	/* The last allowed attempt failing gives up. */
	outbox_clear();
	assert_int_equal(sink_start(&s, 0, (const char *[]){"--tempfail", "1", NULL}), 0);
	id = outbox_add("[\"admin@example.jp\"]", "tired", "body\n");
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE outbox SET attempts = 9 WHERE id = %lld", (long long)id);
	PQclear(PQexec(db, sql));
	cfg.smtp_url = smtp_url(s.port);
	assert_int_equal(mail_outbox_run(db, &cfg, now_us()), 0);
	sink_stop(&s);
	row = outbox_row(id);
	assert_string_equal(js(row, "state"), "failed");
	assert_int_equal(ji(row, "attempts"), 10);
	json_decref(row);
}

static void test_refusals(void **state)
{
	(void)state;
	outbox_clear();
	struct sink s;
	assert_int_equal(sink_start(&s, 0, (const char *[]){"--reject", "gone@example.jp", NULL}), 0);
	struct mail_cfg cfg = {smtp_url(s.port), "soc@itrace.example"};
	/* 5xx: failed at once. */
	int64_t a = outbox_add("[\"gone@example.jp\"]", "to nobody", "x\n");
	assert_int_equal(mail_outbox_run(db, &cfg, now_us()), 0);
	json_t *row = outbox_row(a);
	assert_string_equal(js(row, "state"), "failed");
	assert_int_equal(ji(row, "attempts"), 1);
	assert_non_null(strstr(js(row, "last_error"), "550"));
	json_decref(row);
	/* No valid recipient: failed without a connection. */
	int64_t b = outbox_add("[\"not an address\",\"x@example.jp>\\r\\nRCPT TO:<evil@example.com\"]",
	                       "bad", "x\n");
	assert_int_equal(mail_outbox_run(db, &cfg, now_us()), 0);
	row = outbox_row(b);
	assert_string_equal(js(row, "state"), "failed");
	assert_string_equal(js(row, "last_error"),
	                    "no valid recipient: recipient 1 is not a mail address; "
	                    "recipient 2 is not a mail address");
	json_decref(row);
	/* One good, one bad: sent to the good one, the bad one noted. */
	int64_t c = outbox_add("[\"admin@example.jp\",\"evil@example.com\\nBcc: x@y.z\"]",
	                       "Report\r\nBcc: evil@example.com\r\n\r\nforged body", "real body\n");
	assert_int_equal(mail_outbox_run(db, &cfg, now_us()), 1);
	sink_stop(&s);
	row = outbox_row(c);
	assert_string_equal(js(row, "state"), "sent");
	assert_string_equal(js(row, "last_error"), "recipient 2 is not a mail address");
	json_decref(row);
	assert_int_equal(sink_count(&s), 1);
	json_t *m = sink_msg(&s, 1);
	json_t *rc = json_object_get(m, "rcpt_tos");
	assert_int_equal(json_array_size(rc), 1);
	assert_string_equal(json_string_value(json_array_get(rc, 0)), "admin@example.jp");
	/* The CR LF in the subject did not start a header or the body. */
	json_t *hs = json_object_get(m, "headers");
	for (size_t i = 0; i < json_array_size(hs); i++)
		assert_string_not_equal(json_string_value(json_array_get(hs, i)), "Bcc");
	assert_string_equal(js(m, "body"), "real body\n");
	assert_string_equal(js(m, "subject"), "Report  Bcc: evil@example.com    forged body");
	json_decref(m);
}

static void test_no_smtp_and_lease(void **state)
{
	(void)state;
	outbox_clear();
	int64_t id = outbox_add("[\"admin@example.jp\"]", "waits", "x\n");
	struct mail_cfg none = {NULL, "soc@itrace.example"};
	assert_int_equal(mail_outbox_run(db, &none, now_us()), 0);
	json_t *row = outbox_row(id);
	assert_string_equal(js(row, "state"), "queued");
	assert_int_equal(ji(row, "attempts"), 0);
	json_decref(row);
	/* A sender that died while sending left the row 'sending'; once its
	 * lease is over the row goes out. */
	char sql[200];
	snprintf(sql, sizeof sql, "UPDATE outbox SET state = 'sending', next_attempt_at ="
	         " now() + interval '5 minutes' WHERE id = %lld", (long long)id);
	PQclear(PQexec(db, sql));
	struct sink s;
	assert_int_equal(sink_start(&s, 0, NULL), 0);
	struct mail_cfg cfg = {smtp_url(s.port), "soc@itrace.example"};
	assert_int_equal(mail_outbox_run(db, &cfg, now_us()), 0);
	assert_int_equal(mail_outbox_run(db, &cfg, now_us() + 6 * 60 * 1000000LL), 1);
	sink_stop(&s);
	row = outbox_row(id);
	assert_string_equal(js(row, "state"), "sent");
	json_decref(row);
	/* A From: that is not an address: nothing is sent, nothing changes. */
	outbox_add("[\"admin@example.jp\"]", "from?", "x\n");
	struct mail_cfg badfrom = {smtp_url(s.port), "not an address"};
	assert_int_equal(mail_outbox_run(db, &badfrom, now_us()), 0);
	assert_int_equal(th_count(db, "SELECT count(*) FROM outbox WHERE attempts = 0"), 1);
}

/* Case-insensitive count of header lines named name in the raw header. */
static int header_lines(const char *raw, const char *name)
{
	int n = 0;
	size_t l = strlen(name);
	const char *end = strstr(raw, "\r\n\r\n");
	for (const char *p = raw; p != NULL && (end == NULL || p < end);) {
		if (strncasecmp(p, name, l) == 0 && p[l] == ':')
			n++;
		p = strstr(p, "\r\n");
		if (p != NULL)
			p += 2;
	}
	return n;
}

/* a row with html goes out as multipart/alternative: the text/plain
 * part (the Markdown) and the text/html part, each decoding to exactly the
 * stored text (CRLF on the wire, made LF again by the decoder), base64 for
 * UTF-8 and for a line past the SMTP limit, no line over 78 on the wire. */
static void test_multipart_alternative(void **state)
{
	(void)state;
	outbox_clear();
	struct sink s;
	assert_int_equal(sink_start(&s, 0, NULL), 0);
	/* An HTML line of 5,000 bytes (a wide table row), a dot line. */
	size_t wide = 5000;
	char *html = malloc(wide + 512);
	assert_non_null(html);
	int n = snprintf(html, 512, "<!DOCTYPE html>\n<html lang=\"ja\">\n<body>\n"
	                 "<h2>1 ヶ月のエグゼクティブ・サマリー</h2>\n.<p>dot</p>\n<table><tr>");
	memset(html + n, 'x', wide);
	strcpy(html + n + wide, "</tr></table>\n</body>\n</html>\n");
	const char *md = "# 月次レポート: mailco 2026年10月\n\n## 1 ヶ月のエグゼクティブ・サマリー\n"
	                 ".dot line\n| 受信した検知アラート | 7 |\n";
	const char *subject = "[InfoTrace] 月次レポート 2026年10月: mailco";
	int64_t id = outbox_add_html("[\"admin@example.jp\"]", subject, md, html);
	struct mail_cfg cfg = {smtp_url(s.port), "soc@itrace.example"};
	assert_int_equal(mail_outbox_run(db, &cfg, now_us()), 1);
	sink_stop(&s);
	assert_int_equal(sink_count(&s), 1);
	json_t *m = sink_msg(&s, 1);
	assert_non_null(m);
	assert_true(json_object_get(m, "error") == NULL);
	assert_string_equal(js(m, "ctype"), "multipart/alternative");
	assert_string_equal(js(m, "subject"), subject);
	assert_int_equal(ji(m, "defects"), 0);
	/* Within SMTP's 998 (RFC 5321); every line of ours within 78, the
	 * base64 within 76: only libcurl's boundary parameter is longer. */
	assert_true(ji(m, "max_line") <= 998);
	for (const char *p = js(m, "raw"), *nl; (nl = strstr(p, "\r\n")) != NULL; p = nl + 2)
		if (nl - p > 78 && strncmp(p, "Content-Type: multipart/alternative; boundary=", 46) != 0)
			fail_msg("line of %d bytes: %.80s", (int)(nl - p), p);
	json_t *parts = json_object_get(m, "parts");
	assert_int_equal(json_array_size(parts), 2);
	json_t *t = json_array_get(parts, 0), *h = json_array_get(parts, 1);
	assert_string_equal(js(t, "ctype"), "text/plain");
	assert_string_equal(js(t, "charset"), "utf-8");
	assert_string_equal(js(t, "cte"), "base64");
	assert_true(json_is_null(json_object_get(t, "disposition")));
	assert_string_equal(js(t, "body"), md);
	assert_string_equal(js(h, "ctype"), "text/html");
	assert_string_equal(js(h, "charset"), "utf-8");
	assert_string_equal(js(h, "cte"), "base64");
	assert_true(json_is_null(json_object_get(h, "disposition")));
	assert_string_equal(js(h, "body"), html);
	/* The headers of every mail, once each; nothing 8-bit on the wire. */
	const char *raw = js(m, "raw");
	const char *want[] = {"Date", "From", "To", "Subject", "Message-ID", "MIME-Version",
	                      "Content-Type", "Auto-Submitted", "X-Itrace-Outbox", NULL};
	for (size_t i = 0; want[i] != NULL; i++)
		if (header_lines(raw, want[i]) != 1)
			fail_msg("header %s: %d times", want[i], header_lines(raw, want[i]));
	assert_non_null(strstr(raw, "Subject: =?UTF-8?B?"));
	for (const char *p = raw; *p != '\0'; p++)
		assert_true((unsigned char)*p < 0x80);
	json_decref(m);
	json_t *row = outbox_row(id);
	assert_string_equal(js(row, "state"), "sent");
	json_decref(row);

	/* Short-lined ASCII parts go as they are (7bit); still two parts. */
	outbox_clear();
	assert_int_equal(sink_start(&s, 0, NULL), 0);
	outbox_add_html("[\"admin@example.jp\"]", "Monthly report", "# Monthly\n\n.dot\n",
	                "<p>Monthly</p>\n.<p>dot</p>\n");
	cfg.smtp_url = smtp_url(s.port);
	assert_int_equal(mail_outbox_run(db, &cfg, now_us()), 1);
	sink_stop(&s);
	m = sink_msg(&s, 1);
	assert_non_null(m);
	assert_string_equal(js(m, "ctype"), "multipart/alternative");
	parts = json_object_get(m, "parts");
	assert_int_equal(json_array_size(parts), 2);
	assert_string_equal(js(json_array_get(parts, 0), "cte"), "7bit");
	assert_string_equal(js(json_array_get(parts, 0), "body"), "# Monthly\n\n.dot\n");
	assert_string_equal(js(json_array_get(parts, 1), "cte"), "7bit");
	assert_string_equal(js(json_array_get(parts, 1), "body"), "<p>Monthly</p>\n.<p>dot</p>\n");
	json_decref(m);
	free(html);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_message),
		cmocka_unit_test(test_ascii_7bit),
		cmocka_unit_test(test_retry_when_server_down),
		cmocka_unit_test(test_backoff_on_4xx),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_no_smtp_and_lease),
		cmocka_unit_test(test_multipart_alternative),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
