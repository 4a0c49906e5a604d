"""The desk's web application: the one module that knows Starlette.

Routes map to framework-free handlers (`check_page`, `pages`) that take plain values and return
`results` objects; this module turns those into responses. Around every request sits one guard:
the Host header (a web page the user visits must not reach the desk through DNS rebinding), the
token, cross-site POSTs refused, the body size capped, security headers on every answer."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from ..render.jinja import environment
from . import check_page, pages
from .jobs import Jobs
from .results import Json, Page, Redirect, Result, problem

MiB = 1 << 20
COOKIE = "desk_token"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")


@dataclass
class Settings:
    """What one desk runs with: its private working folder, the store, the token, the processes a
    check may use, where it listens, and the upload caps."""

    workdir: Path
    store: Path | None = None
    token: str | None = None
    jobs: int | None = None
    host: str = "127.0.0.1"
    max_body_bytes: int = 1024 * MiB  # one request: a folder of 500 returns is ~20 MiB
    max_file_bytes: int = 64 * MiB  # one file: the checker's own limit (check.preflight)
    max_files: int = 5000
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)


class BodyTooLarge(Exception):
    """The request body grew past the cap while it was being read."""


def _page(result: Page) -> HTMLResponse:
    # the environment's own render: a page's context may hold a key called `name`
    html = environment("workbook_builder.desk").get_template(result.template).render(**result.context)
    return HTMLResponse(html, status_code=result.status)


def _problem_response(title: str, message: str, status: int) -> HTMLResponse:
    return _page(problem(title, message, status))


def respond(result: Result) -> Response:
    """A handler's result as a Starlette response."""
    if isinstance(result, Page):
        return _page(result)
    if isinstance(result, Redirect):
        return RedirectResponse(result.url, status_code=result.status)
    if isinstance(result, Json):
        return JSONResponse(result.data, status_code=result.status)
    disposition = f"attachment; filename*=UTF-8''{quote(result.filename)}"
    headers = {"Content-Disposition": disposition, "Cache-Control": "no-store"}
    if result.path is not None:
        return FileResponse(result.path, media_type=result.media_type, headers=headers)
    return Response(result.content or b"", media_type=result.media_type, headers=headers)


class Guard:
    """The ASGI wrapper around the whole app (pages, downloads and static files alike)."""

    def __init__(self, app: Any, settings: Settings):
        self.app, self.settings = app, settings
        wide = settings.host in ("0.0.0.0", "::", "")
        self.hosts = None if wide else (LOOPBACK | {settings.host} | set(settings.allowed_hosts))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        set_cookie = bool(self.settings.token) and query.get("token") == self.settings.token
        if set_cookie and scope["method"] == "GET":  # the token leaves the address bar (and the history)
            rest = urlencode([(k, v) for k, v in parse_qsl(scope["query_string"].decode("latin-1")) if k != "token"])
            response = RedirectResponse(scope["path"] + (f"?{rest}" if rest else ""), status_code=303)
            self._cookie(response.raw_headers)
            await self._send_with_headers(response, scope, receive, send, scope["path"])
            return
        seen = 0
        cap = self.settings.max_body_bytes

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > cap:
                raise BodyTooLarge
            return message

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                have = {k.lower() for k, _ in raw}
                raw += [(k, v) for k, v in _security_headers(scope["path"]) if k not in have]
                if set_cookie:
                    self._cookie(raw)
                message = {**message, "headers": raw}
            await send(message)

        await self.app(scope, counted, secured)

    def _cookie(self, raw: list[tuple[bytes, bytes]]) -> None:
        cookie: SimpleCookie = SimpleCookie()
        cookie[COOKIE] = self.settings.token or ""
        cookie[COOKIE]["httponly"] = True
        cookie[COOKIE]["samesite"] = "Strict"
        cookie[COOKIE]["path"] = "/"
        raw.append((b"set-cookie", cookie.output(header="").strip().encode("latin-1")))

    async def _send_with_headers(self, response: Response, scope: Any, receive: Any, send: Any, path: str) -> None:
        response.raw_headers.extend(_security_headers(path))
        await response(scope, receive, send)

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> Response | None:
        host = headers.get("host", "")
        name = urlsplit(f"//{host}").hostname or ""
        if self.hosts is not None and name not in self.hosts:
            return _problem_response("地址不对", "请用工作台启动时显示的地址（如 http://127.0.0.1:8765/）打开它。", 400)
        if self.settings.token and not self._token_ok(scope, headers):
            return _problem_response("需要口令", "这个工作台设置了口令：请用启动时显示的完整地址（带 ?token=…）打开它，"
                                     "或向启动它的人要口令。", 403)
        if scope["method"] not in ("GET", "HEAD", "OPTIONS") and _cross_site(headers, scope):
            return _problem_response("拒绝了来自其他网页的提交",
                                     "只有工作台自己的页面能提交文件和表单。请在工作台的页面上重新操作。", 403)
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.settings.max_body_bytes:
            return too_large(self.settings)
        return None

    def _token_ok(self, scope: Scope, headers: dict[str, str]) -> bool:
        token = self.settings.token or ""
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is no token
            cookie = SimpleCookie()
        given = [query.get("token", ""), headers.get("x-desk-token", ""),
                 cookie[COOKIE].value if COOKIE in cookie else ""]
        return any(g and secrets.compare_digest(g.encode(), token.encode()) for g in given)


