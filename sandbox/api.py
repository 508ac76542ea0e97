"""Flask app of the sandbox API: every endpoint of docs/protocol.md with its status codes, ErrorCodes and
messages, so the client can be tested against real HTTP instead of mocks."""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, NoReturn

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from sandbox.crypto import DecryptError, ciphertext_size, decrypt, encrypt, user_key
from sandbox.names import InvalidNameError, validate_folder, validate_name
from sandbox.roles import UPLOAD_ROLES, USER_ADMIN_ROLES, RoleEnum
from sandbox.state import SandboxState, UserRecord, utc_now
from sandbox.tokens import TokenRejected, issue_token, read_token

CONFIG_FOLDER = "config"
CDN_YAML = "cdn.yaml"
READ_ROLES = frozenset(RoleEnum) - {RoleEnum.NONE}
_SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")

MSG_WRONG_CREDENTIALS = "Wrong email or password."
MSG_DISABLED = "This account is disabled. Ask an administrator to enable it."
MSG_HARDWARE = "This account is bound to another machine. Ask an administrator to reset its hardware."
MSG_EXISTS = "A user with this email already exists."
MSG_ROLE = "Unknown role."
MSG_SELF = "You cannot delete, disable or demote your own account."
MSG_APIADMIN = "Only an ApiAdmin can change an ApiAdmin."

CdnYamlProvider = Callable[[RoleEnum], str | bytes]
"""cdn.yaml for an account of the given role: the uploader keys only for UPLOAD_ROLES (docs/protocol.md)."""


