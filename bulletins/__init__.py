"""The monthly bulletin: collect articles, compile, render, send through Mailchimp, track, learn.

Knows nothing of Slack or Flask: functions take a session and plain values and raise the domain
errors of `models.errors`; Mailchimp is reached through the `Mailer` port in `bulletins.mailer`.
"""
