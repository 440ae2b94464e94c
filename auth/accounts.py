"""The app's own database: logins (managers, admins) and wall-screen credentials (kiosks).

Kept apart from the call and ticket databases, which the wallboard only reads. Passwords
are stored as scrypt hashes (werkzeug's, a standard key-derivation function); a kiosk's
token is shown once and stored as its SHA-256 (a 256-bit random token needs no slow hash).
Names are stored and compared in one canonical form (`canonical_name`), so that no
database collation can let `MADMIN` or `madmin ` sign in as `madmin`. Each user has a
session epoch: a signed-in cookie is honoured only while its epoch is the user's current
one, and logout, a new password, a new role or sites, and removal all change it.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Column, DateTime, Engine, MetaData, String, Table, Text, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from wallboard.auth.access import ROLES, Principal
from wallboard.data_access.migrate import ensure_app_schema

app_metadata = MetaData()

users = Table(
    "wallboard_users", app_metadata,
    Column("name", String(64), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("sites", Text, nullable=False, default=""),  # comma-separated; empty = every site (admins)
    Column("created_at", DateTime, nullable=False),
)

kiosks = Table(
    "wallboard_kiosks", app_metadata,
    Column("name", String(64), primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("sites", Text, nullable=False, default=""),  # empty = every site
    Column("pages", Text, nullable=False),  # comma-separated paths
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
    Column("layout", String(40)),  # the wall layout it shows (config [layouts.<name>]); none: the default
)

user_sessions = Table(  # a table of its own, so that an existing app database gains it without a migration
    "wallboard_user_sessions", app_metadata,
    Column("name", String(64), primary_key=True),
    Column("epoch", String(32), nullable=False),
)

settings = Table(
    "wallboard_settings", app_metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

MIN_PASSWORD = 10
NAME = re.compile(r"[a-z0-9._@-]{1,64}")
_DUMMY_HASH = generate_password_hash("not a password: spends the same time on unknown names")


class AccountError(ValueError):
    """A request the operator can fix (a name taken, unknown, a short password); one line, exit 2."""


@dataclass(frozen=True)
class Account:
    kind: str  # "user" or "kiosk"
    name: str
    role: str
    sites: tuple[str, ...]
    pages: tuple[str, ...] = ()
    created_at: datetime | None = None
    revoked_at: datetime | None = None
    layout: str | None = None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(p for p in (text or "").split(",") if p)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def default_app_db_path() -> Path:
    """The app database's file when none is configured: SQLite in $WALLBOARD_DATA_DIR (default ./data)."""
    return Path(os.environ.get("WALLBOARD_DATA_DIR", "data")).expanduser().resolve() / "wallboard-app.db"


def default_app_db_url() -> str:
    """SQLite in the data directory ($WALLBOARD_DATA_DIR, default ./data), made if missing."""
    path = default_app_db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def init_app_db(engine: Engine) -> None:
    """Create the app's tables (idempotent; safe when several workers start at once on a new database)."""
    ensure_app_schema(engine)


def secret_key(engine: Engine) -> str:
    """The key that signs session cookies, made once and kept, so that kiosk and login cookies
    outlive restarts and hold across workers (unless WALLBOARD_SECRET_KEY sets one)."""
    query = select(settings.c.value).where(settings.c.name == "secret_key")
    try:
        with engine.begin() as conn:
            value = conn.execute(query).scalar()
            if value is None:
                value = secrets.token_urlsafe(48)
                conn.execute(insert(settings).values(name="secret_key", value=value))
    except IntegrityError:  # another worker made it first: every worker signs with that one
        with engine.connect() as conn:
            value = conn.execute(query).scalar_one()
    return value


def canonical_name(name: str | None) -> str:
    """The one form of a login name, stored and compared: Unicode NFKC, no surrounding space, lower case."""
    return unicodedata.normalize("NFKC", name or "").strip().casefold()


