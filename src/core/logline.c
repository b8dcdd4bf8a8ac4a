/* logline.c - one input line, any supported layout, to an event or alert.
 *
 * The line is parsed once by jansson; the layout is told by its top-level
 * keys (winlogbeat: event_data/event_id; flat and nxlog: EventID/Channel;
 * native: type).  The fields of a Sysmon or Security event are then walked
 * once, each name looked up in a sorted table that says where it goes in
 * struct ev; a name that is in no table goes into `extra`, unless it is
 * exporter noise (collector names, ingest times, the rendered Message).
 *
 * Value quirks handled here (see ../shared/data/otrf/README.md):
 *   - nxlog HTML-escapes values (&lt;Anonymous Pipe&gt;): unescaped, nxlog
 *     lines only;
 *   - Sysmon doubles '%' (%%SystemRoot%%): collapsed, Sysmon events only;
 *   - "-" (and "") is Sysmon's "not available": the field is left absent;
 *   - GUIDs come in either case, with braces: canonicalised;
 *   - the event time is Sysmon's UtcTime, never TimeCreated/@timestamp/
 *     EventTime, which these exports shift by hours.
 *
 * Our own NDJSON lines are mapped in logline_native.c; logline_val.c has
 * the value helpers (paths in reasons, numbers, GUIDs, times), declared in
 * logline_int.h.
 */
#include "core/logline.h"
#include "core/logline_int.h"

#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SYSMON_CHANNEL "Microsoft-Windows-Sysmon/Operational"


/* Where a source field goes. */
enum slot {
	S_EXTRA,          /* not mapped: into extra */
	S_DROP,           /* exporter noise, or read before the walk */
	S_PROC_GUID, S_PID, S_IMAGE, S_CMDLINE, S_USER, S_INTEGRITY,
	S_PARENT_GUID, S_PARENT_PID, S_PARENT_IMAGE, S_PARENT_CMDLINE,
	S_TARGET, S_DETAILS, S_PROTO, S_REMOTE_IP, S_REMOTE_PORT, S_LOCAL_IP,
	S_LOCAL_PORT, S_INITIATED, S_HASHES, S_SIGNED, S_SIGNATURE, S_OFN,
	S_COMPANY, S_DESCRIPTION, S_PRODUCT,
	S_EVTYPE,         /* Sysmon's EventType, or nxlog's own (see below) */
	/* Security 4688 */
	S_LABEL, S_SUBJ_USER, S_SUBJ_DOM, S_SUBJ_SID, S_SUBJ_LOGON, S_TGT_USER,
	S_TGT_DOM, S_TGT_SID, S_TGT_LOGON,
};

struct field {
	const char *name;
	enum slot slot;
};

/* Exporter fields that are not part of the event (flat, nxlog and
 * winlogbeat top level), plus the fields read before the walk.  Sorted by
 * strcmp. */
static const struct field noise_fields[] = {
	{"@metadata", S_DROP}, {"@timestamp", S_DROP}, {"@version", S_DROP},
	{"AccountName", S_DROP}, {"AccountType", S_DROP},
	{"Category", S_DROP}, {"Channel", S_DROP}, {"Computer", S_DROP},
	{"Domain", S_DROP}, {"EventID", S_DROP},
	{"EventReceivedTime", S_DROP}, {"EventRecordID", S_DROP},
	{"EventTime", S_DROP}, {"EventTypeOrignal", S_DROP},
	{"ExecutionProcessID", S_DROP}, {"Hostname", S_DROP},
	{"Keywords", S_DROP}, {"Level", S_DROP}, {"Message", S_DROP},
	{"Opcode", S_DROP}, {"OpcodeValue", S_DROP}, {"ProviderGuid", S_DROP},
	{"RecordNumber", S_DROP}, {"Severity", S_DROP},
	{"SeverityValue", S_DROP}, {"SourceModuleName", S_DROP},
	{"SourceModuleType", S_DROP}, {"SourceName", S_DROP},
	{"Task", S_DROP}, {"ThreadID", S_DROP}, {"TimeCreated", S_DROP},
	{"UserID", S_DROP}, {"UtcTime", S_DROP}, {"Version", S_DROP},
	{"beat", S_DROP}, {"host", S_DROP}, {"message", S_DROP},
	{"port", S_DROP}, {"tags", S_DROP},
};

/* Sysmon field names (all event ids: a name means the same thing wherever
 * it occurs).  Sorted by strcmp. */
