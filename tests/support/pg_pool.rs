//! PostgreSQL test databases, reused instead of created per test.
//!
//! `CREATE DATABASE` copies the template through the WAL: about 140 ms and
//! 0.3 s of the server's CPU (mostly kernel time) per test on the CI
//! machine, where the suite has some 200 PostgreSQL tests. So a test
//! database is a *slot* `m_test_pool_<n>` that outlives the test:
//!
//! - A test claims a slot with a session advisory lock
//!   `pg_try_advisory_lock(POOL_LOCK, n)`, taken on a connection to the
//!   admin database that lives as long as the test's [`TestDb`](crate::TestDb).
//!   Another test, in this process or another one, skips a held slot; a
//!   process that dies releases its slots with its sessions.
//! - Emptied when released ([`empty`]): every session on it ended, every
//!   schema but the system ones dropped, `public` made again as
//!   `CREATE DATABASE` makes it, the database's settings reset.
//! - Checked when claimed ([`is_empty`]), and emptied again if a test that
//!   was killed left something; what cannot be emptied (a schema too large
//!   to drop in one transaction under the server's lock budget, say) is
//!   dropped and made again.
//!
//! So a test sees a database that m cannot tell from a new one, for three
//! more connections (the lock's, one to check and one to empty) and a few
//! milliseconds of the server's time. The slots stay on the server
//! between runs, empty, as many as tests ever ran at once. On a server
//! older than 14 (no `pg_terminate_backend` timeout, no
//! `pg_database_owner`) emptying fails, and each slot is dropped and made
//! again: the old cost, the same result.

use m_runtime::Db;

/// The first key of the slots' advisory locks ("mtp"); the second is the
/// slot number. Two-key advisory locks never meet m's own one-key lock.
const POOL_LOCK: i32 = 0x006d_7470;

/// More slots than this means something holds them that is not a test.
const MAX_SLOTS: i32 = 512;

/// Above this many relations a slot is dropped rather than emptied:
/// dropping its schemas would take a lock per relation in one transaction.
const MAX_RELATIONS_TO_EMPTY: i64 = 2_000;

/// The namespaces a new database has besides `public`.
const SYSTEM_SCHEMAS: &str = "nspname IN ('pg_catalog', 'information_schema', 'pg_toast') \
     OR nspname LIKE 'pg\\_temp\\_%' OR nspname LIKE 'pg\\_toast\\_temp\\_%'";

/// A claimed slot: its database's name, and the session whose advisory
/// lock holds it (dropping the slot ends that session and frees the slot).
pub(crate) struct Slot {
    pub(crate) name: String,
    _lock_session: Db,
}

/// Claims a free slot on the server of `admin_url`, creating its database
/// if it does not exist yet, and returns it empty.
pub(crate) async fn claim(admin_url: &str) -> Result<Slot, String> {
    let holder = Db::connect(admin_url)
        .await
        .map_err(|e| format!("connect to {admin_url}: {e}"))?;
    let mut claimed = None;
    for slot in 0..MAX_SLOTS {
        let locked = holder
            .fetch_i64(&format!(
                "SELECT CASE WHEN pg_try_advisory_lock({POOL_LOCK}, {slot}) THEN 1 ELSE 0 END"
            ))
            .await
            .map_err(|e| format!("lock slot {slot}: {e}"))?;
        if locked == Some(1) {
            claimed = Some(slot);
            break;
        }
    }
    let slot = claimed.ok_or_else(|| {
        format!("all {MAX_SLOTS} test database slots are held: is another test run stuck?")
    })?;
    let name = format!("m_test_pool_{slot}");
    let exists = holder
        .fetch_i64(&format!(
            "SELECT COUNT(*) FROM pg_database WHERE datname = '{name}'"
        ))
        .await
        .map_err(|e| format!("look for {name}: {e}"))?;
    if exists == Some(1) {
        let url = crate::with_database(admin_url, &name);
        let ready = match Db::connect(&url).await {
            Ok(db) => {
                let ready = match is_empty(&db).await {
                    Ok(true) => true,
                    Ok(false) => empty(&db, &name).await.is_ok() && is_empty(&db).await == Ok(true),
                    Err(_) => false,
                };
                let _ = db.close().await;
                ready
            }
            Err(_) => false,
        };
        if ready {
            return Ok(Slot {
                name,
                _lock_session: holder,
            });
        }
        drop_database(&holder, &name).await?;
    }
    create_database(&holder, &name).await?;
    Ok(Slot {
        name,
        _lock_session: holder,
    })
}

