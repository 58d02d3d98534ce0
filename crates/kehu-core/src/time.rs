//! Rule time (G-TIME): local Asia/Shanghai wall-clock arithmetic, half-open windows, same-day,
//! working days with holidays and make-up days. Nothing here reads the clock (G-CLOCK).

use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, Zoned};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// An instant on the ledger's time line.
pub type Instant = Timestamp;

fn shanghai() -> &'static TimeZone {
    static TZ: OnceLock<TimeZone> = OnceLock::new();
    // The tz database is bundled (jiff feature `tzdb-bundle-always`), so this lookup cannot fail
    // at run time; UTC+8 without transitions is the documented fallback and equals Asia/Shanghai
    // since 1991.
    TZ.get_or_init(|| {
        TimeZone::get("Asia/Shanghai").unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(8)))
    })
}

/// Why a time text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a local time; expected \"YYYY-MM-DD HH:MM\" (Asia/Shanghai){detail}")]
pub struct TimeError {
    pub text: String,
    pub detail: String,
}

fn time_error(text: &str, detail: impl std::fmt::Display) -> TimeError {
    TimeError {
        text: text.to_string(),
        detail: format!(": {detail}"),
    }
}

/// The instant of a local wall-clock time.
pub fn from_local(dt: DateTime) -> Instant {
    // Asia/Shanghai has no gaps or folds today; `compatible` disambiguation covers history.
    shanghai()
        .to_ambiguous_zoned(dt)
        .compatible()
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MAX)
}

/// Parses `YYYY-MM-DD HH:MM` (seconds optional) as local time.
pub fn parse_local(text: &str) -> Result<Instant, TimeError> {
    let t = text.trim();
    let (d, tm) = t
        .split_once([' ', 'T'])
        .ok_or_else(|| time_error(text, "missing the time of day"))?;
    let date: Date = d.trim().parse().map_err(|e| time_error(text, e))?;
    let tm = tm.trim();
    let parts: Vec<&str> = tm.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2) {
        return Err(time_error(text, "time of day must be HH:MM"));
    }
    let num = |s: &str| s.parse::<i8>().map_err(|e| time_error(text, e));
    let (h, m) = (num(parts[0])?, num(parts[1])?);
    let s = if parts.len() == 3 { num(parts[2])? } else { 0 };
    let time = jiff::civil::Time::new(h, m, s, 0).map_err(|e| time_error(text, e))?;
    Ok(from_local(date.to_datetime(time)))
}

/// Parses a date `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<Date, TimeError> {
    text.trim().parse().map_err(|e| time_error(text, e))
}

/// Parses an `until` value: an exact local time, or a date meaning "through that date" (the end is
/// 00:00 of the next day).
pub fn parse_until(text: &str) -> Result<Instant, TimeError> {
    if text.trim().len() <= 10 {
        let d = parse_date(text)?;
        Ok(start_of_day(d.tomorrow().map_err(|e| time_error(text, e))?))
    } else {
        parse_local(text)
    }
}

/// The local zoned time of an instant.
pub fn local(t: Instant) -> Zoned {
    t.to_zoned(shanghai().clone())
}

/// The local calendar date of an instant.
pub fn date_of(t: Instant) -> Date {
    local(t).date()
}

/// 00:00 local of a date.
pub fn start_of_day(d: Date) -> Instant {
    from_local(d.to_datetime(jiff::civil::Time::midnight()))
}

/// `YYYY-MM-DD HH:MM` in local time.
pub fn format_local(t: Instant) -> String {
    local(t).strftime("%Y-%m-%d %H:%M").to_string()
}

/// G-TIME "same day": the same local calendar date.
pub fn same_day(a: Instant, b: Instant) -> bool {
    date_of(a) == date_of(b)
}

fn add_span(t: Instant, span: Span) -> Instant {
    local(t)
        .checked_add(span)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MAX)
}

/// The same wall-clock time `n` calendar days later.
pub fn add_days(t: Instant, n: i64) -> Instant {
    add_span(t, Span::new().days(n))
}

/// The same wall-clock time `n` calendar months later; a day missing in the target month lands on
/// its last day (01-31 + 1 month = 02-28).
pub fn add_months(t: Instant, n: i64) -> Instant {
    add_span(t, Span::new().months(n))
}

