"""Meeting pages: the team's meetings, planning one, the calendar file, facilitating a meeting
step by step, closing it with its outcomes, and marking actions done."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from reflectie.accounts.access import get_team_for
from reflectie.cases.access import visible_cases
from reflectie.cases.models import Case
from reflectie.db import db, utcnow
from reflectie.errors import Invalid, NotFound
from reflectie.forms import EmptyForm, apply_errors, choices
from reflectie.methods.access import visible_methods
from reflectie.methods.models import Method
from reflectie.permissions import Perm, has, scoped
from reflectie.security import same_site_path
from reflectie.sessions import access, services
from reflectie.sessions.forms import CompleteActionForm, MeetingForm, NoteForm, OutcomeForm
from reflectie.sessions.models import Meeting, MeetingStatus, OutcomeKind

bp = Blueprint("sessions", __name__)

KIND_LABELS = {
    OutcomeKind.LEERPUNT: _l("Leerpunt"),
    OutcomeKind.ACTIEPUNT: _l("Actiepunt"),
}

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
        done_form=CompleteActionForm(formdata=None),
        kind_labels=KIND_LABELS,
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


# --- in the room: facilitation mode, notes per step ---------------------------------------------


def _step_number(value: str | None) -> int:
    """The 1-based step of `?stap=`; anything but a whole number is NotFound."""
    if value is None or value == "":
        return 1
    if not value.isdecimal() or len(value) > 4:
        raise NotFound
    return int(value)


def _facilitate_page(
    meeting: Meeting, number: int, *, note_form: NoteForm | None = None
) -> ResponseReturnValue:
    steps = meeting.method.steps
    if not 1 <= number <= len(steps):
        raise NotFound
    step = steps[number - 1]
    if note_form is None:
        note_form = NoteForm(formdata=None, data={"text": meeting.note_for(number - 1)})
    note_form.text.description = step.record_label  # what to write down here, when the method says
    actions = []
    if number == 1:
        actions = [
            a
            for a in services.open_actions(current_user, meeting.team_id)
            if a.meeting_id != meeting.id
        ]
    planned_end = utcnow() + timedelta(minutes=step.minutes)
    return render_template(
        "sessions/facilitate.html",
        meeting=meeting,
        step=step,
        number=number,
        total=len(steps),
        planned_end=format_datetime(planned_end, "HH:mm"),
        note_form=note_form,
        actions=actions,
        done_form=CompleteActionForm(formdata=None),
        here=url_for(".facilitate", meeting_id=meeting.id, stap=number),
        labels=STATUS_LABELS,
    )


@bp.get("/bijeenkomsten/<int:meeting_id>/leiden")
@scoped("meeting")
def facilitate(meeting_id: int) -> ResponseReturnValue:
    meeting = access.get_meeting_for(current_user, meeting_id, Perm.MEETING_PLAN)
    return _facilitate_page(meeting, _step_number(request.args.get("stap")))


def _save_note_json(meeting: Meeting, step: int) -> ResponseReturnValue:
    """The autosave of facilitate.js: {"text": ...} in, {"saved_at": ...} out."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        message = _("De inhoud van het verzoek is geen geldig JSON-object.")
        return jsonify(error="bad_json", message=message), 400
    try:
        note = services.save_note(current_user, meeting.id, step - 1, body["text"])
    except Invalid as err:
        db.session.rollback()
        message = " ".join(err.fields.get("text", [])) or str(err.message)
        return jsonify(error="invalid", message=message, fields=err.fields), 422
    saved_at = note.updated_at or utcnow()
    db.session.commit()
    return jsonify(
        saved_at=saved_at.isoformat(),
        message=_("Bewaard om %(time)s", time=format_datetime(saved_at, "HH:mm:ss")),
    )


