//! Customer names: surnames for matching (G-MATCH) and the gender read from titles.

use serde::{Deserialize, Serialize};

/// Compound surnames (复姓) recognised before falling back to the first character.
const COMPOUND: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "钟离", "端木", "南宫", "西门", "独孤", "百里", "呼延", "澹台", "太史",
    "申屠", "闻人", "赫连", "万俟", "濮阳", "淳于", "单于", "司空", "亓官", "司寇", "仉督", "子车",
    "颛孙", "壤驷", "公良", "漆雕", "乐正", "宰父", "谷梁", "拓跋", "夹谷", "梁丘", "左丘", "东郭",
    "第五", "公羊", "鲜于", "闾丘", "巫马", "羊舌", "微生", "段干", "公西",
];

/// Titles after a surname that say nothing of the given name.
const TITLES: &[(&str, Option<Gender>)] = &[
    ("先生", Some(Gender::Male)),
    ("女士", Some(Gender::Female)),
    ("小姐", Some(Gender::Female)),
    ("太太", Some(Gender::Female)),
    ("阿姨", Some(Gender::Female)),
    ("总", None),
    ("经理", None),
    ("老板", None),
    ("老师", None),
    ("哥", Some(Gender::Male)),
    ("姐", Some(Gender::Female)),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    #[serde(alias = "m", alias = "男")]
    Male,
    #[serde(alias = "f", alias = "女")]
    Female,
}

impl Gender {
    pub fn parse(s: &str) -> Option<Gender> {
        match s {
            "male" | "m" | "男" => Some(Gender::Male),
            "female" | "f" | "女" => Some(Gender::Female),
            _ => None,
        }
    }
}

/// The surname of a name as written (`张先生`, `张三`, `老张`, `欧阳女士` → `张`, `张`, `张`, `欧阳`).
/// `None` for an empty name.
pub fn surname(name: &str) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    if name.is_ascii() {
        // A Latin name: the family name is the last word (a rare case in these offices).
        return name.split_whitespace().last().map(|w| w.to_lowercase());
    }
    let chars: Vec<char> = name.chars().filter(|c| !c.is_whitespace()).collect();
    let mut rest: &[char] = &chars;
    // 老张 / 小王: a familiar prefix before a surname.
    if rest.len() >= 2 && (rest[0] == '老' || rest[0] == '小') && !starts_with_title(&rest[1..]) {
        rest = &rest[1..];
    }
    let text: String = rest.iter().collect();
    for c in COMPOUND {
        if text.starts_with(c) {
            return Some((*c).to_string());
        }
    }
    rest.first().map(|c| c.to_string())
}

fn starts_with_title(rest: &[char]) -> bool {
    let s: String = rest.iter().collect();
    TITLES.iter().any(|(t, _)| s == *t)
}

/// The gender a name's title states (`先生` male; `女士`/`小姐` female), if any.
pub fn gender_from_title(name: &str) -> Option<Gender> {
    let name = name.trim();
    TITLES
        .iter()
        .find(|(t, _)| name.chars().count() > t.chars().count() && name.ends_with(t))
        .and_then(|(_, g)| *g)
}

/// G-MATCH: two names' surnames differ (a missing name never differs).
pub fn surnames_differ(a: Option<&str>, b: Option<&str>) -> bool {
    match (a.and_then(surname), b.and_then(surname)) {
        (Some(x), Some(y)) => x != y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surnames() {
        for (n, s) in [
            ("张先生", "张"),
            ("张女士", "张"),
            ("张小姐", "张"),
            ("张三", "张"),
            ("老张", "张"),
            ("小王", "王"),
            ("欧阳先生", "欧阳"),
            ("欧阳明", "欧阳"),
            ("司马懿", "司马"),
            ("诸葛亮", "诸葛"),
            ("欧先生", "欧"),
            ("王总", "王"),
        ] {
            assert_eq!(surname(n).as_deref(), Some(s), "{n}");
        }
        assert_eq!(surname(""), None);
        assert!(surnames_differ(Some("欧阳先生"), Some("欧先生")));
        assert!(!surnames_differ(Some("欧阳女士"), Some("欧阳明")));
        assert!(!surnames_differ(None, Some("李四")));
    }

    #[test]
    fn genders() {
        assert_eq!(gender_from_title("王先生"), Some(Gender::Male));
        assert_eq!(gender_from_title("王小姐"), Some(Gender::Female));
        assert_eq!(gender_from_title("王五"), None);
        assert_eq!(gender_from_title("先生"), None);
    }
}

/// The index key of a customer's name for search (客户姓名查询): the name as written, without
/// spaces; None for an empty or overlong one. A title-only name (王先生) is a key like any other:
/// searching it finds every 王先生.
pub fn search_key(name: &str) -> Option<String> {
    let n: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    (!n.is_empty() && n.chars().count() <= 40).then(|| format!("n:{n}"))
}

#[cfg(test)]
mod search_tests {
    use super::search_key;

    #[test]
    fn search_keys_ignore_spaces() {
        assert_eq!(search_key(" 王 先生 "), Some("n:王先生".into()));
        assert_eq!(search_key("王　先生"), search_key("王先生"));
        assert_eq!(search_key("  "), None);
    }
}
