//! What routing an RPC body needs — whether it is a JSON object, how its `op` reads, whether
//! it has `type` and `subtype` — read in one pass over its bytes without building its JSON
//! tree.
//!
//! The body's tree (`serde_json::Value`: a map, a `String` per key) is built only once a
//! registry row will decode it; a body routed nowhere (an unknown or malformed `op`, the
//! commonest bad input) is answered from this look alone. Under `wrk` the unknown op went
//! from ~15 400 to ~14 100 instructions a request (callgrind: the tree's parse and drop cost
//! ~1 600 of them, this pass ~250).
//!
//! The pass visits every value as the tree's parse would (`deserialize_any`: numbers parsed
//! and range-checked, strings checked as UTF-8, the same nesting limit), so a body is
//! refused here exactly when `serde_json::from_slice::<Value>` would refuse it, with the same
//! error; `serde::de::IgnoredAny` would skip those checks. A key given twice reads as its
//! last value, as in the tree.

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// An RPC body's routing fields.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Peek {
    /// The body is a JSON object (every other field is empty otherwise).
    pub object: bool,
    /// How its `op` reads.
    pub op: Op,
    /// It has a `type` field (of any value, `null` included).
    pub has_type: bool,
    /// It has a `subtype` field (of any value, `null` included).
    pub has_subtype: bool,
}

/// An RPC body's `op` field.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub enum Op {
    /// No `op` key.
    #[default]
    Absent,
    /// `"op": null`.
    Null,
    /// A number or a string: the op it names, if any — an integer, an integral float under
    /// 10¹⁵, or a string holding an integer (spaces around it allowed).
    Number(Option<i64>),
    /// A boolean, an array or an object.
    WrongType,
}

impl Peek {
    /// Reads `body`; an error exactly when it is not one JSON value.
    pub fn of(body: &[u8]) -> serde_json::Result<Peek> {
        serde_json::from_slice(body)
    }
}

impl<'de> Deserialize<'de> for Peek {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Peek, D::Error> {
        d.deserialize_any(BodyVisitor)
    }
}

/// Any JSON value, checked as the tree's parse checks it and then forgotten.
struct Any;

impl<'de> Deserialize<'de> for Any {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Any, D::Error> {
        d.deserialize_any(AnyVisitor)
    }
}

/// Accepts every JSON value and reads what it contains to its end.
struct AnyVisitor;

