"""Every action_id, callback_id, shortcut id and form field id, named once, so listeners and views agree.

One StrEnum per area. Input block ids equal the domain's field names, so a `ValidationError` from a
domain lands on the right field of the modal without any mapping. `tests/test_app.py` checks the
listeners registered against `slack/manifest.yml`.
"""

from __future__ import annotations

import enum

COMMAND = "/linkedup"


class Shortcut(enum.StrEnum):
    RAISE_ISSUE = "raise_linkedup_issue"


# --- Intake: the forms, the decisions on them and the App Home -------------------------------------


class IntakeCallback(enum.StrEnum):
    ISSUE = "linkedup_issue"
    JOIN = "linkedup_join"
    WAITING_RETURN = "linkedup_waiting_return"
    FEEDBACK = "linkedup_feedback"
    DECLINE_REASON = "linkedup_decline_reason"
    FEEDBACK_REPLY = "linkedup_feedback_reply"
    RECEIPT = "linkedup_receipt"
    NOTICE = "linkedup_notice"


class IntakeAction(enum.StrEnum):
    OPEN_ISSUE_FORM = "open_issue_form"
    OPEN_RETURN_FORM = "open_return_form"
    OPEN_FEEDBACK_FORM = "open_feedback_form"
    OPEN_JOIN_FORM = "open_join_form"
    RAISE_FROM_MENTION = "raise_from_mention"
    APPROVE_REQUEST = "approve_join_request"
    DECLINE_REQUEST = "decline_join_request"
    REPLY_TO_FEEDBACK = "reply_to_feedback"
    HOME_PAGE_PREVIOUS = "home_page_previous"
    HOME_PAGE_NEXT = "home_page_next"
    PICK_ORGANISATION = "pick_organisation"  # type-ahead in the join form
    PICK_SERVICE = "pick_service"  # type-ahead in the return form (organisations with > 100 services)
    ADD_SERVICE = "join_add_service"  # another group of service fields in the join form
    FIELD = "field"  # the element inside an input block; the block id names the field


class IssueField(enum.StrEnum):
    TITLE = "title"
    DESCRIPTION = "description"
    THEME = "theme"
    URGENCY = "urgency"
    AGE_RANGE = "affected_age_range"
    GROUP = "affected_group"
    SENSITIVE = "sensitive"
    PUBLISH = "publish_allowed"


class JoinField(enum.StrEnum):
    EXISTING = "existing_organisation"
    NAME = "name"
    SCHEME = "scheme"
    IDENTIFIER = "identifier"
    EMAIL = "contact_email"
    CONSENT = "bulletin_consent"


class ReturnField(enum.StrEnum):
    SERVICE = "service"
    PERIOD = "period"
    NUMBER_WAITING = "number_waiting"
    NEW_REFERRALS = "new_referrals"
    MEDIAN_WAIT = "median_wait_weeks"
    LONGEST_WAIT = "longest_wait_weeks"
    CAPACITY = "capacity_status"
    NOTES = "notes"


class FeedbackField(enum.StrEnum):
    ABOUT = "about"
    SUBJECT = "subject"
    RATING = "rating"
    COMMENT = "comment"
    REPLY_WANTED = "reply_wanted"


class DecisionField(enum.StrEnum):
    REASON = "reason"
    REPLY = "reply"


# --- Escalations: cards, reminders, answers, the triage queue and their modals ----------------------


class EscalationAction(enum.StrEnum):
    """Button action ids on cards, reminders, answers and the triage queue."""

    ACKNOWLEDGE = "escalation_acknowledge"
    RESPOND = "escalation_respond"
    REASSIGN = "escalation_reassign"
    ESCALATE = "escalation_escalate"
    SNOOZE = "escalation_snooze"
    SATISFIED = "escalation_satisfied"
    NOT_SATISFIED = "escalation_not_satisfied"
    ROUTE = "escalation_route"
    CHANGE_THEME = "escalation_change_theme"


