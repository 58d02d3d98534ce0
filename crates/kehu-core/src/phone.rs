//! Phone numbers (G-PHONE) and their matching (G-MATCH).
//!
//! A [`Phone`] is parsed once at the edge into a value that cannot be invalid: eleven positions,
//! each a known digit or hidden, with the mask form it was given in.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How a masked phone hides its digits (G-PHONE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MaskForm {
    /// 前三后四: `138****8000`.
    #[serde(rename = "3+4")]
    P3S4,
    /// 前4位及后5位: `1380**38000`.
    #[serde(rename = "4+5")]
    P4S5,
    /// 隐藏后4位: `1380013****`.
    #[serde(rename = "7+0")]
    P7,
}

impl MaskForm {
    pub const ALL: [MaskForm; 3] = [MaskForm::P3S4, MaskForm::P4S5, MaskForm::P7];

    /// The form's name as written in policies: `3+4`, `4+5`, `7+0`.
    pub fn name(self) -> &'static str {
        match self {
            MaskForm::P3S4 => "3+4",
            MaskForm::P4S5 => "4+5",
            MaskForm::P7 => "7+0",
        }
    }

    /// An example in the form, for error messages.
    pub fn example(self) -> &'static str {
        match self {
            MaskForm::P3S4 => "138****8000",
            MaskForm::P4S5 => "1380**38000",
            MaskForm::P7 => "1380013****",
        }
    }

    /// The Chinese name of the form.
    pub fn zh(self) -> &'static str {
        match self {
            MaskForm::P3S4 => "前三后四",
            MaskForm::P4S5 => "前四后五",
            MaskForm::P7 => "隐藏后四位",
        }
    }

    pub fn parse(s: &str) -> Option<MaskForm> {
        MaskForm::ALL.into_iter().find(|f| f.name() == s)
    }

    fn known(self, pos: usize) -> bool {
        match self {
            MaskForm::P3S4 => !(3..7).contains(&pos),
            MaskForm::P4S5 => !(4..6).contains(&pos),
            MaskForm::P7 => pos < 7,
        }
    }
}

impl fmt::Display for MaskForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a text is not a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("phone is empty")]
    Empty,
    #[error("phone contains {0:?}, which is neither a digit nor a mask character (* x X ＊)")]
    BadChar(char),
    #[error("phone has {0} digits (hidden ones included); a mobile number has 11")]
    Length(usize),
    #[error("a Chinese mobile number starts with 1")]
    NotMobile,
    #[error("the hidden digits are not in an accepted mask form")]
    MaskShape,
}

const HIDDEN: u8 = 10;

/// A normalised Chinese mobile number, full or masked.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone {
    digits: [u8; 11],
    form: Option<MaskForm>,
}