/// `n` minutes later.
pub fn add_minutes(t: Instant, n: i64) -> Instant {
    t.checked_add(Span::new().minutes(n))
        .unwrap_or(Timestamp::MAX)
}

/// `n` hours later (dispute deadlines).
pub fn add_span_hours(t: Instant, n: i64) -> Instant {
    t.checked_add(Span::new().hours(n))
        .unwrap_or(Timestamp::MAX)
}

/// 00:00 after the local date of `t` (the end of "that day").
pub fn end_of_day(t: Instant) -> Instant {
    let d = date_of(t);
    d.tomorrow().map(start_of_day).unwrap_or(Timestamp::MAX)
}

/// The length unit of a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    Days(i64),
    Months(i64),
}

/// How a window counts its days (G-TIME).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Counting {
    /// From the instant: [t, t + N).
    #[default]
    Instant,
    /// Whole calendar days: the window ends at 00:00 after its last day (「之日起」).
    CalendarDays,
}

/// The exclusive end of a window of `len` starting at `start` (G-TIME).
pub fn window_end(start: Instant, len: Length, counting: Counting) -> Instant {
    let end = match len {
        Length::Days(n) => add_days(start, n),
        Length::Months(n) => add_months(start, n),
    };
    match counting {
        Counting::Instant => end,
        Counting::CalendarDays => {
            // The start day counts as day one: N days from a date end at 00:00 after day N.
            let last_day = add_span(end, Span::new().days(-1));
            end_of_day(last_day)
        }
    }
}

/// A half-open interval [start, end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: Instant,
    pub end: Instant,
}

impl Window {
    pub fn contains(&self, t: Instant) -> bool {
        self.start <= t && t < self.end
    }
}

/// Working days (工作日): Monday–Friday minus holidays, plus make-up working days (调休).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    pub holidays: BTreeSet<Date>,
    pub workdays: BTreeSet<Date>,
}

impl WorkCalendar {
    pub fn is_working_day(&self, d: Date) -> bool {
        if self.workdays.contains(&d) {
            return true;
        }
        if self.holidays.contains(&d) {
            return false;
        }
        !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
    }

    /// The date `n` working days after `d` (the day itself not counted).
    pub fn add_working_days(&self, d: Date, n: u32) -> Date {
        let mut cur = d;
        let mut left = n;
        while left > 0 {
            match cur.tomorrow() {
                Ok(next) => cur = next,
                Err(_) => return cur,
            }
            if self.is_working_day(cur) {
                left -= 1;
            }
        }
        cur
    }

    /// G-TIME: the exclusive end of a window of `n` working days from `t`: `t`'s wall-clock time
    /// on the `n`-th working day after `t`'s date. Counted by whole dates (之日起), the end is
    /// 00:00 after that day.
    pub fn window_end(&self, t: Instant, n: u32, counting: Counting) -> Instant {
        let day = self.add_working_days(date_of(t), n);
        match counting {
            Counting::Instant => from_local(day.to_datetime(local(t).time())),
            Counting::CalendarDays => day.tomorrow().map(start_of_day).unwrap_or(Timestamp::MAX),
        }
    }

