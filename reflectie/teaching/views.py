"""Teaching pages: the library, collections (casusbundels), assignments to a class, answering,
and the export of a collection to print/PDF and Markdown."""

from __future__ import annotations

from datetime import date

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
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from reflectie.accounts.models import User
from reflectie.audit.throttle import per_user
from reflectie.cases.services import all_kwesties
from reflectie.db import db, local_today
from reflectie.errors import Invalid, NotFound
from reflectie.forms import EmptyForm, apply_errors, choices, submitted
from reflectie.methods.access import visible_methods
from reflectie.methods.models import Method
from reflectie.pdf import pdf_response
from reflectie.permissions import Perm, has, member, scoped
from reflectie.publishing import access as pub_access
from reflectie.publishing.models import Publication
from reflectie.publishing.services import colophon
from reflectie.publishing.views import field_labels
from reflectie.teaching import access, services
from reflectie.teaching.forms import (
    AddItemForm,
    AddToCollectionForm,
    AssignForm,
    CollectionForm,
    ItemForm,
    LibraryForm,
    ShareAnswersForm,
    ShareForm,
)
from reflectie.teaching.models import Assignment, Collection

bp = Blueprint("teaching", __name__)


@bp.app_context_processor
def _navigation() -> dict[str, object]:
    def teaching_nav() -> list[tuple[str, str]]:
        """Menu items: the library for docenten, assignments for docenten and students."""
        if not current_user.is_authenticated:
            return []
        links = []
        if pub_access.library_reader(current_user):
            links.append((url_for("teaching.library"), _("Onderwijs")))
        if any(
            has(current_user, p, team_id=t)
            for t in current_user.team_ids
            for p in (Perm.ASSIGNMENT_ANSWER, Perm.ASSIGNMENT_MANAGE)
        ):
            links.append((url_for("teaching.assignments"), _("Opdrachten")))
        return links

    return {"teaching_nav": teaching_nav}


@bp.app_template_filter("day")
def _day(value: date | None) -> str:
    return format_date(value, "d MMMM y") if value else ""


def _kwestie_names() -> dict[int, str]:
    return {k.number: k.name for k in all_kwesties()}


def _method_choices(user: User) -> list[SelectChoice]:
    methods = db.session.scalars(visible_methods(user).order_by(Method.name))
    return choices([("", _("Geen")), *((m.id, m.name) for m in methods)])


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _require_docent() -> None:
    if not pub_access.library_reader(current_user):
        raise NotFound


# --- the library


@bp.get("/bibliotheek")
@member
def library() -> ResponseReturnValue:
    _require_docent()
    form = LibraryForm(request.args)
    facets = services.library_facets(current_user)
    names = _kwestie_names()
    form.kwestie.choices = choices([("", _("Alle")), *((n, f"{n}. {k}") for n, k in names.items())])
    form.value.choices = choices([("", _("Alle")), *((v, v) for v in facets["values"])])
    form.theme.choices = choices([("", _("Alle")), *((t, t) for t in facets["themes"])])
    form.method.choices = choices([("", _("Alle")), *facets["methods"]])
    filters = services.LibraryFilter(
        q=(form.q.data or "")[:200],
        kwestie=_int(form.kwestie.data),
        value=form.value.data or "",
        theme=form.theme.data or "",
        method_id=_int(form.method.data),
    )
    pubs = services.library(current_user, filters)
    return render_template("teaching/library.html", form=form, pubs=pubs, kwestie_names=names)


# --- collections


@bp.route("/bundels", methods=["GET", "POST"])
@member
def collections() -> ResponseReturnValue:
    _require_docent()
    form = CollectionForm()
    form.method_id.choices = _method_choices(current_user)

    def create() -> Collection:
        made = services.create_collection(
            current_user,
            title=form.title.data or "",
            description=form.description.data or "",
            method_id=_int(form.method_id.data),
        )
        add = _int(request.form.get("add"))
        if add:
            services.add_item(current_user, made.id, add)
        return made

    if done := submitted(form, create, _("De bundel is gemaakt.")):
        return redirect(url_for(".collection", collection_id=done.value.id))
    rows = db.session.scalars(
        access.usable_collections(current_user).order_by(Collection.updated_at.desc())
    ).all()
    add = _int(request.args.get("add") or request.form.get("add"))
    add_pub = None
    add_form = AddToCollectionForm(formdata=None)
    if add:
        add_pub = db.session.scalar(pub_access.library().where(Publication.id == add))
        own = [c for c in rows if c.owner_id == current_user.id]
        add_form.collection_id.choices = choices((c.id, c.title) for c in own)
        add_form.publication_id.data = str(add)
    return render_template(
        "teaching/collections.html",
        form=form,
        collections=rows,
        add_pub=add_pub,
        add_form=add_form,
    )