static const struct field sysmon_fields[] = {
	{"CommandLine", S_CMDLINE},
	{"Company", S_COMPANY},
	{"Contents", S_DETAILS},             /* 15: Zone.Identifier text */
	{"Description", S_DESCRIPTION},
	{"DestinationIp", S_REMOTE_IP},
	{"DestinationPort", S_REMOTE_PORT},
	{"Details", S_DETAILS},              /* 13 */
	{"EventType", S_EVTYPE},
	{"Hash", S_HASHES},                  /* 15 */
	{"Hashes", S_HASHES},
	{"Image", S_IMAGE},
	{"ImageLoaded", S_TARGET},           /* 7 */
	{"Initiated", S_INITIATED},
	{"IntegrityLevel", S_INTEGRITY},
	{"NewName", S_DETAILS},              /* 14 */
	{"OriginalFileName", S_OFN},
	{"ParentCommandLine", S_PARENT_CMDLINE},
	{"ParentImage", S_PARENT_IMAGE},
	{"ParentProcessGuid", S_PARENT_GUID},
	{"ParentProcessId", S_PARENT_PID},
	{"PipeName", S_TARGET},              /* 17, 18 */
	{"ProcessGuid", S_PROC_GUID},
	{"ProcessId", S_PID},
	{"Product", S_PRODUCT},
	{"Protocol", S_PROTO},
	{"QueryName", S_TARGET},             /* 22 */
	{"QueryResults", S_DETAILS},         /* 22 */
	{"Signature", S_SIGNATURE},
	{"Signed", S_SIGNED},
	{"SourceImage", S_IMAGE},            /* 8: the acting process */
	{"SourceIp", S_LOCAL_IP},            /* 3: Source is the local side */
	{"SourcePort", S_LOCAL_PORT},
	{"SourceProcessGUID", S_PROC_GUID},  /* spelling of EID 10 */
	{"SourceProcessGuid", S_PROC_GUID},  /* 8 */
	{"SourceProcessId", S_PID},          /* 8 */
	{"SourceUser", S_USER},              /* 8 */
	{"TargetFilename", S_TARGET},
	{"TargetImage", S_TARGET},           /* 8: TargetProcess* go to extra */
	{"TargetObject", S_TARGET},          /* 12, 13, 14 */
	{"User", S_USER},
};

/* Security 4688.  ProcessId is the *creator*; both pids are hex.  The
 * Subject and Target names are kept in extra as well.  Sorted by strcmp. */
static const struct field sec_fields[] = {
	{"CommandLine", S_CMDLINE},
	{"EventType", S_EVTYPE},
	{"MandatoryLabel", S_LABEL},
	{"NewProcessId", S_PID},
	{"NewProcessName", S_IMAGE},
	{"ParentProcessName", S_PARENT_IMAGE},
	{"ProcessId", S_PARENT_PID},
	{"SubjectDomainName", S_SUBJ_DOM},
	{"SubjectLogonId", S_SUBJ_LOGON},
	{"SubjectUserName", S_SUBJ_USER},
	{"SubjectUserSid", S_SUBJ_SID},
	{"TargetDomainName", S_TGT_DOM},
	{"TargetLogonId", S_TGT_LOGON},
	{"TargetUserName", S_TGT_USER},
	{"TargetUserSid", S_TGT_SID},
};

static int field_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct field *)elem)->name);
}

