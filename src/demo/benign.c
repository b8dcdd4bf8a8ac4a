/* benign.c - an ordinary week on a Windows PC of a Japanese office: boots
 * (System -> smss -> wininit -> services -> svchost ...), a logon each
 * working morning (winlogon -> userinit -> explorer -> Outlook, a browser,
 * Teams, OneDrive, Office documents), background churn of short-lived
 * system processes, Defender and Windows Update, and on the file servers
 * the SMB writes of the users' shares.  Every process start is followed by
 * its image loads; processes touch the registry, files and the network in
 * the proportions of their family. */
#include <stdlib.h>
#include <string.h>

#include "demo/demo.h"

#define SYSTEM_USER "NT AUTHORITY\\SYSTEM"
#define LOCAL_SVC "NT AUTHORITY\\LOCAL SERVICE"
#define NET_SVC "NT AUTHORITY\\NETWORK SERVICE"

/* ---- what each family touches ---- */

static const char *const REG_SYS[] = {
	"HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Orchestrator\\UScheduler\\LastRun",
	"HKLM\\SYSTEM\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\S-1-5-18\\\\Device\\HarddiskVolume3\\Windows\\System32\\svchost.exe",
	"HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\Microsoft\\Windows\\UpdateOrchestrator\\Schedule Scan\\Index",
	"HKLM\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Config\\LastKnownGoodTime",
	"HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\SessionsPending\\Exclusive",
	"HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces\\{5c2d8e41-0b7a-4f53-9a6e-2d1b7c3e9f10}\\DhcpIPAddress",
	"HKLM\\SOFTWARE\\Microsoft\\WBEM\\CIMOM\\LastServiceStart",
	"HKLM\\SOFTWARE\\Microsoft\\SQMClient\\Windows\\CEIPEnable",
};
static const char *const REG_EXPL[] = {
	"HKU\\%S\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\UserAssist\\{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}\\Count\\HRZR_PGYFRFFVBA",
	"HKU\\%S\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\MRUListEx",
	"HKU\\%S\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\ComDlg32\\OpenSavePidlMRU\\*\\MRUListEx",
	"HKU\\%S\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\FeatureUsage\\AppSwitched\\Microsoft.Office.EXCEL.EXE.15",
	"HKU\\%S\\Software\\Microsoft\\Windows\\Shell\\Bags\\1\\Desktop\\IconLayouts",
	"HKU\\%S\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\SessionInfo\\1\\ApplicationViewManagement\\W32:00000000000A0266\\VirtualDesktop",
};
static const char *const REG_OFFICE[] = {
	"HKU\\%S\\Software\\Microsoft\\Office\\16.0\\Common\\Roaming\\Identities\\LastSignInTime",
	"HKU\\%S\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\Outlook\\0a0d020000000000c000000000000046\\01023d0e",
	"HKU\\%S\\Software\\Microsoft\\Office\\16.0\\Common\\ExperimentConfigs\\Ecs\\outlook\\ConfigContextData",
	"HKU\\%S\\Software\\Microsoft\\Office\\16.0\\Excel\\Resiliency\\DocumentRecovery\\5F3A21\\5F3A21",
	"HKU\\%S\\Software\\Microsoft\\Office\\16.0\\Word\\Reading Locations\\Document 0\\Position",
	"HKU\\%S\\Software\\Microsoft\\Office\\16.0\\Common\\Internet\\WebServiceCache\\AllUsers\\officeclient.microsoft.com\\Expires",
};
static const char *const REG_BROWSER[] = {
	"HKU\\%S\\Software\\Google\\Chrome\\PreferenceMACs\\Default\\browser.show_home_button",
	"HKU\\%S\\Software\\Microsoft\\Edge\\BLBeacon\\state",
	"HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Cache\\Paths\\Directory",
};
static const char *const REG_DEFENDER[] = {
	"HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\AVSignatureVersion",
	"HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\SignaturesLastUpdated",
	"HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Scan\\LastQuickScanTime",
};
static const char *const REG_ONEDRIVE[] = {
	"HKU\\%S\\Software\\Microsoft\\OneDrive\\Accounts\\Business1\\LastSignInTime",
	"HKU\\%S\\Software\\Microsoft\\OneDrive\\SilentBusinessConfigCompleted",
};
static const char *const REG_TEAMS[] = {
	"HKU\\%S\\Software\\Microsoft\\Office\\Teams\\LoggedInOnce",
	"HKU\\%S\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\FeatureUsage\\ShowJumpView\\MSTeams_8wekyb3d8bbwe!MSTeams",
};
static const char *const REG_DEV[] = {
	"HKU\\%S\\Software\\Microsoft\\VSCommon\\16.0\\SQM\\UserId",
	"HKU\\%S\\Software\\Classes\\vscode\\shell\\open\\command\\(Default)",
};

