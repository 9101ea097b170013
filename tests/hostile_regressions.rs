//! Every file in `tests/regressions/` once crashed, hung or exhausted memory
//! somewhere on the read-and-validate path (found by fuzzing or by review; see
//! its README). Each must now give a normal report or one clear
//! `file-unreadable` line, in seconds, under a memory limit, without a panic
//! message. Fuzzing itself never runs in CI: its findings land here.

mod hostile_files;

use hostile_files::*;
use std::path::Path;

/// What some files must say (a part of their one-line error, or `report` for a
/// normal report). Files not listed (new fuzz finds) must only not crash.
const EXPECTED: [(&str, &str); 9] = [
    ("ods-repeated-grid.ods", "repeats its filled cells to more than 50,000,000 cells"),
    ("ods-space-count.ods", "report"),
    ("xls-directory-loop.xls", "its directory chain loops back on itself"),
    ("xls-far-corners.xls", "spans 4,294,967,296 cells"),
    ("xls-forged-dimensions.xls", "declares 1,099,511,627,520 cells"),
    ("xls-shared-text-copies.xls", "more than 128 MiB of text"),
    (
        "xls-truncated-boundsheet.xls",
        "the spreadsheet library stopped on malformed data in it (a record or part of it is shorter than it claims)",
    ),
    ("xlsx-text-count-after-comment.xlsx", "declares 1,000,000,000,000 different texts"),
    ("xlsx-zip-bomb.xlsx", "a zip bomb"),
];

#[test]
fn every_regression_file_reads_or_fails_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name == "README.md" {
            continue;
        }
        seen += 1;
        let (run, json) = validate_limited(&dir, &name);
        assert_no_panic(&run);
        assert_finishes(&run, 180);
        for text in [&run.stdout, &run.stderr] {
            assert!(
                !text.contains(crmsheet::read::INTERNAL_ERROR),
                "{name}: {text}"
            );
            // Raw panic messages are for developers, never shown.
            for raw in ["index out of bounds", "called `", "attempt to", "unwrap"] {
                assert!(!text.contains(raw), "{name}: {text}");
            }
        }
        assert!(matches!(run.code, 0..=2), "{name}: exit {}", run.code);
        let expected = EXPECTED
            .iter()
            .find(|(file, _)| *file == name)
            .map(|(_, e)| *e);
        if run.code == 2 {
            let line = unreadable_message(&run, &json, &name);
            if let Some(expected) = expected {
                assert!(line.contains(expected), "{name}: {line}");
            }
        } else {
            assert_eq!(json["files"][0]["readable"], true, "{name}");
            assert!(
                matches!(expected, None | Some("report")),
                "{name}: read, not refused"
            );
        }
    }
    assert!(seen >= EXPECTED.len(), "regression files missing: {seen}");
}
