//! The documents a person who clones the repository reads: README keeps showing the two
//! commands and indexes every page of `docs/`; the route tables of `docs/routes.md` and of each
//! dialect's page are the registry's (`switchboard routes`); and every link in README.md and
//! `docs/**/*.md` points to a file inside the repository (and to a heading that exists), never
//! outside it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use switchboard::registry::Registry;

/// The repository's root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file of the repository as text.
fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
}

/// The text between a document's `routes` markers.
fn route_block<'a>(text: &'a str, name: &str) -> &'a str {
    const BEGIN: &str = "<!-- routes:begin -->\n";
    let start = text
        .find(BEGIN)
        .unwrap_or_else(|| panic!("{name}: no routes:begin marker"))
        + BEGIN.len();
    let end = text
        .find("<!-- routes:end -->")
        .unwrap_or_else(|| panic!("{name}: no routes:end marker"));
    &text[start..end]
}

/// `switchboard routes`' table: its header and the rows of `dialect` only, or every row.
fn registry_table(dialect: Option<&str>) -> String {
    let table = Registry::builtin().unwrap().markdown();
    let Some(d) = dialect else { return table };
    let row = format!("| {d} |");
    table
        .lines()
        .enumerate()
        .filter(|(i, l)| *i < 2 || l.starts_with(&row))
        .map(|(_, l)| format!("{l}\n"))
        .collect()
}

#[test]
fn the_route_table_of_docs_routes_is_the_output_of_switchboard_routes() {
    let text = read("docs/routes.md");
    assert_eq!(
        route_block(&text, "docs/routes.md"),
        registry_table(None),
        "docs/routes.md's table is stale: paste the output of `switchboard routes`"
    );
}

#[test]
fn each_dialect_page_shows_the_registry_rows_of_its_dialect() {
    for dialect in ["opcode", "typed", "ineww", "rooms", "v4"] {
        let name = format!("docs/dialects/{dialect}.md");
        let text = read(&name);
        let table = registry_table(Some(dialect));
        assert!(
            table.lines().count() > 2,
            "no {dialect} rows in the registry"
        );
        assert_eq!(
            route_block(&text, &name),
            table,
            "{name}'s table is stale: paste the {dialect} rows of `switchboard routes`"
        );
    }
}

#[test]
fn the_readme_shows_the_two_commands() {
    let text = read("README.md");
    assert!(text.contains("cargo run --release -- serve"));
    assert!(text.contains("cargo test"));
}

#[test]
fn switchboard_routes_prints_the_same_table() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("routes")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        Registry::builtin().unwrap().markdown()
    );
}

/// Every `.md` file under `docs/`, as paths relative to the root.
fn doc_pages() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&root().join("docs"), &mut found);
    let mut pages: Vec<String> = found
        .iter()
        .map(|p| p.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    pages.sort();
    pages
}

#[test]
fn the_readme_links_every_page_of_docs() {
    let readme = read("README.md");
    let linked: HashSet<String> = links(&readme).into_iter().collect();
    for page in doc_pages() {
        assert!(linked.contains(&page), "README.md does not link {page}");
    }
}

#[test]
fn every_link_in_readme_and_docs_points_inside_the_repository() {
    let root = root().canonicalize().unwrap();
    let mut files = vec!["README.md".to_string()];
    files.extend(doc_pages());
    let mut problems = Vec::new();
    for file in &files {
        let text = read(file);
        let dir = root.join(file).parent().unwrap().to_path_buf();
        for target in links(&text) {
            if let Err(why) = check_link(&root, &dir, &text, &target) {
                problems.push(format!("{file}: ({target}) {why}"));
            }
        }
    }
    assert!(problems.is_empty(), "bad links:\n{}", problems.join("\n"));
}

#[test]
fn the_link_check_refuses_what_it_must() {
    let root = root().canonicalize().unwrap();
    let docs = root.join("docs");
    let text = "# A heading\n";
    for bad in [
        "https://example.com/",
        "mailto:someone@example.com",
        "/etc/passwd",
        "../../shared/spec/CONTRACT.md",
        "missing.md",
        "operations.md#no-such-heading",
        "#no-such-heading",
    ] {
        assert!(check_link(&root, &docs, text, bad).is_err(), "{bad} passed");
    }
    for good in [
        "operations.md#upgrades",
        "#a-heading",
        "../src/",
        "dialects/v4.md",
    ] {
        assert_eq!(check_link(&root, &docs, text, good), Ok(()), "{good}");
    }
    let md = "[a](x.md) `[b](y.md)` ![c](z.svg \"t\")\n```\n[d](w.md)\n```\n[e]: v.md\n";
    assert_eq!(links(md), ["x.md", "z.svg", "v.md"]);
}

/// Why `target`, a link in a document of `dir` whose text is `text`, does not point to a file
/// (or directory) inside `root`, or to a heading of that file.
fn check_link(root: &Path, dir: &Path, text: &str, target: &str) -> Result<(), String> {
    let scheme = target
        .split_once(':')
        .is_some_and(|(s, _)| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()));
    if scheme {
        return Err("links outside the repository".into());
    }
    if target.starts_with('/') {
        return Err("is an absolute path".into());
    }
    let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
    let (resolved, headings_of) = if path.is_empty() {
        (None, text.to_string())
    } else {
        let full = dir
            .join(path)
            .canonicalize()
            .map_err(|_| "is no file of the repository".to_string())?;
        if !full.starts_with(root) {
            return Err("points outside the repository".into());
        }
        let headings = match full.extension().is_some_and(|e| e == "md") {
            true => std::fs::read_to_string(&full).unwrap_or_default(),
            false => String::new(),
        };
        (Some(full), headings)
    };
    if !anchor.is_empty() && !anchors(&headings_of).contains(anchor) {
        return Err(format!("has no heading #{anchor} ({resolved:?})"));
    }
    Ok(())
}

/// The targets of a Markdown text's links and images (`[t](x)`, `![t](x "title")`,
/// `[t]: x`), outside code blocks and code spans.
fn links(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in prose_lines(markdown) {
        if let Some(rest) = line.trim_start().strip_prefix('[') {
            if let Some((_, target)) = rest.split_once("]:") {
                out.extend(target.split_whitespace().next().map(str::to_string));
                continue;
            }
        }
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            let inner = after[..end].trim();
            let target = inner.split_whitespace().next().unwrap_or("");
            out.push(target.trim_matches(['<', '>']).to_string());
            rest = &after[end..];
        }
    }
    out
}

/// The lines of a Markdown text outside fenced code blocks, with code spans removed (a span
/// may wrap onto the next line; one-backtick spans are all this repository uses).
fn prose_lines(markdown: &str) -> Vec<String> {
    let mut in_fence = false;
    let mut prose = String::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence {
            prose.push_str(line);
            prose.push('\n');
        }
    }
    // Even parts are outside code spans.
    let outside: String = prose.split('`').step_by(2).collect();
    outside.lines().map(str::to_string).collect()
}

/// The anchors a Markdown text's headings get (GitHub's rule: lower case, spaces to `-`,
/// punctuation dropped, `-1`, `-2` … after repeats).
fn anchors(markdown: &str) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut in_fence = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        let Some(title) = line.strip_prefix('#').filter(|_| !in_fence) else {
            continue;
        };
        let title = title.trim_start_matches('#').trim();
        let slug: String = title
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        let mut unique = slug.clone();
        let mut n = 0;
        while seen.contains(&unique) {
            n += 1;
            unique = format!("{slug}-{n}");
        }
        seen.insert(unique);
    }
    seen
}
