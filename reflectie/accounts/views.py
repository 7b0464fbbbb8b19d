"""Login, logout, second factor, password and account pages."""

from __future__ import annotations

import io
import json
import time

import segno
from flask import (
    Blueprint,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup

from reflectie.accounts import confidentiality, forms, services
from reflectie.accounts.confidentiality import ConfidentialityRequired
from reflectie.accounts.models import User
from reflectie.accounts.personal_data import export_personal_data
from reflectie.accounts.sessions import (
    failed_login,
    log_in,
    login_account_key,
    login_account_limit,
    login_ip_limit,
)
from reflectie.audit.services import record
from reflectie.db import db, short_write, writes
from reflectie.errors import Invalid, error_response, wants_json
from reflectie.extensions import limiter
from reflectie.forms import EmptyForm, apply_errors, submitted
from reflectie.permissions import admin, member, public, scoped
from reflectie.security import same_site_path

bp = Blueprint("accounts", __name__)

PENDING_SECONDS = 300  # time to type the second factor after the password


def _pending_key() -> str:
    return f"login-2fa:{session.get('pending_2fa', {}).get('uid', request.remote_addr)}"


def _complete_login(user: User, *, remember: bool, next_url: str) -> ResponseReturnValue:
    log_in(user, remember=remember)
    db.session.commit()
    return redirect(same_site_path(next_url, url_for("main.home")))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(login_ip_limit, methods=["POST"])
@limiter.limit(
    login_account_limit, key_func=login_account_key, methods=["POST"], deduct_when=failed_login
)
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = forms.LoginForm()
    next_url = request.args.get("next", "")
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            db.session.commit()  # keeps the audit row of the failed attempt
            # One message for an unknown e-mail and a wrong password: nothing is revealed.
            form.form_errors.append(_("Het e-mailadres of het wachtwoord klopt niet."))
            return render_template("accounts/login.html", form=form), 200
        if user.totp_enabled:
            db.session.commit()  # a rehash on login must not wait for the second factor
            session.clear()
            session["pending_2fa"] = {
                "uid": user.id,
                "gen": user.session_generation,
                "remember": bool(form.remember.data),
                "next": next_url,
                "at": time.time(),
            }
            return redirect(url_for("accounts.login_2fa"))
        return _complete_login(user, remember=bool(form.remember.data), next_url=next_url)
    return render_template("accounts/login.html", form=form)


@bp.route("/login/tweestaps", methods=["GET", "POST"])
@public
@limiter.limit(login_ip_limit, methods=["POST"])
@limiter.limit(
    login_account_limit, key_func=_pending_key, methods=["POST"], deduct_when=failed_login
)
def login_2fa() -> ResponseReturnValue:
    pending = session.get("pending_2fa")
    user = db.session.get(User, pending["uid"]) if pending else None
    if (
        pending is None
        or user is None
        or not user.active
        or user.session_generation != pending["gen"]
        or time.time() - pending["at"] > PENDING_SECONDS
    ):
        session.pop("pending_2fa", None)
        flash(_("Log opnieuw in."), "info")
        return redirect(url_for("accounts.login"))
    form = forms.SecondFactorForm()
    if form.validate_on_submit():
        if services.verify_second_factor(user, form.code.data):
            return _complete_login(user, remember=pending["remember"], next_url=pending["next"])
        db.session.commit()  # the failed attempt is audited
        form.code.errors = [_("Deze code klopt niet, of is al gebruikt.")]
    return render_template("accounts/login_2fa.html", form=form)


@bp.post("/logout")
@public
def logout() -> ResponseReturnValue:
    # Public so that a visitor whose session already ended still gets a clean answer.
    form = EmptyForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        services.end_all_sessions(current_user, reason="logout")
        db.session.commit()
    logout_user()
    session.clear()
    response = make_response(render_template("accounts/logged_out.html"))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@bp.route("/account", methods=["GET", "POST"])
@member
def account() -> ResponseReturnValue:
    form = forms.PreferencesForm(locale=current_user.locale)
    if form.validate_on_submit():
        try:
            services.set_locale(current_user, form.locale.data)
        except Invalid as err:
            apply_errors(form, err)
        else:
            db.session.commit()
            flash(_("Uw voorkeuren zijn opgeslagen."), "success")
            return redirect(url_for(".account"))
    return render_template(
        "accounts/account.html",
        form=form,
        action_form=EmptyForm(),
        recovery_left=services.unused_recovery_codes(current_user),
        requires_2fa=services.requires_2fa(current_user),
        status_labels=confidentiality.STATUS_LABELS,
    )


@bp.get("/account/mijn-gegevens.json")
@member
@writes
def personal_data() -> ResponseReturnValue:
    """Download everything Reflectie holds about you (AVG inzage and overdraagbaarheid)."""
    data = export_personal_data(current_user)
    db.session.commit()  # the audit row of the export
    response = make_response(json.dumps(data, ensure_ascii=False, indent=2))
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="mijn-gegevens-reflectie.json"'
    return response


def _password_check_key() -> str:
    return f"password-check:{current_user.get_id()}"


def _password_failed(err: Invalid | None = None) -> None:
    """Audit a failed password re-check (after the rollback, so the row is kept)."""
    if err is None or any("password" in name for name in err.fields):
        services.record_failed_password_check(current_user)
        db.session.commit()


# Pages that re-check the password are throttled like the login page: a hijacked session must
# not become a way to guess the password.
password_checks = limiter.shared_limit(
    login_account_limit,
    scope="password-check",
    key_func=_password_check_key,
    methods=["POST"],
)


@bp.route("/account/wachtwoord", methods=["GET", "POST"])
@member
@password_checks
def change_password() -> ResponseReturnValue:
    form = forms.ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, current=form.current_password.data, new=form.new_password.data
            )
        except Invalid as err:
            db.session.rollback()
            _password_failed(err)
            apply_errors(form, err)
        else:
            db.session.commit()
            # Every other session ended; this one carries on with the new generation.
            login_user(
                current_user._get_current_object(), remember=session.get("remembered", False)
            )
            flash(_("Uw wachtwoord is gewijzigd. Op andere apparaten bent u uitgelogd."), "success")
            return redirect(url_for(".account"))
    return render_template("accounts/change_password.html", form=form)


