//! The reports page (统计报表, RPT-DAILY, RPT-REG): visitors and calls per day or week,
//! registrations accepted and rejected per party, deals and their shares. Each as a chart (SVG
//! drawn here, no script) with its table beneath, and the same tables as CSV.

use super::i18n::{tr, Lang};
use super::{context, explain, Viewer};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use kehu_core::model::{Directory, Role};
use serde_json::json;
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/p/{project}/reports", get(show))
        .route("/p/{project}/reports.csv", get(csv))
}

/// Who reads the reports: managers, the VP, finance, admins.
pub fn may_see(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Vp | Role::Manager | Role::Finance)
}

#[derive(serde::Deserialize)]
struct PeriodQuery {
    period: Option<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Period {
    /// The last 14 days.
    Day,
    /// The last 8 weeks, Monday to Sunday.
    Week,
}

impl Period {
    fn parse(s: Option<&str>) -> Result<Period, ApiError> {
        match s {
            None | Some("day") => Ok(Period::Day),
            Some("week") => Ok(Period::Week),
            Some(o) => Err(ApiError::invalid(
                "period",
                format!("unknown period {o:?}; accepted: day, week"),
            )),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
        }
    }

    /// The buckets' first days, oldest first, ending with the one holding `today`.
    fn buckets(self, today: jiff::civil::Date) -> Vec<jiff::civil::Date> {
        let (n, step, last) = match self {
            Period::Day => (14, 1, today),
            Period::Week => {
                let back = today.weekday().to_monday_zero_offset() as i64;
                (
                    8,
                    7,
                    today
                        .checked_sub(jiff::Span::new().days(back))
                        .unwrap_or(today),
                )
            }
        };
        (0..n)
            .rev()
            .filter_map(|i| last.checked_sub(jiff::Span::new().days(i * step)).ok())
            .collect()
    }
}

/// One report: a title, a chart, a table.
struct Report {
    title: String,
    caption: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Chart: categories (the rows' first cells) and series (name, one value per category).
    series: Vec<(String, Vec<f64>)>,
}

async fn build(
    st: &AppState,
    v: &Viewer,
    project: &str,
    period: Period,
) -> Result<(Vec<Report>, Directory), Response> {
    if !may_see(v.role()) {
        return Err(v.error(&ApiError::Forbidden(
            "只有经理、副总和财务查看报表 (managers, the VP and finance only)".into(),
        )));
    }
    let (_, dir) = context(st, v, project).await?;
    let now = jiff::Timestamp::now();
    let buckets = period.buckets(kehu_core::time::date_of(now));
    let from = buckets
        .first()
        .copied()
        .unwrap_or(kehu_core::time::date_of(now));
    // The report counters of the period (a projection kept with the ledger), not its entries.
    let today = kehu_core::time::date_of(now);
    let counts = st
        .store
        .report_counts(project, &from.to_string(), &today.to_string())
        .await
        .map_err(|e| v.error(&e.into()))?;
    Ok((
        reports(v.lang, &dir, &buckets, period, &counts),
        (*dir).clone(),
    ))
}

fn bucket_of(buckets: &[jiff::civil::Date], day: &str) -> Option<usize> {
    let d: jiff::civil::Date = day.parse().ok()?;
    buckets.iter().rposition(|b| *b <= d)
}

/// An amount in a report's table: whole yuan with thousands separators (3,280,000).
fn yuan(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// The three reports of the period, from its report counters.
fn reports(
    lang: Lang,
    dir: &Directory,
    buckets: &[jiff::civil::Date],
    period: Period,
    counts: &[kehu_store::counters::Count],
) -> Vec<Report> {
    use kehu_store::counters as c;
    let mut visitors = vec![0u64; buckets.len()];
    let mut calls = vec![0u64; buckets.len()];
    // party → (accepted, rejected, pending)
    let mut regs: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    // party → (deals credited, amount credited, amount by shares)
    let mut deals: BTreeMap<String, (u64, i64, i64)> = BTreeMap::new();
    let name = |key: &str| explain::party(lang, dir, &crate::archive::party_from_key(key, dir));
    // A registration counts for its registrant's party: an agent's for its agency.
    let registrant = |login: &str| {
        explain::party(
            lang,
            dir,
            &dir.party_of(&kehu_core::model::StaffId(login.to_string())),
        )
    };
    for k in counts {
        let Some(b) = bucket_of(buckets, &k.day) else {
            continue;
        };
        let n = k.n;
        let u = u64::try_from(n).unwrap_or(0);
        match k.metric.as_str() {
            c::VISITORS => visitors[b] += u,
            c::CALLS => calls[b] += u,
            c::REG_ACCEPTED => regs.entry(registrant(&k.party)).or_default().0 += u,
            c::REG_REJECTED => regs.entry(registrant(&k.party)).or_default().1 += u,
            c::REG_PENDING => regs.entry(registrant(&k.party)).or_default().2 += u,
            c::DEALS => deals.entry(name(&k.party)).or_default().0 += u,
            c::DEAL_AMOUNT => {
                let d = deals.entry(name(&k.party)).or_default();
                d.1 = d.1.saturating_add(n);
            }
            c::SHARE_AMOUNT => {
                let d = deals.entry(name(&k.party)).or_default();
                d.2 = d.2.saturating_add(n);
            }
            _ => {}
        }
    }
    let label = |d: &jiff::civil::Date| match period {
        Period::Day => d.strftime("%m-%d").to_string(),
        Period::Week => format!("{}{}", d.strftime("%m-%d"), tr(lang, "reports.week_of")),
    };
    let mut out = Vec::new();
    out.push(Report {
        title: tr(lang, "reports.visits").to_string(),
        caption: tr(lang, "reports.visits.caption").to_string(),
        header: vec![
            tr(
                lang,
                if period == Period::Day {
                    "col.day"
                } else {
                    "col.week"
                },
            )
            .to_string(),
            tr(lang, "reports.visitors").to_string(),
            tr(lang, "reports.calls").to_string(),
        ],
        rows: buckets
            .iter()
            .enumerate()
            .map(|(i, d)| vec![label(d), visitors[i].to_string(), calls[i].to_string()])
            .collect(),
        series: vec![
            (
                tr(lang, "reports.visitors").to_string(),
                visitors.iter().map(|x| *x as f64).collect(),
            ),
            (
                tr(lang, "reports.calls").to_string(),
                calls.iter().map(|x| *x as f64).collect(),
            ),
        ],
    });
    out.push(Report {
        title: tr(lang, "reports.regs").to_string(),
        caption: tr(lang, "reports.regs.caption").to_string(),
        header: vec![
            tr(lang, "col.party").to_string(),
            tr(lang, "outcome.accepted").to_string(),
            tr(lang, "outcome.rejected").to_string(),
            tr(lang, "outcome.pending").to_string(),
        ],
        rows: regs
            .iter()
            .map(|(p, (a, r, q))| vec![p.clone(), a.to_string(), r.to_string(), q.to_string()])
            .collect(),
        series: vec![
            (
                tr(lang, "outcome.accepted").to_string(),
                regs.values().map(|x| x.0 as f64).collect(),
            ),
            (
                tr(lang, "outcome.rejected").to_string(),
                regs.values().map(|x| x.1 as f64).collect(),
            ),
            (
                tr(lang, "outcome.pending").to_string(),
                regs.values().map(|x| x.2 as f64).collect(),
            ),
        ],
    });
    out.push(Report {
        title: tr(lang, "reports.deals").to_string(),
        caption: tr(lang, "reports.deals.caption").to_string(),
        header: vec![
            tr(lang, "col.party").to_string(),
            tr(lang, "reports.deals.count").to_string(),
            tr(lang, "reports.deals.amount").to_string(),
            tr(lang, "reports.deals.shares").to_string(),
        ],
        rows: deals
            .iter()
            .map(|(p, (n, a, s))| vec![p.clone(), n.to_string(), yuan(*a), yuan(*s)])
            .collect(),
        series: vec![
            (
                tr(lang, "reports.deals.amount").to_string(),
                deals.values().map(|x| x.1 as f64).collect(),
            ),
            (
                tr(lang, "reports.deals.shares").to_string(),
                deals.values().map(|x| x.2 as f64).collect(),
            ),
        ],
    });
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Fills and patterns of the series: told apart by the pattern and the legend as well as colour.
const FILLS: [(&str, &str); 3] = [
    ("#1f5fa8", "none"),
    ("#a4161a", "hatch"),
    ("#8a5300", "dots"),
];

/// The axis' top: four equal whole steps of 1, 2 or 5 times a power of ten that reach `max`.
fn nice_top(max: f64) -> f64 {
    let raw = (max / 4.0).max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    step * 4.0
}

/// A number short enough for an axis or a bar: 3280000 → 328万 (Chinese) or 3.28M (English);
/// small numbers with thousands separators.
pub fn compact(lang: super::Lang, n: f64) -> String {
    let trim = |x: f64| {
        let s = format!("{x:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    let a = n.abs();
    match lang {
        super::Lang::Zh if a >= 1e8 => format!("{}亿", trim(n / 1e8)),
        super::Lang::Zh if a >= 1e4 => format!("{}万", trim(n / 1e4)),
        super::Lang::En if a >= 1e9 => format!("{}B", trim(n / 1e9)),
        super::Lang::En if a >= 1e6 => format!("{}M", trim(n / 1e6)),
        super::Lang::En if a >= 1e4 => format!("{}K", trim(n / 1e3)),
        _ => format!("{n:.0}"),
    }
}

/// A grouped bar chart: one group per category, one bar per series, each bar labelled with its
/// value in short form where the label fits above the bar (the table beneath has every value);
/// a legend names the series.
pub fn bar_chart(
    lang: super::Lang,
    title: &str,
    categories: &[String],
    series: &[(String, Vec<f64>)],
) -> String {
    let (w, h, left, top, bottom) = (720.0, 300.0, 48.0, 36.0, 56.0);
    let plot_h = h - top - bottom;
    let max = nice_top(
        series
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .fold(0.0_f64, f64::max),
    );
    let n = categories.len().max(1) as f64;
    let group_w = (w - left - 12.0) / n;
    let bar_w = (group_w * 0.8 / series.len().max(1) as f64).min(40.0);
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-label="{t}"><title>{t}</title>
<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#a4161a"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern>
<pattern id="dots" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#8a5300"/><circle cx="3" cy="3" r="1.3" fill="#fff"/></pattern></defs>
<g font-size="12" fill="#1a1a1a">"##,
        t = esc(title)
    );
    // Axis and a few grid lines with their values.
    for i in 0..=4 {
        let val = max * f64::from(i) / 4.0;
        let y = top + plot_h - plot_h * f64::from(i) / 4.0;
        s.push_str(&format!(
            r##"<line x1="{left}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" stroke="#c9ced6"/><text x="{lx}" y="{ty:.1}" text-anchor="end">{label}</text>"##,
            x2 = w - 8.0,
            lx = left - 4.0,
            ty = y + 4.0,
            label = compact(lang, val)
        ));
    }
    for (ci, cat) in categories.iter().enumerate() {
        let gx = left + group_w * ci as f64 + group_w * 0.1;
        for (si, (_, vals)) in series.iter().enumerate() {
            let val = vals.get(ci).copied().unwrap_or(0.0);
            let bh = plot_h * val / max;
            let x = gx + bar_w * si as f64;
            let y = top + plot_h - bh;
            let (color, pat) = FILLS[si % FILLS.len()];
            let fill = if pat == "none" {
                color.to_string()
            } else {
                format!("url(#{pat})")
            };
            s.push_str(&format!(
                r##"<rect x="{x:.1}" y="{y:.1}" width="{bw:.1}" height="{bh:.1}" fill="{fill}" stroke="{color}"/>"##,
                bw = bar_w - 2.0
            ));
            // A label is written only where it fits the bar's width (about 7 units a character),
            // so neighbours never run into each other.
            let label = compact(lang, val);
            let fits = label.chars().count() as f64 * 7.0 <= bar_w + 4.0;
            if val > 0.0 && fits {
                s.push_str(&format!(
                    r##"<text x="{cx:.1}" y="{ty:.1}" text-anchor="middle" font-size="11">{label}</text>"##,
                    cx = x + bar_w / 2.0 - 1.0,
                    ty = y - 3.0
                ));
            }
        }
        s.push_str(&format!(
            r##"<text x="{cx:.1}" y="{ty}" text-anchor="middle">{c}</text>"##,
            cx = gx + group_w * 0.4,
            ty = h - bottom + 16.0,
            c = esc(cat)
        ));
    }
    // Legend.
    let mut lx = left;
    for (si, (name, _)) in series.iter().enumerate() {
        let (color, pat) = FILLS[si % FILLS.len()];
        let fill = if pat == "none" {
            color.to_string()
        } else {
            format!("url(#{pat})")
        };
        s.push_str(&format!(
            r##"<rect x="{lx}" y="{y}" width="14" height="14" fill="{fill}" stroke="{color}"/><text x="{tx}" y="{ty}">{n}</text>"##,
            y = h - 22.0,
            tx = lx + 18.0,
            ty = h - 10.0,
            n = esc(name)
        ));
        lx += 30.0 + 14.0 * name.chars().count() as f64;
    }
    s.push_str("</g></svg>");
    s
}

async fn show(
    State(st): State<AppState>,
    v: Viewer,
    Path(project): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let period = match Period::parse(q.period.as_deref()) {
        Ok(p) => p,
        Err(e) => return v.error(&e),
    };
    let (reports, _) = match build(&st, &v, &project, period).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let shown: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            let cats: Vec<String> = r.rows.iter().map(|row| row[0].clone()).collect();
            let svg = if cats.is_empty() {
                String::new()
            } else {
                bar_chart(v.lang, &r.title, &cats, &r.series)
            };
            // The chart's data for ECharts (static/charts.js); the server's SVG is the no-script
            // fallback.
            let chart = (!cats.is_empty()).then(|| {
                json!({
                    "lang": v.lang.code(), "categories": cats,
                    "series": r.series.iter().map(|(name, data)| json!({ "name": name, "data": data })).collect::<Vec<_>>(),
                })
                .to_string()
            });
            json!({
                "title": r.title, "caption": r.caption, "header": r.header, "rows": r.rows,
                "svg": svg, "chart": chart,
            })
        })
        .collect();
    v.page(
        "reports.html",
        Some(&project),
        "nav.reports",
        None,
        json!({ "reports": shown, "period": period.name() }),
    )
}

/// The report tables as one CSV file (UTF-8 with a byte-order mark, so that Excel reads the
/// Chinese right), a blank line between tables.
async fn csv(
    State(st): State<AppState>,
    v: Viewer,
    Path(project): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let period = match Period::parse(q.period.as_deref()) {
        Ok(p) => p,
        Err(e) => return v.error(&e),
    };
    let (reports, _) = match build(&st, &v, &project, period).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(e) = crate::api::audit(
        &st,
        &v.c.user.login,
        "report.csv",
        project.clone(),
        period.name(),
    )
    .await
    {
        return v.error(&e);
    }
    let mut out = String::from("\u{feff}");
    for r in &reports {
        out.push_str(&crate::csv::cell(&r.title));
        out.push('\n');
        let line = |cells: &[String]| {
            cells
                .iter()
                .map(|c| crate::csv::cell(c))
                .collect::<Vec<_>>()
                .join(",")
        };
        out.push_str(&line(&r.header));
        out.push('\n');
        for row in &r.rows {
            out.push_str(&line(row));
            out.push('\n');
        }
        out.push('\n');
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"kehu-{project}-report-{}.csv\"",
                    period.name()
                ),
            ),
        ],
        out,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_and_end_with_this_one() {
        let today = jiff::civil::date(2026, 11, 25); // a Wednesday
        let b = Period::Week.buckets(today);
        assert_eq!(b.len(), 8);
        assert_eq!(b[7], jiff::civil::date(2026, 11, 23));
        assert_eq!(b[0], jiff::civil::date(2026, 10, 5));
        let d = Period::Day.buckets(today);
        assert_eq!((d.len(), d[13]), (14, today));
    }

