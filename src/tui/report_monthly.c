/* report_monthly.c - `itrace-tui report monthly`: the monthly report of
 * one tenant (SPEC R-25) on stdout, without the console.
 *
 *   itrace-tui report monthly [--db CONNINFO] --tenant NAME --month YYYY-MM
 *                             [--format md|html] [--lang en|ja]
 *                             [--calendar FILE]
 *
 * --db absent: the PG* environment. The month is the tenant's calendar
 * month (its own calendar, else --calendar FILE, the company calendar that
 * itrace-cmdd is given, else the built-in Asia/Tokyo default). A month not
 * over yet is reported up to now. Read-only: one REPEATABLE READ READ ONLY
 * transaction, so the figures agree with each other.
 */
#include "tui/report_cmd.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calendar.h"
#include "core/monthly.h"
#include "db/conn.h"
#include "db/monthly.h"

static const char usage[] =
	"usage: itrace-tui report monthly [--db CONNINFO] --tenant NAME --month YYYY-MM\n"
	"                                 [--format md|html] [--lang en|ja] [--calendar FILE]\n";

struct mopts {
	const char *db, *tenant, *calendar;
	int year, month;
	bool html;
	enum rp_lang lang;
};

static int parse(int argc, char **argv, struct mopts *o)
{
	memset(o, 0, sizeof *o);
	o->lang = RP_EN;
	const char *month = NULL;
	for (int i = 2; i < argc; i++) {
		const char *v;
		if ((v = report_opt(argc, argv, &i, "--db")) != NULL) {
			o->db = v;
		} else if ((v = report_opt(argc, argv, &i, "--tenant")) != NULL) {
			o->tenant = v;
		} else if ((v = report_opt(argc, argv, &i, "--month")) != NULL) {
			month = v;
		} else if ((v = report_opt(argc, argv, &i, "--calendar")) != NULL) {
			o->calendar = v;
		} else if ((v = report_opt(argc, argv, &i, "--format")) != NULL) {
			if (strcmp(v, "html") != 0 && strcmp(v, "md") != 0) {
				fprintf(stderr, "itrace-tui: --format is md or html\n");
				return -1;
			}
			o->html = strcmp(v, "html") == 0;
		} else if ((v = report_opt(argc, argv, &i, "--lang")) != NULL) {
			if (strcmp(v, "ja") != 0 && strcmp(v, "en") != 0) {
				fprintf(stderr, "itrace-tui: --lang is en or ja\n");
				return -1;
			}
			o->lang = strcmp(v, "ja") == 0 ? RP_JA : RP_EN;
		} else {
			fprintf(stderr, "itrace-tui: unknown argument \"%s\"\n", argv[i]);
			return -1;
		}
	}
	if (o->tenant == NULL || o->tenant[0] == '\0') {
		fprintf(stderr, "itrace-tui: --tenant is required\n");
		return -1;
	}
	if (month == NULL) {
		fprintf(stderr, "itrace-tui: --month YYYY-MM is required\n");
		return -1;
	}
	if (monthly_parse_month(month, &o->year, &o->month) != 0) {
		fprintf(stderr, "itrace-tui: --month %s: expected YYYY-MM (2000-01 to 2099-12)\n",
		        month);
		return -1;
	}
	return 0;
}

/* The company calendar file's text (malloc'd), checked; NULL + message. */
static char *read_calendar(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "itrace-tui: --calendar %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	size_t n = buf != NULL ? fread(buf, 1, cap - 1, f) : 0;
	int bad = ferror(f) || buf == NULL;
	fclose(f);
	if (bad) {
		fprintf(stderr, "itrace-tui: --calendar %s: cannot read it\n", path);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	struct cal c;
	char *err = NULL;
	if (cal_parse(&c, buf, &err) != 0) {
		fprintf(stderr, "itrace-tui: --calendar %s: %s\n", path,
		        err != NULL ? err : "out of memory");
		free(err);
		free(buf);
		return NULL;
	}
	cal_free(&c);
	return buf;
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Load and render inside one read-only transaction. 0, 1 (no tenant or
 * cannot build), 2 (database lost). */
static int run(PGconn *c, const struct mopts *o, const char *company, char **text)
{
	char *err = NULL;
	int64_t tid = 0;
	int st = 0, rc;
	struct cal cal;
	cal_default(&cal);
	struct monthly *m = NULL;
	if (db_exec_cmd(c, "begin", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL,
	                &err) != 0) {
		st = 2;
		goto out;
	}
	rc = monthly_db_tenant(c, o->tenant, &tid, &err);
	if (rc == 1) {
		fprintf(stderr, "itrace-tui: no tenant \"%s\"\n", o->tenant);
		st = 1;
		goto out;
	}
	if (rc != 0 || monthly_db_calendar(c, tid, company, &cal, &err) != 0 ||
	    (rc = monthly_db_load(c, tid, &cal, o->year, o->month, now_us(), &m, &err)) != 0) {
		st = rc == 1 ? 1 : PQstatus(c) != CONNECTION_OK ? 2 : 1;
		goto out;
	}
	*text = o->html ? monthly_html(m, o->lang) : monthly_markdown(m, o->lang);
	if (*text == NULL) {
		fprintf(stderr, "itrace-tui: out of memory building the report\n");
		st = 1;
	}
out:
	if (err != NULL)
		fprintf(stderr, "itrace-tui: %s\n", err);
	free(err);
	monthly_free(m);
	cal_free(&cal);
	return st;
}

int report_monthly_main(int argc, char **argv)
{
	struct mopts o;
	if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	if (parse(argc, argv, &o) != 0) {
		fputs(usage, stderr);
		return 2;
	}
	char *company = NULL;
	if (o.calendar != NULL && (company = read_calendar(o.calendar)) == NULL)
		return 2;
	char *err = NULL;
	PGconn *c = db_connect(o.db, "itrace-tui report monthly", &err);
	if (c == NULL) {
		fprintf(stderr, "itrace-tui: %s\n", err != NULL ? err : "cannot connect");
		free(err);
		free(company);
		return 2;
	}
	char *text = NULL;
	int st = run(c, &o, company, &text);
	PQfinish(c);
	free(company);
	if (st == 0 && (fputs(text, stdout) == EOF || fflush(stdout) != 0)) {
		fprintf(stderr, "itrace-tui: cannot write the report: %s\n", strerror(errno));
		st = 1;
	}
	free(text);
	return st;
}
