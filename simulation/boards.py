"""The simulated year's issues: raised by members, routed (or triaged by the officer), and what each
board does with them — acknowledge, answer on time or late, re-assign, escalate — with the deadline
sweep, the organisations' replies and the officer's rounds and feedback."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bulletins.articles import decide_article, pending_articles
from escalations import flows
from escalations.sweep import sweep
from escalations.working_days import add_working_days, in_working_hours
from intake.feedback import awaiting_reply, give_feedback, reply_to_feedback
from intake.issues import AGE_RANGES, IssueSource, raise_and_route
from models.escalations import AWAITING_BOARD, Escalation, EscalationState
from models.issues import Issue, Urgency
from models.network import (
    OrganisationStatus,
)
from simulation import content
from simulation.world import LONDON, OrganisationState


class IssueEvents:
    """Events of the `Simulation` (see `simulation.engine`): each runs in its own transaction
    and uses the simulation's clock, random source and plans."""

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
        # What the issue form's listener does: raise, then route (held while the organisation is pending).
        raised = raise_and_route(
            session,
            now=self.now,
            render=self.render,
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
        raised.issue.simulated = True
        session.flush()
        self.activity["issues raised"] += 1
        self._after_routing(raised.routed, intended=template.theme)

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
        habit = content.BOARD_HABITS.get(rung.slug or "", content.DEFAULT_HABIT)
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
        chair = escalation.current_rung.chair
        if chair:
            return chair
        board = escalation.board
        members = [m.slack_user_id for m in board.members if m.slack_user_id] if board is not None else []
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
            habit = content.BOARD_HABITS.get(escalation.current_rung.slug or "", content.DEFAULT_HABIT)
            if self.rng.random() < habit.on_time:
                self.push(self._answer_time(self.now, escalation.respond_by), "respond", escalation_id)

    def _reassign(self, session: Session, escalation_id: int) -> None:
        escalation = self._live(session, escalation_id, AWAITING_BOARD)
        if escalation is None:
            return
        current = escalation.current_rung.slug
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
            approve = self.rng.random() < 0.9
            reason = "" if approve else "Not for this month's readers: it is outside Wirral."
            decide_article(session, article_id=article.id, approve=approve, by=self.officer, reason=reason)
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
