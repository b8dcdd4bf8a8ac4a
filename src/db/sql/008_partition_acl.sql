-- 008_partition_acl: itrace_event_partition() is SECURITY DEFINER (it
-- creates event partitions as the schema owner) and, like every function,
-- was executable by PUBLIC: the console's read-only role could create
-- tables through it. Only the roles that load events may run it.
REVOKE ALL ON FUNCTION itrace_event_partition(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION itrace_event_partition(date) TO itrace_cmdd, itrace_ingest;
