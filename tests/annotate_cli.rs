//! `crmsheet validate FILE --annotate OUT.xlsx`: fills and notes on exactly the
//! cells with findings, a report sheet whose links lead to them, the file's own
//! layout kept (title rows, moved and unknown columns), the current template
//! stamped, and the usual refusals.

mod support;

use crmsheet::template::{SheetKind, Template};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;
use support::*;

const ENTRY: &str = "客户信息录入表";
const UPDATE: &str = "客户信息更新表";
const REPORT: &str = "校验报告";

/// `crmsheet validate ARGS… --as-of AS_OF` in `dir`: (exit code, stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = crmsheet(dir)
        .arg("validate")
        .args(args)
        .args(["--as-of", AS_OF])
        .output()
        .expect("run crmsheet");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The parts of an xlsx file that say how cells look.
struct Xlsx {
    /// Sheet name → its XML.
    sheets: BTreeMap<String, String>,
    /// Sheet name → its comments XML (if it has notes).
    comments: BTreeMap<String, String>,
    /// Per cell format index: the fill colour (`FFC7CE`, …), if any.
    fills: Vec<Option<String>>,
}

fn zip_text(zip: &mut zip::ZipArchive<std::fs::File>, name: &str) -> Option<String> {
    let mut text = String::new();
    zip.by_name(name).ok()?.read_to_string(&mut text).ok()?;
    Some(text)
}

