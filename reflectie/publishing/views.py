"""Publishing pages: start a copy from a case, the side-by-side editor with findings, review,
the published copy as readers see it, and withdrawal."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from reflectie.accounts.access import get_team_for
from reflectie.cases.access import get_case_for
from reflectie.cases.services import all_kwesties
from reflectie.db import db, short_write
from reflectie.errors import Invalid, NotFound
from reflectie.forms import EmptyForm, apply_errors, choices
from reflectie.methods.access import visible_methods
from reflectie.methods.models import Method
from reflectie.permissions import Perm, has, member, scoped
from reflectie.publishing import access, services
from reflectie.publishing.access import PubAction
from reflectie.publishing.forms import PublicationForm, ReplaceForm, ReviewForm, SafeForm
from reflectie.publishing.models import (
    ALL_FIELDS,
    LIST_FIELDS,
    OUTCOME_FIELDS,
    SCANNED_FIELDS,
    TEXT_FIELDS,
    Publication,
    PublicationStatus,
)

bp = Blueprint("publishing", __name__)

STATUS_LABELS = {
    PublicationStatus.CONCEPT: _l("concept"),
    PublicationStatus.IN_REVIEW: _l("ter beoordeling"),
    PublicationStatus.SENT_BACK: _l("teruggestuurd"),
    PublicationStatus.PUBLISHED: _l("gepubliceerd"),
    PublicationStatus.WITHDRAWN: _l("ingetrokken"),
}

KIND_LABELS = {
    "naam": _l("naam"),
    "adres": _l("adres"),
    "postcode": _l("postcode"),
    "plaats": _l("plaats"),
    "telefoon": _l("telefoonnummer"),
    "email": _l("e-mailadres"),
    "bsn": _l("BSN"),
    "iban": _l("IBAN"),
    "geboortedatum": _l("geboortedatum"),
    "datum": _l("datum"),
    "leeftijd": _l("leeftijd"),
    "kenteken": _l("kenteken"),
    "organisatie": _l("organisatie of school"),
    "nummer": _l("nummer"),
    "url": _l("website"),
}


def field_labels() -> dict[str, Any]:
    form = PublicationForm(formdata=None)
    return {name: getattr(form, name).label.text for name in SCANNED_FIELDS}


def _int_or_none(raw: str | int | None) -> int | None:
    return int(raw) if raw is not None and str(raw).isdigit() else None


def _method_choice(raw: str | None) -> int | bool | None:
    """The chosen method id; None for "Geen"; False (keep it) when the field was not sent."""
    if raw is None:
        return False
    return int(raw) if raw.isdigit() else None


def _kwestie_names() -> dict[int, str]:
    return {k.number: k.name for k in all_kwesties()}


def highlighted(
    text: str, findings: list[services.FieldFinding]
) -> list[tuple[str, services.FieldFinding | None]]:
    """The text cut into plain pieces and findings (the template marks and escapes them)."""
    pieces: list[tuple[str, services.FieldFinding | None]] = []
    at = 0
    for ff in sorted(findings, key=lambda f: f.finding.start):
        f = ff.finding
        if f.start < at:
            continue
        pieces += [(text[at : f.start], None), (text[f.start : f.end], ff)]
        at = f.end
    pieces.append((text[at:], None))
    return pieces


# --- starting


@bp.route("/casussen/<int:case_id>/publiceren", methods=["GET", "POST"])
@scoped("case")
def start(case_id: int) -> ResponseReturnValue:
    case = get_case_for(current_user, case_id)
    if not has(current_user, Perm.PUBLICATION_CREATE, team_id=case.team_id):
        raise NotFound
    form = EmptyForm()
    if form.validate_on_submit():
        pub = services.start_publication(current_user, case.id)
        db.session.commit()
        flash(_("Er is een geanonimiseerde kopie gemaakt. Het origineel blijft in het team."))
        return redirect(url_for(".edit", publication_id=pub.id))
    copies = db.session.scalars(
        access.team_publications(current_user, case.team_id)
        .where(Publication.case_id == case.id)
        .order_by(Publication.created_at.desc())
    ).all()
    return render_template(
        "publishing/start.html", case=case, copies=copies, form=form, labels=STATUS_LABELS
    )


@bp.get("/teams/<slug>/publicaties")
@scoped("team")
def team_index(slug: str) -> ResponseReturnValue:
    team = get_team_for(current_user, slug, Perm.CASE_READ)
    pubs = db.session.scalars(
        access.team_publications(current_user, team.id).order_by(Publication.updated_at.desc())
    ).all()
    waiting = [
        p
        for p in db.session.scalars(access.to_review(current_user))
        if not access.is_author(current_user, p)
    ]
    return render_template(
        "publishing/index.html", team=team, pubs=pubs, waiting=waiting, labels=STATUS_LABELS
    )


@bp.get("/publicaties/beoordelen")
@member
def review_queue() -> ResponseReturnValue:
    waiting = [
        p
        for p in db.session.scalars(
            access.to_review(current_user).options(selectinload(Publication.team))
        )
        if not access.is_author(current_user, p)
    ]
    return render_template("publishing/queue.html", waiting=waiting, labels=STATUS_LABELS)


# --- the side-by-side editor


def _editor_page(pub: Publication, form: PublicationForm, status: int = 200) -> ResponseReturnValue:
    report = services.scan(pub)
    original = None
    if access.may_see_original(current_user, pub):
        try:
            original = get_case_for(current_user, pub.case_id or 0)
        except NotFound:
            original = None
    page = render_template(
        "publishing/edit.html",
        pub=pub,
        form=form,
        original=original,
        report=report,
        fields=SCANNED_FIELDS,
        form_fields=ALL_FIELDS,
        text_fields=TEXT_FIELDS,
        outcome_fields=OUTCOME_FIELDS,
        labels=field_labels(),
        kind_labels=KIND_LABELS,
        status_labels=STATUS_LABELS,
        highlighted=highlighted,
        replace_form=ReplaceForm(formdata=None),
        action_form=EmptyForm(formdata=None),
        may_edit=access.may(current_user, pub, PubAction.EDIT),
        may_withdraw=access.may(current_user, pub, PubAction.WITHDRAW),
        kwestie_names=_kwestie_names(),
    )
    if original is not None:
        with short_write():  # the read of the original, on record before it leaves the server
            services.record_original_read(current_user, pub)
    return page, status


@bp.route("/publicaties/<int:publication_id>/bewerken", methods=["GET", "POST"])
@scoped("publication")
def edit(publication_id: int) -> ResponseReturnValue:
    pub = access.get_publication_for(current_user, publication_id, PubAction.TEAM)
    if not access.in_team(current_user, pub):
        return redirect(url_for(".review", publication_id=pub.id))
    form = PublicationForm(obj=pub)
    methods = db.session.scalars(visible_methods(current_user).order_by(Method.name))
    form.method_id.choices = choices([("", _("Geen")), *((m.id, m.name) for m in methods)])
    if request.method == "GET":
        for name in LIST_FIELDS:
            getattr(form, name).data = ", ".join(getattr(pub, name) or [])
        form.method_id.data = str(pub.method_id or "")
    if request.method == "POST":
        if not access.may(current_user, pub, PubAction.EDIT):
            raise NotFound
        if form.validate_on_submit():
            try:
                services.update_publication(
                    current_user,
                    pub.id,
                    {name: getattr(form, name).data or "" for name in SCANNED_FIELDS},
                    show_outcome=form.show_outcome.data,
                    show_source=form.show_source.data,
                    method_id=_method_choice(form.method_id.data),
                    expected_version=_int_or_none(form.version.data),
                )
            except services.StaleCopy as err:
                db.session.rollback()
                mine = {name: getattr(form, name).data or "" for name in SCANNED_FIELDS}
                saved = services.field_texts(err.current)
                return render_template(
                    "publishing/conflict.html",
                    pub=err.current,
                    changed=[n for n in SCANNED_FIELDS if mine[n].strip() != saved[n].strip()],
                    mine=mine,
                    saved=saved,
                    labels=field_labels(),
                ), 409
            except Invalid as err:
                db.session.rollback()
                apply_errors(form, err)
                pub = access.get_publication_for(current_user, publication_id, PubAction.TEAM)
                return _editor_page(pub, form, 422)
            db.session.commit()
            flash(_("De kopie is bewaard."), "success")
            return redirect(url_for(".edit", publication_id=pub.id))
    return _editor_page(pub, form)


@bp.post("/publicaties/<int:publication_id>/vervangen")
@scoped("publication")
def replace(publication_id: int) -> ResponseReturnValue:
    form = ReplaceForm()
    if request.is_json:
        body = request.get_json(silent=True) or {}
        text, kind = str(body.get("text", "")), str(body.get("kind", ""))
    elif form.validate_on_submit():
        text, kind = form.text.data or "", form.kind.data or ""
    else:
        return redirect(url_for(".edit", publication_id=publication_id))
    try:
        placeholder, count = services.replace_text(current_user, publication_id, text, kind)
    except Invalid as err:
        db.session.rollback()
        if request.is_json:
            return jsonify(error="invalid", message=str(err.message), fields=err.fields), 422
        flash(str(err.message), "error")
        return redirect(url_for(".edit", publication_id=publication_id))
    db.session.commit()
    message = _(
        '"%(text)s" is %(count)s keer vervangen door "%(placeholder)s".',
        text=text,
        count=count,
        placeholder=placeholder,
    )
    if request.is_json:
        return jsonify(placeholder=placeholder, count=count, message=message)
    flash(message, "success")
    return redirect(url_for(".edit", publication_id=publication_id) + "#bevindingen")


@bp.post("/publicaties/<int:publication_id>/detecteren")
@scoped("publication")
def detect(publication_id: int) -> ResponseReturnValue:
    """For publishing.js: findings in the text being typed, before it is saved."""
    access.get_publication_for(current_user, publication_id, PubAction.EDIT)
    body = request.get_json(silent=True)
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or len(text) > services.MAX_TEXT:
        return jsonify(error="bad_json", message=_('Stuur {"text": "..."}.')), 400
    result = services.detect_text(text)
    return jsonify(
        findings=[f.as_dict() for f in result.findings],
        fallback=result.fallback,
    )


@bp.post("/publicaties/<int:publication_id>/indienen")
@scoped("publication")
def submit(publication_id: int) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        try:
            services.submit(current_user, publication_id)
        except Invalid as err:
            db.session.rollback()
            flash(str(err.message), "error")
        else:
            db.session.commit()
            flash(_("De kopie ligt ter beoordeling bij een tweede persoon."), "success")
    return redirect(url_for(".edit", publication_id=publication_id))


@bp.post("/publicaties/<int:publication_id>/intrekken")
@scoped("publication")
def withdraw(publication_id: int) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        services.withdraw(current_user, publication_id)
        db.session.commit()
        flash(_("De publicatie is ingetrokken en overal verdwenen."), "success")
    return redirect(url_for(".edit", publication_id=publication_id))


# --- review


def _community_choices(form: ReviewForm) -> None:
    from reflectie.threads.models import Community

    communities = db.session.scalars(
        select(Community)
        .where(Community.id.in_(access.readable_community_ids(current_user)))
        .order_by(Community.name)
    )
    form.community_id.choices = choices([("", _("Geen")), *((c.id, c.name) for c in communities)])


def _review_page(pub: Publication, form: ReviewForm, status: int = 200) -> ResponseReturnValue:
    _community_choices(form)
    report = services.scan(pub)
    return render_template(
        "publishing/review.html",
        pub=pub,
        form=form,
        report=report,
        fields=SCANNED_FIELDS,
        labels=field_labels(),
        kind_labels=KIND_LABELS,
        status_labels=STATUS_LABELS,
        highlighted=highlighted,
        safe_form=SafeForm(formdata=None),
        kwestie_names=_kwestie_names(),
    ), status


@bp.route("/publicaties/<int:publication_id>/beoordelen", methods=["GET", "POST"])
@scoped("publication")
def review(publication_id: int) -> ResponseReturnValue:
    pub = access.get_publication_for(current_user, publication_id, PubAction.REVIEW)
    form = ReviewForm()
    if form.validate_on_submit():
        decision = request.form.get("decision")
        try:
            if decision == "approve":
                services.approve(
                    current_user,
                    pub.id,
                    to_library=bool(form.to_library.data),
                    community_id=_int_or_none(form.community_id.data),
                )
                message = _("De casus is gepubliceerd.")
            else:
                services.send_back(current_user, pub.id, form.remarks.data or "")
                message = _("De kopie is teruggestuurd naar de auteur.")
        except Invalid as err:
            db.session.rollback()
            apply_errors(form, err)
            pub = access.get_publication_for(current_user, publication_id, PubAction.REVIEW)
            return _review_page(pub, form, 422)
        db.session.commit()
        flash(message, "success")
        return redirect(url_for(".show", publication_id=pub.id))
    return _review_page(pub, form)


@bp.post("/publicaties/<int:publication_id>/veilig")
@scoped("publication")
def mark_safe(publication_id: int) -> ResponseReturnValue:
    form = SafeForm()
    if form.validate_on_submit():
        try:
            services.mark_safe(current_user, publication_id, form.text.data or "")
        except Invalid as err:
            db.session.rollback()
            flash(str(err.message), "error")
        else:
            db.session.commit()
            flash(_("Gemarkeerd als veilig."), "success")
    return redirect(url_for(".review", publication_id=publication_id) + "#bevindingen")


# --- the published copy


@bp.get("/publicaties/<int:publication_id>")
@scoped("publication")
def show(publication_id: int) -> ResponseReturnValue:
    """The copy as readers see it. Readers outside the team (docenten in the library) get no
    link back to the original and no name of the team."""
    try:
        pub = access.get_publication_for(current_user, publication_id, PubAction.READ)
    except NotFound:
        pub = access.get_publication_for(current_user, publication_id, PubAction.TEAM)
        if not access.in_team(current_user, pub):
            return redirect(url_for(".review", publication_id=pub.id))
    in_team = access.in_team(current_user, pub)
    return render_template(
        "publishing/show.html",
        pub=pub,
        labels=field_labels(),
        text_fields=TEXT_FIELDS,
        status_labels=STATUS_LABELS,
        kwestie_names=_kwestie_names(),
        colophon=services.colophon(pub),
        in_team=in_team,
        may_withdraw=access.may(current_user, pub, PubAction.WITHDRAW),
        may_collect=access.library_reader(current_user) and pub.to_library and pub.is_published,
        action_form=EmptyForm(formdata=None),
    )
