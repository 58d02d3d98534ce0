//! Durability: the real binary under load is killed with SIGKILL; every registration it had
//! acknowledged (printed) must be in the ledger after a restart, and the ledger check clean. On
//! SQLite always, on PostgreSQL whenever `KEHU_TEST_PG` holds a URL.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const ROWS: usize = 100_000;
const STAFF: usize = 16;

fn kehu() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kehu"))
}

/// A setup file (rulebook and staff) and a registration book: unique mobiles, every tenth row a
/// second party claiming an earlier customer (a collision). Returns the book's phones by row.
fn write_book(dir: &Path) -> Vec<String> {
    let mut setup = String::from("rulebook = \"team-registration\"\n");
    for i in 0..STAFF {
        setup.push_str(&format!(
            "\n[[staff]]\nid = \"S{i}\"\nname = \"销售{i}\"\nrole = \"sales\"\n"
        ));
    }
    std::fs::write(dir.join("setup.toml"), setup).unwrap();
    let mut phones: Vec<String> = Vec::with_capacity(ROWS);
    let mut csv = String::from("at,by,name,phone\n");
    for i in 0..ROWS {
        let phone = if i % 10 == 9 {
            phones[i - 5].clone()
        } else {
            format!("13{:09}", (i as u64 * 7_654_321) % 1_000_000_000)
        };
        let (d, rest) = (i / 86_400, i % 86_400);
        csv.push_str(&format!(
            "2026-11-{:02} {:02}:{:02}:{:02},S{},王先生,{phone}\n",
            1 + d,
            rest / 3600,
            rest % 3600 / 60,
            rest % 60,
            i % STAFF
        ));
        phones.push(phone);
    }
    std::fs::write(dir.join("book.csv"), csv).unwrap();
    phones
}

/// One acknowledged row: its line in the book and its ledger sequence number.
fn parse_ack(line: &str) -> Option<(usize, i64)> {
    let rest = line.strip_prefix("row ")?;
    let (row, rest) = rest.split_once(": seq ")?;
    let seq = rest.split_whitespace().next()?;
    Some((row.parse().ok()?, seq.parse().ok()?))
}

fn run(url: &str, dir: &Path) {
    let phones = write_book(dir);
    let key = dir.join("kehu.key");
    let mut child = kehu()
        .args([
            "import",
            "book.csv",
            "--setup",
            "setup.toml",
            "--database",
            url,
        ])
        .env("KEHU_KEY_FILE", &key)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kehu import starts");
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut acked: Vec<(usize, i64)> = Vec::new();
    let mut line = String::new();
    while acked.len() < 3000 {
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if let Some(a) = parse_ack(line.trim_end()) {
            acked.push(a);
        }
    }
    // SIGKILL in the middle of the load: no chance to flush or close anything.
    child.kill().unwrap();
    // What it printed before dying was acknowledged too.
    for l in reader.lines() {
        let Ok(l) = l else { break };
        if let Some(a) = parse_ack(&l) {
            acked.push(a);
        }
    }
    let status = child.wait().unwrap();
    assert!(!status.success(), "the import was killed");
    assert!(
        acked.len() >= 3000 && acked.len() < ROWS,
        "killed mid-load: {} of {ROWS} acknowledged",
        acked.len()
    );

    // Restart on the same database: the ledger check reads everything back.
    let o = kehu()
        .args(["ledger", "check", "--database", url])
        .env("KEHU_KEY_FILE", &key)
        .current_dir(dir)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("projections match"), "{out}");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let events = rt.block_on(async {
        let keys = kehu_store::Keys::load(&key).unwrap();
        let store = kehu_store::Store::open(url, keys).await.unwrap();
        store.events().await.unwrap()
    });
    eprintln!(
        "{url}: {} rows acknowledged before SIGKILL, {} events in the ledger after restart",
        acked.len(),
        events.len()
    );
    assert!(events.len() >= acked.len());
    for (row, seq) in &acked {
        let e = events
            .iter()
            .find(|e| e.seq == *seq)
            .unwrap_or_else(|| panic!("acknowledged row {row} (seq {seq}) is missing"));
        let phone = e.act.customer().and_then(|c| c.phone.clone());
        // Row 1 is the header.
        assert_eq!(
            phone.as_deref(),
            Some(phones[row - 2].as_str()),
            "row {row}"
        );
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kehu-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn acknowledged_registrations_survive_sigkill_on_sqlite() {
    let dir = temp_dir("durable");
    run(&format!("sqlite:{}", dir.join("kehu.db").display()), &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn acknowledged_registrations_survive_sigkill_on_postgres() {
    let Ok(url) = std::env::var("KEHU_TEST_PG") else {
        eprintln!("KEHU_TEST_PG is not set: the PostgreSQL run is skipped");
        return;
    };
    let db = format!("kehu_durable_{}", std::process::id());
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
    let dir = temp_dir("durable-pg");
    let result = std::panic::catch_unwind(|| run(&format!("{base}/{db}"), &dir));
    admin(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(p) = result {
        std::panic::resume_unwind(p);
    }
}
