"""Method library pages: browse, read, copy and adapt."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from reflectie.accounts.models import Organisation
from reflectie.db import db
from reflectie.forms import EmptyForm, choices, submitted
from reflectie.methods import access, forms, services
from reflectie.methods.models import Method, MethodKind
from reflectie.permissions import member, scoped

bp = Blueprint("methods", __name__, url_prefix="/werkvormen")

KIND_LABELS = {
    MethodKind.INTERVISIE: "Intervisie",
    MethodKind.MOREEL_BERAAD: "Moreel beraad",
    MethodKind.REFLECTIE: "Reflectie",
}


def _copy_form() -> forms.CopyForm:
    form = forms.CopyForm()
    org_ids = access.adaptable_organisation_ids(current_user)
    orgs = db.session.scalars(
        db.select(Organisation).where(Organisation.id.in_(org_ids)).order_by(Organisation.name)
    ).all()
    form.organisation_id.choices = choices((o.id, o.name) for o in orgs)
    return form


@bp.get("/")
@member
def index() -> ResponseReturnValue:
    kind = request.args.get("soort", "")
    query = access.visible_methods(current_user).order_by(Method.builtin.desc(), Method.name)
    if kind in {k.value for k in MethodKind}:
        query = query.where(Method.kind == kind)
    methods = db.session.scalars(query).all()
    return render_template("methods/index.html", methods=methods, kind=kind, kinds=KIND_LABELS)


@bp.get("/<method_slug>")
@scoped("method")
def show(method_slug: str) -> ResponseReturnValue:
    method = access.get_method_for(current_user, method_slug)
    copy_form = _copy_form()
    can_adapt = not method.builtin and method.organisation_id in access.adaptable_organisation_ids(
        current_user
    )
    return render_template(
        "methods/show.html",
        method=method,
        kinds=KIND_LABELS,
        copy_form=copy_form if copy_form.organisation_id.choices else None,
        can_adapt=can_adapt,
        action_form=EmptyForm(),
    )


@bp.post("/<method_slug>/kopie")
@scoped("method")
def copy(method_slug: str) -> ResponseReturnValue:
    access.get_method_for(current_user, method_slug)
    form = _copy_form()
    if not form.validate_on_submit():
        flash(_("Kies een organisatie waarvoor u werkvormen mag aanpassen."), "error")
        return redirect(url_for(".show", method_slug=method_slug))
    method = services.copy_method(current_user, method_slug, form.organisation_id.data)
    db.session.commit()
    flash(_("Er is een kopie gemaakt die u kunt aanpassen."), "success")
    return redirect(url_for(".edit", method_slug=method.slug))


@bp.route("/<method_slug>/bewerken", methods=["GET", "POST"])
@scoped("method")
def edit(method_slug: str) -> ResponseReturnValue:
    method = access.get_method_for(current_user, method_slug, adapt=True)
    if request.method == "GET":
        data = services.method_input(method)
        form = forms.MethodForm(
            data={
                "name": data.name,
                "purpose": data.purpose,
                "when_to_use": data.when_to_use,
                "group_min": data.group_min,
                "group_max": data.group_max,
                "roles": data.roles,
                "steps": [
                    {**step.__dict__, "questions": "\n".join(step.questions)} for step in data.steps
                ],
            }
        )
    else:
        form = forms.MethodForm()
        if "add_step" in request.form:
            form.steps.append_entry()
        elif submitted(
            form,
            lambda: services.update_method(current_user, method_slug, form.to_input()),
            _("De werkvorm is opgeslagen."),
        ):
            return redirect(url_for(".show", method_slug=method_slug))
    return render_template("methods/edit.html", form=form, method=method)


@bp.post("/<method_slug>/archiveren")
@scoped("method")
def archive(method_slug: str) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        services.archive_method(current_user, method_slug)
        db.session.commit()
        flash(_("De werkvorm is gearchiveerd."), "success")
    return redirect(url_for(".index"))
