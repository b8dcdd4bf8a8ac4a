/* mail.h - the hook between itrace-cmdd and its mail sender (mail.c).
 *
 * cmdd queues mail as rows of the `outbox` table (003_cmdd.sql) in the
 * same transaction that publishes a report: R-10 (black quick report) and
 * R-15 (black or gray explanatory report), to the tenant's contacts.
 * A row holds recipients (text[]), subject and body (UTF-8 text, the
 * rendered report), state 'queued', attempts 0 and next_attempt_at. R-25
 * (the monthly report, jobs_monthly.c) also fills html (013_report_html.sql):
 * such a row goes out as multipart/alternative, body as text/plain and
 * html as text/html; without html the mail is text/plain alone.
 *
 * The job thread of cmdd (jobs.c) calls mail_outbox_run() once per job
 * period with its own connection (not inside a transaction). mail.c is
 * another module's; until it is linked in, jobs.c skips the call (the
 * symbol is weak there) and mail simply stays queued.
 */
#ifndef ITRACE_CMDD_MAIL_H
#define ITRACE_CMDD_MAIL_H

#include <stdint.h>
#include <libpq-fe.h>

struct mail_cfg {
	const char *smtp_url;   /* --smtp URL (smtp://host:port), NULL: no
	                         * SMTP configured: do nothing */
	const char *from;       /* From: address (config `mail_from`) */
};

/* Send the outbox rows that are due (state 'queued', next_attempt_at <=
 * now_us): set 'sent' and sent_at on success; on failure count the
 * attempt, store last_error and move next_attempt_at by a backoff, giving
 * up ('failed') after a number of attempts of the sender's choosing.
 * c is the caller's connection (borrowed). Returns the number of
 * messages sent, or -1 on a database error. Never blocks longer than the
 * SMTP timeouts it sets itself. */
int mail_outbox_run(PGconn *c, const struct mail_cfg *cfg, int64_t now_us);

#endif
