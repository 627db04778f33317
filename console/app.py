"""The console's ASGI app: the page at `/`, a JSON API under `/api` (OpenAPI at `/openapi.json`)
and one WebSocket at `/ws` that pushes every robot's state and camera frames.

With an operator token set, every HTTP request and WebSocket must present it: an
`Authorization: Bearer <token>` header, the `reverie_console` cookie (set when the page is opened
as `/?token=<token>`), or a `token` query parameter.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from http.cookies import SimpleCookie
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import parse_qs

from fastapi import FastAPI, Header, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, field_validator

from console.fleet import Fleet
from console.robots import ConsoleRequestError, RobotAgent, enqueue_on_all
from console.speech import AUDIO_TYPES, MAX_AUDIO_BYTES, SpeechDesk, SpeechError

COOKIE = "reverie_console"
MAX_BODY_BYTES = 16 * 1024
SPEECH_PATH = "/api/speech"  # its body is a recording: the cap is console.speech's
MAX_WS_MESSAGE_BYTES = 4 * 1024
STATE_PERIOD_S = 0.25
FRAME_POLL_S = 0.04
STATIC = Path(str(resources.files("console") / "static"))


# ----------------------------------------------------------------------------------- models
OPERATOR_PATTERN = r"^[A-Za-z0-9_.@-]{1,40}$"
OperatorHeader = Annotated[
    str | None,
    Header(
        alias="X-Reverie-Operator",
        pattern=OPERATOR_PATTERN,
        description="who sends the command; a robot under an operator's control takes commands "
        "(not stops) only from them",
    ),
]


class ControlRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operator: str = Field(pattern=OPERATOR_PATTERN, examples=["alice"])


class ChoreRequest(BaseModel):
    """A chore for one robot, in plain language."""

    model_config = ConfigDict(extra="forbid")
    chore: str = Field(min_length=1, max_length=300, examples=["put the red block in the bowl"])

    @field_validator("chore")
    @classmethod
    def _printable(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value or not value.isprintable():
            raise ValueError("a chore is one line of printable text, e.g. 'open the drawer'")
        return value


class FleetChoreRequest(ChoreRequest):
    """One chore for several robots at once: each robot queues its own copy."""

    robots: list[str] = Field(min_length=1, max_length=64, examples=[["robot-1", "robot-2"]])

    @field_validator("robots")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("list each robot once")
        return value


class MoveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    position: int = Field(ge=1, le=1000, description="1 runs next; past the end means last")


class ClearStopRequest(BaseModel):
    """Clearing an e-stop lets the robot move again, so it has to be asked for explicitly."""

    model_config = ConfigDict(extra="forbid")
    confirm: Literal[True] = Field(description="must be true: the operator means to clear it")


class ChoreAccepted(BaseModel):
    robot: str
    id: str
    chore: str
    position: int = Field(description="place in the robot's queue; 1 runs next")


class SpeechHeard(BaseModel):
    heard: str = Field(description="what speech recognition heard")
    understood: str = Field(description="after correction towards the robot's words: the chore")
    corrections: list[dict] = Field(description='[{"heard": "ramp", "as": "lamp"}, ...]')
    echo: str = Field(description="the corrections in words, for the operator")
    duration_s: float
    latency_s: float


class StopResult(BaseModel):
    stopped: list[str]
    failed: dict[str, str] = Field(description="robot id -> why its stop failed")


# ----------------------------------------------------------------------------------- console
class Console:
    """The fleet's robots, each with its agent; started and closed with the app."""

    def __init__(self, fleet: Fleet, executor: str, runs: Path, camera_hz: float) -> None:
        self.fleet, self.executor, self.runs, self.camera_hz = fleet, executor, runs, camera_hz
        self.robots: dict[str, RobotAgent] = {}
        self._pool = ThreadPoolExecutor(max_workers=max(4, len(fleet.robots)))

    def start(self) -> None:
        for entry in self.fleet.robots:
            self.robots[entry.id] = RobotAgent(entry, self.executor, self.runs, self.camera_hz)
        for agent in self.robots.values():
            agent.start()

    def close(self) -> None:
        for agent in self.robots.values():
            agent.close()
        self._pool.shutdown(wait=False)

    def controlled(self, robot_id: str, operator: str | None) -> RobotAgent:
        """The robot, if `operator` may command it (no one controls it, or they do)."""
        agent = self.robot(robot_id)
        agent.check_operator(operator)
        return agent

    def robot(self, robot_id: str) -> RobotAgent:
        try:
            return self.robots[robot_id]
        except KeyError:
            raise HTTPException(
                404, f"no robot {robot_id!r}; robots: {', '.join(self.robots)}"
            ) from None

    def stop_all(self) -> StopResult:
        """Every robot's e-stop at once (in parallel): one slow robot does not delay the rest."""
        futures = {
            rid: self._pool.submit(a.stop, "operator stop-all") for rid, a in self.robots.items()
        }
        stopped, failed = [], {}
        for rid, future in futures.items():
            try:
                future.result(timeout=5.0)
                stopped.append(rid)
            except Exception as exc:  # a lost robot must not keep the others from stopping
                failed[rid] = str(exc)[:300]
        return StopResult(stopped=stopped, failed=failed)


