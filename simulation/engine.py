"""A year of the network, played through the real domain functions on a frozen, advancing clock.

Events sit in a time-ordered queue. Each one sets the clock (`models.base.frozen_clock`, so every
`utcnow()` and column default in the domain reads simulated time), then runs in its own transaction
exactly as a Slack listener or a scheduled job would: organisations apply and the officer decides,
members raise issues that are routed (or go to the officer's triage), boards acknowledge, answer,
re-assign or let deadlines pass, the deadline sweep reminds and climbs the ladder, organisations
accept answers or say they are not satisfied, waiting-list returns come in (or are chased, or
missed), articles are submitted and decided, the bulletin is compiled, approved, sent and tracked
through a simulated Mailchimp behind the `Mailer` port. After each event the outbox is delivered by
a simulated Slack (`simulation.slack`).

Only the far side of the two ports is simulated; no row is inserted behind the domain's back. Rows
the simulation makes are marked `simulated` (organisations, issues, articles, bulletins); the rest
(services, members, escalations, returns, reports…) belong to those.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import random
import time as timer
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from bulletins.articles import decide_article, pending_articles, submit_article
from bulletins.compile import compile_bulletin
from bulletins.config import bulletin_config, month_of
from bulletins.send import approve_bulletin, deliver_bulletin
from bulletins.tracking import CHECKPOINTS, poll_reports
from escalations import flows
from escalations.messages import officers
from escalations.ports import Renderer
from escalations.sweep import sweep
from escalations.working_days import add_working_days, at_london, in_working_hours, is_working_day
from models.base import frozen_clock
from models.bulletins import Bulletin, BulletinState
from models.db import transaction
from models.errors import DomainError, NotAllowed
from models.escalations import AWAITING_BOARD, Escalation, EscalationState
from models.feedback import awaiting_reply, give_feedback, reply_to_feedback
from models.intake import AGE_RANGES, IssueSource, raise_issue
from models.issues import Issue, IssueStatus, Urgency
from models.joining import JoinRequest, RequestStatus, apply_to_network, decide_request
from models.network import (
    Board,
    Member,
    MemberRole,
    Network,
    Organisation,
    OrganisationStatus,
    Service,
    Theme,
)
from models.outbox import enqueue
from models.returns import (
    CapacityStatus,
    claim_reminder,
    due_reminders,
    period_value,
    record_return,
    reminder_day,
)
from simulation import content
from simulation.health import HealthFigures, network_health
from simulation.mailer import SimulatedMailer
from simulation.slack import PlainRenderer, SimulatedSlack

log = logging.getLogger(__name__)

LONDON = ZoneInfo("Europe/London")
MAX_MONTHS = 36
SWEEP_TIMES = (time(9, 5), time(18, 5))
# Events after which new escalations may exist (routing, approval, the sweep's climb, a board's move).
ACTIVE_STATUSES = (IssueStatus.RECEIVED, IssueStatus.ACKNOWLEDGED, IssueStatus.ANSWERED)
STARTS_ESCALATIONS = frozenset({"raise", "decide", "officer_route", "sweep", "reassign", "escalate"})
ISSUES_PER_ORGANISATION_DAY = 0.04
ARTICLES_PER_DAY = 0.5
FEEDBACK_PER_DAY = 0.08
ARTICLE_LAST_DAY = 20
SIM_USER_PREFIX = "U0SIM"

Remind = Callable[[sessionmaker, date], int]


class SimulationRefused(NotAllowed):
    """The database is not one a simulation may write to; the message says why and what to do."""


@dataclass
class OrganisationState:
    id: int
    name: str
    members: list[str]
    themes: tuple[str, ...]
    status: OrganisationStatus
    return_habit: float
    issue_rate: float
    waiting: dict[int, float] = field(default_factory=dict)
    colleague_expected: bool = False  # a second member will ask to join


@dataclass(order=True)
class Event:
    at: datetime
    sequence: int
    name: str = field(compare=False)
    args: tuple = field(compare=False, default=())


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: small means only (a day's issues, articles)."""
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())[:60]


def default_start(months: int, *, today: date | None = None) -> date:
    """The day `months` months before today, so that the simulated period ends now."""
    today = today or datetime.now(UTC).astimezone(LONDON).date()
    index = today.year * 12 + today.month - 1 - months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(today.day, 28))


def _months_after(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, min(day.day, 28))


