"""Accounts: registration, e-mail verification, login with optional TOTP MFA, refresh, logout, password reset
and change, ending every session, deletion."""

from __future__ import annotations

import hashlib
import logging
from typing import Any, Literal, TypeVar

import segno
from flask import Blueprint, Response, request
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    decode_token,
    get_jwt,
    jwt_required,
    verify_jwt_in_request,
)
from flask_limiter.util import get_remote_address
from jwt import ExpiredSignatureError, InvalidTokenError
from pydantic import BaseModel, Field, RootModel
from werkzeug.http import dump_cookie

from common.accounts import delete_account
from common.models import User
from common.public import UserPublic
from common.store import AlreadyExists, NotFound
from common.telemetry import LOGIN_FAILURES, user_hash, user_var
from web import mfa
from web.api import declare
from web.background import in_background
from web.deps import current_email, current_user
from web.errors import ApiError
from web.extensions import limiter, user_or_ip
from web.mail import mail_allowed, send_password_reset, send_verification
from web.passwords import WeakPassword, check_policy, hash_password, verify_password
from web.recaptcha import recaptcha_passes
from web.services import services
from web.tokens import (
    MFA_MAX_AGE,
    RESET_MAX_AGE,
    VERIFY_MAX_AGE,
    InvalidToken,
    is_revoked,
    make_token,
    read_token,
    revoke,
    revoke_all,
)
from web.validation import Body, json_field, normalise_email

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")

# The browser keeps its refresh token here, out of reach of page scripts; it reaches only refresh and logout.
REFRESH_COOKIE = "kraftd_refresh"
REFRESH_COOKIE_PATH = "/api/v1/auth"


class RegisterBody(Body):
    email: str
    password: str
    recaptcha_token: str | None = None


class TokenBody(Body):
    token: str


class EmailBody(Body):
    email: str


class LoginBody(Body):
    email: str
    password: str


class MfaVerifyBody(Body):
    mfa_token: str
    code: str


class CodeBody(Body):
    code: str


class PasswordCodeBody(Body):
    password: str
    code: str


class LogoutBody(Body):
    refresh_token: str | None = None


class PasswordBody(Body):
    password: str


class ResetBody(Body):
    token: str
    password: str


class PasswordChangeBody(Body):
    current_password: str
    new_password: str


class UserAnswer(BaseModel):
    user: UserPublic


class Accepted(BaseModel):
    status: Literal["accepted"]


