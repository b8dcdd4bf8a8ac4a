/* test_monthly.c - the monthly report (SPEC R-25) without a database: the
 * month in the tenant's zone, what is counted (duplicates, onboarding,
 * final verdicts, clocks, days), downtime as the union of daemon runs,
 * readiness against the 5th business day, and both renderers over one
 * fixed model: section names of the service description, counts, the
 * block-character and SVG charts, and hostile endpoint strings that must
 * come out sanitized and escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/calendar.h"
#include "core/monthly.h"
#include "core/sla.h"

#define SEC INT64_C(1000000)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)

static struct cal CAL;          /* the default: UTC+09:00, JP holidays */

/* UTC instant of a JST wall-clock time. */
static int64_t jst(int y, int mo, int d, int h, int mi)
{
	return cal_local_us(&CAL, y, mo, d, h, mi, 0);
}

static int count_str(const char *hay, const char *needle)
{
	int n = 0;
	size_t l = strlen(needle);
	for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + l, needle))
		n++;
	return n;
}

/* Does any tag (<...>) of the HTML contain s? */
static bool tag_has(const char *h, const char *s)
{
	for (const char *p = strchr(h, '<'); p != NULL; p = strchr(p + 1, '<')) {
		const char *e = strchr(p, '>');
		if (e == NULL)
			return true;
		size_t l = strlen(s);
		for (const char *q = p; q + l <= e; q++)
			if (strncmp(q, s, l) == 0)
				return true;
	}
	return false;
}

#define HOSTILE_HOST "<img src=x onerror=alert(1)>"
#define HOSTILE_PATH "C:\\a|b\\see http://evil.example/\x1b[31mx.exe"
#define HOSTILE_ERR "\x1b]0;pwn\x07 <b>x</b> [link](javascript:alert(1))"

static void add_alert(struct monthly *m, int64_t id, int64_t received, const char *host,
                      const char *path, const char *quick, const char *expl, bool dup,
                      bool onboarding)
{
	struct mr_alert_in a = {
		.id = id, .host = host, .path = path, .detection = "Trojan:Win32/Test",
		.quick_verdict = quick, .explain_verdict = expl, .received_us = received,
		.quick_due_us = received + 2 * HOUR, .quick_published_us = MR_NONE,
		.explain_due_us = MR_NONE, .explain_published_us = MR_NONE,
		.duplicate = dup, .onboarding = onboarding,
		.quick_report = quick != NULL, .explain_report = expl != NULL,
	};
	if (quick != NULL)
		a.quick_published_us = received + HOUR;
	assert_int_equal(monthly_add_alert(m, &a), 0);
}