fn open_xlsx(path: &Path) -> Xlsx {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let workbook = zip_text(&mut zip, "xl/workbook.xml").unwrap();
    let rels = zip_text(&mut zip, "xl/_rels/workbook.xml.rels").unwrap();
    let sheet_re =
        Regex::new(r#"<sheet name="([^"]+)" sheetId="\d+"(?: state="hidden")? r:id="(rId\d+)""#)
            .unwrap();
    let comments_re = Regex::new(r#"Target="\.\./(comments\d+\.xml)""#).unwrap();
    let mut sheets = BTreeMap::new();
    let mut comments = BTreeMap::new();
    for cap in sheet_re.captures_iter(&workbook) {
        let name = cap[1].replace("&apos;", "'");
        let rel = Regex::new(&format!(r#"Id="{}"[^>]*Target="([^"]+)""#, &cap[2])).unwrap();
        let target = rel
            .captures(&rels)
            .or_else(|| {
                Regex::new(&format!(r#"Target="([^"]+)"[^>]*Id="{}""#, &cap[2]))
                    .unwrap()
                    .captures(&rels)
            })
            .map(|c| c[1].to_string())
            .unwrap();
        let xml_path = format!("xl/{target}");
        let xml = zip_text(&mut zip, &xml_path).unwrap();
        let file = xml_path.rsplit('/').next().unwrap().to_string();
        let sheet_rels = zip_text(&mut zip, &format!("xl/worksheets/_rels/{file}.rels"));
        if let Some(sheet_rels) = sheet_rels {
            if let Some(c) = comments_re.captures(&sheet_rels) {
                comments.insert(
                    name.clone(),
                    zip_text(&mut zip, &format!("xl/{}", &c[1])).unwrap(),
                );
            }
        }
        sheets.insert(name, xml);
    }
    let styles = zip_text(&mut zip, "xl/styles.xml").unwrap();
    let fills_xml = &styles[styles.find("<fills").unwrap()..styles.find("</fills>").unwrap()];
    let fill_colors: Vec<Option<String>> = fills_xml
        .split("<fill>")
        .skip(1)
        .map(|f| {
            Regex::new(r#"fgColor rgb="FF([0-9A-F]{6})""#)
                .unwrap()
                .captures(f)
                .map(|c| c[1].to_string())
        })
        .collect();
    let xfs_xml = &styles[styles.find("<cellXfs").unwrap()..styles.find("</cellXfs>").unwrap()];
    let fills = Regex::new(r#"<xf [^>]*?fillId="(\d+)""#)
        .unwrap()
        .captures_iter(xfs_xml)
        .map(|c| {
            fill_colors
                .get(c[1].parse::<usize>().unwrap())
                .cloned()
                .flatten()
        })
        .collect();
    Xlsx {
        sheets,
        comments,
        fills,
    }
}

impl Xlsx {
    /// The fill colour of a cell, if it has one.
    fn fill(&self, sheet: &str, cell: &str) -> Option<String> {
        let xml = &self.sheets[sheet];
        let re = Regex::new(&format!(r#"<c r="{cell}"(?: s="(\d+)")?"#)).unwrap();
        let s = re.captures(xml)?.get(1)?.as_str().parse::<usize>().ok()?;
        self.fills.get(s).cloned().flatten()
    }

    /// Every cell of a sheet with a mark (red or amber fill): cell → colour.
    fn filled(&self, sheet: &str) -> BTreeMap<String, String> {
        let re = Regex::new(r#"<c r="([A-Z]+\d+)" s="(\d+)""#).unwrap();
        re.captures_iter(&self.sheets[sheet])
            .filter_map(|c| {
                let fill = self
                    .fills
                    .get(c[2].parse::<usize>().ok()?)
                    .cloned()
                    .flatten()?;
                [RED, AMBER]
                    .contains(&fill.as_str())
                    .then(|| (c[1].to_string(), fill))
            })
            .collect()
    }

    /// Notes of a sheet: cell → text.
    fn notes(&self, sheet: &str) -> BTreeMap<String, String> {
        let Some(xml) = self.comments.get(sheet) else {
            return BTreeMap::new();
        };
        let re = Regex::new(r#"(?s)<comment ref="([A-Z]+\d+)"[^>]*>(.*?)</comment>"#).unwrap();
        let text = Regex::new(r"(?s)<t[^>]*>(.*?)</t>").unwrap();
        re.captures_iter(xml)
            .map(|c| {
                let body: String = text
                    .captures_iter(&c[2])
                    .map(|t| t[1].to_string())
                    .collect();
                (c[1].to_string(), body)
            })
            .collect()
    }

    /// Internal links of a sheet: (cell, target sheet, target cell).
    fn links(&self, sheet: &str) -> Vec<(String, String, String)> {
        let re = Regex::new(r#"<hyperlink ref="([A-Z]+\d+)" location="([^"]+)""#).unwrap();
        re.captures_iter(&self.sheets[sheet])
            .map(|c| {
                let location = c[2].replace("&apos;", "'");
                let (target, cell) = location.rsplit_once('!').unwrap();
                let target = target.trim_matches('\'').replace("''", "'");
                (c[1].to_string(), target, cell.to_string())
            })
            .collect()
    }
}

const RED: &str = "FFC7CE";
const AMBER: &str = "FFEB9C";

/// A workbook with errors and warnings on both sheets.
fn faulty(dir: &Path) -> std::path::PathBuf {
    Book::new()
        .entries([
            approved("C001", "上海明远机械有限公司"),
            entry("华东电气")
                .set("industry", "制造")
                .set("contact", "王经理 13812345678"),
            entry("上海明远机械（集团）").set("needs", "=1+1"),
            entry("东方贸易")
                .unset("interaction")
                .set("salesperson", "李娜"),
        ])
        .updates([update("C002")])
        .write(dir, "a.xlsx")
}

#[test]
fn finding_cells_get_fills_and_notes_and_clean_cells_none() {
    let dir = tmp();
    let d = dir.path();
    let a = faulty(d);
    let before = std::fs::read(&a).unwrap();
    let (code, stdout, stderr) = run(d, &["a.xlsx", "--annotate", "a-checked.xlsx"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("invalid-enum"),
        "the report still prints: {stdout}"
    );
    assert!(stderr.contains("已写入批注副本 a-checked.xlsx"), "{stderr}");
    assert_eq!(std::fs::read(&a).unwrap(), before, "input untouched");

    let out = d.join("a-checked.xlsx");
    let x = open_xlsx(&out);
    let filled = x.filled(ENTRY);
    let expected: BTreeMap<String, String> = [
        ("E3", RED),   // invalid-enum
        ("F3", RED),   // pii
        ("D4", AMBER), // duplicate-customer
        ("J4", AMBER), // formula-injection
        ("I5", RED),   // missing-required, on the empty cell
    ]
    .into_iter()
    .map(|(c, f)| (c.to_string(), f.to_string()))
    .collect();
    assert_eq!(filled, expected);
    assert_eq!(x.filled(UPDATE).keys().collect::<Vec<_>>(), ["C2"]);
    assert_eq!(x.fill(UPDATE, "C2").as_deref(), Some(RED));

    let notes = x.notes(ENTRY);
    assert_eq!(
        notes.keys().collect::<BTreeSet<_>>(),
        expected.keys().collect::<BTreeSet<_>>()
    );
    assert!(notes["E3"].contains("invalid-enum"), "{}", notes["E3"]);
    assert!(notes["E3"].contains("制造业"), "hint: {}", notes["E3"]);
    assert!(
        notes["F3"].contains("138****5678"),
        "masked: {}",
        notes["F3"]
    );
    assert!(!notes["F3"].contains("13812345678"), "{}", notes["F3"]);
    assert!(x.notes(UPDATE)["C2"].contains("unknown-customer"));

    // Values are kept as typed, the private one too (the person fixing it must
    // see what to remove).
    let entries = sheet_text(&out, ENTRY);
    assert_eq!(entries[2][4], "制造");
    assert_eq!(entries[2][5], "王经理 13812345678");
    assert_eq!(entries[1][0], "2026-11-20");
    assert_eq!(entries[4][1], "李娜");
}

#[test]
fn the_report_sheet_lists_every_finding_with_a_link_that_resolves() {
    let dir = tmp();
    let d = dir.path();
    faulty(d);
    let (code, stdout, stderr) = run(d, &["a.xlsx", "--annotate", "out.xlsx", "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("stdout stays JSON");
    let findings = json["findings"].as_array().unwrap();

    let out = d.join("out.xlsx");
    assert_eq!(sheet_names(&out)[0], REPORT, "the report sheet comes first");
    let x = open_xlsx(&out);
    let links = x.links(REPORT);
    assert_eq!(links.len(), findings.len());
    for (link, f) in links.iter().zip(findings) {
        let (_, sheet, cell) = link;
        assert_eq!(Some(cell.as_str()), f["cell"].as_str());
        assert!(x.sheets.contains_key(sheet), "{sheet}");
        // Every link lands on a marked cell.
        assert!(
            x.fill(sheet, cell).is_some(),
            "{sheet}!{cell} is not marked"
        );
    }

    let rows = sheet_text(&out, REPORT);
    assert_eq!(
        rows[0],
        [
            "工作表",
            "单元格",
            "行",
            "列",
            "规则",
            "严重程度",
            "值",
            "问题",
            "提示",
            "销售人员"
        ]
    );
    let pii = rows
        .iter()
        .find(|r| r.get(4).map(String::as_str) == Some("pii"))
        .unwrap();
    assert_eq!(pii[0], ENTRY);
    assert_eq!(pii[1], "F3");
    assert_eq!(pii[2], "3");
    assert_eq!(pii[5], "错误");
    assert_eq!(
        pii[6], "王经理 138****5678",
        "values are masked on the report"
    );
    assert_eq!(pii[9], "张伟");
    // Counts by rule and by salesperson follow the list.
    let at = |label: &str| {
        rows.iter()
            .position(|r| r.first().map(String::as_str) == Some(label))
    };
    let by_rule = at("按规则统计").expect("counts by rule");
    let by_person = at("按销售人员统计").expect("counts by salesperson");
    assert!(by_rule > findings.len() && by_person > by_rule);
    let person = |name: &str| {
        rows[by_person..]
            .iter()
            .find(|r| r.first().map(String::as_str) == Some(name))
            .cloned()
    };
    assert_eq!(person("张伟").unwrap(), ["张伟", "3", "2"]);
    assert_eq!(person("李娜").unwrap(), ["李娜", "1", "0"]);
    let rule = rows[by_rule..]
        .iter()
        .find(|r| r.first().map(String::as_str) == Some("missing-required"))
        .unwrap();
    assert_eq!(rule[2], "1");
}

#[test]
fn the_copy_keeps_the_file_layout_and_is_the_current_template() {
    let dir = tmp();
    let d = dir.path();
    let mut book = Book::new().entries([
        entry("华东电气")
            .set("industry", "制造")
            .set("备注", "老客户介绍"),
        entry("东方贸易").set("备注", "展会"),
    ]);
    book.meta_version = Some("0.9.0".into());
    {
        let sheet = book.sheet_mut(SheetKind::Entry);
        sheet.above = vec!["浦东团队 2026 年 11 月".into(), String::new()];
        // Columns moved: industry first; position missing; an unknown column.
        let industry = sheet.headers.remove(4);
        sheet.headers.insert(0, industry);
        sheet.headers.push("备注".into());
    }
    book.sheet_mut(SheetKind::Entry)
        .drop_column("position", SheetKind::Entry);
    book.write(d, "old.xlsx");
    let (code, stdout, stderr) = run(
        d,
        &["old.xlsx", "--annotate", "fixed.xlsx", "--format", "json"],
    );
    assert_eq!(code, 1, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let cells: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["cell"].as_str().unwrap_or("-").to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            ("-".to_string(), "template-version".to_string()),
            ("-".to_string(), "missing-column".to_string()),
            ("N3".to_string(), "unknown-column".to_string()),
            ("A4".to_string(), "invalid-enum".to_string()),
        ]
    );

    let out = d.join("fixed.xlsx");
    let rows = sheet_text(&out, ENTRY);
    assert_eq!(rows[0], ["浦东团队 2026 年 11 月"], "title row kept");
    assert_eq!(rows[2][0], "行业类别*", "header in its own row and column");
    assert_eq!(rows[2][13], "备注", "unknown column kept");
    assert_eq!(rows[2][14], "职位", "missing field added to the right");
    assert_eq!(rows[3][0], "制造");
    assert_eq!(rows[3][13], "老客户介绍");
    assert_eq!(rows[4][13], "展会");
    assert_eq!(rows[3][4], "华东电气", "every value keeps its address");

    let x = open_xlsx(&out);
    assert_eq!(x.fill(ENTRY, "A4").as_deref(), Some(RED));
    assert_eq!(x.fill(ENTRY, "N3").as_deref(), Some(AMBER));
    assert_eq!(
        x.fill(ENTRY, "O3").as_deref(),
        Some(RED),
        "added column marked"
    );
    assert!(x.notes(ENTRY)["O3"].contains("missing-column"));

    // Stamped with the current template version; the file-level finding is on
    // the report sheet.
    let meta = sheet_text(&out, "_meta");
    assert_eq!(meta[1], ["version", &Template::builtin().version]);
    let report = sheet_text(&out, REPORT);
    assert!(report
        .iter()
        .any(|r| r.get(4).map(String::as_str) == Some("template-version")));

    // Checked again, the copy names the same cells (minus what it fixed).
    let (_, stdout, _) = run(d, &["fixed.xlsx", "--format", "json"]);
    let again: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let cells: Vec<String> = again["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["cell"].as_str().unwrap_or("-"),
                f["rule"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(cells, ["N3 unknown-column", "A4 invalid-enum"]);
}

#[test]
fn a_clean_file_gets_a_clean_copy() {
    let dir = tmp();
    let d = dir.path();
    Book::new()
        .entries([approved("C001", "上海明远机械有限公司"), entry("华东电气")])
        .write(d, "a.xlsx");
    let (code, _, stderr) = run(d, &["a.xlsx", "--annotate", "copy.xlsx", "--lang", "en"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("wrote the annotated copy copy.xlsx: 0 cells marked"),
        "{stderr}"
    );
    let out = d.join("copy.xlsx");
    let x = open_xlsx(&out);
    assert!(x.filled(ENTRY).is_empty());
    assert!(x.notes(ENTRY).is_empty());
    // The file's language names the sheets; the report is in --lang.
    assert_eq!(sheet_names(&out)[0], REPORT);
    assert_eq!(sheet_text(&out, REPORT)[0][0], "Sheet");
    let (code, ..) = run(d, &["copy.xlsx"]);
    assert_eq!(code, 0);
}

#[test]
fn a_csv_file_is_annotated_at_its_line_numbers() {
    let dir = tmp();
    let d = dir.path();
    Book::new()
        .entries([
            entry("华东电气"),
            entry("东方贸易").set("customer_status", "活"),
        ])
        .write_csv(SheetKind::Entry, d, "a.csv");
    let (code, _, stderr) = run(d, &["a.csv", "--annotate", "a.xlsx"]);
    assert_eq!(code, 1, "{stderr}");
    let x = open_xlsx(&d.join("a.xlsx"));
    assert_eq!(x.filled(ENTRY).keys().collect::<Vec<_>>(), ["K3"]);
}

#[test]
fn refusals() {
    let dir = tmp();
    let d = dir.path();
    let a = faulty(d);
    Book::new().write(d, "b.xlsx");

    let (code, _, stderr) = run(d, &["a.xlsx", "b.xlsx", "--annotate", "out.xlsx"]);
    assert_eq!(code, 2);
    // Command messages follow --lang (zh by default).
    assert!(stderr.contains("只给出一个"), "{stderr}");
    assert!(!d.join("out.xlsx").exists());

    let before = std::fs::read(&a).unwrap();
    let (code, _, stderr) = run(d, &["a.xlsx", "--annotate", "a.xlsx", "--force"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("其他文件"), "{stderr}");
    assert_eq!(std::fs::read(&a).unwrap(), before);

    std::fs::write(d.join("out.xlsx"), b"mine").unwrap();
    let (code, _, stderr) = run(d, &["a.xlsx", "--annotate", "out.xlsx"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(std::fs::read(d.join("out.xlsx")).unwrap(), b"mine");
    let (code, ..) = run(d, &["a.xlsx", "--annotate", "out.xlsx", "--force"]);
    assert_eq!(code, 1);
    assert_eq!(sheet_names(&d.join("out.xlsx"))[0], REPORT);

    // An unreadable file gets its report line and no copy.
    std::fs::write(d.join("bad.xlsx"), b"PK\x03\x04 damaged").unwrap();
    let (code, stdout, stderr) = run(d, &["bad.xlsx", "--annotate", "bad-copy.xlsx"]);
    assert_eq!(code, 2);
    assert!(stdout.contains("file-unreadable"), "{stdout}");
    assert!(stderr.starts_with("crmsheet: bad.xlsx: "), "{stderr}");
    assert!(!d.join("bad-copy.xlsx").exists());

    // --force belongs to --annotate.
    let (code, ..) = run(d, &["a.xlsx", "--force"]);
    assert_eq!(code, 2);
}

#[test]
fn the_copy_opens_in_libreoffice_and_names_the_same_cells() {
    let dir = tmp();
    let d = dir.path();
    faulty(d);
    let (code, ..) = run(d, &["a.xlsx", "--annotate", "copy.xlsx"]);
    assert_eq!(code, 1);
    let original = validate(d, &["a.xlsx"]).cells();
    for to in ["xlsx", "ods"] {
        let Some(converted) = soffice_convert_into(&d.join("copy.xlsx"), to, d) else {
            return;
        };
        let name = converted.to_string_lossy().into_owned();
        assert_eq!(validate(d, &[&name]).cells(), original, "{to}");
        assert_eq!(sheet_names(&converted)[0], REPORT, "{to}");
    }
}
