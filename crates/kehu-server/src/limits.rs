//! How fast one account, and one network address, may look customers up (the collision check, the
//! name search, the archive). A collision check answers "protected until …" for a full number, so
//! trying every middle digit behind a mask (10,000 numbers) would find the customer's full number:
//! these limits make that take weeks, and the first refusal in each window is written to the audit
//! log (`customer.probe.limited`) for the manager to see. They are kept in each server's memory (a
//! second server on the same database has its own), which bounds a prober without a write per read.

use std::collections::HashMap;
use std::sync::Mutex;

/// Look-ups one account may make in a minute.
pub const PER_ACCOUNT_MINUTE: u32 = 30;
/// Look-ups one account may make in a day (a busy salesperson makes a few dozen).
pub const PER_ACCOUNT_DAY: u32 = 500;
/// Look-ups from one network address in a minute (a front desk may share one address).
pub const PER_ADDRESS_MINUTE: u32 = 120;

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * 3_600_000;

#[derive(Default, Clone, Copy)]
struct Window {
    start_ms: i64,
    count: u32,
    /// Whether this window's first refusal was reported.
    reported: bool,
}

impl Window {
    /// Counts one look-up in a window of `len_ms`; Err(first refusal of the window?) past `max`.
    fn count(&mut self, now_ms: i64, len_ms: i64, max: u32) -> Result<(), bool> {
        if now_ms - self.start_ms >= len_ms {
            *self = Window {
                start_ms: now_ms,
                count: 0,
                reported: false,
            };
        }
        if self.count >= max {
            let first = !self.reported;
            self.reported = true;
            return Err(first);
        }
        self.count += 1;
        Ok(())
    }
}

/// A refused look-up: which limit, and whether it is the first refusal of its window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limited {
    pub what: &'static str,
    pub first: bool,
    pub retry_after_s: i64,
}

/// The counters, per account (minute and day) and per address (minute).
#[derive(Default)]
pub struct Lookups {
    accounts: Mutex<HashMap<String, (Window, Window)>>,
    addresses: Mutex<HashMap<String, Window>>,
}

impl Lookups {
    /// Counts one look-up by `account` from `address` at `now_ms`.
    pub fn check(&self, account: &str, address: Option<&str>, now_ms: i64) -> Result<(), Limited> {
        if let Some(a) = address {
            let mut map = self.addresses.lock().unwrap_or_else(|p| p.into_inner());
            if map.len() > 100_000 {
                map.retain(|_, w| now_ms - w.start_ms < MINUTE_MS);
            }
            let w = map.entry(a.to_string()).or_default();
            if let Err(first) = w.count(now_ms, MINUTE_MS, PER_ADDRESS_MINUTE) {
                return Err(Limited {
                    what: "address per minute",
                    first,
                    retry_after_s: (w.start_ms + MINUTE_MS - now_ms) / 1000 + 1,
                });
            }
        }
        let mut map = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (_, day)| now_ms - day.start_ms < DAY_MS);
        }
        let (minute, day) = map.entry(account.to_string()).or_default();
        if let Err(first) = day.count(now_ms, DAY_MS, PER_ACCOUNT_DAY) {
            return Err(Limited {
                what: "account per day",
                first,
                retry_after_s: (day.start_ms + DAY_MS - now_ms) / 1000 + 1,
            });
        }
        if let Err(first) = minute.count(now_ms, MINUTE_MS, PER_ACCOUNT_MINUTE) {
            day.count -= 1;
            return Err(Limited {
                what: "account per minute",
                first,
                retry_after_s: (minute.start_ms + MINUTE_MS - now_ms) / 1000 + 1,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_limited_per_minute_then_per_day() {
        let l = Lookups::default();
        for _ in 0..PER_ACCOUNT_MINUTE {
            assert!(l.check("a", None, 0).is_ok());
        }
        let e = l.check("a", None, 1000).unwrap_err();
        assert_eq!((e.what, e.first), ("account per minute", true));
        assert!(
            !l.check("a", None, 2000).unwrap_err().first,
            "reported once a window"
        );
        assert!(
            l.check("b", None, 2000).is_ok(),
            "another account has its own"
        );
        assert!(l.check("a", None, MINUTE_MS).is_ok(), "a new minute");
        // A whole day's worth, a minute at a time.
        let mut t = 2 * MINUTE_MS;
        let mut ok = PER_ACCOUNT_MINUTE + 1;
        while ok < PER_ACCOUNT_DAY {
            for _ in 0..PER_ACCOUNT_MINUTE.min(PER_ACCOUNT_DAY - ok) {
                assert!(l.check("a", None, t).is_ok());
                ok += 1;
            }
            t += MINUTE_MS;
        }
        assert_eq!(l.check("a", None, t).unwrap_err().what, "account per day");
        assert!(l.check("a", None, DAY_MS + 1).is_ok(), "the next day");
    }

    #[test]
    fn an_address_is_limited_across_accounts() {
        let l = Lookups::default();
        for i in 0..PER_ADDRESS_MINUTE {
            assert!(l.check(&format!("acct{i}"), Some("10.0.0.1"), 0).is_ok());
        }
        let e = l.check("fresh", Some("10.0.0.1"), 10).unwrap_err();
        assert_eq!(e.what, "address per minute");
        assert!(l.check("fresh", Some("10.0.0.2"), 10).is_ok());
    }
}
