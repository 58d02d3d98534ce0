//! The scheduler (G-CLOCK): what falls due without an act — a warning before a protection ends,
//! a return to the pool at its end — is recorded at its own instant. Each tick reads the index
//! of due instants (never every customer), and records each effect through the store with a key
//! of its own, so several `kehu serve` processes on one database record it once. The first tick
//! runs at start-up and records what fell due while the server was stopped, at its instant.

use crate::AppState;
use std::collections::HashMap;
use std::sync::Arc;
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
    let mut contexts: HashMap<
        String,
        (
            Arc<kehu_core::policy::Rulebook>,
            Arc<kehu_core::model::Directory>,
        ),
    > = HashMap::new();
    let mut t = Tick {
        due: rows.len(),
        recorded: 0,
    };
    for row in &rows {
        let (rb, dir) = match contexts.get(&row.project) {
            Some(c) => c.clone(),
            None => match crate::api::project_context(state, &row.project).await {
                Ok(c) => {
                    contexts.insert(row.project.clone(), c.clone());
                    c
                }
                Err(e) => {
                    // A project with no rulebook here (entries imported under a project not
                    // created on the server) decides nothing until it is created.
                    tracing::warn!(project = %row.project, error = %e, "due effects wait for their project");
                    continue;
                }
            },
        };
        if let Some(out) = state.store.fire_due(&rb, &dir, row).await? {
            if !out.replayed {
                t.recorded += 1;
            }
        }
    }
    Ok(t)
}

/// Ticks every `every` until the process ends; a failing tick is logged and tried again.
pub async fn run(state: AppState, every: Duration) {
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