/* October 2026 of tenant "acme", made 2026-11-09 09:30 JST. */
static struct monthly *fixed_model(void)
{
	struct monthly *m = monthly_new("acme", &CAL, 2026, 10, jst(2026, 11, 9, 9, 30));
	assert_non_null(m);
	assert_int_equal(monthly_set_tenant(m, true, false, "block", jst(2025, 1, 1, 0, 0),
	                                    jst(2025, 1, 31, 0, 0)), 0);
	/* 00:10 on the 1st JST is still 2026-09-30 in UTC: October. */
	add_alert(m, 1, jst(2026, 10, 1, 0, 10), "ws1", "C:\\x\\a.exe", "black", "black", 0, 0);
	/* 23:59 on 30 September JST: not October. */
	add_alert(m, 2, jst(2026, 9, 30, 23, 59), "ws1", "C:\\x\\old.exe", "white", NULL, 0, 0);
	add_alert(m, 6, jst(2026, 10, 2, 12, 0), "ws2", "C:\\x\\onb.exe", NULL, NULL, 0, 1);
	/* Gray quick, white after the R-19 timeout. */
	struct mr_alert_in g = {
		.id = 3, .host = "ws2", .path = "C:\\x\\g.exe", .quick_verdict = "gray",
		.explain_verdict = "white", .received_us = jst(2026, 10, 14, 10, 0),
		.quick_due_us = jst(2026, 10, 14, 12, 0), .quick_published_us = jst(2026, 10, 14, 11, 0),
		.explain_due_us = jst(2026, 10, 14, 15, 0),
		.explain_published_us = jst(2026, 10, 14, 16, 0),      /* late */
		.needs_explanatory = true, .gray_timeout = true, .escalated = true,
		.quick_report = true, .explain_report = true,
	};
	assert_int_equal(monthly_add_alert(m, &g), 0);
	/* No verdict, quick clock long past: missed. */
	add_alert(m, 4, jst(2026, 10, 14, 11, 0), "ws2", "C:\\x\\p.exe", NULL, NULL, 0, 0);
	add_alert(m, 5, jst(2026, 10, 14, 12, 0), "ws2", "C:\\x\\g.exe", NULL, NULL, 1, 0);
	add_alert(m, 7, jst(2026, 10, 20, 9, 0), HOSTILE_HOST, HOSTILE_PATH, "gray", NULL, 0, 0);
	/* The last minute of October JST is in; the next one is November. */
	add_alert(m, 8, jst(2026, 10, 31, 23, 59), "ws1", "C:\\x\\last.exe", "black", NULL, 0, 0);
	add_alert(m, 9, jst(2026, 11, 1, 0, 0), "ws1", "C:\\x\\nov.exe", "black", NULL, 0, 0);
	m->prev_received = 4;
	m->reports_quick = 4;
	m->reports_explain = 2;
	m->cmd_isolate = 1;
	struct mr_endpoint_in e1 = {.host = "ws1", .client_version = "2.1.0",
	                            .isolation = "isolated", .created_us = jst(2026, 1, 1, 0, 0),
	                            .last_seen_us = jst(2026, 10, 31, 20, 0)};
	struct mr_endpoint_in e2 = {.host = "ws2", .isolation = "none",
	                            .created_us = jst(2026, 1, 1, 0, 0), .last_seen_us = MR_NONE};
	struct mr_endpoint_in e3 = {.host = "<b>evil</b>", .client_version = "1.0",
	                            .isolation = "none", .last_error = HOSTILE_ERR,
	                            .created_us = jst(2026, 1, 1, 0, 0),
	                            .last_seen_us = jst(2026, 9, 1, 0, 0)};
	/* Created after the end of the data: not registered in October. */
	struct mr_endpoint_in e4 = {.host = "later", .isolation = "none",
	                            .created_us = jst(2026, 11, 5, 0, 0), .last_seen_us = MR_NONE};
	assert_int_equal(monthly_add_endpoint(m, &e1), 0);
	assert_int_equal(monthly_add_endpoint(m, &e2), 0);
	assert_int_equal(monthly_add_endpoint(m, &e3), 0);
	assert_int_equal(monthly_add_endpoint(m, &e4), 0);
	/* Runs: A until 10 Oct 12:00, B from 14:30 on; C overlaps B. */
	assert_int_equal(monthly_add_run(m, jst(2026, 9, 20, 0, 0), jst(2026, 10, 10, 12, 0),
	                                 jst(2026, 10, 10, 12, 0)), 0);
	assert_int_equal(monthly_add_run(m, jst(2026, 10, 10, 14, 30), jst(2026, 11, 9, 9, 29),
	                                 MR_NONE), 0);
	assert_int_equal(monthly_add_run(m, jst(2026, 10, 20, 0, 0), jst(2026, 10, 21, 0, 0),
	                                 jst(2026, 10, 21, 0, 0)), 0);
	assert_int_equal(monthly_finish(m), 0);
	return m;
}

