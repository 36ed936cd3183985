"""One way to declare a voice webhook: a decorator puts the handler under its path.

    @step("/menu/choice", rings_agents=True)
    def menu_choice(step: Step) -> VoiceResponse: ...

    @webhook("/status")
    def status(rt: Runtime, hook: Webhook) -> str: ...

- `step`: a step of the call flow. It gets the call (ivr_flows.state.Step) and returns
  TwiML; it runs once per CallSid and request, in one transaction with its answer, which
  is kept for Twilio's retries (ivr_flows.webhook.run_step). Options: `first` (the step
  that starts a call), `rings_agents` (the step usually rings the agents: they are read
  with the call), `on_failure` (a function of the runtime giving the TwiML to answer
  instead of the usual apology when the step fails, for a step whose answer may not dial,
  as the live queue's wait URL).
- `webhook`: any other Twilio request (status callbacks, the agent's whisper, the
  fallback URL, the callback bridge): a function of the runtime and the signed request,
  returning the TwiML text; it does its own database work, if any. A path may hold
  `<int:name>` parts; their values reach the handler in `hook.path_args`.

Every declared path is answered by ivr_flows.lane, with Twilio's signature checked,
before Flask; Flask lists the same paths (ivr_flows.register). A URL handed to Twilio is
built from its handler (`Step.url(handler, ...)`, `url_of`), never from a string.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

if TYPE_CHECKING:
    from hotline.runtime import Runtime
    from hotline.settings import Settings

PREFIX = "/voice"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Route:
    """A declared webhook."""

    path: str  # the whole path, /voice/...
    handler: Callable[..., Any]
    is_step: bool  # a step of the call flow (else a plain webhook)
    first: bool = False
    rings_agents: bool = False
    on_failure: Callable[[Runtime], str] | None = None

    @property
    def endpoint(self) -> str:
        """Flask's endpoint name of the path."""
        name = self.path.removeprefix(PREFIX).strip("/")
        for old in "/-<>:":
            name = name.replace(old, "_")
        return name


ROUTES: dict[str, Route] = {}
_PATHS: dict[Callable[..., Any], str] = {}


def _declare(route: Route) -> None:
    if route.path in ROUTES and ROUTES[route.path].handler is not route.handler:
        raise ValueError(f"{route.path} is declared twice")
    ROUTES[route.path] = route
    _PATHS[route.handler] = route.path


def step(
    path: str,
    *,
    first: bool = False,
    rings_agents: bool = False,
    on_failure: Callable[[Runtime], str] | None = None,
) -> Callable[[F], F]:
    """Declare a step of the call flow at /voice`path`."""

    def declare(handler: F) -> F:
        _declare(Route(PREFIX + path, handler, True, first, rings_agents, on_failure))
        return handler

    return declare


def webhook(path: str) -> Callable[[F], F]:
    """Declare a plain webhook at /voice`path` (see the module docstring)."""

    def declare(handler: F) -> F:
        _declare(Route(PREFIX + path, handler, False))
        return handler

    return declare


def path_of(handler: Callable[..., Any], **path_args: object) -> str:
    """The path of a declared handler, its `<int:name>` parts filled from `path_args`."""
    path = _PATHS[handler]
    for name, value in path_args.items():
        path = path.replace(f"<int:{name}>", str(value))
    return path


def url_of(settings: Settings, handler: Callable[..., Any], **params: Any) -> str:
    """The URL of a declared handler as Twilio should request it (absolute behind
    HOTLINE_PUBLIC_URL); parameters named in its path fill it, the others make the query."""
    path = _PATHS[handler]
    in_path = {k: v for k, v in params.items() if f"<int:{k}>" in path}
    query = urlencode({k: v for k, v in params.items() if k not in in_path and v is not None})
    return (
        (settings.public_url or "") + path_of(handler, **in_path) + (f"?{query}" if query else "")
    )
