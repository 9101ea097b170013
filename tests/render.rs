//! The three workbooks people look at and print — the blank template's
//! instructions, the annotated copy's report sheet and the merged register —
//! read back the way an office suite reads them: values with calamine, and the
//! sheet XML inside the zip for what calamine does not show (wrapped text,
//! column widths, row heights, page setup, print titles, chart axes).
//! LibreOffice then prints each to PDF, and the page count is checked.
//!
//! To look at them: `CRMSHEET_RENDER_KEEP=some/folder cargo test --test render`
//! copies the workbooks and PDFs there.

mod support;

use calamine::{open_workbook_auto, Data, Reader};
use regex::Regex;
use std::io::Read;
use std::path::{Path, PathBuf};
use support::*;

const ENTRY: &str = "客户信息录入表";
const UPDATE: &str = "客户信息更新表";

// ---------------------------------------------------------------- xlsx parts

fn zip_entry(path: &Path, entry: &str) -> String {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut text = String::new();
    zip.by_name(entry)
        .unwrap_or_else(|_| panic!("{entry} in {}", path.display()))
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn zip_names(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).unwrap();
    let zip = zip::ZipArchive::new(file).unwrap();
    zip.file_names()
        .filter_map(|n| n.ok())
        .map(|n| n.to_string())
        .collect()
}