/// Empties the slot's database before its lock goes: on a connection to
/// it, or, where emptying fails, by dropping it (the next claim makes it
/// again).
pub(crate) async fn release(admin_url: &str, name: &str) {
    let url = crate::with_database(admin_url, name);
    let emptied = match Db::connect(&url).await {
        Ok(db) => {
            let emptied = empty(&db, name).await.is_ok();
            let _ = db.close().await;
            emptied
        }
        Err(_) => false,
    };
    if !emptied && let Ok(admin) = Db::connect(admin_url).await {
        let _ = drop_database(&admin, name).await;
        let _ = admin.close().await;
    }
}

async fn create_database(admin: &Db, name: &str) -> Result<(), String> {
    admin
        .execute(&format!("CREATE DATABASE {name}"))
        .await
        .map_err(|e| format!("create {name}: {e}"))?;
    set_settings(admin, name).await
}

async fn drop_database(admin: &Db, name: &str) -> Result<(), String> {
    admin
        .execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .map(drop)
        .map_err(|e| format!("drop {name}: {e}"))
}

/// The settings every test database has: no test checks that a commit
/// survives a crash of the server, and waiting for each commit's WAL flush
/// (~4 ms here) is most of what the suite's small transactions cost.
/// Sessions to the database start with it off; a crash could lose the last
/// commits, never corrupt anything.
async fn set_settings(db: &Db, name: &str) -> Result<(), String> {
    db.execute(&format!(
        "ALTER DATABASE {name} SET synchronous_commit = off"
    ))
    .await
    .map(drop)
    .map_err(|e| format!("set {name}'s synchronous_commit: {e}"))
}

