//! README's route table is the registry's, and README keeps showing the two commands.

use switchboard::registry::Registry;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn the_readme_route_table_is_the_output_of_switchboard_routes() {
    let text = readme();
    let start = text
        .find("<!-- routes:begin -->\n")
        .expect("routes:begin marker")
        + 22;
    let end = text.find("<!-- routes:end -->").expect("routes:end marker");
    let table = &text[start..end];
    assert_eq!(
        table,
        Registry::builtin().unwrap().markdown(),
        "README's route table is stale: paste the output of `switchboard routes`"
    );
}

#[test]
fn the_readme_shows_the_two_commands() {
    let text = readme();
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
