"""Reporting: what the network's records add up to, always within what the viewer may see.

Who may see what (`access`, and its SQL shapes in `scope`); the dashboard's issues list and history
(`issues`), overview figures (`open_issues`), boards' timeliness (`timeliness`), waiting lists
(`waiting`), bulletins (`bulletins`) and meetings (`meetings`), with `paging` and `periods` for all
of them; the quarterly report to the Children's Trust Board (`board_report`); an organisation's own
overview and the officer's triage list in Slack (`overview`, `triage`); and the Open Referral
directory of services (`open_referral`). Reporting reads the domains (models, escalations, bulletins,
intake); no domain imports reporting.
"""
