/* demo.h - itrace-demo-gen: the data set of `make demo`, and the helper
 * that drives the demo's workflow through the command API.
 *
 *   itrace-demo-gen [gen] --seed N --now RFC3339 -o DIR [--days D]
 *                   [--per-day N]
 *   itrace-demo-gen drive --db CONNINFO --api URL --token-file F ACTIONS
 *
 * gen writes, deterministically from the seed and --now (own PRNG, no
 * clock, no locale):
 *   DIR/tenants.txt         one line per tenant: NAME and the options of
 *                           `itrace-cmdd tenant add` (hearing sheet)
 *   DIR/endpoints.txt       TENANT HOST, one line per endpoint
 *   DIR/TENANT.ndjson       native NDJSON (README "Input formats"): the
 *                           tenant's 8 days of events, then its alert lines
 *                           in order of reception
 *   DIR/actions.txt         the analysts' work to replay through the API:
 *                           TENANT HOST DETECTED_AT CHAIN STEP...
 *   DIR/live-alerts.ndjson  alerts itrace-endpoint-sim uploads each time
 *                           the demo starts (detected "now")
 *   DIR/summary.txt         what was generated, per tenant and chain
 *
 * Files:
 *   main.c    options, the gen and drive subcommands' entry points
 *   util.c    PRNG (xoshiro256** seeded by splitmix64), string builder,
 *             JSON string escaping, time formatting
 *   world.c   tenants, endpoints, users, the file catalogue, GUIDs
 *   emit.c    events of one endpoint: buffered, sorted, written as lines
 *   benign.c  boots, services, logon sessions, applications, churn
 *   attack.c  the attack chains, their alerts and the demo's plan
 *   drive.c   the API driver (libcurl, libpq for looking up alert ids)
 *   demo.sh   the `make demo` script (cluster, daemons, console)
 */
#ifndef ITRACE_DEMO_H
#define ITRACE_DEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/event.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define US_SEC  INT64_C(1000000)
#define US_MS   INT64_C(1000)
#define US_MIN  (60 * US_SEC)
#define US_HOUR (60 * US_MIN)
#define US_DAY  (24 * US_HOUR)
#define JST     (9 * US_HOUR)   /* the customers' offices: Asia/Tokyo */

/* ---- util.c ---- */

void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct rng {
	uint64_t s[4];
};
/* One independent stream per (seed, stream). */
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(struct rng *r);
uint64_t rng_below(struct rng *r, uint64_t n);          /* [0, n) */
int64_t rng_range(struct rng *r, int64_t lo, int64_t hi); /* [lo, hi) */
bool rng_chance(struct rng *r, double p);
#define PICK(r, a) ((a)[rng_below((r), NELEM(a))])

struct sb {
	char *p;
	size_t n, cap;
};
void sb_putn(struct sb *b, const char *s, size_t n);
void sb_puts(struct sb *b, const char *s);
void sb_putc(struct sb *b, char c);
void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s as a JSON string literal, quotes included (UTF-8 passed through). */
void sb_json(struct sb *b, const char *s);
void sb_free(struct sb *b);

/* "2025-11-25T01:02:03.456Z" (ev_format_time). */
void fmt_time(int64_t us, char *buf, size_t len);
/* Local (JST) calendar of a UTC instant. */
struct jst {
	int year, month, day, hour, min, wday; /* wday 0 = Sunday */
};
void jst_of(int64_t us, struct jst *out);
/* UTC instant of JST midnight of the day containing us. */
int64_t jst_midnight(int64_t us);
/* 64 lower-case hex digits / 40 / 32 derived from text (SHA-256 based). */
void hash_hex(const char *text, char *out, size_t ndigits);

/* ---- world.c ---- */

enum fam {        /* what a process touches while it runs */
	FAM_NONE, FAM_SYS, FAM_EXPL, FAM_OFFICE, FAM_BROWSER, FAM_TEAMS,
	FAM_ONEDRIVE, FAM_DEFENDER, FAM_SEARCH, FAM_DEV, FAM_COUNT
};

/* A program file. path may hold %U (the user's profile directory). */
struct exe {
	const char *path;
	const char *company, *description, *product, *ofn;
	int signed_;                /* 1 signed, 0 not */
	const char *signature;
	enum fam fam;
	int dll_set;                /* which DLLs it loads (world.c) */
};

