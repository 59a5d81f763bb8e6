"""Single sign-on with an OpenID Connect provider, beside passwords (optional).

With ``FLOWDESK_OIDC_ISSUER`` and ``FLOWDESK_OIDC_CLIENT_ID`` set, the sign-in page offers a
button to ``/login/oidc``, which sends the browser to the provider (authorization code flow with
PKCE, state and nonce; Authlib's Flask client keeps them in the signed session cookie until the
browser comes back). ``/login/oidc/callback`` exchanges the code and has Authlib check the ID
token: its signature against the provider's published keys (JWKS, from the discovery document),
the issuer (the configured one), the audience (our client id), the nonce and the expiry. The
claims then go to ``services.oidc_users`` (find or make the user by issuer and ``sub``, sync
groups and roles, refuse a disabled user), and the browser gets the same server-side session as
after a password (``api.auth.start_session``). Anything that goes wrong brings back the sign-in
page with a message in the user's language and a 4xx, and is audited; nothing here is a 500.
Without an issuer configured the routes answer 404 and the page shows no button.
"""
from __future__ import annotations

import logging
from types import SimpleNamespace

from flask import Flask, abort, current_app, redirect, request, session, url_for

from api import auth as api_auth
from services import oidc_users
from services.errors import Forbidden, Invalid
from services.settings import Settings

from .views import _flowdesk, _login_page, _safe_next, blueprint

CLIENT = "flowdesk_oidc"
NEXT_KEY = "oidc_next"
TIMEOUT_SECONDS = 10  # each call to the provider (discovery, keys, token)
_log = logging.getLogger(__name__)


def _provider_errors() -> SimpleNamespace:
    """What Authlib's client raises. Authlib, requests and joserfc are imported only once
    single sign-on is configured and used: together ~16 MB in every server worker.
    ``unreachable``: a provider that is down, slow or answering nonsense."""
    import requests
    from authlib.common.errors import AuthlibBaseError
    from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
    from joserfc.errors import JoseError
    return SimpleNamespace(
        authlib=AuthlibBaseError, mismatching_state=MismatchingStateError, oauth=OAuthError,
        jose=JoseError,
        unreachable=(requests.RequestException, ValueError, KeyError, TypeError, RuntimeError))


def register(app: Flask) -> None:
    """Set up the provider's client when single sign-on is configured (else nothing)."""
    settings: Settings = app.extensions["flowdesk"].settings
    if not settings.oidc_enabled:
        return
    scopes = settings.oidc_scopes.split()
    if "openid" not in scopes:  # without it there is no ID token to check
        scopes.insert(0, "openid")
    secret = settings.oidc_secret()
    from authlib.integrations.flask_client import OAuth
    oauth = OAuth(app)
    oauth.register(
        CLIENT, client_id=settings.oidc_client_id, client_secret=secret or None,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": " ".join(scopes), "code_challenge_method": "S256",
                       "default_timeout": TIMEOUT_SECONDS,
                       "token_endpoint_auth_method":
                           "client_secret_basic" if secret else "none"})
    app.extensions[CLIENT] = oauth.create_client(CLIENT)


def _client():  # type: ignore[no-untyped-def]
    client = current_app.extensions.get(CLIENT)
    if client is None:
        abort(404)
    return client


def _settings() -> Settings:
    return _flowdesk().settings


def _failed(reason: str, error: str, status: int, exc: Exception | None = None):  # type: ignore[no-untyped-def]
    """Audit a sign-on that got nowhere and show the sign-in page with ``error``."""
    _log.info("single sign-on failed: %s (%s)", reason, type(exc).__name__ if exc else "-")
    oidc_users.record_failure(_flowdesk(), reason, _settings().oidc_issuer)
    return _login_page(error, status)


def _check_issuer(client) -> None:  # type: ignore[no-untyped-def]
    """The discovery document must name the issuer we were configured with (OIDC Discovery
    4.3), so a document served from elsewhere cannot bring its own keys."""
    issuer = client.load_server_metadata().get("issuer", "")
    if issuer.rstrip("/") != _settings().oidc_issuer.rstrip("/"):
        raise ValueError("the discovery document names another issuer")


@blueprint.get("/login/oidc")
def login_oidc():  # type: ignore[no-untyped-def]
    client = _client()
    if not current_app.secret_key:
        return _login_page()
    errors = _provider_errors()
    redirect_uri = _settings().oidc_redirect_uri or url_for("web.login_oidc_callback",
                                                            _external=True)
    try:
        _check_issuer(client)
        answer = client.authorize_redirect(redirect_uri)
    except (errors.authlib, *errors.unreachable) as exc:
        return _failed("provider unreachable", "login.sso_unavailable", 400, exc)
    session[NEXT_KEY] = _safe_next(request.args.get("next"))
    return answer


@blueprint.get("/login/oidc/callback")
def login_oidc_callback():  # type: ignore[no-untyped-def]
    client = _client()
    if not current_app.secret_key:
        return _login_page()
    settings = _settings()
    errors = _provider_errors()
    next_page = _safe_next(session.pop(NEXT_KEY, None))
    try:
        _check_issuer(client)
        token = client.authorize_access_token(claims_options={
            "iss": {"essential": True, "values": [client.load_server_metadata()["issuer"]]}})
    except errors.mismatching_state as exc:  # no sign-on of this browser is waiting for this
        return _failed("state does not match", "login.sso_expired", 400, exc)
    except errors.oauth as exc:  # the provider said no (access_denied, a code it won't take)
        return _failed(f"provider refused: {exc.error}", "login.sso_failed", 401, exc)
    except errors.jose as exc:  # the ID token's signature, issuer, audience, nonce or expiry
        return _failed("invalid ID token", "login.sso_invalid", 401, exc)
    except (errors.authlib, *errors.unreachable) as exc:
        return _failed("provider unreachable", "login.sso_unavailable", 400, exc)
    claims = token.get("userinfo")
    if not claims:  # no ID token came back: nothing was checked, nobody signs in
        return _failed("no ID token", "login.sso_invalid", 401)
    rules = oidc_users.ClaimRules(groups_claim=settings.oidc_groups_claim,
                                  roles_claim=settings.oidc_roles_claim,
                                  username_claim=settings.oidc_username_claim)
    try:
        user = oidc_users.sign_in(_flowdesk(), claims["iss"], dict(claims), rules)
    except Forbidden:  # a disabled user (audited by the service)
        session.clear()
        return _login_page("login.sso_disabled", 403)
    except Invalid as exc:
        return _failed("unusable claims", "login.sso_invalid", 401, exc)
    api_auth.start_session(_flowdesk(), user)
    return redirect(next_page, code=303)
