"""The console's pages: log in, log out, and the console itself (its script is static).

The pages are Jinja2 templates in ``desk/templates`` (one base layout, one template a page),
rendered through aiohttp-jinja2 with autoescaping on: every value a page shows, an agent's
name as much as an error message, is escaped by the template engine, so no handler escapes by
hand and a new field cannot be forgotten. Undefined names fail the render instead of showing
nothing.

The login form is protected against cross-site posting by a double-submit token: a random
value in a SameSite=Strict cookie that the form must repeat. The console page carries the
session's CSRF token in a ``<meta>`` tag; ``console.js`` sends it with every change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from desk.accounts import AgentView
from desk.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, new_token, same_token
from desk.keys import ACCOUNTS_KEY, AGENT_KEY, CONFIG_KEY, CSRF_KEY

STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATES = ("desk", "templates")  # package and folder: found in a checkout and when installed


def template_environment(app: web.Application) -> jinja2.Environment:
    """Install the desk's templates on ``app``: autoescaped, strict about undefined names."""
    return aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader(*TEMPLATES),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html",), default_for_string=True, default=True
        ),
        undefined=jinja2.StrictUndefined,
        default_helpers=False,
    )


def _page(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    """A rendered page that no cache keeps (it holds a CSRF token)."""
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _login_page(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    token = new_token()
    response = _page(request, "login.html", {"csrf": token, "error": error}, status)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=request.app[CONFIG_KEY].cookie_secure,
        path="/login",
    )
    return response


async def login_form(request: web.Request) -> web.Response:
    return _login_page(request)


async def login(request: web.Request) -> web.Response:
    try:
        form = await request.post()
    except (UnicodeDecodeError, ValueError):
        return _login_page(request, "The form could not be read; please try again.", 400)
    if not same_token(str(form.get("csrf") or ""), request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        return _login_page(request, "Your session expired; please try again.", 403)
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    started = await request.app[ACCOUNTS_KEY].login(username.strip(), password)
    if started is None:
        return _login_page(request, "Wrong username or password.", 401)
    token, _ = started
    response = web.HTTPSeeOther("/console")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=request.app[CONFIG_KEY].cookie_secure,
        max_age=request.app[CONFIG_KEY].session_hours * 3600,
        path="/",
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
    raise response


async def logout(request: web.Request) -> web.Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await request.app[ACCOUNTS_KEY].logout(token)
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def console(request: web.Request) -> web.Response:
    agent: AgentView = request[AGENT_KEY]
    return _page(request, "console.html", {"csrf": request[CSRF_KEY], "agent": agent})


async def home(request: web.Request) -> web.Response:
    raise web.HTTPFound("/console")


def setup(app: web.Application) -> None:
    """The pages' routes, their static files and the template environment they render with."""
    template_environment(app)
    app.router.add_get("/", home)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/console", console)
    app.router.add_static("/static/", STATIC_DIR, show_index=False)
