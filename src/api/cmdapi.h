/* cmdapi.h - the console's asynchronous client of Command API v1.
 *
 * libcurl multi driven from the caller's poll() loop (socket and timer
 * callbacks; nothing here blocks or sleeps). Every POST carries
 * `Authorization: Bearer` and an `Idempotency-Key`; a transport failure or
 * a 502/503/504 answer is retried up to 3 times with backoff (0.5, 1, 2 s)
 * with the SAME key, so the server does the work at most once. The caller
 * may retry later again with the key it got back (cmdapi_req_key).
 *
 * Knows HTTP and JSON, nothing of screens.
 *
 * Ownership: bodies passed in are copied; the json_t given to callbacks is
 * borrowed (valid during the call), NULL when the answer was not JSON.
 */
#ifndef ITRACE_CMDAPI_H
#define ITRACE_CMDAPI_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct cmdapi;

/* status: HTTP status, 0 when no answer arrived (err says why).
 * For error answers, err is the API's "code: message" when present. */
typedef void (*cmdapi_cb)(void *udata, int64_t tag, long status, json_t *body,
                          const char *err);

/* NULL on allocation failure. base: "http://127.0.0.1:8080" (a trailing
 * slash is ignored); token may be NULL (no Authorization header). */
struct cmdapi *cmdapi_new(const char *base, const char *token, cmdapi_cb cb,
                          void *udata);
void cmdapi_free(struct cmdapi *c);

/* Start a call. method "GET" or "POST"; body JSON text or NULL; key: the
 * Idempotency-Key to use (NULL: a new random one, POST only); the key used
 * is written to key_out (>= 40 bytes) when not NULL. Returns 0, -1 on
 * failure (nothing started). */
int cmdapi_call(struct cmdapi *c, const char *method, const char *path,
                const char *body, const char *key, int64_t tag, char *key_out);

/* A new random key: 32 hex digits + NUL into out (>= 33 bytes). */
void cmdapi_new_key(char *out);

/* For poll(): fill up to max pollfds; returns the count. */
int cmdapi_pollfds(struct cmdapi *c, struct pollfd *fds, int max);
/* ms until libcurl or a retry wants servicing, -1 none. */
long cmdapi_timeout(struct cmdapi *c);
/* After poll: the same fds with revents (n of them); also handles due
 * timeouts. Calls the callback for finished calls. */
void cmdapi_service(struct cmdapi *c, const struct pollfd *fds, int n);
/* Calls in flight. */
int cmdapi_pending(const struct cmdapi *c);

#endif
