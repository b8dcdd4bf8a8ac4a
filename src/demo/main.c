/* main.c - itrace-demo-gen: options; the gen subcommand writes the demo's
 * data set (demo.h lists the files); drive replays the analysts' work. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "demo/demo.h"

static void usage(FILE *f)
{
	fputs("usage: itrace-demo-gen [gen] --seed N --now RFC3339 -o DIR [--days D]\n"
	      "       itrace-demo-gen drive --db CONNINFO --api URL --token-file F ACTIONS\n"
	      "\n"
	      "gen writes the data set of `make demo` into DIR, the same bytes for the\n"
	      "same seed and --now: 3 tenants (tenants.txt: options of `itrace-cmdd\n"
	      "tenant add`), 50 endpoints (endpoints.txt), D days (default 8) of\n"
	      "native NDJSON events ending at --now with attack chains and their\n"
	      "alert lines (TENANT.ndjson, for `itrace-ingest --tenant TENANT`), the\n"
	      "analysts' work to replay (actions.txt), alerts for itrace-endpoint-sim\n"
	      "(live-alerts.ndjson) and summary.txt.\n"
	      "\n"
	      "drive replays actions.txt through the command API (claim, verdicts,\n"
	      "reports, answers, close, escalate) with the analyst token in F, finding\n"
	      "each alert's id in the database by tenant, host and detection time.\n"
	      "Exit status: 0 done, 1 failure, 2 usage.\n", f);
}

static FILE *open_out(const char *dir, const char *name)
{
	char *p = xprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	if (f == NULL)
		die("%s: %s", p, strerror(errno));
	free(p);
	return f;
}

static void close_out(FILE *f, const char *name)
{
	if (fflush(f) != 0 || ferror(f) || fclose(f) != 0)
		die("%s: write error", name);
}

static int alert_cmp(const void *x, const void *y)
{
	const struct plan_alert *a = *(const struct plan_alert *const *)x;
	const struct plan_alert *b = *(const struct plan_alert *const *)y;
	if (a->received != b->received)
		return a->received < b->received ? -1 : 1;
	return 0;
}

static void write_alert(FILE *f, const struct endpoint *e, const struct plan_alert *a)
{
	struct sb b = {0};
	char det[40], rcv[40];
	fmt_time(a->detected, det, sizeof det);
	fmt_time(a->received, rcv, sizeof rcv);
	sb_printf(&b, "{\"type\":\"alert\",\"host\":\"%s\",\"detected_at\":\"%s\",\"received_at\":\"%s\",\"path\":",
	          e->host, det, rcv);
	sb_json(&b, a->path);
	sb_printf(&b, ",\"sha256\":\"%s\",\"detection\":", a->sha256);
	sb_json(&b, a->detection);
	sb_printf(&b, ",\"action\":\"%s\"}\n", a->action);
	fputs(b.p, f);
	sb_free(&b);
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int gen_main(int argc, char **argv)
{
	const char *seed_s = NULL, *now_s = NULL, *dir = NULL;
	int days = 8;
	static const struct option longopts[] = {
		{"seed", required_argument, NULL, 's'},
		{"now", required_argument, NULL, 'n'},
		{"out", required_argument, NULL, 'o'},
		{"days", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': seed_s = optarg; break;
		case 'n': now_s = optarg; break;
		case 'o': dir = optarg; break;
		case 'd': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 3 || v > 31) {
				fprintf(stderr, "itrace-demo-gen: --days: 3 to 31\n");
				return 2;
			}
			days = (int)v;
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || seed_s == NULL || now_s == NULL || dir == NULL) {
		usage(stderr);
		return 2;
	}
	char *end;
	errno = 0;
	unsigned long long seed = strtoull(seed_s, &end, 10);
	if (errno != 0 || *seed_s == '\0' || *end != '\0' || seed_s[0] == '-') {
		fprintf(stderr, "itrace-demo-gen: --seed: a decimal number\n");
		return 2;
	}
	int64_t now;
	if (ev_parse_time(now_s, &now) != 0) {
		fprintf(stderr, "itrace-demo-gen: --now: not an RFC 3339 time: %s\n", now_s);
		return 2;
	}
	now -= now % US_MS;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		die("%s: %s", dir, strerror(errno));

	double t_start = mono();
	int64_t from = now - days * US_DAY;
	size_t neps;
	struct endpoint *eps = world_endpoints(seed, &neps);
	struct demo_plan plan;
	plan_alerts(&plan, eps, neps, seed, now);

	FILE *tf = open_out(dir, "tenants.txt");
	fputs("# NAME  options of `itrace-cmdd --db C tenant add NAME ...` (hearing sheet)\n", tf);
	for (size_t t = 0; t < N_TENANTS; t++) {
		struct jst j;
		jst_of(now - TENANTS[t].service_start_days * US_DAY, &j);
		fprintf(tf, "%s %s --service-start %04d-%02d-%02d\n", TENANTS[t].name, TENANTS[t].options,
		        j.year, j.month, j.day);
	}
	close_out(tf, "tenants.txt");
	FILE *ef = open_out(dir, "endpoints.txt");
	fputs("# TENANT HOST\n", ef);
	for (size_t i = 0; i < neps; i++)
		fprintf(ef, "%s %s\n", eps[i].t->name, eps[i].host);
	close_out(ef, "endpoints.txt");

	size_t total = 0;
	size_t per_tenant[8] = {0};
	for (size_t t = 0; t < N_TENANTS; t++) {
		char *name = xprintf("%s.ndjson", TENANTS[t].name);
		FILE *f = open_out(dir, name);
		for (size_t i = 0; i < neps; i++) {
			if (eps[i].t != &TENANTS[t])
				continue;
			struct epgen g;
			struct host_plan hp;
			eg_init(&g, &eps[i], seed, from, now);
			plan_sessions(&g, &hp);
			plan_sessions_for_chains(&g, &hp, &plan);
			gen_benign(&g, &hp);
			gen_chains(&g, &hp, &plan, eps, neps);
			size_t n = eg_write(&g, f);
			total += n;
			per_tenant[t] += n;
			eg_free(&g);
			host_plan_free(&hp);
		}
		/* the tenant's alerts, in the order they were received */
		const struct plan_alert **v = xcalloc(plan.n, sizeof *v);
		size_t nv = 0;
		for (size_t k = 0; k < plan.n; k++)
			if (plan.a[k].tenant == (int)t)
				v[nv++] = &plan.a[k];
		qsort(v, nv, sizeof *v, alert_cmp);
		for (size_t k = 0; k < nv; k++)
			write_alert(f, &eps[v[k]->ep], v[k]);
		free(v);
		close_out(f, name);
		free(name);
	}

	FILE *af = open_out(dir, "actions.txt");
	fputs("# TENANT HOST DETECTED_AT CHAIN STEP...  (itrace-demo-gen drive)\n", af);
	for (size_t k = 0; k < plan.n; k++) {
		const struct plan_alert *a = &plan.a[k];
		if (a->steps[0] == '\0')
			continue;
		char det[40];
		fmt_time(a->detected, det, sizeof det);
		fprintf(af, "%s %s %s %s %s\n", TENANTS[a->tenant].name, eps[a->ep].host, det,
		        chain_name(a->kind), a->steps);
	}
	close_out(af, "actions.txt");

	/* alerts the simulator uploads at each start: one per tenant, on
	 * endpoints with no other alert */
	FILE *lf = open_out(dir, "live-alerts.ndjson");
	static const char *const LIVE[][2] = {
		{"\\Downloads\\見積依頼_1125.pdf.exe", "Trojan:Win32/Formbook.AR!MTB"},
		{"\\AppData\\Local\\Temp\\7zS4A2F\\setup_helper.exe", "PUA:Win32/Caypnamer.A!ml"},
		{"\\Desktop\\ツール\\RemoteSupport.exe", "RemoteAccess:Win32/AnyDesk"},
	};
	for (size_t t = 0; t < N_TENANTS; t++) {
		const struct endpoint *e = NULL;
		for (size_t i = neps; i-- > 0;) {
			bool used = false;
			for (size_t k = 0; k < plan.n; k++)
				if (plan.a[k].ep == (int)i || plan.a[k].src_ep == (int)i)
					used = true;
			if (!used && eps[i].t == &TENANTS[t] && !eps[i].server) {
				e = &eps[i];
				break;
			}
		}
		if (e == NULL)
			continue;
		char *path = xprintf("%s%s", e->profile, LIVE[t % NELEM(LIVE)][0]);
		char key[128], sha[65];
		snprintf(key, sizeof key, "itrace-demo|%llu|live|%zu", seed, t);
		hash_hex(key, sha, 64);
		struct sb b = {0};
		sb_printf(&b, "{\"host\":\"%s\",\"path\":", e->host);
		sb_json(&b, path);
		sb_printf(&b, ",\"sha256\":\"%s\",\"detection\":\"%s\",\"action\":\"%s\"}\n", sha, LIVE[t % NELEM(LIVE)][1],
		          strcmp(TENANTS[t].mode, "block") == 0 ? "blocked" : "allowed");
		fputs(b.p, lf);
		sb_free(&b);
		free(path);
	}
	close_out(lf, "live-alerts.ndjson");

	FILE *sf = open_out(dir, "summary.txt");
	char nowb[40], fromb[40];
	fmt_time(now, nowb, sizeof nowb);
	fmt_time(from, fromb, sizeof fromb);
	fprintf(sf, "seed %llu, events from %s to %s\n", seed, fromb, nowb);
	for (size_t t = 0; t < N_TENANTS; t++) {
		size_t ne = 0, na = 0;
		for (size_t i = 0; i < neps; i++)
			ne += eps[i].t == &TENANTS[t];
		for (size_t k = 0; k < plan.n; k++)
			na += plan.a[k].tenant == (int)t;
		fprintf(sf, "tenant %s: %zu endpoints, %zu events, %zu alerts\n", TENANTS[t].name, ne,
		        per_tenant[t], na);
	}
	for (size_t k = 0; k < plan.n; k++) {
		const struct plan_alert *a = &plan.a[k];
		char rcv[40];
		fmt_time(a->received, rcv, sizeof rcv);
		fprintf(sf, "alert %-7s %-12s %-8s received %s%s  %s  [%s]\n", TENANTS[a->tenant].name,
		        eps[a->ep].host, chain_name(a->kind), rcv, a->rerun ? " (again)" : "", a->path,
		        a->steps[0] != '\0' ? a->steps : "new");
	}
	close_out(sf, "summary.txt");

	fprintf(stderr, "itrace-demo-gen: %zu tenants, %zu endpoints, %zu events, %zu alerts in %s (%.1f s)\n",
	        N_TENANTS, neps, total, plan.n, dir, mono() - t_start);
	plan_free(&plan);
	free(eps);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "drive") == 0)
		return drive_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "gen") == 0)
		return gen_main(argc - 1, argv + 1);
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	return gen_main(argc, argv);
}
