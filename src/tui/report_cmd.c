/* report_cmd.c - `itrace-tui report quick`: the quick report of one alert
 * on stdout, without the console.
 *
 *   itrace-tui report quick [--db CONNINFO] --alert ID [--format md|json]
 *                           [--lang en|ja] [--timing]
 *
 * --db absent: the PG* environment. --timing prints where the time went
 * on stderr (used by the benchmark).
 */
#include "tui/report_cmd.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/report.h"
#include "core/sanitize.h"
#include "db/conn.h"
#include "db/evidence.h"
#include "db/report_facts.h"

static const char usage[] =
	"usage: itrace-tui report quick [--db CONNINFO] --alert ID"
	" [--format md|json] [--lang en|ja] [--timing]\n"
	"       itrace-tui report monthly [--db CONNINFO] --tenant NAME --month YYYY-MM"
	" [--format md|html] [--lang en|ja]\n";

struct ropts {
	const char *db;
	int64_t alert;
	int json;
	enum rp_lang lang;
	int timing;
};

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

const char *report_opt(int argc, char **argv, int *i, const char *name)
{
	size_t nl = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, nl) != 0)
		return NULL;
	if (a[nl] == '=')
		return a + nl + 1;
	if (a[nl] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		fprintf(stderr, "itrace-tui: %s needs a value\n", name);
		return "";
	}
	return argv[++*i];
}

/* 0 ok, 1 help printed, -1 bad usage (message printed). */
static int parse(int argc, char **argv, struct ropts *o)
{
	memset(o, 0, sizeof *o);
	o->alert = -1;
	for (int i = 2; i < argc; i++) {
		const char *v;
		if ((v = report_opt(argc, argv, &i, "--db")) != NULL) {
			o->db = v;
		} else if ((v = report_opt(argc, argv, &i, "--alert")) != NULL) {
			char *end;
			errno = 0;
			long long id = strtoll(v, &end, 10);
			if (errno != 0 || end == v || *end != '\0' || id <= 0) {
				fprintf(stderr, "itrace-tui: bad alert id \"%s\"\n", v);
				return -1;
			}
			o->alert = id;
		} else if ((v = report_opt(argc, argv, &i, "--format")) != NULL) {
			if (strcmp(v, "json") == 0)
				o->json = 1;
			else if (strcmp(v, "md") == 0)
				o->json = 0;
			else {
				fprintf(stderr, "itrace-tui: --format is md or json\n");
				return -1;
			}
		} else if ((v = report_opt(argc, argv, &i, "--lang")) != NULL) {
			if (strcmp(v, "ja") == 0)
				o->lang = RP_JA;
			else if (strcmp(v, "en") == 0)
				o->lang = RP_EN;
			else {
				fprintf(stderr, "itrace-tui: --lang is en or ja\n");
				return -1;
			}
		} else if (strcmp(argv[i], "--timing") == 0) {
			o->timing = 1;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return 1;
		} else {
			fprintf(stderr, "itrace-tui: unknown argument \"%s\"\n", argv[i]);
			return -1;
		}
	}
	if (o->alert < 0) {
		fprintf(stderr, "itrace-tui: --alert is required\n");
		return -1;
	}
	return 0;
}

/* An error message on stderr; server messages can quote logged values. */
static void complain(const char *msg)
{
	char *safe = san_str(msg != NULL ? msg : "database error");
	fprintf(stderr, "itrace-tui: %s\n", safe != NULL ? safe : "error");
	free(safe);
}

/* t_main: when report_cmd_main() began (--timing: "main" is the time
 * from there to the report written; the benchmark takes it from the whole
 * run to see what process start and exit cost). */
static int quick(const struct ropts *o, double t_main)
{
	double t0 = mono_ms();
	char *err = NULL;
	/* One short session: its TimeZone goes in the startup packet (libpq
	 * sends PGTZ there) rather than costing a SET and a round trip; the
	 * evidence needs UTC whatever the caller's PGTZ said. */
	if (setenv("PGTZ", "UTC", 1) != 0) {
		complain("cannot set PGTZ");
		return 2;
	}
	PGconn *c = db_connect(o->db, "itrace-tui report", &err);
	if (c == NULL) {
		complain(err != NULL ? err : "cannot connect");
		free(err);
		return 2;
	}
	double t1 = mono_ms();
	struct evidence ev;
	int rc = evidence_load(c, o->alert, 0, &ev, &err);
	double t2 = mono_ms();
	if (rc != 0) {
		int lost = PQstatus(c) != CONNECTION_OK;
		if (rc == 1)
			fprintf(stderr, "itrace-tui: alert %lld not found\n", (long long)o->alert);
		else
			complain(err);
		free(err);
		PQfinish(c);
		return rc == 1 ? 1 : lost ? 2 : 1;
	}
	/* What the published report says beyond the logs (verdicts, the
	 * hearing sheet, isolation and deletion, the exception entry: SPEC
	 * R-15..R-20), so this is the report the daemon would publish. */
	struct rp_facts facts;
	int frc = report_facts_load(c, o->alert, RP_KIND_QUICK, &facts, &err);
	double t2f = mono_ms();
	if (frc != 0) {
		complain(frc > 0 ? "the alert is gone" : err);
		free(err);
		evidence_free(&ev);
		PQfinish(c);
		return 1;
	}
	ev.alert.facts = &facts;
	PQfinish(c);
	struct report *r = report_build(&ev.alert, ev.evs, ev.n, ev.from_us, ev.to_us);
	double t3 = mono_ms();
	char *text = r != NULL ? (o->json ? report_json(r, o->lang)
	                                  : report_markdown(r, o->lang)) : NULL;
	double t4 = mono_ms();
	int status = 0;
	if (text == NULL) {
		fprintf(stderr, "itrace-tui: out of memory building the report\n");
		status = 1;
	} else if (fputs(text, stdout) == EOF || fflush(stdout) != 0) {
		fprintf(stderr, "itrace-tui: cannot write the report: %s\n", strerror(errno));
		status = 1;
	}
	double t5 = mono_ms();
	if (o->timing)
		fprintf(stderr, "itrace-tui: timing: connect %.2f ms, evidence %.2f ms "
		        "(%d queries, %.2f ms in queries, %zu events), facts %.2f ms, build %.2f ms, "
		        "render %.2f ms, output %.2f ms, main %.2f ms\n", t1 - t0, t2 - t1,
		        ev.n_queries, ev.query_ms, ev.n, t2f - t2, t3 - t2f, t4 - t3, t5 - t4,
		        t5 - t_main);
	for (int i = 0; o->timing && i < ev.n_queries && i < 8; i++)
		fprintf(stderr, "itrace-tui: timing:   %-28s %7.2f ms %6d rows\n",
		        ev.q[i].what, ev.q[i].ms, ev.q[i].rows);
	free(text);
	report_free(r);
	evidence_free(&ev);
	return status;
}

int report_cmd_main(int argc, char **argv)
{
	double t_main = mono_ms();
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "monthly") == 0)
		return report_monthly_main(argc, argv);
	if (strcmp(argv[1], "quick") != 0) {
		fprintf(stderr, "itrace-tui: report: unknown kind \"%s\"\n%s", argv[1], usage);
		return 2;
	}
	struct ropts o;
	int rc = parse(argc, argv, &o);
	if (rc != 0) {
		if (rc > 0)
			return 0;   /* --help */
		fputs(usage, stderr);
		return 2;
	}
	return quick(&o, t_main);
}