static const char *const FILE_SYS[] = {
	"C:\\Windows\\Prefetch\\SVCHOST.EXE-%H.pf",
	"C:\\Windows\\System32\\LogFiles\\WMI\\RtBackup\\EtwRTDiagLog.etl",
	"C:\\Windows\\Logs\\CBS\\CBS.log",
	"C:\\Windows\\System32\\winevt\\Logs\\Microsoft-Windows-Sysmon%4Operational.evtx",
	"C:\\Windows\\ServiceState\\EventLog\\Data\\lastalive0.dat",
	"C:\\ProgramData\\Microsoft\\Windows\\DeviceMetadataCache\\dmrc.idx",
	"C:\\Windows\\SoftwareDistribution\\DataStore\\Logs\\edb.chk",
};
static const char *const FILE_EXPL[] = {
	"%U\\AppData\\Roaming\\Microsoft\\Windows\\Recent\\%D.lnk",
	"%U\\AppData\\Local\\Microsoft\\Windows\\Explorer\\thumbcache_256.db",
	"%U\\AppData\\Roaming\\Microsoft\\Windows\\Recent\\AutomaticDestinations\\5f7b5f1e01b83767.automaticDestinations-ms",
	"%U\\Desktop\\%D",
	"%U\\Documents\\%D",
};
static const char *const FILE_OFFICE[] = {
	"%U\\AppData\\Local\\Microsoft\\Outlook\\%N.ost",
	"%U\\AppData\\Local\\Microsoft\\Office\\16.0\\OfficeFileCache\\FSF-{7E4D1A3B-96F8-4C2E-A1D0-B3E5F7092C84}.FSF",
	"%U\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\K3P9W2QX\\%D",
	"%U\\AppData\\Roaming\\Microsoft\\Templates\\Normal.dotm",
	"%U\\AppData\\Local\\Temp\\Outlook Logging\\Outlook-%H.etl",
};
static const char *const FILE_BROWSER[] = {
	"%U\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Cache\\Cache_Data\\f_%H",
	"%U\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\History-journal",
	"%U\\AppData\\Local\\Microsoft\\Edge\\User Data\\Default\\Cache\\Cache_Data\\f_%H",
	"%U\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Network\\Cookies-journal",
};
static const char *const FILE_DEFENDER[] = {
	"C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\Service\\DetectionHistory\\%H",
	"C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\mpenginedb.db-wal",
	"C:\\ProgramData\\Microsoft\\Windows Defender\\Support\\MPLog-20241001-101412.log",
};
static const char *const FILE_ONEDRIVE[] = {
	"%U\\AppData\\Local\\Microsoft\\OneDrive\\logs\\Business1\\SyncEngine-%H.odl",
	"%U\\AppData\\Local\\Microsoft\\OneDrive\\settings\\Business1\\ClientPolicy.ini",
};
static const char *const FILE_TEAMS[] = {
	"%U\\AppData\\Local\\Packages\\MSTeams_8wekyb3d8bbwe\\LocalCache\\Microsoft\\MSTeams\\Logs\\MSTeams_%H.log",
	"%U\\AppData\\Local\\Packages\\MSTeams_8wekyb3d8bbwe\\LocalCache\\Microsoft\\MSTeams\\EBWebView\\Default\\Cache\\Cache_Data\\f_%H",
};
static const char *const FILE_SEARCH[] = {
	"C:\\ProgramData\\Microsoft\\Search\\Data\\Applications\\Windows\\Windows.edb",
	"C:\\ProgramData\\Microsoft\\Search\\Data\\Applications\\Windows\\MSS.log",
	"%U\\Documents\\%D",
};
static const char *const FILE_DEV[] = {
	"C:\\dev\\%P\\src\\main.ts",
	"C:\\dev\\%P\\node_modules\\.cache\\babel-loader\\%H.json",
	"C:\\dev\\%P\\bin\\Debug\\net8.0\\%P.dll",
	"C:\\dev\\%P\\obj\\Debug\\net8.0\\%P.AssemblyInfo.cs",
	"C:\\dev\\%P\\.git\\index",
	"C:\\dev\\%P\\dist\\bundle.js",
};

static const char *const DNS_SYS[] = {
	"settings-win.data.microsoft.com", "v10.events.data.microsoft.com",
	"ctldl.windowsupdate.com", "fe3cr.delivery.mp.microsoft.com", "crl.microsoft.com",
	"ocsp.digicert.com",
};
static const char *const DNS_EXPL[] = {"www.bing.com", "g.live.com"};
static const char *const DNS_OFFICE[] = {
	"outlook.office365.com", "outlook.office.com", "login.microsoftonline.com",
	"officeclient.microsoft.com", "nexusrules.officeapps.live.com",
};
static const char *const DNS_BROWSER[] = {
	"www.google.com", "www.google.co.jp", "www.yahoo.co.jp", "news.yahoo.co.jp",
	"www.nikkei.com", "www.jma.go.jp", "www.e-gov.go.jp", "www.nta.go.jp",
	"www.amazon.co.jp", "clients2.google.com", "login.microsoftonline.com",
	"outlook.office.com",
};
static const char *const DNS_TEAMS[] = {
	"teams.microsoft.com", "statics.teams.cdn.office.net", "login.microsoftonline.com",
};
static const char *const DNS_ONEDRIVE[] = {"onedrive.live.com", "oneclient.sfx.ms", "g.live.com"};
static const char *const DNS_DEFENDER[] = {"wdcp.microsoft.com", "definitionupdates.microsoft.com"};
static const char *const DNS_DEV[] = {"github.com", "registry.npmjs.org", "api.nuget.org"};

struct famtab {
	const char *const *reg;
	size_t nreg;
	const char *const *files;
	size_t nfiles;
	const char *const *dns;
	size_t ndns;
	int w_reg, w_file, w_net;   /* weights */
	int every_s;                /* mean seconds between activities */
};

#define L(a) a, NELEM(a)
static const struct famtab FAMS[FAM_COUNT] = {
	[FAM_NONE] = {NULL, 0, NULL, 0, NULL, 0, 1, 1, 0, 0},
	[FAM_SYS] = {L(REG_SYS), L(FILE_SYS), L(DNS_SYS), 4, 4, 2, 1500},
	[FAM_EXPL] = {L(REG_EXPL), L(FILE_EXPL), L(DNS_EXPL), 6, 4, 1, 360},
	[FAM_OFFICE] = {L(REG_OFFICE), L(FILE_OFFICE), L(DNS_OFFICE), 3, 4, 3, 420},
	[FAM_BROWSER] = {L(REG_BROWSER), L(FILE_BROWSER), L(DNS_BROWSER), 1, 4, 5, 190},
	[FAM_TEAMS] = {L(REG_TEAMS), L(FILE_TEAMS), L(DNS_TEAMS), 1, 3, 4, 720},
	[FAM_ONEDRIVE] = {L(REG_ONEDRIVE), L(FILE_ONEDRIVE), L(DNS_ONEDRIVE), 1, 3, 3, 1200},
	[FAM_DEFENDER] = {L(REG_DEFENDER), L(FILE_DEFENDER), L(DNS_DEFENDER), 2, 5, 2, 2400},
	[FAM_SEARCH] = {NULL, 0, L(FILE_SEARCH), NULL, 0, 0, 1, 0, 1200},
	[FAM_DEV] = {L(REG_DEV), L(FILE_DEV), L(DNS_DEV), 1, 8, 2, 60},
};

