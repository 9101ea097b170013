//! The README stays true: its rules table is the registry's, and it opens with the
//! two commands a new user runs.

mod support;

use std::path::Path;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

#[test]
fn rules_table_is_generated_from_the_registry() {
    let readme = readme();
    let start = readme.find("<!-- rules-table").expect("table marker");
    let start = start + readme[start..].find('\n').unwrap() + 1;
    let end = readme.find("<!-- /rules-table -->").expect("end marker");
    let out = support::crmsheet(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args(["rules", "--format", "markdown", "--lang", "en"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        &readme[start..end],
        String::from_utf8(out.stdout).unwrap(),
        "regenerate the README table with `crmsheet rules --format markdown --lang en`"
    );
}

#[test]
fn readme_opens_with_the_two_commands() {
    let readme = readme();
    let first_block: Vec<&str> = readme
        .split("```")
        .nth(1)
        .expect("a code block")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("sh"))
        .collect();
    assert!(first_block[0].starts_with("cargo run --release -- generate"));
    assert!(first_block[1].starts_with("cargo test"));
}