@bp.post("/account/overal-uitloggen")
@member
def logout_everywhere() -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        services.end_all_sessions(current_user)
        db.session.commit()
    logout_user()
    session.clear()
    response = make_response(render_template("accounts/logged_out.html", everywhere=True))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


def _qr_svg(uri: str) -> Markup:
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer, kind="svg", scale=5, xmldecl=False, svgns=True, title="QR-code"
    )
    # segno's own SVG output from a URI we built: no user-controlled markup goes in.
    return Markup(buffer.getvalue().decode())  # noqa: S704


@bp.route("/account/tweestaps", methods=["GET", "POST"])
@member
def setup_2fa() -> ResponseReturnValue:
    if current_user.totp_enabled:
        return redirect(url_for(".account"))
    # The candidate secret waits in the (signed) session until a code proves the app has it.
    secret = session.get("totp_candidate") or services.new_totp_secret()
    session["totp_candidate"] = secret
    form = forms.SetupSecondFactorForm()
    if done := submitted(
        form,
        lambda: services.enable_totp(current_user, secret, form.code.data),
        _("Tweestapsverificatie staat aan."),
    ):
        session.pop("totp_candidate", None)
        return render_template("accounts/recovery_codes.html", codes=done.value)
    uri = services.totp_uri(current_user, secret)
    return render_template(
        "accounts/setup_2fa.html",
        form=form,
        secret=secret,
        qr=_qr_svg(uri),
        required=services.requires_2fa(current_user),
    )


@bp.route("/account/tweestaps/uit", methods=["GET", "POST"])
@member
@password_checks
def disable_2fa() -> ResponseReturnValue:
    form = forms.PasswordConfirmForm()
    if form.validate_on_submit():
        try:
            services.disable_totp(current_user, form.password.data)
        except Invalid as err:
            db.session.rollback()
            _password_failed(err)
            apply_errors(form, err)
        else:
            db.session.commit()
            flash(_("Tweestapsverificatie staat uit."), "success")
            return redirect(url_for(".account"))
    return render_template("accounts/disable_2fa.html", form=form)


