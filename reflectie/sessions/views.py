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
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from reflectie.accounts.access import get_team_for
from reflectie.accounts.models import Membership, Team
from reflectie.audit.throttle import per_user
from reflectie.cases.access import visible_cases
from reflectie.cases.models import Case
from reflectie.cases.services import all_kwesties
from reflectie.db import db, local_today, utcnow, writes
from reflectie.errors import Invalid, NotFound
from reflectie.forms import EmptyForm, apply_errors, choices, submitted
from reflectie.methods.access import visible_methods
from reflectie.methods.models import Method
from reflectie.pdf import pdf_response
from reflectie.permissions import Perm, has, public, scoped
from reflectie.security import same_site_path
from reflectie.sessions import access, evaluations, records, series, services
from reflectie.sessions.forms import (
    WEEKDAYS,
    CompleteActionForm,
    EndSeriesForm,
    EvaluationForm,
    MeetingForm,
    NoteForm,
    OutcomeForm,
    PrepareForm,
    SeriesForm,
)
from reflectie.sessions.models import (
    Meeting,
    MeetingSeries,
    MeetingStatus,
    OutcomeKind,
    RoleInMeeting,
)
from reflectie.sessions.services import ROLE_LABELS

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


def _index_page(
    team: Team, *, form: MeetingForm | None = None, series_form: SeriesForm | None = None
) -> str:
    may_plan = has(current_user, Perm.MEETING_PLAN, team_id=team.id)
    if may_plan:
        form = form or _plan_form(team.id)
        series_form = series_form or _series_form(team, submitted=False)
    meetings = db.session.scalars(
        access.visible_meetings(current_user)
        .where(Meeting.team_id == team.id)
        .options(selectinload(Meeting.method))
        .order_by(Meeting.starts_at.desc())
    ).all()
    all_series = db.session.scalars(
        select(MeetingSeries).where(MeetingSeries.team_id == team.id).order_by(MeetingSeries.id)
    ).all()
    return render_template(
        "sessions/index.html",
        team=team,
        meetings=meetings,
        all_series=all_series,
        form=form if may_plan else None,
        series_form=series_form if may_plan else None,
        labels=STATUS_LABELS,
        weekdays=dict(WEEKDAYS),
    )


