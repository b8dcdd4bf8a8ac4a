/* monthly_render.c - the monthly report (SPEC R-25) as Markdown and as one
 * self-contained HTML document; see monthly.h.
 *
 * One writer for both forms: the sections below call a handful of
 * primitives (heading, paragraph, list item, table, chart) that emit
 * Markdown or HTML. Every piece of text, labels included, goes through
 * the format's escaper (esc()): report_md_escape() for Markdown, which
 * also defangs URLs and neutralises table pipes in cells, and
 * monthly_html_escape() for HTML. Markup is only ever written by the
 * primitives, from constants and numbers. */
#include "core/monthly.h"
#include "core/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Output buffer -------------------------------------------------------- */

struct ob {
	struct strbuf buf;
	bool html;
	enum rp_lang lang;
	const char *align;      /* current table: 'l' / 'r' per column */
	size_t col;
};

static void ob_add(struct ob *o, const char *s, size_t l)
{
	strbuf_add(&o->buf, s, l);
}

static void ob_puts(struct ob *o, const char *s)
{
	strbuf_puts(&o->buf, s);
}

/* Markup or numbers: written as is. */
#define ob_raw(o, ...) strbuf_printf(&(o)->buf, __VA_ARGS__)

char *monthly_html_escape(const char *s)
{
	if (s == NULL)
		s = "";
	size_t len = strlen(s);
	char *out = malloc(len * 6 + 1);    /* "&quot;" is the longest */
	if (out == NULL)
		return NULL;
	char *p = out;
	for (; *s != '\0'; s++) {
		const char *e = NULL;
		switch (*s) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: *p++ = *s; continue;
		}
		size_t el = strlen(e);
		memcpy(p, e, el);
		p += el;
	}
	*p = '\0';
	return out;
}

/* Text (sanitized already): escaped for the format. */
static void esc(struct ob *o, const char *s, int in_table)
{
	char *e = o->html ? monthly_html_escape(s) : report_md_escape(s, in_table);
	if (e == NULL) {
		o->buf.oom = 1;
		return;
	}
	ob_puts(o, e);
	free(e);
}

static char *vfmt(struct ob *o, const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0) {
		o->buf.oom = 1;
		return NULL;
	}
	return s;
}

static const char *L(const struct ob *o, const char *en, const char *ja)
{
	return o->lang == RP_JA ? ja : en;
}

/* ---- Primitives ----------------------------------------------------------- */

static void heading(struct ob *o, int level, const char *text)
{
	if (o->html) {
		ob_raw(o, "<h%d>", level);
		esc(o, text, 0);
		ob_raw(o, "</h%d>\n", level);
	} else {
		for (int i = 0; i < level; i++)
			ob_puts(o, "#");
		ob_puts(o, " ");
		esc(o, text, 0);
		ob_puts(o, "\n\n");
	}
}