static const struct field *field_find(const struct field *t, size_t n,
                                      const char *name)
{
	return bsearch(name, t, n, sizeof *t, field_cmp);
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- values ---------------------------------------------------------------- */

static int reserve(struct ctx *c, size_t n)
{
	if (n <= c->cap)
		return 0;
	size_t cap = c->cap ? c->cap : 256;
	while (cap < n)
		cap *= 2;
	char *b = realloc(c->buf, cap);
	if (b == NULL)
		return -1;
	c->buf = b;
	c->cap = cap;
	return 0;
}

static size_t put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* One HTML entity at s[0] == '&' (n bytes available).  Writes its UTF-8 to
 * o and returns the entity's length, or 0 when it is not one we decode.
 * Never produces NUL or a surrogate; the output is never longer than the
 * entity. */
static size_t html_entity(const char *s, size_t n, char *o, size_t *olen)
{
	static const struct { const char *name; char ch; } named[] = {
		{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'},
		{"&quot;", '"'}, {"&apos;", '\''},
	};
	for (size_t i = 0; i < NELEM(named); i++) {
		size_t l = strlen(named[i].name);
		if (n >= l && memcmp(s, named[i].name, l) == 0) {
			o[0] = named[i].ch;
			*olen = 1;
			return l;
		}
	}
	if (n < 4 || s[1] != '#')
		return 0;
	bool hex = s[2] == 'x' || s[2] == 'X';
	size_t i = hex ? 3 : 2;
	unsigned long cp = 0;
	size_t nd = 0;
	for (; i < n && nd < 8; i++, nd++) {
		unsigned char ch = (unsigned char)s[i];
		int dv;
		if (ch >= '0' && ch <= '9')
			dv = ch - '0';
		else if (hex && ch >= 'a' && ch <= 'f')
			dv = ch - 'a' + 10;
		else if (hex && ch >= 'A' && ch <= 'F')
			dv = ch - 'A' + 10;
		else
			break;
		cp = cp * (hex ? 16u : 10u) + (unsigned long)dv;
	}
	if (nd == 0 || i >= n || s[i] != ';')
		return 0;
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*olen = put_utf8(o, cp);
	return i + 1;
}

/* The value as it should be stored: HTML-unescaped for nxlog, %% collapsed
 * for Sysmon.  Returns s itself when nothing changes, else the scratch
 * buffer (valid until the next cook); always NUL-terminated.  NULL on
 * allocation failure. */
static const char *cook(struct ctx *c, const char *s, size_t n, size_t *outn)
{
	bool amp = c->lay == LAY_NXLOG && memchr(s, '&', n) != NULL;
	bool pct = c->sysmon && n >= 2 && memmem(s, n, "%%", 2) != NULL;
	if (!amp && !pct) {
		*outn = n;
		return s;
	}
	if (reserve(c, n + 1) < 0)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t used, olen;
		if (amp && s[i] == '&' &&
		    (used = html_entity(s + i, n - i, c->buf + o, &olen)) > 0) {
			i += used;
			o += olen;
		} else {
			c->buf[o++] = s[i++];
		}
	}
	if (pct) {
		size_t w = 0;
		for (size_t r = 0; r < o; r++) {
			c->buf[w++] = c->buf[r];
			if (c->buf[r] == '%' && r + 1 < o && c->buf[r + 1] == '%')
				r++;
		}
		o = w;
	}
	c->buf[o] = '\0';
	*outn = o;
	return c->buf;
}

static enum ll_result take_str(struct ctx *c, const char *key, json_t *v,
                               char **slot)
{
	if (!json_is_string(v))
		return ll_fail(c, "%s%s: not a string", c->pfx, key);
	size_t n;
	const char *s = cook(c, json_string_value(v), json_string_length(v), &n);
	if (s == NULL)
		return ll_fail_oom(c);
	if (ll_absent(s, n))
		return LL_EVENT;
	char *d = strndup(s, n);
	if (d == NULL)
		return ll_fail_oom(c);
	free(*slot);
	*slot = d;
	return LL_EVENT;
}

static int tristate(json_t *v)
{
	if (json_is_boolean(v))
		return json_is_true(v) ? 1 : 0;
	if (json_is_string(v)) {
		if (strcasecmp(json_string_value(v), "true") == 0)
			return 1;
		if (strcasecmp(json_string_value(v), "false") == 0)
			return 0;
	}
	return -1;
}

static int set_hash(char **slot, const char *s, size_t n)
{
	if (ll_absent(s, n))
		return 0;
	char *d = ll_lower_dup(s, n);
	if (d == NULL)
		return -1;
	free(*slot);
	*slot = d;
	return 0;
}

/* "SHA1=..,MD5=..,SHA256=..,IMPHASH=.." (any key case; a bare hex value is
 * placed by its length). */
static int parse_hashes(struct ev *e, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		const char *item = s + i;
		const char *comma = memchr(item, ',', n - i);
		size_t len = comma ? (size_t)(comma - item) : n - i;
		i += len + 1;
		while (len > 0 && (*item == ' ' || *item == '\t')) {
			item++;
			len--;
		}
		const char *eq = memchr(item, '=', len);
		const char *val = eq ? eq + 1 : item;
		size_t klen = eq ? (size_t)(eq - item) : 0;
		size_t vlen = len - (eq ? klen + 1 : 0);
		while (vlen > 0 && (val[vlen - 1] == ' ' || val[vlen - 1] == '\t'))
			vlen--;
		char **slot = NULL;
		if (eq == NULL) {
			if (ll_is_hex(val, vlen))
				slot = vlen == 64 ? &e->sha256 : vlen == 40 ? &e->sha1
				     : vlen == 32 ? &e->md5 : NULL;
		} else if (klen == 6 && strncasecmp(item, "SHA256", 6) == 0) {
			slot = &e->sha256;
		} else if (klen == 4 && strncasecmp(item, "SHA1", 4) == 0) {
			slot = &e->sha1;
		} else if (klen == 3 && strncasecmp(item, "MD5", 3) == 0) {
			slot = &e->md5;
		} else if (klen == 7 && strncasecmp(item, "IMPHASH", 7) == 0) {
			slot = &e->imphash;
		}
		if (slot != NULL && set_hash(slot, val, vlen) < 0)
			return -1;
	}
	return 0;
}

