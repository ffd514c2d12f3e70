"""Web pages and endpoints besides `/slack/events`, as Flask blueprints.

Each module listed here has a blueprint named `bp`; `create_app` registers them in this order.
"""

WEB_MODULES: tuple[str, ...] = (
    "bot.web.hardening",
    "bot.web.dashboard",
    "bot.web.openreferral",
    "bot.web.mailchimp",
    "bot.web.bulletins",
    "bot.web.calendar",
)
