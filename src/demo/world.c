/* world.c - the demo's customers: tenants (hearing sheets), endpoints and
 * their users, the program files on them, the names they resolve. */
#include <string.h>

#include "demo/demo.h"

/* ---- tenants ---- */

static const char *const ACME_SITES[] = {"TKY", "TKY", "TKY", "OSK"};
static const char *const GLOBEX_SITES[] = {"OSK", "OSK", "NGY", "FKO"};
static const char *const INITECH_SITES[] = {"SDI", "SPR"};

/* The options of `itrace-cmdd tenant add` (the service start is added by
 * main.c from --now and service_start_days). */
const struct tenant TENANTS[] = {
	{"acme", "ACME",
	 "--auto-isolate --allow 10.20.0.10/32:443 --allow 10.20.0.53/32:53 "
	 "--mode nonblock --onboarding-days 30 "
	 "--contact joho-system@acme.example.jp --contact soc-renraku@acme.example.jp",
	 "nonblock", 20, ACME_SITES, NELEM(ACME_SITES), false, "10.20", 420},
	{"globex", "GLOBEX",
	 "--auto-exception --mode block --onboarding-days 30 "
	 "--contact it-admin@globex.example.jp",
	 "block", 18, GLOBEX_SITES, NELEM(GLOBEX_SITES), false, "10.30", 210},
	{"initech", "INITECH",
	 "--mode nonblock --onboarding-days 30 "
	 "--contact sysadmin@initech.example.jp",
	 "nonblock", 12, INITECH_SITES, NELEM(INITECH_SITES), true, "10.40", 12},
};
const size_t N_TENANTS = NELEM(TENANTS);

/* ---- users ---- */

static const char *const SURNAMES[] = {
	"sato", "suzuki", "takahashi", "tanaka", "watanabe", "ito", "yamamoto",
	"nakamura", "kobayashi", "kato", "yoshida", "yamaguchi", "matsumoto",
	"inoue", "kimura", "hayashi", "shimizu", "yamazaki", "mori", "abe",
	"ikeda", "hashimoto", "ishikawa", "ogawa", "okada", "goto", "hasegawa",
	"murakami", "kondo", "ishii", "saito", "sakamoto", "endo", "aoki",
	"fujii", "nishimura", "fukuda", "ota", "miura", "fujiwara", "okamoto",
	"matsuda", "nakagawa", "nakano", "harada", "ono", "tamura", "takeuchi",
	"kaneko", "wada", "nakayama", "ishida", "ueda", "morita", "hara",
};
static const char GIVEN[] = "aehikmnrstyy";
/* Local accounts with Japanese names (profile C:\Users\<name>). */
static const char *const JP_NAMES[] = {"山田", "佐藤", "鈴木", "高橋", "渡辺", "中村"};