def _cross_site(headers: dict[str, str], scope: Scope) -> bool:
    """A POST another web page made the browser send: its Origin (or Referer) is not the desk's own.
    A browser always names the origin of a cross-site POST; a client with neither header is no
    browser page (a script of the user's own, a test)."""
    if headers.get("sec-fetch-site") == "cross-site":
        return True
    host = headers.get("host", "")
    origin = headers.get("origin")
    if origin is not None:
        return urlsplit(origin).netloc != host or origin == "null"
    referer = headers.get("referer")
    if referer is not None:
        return urlsplit(referer).netloc != host
    return False


def _security_headers(path: str) -> list[tuple[bytes, bytes]]:
    out = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY")]
    if not path.startswith("/static/"):
        out.append((b"cache-control", b"no-store"))  # pages and downloads hold units' data
    return out


def too_large(settings: Settings) -> Response:
    return _problem_response("上传的内容太大",
                             f"一次最多上传 {settings.max_body_bytes // MiB} MB。请分几次上传，或把文件夹压缩成 .zip 再上传。", 413)


def _upload(value: Any) -> check_page.Upload | None:
    """A form's one-file field (the roster) as the handlers take it, or None when no file was chosen."""
    return check_page.Upload(value.filename or "", value.file) if isinstance(value, UploadFile) and value.filename else None


