"""HTTP to Jira: authentication from environment variables, retries with backoff, and errors a
user can act on.

Secrets live only in the ``Authorization`` header of the underlying httpx client; nothing here
formats a header, a token or a credential-bearing URL into a message.
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import httpx
import orjson

from ..errors import InputError, UsageError

#: Statuses worth retrying: rate limited, and the transient server-side ones.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class TooSlow(Exception):
    """An answer that did not arrive whole within the request's deadline."""


class JiraError(UsageError):
    """Jira answered with an error we cannot retry away."""

    def __init__(self, message: str, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


def normalize_base_url(url: str) -> str:
    """``https://x.atlassian.net/`` -> ``https://x.atlassian.net``; refuse credentials in it."""
    try:
        parts = urlsplit(url.strip())
        credentials = bool(parts.username or parts.password)
        host = parts.hostname
        _ = parts.port  # parsed lazily: a port that is no number raises here, not in httpx
    except ValueError:  # a port that is no number, brackets that do not close, ...
        raise UsageError("--url is not a valid address of a Jira site") from None
    if credentials or "@" in parts.netloc:
        # Checked first, and the URL not echoed back: it holds the secret.
        raise UsageError(
            "--url must not contain credentials; put them in the environment variables "
            "named by --user-env and --token-env"
        )
    if parts.scheme not in {"http", "https"} or not host:
        # Without its query and fragment, which may hold a token.
        shown = f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.scheme else parts.path
        raise UsageError(f"--url must be an http(s) address of a Jira site, got {shown!r}")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def auth_header(flavor: str, user_env: str, token_env: str) -> str:
    """The Authorization header value: basic e-mail:token on Cloud, bearer PAT on Data Center."""
    token = os.environ.get(token_env, "")
    if not token:
        raise UsageError(
            f"environment variable {token_env} is not set: put the Jira "
            + ("API token" if flavor == "cloud" else "personal access token")
            + " in it (see docs/jira.md)"
        )
    if flavor == "cloud":
        user = os.environ.get(user_env, "")
        if not user:
            raise UsageError(
                f"environment variable {user_env} is not set: Jira Cloud needs the account's "
                "e-mail address there, with the API token in " + token_env
            )
        raw = f"{user}:{token}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")
    return f"Bearer {token}"


def _header_bytes(value: str) -> bytes:
    """An HTTP header holds bytes: a token with non-ASCII characters goes as UTF-8, and Jira
    refuses it with a 401 (httpx would raise UnicodeEncodeError on the text)."""
    return value.encode("utf-8", "surrogateescape")


def retry_after_seconds(
    value: str | None, now: Callable[[], datetime] | None = None
) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = (now or (lambda: datetime.now(UTC)))()
    return max(0.0, (when - current).total_seconds())


