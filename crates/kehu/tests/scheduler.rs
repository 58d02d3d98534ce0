//! The scheduler (G-CLOCK, POOL-RETURN) with the real binary: registrations whose protections
//! ended while no server ran are imported; `kehu serve` then records each warning and each return
//! to the pool at its own instant (not at start-up's). On PostgreSQL two `kehu serve` processes
//! run on the one database at once, and each effect is recorded exactly once.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ROWS: usize = 300;

fn kehu() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kehu"))
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kehu-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// store-registration (ST-INQUIRY: 7 days; warned 3 days before): registrations in October,
/// long over.
fn import(dir: &Path, url: &str) {
    let mut setup = String::from("rulebook = \"store-registration\"\n");
    for i in 0..4 {
        setup.push_str(&format!(
            "\n[[staff]]\nid = \"S{i}\"\nname = \"销售{i}\"\nrole = \"sales\"\n"
        ));
    }
    std::fs::write(dir.join("setup.toml"), setup).unwrap();
    let mut csv = String::from("at,by,name,phone,address\n");
    for i in 0..ROWS {
        csv.push_str(&format!(
            "2026-10-{:02} {:02}:{:02},S{},王先生,139{:08},滨江路 {i} 号\n",
            1 + i / 60,
            8 + (i % 60) / 10,
            (i % 10) * 5,
            i % 4,
            i
        ));
    }
    std::fs::write(dir.join("book.csv"), csv).unwrap();
    let o = kehu()
        .args([
            "import",
            "book.csv",
            "--setup",
            "setup.toml",
            "--database",
            url,
        ])
        .env("KEHU_KEY_FILE", dir.join("kehu.key"))
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn serve(dir: &Path, url: &str) -> Child {
    kehu()
        .args([
            "serve",
            "--database",
            url,
            "--bind",
            "127.0.0.1:0",
            "--tick-seconds",
            "1",
        ])
        .env("KEHU_KEY_FILE", dir.join("kehu.key"))
        .env("KEHU_LOG", "warn")
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("kehu serve starts")
}

/// `fresh_index`: the index of due instants is emptied first, as in a database written before it
/// existed; the server fills it at start-up.
fn run(url: &str, dir: &Path, servers: usize, fresh_index: bool) {
    import(dir, url);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = rt.block_on(async {
        let keys = kehu_store::Keys::load(&dir.join("kehu.key")).unwrap();
        kehu_store::Store::open(url, keys).await.unwrap()
    });
    // The server decides the projects it has: this one, on the book's rulebook.
    rt.block_on(store.add_project(
        kehu_store::ProjectRow {
            name: "default".into(),
            preset: "store-registration".into(),
            overrides: String::new(),
            title: String::new(),
        },
        kehu_store::AuditEntry {
            at_ms: 0,
            actor: "test".into(),
            action: "project.add".into(),
            subject: "default".into(),
            detail: String::new(),
        },
        0,
    ))
    .unwrap();
    let pending = rt.block_on(store.due_until(i64::MAX, 10_000)).unwrap();
    assert_eq!(
        pending.len(),
        ROWS,
        "every registration has its warning due"
    );
    // A database written before the index existed: the server fills it at start-up.
    if fresh_index {
        rt.block_on(store.exec("DELETE FROM due", vec![])).unwrap();
    }
    let mut children: Vec<Child> = (0..servers).map(|_| serve(dir, url)).collect();
    let started = Instant::now();
    loop {
        let recorded = rt
            .block_on(store.events())
            .unwrap()
            .iter()
            .filter(|e| matches!(e.act.name(), "warn" | "lapse"))
            .count();
        let left = rt.block_on(store.due_until(i64::MAX, 10)).unwrap();
        if recorded >= 2 * ROWS && left.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "after two minutes {recorded} effects recorded, still due: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    for c in &mut children {
        c.kill().unwrap();
        c.wait().unwrap();
    }
    let events = rt.block_on(store.events()).unwrap();
    let registered: Vec<&kehu_core::state::Event> = events
        .iter()
        .filter(|e| e.act.name() == "register")
        .collect();
    assert_eq!(registered.len(), ROWS);
    for kind in ["warn", "lapse"] {
        let of: Vec<&kehu_core::state::Event> =
            events.iter().filter(|e| e.act.name() == kind).collect();
        assert_eq!(
            of.len(),
            ROWS,
            "{kind}: each recorded once by {servers} servers"
        );
        for r in &registered {
            let days = if kind == "warn" { 4 } else { 7 };
            let want = kehu_core::time::add_days(r.at, days);
            let n = of
                .iter()
                .filter(|e| e.customers == r.customers && e.at == want)
                .count();
            assert_eq!(
                n, 1,
                "{kind} of record {:?} at its own instant",
                r.customers
            );
        }
    }
    let warned = events.iter().filter(|e| e.act.name() == "warn");
    assert!(
        warned.clone().all(|e| e.verdict.notify.len() == 1),
        "the owner is told"
    );
}

#[test]
fn effects_due_while_stopped_are_recorded_at_their_instants_on_sqlite() {
    let dir = temp_dir("sched");
    run(
        &format!("sqlite:{}", dir.join("kehu.db").display()),
        &dir,
        1,
        true,
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_servers_on_postgres_record_each_due_effect_once() {
    let Ok(url) = std::env::var("KEHU_TEST_PG") else {
        eprintln!("KEHU_TEST_PG is not set: the PostgreSQL run is skipped");
        return;
    };
    let db = format!("kehu_sched_{}", std::process::id());
    let base = url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
    let admin = |sql: String| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(&url)
                .await
                .unwrap();
            sqlx::query(&sql).execute(&pool).await.unwrap();
        })
    };
    admin(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
    admin(format!("CREATE DATABASE {db}"));
    let dir = temp_dir("sched-pg");
    let result = std::panic::catch_unwind(|| run(&format!("{base}/{db}"), &dir, 2, false));
    admin(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(p) = result {
        std::panic::resume_unwind(p);
    }
}
