"""Writes to oversight reports (R-REP-1, R-REP-2): draft, refresh, issue, render, alert, and oversight profiles
— one module per concept; callers import the module (no re-exports here).

A report moves draft → issued, once (``report_issue``). Drafts are (re)computed and rendered by a tracked job
(``report_job_execute``, run by the Celery task ``report_job_run``); issuing recomputes the figures at that moment
(R-REP-1a), anchors and publishes the access log's head (R-AUD-1b), and renders the final PDFs from those figures
and freezes them. Issued figures and PDFs are never written again: the services refuse, and
on PostgreSQL triggers refuse too.
"""
