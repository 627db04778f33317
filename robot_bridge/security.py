"""Transport security for the bridge: TLS credentials, bearer-token checks, and the bind policy.

The bridge binds 127.0.0.1 by default. Any other address needs TLS *and* a bearer token, unless the
operator says `--insecure` explicitly; the reason is that the bridge moves a physical robot.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from pathlib import Path

import grpc

TOKEN_METADATA_KEY = "authorization"
# Health checks stay open so that load balancers and `grpc_health_probe` work without secrets;
# they reveal nothing but SERVING / NOT_SERVING.
UNAUTHENTICATED_METHODS = frozenset(
    {"/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch"}
)


class SecurityConfigError(ValueError):
    """A security setting that cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class TlsFiles:
    """PEM files: the server's (or client's) certificate and key, and an optional CA."""

    cert: Path | None = None
    key: Path | None = None
    ca: Path | None = None  # server: verify client certificates; client: verify the server


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def check_bind_policy(host: str, tls: bool, token: bool, insecure: bool) -> None:
    """Refuse to expose a robot beyond this machine without TLS and a token."""
    if is_loopback(host) or insecure or (tls and token):
        return
    missing = " and ".join(
        m
        for m, present in (("TLS (--tls-cert/--tls-key)", tls), ("a token (--token-file)", token))
        if not present
    )
    raise SecurityConfigError(
        f"refusing to bind {host}, which is reachable from other machines, without {missing}. "
        "Bind 127.0.0.1 (the default), give both TLS and a token, or pass --insecure if this "
        "network is trusted."
    )


def read_pem(path: Path, what: str) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SecurityConfigError(f"cannot read the {what} file {path}: {exc.strerror}") from exc
    if b"-----BEGIN" not in data:
        raise SecurityConfigError(f"the {what} file {path} is not PEM (no '-----BEGIN' line)")
    return data


def read_token(path: Path) -> str:
    """The bearer token: the file's first line, stripped; it must not be empty."""
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise SecurityConfigError(f"cannot read the token file {path}: {exc}") from exc
    token = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not token:
        raise SecurityConfigError(f"the token file {path} is empty; put one secret line in it")
    if not token.isprintable() or " " in token:
        raise SecurityConfigError(f"the token in {path} must be one word of printable characters")
    return token


def server_credentials(tls: TlsFiles) -> grpc.ServerCredentials:
    if tls.cert is None or tls.key is None:
        raise SecurityConfigError("TLS needs both a certificate (--tls-cert) and a key (--tls-key)")
    cert = read_pem(tls.cert, "TLS certificate")
    key = read_pem(tls.key, "TLS key")
    ca = read_pem(tls.ca, "client CA") if tls.ca else None
    return grpc.ssl_server_credentials(
        [(key, cert)], root_certificates=ca, require_client_auth=ca is not None
    )


def channel_credentials(tls: TlsFiles) -> grpc.ChannelCredentials:
    """Client side: `ca` verifies the server (system roots if None); cert/key for mutual TLS."""
    if (tls.cert is None) != (tls.key is None):
        raise SecurityConfigError("a client certificate needs its key too (and the other way)")
    return grpc.ssl_channel_credentials(
        root_certificates=read_pem(tls.ca, "CA") if tls.ca else None,
        private_key=read_pem(tls.key, "client key") if tls.key else None,
        certificate_chain=read_pem(tls.cert, "client certificate") if tls.cert else None,
    )


def bearer_metadata(token: str | None) -> tuple[tuple[str, str], ...]:
    return ((TOKEN_METADATA_KEY, f"Bearer {token}"),) if token else ()


class TokenAuthInterceptor(grpc.ServerInterceptor):
    """Reject every call (except health checks) that lacks `authorization: Bearer <token>`."""

    def __init__(self, token: str) -> None:
        self._expected = f"Bearer {token}".encode()

    def intercept_service(self, continuation, handler_call_details):
        if handler_call_details.method in UNAUTHENTICATED_METHODS:
            return continuation(handler_call_details)
        presented = dict(handler_call_details.invocation_metadata or ()).get(TOKEN_METADATA_KEY)
        if presented is None:
            return _deny(
                "missing bearer token: this bridge needs `authorization: Bearer <token>` metadata "
                "(reverie: --token-file FILE)"
            )
        if not hmac.compare_digest(str(presented).encode(), self._expected):
            return _deny("invalid bearer token: check that --token-file matches the server's")
        return continuation(handler_call_details)


def _deny(message: str) -> grpc.RpcMethodHandler:
    def abort(request_or_iterator, context: grpc.ServicerContext):
        context.abort(grpc.StatusCode.UNAUTHENTICATED, message)

    # A stream-stream handler with no deserializer accepts any method shape: the call is refused
    # before a single message is read.
    return grpc.stream_stream_rpc_method_handler(abort)
