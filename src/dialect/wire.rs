//! [`Wire`]: a request as the dialects see it (no hyper types), and the readings of it that
//! more than one dialect makes — a header's text, the media type, a credential's scheme, a
//! path parameter.

use http::header::{AsHeaderName, CONTENT_TYPE};

/// A request as the dialects see it (no hyper types).
pub struct Wire<'a> {
    /// HTTP method.
    pub method: &'a http::Method,
    /// Path without the query.
    pub path: &'a str,
    /// Raw query string, if any.
    pub query: Option<&'a str>,
    /// Request headers.
    pub headers: &'a http::HeaderMap,
}

/// A header whose value holds bytes beyond visible ASCII, so it is no text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotText;

impl<'a> Wire<'a> {
    /// A header's value as text, as sent; `None` when absent.
    pub fn header(&self, name: impl AsHeaderName) -> Result<Option<&'a str>, NotText> {
        self.headers
            .get(name)
            .map(|v| v.to_str().map_err(|_| NotText))
            .transpose()
    }

    /// `Content-Type` without its parameters, lower-cased (`application/json`); `None` when
    /// absent or not text.
    pub fn media_type(&self) -> Option<String> {
        self.header(CONTENT_TYPE).ok().flatten().map(media_type)
    }
}

/// A `Content-Type` value without its parameters (`; charset=utf-8`), lower-cased.
pub fn media_type(content_type: &str) -> String {
    let essence = content_type.split(';').next().unwrap_or_default();
    essence.trim().to_ascii_lowercase()
}

/// Whether a media type says JSON: `application/json` or any `+json` type.
pub fn is_json(media_type: &str) -> bool {
    media_type == "application/json" || media_type.ends_with("+json")
}

/// The token of a credential header `<scheme> <token>` whose scheme is one of `schemes` (case
/// ignored); `None` for another scheme, or a value that has none.
pub fn scheme_token<'v>(value: &'v str, schemes: &[&str]) -> Option<&'v str> {
    let (scheme, token) = value.trim().split_once(char::is_whitespace)?;
    let known = schemes.iter().any(|s| scheme.eq_ignore_ascii_case(s));
    known.then(|| token.trim())
}

/// The value of the path parameter `name` (`<uid>`, `<pk>`), if the route has it.
pub fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_media_type_drops_its_parameters_and_case() {
        assert_eq!(
            media_type(" Application/JSON ;charset=UTF-8"),
            "application/json"
        );
        assert!(is_json("application/vnd.api+json"));
        assert!(!is_json("application/jsonp"));
    }

    #[test]
    fn a_credential_scheme_is_matched_without_case_and_its_token_trimmed() {
        assert_eq!(
            scheme_token(" bearer  abc ", &["jwt", "bearer"]),
            Some("abc")
        );
        assert_eq!(scheme_token("Token abc", &["bearer"]), None);
        assert_eq!(scheme_token("abc", &["bearer"]), None);
    }
}