class Simulation:
    """One simulated period; `run()` plays it and returns the health figures counted afterwards."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        months: int,
        seed: int,
        start: date,
        render: Renderer | None = None,
        remind: Remind | None = None,
    ):
        if not 1 <= months <= MAX_MONTHS:
            raise SimulationRefused(f"Simulate between 1 and {MAX_MONTHS} months, not {months}.")
        self.session_factory = session_factory
        self.months = months
        self.seed = seed
        self.rng = random.Random(f"linkedup-simulation:{seed}")
        self.start = datetime.combine(start, time(0, 0), LONDON).astimezone(UTC)
        self.end = datetime.combine(_months_after(start, months), time(0, 0), LONDON).astimezone(UTC)
        self.render = render or PlainRenderer()
        self.remind = remind
        self.queue: list[Event] = []
        self.sequence = itertools.count()
        self.now = self.start
        self.activity: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.organisations: dict[int, OrganisationState] = {}
        self.plans_upto = 0
        self.users = itertools.count(1)
        self.article_numbers = itertools.count(1)
        self.officer_has_work = False  # articles or feedback waiting for the officer
        self.slack = SimulatedSlack()
        self.mailer: SimulatedMailer | None = None
        self._move: Callable[[datetime], None] | None = None

    # ------------------------------------------------------------------------------------ running
    def run(self) -> HealthFigures:
        started = timer.perf_counter()
        with frozen_clock(self.start) as move:
            self._move = move
            self._prepare()
            while self.queue:
                event = heapq.heappop(self.queue)
                if event.at >= self.end:
                    break
                self._at(event.at)
                self._do(event.name, *event.args)
            self._at(self.end - timedelta(seconds=1))
            with transaction(self.session_factory) as session:
                self.slack.deliver(session, now=self.now)
            with self.session_factory() as session:
                figures = network_health(session, since=self.start, until=self.end, simulated=True)
        self.activity["seconds"] = round(timer.perf_counter() - started)
        figures.activity.update(self.activity)
        if self.refused:
            log.info("simulation: actions refused by the domain: %s", dict(self.refused))
        return figures

    def _at(self, moment: datetime) -> None:
        self.now = max(self.now, moment)
        self._move(self.now)

    def push(self, at: datetime, name: str, *args) -> None:
        if at < self.end:
            heapq.heappush(self.queue, Event(max(at, self.now), next(self.sequence), name, args))

    def _do(self, name: str, *args) -> None:
        """Run one event in its own transaction, then deliver the outbox and plan new escalations."""
        action = getattr(self, f"_{name}")
        try:
            if getattr(action, "own_sessions", False):
                action(*args)
            else:
                with transaction(self.session_factory) as session:
                    action(session, *args)
                    self._settle(session, name)
                return
        except DomainError as exc:
            self.refused[name] += 1
            log.debug("simulated %s refused at %s: %s", name, self.now.isoformat(), exc)
        with transaction(self.session_factory) as session:
            self._settle(session, name)

    def _settle(self, session: Session, name: str) -> None:
        """After an event that can start an escalation, the new escalation gets its board's behaviour."""
        if name in STARTS_ESCALATIONS:
            session.flush()
            self._plan_escalations(session)

    # ------------------------------------------------------------------------------------ set-up
    def _prepare(self) -> None:
        with transaction(self.session_factory) as session:
            check_database(session)
            self.officer = officers(session)[0]
            config = bulletin_config(session)
            self.categories = [c.slug for c in config.categories]
            self.mailer = SimulatedMailer(seed=self.seed, list_size=config.expected_contacts or 232)
            self.reminder_day = reminder_day(session)
            self.themes = {t.slug: t for t in session.scalars(select(Theme).order_by(Theme.id))}
            self.theme_boards = {t.slug: t.board.slug for t in self.themes.values() if t.board is not None}
            self.boards = {b.slug: b.id for b in session.scalars(select(Board).order_by(Board.id))}
            self.private_boards = [
                b.slug
                for b in session.scalars(select(Board).where(Board.private.is_(True)).order_by(Board.id))
            ]
            self.compile_day = config.compile_day
            for organisation in session.scalars(
                select(Organisation)
                .where(Organisation.status != OrganisationStatus.DECLINED)
                .order_by(Organisation.id)
            ):
                members = sorted(m.slack_user_id for m in organisation.members if m.role == MemberRole.MEMBER)
                self._track(
                    organisation, members, content.ORGANISATION_THEMES.get(organisation.slug or "", ())
                )
            self.plans_upto = (
                session.scalar(select(Escalation.id).order_by(Escalation.id.desc()).limit(1)) or 0
            )
        day = self.start.astimezone(LONDON).date()
        last = (self.end - timedelta(seconds=1)).astimezone(LONDON).date()
        while day <= last:
            self.push(at_london(day, time(0, 1)), "new_day", day)
            day += timedelta(days=1)
        self._plan_joiners()
        self._plan_departure()

    def _track(self, organisation: Organisation, members: list[str], themes: tuple[str, ...]) -> None:
        self.organisations[organisation.id] = OrganisationState(
            id=organisation.id,
            name=organisation.name,
            members=list(members),
            themes=themes or tuple(self.rng.sample(sorted(content.THEME_WEIGHTS), 2)),
            status=organisation.status,
            return_habit=self.rng.uniform(0.62, 0.9),
            issue_rate=ISSUES_PER_ORGANISATION_DAY * self.rng.uniform(0.6, 1.5),
        )

    def _plan_joiners(self) -> None:
        span = (self.end - self.start).total_seconds()
        joiners = content.JOINERS[: max(1, round(len(content.JOINERS) * self.months / 12))]
        for index in range(len(joiners)):
            offset = span * (index + self.rng.uniform(0.2, 0.8)) / len(joiners)
            self.push(self._working_time(self.start + timedelta(seconds=offset)), "apply", index)

    def _plan_departure(self) -> None:
        """Mid-year a one-person organisation loses its worker (see `_leave`)."""
        if self.months >= 3:
            at = self.start + (self.end - self.start) * self.rng.uniform(0.3, 0.55)
            self.push(self._working_time(at), "leave")

    # ------------------------------------------------------------------------------------ time helpers
    def _working_time(
        self, moment: datetime, *, earliest: time = time(9, 0), latest_hour: float = 17.5
    ) -> datetime:
        """`moment` moved into working hours (a random time in the morning if it was outside)."""
        if in_working_hours(moment):
            return moment
        local = moment.astimezone(LONDON)
        day = local.date()
        if not is_working_day(day) or local.time() >= time(int(latest_hour), 0):
            day = add_working_days(day, 1)
        minutes = self.rng.randint(0, 150)
        return at_london(day, earliest) + timedelta(minutes=minutes)

    def _after_working_hours(self, start: datetime, hours: float) -> datetime:
        """`hours` of working time after `start` (9:00–17:30 days)."""
        moment = self._working_time(start)
        remaining = hours
        while remaining > 0:
            local = moment.astimezone(LONDON)
            day_end = at_london(local.date(), time(17, 30))
            left = (day_end - moment).total_seconds() / 3600
            if remaining <= left:
                return moment + timedelta(hours=remaining)
            remaining -= max(0.0, left)
            moment = at_london(add_working_days(local.date(), 1), time(9, 0))
        return moment

    def _working_day_at(self, day: date, *, hour: int, spread_minutes: int = 60) -> datetime:
        if not is_working_day(day):
            day = add_working_days(day, 1)
        return at_london(day, time(hour, 0)) + timedelta(minutes=self.rng.randint(0, spread_minutes))

    # ------------------------------------------------------------------------------------ the day
    def _new_day(self, session: Session, day: date) -> None:
        working = is_working_day(day)
        if working:
            # Deadlines fall at 18:00 and nudges wait for 09:00 on working days: the sweep runs just after.
            for moment in SWEEP_TIMES:
                self.push(at_london(day, moment), "sweep")
        if day.day == 1 or at_london(day, time(0, 0)) <= self.start + timedelta(days=1):
            self.push(at_london(day, time(0, 30)), "plan_returns", day)
        if day.day == self.reminder_day:
            self.push(at_london(day, time(10, 0)), "remind", day)
        if day.day == self.compile_day:
            self.push(at_london(day, time(7, 0)), "compile", month_of(at_london(day, time(12, 0))))
        if not working:
            return
        self.push(at_london(day, time(9, 30)) + timedelta(minutes=self.rng.randint(0, 45)), "officer_round")
        for state in sorted(self.organisations.values(), key=lambda s: s.id):
            if state.status == OrganisationStatus.DECLINED or not state.members:
                continue
            for _ in range(_poisson(self.rng, state.issue_rate)):
                self.push(self._random_office_time(day), "raise", state.id)
        if day.day <= ARTICLE_LAST_DAY:
            for _ in range(_poisson(self.rng, ARTICLES_PER_DAY)):
                self.push(self._random_office_time(day), "article", month_of(at_london(day, time(12, 0))))
        for _ in range(_poisson(self.rng, FEEDBACK_PER_DAY)):
            self.push(self._random_office_time(day), "feedback")

    def _random_office_time(self, day: date) -> datetime:
        return at_london(day, time(9, 0)) + timedelta(minutes=self.rng.randint(0, 8 * 60 + 15))

    # ------------------------------------------------------------------------------------ organisations
    def _new_user(self) -> str:
        return f"{SIM_USER_PREFIX}{next(self.users):05d}"

    def _apply(self, session: Session, index: int) -> None:
        joiner = content.JOINERS[index]
        user = self._new_user()
        stored = apply_to_network(
            session,
            slack_user_id=user,
            name=joiner.name,
            scheme="GB-CHC" if joiner.identifier else None,
            identifier=joiner.identifier,
            contact_email=joiner.email,
            bulletin_consent=joiner.consent,
            services="\n".join(joiner.services),
        )
        request = stored.record
        organisation = request.organisation
        organisation.simulated = True
        session.flush()
        self._track(organisation, [user], joiner.themes)
        self.activity["organisations registered"] += 1
        decide_at = self._working_day_at(
            add_working_days(self.now.astimezone(LONDON).date(), self.rng.randint(1, 4)), hour=10
        )
        self.push(decide_at, "decide", request.id, joiner.declined_reason)
        if joiner.declined_reason is None and self.rng.random() < 0.5:
            self.organisations[organisation.id].colleague_expected = True
            self.push(self.now + timedelta(days=self.rng.randint(14, 60)), "join_existing", organisation.id)

    def _join_existing(self, session: Session, organisation_id: int) -> None:
        user = self._new_user()
        stored = apply_to_network(
            session,
            slack_user_id=user,
            existing_organisation=str(organisation_id),
        )
        self.activity["requests to join an organisation"] += 1
        decide_at = self._working_day_at(
            add_working_days(self.now.astimezone(LONDON).date(), self.rng.randint(1, 3)), hour=10
        )
        self.push(decide_at, "decide", stored.record.id, None)

    def _decide(self, session: Session, request_id: int, declined_reason: str | None) -> None:
        decision = decide_request(
            session,
            request_id=str(request_id),
            officer=self.officer,
            approve=declined_reason is None,
            reason=declined_reason,
        )
        request: JoinRequest = decision.request
        state = self.organisations.get(request.organisation_id)
        if request.status == RequestStatus.DECLINED:
            self.activity["applications declined"] += 1
            if state is not None and request.organisation.status == OrganisationStatus.DECLINED:
                state.status = OrganisationStatus.DECLINED
            return
        self.activity["applications approved"] += 1
        if state is not None:
            state.status = request.organisation.status
            if request.slack_user_id not in state.members:
                state.members.append(request.slack_user_id)
        if request.organisation.status == OrganisationStatus.APPROVED:
            # What approving does for the organisation's issues kept while it waited.
            for routed in flows.route_pending_issues_of(
                session, request.organisation, now=self.now, render=self.render
            ):
                self._after_routing(routed)

    def _leave(self, session: Session) -> None:
        """The busiest one-person organisation's worker leaves and their Slack account is deactivated:
        answers to what they raised reach nobody until a colleague joins, a few weeks later."""
        single = [
            state
            for state in self.organisations.values()
            if len(state.members) == 1 and not state.colleague_expected
        ]
        if not single:
            return
        open_items = dict(
            session.execute(
                select(Issue.organisation_id, func.count(Issue.id))
                .where(Issue.status.in_(ACTIVE_STATUSES), Issue.organisation_id.in_([s.id for s in single]))
                .group_by(Issue.organisation_id)
            ).all()
        )
        state = max(single, key=lambda s: (open_items.get(s.id, 0), -s.id))
        user = state.members.pop()
        self.slack.deactivate(user, since=self.now)
        self.activity["members who left"] += 1
        self.push(self.now + timedelta(days=self.rng.randint(42, 70)), "join_existing", state.id)

    # ------------------------------------------------------------------------------------ issues
    def _raise(self, session: Session, organisation_id: int) -> None:
        state = self.organisations[organisation_id]
        if not state.members or state.status == OrganisationStatus.DECLINED:
            return
        template = self._template(state)
        weeks = self.rng.randint(6, 26)
        values = {
            "area": self.rng.choice(content.AREAS),
            "n": self.rng.randint(4, 40),
            "weeks": weeks,
            "service": self.rng.choice(content.SERVICES_FOR_TEXT),
        }
        sensitive = self.rng.random() < template.sensitive_share
        draw = self.rng.random()
        urgency = (
            Urgency.URGENT
            if draw < template.urgent_share
            else Urgency.SOON
            if draw < 0.35
            else Urgency.ROUTINE
        )
        theme = self.themes.get(template.theme)
        chooses_theme = theme is not None and self.rng.random() < 0.85
        raised = raise_issue(
            session,
            slack_user_id=self.rng.choice(state.members),
            title=template.title.format(**values),
            description=template.description.format(**values),
            theme_id=str(theme.id) if chooses_theme else None,
            urgency=urgency.value,
            sensitive=sensitive,
            publish_allowed=(not sensitive) and self.rng.random() < 0.6,
            affected_age_range=template.age_range if template.age_range in AGE_RANGES else None,
            affected_group=template.group,
            source=self.rng.choice(
                (IssueSource.COMMAND, IssueSource.COMMAND, IssueSource.MESSAGE, IssueSource.HOME)
            ),
        )
        issue = raised.issue
        issue.simulated = True
        session.flush()
        self.activity["issues raised"] += 1
        # What the issue form's listener does next: route it (held while the organisation is pending).
        decision = flows.route_received_issue(session, issue, now=self.now, render=self.render)
        self._after_routing(decision, intended=template.theme)

    def _template(self, state: OrganisationState) -> content.IssueTemplate:
        templates = [t for t in content.ISSUES if t.theme in self.themes]
        weights = [
            content.THEME_WEIGHTS.get(t.theme, 1.0) * (3.0 if t.theme in state.themes else 1.0)
            for t in templates
        ]
        return self.rng.choices(templates, weights=weights, k=1)[0]

    def _after_routing(self, decision: flows.RoutingDecision, *, intended: str | None = None) -> None:
        """An issue left in triage is routed by the (part-time) officer within a couple of working days."""
        if decision.kind != "triage":
            return
        self.activity["issues sent to triage"] += 1
        board = self.theme_boards.get(intended or "") or content.TRIAGE_BOARDS.get(intended or "")
        when = self._after_working_hours(self.now, self.rng.uniform(2, 16))
        self.push(when, "officer_route", decision.issue_id, board)

    def _officer_route(self, session: Session, issue_id: int, board_slug: str | None) -> None:
        issue = session.get(Issue, issue_id)
        if issue is None:
            return
        if board_slug is None and issue.theme is not None:
            board_slug = self.theme_boards.get(issue.theme.slug) or content.TRIAGE_BOARDS.get(
                issue.theme.slug
            )
        if issue.sensitive and board_slug not in self.private_boards:
            board_slug = self.private_boards[0] if self.private_boards else None
        if board_slug not in self.boards:
            board_slug = "early-help" if "early-help" in self.boards else sorted(self.boards)[0]
        flows.route_by_officer(
            session,
            reference=issue.reference,
            board=board_slug,
            actor=self.officer,
            reason="routed from triage by the officer",
            now=self.now,
            render=self.render,
        )
        self.activity["issues routed by the officer"] += 1

    # ------------------------------------------------------------------------------------ boards
    def _plan_escalations(self, session: Session) -> None:
        """Give each escalation that started since the last look its board's behaviour."""
        new = session.scalars(select(Escalation.id).where(Escalation.id > self.plans_upto)).all()
        if not new:
            return
        rows = session.scalars(select(Escalation).where(Escalation.id.in_(new)).order_by(Escalation.id)).all()
        for escalation in rows:
            self.plans_upto = escalation.id
            if escalation.state == EscalationState.OPEN:
                self._plan_board_turn(escalation)

    def _plan_board_turn(self, escalation: Escalation) -> None:
        rung = escalation.current_rung
        habit = content.BOARD_HABITS.get(rung.get("slug") or "", content.DEFAULT_HABIT)
        started = escalation.started_at
        speed = 0.5 if escalation.urgent else 1.0
        acknowledged = started
        if self.rng.random() < habit.acknowledges:
            hours = self.rng.expovariate(1 / (habit.acknowledge_hours * speed))
            acknowledged = self._after_working_hours(started, min(hours, 60.0))
            self.push(acknowledged, "acknowledge", escalation.id)
        draw = self.rng.random()
        if draw < habit.reassigns and not escalation.issue.sensitive:
            self.push(acknowledged + timedelta(hours=self.rng.uniform(1, 30)), "reassign", escalation.id)
            return
        if draw < habit.reassigns + habit.escalates and not escalation.at_top:
            self.push(acknowledged + timedelta(hours=self.rng.uniform(1, 30)), "escalate", escalation.id)
            return
        if self.rng.random() < habit.on_time:
            self.push(self._answer_time(acknowledged, escalation.respond_by), "respond", escalation.id)
        elif escalation.at_top and self.rng.random() < habit.answers_late:
            late = add_working_days(escalation.respond_by.astimezone(LONDON).date(), self.rng.randint(2, 12))
            self.push(self._working_day_at(late, hour=11, spread_minutes=300), "respond", escalation.id)
        # Otherwise the board lets the deadline pass, and the sweep takes it up the ladder.

    def _answer_time(self, after: datetime, due: datetime) -> datetime:
        span = max(timedelta(hours=1), due - after)
        moment = after + span * self.rng.uniform(0.1, 0.9)
        if not in_working_hours(moment):
            moment = self._working_time(moment)
        if moment >= due:
            moment = due - timedelta(minutes=self.rng.randint(30, 240))
        return max(moment, after + timedelta(minutes=20))

    def _board_actor(self, session: Session, escalation: Escalation) -> str:
        chair = escalation.current_rung.get("chair")
        if chair:
            return chair
        board = escalation.board
        members = [m.slack_user_id for m in board.members] if board is not None else []
        return self.rng.choice(members) if members else self.officer

    def _live(self, session: Session, escalation_id: int, states) -> Escalation | None:
        escalation = session.get(Escalation, escalation_id)
        return escalation if escalation is not None and escalation.state in states else None

    def _acknowledge(self, session: Session, escalation_id: int) -> None:
        escalation = self._live(session, escalation_id, (EscalationState.OPEN,))
        if escalation is None:
            return
        flows.acknowledge(
            session,
            escalation_id=escalation_id,
            actor=self._board_actor(session, escalation),
            now=self.now,
            render=self.render,
        )
        self.activity["acknowledgements"] += 1

    def _respond(self, session: Session, escalation_id: int) -> None:
        escalation = self._live(session, escalation_id, AWAITING_BOARD)
        if escalation is None:
            return
        issue = escalation.issue
        theme = issue.theme.slug if issue.theme is not None else ""
        answer = self.rng.choice(content.ANSWERS.get(theme, content.GENERAL_ANSWERS))
        today = self.now.astimezone(LONDON).date()
        follow_up = today + timedelta(days=self.rng.randint(14, 42)) if self.rng.random() < 0.2 else None
        flows.respond(
            session,
            escalation_id=escalation_id,
            actor=self._board_actor(session, escalation),
            answer=answer.text,
            outcome=answer.outcome,
            decline_reason=answer.decline_reason,
            follow_up_date=follow_up,
            now=self.now,
            render=self.render,
        )
        self.activity["answers"] += 1
        react = self._after_working_hours(self.now, self.rng.uniform(4, 40))
        self.push(react, "react", escalation_id)

    def _react(self, session: Session, escalation_id: int) -> None:
        """The organisation accepts the answer, says it is not satisfied, or lets it stand."""
        escalation = self._live(session, escalation_id, (EscalationState.RESPONDED,))
        if escalation is None:
            return
        state = self.organisations.get(escalation.issue.organisation_id)
        people = [escalation.issue.raised_by] if state and escalation.issue.raised_by in state.members else []
        people = people or (state.members[:1] if state else [])
        if not people:
            return
        draw = self.rng.random()
        if draw < 0.62:
            flows.satisfied(
                session, escalation_id=escalation_id, actor=people[0], now=self.now, render=self.render
            )
            self.activity["answers accepted"] += 1
        elif draw < 0.72:
            flows.not_satisfied(
                session,
                escalation_id=escalation_id,
                actor=people[0],
                note=self.rng.choice(content.NOT_SATISFIED_NOTES),
                now=self.now,
                render=self.render,
            )
            self.activity["answers reopened"] += 1
            habit = content.BOARD_HABITS.get(escalation.current_rung.get("slug") or "", content.DEFAULT_HABIT)
            if self.rng.random() < habit.on_time:
                self.push(self._answer_time(self.now, escalation.respond_by), "respond", escalation_id)

    def _reassign(self, session: Session, escalation_id: int) -> None:
        escalation = self._live(session, escalation_id, AWAITING_BOARD)
        if escalation is None:
            return
        current = escalation.current_rung.get("slug")
        targets = [
            slug for slug in sorted(content.REASSIGN_REASONS) if slug != current and slug in self.boards
        ]
        if not targets:
            return
        target = self.rng.choice(targets)
        flows.reassign(
            session,
            escalation_id=escalation_id,
            actor=self._board_actor(session, escalation),
            board_id=self.boards[target],
            reason=content.REASSIGN_REASONS[target],
            now=self.now,
            render=self.render,
        )
        self.activity["re-assignments"] += 1

    def _escalate(self, session: Session, escalation_id: int) -> None:
        escalation = self._live(session, escalation_id, AWAITING_BOARD)
        if escalation is None or escalation.at_top:
            return
        flows.escalate(
            session,
            escalation_id=escalation_id,
            actor=self._board_actor(session, escalation),
            reason=self.rng.choice(content.ESCALATE_REASONS),
            now=self.now,
            render=self.render,
        )
        self.activity["escalations by a board"] += 1

    def _sweep(self, session: Session) -> None:
        """The deadline sweep, then the outbox worker's delivery of what the day queued."""
        report = sweep(session, now=self.now, render=self.render)
        if self.now.astimezone(LONDON).hour >= 18:
            self.slack.deliver(session, now=self.now)
        self.activity["automatic escalations"] += report.escalated
        self.activity["reminders"] += report.reminders
        self.activity["officer alerts"] += report.officer_alerts

    # ------------------------------------------------------------------------------------ officer
    def _officer_round(self, session: Session) -> None:
        """The officer's morning: decide articles in by yesterday, answer feedback that wants a reply."""
        if not self.officer_has_work:
            return
        self.officer_has_work = False
        for article in pending_articles(session, limit=100):
            if article.created_at > self.now - timedelta(hours=18):
                self.officer_has_work = True
                continue
            decide_article(session, article_id=article.id, approve=self.rng.random() < 0.9, by=self.officer)
            self.activity["articles decided"] += 1
        _, waiting = awaiting_reply(session, limit=20)
        for item in waiting:
            if item.created_at > self.now - timedelta(days=1):
                self.officer_has_work = True
            else:
                reply_to_feedback(
                    session,
                    feedback_id=str(item.id),
                    officer=self.officer,
                    text="Thank you: I will take this to the next Linked-up meeting and report back.",
                )
                self.activity["feedback replies"] += 1

    def _feedback(self, session: Session) -> None:
        people = [m for s in sorted(self.organisations.values(), key=lambda s: s.id) for m in s.members]
        if not people:
            return
        about, rating, comment = self.rng.choice(content.FEEDBACK)
        if about == "board":
            about = f"board:{self.boards[self.rng.choice(sorted(self.boards))]}"
        give_feedback(
            session,
            slack_user_id=self.rng.choice(people),
            about=about,
            rating=str(rating),
            comment=comment,
            reply_wanted=self.rng.random() < 0.3,
        )
        self.activity["feedback"] += 1
        self.officer_has_work = True

    # ------------------------------------------------------------------------------------ returns
    def _plan_returns(self, session: Session, day: date) -> None:
        """Each organisation's return for last month: on time, late (after the reminder) or missed."""
        progress = (self.now - self.start) / (self.end - self.start)
        for state in sorted(self.organisations.values(), key=lambda s: s.id):
            if state.status == OrganisationStatus.DECLINED:
                continue
            on_time = min(0.97, state.return_habit + 0.1 * progress)
            draw = self.rng.random()
            if draw < on_time:
                first, last = day.day, max(day.day, self.reminder_day - 1)
            elif draw < on_time + (1 - on_time) * 0.55:
                first, last = max(day.day, self.reminder_day + 1), 27
            else:
                self.activity["returns missed (organisation-months)"] += 1
                continue
            if first > 28:
                continue
            send_day = day.replace(day=self.rng.randint(first, max(first, min(last, 28))))
            self.push(
                self._working_day_at(send_day, hour=9, spread_minutes=480), "send_returns", state.id, day
            )

    def _send_returns(self, session: Session, organisation_id: int, day: date) -> None:
        state = self.organisations[organisation_id]
        if not state.members or state.status == OrganisationStatus.DECLINED:
            return
        period = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
        services = session.scalars(
            select(Service).where(Service.organisation_id == organisation_id).order_by(Service.id)
        ).all()
        member = self.rng.choice(state.members)
        for service in services:
            values = self._return_values(state, service)
            record_return(
                session,
                slack_user_id=member,
                service=str(service.id),
                period=period_value(period),
                **values,
            )
            self.activity["waiting-list returns"] += 1

    def _return_values(self, state: OrganisationState, service: Service) -> dict:
        profile = content.RETURN_PROFILES.get(service.category, content.DEFAULT_RETURN_PROFILE)
        level = state.waiting.get(service.id)
        if level is None:
            level = profile.waiting * self.rng.uniform(0.5, 1.4)
        level = max(0.0, level + profile.drift + self.rng.gauss(0, profile.waiting * 0.12))
        state.waiting[service.id] = level
        waiting = round(level)
        if waiting == 0:
            median = longest = 0
            capacity = CapacityStatus.HAS_CAPACITY
        else:
            median = max(
                1, round(profile.wait_weeks * math.sqrt(level / profile.waiting) * self.rng.uniform(0.8, 1.2))
            )
            longest = min(520, median + max(1, round(median * self.rng.uniform(0.5, 1.5))))
            if profile.assessment and self.rng.random() < 0.3:
                capacity = CapacityStatus.ASSESSMENT_REQUIRED
            elif level > profile.places * 1.2:
                capacity = CapacityStatus.NO_CAPACITY
            elif level > profile.places * 0.4:
                capacity = CapacityStatus.WAITLIST_ONLY
            else:
                capacity = CapacityStatus.HAS_CAPACITY
        return {
            "number_waiting": str(waiting),
            "new_referrals": str(
                _poisson(self.rng, max(1.0, level * 0.3)) if level < 60 else round(level * 0.3)
            ),
            "median_wait_weeks": str(median),
            "longest_wait_weeks": str(longest),
            "capacity_status": capacity.value,
            "notes": None,
        }

    def _remind(self, session: Session, day: date) -> None:
        """The reminder job's day: organisations missing last month's return are told once."""
        if self.remind is not None:
            session.commit()
            self.activity["return reminders"] += self.remind(self.session_factory, today=day)
            return
        period, due = due_reminders(session, day)
        for item in due:
            members = sorted(m.slack_user_id for m in item.organisation.members)
            if not members or not claim_reminder(
                session, organisation_id=item.organisation.id, period=period, recipients=members
            ):
                continue
            names = ", ".join(s.name for s in item.services)
            for user in members:
                enqueue(
                    session,
                    key=f"return-reminder:{item.organisation.id}:{period_value(period)}:{user}",
                    method="dm",
                    payload={
                        "user": user,
                        "text": f"Linked-up has not yet received {item.organisation.name}'s waiting-list "
                        f"return for {period.strftime('%B %Y')} ({names}). "
                        "Type `/linkedup waiting` to send it.",
                    },
                )
            self.activity["return reminders"] += 1

    # ------------------------------------------------------------------------------------ bulletin
    def _article(self, session: Session, month: str) -> None:
        category = self.rng.choices(
            [c for c in self.categories if c in content.ARTICLE_WEIGHTS] or self.categories,
            weights=[
                content.ARTICLE_WEIGHTS.get(c, 1.0) for c in self.categories if c in content.ARTICLE_WEIGHTS
            ]
            or None,
            k=1,
        )[0]
        templates = [t for t in content.ARTICLES if t.category == category] or list(content.ARTICLES)
        template = self.rng.choice(templates)
        area = self.rng.choice(content.AREAS)
        title = template.title.format(area=area)
        number = next(self.article_numbers)
        if category in ("safeguarding-updates", "the-hive"):
            author = self.officer  # the officer forwards the boards' and the Hive's updates
        else:
            people = [m for s in sorted(self.organisations.values(), key=lambda s: s.id) for m in s.members]
            author = self.rng.choice(people) if people else self.officer
        submitted = submit_article(
            session,
            submitted_by=author,
            title=title,
            link=f"https://www.example.org/linkedup/{month}/{category}/{_slug(title)}-{number}",
            summary=template.summary.format(area=area),
            category=category,
            month=month,
        )
        submitted.article.simulated = True
        self.officer_has_work = True
        self.activity["articles submitted"] += 1

    def _compile(self, session: Session, month: str) -> None:
        if session.scalar(select(Bulletin.id).where(Bulletin.month == month)) is not None:
            return
        bulletin = compile_bulletin(session, month, now=self.now)
        bulletin.simulated = True
        self.activity["bulletins compiled"] += 1
        approve_day = add_working_days(self.now.astimezone(LONDON).date(), 1)
        self.push(self._working_day_at(approve_day, hour=10, spread_minutes=90), "approve", month)

    def _approve(self, session: Session, month: str) -> None:
        send_at = None
        if self.rng.random() < 0.4:
            send_at = at_london(add_working_days(self.now.astimezone(LONDON).date(), 1), time(9, 0))
        approve_bulletin(session, month, by=self.officer, send_at=send_at, now=self.now)
        self.push(self.now + timedelta(minutes=1), "deliver", month)

    def _deliver(self, month: str) -> None:
        delivery = deliver_bulletin(self.session_factory, self.mailer, month, now=self.now)
        with self.session_factory() as session:
            bulletin = session.scalar(select(Bulletin).where(Bulletin.month == month))
            sent = bulletin.sent_at if delivery.state == BulletinState.SENT else bulletin.scheduled_for
        if sent is None:
            return
        self.activity["bulletins sent"] += 1
        for _, offset in CHECKPOINTS:
            self.push(sent + offset + timedelta(minutes=5), "poll")

    _deliver.own_sessions = True

    def _poll(self) -> None:
        taken = poll_reports(self.session_factory, self.mailer, now=self.now)
        self.activity["report snapshots"] += sum(1 for snapshot in taken if snapshot.error is None)

    _poll.own_sessions = True


