"""What erasure does to every text column of the schema, decided once per column, here.

Erasure follows this table, not a list of values someone remembered: every String, Text and JSON
column of every table is either not personal (`KEEP`, with the reason) or given a rule. A column
added later without a line here fails `tests/test_erasure_canaries.py`, so whoever adds it decides
whether it can hold an organisation's data.

Rules, for the rows held about the organisation (its footprint, `privacy.footprint`) and for the
rest of the table:

- `CLEAR` — the organisation's own free text: emptied on its rows.
- `LABEL` — a name the reports show: replaced on its rows by a neutral label (`LABELS`).
- `CATEGORY` — a service category: a term other organisations also use is kept (the figures group by
  it); one only this organisation used is replaced like a label.
- `PERSON` — a Slack id of its people: becomes "erased" on every row of the table (rows that exist
  only for that person — members, sign-in links, dashboard sessions — are deleted instead).
- `EMAIL` — an e-mail address of the organisation: emptied on every row that holds it.
- `PEOPLE` — a JSON list of Slack ids: its people taken out.
- `SCRUB` — a derived copy (queued Slack payloads, audit details, compiled bulletins, errors): on its
  own rows emptied, on every other row each erased value is replaced wherever it was copied — quoted,
  clipped, escaped or re-wrapped (`privacy.scrub`).
- `DETAIL` — an escalation history line's detail: scrubbed on every row; on the organisation's history
  what a person wrote (notes, answers, reasons) is replaced and the bookkeeping kept.
"""

from __future__ import annotations

KEEP = "keep"
CLEAR = "clear"
LABEL = "label"
CATEGORY = "category"
PERSON = "person"
EMAIL = "email"
PEOPLE = "people"
SCRUB = "scrub"
DETAIL = "detail"

