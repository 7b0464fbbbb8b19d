"""Meeting pages: the team's meetings, planning one, the printable plan, calendar file."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from reflectie.accounts.access import get_team_for
from reflectie.cases.access import visible_cases
from reflectie.cases.models import Case
from reflectie.db import db
from reflectie.errors import Invalid
from reflectie.forms import EmptyForm, apply_errors, choices
from reflectie.methods.access import visible_methods
from reflectie.methods.models import Method
from reflectie.permissions import Perm, has, scoped
from reflectie.sessions import access, services
from reflectie.sessions.forms import MeetingForm
from reflectie.sessions.models import Meeting, MeetingStatus

bp = Blueprint("sessions", __name__)

STATUS_LABELS = {
    MeetingStatus.PLANNED: _l("gepland"),
    MeetingStatus.CANCELLED: _l("geannuleerd"),
    MeetingStatus.CLOSED: _l("afgerond"),
}


def _plan_form(team_id: int) -> MeetingForm:
    form = MeetingForm()
    methods = db.session.scalars(visible_methods(current_user).order_by(Method.name)).all()
    form.method.choices = choices((m.slug, m.name) for m in methods)
    cases = db.session.scalars(
        visible_cases(current_user)
        .where(Case.team_id == team_id, Case.status.in_(services.AGENDA_STATUSES))
        .order_by(Case.updated_at.desc())
        .limit(50)
    ).all()
    form.case_ids.choices = choices((c.id, c.title) for c in cases)
    return form


@bp.route("/teams/<slug>/bijeenkomsten", methods=["GET", "POST"])
@scoped("team")
def index(slug: str) -> ResponseReturnValue:
    team = get_team_for(current_user, slug, Perm.MEETING_READ)
    may_plan = has(current_user, Perm.MEETING_PLAN, team_id=team.id)
    form = _plan_form(team.id) if may_plan else None
    if form is not None and form.validate_on_submit():
        zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
        data = services.MeetingInput(
            method=form.method.data,
            starts_at=datetime.combine(form.date.data, form.time.data, zone),
            duration_minutes=form.duration_minutes.data,
            case_ids=list(form.case_ids.data or []),
            location=form.location.data or "",
        )
        try:
            meeting = services.create_meeting(current_user, team, data)
        except Invalid as err:
            db.session.rollback()
            apply_errors(form, err)
        else:
            db.session.commit()
            flash(_("De bijeenkomst is gepland."), "success")
            return redirect(url_for(".show", meeting_id=meeting.id))
    meetings = db.session.scalars(
        access.visible_meetings(current_user)
        .where(Meeting.team_id == team.id)
        .options(selectinload(Meeting.method))
        .order_by(Meeting.starts_at.desc())
    ).all()
    return render_template(
        "sessions/index.html", team=team, meetings=meetings, form=form, labels=STATUS_LABELS
    )


@bp.get("/bijeenkomsten/<int:meeting_id>")
@scoped("meeting")
def show(meeting_id: int) -> ResponseReturnValue:
    meeting = access.get_meeting_for(current_user, meeting_id)
    return render_template(
        "sessions/show.html",
        meeting=meeting,
        labels=STATUS_LABELS,
        may_plan=has(current_user, Perm.MEETING_PLAN, team_id=meeting.team_id),
        action_form=EmptyForm(),
    )


@bp.get("/bijeenkomsten/<int:meeting_id>/agenda.ics")
@scoped("meeting")
def ics(meeting_id: int) -> ResponseReturnValue:
    meeting = access.get_meeting_for(current_user, meeting_id)
    url = url_for(".show", meeting_id=meeting.id, _external=True)
    return Response(
        services.meeting_ics(meeting, url),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="bijeenkomst-{meeting.id}.ics"'},
    )


@bp.post("/bijeenkomsten/<int:meeting_id>/annuleren")
@scoped("meeting")
def cancel(meeting_id: int) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        services.cancel_meeting(current_user, meeting_id)
        db.session.commit()
        flash(_("De bijeenkomst is geannuleerd."), "success")
    return redirect(url_for(".show", meeting_id=meeting_id))