/* Add key=value to extra as a string (numbers and booleans as text; arrays,
 * objects, null, "-" and "" are left out).  GUID-named values are
 * canonicalised so they can be joined. */
static enum ll_result add_extra(struct ctx *c, const char *key, json_t *v)
{
	char num[40];
	const char *s;
	size_t n;
	switch (json_typeof(v)) {
	case JSON_STRING:
		s = cook(c, json_string_value(v), json_string_length(v), &n);
		if (s == NULL)
			return ll_fail_oom(c);
		break;
	case JSON_INTEGER:
		n = (size_t)snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
		                     json_integer_value(v));
		s = num;
		break;
	case JSON_REAL:
		n = (size_t)snprintf(num, sizeof num, "%.17g", json_real_value(v));
		s = num;
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		s = json_is_true(v) ? "true" : "false";
		n = strlen(s);
		break;
	default:
		return LL_EVENT;
	}
	if (ll_absent(s, n))
		return LL_EVENT;
	json_t *js = NULL;
	size_t kl = strlen(key);
	if ((n == 36 || n == 38) && kl >= 4 &&
	    strcasecmp(key + kl - 4, "guid") == 0) {
		char *g = ev_guid_canon(s);
		if (g != NULL) {
			js = json_string_nocheck(g);
			free(g);
		}
	}
	if (js == NULL)
		js = json_stringn_nocheck(s, n);
	if (js == NULL)
		return ll_fail_oom(c);
	if (c->extra == NULL && (c->extra = json_object()) == NULL) {
		json_decref(js);
		return ll_fail_oom(c);
	}
	/* set_new steals js, also when it fails */
	if (json_object_set_new_nocheck(c->extra, key, js) < 0)
		return ll_fail_oom(c);
	return LL_EVENT;
}

/* ---- Sysmon and Security fields ------------------------------------------ */