# ----------------------------------------------------------------------------------- security
class TokenAndSizeGuard:
    """ASGI middleware: the Host and Origin checks, the operator token on every HTTP request and
    WebSocket (when set), and a cap on request bodies, all answered before any endpoint runs."""

    def __init__(self, app, token: str | None, host: str = "127.0.0.1") -> None:
        self.app = app
        self.expected = token.encode() if token else None
        self.host = host

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        problem = check_host_and_origin(scope, self.host)
        if problem is not None:
            return await _refuse(scope, receive, send, 403, problem)
        if self.expected is not None and not self._authorized(scope):
            message = (
                "missing or wrong operator token: send `Authorization: Bearer <token>`, or open "
                "the page as /?token=<token>"
            )
            return await _refuse(scope, receive, send, 401, message)
        if scope["type"] == "http":
            cap = MAX_AUDIO_BYTES if scope["path"] == SPEECH_PATH else MAX_BODY_BYTES
            length = dict(scope["headers"]).get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > cap):
                detail = f"request body too large: at most {cap} bytes"
                return await JSONResponse({"detail": detail}, 413)(scope, receive, send)
            receive = _capped(receive, cap)
        return await self.app(scope, receive, send)

    def _authorized(self, scope) -> bool:
        headers = dict(scope["headers"])
        presented = []
        auth = headers.get(b"authorization", b"")
        if auth.startswith(b"Bearer "):
            presented.append(auth[7:])
        cookie = SimpleCookie(headers.get(b"cookie", b"").decode("latin-1"))
        if COOKIE in cookie:
            presented.append(cookie[COOKIE].value.encode())
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        presented += [t.encode() for t in query.get("token", [])]
        return any(hmac.compare_digest(p, self.expected) for p in presented)


async def _refuse(scope, receive, send, status: int, message: str):
    if scope["type"] == "websocket":  # refused before it opens: the handshake gets 403
        await receive()  # websocket.connect
        return await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})
    return await JSONResponse({"detail": message}, status)(scope, receive, send)


WILDCARD_HOSTS = ("0.0.0.0", "::", "")
DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}


