/* evidence_glue.h - the report body of one alert for POST .../reports. */
#ifndef ITRACE_CMDD_EVIDENCE_GLUE_H
#define ITRACE_CMDD_EVIDENCE_GLUE_H

#include <stdint.h>
#include <libpq-fe.h>

#include "core/report.h"

/* Render alert_id's quick-report model (the eight items of R-10) from the
 * events up to to_us (the publication time) as Markdown in lang with the
 * shared code. *md is malloc'd. 0, or -1 on a database error (logged). */
int evidence_render(PGconn *c, int64_t alert_id, int64_t to_us, enum rp_lang lang,
                    char **md);

#endif
