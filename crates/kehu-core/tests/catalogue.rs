//! The rule catalogue matches RULES.md (IDs in order, sections and whole texts); the shared spec
//! must be beside the checkout. `scripts/catalogue.py` rewrites the table from RULES.md.

use std::path::Path;

/// (id, section, text) of every rule of RULES.md, in document order.
fn rules_md(text: &str) -> Vec<(String, String, String)> {
    let looks_like_id = |id: &str| {
        id.contains('-')
            && id
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
    };
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut section = String::new();
    let mut in_paragraph = false;
    for line in text.lines() {
        if let Some(h) = line
            .strip_prefix("### ")
            .or_else(|| line.strip_prefix("## "))
        {
            let num = h.split(' ').next().unwrap_or("").trim_end_matches('.');
            if num.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                section = num.to_string();
            }
            in_paragraph = false;
            continue;
        }
        if let Some(rest) = line.strip_prefix("| ") {
            if let Some((id, tail)) = rest.split_once(" | ") {
                if looks_like_id(id) {
                    let body = tail.strip_suffix(" |").unwrap_or(tail).trim();
                    rows.push((id.to_string(), section.clone(), body.to_string()));
                    continue;
                }
            }
        }
        if let Some((id, body)) = line.strip_prefix("**").and_then(|l| l.split_once(".** ")) {
            if looks_like_id(id) {
                rows.push((id.to_string(), section.clone(), body.trim().to_string()));
                in_paragraph = true;
                continue;
            }
        }
        if line.trim().is_empty() {
            in_paragraph = false;
        } else if in_paragraph {
            if let Some(last) = rows.last_mut() {
                last.2.push(' ');
                last.2.push_str(line.trim());
            }
        }
    }
    rows
}

#[test]
fn catalogue_matches_rules_md() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec/RULES.md");
    // The shared spec sits beside the checkout (as CI lays it out); without it there is nothing
    // to check against, and that is a failure, not a pass.
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: the catalogue is checked against RULES.md in ../shared/spec beside the checkout",
            path.display()
        )
    });
    let theirs = rules_md(&text);
    let ours: Vec<(String, String, String)> = kehu_core::rules::CATALOGUE
        .iter()
        .map(|r| (r.id.to_string(), r.section.to_string(), r.text.to_string()))
        .collect();
    let ids = |v: &[(String, String, String)]| v.iter().map(|r| r.0.clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&ours),
        ids(&theirs),
        "rule IDs differ from RULES.md: run scripts/catalogue.py"
    );
    for (a, b) in ours.iter().zip(&theirs) {
        assert_eq!(
            a, b,
            "{} differs from RULES.md: run scripts/catalogue.py",
            a.0
        );
    }
}

#[test]
fn summaries_are_whole_sentences() {
    use kehu_core::rules::lookup;
    let handback = lookup("SR-HANDBACK").map(|r| r.summary());
    assert_eq!(
        handback,
        Some(
            "A knows B served the customer and B is present: B receives; deal 100 % B (§(五)3(1))."
        )
    );
    let time = lookup("G-TIME").map(|r| r.summary());
    assert_eq!(time, Some("All rule times are local time Asia/Shanghai."));
    for r in kehu_core::rules::CATALOGUE {
        let s = r.summary();
        assert!(!s.is_empty() && r.text.starts_with(s), "{}", r.id);
        assert!(!s.ends_with(':'), "{}: {s}", r.id);
    }
}
