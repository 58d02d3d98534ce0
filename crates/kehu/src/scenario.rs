//! Scenario replay against a fresh in-memory store through the same `Store::execute` the server
//! uses; parsing and checking are in `kehu_core::scenario`.

pub use kehu_core::scenario::*;
use kehu_core::time::format_local;
use kehu_store::Store;
use std::path::{Path, PathBuf};

/// The tally of a run.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
}

/// Where scenarios run: a fresh in-memory SQLite store each, or a fresh PostgreSQL schema each
/// (dropped afterwards).
#[derive(Debug, Clone)]
pub enum Target {
    Memory,
    Postgres(String),
}

/// Replays a scenario on a fresh store, printing one line per checked step.
pub async fn run(
    s: &Scenario,
    target: &Target,
    n: usize,
    out: &mut impl std::io::Write,
) -> anyhow::Result<Tally> {
    match target {
        Target::Memory => run_on(s, &Store::memory().await?, out).await,
        Target::Postgres(url) => {
            let schema = format!("kehu_scenario_{}_{n}", std::process::id());
            let store =
                Store::open_postgres_schema(url, &schema, kehu_store::Keys::generate()).await?;
            let r = run_on(s, &store, out).await;
            drop(store);
            Store::drop_postgres_schema(url, &schema).await?;
            r
        }
    }
}

async fn run_on(
    s: &Scenario,
    store: &Store,
    out: &mut impl std::io::Write,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    for step in &s.steps {
        // The effects that fell due up to this step's instant are recorded first, each at its
        // own instant, as `kehu serve`'s scheduler records them (G-CLOCK, POOL-RETURN).
        run_due(s, store, step.command.at).await?;
        let res = store
            .execute(&s.rulebook, &s.directory, &step.command, step.command.at)
            .await?;
        let Some(e) = &step.expect else { continue };
        let problems = check(e, &res.verdict);
        let at = format_local(step.command.at);
        let act = step.command.act.name();
        if problems.is_empty() {
            tally.passed += 1;
            writeln!(
                out,
                "ok   {} step {} ({act} {at}): {} {}",
                s.file,
                step.number,
                res.verdict.outcome.name(),
                res.verdict.rule
            )?;
        } else {
            tally.failed += 1;
            writeln!(
                out,
                "FAIL {} step {} ({act} {at}): {} [{}]",
                s.file,
                step.number,
                problems.join("; "),
                res.verdict.reason
            )?;
        }
    }
    let diffs = store.check().await?;
    if !diffs.is_empty() {
        tally.failed += 1;
        writeln!(
            out,
            "FAIL {}: ledger check found {} differences, first: {:?}",
            s.file,
            diffs.len(),
            diffs[0]
        )?;
    }
    Ok(tally)
}

/// Records every effect due at or before `t`, earliest first, until none is left.
async fn run_due(s: &Scenario, store: &Store, t: kehu_core::time::Instant) -> anyhow::Result<()> {
    let until = t.as_millisecond();
    for _ in 0..10_000 {
        let due = store.due_until(until, 1000).await?;
        if due.is_empty() {
            return Ok(());
        }
        let mut projects: Vec<&str> = due.iter().map(|r| r.project.as_str()).collect();
        projects.dedup();
        for p in projects {
            let rows: Vec<kehu_store::DueListed> =
                due.iter().filter(|r| r.project == p).cloned().collect();
            store.fire_due(&s.rulebook, &s.directory, &rows).await?;
        }
    }
    anyhow::bail!(
        "{}: effects kept falling due before {}",
        s.file,
        format_local(t)
    )
}