def _meeting_input(form: MeetingForm) -> services.MeetingInput:
    """The planning fields of a valid form; date and time are local (Europe/Amsterdam)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return services.MeetingInput(
        method=form.method.data,
        starts_at=datetime.combine(form.date.data, form.time.data, zone),
        duration_minutes=form.duration_minutes.data,
        case_ids=list(form.case_ids.data or []),
        location=form.location.data or "",
    )


@bp.route("/teams/<slug>/bijeenkomsten", methods=["GET", "POST"])
@scoped("team")
def index(slug: str) -> ResponseReturnValue:
    team = get_team_for(current_user, slug, Perm.MEETING_READ)
    if request.method == "GET":
        return _index_page(team)
    if not has(current_user, Perm.MEETING_PLAN, team_id=team.id):
        raise NotFound
    form = _plan_form(team.id)
    if done := submitted(
        form,
        lambda: services.create_meeting(current_user, team, _meeting_input(form)),
        _("De bijeenkomst is gepland."),
    ):
        return redirect(url_for(".show", meeting_id=done.value.id))
    return _index_page(team, form=form)


@bp.get("/bijeenkomsten/<int:meeting_id>")
@scoped("meeting")
def show(meeting_id: int) -> ResponseReturnValue:
    meeting = access.get_meeting_for(current_user, meeting_id)
    may_plan = has(current_user, Perm.MEETING_PLAN, team_id=meeting.team_id)
    return render_template(
        "sessions/show.html",
        meeting=meeting,
        labels=STATUS_LABELS,
        may_plan=may_plan,
        may_lead=access.may_lead(current_user, meeting),
        may_note=access.may_take_notes(current_user, meeting),
        my_roles=services.roles_text(meeting, current_user.id),
        roles=ROLE_LABELS,
        shapes=records.SHAPES,
        may_evaluate=evaluations.may_evaluate(current_user, meeting),
        evaluated=evaluations.own_evaluation(current_user, meeting) is not None,
        evaluation=evaluations.summary(current_user, meeting.id) if may_plan else None,
        evaluation_items=evaluations.ITEMS,
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


def _record_rows(meeting: Meeting, shape: records.RecordShape, data: dict) -> list[dict]:
    """The rows to show in a structured step's table: what was written and two empty rows to
    add to (saving adds two more). Judgements start with a row per team member."""
    rows = list(data.get("rows", []))
    if not rows and "participant" in shape.names:
        names = sorted((m.user.name for m in meeting.team.memberships), key=str.casefold)
        rows = [{"participant": name} for name in names]
    return [*rows, {}, {}]


def _facilitate_page(
    meeting: Meeting,
    number: int,
    *,
    note_form: NoteForm | None = None,
    record: dict | None = None,
) -> ResponseReturnValue:
    steps = meeting.method.steps
    if not 1 <= number <= len(steps):
        raise NotFound
    step = steps[number - 1]
    if note_form is None:
        note_form = NoteForm(formdata=None, data={"text": meeting.note_for(number - 1)})
    note_form.text.description = step.record_label  # what to write down here, when the method says
    shape = records.shape_for(step.record_kind)
    if record is None:
        record = meeting.record_for(number - 1)
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
        shape=shape,
        record=record,
        rows=_record_rows(meeting, shape, record) if shape and shape.repeats else [],
        may_lead=access.may_lead(current_user, meeting),
    )


@bp.get("/bijeenkomsten/<int:meeting_id>/leiden")
@scoped("meeting")
def facilitate(meeting_id: int) -> ResponseReturnValue:
    meeting = access.get_meeting_for_notes(current_user, meeting_id)
    return _facilitate_page(meeting, _step_number(request.args.get("stap")))


def _record_from_form(shape: records.RecordShape) -> dict | None:
    """A structured record from the form fields record-<key> or rows-<n>-<key>; None when the
    form sent plain text instead."""
    if not any(name.startswith(("record-", "rows-")) for name in request.form):
        return None
    if not shape.repeats:
        return {key: request.form.get(f"record-{key}", "") for key in shape.names}
    rows: dict[int, dict[str, str]] = {}
    for name, value in request.form.items():
        index, _sep, key = name.removeprefix("rows-").partition("-")
        if name.startswith("rows-") and index.isdecimal() and key in shape.names:
            rows.setdefault(int(index), {})[key] = value
    return {"rows": [rows[n] for n in sorted(rows)]}


def _save_note_json(meeting: Meeting, step: int) -> ResponseReturnValue:
    """The autosave of facilitate.js: {"text": ...} or {"record": ...} in, {"saved_at"} out."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    text, record = body.get("text"), body.get("record")
    wrong = not isinstance(text, str | None) or not isinstance(record, dict | None)
    if wrong or (text is None and record is None):
        message = _("De inhoud van het verzoek is geen geldig JSON-object.")
        return jsonify(error="bad_json", message=message), 400
    try:
        note = services.save_note(current_user, meeting.id, step - 1, text, structured=record)
    except Invalid as err:
        db.session.rollback()
        message = " ".join(m for ms in err.fields.values() for m in ms) or str(err.message)
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
    meeting = access.get_meeting_for_notes(current_user, meeting_id)
    if request.is_json:
        return _save_note_json(meeting, step)
    if not 1 <= step <= len(meeting.method.steps):
        raise NotFound
    form = NoteForm()
    shape = records.shape_for(meeting.method.steps[step - 1].record_kind)
    record = _record_from_form(shape) if shape else None
    if submitted(
        form,
        lambda: services.save_note(
            current_user, meeting.id, step - 1, form.text.data or "", structured=record
        ),
        _("De aantekeningen zijn bewaard."),
    ):
        return redirect(url_for(".facilitate", meeting_id=meeting.id, stap=step))
    return _facilitate_page(meeting, step, note_form=form, record=record)


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
        shapes=records.SHAPES,
        outcome_form=outcome_form or _outcome_form(meeting, submitted=False),
        close_form=close_form or EmptyForm(formdata=None),
        done_form=CompleteActionForm(formdata=None),
        kind_labels=KIND_LABELS,
        labels=STATUS_LABELS,
    )


