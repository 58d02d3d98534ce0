//! The project's records a list page shows, each checked against the caller's scope: a
//! salesperson (or designer) the records they hold, a department manager their team's, the VP,
//! the admin and (where the page is theirs) finance all. Confidentiality is decided per record.

use super::Viewer;
use crate::error::ApiError;
use crate::AppState;
use kehu_core::model::{Directory, Role};
use kehu_core::state::{Event, View};

/// The most records one list page loads.
const MAX_RECORDS: usize = 3000;

/// One record as a list shows it: name and masked phone, and the phone for its link.
pub(crate) fn label(view: &View) -> (String, Option<String>) {
    let c = kehu_core::engine::due::record_customer(view);
    (super::pool::shown(&c), c.phone)
}

/// The records touched by an entry `wanted` picks in the last `days` days, loaded whole, that
/// the caller may read (`all`: finance reads them all too).
pub(crate) async fn readable(
    st: &AppState,
    v: &Viewer,
    dir: &Directory,
    project: &str,
    days: i64,
    finance_reads_all: bool,
    wanted: impl Fn(&Event) -> bool,
) -> Result<Vec<View>, ApiError> {
    let ids = touched(st, project, days, wanted).await?;
    let bound = crate::board::team_bound(&v.c, dir).map(|(own, _)| own);
    let all = matches!(v.role(), Role::Vp | Role::Admin)
        || (finance_reads_all && v.role() == Role::Finance)
        || bound.is_none();
    let mut keep = Vec::with_capacity(ids.len());
    for id in ids {
        if all {
            keep.push(id);
            continue;
        }
        let holder = st.store.holder_of_record(id).await?.unwrap_or_default();
        let mine = match (&bound, v.role()) {
            (Some(own), Role::Manager) => own.contains(&holder),
            _ => holder == v.c.user.login,
        };
        if mine {
            keep.push(id);
        }
    }
    Ok(st.store.views(keep).await?)
}

/// The records touched by an entry `wanted` picks in the last `days` days, newest first, at
/// most [`MAX_RECORDS`]; the caller checks each against the reader's scope or authority.
pub(crate) async fn touched(
    st: &AppState,
    project: &str,
    days: i64,
    wanted: impl Fn(&Event) -> bool,
) -> Result<Vec<i64>, ApiError> {
    let now = jiff::Timestamp::now();
    let events = st
        .store
        .project_events(
            project,
            kehu_store::EventRange::Between {
                from_ms: kehu_core::time::add_days(now, -days).as_millisecond(),
                until_ms: now.as_millisecond() + 1,
                limit: 100_000,
            },
        )
        .await?;
    let mut ids: Vec<i64> = Vec::new();
    for e in events.iter().rev().filter(|e| wanted(e)) {
        for c in &e.customers {
            if !ids.contains(&c.0) {
                ids.push(c.0);
            }
        }
        if ids.len() >= MAX_RECORDS {
            break;
        }
    }
    Ok(ids)
}
