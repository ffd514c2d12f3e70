"""SQLAlchemy models and the domain operations on them. Knows nothing of Slack or Flask."""

from models.attendance import MeetingAttendance
from models.base import Base
from models.bulletins import (
    Article,
    Bulletin,
    BulletinContact,
    BulletinReport,
    LinkClick,
    MailchimpWebhookEvent,
)
from models.email_links import EmailLink
from models.escalations import Escalation, EscalationEvent, EscalationState, Outcome
from models.feedback import Feedback, FeedbackAbout
from models.issues import Issue, IssueStatus, Urgency
from models.joining import JoinRequest, RequestKind, RequestStatus
from models.network import (
    Board,
    BoardMember,
    Meeting,
    Member,
    MemberRole,
    Network,
    Organisation,
    OrganisationStatus,
    Service,
    Theme,
)
from models.notices import Notice, NoticeKind, NoticeRecipient, NoticeStatus, PlaceStatus
from models.outbox import OutboxMessage, OutboxStatus
from models.people import SlackName
from models.records import AuditLog, ReferenceCounter, SlackDelivery
from models.returns import CapacityStatus, ReturnReminder, WaitingListReturn
from models.sign_in import DashboardSession, SignInLink
from models.surveys import Survey, SurveyDraft, SurveyRecipient, SurveyResponse, SurveyState

__all__ = [
    "Article",
    "AuditLog",
    "Base",
    "Board",
    "BoardMember",
    "Bulletin",
    "BulletinContact",
    "BulletinReport",
    "CapacityStatus",
    "DashboardSession",
    "EmailLink",
    "Escalation",
    "EscalationEvent",
    "EscalationState",
    "Feedback",
    "FeedbackAbout",
    "Issue",
    "IssueStatus",
    "JoinRequest",
    "LinkClick",
    "MailchimpWebhookEvent",
    "Meeting",
    "MeetingAttendance",
    "Member",
    "MemberRole",
    "Network",
    "Notice",
    "NoticeKind",
    "NoticeRecipient",
    "NoticeStatus",
    "Organisation",
    "OrganisationStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Outcome",
    "PlaceStatus",
    "ReferenceCounter",
    "RequestKind",
    "RequestStatus",
    "ReturnReminder",
    "Service",
    "SignInLink",
    "SlackDelivery",
    "SlackName",
    "Survey",
    "SurveyDraft",
    "SurveyRecipient",
    "SurveyResponse",
    "SurveyState",
    "Theme",
    "Urgency",
    "WaitingListReturn",
]