@bp.route("/account/herstelcodes", methods=["GET", "POST"])
@member
@password_checks
def recovery_codes() -> ResponseReturnValue:
    form = forms.PasswordConfirmForm()
    if not current_user.totp_enabled:
        return redirect(url_for(".setup_2fa"))
    if form.validate_on_submit():
        if services.confirm_password(current_user, form.password.data):
            codes = services.new_recovery_codes(current_user)
            db.session.commit()
            return render_template("accounts/recovery_codes.html", codes=codes)
        _password_failed()
        form.password.errors = [_("Uw wachtwoord klopt niet.")]
    return render_template("accounts/confirm_recovery.html", form=form)


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@public
@limiter.limit(login_ip_limit, methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    form = forms.ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        # The same answer whether or not the address has an account.
        flash(
            _(
                "Als dit adres bij ons bekend is, ontvangt u binnen enkele minuten een e-mail "
                "met een link om een nieuw wachtwoord te kiezen."
            ),
            "info",
        )
        return redirect(url_for(".login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
@public
@limiter.limit(login_ip_limit, methods=["POST"])
def reset_password(token: str) -> ResponseReturnValue:
    form = forms.ResetPasswordForm()
    try:
        services.check_reset_token(token)
    except Invalid as err:
        return render_template("accounts/reset_invalid.html", message=err.message), 410
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.new_password.data)
        except Invalid as err:
            db.session.rollback()
            apply_errors(form, err)
        else:
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Uw nieuwe wachtwoord is ingesteld. Log ermee in."), "success")
            return redirect(url_for(".login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account/tokens", methods=["GET", "POST"])
@member
def tokens() -> ResponseReturnValue:
    form = forms.TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            _token, new_token = services.create_token(current_user, form.name.data)
        except Invalid as err:
            db.session.rollback()
            apply_errors(form, err)
        else:
            db.session.commit()
            form = forms.TokenForm(formdata=None)
    return render_template(
        "accounts/tokens.html",
        form=form,
        new_token=new_token,
        tokens=services.user_tokens(current_user),
        action_form=EmptyForm(),
    )


@bp.post("/account/tokens/<int:token_id>/intrekken")
@scoped("api_token")
def revoke_token(token_id: int) -> ResponseReturnValue:
    # The token is looked up among the user's own: another user's id answers 404.
    if EmptyForm().validate_on_submit():
        services.revoke_token(current_user, token_id)
        db.session.commit()
        flash(_("Het token is ingetrokken."), "success")
    return redirect(url_for(".tokens"))


# --- geheimhouding (R-28) -----------------------------------------------------------------------


@bp.app_errorhandler(ConfidentialityRequired)
def confidentiality_required(err: ConfidentialityRequired) -> ResponseReturnValue:
    """A member of the team without a geheimhoudingsverklaring tried to open case text: say
    why and whom to ask (403; the JSON error in the API). The refusal goes on record."""
    db.session.rollback()
    with short_write():  # on SQLite the write lock up front: a GET reads, then writes this
        event = record(
            err.action,
            actor=err.actor,
            result="denied",
            team_id=err.team_id,
            reason="geheimhouding",
        )
        event.object_type, event.object_id = err.object_type, err.object_id
    if wants_json():
        return error_response(403, code=err.code, message=err.message)
    page = render_template(
        "accounts/confidentiality_required.html",
        contacts=confidentiality.contacts_for(err.team_id),
        team_id=err.team_id,
        status=err.actor.employment_status,
        labels=confidentiality.STATUS_LABELS,
        request_id=g.get("request_id", ""),
    )
    return page, 403


def _confidentiality_page(user: User, form: forms.ConfidentialityForm) -> ResponseReturnValue:
    return render_template(
        "accounts/confidentiality.html",
        user=user,
        form=form,
        agreement=user.confidentiality_agreement,
        labels=confidentiality.STATUS_LABELS,
        action_form=EmptyForm(formdata=None),
    )


@bp.route("/beheer/gebruikers/<int:user_id>/geheimhouding", methods=["GET", "POST"])
@admin
def confidentiality_status(user_id: int) -> ResponseReturnValue:
    user = services.find(User, id=user_id)
    agreement = user.confidentiality_agreement
    form = forms.ConfidentialityForm(
        data={
            "employment_status": user.employment_status.value,
            "signed_on": agreement.signed_on if agreement else None,
            "version": agreement.version if agreement else "",
        }
    )
    if submitted(
        form,
        lambda: confidentiality.set_confidentiality(current_user, user, form.to_input()),
        _("Status en geheimhouding van %(name)s zijn opgeslagen.", name=user.name),
    ):
        return redirect(url_for(".confidentiality_status", user_id=user.id))
    return _confidentiality_page(user, form)


@bp.post("/beheer/gebruikers/<int:user_id>/geheimhouding/intrekken")
@admin
def revoke_confidentiality(user_id: int) -> ResponseReturnValue:
    user = services.find(User, id=user_id)
    if EmptyForm().validate_on_submit():
        try:
            confidentiality.revoke_agreement(current_user, user)
        except Invalid as err:
            db.session.rollback()
            flash(str(err.message), "error")
        else:
            db.session.commit()
            flash(
                _("De geheimhoudingsverklaring van %(name)s is ingetrokken.", name=user.name),
                "success",
            )
    return redirect(url_for(".confidentiality_status", user_id=user.id))