class Tokens(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Seconds the access token is valid for.")


class MfaChallenge(BaseModel):
    mfa_required: Literal[True]
    mfa_token: str = Field(description="Send it with a code to `/auth/mfa/verify`.")


class LoginAnswer(RootModel[Tokens | MfaChallenge]):
    """Tokens, or the MFA challenge when the account has MFA on."""


class MfaSetup(BaseModel):
    secret: str
    otpauth_uri: str
    qr_svg: str = Field(description="The `otpauth_uri` as a QR code: an SVG `data:` URI.")


class MfaEnabled(Tokens):
    """The new session's tokens, and the recovery codes, shown once."""

    recovery_codes: list[str]


class MfaDisabled(Tokens):
    mfa_enabled: Literal[False]


class AccessToken(BaseModel):
    access_token: str
    expires_in: int


SignedInAs = TypeVar("SignedInAs", bound=Tokens)


def _failed(response: Response) -> bool:
    return response.status_code == 401


_MAX_KEY_INPUT = 512  # longer e-mails are invalid anyway; bounds the work a rate-limit key costs


def _login_limit() -> str:
    return services().settings.rate_limit_login


def _login_account() -> str:
    """Rate-limit key for failed logins against one account, whoever tries them and however they spell it."""
    email = json_field("email")
    if not isinstance(email, str) or not email.strip():
        return f"ip:{get_remote_address()}"
    try:
        return f"account:{normalise_email(email[:_MAX_KEY_INPUT])}"
    except ApiError:  # not an address: no account to protect, but the guesses still count under what was sent
        return f"account:{email.strip().lower()[:_MAX_KEY_INPUT]}"


def _mfa_account() -> str:
    """Rate-limit key for MFA codes: the account a genuine MFA token names; a forged one counts for the address.

    The token's signature is checked before its payload is read: an unsigned payload may be zlib-compressed,
    and inflating one is what a memory-exhaustion attack wants.
    """
    token = json_field("mfa_token")
    if isinstance(token, str) and len(token) <= _MAX_KEY_INPUT * 4:
        try:
            email = read_token(services().settings.jwt_secret_key, "mfa", token, MFA_MAX_AGE).get("email")
        except InvalidToken:
            email = None
        if isinstance(email, str):
            return f"mfa:{email}"
    return f"ip:{get_remote_address()}"


def _signed_in(email: str, answer: type[SignedInAs], **extra: Any) -> tuple[SignedInAs, int, dict[str, str]]:
    """The tokens as JSON (CONTRACT.md), as `answer` with `extra`, and the refresh token again as an HttpOnly
    cookie for the browser app."""
    settings = services().settings
    refresh_token = create_refresh_token(identity=email)
    tokens = answer(
        access_token=create_access_token(identity=email),
        refresh_token=refresh_token,
        token_type="Bearer",  # noqa: S106 - the scheme name, not a secret
        expires_in=settings.jwt_access_minutes * 60,
        **extra,
    )
    cookie = dump_cookie(
        REFRESH_COOKIE,
        refresh_token,
        max_age=settings.jwt_refresh_days * 24 * 3600,
        path=REFRESH_COOKIE_PATH,
        secure=True,
        httponly=True,
        samesite="Strict",
    )
    return tokens, 200, {"Set-Cookie": cookie}


def _cookie_cleared() -> str:
    """A Set-Cookie header value that removes the refresh cookie."""
    return dump_cookie(
        REFRESH_COOKIE, "", max_age=0, path=REFRESH_COOKIE_PATH, secure=True, httponly=True, samesite="Strict"
    )


def _require_own_origin() -> None:
    """CSRF guard for the cookie: the request must come from one of our origins, which browsers always state."""
    origin = request.headers.get("Origin", "")
    if not origin or origin not in {*services().settings.origins, request.host_url.rstrip("/")}:
        raise ApiError(403, "origin_not_allowed", "This request must come from the Kraftd Docs app itself.")


def _cookie_refresh_claims() -> dict[str, Any] | None:
    """The claims of the refresh cookie when the request carries one, checked like a bearer refresh token."""
    token = request.cookies.get(REFRESH_COOKIE)
    if not token:
        return None
    _require_own_origin()
    clear = {"Set-Cookie": _cookie_cleared()}
    try:
        claims = decode_token(token)
    except ExpiredSignatureError as exc:
        raise ApiError(401, "token_expired", "Your session has expired. Sign in again.", clear) from exc
    except InvalidTokenError as exc:
        raise ApiError(401, "invalid_token", "Your session is not valid. Sign in again.", clear) from exc
    if claims.get("type") != "refresh":
        raise ApiError(401, "invalid_token", "Your session is not valid. Sign in again.", clear)
    if is_revoked(services().redis, claims):
        raise ApiError(401, "token_revoked", "This token was revoked. Sign in again.", clear)
    return claims


def _check_password(user: User | None, password: str) -> None:
    if not verify_password(user.password_hash if user else None, password):
        LOGIN_FAILURES.labels("password").inc()
        raise ApiError(401, "invalid_credentials", "The e-mail or password is wrong.")


def _find_user(email: str) -> User | None:
    try:
        return services().store.get_user(email)
    except NotFound:
        return None


def _send_verification(user: User) -> None:
    settings = services().settings
    if not mail_allowed(services().redis, "verify", user.email):
        log.warning("verification e-mail not sent: the address had its hourly share")
        return
    token = make_token(settings.jwt_secret_key, "verify-email", {"email": user.email})
    try:
        send_verification(settings, user.email, token)
    except Exception:  # the account exists; the user can ask for the e-mail again
        log.exception("could not send the verification e-mail")


@bp.post("/register")
@declare("auth", {201: UserAnswer}, (409,), auth=False)
def register(json: RegisterBody) -> tuple[UserAnswer, int]:
    """Create an account and send the e-mail that verifies it."""
    svc = services()
    if not recaptcha_passes(svc.settings, json.recaptcha_token, request.remote_addr):
        raise ApiError(400, "recaptcha_failed", "The reCAPTCHA check failed. Reload the page and try again.")
    email = normalise_email(json.email)
    try:
        check_policy(json.password, email)
    except WeakPassword as exc:
        raise ApiError(400, "weak_password", str(exc)) from exc
    user = User(email=email, password_hash=hash_password(json.password))
    try:
        svc.store.create_user(user)
    except AlreadyExists as exc:
        raise ApiError(409, "email_taken", "An account with this e-mail already exists.") from exc
    _send_verification(user)
    return UserAnswer(user=UserPublic.of(user)), 201


@bp.post("/verify-email")
@declare("auth", {200: UserAnswer}, auth=False)
def verify_email(json: TokenBody) -> UserAnswer:
    """Confirm the e-mail address with the token from the verification e-mail (once)."""
    svc = services()
    invalid = ApiError(400, "invalid_token", "This verification link is invalid, used or expired.")
    try:
        email = read_token(svc.settings.jwt_secret_key, "verify-email", json.token, VERIFY_MAX_AGE)["email"]
        user = svc.store.get_user(str(email))
    except (InvalidToken, KeyError, NotFound) as exc:
        raise invalid from exc
    if user.email_verified:
        raise invalid
    user.email_verified = True
    svc.store.update_user(user)
    return UserAnswer(user=UserPublic.of(user))


@bp.post("/resend-verification")
@declare("auth", {202: Accepted}, auth=False)
def resend_verification(json: EmailBody) -> tuple[Accepted, int]:
    """Send the verification e-mail again; answers the same whether or not the account exists."""
    try:
        email = normalise_email(json.email)
    except ApiError:
        email = ""
    user = _find_user(email) if email else None
    if user and not user.email_verified:
        _send_verification(user)
    return Accepted(status="accepted"), 202


def _password_stamp(user: User) -> str:
    """Ties a reset link to the password it replaces: once the password changes, the link is spent."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _send_reset(email: str) -> None:
    user = _find_user(email)
    svc = services()
    if user is None or not mail_allowed(svc.redis, "reset", user.email):
        return
    payload = {"email": user.email, "pw": _password_stamp(user)}
    send_password_reset(svc.settings, user.email, make_token(svc.settings.jwt_secret_key, "reset", payload))


def _new_password_hash(password: str, email: str) -> str:
    try:
        check_policy(password, email)
    except WeakPassword as exc:
        raise ApiError(400, "weak_password", str(exc)) from exc
    return hash_password(password)


def _end_sessions(email: str) -> None:
    """Every access and refresh token of the account issued until now answers 401 token_revoked from now on."""
    svc = services()
    revoke_all(svc.redis, email, svc.settings.jwt_refresh_days * 24 * 3600)


@bp.post("/forgot-password")
@declare("auth", {202: Accepted}, auth=False)
def forgot_password(json: EmailBody) -> tuple[Accepted, int]:
    """E-mail a reset link; answers the same, as fast, whether or not the account exists."""
    try:
        email = normalise_email(json.email)
    except ApiError:
        email = ""
    if email:
        in_background(lambda: _send_reset(email))
    return Accepted(status="accepted"), 202


@bp.post("/reset-password")
@declare("auth", {200: UserAnswer}, auth=False)
def reset_password(json: ResetBody) -> UserAnswer:
    """Set a new password with the token from the reset e-mail (once, within an hour); every session ends."""
    svc = services()
    invalid = ApiError(
        400, "invalid_token", "This reset link is invalid, used or expired. Ask for a new one."
    )
    try:
        claims = read_token(svc.settings.jwt_secret_key, "reset", json.token, RESET_MAX_AGE)
        user = svc.store.get_user(str(claims["email"]))
    except (InvalidToken, KeyError, NotFound) as exc:
        raise invalid from exc
    if claims.get("pw") != _password_stamp(user):
        raise invalid
    user.password_hash = _new_password_hash(json.password, user.email)
    user.email_verified = True  # the link reached the inbox: the address is proven
    svc.store.update_user(user)
    _end_sessions(user.email)
    return UserAnswer(user=UserPublic.of(user))


@bp.post("/password")
@jwt_required()
@limiter.limit(_login_limit, key_func=user_or_ip, deduct_when=_failed, scope="password-check")
@declare("auth", {200: Tokens})
def change_password(json: PasswordChangeBody) -> tuple[Tokens, int, dict[str, str]]:
    """Change the password; this answer is a new session, and every other session ends."""
    user = current_user()
    _check_password(user, json.current_password)
    user.password_hash = _new_password_hash(json.new_password, user.email)
    services().store.update_user(user)
    _end_sessions(user.email)
    return _signed_in(user.email, Tokens)


@bp.post("/logout-all")
@jwt_required()
@declare("auth", {204: None})
def logout_all() -> tuple[str, int, dict[str, str]]:
    """End every session of the account, this one included."""
    _end_sessions(current_email())
    return "", 204, {"Set-Cookie": _cookie_cleared()}


@bp.post("/login")
@limiter.limit(_login_limit, key_func=get_remote_address, deduct_when=_failed, scope="login-ip")
@limiter.limit(_login_limit, key_func=_login_account, deduct_when=_failed, scope="login-account")
@declare("auth", {200: LoginAnswer}, (401, 403), auth=False)
def login(json: LoginBody) -> tuple[Tokens, int, dict[str, str]] | MfaChallenge:
    """Exchange e-mail and password for tokens, or for an MFA challenge."""
    try:
        email = normalise_email(json.email)
    except ApiError:
        email = ""
    user = _find_user(email) if email else None
    _check_password(user, json.password)
    assert user is not None
    if not user.email_verified:
        raise ApiError(403, "email_not_verified", "Confirm your e-mail address first; check your inbox.")
    if user.mfa_enabled:
        token = make_token(services().settings.jwt_secret_key, "mfa", {"email": user.email})
        return MfaChallenge(mfa_required=True, mfa_token=token)
    return _signed_in(user.email, Tokens)


@bp.post("/mfa/verify")
@limiter.limit(_login_limit, key_func=get_remote_address, deduct_when=_failed, scope="mfa-ip")
@limiter.limit(_login_limit, key_func=_mfa_account, deduct_when=_failed, scope="mfa-account")
@declare("auth", {200: Tokens}, (401,), auth=False)
def mfa_verify(json: MfaVerifyBody) -> tuple[Tokens, int, dict[str, str]]:
    """Finish an MFA login with a TOTP code or a recovery code."""
    svc = services()
    try:
        email = str(read_token(svc.settings.jwt_secret_key, "mfa", json.mfa_token, MFA_MAX_AGE)["email"])
        user = svc.store.get_user(email)
    except (InvalidToken, KeyError, NotFound) as exc:
        LOGIN_FAILURES.labels("mfa_token").inc()
        raise ApiError(401, "invalid_token", "The sign-in step expired. Sign in again.") from exc
    if not user.mfa_enabled or not _accept_code(user, json.code):
        LOGIN_FAILURES.labels("mfa_code").inc()
        raise ApiError(401, "invalid_code", "That code is not valid.")
    svc.store.update_user(user)
    return _signed_in(user.email, Tokens)


def _accept_code(user: User, code: str) -> bool:
    """True for a fresh TOTP code or an unused recovery code; records the use on `user` (not saved)."""
    keys = mfa.MfaKeys(services().settings.jwt_secret_key)
    if user.mfa_secret:
        step = mfa.matching_step(keys.decrypt(user.mfa_secret), code)
        if step is not None and step > user.mfa_last_step:
            user.mfa_last_step = step
            return True
    hashed = keys.hash_code(code)
    if hashed in user.recovery_codes:
        user.recovery_codes.remove(hashed)
        return True
    return False


@bp.post("/mfa/setup")
@jwt_required()
@declare("auth", {200: MfaSetup}, (409,))
def mfa_setup() -> MfaSetup:
    """Start MFA setup: a new TOTP secret to scan; it takes effect on `/mfa/enable`.

    `qr_svg` is the `otpauth_uri` as a QR code, an SVG `data:` URI the page shows as an image.
    """
    user = current_user()
    if user.mfa_enabled:
        raise ApiError(409, "mfa_already_enabled", "MFA is already on. Turn it off first to set it up again.")
    secret = mfa.new_secret()
    user.mfa_secret = mfa.MfaKeys(services().settings.jwt_secret_key).encrypt(secret)
    services().store.update_user(user)
    uri = mfa.otpauth_uri(secret, user.email)
    qr_svg = segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#111827", light="#ffffff")
    return MfaSetup(secret=secret, otpauth_uri=uri, qr_svg=qr_svg)


@bp.post("/mfa/enable")
@jwt_required()
@declare("auth", {200: MfaEnabled}, (409,))
def mfa_enable(json: CodeBody) -> tuple[MfaEnabled, int, dict[str, str]]:
    """Turn MFA on with a code from the authenticator app; answers the recovery codes, shown once."""
    user = current_user()
    if user.mfa_enabled:
        raise ApiError(409, "mfa_already_enabled", "MFA is already on.")
    if not user.mfa_secret:
        raise ApiError(409, "mfa_not_set_up", "Start with /auth/mfa/setup.")
    if not _accept_code(user, json.code):
        raise ApiError(401, "invalid_code", "That code is not valid.")
    keys = mfa.MfaKeys(services().settings.jwt_secret_key)
    codes = mfa.new_recovery_codes()
    user.recovery_codes = [keys.hash_code(c) for c in codes]
    user.mfa_enabled = True
    services().store.update_user(user)
    _end_sessions(user.email)
    return _signed_in(user.email, MfaEnabled, recovery_codes=codes)


@bp.post("/mfa/disable")
@jwt_required()
@limiter.limit(_login_limit, key_func=user_or_ip, deduct_when=_failed, scope="password-check")
@declare("auth", {200: MfaDisabled}, (409,))
def mfa_disable(json: PasswordCodeBody) -> tuple[MfaDisabled, int, dict[str, str]]:
    """Turn MFA off; needs the password and a current code."""
    user = current_user()
    _check_password(user, json.password)
    if not user.mfa_enabled:
        raise ApiError(409, "mfa_not_enabled", "MFA is not on.")
    if not _accept_code(user, json.code):
        raise ApiError(401, "invalid_code", "That code is not valid.")
    user.mfa_enabled = False
    user.mfa_secret = None
    user.recovery_codes = []
    services().store.update_user(user)
    _end_sessions(user.email)
    return _signed_in(user.email, MfaDisabled, mfa_enabled=False)


@bp.post("/refresh")
@declare("auth", {200: AccessToken}, (403,))
def refresh() -> AccessToken:
    """A new access token for a valid refresh token: the bearer one, or else the browser's refresh cookie."""
    claims = None if "Authorization" in request.headers else _cookie_refresh_claims()
    if claims is None:
        verify_jwt_in_request(refresh=True)
        email = current_email()
    else:
        email = str(claims["sub"])
        user_var.set(user_hash(email))
    if _find_user(email) is None:
        raise ApiError(401, "unauthorized", "This account no longer exists.")
    return AccessToken(
        access_token=create_access_token(identity=email),
        expires_in=services().settings.jwt_access_minutes * 60,
    )


@bp.post("/logout")
@jwt_required()
@declare("auth", {204: None}, (403,))
def logout(json: LogoutBody) -> tuple[str, int, dict[str, str]]:
    """Revoke the access token and the refresh token given, in the body or as the browser's cookie."""
    svc = services()
    claims = get_jwt()
    # The bearer access token authorises a logout, so no other site can forge one. The cookie is honoured on the
    # app's own requests (browsers always send Origin); a client without Origin is served as CONTRACT.md says.
    from_app = REFRESH_COOKIE in request.cookies and "Origin" in request.headers
    if from_app:
        _require_own_origin()
        _revoke_cookie_token(str(claims["sub"]))
    if json.refresh_token:
        try:
            refresh_claims = decode_token(json.refresh_token, allow_expired=True)
        except InvalidTokenError as exc:
            raise ApiError(400, "invalid_token", "The refresh token given is not valid.") from exc
        if refresh_claims.get("sub") != claims["sub"] or refresh_claims.get("type") != "refresh":
            raise ApiError(
                400, "invalid_token", "The refresh token given is not yours or not a refresh token."
            )
        revoke(svc.redis, refresh_claims["jti"], refresh_claims["exp"])
    revoke(svc.redis, claims["jti"], claims["exp"])
    return "", 204, ({"Set-Cookie": _cookie_cleared()} if from_app else {})


def _revoke_cookie_token(subject: str) -> None:
    """Revoke the refresh cookie's token when it is a valid one of `subject`; anything else just goes away."""
    try:
        cookie_claims = decode_token(request.cookies[REFRESH_COOKIE], allow_expired=True)
    except InvalidTokenError:
        return
    if cookie_claims.get("sub") == subject and cookie_claims.get("type") == "refresh":
        revoke(services().redis, cookie_claims["jti"], cookie_claims["exp"])


@bp.get("/me")
@jwt_required()
@declare("auth", {200: UserPublic})
def me() -> UserPublic:
    """The signed-in account."""
    return UserPublic.of(current_user())


@bp.delete("/me")
@jwt_required()
@limiter.limit(_login_limit, key_func=user_or_ip, deduct_when=_failed, scope="password-check")
@declare("auth", {204: None})
def delete_me(json: PasswordBody) -> tuple[str, int]:
    """Delete the account and everything it owns: documents, files, jobs."""
    user = current_user()
    _check_password(user, json.password)
    close_account(user.email)
    return "", 204


def close_account(email: str) -> None:
    """Delete the account with everything it owns, and end every token of it (`DELETE /auth/me`, the CLI)."""
    svc = services()
    delete_account(svc.store, svc.blobs, email)
    # Every token of the account, in every session, ends here; a new account of the same address starts afresh.
    _end_sessions(email)
