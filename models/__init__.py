"""SQLAlchemy models and the domain operations on them. Knows nothing of Slack or Flask."""

from models.base import Base
from models.bulletins import (
    Article,
    Bulletin,
    BulletinContact,
    BulletinReport,
    LinkClick,
    MailchimpWebhookEvent,
)
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
from models.outbox import OutboxMessage, OutboxStatus
from models.people import SlackName
from models.records import AuditLog, ReferenceCounter, SlackDelivery
from models.returns import CapacityStatus, ReturnReminder, WaitingListReturn
from models.sign_in import DashboardSession, SignInLink

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
    "Member",
    "MemberRole",
    "Network",
    "Organisation",
    "OrganisationStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Outcome",
    "ReferenceCounter",
    "RequestKind",
    "RequestStatus",
    "ReturnReminder",
    "Service",
    "SignInLink",
    "SlackDelivery",
    "SlackName",
    "Theme",
    "Urgency",
    "WaitingListReturn",
]
