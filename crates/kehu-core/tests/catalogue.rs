//! The rule catalogue matches RULES.md, when the shared spec is beside the checkout.

use std::path::Path;

#[test]
fn catalogue_matches_rules_md() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec/RULES.md");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("{} not present; nothing to compare", path.display());
        return;
    };
    let mut ids = Vec::new();
    for line in text.lines() {
        let cell = line
            .strip_prefix("| ")
            .and_then(|l| l.split(" |").next())
            .or_else(|| line.strip_prefix("**").and_then(|l| l.split(".**").next()));
        if let Some(id) = cell.map(str::trim) {
            let looks = id.contains('-')
                && id
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
            if looks {
                ids.push(id.to_string());
            }
        }
    }
    let ours: Vec<String> = kehu_core::rules::CATALOGUE
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    assert_eq!(ours, ids);
}
