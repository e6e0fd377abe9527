use std::collections::BTreeMap;

use prospo::store::Db;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, fresh_database_url, postgres_admin_url};

on_both_backends! {
    async fn no_password_or_token_is_stored_in_plaintext(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let user = app.db.user_by_email("ada@example.com").await.unwrap().unwrap();
        assert!(user.password_hash.starts_with("$argon2"), "{}", user.password_hash);
        assert!(!user.password_hash.contains("correct horse battery"));
        let dump = dump_tables(&app.db).await;
        assert!(!dump.contains("correct horse battery"), "password in plaintext");
        assert!(!dump.contains(&token), "API token in plaintext");
        assert!(!dump.contains(token.trim_start_matches("prospo_")), "API token in plaintext");
    }
}

/// Every text column of every account table, concatenated.
async fn dump_tables(db: &Db) -> String {
    let mut out = String::new();
    for sql in [
        "SELECT id || email || username || name || password_hash FROM users",
        "SELECT id_hash || user_id FROM sessions",
        "SELECT id || name || token_hash FROM api_tokens",
    ] {
        let rows: Vec<(String,)> = match db {
            Db::Sqlite(pool) => sqlx::query_as(sql).fetch_all(pool).await.unwrap(),
            Db::Postgres(pool) => sqlx::query_as(sql).fetch_all(pool).await.unwrap(),
        };
        for (row,) in rows {
            out.push_str(&row);
            out.push('\n');
        }
    }
    out
}

#[tokio::test]
async fn sqlite_file_holds_no_plaintext_secret() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up("ada").await;
    app.db.close().await;
    let mut bytes = std::fs::read(app.data_dir.join("prospo.db")).unwrap();
    if let Ok(wal) = std::fs::read(app.data_dir.join("prospo.db-wal")) {
        bytes.extend(wal);
    }
    let haystack = String::from_utf8_lossy(&bytes);
    assert!(haystack.contains("ada@example.com"), "the check reads the right file");
    assert!(!haystack.contains("correct horse battery"));
    assert!(!haystack.contains(token.trim_start_matches("prospo_")));
}

#[tokio::test]
async fn unknown_database_scheme_is_refused_clearly() {
    let error = Db::connect("mysql://localhost/prospo").await.unwrap_err().to_string();
    assert!(error.contains("unsupported database URL scheme \"mysql\""), "{error}");
}

#[tokio::test]
async fn migrations_are_idempotent_and_create_the_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("nested/folder/prospo.db").display());
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    db.migrate().await.unwrap();
    assert!(dir.path().join("nested/folder/prospo.db").exists());
}

/// The two backends' migrations must define the same tables and columns.
#[tokio::test]
async fn migrations_are_in_lockstep() {
    let Some(_) = postgres_admin_url() else {
        eprintln!("SKIPPED migrations_are_in_lockstep: set PROSPO_TEST_POSTGRES_URL to run it");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Db::connect(&fresh_database_url(Backend::Sqlite, dir.path()).await).await.unwrap();
    let postgres = Db::connect(&fresh_database_url(Backend::Postgres, dir.path()).await).await.unwrap();
    sqlite.migrate().await.unwrap();
    postgres.migrate().await.unwrap();
    assert_eq!(schema(&sqlite).await, schema(&postgres).await);
}

/// Which columns migrations migration created, per table (sqlx's own bookkeeping excluded).
async fn schema(db: &Db) -> BTreeMap<String, Vec<String>> {
    let rows: Vec<(String, String)> = match db {
        Db::Sqlite(pool) => sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
        Db::Postgres(pool) => sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    };
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (table, column) in rows {
        tables.entry(table).or_default().push(column);
    }
    tables.values_mut().for_each(|columns| columns.sort());
    assert!(tables.contains_key("users"));
    tables
}