struct endpoint *world_endpoints(uint64_t seed, size_t *n)
{
	size_t total = 0;
	for (size_t t = 0; t < N_TENANTS; t++)
		total += (size_t)TENANTS[t].n_endpoints;
	struct endpoint *eps = xcalloc(total, sizeof *eps);
	struct rng r;
	rng_seed(&r, seed, 0x776f726cu);
	size_t k = 0, jp = 0;
	for (size_t t = 0; t < N_TENANTS; t++) {
		const struct tenant *tn = &TENANTS[t];
		int used[1200];
		int jp_here = 0;
		memset(used, 0, sizeof used);
		for (int i = 0; i < tn->n_endpoints; i++, k++) {
			struct endpoint *e = &eps[k];
			e->idx = (int)k;
			e->t = tn;
			const char *site = tn->sites[rng_below(&r, tn->n_sites)];
			int site_no = 1;
			for (size_t s = 0; s < tn->n_sites; s++)
				if (strcmp(tn->sites[s], site) == 0) {
					site_no = (int)s + 1;
					break;
				}
			if (i == 0) {
				/* the file server of the head office */
				e->server = true;
				snprintf(e->host, sizeof e->host, "SV-%s-FS01", tn->sites[0]);
				site_no = 1;
			} else {
				int num;
				do
					num = (int)rng_range(&r, 3, 1200);
				while (used[num]);
				used[num] = 1;
				snprintf(e->host, sizeof e->host, "%s-%s-%04d",
				         rng_chance(&r, 0.25) ? "NB" : "PC", site, num);
			}
			e->machine = (uint32_t)rng_next(&r);
			snprintf(e->ip, sizeof e->ip, "%s.%d.%d", tn->net, site_no * 10 + (e->server ? 0 : 1),
			         e->server ? 5 : (int)rng_range(&r, 20, 250));
			snprintf(e->sid, sizeof e->sid, "S-1-5-21-%u-%u-%u-%d",
			         (unsigned)(1000000000u + (uint32_t)(t * 7919u + 104729u)),
			         (unsigned)(2000000000u + (uint32_t)(t * 15485863u % 99991u)),
			         (unsigned)(3000000000u + (uint32_t)(t * 32452843u % 99989u)),
			         1100 + i);
			e->browser = rng_chance(&r, 0.6) ? "chrome" : "msedge";
			e->dev = strcmp(tn->name, "initech") == 0 && i % 3 == 1;
			if (e->server) {
				snprintf(e->uname, sizeof e->uname, "adm-%s", PICK(&r, SURNAMES));
				snprintf(e->user, sizeof e->user, "%s\\%s", tn->domain, e->uname);
			} else if (i % 6 == 2 && jp_here < 2 && jp < NELEM(JP_NAMES)) {
				/* a PC set up with a local Japanese account */
				e->jp_user = true;
				jp_here++;
				snprintf(e->uname, sizeof e->uname, "%s", JP_NAMES[jp++]);
				snprintf(e->user, sizeof e->user, "%s\\%s", e->host, e->uname);
			} else {
				snprintf(e->uname, sizeof e->uname, "%s.%c", PICK(&r, SURNAMES),
				         GIVEN[rng_below(&r, sizeof GIVEN - 1)]);
				snprintf(e->user, sizeof e->user, "%s\\%s", tn->domain, e->uname);
			}
			snprintf(e->profile, sizeof e->profile, "C:\\Users\\%s", e->uname);
		}
	}
	*n = total;
	return eps;
}

char *expand_path(const struct endpoint *e, const char *tmpl)
{
	struct sb b = {0};
	for (const char *p = tmpl; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 'U') {
			sb_puts(&b, e->profile);
			p++;
		} else {
			sb_putc(&b, *p);
		}
	}
	if (b.p == NULL)
		sb_puts(&b, "");
	return b.p;
}

/* ---- the file catalogue ---- */

#define MS "Microsoft Corporation"
#define MSW "Microsoft Windows"
#define MSS "Microsoft® Windows® Operating System"
#define SYS32 "C:\\Windows\\System32\\"
#define OFF "C:\\Program Files\\Microsoft Office\\root\\Office16\\"
#define DEF "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\"

enum { D_BASE, D_GUI, D_NET, D_OFFICE, D_PS, D_BROWSER, D_DOTNET, D_COUNT };