def create_app(settings: Settings) -> Starlette:
    """The desk as an ASGI app (wrapped in its guard)."""
    settings.workdir.mkdir(parents=True, exist_ok=True)
    jobs = Jobs(settings.workdir, settings.jobs, settings.store)
    has_store = settings.store is not None

    async def call(fn: Callable[..., Result], *args: Any) -> Response:
        return respond(await run_in_threadpool(fn, *args))

    async def index(request: Request) -> Response:
        return RedirectResponse("/check", status_code=303)

    async def check_form(request: Request) -> Response:
        return await call(check_page.form, has_store, settings.max_body_bytes, settings.max_files,
                          check_page.recent(jobs), str(settings.store.resolve()) if settings.store else "")

    async def check_post(request: Request) -> Response:
        async with request.form(max_files=settings.max_files + 100, max_fields=settings.max_files + 100) as form:
            uploads = [check_page.Upload(f.filename or "", f.file) for f in form.getlist("files")
                       if isinstance(f, UploadFile) and (f.filename or f.size)]
            paths = [p for p in form.getlist("paths") if isinstance(p, str)]
            template = str(form.get("template") or "")
            return await call(check_page.start, jobs, uploads, paths, template, _upload(form.get("roster")),
                              bool(form.get("store_prior")) and has_store, settings.max_file_bytes, settings.max_files)

    async def job(request: Request) -> Response:
        return await call(check_page.job_page, jobs, request.path_params["job"])

    async def job_status(request: Request) -> Response:
        return await call(check_page.status, jobs, request.path_params["job"])

    async def job_file(request: Request) -> Response:
        return await call(check_page.file_page, jobs, request.path_params["job"], request.path_params["n"])

    async def job_download(request: Request) -> Response:
        return await call(check_page.get_download, jobs, request.path_params["job"], request.path_params["name"])

    async def issue(request: Request) -> Response:
        if request.method == "GET":
            return await call(pages.issue_form, has_store)
        async with request.form(max_files=settings.max_files + 100, max_fields=200) as form:
            prior = [check_page.Upload(f.filename or "", f.file) for f in form.getlist("prior")
                     if isinstance(f, UploadFile) and f.filename]
            return await call(pages.issue_post, pages.IssueForm(
                template=str(form.get("template") or ""), year=str(form.get("year") or ""),
                roster=_upload(form.get("roster")),
                prior=prior, from_store=bool(form.get("from_store")) and has_store),
                settings.workdir, settings.store, settings.jobs)

    async def rollup(request: Request) -> Response:
        if request.method == "GET":
            return await call(pages.rollup_page, settings.store, request.query_params.get("year", ""),
                              request.query_params.get("template", ""))
        form = await request.form(max_files=0, max_fields=20)
        return await call(pages.rollup_post, settings.store, settings.workdir, str(form.get("year") or ""),
                          str(form.get("template") or ""), settings.jobs)

    async def publish(request: Request) -> Response:
        if request.method == "GET":
            return await call(pages.publish_page, settings.store, request.query_params.get("year", ""),
                              request.query_params.get("template", ""))
        form = await request.form(max_files=0, max_fields=20)
        return await call(pages.publish_post, settings.store, settings.workdir, str(form.get("year") or ""),
                          str(form.get("template") or ""), bool(form.get("pdf")), settings.jobs)

    async def units(request: Request) -> Response:
        return await call(pages.units_page, settings.store)

    async def unit(request: Request) -> Response:
        return await call(pages.unit_page, settings.store, request.path_params["name"],
                          request.query_params.get("year", ""))

    async def unit_current(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=20)
        return await call(pages.make_current, settings.store, request.path_params["name"],
                          str(form.get("id") or ""), str(form.get("year") or ""))

    routes = [
        Route("/", index), Route("/check", check_form, methods=["GET"]), Route("/check", check_post, methods=["POST"]),
        Route("/check/{job}", job), Route("/check/{job}/status", job_status),
        Route("/check/{job}/file/{n:int}", job_file), Route("/check/{job}/{name}", job_download),
        Route("/issue", issue, methods=["GET", "POST"]), Route("/rollup", rollup, methods=["GET", "POST"]),
        Route("/publish", publish, methods=["GET", "POST"]), Route("/units", units),
        # `path`: a unit's name may hold a slash (“县委办/县政府办”); its link's %2F arrives decoded
        Route("/units/{name:path}", unit, methods=["GET"]),
        Route("/units/{name:path}/current", unit_current, methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("workbook_builder.desk", "static")]), name="static"),
    ]

    async def body_too_large(request: Request, exc: Exception) -> Response:
        return too_large(settings)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            return _problem_response("没有这个页面", "请从上方的菜单选择要做的事。", 404)
        if exc.status_code == 400:  # Starlette's upload parser refused the form (too many files or fields)
            return _problem_response("上传没有成功", f"上传的内容无法读取。一次最多上传 {settings.max_files} 个文件；"
                                     "文件更多时请分几次上传，或压缩成 .zip 再上传。", 400)
        if exc.status_code == 405:
            return _problem_response("不能这样打开", "请从上方的菜单选择要做的事。", 405)
        return _problem_response("请求无法处理", f"这次请求无法处理（{exc.detail}）。请回到上一页重试。", exc.status_code)

    async def server_error(request: Request, exc: Exception) -> Response:
        return _problem_response("出错了", "工作台处理这个请求时发生内部错误。请重试；如果还出现，请把操作步骤告诉维护人员。", 500)

    app = Starlette(routes=routes, middleware=[Middleware(Guard, settings=settings)], exception_handlers={
        BodyTooLarge: body_too_large, HTTPException: http_error, 500: server_error})
    app.state.jobs = jobs
    app.state.settings = settings
    return app
