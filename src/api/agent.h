/* agent.h - the endpoint side of Command API v1 (DESIGN.md "Command API v1",
 * issue 3 section 5): request bodies, libcurl easy handles for one agent
 * call, and strict parsing of what the server answers.
 *
 * The server is a network peer: every answer is checked field by field and
 * anything malformed is refused with a reason, never trusted and never a
 * crash. Used by itrace-endpoint-sim (src/sim) and its tests.
 *
 * Calls:
 *   POST /v1/agent/heartbeat            {client_version, errors[], wait?}
 *        -> {"commands":[{"id","kind","args"}]}
 *   POST /v1/agent/commands/{id}/result {"status":"done"|"failed","detail"}
 *   POST /v1/agent/alerts               {detected_at,path,sha256,detection,action}
 *        -> 201 {"id","state",...}
 *   POST /v1/agent/events               NDJSON, native or Sysmon layouts
 * Every POST carries `Authorization: Bearer <endpoint token>` and an
 * `Idempotency-Key`.
 *
 * No global state; nothing here is shared between threads.
 */
#ifndef ITRACE_AGENT_H
#define ITRACE_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <curl/curl.h>
#include <jansson.h>

#define AGENT_KIND_MAX 32            /* command kind: [a-z_]{1,32} */
#define AGENT_STATE_MAX 32           /* alert state:  [a-z_]{1,32} */
#define AGENT_RESP_LIMIT (8u << 20)  /* largest answer body accepted */

/* One command from a heartbeat answer. */
struct agent_cmd {
	int64_t id;                          /* > 0 */
	char kind[AGENT_KIND_MAX + 1];       /* validated, NUL-terminated */
	json_t *args;                        /* owned reference; always an object */
};

struct agent_cmds {
	struct agent_cmd *v;                 /* owned array */
	size_t n;
};

/* Parse a heartbeat answer {"commands":[...]}. Commands that are malformed
 * (id not a positive integer or digit string, kind not [a-z_]{1,32}, args
 * not an object) are skipped and counted in *bad, the first reason going to
 * err. Returns the number of commands stored in *out (which the caller frees
 * with agent_cmds_free, also on error), or -1 when the body as a whole is
 * unusable (not JSON, no "commands" array); err then says why. err is always
 * NUL-terminated, printable ASCII. */
int agent_parse_commands(const char *body, size_t len, struct agent_cmds *out,
                         size_t *bad, char *err, size_t errlen);
void agent_cmds_free(struct agent_cmds *c);

/* Parse the 201 answer to an alert upload: {"id": N, "state": "..."}.
 * 0 on success, -1 with err set. state may be NULL. */
int agent_parse_alert_answer(const char *body, size_t len, int64_t *id,
                             char state[AGENT_STATE_MAX + 1], char *err,
                             size_t errlen);

/* Short printable text for a failed call: the API's
 * {"error":{"code","message"}} when present, else the status alone. */
void agent_error_text(long status, const char *body, size_t len, char *out,
                      size_t outlen);

/* Request bodies, newly malloc'd (NULL only when out of memory).
 * errors may be NULL when nerr is 0; detail is borrowed and may be NULL. */
char *agent_heartbeat_json(const char *client_version,
                           const char *const *errors, size_t nerr, bool wait);
char *agent_result_json(bool done, json_t *detail);

/* Idempotency keys: 32 random hex digits, or a stable key from a prefix and
 * the FNV-1a hash of data (the same upload gets the same key, so a retry or
 * a restart does not create a second alert). buf >= 64 bytes. */
void agent_idem_random(char *buf, size_t len);
void agent_idem_hash(char *buf, size_t len, const char *prefix,
                     const char *a, size_t alen, const char *b, size_t blen);

/* Answer body collected by an agent call; limit caps what is kept (the
 * transfer is aborted beyond it and `overflow` set). */
struct agent_buf {
	char *data;                          /* owned, NUL-terminated when non-NULL */
	size_t len, cap, limit;
	bool overflow;
};

/* One HTTP POST to the API, ready for curl_easy_perform or a multi handle.
 * Owns its easy handle, header list, request body and answer buffer. */
struct agent_call {
	CURL *easy;
	struct curl_slist *hdrs;
	char *body;
	size_t body_len;
	struct agent_buf resp;
	char errbuf[CURL_ERROR_SIZE];
};

/* Set up a POST of body (ownership taken, also on failure) to api + path
 * ("http://127.0.0.1:8080" + "/v1/agent/heartbeat"). ctype NULL means
 * application/json. timeout_ms bounds the whole transfer. Only http and
 * https are allowed, redirects are not followed. 0 on success, -1 when out
 * of memory or curl refuses an option (the call is then already freed). */
int agent_call_init(struct agent_call *c, const char *api, const char *path,
                    const char *token, const char *idem_key, char *body,
                    size_t body_len, const char *ctype, long timeout_ms);
void agent_call_free(struct agent_call *c);
/* HTTP status of a finished call, 0 when there was none. */
long agent_call_status(const struct agent_call *c);

/* Validate an endpoint token and host name read from a file:
 * token: 8..512 bytes of [!-~]; host: 1..253 bytes of [A-Za-z0-9._-]. */
bool agent_token_ok(const char *token);
bool agent_host_ok(const char *host);

#endif