static enum ll_result map_field(struct ctx *c, const char *key, json_t *v,
                                enum slot sl)
{
	struct ev *e = c->ev;
	switch (sl) {
	case S_DROP:
		return LL_EVENT;
	case S_EXTRA:
		return add_extra(c, key, v);
	case S_PROC_GUID:
		return ll_take_guid(c, key, v, &e->proc_guid);
	case S_PARENT_GUID:
		return ll_take_guid(c, key, v, &e->parent_guid);
	case S_PID:
		return ll_take_uint(c, c->pfx, key, v, UINT32_MAX, "bad pid", &e->pid);
	case S_PARENT_PID:
		return ll_take_uint(c, c->pfx, key, v, UINT32_MAX, "bad pid",
				    &e->parent_pid);
	case S_REMOTE_PORT:
		return ll_take_uint(c, c->pfx, key, v, 65535, "bad port",
				    &e->remote_port);
	case S_LOCAL_PORT:
		return ll_take_uint(c, c->pfx, key, v, 65535, "bad port",
				    &e->local_port);
	case S_IMAGE:
		/* "<unknown process>" is Sysmon's placeholder, like "-" */
		if (c->sysmon && json_is_string(v) &&
		    strcmp(json_string_value(v), "<unknown process>") == 0)
			return LL_EVENT;
		return take_str(c, key, v, &e->image);
	case S_CMDLINE:
		return take_str(c, key, v, &e->cmdline);
	case S_USER:
		return take_str(c, key, v, &e->user);
	case S_INTEGRITY:
		return take_str(c, key, v, &e->integrity);
	case S_PARENT_IMAGE:
		return take_str(c, key, v, &e->parent_image);
	case S_PARENT_CMDLINE:
		return take_str(c, key, v, &e->parent_cmdline);
	case S_TARGET:
		return take_str(c, key, v, &e->target);
	case S_DETAILS:
		return take_str(c, key, v, &e->details);
	case S_PROTO:
		return take_str(c, key, v, &e->proto);
	case S_REMOTE_IP:
		return take_str(c, key, v, &e->remote_ip);
	case S_LOCAL_IP:
		return take_str(c, key, v, &e->local_ip);
	case S_SIGNATURE:
		return take_str(c, key, v, &e->signature);
	case S_OFN:
		return take_str(c, key, v, &e->original_file_name);
	case S_COMPANY:
		return take_str(c, key, v, &e->company);
	case S_DESCRIPTION:
		return take_str(c, key, v, &e->description);
	case S_PRODUCT:
		return take_str(c, key, v, &e->product);
	case S_INITIATED:
		e->initiated = tristate(v);
		return LL_EVENT;
	case S_SIGNED:
		e->signed_ = tristate(v);
		return LL_EVENT;
	case S_HASHES: {
		if (!json_is_string(v))
			return ll_fail(c, "%s%s: not a string", c->pfx, key);
		if (parse_hashes(e, json_string_value(v), json_string_length(v)) < 0)
			return ll_fail_oom(c);
		return LL_EVENT;
	}
	case S_EVTYPE:
		/* nxlog puts its own severity class in EventType, except where
		 * the Sysmon event has an EventType of its own: then nxlog's
		 * value is in EventTypeOrignal (sic). */
		if (c->lay == LAY_NXLOG && !c->nxlog_evtype_ours)
			return LL_EVENT;
		if (json_is_string(v))
			c->evtype = json_string_value(v);
		return add_extra(c, key, v);
	case S_LABEL: {
		/* Mandatory label SID to Sysmon's IntegrityLevel words; the SID
		 * itself stays in extra. */
		static const struct { const char *sid, *name; } lv[] = {
			{"S-1-16-0", "Untrusted"}, {"S-1-16-4096", "Low"},
			{"S-1-16-8192", "Medium"}, {"S-1-16-8448", "MediumPlus"},
			{"S-1-16-12288", "High"}, {"S-1-16-16384", "System"},
			{"S-1-16-20480", "Protected"},
		};
		if (json_is_string(v)) {
			const char *s = json_string_value(v);
			for (size_t i = 0; i < NELEM(lv); i++)
				if (strcasecmp(s, lv[i].sid) == 0) {
					free(e->integrity);
					e->integrity = strdup(lv[i].name);
					if (e->integrity == NULL)
						return ll_fail_oom(c);
				}
		}
		return add_extra(c, key, v);
	}
	case S_SUBJ_USER: c->subj_user = v; return add_extra(c, key, v);
	case S_SUBJ_DOM: c->subj_dom = v; return add_extra(c, key, v);
	case S_SUBJ_SID: c->subj_sid = v; return add_extra(c, key, v);
	case S_TGT_USER: c->tgt_user = v; return add_extra(c, key, v);
	case S_TGT_DOM: c->tgt_dom = v; return add_extra(c, key, v);
	case S_TGT_SID: c->tgt_sid = v; return add_extra(c, key, v);
	case S_SUBJ_LOGON: c->subj_logon = v; return add_extra(c, key, v);
	case S_TGT_LOGON: c->tgt_logon = v; return add_extra(c, key, v);
	}
	return LL_EVENT;
}

static enum ll_result walk_fields(struct ctx *c, json_t *fields,
                                  const struct field *tab, size_t ntab)
{
	const char *key;
	json_t *v;
	json_object_foreach(fields, key, v) {
		if (json_is_null(v))
			continue;
		const struct field *f = field_find(noise_fields,
		                                   NELEM(noise_fields), key);
		if (f == NULL)
			f = field_find(tab, ntab, key);
		enum ll_result r = map_field(c, key, v, f ? f->slot : S_EXTRA);
		if (r != LL_EVENT)
			return r;
	}
	return LL_EVENT;
}

/* 4688 has no Sysmon User.  The new process runs as the Target account
 * when one is named (its SID is often the NULL SID S-1-0-0 even then), else
 * as the creator (Subject).  The service accounts get the names Sysmon uses,
 * told by their fixed logon ids (the Subject of a service start is the
 * machine account, HOST$, with logon id 0x3e7) or their SIDs. */