def jira_messages(response: httpx.Response) -> str:
    """Jira's own words from an error body: ``errorMessages`` and ``errors``."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return ""
    if not isinstance(body, dict):
        return ""
    parts: list[str] = [str(m) for m in body.get("errorMessages") or [] if m]
    errors = body.get("errors")
    if isinstance(errors, dict):
        parts.extend(f"{k}: {v}" for k, v in errors.items())
    if not parts and isinstance(body.get("message"), str):
        parts.append(body["message"])
    return "; ".join(parts)


class JiraClient:
    """A thin, retrying JSON client for one Jira site."""

    def __init__(
        self,
        base_url: str,
        authorization: str | None,
        *,
        max_attempts: int = 8,
        backoff_base: float = 1.0,
        max_sleep: float = 120.0,
        timeout: float = 60.0,
        deadline: float = 180.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.max_sleep = max_sleep
        self.sleep = sleep
        self.deadline = deadline
        #: Sockets of the connections this client opened (the deadline shuts them down).
        self._sockets: list[socket.socket] = []
        headers: dict[str, str | bytes] = {
            "Accept": "application/json",
            "User-Agent": "flowgap-pull",
        }
        if authorization:
            headers["Authorization"] = _header_bytes(authorization)
        self._http = httpx.Client(
            base_url=base_url,
            headers=headers,
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )
        #: Every sleep taken between attempts, for the progress line and for tests.
        self.slept: list[float] = []
        self._secrets = _secrets_of(authorization)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> JiraClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        return self.request("POST", path, body=body)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        """Send, retrying 429/5xx and network errors; return the decoded JSON body."""
        content = orjson.dumps(body) if body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else None
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self._send(method, path, params, content, headers)
            except (httpx.TransportError, TooSlow) as exc:
                if attempt == self.max_attempts:
                    why = str(exc) if isinstance(exc, TooSlow) else type(exc).__name__
                    raise InputError(
                        self.base_url, f"cannot reach Jira after {attempt} attempts: {why}"
                    ) from None
                self._pause(self._backoff(attempt))
                continue
            if response.status_code in RETRY_STATUSES and attempt < self.max_attempts:
                delay = retry_after_seconds(response.headers.get("Retry-After"))
                self._pause(self._backoff(attempt) if delay is None else delay)
                continue
            if response.is_success:
                try:
                    return orjson.loads(response.content) if response.content else None
                except orjson.JSONDecodeError:
                    raise InputError(
                        self.base_url + path, "Jira answered with something that is not JSON"
                    ) from None
            raise self._error(response, path, attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        content: bytes | None,
        headers: dict[str, str] | None,
    ) -> httpx.Response:
        """One request under a deadline for the whole of it. httpx's timeout bounds each read
        only (encode/httpx#1450), so a server sending a byte every few seconds would hold a
        request for ever: past the deadline a timer shuts the client's sockets down, which
        wakes the blocked read (headers or body), and the body loop checks it between reads."""
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            # One request at a time per client: the other sockets are idle keep-alives,
            # which the pool reopens when it needs them.
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    # The plain socket's method, also on a TLS socket: the TLS layer's own
                    # shutdown would tear its state down under the reading thread.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)

        timer = threading.Timer(self.deadline, expire)
        timer.daemon = True
        timer.start()
        too_slow = TooSlow(f"no complete answer within {self.deadline:g} s")
        try:
            with self._http.stream(
                method,
                path,
                params=params,
                content=content,
                headers=headers,
                extensions={"trace": self._trace},
            ) as streamed:
                raw = bytearray()
                for chunk in streamed.iter_raw():
                    raw += chunk
                    if expired.is_set():
                        raise too_slow
                # The raw bytes with their headers: the copy decodes a compressed body once.
                return httpx.Response(
                    streamed.status_code,
                    headers=streamed.headers,
                    content=bytes(raw),
                    request=streamed.request,
                )
        except httpx.TransportError:
            if expired.is_set():
                raise too_slow from None
            raise
        finally:
            timer.cancel()

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace extension: remember the socket of every connection opened."""
        # After TLS starts, the TCP stream's socket object is detached: keep the TLS one's.
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            sock = info["return_value"].get_extra_info("socket")
            if isinstance(sock, socket.socket):
                self._sockets = [s for s in self._sockets if s.fileno() != -1] + [sock]

    def _backoff(self, attempt: int) -> float:
        return self.backoff_base * (2 ** (attempt - 1))

    def _pause(self, seconds: float) -> None:
        seconds = min(seconds, self.max_sleep)
        self.slept.append(seconds)
        self.sleep(seconds)

    def _error(self, response: httpx.Response, path: str, attempts: int) -> JiraError:
        status = response.status_code
        said = jira_messages(response)
        for secret in self._secrets:  # a server echoing the credential must not leak it
            said = said.replace(secret, "***")
        said_part = f": {said}" if said else ""
        if status == 401:
            return JiraError(
                f"Jira rejected the credentials (401) for {path}: check the e-mail and API "
                "token (Cloud) or the personal access token (Data Center) in the environment "
                "variables given by --user-env / --token-env",
                status,
            )
        if status == 403:
            return JiraError(
                f"Jira refused access (403) to {path}: the account lacks permission{said_part}",
                status,
            )
        if status == 404:
            return JiraError(
                f"not found (404): {self.base_url}{path}: is --url the base address of the "
                f"Jira site and --flavor right?{said_part}",
                status,
            )
        if response.is_redirect:
            where = self._shown_location(response.headers.get("Location"))
            return JiraError(
                f"Jira redirected {path} ({status}) to {where}: give the site's final base "
                "address as --url (a login page means the REST API is behind single sign-on)",
                status,
            )
        if status == 400:
            return JiraError(f"Jira rejected the request (400){said_part or ' for ' + path}", 400)
        if status in RETRY_STATUSES:
            return JiraError(
                f"Jira kept answering {status} for {path} after {attempts} attempts{said_part}",
                status,
            )
        return JiraError(f"Jira answered {status} for {path}{said_part}", status)

    def _shown_location(self, location: str | None) -> str:
        """Where a redirect points, as far as it is safe to print: the scheme, host and path,
        never the user, the query or the fragment (a server may echo a credential into any of
        them), and only the host when the path holds a secret. No redirect is followed."""
        if not location:
            return "elsewhere"
        try:
            parts = urlsplit(urljoin(self.base_url + "/", location.strip()))
            host = parts.hostname or ""
            port = f":{parts.port}" if parts.port else ""
        except ValueError:
            return "an address that is not a URL"
        origin = f"{parts.scheme}://{host}{port}"
        path = parts.path
        texts = (path, unquote(path), unquote(unquote(path)))
        if any(secret in text for secret in self._secrets for text in texts):
            return origin
        return origin + path


def _secrets_of(authorization: str | None) -> list[str]:
    """The secret parts of an Authorization value, longest first."""
    if not authorization:
        return []
    scheme, _, value = authorization.partition(" ")
    # Also as URL-safe base64 without padding: how a server may echo it into a URL.
    found = [value, value.replace("+", "-").replace("/", "_").rstrip("=")]
    if scheme == "Basic":
        with contextlib.suppress(ValueError, UnicodeDecodeError):
            found.append(base64.b64decode(value).decode().partition(":")[2])
    return sorted((s for s in found if len(s) >= 4), key=len, reverse=True)
