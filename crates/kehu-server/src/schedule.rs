//! The scheduler (G-CLOCK): what falls due without an act — a warning before a protection ends,
//! a return to the pool at its end — is recorded at its own instant. Each tick reads the index
//! of due instants (never every customer), and records each effect through the store with a key
//! of its own, so several `kehu serve` processes on one database record it once. The first tick
//! runs at start-up and records what fell due while the server was stopped, at its instant.

use crate::AppState;
use std::time::Duration;

/// What one tick did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// Effects found due.
    pub due: usize,
    /// Acts recorded (warnings, returns); the others had been recorded by another process or
    /// were changed by an act in between.
    pub recorded: usize,
}

/// Records every effect due at or before `now_ms`, at most `limit`, earliest first.
pub async fn tick(
    state: &AppState,
    now_ms: i64,
    limit: i64,
) -> Result<Tick, crate::error::ApiError> {
    let rows = state.store.due_until_in_projects(now_ms, limit).await?;
    let mut t = Tick {
        due: rows.len(),
        recorded: 0,
    };
    // One project's effects go to the writer together.
    let mut by_project: Vec<(String, Vec<kehu_store::DueListed>)> = Vec::new();
    for row in rows {
        match by_project.iter_mut().find(|(p, _)| *p == row.project) {
            Some((_, v)) => v.push(row),
            None => by_project.push((row.project.clone(), vec![row])),
        }
    }
    for (project, rows) in &by_project {
        let (rb, dir) = match crate::api::project_context(state, project).await {
            Ok(c) => c,
            Err(e) => {
                // Entries imported under a project not created on the server wait for it.
                tracing::warn!(project = %project, error = %e, "due effects wait for their project");
                continue;
            }
        };
        t.recorded += state.store.fire_due(&rb, &dir, rows).await?;
    }
    Ok(t)
}

/// Fills the index of due instants of every project for the records that have no row yet (a
/// database written before the index existed), once at start-up, before the first tick.
pub async fn fill(state: &AppState) -> Result<usize, crate::error::ApiError> {
    let mut n = 0;
    for project in state.store.project_names().await? {
        if state.store.due_filled(&project).await? {
            continue;
        }
        let (rb, dir) = crate::api::project_context(state, &project).await?;
        n += state.store.fill_due(&project, &rb, &dir).await?;
        state.store.mark_due_filled(&project).await?;
    }
    Ok(n)
}

/// Ticks every `every` until the process ends; a failing tick is logged and tried again.
pub async fn run(state: AppState, every: Duration) {
    match fill(&state).await {
        Ok(n) if n > 0 => tracing::info!(records = n, "index of due instants filled"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "filling the index of due instants failed"),
    }
    loop {
        match tick(&state, crate::now_ms(), 10_000).await {
            Ok(t) if t.due > 0 => {
                tracing::info!(due = t.due, recorded = t.recorded, "scheduler tick");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "scheduler tick failed"),
        }
        tokio::time::sleep(every).await;
    }
}