struct tenant {
	const char *name;
	const char *domain;         /* NetBIOS domain: ACME */
	const char *options;        /* for itrace-cmdd tenant add */
	const char *mode;           /* "block" | "nonblock" (alert action) */
	int n_endpoints;
	const char *const *sites;   /* site codes for host names */
	size_t n_sites;
	bool onboarding;
	const char *net;            /* "10.20" etc. */
	int64_t service_start_days; /* days before now */
};

struct endpoint {
	int idx;                    /* global index */
	const struct tenant *t;
	char host[32];              /* PC-TKY-0012 */
	char user[96];              /* ACME\tanaka.k */
	char profile[96];           /* C:\Users\tanaka.k */
	char uname[48];             /* tanaka.k (the profile's last part) */
	char sid[64];               /* S-1-5-21-...-1104 */
	char ip[20];
	uint32_t machine;           /* first GUID group */
	bool server;
	bool jp_user;               /* Japanese profile name */
	bool dev;                   /* developer PC (compilers, git) */
	const char *browser;        /* "chrome" | "msedge" */
};

extern const struct tenant TENANTS[];
extern const size_t N_TENANTS;

/* Build the endpoints of every tenant (deterministic). */
struct endpoint *world_endpoints(uint64_t seed, size_t *n);

/* Expand %U in a template for endpoint e (malloc'd). */
char *expand_path(const struct endpoint *e, const char *tmpl);

/* Catalogue lookups by the file name part (case-sensitive key). */
const struct exe *exe_get(const char *key);
/* The entry whose path (no %U) is image, or NULL. */
const struct exe *exe_find(const char *image);

/* The DLLs a kind of process loads at start: NULL-terminated list of
 * paths. */
const char *const *dll_list(int set);
/* SHA-256 (etc.) of a catalogued Microsoft / vendor file: the same on every
 * machine, from the file name and seed. */
void file_hashes(const char *path, uint64_t salt, char sha256[65], char sha1[41],
                 char md5[33]);
/* A resolvable name's address (benign infrastructure). */
const char *dns_addr(const char *name);

/* ---- emit.c: the events of one endpoint ---- */

struct proc {
	char guid[40];
	int64_t pid;
	char *image;                /* owned by the endpoint's arena (strings) */
	char *cmdline;
	const char *user;
	const char *integrity;
	const struct exe *exe;      /* may be NULL (dropped files) */
	const char *sha256;         /* of the image, NULL: from exe */
	struct proc *parent;
	int64_t start, end;         /* end 0: still running at --now */
	enum fam fam;
	int children;
};

struct gev {
	int64_t ts;
	uint32_t seq;
	uint16_t kind, eid;
	uint32_t off, len;          /* the rest of the line in the arena */
};

struct epgen {
	const struct endpoint *e;
	struct rng r;
	uint64_t seed;
	int64_t from, now;          /* the window */
	struct gev *ev;
	size_t nev, cap;
	struct sb arena;            /* event bodies */
	struct sb cur;              /* the event being built */
	int64_t cur_ts;
	int cur_kind, cur_eid;
	bool cur_drop;
	struct proc **procs;        /* every process made, for freeing */
	size_t nprocs, capprocs;
	uint32_t next_pid;
	uint32_t guid_seq;
	uint64_t record;
	int load_cap;               /* DLLs logged per start, -1 all */
};

void eg_init(struct epgen *g, const struct endpoint *e, uint64_t seed,
             int64_t from, int64_t now);
void eg_free(struct epgen *g);
/* Write the endpoint's events, sorted, as NDJSON lines. Returns count. */
size_t eg_write(struct epgen *g, FILE *f);

/* A new process (not yet logged: see ev_proc_start). image is copied. */
struct proc *proc_new(struct epgen *g, struct proc *parent, const char *image,
                      const char *cmdline, const char *user,
                      const char *integrity, int64_t start);
char *eg_str(struct epgen *g, const char *s);  /* copy kept until eg_free */

/* Event builder: begin, fields, end. Events after --now are dropped. */
void ev_begin(struct epgen *g, int64_t ts, enum ev_kind kind, int eid,
              const struct proc *p);
void ev_str(struct epgen *g, const char *key, const char *v);
void ev_int(struct epgen *g, const char *key, int64_t v);
void ev_bool(struct epgen *g, const char *key, bool v);
void ev_end(struct epgen *g);