/* A paragraph of formatted text (escaped as a whole). */
static void para(struct ob *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void para(struct ob *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vfmt(o, fmt, ap);
	va_end(ap);
	if (s == NULL)
		return;
	ob_puts(o, o->html ? "<p>" : "");
	esc(o, s, 0);
	ob_puts(o, o->html ? "</p>\n" : "\n\n");
	free(s);
}

static void list_begin(struct ob *o)
{
	if (o->html)
		ob_puts(o, "<ul>\n");
}

static void item(struct ob *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void item(struct ob *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vfmt(o, fmt, ap);
	va_end(ap);
	if (s == NULL)
		return;
	ob_puts(o, o->html ? "<li>" : "- ");
	esc(o, s, 0);
	ob_puts(o, o->html ? "</li>\n" : "\n");
	free(s);
}

static void list_end(struct ob *o)
{
	ob_puts(o, o->html ? "</ul>\n" : "\n");
}

/* A table with strlen(align) columns; the headers follow. */
static void table_begin(struct ob *o, const char *align, ...)
{
	size_t n = strlen(align);
	o->align = align;
	o->col = 0;
	va_list ap;
	va_start(ap, align);
	ob_puts(o, o->html ? "<table>\n<thead><tr>" : "|");
	for (size_t i = 0; i < n; i++) {
		const char *h = va_arg(ap, const char *);
		if (o->html) {
			ob_puts(o, align[i] == 'r' ? "<th class=\"n\">" : "<th>");
			esc(o, h, 1);
			ob_puts(o, "</th>");
		} else {
			ob_puts(o, " ");
			esc(o, h, 1);
			ob_puts(o, " |");
		}
	}
	va_end(ap);
	if (o->html) {
		ob_puts(o, "</tr></thead>\n<tbody>\n");
	} else {
		ob_puts(o, "\n|");
		for (size_t i = 0; i < n; i++)
			ob_puts(o, align[i] == 'r' ? "---:|" : "---|");
		ob_puts(o, "\n");
	}
}

static void tr_begin(struct ob *o)
{
	o->col = 0;
	ob_puts(o, o->html ? "<tr>" : "|");
}

/* One cell; cls is an HTML class (NULL none); "" or NULL text shows "-". */
static void td_cls(struct ob *o, const char *cls, const char *text)
{
	bool right = o->align != NULL && o->col < strlen(o->align) && o->align[o->col] == 'r';
	o->col++;
	if (text == NULL || text[0] == '\0')
		text = "-";
	if (o->html) {
		if (cls != NULL)
			ob_raw(o, "<td class=\"%s%s\">", cls, right ? " n" : "");
		else
			ob_puts(o, right ? "<td class=\"n\">" : "<td>");
		esc(o, text, 1);
		ob_puts(o, "</td>");
	} else {
		ob_puts(o, " ");
		esc(o, text, 1);
		ob_puts(o, " |");
	}
}

static void td(struct ob *o, const char *text)
{
	td_cls(o, NULL, text);
}

static void tdf(struct ob *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tdf(struct ob *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vfmt(o, fmt, ap);
	va_end(ap);
	td(o, s != NULL ? s : "");
	free(s);
}

static void tr_end(struct ob *o)
{
	ob_puts(o, o->html ? "</tr>\n" : "\n");
}

static void table_end(struct ob *o)
{
	ob_puts(o, o->html ? "</tbody></table>\n" : "\n");
	o->align = NULL;
}

/* A two-column row: label, formatted value. */
static void kv(struct ob *o, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void kv(struct ob *o, const char *label, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vfmt(o, fmt, ap);
	va_end(ap);
	tr_begin(o);
	td(o, label);
	td(o, s != NULL ? s : "");
	tr_end(o);
	free(s);
}

/* ---- Times and numbers ---------------------------------------------------- */

/* Local date (and time) of an instant in the report's zone. */
static const char *local(const struct monthly *m, int64_t us, bool with_time, char *buf,
                         size_t n)
{
	if (us == MR_NONE) {
		snprintf(buf, n, "-");
		return buf;
	}
	int64_t t = us + (int64_t)m->tz_min * CAL_US_PER_MIN;
	int64_t day = t / CAL_US_PER_DAY;
	if (t % CAL_US_PER_DAY < 0)
		day--;
	int64_t rem = t - day * CAL_US_PER_DAY;
	int y, mo, d;
	cal_civil_from_days(day, &y, &mo, &d);
	if (with_time)
		snprintf(buf, n, "%04d-%02d-%02d %02d:%02d", y, mo, d,
		         (int)(rem / CAL_US_PER_HOUR), (int)(rem % CAL_US_PER_HOUR / CAL_US_PER_MIN));
	else
		snprintf(buf, n, "%04d-%02d-%02d", y, mo, d);
	return buf;
}

static const char *zone(const struct monthly *m, char *buf, size_t n)
{
	int z = m->tz_min < 0 ? -m->tz_min : m->tz_min;
	snprintf(buf, n, "UTC%c%02d:%02d", m->tz_min < 0 ? '-' : '+', z / 60, z % 60);
	return buf;
}

static const char *duration(const struct ob *o, int64_t us, char *buf, size_t n)
{
	long long s = (long long)(us / CAL_US_PER_SEC);
	if (s < 60)
		snprintf(buf, n, o->lang == RP_JA ? "%lld 秒" : "%lld s", s);
	else
		snprintf(buf, n, o->lang == RP_JA ? "%lld 時間 %02lld 分" : "%lld h %02lld min",
		         s / 3600, s % 3600 / 60);
	return buf;
}

static const char *availability(const struct monthly *m, char *buf, size_t n)
{
	int64_t w = m->measured_to_us - m->measured_from_us;
	if (!m->measured || w <= 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.3f%%", 100.0 * (double)(w - m->down_us) / (double)w);
	return buf;
}

static const char *yes_no(const struct ob *o, bool v)
{
	return v ? L(o, "yes", "はい") : L(o, "no", "いいえ");
}

static const char *isolation_text(const struct ob *o, const char *s)
{
	if (s == NULL || strcmp(s, "none") == 0 || s[0] == '\0')
		return L(o, "none", "なし");
	if (strcmp(s, "isolated") == 0)
		return L(o, "isolated", "隔離中");
	if (strcmp(s, "pending") == 0)
		return L(o, "isolation pending", "隔離待ち");
	if (strcmp(s, "release_pending") == 0)
		return L(o, "release pending", "隔離解除待ち");
	return s;
}

static const char *verdict_cls(enum mr_verdict v)
{
	static const char *const c[MR_VERDICTS] = {"v-pending", "v-black", "v-gray", "v-white"};
	return (unsigned)v < MR_VERDICTS ? c[v] : c[0];
}

/* ---- Sections ------------------------------------------------------------- */

static const char *const SEC_JA[3] = {
	"1 ヶ月のエグゼクティブ・サマリー", "1 ヶ月のサービス稼働状況", "別紙と用語",
};
static const char *const SEC_EN[3] = {
	"Executive summary of the month", "Service operation of the month",
	"Appendix and glossary",
};
static const char *const SUB_JA[3][4] = {
	{"① 当月のサービスサマリー", "② 当月の脅威判定結果", "③ 検知アラート月次推移分析",
	 "④ 補足事項"},
	{"① 検知アラート毎レポート", "② サービス利用端末", "③ マネージドサービス停止時間", NULL},
	{"① 別表一覧", "② 用語の解説", NULL, NULL},
};
static const char *const SUB_EN[3][4] = {
	{"1. Service summary of the month", "2. Threat verdicts of the month",
	 "3. Monthly alert trend analysis", "4. Notes"},
	{"1. Reports per alert", "2. Service endpoints", "3. Managed-service downtime", NULL},
	{"1. Tables", "2. Glossary", NULL, NULL},
};

static void sec(struct ob *o, int i)
{
	heading(o, 2, o->lang == RP_JA ? SEC_JA[i] : SEC_EN[i]);
}

static void sub(struct ob *o, int i, int j)
{
	heading(o, 3, o->lang == RP_JA ? SUB_JA[i][j] : SUB_EN[i][j]);
}

static void r_title(struct ob *o, const struct monthly *m)
{
	char *t = NULL;
	if (asprintf(&t, o->lang == RP_JA ? "月次レポート: %s %d年%d月" : "Monthly report: %s, %04d-%02d",
	             m->tenant, m->year, m->month) < 0) {
		o->buf.oom = 1;
		return;
	}
	heading(o, 1, t);
	free(t);
	char a[32], b[32], z[16], g[32];
	local(m, m->from_us, false, a, sizeof a);
	local(m, m->to_us - 1, false, b, sizeof b);
	zone(m, z, sizeof z);
	local(m, m->now_us, true, g, sizeof g);
	if (o->lang == RP_JA)
		para(o, "対象期間: %s 〜 %s (%s)。作成日時: %s。", a, b, z, g);
	else
		para(o, "Period: %s to %s (%s). Made: %s.", a, b, z, g);
	if (m->now_us < m->to_us) {
		local(m, m->data_to_us, true, g, sizeof g);
		para(o, o->lang == RP_JA ? "月の途中のため、%s までの集計です。"
		                         : "The month is not over: the figures cover the time up to %s.",
		     g);
	}
}

static void clock_text(const struct ob *o, long met, long missed, char *buf, size_t n)
{
	if (met + missed == 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, o->lang == RP_JA ? "期限内 %ld 件 / 超過 %ld 件" :
		         "%ld in time / %ld late", met, missed);
}

static void r_summary(struct ob *o, const struct monthly *m)
{
	sub(o, 0, 0);
	char a[32], b[32], c1[64], c2[64], d[48], av[24];
	table_begin(o, "ll", L(o, "Item", "項目"), L(o, "Value", "内容"));
	kv(o, L(o, "Tenant", "テナント"), "%s", m->tenant);
	kv(o, L(o, "Period", "対象期間"), "%s – %s", local(m, m->from_us, false, a, sizeof a),
	   local(m, m->to_us - 1, false, b, sizeof b));
	bool block = strcmp(m->mode, "block") == 0;
	kv(o, L(o, "Protection mode (R-5)", "マルウェア対策機能のモード"), "%s",
	   block ? L(o, "block", "ブロックモード") : L(o, "non-block", "ノンブロックモード"));
	kv(o, L(o, "Isolate at once (R-1)", "直ちに隔離登録する"), "%s", yes_no(o, m->auto_isolate));
	kv(o, L(o, "Register exceptions (R-2)", "例外リストに登録する"), "%s",
	   yes_no(o, m->auto_exception));
	if (m->onboarding_to_us > m->onboarding_from_us)
		kv(o, L(o, "Onboarding (R-8)", "初期導入期間"), "%s – %s",
		   local(m, m->onboarding_from_us, false, a, sizeof a),
		   local(m, m->onboarding_to_us - 1, false, b, sizeof b));
	else
		kv(o, L(o, "Onboarding (R-8)", "初期導入期間"), "%s", L(o, "none", "なし"));
	kv(o, L(o, "Alerts received", "受信した検知アラート"), "%ld", m->received);
	kv(o, L(o, "Quick reports published", "提供した速報レポート"), "%ld", m->reports_quick);
	kv(o, L(o, "Explanatory reports published", "提供した解説レポート"), "%ld",
	   m->reports_explain);
	clock_text(o, m->quick_met, m->quick_missed, c1, sizeof c1);
	clock_text(o, m->explain_met, m->explain_missed, c2, sizeof c2);
	kv(o, L(o, "Quick report within 2 hours (R-10)", "速報レポート (受信後 2 時間以内)"), "%s",
	   c1);
	kv(o, L(o, "Explanatory report within 5 business hours (R-15)",
	        "解説レポート (受信後 5 営業時間以内)"), "%s", c2);
	kv(o, L(o, "Network isolations / releases", "ネットワーク隔離 / 隔離解除"), "%ld / %ld",
	   m->cmd_isolate, m->cmd_release);
	kv(o, L(o, "Sample deletions / file fetches", "検体削除 / 調査のためのファイル取得"),
	   "%ld / %ld", m->cmd_delete, m->cmd_fetch);
	kv(o, L(o, "Exceptions registered", "例外リストへの登録"), "%ld", m->exceptions);
	if (m->measured)
		kv(o, L(o, "Managed-service downtime", "マネージドサービス停止時間"),
		   o->lang == RP_JA ? "%s (稼働率 %s)" : "%s (availability %s)",
		   duration(o, m->down_us, d, sizeof d), availability(m, av, sizeof av));
	else
		kv(o, L(o, "Managed-service downtime", "マネージドサービス停止時間"), "%s",
		   L(o, "unknown (no uptime record)", "不明 (稼働記録なし)"));
	table_end(o);
}

static void r_verdicts(struct ob *o, const struct monthly *m)
{
	sub(o, 0, 1);
	static const enum mr_verdict order[] = {MR_BLACK, MR_GRAY, MR_WHITE, MR_PENDING};
	static const char *const what_ja[] = {"明らかな脅威", "要調査", "過検知・誤検知",
	                                      "判定が確定していない"};
	static const char *const what_en[] = {"clear threat", "needs investigation",
	                                      "over- or false detection", "no final verdict yet"};
	table_begin(o, "lrrl", L(o, "Verdict", "判定"), L(o, "Alerts", "件数"),
	            L(o, "Share", "割合"), L(o, "Meaning", "意味"));
	for (size_t i = 0; i < 4; i++) {
		enum mr_verdict v = order[i];
		long n = m->verdicts[v];
		tr_begin(o);
		td_cls(o, verdict_cls(v), monthly_verdict_name(v, o->lang));
		tdf(o, "%ld", n);
		if (m->triaged > 0)
			tdf(o, "%.1f%%", 100.0 * (double)n / (double)m->triaged);
		else
			td(o, "-");
		td(o, o->lang == RP_JA ? what_ja[i] : what_en[i]);
		tr_end(o);
	}
	tr_begin(o);
	td(o, L(o, "Total", "合計"));
	tdf(o, "%ld", m->triaged);
	td(o, m->triaged > 0 ? "100.0%" : "-");
	td(o, L(o, "alerts judged (reports per alert, 2-1)", "判定対象の検知アラート (2-①)"));
	tr_end(o);
	table_end(o);
	if (o->lang == RP_JA)
		para(o, "受信した検知アラート %ld 件のうち、重複 %ld 件 (R-12) と初期導入期間中の"
		     " %ld 件 (R-8) は判定の対象外です。", m->received, m->duplicates, m->onboarding);
	else
		para(o, "Not judged among the %ld alerts received: duplicates (R-12) %ld, received"
		     " during onboarding (R-8) %ld.", m->received, m->duplicates, m->onboarding);
}

static const char *const BLOCKS[8] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

static void chart_md(struct ob *o, const struct monthly *m, long max)
{
	ob_puts(o, "```text\n");
	ob_raw(o, o->lang == RP_JA ? "日別の検知アラート数 (最大 %ld 件 = █)\n"
	                           : "Alerts per day (most: %ld = █)\n", max);
	for (int d = 0; d < m->days; d++) {
		long c = m->daily[d];
		if (c <= 0)
			ob_puts(o, " ");
		else
			ob_puts(o, BLOCKS[(c * 8 + max - 1) / max - 1]);
	}
	ob_puts(o, "\n");
	char axis[40];
	memset(axis, ' ', sizeof axis);
	for (int d = 1; d <= m->days; d++) {
		if (d != 1 && d % 5 != 0)
			continue;
		char num[4];
		int l = snprintf(num, sizeof num, "%d", d);
		if (d - 1 + l <= (int)sizeof axis)
			memcpy(axis + d - 1, num, (size_t)l);
	}
	int end = m->days + 1 < (int)sizeof axis ? m->days + 1 : (int)sizeof axis;
	while (end > 0 && axis[end - 1] == ' ')
		end--;
	ob_add(o, axis, (size_t)end);
	ob_puts(o, "\n```\n\n");
}

static void chart_svg(struct ob *o, const struct monthly *m, long max)
{
	const int left = 36, step = 18, bar = 12, top = 16, plot = 120;
	int w = left + m->days * step + 8, h = top + plot + 24;
	ob_raw(o, "<figure>\n<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
	          " role=\"img\" aria-label=\"", w, h, w, h);
	esc(o, L(o, "Alerts per day", "日別の検知アラート数"), 0);
	ob_puts(o, "\">\n<title>");
	esc(o, L(o, "Alerts per day", "日別の検知アラート数"), 0);
	ob_puts(o, "</title>\n");
	ob_raw(o, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", left - 2, top,
	       left - 2, top + plot);
	ob_raw(o, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", left - 2,
	       top + plot, w - 4, top + plot);
	ob_raw(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%ld</text>\n", left - 6, top + 4, max);
	ob_raw(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n", left - 6, top + plot);
	for (int d = 0; d < m->days; d++) {
		long c = m->daily[d];
		int x = left + d * step + (step - bar) / 2;
		if (c > 0) {
			int bh = (int)((c * plot + max / 2) / max);
			if (bh < 1)
				bh = 1;
			char date[32];
			local(m, m->from_us + (int64_t)d * CAL_US_PER_DAY, false, date, sizeof date);
			ob_raw(o, "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\">"
			          "<title>%s: %ld</title></rect>\n", x, top + plot - bh, bar, bh, date, c);
		}
		if (d == 0 || (d + 1) % 5 == 0)
			ob_raw(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d</text>\n",
			       x + bar / 2, top + plot + 14, d + 1);
	}
	ob_puts(o, "</svg>\n<figcaption>");
	esc(o, L(o, "Alerts received per day (day of the month); the figures are in table 1.",
	         "日別の受信件数 (横軸は日付)。数値は表 1 を参照してください。"), 0);
	ob_puts(o, "</figcaption>\n</figure>\n");
}

static void r_trend(struct ob *o, const struct monthly *m)
{
	sub(o, 0, 2);
	long max = 0, days_with = 0;
	int busiest = -1;
	for (int d = 0; d < m->days; d++) {
		if (m->daily[d] > 0)
			days_with++;
		if (m->daily[d] > max) {
			max = m->daily[d];
			busiest = d;
		}
	}
	if (max == 0) {
		para(o, "%s", L(o, "No alert was received this month.",
		                "当月に受信した検知アラートはありません。"));
	} else if (o->html) {
		chart_svg(o, m, max);
	} else {
		chart_md(o, m, max);
	}
	list_begin(o);
	if (m->prev_received >= 0)
		item(o, o->lang == RP_JA ? "受信した検知アラート: %ld 件 (前月 %ld 件、%+ld 件)" :
		        "Alerts received: %ld (previous month: %ld, %+ld)",
		     m->received, m->prev_received, m->received - m->prev_received);
	else
		item(o, o->lang == RP_JA ? "受信した検知アラート: %ld 件" : "Alerts received: %ld",
		     m->received);
	if (busiest >= 0) {
		char date[32];
		local(m, m->from_us + (int64_t)busiest * CAL_US_PER_DAY, false, date, sizeof date);
		item(o, o->lang == RP_JA ? "最も多かった日: %s (%ld 件)" : "Busiest day: %s (%ld)",
		     date, max);
	}
	if (o->lang == RP_JA)
		item(o, "検知アラートのあった日: %d 日中 %ld 日", m->days, days_with);
	else
		item(o, "Days with alerts: %ld of %d", days_with, m->days);
	if (m->triaged > 0)
		item(o, o->lang == RP_JA ? "ブラック %ld 件、グレー %ld 件、ホワイト %ld 件、判定待ち %ld 件" :
		        "Black %ld, gray %ld, white %ld, pending %ld",
		     m->verdicts[MR_BLACK], m->verdicts[MR_GRAY], m->verdicts[MR_WHITE],
		     m->verdicts[MR_PENDING]);
	list_end(o);
}

static void r_notes(struct ob *o, const struct monthly *m)
{
	sub(o, 0, 3);
	bool ja = o->lang == RP_JA;
	int n = 0;
	char a[32];
	list_begin(o);
	if (m->verdicts[MR_PENDING] > 0 && ++n)
		item(o, ja ? "判定が確定していない検知アラートが %ld 件あります。確定後の件数は変わることがあります。"
		           : "%ld alerts have no final verdict yet; the counts may still change.",
		     m->verdicts[MR_PENDING]);
	if (m->quick_missed > 0 && ++n)
		item(o, ja ? "速報レポートの提供目安 (受信後 2 時間) を超過した検知アラートが %ld 件あります (R-10)。"
		           : "%ld quick reports missed the 2-hour target (R-10).", m->quick_missed);
	if (m->explain_missed > 0 && ++n)
		item(o, ja ? "解説レポートの提供目安 (受信後 5 営業時間) を超過した検知アラートが %ld 件あります (R-15)。"
		           : "%ld explanatory reports missed the 5-business-hour target (R-15).",
		     m->explain_missed);
	if (m->gray_timeouts > 0 && ++n)
		item(o, ja ? "グレー判定のうち 3 営業日以内に返信が無く、ホワイト判定と同様に対応したものが %ld 件あります (R-19)。"
		           : "%ld gray alerts got no answer within 3 business days and were handled as white (R-19).",
		     m->gray_timeouts);
	if (m->escalated > 0 && ++n)
		item(o, ja ? "プロフェッショナルサービスへエスカレーションした検知アラートが %ld 件あります (R-29)。"
		           : "%ld alerts were escalated to professional services (R-29).", m->escalated);
	if (m->duplicates > 0 && ++n)
		item(o, ja ? "受信後 72 時間以内に同一端末で同一ファイル (同一ハッシュ値) を検知した %ld 件は、レポート提供の対象外です (R-12)。"
		           : "%ld alerts repeated the same file (same hash) on the same endpoint within 72 hours: no report (R-12).",
		     m->duplicates);
	if (m->onboarding > 0 && ++n)
		item(o, ja ? "初期導入期間中の検知アラート %ld 件は判定の対象外です (R-8)。"
		           : "%ld alerts were received during onboarding and not judged (R-8).",
		     m->onboarding);
	if (!m->measured && ++n)
		item(o, "%s", ja ? "サービスシステムの稼働記録が無いため、マネージドサービス停止時間は不明です。"
		                 : "There is no uptime record of the service system: the downtime is unknown.");
	else if (m->measured_from_us > m->from_us && ++n)
		item(o, ja ? "稼働記録は %s 以降のものです。それ以前の停止時間は集計していません。"
		           : "Uptime was recorded from %s on; the time before is not counted.",
		     local(m, m->measured_from_us, true, a, sizeof a));
	if (m->alerts_dropped > 0 && ++n)
		item(o, ja ? "検知アラート毎レポートには先頭の %zu 件を掲載しています (ほか %zu 件は件数のみ集計)。"
		           : "Reports per alert lists the first %zu alerts; %zu more are counted only.",
		     m->n_alerts, m->alerts_dropped);
	if (m->endpoints_dropped > 0 && ++n)
		item(o, ja ? "表 2 には %zu 台を掲載しています (ほか %zu 台は台数のみ集計)。"
		           : "Table 2 lists %zu endpoints; %zu more are counted only.",
		     m->n_endpoints, m->endpoints_dropped);
	if (n == 0)
		item(o, "%s", ja ? "特記事項はありません。" : "Nothing to note.");
	list_end(o);
}

static void r_alerts(struct ob *o, const struct monthly *m)
{
	sub(o, 1, 0);
	if (m->n_alerts == 0) {
		para(o, "%s", L(o, "No alert was judged this month.",
		                "当月に判定した検知アラートはありません。"));
		return;
	}
	table_begin(o, "lrllll", L(o, "Received", "受信日時"), L(o, "Alert", "アラート"),
	            L(o, "Endpoint", "端末"), L(o, "Detected file", "検知ファイル"),
	            L(o, "Verdict", "判定"), L(o, "Reports", "レポート"));
	for (size_t i = 0; i < m->n_alerts; i++) {
		const struct mr_alert *a = &m->alerts[i];
		char t[32], v[96], r[96];
		tr_begin(o);
		td(o, local(m, a->received_us, true, t, sizeof t));
		tdf(o, "%lld", (long long)a->id);
		td(o, a->host);
		td(o, a->path);
		if (a->quick != a->verdict && a->quick != MR_PENDING)
			snprintf(v, sizeof v, o->lang == RP_JA ? "%s (速報: %s)" : "%s (quick: %s)",
			         monthly_verdict_name(a->verdict, o->lang),
			         monthly_verdict_name(a->quick, o->lang));
		else
			snprintf(v, sizeof v, "%s", monthly_verdict_name(a->verdict, o->lang));
		td_cls(o, verdict_cls(a->verdict), v);
		snprintf(r, sizeof r, "%s%s%s%s%s",
		         a->quick_report ? L(o, "quick", "速報") : "",
		         a->quick_report && a->explain_report ? L(o, ", ", "・") : "",
		         a->explain_report ? L(o, "explanatory", "解説") : "",
		         a->escalated && (a->quick_report || a->explain_report) ? " " : "",
		         a->escalated ? L(o, "(escalated)", "(エスカレーション)") : "");
		td(o, r);
		tr_end(o);
	}
	table_end(o);
}

static void r_endpoints(struct ob *o, const struct monthly *m)
{
	sub(o, 1, 1);
	int64_t last = MR_NONE;
	for (size_t i = 0; i < m->n_endpoints; i++)
		if (m->endpoints[i].last_seen_us != MR_NONE && (last == MR_NONE ||
		    m->endpoints[i].last_seen_us > last))
			last = m->endpoints[i].last_seen_us;
	char t[32];
	table_begin(o, "lr", L(o, "Endpoints", "サービス利用端末"), L(o, "Count", "台数"));
	kv(o, L(o, "Registered", "登録台数"), "%ld", m->ep_registered);
	kv(o, L(o, "In contact since the start of the month", "当月以降に通信あり"), "%ld",
	   m->ep_contacted);
	kv(o, L(o, "Never in contact", "通信実績なし"), "%ld", m->ep_never);
	kv(o, L(o, "Isolated (or changing)", "ネットワーク隔離中 (変更中を含む)"), "%ld",
	   m->ep_isolated);
	kv(o, L(o, "Reporting an error", "エラーあり"), "%ld", m->ep_errors);
	table_end(o);
	para(o, o->lang == RP_JA ? "最終通信日時 (全端末で最新): %s。全端末の一覧は表 2 にあります。"
	                         : "Latest contact of any endpoint: %s. Every endpoint is listed in"
	                           " table 2.", local(m, last, true, t, sizeof t));
	if (m->ep_isolated == 0)
		return;
	table_begin(o, "lll", L(o, "Isolated endpoint", "隔離中の端末"),
	            L(o, "Isolation", "隔離状態"), L(o, "Last contact", "最終通信日時"));
	for (size_t i = 0; i < m->n_endpoints; i++) {
		const struct mr_endpoint *e = &m->endpoints[i];
		if (!e->isolated)
			continue;
		tr_begin(o);
		td(o, e->host);
		td(o, isolation_text(o, e->isolation));
		td(o, local(m, e->last_seen_us, true, t, sizeof t));
		tr_end(o);
	}
	table_end(o);
}

static void r_downtime(struct ob *o, const struct monthly *m)
{
	sub(o, 1, 2);
	if (!m->measured) {
		para(o, "%s", L(o, "There is no uptime record of the service system: the downtime is"
		                   " unknown.",
		                "サービスシステムの稼働記録が無いため、停止時間は不明です。"));
		return;
	}
	char a[32], b[32], d[48], av[24];
	local(m, m->measured_from_us, true, a, sizeof a);
	local(m, m->measured_to_us, true, b, sizeof b);
	duration(o, m->down_us, d, sizeof d);
	availability(m, av, sizeof av);
	if (o->lang == RP_JA)
		para(o, "集計期間 %s 〜 %s の停止時間は %s、稼働率は %s です。停止時間は、サービスシステム"
		     " (itrace-cmdd) の稼働記録のいずれにも含まれない時間です。", a, b, d, av);
	else
		para(o, "From %s to %s the service was down for %s (availability %s): the time covered"
		     " by no uptime record of the service system (itrace-cmdd).", a, b, d, av);
	if (m->n_gaps == 0)
		return;
	table_begin(o, "llr", L(o, "Down from", "停止開始"), L(o, "Until", "停止終了"),
	            L(o, "Duration", "停止時間"));
	for (size_t i = 0; i < m->n_gaps && i < MR_MAX_GAP_ROWS; i++) {
		tr_begin(o);
		td(o, local(m, m->gaps[i].from_us, true, a, sizeof a));
		td(o, local(m, m->gaps[i].to_us, true, b, sizeof b));
		td(o, duration(o, m->gaps[i].to_us - m->gaps[i].from_us, d, sizeof d));
		tr_end(o);
	}
	table_end(o);
	if (m->n_gaps > MR_MAX_GAP_ROWS)
		para(o, o->lang == RP_JA ? "ほか %zu 件の停止は合計にのみ含めています。"
		                         : "%zu more periods are counted in the total.",
		     m->n_gaps - MR_MAX_GAP_ROWS);
}

static void r_tables(struct ob *o, const struct monthly *m)
{
	sub(o, 2, 0);
	list_begin(o);
	item(o, "%s", L(o, "Table 1: alerts per day", "表 1 日別の検知アラート数"));
	item(o, "%s", L(o, "Table 2: service endpoints", "表 2 サービス利用端末一覧"));
	list_end(o);
	heading(o, 4, L(o, "Table 1: alerts per day", "表 1 日別の検知アラート数"));
	table_begin(o, "lrrrrr", L(o, "Date", "日付"), L(o, "Received", "受信"),
	            monthly_verdict_name(MR_BLACK, o->lang), monthly_verdict_name(MR_GRAY, o->lang),
	            monthly_verdict_name(MR_WHITE, o->lang),
	            monthly_verdict_name(MR_PENDING, o->lang));
	char t[32];
	for (int d = 0; d < m->days; d++) {
		tr_begin(o);
		td(o, local(m, m->from_us + (int64_t)d * CAL_US_PER_DAY, false, t, sizeof t));
		tdf(o, "%ld", m->daily[d]);
		tdf(o, "%ld", m->daily_v[d][MR_BLACK]);
		tdf(o, "%ld", m->daily_v[d][MR_GRAY]);
		tdf(o, "%ld", m->daily_v[d][MR_WHITE]);
		tdf(o, "%ld", m->daily_v[d][MR_PENDING]);
		tr_end(o);
	}
	tr_begin(o);
	td(o, L(o, "Total", "合計"));
	tdf(o, "%ld", m->received);
	tdf(o, "%ld", m->verdicts[MR_BLACK]);
	tdf(o, "%ld", m->verdicts[MR_GRAY]);
	tdf(o, "%ld", m->verdicts[MR_WHITE]);
	tdf(o, "%ld", m->verdicts[MR_PENDING]);
	tr_end(o);
	table_end(o);
	heading(o, 4, L(o, "Table 2: service endpoints", "表 2 サービス利用端末一覧"));
	if (m->n_endpoints == 0) {
		para(o, "%s", L(o, "No endpoint is registered.", "登録された端末はありません。"));
		return;
	}
	table_begin(o, "lllll", L(o, "Endpoint", "端末"), L(o, "Client version", "クライアント"),
	            L(o, "Last contact", "最終通信日時"), L(o, "Isolation", "隔離状態"),
	            L(o, "Error", "エラー情報"));
	for (size_t i = 0; i < m->n_endpoints; i++) {
		const struct mr_endpoint *e = &m->endpoints[i];
		tr_begin(o);
		td(o, e->host);
		td(o, e->client_version);
		td(o, local(m, e->last_seen_us, true, t, sizeof t));
		td(o, isolation_text(o, e->isolation));
		td(o, e->last_error);
		tr_end(o);
	}
	table_end(o);
}

static void r_glossary(struct ob *o)
{
	sub(o, 2, 1);
	static const char *const g[][4] = {
		{"Black", "clear threat: the file and its security logs are reported; isolation or"
		 " removal on the administrator's request.",
		 "ブラック", "明らかな脅威。ファイルおよび関連するセキュリティログの内容を報告します。"
		 "サービス管理者の依頼に基づくネットワーク隔離や検知されたファイルの駆除も可能です。"},
		{"Gray", "needs investigation: the administrator checks with the user whether the file"
		 " was saved or run on purpose; with no answer within 3 business days it is handled"
		 " as white.",
		 "グレー", "要調査。検知ファイルを意図して保存もしくは実行していたか否かをサービス管理者に"
		 "ご確認いただきます。3 営業日以内に返信が無い場合はホワイト判定と同様に対応します。"},
		{"White", "over- or false detection: the file and its logs are reported; with the"
		 " hearing-sheet setting the file is registered in the exception list.",
		 "ホワイト", "過検知・誤検知。ヒアリングシートで「例外リストに登録する」をご希望の場合は、"
		 "当社営業時間内に例外リストに登録します。"},
		{"Pending", "no final verdict yet at the time of the report.",
		 "判定待ち", "本レポート作成時点で判定が確定していない検知アラート。"},
		{"Quick report", "eight items from the security logs (how the file was created, the"
		 " processes before and after it ran, files, registry, communication, file"
		 " attributes), within 2 hours of reception, 24/7.",
		 "速報レポート", "ファイルの生成経緯、実行までのプロセス、実行したプロセス、書き込み・読み込み"
		 "ファイル、レジストリ、通信、ファイル属性の 8 項目。受信後 2 時間以内を目安に 24 時間 365 日"
		 "提供します。"},
		{"Explanatory report", "an analyst's analysis of the security logs, within 5 business"
		 " hours of reception; its verdict may differ from the quick report's.",
		 "解説レポート", "担当アナリストがセキュリティログを分析した結果。受信後 5 営業時間以内を目安に"
		 "提供します。判定が速報レポートから変わることがあります。"},
		{"Network isolation", "a logical disconnection: the endpoint reaches only the"
		 " destinations allowed on the hearing sheet.",
		 "ネットワーク隔離", "論理抜線。隔離中の端末は、ヒアリングシートの通信許可設定の宛先にのみ"
		 "接続できます。"},
		{"Sample deletion", "deleting the detected file on the endpoint, on request; the file"
		 " may also be fetched for investigation.",
		 "検体削除", "サービス管理者の依頼に基づき検知されたファイルを削除します。調査のための"
		 "ファイル取得も可能です。"},
		{"Exception list", "files excluded from detection by the malware protection.",
		 "例外リスト", "マルウェア対策機能の検知対象から除外するファイルの一覧。"},
		{"Duplicate", "the same file (same hash) detected again on the same endpoint within 72"
		 " hours of the first alert: no report, no mail.",
		 "重複", "検知アラートの受信後 72 時間以内に同一端末で同一ファイル (同一ハッシュ値) を"
		 "検知したもの。メールによる連絡を含めレポート提供の対象外です。"},
		{"Onboarding", "about one month from the service start: logs are tuned and"
		 " over-detections registered as exceptions; alerts are not judged.",
		 "初期導入期間", "サービス開始後 1 か月を目安とする期間。ログチューニングと過検知対応を行い、"
		 "検知アラートへの対応は行いません。"},
		{"Managed-service downtime", "time during which the service system was not running,"
		 " from its own uptime records.",
		 "マネージドサービス停止時間", "サービスシステムの稼働記録から求めた、サービスシステムが"
		 "稼働していなかった時間。"},
		{"Business hours", "the company's business days and hours (calendar of the service).",
		 "営業時間", "当社営業日の営業時間 (サービスのカレンダーによる)。"},
	};
	table_begin(o, "ll", L(o, "Term", "用語"), L(o, "Meaning", "解説"));
	for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
		tr_begin(o);
		td(o, o->lang == RP_JA ? g[i][2] : g[i][0]);
		td(o, o->lang == RP_JA ? g[i][3] : g[i][1]);
		tr_end(o);
	}
	table_end(o);
}

/* ---- Documents ------------------------------------------------------------ */

static void body(struct ob *o, const struct monthly *m)
{
	r_title(o, m);
	sec(o, 0);
	r_summary(o, m);
	r_verdicts(o, m);
	r_trend(o, m);
	r_notes(o, m);
	sec(o, 1);
	r_alerts(o, m);
	r_endpoints(o, m);
	r_downtime(o, m);
	sec(o, 2);
	r_tables(o, m);
	r_glossary(o);
}

static char *finish(struct ob *o)
{
	return strbuf_take(&o->buf);
}

char *monthly_markdown(const struct monthly *m, enum rp_lang lang)
{
	struct ob o = {.lang = lang};
	body(&o, m);
	return finish(&o);
}

static const char STYLE[] =
	"body{font-family:sans-serif;max-width:64em;margin:1em auto;padding:0 1em;color:#111;"
	"line-height:1.5}\n"
	"table{border-collapse:collapse;margin:.5em 0 1em}\n"
	"th,td{border:1px solid #999;padding:.2em .5em;text-align:left;vertical-align:top;"
	"overflow-wrap:anywhere}\n"
	"th{background:#eee}\n"
	".n{text-align:right}\n"
	".v-black{font-weight:bold;background:#f2d7d5}\n"
	".v-gray{background:#e5e5e5}\n"
	".v-white{background:#fff}\n"
	".v-pending{font-style:italic}\n"
	"svg.chart .bar{fill:#3d6a9e}\n"
	"svg.chart .axis{stroke:#333;stroke-width:1}\n"
	"svg.chart text{font-size:10px;fill:#333}\n"
	"figure{margin:.5em 0}\n";

char *monthly_html(const struct monthly *m, enum rp_lang lang)
{
	struct ob o = {.lang = lang, .html = true};
	ob_raw(&o, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
	       lang == RP_JA ? "ja" : "en");
	ob_puts(&o, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
	            " style-src 'unsafe-inline'\">\n<title>");
	char *t = NULL;
	if (asprintf(&t, lang == RP_JA ? "月次レポート: %s %d年%d月" : "Monthly report: %s, %04d-%02d",
	             m->tenant, m->year, m->month) < 0)
		o.buf.oom = 1;
	else
		esc(&o, t, 0);
	free(t);
	ob_puts(&o, "</title>\n<style>\n");
	ob_puts(&o, STYLE);
	ob_puts(&o, "</style>\n</head>\n<body>\n");
	body(&o, m);
	ob_puts(&o, "</body>\n</html>\n");
	return finish(&o);
}
