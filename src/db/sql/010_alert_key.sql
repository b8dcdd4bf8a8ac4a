-- 010_alert_key: the alert's natural key holds the path's digest, not the
-- path. A btree entry cannot exceed ~2.7 kB, and Windows paths reach 32,767
-- characters (an attacker chooses them): with the raw path in the key a
-- long path stopped the whole load (test_hostile_report). md5 here is a
-- key digest for equality, not security; sha256 NULL counts as one value
-- (as NULLS NOT DISTINCT did in 002).
ALTER TABLE alert DROP CONSTRAINT alert_endpoint_id_detected_at_path_sha256_key;
CREATE UNIQUE INDEX alert_natural_key
  ON alert (endpoint_id, detected_at, md5(path), coalesce(sha256, ''));
