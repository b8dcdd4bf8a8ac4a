-- 011_escalation_reason: an escalation to professional services (SPEC R-29)
-- keeps the reason the analyst gave; before this it was validated and
-- dropped.
ALTER TABLE alert ADD COLUMN escalation_reason text;
