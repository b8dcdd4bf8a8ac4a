/* evidence_glue.h - the report body of one alert for POST .../reports. */
#ifndef ITRACE_CMDD_EVIDENCE_GLUE_H
#define ITRACE_CMDD_EVIDENCE_GLUE_H

#include <stdint.h>
#include <libpq-fe.h>

#include "core/report.h"

/* Render alert_id's quick-report model (the eight items of R-10) as
 * Markdown in lang with the shared code (src/core/report.c). *md is
 * malloc'd. 0, or -1 on a database error. */
int evidence_render(PGconn *c, int64_t alert_id, enum rp_lang lang, char **md);

#endif