@bp.route("/bijeenkomsten/<int:meeting_id>/afronden", methods=["GET", "POST"])
@scoped("meeting")
def close(meeting_id: int) -> ResponseReturnValue:
    meeting = access.get_meeting_to_lead(current_user, meeting_id)
    if request.method == "GET":
        return _close_page(meeting)
    form = EmptyForm()
    if submitted(
        form,
        lambda: services.close_meeting(current_user, meeting.id),
        _("De bijeenkomst is afgerond. De casussen staan op besproken."),
    ):
        return redirect(url_for(".show", meeting_id=meeting.id))
    return _close_page(meeting, close_form=form)


@bp.post("/bijeenkomsten/<int:meeting_id>/uitkomsten")
@scoped("meeting")
def add_outcome(meeting_id: int) -> ResponseReturnValue:
    meeting = access.get_meeting_to_lead(current_user, meeting_id)
    form = _outcome_form(meeting, submitted=True)
    owner = form.owner_id.data or ""
    if submitted(
        form,
        lambda: services.add_outcome(
            current_user,
            meeting.id,
            kind=form.kind.data or "",
            text=form.text.data or "",
            owner_id=int(owner) if owner.isdecimal() else None,
            due_on=form.due_on.data,
        ),
        lambda outcome: (
            _("Het actiepunt is toegevoegd.")
            if outcome.kind == OutcomeKind.ACTIEPUNT
            else _("Het leerpunt is toegevoegd.")
        ),
    ):
        return redirect(url_for(".close", meeting_id=meeting.id) + "#uitkomsten")
    return _close_page(meeting, outcome_form=form)


# --- preparing: method, agenda, roles, moving one meeting ---------------------------------------


def _member_choices(memberships: list[Membership], empty: str) -> list[SelectChoice]:
    members = sorted(
        (m for m in memberships if m.user.active), key=lambda m: m.user.name.casefold()
    )
    return choices([("", empty), *((m.user_id, m.user.name) for m in members)])


def _prepare_form(meeting: Meeting, *, submitted: bool) -> PrepareForm:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    local = meeting.starts_at.astimezone(zone)
    data = {
        "method": meeting.method.slug,
        "date": local.date(),
        "time": local.time().replace(tzinfo=None),
        "duration_minutes": meeting.duration_minutes,
        "location": meeting.location,
        "case_ids": [item.case_id for item in meeting.agenda],
        **{r.value: str(holder.id) if (holder := meeting.holder(r)) else "" for r in RoleInMeeting},
    }
    form = PrepareForm() if submitted else PrepareForm(formdata=None, data=data)
    methods = db.session.scalars(visible_methods(current_user).order_by(Method.name)).all()
    form.method.choices = choices((m.slug, m.name) for m in methods)
    on_agenda = [item.case for item in meeting.agenda]
    ready = db.session.scalars(
        visible_cases(current_user)
        .where(Case.team_id == meeting.team_id, Case.status.in_(services.AGENDA_STATUSES))
        .order_by(Case.updated_at.desc())
        .limit(50)
    ).all()
    cases = list({c.id: c for c in [*on_agenda, *ready]}.values())
    form.case_ids.choices = choices((c.id, c.title) for c in cases)
    form.case_rows = cases  # the page shows kwesties and earlier meetings beside each case
    for role in RoleInMeeting:
        getattr(form, role.value).choices = _member_choices(
            meeting.team.memberships, _("Nog niemand")
        )
    return form


