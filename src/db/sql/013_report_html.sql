-- 013_report_html: the monthly report (SPEC R-25) is kept and mailed as
-- HTML as well as Markdown.
--
-- * report.html: the HTML rendering of the same report (same data, same
--   language as body), stored by itrace-cmdd in the transaction that
--   publishes a monthly report. NULL: the report has no HTML form (quick
--   and explanatory reports are Markdown only; monthly reports published
--   before this migration). GET /v1/reports/{id}?format=html serves it.
-- * outbox.html: when set, the mail is multipart/alternative with body as
--   its text/plain part and html as its text/html part (src/cmdd/mail.c);
--   NULL keeps the single text/plain message.
ALTER TABLE report ADD COLUMN html text;
ALTER TABLE outbox ADD COLUMN html text;