static const char *const DOCS[] = {
	"見積書_2025下期.xlsx", "請求書_10月分.pdf", "議事録_定例会議.docx", "提案書_v3.pptx",
	"出張報告書.docx", "経費精算.xlsx", "週報.docx", "売上管理表.xlsx", "顧客リスト.xlsx",
	"Project_Plan_FY2025.pptx", "meeting_notes.docx", "budget_2025.xlsx",
	"社内報_11月号.pdf", "作業手順書.docx", "発注書_ABC商事.pdf", "勤務表.xlsx",
	"研修資料.pptx", "spec_v2.docx",
};
static const char *const PROJECTS[] = {"order-portal", "InventoryApi", "hr-web", "BatchTools"};

/* Expand a template: %U profile, %S SID, %D a document, %H hex, %N mail
 * name, %P project. */
static char *fill(struct epgen *g, const char *tmpl)
{
	const struct endpoint *e = g->e;
	struct sb b = {0};
	for (const char *p = tmpl; *p != '\0'; p++) {
		if (p[0] != '%' || p[1] == '\0') {
			sb_putc(&b, *p);
			continue;
		}
		switch (*++p) {
		case 'U': sb_puts(&b, e->profile); break;
		case 'S': sb_puts(&b, e->sid); break;
		case 'D': sb_puts(&b, PICK(&g->r, DOCS)); break;
		case 'H': sb_printf(&b, "%08llX", (unsigned long long)(rng_next(&g->r) & 0xffffffffu)); break;
		case 'N': sb_printf(&b, "%s@%s.example.jp", e->jp_user ? "user" : e->uname, e->t->name); break;
		case 'P': sb_puts(&b, PROJECTS[e->idx % NELEM(PROJECTS)]); break;
		default: sb_putc(&b, '%'); sb_putc(&b, *p); break;
		}
	}
	return b.p;
}

/* One thing process p does at t, by its family. */
static void activity(struct epgen *g, const struct proc *p, int64_t t)
{
	const struct famtab *f = &FAMS[p->fam];
	int w_reg = f->nreg ? f->w_reg : 0, w_file = f->nfiles ? f->w_file : 0,
	    w_net = f->ndns ? f->w_net : 0;
	int tot = w_reg + w_file + w_net;
	if (tot == 0)
		return;
	int x = (int)rng_below(&g->r, (uint64_t)tot);
	if (x < w_reg) {
		char *k = fill(g, f->reg[rng_below(&g->r, f->nreg)]);
		char v[40];
		snprintf(v, sizeof v, "DWORD (0x%08llx)", (unsigned long long)(rng_next(&g->r) & 0xffffff));
		ev_reg(g, p, t, EV_REGISTRY_SET, k, v);
		free(k);
	} else if (x < w_reg + w_file) {
		char *path = fill(g, f->files[rng_below(&g->r, f->nfiles)]);
		uint64_t r = rng_below(&g->r, 10);
		enum ev_kind k = r < 4 ? EV_FILE_WRITE : r < 7 ? EV_FILE_READ :
		                 r < 9 ? EV_FILE_CREATE : EV_FILE_DELETE;
		ev_file(g, p, t, k, path, NULL);
		free(path);
	} else {
		const char *name = f->dns[rng_below(&g->r, f->ndns)];
		ev_net(g, p, t, name, dns_addr(name), 443, rng_chance(&g->r, 0.6));
	}
}

/* Activities of p spread over [a, b] at its family's rate. */
static void activities(struct epgen *g, const struct proc *p, int64_t a, int64_t b,
                       double factor)
{
	const struct famtab *f = &FAMS[p->fam];
	if (f->every_s <= 0 || b <= a)
		return;
	int64_t mean = (int64_t)((double)f->every_s * factor) * US_SEC;
	for (int64_t t = a + rng_range(&g->r, 0, mean); t < b && t <= g->now;
	     t += rng_range(&g->r, mean / 3, mean * 5 / 3 + 1))
		activity(g, p, t);
}

/* ---- processes ---- */

static struct proc *start_proc(struct epgen *g, struct proc *parent, const struct exe *x,
                               const char *cmdline, const char *user,
                               const char *integrity, int64_t t)
{
	char *image = expand_path(g->e, x->path);
	struct proc *p = proc_new(g, parent, image, cmdline != NULL ? cmdline : image, user,
	                          integrity, t);
	free(image);
	p->exe = x;
	p->fam = x->fam;
	ev_proc_start(g, p);
	if (x->dll_set >= 0)
		ev_image_loads(g, p, x->dll_set, g->load_cap);
	return p;
}

struct proc *run_app(struct epgen *g, struct proc *parent, const char *key,
                     const char *args, int64_t start, int64_t dur)
{
	const struct exe *x = exe_get(key);
	char *image = expand_path(g->e, x->path);
	char *cmd = args != NULL && args[0] != '\0' ? xprintf("\"%s\" %s", image, args) :
	            xprintf("\"%s\"", image);
	free(image);
	const char *user = parent != NULL ? parent->user : g->e->user;
	const char *integ = parent != NULL ? parent->integrity : "Medium";
	struct proc *p = start_proc(g, parent, x, cmd, user, integ, start);
	free(cmd);
	if (dur > 0) {
		activities(g, p, start + US_SEC, start + dur, 1.0);
		ev_proc_end(g, p, start + dur);
	}
	return p;
}

/* ---- boots ---- */

