/* evidence_glue.c - alert + its endpoint's events -> report Markdown,
 * with the shared loader (src/db/evidence.c: the 7-day window of R-11),
 * the workflow's facts (src/db/report_facts.c: verdicts, hearing sheet,
 * commands, exception) and the shared model and renderer
 * (src/core/report.c), the same code as `itrace-tui report quick`. */
#include "cmdd/evidence_glue.h"

#include <stdio.h>
#include <stdlib.h>

#include "cmdd/cmdd.h"
#include "db/evidence.h"
#include "db/report_facts.h"

int evidence_render(PGconn *c, int64_t alert_id, int64_t to_us, enum rp_lang lang,
                    const struct evidence_pub *pub, char **md)
{
	struct evidence ev;
	struct rp_facts facts;
	char *err = NULL;
	*md = NULL;
	int rc = report_facts_load(c, alert_id, pub->kind, &facts, &err);
	if (rc == 0)
		rc = evidence_load(c, alert_id, to_us, &ev, &err);
	if (rc != 0) {
		fprintf(stderr, "itrace-cmdd: evidence of alert %lld: %s\n", (long long)alert_id,
		        rc > 0 ? "no such alert" : err != NULL ? err : "?");
		free(err);
		return -1;
	}
	facts.has_tz = 1;
	facts.tz_min = pub->tz_min;
	/* The reply due is stored after the body is rendered, in the same
	 * transaction: the route computed it. */
	if (pub->kind == RP_KIND_EXPLAIN && pub->reply_due_us != RP_NONE)
		facts.reply_due_us = pub->reply_due_us;
	ev.alert.facts = &facts;
	struct report *rep = report_build(&ev.alert, ev.evs, ev.n, ev.from_us, ev.to_us);
	evidence_free(&ev);
	if (rep == NULL)
		return -1;
	*md = report_markdown(rep, lang);
	report_free(rep);
	return *md != NULL ? 0 : -1;
}
