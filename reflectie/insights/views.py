"""Insights pages: a team's (for its leercoaches and teamleiders), an organisation's (for
beheerders, counts only), and the signalering report as Markdown, PDF and a page to print."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from reflectie.accounts import services as accounts
from reflectie.accounts.access import get_team_for
from reflectie.accounts.models import Organisation, Team
from reflectie.audit.throttle import per_user
from reflectie.cases.services import all_kwesties
from reflectie.db import local_today
from reflectie.insights import charts, services
from reflectie.insights.services import Quarter
from reflectie.pdf import pdf_response
from reflectie.permissions import Perm, admin, scoped

bp = Blueprint("insights", __name__)


def _quarters() -> list[Quarter]:
    first = Quarter.parse(request.args.get("van"))
    last = Quarter.parse(request.args.get("tot"))
    return services.period(first, last, today=local_today())


def _choices(quarters: list[Quarter]) -> list[Quarter]:
    """The quarters the period filter offers, newest first: the last twelve and the chosen."""
    offered = [Quarter.of(local_today())]
    while len(offered) < services.MAX_QUARTERS:
        offered.append(offered[-1].previous())
    return sorted({*offered, *quarters}, reverse=True)


def _names() -> dict[int, str]:
    return {k.number: k.name for k in all_kwesties()}


def _team_page_data(team: Team) -> dict:
    quarters = _quarters()
    facts = services.team_insights(current_user, team, quarters, today=local_today())
    names = _names()
    labels = [q.label for q in quarters]
    kwestie_chart = charts.column_chart(
        labels,
        [
            charts.Series(f"{n}. {names.get(n, '')}", [facts.kwesties[q][n] for q in quarters])
            for n in range(1, 8)
        ],
        stacked=True,
    )
    meeting_chart = charts.column_chart(
        labels,
        [
            charts.Series(_("gepland"), [facts.planned[q] for q in quarters]),
            charts.Series(_("gehouden"), [facts.held[q] for q in quarters]),
        ],
        stacked=False,
    )
    return {
        "team": team,
        "facts": facts,
        "names": names,
        "kwestie_chart": kwestie_chart,
        "meeting_chart": meeting_chart,
        "value_chart": charts.bar_chart(facts.values, colour=charts.PALETTE[2]),
        "method_chart": charts.bar_chart(facts.methods, colour=charts.PALETTE[3]),
        "first": quarters[0],
        "last": quarters[-1],
        "choices": _choices(quarters),
    }


@bp.get("/teams/<slug>/inzichten")
@scoped("team")
def team(slug: str) -> ResponseReturnValue:
    team = get_team_for(current_user, slug, Perm.INSIGHTS_READ)
    return render_template("insights/team.html", **_team_page_data(team))


@bp.get("/teams/<slug>/inzichten/signalering")
@scoped("team")
@per_user("RATELIMIT_EXPORTS", "exports")
def signalering(slug: str) -> ResponseReturnValue:
    """The report as a page to print, for where the server cannot make the PDF."""
    team = get_team_for(current_user, slug, Perm.INSIGHTS_READ)
    return render_template("insights/signalering.html", pdf=False, **_team_page_data(team))


@bp.get("/teams/<slug>/inzichten/signalering.md")
@scoped("team")
@per_user("RATELIMIT_EXPORTS", "exports")
def signalering_markdown(slug: str) -> ResponseReturnValue:
    team = get_team_for(current_user, slug, Perm.INSIGHTS_READ)
    text = render_template("insights/signalering.md", **_team_page_data(team))
    return Response(
        text,
        mimetype="text/markdown",
        headers={"Content-Disposition": f'attachment; filename="signalering-{team.slug}.md"'},
    )


@bp.get("/teams/<slug>/inzichten/signalering.pdf")
@scoped("team")
@per_user("RATELIMIT_EXPORTS", "exports")
def signalering_pdf(slug: str) -> ResponseReturnValue:
    team = get_team_for(current_user, slug, Perm.INSIGHTS_READ)
    return pdf_response(
        render_template("insights/signalering.html", pdf=True, **_team_page_data(team)),
        filename=f"signalering-{team.slug}.pdf",
        print_view=url_for(".signalering", slug=team.slug, **request.args),
    )


@bp.get("/beheer/organisaties/<int:org_id>/inzichten")
@admin
def organisation(org_id: int) -> ResponseReturnValue:
    org = accounts.find(Organisation, id=org_id)
    quarters = _quarters()
    facts = services.organisation_insights(org, quarters)
    return render_template(
        "insights/organisation.html",
        org=org,
        facts=facts,
        names=_names(),
        small=services.SMALL,
        first=quarters[0],
        last=quarters[-1],
        choices=_choices(quarters),
    )