static void test_month(void **state)
{
	(void)state;
	int y = 0, mo = 0;
	assert_int_equal(monthly_parse_month("2026-10", &y, &mo), 0);
	assert_int_equal(y, 2026);
	assert_int_equal(mo, 10);
	assert_int_equal(monthly_parse_month("2026-13", &y, &mo), -1);
	assert_int_equal(monthly_parse_month("2026-1", &y, &mo), -1);
	assert_int_equal(monthly_parse_month("2026/10", &y, &mo), -1);
	assert_int_equal(monthly_parse_month("1999-10", &y, &mo), -1);
	assert_int_equal(monthly_parse_month("2026-10x", &y, &mo), -1);
	assert_int_equal(monthly_parse_month(NULL, &y, &mo), -1);
	int64_t from, to;
	assert_int_equal(monthly_bounds(&CAL, 2026, 12, &from, &to), 0);
	assert_true(from == jst(2026, 12, 1, 0, 0));
	assert_true(to == jst(2027, 1, 1, 0, 0));
	assert_int_equal(monthly_bounds(&CAL, 2026, 0, &from, &to), -1);
	monthly_prev_month(&CAL, jst(2027, 1, 1, 0, 0), &y, &mo);
	assert_int_equal(y, 2026);
	assert_int_equal(mo, 12);
	/* The month is the tenant's (JST), not UTC's. */
	monthly_prev_month(&CAL, jst(2026, 12, 31, 23, 59), &y, &mo);
	assert_int_equal(mo, 11);
}

/* November 2026 has a holiday on the 3rd, so its 5th business day
 * is Monday the 9th (2, 4, 5, 6, 9). */
static void test_ready(void **state)
{
	(void)state;
	int64_t due = sla_monthly_due(&CAL, 2026, 10);
	assert_true(due == jst(2026, 11, 9, 17, 30));
	/* Never before the month is over. */
	assert_false(monthly_ready(&CAL, 2026, 10, jst(2026, 10, 31, 23, 59), 0));
	/* Nothing open: at once. */
	assert_true(monthly_ready(&CAL, 2026, 10, jst(2026, 11, 1, 0, 0), 0));
	/* Something open: wait for the opening of the 5th business day. */
	assert_false(monthly_ready(&CAL, 2026, 10, jst(2026, 11, 1, 0, 0), 2));
	assert_false(monthly_ready(&CAL, 2026, 10, jst(2026, 11, 6, 17, 0), 2));
	assert_false(monthly_ready(&CAL, 2026, 10, jst(2026, 11, 9, 8, 59), 2));
	assert_true(monthly_ready(&CAL, 2026, 10, jst(2026, 11, 9, 9, 0), 2));
	assert_true(monthly_ready(&CAL, 2026, 10, due + HOUR, 2));
	/* December: the year-end break (12-29..01-03) is off; 5th business
	 * day of January 2027 = Fri 8 (4, 5, 6, 7, 8; Coming of Age is the
	 * 11th). */
	assert_false(monthly_ready(&CAL, 2026, 12, jst(2027, 1, 8, 8, 0), 1));
	assert_true(monthly_ready(&CAL, 2026, 12, jst(2027, 1, 8, 9, 0), 1));
}

static void test_counts(void **state)
{
	(void)state;
	struct monthly *m = fixed_model();
	assert_int_equal(m->days, 31);
	assert_int_equal(m->received, 7);           /* 1 3 4 5 6 7 8 */
	assert_int_equal(m->duplicates, 1);
	assert_int_equal(m->onboarding, 1);
	assert_int_equal(m->triaged, 5);
	assert_int_equal(m->verdicts[MR_BLACK], 2);
	assert_int_equal(m->verdicts[MR_GRAY], 1);
	assert_int_equal(m->verdicts[MR_WHITE], 1);  /* explanatory wins */
	assert_int_equal(m->verdicts[MR_PENDING], 1);
	assert_int_equal(m->gray_timeouts, 1);
	assert_int_equal(m->escalated, 1);
	assert_int_equal(m->quick_met, 4);
	assert_int_equal(m->quick_missed, 1);       /* alert 4 */
	assert_int_equal(m->explain_met, 0);
	assert_int_equal(m->explain_missed, 1);     /* alert 3 */
	assert_int_equal(m->daily[0], 1);
	assert_int_equal(m->daily[1], 1);
	assert_int_equal(m->daily[13], 3);
	assert_int_equal(m->daily[19], 1);
	assert_int_equal(m->daily[30], 1);
	assert_int_equal(m->daily_v[13][MR_WHITE], 1);
	assert_int_equal(m->daily_v[13][MR_PENDING], 1);
	assert_int_equal(m->n_alerts, 5);
	assert_int_equal(m->alerts[0].id, 1);
	/* Sanitized at entry. */
	assert_null(strchr(m->alerts[3].path, '\x1b'));
	assert_non_null(strstr(m->alerts[3].path, "\\e[31m"));
	assert_int_equal(m->ep_registered, 3);
	assert_int_equal(m->ep_contacted, 1);
	assert_int_equal(m->ep_never, 1);
	assert_int_equal(m->ep_isolated, 1);
	assert_int_equal(m->ep_errors, 1);
	assert_true(m->measured);
	assert_true(m->measured_from_us == m->from_us);
	assert_true(m->measured_to_us == m->to_us);
	assert_int_equal(m->n_gaps, 1);
	assert_true(m->down_us == 2 * HOUR + 30 * MIN);
	assert_true(m->gaps[0].from_us == jst(2026, 10, 10, 12, 0));
	monthly_free(m);
}

