"""Who a notice or a survey reaches, chosen from the registry of organisations and their services.

Notices and surveys both need "these organisations' people" from criteria a sender can say in a
sentence (ages 0–5, two service categories, the safeguarding theme, one board); the choosing lives
here once so both count the same people the same way. See `audience.selection`.
"""