static const struct exe EXES[] = {
	{"System", NULL, NULL, NULL, NULL, 1, MSW, FAM_SYS, -1},
	{SYS32 "smss.exe", MS, "Windows Session Manager", MSS, "smss.exe", 1, MSW, FAM_NONE, D_BASE},
	{SYS32 "csrss.exe", MS, "Client Server Runtime Process", MSS, "CSRSS.Exe", 1, MSW, FAM_NONE, D_BASE},
	{SYS32 "wininit.exe", MS, "Windows Start-Up Application", MSS, "WinInit.exe", 1, MSW, FAM_NONE, D_BASE},
	{SYS32 "winlogon.exe", MS, "Windows Logon Application", MSS, "WINLOGON.EXE", 1, MSW, FAM_SYS, D_GUI},
	{SYS32 "services.exe", MS, "Services and Controller app", MSS, "services.exe", 1, MSW, FAM_SYS, D_BASE},
	{SYS32 "lsass.exe", MS, "Local Security Authority Process", MSS, "lsass.exe", 1, MSW, FAM_SYS, D_NET},
	{SYS32 "svchost.exe", MS, "Host Process for Windows Services", MSS, "svchost.exe", 1, MSW, FAM_SYS, D_NET},
	{SYS32 "spoolsv.exe", MS, "Spooler SubSystem App", MSS, "spoolsv.exe", 1, MSW, FAM_SYS, D_BASE},
	{SYS32 "dwm.exe", MS, "Desktop Window Manager", MSS, "dwm.exe", 1, MSW, FAM_NONE, D_GUI},
	{SYS32 "fontdrvhost.exe", MS, "Usermode Font Driver Host", MSS, "fontdrvhost.exe", 1, MSW, FAM_NONE, D_BASE},
	{DEF "MsMpEng.exe", MS, "Antimalware Service Executable", MSS, "MsMpEng.exe", 1, MSW, FAM_DEFENDER, D_NET},
	{DEF "MpCmdRun.exe", MS, "Microsoft Malware Protection Command Line Utility", MSS, "MpCmdRun.exe", 1, MSW, FAM_DEFENDER, D_NET},
	{SYS32 "SearchIndexer.exe", MS, "Microsoft Windows Search Indexer", MSS, "SearchIndexer.exe", 1, MSW, FAM_SEARCH, D_BASE},
	{SYS32 "SearchProtocolHost.exe", MS, "Microsoft Windows Search Protocol Host", MSS, "SearchProtocolHost.exe", 1, MSW, FAM_SEARCH, D_BASE},
	{SYS32 "SearchFilterHost.exe", MS, "Microsoft Windows Search Filter Host", MSS, "SearchFilterHost.exe", 1, MSW, FAM_SEARCH, D_BASE},
	{SYS32 "userinit.exe", MS, "Userinit Logon Application", MSS, "USERINIT.EXE", 1, MSW, FAM_NONE, D_GUI},
	{"C:\\Windows\\explorer.exe", MS, "Windows Explorer", MSS, "EXPLORER.EXE", 1, MSW, FAM_EXPL, D_GUI},
	{SYS32 "sihost.exe", MS, "Shell Infrastructure Host", MSS, "sihost.exe", 1, MSW, FAM_NONE, D_GUI},
	{SYS32 "taskhostw.exe", MS, "Host Process for Windows Tasks", MSS, "taskhostw.exe", 1, MSW, FAM_SYS, D_BASE},
	{SYS32 "RuntimeBroker.exe", MS, "Runtime Broker", MSS, "RuntimeBroker.exe", 1, MSW, FAM_NONE, D_GUI},
	{SYS32 "ctfmon.exe", MS, "CTF Loader", MSS, "CTFMON.EXE", 1, MSW, FAM_NONE, D_GUI},
	{SYS32 "SecurityHealthSystray.exe", MS, "Windows Security notification icon", MSS, "SecurityHealthSystray.exe", 1, MSW, FAM_NONE, D_GUI},
	{SYS32 "wbem\\WmiPrvSE.exe", MS, "WMI Provider Host", MSS, "Wmiprvse.exe", 1, MSW, FAM_SYS, D_BASE},
	{SYS32 "backgroundTaskHost.exe", MS, "Background Task Host", MSS, "backgroundTaskHost.exe", 1, MSW, FAM_SYS, D_GUI},
	{SYS32 "dllhost.exe", MS, "COM Surrogate", MSS, "dllhost.exe", 1, MSW, FAM_SYS, D_GUI},
	{SYS32 "CompatTelRunner.exe", MS, "Microsoft Compatibility Telemetry", MSS, "CompatTelRunner.exe", 1, MSW, FAM_SYS, D_NET},
	{SYS32 "MusNotification.exe", MS, "MusNotification.exe", MSS, "MusNotification.exe", 1, MSW, FAM_SYS, D_GUI},
	{SYS32 "usoclient.exe", MS, "UsoClient", MSS, "usoclient.exe", 1, MSW, FAM_SYS, D_NET},
	{SYS32 "conhost.exe", MS, "Console Window Host", MSS, "CONHOST.EXE", 1, MSW, FAM_NONE, D_BASE},
	{SYS32 "cmd.exe", MS, "Windows Command Processor", MSS, "Cmd.Exe", 1, MSW, FAM_NONE, D_BASE},
	{SYS32 "WindowsPowerShell\\v1.0\\powershell.exe", MS, "Windows PowerShell", MSS, "PowerShell.EXE", 1, MSW, FAM_NONE, D_PS},
	{SYS32 "wscript.exe", MS, "Microsoft ® Windows Based Script Host", MSS, "wscript.exe", 1, MSW, FAM_NONE, D_NET},
	{SYS32 "mshta.exe", MS, "Microsoft (R) HTML Application host", "Internet Explorer", "MSHTA.EXE", 1, MSW, FAM_NONE, D_NET},
	{SYS32 "certutil.exe", MS, "CertUtil.exe", MSS, "CertUtil.exe", 1, MSW, FAM_NONE, D_NET},
	{SYS32 "regsvr32.exe", MS, "Microsoft(C) Register Server", MSS, "REGSVR32.EXE", 1, MSW, FAM_NONE, D_NET},
	{SYS32 "rundll32.exe", MS, "Windows host process (Rundll32)", MSS, "RUNDLL32.EXE", 1, MSW, FAM_NONE, D_NET},
	{SYS32 "notepad.exe", MS, "Notepad", MSS, "NOTEPAD.EXE", 1, MSW, FAM_NONE, D_GUI},
	{SYS32 "mstsc.exe", MS, "Remote Desktop Connection", MSS, "mstsc.exe", 1, MSW, FAM_NONE, D_NET},
	{SYS32 "net.exe", MS, "Net Command", MSS, "net.exe", 1, MSW, FAM_NONE, D_BASE},
	{SYS32 "whoami.exe", MS, "whoami - displays logged on user information", MSS, "whoami.exe", 1, MSW, FAM_NONE, D_BASE},
	{SYS32 "reg.exe", MS, "Registry Console Tool", MSS, "reg.exe", 1, MSW, FAM_NONE, D_BASE},
	{"C:\\Windows\\servicing\\TrustedInstaller.exe", MS, "Windows Modules Installer", MSS, "TrustedInstaller.exe", 1, MSW, FAM_SYS, D_BASE},
	{"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe", MS, "Microsoft OneDrive", "Microsoft OneDrive", "OneDrive.exe", 1, MS, FAM_ONEDRIVE, D_NET},
	{"C:\\Program Files\\WindowsApps\\MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe\\ms-teams.exe",
	 MS, "Microsoft Teams", "Microsoft Teams", "ms-teams.exe", 1, MS, FAM_TEAMS, D_BROWSER},
	{OFF "OUTLOOK.EXE", MS, "Microsoft Outlook", "Microsoft Outlook", "Outlook.exe", 1, MS, FAM_OFFICE, D_OFFICE},
	{OFF "WINWORD.EXE", MS, "Microsoft Word", "Microsoft Office", "WinWord.exe", 1, MS, FAM_OFFICE, D_OFFICE},
	{OFF "EXCEL.EXE", MS, "Microsoft Excel", "Microsoft Office", "Excel.exe", 1, MS, FAM_OFFICE, D_OFFICE},
	{OFF "POWERPNT.EXE", MS, "Microsoft PowerPoint", "Microsoft Office", "POWERPNT.EXE", 1, MS, FAM_OFFICE, D_OFFICE},
	{"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "Google LLC", "Google Chrome", "Google Chrome", "chrome.exe", 1, "Google LLC", FAM_BROWSER, D_BROWSER},
	{"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe", MS, "Microsoft Edge", "Microsoft Edge", "msedge.exe", 1, MS, FAM_BROWSER, D_BROWSER},
	{"C:\\Program Files\\Adobe\\Acrobat DC\\Acrobat\\Acrobat.exe", "Adobe Inc.", "Adobe Acrobat", "Adobe Acrobat", "Acrobat.exe", 1, "Adobe Inc.", FAM_OFFICE, D_GUI},
	{"C:\\Program Files\\7-Zip\\7zFM.exe", "Igor Pavlov", "7-Zip File Manager", "7-Zip", "7zFM.exe", 0, NULL, FAM_NONE, D_GUI},
	{"C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe", MS, "Microsoft Edge Update", "Microsoft Edge Update", "msedgeupdate.dll", 1, MS, FAM_NONE, D_NET},
	{"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe", "Google LLC", "Google Installer", "Google Update", "GoogleUpdate.exe", 1, "Google LLC", FAM_NONE, D_NET},
	{"%U\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe", MS, "Visual Studio Code", "Visual Studio Code", "electron.exe", 1, MS, FAM_DEV, D_BROWSER},
	{"C:\\Program Files\\Git\\cmd\\git.exe", "The Git Development Community", "Git for Windows", "Git", "git.exe", 1, "Johannes Schindelin", FAM_DEV, D_NET},
	{"C:\\Program Files\\nodejs\\node.exe", "Node.js", "Node.js JavaScript Runtime", "Node.js", "node.exe", 1, "OpenJS Foundation", FAM_DEV, D_NET},
	{"C:\\Program Files\\Microsoft Visual Studio\\2022\\Professional\\MSBuild\\Current\\Bin\\amd64\\MSBuild.exe",
	 MS, "MSBuild.exe", "Microsoft® Build Tools®", "MSBuild.exe", 1, MS, FAM_DEV, D_DOTNET},
	{"C:\\Windows\\PSEXESVC.exe", "Sysinternals - www.sysinternals.com", "PsExec Service", "Sysinternals PsExec", "psexesvc.exe", 1, MS, FAM_NONE, D_NET},
	{"C:\\Program Files\\社内ツール\\勤怠入力\\勤怠入力.exe", "グローベックス株式会社 情報システム部", "勤怠入力ツール",
	 "勤怠入力", "KintaiInput.exe", 0, NULL, FAM_NONE, D_GUI},
};

static const char *base_of(const char *path)
{
	const char *b = strrchr(path, '\\');
	return b != NULL ? b + 1 : path;
}

const struct exe *exe_find(const char *image)
{
	for (size_t i = 0; i < NELEM(EXES); i++)
		if (strcmp(EXES[i].path, image) == 0)
			return &EXES[i];
	return NULL;
}

const struct exe *exe_get(const char *key)
{
	for (size_t i = 0; i < NELEM(EXES); i++)
		if (strcmp(base_of(EXES[i].path), key) == 0)
			return &EXES[i];
	die("no program %s in the catalogue", key);
}

static const char *const DLL_BASE[] = {
	SYS32 "ntdll.dll", SYS32 "kernel32.dll", SYS32 "KernelBase.dll",
	SYS32 "msvcrt.dll", SYS32 "advapi32.dll", SYS32 "sechost.dll",
	SYS32 "rpcrt4.dll", SYS32 "ucrtbase.dll", NULL};
static const char *const DLL_GUI[] = {
	SYS32 "ntdll.dll", SYS32 "kernel32.dll", SYS32 "KernelBase.dll",
	SYS32 "user32.dll", SYS32 "win32u.dll", SYS32 "gdi32.dll",
	SYS32 "combase.dll", SYS32 "ole32.dll", SYS32 "shell32.dll",
	SYS32 "shlwapi.dll", SYS32 "uxtheme.dll", SYS32 "imm32.dll", NULL};
static const char *const DLL_NET[] = {
	SYS32 "ntdll.dll", SYS32 "kernel32.dll", SYS32 "KernelBase.dll",
	SYS32 "advapi32.dll", SYS32 "ws2_32.dll", SYS32 "mswsock.dll",
	SYS32 "dnsapi.dll", SYS32 "winhttp.dll", SYS32 "crypt32.dll",
	SYS32 "bcrypt.dll", NULL};
static const char *const DLL_OFFICE[] = {
	SYS32 "ntdll.dll", SYS32 "kernel32.dll", SYS32 "KernelBase.dll",
	SYS32 "user32.dll", SYS32 "ole32.dll", SYS32 "oleaut32.dll",
	SYS32 "combase.dll", SYS32 "wininet.dll", SYS32 "urlmon.dll",
	"C:\\Program Files\\Common Files\\Microsoft Shared\\Office16\\mso20win32client.dll",
	"C:\\Program Files\\Common Files\\Microsoft Shared\\Office16\\mso40uiwin32client.dll",
	OFF "AppVIsvSubsystems64.dll", SYS32 "riched20.dll", SYS32 "msxml6.dll", NULL};
static const char *const DLL_PS[] = {
	SYS32 "ntdll.dll", SYS32 "kernel32.dll", SYS32 "KernelBase.dll",
	SYS32 "mscoree.dll", "C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\clr.dll",
	"C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\clrjit.dll",
	"C:\\Windows\\assembly\\NativeImages_v4.0.30319_64\\System.Management.A#\\"
	"4b93b6bd71723bed2fa9dd778436dd5e\\System.Management.Automation.ni.dll",
	SYS32 "amsi.dll", "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\"
	"4.18.24090.11-0\\MpOav.dll", NULL};
static const char *const DLL_BROWSER[] = {
	SYS32 "ntdll.dll", SYS32 "kernel32.dll", SYS32 "KernelBase.dll",
	SYS32 "user32.dll", SYS32 "gdi32.dll", SYS32 "ws2_32.dll",
	SYS32 "dwrite.dll", SYS32 "d3d11.dll", SYS32 "dxgi.dll",
	SYS32 "winhttp.dll", SYS32 "crypt32.dll", NULL};
static const char *const DLL_DOTNET[] = {
	SYS32 "ntdll.dll", SYS32 "kernel32.dll", SYS32 "KernelBase.dll",
	SYS32 "mscoree.dll", "C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\clr.dll",
	"C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\clrjit.dll", NULL};

const char *const *dll_list(int set)
{
	switch (set) {
	case D_BASE: return DLL_BASE;
	case D_GUI: return DLL_GUI;
	case D_NET: return DLL_NET;
	case D_OFFICE: return DLL_OFFICE;
	case D_PS: return DLL_PS;
	case D_BROWSER: return DLL_BROWSER;
	case D_DOTNET: return DLL_DOTNET;
	default: return NULL;
	}
}

void file_hashes(const char *path, uint64_t salt, char sha256[65], char sha1[41],
                 char md5[33])
{
	/* the same release on every machine: case-folded path + salt */
	char key[600];
	size_t n = 0;
	for (const char *p = path; *p != '\0' && n < 500; p++)
		key[n++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p;
	snprintf(key + n, sizeof key - n, "|%llu", (unsigned long long)salt);
	char k2[620];
	if (sha256 != NULL)
		hash_hex(key, sha256, 64);
	if (sha1 != NULL) {
		snprintf(k2, sizeof k2, "sha1|%s", key);
		hash_hex(k2, sha1, 40);
	}
	if (md5 != NULL) {
		snprintf(k2, sizeof k2, "md5|%s", key);
		hash_hex(k2, md5, 32);
	}
}

/* ---- names and addresses of the benign Internet ---- */

static const struct {
	const char *name, *ip;
} DNS[] = {
	{"outlook.office365.com", "52.97.146.162"},
	{"outlook.office.com", "52.97.219.114"},
	{"login.microsoftonline.com", "20.190.141.34"},
	{"teams.microsoft.com", "52.113.194.132"},
	{"statics.teams.cdn.office.net", "23.45.181.48"},
	{"officeclient.microsoft.com", "52.109.68.129"},
	{"nexusrules.officeapps.live.com", "52.109.8.19"},
	{"settings-win.data.microsoft.com", "20.42.73.29"},
	{"v10.events.data.microsoft.com", "20.189.173.3"},
	{"ctldl.windowsupdate.com", "23.52.91.8"},
	{"fe3cr.delivery.mp.microsoft.com", "20.24.125.47"},
	{"wdcp.microsoft.com", "20.199.120.151"},
	{"definitionupdates.microsoft.com", "20.43.161.105"},
	{"oneclient.sfx.ms", "23.215.0.136"},
	{"g.live.com", "13.107.42.13"},
	{"onedrive.live.com", "13.107.42.13"},
	{"msedge.b.tlu.dl.delivery.mp.microsoft.com", "23.44.229.138"},
	{"update.googleapis.com", "142.250.196.99"},
	{"www.google.com", "142.250.196.100"},
	{"www.google.co.jp", "142.250.207.3"},
	{"clients2.google.com", "142.251.42.174"},
	{"www.yahoo.co.jp", "183.79.219.252"},
	{"news.yahoo.co.jp", "182.22.25.124"},
	{"www.nikkei.com", "23.52.29.89"},
	{"www.jma.go.jp", "23.35.120.47"},
	{"www.e-gov.go.jp", "13.35.58.45"},
	{"www.nta.go.jp", "23.55.24.176"},
	{"www.amazon.co.jp", "52.119.168.48"},
	{"github.com", "20.27.177.113"},
	{"registry.npmjs.org", "104.16.3.35"},
	{"api.nuget.org", "152.199.40.167"},
	{"www.bing.com", "13.107.21.200"},
	{"ocsp.digicert.com", "72.21.91.29"},
	{"crl.microsoft.com", "23.52.29.175"},
};

const char *dns_addr(const char *name)
{
	for (size_t i = 0; i < NELEM(DNS); i++)
		if (strcmp(DNS[i].name, name) == 0)
			return DNS[i].ip;
	return "93.184.216.34";
}
