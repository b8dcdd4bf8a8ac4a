/* evidence_glue.h - the report body of one alert for POST .../reports. */
#ifndef ITRACE_CMDD_EVIDENCE_GLUE_H
#define ITRACE_CMDD_EVIDENCE_GLUE_H

#include <stdint.h>
#include <libpq-fe.h>

#include "core/report.h"

/* What the publishing route knows that the database does not hold yet. */
struct evidence_pub {
	enum rp_kind kind;      /* quick or explanatory */
	int64_t reply_due_us;   /* the reply due this publication sets on a
	                         * gray alert, RP_NONE when none */
	int tz_min;             /* the tenant calendar's zone: local = UTC + */
};

/* Render alert_id's report from the events up to to_us (the publication
 * time) as Markdown in lang with the shared code: the eight items of R-10
 * plus what the verdict asks for (R-18..R-20), from src/db/report_facts.c
 * and pub. *md is malloc'd. 0, or -1 on a database error (logged). */
int evidence_render(PGconn *c, int64_t alert_id, int64_t to_us, enum rp_lang lang,
                    const struct evidence_pub *pub, char **md);

#endif