def _check_name(name: str) -> str:
    """The canonical form of a new name; look-alikes (non-ASCII letters, spaces) are refused, not folded."""
    canonical = canonical_name(name)
    if not NAME.fullmatch(canonical):
        raise AccountError(f"name {name!r}: use 1-64 letters, digits or . _ - @ (ASCII; compared in lower case)")
    return canonical


def _new_epoch(conn, name: str) -> None:
    """End every session of `name`: cookies signed with the old epoch are refused from now on."""
    conn.execute(delete(user_sessions).where(user_sessions.c.name == name))
    conn.execute(insert(user_sessions).values(name=name, epoch=secrets.token_hex(16)))


def end_sessions(engine: Engine, name: str) -> None:
    """Log `name` out everywhere (logout does this)."""
    with engine.begin() as conn:
        _new_epoch(conn, name)


def _user_row(conn, name: str):
    """The user row of a (canonical) name with its session epoch; names stored before canonical names existed
    are found by their lower case."""
    if not NAME.fullmatch(name):  # never a query for a look-alike: a collation could match "mädmin" to "madmin"
        return None
    stmt = (select(users, user_sessions.c.epoch).outerjoin(user_sessions, user_sessions.c.name == users.c.name)
            .where(func.lower(users.c.name) == name))
    return next((row for row in conn.execute(stmt) if row.name.lower() == name), None)  # exact, not by collation


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password: at least {MIN_PASSWORD} characters")


def _check_role(role: str, sites: tuple[str, ...]) -> None:
    if role not in ROLES or role == "kiosk":
        raise AccountError(f"--role: must be manager or admin, got {role!r}")
    if role == "manager" and not sites:
        raise AccountError("a manager needs at least one --site (an admin sees every site)")


def add_user(engine: Engine, name: str, password: str, role: str, sites: tuple[str, ...] = ()) -> Account:
    name = _check_name(name)
    _check_role(role, sites)
    _check_password(password)
    with engine.begin() as conn:
        if _user_row(conn, name):
            raise AccountError(f"user {name!r} exists already (remove it first)")
        conn.execute(insert(users).values(name=name, password_hash=generate_password_hash(password), role=role,
                                          sites=",".join(sites) if role == "manager" else "", created_at=_now()))
        _new_epoch(conn, name)  # a fresh epoch: a cookie of an earlier user of this name is worthless
    return Account("user", name, role, sites if role == "manager" else ())


def _existing(conn, name: str) -> str:
    row = _user_row(conn, canonical_name(name))
    if row is None:
        raise AccountError(f"no user {name!r}")
    return row.name