impl Phone {
    /// Parses and normalises a phone (G-PHONE): spaces, dashes and a `+86`/`0086`/`86` prefix are
    /// removed, full-width digits become ASCII, `*` `x` `X` `＊` hide a digit.
    pub fn parse(text: &str) -> Result<Phone, PhoneError> {
        let mut chars: Vec<char> = Vec::with_capacity(16);
        for c in text.chars() {
            let c = match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                '＊' | 'x' | 'X' | '×' => '*',
                '＋' => '+',
                c => c,
            };
            match c {
                ' ' | '\u{3000}' | '\t' | '-' | '－' | '—' | '(' | ')' | '（' | '）' => {}
                '0'..='9' | '*' | '+' => chars.push(c),
                c => return Err(PhoneError::BadChar(c)),
            }
        }
        if chars.is_empty() {
            return Err(PhoneError::Empty);
        }
        let s: String = chars.into_iter().collect();
        let body = if let Some(rest) = s.strip_prefix('+') {
            rest.strip_prefix("86").ok_or(PhoneError::BadChar('+'))?
        } else if s.len() == 15 && s.starts_with("0086") {
            &s[4..]
        } else if s.len() == 13 && s.starts_with("86") {
            &s[2..]
        } else {
            &s
        };
        if body.contains('+') {
            return Err(PhoneError::BadChar('+'));
        }
        if body.len() != 11 {
            return Err(PhoneError::Length(body.chars().count()));
        }
        let mut digits = [HIDDEN; 11];
        for (i, b) in body.bytes().enumerate() {
            digits[i] = if b == b'*' { HIDDEN } else { b - b'0' };
        }
        if digits[0] != 1 {
            return Err(if digits[0] == HIDDEN {
                PhoneError::MaskShape
            } else {
                PhoneError::NotMobile
            });
        }
        let hidden: Vec<bool> = digits.iter().map(|&d| d == HIDDEN).collect();
        let form = if hidden.iter().any(|&h| h) {
            let f = MaskForm::ALL
                .into_iter()
                .find(|f| (0..11).all(|p| f.known(p) != hidden[p]))
                .ok_or(PhoneError::MaskShape)?;
            Some(f)
        } else {
            None
        };
        Ok(Phone { digits, form })
    }

    /// `None` for a full number, else its mask form.
    pub fn form(&self) -> Option<MaskForm> {
        self.form
    }

    pub fn is_full(&self) -> bool {
        self.form.is_none()
    }

    /// G-MATCH: every position known in both is equal.
    pub fn matches(&self, other: &Phone) -> bool {
        self.digits
            .iter()
            .zip(other.digits.iter())
            .all(|(&a, &b)| a == HIDDEN || b == HIDDEN || a == b)
    }

    /// The canonical text: digits with `*` for hidden ones.
    pub fn canonical(&self) -> String {
        self.digits
            .iter()
            .map(|&d| {
                if d == HIDDEN {
                    '*'
                } else {
                    char::from(b'0' + d)
                }
            })
            .collect()
    }

    /// The `3+4` masked display (SEC-MASK), whatever the form: positions not known stay hidden.
    pub fn masked_display(&self) -> String {
        self.digits
            .iter()
            .enumerate()
            .map(|(i, &d)| {
                if d == HIDDEN || (3..7).contains(&i) {
                    '*'
                } else {
                    char::from(b'0' + d)
                }
            })
            .collect()
    }

    fn part(&self, range: std::ops::Range<usize>) -> String {
        self.digits[range]
            .iter()
            .map(|&d| char::from(b'0' + d))
            .collect()
    }

    /// Keys under which a stored record of this phone is indexed (see [`Phone::probe_keys`]).
    /// Every pair of matching phones shares at least one key of the record's `index_keys` with the
    /// probe's `probe_keys`, so a collision check is a bounded set of index probes.
    ///
    /// Full numbers and masked forms are indexed in separate namespaces (`f…` and `m…`/`d…`/`e…`):
    /// a full number never needs the records of *other* full numbers that share a prefix and a
    /// suffix, so its probes find only its own number and the masked records it may match, and
    /// their cost stays flat however many customers there are.
    pub fn index_keys(&self) -> Vec<String> {
        let p3s4 = |ns: &str| format!("{ns}:{}{}", self.part(0..3), self.part(7..11));
        match self.form {
            None => vec![
                format!("f:{}", self.part(0..11)),
                p3s4("fa"),
                format!("fc:{}", self.part(0..7)),
            ],
            Some(MaskForm::P3S4) => vec![p3s4("ma"), format!("d34:{}", self.part(0..3))],
            Some(MaskForm::P4S5) => vec![p3s4("ma"), format!("e45:{}", self.part(0..4))],
            Some(MaskForm::P7) => vec![
                format!("mc:{}", self.part(0..7)),
                format!("d7:{}", self.part(0..3)),
                format!("e7:{}", self.part(0..4)),
            ],
        }
    }

    /// Keys to look up to find every stored record whose phone may match this one.
    pub fn probe_keys(&self) -> Vec<String> {
        let p3s4 = |ns: &str| format!("{ns}:{}{}", self.part(0..3), self.part(7..11));
        match self.form {
            None => vec![
                format!("f:{}", self.part(0..11)),
                p3s4("ma"),
                format!("mc:{}", self.part(0..7)),
            ],
            Some(MaskForm::P3S4) => vec![p3s4("fa"), p3s4("ma"), format!("d7:{}", self.part(0..3))],
            Some(MaskForm::P4S5) => vec![p3s4("fa"), p3s4("ma"), format!("e7:{}", self.part(0..4))],
            Some(MaskForm::P7) => vec![
                format!("fc:{}", self.part(0..7)),
                format!("mc:{}", self.part(0..7)),
                format!("d34:{}", self.part(0..3)),
                format!("e45:{}", self.part(0..4)),
            ],
        }
    }

    /// Merges what two matching phones know: the result knows every position either knows (its
    /// `form` stays the first one's while anything is hidden; it only describes how it was given).
    /// Returns `None` when the phones do not match.
    pub fn merge(&self, other: &Phone) -> Option<Phone> {
        if !self.matches(other) {
            return None;
        }
        let mut digits = self.digits;
        for (d, &o) in digits.iter_mut().zip(other.digits.iter()) {
            if *d == HIDDEN {
                *d = o;
            }
        }
        let form = if digits.contains(&HIDDEN) {
            self.form.or(other.form)
        } else {
            None
        };
        Some(Phone { digits, form })
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.canonical())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

