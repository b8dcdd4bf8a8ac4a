/* test_logline.c - one line of every layout to an event (src/core/logline.c).
 *
 * The literal lines are real lines of ../shared/data/otrf (OTRF
 * Security-Datasets, MIT), shortened: Message and some exporter fields
 * dropped.  To keep them readable they are written with ' for " (see J()).
 * test_otrf_files reads the whole shared files: $ITRACE_SHARED/data/otrf,
 * ITRACE_SHARED defaulting to ../shared beside the repository root (found
 * upwards from the working directory). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/logline.h"

/* ---- helpers ------------------------------------------------------------------ */

static char jbuf[1 << 16];

/* The line with every ' turned into ". */
static const char *J(const char *s)
{
	size_t n = strlen(s);
	assert_true(n < sizeof jbuf);
	for (size_t i = 0; i <= n; i++)
		jbuf[i] = s[i] == '\'' ? '"' : s[i];
	return jbuf;
}

static char err[256];

static enum ll_result parse(const char *line, struct ev *e, struct ev_alert *a)
{
	ev_init(e);
	memset(a, 0, sizeof *a);
	memset(err, 'X', sizeof err);
	err[sizeof err - 1] = '\0';
	enum ll_result r = ll_parse(line, strlen(line), e, a, err, sizeof err);
	if (r == LL_ERROR)
		assert_true(strlen(err) > 0);
	else
		assert_string_equal(err, "");
	return r;
}

/* Parse J(s) expecting an event. */
static void ev_ok(const char *s, struct ev *e)
{
	struct ev_alert a;
	enum ll_result r = parse(J(s), e, &a);
	if (r != LL_EVENT)
		print_error("unexpected %d: %s\n", (int)r, err);
	assert_int_equal(r, LL_EVENT);
}

/* Parse J(s) expecting an error with exactly this reason. */
static void ev_err(const char *s, const char *reason)
{
	struct ev e;
	struct ev_alert a;
	enum ll_result r = parse(J(s), &e, &a);
	if (r != LL_ERROR)
		print_error("expected error \"%s\", got %d\n", reason, (int)r);
	assert_int_equal(r, LL_ERROR);
	assert_string_equal(err, reason);
	/* nothing left behind for the caller */
	assert_null(e.host);
	assert_null(e.image);
	assert_null(e.extra);
	assert_null(a.host);
}

static void ev_skip(const char *s)
{
	struct ev e;
	struct ev_alert a;
	enum ll_result r = parse(J(s), &e, &a);
	if (r != LL_SKIP)
		print_error("expected skip, got %d: %s\n", (int)r, err);
	assert_int_equal(r, LL_SKIP);
	assert_null(e.host);
}

static const char *tstr(int64_t us)
{
	static char b[32];
	ev_format_time(us, b, sizeof b);
	return b;
}

/* extra[key] as a string, NULL when absent. */
static const char *X(const struct ev *e, const char *key)
{
	return e->extra ? json_string_value(json_object_get(e->extra, key)) : NULL;
}

/* ---- Sysmon, flat --------------------------------------------------------------- */

/* psh_mshta: mshta.exe started by the PowerShell cradle (EID 1). */
static const char *const L_EID1 =
	"{'Keywords':'0x8000000000000000','Task':'1','Description':'Microsoft (R) HTML Application host',"
	"'CommandLine':'\\'C:\\\\windows\\\\system32\\\\mshta.exe\\' \\'C:\\\\Users\\\\wardog\\\\AppData\\\\Roaming\\\\Microsoft\\\\Windows\\\\Start Menu\\\\Programs\\\\Startup\\\\T1218.005.hta\\'',"
	"'TimeCreated':'2020-10-22T03:52:05.774Z','Product':'Internet Explorer','Company':'Microsoft Corporation',"
	"'OriginalFileName':'MSHTA.EXE','User':'WORKSTATION5\\\\wardog','ParentProcessId':'10848',"
	"'SourceName':'Microsoft-Windows-Sysmon','IntegrityLevel':'High',"
	"'ProcessGuid':'{39e4a257-3a25-5f91-f113-000000000700}','CurrentDirectory':'C:\\\\Users\\\\wardog\\\\',"
	"'Hashes':'SHA1=99A0A1B05E60A5F1FC8A068F953F0510E0230EFA,MD5=7C5C45D9F45694521548E99BA5D4E535,"
	"SHA256=229EBBA62347B77EA2FFAD93308E7052BDAE39A24EA828D6EF93FE694CA62197,IMPHASH=42DA177DE2FAA97C3DFAEC9562772A7F',"
	"'UtcTime':'2020-10-22 07:52:05.773',"
	"'ParentCommandLine':'\\'C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0\\\\powershell.exe\\' ',"
	"'TerminalSessionId':'2','ProcessId':'9160',"
	"'ParentImage':'C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0\\\\powershell.exe',"
	"'FileVersion':'11.00.18362.1 (WinBuild.160101.0800)','ParentProcessGuid':'{39e4a257-3a12-5f91-ee13-000000000700}',"
	"'@timestamp':'2020-10-22T03:52:05.774Z','LogonGuid':'{39E4A257-F1AC-5F8B-D961-0C0000000000}',"
	"'Image':'C:\\\\Windows\\\\System32\\\\mshta.exe','Hostname':'WORKSTATION5','LogonId':'0xc61d9','Level':'4',"
	"'EventID':1,'ProviderGuid':'{5770385f-c22a-43e0-bf4c-06f5698ffbd9}','RuleName':'-',"
	"'Message':'Process Create:\\r\\nRuleName: -','Channel':'Microsoft-Windows-Sysmon/Operational'}";