class ApiError(Exception):
    """Raised by handlers; rendered as ``{"ErrorCode": code, "Message": message}`` with ``status``."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _fail(status: int, code: int, message: str) -> NoReturn:
    raise ApiError(status, code, message)


def _iso(when: datetime | None) -> str | None:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def user_json(user: UserRecord) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "role": int(user.role),
        "hardware": user.hardware,
        "isEnabled": user.is_enabled,
        "lastLogin": _iso(user.last_login),
    }


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        _fail(400, 90, "The request body must be a JSON object.")
    return data


def _field(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        _fail(400, 90, f"The field '{name}' is required and must be a non-empty string.")
    return value


def _name(value: str, what: str = "file name") -> str:
    try:
        return validate_folder(value) if what == "folder" else validate_name(value, what)
    except InvalidNameError as exc:
        _fail(409, 80, f"Invalid name: {exc}")


def _require(user: UserRecord, roles: frozenset[RoleEnum], action: str) -> None:
    if user.role not in roles:
        _fail(403, 403, f"Your role ({user.role.label}) may not {action}.")


_PART_FILENAME = re.compile(
    rb'content-disposition:[^\r\n]*?\bname="?data"?;[^\r\n]*?\bfilename="([^"\r\n]*)"', re.IGNORECASE
)


def _raw_part_filename(body: bytes) -> str | None:
    """The ``data`` part's filename exactly as sent. Browsers and urllib3 follow HTML5 (only ``"``, CR and LF
    are percent-escaped; a backslash is literal) while werkzeug unescapes RFC-style, turning ``a\\b`` into
    ``ab``; the name rules must see the backslash to refuse it."""
    match = _PART_FILENAME.search(body)
    if match is None:
        return None
    raw = match.group(1).decode("utf-8", errors="replace")
    return raw.replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n")


BIG_SHA256_HEADER = "X-Big-Sha256"
BIG_SIZE_HEADER = "X-Big-Size"
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _big_record(form: Any) -> tuple[str | None, int | None]:
    """The optional ``bigSha256``/``bigSize`` form fields of a small-part upload (docs/protocol.md, "Tamper
    evidence"): the SHA-256 (lower-case hex) and size of the big part the uploader sent to the CDN. Stored with the
    small part and returned with it, so a big part replaced on the CDN by another key holder is detected."""
    raw_sha, raw_size = form.get("bigSha256"), form.get("bigSize")
    if raw_sha is None:
        if raw_size is not None:
            _fail(400, 91, "bigSize needs bigSha256.")
        return None, None
    sha = raw_sha.strip().lower()
    if not _SHA256_HEX.fullmatch(sha):
        _fail(400, 91, "bigSha256 must be 64 hex digits.")
    if raw_size is None:
        return sha, None
    if not raw_size.isdigit() or len(raw_size) > 19:
        _fail(400, 91, "bigSize must be a non-negative integer.")
    return sha, int(raw_size)


def _garbage(length: int, key: bytes) -> bytes:
    """Random bytes of a ciphertext's length that are guaranteed NOT to decrypt (padding check fails), so a
    client test of the corrupt-download path cannot pass by luck."""
    while True:
        blob = os.urandom(length)
        try:
            decrypt(blob, key)
        except DecryptError:
            return blob


def create_app(state: SandboxState, secret: str, token_lifetime_s: int, cdn_yaml_provider: CdnYamlProvider) -> Flask:
    """Build the API app over ``state``; ``cdn_yaml_provider`` supplies config/cdn.yaml unless a test stored
    its own file under that name (a stored file wins, which lets tests serve a broken cdn.yaml)."""
    app = Flask("sandbox.api")
    started = utc_now()

    def cdn_yaml(role: RoleEnum) -> bytes:
        text = cdn_yaml_provider(role)
        return text.encode("utf-8") if isinstance(text, str) else bytes(text)

    def authenticate() -> UserRecord:
        scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            _fail(401, 401, "A bearer token is required. Log in first.")
        try:
            claims = read_token(raw.strip(), secret, state.token_generation)
        except TokenRejected as exc:
            _fail(401, 401, str(exc))
        user = state.get_user_by_id(str(claims["sub"]))
        if user is None:
            _fail(401, 401, "The account of this token no longer exists.")
        if not user.is_enabled:
            _fail(409, 20, MSG_DISABLED)
        return user

    def target_user(email: str) -> UserRecord:
        user = state.get_user(email)
        if user is None:
            _fail(404, 404, f"No user {email}.")
        return user

    def guard_apiadmin(actor: UserRecord, target: UserRecord, new_role: RoleEnum | None = None) -> None:
        if actor.role is not RoleEnum.ApiAdmin and RoleEnum.ApiAdmin in (target.role, new_role):
            _fail(409, 70, MSG_APIADMIN)

    def guard_self(actor: UserRecord, target: UserRecord) -> None:
        if actor.id == target.id:
            _fail(409, 60, MSG_SELF)

    # ---- faults and errors -------------------------------------------------------------------------------

    @app.before_request
    def injected_failure() -> Response | None:
        if request.path == "/login":
            return None
        failure = state.take_failure()
        if failure is None:
            return None
        status, body = failure
        try:
            json.loads(body)
            mimetype = "application/json"
        except ValueError:
            mimetype = "text/plain"
        return Response(body, status=status, mimetype=mimetype)

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError) -> tuple[Response, int]:
        return jsonify({"ErrorCode": exc.code, "Message": exc.message}), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response, int]:
        status = exc.code or 500
        return jsonify({"ErrorCode": 90 if status == 400 else status, "Message": exc.description}), status

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> Response:
        app.logger.exception("sandbox API fault")
        return Response(f"Internal server error: {type(exc).__name__}", status=500, mimetype="text/plain")

    # ---- authentication and users ------------------------------------------------------------------------

    @app.post("/login")
    def login() -> Response:
        data = _body()
        email, password = _field(data, "email"), _field(data, "password")
        user = state.check_password(email, password)
        if user is None:
            _fail(409, 10, MSG_WRONG_CREDENTIALS)
        if not user.is_enabled:
            _fail(409, 20, MSG_DISABLED)
        state.set_last_login(user.email, utc_now())
        return jsonify({"token": issue_token(user, secret, token_lifetime_s, state.token_generation)})

    @app.get("/users/current")
    def current_user() -> Response:
        return jsonify(user_json(authenticate()))

    @app.get("/users")
    def list_users() -> Response:
        _require(authenticate(), USER_ADMIN_ROLES, "manage users")
        return jsonify([user_json(u) for u in state.find_users(request.args.get("searchEmail", ""))])

    @app.post("/users")
    def create_user() -> Response:
        actor = authenticate()
        _require(actor, USER_ADMIN_ROLES, "manage users")
        data = _body()
        email, password = _field(data, "email"), _field(data, "password")
        if "@" not in email or email != email.strip():
            _fail(400, 90, "The field 'email' must be an email address.")
        raw_role = data.get("role")
        if raw_role is None:
            _fail(400, 90, "The field 'role' is required.")
        try:
            if isinstance(raw_role, bool) or not isinstance(raw_role, int | str):
                raise ValueError(raw_role)
            role = RoleEnum.parse(raw_role)
        except ValueError:
            _fail(409, 50, MSG_ROLE)
        if role is RoleEnum.ApiAdmin and actor.role is not RoleEnum.ApiAdmin:
            _fail(409, 70, MSG_APIADMIN)
        try:
            created = state.add_user(email, password, role)
        except ValueError:
            _fail(409, 40, MSG_EXISTS)
        return jsonify(user_json(created))

    @app.put("/users/<email>/enable")
    def enable_user(email: str) -> Response:
        actor = authenticate()
        _require(actor, USER_ADMIN_ROLES, "manage users")
        target = target_user(email)
        guard_apiadmin(actor, target)
        state.set_enabled(target.email, True)
        return jsonify({})

    @app.put("/users/<email>/disable")
    def disable_user(email: str) -> Response:
        actor = authenticate()
        _require(actor, USER_ADMIN_ROLES, "manage users")
        target = target_user(email)
        guard_apiadmin(actor, target)
        guard_self(actor, target)
        state.set_enabled(target.email, False)
        return jsonify({})

    @app.put("/users/<email>/set-role/<role>")
    def set_role(email: str, role: str) -> Response:
        actor = authenticate()
        _require(actor, USER_ADMIN_ROLES, "manage users")
        target = target_user(email)
        try:
            new_role = RoleEnum(int(role))
        except ValueError:
            _fail(409, 50, MSG_ROLE)
        guard_apiadmin(actor, target, new_role)
        if new_role is not target.role:
            guard_self(actor, target)
        state.set_role(target.email, new_role)
        return jsonify({})

    @app.delete("/users/<email>")
    def delete_user(email: str) -> Response:
        actor = authenticate()
        _require(actor, USER_ADMIN_ROLES, "manage users")
        target = target_user(email)
        guard_apiadmin(actor, target)
        guard_self(actor, target)
        state.delete_user(target.email)
        return jsonify({})

    @app.delete("/users/<email>/hardware")
    def reset_hardware(email: str) -> Response:
        actor = authenticate()
        _require(actor, USER_ADMIN_ROLES, "manage users")
        target = target_user(email)
        guard_apiadmin(actor, target)
        state.set_hardware(target.email, None)
        return jsonify({})

    # ---- resources ---------------------------------------------------------------------------------------

    @app.post("/resources/check")
    def check_hardware() -> Response:
        user = authenticate()
        hardware = _field(_body(), "hardware")
        if not state.bind_hardware(user.email, hardware):
            _fail(409, 30, MSG_HARDWARE)
        return jsonify({})

    @app.get("/resources/list/<path:folder>")
    def list_folder(folder: str) -> Response:
        user = authenticate()
        _require(user, READ_ROLES, "list resources")
        _name(folder, "folder")
        search = request.args.get("search", "")
        rows = [
            {"name": name, "size": f.size, "modified": _iso(f.modified)} for name, f in state.list_files(folder, search)
        ]
        if folder == CONFIG_FOLDER and search.lower() in CDN_YAML and state.get_file(folder, CDN_YAML) is None:
            rows.append({"name": CDN_YAML, "size": len(cdn_yaml(user.role)), "modified": _iso(started)})
            rows.sort(key=lambda row: row["name"])
        return jsonify(rows)

    @app.post("/resources/get/<path:folder>")
    def get_resource(folder: str) -> Response:
        user = authenticate()
        _name(folder, "folder")
        data = _body()
        password, hardware = _field(data, "password"), _field(data, "hardware")
        name = _name(_field(data, "fileName"))
        is_cdn_yaml = folder == CONFIG_FOLDER and name == CDN_YAML
        if not is_cdn_yaml:
            _require(user, READ_ROLES, "download resources")
        if state.check_password(user.email, password) is None:
            _fail(409, 10, MSG_WRONG_CREDENTIALS)
        if not state.bind_hardware(user.email, hardware):
            _fail(409, 30, MSG_HARDWARE)
        stored = state.get_stored(folder, name)
        content = stored.data if stored else None
        if content is None and is_cdn_yaml:
            content = cdn_yaml(user.role)
        if content is None:
            _fail(404, 404, f"No file {name} in {folder}.")
        key = user_key(user.email, password, hardware)
        if state.take_garbage():
            payload = _garbage(ciphertext_size(len(content)), key)
        else:
            payload = encrypt(content, key)
        resp = Response(payload, status=200, mimetype="application/octet-stream")
        if stored is not None and stored.big_sha256:  # the big part this small part was uploaded with
            resp.headers[BIG_SHA256_HEADER] = stored.big_sha256
            if stored.big_size is not None:
                resp.headers[BIG_SIZE_HEADER] = str(stored.big_size)
        return resp

    @app.post("/resources/<path:folder>")
    def upload_resource(folder: str) -> Response:
        _require(authenticate(), UPLOAD_ROLES, "upload resources")
        _name(folder, "folder")
        raw_name = _raw_part_filename(request.get_data(cache=True))  # cached: request.files re-reads it
        part = request.files.get("data")
        if part is None:
            _fail(400, 90, "The multipart field 'data' is required.")
        name = _name(raw_name if raw_name is not None else part.filename or "")
        big_sha256, big_size = _big_record(request.form)
        state.put_file(folder, name, part.read(), big_sha256=big_sha256, big_size=big_size)
        return jsonify({})

    @app.post("/clear-folder")
    def clear_folder() -> Response:
        _require(authenticate(), UPLOAD_ROLES, "clear folders")
        folder = _name(_field(_body(), "folderPath"), "folder")
        state.clear_folder(folder)
        return jsonify({})

    def installer(stage: bool) -> Response:
        _require(authenticate(), READ_ROLES, "download the installer")
        found = state.get_installer(stage)
        if found is None:
            _fail(404, 404, "No installer is published.")
        response = Response(found.data, status=200, mimetype="application/octet-stream")
        response.headers["Content-Disposition"] = f'attachment; filename="{found.filename}"'
        return response

    @app.get("/resources/get-installer")
    def get_installer() -> Response:
        return installer(stage=False)

    @app.get("/resources/get-installer/stage")
    def get_stage_installer() -> Response:
        return installer(stage=True)

    # ---- image archive key fragments ---------------------------------------------------------------------

    @app.get("/binary-split/key-fragment/<path:version>")
    def get_fragment(version: str) -> Response:
        _require(authenticate(), READ_ROLES, "unlock images")
        _name(version, "version")
        found = state.get_fragment(version)
        if found is None:
            _fail(404, 404, f"No key fragment for version {version}.")
        return jsonify({"fragment": base64.b64encode(found.fragment).decode("ascii"), "sha256": found.sha256})

    @app.post("/binary-split/key-fragment/<path:version>")
    def post_fragment(version: str) -> Response:
        _require(authenticate(), USER_ADMIN_ROLES, "publish key fragments")
        _name(version, "version")
        data = _body()
        try:
            fragment = base64.b64decode(_field(data, "fragment"), validate=True)
        except binascii.Error:
            _fail(400, 90, "The field 'fragment' must be base64.")
        sha256 = _field(data, "sha256")
        if not _SHA256_HEX.match(sha256):
            _fail(400, 90, "The field 'sha256' must be 64 hex digits.")
        state.put_fragment(version, fragment, sha256)
        return jsonify({})

    return app
