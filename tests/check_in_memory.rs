//! The desk's promise: an upload is never written to disk. Validating bytes and
//! building their annotated copy in memory must work with no usable temporary
//! folder at all (rust_xlsxwriter's constant-memory sheets, which the CLI's
//! file output uses, need one). One test in its own binary, because it points
//! the process's temporary folder at nowhere.

mod support;

use crmsheet::check;
use crmsheet::lang::Lang;
use crmsheet::read::Source;
use crmsheet::rules::Options;
use crmsheet::template::{SheetKind, Template};
use crmsheet::value::parse_as_of;
use crmsheet::write::{BookOptions, TemplateBook};
use support::*;

#[test]
fn uploads_are_checked_and_annotated_without_touching_the_disk() {
    let (xlsx, csv) = {
        let dir = tmp();
        let book = Book::new()
            .entries([
                approved("C001", "明远机械有限公司"),
                entry("").set("industry", "?"),
            ])
            .updates([update("C001")]);
        let xlsx = std::fs::read(book.write(dir.path(), "a.xlsx")).unwrap();
        let csv = std::fs::read(book.write_csv(SheetKind::Entry, dir.path(), "b.csv")).unwrap();
        (xlsx, csv)
    };
    let nowhere = std::env::temp_dir()
        .join("crmsheet-no-such-folder")
        .join("deeper");
    assert!(!nowhere.exists());
    // SAFETY: the only test of this binary; no other thread reads the environment.
    unsafe { std::env::set_var("TMPDIR", &nowhere) };
    let template = Template::builtin();

    // The trap is real: a book for a file needs a temporary folder.
    assert!(TemplateBook::new(&template, &BookOptions::new(Lang::Zh)).is_err());

    let options = Options {
        as_of: parse_as_of(AS_OF).unwrap(),
        lang: Lang::En,
    };
    let sources = [Source::bytes("a.xlsx", xlsx), Source::bytes("b.csv", csv)];
    let checked = check::validate(&template, options, &sources, None);
    assert!(checked.unreadable.is_empty());
    assert!(checked.report.summary().errors > 0);
    let annotated = check::annotate(&template, options, &sources, &[0, 1], Lang::En).unwrap();
    assert_eq!(annotated.report.findings, checked.report.findings);
    for copy in &annotated.copies {
        let copy = copy.as_ref().expect("a copy");
        // An xlsx whose report sheet lists the findings.
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(copy.clone())).unwrap();
        let names = calamine::Reader::sheet_names(&book);
        assert_eq!(names[0], template.workbook.report.get(Lang::Zh));
        let report = calamine::Reader::worksheet_range(&mut book, &names[0]).unwrap();
        assert!(report.height() > 2, "{}", report.height());
    }
    assert!(!nowhere.exists());
}