struct bootset {
	int64_t at;
	struct proc *system, *smss, *wininit, *winlogon, *services, *lsass, *msmpeng,
	        *search, *spool, *dwm;
	struct proc *svc[12];
};

static const struct {
	const char *args;
	const char *user;
} SVCHOSTS[12] = {
	{"-k DcomLaunch -p", SYSTEM_USER},
	{"-k RPCSS -p", NET_SVC},
	{"-k netsvcs -p -s Schedule", SYSTEM_USER},
	{"-k LocalServiceNetworkRestricted -p", LOCAL_SVC},
	{"-k NetworkService -p -s Dnscache", NET_SVC},
	{"-k netsvcs -p -s wuauserv", SYSTEM_USER},
	{"-k LocalSystemNetworkRestricted -p -s SysMain", SYSTEM_USER},
	{"-k netsvcs -p -s BITS", SYSTEM_USER},
	{"-k netsvcs -p -s Winmgmt", SYSTEM_USER},
	{"-k netsvcs -p -s gpsvc", SYSTEM_USER},
	{"-k UnistackSvcGroup", SYSTEM_USER},
	{"-k netsvcs -p -s LanmanServer", SYSTEM_USER},
};
enum { SV_DCOM, SV_RPC, SV_SCHED, SV_LSNR, SV_DNS, SV_WU, SV_SYSMAIN, SV_BITS,
       SV_WMI, SV_GP, SV_UNI, SV_LANMAN };

static void boot(struct epgen *g, struct bootset *b, int64_t t)
{
	memset(b, 0, sizeof *b);
	b->at = t;
	b->system = proc_new(g, NULL, "System", NULL, SYSTEM_USER, "System", t);
	b->system->exe = exe_get("System");
	b->system->fam = FAM_SYS;
	t += rng_range(&g->r, 300, 900) * US_MS;
	b->smss = start_proc(g, b->system, exe_get("smss.exe"), "\\SystemRoot\\System32\\smss.exe",
	                     SYSTEM_USER, "System", t);
	t += rng_range(&g->r, 800, 2500) * US_MS;
	start_proc(g, b->smss, exe_get("csrss.exe"),
	           "%SystemRoot%\\system32\\csrss.exe ObjectDirectory=\\Windows SharedSection=1024,20480,768 "
	           "Windows=On SubSystemType=Windows ServerDll=basesrv,1 ServerDll=winsrv:UserServerDllInitialization,3 "
	           "ServerDll=sxssrv,4 ProfileControl=Off MaxRequestThreads=16", SYSTEM_USER, "System", t);
	t += rng_range(&g->r, 50, 300) * US_MS;
	b->wininit = start_proc(g, b->smss, exe_get("wininit.exe"), "wininit.exe", SYSTEM_USER, "System", t);
	t += rng_range(&g->r, 50, 300) * US_MS;
	b->winlogon = start_proc(g, b->smss, exe_get("winlogon.exe"), "winlogon.exe", SYSTEM_USER, "System", t);
	t += rng_range(&g->r, 100, 400) * US_MS;
	b->services = start_proc(g, b->wininit, exe_get("services.exe"), "C:\\Windows\\system32\\services.exe",
	                         SYSTEM_USER, "System", t);
	t += rng_range(&g->r, 20, 100) * US_MS;
	b->lsass = start_proc(g, b->wininit, exe_get("lsass.exe"), "C:\\Windows\\system32\\lsass.exe",
	                      SYSTEM_USER, "System", t);
	t += rng_range(&g->r, 200, 800) * US_MS;
	start_proc(g, b->winlogon, exe_get("fontdrvhost.exe"),
	           "\"fontdrvhost.exe\"", "Font Driver Host\\UMFD-1", "Low", t);
	b->dwm = start_proc(g, b->winlogon, exe_get("dwm.exe"), "\"dwm.exe\"",
	                    "Window Manager\\DWM-1", "System", t + 40 * US_MS);
	size_t nsvc = g->e->server ? 12 : 11;
	for (size_t i = 0; i < nsvc; i++) {
		t += rng_range(&g->r, 80, 1500) * US_MS;
		char *cmd = xprintf("C:\\Windows\\system32\\svchost.exe %s", SVCHOSTS[i].args);
		b->svc[i] = start_proc(g, b->services, exe_get("svchost.exe"), cmd, SVCHOSTS[i].user,
		                       "System", t);
		free(cmd);
	}
	t += rng_range(&g->r, 500, 3000) * US_MS;
	b->spool = start_proc(g, b->services, exe_get("spoolsv.exe"), "C:\\Windows\\System32\\spoolsv.exe",
	                      SYSTEM_USER, "System", t);
	t += rng_range(&g->r, 500, 3000) * US_MS;
	b->msmpeng = start_proc(g, b->services, exe_get("MsMpEng.exe"),
	                        "\"C:\\ProgramData\\Microsoft\\Windows Defender\\platform\\4.18.24090.11-0\\MsMpEng.exe\"",
	                        SYSTEM_USER, "System", t);
	t += rng_range(&g->r, 20, 60) * US_SEC;
	b->search = start_proc(g, b->services, exe_get("SearchIndexer.exe"),
	                       "C:\\Windows\\system32\\SearchIndexer.exe /Embedding", SYSTEM_USER, "System", t);
}

static void boot_end(struct epgen *g, struct bootset *b, int64_t t)
{
	struct proc *ps[] = {b->search, b->msmpeng, b->spool, b->dwm, b->lsass, b->services,
	                     b->winlogon, b->wininit};
	for (size_t i = 0; i < NELEM(ps); i++)
		ev_proc_end(g, ps[i], t + (int64_t)i * 150 * US_MS);
	for (size_t i = 0; i < NELEM(b->svc); i++)
		if (b->svc[i] != NULL)
			b->svc[i]->end = t;
}

/* ---- plans ---- */