@bp.post("/bundels/toevoegen")
@member
def add_to_collection() -> ResponseReturnValue:
    """From a library case: add it to one of the docent's collections."""
    _require_docent()
    form = AddToCollectionForm()
    collection_id = _int(form.collection_id.data)
    publication_id = _int(form.publication_id.data)
    if not form.validate_on_submit() or not collection_id or not publication_id:
        return redirect(url_for(".collections"))
    try:
        services.add_item(current_user, collection_id, publication_id)
    except Invalid as err:
        db.session.rollback()
        flash(" ".join(m for ms in err.fields.values() for m in ms), "error")
        return redirect(url_for(".collections", add=publication_id))
    db.session.commit()
    flash(_("De casus is aan de bundel toegevoegd."), "success")
    return redirect(url_for(".collection", collection_id=collection_id))


def _collection_page(
    collection: Collection,
    *,
    form: CollectionForm | None = None,
    share_form: ShareForm | None = None,
    assign_form: AssignForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    owner = collection.owner_id == current_user.id
    method_choices = _method_choices(current_user)
    if form is None:
        form = CollectionForm(obj=collection, formdata=None)
        form.method_id.data = str(collection.method_id or "")
    form.method_id.choices = method_choices
    item_forms = {}
    for item in collection.items:
        item_form = ItemForm(formdata=None, prefix=f"item{item.id}")
        item_form.questions.data = "\n".join(item.questions or [])
        item_form.method_id.choices = method_choices
        item_form.method_id.data = str(item.method_id or "")
        item_forms[item.id] = item_form
    present = {i.publication_id for i in collection.items}
    add_form = AddItemForm(formdata=None)
    library_pubs = db.session.scalars(
        pub_access.library().order_by(Publication.published_at.desc())
    ).all()
    add_form.publication_id.choices = choices(
        (p.id, p.title) for p in library_pubs if p.id not in present
    )
    assign_form = assign_form or AssignForm(formdata=None)
    classes = access.classes_to_assign(current_user)
    assign_form.team_id.choices = choices((t.id, t.name) for t in classes)
    assignments = db.session.scalars(
        select(Assignment)
        .where(
            Assignment.collection_id == collection.id,
            Assignment.team_id.in_([t.id for t in classes]),
        )
        .order_by(Assignment.starts_on.desc())
    ).all()
    return render_template(
        "teaching/collection.html",
        collection=collection,
        owner=owner,
        form=form,
        item_forms=item_forms,
        add_form=add_form,
        share_form=share_form or ShareForm(formdata=None),
        assign_form=assign_form,
        classes=classes,
        assignments=assignments,
        action_form=EmptyForm(formdata=None),
        kwestie_names=_kwestie_names(),
        live={i.id for i in access.live_items(collection)},
    ), status


@bp.route("/bundels/<int:collection_id>", methods=["GET", "POST"])
@scoped("collection")
def collection(collection_id: int) -> ResponseReturnValue:
    found = access.get_collection_for(current_user, collection_id)
    if request.method == "GET":
        return _collection_page(found)
    found = access.get_collection_for(current_user, collection_id, manage=True)
    form = CollectionForm()
    form.method_id.choices = _method_choices(current_user)
    if form.validate_on_submit():
        try:
            services.update_collection(
                current_user,
                found.id,
                title=form.title.data or "",
                description=form.description.data or "",
                method_id=_int(form.method_id.data),
            )
        except Invalid as err:
            db.session.rollback()
            apply_errors(form, err)
            found = access.get_collection_for(current_user, collection_id)
            return _collection_page(found, form=form, status=422)
        db.session.commit()
        flash(_("De bundel is bewaard."), "success")
    return redirect(url_for(".collection", collection_id=collection_id))


@bp.post("/bundels/<int:collection_id>/casussen")
@scoped("collection")
def add_item(collection_id: int) -> ResponseReturnValue:
    access.get_collection_for(current_user, collection_id, manage=True)
    form = AddItemForm()
    publication_id = _int(form.publication_id.data)
    if form.validate_on_submit() and publication_id:
        try:
            services.add_item(current_user, collection_id, publication_id)
        except Invalid as err:
            db.session.rollback()
            flash(" ".join(m for ms in err.fields.values() for m in ms), "error")
        else:
            db.session.commit()
            flash(_("De casus is aan de bundel toegevoegd."), "success")
    return redirect(url_for(".collection", collection_id=collection_id))


@bp.post("/bundelcasussen/<int:item_id>")
@scoped("collection_item")
def update_item(item_id: int) -> ResponseReturnValue:
    item = access.get_item_for(current_user, item_id, manage=True)
    collection_id = item.collection_id
    form = ItemForm(prefix=f"item{item.id}")
    action = request.form.get("action", "save")
    if form.validate_on_submit():
        try:
            if action == "up":
                services.move_item(current_user, item.id, -1)
            elif action == "down":
                services.move_item(current_user, item.id, 1)
            elif action == "remove":
                services.remove_item(current_user, item.id)
            else:
                services.update_item(
                    current_user,
                    item.id,
                    questions=(form.questions.data or "").splitlines(),
                    method_id=_int(form.method_id.data),
                )
        except Invalid as err:
            db.session.rollback()
            flash(" ".join(m for ms in err.fields.values() for m in ms), "error")
        else:
            db.session.commit()
            flash(_("De bundel is bewaard."), "success")
    return redirect(url_for(".collection", collection_id=collection_id) + f"#casus-{item_id}")


@bp.post("/bundels/<int:collection_id>/delen")
@scoped("collection")
def share(collection_id: int) -> ResponseReturnValue:
    found = access.get_collection_for(current_user, collection_id, manage=True)
    stop = _int(request.form.get("stop"))
    form = ShareForm()
    if form.validate_on_submit():
        try:
            if stop:
                services.unshare(current_user, found.id, stop)
            else:
                services.share(current_user, found.id, form.email.data or "")
        except Invalid as err:
            db.session.rollback()
            apply_errors(form, err)
            found = access.get_collection_for(current_user, collection_id)
            return _collection_page(found, share_form=form, status=422)
        db.session.commit()
        flash(_("Gedeeld.") if not stop else _("Niet meer gedeeld."), "success")
    return redirect(url_for(".collection", collection_id=collection_id))


@bp.post("/bundels/<int:collection_id>/kopie")
@scoped("collection")
def copy(collection_id: int) -> ResponseReturnValue:
    access.get_collection_for(current_user, collection_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for(".collection", collection_id=collection_id))
    new = services.copy_collection(current_user, collection_id)
    db.session.commit()
    flash(_("U heeft nu een eigen kopie van de bundel."), "success")
    return redirect(url_for(".collection", collection_id=new.id))


@bp.post("/bundels/<int:collection_id>/toewijzen")
@scoped("collection")
def assign(collection_id: int) -> ResponseReturnValue:
    found = access.get_collection_for(current_user, collection_id)
    form = AssignForm()
    if form.validate_on_submit():
        try:
            assignment = services.assign(
                current_user,
                found.id,
                team_id=_int(form.team_id.data) or 0,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                share_answers=bool(form.share_answers.data),
            )
        except Invalid as err:
            db.session.rollback()
            apply_errors(form, err)
            found = access.get_collection_for(current_user, collection_id)
            return _collection_page(found, assign_form=form, status=422)
        db.session.commit()
        flash(_("De bundel is aan de klas gegeven."), "success")
        return redirect(url_for(".assignment", assignment_id=assignment.id))
    return _collection_page(found, assign_form=form, status=422)


# --- export


def _print_html(found: Collection, *, pdf: bool) -> str:
    items = access.live_items(found)
    return render_template(
        "teaching/print.html",
        collection=found,
        items=items,
        pdf=pdf,
        labels=field_labels(),
        kwestie_names=_kwestie_names(),
        colophon=services.colophon_lines(found, items),
    )


@bp.get("/bundels/<int:collection_id>/afdrukken")
@scoped("collection")
def print_view(collection_id: int) -> ResponseReturnValue:
    return _print_html(access.get_collection_for(current_user, collection_id), pdf=False)


@bp.get("/bundels/<int:collection_id>/bundel.pdf")
@scoped("collection")
@per_user("RATELIMIT_EXPORTS", "exports")
def export_pdf(collection_id: int) -> ResponseReturnValue:
    found = access.get_collection_for(current_user, collection_id)
    return pdf_response(
        _print_html(found, pdf=True),
        filename=f"casusbundel-{found.id}.pdf",
        print_view=url_for(".print_view", collection_id=found.id),
    )


@bp.get("/bundels/<int:collection_id>/bundel.md")
@scoped("collection")
@per_user("RATELIMIT_EXPORTS", "exports")
def export_markdown(collection_id: int) -> ResponseReturnValue:
    found = access.get_collection_for(current_user, collection_id)
    return Response(
        services.export_markdown(found, field_labels()),
        mimetype="text/markdown",
        headers={"Content-Disposition": f'attachment; filename="casusbundel-{found.id}.md"'},
    )


# --- assignments and answers


@bp.get("/opdrachten")
@member
def assignments() -> ResponseReturnValue:
    rows = db.session.scalars(
        access.my_assignments(current_user, local_today()).order_by(Assignment.starts_on.desc())
    ).all()
    return render_template("teaching/assignments.html", assignments=rows, today=local_today())


@bp.get("/opdrachten/<int:assignment_id>")
@scoped("assignment")
def assignment(assignment_id: int) -> ResponseReturnValue:
    found = access.get_assignment_for(current_user, assignment_id, today=local_today())
    docent = access.is_class_docent(current_user, found)
    items = access.live_items(found.collection)
    done = {} if docent else {i.id: services.submitted(current_user, found.id, i.id) for i in items}
    return render_template(
        "teaching/assignment.html",
        assignment=found,
        items=items,
        docent=docent,
        done=done,
        open=services.is_open(found, local_today()),
        settings_form=ShareAnswersForm(formdata=None, share_answers=found.share_answers),
        kwestie_names=_kwestie_names(),
    )


@bp.post("/opdrachten/<int:assignment_id>/instellingen")
@scoped("assignment")
def assignment_settings(assignment_id: int) -> ResponseReturnValue:
    access.get_assignment_for(current_user, assignment_id, today=local_today(), manage=True)
    form = ShareAnswersForm()
    if form.validate_on_submit():
        services.set_share_answers(
            current_user, assignment_id, bool(form.share_answers.data), today=local_today()
        )
        db.session.commit()
        flash(_("De instelling is bewaard."), "success")
    return redirect(url_for(".assignment", assignment_id=assignment_id))


def _answer_json(assignment_id: int, item_id: int) -> ResponseReturnValue:
    """The autosave of publishing.js on the answer page: {"question", "text"} in."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    question, text = body.get("question"), body.get("text")
    if not isinstance(question, int) or not isinstance(text, str):
        return jsonify(error="bad_json", message=_('Stuur {"question": n, "text": "..."}.')), 400
    try:
        answer = services.save_answer(
            current_user, assignment_id, item_id, question, text, today=local_today()
        )
    except Invalid as err:
        db.session.rollback()
        message = " ".join(m for ms in err.fields.values() for m in ms) or str(err.message)
        return jsonify(error="invalid", message=message, fields=err.fields), 422
    saved_at = answer.updated_at
    db.session.commit()
    return jsonify(
        saved_at=saved_at.isoformat(),
        message=_("Bewaard om %(time)s", time=format_datetime(saved_at, "HH:mm:ss")),
    )


@bp.route("/opdrachten/<int:assignment_id>/casussen/<int:item_id>", methods=["GET", "POST"])
@scoped("assignment")
def answer(assignment_id: int, item_id: int) -> ResponseReturnValue:
    found, item = access.get_assignment_item(
        current_user, assignment_id, item_id, today=local_today()
    )
    docent = access.is_class_docent(current_user, found)
    if request.method == "POST":
        if docent:
            raise NotFound
        if request.is_json:
            return _answer_json(found.id, item.id)
        if EmptyForm().validate_on_submit():
            try:
                for n in range(len(item.questions or [])):
                    text = request.form.get(f"answer-{n}")
                    if text is not None:
                        services.save_answer(
                            current_user, found.id, item.id, n, text, today=local_today()
                        )
                if request.form.get("action") == "submit":
                    services.submit_answers(current_user, found.id, item.id, today=local_today())
            except Invalid as err:
                db.session.rollback()
                flash(" ".join(m for ms in err.fields.values() for m in ms), "error")
            else:
                db.session.commit()
                submitted = request.form.get("action") == "submit"
                flash(_("Ingeleverd.") if submitted else _("Bewaard."), "success")
        return redirect(url_for(".answer", assignment_id=found.id, item_id=item.id))
    own = {} if docent else services.own_answers(current_user, found.id, item.id)
    return render_template(
        "teaching/answer.html",
        assignment=found,
        item=item,
        pub=item.publication,
        docent=docent,
        own=own,
        submitted=(not docent) and services.submitted(current_user, found.id, item.id),
        open=services.is_open(found, local_today()),
        all_answers=services.answers_by_question(found, item) if docent else {},
        peers={} if docent else services.peer_answers(current_user, found, item),
        form=EmptyForm(formdata=None),
        labels=field_labels(),
        kwestie_names=_kwestie_names(),
        colophon=colophon(item.publication),
        autosave=current_app.config.get("TEACHING_AUTOSAVE", True),
    )
