/* event.c - the event struct's helpers: kind names, init/clear, GUIDs,
 * times, host keys.  Pure code; no I/O, no locale, no libc time functions
 * (timegm is neither standard nor cheap: times are computed with the
 * days-from-civil arithmetic below). */
#include "core/event.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[EV_KIND_COUNT] = {
	[EV_PROCESS_START] = "process_start",
	[EV_PROCESS_END] = "process_end",
	[EV_FILE_CREATE] = "file_create",
	[EV_FILE_WRITE] = "file_write",
	[EV_FILE_READ] = "file_read",
	[EV_FILE_DELETE] = "file_delete",
	[EV_FILE_STREAM] = "file_stream",
	[EV_IMAGE_LOAD] = "image_load",
	[EV_REGISTRY_SET] = "registry_set",
	[EV_REGISTRY_CREATE] = "registry_create",
	[EV_REGISTRY_DELETE] = "registry_delete",
	[EV_REGISTRY_RENAME] = "registry_rename",
	[EV_NET_CONNECT] = "net_connect",
	[EV_DNS_QUERY] = "dns_query",
	[EV_REMOTE_THREAD] = "remote_thread",
	[EV_PIPE_CREATE] = "pipe_create",
	[EV_PIPE_CONNECT] = "pipe_connect",
};

const char *ev_kind_name(enum ev_kind k)
{
	if ((int)k < 0 || k >= EV_KIND_COUNT)
		return "unknown";
	return kind_names[k];
}

int ev_kind_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	for (int k = 0; k < EV_KIND_COUNT; k++)
		if (strcmp(kind_names[k], name) == 0)
			return k;
	return -1;
}

void ev_init(struct ev *e)
{
	memset(e, 0, sizeof *e);
	e->kind = EV_PROCESS_START;
	e->record_id = -1;
	e->pid = -1;
	e->parent_pid = -1;
	e->remote_port = -1;
	e->local_port = -1;
	e->initiated = -1;
	e->signed_ = -1;
}

void ev_clear(struct ev *e)
{
	char **strs[] = {
		&e->host, &e->proc_guid, &e->image, &e->cmdline, &e->user,
		&e->integrity, &e->parent_guid, &e->parent_image,
		&e->parent_cmdline, &e->target, &e->details, &e->proto,
		&e->remote_ip, &e->local_ip, &e->sha256, &e->sha1, &e->md5,
		&e->imphash, &e->signature, &e->original_file_name, &e->company,
		&e->description, &e->product,
	};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		free(*strs[i]);
	json_decref(e->extra);
	ev_init(e);
}

void ev_alert_clear(struct ev_alert *a)
{
	free(a->host);
	free(a->path);
	free(a->sha256);
	free(a->detection);
	free(a->action);
	memset(a, 0, sizeof *a);
}

/* ---- GUIDs -------------------------------------------------------------- */

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The 36 characters of a GUID body, optionally inside one pair of braces.
 * Returns a pointer to the body, or NULL when s is not a GUID. */
static const char *guid_body(const char *s)
{
	if (s == NULL)
		return NULL;
	size_t n = strlen(s);
	const char *b = s;
	if (n == 38 && s[0] == '{' && s[37] == '}')
		b = s + 1;
	else if (n != 36)
		return NULL;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (b[i] != '-')
				return NULL;
		} else if (hexval((unsigned char)b[i]) < 0) {
			return NULL;
		}
	}
	return b;
}

char *ev_guid_canon(const char *s)
{
	const char *b = guid_body(s);
	if (b == NULL)
		return NULL;
	char *out = malloc(37);
	if (out == NULL)
		return NULL;
	for (int i = 0; i < 36; i++) {
		unsigned char c = (unsigned char)b[i];
		out[i] = (char)(c >= 'A' && c <= 'F' ? c + ('a' - 'A') : c);
	}
	out[36] = '\0';
	return out;
}

int64_t ev_guid_prefix(const char *g)
{
	const char *b = guid_body(g);
	if (b == NULL)
		return 0;
	uint64_t v = 0;
	for (int i = 0; i < 18; i++) {   /* "xxxxxxxx-xxxx-xxxx" */
		if (b[i] == '-')
			continue;
		v = v << 4 | (uint64_t)hexval((unsigned char)b[i]);
	}
	return (int64_t)v;
}

/* ---- time --------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date.  The year is shifted
 * to start in March so the leap day is the last day of the shifted year;
 * then a date is 400-year eras + years of the era + day of the year. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                       /* 0..399 */
	int mp = m > 2 ? m - 3 : m + 9;                     /* March = 0 */
	int64_t doy = (153 * mp + 2) / 5 + d - 1;           /* 0..365 */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* 0..146096 */
	return era * 146097 + doe - 719468;
}

/* The inverse: days since the epoch to year, month (1-12), day (1-31). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;                                  /* 0..146096 */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);          /* 0..365 */
	int64_t mp = (5 * doy + 2) / 153;                                /* 0..11 */
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* n decimal digits at *p into *out; advances *p.  -1 if not all digits. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		unsigned char c = (unsigned char)(*p)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int ev_parse_time(const char *s, int64_t *out_us)
{
	if (s == NULL)
		return -1;
	const char *p = s;
	int y, mo, d, h, mi, sec;
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d))
		return -1;
	/* RFC 3339 allows a space (or lower-case t) for the T; Sysmon's UtcTime
	 * uses the space. */
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) ||
	    *p++ != ':' || digits(&p, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 59)   /* leap seconds are refused */
		return -1;

	int64_t frac_us = 0;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		int nd = 0;
		for (; *p >= '0' && *p <= '9'; p++, nd++)
			if (nd < 6)   /* beyond microseconds: truncated */
				frac_us = frac_us * 10 + (*p - '0');
		for (; nd < 6; nd++)
			frac_us *= 10;
	}

	int64_t off_s = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om;
		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) ||
		    oh > 23 || om > 59)
			return -1;
		off_s = sign * (oh * 3600 + om * 60);
	}
	if (*p != '\0')
		return -1;

	int64_t days = days_from_civil(y, mo, d);
	int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - off_s;
	*out_us = secs * 1000000 + frac_us;
	return 0;
}

void ev_format_time(int64_t us, char *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return;
	/* floor division so times before 1970 print correctly */
	int64_t secs = us / 1000000, rem = us % 1000000;
	if (rem < 0) {
		rem += 1000000;
		secs--;
	}
	int64_t days = secs / 86400, sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ",
	         (long long)y, m, d, (int)(sod / 3600), (int)(sod / 60 % 60),
	         (int)(sod % 60), (int)(rem / 1000));
}

/* ---- host names ---------------------------------------------------------- */

char *ev_host_key(const char *host)
{
	if (host == NULL || host[0] == '\0')
		return NULL;
	/* A dotted IPv4 address is a name of its own, not an FQDN to cut. */
	size_t n = strspn(host, "0123456789.");
	int dots = 0;
	for (const char *p = host; *p; p++)
		dots += *p == '.';
	bool ipv4 = host[n] == '\0' && dots == 3 && host[0] != '.';
	n = ipv4 ? strlen(host) : strcspn(host, ".");
	if (n == 0)
		return NULL;
	char *k = malloc(n + 1);
	if (k == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)host[i];
		k[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
	}
	k[n] = '\0';
	return k;
}
