"""A small OpenID Connect provider on 127.0.0.1 that a test starts, for single sign-on.

It serves what a relying party needs, and no more: the discovery document
(``/.well-known/openid-configuration``), its signing key (``/jwks``), ``/authorize``, which
approves ``user`` at once (no login page) and sends the browser back with a code, and
``/token``, which takes the code once (with the client's secret and the PKCE verifier) and
answers with an ID token signed by the published RSA key (joserfc, the JOSE library Authlib
itself uses).

Knobs a test turns to make it misbehave: ``extra_claims`` overrides claims in the next ID
tokens (a wrong ``nonce``, ``aud``, ``iss`` or an ``exp`` in the past), ``sign_with_stranger``
signs with a key it does not publish (same key id), ``deny`` answers ``/authorize`` with
``error=access_denied``. ``authorize_requests`` keeps what each ``/authorize`` was asked.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

KEY_ID = "test-key-1"


class OidcProvider:
    def __init__(self, client_id: str = "flowdesk", client_secret: str = "s3cret") -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig"})
        self.stranger = RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig"})
        self.user: dict[str, Any] = {"sub": "u-1001", "preferred_username": "li.lei",
                                     "name": "李雷", "groups": ["Agent"]}
        self.extra_claims: dict[str, Any] = {}
        self.sign_with_stranger = False
        self.deny = False
        self.authorize_requests: list[dict[str, str]] = []
        self._codes: dict[str, dict[str, Any]] = {}
        self._httpd = make_server("127.0.0.1", 0, self._app(), threaded=True)
        self.issuer = f"http://127.0.0.1:{self._httpd.server_port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> "OidcProvider":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._thread.join(timeout=5)

    # --- the endpoints ---------------------------------------------------------------------

    def _app(self) -> Flask:
        app = Flask("test_oidc_provider")
        app.add_url_rule("/.well-known/openid-configuration", view_func=self._discovery)
        app.add_url_rule("/jwks", view_func=self._jwks)
        app.add_url_rule("/authorize", view_func=self._authorize)
        app.add_url_rule("/token", view_func=self._token, methods=["POST"])
        return app

    def _discovery(self):  # type: ignore[no-untyped-def]
        return jsonify(issuer=self.issuer, authorization_endpoint=self.issuer + "/authorize",
                       token_endpoint=self.issuer + "/token", jwks_uri=self.issuer + "/jwks",
                       response_types_supported=["code"], subject_types_supported=["public"],
                       id_token_signing_alg_values_supported=["RS256"],
                       code_challenge_methods_supported=["S256"],
                       token_endpoint_auth_methods_supported=["client_secret_basic"])

    def _jwks(self):  # type: ignore[no-untyped-def]
        return jsonify(KeySet([self.key]).as_dict(private=False))

    def _authorize(self):  # type: ignore[no-untyped-def]
        asked = request.args.to_dict()
        self.authorize_requests.append(asked)
        back = asked.get("redirect_uri", "")
        if asked.get("client_id") != self.client_id or not back:
            return jsonify(error="invalid_request"), 400
        if self.deny:
            refusal = {"error": "access_denied", "state": asked.get("state", "")}
            return redirect(f"{back}?{urlencode(refusal)}")
        code = secrets.token_urlsafe(16)
        self._codes[code] = {"nonce": asked.get("nonce"), "redirect_uri": back,
                             "challenge": asked.get("code_challenge"),
                             "method": asked.get("code_challenge_method"),
                             "user": dict(self.user)}
        return redirect(f"{back}?{urlencode({'code': code, 'state': asked.get('state', '')})}")

    def _token(self):  # type: ignore[no-untyped-def]
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (self.client_id, self.client_secret):
            return jsonify(error="invalid_client"), 401
        grant = self._codes.pop(request.form.get("code", ""), None)  # a code works once
        if grant is None or request.form.get("grant_type") != "authorization_code" \
                or request.form.get("redirect_uri") != grant["redirect_uri"]:
            return jsonify(error="invalid_grant"), 400
        verifier = request.form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if grant["method"] != "S256" or digest.rstrip(b"=").decode() != grant["challenge"]:
            return jsonify(error="invalid_grant", error_description="PKCE"), 400
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300,
                  "nonce": grant["nonce"], **grant["user"], **self.extra_claims}
        key = self.stranger if self.sign_with_stranger else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": KEY_ID}, claims, key)
        return jsonify(access_token=secrets.token_urlsafe(16), token_type="Bearer",
                       expires_in=300, id_token=id_token)