@bp.route("/bijeenkomsten/<int:meeting_id>/voorbereiden", methods=["GET", "POST"])
@scoped("meeting")
def prepare(meeting_id: int) -> ResponseReturnValue:
    meeting = access.get_meeting_to_lead(current_user, meeting_id)
    form = _prepare_form(meeting, submitted=request.method == "POST")
    if request.method == "POST" and form.validate_on_submit():
        data = _meeting_input(form)
        roles = {
            role: int(raw) if (raw := getattr(form, role.value).data or "").isdecimal() else None
            for role in RoleInMeeting
        }
        try:
            services.prepare_meeting(current_user, meeting.id, data, roles)
        except Invalid as err:
            db.session.rollback()
            apply_errors(form, _role_fields(err))
        else:
            db.session.commit()
            flash(_("De voorbereiding is bewaard."), "success")
            return redirect(url_for(".show", meeting_id=meeting.id))
    earlier = {
        case.id: [m for m in services.meetings_of_case(current_user, case.id) if m.id != meeting.id]
        for case in form.case_rows
    }
    kwestie_names = {k.number: k.name for k in all_kwesties()}
    return render_template(
        "sessions/prepare.html",
        meeting=meeting,
        form=form,
        earlier=earlier,
        kwestie_names=kwestie_names,
    )


def _role_fields(err: Invalid) -> Invalid:
    """The service names role errors role_<role>; the form's fields are named <role>."""
    return Invalid(err.message, fields={k.removeprefix("role_"): v for k, v in err.fields.items()})


# --- series: a rhythm, its meetings, ending it, the calendar feed ------------------------------


def _series_form(team: Team, *, submitted: bool) -> SeriesForm:
    # Prefixed: the page also holds the one-meeting form, and ids must stay unique.
    form = SeriesForm(prefix="reeks") if submitted else SeriesForm(formdata=None, prefix="reeks")
    methods = db.session.scalars(visible_methods(current_user).order_by(Method.name)).all()
    form.method.choices = choices((m.slug, m.name) for m in methods)
    members = sorted(
        (m for m in team.memberships if m.user.active), key=lambda m: m.user.name.casefold()
    )
    form.rotation.choices = choices((m.user_id, m.user.name) for m in members)
    return form


@bp.post("/teams/<slug>/reeksen")
@scoped("team")
def create_series(slug: str) -> ResponseReturnValue:
    team = get_team_for(current_user, slug, Perm.MEETING_PLAN)
    form = _series_form(team, submitted=True)
    if done := submitted(
        form,
        lambda: series.create_series(current_user, team, _series_input(form), today=local_today()),
        _("De reeks is gepland, met de eerstvolgende bijeenkomsten."),
    ):
        return redirect(url_for(".show_series", series_id=done.value.id))
    return _index_page(team, series_form=form)


def _series_input(form: SeriesForm) -> series.SeriesInput:
    """The fields of a valid series form."""
    return series.SeriesInput(
        method=form.method.data,
        weekday=form.weekday.data,
        start_time=form.time.data,
        duration_minutes=form.duration_minutes.data,
        interval_weeks=form.interval_weeks.data,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        location=form.location.data or "",
        rotation=list(form.rotation.data or []),
        timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"],
    )


@bp.get("/reeksen/<int:series_id>")
@scoped("series")
def show_series(series_id: int) -> ResponseReturnValue:
    return _series_page(access.get_series_for(current_user, series_id))


def _series_page(found: MeetingSeries, feed_url: str | None = None) -> str:
    may_plan = has(current_user, Perm.MEETING_PLAN, team_id=found.team_id)
    names = {m.user_id: m.user.name for m in found.team.memberships}
    return render_template(
        "sessions/series.html",
        series=found,
        meetings=series.series_meetings(found),
        rotation=[names[u] for u in found.rotation if u in names],
        may_plan=may_plan,
        end_form=EndSeriesForm(formdata=None),
        action_form=EmptyForm(formdata=None),
        has_feed=series.has_feed(current_user, found),
        feed_url=feed_url,
        weekdays=dict(WEEKDAYS),
        labels=STATUS_LABELS,
    )