/* Common events. */
void ev_proc_start(struct epgen *g, struct proc *p);
void ev_proc_end(struct epgen *g, struct proc *p, int64_t ts);
/* The image and its DLLs (at most max of them, -1: all). */
void ev_image_loads(struct epgen *g, const struct proc *p, int set, int max);
void ev_load(struct epgen *g, const struct proc *p, int64_t ts, const char *dll,
             const char *sha256, bool signed_, const char *sig);
void ev_file(struct epgen *g, const struct proc *p, int64_t ts, enum ev_kind k,
             const char *path, const char *sha256);
void ev_stream(struct epgen *g, const struct proc *p, int64_t ts,
               const char *path, const char *sha256, const char *url,
               const char *referrer);
void ev_reg(struct epgen *g, const struct proc *p, int64_t ts, enum ev_kind k,
            const char *key, const char *value);
/* DNS query then connection; returns the time after both. */
int64_t ev_net(struct epgen *g, const struct proc *p, int64_t ts,
               const char *name, const char *ip, int port, bool dns);

/* ---- benign.c ---- */

struct session {
	int64_t start, end;
	struct proc *explorer, *outlook, *browser, *teams;
};

struct plan_chain;  /* attack.c */

struct host_plan {
	struct session *s;
	size_t ns, caps;
	int64_t *boots;             /* boot instants, ascending */
	size_t nboots;
	struct bootset *bs;         /* one per boot (benign.c) */
};

/* Sessions of working days (and for servers none). */
void plan_sessions(struct epgen *g, struct host_plan *hp);
/* Make sure a logon session covers [a, b] (extends or adds one). */
void ensure_session(struct epgen *g, struct host_plan *hp, int64_t a, int64_t b);
/* Boots (after sessions are final), then every benign event. */
void gen_benign(struct epgen *g, struct host_plan *hp);
/* The session covering t (NULL if none) and the boot's processes. */
struct session *session_at(struct host_plan *hp, int64_t t);
struct proc *boot_proc(struct host_plan *hp, int64_t t, const char *which);
void host_plan_free(struct host_plan *hp);

/* Run an ordinary program for a while: start, loads, activity, end. */
struct proc *run_app(struct epgen *g, struct proc *parent, const char *key,
                     const char *args, int64_t start, int64_t dur);

/* ---- attack.c ---- */

enum chain_kind {
	CH_MACRO,       /* mail attachment -> Office macro -> PowerShell cradle
	                 * -> dropped exe -> C2 */
	CH_SCRIPT,      /* downloaded .js/.vbs -> wscript -> PowerShell IEX */
	CH_LOLBIN,      /* mshta / certutil / regsvr32 / rundll32 */
	CH_RUNKEY,      /* Run key persistence, started at the next logon */
	CH_LATERAL,     /* PsExec-like service onto a server, credential tool */
	CH_PUA,         /* a bundled installer (adware) */
	CH_INHOUSE,     /* an in-house tool the engine over-detects */
	CH_DEVTOOL,     /* a developer's packer / build output */
	CH_COUNT
};
const char *chain_name(enum chain_kind k);

/* One alert of the plan. */
struct plan_alert {
	int tenant;                 /* index in TENANTS */
	int ep;                     /* endpoint index */
	int src_ep;                 /* lateral movement: the source PC, else -1 */
	enum chain_kind kind;
	int variant;                /* which form of the chain */
	int64_t recv_off;           /* received = now - recv_off (about) */
	int group;                  /* duplicates: alerts of one group share
	                             * the file; 0 none */
	bool rerun;                 /* not the first of its group */
	const char *steps;          /* API steps, "" none */
	bool blocked;               /* the tenant blocks detected files */
	int64_t detected, received;
	char *path, *sha256;        /* owned */
	const char *detection, *action;
	/* where the chain starts and the detected file's writer */
	int64_t t0;
};

struct demo_plan {
	struct plan_alert *a;
	size_t n;
};

/* Choose the demo's alerts for the endpoints (deterministic). */
void plan_alerts(struct demo_plan *p, const struct endpoint *eps, size_t neps,
                 uint64_t seed, int64_t now);
/* Generate the events of the alerts of endpoint g->e (needs sessions). */
void plan_sessions_for_chains(struct epgen *g, struct host_plan *hp,
                              struct demo_plan *p);
void gen_chains(struct epgen *g, struct host_plan *hp, struct demo_plan *p,
                const struct endpoint *eps, size_t neps);
void plan_free(struct demo_plan *p);

/* ---- drive.c ---- */

int drive_main(int argc, char **argv);

#endif
