/* sim.h - itrace-endpoint-sim: plays N endpoints against the command API.
 *
 * Files:
 *   main.c   options, signals, exit summary
 *   input.c  the tokens file, the alerts file, the events replay file
 *   run.c    the single-threaded libcurl multi loop driving every endpoint
 *   state.c  one endpoint's simulated state and command execution
 * File hashes use core/sha256.h. The agent wire format (bodies, answers, validation) is src/api/agent.c.
 */
#ifndef ITRACE_SIM_H
#define ITRACE_SIM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "sim/state.h"

struct sim_opts {
	const char *api;          /* base URL, no trailing slash */
	const char *tokens;       /* tokens file */
	const char *replay;       /* NDJSON events, may be NULL */
	const char *alerts;       /* alerts file, may be NULL */
	const char *version;      /* starting client version */
	size_t endpoints;         /* 0: every token in the file */
	double interval;          /* seconds between heartbeats (0: back to back) */
	double duration;          /* seconds to run, 0: until a signal */
	bool wait;                /* long-poll heartbeats */
	bool once;                /* one sync per endpoint, then exit */
	bool stats;               /* latency summary on stderr at exit */
	bool timestamps;          /* prefix command lines with receipt time */
	bool verbose;             /* a stderr line per upload */
};

/* One line of the tokens file. Strings owned by the array. */
struct sim_token {
	char *host, *token;
};

/* One alert to upload: body is {detected_at?, path, sha256, detection,
 * action}; host names the endpoint to send it (NULL: round robin). */
struct sim_alert {
	char *host;
	json_t *body;             /* owned */
	char *path, *sha256;      /* borrowed from body; sha256 may be NULL */
	int64_t size;
};

/* Loaders: 0 on success, -1 with a message in err. Outputs owned by the
 * caller (sim_*_free). */
int sim_load_tokens(const char *path, struct sim_token **out, size_t *n,
                    char *err, size_t errlen);
void sim_tokens_free(struct sim_token *t, size_t n);
int sim_load_alerts(const char *path, struct sim_alert **out, size_t *n,
                    char *err, size_t errlen);
void sim_alerts_free(struct sim_alert *a, size_t n);
/* Events file: non-empty lines kept as they are (the server parses them). */
int sim_load_lines(const char *path, char ***lines, size_t *n, char *err,
                   size_t errlen);
void sim_lines_free(char **lines, size_t n);
/* One replay line as the endpoint host would send it: native lines get
 * "host" set, Sysmon layouts their host field; other lines unchanged.
 * Newly malloc'd. */
char *sim_line_for_host(const char *line, const char *host, size_t *len);

/* Counters printed at exit. */
struct sim_counts {
	unsigned long hb_ok, hb_fail, cmd_done, cmd_failed, cmd_repeat,
	        results_ok, results_fail, alerts_ok, alerts_fail, events_ok,
	        events_fail, bad_answers;
};

/* Run until done (--once), --duration, or *stop becomes nonzero. wake_fd is
 * polled too (the signal handler writes to it). Returns 0, or 1 when --once
 * could not finish everything. */
int sim_run(const struct sim_opts *o, struct sim_token *tokens, size_t ntok,
            struct sim_alert *alerts, size_t nal, char **lines, size_t nlines,
            volatile sig_atomic_t *stop, int wake_fd, struct sim_counts *cnt);

#endif