static int sess_cmp(const void *a, const void *b)
{
	const struct session *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static void add_session(struct host_plan *hp, int64_t a, int64_t b)
{
	if (hp->ns == hp->caps) {
		hp->caps = hp->caps ? hp->caps * 2 : 16;
		hp->s = xrealloc(hp->s, hp->caps * sizeof *hp->s);
	}
	memset(&hp->s[hp->ns], 0, sizeof hp->s[0]);
	hp->s[hp->ns].start = a;
	hp->s[hp->ns].end = b;
	hp->ns++;
	qsort(hp->s, hp->ns, sizeof *hp->s, sess_cmp);
}

void plan_sessions(struct epgen *g, struct host_plan *hp)
{
	memset(hp, 0, sizeof *hp);
	if (g->e->server)
		return;
	int64_t first = g->from + 30 * US_MIN;
	for (int64_t day = jst_midnight(g->from); day < g->now; day += US_DAY) {
		struct jst j;
		jst_of(day + 12 * US_HOUR, &j);
		bool workday = j.wday >= 1 && j.wday <= 5;
		int64_t a, b;
		if (workday) {
			if (!rng_chance(&g->r, 0.93))
				continue;
			a = day + 8 * US_HOUR + rng_range(&g->r, 0, 80) * US_MIN;
			b = day + 17 * US_HOUR + 30 * US_MIN + rng_range(&g->r, 0, 200) * US_MIN;
		} else {
			if (!rng_chance(&g->r, 0.1))
				continue;
			a = day + 10 * US_HOUR + rng_range(&g->r, 0, 240) * US_MIN;
			b = a + rng_range(&g->r, 60, 240) * US_MIN;
		}
		if (a < first)
			a = first;
		if (b <= a + 30 * US_MIN)
			continue;
		add_session(hp, a, b);
	}
}

void ensure_session(struct epgen *g, struct host_plan *hp, int64_t a, int64_t b)
{
	if (g->e->server)
		return;
	int64_t first = g->from + 30 * US_MIN;
	if (a < first)
		a = first;
	for (size_t i = 0; i < hp->ns; i++) {
		struct session *s = &hp->s[i];
		if (s->start <= b && s->end >= a) {
			if (a < s->start)
				s->start = a;
			if (b > s->end)
				s->end = b;
			/* merge with the next one when they now overlap */
			while (i + 1 < hp->ns && hp->s[i + 1].start <= s->end + 10 * US_MIN) {
				if (hp->s[i + 1].end > s->end)
					s->end = hp->s[i + 1].end;
				memmove(&hp->s[i + 1], &hp->s[i + 2], (hp->ns - i - 2) * sizeof *hp->s);
				hp->ns--;
			}
			return;
		}
	}
	int64_t start = a - rng_range(&g->r, 40, 150) * US_MIN;
	if (start < first)
		start = first;
	add_session(hp, start, b + rng_range(&g->r, 30, 120) * US_MIN);
}

struct session *session_at(struct host_plan *hp, int64_t t)
{
	for (size_t i = 0; i < hp->ns; i++)
		if (hp->s[i].start <= t && t <= hp->s[i].end)
			return &hp->s[i];
	return NULL;
}

static struct bootset *bootset_at(struct host_plan *hp, int64_t t)
{
	struct bootset *b = &hp->bs[0];
	for (size_t i = 0; i < hp->nboots; i++)
		if (hp->boots[i] <= t)
			b = &hp->bs[i];
	return b;
}

struct proc *boot_proc(struct host_plan *hp, int64_t t, const char *which)
{
	struct bootset *b = bootset_at(hp, t);
	if (strcmp(which, "services") == 0) return b->services;
	if (strcmp(which, "system") == 0) return b->system;
	if (strcmp(which, "winlogon") == 0) return b->winlogon;
	if (strcmp(which, "lsass") == 0) return b->lsass;
	if (strcmp(which, "msmpeng") == 0) return b->msmpeng;
	if (strcmp(which, "dcom") == 0) return b->svc[SV_DCOM];
	if (strcmp(which, "sched") == 0) return b->svc[SV_SCHED];
	if (strcmp(which, "wmi") == 0) return b->svc[SV_WMI];
	if (strcmp(which, "lanman") == 0) return b->svc[SV_LANMAN] ? b->svc[SV_LANMAN] : b->system;
	return b->services;
}

void host_plan_free(struct host_plan *hp)
{
	free(hp->s);
	free(hp->boots);
	free(hp->bs);
	memset(hp, 0, sizeof *hp);
}

/* ---- sessions ---- */

static const char *const OFFICE_APPS[] = {"EXCEL.EXE", "WINWORD.EXE", "POWERPNT.EXE", "Acrobat.exe"};

static const char *doc_for(struct rng *r, const char *app)
{
	for (int tries = 0; tries < 40; tries++) {
		const char *d = PICK(r, DOCS);
		const char *ext = strrchr(d, '.');
		if ((strcmp(app, "EXCEL.EXE") == 0 && strncmp(ext, ".xls", 4) == 0) ||
		    (strcmp(app, "WINWORD.EXE") == 0 && strncmp(ext, ".doc", 4) == 0) ||
		    (strcmp(app, "POWERPNT.EXE") == 0 && strncmp(ext, ".ppt", 4) == 0) ||
		    (strcmp(app, "Acrobat.exe") == 0 && strcmp(ext, ".pdf") == 0))
			return d;
	}
	return "資料.pdf";
}

/* A document opened from explorer, edited, saved, closed. */
static void open_document(struct epgen *g, struct session *s, int64_t t, int64_t dur)
{
	const char *app = PICK(&g->r, OFFICE_APPS);
	const char *doc = doc_for(&g->r, app);
	static const char *const DIRS[] = {"Documents", "Desktop", "Downloads", "Documents\\案件"};
	char *path = xprintf("%s\\%s\\%s", g->e->profile, PICK(&g->r, DIRS), doc);
	char *args = strcmp(app, "Acrobat.exe") == 0 ? xprintf("\"%s\"", path) :
	             xprintf("/n \"%s\" /o \"\"", path);
	struct proc *p = run_app(g, s->explorer, app, args, t, 0);
	ev_file(g, p, t + 900 * US_MS, EV_FILE_READ, path, NULL);
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '\\');
	char *owner = NULL;
	if (slash != NULL && strcmp(app, "Acrobat.exe") != 0) {
		*slash = '\0';
		/* Office names its owner file after the document with the
		 * first two characters (not bytes) replaced by "~$" */
		const char *rest = slash + 1;
		for (int c = 0; c < 2 && *rest != '\0'; c++)
			do
				rest++;
			while ((*rest & 0xC0) == 0x80);
		owner = xprintf("%s\\~$%s", dir, rest);
		ev_file(g, p, t + 1200 * US_MS, EV_FILE_CREATE, owner, NULL);
	}
	activities(g, p, t + 2 * US_SEC, t + dur, 0.8);
	int saves = (int)rng_range(&g->r, 0, 4);
	for (int i = 0; i < saves; i++)
		ev_file(g, p, t + rng_range(&g->r, 60, dur / US_SEC + 61) * US_SEC, EV_FILE_WRITE, path, NULL);
	if (owner != NULL)
		ev_file(g, p, t + dur - 500 * US_MS, EV_FILE_DELETE, owner, NULL);
	ev_proc_end(g, p, t + dur);
	free(owner);
	free(dir);
	free(args);
	free(path);
}