def check_database(session: Session) -> None:
    """A simulation writes only to a demo database holding a loaded network and nothing real."""
    try:
        network = session.scalar(select(Network.id).limit(1))
    except (OperationalError, ProgrammingError):
        raise SimulationRefused(
            "The database has no tables yet: create them with `linkedup db upgrade` and load a network, "
            "or use `linkedup simulate --demo`."
        ) from None
    if network is None:
        raise SimulationRefused(
            "No network is loaded: load one first (`linkedup network load network/wirral.yaml`), "
            "or use `linkedup simulate --demo`."
        )
    if not officers(session):
        raise SimulationRefused("The network file names no officer; the simulation needs one to act as them.")
    real = session.scalar(select(Organisation.name).where(Organisation.simulated.is_(False)).limit(1))
    if real is not None or session.scalar(select(Issue.id).where(Issue.simulated.is_(False)).limit(1)):
        raise SimulationRefused(
            f"This database holds real records (e.g. {real or 'issues raised in Slack'}); a simulation only "
            "runs on a demo database, so that simulated items are never mixed with real ones."
        )
    if has_simulation(session):
        raise SimulationRefused(
            "This database already holds a simulated period; start from a fresh demo database to "
            "simulate again."
        )


def has_simulation(session: Session) -> bool:
    """Whether a simulation has already written to this database."""
    return (
        session.scalar(select(Issue.id).where(Issue.simulated.is_(True)).limit(1)) is not None
        or session.scalar(select(Bulletin.id).where(Bulletin.simulated.is_(True)).limit(1)) is not None
        or session.scalar(select(Member.id).where(Member.slack_user_id.like(f"{SIM_USER_PREFIX}%")).limit(1))
        is not None
    )


def simulate_year(
    session_factory: sessionmaker[Session],
    *,
    months: int = 12,
    seed: int = 0,
    start: date | None = None,
    render: Renderer | None = None,
    remind: Remind | None = None,
) -> HealthFigures:
    """Play `months` of the loaded (demo) network from `start` (default: so that it ends today).

    `render` is the escalation port's renderer (the Slack layer passes its Block Kit one; default
    plain text); `remind` the return-reminder job (default: the domain's own reminder, plain text).
    Raises `SimulationRefused` on a database that is not a fresh demo database.
    """
    start = start or default_start(months)
    return Simulation(
        session_factory, months=months, seed=seed, start=start, render=render, remind=remind
    ).run()
