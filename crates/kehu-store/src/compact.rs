//! The JSON of a ledger entry as it is sealed: compact, and without the object members whose
//! value is null.
//!
//! An entry is an act and its verdict, and most of their optional fields are empty: a plain
//! registration carried a dozen `"field":null` members, a quarter of its bytes. Every Option field
//! of the core's types reads a missing member as None, so dropping them changes nothing that is
//! read back; entries written before keep their nulls and read the same. Only the sealed form
//! changes: the API and the pages serialize what they decode with serde's defaults, nulls
//! included. Empty arrays stay (a missing list is an error to the core's types).
//!
//! The formatter cannot tell a struct from a map: a map's entry whose value is null is dropped
//! too, and would not read back. No type of an entry has such a map (the maps are in the
//! projects' state, which is stored as plain JSON); a test reads back every entry the scenario
//! suite writes and compares it with what was decided.

use serde_json::ser::{CharEscape, CompactFormatter, Formatter};
use std::io::{self, Write};

/// `value` as compact JSON without null object members.
pub(crate) fn to_vec<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(512);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, SkipNulls::default());
    value.serialize(&mut ser)?;
    Ok(out)
}

/// serde_json's compact formatter, holding each object key back until its value begins, and
/// dropping the key when the value is null.
#[derive(Default)]
struct SkipNulls {
    /// For each open object, whether a member of it has been written (so the next needs a comma).
    written: Vec<bool>,
    /// The object key being written, or written and waiting for its value.
    key: Vec<u8>,
    state: State,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum State {
    #[default]
    Plain,
    /// Between the start and the end of an object key: output goes to `key`.
    InKey,
    /// A key is in `key` and its value has not begun.
    KeyHeld,
}

impl SkipNulls {
    /// Before a value that is not null: the key held back, if any, is written first.
    fn value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.state == State::KeyHeld {
            self.state = State::Plain;
            if let Some(written) = self.written.last_mut() {
                if *written {
                    w.write_all(b",")?;
                }
                *written = true;
            }
            w.write_all(&self.key)?;
            w.write_all(b":")?;
        }
        Ok(())
    }
}

/// Scalar values: into the key while one is being written (a map's number keys are written as
/// strings through these), else after the held key.
macro_rules! scalar {
    ($($name:ident($t:ty)),* $(,)?) => {$(
        fn $name<W: ?Sized + Write>(&mut self, w: &mut W, v: $t) -> io::Result<()> {
            if self.state == State::InKey {
                return CompactFormatter.$name(&mut self.key, v);
            }
            self.value(w)?;
            CompactFormatter.$name(w, v)
        }
    )*};
}

impl Formatter for SkipNulls {
    scalar!(
        write_bool(bool),
        write_i8(i8),
        write_i16(i16),
        write_i32(i32),
        write_i64(i64),
        write_i128(i128),
        write_u8(u8),
        write_u16(u16),
        write_u32(u32),
        write_u64(u64),
        write_u128(u128),
        write_f32(f32),
        write_f64(f64),
        write_number_str(&str),
        write_raw_fragment(&str),
    );

    fn write_null<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        match self.state {
            State::InKey => CompactFormatter.write_null(&mut self.key),
            // The member is dropped, key and all.
            State::KeyHeld => {
                self.state = State::Plain;
                Ok(())
            }
            State::Plain => CompactFormatter.write_null(w),
        }
    }

    fn begin_string<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.state == State::InKey {
            return CompactFormatter.begin_string(&mut self.key);
        }
        self.value(w)?;
        CompactFormatter.begin_string(w)
    }

    fn end_string<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        match self.state {
            State::InKey => CompactFormatter.end_string(&mut self.key),
            _ => CompactFormatter.end_string(w),
        }
    }

    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, s: &str) -> io::Result<()> {
        match self.state {
            State::InKey => CompactFormatter.write_string_fragment(&mut self.key, s),
            _ => CompactFormatter.write_string_fragment(w, s),
        }
    }

    fn write_char_escape<W: ?Sized + Write>(&mut self, w: &mut W, c: CharEscape) -> io::Result<()> {
        match self.state {
            State::InKey => CompactFormatter.write_char_escape(&mut self.key, c),
            _ => CompactFormatter.write_char_escape(w, c),
        }
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.value(w)?;
        CompactFormatter.begin_array(w)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.value(w)?;
        self.written.push(false);
        CompactFormatter.begin_object(w)
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.written.pop();
        CompactFormatter.end_object(w)
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, _w: &mut W, _first: bool) -> io::Result<()> {
        self.key.clear();
        self.state = State::InKey;
        Ok(())
    }

    fn end_object_key<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.state = State::KeyHeld;
        Ok(())
    }

    /// The colon is written with the key, once the value is known not to be null.
    fn begin_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::to_vec;
    use proptest::prelude::*;
    use serde_json::{json, Map, Value};

    /// What the formatter should write: `v` without its null object members, at any depth.
    fn without_nulls(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), without_nulls(v)))
                    .collect::<Map<String, Value>>(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
            other => other.clone(),
        }
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            (-1e9f64..1e9).prop_map(|f| json!(f)),
            "[a-z\"\\\\\u{0}-\u{1f}王女士]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-z\"\\\\\u{1}王]{0,4}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Whatever the shape, the output is byte for byte serde_json's compact JSON of the
        /// value without its null members (nulls in arrays, and at the top, stay), and parses.
        #[test]
        fn drops_exactly_the_null_members(v in json_value()) {
            let bytes = to_vec(&v).unwrap();
            prop_assert_eq!(&bytes, &serde_json::to_vec(&without_nulls(&v)).unwrap());
            prop_assert!(serde_json::from_slice::<Value>(&bytes).is_ok());
        }
    }

    #[test]
    fn a_struct_reads_back_the_same() {
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        struct Inner {
            a: Option<u32>,
            b: Vec<Option<String>>,
        }
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        enum Outer {
            One {
                first: Option<Inner>,
                second: Option<String>,
                map: std::collections::BTreeMap<String, i64>,
                last: Option<bool>,
            },
        }
        let v = Outer::One {
            first: Some(Inner {
                a: None,
                b: vec![None, Some("x".into())],
            }),
            second: None,
            map: [("2".to_string(), -3)].into_iter().collect(),
            last: None,
        };
        let bytes = to_vec(&v).unwrap();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"{"kind":"one","first":{"b":[null,"x"]},"map":{"2":-3}}"#
        );
        assert_eq!(serde_json::from_slice::<Outer>(&bytes).unwrap(), v);
    }
}