static void browser_session(struct epgen *g, struct proc *br, int64_t a, int64_t b)
{
	activities(g, br, a, b, 1.0);
	/* renderers, GPU and utility children now and then */
	int64_t t = a + rng_range(&g->r, 5, 30) * US_SEC;
	int n = 0;
	while (t < b && t <= g->now) {
		const char *type = n == 0 ? "--type=gpu-process" :
		                   n == 1 ? "--type=utility --utility-sub-type=network.mojom.NetworkService" :
		                   "--type=renderer";
		char *args = xprintf("%s --lang=ja --field-trial-handle=%d,i,%llu --mojo-platform-channel-handle=%d /prefetch:%d",
		                     type, (int)rng_range(&g->r, 1800, 2400),
		                     (unsigned long long)(rng_next(&g->r) % 100000000000ULL),
		                     (int)rng_range(&g->r, 2000, 9000), n < 2 ? 2 : 1);
		int64_t dur = n < 2 ? b - t : rng_range(&g->r, 2, 60) * US_MIN;
		if (t + dur > b)
			dur = b - t;
		g->load_cap = 3;
		struct proc *c = run_app(g, br, strcmp(g->e->browser, "chrome") == 0 ? "chrome.exe" : "msedge.exe",
		                         args, t, 0);
		g->load_cap = -1;
		c->fam = FAM_NONE;
		if (n >= 2)
			ev_proc_end(g, c, t + dur);
		else
			c->end = b;
		free(args);
		n++;
		t += rng_range(&g->r, 5, 45) * US_MIN;
	}
	/* a benign download now and then */
	if (rng_chance(&g->r, 0.3)) {
		int64_t dt = rng_range(&g->r, a, b);
		const char *doc = PICK(&g->r, DOCS);
		char *path = xprintf("%s\\Downloads\\%s", g->e->profile, doc);
		char sha[65];
		hash_hex(path, sha, 64);
		ev_net(g, br, dt, "www.e-gov.go.jp", dns_addr("www.e-gov.go.jp"), 443, true);
		ev_file(g, br, dt + 2 * US_SEC, EV_FILE_CREATE, path, NULL);
		ev_stream(g, br, dt + 2100 * US_MS, path, sha, "https://www.e-gov.go.jp/download/form.pdf",
		          "https://www.e-gov.go.jp/");
		free(path);
	}
}