static enum ll_result sec_user(struct ctx *c)
{
	json_t *u = c->subj_user, *d = c->subj_dom, *sid = c->subj_sid,
	       *logon = c->subj_logon;
	const char *tu = json_string_value(c->tgt_user);
	if (tu != NULL && !ll_absent(tu, strlen(tu))) {
		u = c->tgt_user;
		d = c->tgt_dom;
		sid = c->tgt_sid;
		logon = c->tgt_logon;
	}
	static const struct { const char *sid, *logon, *name; } wk[] = {
		{"S-1-5-18", "0x3e7", "NT AUTHORITY\\SYSTEM"},
		{"S-1-5-19", "0x3e5", "NT AUTHORITY\\LOCAL SERVICE"},
		{"S-1-5-20", "0x3e4", "NT AUTHORITY\\NETWORK SERVICE"},
	};
	const char *ss = json_string_value(sid), *sl = json_string_value(logon);
	for (size_t i = 0; i < NELEM(wk); i++)
		if ((ss != NULL && strcmp(ss, wk[i].sid) == 0) ||
		    (sl != NULL && strcasecmp(sl, wk[i].logon) == 0)) {
			c->ev->user = strdup(wk[i].name);
			return c->ev->user ? LL_EVENT : ll_fail_oom(c);
		}
	if (!json_is_string(u))
		return LL_EVENT;
	char *dom = NULL;
	if (json_is_string(d)) {
		size_t n;
		const char *s = cook(c, json_string_value(d), json_string_length(d), &n);
		if (s == NULL || (!ll_absent(s, n) && (dom = strndup(s, n)) == NULL))
			return ll_fail_oom(c);
	}
	size_t n;
	const char *s = cook(c, json_string_value(u), json_string_length(u), &n);
	if (s == NULL) {
		free(dom);
		return ll_fail_oom(c);
	}
	if (!ll_absent(s, n)) {
		size_t dl = dom ? strlen(dom) + 1 : 0;
		char *w = malloc(dl + n + 1);
		if (w == NULL) {
			free(dom);
			return ll_fail_oom(c);
		}
		if (dom) {
			memcpy(w, dom, dl - 1);
			w[dl - 1] = '\\';
		}
		memcpy(w + dl, s, n);
		w[dl + n] = '\0';
		c->ev->user = w;
	}
	free(dom);
	return LL_EVENT;
}

/* The time of a Security 4688 event, which has no Sysmon UtcTime.
 *
 * winlogbeat's @timestamp is the event's real UTC time.  The flat exports
 * have only TimeCreated (and an equal @timestamp), which are shifted from
 * UTC by the exporter's zone (-4 h in the 2020 files, -19 h in the 2023
 * one) although they end in "Z".  There is nothing in the line to correct
 * them with, so we accept the shift: 4688 is the fallback process source,
 * its events are linked by pid and image, not by time, and the Sysmon EID 1
 * of the same process, when present, carries the right time.
 *
 * nxlog has EventTime in the collector's local zone, whole seconds, and no
 * TimeCreated.  Its @timestamp (UTC) and EventReceivedTime (local) are the
 * same instant, so their difference rounded to 15 minutes is the zone
 * offset, and EventTime plus that offset is UTC to within a second. */
static enum ll_result sec_time(struct ctx *c, json_t *root, json_t *fields)
{
	int64_t t;
	if (c->lay == LAY_WLB) {
		if (ll_take_time(c, "$.", "@timestamp", json_object_get(root, "@timestamp"),
				 &t) != LL_EVENT)
			return LL_ERROR;
		c->ev->ts_us = t;
		return LL_EVENT;
	}
	json_t *tc = json_object_get(fields, "TimeCreated");
	if (tc != NULL) {
		if (ll_take_time(c, c->pfx, "TimeCreated", tc, &t) != LL_EVENT)
			return LL_ERROR;
		c->ev->ts_us = t;
		return LL_EVENT;
	}
	json_t *et = json_object_get(root, "EventTime");
	if (c->lay == LAY_NXLOG && et != NULL) {
		if (ll_take_time(c, "$.", "EventTime", et, &t) != LL_EVENT)
			return LL_ERROR;
		int64_t ts, rt;
		json_t *jts = json_object_get(root, "@timestamp");
		json_t *jrt = json_object_get(root, "EventReceivedTime");
		if (json_is_string(jts) && json_is_string(jrt) &&
		    ev_parse_time(json_string_value(jts), &ts) == 0 &&
		    ev_parse_time(json_string_value(jrt), &rt) == 0) {
			const int64_t q = 900LL * 1000000;  /* 15 minutes */
			int64_t diff = ts - rt;
			int64_t off = (diff >= 0 ? (diff + q / 2) / q
			                         : -((-diff + q / 2) / q)) * q;
			if (off <= 14 * 4 * q && off >= -14 * 4 * q)
				t += off;
		}
		c->ev->ts_us = t;
		return LL_EVENT;
	}
	json_t *at = json_object_get(root, "@timestamp");
	if (at != NULL) {
		if (ll_take_time(c, "$.", "@timestamp", at, &t) != LL_EVENT)
			return LL_ERROR;
		c->ev->ts_us = t;
		return LL_EVENT;
	}
	return ll_fail(c, "%sTimeCreated: missing", c->pfx);
}