impl Serialize for Phone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.canonical())
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Phone::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The error text for a phone a rulebook does not accept, naming the accepted forms.
pub fn accepted_forms_message(forms: &[MaskForm]) -> String {
    let mut parts = vec!["完整11位手机号 (full 11-digit mobile, e.g. 13800138000)".to_string()];
    for f in forms {
        parts.push(format!("{} {} (e.g. {})", f.zh(), f.name(), f.example()));
    }
    format!("accepted phone forms: {}", parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_forms() {
        assert_eq!(
            Phone::parse("138****8000").unwrap().form(),
            Some(MaskForm::P3S4)
        );
        assert_eq!(
            Phone::parse("1380**38000").unwrap().form(),
            Some(MaskForm::P4S5)
        );
        assert_eq!(
            Phone::parse("1380013xxxx").unwrap().form(),
            Some(MaskForm::P7)
        );
        assert_eq!(
            Phone::parse("138＊＊＊＊8000").unwrap().form(),
            Some(MaskForm::P3S4)
        );
        assert!(Phone::parse("13800138000").unwrap().is_full());
    }

    #[test]
    fn normalises() {
        let a = Phone::parse("13800138000").unwrap();
        for s in [
            "+86 138-0013-8000",
            "0086 13800138000",
            "8613800138000",
            "１３８００１３８０００",
            "+86 (138) 0013 8000",
        ] {
            assert_eq!(Phone::parse(s).unwrap(), a, "{s}");
        }
    }

    #[test]
    fn rejects() {
        assert_eq!(Phone::parse(""), Err(PhoneError::Empty));
        assert_eq!(Phone::parse("1380013800"), Err(PhoneError::Length(10)));
        assert_eq!(Phone::parse("23800138000"), Err(PhoneError::NotMobile));
        assert_eq!(Phone::parse("13*00138000"), Err(PhoneError::MaskShape));
        assert_eq!(Phone::parse("1380a138000"), Err(PhoneError::BadChar('a')));
        assert_eq!(Phone::parse("138***8000*"), Err(PhoneError::MaskShape));
    }

    #[test]
    fn merging_keeps_everything_known() {
        let a = Phone::parse("1391000****").unwrap();
        let b = Phone::parse("139****0001").unwrap();
        let m = a.merge(&b).unwrap();
        assert!(m.is_full());
        assert_eq!(m.canonical(), "13910000001");
        let full = Phone::parse("13910000000").unwrap();
        assert_eq!(full.merge(&a), Some(full));
        assert!(full.merge(&b).is_none());
        assert!(!full
            .merge(&a)
            .unwrap()
            .matches(&Phone::parse("1391**00001").unwrap()));
    }

    #[test]
    fn matching_examples() {
        let full = Phone::parse("13800138000").unwrap();
        for m in ["138****8000", "1380**38000", "1380013****"] {
            assert!(Phone::parse(m).unwrap().matches(&full));
        }
        assert!(!Phone::parse("138****8001").unwrap().matches(&full));
        // masked vs masked: consistent where both know
        let a = Phone::parse("138****8000").unwrap();
        let b = Phone::parse("1380013****").unwrap();
        assert!(a.matches(&b));
    }

    fn full_phone() -> impl Strategy<Value = String> {
        "1[3-9][0-9]{9}"
    }

    fn mask(full: &str, form: MaskForm) -> String {
        full.chars()
            .enumerate()
            .map(|(i, c)| if form.known(i) { c } else { '*' })
            .collect()
    }

    fn shares_key(a: &Phone, b: &Phone) -> bool {
        let ks = a.index_keys();
        b.probe_keys().iter().any(|k| ks.contains(k))
    }

    proptest! {
        /// A full number's probes never load another full number's record: the collision check
        /// of a full number costs the same at 100 thousand customers as at 10 million.
        #[test]
        fn different_full_numbers_share_no_key(a in full_phone(), b in full_phone()) {
            prop_assume!(a != b);
            let (a, b) = (Phone::parse(&a).unwrap(), Phone::parse(&b).unwrap());
            prop_assert!(!shares_key(&a, &b));
        }

        #[test]
        fn normalisation_is_idempotent(s in full_phone(), f in 0usize..4) {
            let text = if f == 3 { s.clone() } else { mask(&s, MaskForm::ALL[f]) };
            let p = Phone::parse(&text).unwrap();
            prop_assert_eq!(Phone::parse(&p.canonical()).unwrap(), p);
        }

        #[test]
        fn matching_is_symmetric(a in full_phone(), b in full_phone(), fa in 0usize..4, fb in 0usize..4) {
            let pa = Phone::parse(&if fa == 3 { a.clone() } else { mask(&a, MaskForm::ALL[fa]) }).unwrap();
            let pb = Phone::parse(&if fb == 3 { b.clone() } else { mask(&b, MaskForm::ALL[fb]) }).unwrap();
            prop_assert_eq!(pa.matches(&pb), pb.matches(&pa));
        }

        #[test]
        fn masked_form_matches_its_number(a in full_phone(), f in 0usize..3) {
            let full = Phone::parse(&a).unwrap();
            let m = Phone::parse(&mask(&a, MaskForm::ALL[f])).unwrap();
            prop_assert!(m.matches(&full));
            prop_assert!(shares_key(&m, &full) && shares_key(&full, &m));
        }

        #[test]
        fn full_never_matches_other_full(a in full_phone(), b in full_phone()) {
            prop_assume!(a != b);
            prop_assert!(!Phone::parse(&a).unwrap().matches(&Phone::parse(&b).unwrap()));
        }

        #[test]
        fn index_finds_every_match(a in full_phone(), b in full_phone(), fa in 0usize..4, fb in 0usize..4, tail in 0usize..11) {
            // b shares a random prefix with a so that matches are frequent
            let b: String = a.chars().take(tail).chain(b.chars().skip(tail)).collect();
            let pa = Phone::parse(&if fa == 3 { a.clone() } else { mask(&a, MaskForm::ALL[fa]) }).unwrap();
            let pb = Phone::parse(&if fb == 3 { b.clone() } else { mask(&b, MaskForm::ALL[fb]) }).unwrap();
            if pa.matches(&pb) {
                prop_assert!(shares_key(&pa, &pb), "{} vs {}", pa, pb);
            }
        }
    }
}
