"""Reporting: what the network's records add up to, always within what the viewer may see.

The dashboard's queries (`dashboard`, `waiting`, `bulletins`) and who may see what (`access`), the
quarterly report to the Children's Trust Board (`board_report`), an organisation's own overview and the
officer's triage list (`overview`, `triage`), and the Open Referral directory of services
(`open_referral`). Reporting reads the domains (models, escalations, bulletins, intake); no domain
imports reporting.
"""
