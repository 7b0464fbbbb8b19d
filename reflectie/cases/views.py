"""Case pages: the team's list, writing and editing, the case page, history, comments,
autosave, and import/export. Cases are loaded only through reflectie.cases.access."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import defer, selectinload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict
from werkzeug.utils import secure_filename

from reflectie.accounts import services as account_services
from reflectie.accounts.access import get_team_for, team_members
from reflectie.accounts.models import Team, User
from reflectie.accounts.sessions import (
    failed_login,
    log_in,
    login_account_key,
    login_account_limit,
    login_ip_limit,
)
from reflectie.audit.services import record
from reflectie.audit.throttle import per_user
from reflectie.cases import access, importexport, services
from reflectie.cases.access import CaseAction
from reflectie.cases.diff import as_text, diff_fields
from reflectie.cases.forms import (
    CASE_FIELDS,
    ERROR_FIELDS,
    FIELD_LABELS,
    STATUS_LABELS,
    VISIBILITY_LABELS,
    CaseForm,
    CommentForm,
    DeleteForm,
    FilterForm,
    ImportForm,
    StatusForm,
    VersionForm,
    form_data,
    to_number,
)
from reflectie.cases.models import Case, CaseStatus
from reflectie.cases.queries import CaseFilter, parse_filter
from reflectie.cases.services import StaleEdit
from reflectie.db import db, short_write, writes
from reflectie.errors import CSRF_MESSAGE, Invalid, NotFound, error_response
from reflectie.extensions import limiter
from reflectie.forms import CredentialsForm, apply_errors, choices, submitted
from reflectie.permissions import Perm, public, scoped
from reflectie.sessions.services import meetings_of_case

bp = Blueprint("cases", __name__)

PER_PAGE = 20
FILTER_NAMES = ("kwestie", "status", "author", "tag", "since", "until", "sort")
# The typed text shown (read-only) on the expired-session page, so it can be copied.
KEPT_TEXTS = {
    name: FIELD_LABELS[name]
    for name in ("title", "situation", "help_question", "dilemma", "stakeholders", "own_role")
} | {"other_values": _l("Andere waarden"), "tags": FIELD_LABELS["tags"]}
FORM_ENDPOINTS = {"cases.new", "cases.edit"}
AUTOSAVE_ENDPOINTS = {"cases.autosave_new", "cases.autosave"}


# --- helpers ------------------------------------------------------------------------------------


def _kwestie_names() -> dict[int, str]:
    return {k.number: k.name for k in services.all_kwesties()}


def _case_form(**kwargs: Any) -> CaseForm:
    form = CaseForm(**kwargs)
    form.set_choices(services.all_kwesties(), services.all_values())
    return form


def _seeded_values() -> set[str]:
    return {v.name for v in services.all_values()}


def _apply_case_errors(form: CaseForm, err: Invalid) -> None:
    renamed = {ERROR_FIELDS.get(name, name): messages for name, messages in err.fields.items()}
    apply_errors(form, Invalid(err.message, fields=renamed))
    if err.fields and str(err.message) != str(Invalid.message):
        form.form_errors.append(str(err.message))


def _field_names(names: Any) -> str:
    return ", ".join(str(FIELD_LABELS.get(name, name)) for name in names)


def _readable(data: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    """A snapshot with kwestie numbers and visibility as people read them."""
    shown = dict(data)
    shown["kwesties"] = [f"{n}. {names.get(n, '?')}" for n in data.get("kwesties") or []]
    visibility = data.get("visibility")
    shown["visibility"] = str(VISIBILITY_LABELS.get(visibility, visibility or ""))
    return shown


def _form_page(
    form: CaseForm,
    *,
    team: Team,
    case: Case | None = None,
    draft_notice: Any = None,
    restored: Any = None,
    status: int = 200,
) -> ResponseReturnValue:
    chosen = set(form.chosen_kwesties())
    page = render_template(
        "cases/form.html",
        form=form,
        team=team,
        case=case,
        kwesties=services.all_kwesties(),
        chosen=chosen,
        tags=services.team_tags(team.id),
        draft=draft_notice,
        restored=restored,
    )
    return page, status


def _draft_notice(draft: Any, newer_than: Any) -> Any:
    if draft is None or (newer_than is not None and draft.updated_at <= newer_than):
        return None
    return draft


# --- an expired session while writing (no text is lost) -----------------------------------------


@bp.before_request
def _keep_text_when_logged_out() -> ResponseReturnValue | None:
    """A save or autosave that arrives after the session ended would be sent to the login
    page by the route rule, and the POST body would be gone. Answer here instead."""
    if request.method != "POST" or current_user.is_authenticated:
        return None
    if request.endpoint in AUTOSAVE_ENDPOINTS:
        message = _(
            "Uw sessie is verlopen. Uw tekst staat nog in dit venster; "
            "klik op Opslaan om opnieuw in te loggen."
        )
        return jsonify(error="unauthorized", message=message), 401
    if request.endpoint in FORM_ENDPOINTS:
        args = request.view_args or {}
        target = f"edit:{args['case_id']}" if "case_id" in args else f"new:{args.get('slug', '')}"
        return _session_expired(CredentialsForm(formdata=None), target=target)
    return None


@bp.errorhandler(CSRFError)
def _csrf_keeps_text(err: CSRFError) -> ResponseReturnValue:
    """A save whose form token no longer matches (the session cookie went, say) would lose the
    text on the generic error page: show it with the login fields, as for an expired session."""
    db.session.rollback()
    if request.endpoint in FORM_ENDPOINTS:
        args = request.view_args or {}
        target = f"edit:{args['case_id']}" if "case_id" in args else f"new:{args.get('slug', '')}"
        return _session_expired(CredentialsForm(formdata=None), target=target)
    return error_response(400, code="csrf", message=CSRF_MESSAGE)


def _carried() -> list[tuple[str, str]]:
    return [(name, value) for name, value in request.form.items(multi=True) if name in CASE_FIELDS]


def _session_expired(
    form: CredentialsForm | None, *, target: str, copy_only: bool = False
) -> ResponseReturnValue:
    carried = _carried()
    texts = [
        (name, KEPT_TEXTS[name], value)
        for name, value in carried
        if name in KEPT_TEXTS and value.strip()
    ]
    page = render_template(
        "cases/session_expired.html",
        form=form,
        carried=carried,
        target=target,
        texts=texts,
        copy_only=copy_only,
        next_url=_target_url(target),
    )
    return page, 401


def _target_url(target: str) -> str:
    """The form the text came from (only a path; access is checked when it is opened)."""
    kind, _sep, value = target.partition(":")
    if kind == "edit" and value.isdigit():
        return url_for(".edit", case_id=int(value))
    if kind == "new" and value:
        return url_for(".new", slug=value)
    return url_for("main.home")


def _target_team_and_case(user: User, target: str) -> tuple[Team, int | None]:
    """Where the text was going, checked for `user` (NotFound when they may not write there)."""
    kind, _sep, value = target.partition(":")
    if kind == "edit" and value.isdigit():
        case = access.get_case_for(user, int(value), CaseAction.EDIT)
        return case.team, case.id
    if kind == "new" and value:
        return get_team_for(user, value, Perm.CASE_CREATE), None
    raise NotFound


@bp.post("/casussen/opnieuw-inloggen")
@public
@limiter.limit(login_ip_limit, methods=["POST"])
@limiter.limit(
    login_account_limit, key_func=login_account_key, methods=["POST"], deduct_when=failed_login
)
def relogin() -> ResponseReturnValue:
    target = request.form.get("target", "")[:200]
    form = CredentialsForm()
    if not form.validate_on_submit():
        return _session_expired(form, target=target)
    user = account_services.authenticate(form.email.data, form.password.data)
    if user is None:
        db.session.commit()  # keeps the audit row of the failed attempt
        form.form_errors.append(_("Het e-mailadres of het wachtwoord klopt niet."))
        return _session_expired(form, target=target)
    if user.totp_enabled:
        # A password alone is not a login for this account: keep nothing on the server, and
        # show the text so it can be copied before logging in with the second factor.
        db.session.commit()
        return _session_expired(None, target=target, copy_only=True)
    try:
        team, case_id = _target_team_and_case(user, target)
    except NotFound:  # the case went away meanwhile: show the text so it can be copied
        db.session.commit()
        return _session_expired(None, target=target, copy_only=True)
    draft_form = _case_form(formdata=MultiDict(_carried()), meta={"csrf": False})
    try:
        services.save_draft(user, team=team, case_id=case_id, data=draft_form.draft_data())
    except Invalid:
        db.session.rollback()
        return _session_expired(None, target=target, copy_only=True)
    log_in(user, remember=False)
    db.session.commit()
    flash(_("U bent opnieuw ingelogd; uw tekst staat weer in het formulier. Sla hem op."), "info")
    if case_id is not None:
        return redirect(url_for(".edit", case_id=case_id, concept=1))
    return redirect(url_for(".new", slug=team.slug, concept=1))


# --- the public page about the kwesties ---------------------------------------------------------


@bp.get("/kwesties")
@public
def kwesties() -> ResponseReturnValue:
    return render_template("cases/kwesties.html", kwesties=services.all_kwesties())


# --- the case page ------------------------------------------------------------------------------


def _show_page(
    case: Case, *, comment_form: CommentForm | None = None, status: int = 200
) -> ResponseReturnValue:
    page = render_template(
        "cases/show.html",
        case=case,
        kwestie_names=_kwestie_names(),
        comments=services.comments(current_user, case.id),
        comment_form=comment_form or CommentForm(formdata=None),
        status_form=StatusForm(
            formdata=None, data={"status": case.status.value, "version": str(case.version)}
        ),
        action_form=DeleteForm(formdata=None),
        may_edit=access.may(current_user, case, CaseAction.EDIT),
        may_comment=access.may(current_user, case, CaseAction.COMMENT),
        status_labels=STATUS_LABELS,
        visibility_labels=VISIBILITY_LABELS,
        meetings=meetings_of_case(current_user, case.id),
    )
    with short_write():  # the audit row of the read, before the text leaves the server
        record("case.read", actor=current_user, obj=case)
    return page, status


@bp.get("/casussen/<int:case_id>")
@scoped("case")
def show(case_id: int) -> ResponseReturnValue:
    case = access.get_case_for(current_user, case_id)
    return _show_page(case)


# --- the team's case list -----------------------------------------------------------------------


@bp.get("/teams/<slug>/casussen")
@scoped("team")
def index(slug: str) -> ResponseReturnValue:
    team = get_team_for(current_user, slug, Perm.CASE_READ)
    names = _kwestie_names()
    members = team_members(team)
    filters = FilterForm(request.args)
    filters.kwestie.choices = choices(
        [("", _("Alle")), *((n, f"{n}. {name}") for n, name in names.items())]
    )
    filters.author.choices = choices(
        [("", _("Iedereen")), *((m.user_id, m.user.name) for m in members)]
    )
    try:
        case_filter = parse_filter(request.args)
    except Invalid as err:
        case_filter = CaseFilter()
        for name, messages in err.fields.items():
            getattr(filters, name).errors = list(messages)
        flash(_("Niet elk filter klopt; hieronder staan alle casussen."), "error")
    query = case_filter.apply(
        access.listed_cases(current_user).where(Case.team_id == team.id)  # titles only
    ).options(
        selectinload(Case.author),
        # The list shows titles and labels, never the text: leave the long columns unread.
        defer(Case.situation), defer(Case.help_question), defer(Case.dilemma),
        defer(Case.stakeholders), defer(Case.own_role),
    )  # fmt: skip
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    args = {name: request.args[name] for name in FILTER_NAMES if request.args.get(name)}
    return render_template(
        "cases/index.html",
        team=team,
        page=page,
        filters=filters,
        filter_args=args,
        kwestie_names=names,
        tags=services.team_tags(team.id),
        status_labels=STATUS_LABELS,
    )


# --- writing a case -----------------------------------------------------------------------------


def _missing_message(missing: list[str]) -> str:
    return _(
        "Uw tekst is als concept opgeslagen, maar de casus is nog niet ingebracht. "
        "Vul eerst in: %(fields)s.",
        fields=_field_names(missing),
    )


@bp.route("/teams/<slug>/casussen/nieuw", methods=["GET", "POST"])
@scoped("team")
def new(slug: str) -> ResponseReturnValue:
    team = get_team_for(current_user, slug, Perm.CASE_CREATE)
    draft = services.get_draft(current_user, team_id=team.id, case_id=None)
    if request.method == "GET":
        if request.args.get("concept") and draft is not None:
            form = _case_form(formdata=None, data=form_data(draft.data, _seeded_values()))
            return _form_page(form, team=team, restored=draft)
        return _form_page(_case_form(formdata=None), team=team, draft_notice=draft)
    form = _case_form()
    if not form.validate_on_submit():
        return _form_page(form, team=team)
    try:
        case = services.create_case(current_user, team, form.to_input())
    except Invalid as err:
        db.session.rollback()
        _apply_case_errors(form, err)
        return _form_page(form, team=team)
    if request.form.get("action") == "bring_in":
        try:
            services.set_status(
                current_user, case.id, CaseStatus.INGEBRACHT, expected_version=case.version
            )
        except Invalid:
            db.session.commit()  # the text is saved; the missing fields are shown next
            flash(_missing_message(services.missing_to_bring_in(case)), "error")
            return redirect(url_for(".edit", case_id=case.id, inbrengen=1))
    case_id = case.id
    db.session.commit()
    flash(_("De casus is opgeslagen."), "success")
    return redirect(url_for(".show", case_id=case_id))


def _conflict(form: CaseForm, case_id: int) -> ResponseReturnValue:
    """Both versions side by side, and the form with the editor's text at the current
    version, so that a second save is a deliberate merge."""
    current = access.get_case_for(current_user, case_id, CaseAction.EDIT)
    theirs = services.snapshot(current)
    try:
        mine = asdict(services.check_input(form.to_input()))
    except Invalid:
        mine = asdict(form.to_input())
    names = _kwestie_names()
    shown_mine, shown_theirs = _readable(mine, names), _readable(theirs, names)
    differences = [
        (name, FIELD_LABELS[name], as_text(shown_mine[name]), as_text(shown_theirs[name]))
        for name in services.FIELD_NAMES
        if as_text(shown_mine[name]) != as_text(shown_theirs[name])
    ]
    latest = services.revisions(current_user, case_id)
    form.version.data = str(current.version)
    page = render_template(
        "cases/conflict.html",
        form=form,
        case=current,
        team=current.team,
        differences=differences,
        latest=latest[0] if latest else None,
        kwesties=services.all_kwesties(),
        chosen=set(form.chosen_kwesties()),
        tags=services.team_tags(current.team_id),
    )
    return page, 409


@bp.route("/casussen/<int:case_id>/bewerken", methods=["GET", "POST"])
@scoped("case")
def edit(case_id: int) -> ResponseReturnValue:
    case = access.get_case_for(current_user, case_id, CaseAction.EDIT)
    team = case.team
    if request.method == "GET":
        draft = services.get_draft(current_user, team_id=team.id, case_id=case.id)
        notice = restored = None
        if request.args.get("concept") and draft is not None:
            source, restored = draft.data, draft
        else:
            source = {**services.snapshot(case), "version": case.version}
            notice = _draft_notice(draft, case.updated_at)
        form = _case_form(formdata=None, data=form_data(source, _seeded_values()))
        if request.args.get("inbrengen"):
            for name in services.missing_to_bring_in(case):
                field = getattr(form, ERROR_FIELDS.get(name, name))
                field.errors = [_("Nodig om de casus in te brengen.")]
        return _form_page(form, team=team, case=case, draft_notice=notice, restored=restored)
    form = _case_form()
    if not form.validate_on_submit():
        return _form_page(form, team=team, case=case)
    try:
        saved = services.update_case(
            current_user, case_id, form.to_input(), expected_version=form.expected_version()
        )
        db.session.flush()
    except (StaleEdit, StaleDataError):
        db.session.rollback()
        return _conflict(form, case_id)
    except Invalid as err:
        db.session.rollback()
        _apply_case_errors(form, err)
        return _form_page(form, team=team, case=case)
    if request.form.get("action") == "bring_in" and saved.status == CaseStatus.CONCEPT:
        try:
            services.set_status(
                current_user, case_id, CaseStatus.INGEBRACHT, expected_version=saved.version
            )
        except Invalid:
            db.session.commit()  # the text is saved; the missing fields are shown next
            flash(_missing_message(services.missing_to_bring_in(saved)), "error")
            return redirect(url_for(".edit", case_id=case_id, inbrengen=1))
    try:
        db.session.commit()
    except StaleDataError:  # someone saved between our flush and our commit
        db.session.rollback()
        return _conflict(form, case_id)
    flash(_("De casus is opgeslagen."), "success")
    return redirect(url_for(".show", case_id=case_id))


# --- autosave and drafts ------------------------------------------------------------------------


def _autosave(team: Team, case_id: int | None) -> ResponseReturnValue:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        message = _("De inhoud van het verzoek is geen geldig JSON-object.")
        return jsonify(error="bad_json", message=message), 400
    formdata: MultiDict[str, str] = MultiDict()
    for name in CASE_FIELDS:
        value = body.get(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str | int) and not isinstance(item, bool):
                formdata.add(name, str(item))
    form = _case_form(formdata=formdata, meta={"csrf": False})
    try:
        draft = services.save_draft(
            current_user, team=team, case_id=case_id, data=form.draft_data()
        )
    except Invalid as err:
        db.session.rollback()
        return jsonify(error="invalid", message=str(err.message)), 422
    saved_at = draft.updated_at
    db.session.commit()
    return jsonify(
        saved_at=saved_at.isoformat(),
        message=_("Tussentijds bewaard om %(time)s", time=format_datetime(saved_at, "HH:mm")),
    )


@bp.post("/teams/<slug>/casussen/concept")
@scoped("team")
def autosave_new(slug: str) -> ResponseReturnValue:
    team = get_team_for(current_user, slug, Perm.CASE_CREATE)
    return _autosave(team, None)


@bp.post("/casussen/<int:case_id>/concept")
@scoped("case")
def autosave(case_id: int) -> ResponseReturnValue:
    case = access.get_case_for(current_user, case_id, CaseAction.EDIT)
    return _autosave(case.team, case.id)


@bp.post("/teams/<slug>/casussen/concept/weggooien")
@scoped("team")
def discard_new_draft(slug: str) -> ResponseReturnValue:
    team = get_team_for(current_user, slug, Perm.CASE_CREATE)
    if DeleteForm().validate_on_submit():
        services.discard_draft(current_user, team_id=team.id, case_id=None)
        db.session.commit()
        flash(_("De niet-opgeslagen tekst is weggegooid."), "success")
    return redirect(url_for(".new", slug=team.slug))


@bp.post("/casussen/<int:case_id>/concept/weggooien")
@scoped("case")
def discard_draft(case_id: int) -> ResponseReturnValue:
    case = access.get_case_for(current_user, case_id, CaseAction.EDIT)
    if DeleteForm().validate_on_submit():
        services.discard_draft(current_user, team_id=case.team_id, case_id=case.id)
        db.session.commit()
        flash(_("De niet-opgeslagen tekst is weggegooid."), "success")
    return redirect(url_for(".edit", case_id=case_id))


# --- status, delete -----------------------------------------------------------------------------


@bp.post("/casussen/<int:case_id>/status")
@scoped("case")
def change_status(case_id: int) -> ResponseReturnValue:
    access.get_case_for(current_user, case_id, CaseAction.EDIT)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            case = services.set_status(
                current_user,
                case_id,
                form.status.data or "",
                expected_version=to_number(form.version.data or ""),
            )
        except StaleEdit:
            db.session.rollback()
            flash(
                _(
                    "Iemand anders heeft de casus intussen gewijzigd. "
                    "Bekijk de nieuwe versie en kies de status opnieuw."
                ),
                "error",
            )
        except Invalid as err:
            db.session.rollback()
            missing = [name for name in err.fields if name != "status"]
            if missing:
                flash(
                    _(
                        "De casus kan nog niet verder: vul eerst in: %(fields)s.",
                        fields=_field_names(missing),
                    ),
                    "error",
                )
            else:
                flash(_("Kies een status uit de lijst."), "error")
        else:
            label = STATUS_LABELS[case.status]
            db.session.commit()
            flash(_("De status is nu: %(status)s.", status=label), "success")
    return redirect(url_for(".show", case_id=case_id))


@bp.route("/casussen/<int:case_id>/verwijderen", methods=["GET", "POST"])
@scoped("case")
def delete(case_id: int) -> ResponseReturnValue:
    case = access.get_case_for(current_user, case_id, CaseAction.EDIT)
    form = DeleteForm()
    if form.validate_on_submit():
        slug, title = case.team.slug, case.title
        services.delete_case(current_user, case_id)
        db.session.commit()
        flash(_("De casus „%(title)s” is verwijderd.", title=title), "success")
        return redirect(url_for(".index", slug=slug))
    return render_template("cases/delete.html", case=case, form=form)


# --- history ------------------------------------------------------------------------------------


@bp.get("/casussen/<int:case_id>/geschiedenis")
@scoped("case")
def history(case_id: int) -> ResponseReturnValue:
    case = access.get_case_for(current_user, case_id)
    return render_template(
        "cases/history.html", case=case, revisions=services.revisions(current_user, case_id)
    )


@bp.get("/casussen/<int:case_id>/geschiedenis/<int:number>")
@scoped("case")
def revision(case_id: int, number: int) -> ResponseReturnValue:
    case = access.get_case_for(current_user, case_id)
    this = services.get_revision(current_user, case_id, number)
    try:
        previous = services.get_revision(current_user, case_id, number - 1) if number > 1 else None
    except NotFound:
        previous = None
    names = _kwestie_names()
    old = _readable(previous.data, names) if previous else {}
    differences = diff_fields(old, _readable(this.data, names), services.FIELD_NAMES)
    newest = services.revisions(current_user, case_id)[0].number
    page = render_template(
        "cases/revision.html",
        case=case,
        revision=this,
        previous=previous,
        differences=differences,
        labels=FIELD_LABELS,
        form=VersionForm(formdata=None, data={"version": str(case.version)}),
        may_edit=access.may(current_user, case, CaseAction.EDIT),
        is_latest=number == newest,
    )
    with short_write():  # the audit row of the read
        record("case.read", actor=current_user, obj=case, revision=number)
    return page


@bp.post("/casussen/<int:case_id>/geschiedenis/<int:number>/terugzetten")
@scoped("case")
def restore(case_id: int, number: int) -> ResponseReturnValue:
    access.get_case_for(current_user, case_id, CaseAction.EDIT)
    form = VersionForm()
    if not form.validate_on_submit():
        return redirect(url_for(".history", case_id=case_id))
    try:
        services.restore_revision(
            current_user, case_id, number, expected_version=to_number(form.version.data or "")
        )
    except (StaleEdit, StaleDataError):
        db.session.rollback()
        flash(
            _(
                "Iemand anders heeft de casus intussen gewijzigd; er is niets teruggezet. "
                "Bekijk de geschiedenis opnieuw en kies dan de versie."
            ),
            "error",
        )
        return redirect(url_for(".history", case_id=case_id))
    except Invalid as err:
        db.session.rollback()
        flash(
            _(
                "Deze versie kan niet worden teruggezet: %(problem)s",
                problem=_field_names(err.fields) or str(err.message),
            ),
            "error",
        )
        return redirect(url_for(".revision", case_id=case_id, number=number))
    db.session.commit()
    flash(_("Versie %(number)s is teruggezet.", number=number), "success")
    return redirect(url_for(".show", case_id=case_id))


# --- comments -----------------------------------------------------------------------------------


@bp.post("/casussen/<int:case_id>/reacties")
@scoped("case")
def comment(case_id: int) -> ResponseReturnValue:
    case = access.get_case_for(current_user, case_id, CaseAction.COMMENT)
    form = CommentForm()
    if submitted(
        form,
        lambda: services.add_comment(current_user, case_id, form.body.data),
        _("Uw reactie is geplaatst."),
    ):
        return redirect(url_for(".show", case_id=case_id, _anchor="reacties"))
    return _show_page(case, comment_form=form)


@bp.post("/reacties/<int:comment_id>/verwijderen")
@scoped("case_comment")
def delete_comment(comment_id: int) -> ResponseReturnValue:
    services.delete_comment(current_user, comment_id)  # NotFound unless it is their own
    db.session.commit()
    flash(_("Uw reactie is verwijderd."), "success")
    # The page to go back to is the form's own hint; a wrong one only leads to a 404.
    case_id = request.form.get("case_id", "")
    if case_id.isdigit():
        return redirect(url_for(".show", case_id=int(case_id), _anchor="reacties"))
    return redirect(url_for("main.home"))


# --- import and export --------------------------------------------------------------------------


def _problem_text(problem: importexport.RecordError) -> str:
    if problem.field == "file":
        return _("Bestand: %(message)s", message=problem.message)
    if problem.field == "record":
        return _("Casus %(n)s: %(message)s", n=problem.index + 1, message=problem.message)
    return _(
        "Casus %(n)s, veld %(field)s: %(message)s",
        n=problem.index + 1,
        field=problem.field,
        message=problem.message,
    )


@bp.route("/teams/<slug>/casussen/importeren", methods=["GET", "POST"])
@scoped("team")
def import_cases(slug: str) -> ResponseReturnValue:
    team = get_team_for(current_user, slug, Perm.CASE_IMPORT)
    form = ImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            records = importexport.parse_file(form.file.data.read())
            created = importexport.import_cases(current_user, team, records)
        except importexport.ImportRefused as err:
            db.session.rollback()
            problems = [_problem_text(p) for p in err.problems]
        else:
            count = len(created)
            db.session.commit()
            flash(
                ngettext("%(num)s casus geïmporteerd.", "%(num)s casussen geïmporteerd.", count),
                "success",
            )
            return redirect(url_for(".index", slug=team.slug))
    return render_template("cases/import.html", form=form, team=team, problems=problems)


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{secure_filename(filename)}"'},
    )


@bp.get("/teams/<slug>/casussen/export.json")
@scoped("team")
@per_user("RATELIMIT_EXPORTS", "exports")
@writes
def export_json(slug: str) -> ResponseReturnValue:
    team = get_team_for(current_user, slug, Perm.CASE_EXPORT)
    body = importexport.export_json(importexport.export_cases(current_user, team))
    filename = f"casussen-{team.slug}.json"
    db.session.commit()  # the audit row of the export
    return _download(body, "application/json", filename)


@bp.get("/teams/<slug>/casussen/export.zip")
@scoped("team")
@per_user("RATELIMIT_EXPORTS", "exports")
@writes
def export_zip(slug: str) -> ResponseReturnValue:
    team = get_team_for(current_user, slug, Perm.CASE_EXPORT)
    cases = importexport.export_cases(current_user, team)
    body = importexport.export_markdown_zip(cases, _kwestie_names())
    filename = f"casussen-{team.slug}.zip"
    db.session.commit()  # the audit row of the export
    return _download(body, "application/zip", filename)
