"""The console's pages: log in, log out, and the console itself (its script is static).

The login form is protected against cross-site posting by a double-submit token: a random
value in a SameSite=Strict cookie that the form must repeat. The console page carries the
session's CSRF token in a ``<meta>`` tag; ``console.js`` sends it with every change.
"""

from __future__ import annotations

import html
from pathlib import Path
from string import Template

from aiohttp import web

from desk.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, new_token, same_token
from desk.keys import AGENT_KEY, CONFIG_KEY, CSRF_KEY, SERVICE_KEY
from desk.service import AgentView

STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
_LOGIN = Template((TEMPLATES_DIR / "login.html").read_text(encoding="utf-8"))
_CONSOLE = Template((TEMPLATES_DIR / "console.html").read_text(encoding="utf-8"))


def _page(text: str, status: int = 200) -> web.Response:
    response = web.Response(text=text, content_type="text/html", status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _login_page(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    token = new_token()
    response = _page(_LOGIN.substitute(csrf=token, error=html.escape(error)), status)
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
    started = await request.app[SERVICE_KEY].login(username.strip(), password)
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
        await request.app[SERVICE_KEY].logout(token)
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def console(request: web.Request) -> web.Response:
    agent: AgentView = request[AGENT_KEY]
    return _page(
        _CONSOLE.substitute(
            csrf=html.escape(request[CSRF_KEY]),
            agent=html.escape(agent.name),
            merchant=html.escape(agent.merchant),
            role=html.escape(agent.role),
        )
    )


async def home(request: web.Request) -> web.Response:
    raise web.HTTPFound("/console")


def setup(app: web.Application) -> None:
    app.router.add_get("/", home)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/console", console)
    app.router.add_static("/static/", STATIC_DIR, show_index=False)
