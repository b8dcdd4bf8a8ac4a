/* tuning_rules.h - a tenant's log tuning rules from the tuning_rule table
 * (SPEC R-7), for itrace-ingest and itrace-cmdd. */
#ifndef ITRACE_DB_TUNING_RULES_H
#define ITRACE_DB_TUNING_RULES_H

#include <stdint.h>
#include <libpq-fe.h>

#include "core/tuning.h"

/* Append the rules of the tenant (by id when tenant_id > 0, else by exact
 * name; an unknown name has no rules) to r in id order, each named by its
 * id (tun_rule_id). A row that no longer compiles (written by hand, or
 * another PCRE2) is skipped, and *warn (malloc'd, NULL when none; warn may
 * be NULL) lists "tuning_rule ID: message; ...". *fp receives the rules'
 * fingerprint (db_tuning_fingerprint's value for what was read).
 * 0, or -1 with *err. */
int db_tuning_load(PGconn *c, int64_t tenant_id, const char *tenant_name,
                   struct tun_rules *r, int64_t fp[2], char **warn, char **err);

/* Fingerprint of a tenant's rules: {count, max id}. Rules are only added
 * (ids grow) and deleted, never updated, so any change since an earlier
 * reading changes it. 0, or -1 with *err. */
int db_tuning_fingerprint(PGconn *c, int64_t tenant_id, int64_t fp[2], char **err);

#endif