fn attr(element: &str, name: &str) -> Option<String> {
    let re = Regex::new(&format!(r#"\b{name}="([^"]*)""#)).unwrap();
    re.captures(element).map(|c| c[1].to_string())
}

/// The zip path of a worksheet, found by its name through workbook.xml and its rels.
fn sheet_part(path: &Path, name: &str) -> String {
    let workbook = zip_entry(path, "xl/workbook.xml");
    let rels = zip_entry(path, "xl/_rels/workbook.xml.rels");
    let sheet = Regex::new(r"<sheet\b[^>]*>").unwrap();
    let id = sheet
        .find_iter(&workbook)
        .map(|m| m.as_str())
        .find(|s| attr(s, "name").as_deref() == Some(name))
        .and_then(|s| attr(s, "r:id"))
        .unwrap_or_else(|| panic!("no sheet {name}"));
    let rel = Regex::new(r"<Relationship\b[^>]*>").unwrap();
    let target = rel
        .find_iter(&rels)
        .map(|m| m.as_str())
        .find(|r| attr(r, "Id").as_deref() == Some(id.as_str()))
        .and_then(|r| attr(r, "Target"))
        .unwrap();
    format!("xl/{}", target.trim_start_matches("/xl/"))
}

fn sheet_xml(path: &Path, name: &str) -> String {
    zip_entry(path, &sheet_part(path, name))
}

/// The `<pageSetup …/>` element of a sheet.
fn page_setup(xml: &str) -> String {
    Regex::new(r"<pageSetup\b[^>]*>")
        .unwrap()
        .find(xml)
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| panic!("no pageSetup"))
}

/// A sheet prints landscape, one page wide (as many pages tall as it takes).
fn assert_landscape_fit_to_width(xml: &str, sheet: &str) {
    let setup = page_setup(xml);
    assert_eq!(
        attr(&setup, "orientation").as_deref(),
        Some("landscape"),
        "{sheet}: {setup}"
    );
    // 1 is the default, which Excel leaves out.
    assert_eq!(
        attr(&setup, "fitToWidth").as_deref().unwrap_or("1"),
        "1",
        "{sheet}"
    );
    assert_eq!(attr(&setup, "fitToHeight").as_deref(), Some("0"), "{sheet}");
    assert!(
        xml.contains(r#"<pageSetUpPr fitToPage="1"/>"#),
        "{sheet}: fit to page is switched on"
    );
}

/// The rows a sheet repeats at the top of every printed page (`_xlnm.Print_Titles`).
fn print_titles(path: &Path, sheet: &str) -> Option<String> {
    let workbook = zip_entry(path, "xl/workbook.xml");
    let names = Regex::new(r#"<sheet\b[^>]*name="([^"]*)""#).unwrap();
    let index = names
        .captures_iter(&workbook)
        .position(|c| &c[1] == sheet)?;
    let re = Regex::new(r#"<definedName name="_xlnm.Print_Titles" localSheetId="(\d+)">([^<]*)<"#)
        .unwrap();
    let titles = re
        .captures_iter(&workbook)
        .find(|c| c[1].parse::<usize>().ok() == Some(index))
        .map(|c| c[2].to_string());
    titles
}

/// Column widths by 0-based column (`<col min max width>`; min and max are 1-based).
fn column_widths(xml: &str) -> Vec<(u32, f64)> {
    let re = Regex::new(r"<col\b[^>]*>").unwrap();
    let mut out = Vec::new();
    for m in re.find_iter(xml) {
        let el = m.as_str();
        let (Some(min), Some(max), Some(width)) =
            (attr(el, "min"), attr(el, "max"), attr(el, "width"))
        else {
            continue;
        };
        let width: f64 = width.parse().unwrap();
        for c in min.parse::<u32>().unwrap()..=max.parse::<u32>().unwrap() {
            out.push((c - 1, width));
        }
    }
    out
}

fn width_of(xml: &str, col: u32) -> f64 {
    column_widths(xml)
        .into_iter()
        .find(|(c, _)| *c == col)
        .map_or(8.43, |(_, w)| w)
}

/// The `<xf>` elements of `cellXfs` (a cell's `s` attribute indexes them), each
/// with its `<alignment>` if any.
fn cell_formats(path: &Path) -> Vec<String> {
    let styles = zip_entry(path, "xl/styles.xml");
    let start = styles.find("<cellXfs").unwrap();
    let end = styles[start..].find("</cellXfs>").unwrap() + start;
    let block = &styles[start..end];
    Regex::new(r"(?s)<xf\b[^>]*?(/>|>.*?</xf>)")
        .unwrap()
        .find_iter(block)
        .map(|m| m.as_str().to_string())
        .collect()
}

/// The `<c>` element of a cell (its opening tag).
fn cell_tag<'x>(xml: &'x str, cell: &str) -> Option<&'x str> {
    let start = xml.find(&format!("<c r=\"{cell}\""))?;
    let end = xml[start..].find('>')? + start;
    Some(&xml[start..=end])
}

/// The cell wraps its text and sits at the top of its row.
fn wraps_at_top(path: &Path, xml: &str, cell: &str) -> bool {
    let Some(tag) = cell_tag(xml, cell) else {
        panic!("no cell {cell}");
    };
    let s: usize = attr(tag, "s").map_or(0, |s| s.parse().unwrap());
    let xf = &cell_formats(path)[s];
    xf.contains(r#"wrapText="1""#) && xf.contains(r#"vertical="top""#)
}

/// Row heights (points) by 1-based row, for rows that set one.
fn row_height(xml: &str, row: u32) -> Option<f64> {
    let re = Regex::new(&format!(r#"<row r="{row}"[^>]*>"#)).unwrap();
    let tag = re.find(xml)?.as_str().to_string();
    attr(&tag, "ht").map(|h| h.parse().unwrap())
}

/// Rows of a sheet broken before (1-based rows that start a new page).
fn page_breaks(xml: &str) -> Vec<u32> {
    let re = Regex::new(r#"<brk id="(\d+)""#).unwrap();
    let Some(start) = xml.find("<rowBreaks") else {
        return Vec::new();
    };
    re.captures_iter(&xml[start..])
        .map(|c| c[1].parse::<u32>().unwrap() + 1)
        .collect()
}

fn cell_value(path: &Path, sheet: &str, row: u32, col: u32) -> Option<Data> {
    let mut wb = open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    range.get_value((row, col)).cloned()
}

// ------------------------------------------------------------- the printouts

/// Prints `file` to PDF with LibreOffice; its page count, and the PDF (kept
/// under `$CRMSHEET_RENDER_KEEP` if set). `None` when LibreOffice is absent.
fn printed_pages(file: &Path, work: &Path) -> Option<usize> {
    let pdf = soffice_convert_into(file, "pdf", work)?;
    let bytes = std::fs::read(&pdf).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    // LibreOffice writes each page object uncompressed: `/Type/Page` (and one
    // `/Type/Pages` tree).
    let pages = Regex::new(r"/Type\s*/Page\b")
        .unwrap()
        .find_iter(&text)
        .count();
    keep(&pdf);
    Some(pages)
}

fn keep(file: &Path) {
    if let Some(dir) = std::env::var_os("CRMSHEET_RENDER_KEEP") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(file, dir.join(file.file_name().unwrap())).unwrap();
    }
}

fn crm(dir: &Path, args: &[&str]) -> (i32, String) {
    let mut cmd = crmsheet(dir);
    cmd.args(args);
    if matches!(args.first(), Some(&"validate" | &"merge")) {
        cmd.args(["--as-of", AS_OF]);
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// A register after two merges: six customers approved from September to
/// November (one still pending), then a round of updates — two applied, one
/// dated before the first merge's last log row, one rejected, one pending —
/// with a new customer approved and one rejected.
fn register(d: &Path) -> PathBuf {
    let customers = [
        ("上海明远机械有限公司", "制造业", (9, 15), "活跃"),
        (
            "华东电气有限公司",
            "电力、热力、燃气及水生产和供应业",
            (10, 8),
            "活跃",
        ),
        ("苏州精工科技有限公司", "制造业", (10, 20), "潜在"),
        (
            "杭州云端网络有限公司",
            "信息传输、软件和信息技术服务业",
            (11, 3),
            "活跃",
        ),
        (
            "南京长江物流有限公司",
            "交通运输、仓储和邮政业",
            (11, 12),
            "休眠",
        ),
        ("宁波港湾贸易有限公司", "批发和零售业", (11, 20), "活跃"),
    ];
    let rows = customers.iter().map(|(name, industry, (m, day), status)| {
        approved("", name)
            .unset("customer_id")
            .set("industry", *industry)
            .set("customer_status", *status)
            .set("entry_date", Cell::Date(2026, *m, *day))
            .set("review_date", Cell::Date(2026, *m, *day + 1))
    });
    Book::new()
        .entries(rows.chain([entry("无锡新材料有限公司")]))
        .write(d, "start.xlsx");
    let (code, out) = crm(d, &["merge", "start.xlsx", "-o", "first.xlsx"]);
    assert_eq!(code, 0, "{out}");

    let reviewed = |rec: Rec, status: &str, day: u8| {
        rec.set("review_status", status)
            .set("reviewer", "李娜")
            .set("review_date", Cell::Date(2026, 11, day))
    };
    let long_talk = "11-25 与采购总监面谈：确认明年框架协议的数量与交期，\
                     对方要求按季度结算并提供备件库存清单，下周提交报价";
    Book::new()
        .entries([
            approved_new("常州恒通机电有限公司").set("industry", "制造业"),
            rejected_new("重复录入测试公司"),
        ])
        .updates([
            reviewed(
                update("C001")
                    .set("update_date", Cell::Date(2026, 11, 25))
                    .set("latest_interaction", long_talk),
                "已通过",
                26,
            ),
            reviewed(
                update("C002")
                    .unset("contact")
                    .set("update_date", Cell::Date(2026, 11, 22))
                    .set(
                        "address",
                        "江苏省南京市江宁区将军大道 88 号智能制造产业园 3 号楼",
                    )
                    .set("update_reason", "公司搬迁")
                    .set("maintenance_type", "地址变更"),
                "已通过",
                23,
            ),
            // Dated before the first merge's last log row (C006, 11-21).
            reviewed(
                update("C005")
                    .set("update_date", Cell::Date(2026, 11, 14))
                    .set("update_reason", "联系人调岗"),
                "已通过",
                15,
            ),
            reviewed(
                update("C003").set("update_date", Cell::Date(2026, 11, 28)),
                "已驳回",
                29,
            ),
            update("C004"),
        ])
        .write(d, "round.xlsx");
    let (code, out) = crm(
        d,
        &[
            "merge",
            "round.xlsx",
            "--master",
            "first.xlsx",
            "-o",
            "register.xlsx",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let path = d.join("register.xlsx");
    keep(&path);
    path
}

/// The rows of a sheet as text (calamine), from row 1.
fn rows(path: &Path, sheet: &str) -> Vec<Vec<String>> {
    sheet_text(path, sheet)
}

fn row_of(rows: &[Vec<String>], col: usize, text: &str) -> u32 {
    rows.iter()
        .position(|r| r.get(col).map(String::as_str) == Some(text))
        .unwrap_or_else(|| panic!("no row with {text:?} in column {col}")) as u32
}

// ------------------------------------------------------------------- tests

#[test]
fn instructions_list_options_one_per_line_and_the_template_prints_in_a_few_pages() {
    let dir = tmp();
    let d = dir.path();
    let (code, out) = crm(d, &["generate", "-o", "template.xlsx"]);
    assert_eq!(code, 0, "{out}");
    let path = d.join("template.xlsx");
    keep(&path);
    let t = crmsheet::template::Template::builtin();
    let sheet = "填写说明";
    let text = rows(&path, sheet);
    let xml = sheet_xml(&path, sheet);

    // Every industry on a line of its own: the names contain 、 themselves.
    let industry = row_of(&text, 2, "行业类别*");
    let list = t.lists.iter().find(|l| l.key == "industries").unwrap();
    let expected: Vec<&str> = list.options.iter().map(|o| o.label.zh.as_str()).collect();
    assert_eq!(text[industry as usize][6], expected.join("\n"));
    assert!(text[industry as usize][6].contains("农、林、牧、渔业\n采矿业\n"));

    // The field table: wrapped text at the top of rows as tall as their text.
    let caption = row_of(&text, 0, "工作表");
    let first = caption + 1;
    let last = first + (t.entry().fields.len() + t.update().fields.len()) as u32 - 1;
    for r in first..=last {
        for col in ["A", "C", "E", "G"] {
            let cell = format!("{col}{}", r + 1);
            assert!(wraps_at_top(&path, &xml, &cell), "{cell} wraps at the top");
        }
        let height =
            row_height(&xml, r + 1).unwrap_or_else(|| panic!("row {} has a height", r + 1));
        assert!(height >= 15.0, "row {}: {height}", r + 1);
    }
    let height = row_height(&xml, industry + 1).unwrap();
    assert!(
        height >= 15.0 * expected.len() as f64,
        "the industry row shows {} lines: {height}",
        expected.len()
    );
    // A one-line field is one line tall, not padded.
    let date_row = row_of(&text, 2, "录入日期*");
    assert!(row_height(&xml, date_row + 1).unwrap() <= 16.0);

    // Landscape, one page wide, the table's caption row on every page.
    assert_landscape_fit_to_width(&xml, sheet);
    assert_eq!(
        print_titles(&path, sheet).as_deref(),
        Some(format!("{sheet}!${0}:${0}", caption + 1).as_str())
    );
    for data in [ENTRY, UPDATE] {
        let xml = sheet_xml(&path, data);
        assert_landscape_fit_to_width(&xml, data);
        assert_eq!(print_titles(&path, data), Some(format!("{data}!$1:$1")));
        assert!(xml.contains(r#"<printOptions gridLines="1"/>"#), "{data}");
    }

    // Printed: two pages of instructions and a page per data sheet (it was 16).
    if let Some(pages) = printed_pages(&path, d) {
        assert!((3..=5).contains(&pages), "{pages} pages");
    }
}

#[test]
fn input_messages_warn_about_privacy_once_and_update_prompts_speak_of_updates() {
    let dir = tmp();
    let d = dir.path();
    let t = crmsheet::template::Template::builtin();
    let prompt = Regex::new(r#"\bprompt="([^"]*)""#).unwrap();
    // The words the privacy warning (and the old contact prompts) said it with.
    for (lang, words) in [
        ("zh", &["请勿填写", "不要填写"][..]),
        ("en", &["phone number"][..]),
    ] {
        let name = format!("{lang}.xlsx");
        let (code, out) = crm(d, &["generate", "--lang", lang, "-o", &name]);
        assert_eq!(code, 0, "{out}");
        let path = d.join(&name);
        for kind in crmsheet::template::SheetKind::ALL {
            let def = t.sheet(kind);
            let sheet = if lang == "zh" {
                &def.name.zh
            } else {
                &def.name.en
            };
            let xml = sheet_xml(&path, sheet);
            let prompts: Vec<String> = prompt
                .captures_iter(&xml)
                .map(|c| c[1].replace("&#xA;", "\n").replace("&apos;", "'"))
                .collect();
            assert_eq!(prompts.len(), def.fields.len(), "{sheet}");
            for p in &prompts {
                let said: usize = words.iter().map(|w| p.matches(w).count()).sum();
                assert!(said <= 1, "{sheet}: said twice: {p}");
            }
            // The review-status prompt is the definition's for that sheet.
            let field = def.field("review_status").unwrap();
            let expected = if lang == "zh" {
                &field.prompt.zh
            } else {
                &field.prompt.en
            };
            assert!(
                prompts.iter().any(|p| p == expected),
                "{sheet}: {prompts:#?}"
            );
        }
    }
    let entry = &t.entry().field("review_status").unwrap().prompt;
    let update = &t.update().field("review_status").unwrap().prompt;
    assert!(
        !update.zh.contains("新录入") && update.zh.contains("更新"),
        "{}",
        update.zh
    );
    assert!(update.en.contains("update"), "{}", update.en);
    assert_ne!(entry.zh, update.zh);
}

#[test]
fn report_sheet_wraps_messages_and_masked_values() {
    let dir = tmp();
    let d = dir.path();
    let long_talk = "客户王总来电 13812345678，约下周到工厂参观新生产线，并希望我们提前准备\
                     设备清单、报价单和以往的安装案例，邮件发到 wang.zong@example.com";
    Book::new()
        .entries([
            entry("上海明远机械有限公司").set("interaction", long_talk),
            entry("华东电气有限公司").set("industry", "制造"),
        ])
        .write(d, "filled.xlsx");
    let (code, out) = crm(
        d,
        &["validate", "filled.xlsx", "--annotate", "annotated.xlsx"],
    );
    assert_eq!(code, 1, "{out}");
    let path = d.join("annotated.xlsx");
    keep(&path);
    let sheet = "校验报告";
    let text = rows(&path, sheet);
    let xml = sheet_xml(&path, sheet);

    let pii = row_of(&text, 4, "pii");
    let value = &text[pii as usize][6];
    assert!(
        value.contains("138****5678") && value.contains("w***@example.com"),
        "{value}"
    );
    assert!(!value.contains("13812345678"));
    for r in 1..text.len() as u32 {
        if text[r as usize]
            .get(4)
            .is_none_or(|rule| !rule.contains('-') && rule != "pii")
        {
            break;
        }
        for col in ["G", "H", "I"] {
            let cell = format!("{col}{}", r + 1);
            assert!(wraps_at_top(&path, &xml, &cell), "{cell} wraps");
        }
    }
    // The long value and message get the lines they need.
    let height = row_height(&xml, pii + 1).expect("the pii row has a height");
    assert!(height >= 45.0, "{height}");
    assert!(width_of(&xml, 6) >= 28.0 && width_of(&xml, 7) >= 60.0 && width_of(&xml, 8) >= 28.0);

    assert_landscape_fit_to_width(&xml, sheet);
    assert_eq!(print_titles(&path, sheet), Some(format!("{sheet}!$1:$1")));
    if let Some(pages) = printed_pages(&path, d) {
        // Report, two pages of instructions, entry and update sheets.
        assert!(pages <= 6, "{pages} pages");
    }
}

#[test]
fn register_log_reads_in_date_order_and_summary_charts_fit_their_pages() {
    let dir = tmp();
    let d = dir.path();
    let path = register(d);

    // The change log in date order: the late C005 update (11-14) among the
    // first merge's rows, before C006's ID (11-21).
    let log = rows(&path, "操作日志");
    let dates: Vec<&str> = log[1..].iter().map(|r| r[0].as_str()).collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted);
    let late = log
        .iter()
        .position(|r| r[1] == "C005" && r[3] == "主要联系人")
        .unwrap();
    let c006 = log
        .iter()
        .position(|r| r[1] == "C006" && r[3] == "客户ID")
        .unwrap();
    assert!(late < c006, "{log:#?}");
    assert_eq!(log[late][0], "2026-11-14");

    // Wide enough to read; old and new values (a whole history) wrap.
    let xml = sheet_xml(&path, "操作日志");
    for (col, min) in [
        (0, 12.0),
        (2, 24.0),
        (4, 32.0),
        (5, 32.0),
        (6, 30.0),
        (9, 34.0),
    ] {
        assert!(
            width_of(&xml, col) >= min,
            "column {col}: {}",
            width_of(&xml, col)
        );
    }
    let history = log.iter().position(|r| r[3] == "互动历史").unwrap() as u32;
    assert!(log[history as usize][5].lines().count() >= 2);
    for col in ["E", "F", "J"] {
        assert!(wraps_at_top(&path, &xml, &format!("{col}{}", history + 1)));
    }
    assert!(row_height(&xml, history + 1).unwrap() >= 45.0);
    assert_eq!(
        print_titles(&path, "操作日志"),
        Some("操作日志!$1:$1".into())
    );
    assert_landscape_fit_to_width(&xml, "操作日志");

    // The interaction history on the entry sheet wraps, its row as tall as it.
    let entries = rows(&path, ENTRY);
    let c001 = row_of(&entries, 2, "C001");
    let t = crmsheet::template::Template::builtin();
    let col = t.entry().field_index("interaction").unwrap();
    assert!(entries[c001 as usize][col].contains('\n'));
    let xml = sheet_xml(&path, ENTRY);
    let cell = format!("{}{}", (b'A' + col as u8) as char, c001 + 1);
    assert!(wraps_at_top(&path, &xml, &cell), "{cell}");
    assert!(row_height(&xml, c001 + 1).unwrap() >= 45.0);

    // Summary: counts on whole-number axes from 0.
    let charts: Vec<String> = zip_names(&path)
        .into_iter()
        .filter(|n| n.starts_with("xl/charts/chart"))
        .collect();
    assert_eq!(charts.len(), 4);
    let mut axes = 0;
    for chart in &charts {
        let xml = zip_entry(&path, chart);
        if xml.contains("<c:pieChart>") {
            continue;
        }
        axes += 1;
        let val = &xml[xml.find("<c:valAx>").unwrap()..xml.find("</c:valAx>").unwrap()];
        assert!(val.contains(r#"<c:majorUnit val="1"/>"#), "{chart}: {val}");
        assert!(val.contains(r#"<c:numFmt formatCode="0""#), "{chart}");
        assert!(val.contains(r#"<c:min val="0"/>"#), "{chart}");
    }
    assert_eq!(axes, 3);

    // Each table and chart on a page of its own, no chart crossing a page break.
    let summary = sheet_xml(&path, "统计");
    assert_landscape_fit_to_width(&summary, "统计");
    let breaks = page_breaks(&summary);
    assert_eq!(breaks.len(), 3, "{breaks:?}");
    let drawing = zip_entry(&path, "xl/drawings/drawing1.xml");
    let anchor = Regex::new(
        r"(?s)<xdr:from><xdr:col>\d+</xdr:col><xdr:colOff>\d+</xdr:colOff><xdr:row>(\d+)</xdr:row>.*?<xdr:to><xdr:col>\d+</xdr:col><xdr:colOff>\d+</xdr:colOff><xdr:row>(\d+)</xdr:row>",
    )
    .unwrap();
    let spans: Vec<(u32, u32)> = anchor
        .captures_iter(&drawing)
        .map(|c| {
            (
                c[1].parse::<u32>().unwrap() + 1,
                c[2].parse::<u32>().unwrap() + 1,
            )
        })
        .collect();
    assert_eq!(spans.len(), 4);
    for (top, bottom) in &spans {
        assert!(
            !breaks.iter().any(|b| top < b && b <= bottom),
            "chart rows {top}-{bottom} cross a break {breaks:?}"
        );
        // A landscape page holds about 34 rows at full size.
        assert!(bottom - top <= 32, "chart rows {top}-{bottom}");
    }

    if let Some(pages) = printed_pages(&path, d) {
        // Instructions 2, entry, update, log, and the summary's 4.
        assert!(pages <= 10, "{pages} pages");
    }
    assert!(cell_value(&path, "统计", 0, 0).is_some());
}