@bp.post("/reeksen/<int:series_id>/beeindigen")
@scoped("series")
def end_series(series_id: int) -> ResponseReturnValue:
    form = EndSeriesForm()
    if form.validate_on_submit():
        series.end_series(current_user, series_id, form.last_day.data)
        db.session.commit()
        flash(_("De reeks is beëindigd; latere bijeenkomsten zijn geannuleerd."), "success")
    else:
        access.get_series_for(current_user, series_id, Perm.MEETING_PLAN)
        flash(_("Kies de datum van de laatste bijeenkomst."), "error")
    return redirect(url_for(".show_series", series_id=series_id))


@bp.post("/reeksen/<int:series_id>/agendalink")
@scoped("series")
def create_feed(series_id: int) -> ResponseReturnValue:
    """Make a private feed link and show it once (never in a redirect or a flash cookie)."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for(".show_series", series_id=series_id))
    raw = series.create_feed(current_user, series_id)
    db.session.commit()
    found = access.get_series_for(current_user, series_id)
    return _series_page(found, feed_url=url_for(".feed", token=raw, _external=True))


@bp.post("/reeksen/<int:series_id>/agendalink/intrekken")
@scoped("series")
def revoke_feed(series_id: int) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit() and series.revoke_feed(current_user, series_id):
        db.session.commit()
        flash(_("De agendalink werkt niet meer."), "success")
    return redirect(url_for(".show_series", series_id=series_id))


@bp.get("/agenda/<token>.ics")
@public
@writes
def feed(token: str) -> ResponseReturnValue:
    """The subscribable calendar of a series: the token is the only credential (calendar apps
    send no cookies), so it is long, random, kept as a hash and revocable."""
    if len(token) > 100:
        raise NotFound
    body = series.feed_ics(token, lambda m: url_for(".show", meeting_id=m.id, _external=True))
    db.session.commit()  # when the link was last used
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, no-store"})


# --- evaluation by participants -----------------------------------------------------------------


@bp.route("/bijeenkomsten/<int:meeting_id>/evaluatie", methods=["GET", "POST"])
@scoped("meeting")
def evaluate(meeting_id: int) -> ResponseReturnValue:
    meeting = access.get_meeting_for(current_user, meeting_id)
    own = evaluations.own_evaluation(current_user, meeting)
    if request.method == "POST":
        form = EvaluationForm()
    else:
        data = {**own.scores, "remark": own.remark} if own else {}
        form = EvaluationForm(formdata=None, data=data)
    for key, statement in evaluations.ITEMS.items():
        getattr(form, key).label.text = statement
    if submitted(
        form,
        lambda: evaluations.evaluate(
            current_user,
            meeting.id,
            {key: getattr(form, key).data for key in evaluations.ITEMS},
            form.remark.data or "",
        ),
        _("Dank voor uw evaluatie."),
    ):
        return redirect(url_for(".show", meeting_id=meeting.id))
    return render_template(
        "sessions/evaluate.html",
        meeting=meeting,
        form=form,
        items=evaluations.ITEMS,
        open=evaluations.may_evaluate(current_user, meeting),
    )


# --- the session plan (draaiboek): print view and PDF --------------------------------------------


def _plan_html(meeting: Meeting, *, pdf: bool) -> str:
    return render_template("sessions/plan.html", meeting=meeting, pdf=pdf, roles=ROLE_LABELS)


@bp.get("/bijeenkomsten/<int:meeting_id>/draaiboek")
@scoped("meeting")
def plan(meeting_id: int) -> ResponseReturnValue:
    meeting = access.get_meeting_for(current_user, meeting_id)
    return _plan_html(meeting, pdf=False)


@bp.get("/bijeenkomsten/<int:meeting_id>/draaiboek.pdf")
@scoped("meeting")
@per_user("RATELIMIT_EXPORTS", "exports")
def plan_pdf(meeting_id: int) -> ResponseReturnValue:
    meeting = access.get_meeting_for(current_user, meeting_id)
    return pdf_response(
        _plan_html(meeting, pdf=True),
        filename=f"draaiboek-{meeting.id}.pdf",
        print_view=url_for(".plan", meeting_id=meeting.id),
    )