static void test_downtime(void **state)
{
	(void)state;
	/* No record at all: unknown, not "down all month". */
	struct monthly *m = monthly_new("t", &CAL, 2026, 10, jst(2026, 12, 1, 0, 0));
	assert_int_equal(monthly_finish(m), 0);
	assert_false(m->measured);
	char *md = monthly_markdown(m, RP_EN);
	assert_non_null(strstr(md, "unknown"));
	free(md);
	monthly_free(m);
	/* First record mid-month: measured from there; a crashed run ends at
	 * its last beat; a running one (beat within the grace) runs to now. */
	m = monthly_new("t", &CAL, 2026, 10, jst(2026, 10, 20, 12, 0));
	assert_int_equal(monthly_add_run(m, jst(2026, 10, 5, 0, 0), jst(2026, 10, 6, 0, 0),
	                                 MR_NONE), 0);
	assert_int_equal(monthly_add_run(m, jst(2026, 10, 6, 1, 0), jst(2026, 10, 20, 11, 59),
	                                 MR_NONE), 0);
	assert_int_equal(monthly_finish(m), 0);
	assert_true(m->measured_from_us == jst(2026, 10, 5, 0, 0));
	assert_true(m->measured_to_us == jst(2026, 10, 20, 12, 0));
	assert_int_equal(m->n_gaps, 1);
	assert_true(m->down_us == HOUR);
	md = monthly_markdown(m, RP_EN);
	assert_non_null(strstr(md, "The month is not over"));
	assert_non_null(strstr(md, "Uptime was recorded from 2026-10-05 00:00 on"));
	assert_non_null(strstr(md, "| 2026-10-06 00:00 | 2026-10-06 01:00 | 1 h 00 min |"));
	free(md);
	monthly_free(m);
	/* Runs recorded before, none touching the month: down all month. */
	m = monthly_new("t", &CAL, 2026, 10, jst(2026, 12, 1, 0, 0));
	m->first_run_us = jst(2026, 9, 1, 0, 0);
	assert_int_equal(monthly_finish(m), 0);
	assert_true(m->measured);
	assert_int_equal(m->n_gaps, 1);
	assert_true(m->down_us == m->to_us - m->from_us);
	monthly_free(m);
	/* A stale beat of a run without a clean stop is where it stopped. */
	m = monthly_new("t", &CAL, 2026, 10, jst(2026, 10, 20, 12, 0));
	assert_int_equal(monthly_add_run(m, jst(2026, 10, 1, 0, 0), jst(2026, 10, 20, 11, 0),
	                                 MR_NONE), 0);
	assert_int_equal(monthly_finish(m), 0);
	assert_true(m->down_us == HOUR);
	monthly_free(m);
}

static const char SPARK[] = "▃▃           █     ▃          ▃";

