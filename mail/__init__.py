"""E-mail bodies (plain text and HTML) for people outside Slack: the counterpart of handlers/*_views.

Knows neither Slack nor Flask; the domain's plain views come in, `{subject, text, html}` goes out.
"""
