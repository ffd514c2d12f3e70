"""The officer's organisations page: the network's member organisations and the people in each.

Adding a Slack member id adds that person to the organisation; taking one away removes a leaver at
once — their dashboard sessions end, what they raised stays with the organisation — as
`linkedup network load --yes` does. Organisations are never deleted here (their issues, returns and
feedback are registered against them): `linkedup org erase` is the way to forget one.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from bot.web.dashboard import bp
from bot.web.dashboard.admin_support import (
    lines,
    make_change,
    messages,
    officer_only,
    optional,
    people,
    required,
)
from bot.web.dashboard.web import db
from models.errors import NotFound
from network_file.editing import SaveOrganisation
from network_file.export import export_data
from reporting.access import Viewer


@bp.get("/network/organisations", endpoint="admin_organisations")
@officer_only
def organisations(viewer: Viewer):
    document = export_data(db())
    names = people(db(), document)
    notices, warnings = messages()
    rows = [
        {
            "slug": org["slug"],
            "name": org["name"],
            "contact_email": org["contact_email"],
            "members": [names.get(m) or f"{m} (name not known yet)" for m in org.get("members", [])],
            "services": len(org.get("services", [])),
        }
        for org in document["organisations"]
    ]
    return render_template(
        "dashboard/network/organisations.html",
        viewer=viewer,
        organisations=rows,
        notices=notices,
        warnings=warnings,
    )


@bp.route("/network/organisations/new", methods=["GET", "POST"], endpoint="admin_organisation_new")
@officer_only
def new_organisation(viewer: Viewer):
    if request.method == "POST":
        problems = make_change(viewer, lambda: _read_form(slug=None))
        if not problems:
            return redirect(url_for("dashboard.admin_organisations"))
        return _form(viewer, None, dict(request.form), problems), 400
    return _form(viewer, None, {}, [])


@bp.route("/network/organisations/<slug>", methods=["GET", "POST"], endpoint="admin_organisation")
@officer_only
def edit_organisation(viewer: Viewer, slug: str):
    document = export_data(db())
    org = next((o for o in document["organisations"] if o["slug"] == slug), None)
    if org is None:
        raise NotFound("There is no such organisation in the network.")
    if request.method == "POST":
        problems = make_change(viewer, lambda: _read_form(slug=slug))
        if not problems:
            return redirect(url_for("dashboard.admin_organisations"))
        return _form(viewer, org, dict(request.form), problems, document), 400
    values = {
        "name": org["name"],
        "contact_email": org["contact_email"],
        "identifier": org.get("identifier") or "",
        "bulletin_consent": "yes" if org.get("bulletin_consent") else "",
        "members_text": "\n".join(org.get("members", [])),
    }
    return _form(viewer, org, values, [], document)


def _read_form(*, slug: str | None) -> SaveOrganisation:
    form = request.form
    members = [line.split()[0].strip("<>@,;") for line in lines(form.get("members_text"))]
    return SaveOrganisation(
        name=required(form.get("name"), "The organisation's name"),
        contact_email=required(form.get("contact_email"), "A contact e-mail address"),
        identifier=(optional(form.get("identifier")) or "").upper() or None,
        bulletin_consent=form.get("bulletin_consent") == "yes",
        members=members,
        slug=slug,
        new_slug=required(form.get("slug"), "The organisation's slug").lower() if slug is None else None,
    )


def _form(viewer, org, values: dict[str, Any], problems: list[str], document=None):
    member_names = []
    if org is not None:
        names = people(db(), document or export_data(db()))
        member_names = [names.get(m) or f"{m} (name not known yet)" for m in org.get("members", [])]
    return render_template(
        "dashboard/network/organisation.html",
        viewer=viewer,
        org=org,
        values=values,
        problems=problems,
        member_names=member_names,
    )
