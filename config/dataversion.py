"""What pages can show, versioned by the database itself (PostgreSQL): a number that goes up
when, and only when, a transaction that wrote a table pages show commits.

The whole-page cache (config/pagecache.py) keys pages by it. It used to key them by the
server's snapshot, which every transaction with an id changes: the worker's heartbeat, a
session saved at a log-in, a failed log-in's record, another database on the same server. In a
live draft every page was rendered again several times a second. Now:

- Every table of the site gets a statement-level trigger (`install`, after every `migrate`, so
  a table added later is covered without anyone remembering to): a statement that writes the
  table notes its transaction in `page_data_pending`, once per transaction.
- A deferred constraint trigger on that note runs at the transaction's commit and adds one to
  `page_data_version`: the new number becomes visible in the same instant as the data. A write
  made by hand in psql counts like any other; nothing in the code has a version to bump.
- A chat line posted is counted apart (`chat_version`, see CHAT_LINES), so that a busy chat
  leaves kept pages that do not show it, or whose script catches it up, in place.
- Who is who (users, league memberships) is counted apart too, in `access_version`, besides
  `version`: what a member's session is signed in as and their role in a league are kept per
  access version (accounts/sessions.py, draft/access.py), so a pick, which changes neither,
  does not make every member's identity be read again.
- Tables no page shows are left out (`UNSEEN`): sessions, log-in records, the outbox, the
  heartbeat, rate-limit tallies. A user's `last_login` (set at every log-in) is left out too.

The version row is locked only for the instant of a commit (the deferred trigger runs last),
so writers wait on each other no longer than a commit takes. On SQLite there is none of this:
pages are not kept there (`pagecache.database_state`).
"""

from django.apps import apps
from django.db import connections

# Tables whose rows no page shows: writing them must not make every page new.
UNSEEN = {
    "django_session",  # a session saved at each log-in; a log-out is checked with the key
    "django_migrations",
    "django_admin_log",
    "axes_accessattempt",
    "axes_accessattemptexpiration",
    "axes_accessfailurelog",
    "axes_accesslog",
    "worker_heartbeat",
    "worker_outboxmessage",
    "accounts_passwordresetrequest",
    "draft_chatposter",  # the chat's rate limit (the message itself is seen)
    "reviews_addresstally",  # the comment and vote limits (the comment itself is seen)
    "page_data_version",
    "page_data_pending",
}
# Columns whose update no page shows, per table.
UNSEEN_COLUMNS = {"accounts_user": {"last_login"}}

# Tables whose new rows are counted apart, in `chat_version`: a chat line posted every second
# must not make every kept page new. A page that shows the chat either keys by both numbers or
# says that its script catches its chat up (`pagecache.chat_catches_up`). A line changed or
# deleted (a commissioner hides it) counts in `version`, as every other write does.
CHAT_LINES = {"draft_chatmessage"}
# Tables whose writes are counted in `access_version` as well as in `version`: who a session is
# signed in as (the user's row: active, password, name) and their memberships of leagues.
ACCESS = {"accounts_user", "draft_membership"}

SETUP = """
CREATE TABLE IF NOT EXISTS page_data_version (id int PRIMARY KEY, version bigint NOT NULL);
ALTER TABLE page_data_version ADD COLUMN IF NOT EXISTS chat_version bigint NOT NULL DEFAULT 1;
ALTER TABLE page_data_version ADD COLUMN IF NOT EXISTS access_version bigint NOT NULL DEFAULT 1;
INSERT INTO page_data_version VALUES (1, 1, 1, 1) ON CONFLICT DO NOTHING;
DO $$ BEGIN
    -- Before chat lines were counted apart, a transaction was noted once, with no kind.
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_name = 'page_data_pending' AND column_name = 'kind'
                   AND table_schema = current_schema()) THEN
        DROP TABLE IF EXISTS page_data_pending;
    END IF;
END $$;
CREATE TABLE IF NOT EXISTS page_data_pending (
    xid xid8 NOT NULL, kind text NOT NULL, PRIMARY KEY (xid, kind)
);

CREATE OR REPLACE FUNCTION page_data_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO page_data_pending VALUES (pg_current_xact_id(), 'page') ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION page_chat_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO page_data_pending VALUES (pg_current_xact_id(), 'chat') ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION page_access_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO page_data_pending VALUES (pg_current_xact_id(), 'access') ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION page_data_committing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind = 'chat' THEN
        UPDATE page_data_version SET chat_version = chat_version + 1 WHERE id = 1;
    ELSIF NEW.kind = 'access' THEN
        UPDATE page_data_version SET access_version = access_version + 1 WHERE id = 1;
    ELSE
        UPDATE page_data_version SET version = version + 1 WHERE id = 1;
    END IF;
    DELETE FROM page_data_pending WHERE xid = NEW.xid AND kind = NEW.kind;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS page_data_commit ON page_data_pending;
CREATE CONSTRAINT TRIGGER page_data_commit AFTER INSERT ON page_data_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION page_data_committing();
"""

TRIGGER = "page_data_written"
CHAT_TRIGGER = "page_chat_written"
ACCESS_TRIGGER = "page_access_written"


def seen_tables(connection) -> list[str]:
    return [table for table in connection.introspection.table_names() if table not in UNSEEN]


def install(using: str = "default") -> None:
    """Set up the version and a trigger on every table pages show (idempotent: run after each
    migrate). Nothing on SQLite."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    columns = _columns_by_table()
    with connection.cursor() as cursor:
        cursor.execute(SETUP)
        for table in seen_tables(connection):
            quoted = connection.ops.quote_name(table)
            unseen = UNSEEN_COLUMNS.get(table)
            if unseen:
                seen = [connection.ops.quote_name(c) for c in columns[table] if c not in unseen]
                events = f"INSERT OR DELETE OR TRUNCATE OR UPDATE OF {', '.join(seen)}"
            elif table in CHAT_LINES:
                events = "UPDATE OR DELETE OR TRUNCATE"
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {CHAT_TRIGGER} AFTER INSERT ON {quoted} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION page_chat_written()"
                )
            else:
                events = "INSERT OR UPDATE OR DELETE OR TRUNCATE"
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {TRIGGER} AFTER {events} ON {quoted} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION page_data_written()"
            )
            if table in ACCESS:
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {ACCESS_TRIGGER} AFTER {events} ON {quoted} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION page_access_written()"
                )


def _columns_by_table() -> dict[str, list[str]]:
    return {
        model._meta.db_table: [field.column for field in model._meta.concrete_fields]
        for model in apps.get_models()
    }


def installed_on(connection) -> set[str]:
    """The tables that have the trigger (for the test that every seen table has it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = %s AND NOT t.tgisinternal",
            [TRIGGER],
        )
        return {row[0] for row in cursor.fetchall()}


def after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate: every app's tables exist by the last app's signal; install is idempotent,
    so running it for each app is cheap and the last run covers everything."""
    install(using)
