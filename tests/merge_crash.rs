//! A merge that fails or is killed while writing leaves the previous OUT as it
//! was: the book is written to a temporary file beside OUT and renamed only
//! once complete.

mod support;

use crmsheet::lang::Lang;
use crmsheet::merge::{merge_with, MergeOutcome, Options};
use crmsheet::template::Template;
use crmsheet::value::parse_as_of;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::*;

fn listing(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn a_failing_write_leaves_the_old_output_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let master = Book::new()
        .entries([approved("C001", "上海明远机械有限公司")])
        .write(d, "register.xlsx");
    Book::new()
        .entries([approved_new("华东电气有限公司")])
        .write(d, "a.xlsx");
    let before = std::fs::read(&master).unwrap();
    let files = listing(d);

    let template = Template::builtin();
    let inputs = [d.join("a.xlsx")];
    let options = Options {
        master: Some(&master),
        inputs: &inputs,
        out: &master,
        force: true,
        as_of: parse_as_of(AS_OF).unwrap(),
        lang: Lang::Zh,
    };
    let mut temp_seen: Option<PathBuf> = None;
    let result = merge_with(&template, &options, |_book, temp| {
        // Half a file, then the disk fills up.
        std::fs::write(temp, b"PK\x03\x04 half a workbook")?;
        temp_seen = Some(temp.to_path_buf());
        anyhow::bail!("simulated failure: no space left on device")
    });
    let error = result.expect_err("the write failed");
    assert!(
        format!("{error:#}").contains("no space left on device"),
        "{error:#}"
    );
    let temp = temp_seen.expect("the save was reached");
    assert_eq!(temp.parent(), Some(d), "the temporary file is beside OUT");
    assert_eq!(std::fs::read(&master).unwrap(), before, "OUT unchanged");
    assert_eq!(listing(d), files, "no temporary file or backup left behind");

    // The same merge with a working save replaces OUT and keeps the old one.
    let outcome = merge_with(&template, &options, |book, temp| book.save(temp)).unwrap();
    assert!(matches!(outcome, MergeOutcome::Merged(_)));
    assert_eq!(
        std::fs::read(d.join("register.xlsx.bak")).unwrap(),
        before,
        "the replaced file is kept as OUT.bak"
    );
    assert_ne!(std::fs::read(&master).unwrap(), before);
}

/// The merge process killed while it writes OUT: OUT is still the old file.
#[cfg(unix)]
#[test]
fn a_merge_killed_mid_write_leaves_the_old_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Big enough that saving takes a while.
    let rows: Vec<Rec> = (1..=5_000)
        .map(|i| approved(&format!("C{i:05}"), &format!("客户{i}有限公司")))
        .collect();
    let master = Book::new().entries(rows).write(d, "register.xlsx");
    Book::new()
        .entries([approved_new("华东电气有限公司")])
        .write(d, "a.xlsx");
    let before = std::fs::read(&master).unwrap();

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_crmsheet"))
        .current_dir(d)
        .env_remove("CRMSHEET_SCHEMA")
        .args([
            "merge",
            "a.xlsx",
            "--master",
            "register.xlsx",
            "-o",
            "register.xlsx",
            "--force",
            "--as-of",
            AS_OF,
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let temp = loop {
        if let Some(name) = listing(d)
            .into_iter()
            .find(|n| n.starts_with(".register.xlsx.") && n.ends_with(".tmp"))
        {
            break name;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("merge ended ({status}) before it was seen writing; make the master bigger");
        }
        assert!(started.elapsed() < Duration::from_secs(600), "merge hangs");
        std::thread::sleep(Duration::from_millis(2));
    };
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "killed");
    assert_eq!(
        std::fs::read(&master).unwrap(),
        before,
        "OUT is the old file; only the temporary {temp} may be left"
    );
    assert!(!d.join("register.xlsx.bak").exists());
}
