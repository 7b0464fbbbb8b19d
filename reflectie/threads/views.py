"""Community pages: the communities, a community's threads, a thread with its posts, writing,
editing, reporting and moderating. Everything works without JavaScript; a small script keeps a
reply's draft in the browser while typing (static/js/thread-draft.js)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from reflectie.cases.services import all_kwesties
from reflectie.db import db, writes
from reflectie.errors import Invalid, NotFound
from reflectie.forms import EmptyForm, apply_errors, choices, submitted
from reflectie.methods.access import visible_methods
from reflectie.methods.models import Method
from reflectie.permissions import member, scoped
from reflectie.threads import access, services
from reflectie.threads.forms import (
    CommunityForm,
    DigestForm,
    EditPostForm,
    HandleForm,
    ReplyForm,
    ReportForm,
    ThreadForm,
)
from reflectie.threads.limits import TooFast, audit_throttled, check_posting
from reflectie.threads.models import (
    Community,
    CommunityAccess,
    CommunityMember,
    DigestSetting,
    MemberRole,
    Post,
    Thread,
    ThreadKwestie,
    ThreadRead,
)

bp = Blueprint("threads", __name__)

ACCESS_LABELS = {
    CommunityAccess.ORGANISATION: _l("Iedereen van de organisatie"),
    CommunityAccess.PLATFORM: _l("Iedereen op het platform"),
    CommunityAccess.INVITATION: _l("Alleen op uitnodiging"),
}


def _page_number() -> int:
    raw = request.args.get("pagina", "1")
    return int(raw) if raw.isdecimal() and 0 < int(raw) < 10_000 else 1


def _kwestie_names() -> dict[int, str]:
    return {k.number: k.name for k in all_kwesties()}


# --- communities ---------------------------------------------------------------------------------


@bp.get("/leergemeenschappen")
@member
def index() -> ResponseReturnValue:
    communities = db.session.scalars(
        access.visible_communities(current_user).order_by(Community.name)
    ).all()
    ids = [c.id for c in communities]
    mine = set(
        db.session.scalars(
            select(CommunityMember.community_id).where(CommunityMember.user_id == current_user.id)
        )
    )
    counts = dict(
        db.session.execute(
            select(Thread.community_id, func.count())
            .where(Thread.community_id.in_(ids), Thread.deleted_at.is_(None))
            .group_by(Thread.community_id)
        ).all()
    )
    unread = dict(
        db.session.execute(
            select(Thread.community_id, func.count())
            .outerjoin(
                ThreadRead,
                and_(ThreadRead.thread_id == Thread.id, ThreadRead.user_id == current_user.id),
            )
            .where(
                Thread.community_id.in_(ids),
                Thread.deleted_at.is_(None),
                or_(
                    ThreadRead.last_read_post_id.is_(None),
                    Thread.last_post_id > ThreadRead.last_read_post_id,
                ),
            )
            .group_by(Thread.community_id)
        ).all()
    )
    return render_template(
        "threads/index.html",
        communities=communities,
        mine=mine,
        counts=counts,
        unread_counts=unread,
        labels=ACCESS_LABELS,
        may_create=access.may_create(current_user),
        kwesties=_kwestie_names(),
    )


def _community_form(form: CommunityForm | None = None) -> CommunityForm:
    form = form or CommunityForm()
    org_ids = access.creatable_organisation_ids(current_user)
    orgs = {
        m.team.organisation_id: m.team.organisation.name
        for m in current_user.memberships
        if m.team.organisation_id in org_ids
    }
    form.organisation_id.choices = choices(sorted(orgs.items(), key=lambda kv: kv[1]))
    kinds = [CommunityAccess.ORGANISATION, CommunityAccess.INVITATION]
    if current_user.is_admin:
        kinds.insert(1, CommunityAccess.PLATFORM)
    if not orgs:
        kinds = [CommunityAccess.PLATFORM]
    form.access.choices = choices((k.value, ACCESS_LABELS[k]) for k in kinds)
    if form.access.data is None:
        form.access.data = kinds[0].value
    form.kwesties.choices = choices((n, f"{n}. {name}") for n, name in _kwestie_names().items())
    return form


@bp.route("/leergemeenschappen/nieuw", methods=["GET", "POST"])
@member
def new_community() -> ResponseReturnValue:
    if not access.may_create(current_user):
        raise NotFound
    form = _community_form()
    if done := submitted(
        form,
        lambda: services.create_community(current_user, _community_input(form)),
        _("De leergemeenschap is gestart."),
    ):
        return redirect(url_for(".community", community_slug=done.value.slug))
    return render_template("threads/new_community.html", form=form)


def _community_input(form: CommunityForm) -> services.CommunityInput:
    """The fields of a valid form for a new community."""
    raw_org = form.organisation_id.data
    return services.CommunityInput(
        name=form.name.data or "",
        description=form.description.data or "",
        access=form.access.data or "",
        organisation_id=int(raw_org) if raw_org and str(raw_org).isdecimal() else None,
        kwesties=list(form.kwesties.data or []),
    )


@bp.route("/leergemeenschappen/instellingen", methods=["GET", "POST"])
@member
def settings() -> ResponseReturnValue:
    setting = db.session.get(DigestSetting, current_user.id)
    form = DigestForm(data={"enabled": bool(setting and setting.enabled)})
    if form.validate_on_submit():
        if setting is None:
            setting = DigestSetting(user_id=current_user.id)
            db.session.add(setting)
        setting.enabled = bool(form.enabled.data)
        db.session.commit()
        flash(_("Uw instelling is opgeslagen."), "success")
        return redirect(url_for(".settings"))
    return render_template("threads/settings.html", form=form)


@bp.get("/leergemeenschappen/<community_slug>")
@scoped("community")
def community(community_slug: str) -> ResponseReturnValue:
    community = access.get_community_for(current_user, community_slug)
    query = services.community_threads(current_user, community)
    kwestie = request.args.get("kwestie", "")
    if kwestie.isdecimal():
        query = query.where(
            Thread.id.in_(
                select(ThreadKwestie.thread_id).where(ThreadKwestie.kwestie_number == int(kwestie))
            )
        )
    page, per_page = _page_number(), int(current_app.config["PAGE_SIZE"])
    rows = db.session.execute(
        query.options(selectinload(Thread.author)).limit(per_page + 1).offset((page - 1) * per_page)
    ).all()
    membership = services.membership_of(current_user, community)
    moderator = access.is_moderator(current_user, community)
    return render_template(
        "threads/community.html",
        community=community,
        rows=rows[:per_page],
        more=len(rows) > per_page,
        page=page,
        kwestie=int(kwestie) if kwestie.isdecimal() else None,
        kwesties=_kwestie_names(),
        membership=membership,
        moderator=moderator,
        open_reports=len(services.open_reports(current_user, community)) if moderator else 0,
        published=services.published_cases(community),
        labels=ACCESS_LABELS,
        form=EmptyForm(),
    )


@bp.post("/leergemeenschappen/<community_slug>/lid-worden")
@scoped("community")
def join(community_slug: str) -> ResponseReturnValue:
    community = access.get_community_for(current_user, community_slug)
    if EmptyForm().validate_on_submit():
        services.join(current_user, community)
        db.session.commit()
        flash(_("U bent lid van %(name)s.", name=community.name), "success")
    return redirect(url_for(".community", community_slug=community.slug))


@bp.post("/leergemeenschappen/<community_slug>/verlaten")
@scoped("community")
def leave(community_slug: str) -> ResponseReturnValue:
    community = access.get_community_for(current_user, community_slug)
    if EmptyForm().validate_on_submit():
        try:
            services.leave(current_user, community)
        except Invalid as err:
            db.session.rollback()
            flash(str(err.message), "error")
            return redirect(url_for(".community", community_slug=community.slug))
        db.session.commit()
        flash(_("U bent geen lid meer van %(name)s.", name=community.name), "success")
    if community.access == CommunityAccess.INVITATION:
        return redirect(url_for(".index"))
    return redirect(url_for(".community", community_slug=community.slug))


@bp.post("/leergemeenschappen/<community_slug>/volgen")
@scoped("community")
def follow_community(community_slug: str) -> ResponseReturnValue:
    community = access.get_community_for(current_user, community_slug)
    if EmptyForm().validate_on_submit():
        follows = request.form.get("follows") == "1"
        services.set_follow_community(current_user, community, follows)
        db.session.commit()
        if follows:
            flash(_("U krijgt een melding bij elke nieuwe discussie."), "success")
        else:
            flash(_("U krijgt geen meldingen meer bij nieuwe discussies."), "success")
    return redirect(url_for(".community", community_slug=community.slug))


def _chosen_id(raw: str | None) -> int | None:
    """A chosen id from a select; anything but a plausible id is 0, which the service refuses."""
    if not raw:
        return None
    return int(raw) if raw.isdecimal() and len(raw) < 19 else 0


def _thread_form(community: Community, form: ThreadForm | None = None) -> ThreadForm:
    form = form or ThreadForm()
    form.kwesties.choices = choices((n, f"{n}. {name}") for n, name in _kwestie_names().items())
    methods = db.session.scalars(visible_methods(current_user).order_by(Method.name)).all()
    shared = [
        m
        for m in methods
        if m.builtin
        or (
            community.access == CommunityAccess.ORGANISATION
            and m.organisation_id == community.organisation_id
        )
    ]
    form.method.choices = choices([("", _("Geen")), *((m.slug, m.name) for m in shared)])
    published = services.published_cases(community)
    form.published_case.choices = choices([("", _("Geen")), *((p.id, p.title) for p in published)])
    return form


@bp.route("/leergemeenschappen/<community_slug>/nieuwe-discussie", methods=["GET", "POST"])
@scoped("community")
def new_thread(community_slug: str) -> ResponseReturnValue:
    community = access.get_community_for(current_user, community_slug)
    form = _thread_form(community)
    status = 200
    if form.validate_on_submit():
        data = services.ThreadInput(
            title=form.title.data or "",
            body=form.body.data or "",
            kwesties=list(form.kwesties.data or []),
            tags=[t for t in (form.tags.data or "").split(",") if t.strip()],
            method=form.method.data or None,
            published_case=int(raw)
            if (raw := form.published_case.data or "").isdecimal()
            else None,
        )
        try:
            thread = services.create_thread(current_user, community, data)
            check_posting(current_user)  # after the checks: a refused post costs nothing
        except TooFast as err:
            db.session.rollback()
            audit_throttled(current_user)
            db.session.commit()
            form.form_errors.append(str(err.message))
            status = 429
        except Invalid as err:
            db.session.rollback()
            apply_errors(form, err)
        else:
            db.session.commit()
            flash(_("Uw discussie staat online."), "success")
            return redirect(url_for(".show", thread_id=thread.id))
    return render_template("threads/new_thread.html", community=community, form=form), status


def _members_page(community: Community, form: HandleForm | None = None) -> str:
    return render_template(
        "threads/members.html",
        community=community,
        members=services.members(community),
        moderator=access.is_moderator(current_user, community),
        form=form or HandleForm(formdata=None),
        roles=MemberRole,
    )


@bp.route("/leergemeenschappen/<community_slug>/leden", methods=["GET", "POST"])
@scoped("community")
def members(community_slug: str) -> ResponseReturnValue:
    community = access.get_community_for(current_user, community_slug)
    if request.method == "GET":
        return _members_page(community)
    community = access.get_community_for(current_user, community_slug, moderate=True)
    form = HandleForm()
    if form.validate_on_submit():
        action, handle = request.form.get("action", ""), form.handle.data or ""
        try:
            if action == "invite":
                services.invite(current_user, community, handle)
                message = _("De uitnodiging is verstuurd.")
            elif action == "remove":
                services.remove_member(current_user, community, handle)
                message = _("Het lid is uit de leergemeenschap gehaald.")
            elif action in {"appoint", "stand_down"}:
                services.set_moderator(current_user, community, handle, action == "appoint")
                message = _("De moderatoren zijn bijgewerkt.")
            else:
                abort(400)
        except Invalid as err:
            db.session.rollback()
            apply_errors(form, err)
            return _members_page(community, form)
        db.session.commit()
        flash(message, "success")
    return redirect(url_for(".members", community_slug=community.slug))


@bp.route("/leergemeenschappen/<community_slug>/bewerken", methods=["GET", "POST"])
@scoped("community")
def edit_community(community_slug: str) -> ResponseReturnValue:
    community = access.get_community_for(current_user, community_slug, moderate=True)
    form = CommunityForm(
        data={
            "name": community.name,
            "description": community.description,
            "kwesties": community.kwesties,
        }
        if request.method == "GET"
        else None
    )
    form.kwesties.choices = choices((n, f"{n}. {name}") for n, name in _kwestie_names().items())
    if request.method == "POST" and EmptyForm().validate_on_submit():
        if request.form.get("action") == "archive":
            services.archive_community(current_user, community)
            db.session.commit()
            flash(_("De leergemeenschap is gearchiveerd."), "success")
            return redirect(url_for(".index"))
        data = services.CommunityInput(
            name=form.name.data or "",
            description=form.description.data or "",
            kwesties=list(form.kwesties.data or []),
        )
        if submitted(
            form,
            lambda: services.update_community(current_user, community, data),
            _("De leergemeenschap is bijgewerkt."),
            valid=True,  # only the CSRF token is checked above; the service checks the fields
        ):
            return redirect(url_for(".community", community_slug=community.slug))
    return render_template(
        "threads/edit_community.html", community=community, form=form, archive_form=EmptyForm()
    )


@bp.get("/leergemeenschappen/<community_slug>/moderatie")
@scoped("community")
def moderation(community_slug: str) -> ResponseReturnValue:
    community = access.get_community_for(current_user, community_slug, moderate=True)
    reports = services.open_reports(current_user, community)
    return render_template(
        "threads/moderation.html", community=community, reports=reports, form=EmptyForm()
    )


@bp.post("/moderatie/meldingen/<int:report_id>")
@scoped("report")
def resolve_report(report_id: int) -> ResponseReturnValue:
    report = access.get_report_for(current_user, report_id)
    slug = report.post.thread.community.slug
    if EmptyForm().validate_on_submit():
        remove = request.form.get("action") == "remove"
        services.resolve_report(current_user, report_id, remove=remove)
        db.session.commit()
        flash(
            _("Het bericht is verwijderd.") if remove else _("De melding is afgehandeld."),
            "success",
        )
    return redirect(url_for(".moderation", community_slug=slug))


# --- a thread ------------------------------------------------------------------------------------


def _thread_page(
    thread: Thread, *, reply_form: ReplyForm | None = None, status: int = 200
) -> ResponseReturnValue:
    page = _page_number()
    per_page = services.page_size()
    total = thread.post_count or 0
    pages = max(1, -(-total // per_page))
    page = min(page, pages)
    posts = db.session.scalars(
        services.posts_query(thread)
        .options(selectinload(Post.author))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    last_read = services.last_read(current_user, thread)
    first_unread = services.first_unread(current_user, thread)
    moderator = access.is_moderator(current_user, thread.community)
    if reply_form is None:
        reply_form = ReplyForm(formdata=None)
        quoted = request.args.get("citeer", "")
        if quoted.isdecimal():
            source = db.session.get(Post, int(quoted))
            if source is not None and source.thread_id == thread.id and source.deleted_at is None:
                reply_form.body.data = services.quote(source)
    method = None
    if thread.method_id:
        method = db.session.scalar(
            visible_methods(current_user).where(Method.id == thread.method_id)
        )
    may_reply = thread.locked_at is None or moderator
    page_html = render_template(
        "threads/show.html",
        thread=thread,
        community=thread.community,
        posts=posts,
        page=page,
        pages=pages,
        last_read=last_read,
        first_unread=first_unread,
        on_page={p.id for p in posts},
        moderator=moderator,
        may_edit={
            p.id: p.deleted_at is None
            and (moderator or (p.author_id == current_user.id and thread.locked_at is None))
            for p in posts
        },  # access.may_edit, with the moderator answer asked once for the page
        following=services.is_following(current_user, thread),
        reply_form=reply_form if may_reply else None,
        method=method,
        published=services.published_case_of(thread),
        kwesties=_kwestie_names(),
        form=EmptyForm(),
    )
    if posts:  # rendered first: the commit expires the rows the page shows
        services.mark_read(current_user, thread, posts[-1].id)
        db.session.commit()
    return page_html, status


@bp.get("/discussies/<int:thread_id>")
@scoped("thread")
@writes  # marks the posts on the page as read
def show(thread_id: int) -> ResponseReturnValue:
    return _thread_page(access.get_thread_for(current_user, thread_id))


@bp.get("/discussies/<int:thread_id>/ongelezen")
@scoped("thread")
def unread(thread_id: int) -> ResponseReturnValue:
    """Jump to the first post the reader has not read yet (or the last one)."""
    thread = access.get_thread_for(current_user, thread_id)
    target = services.first_unread(current_user, thread) or thread.last_post_id
    page = services.page_of_post(thread, target)
    return redirect(url_for(".show", thread_id=thread.id, pagina=page, _anchor=f"bericht-{target}"))


@bp.post("/discussies/<int:thread_id>/reageren")
@scoped("thread")
def reply(thread_id: int) -> ResponseReturnValue:
    thread = access.get_thread_for(current_user, thread_id)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            post = services.reply(current_user, thread.id, form.body.data or "")
            check_posting(current_user)  # after the checks: a refused post costs nothing
        except TooFast as err:
            db.session.rollback()
            audit_throttled(current_user)
            db.session.commit()
            form.body.errors = [str(err.message)]
            return _thread_page(thread, reply_form=form, status=429)
        except services.ThreadLocked as err:
            db.session.rollback()
            flash(str(err.message), "error")
            return redirect(url_for(".show", thread_id=thread.id))
        except Invalid as err:
            db.session.rollback()
            apply_errors(form, err)
            return _thread_page(thread, reply_form=form)
        address = _address_of(post)  # before the commit expires the post; no detour via .post
        db.session.commit()
        flash(_("Uw reactie is geplaatst."), "success")
        return redirect(address)
    return _thread_page(thread, reply_form=form)


@bp.post("/discussies/<int:thread_id>/volgen")
@scoped("thread")
def follow_thread(thread_id: int) -> ResponseReturnValue:
    thread = access.get_thread_for(current_user, thread_id)
    if EmptyForm().validate_on_submit():
        if request.form.get("follows") == "1":
            services.follow(current_user, thread)
            flash(_("U volgt deze discussie."), "success")
        else:
            services.unfollow(current_user, thread)
            flash(_("U volgt deze discussie niet meer."), "success")
        db.session.commit()
    return redirect(url_for(".show", thread_id=thread.id))


MODERATION_ACTIONS: dict[str, Any] = {
    "pin": (lambda user, tid: services.set_pinned(user, tid, True), _l("Vastgezet bovenaan.")),
    "unpin": (lambda user, tid: services.set_pinned(user, tid, False), _l("Losgemaakt.")),
    "lock": (
        lambda user, tid: services.set_locked(user, tid, True),
        _l("De discussie is gesloten."),
    ),
    "unlock": (
        lambda user, tid: services.set_locked(user, tid, False),
        _l("De discussie is weer open."),
    ),
    "delete": (services.delete_thread, _l("De discussie is verwijderd.")),
}


@bp.post("/discussies/<int:thread_id>/beheren")
@scoped("thread")
def moderate_thread(thread_id: int) -> ResponseReturnValue:
    thread = access.get_thread_for(current_user, thread_id, moderate=True)
    action = MODERATION_ACTIONS.get(request.form.get("action", ""))
    if action is None:
        abort(400)
    if EmptyForm().validate_on_submit():
        change, message = action
        change(current_user, thread.id)
        db.session.commit()
        flash(str(message), "success")
    if thread.deleted_at is not None:
        return redirect(url_for(".community", community_slug=thread.community.slug))
    return redirect(url_for(".show", thread_id=thread.id))


# --- posts ---------------------------------------------------------------------------------------


def _address_of(found: Post) -> str:
    """The page of the thread on which a post stands, scrolled to it."""
    page = services.page_of_post(found.thread, found.id)
    return url_for(".show", thread_id=found.thread_id, pagina=page, _anchor=f"bericht-{found.id}")


@bp.get("/berichten/<int:post_id>")
@scoped("post")
def post(post_id: int) -> ResponseReturnValue:
    """A post's own address: its page of the thread, scrolled to it."""
    return redirect(_address_of(access.get_post_for(current_user, post_id)))


