//! Fuzz target over the whole read-and-validate path: the input bytes are
//! written to a file, read by `crmsheet::read::read_file` through the validation
//! engine (every third input as `validate --annotate` reads it, writing the
//! annotated copy; every third from memory, as the desk reads an upload, with
//! its annotated copy built in memory), and the report is rendered in every
//! format.
//!
//! The format is decided by the content, as in crmsheet; the file name's
//! extension (chosen by the input length, so every input is tried under each
//! name over a run) only matters where crmsheet looks at names (`.csv` lets a
//! markup page be read as text). A panic in a library is contained and becomes
//! a `file-unreadable` finding, as for a user; a panic in crmsheet's own code is
//! re-raised, so libFuzzer records it as a crash.
#![no_main]

use crmsheet::check;
use crmsheet::lang::Lang;
use crmsheet::read::{Source, INTERNAL_ERROR};
use crmsheet::report;
use crmsheet::value::parse_as_of;
use crmsheet::rules::{Options, Validation};
use crmsheet::template::Template;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

const EXTENSIONS: [&str; 4] = ["xlsx", "ods", "xls", "csv"];

struct Setup {
    template: Template,
    dir: tempfile::TempDir,
}

static SETUP: LazyLock<Setup> = LazyLock::new(|| Setup {
    template: Template::builtin(),
    dir: tempfile::tempdir().expect("temporary folder"),
});

fuzz_target!(|data: &[u8]| {
    let setup = &*SETUP;
    let extension = EXTENSIONS[data.len() % EXTENSIONS.len()];
    let path = setup.dir.path().join(format!("input.{extension}"));
    std::fs::write(&path, data).expect("write the input");
    let options = Options {
        as_of: parse_as_of("2026-11-30").expect("as-of date"),
        lang: Lang::Zh,
    };
    // Every third input (by length) is read the way `validate --annotate`
    // reads it, keeping the cells outside the schema too, and the annotated
    // copy is written.
    let form = data.len() / EXTENSIONS.len();
    let report = if form % 3 == 0 {
        let run =
            check::validate_for_copies(&setup.template, options, &[Source::path(&path)], &[0]);
        let out = setup.dir.path().join("annotated.xlsx");
        let written = run.copy_to_file(&setup.template, 0, &out, true, Lang::Zh);
        if let Err(error) = written {
            let message = format!("{error:#}");
            assert!(!message.contains(INTERNAL_ERROR), "{message}");
        }
        run.checked.report
    } else if form % 3 == 1 {
        // From memory, as the desk reads an upload, its copy built in memory.
        let upload = Source::bytes(format!("input.{extension}"), data.to_vec());
        match check::annotate(&setup.template, options, &[upload], &[0], Lang::En) {
            Ok(annotated) => annotated.report,
            Err(error) => {
                let message = format!("{error:#}");
                assert!(!message.contains(INTERNAL_ERROR), "{message}");
                return;
            }
        }
    } else {
        let mut run = Validation::new(&setup.template, options);
        // An unreadable file is in the report; its cause is checked below.
        let _ = run.check_file(&path);
        run.finish()
    };
    for file in &report.files {
        if let Some(error) = &file.error {
            let message = error.to_string();
            assert!(!message.contains(INTERNAL_ERROR), "{message}");
        }
    }
    let mut out = std::io::sink();
    report::text::write(&mut out, &report, false).expect("text report");
    report::json::write(&mut out, &report).expect("json report");
    report::csv::write(&mut out, &report).expect("csv report");
    let _ = std::fs::remove_file(&path);
});
