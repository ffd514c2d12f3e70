"""The simulated year's organisations: they apply to join, the officer decides, colleagues ask to
join an organisation already in, and now and then one leaves."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalations.working_days import add_working_days
from intake.joining import apply_to_network, approve_and_route_held, decide_request
from intake.service_entries import FIELDS, field_id
from models.issues import Issue
from models.joining import JoinRequest, RequestStatus
from models.network import (
    OrganisationStatus,
)
from simulation import content
from simulation.world import ACTIVE_STATUSES, LONDON, SIM_USER_PREFIX


class OrganisationEvents:
    """Events of the `Simulation` (see `simulation.engine`): each runs in its own transaction
    and uses the simulation's clock, random source and plans."""

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
            services={
                field_id(number, field): value.strip()
                for number, line in enumerate(joiner.services, start=1)
                for field, value in zip(FIELDS, line.split("|"), strict=False)
            },
            service_count=len(joiner.services),
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
        # What the officer's Approve button and decline form do.
        if declined_reason is None:
            decision = approve_and_route_held(
                session, request_id=str(request_id), officer=self.officer, now=self.now, render=self.render
            )
        else:
            decision = decide_request(
                session,
                request_id=str(request_id),
                officer=self.officer,
                approve=False,
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
        for routed in decision.routed:  # the organisation's issues kept while it waited
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
