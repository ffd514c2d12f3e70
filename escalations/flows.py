"""Multi-step escalation processes: route, acknowledge, respond, re-assign, escalate, reopen.

This module is their public face (handlers, the sweep and the simulation call `flows.acknowledge`
and so on); the flows themselves live in:

- `escalations.flow_support`: row locks, who may act, deadlines, opening a board's turn;
- `escalations.starting`: routing a new issue, the officer's triage and routing by hand;
- `escalations.board_actions`: acknowledge, respond, re-assign, escalate, the sweep's moves;
- `escalations.follow_up`: the organisation's "not satisfied" / "satisfied", the chair's snooze;
- `escalations.history`: an item's history in words.

Each flow takes a session and plain values, checks who may act and that the escalation is still
in the state the button was made for, changes the rows, queues its Slack messages in the outbox
and writes its history line — all in the caller's transaction, which the caller commits.
"""

from __future__ import annotations

from escalations.board_actions import (  # noqa: F401 - re-exported
    MOVE_COLUMNS,
    Move,
    acknowledge,
    escalate,
    move_all,
    overdue_move,
    reassign,
    respond,
    validate_response,
)
from escalations.flow_support import (  # noqa: F401 - re-exported
    ANSWER_MAX,
    COLUMN_TYPES,
    FOLLOW_UP_MAX_DAYS,
    REASON_MAX,
    clean_text,
    clear_schedule,
    find_board,
    find_issue,
    flush_or_moved_on,
    live_escalation,
    lock_database_for_write,
    locked_escalation,
    may_act_for_board,
    organisation_recipients,
    overdue_step,
    require_board_actor,
    require_officer,
    require_organisation_member,
    schedule_acknowledge,
    schedule_respond,
    set_issue_status,
    write_rows,
)
from escalations.follow_up import (  # noqa: F401 - re-exported
    not_satisfied,
    satisfied,
    snooze,
)
from escalations.history import (  # noqa: F401 - re-exported
    HistoryLine,
    ItemHistory,
    card_history,
    describe_event,
    history,
    london_date,
    quote,
    recipient,
)
from escalations.starting import (  # noqa: F401 - re-exported
    RoutingDecision,
    announce,
    current_routing,
    new_escalation,
    route_by_officer,
    route_pending_issues_of,
    route_received_issue,
    send_to_triage,
    start_escalation,
    triage_queue,
)
