//! CM-CUTOFF: joint events, each division's daily lists and their deadlines, and the close of a
//! day that records the missing ones and the customers on several divisions' lists.

use crate::act::{self, ListKind};
use crate::engine::work::{at_hour, day_key, day_of, Missing, Note};
use crate::engine::{same_customer, zh_text, Ctx, Decision};
use crate::model::{Act, Party, Role, StaffId};
use crate::phone::Phone;
use crate::rules;
use crate::state::{Event, JointEventState, ListEntry, ProjectChange};
use crate::time::{end_of_day, format_local, local, Instant};
use crate::verdict::{Outcome, Violation};
use jiff::civil::Date;

/// Two customers as written on lists (phones or e-mails) are the same.
fn same_written(a: &str, b: &str) -> bool {
    match (Phone::parse(a), Phone::parse(b)) {
        (Ok(x), Ok(y)) => x.matches(&y),
        _ => a.trim().eq_ignore_ascii_case(b.trim()),
    }
}

/// The day whose list an invitation confirmed at `t` belongs on: at or after 18:00, the next.
pub(super) fn list_day(t: Instant) -> Date {
    let d = day_of(t);
    if local(t).hour() >= 18 {
        d.tomorrow().unwrap_or(d)
    } else {
        d
    }
}

/// CM-CUTOFF: the deadline of a division's list of `kind` for `day`, if one is due.
pub fn deadline(ev: &JointEventState, day: Date, kind: ListKind) -> Option<Instant> {
    let e = day_of(ev.starts);
    let first = e.checked_sub(jiff::Span::new().days(7)).ok()?;
    if day < first || day > e {
        return None;
    }
    if day < e {
        return Some(at_hour(day, 18));
    }
    if kind == ListKind::Plan {
        return None;
    }
    match local(ev.starts).hour() {
        12..=17 => Some(at_hour(e, 10)),
        18.. => Some(at_hour(e, 16)),
        _ => None,
    }
}

fn list_key(ev: &JointEventState, team: &str, day: Date, kind: ListKind) -> String {
    let k = match kind {
        ListKind::Confirmed => "confirmed",
        ListKind::Plan => "plan",
    };
    day_key(day, &format!("list:{}:{team}:{k}", ev.name))
}

fn kind_zh(kind: ListKind) -> (&'static str, &'static str) {
    match kind {
        ListKind::Confirmed => ("敲定名单", "confirmed list"),
        ListKind::Plan => ("次日计划邀约名单", "plan list"),
    }
}