@bp.post("/bijeenkomsten/<int:meeting_id>/aantekeningen/<int:step>")
@scoped("meeting")
def save_note(meeting_id: int, step: int) -> ResponseReturnValue:
    meeting = access.get_meeting_for(current_user, meeting_id, Perm.MEETING_PLAN)
    if request.is_json:
        return _save_note_json(meeting, step)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            services.save_note(current_user, meeting.id, step - 1, form.text.data or "")
        except Invalid as err:
            db.session.rollback()
            apply_errors(form, err)
        else:
            db.session.commit()
            flash(_("De aantekeningen zijn bewaard."), "success")
            return redirect(url_for(".facilitate", meeting_id=meeting.id, stap=step))
    return _facilitate_page(meeting, step, note_form=form)


@bp.post("/actiepunten/<int:outcome_id>/afgerond")
@scoped("meeting_outcome")
def complete_action(outcome_id: int) -> ResponseReturnValue:
    form = CompleteActionForm()
    form.validate_on_submit()  # the CSRF token is checked for every POST; the note is free text
    outcome = services.complete_action(current_user, outcome_id, form.note.data or "")
    meeting_id = outcome.meeting_id
    db.session.commit()
    flash(_("Het actiepunt is afgerond."), "success")
    return redirect(same_site_path(form.terug.data, url_for(".show", meeting_id=meeting_id)))


# --- closing: the record, leerpunten and actiepunten, closing the meeting -----------------------


def _outcome_form(meeting: Meeting, *, submitted: bool) -> OutcomeForm:
    form = OutcomeForm() if submitted else OutcomeForm(formdata=None)
    form.kind.choices = choices((k.value, label) for k, label in KIND_LABELS.items())
    members = sorted(meeting.team.memberships, key=lambda m: m.user.name.casefold())
    form.owner_id.choices = choices(
        [("", _("Niemand (bij een leerpunt)")), *((m.user_id, m.user.name) for m in members)]
    )
    return form


def _close_page(
    meeting: Meeting,
    *,
    outcome_form: OutcomeForm | None = None,
    close_form: EmptyForm | None = None,
) -> ResponseReturnValue:
    return render_template(
        "sessions/close.html",
        meeting=meeting,
        outcome_form=outcome_form or _outcome_form(meeting, submitted=False),
        close_form=close_form or EmptyForm(formdata=None),
        done_form=CompleteActionForm(formdata=None),
        kind_labels=KIND_LABELS,
        labels=STATUS_LABELS,
    )


@bp.route("/bijeenkomsten/<int:meeting_id>/afronden", methods=["GET", "POST"])
@scoped("meeting")
def close(meeting_id: int) -> ResponseReturnValue:
    meeting = access.get_meeting_for(current_user, meeting_id, Perm.MEETING_PLAN)
    if request.method == "GET":
        return _close_page(meeting)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            services.close_meeting(current_user, meeting.id)
        except Invalid as err:
            db.session.rollback()
            apply_errors(form, err)
        else:
            db.session.commit()
            flash(_("De bijeenkomst is afgerond. De casussen staan op besproken."), "success")
            return redirect(url_for(".show", meeting_id=meeting.id))
    return _close_page(meeting, close_form=form)


@bp.post("/bijeenkomsten/<int:meeting_id>/uitkomsten")
@scoped("meeting")
def add_outcome(meeting_id: int) -> ResponseReturnValue:
    meeting = access.get_meeting_for(current_user, meeting_id, Perm.MEETING_PLAN)
    form = _outcome_form(meeting, submitted=True)
    if form.validate_on_submit():
        owner = form.owner_id.data or ""
        try:
            outcome = services.add_outcome(
                current_user,
                meeting.id,
                kind=form.kind.data or "",
                text=form.text.data or "",
                owner_id=int(owner) if owner.isdecimal() else None,
                due_on=form.due_on.data,
            )
        except Invalid as err:
            db.session.rollback()
            apply_errors(form, err)
        else:
            db.session.commit()
            if outcome.kind == OutcomeKind.ACTIEPUNT:
                flash(_("Het actiepunt is toegevoegd."), "success")
            else:
                flash(_("Het leerpunt is toegevoegd."), "success")
            return redirect(url_for(".close", meeting_id=meeting.id) + "#uitkomsten")
    return _close_page(meeting, outcome_form=form)
