/* cmdd_helper.h - run a real itrace-cmdd for a test and talk to it.
 *
 * cmdd_start() launches ITRACE_BIN/itrace-cmdd on 127.0.0.1:0 against a
 * database (see th.h for making one), reads the "listening on HOST:PORT"
 * line and fills d->url; the daemon's stderr (one line per request) goes
 * to d->log. cmdd_stop() sends SIGTERM and waits. cmdd_http() makes one
 * request with libcurl. Used by the cmdd integration tests and meant for
 * the console's tmux tests and the simulator's tests too.
 */
#ifndef ITRACE_CMDD_HELPER_H
#define ITRACE_CMDD_HELPER_H

#include <stddef.h>
#include <sys/types.h>

struct cmdd {
	pid_t pid;
	int port;
	char url[64];          /* "http://127.0.0.1:PORT" */
	char log[512];         /* path of the daemon's stderr */
};

/* Start the daemon. extra_args: more options (NULL-terminated, may be
 * NULL), e.g. {"--job-interval", "0.2", NULL}; env: "K=V" entries added
 * to the daemon's environment (NULL-terminated, may be NULL), e.g.
 * {"ITRACE_FAKE_NOW=2026-11-24T01:00:00Z", NULL}. Waits up to 15 s for
 * the listening line. 0, or -1 with a message on stderr. */
int cmdd_start(struct cmdd *d, const char *conninfo, const char *const *extra_args,
               char *const env[]);
/* SIGTERM, then wait up to 15 s (SIGKILL after). Returns the exit status
 * (0 for a clean stop), or 128+signal. */
int cmdd_stop(struct cmdd *d);
/* Is it still running? */
int cmdd_alive(struct cmdd *d);

/* Run `itrace-cmdd --db conninfo ARGS...`; returns the first line of its
 * stdout (malloc'd, no newline) when it exits 0, else NULL (stderr of
 * the command is printed). */
char *cmdd_admin(const char *conninfo, const char *const *args);
/* cmdd_admin with the arguments listed, NULL-terminated; a failure ends
 * the test program (exit 99: the fixture is broken, not the test). */
char *cmdd_admin_or_die(const char *conninfo, const char *first, ...)
	__attribute__((sentinel));

struct cmdd_resp {
	long status;           /* HTTP status, 0 on a transport error */
	char *body;            /* owned, NUL-terminated */
	size_t len;
};

/* One request. token and idem_key may be NULL; body may be NULL (no
 * body). 0, or -1 on a transport error (status 0). */
int cmdd_http(const struct cmdd *d, const char *method, const char *path,
              const char *token, const char *idem_key, const char *body,
              size_t body_len, struct cmdd_resp *out);
void cmdd_resp_free(struct cmdd_resp *r);

#endif