def remove_user(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        stored = _existing(conn, name)
        conn.execute(delete(users).where(users.c.name == stored))
        conn.execute(delete(user_sessions).where(user_sessions.c.name == stored))


def set_password(engine: Engine, name: str, password: str) -> None:
    """A new password; the user's sessions end."""
    _check_password(password)
    with engine.begin() as conn:
        stored = _existing(conn, name)
        conn.execute(update(users).where(users.c.name == stored)
                     .values(password_hash=generate_password_hash(password)))
        _new_epoch(conn, stored)


def set_user(engine: Engine, name: str, role: str | None = None, sites: tuple[str, ...] | None = None) -> Account:
    """A new role and/or sites; the user's sessions end (the next sign-in carries the new rights)."""
    with engine.begin() as conn:
        row = _user_row(conn, canonical_name(name))
        if row is None:
            raise AccountError(f"no user {name!r}")
        role = role or row.role
        sites = tuple(sites) if sites else _split(row.sites)
        _check_role(role, sites)
        sites = sites if role == "manager" else ()
        conn.execute(update(users).where(users.c.name == row.name).values(role=role, sites=",".join(sites)))
        _new_epoch(conn, row.name)
    return Account("user", row.name, role, sites)


def list_users(engine: Engine) -> list[Account]:
    with engine.connect() as conn:
        rows = conn.execute(select(users).order_by(users.c.name)).all()
    return [Account("user", r.name, r.role, _split(r.sites), created_at=r.created_at) for r in rows]


def check_login(engine: Engine, name: str, password: str) -> Principal | None:
    """The user's principal when the password matches; None otherwise (same cost either way)."""
    with engine.begin() as conn:
        row = _user_row(conn, canonical_name(name))
        if row is not None and row.epoch is None:  # a user from before session epochs: give it one now
            _new_epoch(conn, row.name)
            row = _user_row(conn, row.name)
    if row is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return _user(row) if check_password_hash(row.password_hash, password) else None


def _user(row) -> Principal:
    """A user row as a principal: a manager sees its sites, an admin every site; `credential` is the epoch."""
    return Principal(role=row.role, name=row.name, sites=frozenset(_split(row.sites)) if row.role == "manager"
                     else None, credential=row.epoch)


def user_principal(engine: Engine, name: str) -> Principal | None:
    """The signed-in user as the database has them now (None once removed)."""
    with engine.connect() as conn:
        row = _user_row(conn, canonical_name(name))
    return None if row is None else _user(row)


def add_kiosk(engine: Engine, name: str, sites: tuple[str, ...], pages: tuple[str, ...],
              layout: str | None = None) -> tuple[Account, str]:
    """A new wall-screen credential and its token (shown once, never stored in clear); `layout`: the wall layout it
    shows, checked against the config by the caller."""
    name = _check_name(name)
    for page in pages:
        if not page.startswith("/") or any(c in page for c in "?#&\\ ") or ".." in page:
            raise AccountError(f"--pages: {page!r} is not a page path like /complaints")
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        if conn.execute(select(kiosks.c.name).where(kiosks.c.name == name)).first():
            raise AccountError(f"kiosk {name!r} exists already (revoke it, or pick another name)")
        conn.execute(insert(kiosks).values(name=name, token_sha256=token_digest(token), sites=",".join(sites),
                                           pages=",".join(pages), created_at=_now(), layout=layout))
    return Account("kiosk", name, "kiosk", sites, pages, layout=layout), token


def revoke_kiosk(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        done = conn.execute(update(kiosks).where(kiosks.c.name == canonical_name(name),
                                                 kiosks.c.revoked_at.is_(None))
                            .values(revoked_at=_now())).rowcount
    if not done:
        raise AccountError(f"no active kiosk {name!r}")


def list_kiosks(engine: Engine) -> list[Account]:
    with engine.connect() as conn:
        rows = conn.execute(select(kiosks).order_by(kiosks.c.name)).all()
    return [Account("kiosk", r.name, "kiosk", _split(r.sites), _split(r.pages), r.created_at, r.revoked_at, r.layout)
            for r in rows]


def kiosk_principal(engine: Engine, *, token: str | None = None, name: str | None = None) -> Principal | None:
    """The kiosk of a token (its first visit) or of a name (its cookie, whose proof the caller checks against
    `credential`, the stored digest); None if unknown or revoked."""
    if token is not None:
        stmt = select(kiosks).where(kiosks.c.token_sha256 == token_digest(token))
    elif name:
        stmt = select(kiosks).where(kiosks.c.name == name)
    else:
        return None
    stmt = stmt.where(kiosks.c.revoked_at.is_(None))
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return None
    return Principal(role="kiosk", name=row.name, sites=frozenset(_split(row.sites)) or None,
                     pages=_split(row.pages) or None, credential=row.token_sha256, layout=row.layout)


def accounts_exist(engine: Engine) -> bool:
    """Whether logins are required (CONTRACT: as soon as a user or a kiosk exists, revoked or not)."""
    with engine.connect() as conn:
        n_users = conn.execute(select(func.count()).select_from(users)).scalar()
        n_kiosks = conn.execute(select(func.count()).select_from(kiosks)).scalar()  # revoked ones too: never open
    return bool(n_users or n_kiosks)