# A rule, or (KEEP, why it is not personal).
COLUMN_RULES: dict[str, dict[str, str | tuple[str, str]]] = {
    "organisations": {
        "slug": CLEAR,
        "name": LABEL,
        "org_identifier": CLEAR,
        "contact_email": EMAIL,
        "status": (KEEP, "an approval state"),
    },
    "services": {"name": LABEL, "category": CATEGORY},
    "members": {"slack_user_id": PERSON, "role": (KEEP, "a role name"), "display_name": CLEAR},
    "issues": {
        "reference": (KEEP, "the reference the reports and boards count by"),
        "raised_by": PERSON,
        "title": LABEL,
        "description": CLEAR,
        "urgency": (KEEP, "a level the reports count"),
        "affected_age_range": (KEEP, "an age band the reports count"),
        "affected_group": CLEAR,
        "source": (KEEP, "where it came in: slack, shortcut, mention"),
        "source_link": CLEAR,
        "status": (KEEP, "a state the reports count"),
        "answer_text": CLEAR,
    },
    "escalations": {
        "state": (KEEP, "a state the reports count"),
        "ladder": (KEEP, "board slugs"),
        "acknowledged_by": PERSON,
        "responded_by": PERSON,
        "outcome": (KEEP, "an outcome the reports count"),
        "answer": CLEAR,
        "decline_reason": CLEAR,
        "next_step": (KEEP, "what the sweep does next"),
        "card_channel": (KEEP, "a board channel id"),
        "card_ts": (KEEP, "a Slack message timestamp"),
    },
    "escalation_events": {
        "actor": PERSON,
        "kind": (KEEP, "what happened"),
        "from_state": (KEEP, "a state"),
        "to_state": (KEEP, "a state"),
        "from_board": (KEEP, "a board slug"),
        "to_board": (KEEP, "a board slug"),
        "detail": DETAIL,
    },
    "waiting_list_returns": {
        "reference": (KEEP, "the reference the reports count by"),
        "capacity_status": (KEEP, "a status the reports count"),
        "notes": CLEAR,
        "submitted_by": PERSON,
    },
    "return_reminders": {"recipients": PEOPLE},
    "feedback": {
        "reference": (KEEP, "the reference"),
        "slack_user_id": PERSON,
        "about": (KEEP, "the kind of subject the reports count"),
        "subject": CLEAR,
        "comment": CLEAR,
        "replied_by": PERSON,
        "reply_text": CLEAR,
    },
    "join_requests": {
        "reference": (KEEP, "the reference"),
        "kind": (KEEP, "register or join"),
        "slack_user_id": PERSON,
        "status": (KEEP, "a decision state"),
        "reason": CLEAR,
        "decided_by": PERSON,
    },
    "bulletin_contacts": {"email": EMAIL, "status": (KEEP, "a subscription state"), "reason": CLEAR},
    "articles": {
        "month": (KEEP, "the bulletin month"),
        "title": LABEL,
        "link": LABEL,
        "summary": CLEAR,
        "category": (KEEP, "one of the bulletin's fixed categories"),
        "source": (KEEP, "where it came from: slack or the feed"),
        "status": (KEEP, "a decision state"),
        "submitted_by": PERSON,
        "decided_by": PERSON,
    },
    "audit_log": {
        "actor": PERSON,
        "action": (KEEP, "what was done"),
        "entity": (KEEP, "the kind of row"),
        "entity_id": PERSON,
        "before": SCRUB,
        "after": SCRUB,
    },
    "outbox": {
        "key": SCRUB,
        "topic": SCRUB,  # a record's kind and number (issue:12:status), or a leaver's Slack id (left:U…)
        "method": (KEEP, "a Slack method name"),
        "payload": SCRUB,
        "status": (KEEP, "a delivery state"),
        "last_error": SCRUB,
        "result": SCRUB,
    },
    "slack_deliveries": {"key": SCRUB, "kind": (KEEP, "a request kind"), "result": SCRUB},
    "sign_in_links": {"nonce": (KEEP, "a random nonce"), "slack_user_id": PERSON},
    "email_links": {"nonce": (KEEP, "a random nonce"), "action": (KEEP, "what the link may do")},
    "dashboard_sessions": {"token_hash": (KEEP, "a hash of a random token"), "slack_user_id": PERSON},
    "bulletins": {
        "month": (KEEP, "the bulletin month"),
        "state": (KEEP, "a state"),
        "subject": SCRUB,
        "preview_text": SCRUB,
        "html": SCRUB,
        "text": SCRUB,
        "web_html": SCRUB,
        "web_key": (KEEP, "a random key in the web copy's address"),
        "links": SCRUB,
        "category_order": (KEEP, "the bulletin's fixed categories"),
        "summary": SCRUB,
        "approved_by": PERSON,
        "send_mode": (KEEP, "how it is sent"),
        "campaign_title": SCRUB,
        "campaign_id": (KEEP, "Mailchimp's campaign id"),
        "failed_step": (KEEP, "a step name"),
        "last_error": SCRUB,
        "lease_owner": (KEEP, "a worker's name"),
    },
    "bulletin_reports": {"checkpoint": (KEEP, "a checkpoint name")},
    "link_clicks": {
        "mailchimp_link_id": (KEEP, "Mailchimp's link id"),
        "url": SCRUB,
        "category": (KEEP, "one of the bulletin's fixed categories"),
    },
    "mailchimp_webhook_events": {
        "key": (KEEP, "a digest of the event"),
        "type": (KEEP, "an event type"),
        "email": EMAIL,
        "fired_at": (KEEP, "a time"),
        "result": SCRUB,
    },
    # The network file's own rows: the officer's configuration, not an organisation's data. A board
    # role held by one of its people is kept and named in the erasure plan.
    "networks": {
        "slug": (KEEP, "network file"),
        "name": (KEEP, "network file"),
        "settings": (KEEP, "network file"),
        "file_digest": (KEEP, "a digest"),
    },
    "boards": {
        "slug": (KEEP, "network file"),
        "name": (KEEP, "network file"),
        "short_name": (KEEP, "network file"),
        "slack_channel": (KEEP, "network file"),
        "chair_slack_user_id": (KEEP, "a board role from the network file"),
        "representative_slack_user_id": (KEEP, "a board role from the network file"),
        # A board member's work address (council, NHS, police): the network's own configuration, not
        # an organisation's data; kept out of logs, the Open Referral API and the bulletin.
        "chair_email": (KEEP, "a board role's work address from the network file"),
        "representative_email": (KEEP, "a board role's work address from the network file"),
        "cadence": (KEEP, "network file"),
        "description": (KEEP, "network file"),
    },
    "board_members": {
        "slack_user_id": (KEEP, "a board role from the network file"),
        "email": (KEEP, "a board member's work address from the network file (never logged or published)"),
        "name": (KEEP, "a board member's name from the network file"),
    },
    "slack_names": {"slack_user_id": PERSON, "name": CLEAR},
    # Surveys: the officer writes the survey; what members answer is theirs. An anonymous answer has no
    # person or organisation to find it by (that is what makes it anonymous), so it stays.
    "surveys": {
        "title": (KEEP, "the officer's survey"),
        "introduction": (KEEP, "the officer's survey"),
        "questions": (KEEP, "the officer's questions"),
        "audience": (KEEP, "the officer's choice of categories, ages and boards"),
        "audience_text": (KEEP, "a count of people and organisations"),
        "reminder_days": (KEEP, "numbers of working days"),
        "state": (KEEP, "a state"),
        "created_by": (KEEP, "the officer who sent it"),
        "source": (KEEP, "where it came from: slack, file, simulation"),
    },
    "survey_recipients": {"slack_user_id": PERSON},
    # A named answer's person is emptied (CLEAR), not "erased": one organisation's several people may
    # have answered one survey, and (survey, person) is unique.
    "survey_responses": {"slack_user_id": CLEAR, "answers": CLEAR},
    "survey_drafts": {"token": (KEEP, "a random token"), "answers": CLEAR},
    # Notices: the sender (an officer or a sending board's member) writes them to the network; who they
    # reached is each person's row, deleted with the person (`privacy.erase.ROWS_OF_A_PERSON`).
    "notices": {
        "kind": (KEEP, "a kind the reports count"),
        "status": (KEEP, "a state"),
        "title": (KEEP, "the sender's notice to the network"),
        "body": (KEEP, "the sender's notice to the network"),
        "link": (KEEP, "the sender's link"),
        "sender_slack_user_id": (KEEP, "an officer or a sending board's member"),
        "audience": (KEEP, "the sender's choice of categories, ages, themes, boards and organisations"),
        "audience_summary": (KEEP, "a count of people and organisations"),
        "channel": (KEEP, "a channel id"),
    },
    "notice_recipients": {"slack_user_id": PERSON, "name": CLEAR, "place": (KEEP, "a place state")},
    "themes": {
        "slug": (KEEP, "network file"),
        "name": (KEEP, "network file"),
        "keywords": (KEEP, "network file"),
    },
    "meetings": {
        "title": (KEEP, "a board meeting"),
        "location": (KEEP, "a board meeting"),
        "source": (KEEP, "where it came from"),
        "uid": (KEEP, "a calendar id"),
    },
    "reference_counters": {"prefix": (KEEP, "a reference prefix")},
}

LABELS = {
    ("organisations", "name"): "Erased organisation {id}",
    ("services", "name"): "Service {id}",
    ("issues", "title"): "Erased issue",
    ("articles", "title"): "Erased article",
    # Unique per month and shown as a link: an address that can never resolve (RFC 6761 .invalid).
    ("articles", "link"): "https://erased.invalid/article/{id}",
}
ERASED_CATEGORY = "erased category"


def rule_of(table: str, column: str) -> str | None:
    """The rule for one column (KEEP for a not-personal one), or None when nobody decided."""
    rule = COLUMN_RULES.get(table, {}).get(column)
    return rule[0] if isinstance(rule, tuple) else rule


def columns_with(*rules: str) -> dict[str, list[str]]:
    """table → its columns under any of `rules`."""
    found: dict[str, list[str]] = {}
    for table, columns in COLUMN_RULES.items():
        for column in columns:
            if rule_of(table, column) in rules:
                found.setdefault(table, []).append(column)
    return found
