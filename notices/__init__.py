"""Targeted notices (issue 17): safeguarding updates, training, service changes and general notices sent
as one DM per person to an audience chosen from the registry, with acknowledgements, places on training,
reminders before the deadline and a summary to the sender when it passes.

Modules: `senders` (who may send), `compose` (a draft, its audience shown, then confirmed), `delivery`
(sending now or when scheduled), `responses` (read and understood; asking for a place), `reminders`
(nudges in working hours, the deadline summary), `ports` (the plain views the Slack layer renders).
"""
