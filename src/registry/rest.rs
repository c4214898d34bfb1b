//! REST rows: which HTTP methods a row answers and how its path pattern matches a request
//! path, both decided per dialect ([`MethodRule`], [`Slash`]) rather than per row, so that no
//! row of a dialect can differ from the dialect's rule.

use super::Dialect;
use std::fmt;

/// How a dialect's paths treat a trailing slash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slash {
    /// A path matches with or without a trailing slash, whichever its row writes (rooms
    /// documents `/users/`, v4 `/api/v4.0/login`: each is tolerated the other way too).
    Optional,
    /// A path matches only as its row writes it: a trailing slash added or left off is
    /// another, unknown path.
    Exact,
}

/// Which HTTP methods a dialect's rows answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodRule {
    /// Each row names its one method (`method = "PUT"`).
    AsWritten,
    /// Every row answers GET and POST alike and names no method.
    GetOrPost,
}

impl Dialect {
    /// The dialect's trailing-slash rule: INEWW documents no trailing slash and its paths are
    /// exact; every other dialect tolerates one added or left off.
    pub fn slash(self) -> Slash {
        match self {
            Dialect::Ineww => Slash::Exact,
            _ => Slash::Optional,
        }
    }

    /// The dialect's method rule: every v4.0 endpoint answers GET and POST alike (its
    /// document prefers one or the other, its clients send both); the others as written.
    pub fn method_rule(self) -> MethodRule {
        match self {
            Dialect::V4 => MethodRule::GetOrPost,
            _ => MethodRule::AsWritten,
        }
    }
}

/// The methods of one REST row.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Methods {
    /// Exactly this method, upper case.
    One(String),
    /// GET and POST alike ([`MethodRule::GetOrPost`]).
    GetOrPost,
}

impl Methods {
    /// A row's methods under its dialect's rule, from the `method` it writes (if any).
    pub(super) fn of(dialect: Dialect, written: Option<String>) -> Result<Methods, String> {
        match (dialect.method_rule(), written) {
            (MethodRule::AsWritten, Some(m)) => Ok(Methods::One(m.to_ascii_uppercase())),
            (MethodRule::AsWritten, None) => Err("give `method` with `path`".into()),
            (MethodRule::GetOrPost, None) => Ok(Methods::GetOrPost),
            (MethodRule::GetOrPost, Some(m)) => Err(format!(
                "{} rows name no `method` (here {m:?}): every {} endpoint answers GET and POST",
                dialect.as_str(),
                dialect.as_str()
            )),
        }
    }

    /// Whether a request with `method` is served.
    pub fn allows(&self, method: &str) -> bool {
        match self {
            Methods::One(m) => m.eq_ignore_ascii_case(method),
            Methods::GetOrPost => {
                method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("POST")
            }
        }
    }

    /// Each single method, for refusing a method and path registered twice.
    pub(super) fn each(&self) -> Vec<Methods> {
        match self {
            Methods::One(_) => vec![self.clone()],
            Methods::GetOrPost => vec![Methods::One("GET".into()), Methods::One("POST".into())],
        }
    }
}

impl fmt::Display for Methods {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Methods::One(m) => f.write_str(m),
            Methods::GetOrPost => f.write_str("GET/POST"),
        }
    }
}

/// One segment of a REST path pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    /// Must equal the path's segment.
    Lit(String),
    /// `<name>`: any one non-empty segment, captured as `name`.
    Param(String),
}

/// A REST path pattern split into segments once, at load.
#[derive(Debug, Clone)]
pub(super) struct Pattern {
    /// The segments, without a trailing slash.
    segs: Vec<Seg>,
    /// How many are parameters (fewer means more specific).
    pub(super) params: usize,
    /// Under [`Slash::Exact`], whether a matching path ends in a slash; `None` under
    /// [`Slash::Optional`] (either way).
    slash: Option<bool>,
}

impl Pattern {
    /// Splits `pattern`, keeping what `slash` says about its trailing slash.
    pub(super) fn compile(pattern: &str, slash: Slash) -> Pattern {
        let segs: Vec<Seg> = pattern
            .trim_end_matches('/')
            .split('/')
            .map(
                |s| match s.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
                    Some(name) => Seg::Param(name.to_string()),
                    None => Seg::Lit(s.to_string()),
                },
            )
            .collect();
        let params = segs.iter().filter(|s| matches!(s, Seg::Param(_))).count();
        let slash = match slash {
            Slash::Exact => Some(ends_in_slash(pattern)),
            Slash::Optional => None,
        };
        Pattern {
            segs,
            params,
            slash,
        }
    }

    /// Whether a path fits: its segments (`got`, split without the trailing slash) and,
    /// under [`Slash::Exact`], whether it ended in one (`trailing`).
    pub(super) fn matches(&self, got: &[&str], trailing: bool) -> bool {
        self.slash.is_none_or(|s| s == trailing)
            && self.segs.len() == got.len()
            && self.segs.iter().zip(got).all(|(s, g)| match s {
                Seg::Lit(l) => l == g,
                Seg::Param(_) => !g.is_empty(),
            })
    }

    /// How many segments it has.
    pub(super) fn len(&self) -> usize {
        self.segs.len()
    }

    /// Whether two patterns name the same paths' shape (the rows of one path).
    pub(super) fn same_path(&self, other: &Pattern) -> bool {
        self.segs == other.segs
    }

    /// The parameters of a path that [`Pattern::matches`].
    pub(super) fn params_of(&self, got: &[&str]) -> Vec<(String, String)> {
        self.segs
            .iter()
            .zip(got)
            .filter_map(|(s, g)| match s {
                Seg::Param(name) => Some((name.clone(), g.to_string())),
                Seg::Lit(_) => None,
            })
            .collect()
    }
}

/// A request path split as patterns are: its segments without the trailing slash, and
/// whether it had one (`/` alone has none).
pub(super) fn split(path: &str) -> (Vec<&str>, bool) {
    (
        path.trim_end_matches('/').split('/').collect(),
        ends_in_slash(path),
    )
}

fn ends_in_slash(path: &str) -> bool {
    path.len() > 1 && path.ends_with('/')
}
