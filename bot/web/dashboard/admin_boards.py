"""The officer's boards page: each board's channel, timeframes, place on the ladder, chair and members
(by Slack id and/or e-mail address), and whether its channel is private — changed without YAML.

Each save is one change through `network_file.editing` (validated as the network file is, applied
the way a reload is); a refusal shows the form again as typed, with the reason in one sentence.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from bot.web.dashboard import bp
from bot.web.dashboard.admin_support import (
    board_names,
    lines,
    make_change,
    messages,
    officer_only,
    people,
    person,
    reference,
    required,
    whole_number,
)
from bot.web.dashboard.web import db
from models.errors import NotFound
from network_file.editing import BoardForm, RemoveBoard, SaveBoard, member_line, parse_member_line
from network_file.export import export_data
from reporting.access import Viewer

# The network file's limits (network_file.document.WorkingDays), shown on the form as well.
DAYS_LOW, DAYS_HIGH = 1, 60


@bp.get("/network/boards", endpoint="admin_boards")
@officer_only
def boards(viewer: Viewer):
    document = export_data(db())
    names = people(db(), document)
    parents = board_names(document)
    rows = []
    for board in document["boards"]:
        members = board.get("members", [])
        chair = next((m for m in members if reference(m) == board.get("chair")), None)
        rows.append(
            {
                "slug": board["slug"],
                "name": board["name"],
                "channel": board["channel"],
                "private": board.get("private", False),
                "acknowledge_days": board.get("acknowledge_days", 1),
                "respond_days": board.get("respond_days", 5),
                "parent": parents.get(board.get("parent") or "", None),
                "chair": person(chair, names) if chair is not None else None,
                "members": [person(m, names) for m in members],
                "email_members": sum(1 for m in members if isinstance(m, dict) and not m.get("slack")),
            }
        )
    notices, warnings = messages()
    return render_template(
        "dashboard/network/boards.html", viewer=viewer, boards=rows, notices=notices, warnings=warnings
    )


@bp.route("/network/boards/new", methods=["GET", "POST"], endpoint="admin_board_new")
@officer_only
def new_board(viewer: Viewer):
    document = export_data(db())
    if request.method == "POST":
        problems = make_change(viewer, lambda: SaveBoard(_read_form(new=True)))
        if not problems:
            return redirect(url_for("dashboard.admin_boards"))
        return _form(viewer, document, None, dict(request.form), problems), 400
    values = {"acknowledge_days": 1, "respond_days": 5, "members_text": ""}
    return _form(viewer, document, None, values, [])


@bp.route("/network/boards/<slug>", methods=["GET", "POST"], endpoint="admin_board")
@officer_only
def edit_board(viewer: Viewer, slug: str):
    document = export_data(db())
    board = _board(document, slug)
    if request.method == "POST":
        problems = make_change(viewer, lambda: SaveBoard(_read_form(new=False), slug=slug))
        if not problems:
            return redirect(url_for("dashboard.admin_boards"))
        return _form(viewer, document, board, dict(request.form), problems), 400
    values = edit_values(board)
    return _form(viewer, document, board, values, [])


@bp.post("/network/boards/<slug>/remove", endpoint="admin_board_remove")
@officer_only
def remove_board(viewer: Viewer, slug: str):
    document = export_data(db())
    board = _board(document, slug)
    problems = make_change(viewer, lambda: RemoveBoard(slug))
    if problems:
        values = edit_values(board)
        return _form(viewer, document, board, values, problems), 400
    return redirect(url_for("dashboard.admin_boards"))


def edit_values(board: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": board["name"],
        "channel": board["channel"],
        "acknowledge_days": board.get("acknowledge_days", 1),
        "respond_days": board.get("respond_days", 5),
        "parent": board.get("parent") or "",
        "chair": board.get("chair") or "",
        "members_text": "\n".join(member_line(m) for m in board.get("members", [])),
        "private": "yes" if board.get("private") else "",
    }


def _read_form(*, new: bool) -> BoardForm:
    form = request.form
    acknowledge = whole_number(
        form.get("acknowledge_days"), "Time to acknowledge", low=DAYS_LOW, high=DAYS_HIGH
    )
    respond = whole_number(form.get("respond_days"), "Time to respond", low=DAYS_LOW, high=DAYS_HIGH)
    members = [parse_member_line(line) for line in lines(form.get("members_text"))]
    chair = (form.get("chair") or "").strip() or None
    return BoardForm(
        name=required(form.get("name"), "The board's name"),
        channel=required(form.get("channel"), "The board's Slack channel").replace(" ", ""),
        acknowledge_days=acknowledge,
        respond_days=respond,
        parent=(form.get("parent") or "").strip() or None,
        chair=chair,
        members=members,
        private=form.get("private") == "yes",
        slug=required(form.get("slug"), "The board's slug").lower() if new else None,
    )


def _board(document: dict[str, Any], slug: str) -> dict[str, Any]:
    board = next((b for b in document["boards"] if b["slug"] == slug), None)
    if board is None:
        raise NotFound("There is no such board in the network.")
    return board


def _form(viewer: Viewer, document, board, values: dict[str, Any], problems: list[str]) -> str:
    names = people(db(), document)
    members = board.get("members", []) if board else []
    chairs = [(reference(m), person(m, names)) for m in members]
    parents = [
        (b["slug"], b["name"]) for b in document["boards"] if board is None or b["slug"] != board["slug"]
    ]
    return render_template(
        "dashboard/network/board.html",
        viewer=viewer,
        board=board,
        values=values,
        problems=problems,
        parents=parents,
        chairs=chairs,
        member_names=[person(m, names) for m in members],
        days=(DAYS_LOW, DAYS_HIGH),
    )