impl Ctx<'_> {
    /// CM-CUTOFF: each division's lists due on `day` and missing past their deadline; the
    /// customers on several divisions' lists that day (the coordinator's check).
    pub(super) fn cm_close_day(&self, day: Date) -> (Vec<Missing>, Note) {
        let cx = self;
        let mut missing = Vec::new();
        for ev in &cx.project.joint_events {
            for (i, team) in ev.divisions.iter().enumerate() {
                for kind in [ListKind::Confirmed, ListKind::Plan] {
                    if kind == ListKind::Plan && i != 1 {
                        continue;
                    }
                    let Some(due) = deadline(ev, day, kind) else {
                        continue;
                    };
                    let submitted = cx.project.lists.iter().any(|l| {
                        l.event == ev.name && &l.team == team && l.day == day && l.kind == kind
                    });
                    if due > cx.now || submitted {
                        continue;
                    }
                    let key = list_key(ev, team, day, kind);
                    missing.push((key, cx.list_violation(team, ev, day, kind, due, false)));
                }
            }
        }
        // The same customer on several divisions' lists of the day.
        let lists: Vec<&ListEntry> = cx
            .project
            .lists
            .iter()
            .filter(|l| l.day == day && l.kind == ListKind::Confirmed)
            .collect();
        let mut dups: Vec<String> = Vec::new();
        for (i, a) in lists.iter().enumerate() {
            for b in lists.iter().skip(i + 1).filter(|b| b.team != a.team) {
                for x in &a.customers {
                    if b.customers.iter().any(|y| same_written(x, y)) {
                        let shown = Phone::parse(x)
                            .map(|p| p.masked_display())
                            .unwrap_or_else(|_| x.clone());
                        if !dups.contains(&shown) {
                            dups.push(shown);
                        }
                    }
                }
            }
        }
        let note = if dups.is_empty() {
            Default::default()
        } else {
            (
                format!("；多个事业部名单重复的顾客：{}", zh_text(dups.join("、"))),
                format!(
                    "; customers on several divisions' lists: {}",
                    dups.join(", ")
                ),
            )
        };
        (missing, note)
    }

    /// The head of a division: its `manager`.
    fn head_of(&self, team: &str) -> Option<StaffId> {
        self.dir
            .staff
            .iter()
            .find(|s| s.role == Role::Manager && s.team.as_deref() == Some(team) && !s.left)
            .map(|s| s.id.clone())
    }

    fn list_violation(
        &self,
        team: &str,
        ev: &JointEventState,
        day: Date,
        kind: ListKind,
        due: Instant,
        late: bool,
    ) -> Violation {
        let (kzh, ken) = kind_zh(kind);
        let what = if late {
            ("迟报", "submitted late")
        } else {
            ("未报", "not submitted")
        };
        Violation {
            staff: self
                .head_of(team)
                .map(Party::Staff)
                .unwrap_or_else(|| Party::Team(team.to_string())),
            rule: rules::CM_CUTOFF.0.into(),
            amount: Some(self.params.list_fine),
            note: format!(
                "{}「{}」{day} 的{kzh}{}（截止 {}） ({team}'s {ken} for {day} of {} {} (due {}))",
                zh_text(team),
                zh_text(&ev.name),
                what.0,
                format_local(due),
                ev.name,
                what.1,
                format_local(due)
            ),
        }
    }

    /// Whether the customer of this decision is on `list`.
    fn on_list(&self, list: &ListEntry) -> bool {
        let Some(view) = &self.view else {
            return false;
        };
        let identity = crate::engine::record_identity(view);
        list.customers.iter().any(|w| match Phone::parse(w) {
            Ok(p) => same_customer(&p, None, view),
            Err(_) => identity.as_deref() == Some(&format!("email:{}", w.trim().to_lowercase())),
        })
    }

    /// Whether an accepted invitation is on its division's timely list for the day it belongs
    /// on, submitted by now (CM-CUTOFF, CM-FIRSTINVITE).
    pub(super) fn on_timely_list(&self, invite: &Event, event: &str) -> bool {
        let Act::Invite(i) = &invite.act else {
            return false;
        };
        let Some(team) = self.dir.get(&i.by).and_then(|s| s.team.clone()) else {
            return false;
        };
        // An invitation confirmed before the week of lists goes on the first one (E−7).
        let day = match self.project.joint_event(event) {
            Some(ev) => {
                let first = day_of(ev.starts)
                    .checked_sub(jiff::Span::new().days(7))
                    .unwrap_or_else(|_| day_of(ev.starts));
                list_day(invite.at).max(first)
            }
            None => list_day(invite.at),
        };
        self.project.lists.iter().any(|l| {
            l.event == event
                && l.team == team
                && l.day == day
                && l.kind == ListKind::Confirmed
                && l.timely
                && l.at <= self.now
                && self.on_list(l)
        })
    }

    pub(super) fn joint_event(&self, a: &act::JointEvent) -> Decision {
        let mut divisions = a.divisions.clone();
        if divisions.is_empty() {
            for s in &self.dir.staff {
                if let Some(t) = &s.team {
                    if !divisions.contains(t) {
                        divisions.push(t.clone());
                    }
                }
            }
        }
        let known: Vec<&str> = self
            .dir
            .staff
            .iter()
            .filter_map(|s| s.team.as_deref())
            .collect();
        if let Some(t) = divisions.iter().find(|t| !known.contains(&t.as_str())) {
            let v = self.verdict(
                Outcome::Invalid,
                rules::CM_CUTOFF,
                format!(
                    "没有名为「{}」的事业部 (there is no division {t})",
                    zh_text(t)
                ),
            );
            return self.plain(v, vec![]);
        }
        let ends = a.ends.unwrap_or_else(|| end_of_day(a.starts));
        if ends <= a.starts {
            let v = self.verdict(
                Outcome::Invalid,
                rules::CM_CUTOFF,
                "活动结束时间须晚于开始时间 (an event ends after it starts)",
            );
            return self.plain(v, vec![]);
        }
        let ev = JointEventState {
            name: a.name.clone(),
            starts: a.starts,
            ends,
            divisions,
        };
        let day = day_of(a.starts);
        let last = deadline(&ev, day, ListKind::Confirmed);
        let v = self.verdict(
            Outcome::Accepted,
            rules::CM_CUTOFF,
            format!(
                "联合活动「{}」{} 开始：活动前 7 天每天 18:00 前报敲定名单{} (joint event {} starts {}: a confirmed list is due before 18:00 on each of the 7 days before{})",
                zh_text(&a.name),
                format_local(a.starts),
                last.map(|t| format!("，活动当天 {} 前报最后名单", format_local(t)))
                    .unwrap_or_default(),
                a.name,
                format_local(a.starts),
                last.map(|t| format!(", and the last list on the day before {}", format_local(t)))
                    .unwrap_or_default()
            ),
        );
        self.plain(v, vec![self.project_change(ProjectChange::JointEvent(ev))])
    }

    pub(super) fn list(&self, a: &act::List) -> Decision {
        let no = |reason: String| {
            self.plain(
                self.verdict(Outcome::Rejected, rules::CM_CUTOFF, reason),
                vec![],
            )
        };
        let team = self
            .dir
            .get(&a.by)
            .filter(|s| s.role == Role::Manager)
            .and_then(|s| s.team.clone());
        let Some(team) = team else {
            return no("名单由事业部经理上报 (a division head submits the lists)".into());
        };
        let Some(ev) = self.project.joint_event(&a.event) else {
            return no(format!(
                "没有名为「{}」的联合活动 (there is no joint event {})",
                zh_text(&a.event),
                a.event
            ));
        };
        if !ev.divisions.contains(&team) {
            return no(format!(
                "{}不是「{}」的参与事业部，不报名单 ({team} takes no part in {} and submits no list)",
                zh_text(&team),
                zh_text(&ev.name),
                ev.name
            ));
        }
        let day = a.day.unwrap_or_else(|| day_of(self.now));
        let (kzh, ken) = kind_zh(a.kind);
        if a.kind == ListKind::Plan && ev.divisions.get(1) != Some(&team) {
            let second = ev.divisions.get(1).cloned().unwrap_or_default();
            return no(format!(
                "只有第二事业部（{}）报次日计划邀约名单 (only the second division, {second}, submits plan lists)",
                zh_text(&second)
            ));
        }
        let Some(due) = deadline(ev, day, a.kind) else {
            return no(format!(
                "{day} 不需要报「{}」的{kzh} (no {ken} is due for {day} for {})",
                zh_text(&ev.name),
                ev.name
            ));
        };
        let timely = self.now < due;
        let entry = ListEntry {
            event: ev.name.clone(),
            team: team.clone(),
            day,
            kind: a.kind,
            at: self.now,
            timely,
            customers: a.customers.clone(),
        };
        let key = list_key(ev, &team, day, a.kind);
        let mut v = self.verdict(
            Outcome::Accepted,
            rules::CM_CUTOFF,
            format!(
                "{}「{}」{day} 的{kzh}已按时上报，共 {n} 位（截止 {}） ({team}'s {ken} for {day} of {} submitted in time: {n} names (due {}))",
                zh_text(&team),
                zh_text(&ev.name),
                format_local(due),
                ev.name,
                format_local(due),
                n = a.customers.len()
            ),
        );
        let recorded = self.project.closed.contains(&key);
        if !timely && recorded {
            v.reason = format!(
                "{}「{}」{day} 的{kzh}逾期上报（截止 {}），结账时已记过未报，不再重复记违规 (the {ken} of {team} for {day} of {} came after its deadline, {}; the close already recorded it missing, so nothing more is recorded)",
                zh_text(&team),
                zh_text(&ev.name),
                format_local(due),
                ev.name,
                format_local(due)
            );
        } else if !timely {
            v.reason = format!(
                "{}「{}」{day} 的{kzh}逾期上报（截止 {}），记违规 (the {ken} of {team} for {day} of {} came after its deadline, {}: a violation is recorded)",
                zh_text(&team),
                zh_text(&ev.name),
                format_local(due),
                ev.name,
                format_local(due)
            );
            v.violations
                .push(self.list_violation(&team, ev, day, a.kind, due, true));
        }
        self.plain(v, vec![self.project_change(ProjectChange::List(entry))])
    }
}