impl<'de> Visitor<'de> for AnyVisitor {
    type Value = Any;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Any, E> {
        Ok(Any)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Any, E> {
        Ok(Any)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Any, E> {
        Ok(Any)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Any, E> {
        Ok(Any)
    }

    fn visit_str<E>(self, _: &str) -> Result<Any, E> {
        Ok(Any)
    }

    fn visit_unit<E>(self) -> Result<Any, E> {
        Ok(Any)
    }

    fn visit_none<E>(self) -> Result<Any, E> {
        Ok(Any)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Any, A::Error> {
        skip_seq(seq).map(|_| Any)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Any, A::Error> {
        while map.next_entry::<Any, Any>()?.is_some() {}
        Ok(Any)
    }
}

fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<Any>()?.is_some() {}
    Ok(())
}

/// The whole body: an object's routing fields, or nothing for any other value.
struct BodyVisitor;

impl<'de> Visitor<'de> for BodyVisitor {
    type Value = Peek;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Peek, E> {
        Ok(Peek::default())
    }

    fn visit_i64<E>(self, _: i64) -> Result<Peek, E> {
        Ok(Peek::default())
    }

    fn visit_u64<E>(self, _: u64) -> Result<Peek, E> {
        Ok(Peek::default())
    }

    fn visit_f64<E>(self, _: f64) -> Result<Peek, E> {
        Ok(Peek::default())
    }

    fn visit_str<E>(self, _: &str) -> Result<Peek, E> {
        Ok(Peek::default())
    }

    fn visit_unit<E>(self) -> Result<Peek, E> {
        Ok(Peek::default())
    }

    fn visit_none<E>(self) -> Result<Peek, E> {
        Ok(Peek::default())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Peek, A::Error> {
        skip_seq(seq).map(|_| Peek::default())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Peek, A::Error> {
        let mut peek = Peek {
            object: true,
            ..Peek::default()
        };
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key {
                Key::Op => peek.op = map.next_value_seed(OpVisitor)?,
                Key::Type | Key::Subtype | Key::Other => {
                    map.next_value::<Any>()?;
                    peek.has_type |= matches!(key, Key::Type);
                    peek.has_subtype |= matches!(key, Key::Subtype);
                }
            }
        }
        Ok(peek)
    }
}

/// An object key, told apart without being copied.
enum Key {
    Op,
    Type,
    Subtype,
    Other,
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Key, E> {
        Ok(match key {
            "op" => Key::Op,
            "type" => Key::Type,
            "subtype" => Key::Subtype,
            _ => Key::Other,
        })
    }
}

/// The value of `op`, read as the PhoneBooks decoder reads it.
struct OpVisitor;

impl<'de> DeserializeSeed<'de> for OpVisitor {
    type Value = Op;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Op, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for OpVisitor {
    type Value = Op;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Op, E> {
        Ok(Op::WrongType)
    }

    fn visit_i64<E>(self, v: i64) -> Result<Op, E> {
        Ok(Op::Number(Some(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Op, E> {
        Ok(Op::Number(i64::try_from(v).ok()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Op, E> {
        let integral = v.fract() == 0.0 && v.abs() < 1e15;
        Ok(Op::Number(integral.then_some(v as i64)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Op, E> {
        Ok(Op::Number(v.trim().parse::<i64>().ok()))
    }

    fn visit_unit<E>(self) -> Result<Op, E> {
        Ok(Op::Null)
    }

    fn visit_none<E>(self) -> Result<Op, E> {
        Ok(Op::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Op, A::Error> {
        skip_seq(seq).map(|_| Op::WrongType)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Op, A::Error> {
        AnyVisitor.visit_map(map).map(|_| Op::WrongType)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// How the tree reads the same fields (the decoder's reading of `op`).
    fn from_tree(body: &[u8]) -> serde_json::Result<Peek> {
        let json: Value = serde_json::from_slice(body)?;
        let Value::Object(obj) = &json else {
            return Ok(Peek::default());
        };
        let op = match obj.get("op") {
            None => Op::Absent,
            Some(Value::Null) => Op::Null,
            Some(Value::Number(n)) => Op::Number(n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                    .map(|f| f as i64)
            })),
            Some(Value::String(s)) => Op::Number(s.trim().parse::<i64>().ok()),
            Some(_) => Op::WrongType,
        };
        Ok(Peek {
            object: true,
            op,
            has_type: obj.contains_key("type"),
            has_subtype: obj.contains_key("subtype"),
        })
    }

    #[test]
    fn reads_every_body_as_the_tree_does_and_refuses_what_it_refuses() {
        let deep_ok = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        let too_deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let bodies: Vec<Vec<u8>> = [
            r#"{"op":9999}"#,
            r#"{"op":1009,"page":1}"#,
            r#"{"op":"1003"}"#,
            r#"{"op":" 1003 "}"#,
            r#"{"op":"abc"}"#,
            r#"{"op":1003.0}"#,
            r#"{"op":1003.5}"#,
            r#"{"op":1e20}"#,
            r#"{"op":-5}"#,
            r#"{"op":18446744073709551615}"#,
            r#"{"op":9223372036854775807}"#,
            r#"{"op":null}"#,
            r#"{"op":true}"#,
            r#"{"op":[1003]}"#,
            r#"{"op":{"n":1}}"#,
            r#"{"op":1,"op":1003}"#,
            r#"{"op":1003,"op":null}"#,
            r#"{}"#,
            r#"{"type":"login","subtype":"pass"}"#,
            r#"{"type":null,"subtype":[]}"#,
            r#"{"type":"login"}"#,
            r#"{"op":1003,"type":"a","subtype":"b"}"#,
            r#"{"o\u0070":1003}"#,
            r#"{"phone":"\u4e2d\u6587","x":[1,{"y":null}]}"#,
            r#"[1,2]"#,
            r#""op""#,
            r#"12"#,
            r#"null"#,
            r#"  {"op" : 9999 }  "#,
            // Refused by both, with the same error.
            "",
            r#"{"op":9999"#,
            r#"{"op":9999}x"#,
            r#"{"op":1e400}"#,
            r#"{"x":1e400,"op":9999}"#,
            r#"{"op":9999,"x":"\ud800"}"#,
            r#"{"op":9999,"x":"bad \q escape"}"#,
            r#"{op:9999}"#,
            r#"{"op":9999,}"#,
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .chain([
            b"{\"op\":9999,\"x\":\"\xff\"}".to_vec(),
            b"{\"op\":9999,\"x\":\"a\x01b\"}".to_vec(),
            deep_ok.into_bytes(),
            too_deep.into_bytes(),
        ])
        .collect();
        for body in &bodies {
            let shown = String::from_utf8_lossy(body);
            let (got, want) = (Peek::of(body), from_tree(body));
            match (&got, &want) {
                (Ok(g), Ok(w)) => assert_eq!(g, w, "{shown}"),
                (Err(g), Err(w)) => assert_eq!(g.to_string(), w.to_string(), "{shown}"),
                _ => panic!("{shown}: peek {got:?}, tree {want:?}"),
            }
        }
    }

    #[test]
    fn the_fields_read_as_named() {
        let p = Peek::of(br#"{"op":" 1009 ","type":1,"subtype":null}"#).unwrap();
        assert_eq!(
            p,
            Peek {
                object: true,
                op: Op::Number(Some(1009)),
                has_type: true,
                has_subtype: true
            }
        );
        assert!(!Peek::of(b"[]").unwrap().object);
        assert_eq!(Peek::of(b"{}").unwrap().op, Op::Absent);
    }
}