static enum ev_kind sysmon_kind(int eid, bool *ok)
{
	*ok = true;
	switch (eid) {
	case 1: return EV_PROCESS_START;
	case 2: return EV_FILE_WRITE;
	case 3: return EV_NET_CONNECT;
	case 5: return EV_PROCESS_END;
	case 7: return EV_IMAGE_LOAD;
	case 8: return EV_REMOTE_THREAD;
	case 11: return EV_FILE_CREATE;
	case 12: return EV_REGISTRY_CREATE;   /* or delete: by EventType */
	case 13: return EV_REGISTRY_SET;
	case 14: return EV_REGISTRY_RENAME;
	case 15: return EV_FILE_STREAM;
	case 17: return EV_PIPE_CREATE;
	case 18: return EV_PIPE_CONNECT;
	case 22: return EV_DNS_QUERY;
	case 23: return EV_FILE_DELETE;
	case 26: return EV_FILE_DELETE;
	case 29: return EV_FILE_CREATE;
	default: *ok = false; return EV_PROCESS_START;
	}
}

/* A Sysmon or Security event in the flat, nxlog or winlogbeat layout. */
static enum ll_result parse_winevent(struct ctx *c, json_t *root)
{
	const bool wlb = c->lay == LAY_WLB;
	const char *k_eid = wlb ? "event_id" : "EventID";
	const char *k_chan = wlb ? "log_name" : "Channel";

	int64_t eid;
	json_t *jeid = json_object_get(root, k_eid);
	if (jeid == NULL)
		return ll_fail(c, "$.%s: missing", k_eid);
	if (ll_json_uint(jeid, 65535, &eid) != 0)
		return ll_fail(c, "$.%s: not an event id", k_eid);

	json_t *jch = json_object_get(root, k_chan);
	const char *chan = json_string_value(jch);
	if (jch != NULL && chan == NULL)
		return ll_fail(c, "$.%s: not a string", k_chan);
	if (chan == NULL) {
		/* Some exporters leave the channel out; the provider says it. */
		const char *prov = json_string_value(
			json_object_get(root, wlb ? "source_name" : "SourceName"));
		if (prov == NULL)
			return ll_fail(c, "$.%s: missing", k_chan);
		if (strcasecmp(prov, "Microsoft-Windows-Sysmon") == 0)
			chan = SYSMON_CHANNEL;
		else if (strcasecmp(prov, "Microsoft-Windows-Security-Auditing") == 0)
			chan = "Security";
		else
			return LL_SKIP;
	}

	bool sysmon = strcasecmp(chan, SYSMON_CHANNEL) == 0;
	bool sec = strcasecmp(chan, "Security") == 0 && eid == 4688;
	enum ev_kind kind = EV_PROCESS_START;
	if (sysmon) {
		bool ok;
		kind = sysmon_kind((int)eid, &ok);
		if (!ok)
			return LL_SKIP;
	} else if (!sec) {
		return LL_SKIP;
	}

	json_t *fields = root;
	if (wlb) {
		fields = json_object_get(root, "event_data");
		if (fields == NULL)
			return ll_fail(c, "$.event_data: missing");
		if (!json_is_object(fields))
			return ll_fail(c, "$.event_data: not an object");
		c->pfx = "$.event_data.";
	}
	c->sysmon = sysmon;
	c->nxlog_evtype_ours = json_object_get(root, "EventTypeOrignal") != NULL;

	struct ev *e = c->ev;
	e->kind = kind;
	e->eid = (int)eid;

	/* host */
	const char *k_host = wlb ? "computer_name" : "Hostname";
	json_t *jh = json_object_get(root, k_host);
	if (jh == NULL && !wlb && json_object_get(root, "Computer") != NULL) {
		k_host = "Computer";
		jh = json_object_get(root, k_host);
	}
	if (jh == NULL)
		return ll_fail(c, "$.%s: missing", k_host);
	if (!json_is_string(jh))
		return ll_fail(c, "$.%s: not a string", k_host);
	if (take_str(c, k_host, jh, &e->host) != LL_EVENT)
		return LL_ERROR;
	if (e->host == NULL)
		return ll_fail(c, "$.%s: empty", k_host);
	if (strlen(e->host) > LL_HOST_MAX)
		return ll_fail(c, "$.%s: longer than %d bytes", k_host, LL_HOST_MAX);

