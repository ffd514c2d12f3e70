"""Intake: what organisations send the network from Slack, and the rules each submission follows.

Raising an issue (and routing it at once: "raise, then route"), a monthly waiting-list return,
feedback, joining the network and the officer's decision (approving a registration routes the
issues held while it waited), each stored once per Slack delivery with a `LU-YYYY-NNNN` reference.
The tables live in `models/`; the routing itself in `escalations/`. Knows nothing of Slack, Flask
or Bolt: functions take a session and plain values and raise the errors of `models.errors`.
"""