@bp.route("/berichten/<int:post_id>/bewerken", methods=["GET", "POST"])
@scoped("post")
def edit_post(post_id: int) -> ResponseReturnValue:
    found = access.get_post_for(current_user, post_id)
    if not access.may_edit(current_user, found):
        raise NotFound
    form = EditPostForm(data={"body": found.body} if request.method == "GET" else None)
    if submitted(
        form,
        lambda: services.edit_post(current_user, found.id, form.body.data or ""),
        _("Het bericht is bijgewerkt."),
    ):
        return redirect(url_for(".post", post_id=found.id))
    return render_template("threads/edit_post.html", post=found, form=form)


@bp.post("/berichten/<int:post_id>/verwijderen")
@scoped("post")
def delete_post(post_id: int) -> ResponseReturnValue:
    found = access.get_post_for(current_user, post_id)
    if EmptyForm().validate_on_submit():
        services.delete_post(current_user, found.id)
        db.session.commit()
        flash(_("Het bericht is verwijderd."), "success")
    return redirect(url_for(".post", post_id=found.id))


@bp.route("/berichten/<int:post_id>/melden", methods=["GET", "POST"])
@scoped("post")
def report_post(post_id: int) -> ResponseReturnValue:
    found = access.get_post_for(current_user, post_id)
    if found.deleted_at is not None:
        raise NotFound
    form = ReportForm()
    if submitted(
        form,
        lambda: services.report_post(current_user, found.id, form.reason.data or ""),
        _("Dank u. De moderatoren bekijken uw melding."),
    ):
        return redirect(url_for(".post", post_id=found.id))
    return render_template("threads/report.html", post=found, form=form)


@bp.get("/berichten/<int:post_id>/geschiedenis")
@scoped("post")
def history(post_id: int) -> ResponseReturnValue:
    revisions = services.revisions(current_user, post_id)
    found = access.get_post_for(current_user, post_id)
    return render_template("threads/history.html", post=found, revisions=revisions)