class EscalationCallback(enum.StrEnum):
    """Modal callback ids."""

    RESPOND = "escalation_respond_modal"
    REASSIGN = "escalation_reassign_modal"
    ESCALATE = "escalation_escalate_modal"
    NOT_SATISFIED = "escalation_not_satisfied_modal"
    ROUTE = "escalation_route_modal"
    THEME = "escalation_theme_modal"


ESCALATION_FIELD = "value"  # the one action id inside each escalation modal input


# --- The monthly bulletin ---------------------------------------------------------------------------


class BulletinAction(enum.StrEnum):
    APPROVE_ARTICLE = "bulletin_article_approve"
    REJECT_ARTICLE = "bulletin_article_reject"
    SCHEDULE = "bulletin_approve_schedule"
    SEND_NOW = "bulletin_send_now"
    RETRY = "bulletin_retry"
    PREVIEW_LINK = "bulletin_preview_link"
    COMPILE = "bulletin_compile"
    RESCHEDULE = "bulletin_reschedule"
    SEND_NOW_INSTEAD = "bulletin_send_now_instead"
    CANCEL_SCHEDULE = "bulletin_cancel_schedule"
    VALUE = "value"  # the one action id inside each modal input


class BulletinView(enum.StrEnum):
    ARTICLE = "bulletin_article"
    SCHEDULE = "bulletin_schedule"
    REJECT_ARTICLE = "bulletin_article_reject_reason"


# --- Surveys ("Have your say") -----------------------------------------------------------------------


class SurveyCallback(enum.StrEnum):
    CREATE = "survey_create"
    CONFIRM = "survey_confirm"  # the audience's count, before sending
    ANSWER = "survey_answer"  # one page of the answer modal


class SurveyAction(enum.StrEnum):
    ANSWER = "survey_answer_open"
    PREVIEW = "survey_preview"
    OPEN = "survey_open"
    FIELD = "field"  # the element inside an input block; the block id names the field


class SurveyField(enum.StrEnum):
    TITLE = "title"
    INTRODUCTION = "introduction"
    QUESTIONS = "questions"
    AUDIENCE = "audience"
    CATEGORIES = "categories"
    AGES = "ages"
    ORGANISATIONS = "organisations"
    OPTIONS = "options"  # anonymous, one answer per organisation
    CLOSES = "closes"
    REMINDERS = "reminders"


# --- Targeted notices (issue 17) ----------------------------------------------------------------------


class NoticeAction(enum.StrEnum):
    ACKNOWLEDGE = "notice_acknowledge"
    REQUEST_PLACE = "notice_request_place"
    COMPOSE = "notice_compose_open"  # the sender's App Home button
    OPEN_LINK = "notice_open_link"  # a link button: Slack opens the address, we only acknowledge
    VALUE = "value"  # the one action id inside each notice modal input


class NoticeCallback(enum.StrEnum):
    COMPOSE = "notice_compose"
    CONFIRM = "notice_confirm"


class NoticeField(enum.StrEnum):
    """Input block ids: equal to the domain's field names, so its errors land on the right field."""

    KIND = "kind"
    TITLE = "title"
    BODY = "body"
    LINK = "link"
    AUDIENCE = "audience"  # everyone / the boards' members too
    CATEGORIES = "categories"
    AGES = "ages"
    THEMES = "themes"
    BOARDS = "boards"
    ORGANISATIONS = "organisations"
    REACH = "reach"
    ACKNOWLEDGEMENT = "acknowledgement"
    DEADLINE = "deadline"
    SEND_AT = "send_at"
    PLACES = "places"
    CHANNEL = "channel"


class AudienceAction(enum.StrEnum):
    """The notice and survey forms' shared pickers."""

    # Type-ahead for named organisations, used instead of a list when the network has more than 100.
    PICK_ORGANISATIONS = "audience_pick_organisations"
