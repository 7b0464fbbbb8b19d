"""Admin pages. Every route is @admin: anyone else gets 404, as if the area did not exist."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from reflectie.accounts import forms, services
from reflectie.accounts.models import Membership, Organisation, Team, User
from reflectie.admin import forms as admin_forms
from reflectie.audit.models import AuditEvent
from reflectie.cases import erasure as erasure_service
from reflectie.db import db
from reflectie.errors import Invalid
from reflectie.forms import EmptyForm, apply_errors, choices, submitted
from reflectie.permissions import Role, TeamKind, admin
from reflectie.retention import services as retention_services
from reflectie.retention.forms import RetentionPolicyForm

bp = Blueprint("admin", __name__, url_prefix="/beheer")


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@bp.get("/")
@admin
def index() -> ResponseReturnValue:
    counts = {
        "organisations": _count(Organisation),
        "teams": _count(Team),
        "users": _count(User),
    }
    return render_template("admin/index.html", counts=counts)


@bp.route("/organisaties", methods=["GET", "POST"])
@admin
def organisations() -> ResponseReturnValue:
    form = forms.OrganisationForm()
    if submitted(
        form,
        lambda: services.create_organisation(
            current_user,
            slug=form.slug.data,
            name=form.name.data,
            require_2fa=form.require_2fa.data,
        ),
        lambda org: _("Organisatie %(name)s is aangemaakt.", name=org.name),
    ):
        return redirect(url_for(".organisations"))
    rows = db.session.scalars(
        select(Organisation).options(selectinload(Organisation.teams)).order_by(Organisation.name)
    ).all()
    return render_template("admin/organisations.html", form=form, organisations=rows)


@bp.route("/organisaties/<int:org_id>", methods=["GET", "POST"])
@admin
def organisation(org_id: int) -> ResponseReturnValue:
    org = services.find(Organisation, id=org_id)
    form = forms.OrganisationForm(obj=org)
    del form.slug  # the short name is part of URLs and scripts: it does not change
    if submitted(
        form,
        lambda: services.update_organisation(
            current_user, org, name=form.name.data, require_2fa=form.require_2fa.data
        ),
        _("De organisatie is opgeslagen."),
    ):
        return redirect(url_for(".organisations"))
    return render_template("admin/organisation.html", form=form, org=org)


def _organisation_choices(form: forms.TeamForm) -> None:
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    form.organisation_id.choices = choices((o.id, o.name) for o in orgs)


@bp.route("/teams", methods=["GET", "POST"])
@admin
def teams() -> ResponseReturnValue:
    form = forms.TeamForm()
    _organisation_choices(form)
    if done := submitted(
        form,
        lambda: services.create_team(
            current_user,
            organisation=services.find(Organisation, id=form.organisation_id.data),
            slug=form.slug.data,
            name=form.name.data,
            kind=TeamKind(form.kind.data),
        ),
        lambda team: _("Team %(name)s is aangemaakt.", name=team.name),
    ):
        return redirect(url_for(".team", team_id=done.value.id))
    rows = db.session.scalars(
        select(Team)
        .options(selectinload(Team.organisation), selectinload(Team.memberships))
        .order_by(Team.name)
    ).all()
    return render_template("admin/teams.html", form=form, teams=rows)


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@admin
def team(team_id: int) -> ResponseReturnValue:
    team = services.find(Team, id=team_id)
    form = forms.TeamForm(obj=team, prefix="team")
    del form.slug, form.organisation_id
    member_form = forms.MembershipForm(prefix="member")
    if submitted(
        form,
        lambda: services.update_team(
            current_user, team, name=form.name.data, kind=TeamKind(form.kind.data)
        ),
        _("Het team is opgeslagen."),
        valid=request.method == "POST" and "team-name" in request.form and form.validate(),
    ):
        return redirect(url_for(".team", team_id=team.id))
    if request.method == "POST" and "member-email" in request.form and member_form.validate():
        user = services.get_user_by_email(member_form.email.data)
        if user is None:
            member_form.email.errors = [_("Er is geen account met dit e-mailadres.")]
        else:
            services.set_membership(
                current_user, team=team, user=user, role=Role(member_form.role.data)
            )
            db.session.commit()
            flash(_("%(name)s is toegevoegd aan het team.", name=user.name), "success")
            return redirect(url_for(".team", team_id=team.id))
    members = db.session.scalars(
        select(Membership)
        .where(Membership.team_id == team.id)
        .options(selectinload(Membership.user))
        .join(User)
        .order_by(User.name)
    ).all()
    return render_template(
        "admin/team.html",
        team=team,
        form=form,
        member_form=member_form,
        members=members,
        role_forms={m.id: forms.RoleForm(prefix=f"role{m.id}", role=str(m.role)) for m in members},
        action_form=EmptyForm(),
    )


@bp.post("/lidmaatschappen/<int:membership_id>")
@admin
def membership(membership_id: int) -> ResponseReturnValue:
    membership = services.find(Membership, id=membership_id)
    team_id = membership.team_id
    if request.form.get("action") == "remove":
        if EmptyForm().validate_on_submit():
            services.remove_membership(current_user, membership)
            db.session.commit()
            flash(_("Het lidmaatschap is beëindigd."), "success")
    else:
        form = forms.RoleForm(prefix=f"role{membership.id}")
        if form.validate_on_submit():
            services.set_membership(
                current_user, team=membership.team, user=membership.user, role=Role(form.role.data)
            )
            db.session.commit()
            flash(_("De rol is gewijzigd."), "success")
        else:
            flash(_("Kies een rol uit de lijst."), "error")
    return redirect(url_for(".team", team_id=team_id))


@bp.get("/gebruikers")
@admin
def users() -> ResponseReturnValue:
    q = request.args.get("q", "").strip()[:100]
    query = select(User).order_by(User.name)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.name).like(like), User.email.like(like)))
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("admin/users.html", page=page, q=q)


@bp.route("/gebruikers/nieuw", methods=["GET", "POST"])
@admin
def new_user() -> ResponseReturnValue:
    form = forms.NewUserForm()
    if done := submitted(
        form,
        lambda: services.create_user(
            email=form.email.data,
            name=form.name.data,
            password=form.password.data,
            is_admin=form.is_admin.data,
            actor=current_user,
        ),
        lambda user: _("Account voor %(name)s is aangemaakt.", name=user.name),
    ):
        return redirect(url_for(".user", user_id=done.value.id))
    return render_template("admin/new_user.html", form=form)


@bp.route("/gebruikers/<int:user_id>", methods=["GET", "POST"])
@admin
def user(user_id: int) -> ResponseReturnValue:
    user = services.find(User, id=user_id)
    form = forms.EditUserForm(obj=user)
    if submitted(
        form,
        lambda: services.update_user(
            current_user,
            user,
            name=form.name.data,
            email=form.email.data,
            is_admin=form.is_admin.data,
            active=form.active.data,
        ),
        _("Het account is opgeslagen."),
    ):
        return redirect(url_for(".user", user_id=user.id))
    return render_template("admin/user.html", form=form, user=user, action_form=EmptyForm())


@bp.post("/gebruikers/<int:user_id>/sessies-beeindigen")
@admin
def end_sessions(user_id: int) -> ResponseReturnValue:
    user = services.find(User, id=user_id)
    if EmptyForm().validate_on_submit():
        services.end_all_sessions(user, actor=current_user, reason="admin")
        db.session.commit()
        flash(_("Alle sessies van %(name)s zijn beëindigd.", name=user.name), "success")
    return redirect(url_for(".user", user_id=user.id))


AUDIT_FILTERS = ("action", "actor", "object_type", "object_id", "team")


@bp.get("/audit")
@admin
def audit() -> ResponseReturnValue:
    """The audit log, filterable: "who read case 12" is action=case.read, object 12 (R-24)."""
    args = {name: request.args.get(name, "").strip()[:100] for name in AUDIT_FILTERS}
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if args["action"]:
        query = query.where(AuditEvent.action.startswith(args["action"], autoescape=True))
    if args["actor"]:
        actor = services.get_user_by_email(args["actor"])
        query = query.where(AuditEvent.actor_id == (actor.id if actor else -1))
    if args["object_type"]:
        query = query.where(AuditEvent.object_type == args["object_type"])
    if args["object_id"].isdigit():
        query = query.where(AuditEvent.object_id == int(args["object_id"]))
    if args["team"]:
        team = db.session.scalar(select(Team).where(Team.slug == args["team"]))
        query = query.where(AuditEvent.team_id == (team.id if team else -1))
    page = db.paginate(query, per_page=100, error_out=False)
    actors = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_({e.actor_id for e in page.items if e.actor_id}))
        )
    }
    return render_template("admin/audit.html", page=page, actors=actors, args=args)


# --- AVG erasure and retention (R-27) ----------------------------------------------------


def _team_choices(form: admin_forms.MatchingForm) -> None:
    rows = db.session.scalars(
        select(Team).join(Organisation).order_by(Organisation.name, Team.name)
    )
    form.team_id.choices = choices((t.id, f"{t.organisation.name}: {t.name}") for t in rows)


def _erased_message(count: int, purged: bool) -> str:
    message = ngettext("%(num)s casus gewist.", "%(num)s casussen gewist.", count)
    if not purged:
        message += " " + _("De zoekindex was bezet; draai later `reflectie search reindex`.")
    return message


@bp.route("/wissen", methods=["GET", "POST"])
@admin
def erasure() -> ResponseReturnValue:
    """Find what an erasure request is about (a case number, or a text in a team's cases),
    and erase every case that matches a text after a confirmation with a reason."""
    number_form = admin_forms.CaseNumberForm(prefix="case")
    matching_form = admin_forms.MatchingForm(prefix="match")
    _team_choices(matching_form)
    erase_form = admin_forms.EraseMatchingForm(prefix="erase")
    step = request.form.get("step")
    if step == "number" and number_form.validate_on_submit():
        return redirect(url_for(".erase_case", case_id=number_form.case_id.data))
    team_id, text = None, ""
    if step == "search" and matching_form.validate_on_submit():
        team_id, text = matching_form.team_id.data, matching_form.text.data
        erase_form.team_id.data, erase_form.text.data = str(team_id), text
    elif step == "erase":
        raw_team = erase_form.team_id.data or ""
        team_id, text = (int(raw_team) if raw_team.isdigit() else 0), erase_form.text.data or ""
        matching_form.team_id.data, matching_form.text.data = team_id, text
        if erase_form.validate_on_submit():
            try:
                done = erasure_service.erase_matching(
                    current_user, team_id, text, reason=erase_form.reason.data
                )
            except Invalid as err:
                db.session.rollback()
                apply_errors(erase_form, err)
            else:
                db.session.commit()
                purged = erasure_service.purge_search_index(background=True)
                flash(_erased_message(len(done), purged), "success")
                return redirect(url_for(".erasure"))
    matches = None
    if team_id is not None:
        try:
            matches = erasure_service.find_matching(current_user, team_id, text)
        except Invalid as err:
            apply_errors(matching_form, err)
    return render_template(
        "admin/erasure.html",
        number_form=number_form,
        matching_form=matching_form,
        erase_form=erase_form,
        matches=matches,
        labels=PLACE_LABELS,
    )


PLACE_LABELS = {
    "title": _l("titel"),
    "situation": _l("situatie"),
    "help_question": _l("hulpvraag"),
    "dilemma": _l("dilemma"),
    "stakeholders": _l("betrokkenen"),
    "own_role": _l("eigen rol"),
    "tags": _l("thema's of waarden"),
    "revisions": _l("eerdere versies"),
    "comments": _l("reacties"),
}


@bp.route("/casussen/<int:case_id>/wissen", methods=["GET", "POST"])
@admin
def erase_case(case_id: int) -> ResponseReturnValue:
    """The confirmation page of one case's erasure: counts and dates, never its text."""
    case = erasure_service.case_for_erasure(current_user, case_id)
    form = admin_forms.EraseForm()
    if form.validate_on_submit():
        try:
            erasure_service.erase_case(current_user, case_id, reason=form.reason.data)
        except Invalid as err:
            db.session.rollback()
            apply_errors(form, err)
        else:
            db.session.commit()
            purged = erasure_service.purge_search_index(background=True)
            flash(_erased_message(1, purged), "success")
            return redirect(url_for(".erasure"))
    return render_template(
        "admin/erase_case.html",
        case=case,
        counts=erasure_service.summary(case),
        form=form,
    )


@bp.route("/organisaties/<int:org_id>/bewaartermijn", methods=["GET", "POST"])
@admin
def retention(org_id: int) -> ResponseReturnValue:
    """View and set an organisation's retention policy, with what it would remove today."""
    org = services.find(Organisation, id=org_id)
    policy = retention_services.policy_of(org.id)
    form = RetentionPolicyForm(
        data=None if request.method == "POST" else {
            "case_years": policy.case_years,
            "action": policy.action.value,
            "deleted_case_days": policy.deleted_case_days,
        }
    )  # fmt: skip
    if submitted(
        form,
        lambda: retention_services.set_policy(
            current_user,
            org,
            case_years=form.case_years.data,
            action=form.action.data,
            deleted_case_days=form.deleted_case_days.data,
        ),
        _("De bewaartermijn is opgeslagen."),
    ):
        return redirect(url_for(".retention", org_id=org.id))
    (found,) = retention_services.plan(organisation_id=org.id)
    db.session.rollback()  # the plan only read
    return render_template("admin/retention.html", org=org, form=form, policy=policy, plan=found)
