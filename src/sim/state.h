/* state.h - the simulated state of one endpoint and the execution of
 * commands on it (itrace-endpoint-sim). Pure: no I/O, no clock.
 *
 * What is simulated (issue 3 section 6, SPEC ):
 *   - network isolation with an allowlist: while isolated, a connection
 *     attempt is allowed only to the service system (the API host) and to
 *     allowlist entries (IPv4 or IPv6 address or network, port or any
 *     port; the isolate command's args carry it as "allow" (or
 *     "allowlist"): [{"net": "10.0.0.0/8", "port": 443}, ...]);
 *   - a file set (path, SHA-256, size): files named in uploaded alerts plus
 *     a few ordinary ones; delete removes, fetch returns path, hash, size;
 *   - exception list, protection mode, client version (upgrade).
 *
 * Ownership: every pointer inside struct sim_state is owned by it and freed
 * by sim_state_free(). Command arguments are borrowed.
 */
#ifndef ITRACE_SIM_STATE_H
#define ITRACE_SIM_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "api/agent.h"

#define SIM_VERSION_MAX 32
#define SIM_PATH_MAX 4096

struct sim_net {
	int family;            /* 4 or 6 */
	uint32_t addr, mask;   /* IPv4, host byte order */
	unsigned char a6[16];  /* IPv6 network */
	int bits;              /* prefix length */
	int port;              /* 0: any port */
};

struct sim_file {
	char *path;
	char sha256[65];
	int64_t size;
};

struct sim_state {
	char version[SIM_VERSION_MAX + 1];
	char mode[16];                  /* "nonblock" or "block" */
	bool isolated;
	struct sim_net *allow;
	size_t nallow;
	uint32_t service_addr;          /* the API host, always reachable */
	int service_port;
	struct sim_file *files;
	size_t nfiles;
	char **exceptions;              /* "sha256:<hex>" or "path:<path>" */
	size_t nexc;
};

/* A fresh endpoint: version, non-block mode, not isolated, the ordinary
 * files. service_addr/port: where the API is (0 when not IPv4). 0 on
 * success, -1 when out of memory. */
int sim_state_init(struct sim_state *s, const char *version,
                   uint32_t service_addr, int service_port);
void sim_state_free(struct sim_state *s);

/* Add or replace a file. 0, or -1 (bad path or hash, out of memory). */
int sim_file_put(struct sim_state *s, const char *path, const char *sha256,
                 int64_t size);
/* The file at path (case-insensitive, as on Windows), or NULL. Borrowed. */
const struct sim_file *sim_file_get(const struct sim_state *s, const char *path);

/* Would a connection from this endpoint to addr:port succeed now? */
bool sim_connect_allowed(const struct sim_state *s, uint32_t addr, int port);

/* Parse "a.b.c.d" into host byte order. 0 or -1. */
int sim_parse_ipv4(const char *s, uint32_t *out);

/* Execute one command: isolate {allow}, release, delete_file (or delete)
 * {path, sha256?}, fetch_file (or fetch) {path}, add_exception (or
 * exception) {sha256 | path}, set_mode (or mode) {mode}, upgrade {version}.
 * Returns true for done, false for failed; *detail
 * receives a new JSON object describing the outcome (the failure reason in
 * "error"), or NULL when out of memory. Unknown kinds and bad arguments
 * fail without changing the state. */
bool sim_exec(struct sim_state *s, const struct agent_cmd *cmd, json_t **detail);

#endif