static void test_sysmon1_flat(void **state)
{
	(void)state;
	struct ev e;
	ev_ok(L_EID1, &e);
	assert_int_equal(e.kind, EV_PROCESS_START);
	assert_int_equal(e.eid, 1);
	/* UtcTime, not TimeCreated/@timestamp (4 h off) */
	assert_string_equal(tstr(e.ts_us), "2020-10-22T07:52:05.773Z");
	assert_string_equal(e.host, "WORKSTATION5");
	assert_true(e.record_id == -1);
	assert_string_equal(e.proc_guid, "39e4a257-3a25-5f91-f113-000000000700");
	assert_true(e.pid == 9160);
	assert_string_equal(e.image, "C:\\Windows\\System32\\mshta.exe");
	assert_string_equal(e.cmdline, "\"C:\\windows\\system32\\mshta.exe\" \"C:\\Users\\wardog\\AppData"
	                    "\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\T1218.005.hta\"");
	assert_string_equal(e.user, "WORKSTATION5\\wardog");
	assert_string_equal(e.integrity, "High");
	assert_string_equal(e.parent_guid, "39e4a257-3a12-5f91-ee13-000000000700");
	assert_true(e.parent_pid == 10848);
	assert_string_equal(e.parent_image, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe");
	assert_string_equal(e.parent_cmdline, "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" ");
	assert_string_equal(e.sha256, "229ebba62347b77ea2ffad93308e7052bdae39a24ea828d6ef93fe694ca62197");
	assert_string_equal(e.sha1, "99a0a1b05e60a5f1fc8a068f953f0510e0230efa");
	assert_string_equal(e.md5, "7c5c45d9f45694521548e99ba5d4e535");
	assert_string_equal(e.imphash, "42da177de2faa97c3dfaec9562772a7f");
	assert_string_equal(e.original_file_name, "MSHTA.EXE");
	assert_string_equal(e.company, "Microsoft Corporation");
	assert_string_equal(e.description, "Microsoft (R) HTML Application host");
	assert_string_equal(e.product, "Internet Explorer");
	assert_int_equal(e.signed_, -1);
	assert_null(e.target);
	/* unmapped Sysmon fields are kept, exporter noise is not */
	assert_string_equal(X(&e, "CurrentDirectory"), "C:\\Users\\wardog\\");
	assert_string_equal(X(&e, "LogonGuid"), "39e4a257-f1ac-5f8b-d961-0c0000000000");
	assert_string_equal(X(&e, "LogonId"), "0xc61d9");
	assert_string_equal(X(&e, "TerminalSessionId"), "2");
	assert_string_equal(X(&e, "FileVersion"), "11.00.18362.1 (WinBuild.160101.0800)");
	assert_int_equal(json_object_size(e.extra), 5);
	ev_clear(&e);
}

/* Flat lines are not HTML-unescaped (only nxlog escapes). */
static void test_flat_no_unescape(void **state)
{
	(void)state;
	struct ev e;
	ev_ok("{'EventID':17,'Channel':'Microsoft-Windows-Sysmon/Operational','Hostname':'H',"
	      "'UtcTime':'2020-10-19 07:30:50.100','ProcessGuid':'{39e4a257-f131-5f8b-0b00-000000000700}',"
	      "'ProcessId':'716','PipeName':'&lt;Anonymous Pipe&gt;','EventType':'CreatePipe',"
	      "'Image':'C:\\\\windows\\\\system32\\\\services.exe'}", &e);
	assert_int_equal(e.kind, EV_PIPE_CREATE);
	assert_string_equal(e.target, "&lt;Anonymous Pipe&gt;");
	assert_string_equal(X(&e, "EventType"), "CreatePipe");
	ev_clear(&e);
}

/* cmd_psexec: the service key's ImagePath, with Sysmon's doubled %. */
static void test_sysmon13_percent(void **state)
{
	(void)state;
	struct ev e;
	ev_ok("{'TimeCreated':'2020-10-19 03:30:46.419','SourceName':'Microsoft-Windows-Sysmon',"
	      "'UtcTime':'2020-10-19 07:30:46.416','ProcessGuid':'{39e4a257-f131-5f8b-0b00-000000000700}',"
	      "'Image':'C:\\\\windows\\\\system32\\\\services.exe','EventID':13,"
	      "'Channel':'Microsoft-Windows-Sysmon/Operational','Task':'13','RuleName':'-',"
	      "'Hostname':'WORKSTATION5','Details':'%%SystemRoot%%\\\\PSEXESVC.exe','ProcessId':'716',"
	      "'EventType':'SetValue','TargetObject':'HKLM\\\\System\\\\CurrentControlSet\\\\Services\\\\PSEXESVC\\\\ImagePath'}",
	      &e);
	assert_int_equal(e.kind, EV_REGISTRY_SET);
	assert_int_equal(e.eid, 13);
	assert_string_equal(e.details, "%SystemRoot%\\PSEXESVC.exe");
	assert_string_equal(e.target, "HKLM\\System\\CurrentControlSet\\Services\\PSEXESVC\\ImagePath");
	assert_string_equal(e.image, "C:\\windows\\system32\\services.exe");
	assert_true(e.pid == 716);
	assert_string_equal(tstr(e.ts_us), "2020-10-19T07:30:46.416Z");
	assert_string_equal(X(&e, "EventType"), "SetValue");
	ev_clear(&e);

	/* %%%% is two doubled percents; a single % stays */
	ev_ok("{'EventID':13,'Channel':'Microsoft-Windows-Sysmon/Operational','Hostname':'H',"
	      "'UtcTime':'2020-10-19 07:30:46.416','Details':'100%% of %%%%x%% 5% %'}", &e);
	assert_string_equal(e.details, "100% of %%x% 5% %");
	ev_clear(&e);
}

/* metasploit_procdump: the Zone.Identifier stream of the download. */
static void test_sysmon15_stream(void **state)
{
	(void)state;
	struct ev e;
	ev_ok("{'SourceName':'Microsoft-Windows-Sysmon','Channel':'Microsoft-Windows-Sysmon/Operational',"
	      "'Hostname':'ACCT01.pandalab.com','TimeCreated':'2023-08-15T05:34:33.142Z',"
	      "'@timestamp':'2023-08-15T05:34:33.142Z','EventID':15,'Task':'15','RuleName':'-',"
	      "'UtcTime':'2023-08-16 00:34:32.986','ProcessGuid':'{19de6d3b-1997-64dc-240c-000000000c00}',"
	      "'ProcessId':'3412','Image':'C:\\\\Program Files (x86)\\\\Microsoft\\\\Edge\\\\Application\\\\msedge.exe',"
	      "'TargetFilename':'C:\\\\Users\\\\nora.quemona\\\\Downloads\\\\happy_image.jpeg.exe:Zone.Identifier',"
	      "'CreationUtcTime':'2023-08-16 00:34:27.784',"
	      "'Hash':'SHA1=4B08DCEF2B30968C1C008D4A178EAA2F5733AD20,MD5=A16DBEB2C44438CD8BF8A9613B1DFDF8,"
	      "SHA256=05221EA0E3136EC439988528673B2B7CA20F1473D5BE7776DCF0DF3DCAB7C8F2,IMPHASH=00000000000000000000000000000000',"
	      "'Contents':'[ZoneTransfer]  ZoneId=3  ReferrerUrl=http://10.0.5.13/  HostUrl=http://10.0.5.13/happy_image.jpeg.exe  ',"
	      "'User':'PANDALAB\\\\nora.quemona'}", &e);
	assert_int_equal(e.kind, EV_FILE_STREAM);
	assert_int_equal(e.eid, 15);
	assert_string_equal(tstr(e.ts_us), "2023-08-16T00:34:32.986Z");   /* not 05:34 on the 15th */
	assert_string_equal(e.host, "ACCT01.pandalab.com");
	assert_string_equal(e.target, "C:\\Users\\nora.quemona\\Downloads\\happy_image.jpeg.exe:Zone.Identifier");
	assert_non_null(strstr(e.details, "HostUrl=http://10.0.5.13/happy_image.jpeg.exe"));
	assert_non_null(strstr(e.details, "ZoneId=3"));
	assert_string_equal(e.sha256, "05221ea0e3136ec439988528673b2b7ca20f1473d5be7776dcf0df3dcab7c8f2");
	assert_string_equal(e.imphash, "00000000000000000000000000000000");
	assert_string_equal(e.user, "PANDALAB\\nora.quemona");
	assert_string_equal(X(&e, "CreationUtcTime"), "2023-08-16 00:34:27.784");
	assert_null(X(&e, "RuleName"));
	ev_clear(&e);

	/* Contents "-": no stream text */
	ev_ok("{'EventID':15,'Channel':'Microsoft-Windows-Sysmon/Operational','Hostname':'ACCT01',"
	      "'UtcTime':'2023-08-16 00:34:31.589','TargetFilename':'C:\\\\x.crdownload','Contents':'-',"
	      "'Hash':'SHA256=469CBFE8648F2713D2DD11E835CECDF6D7F6A29C86A94E3E9B1A072980207784'}", &e);
	assert_null(e.details);
	assert_string_equal(e.sha256, "469cbfe8648f2713d2dd11e835cecdf6d7f6a29c86a94e3e9b1a072980207784");
	assert_null(e.sha1);
	ev_clear(&e);
}

/* psh_mshta: the cradle's connection to GitHub. */
static void test_sysmon3_net(void **state)
{
	(void)state;
	struct ev e;
	ev_ok("{'Keywords':'0x8000000000000000','Task':'3','RuleName':'-','SourceIsIpv6':'false',"
	      "'Protocol':'tcp','DestinationIp':'151.101.208.133','SourceHostname':'-','Initiated':'true',"
	      "'SourcePort':'52878','User':'WORKSTATION5\\\\wardog','SourceName':'Microsoft-Windows-Sysmon',"
	      "'ProcessGuid':'{39e4a257-3a12-5f91-ee13-000000000700}','UtcTime':'2020-10-22 07:52:04.342',"
	      "'SourcePortName':'-','SourceIp':'192.168.2.5','DestinationPort':'443','ProcessId':'10848',"
	      "'TimeCreated':'2020-10-22T03:52:06.658Z','@timestamp':'2020-10-22T03:52:06.658Z',"
	      "'DestinationHostname':'-','Level':'4',"
	      "'Image':'C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0\\\\powershell.exe',"
	      "'Hostname':'WORKSTATION5','DestinationPortName':'-','Channel':'Microsoft-Windows-Sysmon/Operational',"
	      "'DestinationIsIpv6':'false','EventID':3,'ProviderGuid':'{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'}",
	      &e);
	assert_int_equal(e.kind, EV_NET_CONNECT);
	assert_string_equal(e.proto, "tcp");
	assert_string_equal(e.local_ip, "192.168.2.5");
	assert_true(e.local_port == 52878);
	assert_string_equal(e.remote_ip, "151.101.208.133");
	assert_true(e.remote_port == 443);
	assert_int_equal(e.initiated, 1);
	assert_true(e.pid == 10848);
	assert_string_equal(X(&e, "SourceIsIpv6"), "false");
	assert_null(X(&e, "DestinationHostname"));   /* "-" */
	assert_null(X(&e, "SourceHostname"));
	ev_clear(&e);

	/* an inbound one, with a host name and numbers for the ports */
	ev_ok("{'EventID':3,'Channel':'Microsoft-Windows-Sysmon/Operational','Hostname':'HR001',"
	      "'UtcTime':'2019-04-03 17:37:00.000','Protocol':'tcp','Initiated':'false','SourceIp':'172.18.39.106',"
	      "'SourcePort':445,'DestinationIp':'172.18.39.105','DestinationPort':56911,'DestinationHostname':'IT001'}", &e);
	assert_int_equal(e.initiated, 0);
	assert_true(e.local_port == 445);
	assert_true(e.remote_port == 56911);
	assert_string_equal(X(&e, "DestinationHostname"), "IT001");
	ev_clear(&e);
}

static void test_sysmon_other_eids(void **state)
{
	(void)state;
	struct ev e;
	/* 22: the cradle's DNS query */
	ev_ok("{'QueryName':'raw.githubusercontent.com','UtcTime':'2020-10-22 07:52:04.335',"
	      "'ProcessGuid':'{39e4a257-3a12-5f91-ee13-000000000700}','Channel':'Microsoft-Windows-Sysmon/Operational',"
	      "'QueryStatus':'0','Hostname':'WORKSTATION5','QueryResults':'type:  5 github.map.fastly.net;::ffff:151.101.208.133;',"
	      "'ProcessId':'10848','EventID':22}", &e);
	assert_int_equal(e.kind, EV_DNS_QUERY);
	assert_string_equal(e.target, "raw.githubusercontent.com");
	assert_string_equal(e.details, "type:  5 github.map.fastly.net;::ffff:151.101.208.133;");
	assert_string_equal(X(&e, "QueryStatus"), "0");
	ev_clear(&e);

	/* 22 of an unknown process: zero GUID and placeholder image are absent */
	ev_ok("{'EventID':22,'Channel':'Microsoft-Windows-Sysmon/Operational','Hostname':'WORKSTATION5',"
	      "'UtcTime':'2020-10-19 07:30:46.099','ProcessGuid':'{00000000-0000-0000-0000-000000000000}',"
	      "'ProcessId':'7256','QueryName':'WORKSTATION5','QueryStatus':'0','QueryResults':'192.168.2.5;',"
	      "'Image':'<unknown process>'}", &e);
	assert_null(e.proc_guid);
	assert_null(e.image);
	assert_true(e.pid == 7256);
	assert_string_equal(e.details, "192.168.2.5;");
	ev_clear(&e);

	/* 2: file creation time changed; the previous time is kept */
	ev_ok("{'PreviousCreationUtcTime':'2020-10-22 07:52:09.345','TargetFilename':'C:\\\\U41.temp',"
	      "'UtcTime':'2020-10-22 07:52:09.376','ProcessGuid':'{39e4a257-3a29-5f91-f713-000000000700}',"
	      "'Image':'C:\\\\Windows\\\\System32\\\\RuntimeBroker.exe','CreationUtcTime':'2020-10-17 10:00:19.074',"
	      "'Channel':'Microsoft-Windows-Sysmon/Operational','Hostname':'WORKSTATION5','ProcessId':'6080','EventID':2}", &e);
	assert_int_equal(e.kind, EV_FILE_WRITE);
	assert_string_equal(e.target, "C:\\U41.temp");
	assert_string_equal(X(&e, "PreviousCreationUtcTime"), "2020-10-22 07:52:09.345");
	assert_string_equal(X(&e, "CreationUtcTime"), "2020-10-17 10:00:19.074");
	ev_clear(&e);

	/* 29: executable detected, with hashes */
	ev_ok("{'Channel':'Microsoft-Windows-Sysmon/Operational','Hostname':'ACCT01.pandalab.com','EventID':29,"
	      "'UtcTime':'2023-08-16 00:34:28.199','ProcessGuid':'{19de6d3b-1978-64dc-100c-000000000c00}',"
	      "'ProcessId':'4196','TargetFilename':'C:\\\\Users\\\\n\\\\Downloads\\\\9b53.tmp',"
	      "'Hashes':'SHA1=279F4B416E97632BEE7F4F9DCC449901857CF8A7,MD5=C0EEF428523BA98E90B44184EF0AB4AB,"
	      "SHA256=5C47F99DCC46A8AC04AC4CC03CBA10F74B87E67AB4E937DCECF8FC84635A74C7,IMPHASH=00000000000000000000000000000000'}", &e);
	assert_int_equal(e.kind, EV_FILE_CREATE);
	assert_int_equal(e.eid, 29);
	assert_string_equal(e.md5, "c0eef428523ba98e90b44184ef0ab4ab");
	ev_clear(&e);

	/* 23 and 26: deletes */
	ev_ok("{'EventID':23,'Channel':'Microsoft-Windows-Sysmon/Operational','Hostname':'H',"
	      "'UtcTime':'2023-08-16 00:40:00.000','TargetFilename':'C:\\\\a','IsExecutable':'false','Archived':'true',"
	      "'Hashes':'sha256=AB'}", &e);
	assert_int_equal(e.kind, EV_FILE_DELETE);
	assert_string_equal(X(&e, "Archived"), "true");
	assert_string_equal(e.sha256, "ab");   /* stored as logged, lower-case */
	ev_clear(&e);
	ev_ok("{'EventID':26,'Channel':'Microsoft-Windows-Sysmon/Operational','Hostname':'H',"
	      "'UtcTime':'2023-08-16 00:40:00.000','TargetFilename':'C:\\\\a'}", &e);
	assert_int_equal(e.kind, EV_FILE_DELETE);
	ev_clear(&e);

	/* 5 */
	ev_ok("{'EventID':5,'Channel':'Microsoft-Windows-Sysmon/Operational','Hostname':'H',"
	      "'UtcTime':'2020-09-04 20:09:55.788','ProcessGuid':'{860ba2e3-9f13-5f52-2603-000000000400}',"
	      "'ProcessId':'2440','Image':'C:\\\\Windows\\\\System32\\\\wscript.exe'}", &e);
	assert_int_equal(e.kind, EV_PROCESS_END);
	assert_true(e.pid == 2440);
	assert_null(e.extra);
	ev_clear(&e);

	/* 12: CreateKey, DeleteKey, DeleteValue */
	ev_ok("{'EventID':12,'Channel':'Microsoft-Windows-Sysmon/Operational','Hostname':'H',"
	      "'UtcTime':'2020-10-19 07:31:00.000','EventType':'DeleteKey',"
	      "'TargetObject':'HKLM\\\\System\\\\CurrentControlSet\\\\Services\\\\PSEXESVC'}", &e);
	assert_int_equal(e.kind, EV_REGISTRY_DELETE);
	assert_string_equal(X(&e, "EventType"), "DeleteKey");
	ev_clear(&e);
	ev_ok("{'EventID':12,'Channel':'Microsoft-Windows-Sysmon/Operational','Hostname':'H',"
	      "'UtcTime':'2020-10-19 07:31:00.000','EventType':'DeleteValue','TargetObject':'HKLM\\\\x'}", &e);
	assert_int_equal(e.kind, EV_REGISTRY_DELETE);
	ev_clear(&e);
	ev_ok("{'EventID':12,'Channel':'Microsoft-Windows-Sysmon/Operational','Hostname':'H',"
	      "'UtcTime':'2020-10-19 07:31:00.000','EventType':'CreateKey','TargetObject':'HKLM\\\\x'}", &e);
	assert_int_equal(e.kind, EV_REGISTRY_CREATE);
	ev_clear(&e);

	/* 14: rename */
	ev_ok("{'EventID':14,'Channel':'Microsoft-Windows-Sysmon/Operational','Hostname':'H',"
	      "'UtcTime':'2020-10-19 07:31:00.000','EventType':'RenameKey','TargetObject':'HKLM\\\\a',"
	      "'NewName':'HKLM\\\\b'}", &e);
	assert_int_equal(e.kind, EV_REGISTRY_RENAME);
	assert_string_equal(e.target, "HKLM\\a");
	assert_string_equal(e.details, "HKLM\\b");
	ev_clear(&e);

	/* 8: the source process acts; the target process goes to target/extra */
	ev_ok("{'EventID':8,'Channel':'Microsoft-Windows-Sysmon/Operational','Hostname':'H',"
	      "'UtcTime':'2020-10-19 07:31:00.000','SourceProcessGuid':'{39E4A257-3A12-5F91-EE13-000000000700}',"
	      "'SourceProcessId':'10848','SourceImage':'C:\\\\p.exe','TargetProcessGuid':'{39E4A257-F131-5F8B-0B00-000000000700}',"
	      "'TargetProcessId':'716','TargetImage':'C:\\\\windows\\\\system32\\\\lsass.exe','NewThreadId':'12',"
	      "'StartAddress':'0x00007FF6','SourceUser':'WORKSTATION5\\\\wardog','TargetUser':'NT AUTHORITY\\\\SYSTEM'}", &e);
	assert_int_equal(e.kind, EV_REMOTE_THREAD);
	assert_string_equal(e.proc_guid, "39e4a257-3a12-5f91-ee13-000000000700");
	assert_true(e.pid == 10848);
	assert_string_equal(e.image, "C:\\p.exe");
	assert_string_equal(e.user, "WORKSTATION5\\wardog");
	assert_string_equal(e.target, "C:\\windows\\system32\\lsass.exe");
	assert_null(e.parent_guid);
	assert_true(e.parent_pid == -1);
	assert_string_equal(X(&e, "TargetProcessGuid"), "39e4a257-f131-5f8b-0b00-000000000700");
	assert_string_equal(X(&e, "TargetProcessId"), "716");
	assert_string_equal(X(&e, "TargetUser"), "NT AUTHORITY\\SYSTEM");
	ev_clear(&e);

	/* 18 */
	ev_ok("{'EventID':18,'Channel':'Microsoft-Windows-Sysmon/Operational','Hostname':'H',"
	      "'UtcTime':'2020-10-19 07:31:00.000','PipeName':'\\\\PSEXESVC','EventType':'ConnectPipe'}", &e);
	assert_int_equal(e.kind, EV_PIPE_CONNECT);
	assert_string_equal(e.target, "\\PSEXESVC");
	ev_clear(&e);
}

/* ---- nxlog ------------------------------------------------------------------------- */

/* empire_launcher_vbs: an escaped pipe name; EventType is Sysmon's because
 * EventTypeOrignal holds nxlog's. */
static void test_nxlog_pipe(void **state)
{
	(void)state;
	struct ev e;
	ev_ok("{'EventID':17,'RecordNumber':251942,'ProviderGuid':'{5770385F-C22A-43E0-BF4C-06F5698FFBD9}',"
	      "'SourceName':'Microsoft-Windows-Sysmon','OpcodeValue':0,'EventTime':'2020-09-04 16:10:22',"
	      "'UserID':'S-1-5-18','ProcessGuid':'{860ba2e3-9f13-5f52-2703-000000000400}','SeverityValue':2,"
	      "'Domain':'NT AUTHORITY','Category':'Pipe Created (rule: PipeEvent)',"
	      "'Image':'C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0\\\\powershell.exe',"
	      "'SourceModuleType':'im_msvistalog','ProcessId':'2316','Channel':'Microsoft-Windows-Sysmon/Operational',"
	      "'ExecutionProcessID':3196,'AccountType':'User','Severity':'INFO','Opcode':'Info','EventType':'CreatePipe',"
	      "'ThreadID':1764,'EventTypeOrignal':'INFO','PipeName':'&lt;Anonymous Pipe&gt;','AccountName':'SYSTEM',"
	      "'RuleName':'-','Task':17,'EventReceivedTime':'2020-09-04 16:10:24','tags':['mordorDataset'],"
	      "'port':53221,'@version':'1','@timestamp':'2020-09-04T20:10:24.931Z','UtcTime':'2020-09-04 20:10:22.837',"
	      "'Hostname':'WORKSTATION5.theshire.local','host':'wec.internal.cloudapp.net',"
	      "'Keywords':-9223372036854775808,'Version':1,'SourceModuleName':'eventlog'}", &e);
	assert_int_equal(e.kind, EV_PIPE_CREATE);
	assert_string_equal(e.target, "<Anonymous Pipe>");
	assert_string_equal(e.host, "WORKSTATION5.theshire.local");   /* not the collector */
	assert_true(e.record_id == 251942);
	assert_string_equal(tstr(e.ts_us), "2020-09-04T20:10:22.837Z");   /* not EventTime */
	assert_true(e.pid == 2316);
	assert_string_equal(X(&e, "EventType"), "CreatePipe");
	assert_int_equal(json_object_size(e.extra), 1);   /* all the rest is nxlog's */
	ev_clear(&e);
}

static void test_nxlog_registry(void **state)
{
	(void)state;
	struct ev e;
	ev_ok("{'EventID':12,'RecordNumber':243460,'SourceName':'Microsoft-Windows-Sysmon','EventTime':'2020-09-04 16:09:39',"
	      "'ProcessGuid':'{ee23f965-8a44-5f52-4d00-000000000400}','Image':'C:\\\\windows\\\\ADWS\\\\Microsoft.ActiveDirectory.WebServices.exe',"
	      "'SourceModuleType':'im_msvistalog','ProcessId':'3312','Channel':'Microsoft-Windows-Sysmon/Operational',"
	      "'Severity':'INFO','EventType':'CreateKey','EventTypeOrignal':'INFO','RuleName':'-','Task':12,"
	      "'TargetObject':'HKLM\\\\System\\\\CurrentControlSet\\\\Services\\\\Tcpip\\\\Parameters',"
	      "'EventReceivedTime':'2020-09-04 16:09:40','@timestamp':'2020-09-04T20:09:40.848Z',"
	      "'UtcTime':'2020-09-04 20:09:39.180','Hostname':'MORDORDC.theshire.local','host':'wec.internal.cloudapp.net'}", &e);
	assert_int_equal(e.kind, EV_REGISTRY_CREATE);
	assert_string_equal(e.target, "HKLM\\System\\CurrentControlSet\\Services\\Tcpip\\Parameters");
	assert_string_equal(X(&e, "EventType"), "CreateKey");
	assert_null(X(&e, "EventTypeOrignal"));
	ev_clear(&e);

	ev_ok("{'EventID':12,'SourceModuleType':'im_msvistalog','Channel':'Microsoft-Windows-Sysmon/Operational',"
	      "'EventType':'DeleteKey','EventTypeOrignal':'INFO','TargetObject':'HKLM\\\\x',"
	      "'UtcTime':'2020-09-04 20:09:39.180','Hostname':'MORDORDC.theshire.local'}", &e);
	assert_int_equal(e.kind, EV_REGISTRY_DELETE);
	ev_clear(&e);

	/* elsewhere EventType is nxlog's own: not kept */
	ev_ok("{'EventID':5,'RecordNumber':251265,'EventTime':'2020-09-04 16:09:55',"
	      "'ProcessGuid':'{860ba2e3-9f13-5f52-2603-000000000400}','Image':'C:\\\\Windows\\\\System32\\\\wscript.exe',"
	      "'SourceModuleType':'im_msvistalog','ProcessId':'2440','Channel':'Microsoft-Windows-Sysmon/Operational',"
	      "'EventType':'INFO','EventReceivedTime':'2020-09-04 16:09:56','@timestamp':'2020-09-04T20:09:57.066Z',"
	      "'UtcTime':'2020-09-04 20:09:55.788','Hostname':'WORKSTATION5.theshire.local',"
	      "'host':'wec.internal.cloudapp.net','Keywords':-9223372036854775808}", &e);
	assert_int_equal(e.kind, EV_PROCESS_END);
	assert_null(e.extra);
	ev_clear(&e);
}

static void test_nxlog_entities(void **state)
{
	(void)state;
	struct ev e;
	ev_ok("{'EventID':1,'SourceModuleType':'im_msvistalog','Channel':'Microsoft-Windows-Sysmon/Operational',"
	      "'UtcTime':'2020-09-04 20:09:55.000','Hostname':'W&amp;5',"
	      "'CommandLine':'a &amp;lt; b &lt;&gt;&quot;&apos; &#60;&#x3E;&#X3e; &#12354; &#0; &#55296; &bogus; & &#; &#x; &lt',"
	      "'CurrentDirectory':'C:\\\\&quot;q&quot;\\\\%%TEMP%%'}", &e);
	assert_string_equal(e.cmdline,
	                    "a &lt; b <>\"' <>> \xe3\x81\x82 &#0; &#55296; &bogus; & &#; &#x; &lt");
	assert_string_equal(e.host, "W&5");
	/* in extra too, and %% collapsed after the unescape */
	assert_string_equal(X(&e, "CurrentDirectory"), "C:\\\"q\"\\%TEMP%");
	ev_clear(&e);
}

/* ---- winlogbeat -------------------------------------------------------------------- */

/* empire_scm_dll_hijack_ikeext: HFDC01 logs upper-case GUIDs. */
static void test_wlb_image_load(void **state)
{
	(void)state;
	struct ev e;
	ev_ok("{'@timestamp':'2019-04-03T17:39:37.643Z','@metadata':{'beat':'winlogbeat','type':'doc','version':'6.7.0'},"
	      "'record_number':'3168001','provider_guid':'{5770385F-C22A-43E0-BF4C-06F5698FFBD9}','version':3,"
	      "'host':{'name':'WECserver'},'process_id':2072,'source_name':'Microsoft-Windows-Sysmon',"
	      "'beat':{'name':'WECserver','hostname':'WECserver','version':'6.7.0'},'computer_name':'HFDC01.shire.com',"
	      "'level':'Information','log_name':'Microsoft-Windows-Sysmon/Operational','task':'Image loaded (rule: ImageLoad)',"
	      "'user':{'identifier':'S-1-5-18','name':'SYSTEM','domain':'NT AUTHORITY','type':'User'},'event_id':7,"
	      "'thread_id':2788,'event_data':{'Product':'Microsoft\xc2\xae Windows\xc2\xae Operating System',"
	      "'Signature':'Microsoft Windows','ImageLoaded':'C:\\\\Windows\\\\System32\\\\sppsvc.exe',"
	      "'ProcessGuid':'{905CC552-EFD9-5CA4-0000-00108764F400}',"
	      "'Hashes':'SHA1=2669972AB3821A289C646C8C5144F31B05194F53,MD5=23529A00195CE71252FEBF647E56E27D,"
	      "SHA256=8ADF7A1C96DAE005E9A974D90BE8954F88D49B6848252B88513C49E0A3BD9774,IMPHASH=D845DD6420DF743539502300E9B7C35B',"
	      "'ProcessId':'4276','UtcTime':'2019-04-03 17:39:37.637','FileVersion':'10.0.14393.0 (rs1_release.160715-1616)',"
	      "'Image':'C:\\\\Windows\\\\System32\\\\sppsvc.exe','Signed':'true',"
	      "'Description':'Microsoft Software Protection Platform Service','Company':'Microsoft Corporation',"
	      "'SignatureStatus':'Valid'},'type':'wineventlog','opcode':'Info',"
	      "'message':'Image loaded:\\nRuleName: '}", &e);
	assert_int_equal(e.kind, EV_IMAGE_LOAD);
	assert_int_equal(e.eid, 7);
	assert_string_equal(e.host, "HFDC01.shire.com");   /* not host.name */
	assert_true(e.record_id == 3168001);
	assert_string_equal(tstr(e.ts_us), "2019-04-03T17:39:37.637Z");
	assert_string_equal(e.proc_guid, "905cc552-efd9-5ca4-0000-00108764f400");
	assert_true(ev_guid_prefix(e.proc_guid) == ev_guid_prefix("{905cc552-efd9-5ca4-1111-000000000000}"));
	assert_true(e.pid == 4276);
	assert_string_equal(e.target, "C:\\Windows\\System32\\sppsvc.exe");
	assert_string_equal(e.image, "C:\\Windows\\System32\\sppsvc.exe");
	assert_int_equal(e.signed_, 1);
	assert_string_equal(e.signature, "Microsoft Windows");
	assert_string_equal(e.product, "Microsoft\xc2\xae Windows\xc2\xae Operating System");
	assert_string_equal(e.sha256, "8adf7a1c96dae005e9a974d90be8954f88d49b6848252b88513c49e0a3bd9774");
	assert_string_equal(X(&e, "SignatureStatus"), "Valid");
	assert_string_equal(X(&e, "FileVersion"), "10.0.14393.0 (rs1_release.160715-1616)");
	assert_int_equal(json_object_size(e.extra), 2);
	ev_clear(&e);

	/* unsigned DLL: "false", Signature "-" */
	ev_ok("{'event_id':7,'log_name':'Microsoft-Windows-Sysmon/Operational','computer_name':'HR001.shire.com',"
	      "'event_data':{'UtcTime':'2019-04-03 17:40:00.000','ImageLoaded':'C:\\\\Windows\\\\System32\\\\wlbsctrl.dll',"
	      "'Signed':'false','Signature':'-','SignatureStatus':'Unavailable','Company':'-','Hashes':'-'}}", &e);
	assert_int_equal(e.signed_, 0);
	assert_null(e.signature);
	assert_null(e.company);
	assert_null(e.sha256);
	assert_true(e.record_id == -1);
	ev_clear(&e);
}

/* ---- Security 4688 -------------------------------------------------------------------- */

static void test_sec4688_flat(void **state)
{
	(void)state;
	struct ev e;
	ev_ok("{'@timestamp':'2020-10-22T03:52:05.773Z','TimeCreated':'2020-10-22T03:52:05.773Z',"
	      "'CommandLine':'\\'C:\\\\windows\\\\system32\\\\mshta.exe\\' \\'C:\\\\T1218.005.hta\\'',"
	      "'SubjectLogonId':'0xc61d9','NewProcessId':'0x23c8','SubjectDomainName':'WORKSTATION5',"
	      "'ProviderGuid':'{54849625-5478-4994-a5ba-3e3b0328c30d}','TargetLogonId':'0x0','TokenElevationType':'%%1936',"
	      "'SubjectUserSid':'S-1-5-21-3940915590-64593676-1414006259-500','NewProcessName':'C:\\\\Windows\\\\System32\\\\mshta.exe',"
	      "'Level':'0','Channel':'Security','Task':'13312','SourceName':'Microsoft-Windows-Security-Auditing',"
	      "'Hostname':'WORKSTATION5','TargetDomainName':'-','ProcessId':'0x2a60','TargetUserName':'-',"
	      "'ParentProcessName':'C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0\\\\powershell.exe',"
	      "'TargetUserSid':'S-1-0-0','EventID':4688,'Keywords':'0x8020000000000000','SubjectUserName':'wardog',"
	      "'MandatoryLabel':'S-1-16-12288'}", &e);
	assert_int_equal(e.kind, EV_PROCESS_START);
	assert_int_equal(e.eid, 4688);
	assert_true(e.pid == 0x23c8);          /* 9160, the Sysmon EID 1 pid */
	assert_true(e.parent_pid == 0x2a60);   /* 10848 */
	assert_string_equal(e.image, "C:\\Windows\\System32\\mshta.exe");
	assert_string_equal(e.parent_image, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe");
	assert_string_equal(e.cmdline, "\"C:\\windows\\system32\\mshta.exe\" \"C:\\T1218.005.hta\"");
	assert_null(e.proc_guid);
	assert_null(e.parent_guid);
	assert_string_equal(e.user, "WORKSTATION5\\wardog");
	assert_string_equal(e.integrity, "High");
	/* the flat export's TimeCreated, 4 h early: accepted (see sec_time) */
	assert_string_equal(tstr(e.ts_us), "2020-10-22T03:52:05.773Z");
	assert_string_equal(X(&e, "TokenElevationType"), "%%1936");   /* not Sysmon: no collapse */
	assert_string_equal(X(&e, "MandatoryLabel"), "S-1-16-12288");
	assert_string_equal(X(&e, "SubjectLogonId"), "0xc61d9");
	assert_null(X(&e, "TargetUserName"));
	ev_clear(&e);

	/* psexec: TimeCreated without T and Z */
	ev_ok("{'TimeCreated':'2020-10-19 03:30:45.100','Channel':'Security','EventID':4688,'Hostname':'WORKSTATION5',"
	      "'NewProcessId':'0x5b4','ProcessId':'0x2cc','NewProcessName':'C:\\\\Windows\\\\PSEXESVC.exe',"
	      "'SubjectUserSid':'S-1-5-18','SubjectUserName':'WORKSTATION5$','SubjectDomainName':'WORKGROUP'}", &e);
	assert_string_equal(tstr(e.ts_us), "2020-10-19T03:30:45.100Z");
	assert_true(e.pid == 1460);
	assert_string_equal(e.user, "NT AUTHORITY\\SYSTEM");
	ev_clear(&e);

	/* psh_mshta Calculator.exe: started by SYSTEM for wardog; the Target
	 * SID is the NULL SID but the name counts (Sysmon: WORKSTATION5\wardog) */
	ev_ok("{'TimeCreated':'2020-10-22T03:52:06.687Z','Channel':'Security','EventID':4688,'Hostname':'WORKSTATION5',"
	      "'NewProcessId':'0x2b34','ProcessId':'0x3b0','SubjectUserSid':'S-1-5-18','SubjectUserName':'WORKSTATION5$',"
	      "'SubjectDomainName':'WORKGROUP','SubjectLogonId':'0x3e7','TargetUserSid':'S-1-0-0','TargetUserName':'wardog',"
	      "'TargetDomainName':'WORKSTATION5','TargetLogonId':'0xc61d9','MandatoryLabel':'S-1-16-4096'}", &e);
	assert_string_equal(e.user, "WORKSTATION5\\wardog");
	assert_string_equal(e.integrity, "Low");
	ev_clear(&e);
	/* a service as NETWORK SERVICE: named HOST$, told by the logon id */
	ev_ok("{'TimeCreated':'2020-09-04 16:10:01','Channel':'Security','EventID':4688,'Hostname':'W',"
	      "'SubjectUserSid':'S-1-5-18','SubjectUserName':'WORKSTATION5$','SubjectLogonId':'0x3e7',"
	      "'TargetUserSid':'S-1-0-0','TargetUserName':'WORKSTATION5$','TargetDomainName':'THESHIRE',"
	      "'TargetLogonId':'0x3e4'}", &e);
	assert_string_equal(e.user, "NT AUTHORITY\\NETWORK SERVICE");
	ev_clear(&e);
}

static void test_sec4688_wlb(void **state)
{
	(void)state;
	struct ev e;
	ev_ok("{'@timestamp':'2019-04-03T17:36:48.627Z','@metadata':{'beat':'winlogbeat'},'opcode':'Info',"
	      "'keywords':['Audit Success'],'task':'Process Creation','record_number':'1301916','event_id':4688,"
	      "'level':'Information','thread_id':3696,'type':'wineventlog','version':2,'host':{'name':'WECserver'},"
	      "'log_name':'Security','computer_name':'IT001.shire.com','process_id':4,"
	      "'event_data':{'NewProcessName':'C:\\\\Windows\\\\System32\\\\taskhostw.exe','SubjectLogonId':'0x3e7',"
	      "'ParentProcessName':'C:\\\\Windows\\\\System32\\\\svchost.exe','TokenElevationType':'%%1938',"
	      "'TargetLogonId':'0x3c21d','MandatoryLabel':'S-1-16-8192','NewProcessId':'0x11b4',"
	      "'CommandLine':'taskhostw.exe Install $(Arg0)','ProcessId':'0x46c','TargetUserName':'pgustavo',"
	      "'SubjectUserSid':'S-1-5-18','SubjectUserName':'IT001$','TargetDomainName':'SHIRE',"
	      "'TargetUserSid':'S-1-5-21-2511471446-1103646877-3980648787-1107','SubjectDomainName':'SHIRE'},"
	      "'beat':{'name':'WECserver'},'provider_guid':'{54849625-5478-4994-a5ba-3e3b0328c30d}',"
	      "'source_name':'Microsoft-Windows-Security-Auditing'}", &e);
	assert_int_equal(e.kind, EV_PROCESS_START);
	assert_string_equal(tstr(e.ts_us), "2019-04-03T17:36:48.627Z");   /* @timestamp: real UTC */
	assert_string_equal(e.host, "IT001.shire.com");
	assert_true(e.record_id == 1301916);
	assert_true(e.pid == 0x11b4);
	assert_true(e.parent_pid == 0x46c);
	assert_string_equal(e.user, "SHIRE\\pgustavo");   /* runs as the Target account */
	assert_string_equal(e.integrity, "Medium");
	assert_string_equal(e.cmdline, "taskhostw.exe Install $(Arg0)");
	ev_clear(&e);
}

static void test_sec4688_nxlog(void **state)
{
	(void)state;
	struct ev e;
	/* Keywords here is out of jansson's int64 range on purpose. */
	ev_ok("{'NewProcessName':'C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0\\\\powershell.exe',"
	      "'SourceModuleName':'eventlog','EventID':4688,'SubjectUserSid':'S-1-5-21-2079883792-3656946353-945924832-1104',"
	      "'RecordNumber':66981,'EventTime':'2020-09-04 16:09:55','SubjectUserName':'pgustavo',"
	      "'SubjectDomainName':'THESHIRE','TargetDomainName':'-','ParentProcessName':'C:\\\\Windows\\\\System32\\\\wscript.exe',"
	      "'SourceModuleType':'im_msvistalog','ProcessId':'0x988','Channel':'Security','TargetUserName':'-',"
	      "'CommandLine':'\\'C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0\\\\powershell.exe\\' -noP -sta -w 1 -enc  SQBmACgA',"
	      "'EventType':'AUDIT_SUCCESS','TokenElevationType':'%%1938','TargetUserSid':'S-1-0-0','MandatoryLabel':'S-1-16-8192',"
	      "'EventReceivedTime':'2020-09-04 16:09:57','@timestamp':'2020-09-04T20:09:57.091Z',"
	      "'Hostname':'WORKSTATION5.theshire.local','host':'wec.internal.cloudapp.net',"
	      "'Keywords':18446744073709551615,'NewProcessId':'0x90c'}", &e);
	assert_int_equal(e.kind, EV_PROCESS_START);
	/* EventTime (UTC-4) + (@timestamp - EventReceivedTime, rounded) */
	assert_string_equal(tstr(e.ts_us), "2020-09-04T20:09:55.000Z");
	assert_true(e.pid == 2316);
	assert_true(e.parent_pid == 2440);
	assert_true(e.record_id == 66981);
	assert_string_equal(e.user, "THESHIRE\\pgustavo");
	assert_string_equal(e.host, "WORKSTATION5.theshire.local");
	assert_null(X(&e, "EventType"));
	assert_string_equal(X(&e, "TokenElevationType"), "%%1938");
	ev_clear(&e);
}

/* ---- skipped lines ---------------------------------------------------------------------- */

static void test_skip(void **state)
{
	(void)state;
	ev_skip("{'SourceName':'Microsoft-Windows-Eventlog','TimeCreated':'2020-10-19 03:30:41.104',"
	        "'Hostname':'WORKSTATION5','Task':'104','Channel':'Security','EventID':1102}");
	ev_skip("{'Channel':'Security','EventID':4624,'Hostname':'H'}");
	ev_skip("{'Channel':'System','EventID':7045}");
	ev_skip("{'Channel':'Windows PowerShell','EventID':800}");
	ev_skip("{'Channel':'Microsoft-Windows-PowerShell/Operational','EventID':4104}");
	static const int unmapped[] = {4, 6, 9, 10, 16, 19, 20, 21, 24, 25, 27, 28, 255};
	for (size_t i = 0; i < sizeof unmapped / sizeof unmapped[0]; i++) {
		char l[200];
		snprintf(l, sizeof l, "{'Channel':'Microsoft-Windows-Sysmon/Operational','EventID':%d}",
		         unmapped[i]);
		ev_skip(l);
		snprintf(l, sizeof l, "{'log_name':'Microsoft-Windows-Sysmon/Operational','event_id':%d,"
		         "'event_data':{}}", unmapped[i]);
		ev_skip(l);
	}
	/* winlogbeat events of other channels may have no event_data */
	ev_skip("{'log_name':'Security','event_id':1102,'user_data':{'SubjectUserName':'x'}}");
	/* no channel: the provider decides */
	ev_skip("{'SourceName':'Service Control Manager','EventID':7045}");
}

/* ---- native ----------------------------------------------------------------------------------- */

static void test_native_event(void **state)
{
	(void)state;
	struct ev e;
	ev_ok("{'type':'event','host':'WS-01.corp.example','time':'2024-05-01T09:00:00.250+09:00',"
	      "'kind':'process_start','proc_guid':'{AA6B4A20-BC60-5CA4-0000-0010B9F5C401}','pid':4242,"
	      "'image':'C:\\\\Tools\\\\a.exe','cmdline':'a.exe -x','user':'CORP\\\\bob','integrity':'Medium',"
	      "'parent_guid':'aa6b4a20-bc60-5ca4-0000-0010b9f5c400','parent_pid':'100',"
	      "'parent_image':'C:\\\\Windows\\\\explorer.exe','parent_cmdline':null,"
	      "'sha256':'229EBBA62347B77EA2FFAD93308E7052BDAE39A24EA828D6EF93FE694CA62197',"
	      "'sha1':'99a0a1b05e60a5f1fc8a068f953f0510e0230efa','md5':'7c5c45d9f45694521548e99ba5d4e535',"
	      "'imphash':'42da177de2faa97c3dfaec9562772a7f','signed':false,'signature':'%%x%%',"
	      "'original_file_name':'a.exe','company':'c','description':'d','product':'p','record_id':7,"
	      "'extra':{'CurrentDirectory':'C:\\\\','n':1}}", &e);
	assert_int_equal(e.kind, EV_PROCESS_START);
	assert_int_equal(e.eid, 0);
	assert_string_equal(tstr(e.ts_us), "2024-05-01T00:00:00.250Z");
	assert_string_equal(e.host, "WS-01.corp.example");
	assert_string_equal(e.proc_guid, "aa6b4a20-bc60-5ca4-0000-0010b9f5c401");
	assert_true(e.pid == 4242);
	assert_true(e.parent_pid == 100);
	assert_null(e.parent_cmdline);
	assert_string_equal(e.sha256, "229ebba62347b77ea2ffad93308e7052bdae39a24ea828d6ef93fe694ca62197");
	assert_int_equal(e.signed_, 0);
	assert_string_equal(e.signature, "%%x%%");   /* native: taken as is */
	assert_true(e.record_id == 7);
	assert_string_equal(X(&e, "CurrentDirectory"), "C:\\");
	assert_true(json_integer_value(json_object_get(e.extra, "n")) == 1);
	ev_clear(&e);

	ev_ok("{'type':'event','host':'h','time':'2024-05-01T00:00:00Z','kind':'net_connect','proto':'tcp',"
	      "'remote_ip':'10.0.0.1','remote_port':443,'local_ip':'10.0.0.2','local_port':'50000',"
	      "'initiated':true,'eid':3,'extra':{}}", &e);
	assert_int_equal(e.kind, EV_NET_CONNECT);
	assert_int_equal(e.initiated, 1);
	assert_true(e.remote_port == 443 && e.local_port == 50000);
	assert_int_equal(e.eid, 3);
	assert_null(e.extra);   /* empty object: none */
	ev_clear(&e);
}

static void test_native_alert(void **state)
{
	(void)state;
	struct ev e;
	struct ev_alert a;
	const char *l = J("{'type':'alert','host':'WORKSTATION5','detected_at':'2020-10-22T07:52:06Z',"
	                  "'received_at':'2020-10-22T07:52:09.5Z',"
	                  "'path':'C:\\\\Users\\\\wardog\\\\AppData\\\\Roaming\\\\Microsoft\\\\Windows\\\\Start Menu\\\\Programs\\\\Startup\\\\T1218.005.hta',"
	                  "'sha256':'229EBBA62347B77EA2FFAD93308E7052BDAE39A24EA828D6EF93FE694CA62197',"
	                  "'detection':'HTA.Startup','action':'blocked'}");
	assert_int_equal(parse(l, &e, &a), LL_ALERT);
	assert_string_equal(a.host, "WORKSTATION5");
	assert_string_equal(tstr(a.detected_us), "2020-10-22T07:52:06.000Z");
	assert_string_equal(tstr(a.received_us), "2020-10-22T07:52:09.500Z");
	assert_non_null(strstr(a.path, "\\Startup\\T1218.005.hta"));
	assert_string_equal(a.sha256, "229ebba62347b77ea2ffad93308e7052bdae39a24ea828d6ef93fe694ca62197");
	assert_string_equal(a.detection, "HTA.Startup");
	assert_string_equal(a.action, "blocked");
	assert_null(e.host);
	ev_alert_clear(&a);

	/* minimal: received_at defaults to detected_at */
	l = J("{'type':'alert','host':'h','detected_at':'2020-10-22 07:52:06.123','path':'C:\\\\x.exe'}");
	assert_int_equal(parse(l, &e, &a), LL_ALERT);
	assert_true(a.received_us == a.detected_us);
	assert_null(a.sha256);
	assert_null(a.action);
	assert_null(a.detection);
	ev_alert_clear(&a);
}

/* ---- errors ------------------------------------------------------------------------------------- */

static void test_errors(void **state)
{
	(void)state;
	const char *S = "'Channel':'Microsoft-Windows-Sysmon/Operational'";
	char l[512];

	/* not JSON / not an object / unknown layout */
	struct ev e;
	struct ev_alert a;
	assert_int_equal(parse("{\"a\":", &e, &a), LL_ERROR);
	assert_true(strncmp(err, "not JSON: ", 10) == 0);
	assert_non_null(strstr(err, " at column "));
	assert_int_equal(parse("", &e, &a), LL_ERROR);
	assert_true(strncmp(err, "not JSON: ", 10) == 0);
	assert_int_equal(parse("{} x", &e, &a), LL_ERROR);
	assert_true(strncmp(err, "not JSON: ", 10) == 0);
	assert_int_equal(parse("{\"EventID\":1,\"EventID\":2}", &e, &a), LL_ERROR);
	assert_non_null(strstr(err, "duplicate"));
	ev_err("[1,2]", "$: not a JSON object");
	ev_err("'x'", "$: not a JSON object");
	ev_err("{'foo':1}", "$: unknown layout (no EventID, event_id or type)");

	/* Sysmon: required fields and types, with the path */
	snprintf(l, sizeof l, "{'EventID':1,%s,'Hostname':'H'}", S);
	ev_err(l, "$.UtcTime: missing");
	snprintf(l, sizeof l, "{'EventID':1,%s,'UtcTime':'2019-04-03 17:36:47.343'}", S);
	ev_err(l, "$.Hostname: missing");
	snprintf(l, sizeof l, "{'EventID':1,%s,'UtcTime':'2019-04-03 17:36:47.343','Hostname':7}", S);
	ev_err(l, "$.Hostname: not a string");
	snprintf(l, sizeof l, "{'EventID':1,%s,'UtcTime':'2019-04-03 17:36:47.343','Hostname':''}", S);
	ev_err(l, "$.Hostname: empty");
	snprintf(l, sizeof l, "{'EventID':1,%s,'Hostname':'H','UtcTime':'2019-13-01 00:00:00.000'}", S);
	ev_err(l, "$.UtcTime: bad time \"2019-13-01 00:00:00.000\"");
	snprintf(l, sizeof l, "{'EventID':1,%s,'Hostname':'H','UtcTime':5}", S);
	ev_err(l, "$.UtcTime: not a string");
	snprintf(l, sizeof l, "{'EventID':1,%s,'Hostname':'H','UtcTime':'2019-04-03 17:36:47','ProcessId':'abc'}", S);
	ev_err(l, "$.ProcessId: bad pid \"abc\"");
	snprintf(l, sizeof l, "{'EventID':1,%s,'Hostname':'H','UtcTime':'2019-04-03 17:36:47','ProcessId':-4}", S);
	ev_err(l, "$.ProcessId: bad pid (not a number)");
	snprintf(l, sizeof l, "{'EventID':1,%s,'Hostname':'H','UtcTime':'2019-04-03 17:36:47','ProcessId':[1]}", S);
	ev_err(l, "$.ProcessId: bad pid (not a number)");
	snprintf(l, sizeof l, "{'EventID':1,%s,'Hostname':'H','UtcTime':'2019-04-03 17:36:47','ProcessId':'99999999999'}", S);
	ev_err(l, "$.ProcessId: bad pid \"99999999999\"");
	snprintf(l, sizeof l, "{'EventID':3,%s,'Hostname':'H','UtcTime':'2019-04-03 17:36:47','DestinationPort':'70000'}", S);
	ev_err(l, "$.DestinationPort: bad port \"70000\"");
	snprintf(l, sizeof l, "{'EventID':1,%s,'Hostname':'H','UtcTime':'2019-04-03 17:36:47','Image':5}", S);
	ev_err(l, "$.Image: not a string");
	snprintf(l, sizeof l, "{'EventID':1,%s,'Hostname':'H','UtcTime':'2019-04-03 17:36:47','ProcessGuid':'{xyz}'}", S);
	ev_err(l, "$.ProcessGuid: not a GUID \"{xyz}\"");
	snprintf(l, sizeof l, "{'EventID':'one',%s}", S);
	ev_err(l, "$.EventID: not an event id");
	ev_err("{'EventID':1}", "$.Channel: missing");
	ev_err("{'EventID':1,'Channel':5}", "$.Channel: not a string");
	ev_err("{'Channel':'Security'}", "$.EventID: missing");
	snprintf(l, sizeof l, "{'EventID':1,%s,'Hostname':'H','UtcTime':'2019-04-03 17:36:47','RecordNumber':'x'}", S);
	ev_err(l, "$.RecordNumber: bad record number \"x\"");

	/* winlogbeat paths */
	ev_err("{'event_id':1,'log_name':'Microsoft-Windows-Sysmon/Operational','computer_name':'H','event_data':{}}",
	       "$.event_data.UtcTime: missing");
	ev_err("{'event_id':1,'log_name':'Microsoft-Windows-Sysmon/Operational','computer_name':'H'}",
	       "$.event_data: missing");
	ev_err("{'event_id':1,'log_name':'Microsoft-Windows-Sysmon/Operational','computer_name':'H','event_data':[]}",
	       "$.event_data: not an object");
	ev_err("{'event_id':1,'log_name':'Microsoft-Windows-Sysmon/Operational','event_data':{'UtcTime':'2019-04-03 17:36:47'}}",
	       "$.computer_name: missing");
	ev_err("{'event_id':1,'log_name':'Microsoft-Windows-Sysmon/Operational','computer_name':'H',"
	       "'event_data':{'UtcTime':'2019-04-03 17:36:47','ParentProcessId':'0xZZ'}}",
	       "$.event_data.ParentProcessId: bad pid \"0xZZ\"");

	/* 4688 without any time; with a bad one */
	ev_err("{'EventID':4688,'Channel':'Security','Hostname':'H','NewProcessId':'0x10'}",
	       "$.TimeCreated: missing");
	ev_err("{'EventID':4688,'Channel':'Security','Hostname':'H','TimeCreated':'yesterday'}",
	       "$.TimeCreated: bad time \"yesterday\"");
	ev_err("{'event_id':4688,'log_name':'Security','computer_name':'H','event_data':{}}",
	       "$.@timestamp: missing");
	ev_err("{'EventID':4688,'Channel':'Security','Hostname':'H','TimeCreated':'2020-10-19 03:30:45','NewProcessId':'0x'}",
	       "$.NewProcessId: bad pid \"0x\"");

	/* native */
	ev_err("{'type':'event','host':'h','time':'x','kind':'process_start'}", "$.time: bad time \"x\"");
	ev_err("{'type':'event','host':'h','kind':'process_start'}", "$.time: missing");
	ev_err("{'type':'event','time':'2024-01-01T00:00:00Z','kind':'process_start'}", "$.host: missing");
	ev_err("{'type':'event','host':'h','time':'2024-01-01T00:00:00Z'}", "$.kind: missing");
	ev_err("{'type':'event','host':'h','time':'2024-01-01T00:00:00Z','kind':'proc'}",
	       "$.kind: unknown kind \"proc\"");
	ev_err("{'type':'event','host':'h','time':'2024-01-01T00:00:00Z','kind':'image_load','bogus':1}",
	       "$.bogus: unknown field");
	ev_err("{'type':'event','host':'h','time':'2024-01-01T00:00:00Z','kind':'image_load','signed':'yes'}",
	       "$.signed: not a boolean");
	ev_err("{'type':'event','host':'h','time':'2024-01-01T00:00:00Z','kind':'image_load','sha256':'abc'}",
	       "$.sha256: not 64 hex digits \"abc\"");
	ev_err("{'type':'event','host':'h','time':'2024-01-01T00:00:00Z','kind':'image_load','md5':'abc'}",
	       "$.md5: not 32 hex digits \"abc\"");
	ev_err("{'type':'event','host':'h','time':'2024-01-01T00:00:00Z','kind':'image_load','extra':[]}",
	       "$.extra: not an object");
	ev_err("{'type':'event','host':'h','time':'2024-01-01T00:00:00Z','kind':'image_load','pid':1.5}",
	       "$.pid: bad pid (not a number)");
	ev_err("{'type':'event','host':'h','time':'2024-01-01T00:00:00Z','kind':'image_load','parent_guid':'x'}",
	       "$.parent_guid: not a GUID \"x\"");
	ev_err("{'type':'event','host':['h'],'time':'2024-01-01T00:00:00Z','kind':'image_load'}",
	       "$.host: not a string");
	ev_err("{'type':'heartbeat'}", "$.type: unknown type \"heartbeat\"");
	ev_err("{'type':1}", "$.type: not a string");
	ev_err("{'type':'alert','detected_at':'2024-01-01T00:00:00Z','path':'p'}", "$.host: missing");
	ev_err("{'type':'alert','host':'h','path':'p'}", "$.detected_at: missing");
	ev_err("{'type':'alert','host':'h','detected_at':null,'path':'p'}", "$.detected_at: not a string");
	ev_err("{'type':'alert','host':'h','detected_at':'2024-01-01T00:00:00Z'}", "$.path: missing");
	ev_err("{'type':'alert','host':'h','detected_at':'2024-01-01T00:00:00Z','path':'p','sha256':'00'}",
	       "$.sha256: not 64 hex digits \"00\"");
	ev_err("{'type':'alert','host':'h','detected_at':'2024-01-01T00:00:00Z','path':'p','action':'quarantined'}",
	       "$.action: must be blocked or allowed, not \"quarantined\"");
	ev_err("{'type':'alert','host':'h','detected_at':'2024-01-01T00:00:00Z','path':'p','received_at':'soon'}",
	       "$.received_at: bad time \"soon\"");
	ev_err("{'type':'alert','host':'h','detected_at':'2024-01-01T00:00:00Z','path':'p','state':'new'}",
	       "$.state: unknown field");

	/* values in reasons are made printable and cut */
	ev_err("{'type':'event','host':'h','kind':'process_start','time':'\\u001b[31m\\\\\\'x'}",
	       "$.time: bad time \"\\x1b[31m\\\\\\\"x\"");
	char big[400];
	snprintf(big, sizeof big, "{'type':'event','host':'h','kind':'process_start','time':'%0100d'}", 7);
	struct ev e2;
	assert_int_equal(parse(J(big), &e2, &a), LL_ERROR);
	assert_non_null(strstr(err, "0000...\""));
	assert_true(strlen(err) < 120);
}

static void test_hostile(void **state)
{
	(void)state;
	struct ev e;
	struct ev_alert a;

	/* invalid UTF-8, raw NUL byte, escaped NUL: jansson refuses them */
	assert_int_equal(parse("{\"type\":\"event\",\"host\":\"\xff\"}", &e, &a), LL_ERROR);
	assert_true(strncmp(err, "not JSON: ", 10) == 0);
	for (const char *p = err; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	const char nul[] = "{\"type\":\"ev\0ent\"}";
	memset(err, 'X', sizeof err);
	assert_int_equal(ll_parse(nul, sizeof nul - 1, &e, &a, err, sizeof err), LL_ERROR);
	assert_true(strncmp(err, "not JSON: ", 10) == 0);
	assert_int_equal(parse("{\"type\":\"event\",\"host\":\"a\\u0000b\"}", &e, &a), LL_ERROR);
	assert_true(strncmp(err, "not JSON: ", 10) == 0);

	/* a line without its terminating NUL, with a trailing CR LF */
	const char *ln = "{\"type\":\"alert\",\"host\":\"h\",\"detected_at\":\"2024-01-01T00:00:00Z\",\"path\":\"p\"}\r\nGARBAGE";
	size_t n = strlen(ln) - strlen("GARBAGE");
	assert_int_equal(ll_parse(ln, n, &e, &a, err, sizeof err), LL_ALERT);
	ev_alert_clear(&a);

	/* a tiny error buffer: cut, terminated; no buffer at all */
	char small[8];
	assert_int_equal(ll_parse("nope", 4, &e, &a, small, sizeof small), LL_ERROR);
	assert_int_equal(strlen(small), 7);
	assert_int_equal(ll_parse("nope", 4, &e, &a, NULL, 0), LL_ERROR);
	assert_int_equal(ll_parse("{\"type\":\"x\"}", 12, &e, &a, small, 1), LL_ERROR);
	assert_int_equal(small[0], '\0');

	/* a huge value */
	size_t big = 4u << 20;
	char *line = malloc(big + 200);
	assert_non_null(line);
	int o = snprintf(line, 200, "{\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\","
	                 "\"Hostname\":\"H\",\"UtcTime\":\"2019-04-03 17:36:47.343\",\"CommandLine\":\"");
	memset(line + o, 'A', big);
	memcpy(line + (size_t)o + big, "%%\"}", 5);
	assert_int_equal(ll_parse(line, strlen(line), &e, &a, err, sizeof err), LL_EVENT);
	assert_int_equal(strlen(e.cmdline), big + 1);
	ev_clear(&e);
	free(line);

	/* numbers where strings are usual: accepted for ids and ports */
	struct ev x;
	ev_ok("{'EventID':'3','Channel':'Microsoft-Windows-Sysmon/Operational','Hostname':'H',"
	      "'UtcTime':'2019-04-03 17:36:47.343','ProcessId':42,'SourcePort':1.0e3,'RecordNumber':'12',"
	      "'Signed':'maybe','Initiated':true,'Weird':{'a':1},'List':[1],'Num':2.5,'Flag':false}", &x);
	assert_int_equal(x.kind, EV_NET_CONNECT);
	assert_true(x.pid == 42);
	assert_true(x.local_port == 1000);
	assert_true(x.record_id == 12);
	assert_int_equal(x.signed_, -1);
	assert_int_equal(x.initiated, 1);
	assert_string_equal(X(&x, "Num"), "2.5");
	assert_string_equal(X(&x, "Flag"), "false");
	assert_null(X(&x, "Weird"));
	assert_null(X(&x, "List"));
	ev_clear(&x);

	/* a Channel in another case still counts; Hashes without keys */
	ev_ok("{'EventID':7,'Channel':'microsoft-windows-sysmon/operational','Hostname':'H',"
	      "'UtcTime':'2019-04-03 17:36:47.343','Hashes':' 7C5C45D9F45694521548E99BA5D4E535 , zz=1,SHA256='}", &x);
	assert_int_equal(x.kind, EV_IMAGE_LOAD);
	assert_string_equal(x.md5, "7c5c45d9f45694521548e99ba5d4e535");
	assert_null(x.sha256);
	ev_clear(&x);

	/* ll_parse starts from a clean struct (ev_init) every time */
	ev_ok("{'type':'event','host':'h','time':'2024-01-01T00:00:00Z','kind':'file_read','target':'t'}", &x);
	struct ev keep = x;
	assert_int_equal(ll_parse("[]", 2, &x, &a, err, sizeof err), LL_ERROR);
	assert_null(x.target);
	ev_clear(&keep);
}

static void test_dedup_key(void **state)
{
	(void)state;
	/* FNV-1a 64 reference values */
	assert_true(ll_dedup_key("", 0) == (int64_t)0xcbf29ce484222325ULL);
	assert_true(ll_dedup_key("a", 1) == (int64_t)0xaf63dc4c8601ec8cULL);
	assert_true(ll_dedup_key("foobar", 6) == (int64_t)0x85944171f73967e8ULL);
	const char *l = "{\"a\":1}";
	int64_t k = ll_dedup_key(l, strlen(l));
	assert_true(ll_dedup_key("{\"a\":1}\n", 8) == k);
	assert_true(ll_dedup_key("{\"a\":1}\r\n", 9) == k);
	assert_true(ll_dedup_key("{\"a\":1} \t\r\n", 11) == k);
	assert_true(ll_dedup_key("{\"a\":1}\n\n", 9) == k);
	assert_true(ll_dedup_key("{\"a\":2}", 7) != k);
	assert_true(ll_dedup_key(" {\"a\":1}", 8) != k);   /* only trailing space */
	assert_true(ll_dedup_key("\n", 1) == ll_dedup_key("", 0));
}

/* ---- the shared OTRF files ------------------------------------------------------------------------- */

/* Expected per file: from the README's table (EIDs 1, 3, 7, 11, 22, and
 * the rest) plus Security 4688; counted in the data: registry deletes
 * (DeleteKey and DeleteValue of EID 12) and the EID 22 events of
 * "<unknown process>", whose ProcessGuid is all zeros. */
struct otrf_expect {
	const char *name;
	long lines;
	long n[EV_KIND_COUNT];
	long no_guid;   /* Sysmon events without a process GUID */
};

static const struct otrf_expect otrf[] = {
	{"psh_mshta_html_application_execution", 1553, {
		[EV_PROCESS_START] = 7 + 7, [EV_PROCESS_END] = 4, [EV_FILE_CREATE] = 6,
		[EV_FILE_WRITE] = 1, [EV_FILE_DELETE] = 1, [EV_IMAGE_LOAD] = 446,
		[EV_REGISTRY_SET] = 85, [EV_REGISTRY_CREATE] = 197 - 2, [EV_REGISTRY_DELETE] = 2,
		[EV_NET_CONNECT] = 1, [EV_DNS_QUERY] = 1}, 0},
	{"cmd_psexec_lsa_secrets_dump", 286, {
		[EV_PROCESS_START] = 4 + 4, [EV_PROCESS_END] = 4, [EV_FILE_CREATE] = 7,
		[EV_IMAGE_LOAD] = 130, [EV_REGISTRY_SET] = 23, [EV_REGISTRY_CREATE] = 14 - 1,
		[EV_REGISTRY_DELETE] = 1, [EV_NET_CONNECT] = 2, [EV_DNS_QUERY] = 2,
		[EV_PIPE_CREATE] = 7, [EV_PIPE_CONNECT] = 7}, 1},
	{"empire_launcher_vbs", 2067, {
		[EV_PROCESS_START] = 5 + 5, [EV_PROCESS_END] = 2, [EV_FILE_CREATE] = 22,
		[EV_FILE_DELETE] = 2, [EV_IMAGE_LOAD] = 324, [EV_REGISTRY_SET] = 63,
		[EV_REGISTRY_CREATE] = 420, [EV_NET_CONNECT] = 10, [EV_DNS_QUERY] = 2,
		[EV_PIPE_CREATE] = 2, [EV_PIPE_CONNECT] = 5}, 0},
	{"metasploit_procdump_lsass_memory_dump", 11471, {
		[EV_PROCESS_START] = 138 + 66, [EV_PROCESS_END] = 121,
		[EV_FILE_CREATE] = 408 + 5, [EV_FILE_WRITE] = 30, [EV_FILE_DELETE] = 96 + 72,
		[EV_FILE_STREAM] = 8, [EV_IMAGE_LOAD] = 6068, [EV_REGISTRY_SET] = 1193,
		[EV_REGISTRY_CREATE] = 2299 - 174, [EV_REGISTRY_DELETE] = 174,
		[EV_NET_CONNECT] = 135, [EV_DNS_QUERY] = 28, [EV_PIPE_CREATE] = 49,
		[EV_PIPE_CONNECT] = 180}, 10},
	{"empire_scm_dll_hijack_ikeext", 7257, {
		[EV_PROCESS_START] = 32 + 32, [EV_FILE_CREATE] = 106, [EV_IMAGE_LOAD] = 1650,
		[EV_REGISTRY_SET] = 1056, [EV_REGISTRY_CREATE] = 3984 - 26,
		[EV_REGISTRY_DELETE] = 26, [EV_NET_CONNECT] = 275, [EV_PIPE_CREATE] = 5,
		[EV_PIPE_CONNECT] = 52}, 0},
};

/* $ITRACE_SHARED, else ../shared beside the first directory upwards from
 * here that holds src/core/logline.h. */
static int shared_dir(char *out, size_t len)
{
	const char *env = getenv("ITRACE_SHARED");
	if (env != NULL && *env != '\0') {
		snprintf(out, len, "%s", env);
		return 0;
	}
	char rel[64] = ".";
	for (int up = 0; up < 8; up++) {
		char probe[128];
		snprintf(probe, sizeof probe, "%s/src/core/logline.h", rel);
		if (access(probe, R_OK) == 0) {
			snprintf(out, len, "%s/../shared", rel);
			return 0;
		}
		snprintf(rel + strlen(rel), sizeof rel - strlen(rel), "%s", up == 0 ? "." : "/..");
	}
	return -1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_otrf_files(void **state)
{
	(void)state;
	char dir[512];
	if (shared_dir(dir, sizeof dir) < 0) {
		print_message("shared data not found (set ITRACE_SHARED)\n");
		skip();
	}
	char probe[700];
	snprintf(probe, sizeof probe, "%s/data/otrf/README.md", dir);
	if (access(probe, R_OK) != 0) {
		print_message("no %s: skipped\n", probe);
		skip();
	}
	long total = 0;
	size_t bytes = 0;
	double secs = 0;
	for (size_t f = 0; f < sizeof otrf / sizeof otrf[0]; f++) {
		char path[700];
		snprintf(path, sizeof path, "%s/data/otrf/%s.json", dir, otrf[f].name);
		FILE *fp = fopen(path, "r");
		if (fp == NULL)
			fail_msg("cannot open %s", path);
		long lines = 0, errors = 0, skips = 0, n[EV_KIND_COUNT] = {0};
		long no_guid = 0, hta_writer = 0;
		char *line = NULL;
		size_t cap = 0;
		ssize_t len;
		while ((len = getline(&line, &cap, fp)) > 0) {
			lines++;
			bytes += (size_t)len;
			struct ev e;
			struct ev_alert a;
			char why[256];
			ev_init(&e);
			memset(&a, 0, sizeof a);
			double t0 = now_s();
			enum ll_result r = ll_parse(line, (size_t)len, &e, &a, why, sizeof why);
			secs += now_s() - t0;
			if (r == LL_ERROR) {
				if (errors++ < 5)
					print_error("%s:%ld: %s\n", otrf[f].name, lines, why);
				continue;
			}
			if (r == LL_SKIP) {
				skips++;
				continue;
			}
			assert_int_equal(r, LL_EVENT);
			n[e.kind]++;
			/* plausible: a host, a time of the recordings' years */
			assert_non_null(e.host);
			assert_true(e.ts_us > 1546300800000000LL && e.ts_us < 1735689600000000LL);
			if (e.eid != 4688 && e.proc_guid == NULL) {
				no_guid++;
				assert_int_equal(e.kind, EV_DNS_QUERY);
				assert_null(e.image);
				assert_true(e.pid > 0);
			}
			if (e.kind == EV_PROCESS_START) {
				assert_non_null(e.image);
				assert_true(e.pid >= 0);
			}
			if (e.kind == EV_FILE_CREATE && e.target != NULL &&
			    strstr(e.target, "\\Startup\\T1218.005.hta") != NULL) {
				/* README: written by powershell (10848) at 07:52:05.767 */
				assert_true(e.pid == 10848);
				assert_string_equal(tstr(e.ts_us), "2020-10-22T07:52:05.767Z");
				hta_writer++;
			}
			ev_clear(&e);
		}
		free(line);
		fclose(fp);
		long mapped = 0;
		for (int k = 0; k < EV_KIND_COUNT; k++) {
			if (n[k] != otrf[f].n[k])
				print_error("%s: %s: %ld, expected %ld\n", otrf[f].name,
				            ev_kind_name((enum ev_kind)k), n[k], otrf[f].n[k]);
			assert_int_equal(n[k], otrf[f].n[k]);
			mapped += n[k];
		}
		print_message("%s: %ld lines, %ld events, %ld skipped, %ld errors\n",
		              otrf[f].name, lines, mapped, skips, errors);
		assert_int_equal(errors, 0);
		assert_int_equal(lines, otrf[f].lines);
		assert_int_equal(skips, lines - mapped);
		assert_int_equal(no_guid, otrf[f].no_guid);
		if (f == 0)
			assert_int_equal(hta_writer, 1);
		total += lines;
	}
	print_message("ll_parse: %ld lines, %.1f MB in %.3f s: %.0f lines/s, %.0f MB/s\n",
	              total, (double)bytes / 1e6, secs, (double)total / secs,
	              (double)bytes / 1e6 / secs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sysmon1_flat),
		cmocka_unit_test(test_flat_no_unescape),
		cmocka_unit_test(test_sysmon13_percent),
		cmocka_unit_test(test_sysmon15_stream),
		cmocka_unit_test(test_sysmon3_net),
		cmocka_unit_test(test_sysmon_other_eids),
		cmocka_unit_test(test_nxlog_pipe),
		cmocka_unit_test(test_nxlog_registry),
		cmocka_unit_test(test_nxlog_entities),
		cmocka_unit_test(test_wlb_image_load),
		cmocka_unit_test(test_sec4688_flat),
		cmocka_unit_test(test_sec4688_wlb),
		cmocka_unit_test(test_sec4688_nxlog),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_native_event),
		cmocka_unit_test(test_native_alert),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_dedup_key),
		cmocka_unit_test(test_otrf_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
