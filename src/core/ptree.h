/* ptree.h - the process tree of one endpoint, built from events (no I/O).
 *
 * A process is identified by (key, pid): key is the first three groups of
 * its Sysmon ProcessGuid (ev_guid_prefix(); the `proc_key` column), because
 * Sysmon changes the last two groups in a process's later events. Every
 * distinct GUID seen for one process is kept as an alias. The same pid
 * with another key is another process (pid reuse). A process known only
 * from a child's parent fields is synthesized (PT_PARENT_ONLY) from the
 * ParentImage / ParentCommandLine the child logged. GUID-less process
 * starts (Security 4688) get key 0; one that repeats a Sysmon start of the
 * same pid and image is merged into it.
 *
 * Bad data never loops: a parent link that would close a cycle is dropped
 * and the child is marked `cycle`; walks also carry visited sets.
 *
 * Ownership: ptree_build() copies what it needs; the tree owns every string
 * (raw, unsanitized: sanitize before display) and is freed by ptree_free().
 * Node indexes are stable for the tree's life.
 */
#ifndef ITRACE_PTREE_H
#define ITRACE_PTREE_H

#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

#define PT_NONE INT64_MIN       /* absent time */

enum pt_known {
	PT_STARTED,       /* its process start is among the events */
	PT_SEEN,          /* no start, but events of its own (file, net, exit...) */
	PT_PARENT_ONLY    /* only a child's parent fields name it */
};

struct pt_node {
	int64_t key;            /* GUID prefix; 0 for a GUID-less process */
	int64_t pid;            /* -1 unknown */
	char *guid;             /* canonical GUID (the process start's when
	                         * seen), NULL when none was logged */
	char **aliases;         /* every distinct canonical GUID seen, guid first */
	size_t n_aliases;
	char *image, *cmdline, *user, *integrity;    /* NULL when absent */
	char *sha256;           /* of the image, from the process start */
	int64_t start_us, end_us;   /* PT_NONE when absent */
	int64_t first_us;       /* earliest event naming it (PT_NONE: none) */
	enum pt_known known;
	long parent;            /* node index, -1 when none known */
	int cycle;              /* its parent link was dropped: would loop */
	size_t *children;       /* node indexes ordered by start time (points
	                         * into the tree's storage) */
	size_t n_children;
	long next_same_key;     /* internal: hash chain */
};

struct ptree {
	struct pt_node *nodes;
	size_t n;
	/* internal */
	size_t cap;
	long *slots;            /* open addressing on key -> first node */
	size_t n_slots;
	size_t *child_buf;
};

struct pt_desc {
	size_t node;
	int depth;              /* 1 = child of the root */
};

/* Build the tree of n events (any order, any kinds; only the process
 * fields are used). Returns NULL only on allocation failure. */
struct ptree *ptree_build(const struct ev *evs, size_t n);
void ptree_free(struct ptree *t);

/* Node index of (key, pid), or -1. pid < 0 matches any pid of that key
 * (the first one found). */
long ptree_find(const struct ptree *t, int64_t key, int64_t pid);
/* Node of a GUID string (any case, braces or not) and pid, or -1. */
long ptree_find_guid(const struct ptree *t, const char *guid, int64_t pid);
/* The acting process of an event (the new process for a process start),
 * or -1 (no GUID and no matching GUID-less process). */
long ptree_of_event(const struct ptree *t, const struct ev *e);

/* Ancestors of node i, oldest first, in a malloc'd array (*out, caller
 * frees; NULL when there are none) of *n entries. 0, or -1 on allocation
 * failure. */
int ptree_ancestors(const struct ptree *t, size_t i, size_t **out, size_t *n);
/* Descendants of node i in depth-first order, children by start time,
 * with their depth below i; same ownership and return as above. */
int ptree_descendants(const struct ptree *t, size_t i, struct pt_desc **out,
                      size_t *n);

#endif
