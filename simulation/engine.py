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

This module holds the queue, the clock, the set-up and the day's planning; the events themselves are
grouped by area in `simulation.organisations`, `simulation.boards` and `simulation.monthly` (mixed
into `Simulation`), and what they share in `simulation.world`.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import time as timer
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from bulletins.config import bulletin_config, month_of
from escalations.meetings import add_meeting
from escalations.ports import Renderer
from escalations.working_days import add_working_days, at_london, in_working_hours, is_working_day
from intake.return_reminders import reminder_day
from models.base import frozen_clock
from models.bulletins import Bulletin
from models.db import transaction
from models.errors import DomainError
from models.escalations import Escalation
from models.issues import Issue
from models.membership import officer_ids
from models.network import (
    Board,
    Meeting,
    Member,
    MemberRole,
    Network,
    Organisation,
    OrganisationStatus,
    Service,
    Theme,
)
from simulation import content
from simulation.boards import IssueEvents
from simulation.health import HealthFigures, network_health
from simulation.mailer import SimulatedMailer
from simulation.monthly import MonthlyEvents
from simulation.notices import NoticeEvents
from simulation.organisations import OrganisationEvents
from simulation.slack import PlainRenderer, SimulatedSlack
from simulation.surveys import SurveyEvents
from simulation.world import (
    ARTICLE_LAST_DAY,
    ARTICLES_PER_DAY,
    FEEDBACK_PER_DAY,
    ISSUES_PER_ORGANISATION_DAY,
    LONDON,
    MAX_MONTHS,
    SIM_USER_PREFIX,
    STARTS_ESCALATIONS,
    SWEEP_TIMES,
    Event,
    OrganisationState,
    Remind,
    SimulationRefused,
    default_start,
    months_after,
    poisson,
)

log = logging.getLogger(__name__)


class Simulation(OrganisationEvents, IssueEvents, MonthlyEvents, SurveyEvents, NoticeEvents):
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
        self.end = datetime.combine(months_after(start, months), time(0, 0), LONDON).astimezone(UTC)
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
            self.officer = officer_ids(session)[0]
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
            self._date_founding_members(session)
            self._schedule_past_meetings(session)
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
        self._plan_surveys()  # "Have your say" once a year
        self._plan_notices()  # safeguarding updates each quarter, MASH training every other month

    def _date_founding_members(self, session: Session) -> None:
        """The network file's organisations, their services and people were members before the simulated
        period began (from the first day of the month whose return falls due in its first month): dated
        then, not when the file was loaded (today), so every past month of the history reads as it would
        have at the time. Joiners are dated by the clock as they apply and are approved."""
        local = self.start.astimezone(LONDON).date()
        founded = at_london(months_after(local.replace(day=1), -1), time(0, 0))
        for model in (Organisation, Service, Member):
            for row in session.scalars(select(model).where(model.created_at > founded)):
                row.created_at = row.updated_at = founded

    def _schedule_past_meetings(self, session: Session) -> None:
        """The boards met in the simulated period as they do in the network file's calendar (its dates
        moved back by whole years into the period), each put on the calendar by the officer at the
        start, as `/linkedup meeting add` does; so the report's representation section has meetings."""
        calendar = session.execute(
            select(Board.slug, Meeting.starts_at, Meeting.location)
            .join(Board, Board.id == Meeting.board_id)
            .order_by(Meeting.starts_at, Meeting.id)
        ).all()
        for slug, starts_at, location in calendar:
            local = starts_at.astimezone(LONDON)
            for years_back in range(1, 4):
                try:
                    moved = local.replace(year=local.year - years_back)
                except ValueError:  # 29 February
                    continue
                if not self.start <= moved < self.end:
                    continue
                text = f"{slug} {moved:%Y-%m-%d %H:%M} {location or ''}".strip()
                try:
                    with session.begin_nested():
                        add_meeting(session, actor=self.officer, text=text, now=self.now)
                except DomainError:
                    self.refused["meeting"] += 1

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
            for _ in range(poisson(self.rng, state.issue_rate)):
                self.push(self._random_office_time(day), "raise", state.id)
        if day.day <= ARTICLE_LAST_DAY:
            for _ in range(poisson(self.rng, ARTICLES_PER_DAY)):
                self.push(self._random_office_time(day), "article", month_of(at_london(day, time(12, 0))))
        for _ in range(poisson(self.rng, FEEDBACK_PER_DAY)):
            self.push(self._random_office_time(day), "feedback")

    def _random_office_time(self, day: date) -> datetime:
        return at_london(day, time(9, 0)) + timedelta(minutes=self.rng.randint(0, 8 * 60 + 15))


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
    if not officer_ids(session):
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
