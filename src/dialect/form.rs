//! Query strings and urlencoded form bodies, read one way for every dialect: pieces split at
//! `&` (empty ones skipped), each split at its first `=` into name and value (no `=`: an
//! empty value), `+` a space and `%XX` a byte. Read [strictly](strict_pairs) (a `%` that
//! does not start two hex digits, or bytes that are not UTF-8 once decoded, refuse the whole
//! text) or [leniently](lenient_pairs) (as browsers and Python's `parse_qsl`: such a `%`
//! stays as it is, bad UTF-8 becomes U+FFFD). Which of a repeated name's values counts is the
//! caller's to say ([`Repeated`]); what a refusal answers is each dialect's own.

use serde_json::{Map, Value};

/// Why strict decoding refused a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// A `%` that does not start two hex digits.
    Escape,
    /// Bytes that are not UTF-8 once decoded.
    NotUtf8,
}

impl Malformed {
    /// What was wrong, for the request's log line; `source` names the text (`"query
    /// string"`, `"form body"`, `"path"`).
    pub fn detail(self, source: &str) -> String {
        match self {
            Malformed::Escape => {
                format!("bad percent-encoding in the {source}: a % must start two hex digits")
            }
            Malformed::NotUtf8 => format!("the {source} is not UTF-8 once decoded"),
        }
    }
}

/// `a=1&b=%E4%B8%AD` → its pairs in order, repeated names kept; refused whole at the first
/// malformed piece.
pub fn strict_pairs(raw: &[u8]) -> Result<Vec<(String, String)>, Malformed> {
    split(raw)
        .map(|(k, v)| Ok((decode(k, true, true)?, decode(v, true, true)?)))
        .collect()
}

/// `a=1&b=%E4%B8%AD` → its pairs in order, repeated names kept; nothing is refused.
pub fn lenient_pairs(raw: &[u8]) -> Vec<(String, String)> {
    let lenient = |s| decode(s, true, false).unwrap_or_default();
    split(raw).map(|(k, v)| (lenient(k), lenient(v))).collect()
}

/// One percent-encoded text read strictly, where `+` is itself (a path segment).
pub fn strict_segment(raw: &[u8]) -> Result<String, Malformed> {
    decode(raw, false, true)
}

/// Which of a repeated name's values an object keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeated {
    /// The first (Flask's `request.values.get`).
    First,
    /// The last (Django's `QueryDict`, a JSON object's duplicate keys).
    Last,
}

/// The pairs as one JSON object of strings.
pub fn object(pairs: Vec<(String, String)>, keep: Repeated) -> Map<String, Value> {
    let mut map = Map::new();
    for (k, v) in pairs {
        match keep {
            Repeated::First => {
                map.entry(k).or_insert(Value::String(v));
            }
            Repeated::Last => {
                map.insert(k, Value::String(v));
            }
        }
    }
    map
}

/// The raw name and value of each non-empty piece.
fn split(raw: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    raw.split(|&b| b == b'&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| match piece.iter().position(|&b| b == b'=') {
            Some(i) => (&piece[..i], &piece[i + 1..]),
            None => (piece, &piece[..0]),
        })
}

/// Percent-decodes `raw` (and `+` as a space when `plus_is_space`). Strictly, a bad `%` or
/// bytes that are not UTF-8 are refused; leniently, the `%` is kept and bad UTF-8 replaced.
fn decode(raw: &[u8], plus_is_space: bool, strict: bool) -> Result<String, Malformed> {
    let hex = |b: Option<&u8>| b.and_then(|&b| (b as char).to_digit(16)).map(|d| d as u8);
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'%' => match (hex(raw.get(i + 1)), hex(raw.get(i + 2))) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ if strict => return Err(Malformed::Escape),
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    if strict {
        String::from_utf8(out).map_err(|_| Malformed::NotUtf8)
    } else {
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn pieces_split_at_the_first_equals_and_empty_pieces_are_skipped() {
        let want = pairs(&[("a", "1"), ("b", "中 x"), ("c", ""), ("", "2"), ("d", "=e")]);
        let raw = b"a=1&&b=%E4%B8%AD+x&c&=2&d==e&";
        assert_eq!(strict_pairs(raw).unwrap(), want);
        assert_eq!(lenient_pairs(raw), want);
    }

    #[test]
    fn strictly_a_bad_escape_or_bad_utf8_refuses_the_whole_text() {
        for (raw, why) in [
            (&b"page=%ZZ"[..], Malformed::Escape),
            (b"page=%4", Malformed::Escape),
            (b"page=%", Malformed::Escape),
            (b"page=%+1", Malformed::Escape),
            (b"%G1=1", Malformed::Escape),
            (b"page=%E4", Malformed::NotUtf8),
            (b"page=%C3%28", Malformed::NotUtf8),
        ] {
            assert_eq!(strict_pairs(raw), Err(why), "{raw:?}");
        }
    }

    #[test]
    fn leniently_a_bad_escape_stays_and_bad_utf8_is_replaced_as_form_urlencoded_does() {
        for raw in [
            &b"phone=%ZZ%E4&x=%+1%2+"[..],
            b"a=%&b=%4&%G1=1",
            b"k=%C3%28+%2B",
        ] {
            let want: Vec<(String, String)> = form_urlencoded::parse(raw)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            assert_eq!(lenient_pairs(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn a_path_segment_keeps_its_plus() {
        assert_eq!(strict_segment(b"a+b%2B").unwrap(), "a+b+");
        assert_eq!(strict_segment(b"1%"), Err(Malformed::Escape));
    }

    #[test]
    fn the_first_or_the_last_of_a_repeated_name_is_kept() {
        let list = pairs(&[("a", "1"), ("b", "2"), ("a", "3")]);
        let first = object(list.clone(), Repeated::First);
        let last = object(list, Repeated::Last);
        assert_eq!(
            (&first["a"], &first["b"]),
            (&Value::from("1"), &Value::from("2"))
        );
        assert_eq!(last["a"], "3");
        let keys: Vec<&String> = last.keys().collect();
        assert_eq!(keys, ["a", "b"], "a name keeps its first place");
    }
}