/// The `.toml` files under the given files or directories, sorted.
pub fn collect(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            entries.sort();
            for e in entries {
                if e.is_dir() {
                    out.extend(collect(&[e])?);
                } else if e.extension().is_some_and(|x| x == "toml") {
                    out.push(e);
                }
            }
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Reads and parses one file.
pub fn load(path: &Path) -> Result<Scenario, Malformed> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Malformed {
        file: name.clone(),
        step: 0,
        field: "(file)".into(),
        detail: e.to_string(),
    })?;
    parse(&name, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"
rulebook = "team-registration"
[[staff]]
id = "A"
role = "sales"
[[step]]
at = "2026-11-01 10:00"
act = "register"
by = "A"
customer = { name = "王先生", phone = "13800138000" }
expect = { outcome = "accepted" }
"#;

    #[test]
    fn parses() {
        let s = parse("t.toml", OK).unwrap();
        assert_eq!(s.steps.len(), 1);
    }

    #[test]
    fn malformed_names_file_step_field() {
        let bad = OK.replace("by = \"A\"", "bye = \"A\"");
        let e = parse("t.toml", &bad).unwrap_err();
        assert_eq!((e.step, e.field.as_str()), (1, "bye"));
        let e = parse("t.toml", &OK.replace("\"register\"", "\"regster\"")).unwrap_err();
        assert_eq!(e.field, "act");
        let e = parse("t.toml", &OK.replace("outcome =", "outcom =")).unwrap_err();
        assert_eq!(e.field, "expect.outcom");
        let e = parse("t.toml", &OK.replace("by = \"A\"", "by = \"Z\"")).unwrap_err();
        assert!(e.detail.contains("unknown staff handle"), "{e}");
        let two = format!("{OK}\n[[step]]\nat = \"2026-10-01 10:00\"\nact = \"query\"\ncustomer = \"13800138000\"\n");
        let e = parse("t.toml", &two).unwrap_err();
        assert_eq!((e.step, e.field.as_str()), (2, "at"));
        assert!(e.to_string().starts_with("t.toml: step 2: field `at`"));
    }

    /// G-CLOCK, POOL-RETURN: the runner records what falls due between steps at its own instant:
    /// the owner's warning 3 days before the end (notified), then the return at the end; a
    /// contact that extends the protection moves both.
    #[test]
    fn due_effects_are_recorded_at_their_instants() {
        let text = r#"
rulebook = "store-registration"
[[staff]]
id = "A"
role = "sales"
[[step]]
at = "2026-11-01 10:00"
act = "register"
by = "A"
customer = { name = "王先生", phone = "13800138000", address = "滨江路 1 号" }
expect = { outcome = "accepted", protected_until = "2026-11-08 10:00" }
[[step]]
at = "2026-11-20 09:00"
act = "query"
customer = "13800138000"
expect = { owner = "pool" }
"#;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let s = parse("due.toml", text).unwrap();
            let store = Store::memory().await.unwrap();
            let mut out = Vec::new();
            let t = run_on(&s, &store, &mut out).await.unwrap();
            assert_eq!(
                (t.passed, t.failed),
                (2, 0),
                "{}",
                String::from_utf8_lossy(&out)
            );
            let events = store.events().await.unwrap();
            let seen: Vec<(String, String, Vec<String>)> = events
                .iter()
                .map(|e| {
                    (
                        e.act.name().to_string(),
                        format_local(e.at),
                        e.verdict.notify.iter().map(ToString::to_string).collect(),
                    )
                })
                .collect();
            assert_eq!(
                seen,
                vec![
                    ("register".into(), "2026-11-01 10:00".into(), vec![]),
                    (
                        "warn".into(),
                        "2026-11-05 10:00".into(),
                        vec!["A".to_string()]
                    ),
                    ("lapse".into(), "2026-11-08 10:00".into(), vec![]),
                ]
            );
            assert!(store.due_until(i64::MAX, 10).await.unwrap().is_empty());
        });
    }

    /// Runs a scenario text (which must pass) and lists the system acts of these names it led to:
    /// each one's name, local instant and the parties told, sorted.
    fn system_acts(text: &str, names: &[&str]) -> Vec<(String, String, Vec<String>)> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let s = parse("system.toml", text).unwrap();
            let store = Store::memory().await.unwrap();
            let mut out = Vec::new();
            let t = run_on(&s, &store, &mut out).await.unwrap();
            assert_eq!(t.failed, 0, "{}", String::from_utf8_lossy(&out));
            store
                .events()
                .await
                .unwrap()
                .iter()
                .filter(|e| names.contains(&e.act.name()))
                .map(|e| {
                    let mut n: Vec<String> =
                        e.verdict.notify.iter().map(ToString::to_string).collect();
                    n.sort();
                    (e.act.name().to_string(), format_local(e.at), n)
                })
                .collect()
        })
    }

    /// CHG-OVERDUE: a payment unpaid by the end of its date gets its dunning notice at 00:00
    /// after it, and two calendar months later the breach; a payment received in time gets
    /// neither.
    #[test]
    fn overdue_payments_are_dunned_then_in_breach() {
        let text = r#"
rulebook = "site-first-reception"
[[staff]]
id = "A"
role = "sales"
[[staff]]
id = "F"
role = "finance"
[[staff]]
id = "M"
role = "manager"
[[step]]
at = "2026-11-01 10:00"
act = "walk_in"
customer = { name = "王先生", phone = "13800138000" }
[[step]]
at = "2026-11-02 10:00"
act = "deal"
customer = "13800138000"
amount = 3000000
closed_by = "A"
expect = { outcome = "accepted", credited = "A" }
[[step]]
at = "2026-11-02 10:30"
act = "payment_due"
by = "F"
customer = "13800138000"
due = "2026-11-30"
amount = 1000000
expect = { outcome = "accepted", rule = "CHG-OVERDUE" }
[[step]]
at = "2026-11-02 10:31"
act = "payment_due"
by = "F"
customer = "13800138000"
due = "2026-12-31"
amount = 2000000
expect = { outcome = "accepted", rule = "CHG-OVERDUE" }
[[step]]
at = "2026-12-20 10:00"
act = "paid"
by = "F"
customer = "13800138000"
due = "2026-12-31"
amount = 2000000
expect = { outcome = "accepted", rule = "CHG-OVERDUE" }
[[step]]
at = "2027-03-01 09:00"
act = "query"
customer = "13800138000"
"#;
        let seen = system_acts(text, &["dun", "breach"]);
        assert_eq!(
            seen,
            vec![
                (
                    "dun".into(),
                    "2026-12-01 00:00".into(),
                    vec!["A".to_string()]
                ),
                (
                    "breach".into(),
                    "2027-02-01 00:00".into(),
                    vec!["A".to_string(), "M".to_string()]
                ),
            ]
        );
    }

    /// FUP-RETURN: each return-visit period after delivery that ends without a visit is reported
    /// at its end, once (a visited period is not); CRD-LEVEL: the credit review falls due three
    /// months after the grading, finance told; a review in time moves it.
    #[test]
    fn missed_return_visits_and_credit_reviews_are_reported_at_their_instants() {
        let text = r#"
rulebook = "team-registration"
[[staff]]
id = "A"
role = "sales"
[[staff]]
id = "F"
role = "finance"
[[staff]]
id = "M"
role = "manager"
[[step]]
at = "2026-01-05 10:00"
act = "register"
by = "A"
customer = { name = "王先生", phone = "13800138000" }
[[step]]
at = "2026-01-06 10:00"
act = "credit"
by = "F"
customer = "13800138000"
grade = "B"
limit = 100000
expect = { outcome = "accepted", rule = "CRD-LEVEL" }
[[step]]
at = "2026-01-10 10:00"
act = "deal"
customer = "13800138000"
amount = 1000000
closed_by = "A"
[[step]]
at = "2026-01-15 10:00"
act = "stage"
by = "A"
customer = "13800138000"
stage = "delivered"
expect = { outcome = "accepted", rule = "PIPE-STAGES" }
[[step]]
at = "2026-02-20 10:00"
act = "return_visit"
by = "A"
customer = "13800138000"
purpose = "回访"
form = "电话"
content = "询问"
summary = "满意"
expect = { outcome = "accepted", rule = "FUP-RETURN" }
[[step]]
at = "2026-04-20 09:00"
act = "query"
customer = "13800138000"
"#;
        let seen = system_acts(text, &["missed", "review_due"]);
        let missed = |at: &str| {
            (
                "missed".to_string(),
                at.to_string(),
                vec!["A".to_string(), "M".to_string()],
            )
        };
        assert_eq!(
            seen,
            vec![
                // The first month (01-15 to 02-15) had no visit; the second had one.
                missed("2026-02-15 10:00"),
                // Three months after the grading.
                (
                    "review_due".into(),
                    "2026-04-06 10:00".into(),
                    vec!["F".to_string()]
                ),
                missed("2026-04-15 10:00"),
            ]
        );
    }

    /// Every entry the suite writes reads back from the ledger as it was decided: the act as
    /// the step gave it and the verdict as the store answered (the sealed form leaves out null
    /// members; a type whose missing member did not read back as it was written would fail here).
    #[test]
    fn every_entry_reads_back_as_decided() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
            let files = collect(&[dir]).unwrap();
            assert!(files.len() > 30, "{} scenario files", files.len());
            let mut compared = 0;
            for f in files {
                let s = load(&f).unwrap();
                let store = Store::memory().await.unwrap();
                let mut decided = Vec::new();
                for step in &s.steps {
                    let c = &step.command;
                    let res = store.execute(&s.rulebook, &s.directory, c, c.at).await;
                    let res = res.unwrap();
                    if let Some(seq) = res.seq {
                        decided.push((seq, c.clone(), res.verdict));
                    }
                }
                let events = store.events().await.unwrap();
                for (seq, c, verdict) in decided {
                    let e = events.iter().find(|e| e.seq == seq).unwrap();
                    let file = &s.file;
                    assert_eq!(
                        (&e.act, e.at, &e.project),
                        (&c.act, c.at, &c.project),
                        "{file}"
                    );
                    assert_eq!(e.verdict, verdict, "{file} seq {seq}");
                    compared += 1;
                }
            }
            assert!(compared > 500, "{compared} entries");
        });
    }
}
