//! The report counters (RPT-DAILY, RPT-REG): a projection of the ledger kept in the same
//! transaction as the entries, one row per project, local day, metric and party, so that a report
//! reads a few hundred counters instead of decrypting every entry of its period.

use kehu_core::act;
use kehu_core::model::{Act, Channel};
use kehu_core::verdict::{Outcome, Verdict};

/// Visitors received (visits and walk-ins), project-wide.
pub const VISITORS: &str = "visitors";
/// Registrations by phone (来电), project-wide.
pub const CALLS: &str = "calls";
/// Registrations by their registrant (the login; an agent's count for its agency when the report
/// is read, through the directory of that day) and outcome.
pub const REG_ACCEPTED: &str = "reg_accepted";
pub const REG_REJECTED: &str = "reg_rejected";
pub const REG_PENDING: &str = "reg_pending";
/// Deals credited to a party: their number and amount (yuan).
pub const DEALS: &str = "deals";
pub const DEAL_AMOUNT: &str = "deal_amount";
/// A party's amount by its bonus shares (yuan).
pub const SHARE_AMOUNT: &str = "share_amount";

/// A counter: project, local day (`YYYY-MM-DD`), metric, party (its display form; empty for the
/// project-wide ones).
pub(crate) type CountKey = (String, String, &'static str, String);

/// The counters one ledger entry adds to: nothing for an invalid act or a read.
pub(crate) fn counts_of(
    project: &str,
    at: kehu_core::time::Instant,
    act: &Act,
    v: &Verdict,
) -> Vec<(CountKey, i64)> {
    if v.outcome == Outcome::Invalid {
        return Vec::new();
    }
    let day = kehu_core::time::date_of(at).to_string();
    let key =
        |metric: &'static str, party: String| (project.to_string(), day.clone(), metric, party);
    let mut out = Vec::new();
    match act {
        Act::WalkIn(_) | Act::Visit(_) => out.push((key(VISITORS, String::new()), 1)),
        Act::Register(act::Register { by, channel, .. }) => {
            if *channel == Channel::Phone {
                out.push((key(CALLS, String::new()), 1));
            }
            let metric = match v.outcome {
                Outcome::Accepted | Outcome::Confirmed => REG_ACCEPTED,
                Outcome::Rejected => REG_REJECTED,
                _ => REG_PENDING,
            };
            out.push((key(metric, by.0.clone()), 1));
        }
        // A deal credited when it is recorded, or when a manager's ruling settles it (a deal
        // left pending for its split carries its amount into the ruling).
        Act::Deal(act::Deal { amount, .. }) if v.outcome == Outcome::Accepted => {
            deal_counts(&mut out, &key, v, *amount)
        }
        Act::Resolve(_) if v.outcome == Outcome::Accepted => {
            if let Some(amount) = v.amount {
                deal_counts(&mut out, &key, v, amount)
            }
        }
        _ => {}
    }
    out
}

/// The counters of one credited deal: its number and amount for the credited party, each
/// share's part of the amount.
fn deal_counts(
    out: &mut Vec<(CountKey, i64)>,
    key: &impl Fn(&'static str, String) -> CountKey,
    v: &Verdict,
    amount: i64,
) {
    if let Some(c) = &v.credited {
        out.push((key(DEALS, c.to_string()), 1));
        out.push((key(DEAL_AMOUNT, c.to_string()), amount));
    }
    for (p, pct) in &v.shares {
        let part = amount.saturating_mul(i64::from(*pct)) / 100;
        out.push((key(SHARE_AMOUNT, p.to_string()), part));
    }
}

/// A report counter as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub day: String,
    pub metric: String,
    pub party: String,
    pub n: i64,
}

impl crate::Store {
    /// The report counters of `project` for the local days `from..=to` (`YYYY-MM-DD`).
    pub async fn report_counts(
        &self,
        project: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<Count>, crate::StoreError> {
        let rows = self
            .query(
                "SELECT day, metric, party, n FROM report_counts \
                 WHERE project = $1 AND day >= $2 AND day <= $3 ORDER BY day, metric, party",
                vec![project.into(), from.into(), to.into()],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| Count {
                day: r
                    .first()
                    .and_then(crate::Val::text)
                    .unwrap_or_default()
                    .to_string(),
                metric: r
                    .get(1)
                    .and_then(crate::Val::text)
                    .unwrap_or_default()
                    .to_string(),
                party: r
                    .get(2)
                    .and_then(crate::Val::text)
                    .unwrap_or_default()
                    .to_string(),
                n: r.get(3).and_then(crate::Val::int).unwrap_or(0),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kehu_core::model::{CustomerInput, Party, StaffId};
    use kehu_core::rules;

    /// A deal left pending for its split counts when the manager's ruling settles it, with its
    /// amount and each share's part (a 50/50 settlement is in 成交与分成).
    #[test]
    fn a_ruling_that_settles_a_deal_counts_it() {
        let at = kehu_core::time::parse_local("2026-11-03 10:00").unwrap_or_default();
        let act = Act::Resolve(act::Resolve {
            by: StaffId("m".into()),
            customer: CustomerInput::default(),
            owner: None,
            shares: None,
        });
        let (a, b) = (
            Party::Staff(StaffId("a".into())),
            Party::Staff(StaffId("b".into())),
        );
        let mut v = Verdict::new(Outcome::Accepted, rules::G_DISPUTE, "settled");
        v.credited = Some(a.clone());
        v.shares = vec![(a, 50), (b, 50)];
        assert!(
            counts_of("p", at, &act, &v).is_empty(),
            "a ruling without a deal counts nothing"
        );
        v.amount = Some(3_280_000);
        let got: Vec<(&str, String, i64)> = counts_of("p", at, &act, &v)
            .into_iter()
            .map(|((_, _, m, who), n)| (m, who, n))
            .collect();
        assert_eq!(
            got,
            vec![
                (DEALS, "a".to_string(), 1),
                (DEAL_AMOUNT, "a".to_string(), 3_280_000),
                (SHARE_AMOUNT, "a".to_string(), 1_640_000),
                (SHARE_AMOUNT, "b".to_string(), 1_640_000),
            ]
        );
    }
}