/// Whether the database of `db` holds nothing a new database would not:
/// no schema but the system ones and an empty `public`, no extension but
/// `plpgsql`, no event trigger, publication or large object, no
/// connection limit, and only its own setting.
async fn is_empty(db: &Db) -> Result<bool, String> {
    let leftovers = db
        .fetch_i64(&format!(
            "SELECT (SELECT COUNT(*) FROM pg_namespace WHERE NOT ({SYSTEM_SCHEMAS}) AND nspname <> 'public')
                  + (SELECT COUNT(*) FROM pg_class WHERE relnamespace IN (SELECT oid FROM pg_namespace WHERE nspname = 'public'))
                  + (SELECT COUNT(*) FROM pg_type WHERE typnamespace IN (SELECT oid FROM pg_namespace WHERE nspname = 'public'))
                  + (SELECT COUNT(*) FROM pg_proc WHERE pronamespace IN (SELECT oid FROM pg_namespace WHERE nspname = 'public'))
                  + (SELECT COUNT(*) FROM pg_extension WHERE extname <> 'plpgsql')
                  + (SELECT COUNT(*) FROM pg_event_trigger)
                  + (SELECT COUNT(*) FROM pg_publication)
                  + (SELECT COUNT(*) FROM pg_largeobject_metadata)
                  + (SELECT COUNT(*) FROM pg_database
                      WHERE datname = current_database() AND (datconnlimit <> -1 OR NOT datallowconn))
                  + (SELECT COUNT(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
                      WHERE d.datname = current_database()
                        AND (s.setrole <> 0 OR s.setconfig <> ARRAY['synchronous_commit=off']))
                  + (SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') THEN 0 ELSE 1 END)"
        ))
        .await
        .map_err(|e| format!("inspect the test database: {e}"))?;
    Ok(leftovers == Some(0))
}

/// Makes the database `name`, which `db` is connected to, as `CREATE
/// DATABASE` made it: ends every other session on it, drops every schema
/// but the system ones, makes `public` again with PostgreSQL's own owner,
/// privileges and comment, unlinks large objects and resets its settings
/// (not a connection limit, nor a role's settings in it: [`is_empty`] sees
/// those, and the claim makes such a database again). Fails for a database
/// too large to empty in one transaction.
async fn empty(db: &Db, name: &str) -> Result<(), String> {
    let relations = db
        .fetch_i64(&format!(
            "SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE NOT ({SYSTEM_SCHEMAS})"
        ))
        .await
        .map_err(|e| format!("count relations: {e}"))?
        .unwrap_or(0);
    if relations > MAX_RELATIONS_TO_EMPTY {
        return Err(format!("{relations} relations: dropped, not emptied"));
    }
    // `pg_terminate_backend(pid, timeout)` waits for the session to end, so
    // none of its locks is left when the schemas go.
    db.execute(&format!(
        "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid();
         DO $$ DECLARE s text; BEGIN
           FOR s IN SELECT nspname FROM pg_namespace WHERE NOT ({SYSTEM_SCHEMAS}) LOOP
             EXECUTE format('DROP SCHEMA %I CASCADE', s);
           END LOOP;
           FOR s IN SELECT evtname FROM pg_event_trigger LOOP
             EXECUTE format('DROP EVENT TRIGGER %I', s);
           END LOOP;
           FOR s IN SELECT pubname FROM pg_publication LOOP
             EXECUTE format('DROP PUBLICATION %I', s);
           END LOOP;
         END $$;
         SELECT lo_unlink(oid) FROM pg_largeobject_metadata;
         CREATE SCHEMA public AUTHORIZATION pg_database_owner;
         GRANT USAGE ON SCHEMA public TO PUBLIC;
         COMMENT ON SCHEMA public IS 'standard public schema';
         ALTER DATABASE {name} RESET ALL;"
    ))
    .await
    .map_err(|e| format!("empty {name}: {e}"))?;
    set_settings(db, name).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Backend;

    async fn slot_db(admin_url: &str, slot: &Slot) -> Db {
        Db::connect(&crate::with_database(admin_url, &slot.name))
            .await
            .expect("connect to the slot")
    }

    /// Each thing a test can leave behind makes the slot "not empty", and
    /// emptying removes it: the next test gets what `CREATE DATABASE` gives.
    #[tokio::test]
    #[cfg_attr(m_test_skip_postgres, ignore = "excluded by M_TEST_BACKENDS")]
    async fn what_a_test_leaves_is_seen_and_emptied() {
        Backend::Postgres.require_enabled();
        let admin_url = Backend::Postgres.admin_url();
        let slot = claim(&admin_url).await.expect("claim");
        let db = slot_db(&admin_url, &slot).await;
        assert_eq!(is_empty(&db).await, Ok(true), "a claimed slot is empty");
        let leftovers = [
            "CREATE TABLE t (id bigint PRIMARY KEY)",
            "CREATE SEQUENCE s",
            "CREATE TYPE mood AS ENUM ('ok')",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            "CREATE SCHEMA billing",
            "DROP SCHEMA public",
            "SELECT lo_create(0)::bigint",
            "CREATE PUBLICATION p",
        ];
        for leftover in leftovers {
            db.execute(leftover).await.expect(leftover);
            assert_eq!(is_empty(&db).await, Ok(false), "{leftover} is seen");
            empty(&db, &slot.name).await.expect("empty");
            assert_eq!(is_empty(&db).await, Ok(true), "{leftover} is gone");
        }
        // Settings: the database's own, a role's in it, a connection limit.
        let name = slot.name.clone();
        for setting in [
            format!("ALTER DATABASE {name} SET work_mem = '8MB'"),
            format!("ALTER ROLE CURRENT_USER IN DATABASE {name} SET work_mem = '8MB'"),
            format!("ALTER DATABASE {name} CONNECTION LIMIT 50"),
        ] {
            db.execute(&setting).await.expect("alter the database");
            assert_eq!(is_empty(&db).await, Ok(false), "{setting} is seen");
        }
        db.close().await.expect("close");
        let again = claim(&admin_url).await.expect("a second slot");
        assert_ne!(again.name, name, "a held slot is skipped");
        drop(slot);
        release(&admin_url, &name).await;
        // The lowest free slot: the one just released (only one test
        // binary runs at a time under `cargo test`).
        let reclaimed = claim(&admin_url).await.expect("claim again");
        assert_eq!(reclaimed.name, name, "the released slot is claimed again");
        let db = slot_db(&admin_url, &reclaimed).await;
        assert_eq!(is_empty(&db).await, Ok(true), "a reclaimed slot is empty");
        let settings = db
            .fetch_i64(
                "SELECT (SELECT datconnlimit FROM pg_database WHERE datname = current_database())
                      + (SELECT COUNT(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
                          WHERE d.datname = current_database() AND s.setconfig <> ARRAY['synchronous_commit=off'])",
            )
            .await
            .expect("read the settings");
        assert_eq!(settings, Some(-1), "no limit and no other setting is left");
        db.close().await.expect("close");
    }
}