static void run_session(struct epgen *g, struct host_plan *hp, struct session *s)
{
	struct bootset *b = bootset_at(hp, s->start);
	int64_t t = s->start;
	const char *u = g->e->user;
	struct proc *ui = start_proc(g, b->winlogon, exe_get("userinit.exe"),
	                             "C:\\Windows\\system32\\userinit.exe", u, "Medium", t);
	t += rng_range(&g->r, 300, 1500) * US_MS;
	s->explorer = start_proc(g, ui, exe_get("explorer.exe"), "C:\\Windows\\Explorer.EXE", u, "Medium", t);
	ev_proc_end(g, ui, t + rng_range(&g->r, 5, 20) * US_SEC);
	struct proc *sih = start_proc(g, b->svc[SV_UNI], exe_get("sihost.exe"), "sihost.exe", u, "Medium",
	                              t - 400 * US_MS);
	struct proc *tk = start_proc(g, b->svc[SV_SCHED], exe_get("taskhostw.exe"), "taskhostw.exe {222A245B-E637-4AE9-A93F-A59CA119A75E}",
	                             u, "Medium", t + 300 * US_MS);
	struct proc *rb = start_proc(g, b->svc[SV_DCOM], exe_get("RuntimeBroker.exe"),
	                             "C:\\Windows\\System32\\RuntimeBroker.exe -Embedding", u, "Medium",
	                             t + 2 * US_SEC);
	struct proc *ctf = start_proc(g, b->svc[SV_SCHED], exe_get("ctfmon.exe"), "\"ctfmon.exe\"", u, "Medium",
	                              t + 1500 * US_MS);
	t += rng_range(&g->r, 3, 8) * US_SEC;
	struct proc *tray = run_app(g, s->explorer, "SecurityHealthSystray.exe", NULL, t, 0);
	struct proc *od = run_app(g, s->explorer, "OneDrive.exe", "/background", t + 700 * US_MS, 0);
	s->teams = run_app(g, s->explorer, "ms-teams.exe", "msteams:system-initiated", t + 1400 * US_MS, 0);
	s->outlook = run_app(g, s->explorer, "OUTLOOK.EXE", NULL,
	                     s->start + rng_range(&g->r, 2, 12) * US_MIN, 0);
	s->browser = run_app(g, s->explorer, strcmp(g->e->browser, "chrome") == 0 ? "chrome.exe" : "msedge.exe",
	                     NULL, s->start + rng_range(&g->r, 4, 25) * US_MIN, 0);
	int64_t end = s->end;
	activities(g, s->explorer, s->start + 10 * US_SEC, end, 1.0);
	activities(g, od, t + 10 * US_SEC, end, 1.0);
	activities(g, s->teams, t + 10 * US_SEC, end, 1.0);
	activities(g, s->outlook, s->outlook->start + 5 * US_SEC, end, 1.0);
	browser_session(g, s->browser, s->browser->start + 3 * US_SEC, end - 3 * US_MIN);
	/* documents through the day */
	int ndocs = (int)rng_range(&g->r, 2, 6);
	for (int i = 0; i < ndocs; i++) {
		int64_t dt = rng_range(&g->r, s->start + 20 * US_MIN, end - 20 * US_MIN);
		open_document(g, s, dt, rng_range(&g->r, 5, 90) * US_MIN);
	}
	if (rng_chance(&g->r, 0.4))
		run_app(g, s->explorer, "notepad.exe", NULL, rng_range(&g->r, s->start, end - 30 * US_MIN),
		        rng_range(&g->r, 1, 30) * US_MIN);
	if (rng_chance(&g->r, 0.15)) {
		char *zip = xprintf("\"%s\\Downloads\\資料一式.zip\"", g->e->profile);
		run_app(g, s->explorer, "7zFM.exe", zip, rng_range(&g->r, s->start, end - 30 * US_MIN),
		        rng_range(&g->r, 1, 10) * US_MIN);
		free(zip);
	}
	if (g->e->dev) {
		struct proc *code = run_app(g, s->explorer, "Code.exe", NULL, s->start + 15 * US_MIN, 0);
		for (int64_t ct = code->start + 20 * US_MIN; ct < end - 10 * US_MIN;
		     ct += rng_range(&g->r, 20, 70) * US_MIN) {
			struct proc *git = run_app(g, code, "git.exe", "status -z -uall", ct, 2 * US_SEC);
			(void)git;
			if (rng_chance(&g->r, 0.5)) {
				char *arg = xprintf("C:\\dev\\%s\\node_modules\\.bin\\..\\webpack\\bin\\webpack.js --mode development",
				                    PROJECTS[g->e->idx % NELEM(PROJECTS)]);
				run_app(g, code, "node.exe", arg, ct + 30 * US_SEC, rng_range(&g->r, 20, 120) * US_SEC);
				free(arg);
			} else {
				char *arg = xprintf("C:\\dev\\%s\\%s.sln /t:Build /p:Configuration=Debug",
				                    PROJECTS[g->e->idx % NELEM(PROJECTS)],
				                    PROJECTS[g->e->idx % NELEM(PROJECTS)]);
				run_app(g, code, "MSBuild.exe", arg, ct + 30 * US_SEC, rng_range(&g->r, 30, 200) * US_SEC);
				free(arg);
			}
		}
		ev_proc_end(g, code, end - 2 * US_MIN);
	}
	/* logoff */
	struct proc *ends[] = {s->browser, s->outlook, s->teams, od, tray, ctf, rb, tk, sih, s->explorer};
	for (size_t i = 0; i < NELEM(ends); i++)
		ev_proc_end(g, ends[i], end + (int64_t)i * 300 * US_MS);
}

/* ---- background ---- */

struct churn {
	const char *key, *args;
	int parent;        /* index into SVCHOSTS, or -1 services, -2 msmpeng, -3 search */
	const char *user;
	int weight;
};

static const struct churn CHURN[] = {
	{"taskhostw.exe", "Install $(Arg0)", SV_SCHED, SYSTEM_USER, 6},
	{"WmiPrvSE.exe", "-secured -Embedding", SV_DCOM, NET_SVC, 6},
	{"backgroundTaskHost.exe", "-ServerName:BackgroundTaskHost.WebAccountProvider", SV_DCOM, NULL, 5},
	{"dllhost.exe", "/Processid:{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}", SV_DCOM, NULL, 5},
	{"SearchProtocolHost.exe", "Global\\UsGthrFltPipeMssGthrPipe5_ Global\\UsGthrCtrlFltPipeMssGthrPipe5 1 -2147483646 \"Software\\Microsoft\\Windows Search\" \"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)\" \"C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc\" \"DownLevelDaemon\"", -3, SYSTEM_USER, 5},
	{"SearchFilterHost.exe", "0 804 808 816 8192 812 788", -3, SYSTEM_USER, 4},
	{"MpCmdRun.exe", "-wdenable", -2, SYSTEM_USER, 2},
	{"CompatTelRunner.exe", "-m:appraiser.dll -f:DoScheduledTelemetryRun", SV_SCHED, SYSTEM_USER, 1},
	{"usoclient.exe", "StartScan", SV_SCHED, SYSTEM_USER, 2},
	{"MusNotification.exe", NULL, SV_SCHED, SYSTEM_USER, 1},
	{"MicrosoftEdgeUpdate.exe", "/ua /installsource scheduler", SV_SCHED, SYSTEM_USER, 2},
	{"GoogleUpdate.exe", "/ua /installsource scheduler", SV_SCHED, SYSTEM_USER, 2},
	{"TrustedInstaller.exe", NULL, -1, SYSTEM_USER, 1},
	{"conhost.exe", "0xffffffff -ForceV1", SV_SCHED, SYSTEM_USER, 2},
};