	/* record id */
	static const char *const rec_keys[] = {"RecordNumber", "record_number",
	                                       "EventRecordID"};
	for (size_t i = 0; i < NELEM(rec_keys); i++) {
		json_t *jr = json_object_get(root, rec_keys[i]);
		if (jr != NULL) {
			if (ll_take_uint(c, "$.", rec_keys[i], jr, INT64_MAX,
					 "bad record number", &e->record_id) != LL_EVENT)
				return LL_ERROR;
			break;
		}
	}

	/* time */
	if (sysmon) {
		if (ll_take_time(c, c->pfx, "UtcTime", json_object_get(fields, "UtcTime"),
				 &e->ts_us) != LL_EVENT)
			return LL_ERROR;
	} else if (sec_time(c, root, fields) != LL_EVENT) {
		return LL_ERROR;
	}

	enum ll_result r = sysmon
		? walk_fields(c, fields, sysmon_fields, NELEM(sysmon_fields))
		: walk_fields(c, fields, sec_fields, NELEM(sec_fields));
	if (r != LL_EVENT)
		return r;

	if (sec && (r = sec_user(c)) != LL_EVENT)
		return r;
	if (sysmon && eid == 12 && c->evtype != NULL &&
	    strncasecmp(c->evtype, "Delete", 6) == 0)
		e->kind = EV_REGISTRY_DELETE;
	e->extra = c->extra;
	c->extra = NULL;
	return LL_EVENT;
}

/* ---- entry points ------------------------------------------------------------ */

static json_t *load(const char *line, size_t len, json_error_t *je)
{
	json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, je);
	/* Exporters write 64-bit flag words (Keywords) as unsigned numbers
	 * that overflow jansson's signed integers: read such a line again
	 * with every number as a double.  Mapped integers accept integral
	 * doubles. */
	if (root == NULL && strncmp(je->text, "too big", 7) == 0)
		root = json_loadb(line, len,
		                  JSON_REJECT_DUPLICATES | JSON_DECODE_ANY |
		                  JSON_DECODE_INT_AS_REAL, je);
	return root;
}

enum ll_result ll_parse(const char *line, size_t len, struct ev *ev,
                        struct ev_alert *al, char *err, size_t errlen)
{
	struct ctx c = {.err = err, .errlen = errlen, .ev = ev, .pfx = "$."};
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	ev_init(ev);
	memset(al, 0, sizeof *al);

	json_error_t je;
	json_t *root = load(line, len, &je);
	if (root == NULL) {
		ll_fail(&c, "not JSON: ");
		if (err != NULL && errlen > 0) {
			ll_put_safe(err, errlen, je.text, strlen(je.text), 100);
			size_t o = strlen(err);
			snprintf(err + o, errlen - o, " at column %d", je.column);
		}
		return LL_ERROR;
	}

	enum ll_result r;
	if (!json_is_object(root)) {
		r = ll_fail(&c, "$: not a JSON object");
	} else if (json_object_get(root, "event_data") != NULL ||
	           json_object_get(root, "event_id") != NULL) {
		c.lay = LAY_WLB;
		r = parse_winevent(&c, root);
	} else if (json_object_get(root, "EventID") != NULL ||
	           json_object_get(root, "Channel") != NULL) {
		c.lay = json_object_get(root, "SourceModuleType") != NULL ||
		        json_object_get(root, "EventReceivedTime") != NULL ||
		        json_object_get(root, "EventTypeOrignal") != NULL
		        ? LAY_NXLOG : LAY_FLAT;
		r = parse_winevent(&c, root);
	} else {
		json_t *jt = json_object_get(root, "type");
		const char *t = json_string_value(jt);
		if (jt == NULL)
			r = ll_fail(&c, "$: unknown layout (no EventID, event_id or type)");
		else if (t == NULL)
			r = ll_fail(&c, "$.type: not a string");
		else if (strcmp(t, "event") == 0)
			r = ll_native_event(&c, root);
		else if (strcmp(t, "alert") == 0)
			r = ll_native_alert(&c, root, al);
		else
			r = ll_fail_val(&c, "$.", "type", "unknown type", t,
					json_string_length(jt));
	}

	json_decref(c.extra);
	free(c.buf);
	json_decref(root);
	if (r != LL_EVENT)
		ev_clear(ev);
	if (r != LL_ALERT)
		ev_alert_clear(al);
	return r;
}

int64_t ll_dedup_key(const char *line, size_t len)
{
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
	                   line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a 64 offset basis */
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)line[i];
		h *= 0x100000001b3ULL;            /* FNV 64 prime */
	}
	return (int64_t)h;
}