    /// Working days from `a` (exclusive) to `b` (inclusive); zero when `b <= a`.
    pub fn working_days_between(&self, a: Date, b: Date) -> u32 {
        let mut n = 0;
        let mut cur = a;
        while cur < b {
            match cur.tomorrow() {
                Ok(next) => cur = next,
                Err(_) => break,
            }
            if self.is_working_day(cur) {
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> Instant {
        parse_local(s).unwrap()
    }

    #[test]
    fn windows() {
        assert_eq!(
            format_local(add_days(t("2026-11-01 10:00"), 30)),
            "2026-12-01 10:00"
        );
        assert_eq!(
            format_local(add_months(t("2026-01-31 10:00"), 1)),
            "2026-02-28 10:00"
        );
        assert_eq!(
            format_local(add_months(t("2028-01-31 10:00"), 1)),
            "2028-02-29 10:00"
        );
        assert_eq!(
            format_local(end_of_day(t("2026-11-01 23:59"))),
            "2026-11-02 00:00"
        );
        let w = Window {
            start: t("2026-11-01 10:00"),
            end: add_days(t("2026-11-01 10:00"), 7),
        };
        assert!(w.contains(t("2026-11-08 09:59")));
        assert!(!w.contains(t("2026-11-08 10:00")));
        assert_eq!(
            format_local(window_end(
                t("2026-11-01 10:00"),
                Length::Days(7),
                Counting::CalendarDays
            )),
            "2026-11-08 00:00"
        );
        assert_eq!(
            format_local(parse_until("2026-12-31").unwrap()),
            "2027-01-01 00:00"
        );
    }

    #[test]
    fn parse_errors() {
        assert!(parse_local("2026-11-01").is_err());
        assert!(parse_local("2026-13-01 10:00").is_err());
        assert!(parse_local("2026-11-01 25:00").is_err());
        assert!(parse_local("2026-11-01 10:0").is_err());
    }

    #[test]
    fn working_days() {
        let mut cal = WorkCalendar::default();
        cal.holidays.insert(parse_date("2026-10-01").unwrap());
        cal.workdays.insert(parse_date("2026-10-10").unwrap()); // a Saturday made a working day
        assert!(!cal.is_working_day(parse_date("2026-10-01").unwrap()));
        assert!(cal.is_working_day(parse_date("2026-10-10").unwrap()));
        assert!(!cal.is_working_day(parse_date("2026-10-11").unwrap()));
        // Wed 2026-09-30 + 3 working days: Oct 1 holiday, Fri 2, Mon 5, Tue 6
        assert_eq!(
            cal.add_working_days(parse_date("2026-09-30").unwrap(), 3),
            parse_date("2026-10-06").unwrap()
        );
    }

    #[test]
    fn working_day_windows() {
        let mut cal = WorkCalendar::default();
        cal.holidays.insert(parse_date("2026-10-01").unwrap());
        // Wed 09-30 14:30 + 3 working days: Fri 10-02, Mon 10-05, Tue 10-06, at 14:30.
        assert_eq!(
            cal.window_end(t("2026-09-30 14:30"), 3, Counting::Instant),
            t("2026-10-06 14:30")
        );
        // SF-3DAYS' example: a contact on Fri 2026-11-06, by date: 00:00 after Wed 11-11.
        assert_eq!(
            WorkCalendar::default().window_end(t("2026-11-06 16:00"), 3, Counting::CalendarDays),
            t("2026-11-12 00:00")
        );
        // From a Saturday: Mon, Tue, Wed.
        assert_eq!(
            WorkCalendar::default().window_end(t("2026-11-07 09:00"), 3, Counting::Instant),
            t("2026-11-11 09:00")
        );
    }

    proptest! {
        #[test]
        fn working_day_window_ends_on_a_working_day_after_the_start(days in 0i64..4000, mins in 0i64..1440, n in 1u32..30) {
            let start = add_minutes(add_days(t("2020-01-01 00:00"), days), mins);
            let cal = WorkCalendar::default();
            let end = cal.window_end(start, n, Counting::Instant);
            prop_assert!(end > start);
            prop_assert!(cal.is_working_day(date_of(end)));
            prop_assert_eq!(cal.working_days_between(date_of(start), date_of(end)), n);
            prop_assert_eq!(local(end).time(), local(start).time());
        }

        #[test]
        fn window_end_is_exclusive_and_monotone(days in 0i64..4000, mins in 0i64..1440, n in 1i64..120) {
            let start = add_minutes(add_days(t("2020-01-01 00:00"), days), mins);
            let end = window_end(start, Length::Days(n), Counting::Instant);
            let w = Window { start, end };
            prop_assert!(w.contains(start));
            prop_assert!(!w.contains(end));
            prop_assert!(w.contains(add_minutes(end, -1)));
            prop_assert_eq!(local(end).time(), local(start).time());
            let m_end = window_end(start, Length::Months(n % 24 + 1), Counting::Instant);
            prop_assert!(m_end > start);
            prop_assert!(local(m_end).day() <= local(start).day() || local(start).day() > 28);
        }
    }
}
