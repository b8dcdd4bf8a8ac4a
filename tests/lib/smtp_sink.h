/* smtp_sink.h - a real SMTP server for the mail tests, from C: starts and
 * stops tests/lib/smtp_sink.py (Debian's python3-aiosmtpd) and reads the
 * messages it caught, as Python's email package parsed them.
 *
 * Paths are relative to the top directory (the tests run from there).
 * Sinks still running at exit (a failed assertion between start and stop)
 * are stopped by an atexit handler set by the first start.
 */
#ifndef ITRACE_SMTP_SINK_H
#define ITRACE_SMTP_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

struct smtp_sink {
	pid_t pid;
	int port;
	char dir[512];
};

/* Can a sink run here (python3 with aiosmtpd, the script)? When not, the
 * reason goes to stderr. */
bool smtp_sink_usable(void);

/* Start a sink on 127.0.0.1:port (0: any free port); extra: more options
 * of smtp_sink.py (NULL-terminated, may be NULL), e.g. {"--tempfail", "2",
 * NULL}. Waits up to 10 s for it to listen. 0, or -1. */
int smtp_sink_start(struct smtp_sink *s, int port, const char *const *extra);
void smtp_sink_stop(struct smtp_sink *s);

/* "smtp://127.0.0.1:PORT" into buf. */
const char *smtp_sink_url(const struct smtp_sink *s, char *buf, size_t n);

/* Messages caught so far. */
int smtp_sink_count(const struct smtp_sink *s);

/* Message i (1-based): the "parsed" object of smtp_sink.py (subject, from,
 * to, ctype, charset, cte, headers, defects, max_line, body, parts) plus
 * mail_from, rcpt_tos and raw (the message as received). New reference,
 * NULL when there is no such message. */
json_t *smtp_sink_msg(const struct smtp_sink *s, int i);

/* Wait up to ms for the sink to have caught n messages; the count. */
int smtp_sink_wait(const struct smtp_sink *s, int n, int ms);

#endif