def _split_host(value: str, default_port: int) -> tuple[str, int] | None:
    """`name[:port]` (or `[v6]:port`) as (lowercased name, port); None when malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ("" if not rest else None)
    else:
        name, _, port = value.partition(":")
    if not name or port is None or (port and not port.isdigit()):
        return None
    return name, int(port) if port else default_port


def check_host_and_origin(scope, bound_host: str) -> str | None:
    """Why this request is refused (None: it is not). The `Host` must name the console as bound
    (its address, `localhost` or `127.0.0.1`, with the port), so a DNS-rebound page cannot reach
    it; a WebSocket or a request that is not GET/HEAD must come from the console's own origin
    (an `Origin`, when sent, equal to the Host), so another site's page cannot drive it."""
    headers = dict(scope["headers"])
    scheme = scope.get("scheme", "http")
    default_port = DEFAULT_PORTS.get(scheme, 80)
    server = scope.get("server") or (None, None)
    port = server[1] if server[1] is not None else default_port
    raw_host = headers.get(b"host", b"").decode("latin-1")
    host = _split_host(raw_host, default_port)
    bound = bound_host.strip("[]").lower()
    names = dict.fromkeys([bound, "localhost", "127.0.0.1"])
    accepted = ", ".join(f"{f'[{n}]' if ':' in n else n}:{port}" for n in names)
    if bound not in WILDCARD_HOSTS and (host is None or host not in {(n, port) for n in names}):
        return f"wrong Host header {raw_host!r}: this console answers only to {accepted}"
    if host is None:
        return f"malformed Host header {raw_host!r}"
    origin = headers.get(b"origin")
    if origin is None or (scope["type"] == "http" and scope["method"] in ("GET", "HEAD")):
        return None
    origin = origin.decode("latin-1")
    origin_scheme, sep, rest = origin.partition("://")
    http_scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    if sep and origin_scheme.lower() == http_scheme and "/" not in rest:
        if _split_host(rest, DEFAULT_PORTS[http_scheme]) == host:
            return None
    return (
        f"cross-origin request refused: Origin {origin!r} is not this console "
        f"({http_scheme}://{raw_host}); use the console's own page or send no Origin header"
    )


class _BodyTooLarge(Exception):
    pass


def _capped(receive, limit: int):
    seen = 0

    async def wrapped():
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _BodyTooLarge
        return message

    return wrapped