static void test_markdown_ja(void **state)
{
	(void)state;
	struct monthly *m = fixed_model();
	char *md = monthly_markdown(m, RP_JA);
	assert_non_null(md);
	/* Section names of the service description, in order. */
	const char *order[] = {
		"# 月次レポート: acme 2026年10月",
		"## 1 ヶ月のエグゼクティブ・サマリー", "### ① 当月のサービスサマリー",
		"### ② 当月の脅威判定結果", "### ③ 検知アラート月次推移分析", "### ④ 補足事項",
		"## 1 ヶ月のサービス稼働状況", "### ① 検知アラート毎レポート", "### ② サービス利用端末",
		"### ③ マネージドサービス停止時間", "## 別紙と用語", "### ① 別表一覧", "### ② 用語の解説",
	};
	const char *p = md;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const char *q = strstr(p, order[i]);
		if (q == NULL)
			fail_msg("missing or out of order: %s", order[i]);
		p = q + strlen(order[i]);
	}
	assert_non_null(strstr(md, "| ブラック | 2 | 40.0% |"));
	assert_non_null(strstr(md, "| グレー | 1 | 20.0% |"));
	assert_non_null(strstr(md, "| ホワイト | 1 | 20.0% |"));
	assert_non_null(strstr(md, "| 判定待ち | 1 | 20.0% |"));
	assert_non_null(strstr(md, "| 合計 | 5 |"));
	assert_non_null(strstr(md, "| 受信した検知アラート | 7 |"));
	assert_non_null(strstr(md, "前月 4 件、+3 件"));
	assert_non_null(strstr(md, "| マネージドサービス停止時間 | 2 時間 30 分 (稼働率 99.664%) |"));
	assert_non_null(strstr(md, "| 速報レポート (受信後 2 時間以内) | 期限内 4 件 / 超過 1 件 |"));
	assert_non_null(strstr(md, "| 2026-10-14 10:00 | 3 | ws2 | C:\\x\\g.exe | ホワイト (速報: グレー) | 速報・解説 (エスカレーション) |"));
	assert_non_null(strstr(md, "| 登録台数 | 3 |"));
	assert_non_null(strstr(md, "| 2026-10-14 | 3 | 0 | 0 | 1 | 1 |"));
	assert_non_null(strstr(md, "| 合計 | 7 | 2 | 1 | 1 | 1 |"));
	/* The chart: one block character per day, scaled to the busiest day. */
	assert_non_null(strstr(md, SPARK));
	assert_non_null(strstr(md, "1   5    10   15   20   25   30\n"));
	assert_non_null(strstr(md, "グレー判定のうち 3 営業日以内に返信が無く"));
	assert_non_null(strstr(md, "| ブラック | 明らかな脅威。"));
	free(md);
	monthly_free(m);
}

static void test_markdown_hostile(void **state)
{
	(void)state;
	struct monthly *m = fixed_model();
	char *md = monthly_markdown(m, RP_EN);
	assert_non_null(md);
	assert_non_null(strstr(md, "## Executive summary of the month"));
	assert_non_null(strstr(md, "| black | 2 | 40.0% |"));
	/* No raw control characters, no raw HTML, no live link, no table
	 * breakout. */
	for (const char *q = md; *q != '\0'; q++)
		if ((unsigned char)*q < 0x20 && *q != '\n')
			fail_msg("control character 0x%02x in the Markdown", (unsigned char)*q);
	for (const char *q = strchr(md, '<'); q != NULL; q = strchr(q + 1, '<'))
		if (q == md || q[-1] != '\\')
			fail_msg("unescaped '<' in the Markdown: %.40s", q);
	assert_null(strstr(md, "http://"));
	assert_non_null(strstr(md, "\\<img src=x onerror=alert(1)\\>"));
	assert_non_null(strstr(md, "C:\\a\\|b\\see hxxp://evil.example/\\e\\[31mx.exe"));
	assert_non_null(strstr(md, "\\e\\]0;pwn\\x07 \\<b\\>x\\</b\\> \\[link\\](javascript:alert(1))"));
	/* Every table row has its 6 cells: the '|' of the path is escaped. */
	const char *row = strstr(md, "| 2026-10-20 09:00 | 7 |");
	assert_non_null(row);
	const char *end = strchr(row, '\n');
	int bars = 0;
	for (const char *q = row; q < end; q++)
		bars += *q == '|' && q[-1] != '\\';
	assert_int_equal(bars, 7);
	free(md);
	monthly_free(m);
}