static void churn_one(struct epgen *g, struct host_plan *hp, int64_t t)
{
	int tot = 0;
	for (size_t i = 0; i < NELEM(CHURN); i++)
		tot += CHURN[i].weight;
	int x = (int)rng_below(&g->r, (uint64_t)tot);
	size_t k = 0;
	while (x >= CHURN[k].weight)
		x -= CHURN[k++].weight;
	const struct churn *c = &CHURN[k];
	struct bootset *b = bootset_at(hp, t);
	struct proc *parent = c->parent >= 0 ? b->svc[c->parent] :
	                      c->parent == -2 ? b->msmpeng : c->parent == -3 ? b->search : b->services;
	if (parent == NULL)
		parent = b->services;
	const char *user = c->user;
	struct session *s = session_at(hp, t);
	if (user == NULL)
		user = s != NULL ? g->e->user : SYSTEM_USER;
	const struct exe *x2 = exe_get(c->key);
	char *image = expand_path(g->e, x2->path);
	char *cmd = c->args != NULL ? xprintf("\"%s\" %s", image, c->args) : xstrdup(image);
	g->load_cap = 2;
	struct proc *p = start_proc(g, parent, x2, cmd, user, strcmp(user, g->e->user) == 0 ? "Medium" : "System", t);
	g->load_cap = -1;
	free(cmd);
	free(image);
	p->fam = FAM_SYS;
	int64_t dur = rng_range(&g->r, 1, 180) * US_SEC;
	int n = (int)rng_range(&g->r, 1, 5);
	for (int i = 0; i < n; i++)
		activity(g, p, t + rng_range(&g->r, 100, dur / US_MS + 101) * US_MS);
	ev_proc_end(g, p, t + dur);
}

/* The file server: users' documents arriving over SMB (written by System). */
static void server_shares(struct epgen *g, struct host_plan *hp, int64_t a, int64_t b)
{
	static const char *const SHARES[] = {"D:\\共有\\営業部\\", "D:\\共有\\総務部\\", "D:\\共有\\経理部\\",
	                                      "D:\\共有\\開発部\\", "D:\\Public\\"};
	for (int64_t t = a + rng_range(&g->r, 0, 10) * US_MIN; t < b && t <= g->now;
	     t += rng_range(&g->r, 2, 25) * US_MIN) {
		struct jst j;
		jst_of(t, &j);
		if (j.hour < 8 || j.hour >= 20 || j.wday == 0 || j.wday == 6) {
			t += 30 * US_MIN;
			continue;
		}
		struct proc *sys = bootset_at(hp, t)->system;
		char *path = xprintf("%s%s", PICK(&g->r, SHARES), PICK(&g->r, DOCS));
		ev_file(g, sys, t, rng_chance(&g->r, 0.4) ? EV_FILE_CREATE : EV_FILE_WRITE, path, NULL);
		free(path);
	}
}

void gen_benign(struct epgen *g, struct host_plan *hp)
{
	/* boots: the first, then some mornings before work (never during a
	 * session), servers on Sunday night maintenance */
	int64_t first = g->from + rng_range(&g->r, 1, 20) * US_MIN;
	hp->boots = xmalloc(16 * sizeof *hp->boots);
	hp->nboots = 0;
	hp->boots[hp->nboots++] = first;
	for (int64_t day = jst_midnight(g->from) + US_DAY; day < g->now && hp->nboots < 16; day += US_DAY) {
		struct jst j;
		jst_of(day + 12 * US_HOUR, &j);
		int64_t at;
		if (g->e->server) {
			if (j.wday != 0 || !rng_chance(&g->r, 0.7))
				continue;
			at = day + 3 * US_HOUR + rng_range(&g->r, 0, 60) * US_MIN;
		} else {
			if (j.wday == 0 || j.wday == 6 || !rng_chance(&g->r, 0.2))
				continue;
			at = day + 7 * US_HOUR + rng_range(&g->r, 0, 50) * US_MIN;
		}
		if (at <= first + US_HOUR || at >= g->now || session_at(hp, at) != NULL ||
		    session_at(hp, at + 10 * US_MIN) != NULL)
			continue;
		hp->boots[hp->nboots++] = at;
	}
	hp->bs = xcalloc(hp->nboots, sizeof *hp->bs);
	for (size_t i = 0; i < hp->nboots; i++) {
		if (i > 0)
			boot_end(g, &hp->bs[i - 1], hp->boots[i] - 2 * US_MIN);
		boot(g, &hp->bs[i], hp->boots[i]);
	}
	/* the services' own life: Defender, Windows Update, telemetry */
	for (size_t i = 0; i < hp->nboots; i++) {
		struct bootset *b = &hp->bs[i];
		int64_t until = i + 1 < hp->nboots ? hp->boots[i + 1] - 3 * US_MIN : g->now;
		activities(g, b->msmpeng, b->at + 2 * US_MIN, until, 1.0);
		activities(g, b->svc[SV_WU], b->at + 5 * US_MIN, until, 2.0);
		activities(g, b->svc[SV_BITS], b->at + 5 * US_MIN, until, 3.0);
		activities(g, b->svc[SV_SYSMAIN], b->at + 5 * US_MIN, until, 2.0);
		activities(g, b->search, b->at + 5 * US_MIN, until, 1.5);
		if (g->e->server)
			server_shares(g, hp, b->at + 10 * US_MIN, until);
	}
	/* background churn, busier when someone is logged on */
	for (int64_t t = hp->boots[0] + 3 * US_MIN; t < g->now;) {
		bool busy = session_at(hp, t) != NULL;
		int64_t step = busy ? rng_range(&g->r, 7, 22) * US_MIN : rng_range(&g->r, 18, 50) * US_MIN;
		t += step;
		bool near_boot = false;
		for (size_t i = 0; i < hp->nboots; i++)
			if (t > hp->boots[i] - 5 * US_MIN && t < hp->boots[i] + 2 * US_MIN)
				near_boot = true;
		if (!near_boot && t < g->now)
			churn_one(g, hp, t);
	}
	for (size_t i = 0; i < hp->ns; i++)
		run_session(g, hp, &hp->s[i]);
}