# ----------------------------------------------------------------------------------- the app
def create_app(
    console: Console,
    token: str | None = None,
    secure_cookie: bool = False,
    host: str = "127.0.0.1",
    desk: SpeechDesk | None = None,
):
    desk = desk or SpeechDesk()  # the speech model loads on the first spoken chore

    @asynccontextmanager
    async def lifespan(app):
        console.start()
        try:
            yield
        finally:
            console.close()

    app = FastAPI(
        title="Reverie operator console",
        version="0.1.0",
        description="Direct a fleet of robots with language: chores, queues, stops, live state.",
        lifespan=lifespan,
    )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        problems = "; ".join(
            "the body is not JSON"
            if e["type"] == "json_invalid"
            else f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}"
            for e in exc.errors()
        )
        return JSONResponse({"detail": f"invalid request: {problems}"}, 422)

    @app.exception_handler(ConsoleRequestError)
    async def _refused(request: Request, exc: ConsoleRequestError):
        return JSONResponse({"detail": str(exc)}, exc.status)

    @app.exception_handler(_BodyTooLarge)
    async def _too_large(request: Request, exc: _BodyTooLarge):
        cap = MAX_AUDIO_BYTES if request.url.path == SPEECH_PATH else MAX_BODY_BYTES
        return JSONResponse({"detail": f"request body too large: at most {cap} bytes"}, 413)

    @app.get("/", include_in_schema=False)
    def page(token: str | None = None):
        response = FileResponse(STATIC / "index.html")
        if token:  # the guard has checked it: keep it for the page's own requests
            response.set_cookie(
                COOKIE, token, httponly=True, samesite="strict", secure=secure_cookie
            )
        return response

    @app.get("/api/robots", summary="Every robot's state")
    def robots() -> list[dict]:
        return [a.snapshot() for a in console.robots.values()]

    @app.get("/api/robots/{robot_id}", summary="One robot's state")
    def robot(robot_id: str) -> dict:
        return console.robot(robot_id).snapshot()

    @app.get(
        "/api/robots/{robot_id}/camera.jpg",
        summary="The robot's latest camera frame",
        response_class=Response,
        responses={200: {"content": {"image/jpeg": {}}}},
    )
    def camera(robot_id: str) -> Response:
        frame = console.robot(robot_id).frame
        if frame is None:
            raise HTTPException(503, f"no frame from {robot_id} yet")
        return Response(frame, media_type="image/jpeg", headers={"Cache-Control": "no-store"})

    @app.get(
        "/api/robots/{robot_id}/runs/{run_id}/video.mp4",
        summary="A finished chore's video: what the robot saw beside what it imagined",
        response_class=FileResponse,
        responses={200: {"content": {"video/mp4": {}}}},
    )
    def video(robot_id: str, run_id: str) -> FileResponse:
        path = console.robot(robot_id).video(run_id)
        if path is None:
            raise HTTPException(
                404, f"no video of run {run_id!r} on {robot_id}: see its history for run ids"
            )
        return FileResponse(path, media_type="video/mp4")

    @app.post("/api/robots/{robot_id}/chores", status_code=202, summary="Queue a chore")
    def enqueue(
        robot_id: str, request: ChoreRequest, operator: OperatorHeader = None
    ) -> ChoreAccepted:
        agent = console.controlled(robot_id, operator)
        chore, position = agent.enqueue(request.chore)
        return ChoreAccepted(robot=robot_id, id=chore.id, chore=chore.text, position=position)

    @app.post("/api/chores", status_code=202, summary="Queue one chore on several robots")
    def enqueue_many(
        request: FleetChoreRequest, operator: OperatorHeader = None
    ) -> list[ChoreAccepted]:
        # every robot known and commandable, or nothing queued
        agents = [console.controlled(rid, operator) for rid in request.robots]
        return [
            ChoreAccepted(robot=agent.id, id=chore.id, chore=chore.text, position=position)
            for agent, (chore, position) in zip(
                agents, enqueue_on_all(agents, request.chore), strict=True
            )
        ]

    @app.post("/api/robots/{robot_id}/chores/{chore_id}/move", summary="Reorder a queued chore")
    def move(
        robot_id: str, chore_id: str, request: MoveRequest, operator: OperatorHeader = None
    ) -> dict:
        position = console.controlled(robot_id, operator).move(chore_id, request.position)
        return {"robot": robot_id, "id": chore_id, "position": position}

    @app.delete("/api/robots/{robot_id}/chores/{chore_id}", summary="Cancel a queued chore")
    def cancel(robot_id: str, chore_id: str, operator: OperatorHeader = None) -> dict:
        chore = console.controlled(robot_id, operator).cancel(chore_id)
        return {"robot": robot_id, "cancelled": chore.id, "chore": chore.text}

    @app.post("/api/robots/{robot_id}/pause", summary="Pause the running chore between chunks")
    def pause(robot_id: str, operator: OperatorHeader = None) -> dict:
        console.controlled(robot_id, operator).pause()
        return {"robot": robot_id, "paused": True}

    @app.post("/api/robots/{robot_id}/resume", summary="Resume a paused chore")
    def resume(robot_id: str, operator: OperatorHeader = None) -> dict:
        console.controlled(robot_id, operator).resume()
        return {"robot": robot_id, "paused": False}

    @app.post(
        "/api/robots/{robot_id}/interrupted/resume",
        summary="Resume the chore a previous console was doing when it stopped",
    )
    def resume_interrupted(robot_id: str, operator: OperatorHeader = None) -> dict:
        chore = console.controlled(robot_id, operator).resume_interrupted()
        return {"robot": robot_id, "id": chore.id, "chore": chore.text, "resumed": True}

    @app.delete(
        "/api/robots/{robot_id}/interrupted", summary="Give up the interrupted chore instead"
    )
    def discard_interrupted(robot_id: str, operator: OperatorHeader = None) -> dict:
        chore = console.controlled(robot_id, operator).discard_interrupted()
        return {"robot": robot_id, "id": chore.id, "chore": chore.text, "discarded": True}

    @app.post("/api/robots/{robot_id}/control", summary="Take control of a robot (one operator)")
    def claim(robot_id: str, request: ControlRequest) -> dict:
        console.robot(robot_id).claim(request.operator)
        return {"robot": robot_id, "operator": request.operator}

    @app.delete("/api/robots/{robot_id}/control", summary="Give up control of a robot")
    def release(robot_id: str, operator: OperatorHeader = None) -> dict:
        console.robot(robot_id).release(operator)
        return {"robot": robot_id, "operator": None}

    @app.post("/api/robots/{robot_id}/stop", summary="Latch one robot's e-stop (anyone)")
    def stop(robot_id: str) -> StopResult:
        agent = console.robot(robot_id)
        try:
            agent.stop("operator stop")
        except Exception as exc:
            return StopResult(stopped=[], failed={robot_id: str(exc)[:300]})
        return StopResult(stopped=[robot_id], failed={})

    @app.post("/api/stop-all", summary="Latch every robot's e-stop at once")
    def stop_all() -> StopResult:
        return console.stop_all()

    @app.post("/api/robots/{robot_id}/clear-stop", summary="Clear a robot's e-stop (deliberate)")
    def clear_stop(
        robot_id: str, request: ClearStopRequest, operator: OperatorHeader = None
    ) -> dict:
        agent = console.controlled(robot_id, operator)
        agent.clear_stop()
        return {"robot": robot_id, "estopped": False}

    @app.post(
        SPEECH_PATH,
        summary="Hear a spoken chore (echoed for confirmation; nothing is queued)",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    t: {"schema": {"type": "string", "format": "binary"}} for t in AUDIO_TYPES
                },
            }
        },
    )
    async def speech(request: Request, robot: str | None = None) -> SpeechHeard:
        """The body is the recording (Content-Type audio/webm, audio/ogg, audio/wav, ...). With
        `robot`, recognition favours the objects that robot sees."""
        agent = console.robot(robot) if robot else None
        audio = await request.body()

        def hear() -> dict:
            objects = None
            if agent is not None:
                try:
                    objects = list(agent.client.observe().objects)
                except Exception:  # a lost robot: every known object is a hotword
                    objects = None
            return desk.hear(audio, request.headers.get("content-type", ""), objects)

        try:
            return SpeechHeard(**await asyncio.to_thread(hear))
        except SpeechError as exc:
            raise HTTPException(exc.status, str(exc)) from None

    @app.websocket("/ws")
    async def live(ws: WebSocket) -> None:
        """Pushes {"type": "state", "robots": [...]} every 0.25 s and {"type": "frame", "robot",
        "seq", "jpeg": base64} for each new camera frame. It takes no commands: use the API."""
        await ws.accept()
        sender = asyncio.create_task(_push(ws, console))
        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                await ws.send_json(
                    {
                        "type": "error",
                        "message": "this socket only sends state and frames; "
                        "use the HTTP API (/docs) for chores and stops",
                    }
                )
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            sender.cancel()

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(TokenAndSizeGuard, token=token, host=host)
    return app


async def _push(ws: WebSocket, console: Console) -> None:
    seen: dict[str, int] = {}
    next_state = 0.0
    loop = asyncio.get_running_loop()
    try:
        while True:
            now = loop.time()
            if now >= next_state:
                # off the event loop: a snapshot takes robot locks and reads run files
                robots = await asyncio.to_thread(
                    lambda: [a.snapshot() for a in console.robots.values()]
                )
                await ws.send_json({"type": "state", "robots": robots})
                next_state = now + STATE_PERIOD_S
            for rid, agent in console.robots.items():
                seq, frame = agent.frame_seq, agent.frame
                if frame is not None and seen.get(rid) != seq:
                    seen[rid] = seq
                    jpeg = base64.b64encode(frame).decode()
                    await ws.send_json({"type": "frame", "robot": rid, "seq": seq, "jpeg": jpeg})
            await asyncio.sleep(FRAME_POLL_S)
    except Exception:  # the browser went away
        return