static void test_html(void **state)
{
	(void)state;
	struct monthly *m = fixed_model();
	char *h = monthly_html(m, RP_JA);
	assert_non_null(h);
	assert_int_equal(strncmp(h, "<!DOCTYPE html>\n<html lang=\"ja\">", 32), 0);
	assert_non_null(strstr(h, "default-src 'none'"));
	assert_non_null(strstr(h, "<h2>1 ヶ月のエグゼクティブ・サマリー</h2>"));
	assert_non_null(strstr(h, "<h2>1 ヶ月のサービス稼働状況</h2>"));
	assert_non_null(strstr(h, "<h2>別紙と用語</h2>"));
	assert_non_null(strstr(h, "<td class=\"v-black\">ブラック</td><td class=\"n\">2</td>"));
	assert_non_null(strstr(h, "<td class=\"v-pending\">判定待ち</td><td class=\"n\">1</td>"));
	/* One inline SVG, a bar per day with alerts, nothing external. */
	assert_int_equal(count_str(h, "<svg "), 1);
	assert_int_equal(count_str(h, "<rect class=\"bar\""), 5);
	assert_non_null(strstr(h, "<title>2026-10-14: 3</title>"));
	assert_null(strstr(h, "<script"));
	assert_false(tag_has(h, "src="));
	assert_false(tag_has(h, "href="));
	assert_false(tag_has(h, " on"));
	assert_null(strstr(h, "url("));
	assert_null(strstr(h, "@import"));
	assert_null(strstr(h, "<img"));
	assert_null(strstr(h, "<b>"));
	assert_null(strchr(h, '\x1b'));
	assert_null(strchr(h, '\x07'));
	assert_non_null(strstr(h, "<td>&lt;img src=x onerror=alert(1)&gt;</td>"));
	assert_non_null(strstr(h, "&lt;b&gt;evil&lt;/b&gt;"));
	assert_int_equal(count_str(h, "<html"), 1);
	assert_non_null(strstr(h, "</html>\n"));
	free(h);
	h = monthly_html(m, RP_EN);
	assert_non_null(strstr(h, "<html lang=\"en\">"));
	assert_non_null(strstr(h, "<h3>3. Managed-service downtime</h3>"));
	assert_non_null(strstr(h, "2 h 30 min"));
	free(h);
	monthly_free(m);
}

static void test_empty_month(void **state)
{
	(void)state;
	struct monthly *m = monthly_new("quiet", &CAL, 2026, 2, jst(2026, 3, 5, 0, 0));
	assert_int_equal(m->days, 28);
	assert_int_equal(monthly_finish(m), 0);
	char *md = monthly_markdown(m, RP_EN);
	assert_non_null(strstr(md, "No alert was received this month."));
	assert_non_null(strstr(md, "No alert was judged this month."));
	assert_null(strstr(md, "```"));
	assert_non_null(strstr(md, "| 2026-02-28 | 0 |"));
	assert_null(strstr(md, "2026-03-01 | 0"));
	free(md);
	char *h = monthly_html(m, RP_EN);
	assert_null(strstr(h, "<svg"));
	free(h);
	monthly_free(m);
}

static void test_html_escape(void **state)
{
	(void)state;
	char *e = monthly_html_escape("a<b>&\"c'");
	assert_string_equal(e, "a&lt;b&gt;&amp;&quot;c&#39;");
	free(e);
	e = monthly_html_escape(NULL);
	assert_string_equal(e, "");
	free(e);
	assert_string_equal(monthly_verdict_name(MR_GRAY, RP_JA), "グレー");
	assert_string_equal(monthly_verdict_name(MR_PENDING, RP_EN), "pending");
}

static int setup(void **state)
{
	(void)state;
	cal_default(&CAL);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_month),
		cmocka_unit_test(test_ready),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_downtime),
		cmocka_unit_test(test_markdown_ja),
		cmocka_unit_test(test_markdown_hostile),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_empty_month),
		cmocka_unit_test(test_html_escape),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