    #[test]
    fn axes_end_on_whole_round_numbers() {
        assert_eq!(nice_top(0.0), 4.0);
        assert_eq!(nice_top(3.0), 4.0);
        assert_eq!(nice_top(7.0), 8.0);
        assert_eq!(nice_top(9.0), 20.0);
        assert_eq!(nice_top(1_200_000.0), 2_000_000.0);
    }

    #[test]
    fn a_chart_labels_every_bar_and_names_its_series() {
        let svg = bar_chart(
            crate::web::Lang::Zh,
            "来人<来电>",
            &["11-01".into(), "11-02".into()],
            &[
                ("来人".into(), vec![3.0, 0.0]),
                ("来电".into(), vec![1.0, 2.0]),
            ],
        );
        assert!(svg.contains("来人&lt;来电&gt;"), "{svg}");
        // Three non-zero bars, each with its value written on it.
        assert_eq!(
            svg.matches("text-anchor=\"middle\" font-size=\"11\"")
                .count(),
            3
        );
        assert!(svg.contains(">来电</text>"));
    }

    #[test]
    fn amounts_are_short_on_axes_and_bars() {
        use crate::web::Lang;
        assert_eq!(compact(Lang::Zh, 3_280_000.0), "328万");
        assert_eq!(compact(Lang::Zh, 8_660_000.0), "866万");
        assert_eq!(compact(Lang::Zh, 250_000_000.0), "2.5亿");
        assert_eq!(compact(Lang::En, 3_280_000.0), "3.28M");
        assert_eq!(compact(Lang::Zh, 12.0), "12");
        let svg = bar_chart(
            Lang::Zh,
            "成交",
            &(1..=7).map(|d| format!("11-0{d}")).collect::<Vec<_>>(),
            &[
                ("张三".into(), vec![3_280_000.0; 7]),
                ("李四".into(), vec![8_660_000.0; 7]),
                ("王五".into(), vec![1_000_000.0; 7]),
            ],
        );
        assert!(!svg.contains("000000<"), "no long raw amounts: {svg}");
        assert!(
            svg.contains(">1000万<") || svg.contains(">500万<"),
            "the axis in 万: {svg}"
        );
    }
}
