//! `crmsheet generate`, checked the way a user would: the workbook is read back
//! with calamine, its sheet XML is read from the zip, and LibreOffice converts it.

use assert_cmd::Command;
use calamine::{open_workbook_auto, Data, Reader, SheetVisible};
use regex::Regex;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

mod support;

const TEMPLATE: &str = include_str!("../templates/customer-register.toml");
const ZH_FILE: &str = "客户信息管理模板-v1.0.0.xlsx";
const EN_FILE: &str = "customer-register-template-v1.0.0.xlsx";

fn crmsheet(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("crmsheet").unwrap();
    cmd.current_dir(dir).env_remove("CRMSHEET_SCHEMA");
    cmd
}

fn generate(dir: &Path, args: &[&str]) -> PathBuf {
    let out = crmsheet(dir).arg("generate").args(args).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert_eq!(stdout.lines().count(), 1, "one line of output: {stdout}");
    dir.to_path_buf()
}

/// All cells of a sheet as text, row by row (from A1).
fn sheet_text(path: &Path, name: &str) -> Vec<Vec<String>> {
    let mut wb = open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let mut rows = vec![Vec::new(); r0 as usize];
    for row in range.rows() {
        let mut cells = vec![String::new(); c0 as usize];
        cells.extend(row.iter().map(|c| match c {
            Data::Empty => String::new(),
            other => other.to_string(),
        }));
        while cells.last().is_some_and(|c| c.is_empty()) {
            cells.pop();
        }
        rows.push(cells);
    }
    rows
}

fn sheets(path: &Path) -> Vec<(String, SheetVisible)> {
    let wb = open_workbook_auto(path).unwrap();
    wb.sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible))
        .collect()
}

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

fn attr(element: &str, name: &str) -> Option<String> {
    let re = Regex::new(&format!(r#"\b{name}="([^"]*)""#)).unwrap();
    re.captures(element).map(|c| c[1].to_string())
}

/// The XML of a worksheet, found by its name through workbook.xml and its rels.
fn sheet_xml(path: &Path, name: &str) -> String {
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
    let target = target.trim_start_matches("/xl/").to_string();
    zip_entry(path, &format!("xl/{target}"))
}

/// One data validation: its type (`None` = any value), range and first formula.
#[derive(Debug)]
struct Validation {
    ty: Option<String>,
    sqref: String,
    formula: Option<String>,
    prompt_title: Option<String>,
    prompt: Option<String>,
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#xA;", "\n")
        .replace("&#10;", "\n")
        .replace("&amp;", "&")
}

fn validations(xml: &str) -> Vec<Validation> {
    let re = Regex::new(r"(?s)<dataValidation\b([^>]*?)(/>|>(.*?)</dataValidation>)").unwrap();
    let formula = Regex::new(r"(?s)<formula1>(.*?)</formula1>").unwrap();
    re.captures_iter(xml)
        .map(|c| {
            let attrs = c[1].to_string();
            Validation {
                ty: attr(&attrs, "type"),
                sqref: attr(&attrs, "sqref").unwrap(),
                formula: c
                    .get(3)
                    .and_then(|body| formula.captures(body.as_str()))
                    .map(|f| unescape(&f[1])),
                prompt_title: attr(&attrs, "promptTitle").map(|s| unescape(&s)),
                prompt: attr(&attrs, "prompt").map(|s| unescape(&s)),
            }
        })
        .collect()
}

fn column_letter(i: usize) -> String {
    let mut n = i + 1;
    let mut out = Vec::new();
    while n > 0 {
        out.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap()
}

/// The lists of the template: (key, zh name, en name, [(zh, en)]), in file order.
/// A list of the definition: (key, zh name, en name, [(zh, en)]).
type ListDef = (String, String, String, Vec<(String, String)>);

/// A field of the definition: (key, zh, en, type, list, required).
type FieldDef = (String, String, String, String, Option<String>, bool);

fn template_lists(text: &str) -> Vec<ListDef> {
    let value: toml::Table = text.parse().unwrap();
    let lists = value["lists"].as_table().unwrap();
    // toml::Table keeps keys sorted; the file order is the order of appearance.
    let mut keys: Vec<&String> = lists.keys().collect();
    keys.sort_by_key(|k| text.find(&format!("[lists.{k}]")).unwrap());
    keys.into_iter()
        .map(|k| {
            let l = lists[k.as_str()].as_table().unwrap();
            let options = l["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| {
                    let zh = o["zh"].as_str().unwrap().to_string();
                    let en = o
                        .get("en")
                        .and_then(|e| e.as_str())
                        .unwrap_or(&zh)
                        .to_string();
                    (zh, en)
                })
                .collect();
            (
                k.clone(),
                l["zh"].as_str().unwrap().to_string(),
                l["en"].as_str().unwrap().to_string(),
                options,
            )
        })
        .collect()
}

/// The fields of a sheet: (key, zh, en, type, list, required).
fn template_fields(text: &str, sheet: &str) -> Vec<FieldDef> {
    let value: toml::Table = text.parse().unwrap();
    value["sheets"][sheet]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["key"].as_str().unwrap().to_string(),
                f["zh"].as_str().unwrap().to_string(),
                f["en"].as_str().unwrap().to_string(),
                f["type"].as_str().unwrap().to_string(),
                f.get("list").and_then(|l| l.as_str()).map(str::to_string),
                f["required"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn headers(text: &str, sheet: &str, en: bool) -> Vec<String> {
    template_fields(text, sheet)
        .into_iter()
        .map(|(_, zh, enh, _, _, req)| {
            let h = if en { enh } else { zh };
            if req {
                format!("{h}*")
            } else {
                h
            }
        })
        .collect()
}

#[test]
fn default_workbook_has_the_sheets_headers_lists_and_stamp() {
    let dir = tempfile::tempdir().unwrap();
    let out = crmsheet(dir.path()).arg("generate").assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert_eq!(stdout.lines().count(), 1);
    assert!(stdout.contains(ZH_FILE), "{stdout}");
    let path = dir.path().join(ZH_FILE);

    assert_eq!(
        sheets(&path),
        vec![
            ("填写说明".to_string(), SheetVisible::Visible),
            ("客户信息录入表".to_string(), SheetVisible::Visible),
            ("客户信息更新表".to_string(), SheetVisible::Visible),
            ("下拉选项".to_string(), SheetVisible::Hidden),
            ("_meta".to_string(), SheetVisible::Hidden),
        ]
    );
    assert_eq!(
        sheet_text(&path, "客户信息录入表"),
        vec![headers(TEMPLATE, "entry", false)]
    );
    assert_eq!(
        sheet_text(&path, "客户信息更新表"),
        vec![headers(TEMPLATE, "update", false)]
    );
    assert_eq!(headers(TEMPLATE, "entry", false)[3], "客户名称*");

    // One column per list: name in row 1, options below, team included (empty).
    let lists = sheet_text(&path, "下拉选项");
    let expected = template_lists(TEMPLATE);
    assert_eq!(lists[0].len(), expected.len());
    for (i, (key, zh, _, options)) in expected.iter().enumerate() {
        assert_eq!(lists[0][i], *zh, "list {key}");
        let column: Vec<&str> = lists[1..]
            .iter()
            .filter_map(|r| r.get(i).map(String::as_str))
            .filter(|s| !s.is_empty())
            .collect();
        let want: Vec<&str> = options.iter().map(|(zh, _)| zh.as_str()).collect();
        assert_eq!(column, want, "list {key}");
    }
    assert!(expected
        .iter()
        .any(|(k, _, _, o)| k == "team" && o.is_empty()));

    let meta = sheet_text(&path, "_meta");
    let meta: HashMap<&str, &str> = meta
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(meta["template"], "customer-register");
    assert_eq!(meta["version"], "1.0.0");
    assert_eq!(meta["language"], "zh");
    assert!(Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
        .unwrap()
        .is_match(meta["generated_at"]));
    let custom = zip_entry(&path, "docProps/custom.xml");
    assert!(
        Regex::new(r#"name="TemplateVersion"><vt:lpwstr>1\.0\.0</vt:lpwstr>"#)
            .unwrap()
            .is_match(&custom),
        "{custom}"
    );

    // Instructions: the guide's steps, every field with its requirement, the version.
    let instructions: Vec<String> = sheet_text(&path, "填写说明")
        .into_iter()
        .flatten()
        .collect();
    let all = instructions.join("\n");
    assert!(all.contains("严禁填写任何个人隐私信息"), "guide steps");
    for sheet in ["entry", "update"] {
        for h in headers(TEMPLATE, sheet, false) {
            assert!(instructions.contains(&h), "instructions name {h}");
        }
    }
    assert!(all.contains("当“审核状态”为 已通过 或 已驳回 时必填"));
    assert!(all.contains("上海明远机械有限公司"), "examples");
    assert!(all.contains("1.0.0"));
}

#[test]
fn data_sheets_carry_dropdowns_validation_formatting_and_protection() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &[]);
    let path = dir.path().join(ZH_FILE);
    let lists = template_lists(TEMPLATE);
    let cf =
        Regex::new(r#"(?s)<conditionalFormatting sqref="([^"]*)">(.*?)</conditionalFormatting>"#)
            .unwrap();
    let protection_tag = Regex::new(r"<sheetProtection\b[^>]*>").unwrap();
    for (sheet_key, sheet_name) in [("entry", "客户信息录入表"), ("update", "客户信息更新表")]
    {
        let xml = sheet_xml(&path, sheet_name);
        let dvs = validations(&xml);
        let fields = template_fields(TEMPLATE, sheet_key);
        assert_eq!(dvs.len(), fields.len(), "one validation per column");
        assert!(!xml.contains("INDIRECT"));
        for (i, (key, zh, _, ty, list, _)) in fields.iter().enumerate() {
            let col = column_letter(i);
            let dv = dvs
                .iter()
                .find(|d| d.sqref == format!("{col}2:{col}2000"))
                .unwrap_or_else(|| panic!("validation on {col} ({key})"));
            assert_eq!(dv.prompt_title.as_deref(), Some(zh.as_str()), "{key}");
            let prompt = dv.prompt.clone().unwrap_or_default();
            assert!(!prompt.is_empty() && prompt.chars().count() <= 255, "{key}");
            if ty == "text" {
                assert!(prompt.contains("手机号"), "PII warning on {key}");
            }
            match ty.as_str() {
                "list" => {
                    let l = list.as_deref().unwrap();
                    let li = lists.iter().position(|x| x.0 == l).unwrap();
                    let lc = column_letter(li);
                    assert_eq!(dv.ty.as_deref(), Some("list"), "{key}");
                    assert_eq!(
                        dv.formula.as_deref(),
                        Some(format!("下拉选项!${lc}$2:${lc}${}", lists[li].3.len() + 1).as_str()),
                        "{key}"
                    );
                }
                "date" => assert_eq!(dv.ty.as_deref(), Some("date"), "{key}"),
                "id" => {
                    assert_eq!(dv.ty.as_deref(), Some("custom"));
                    let f = dv.formula.clone().unwrap();
                    assert!(f.starts_with(&format!("OR({col}2=\"\"")), "{f}");
                    assert!(f.contains("\"C\"") && f.len() <= 255, "{f}");
                }
                // Team fields get no dropdown while the team list is empty.
                _ => assert_eq!(dv.ty, None, "{key}"),
            }
        }

        // Overdue pending reviews (status column) and, on the entry sheet, duplicate IDs.
        let status = column_letter(fields.iter().position(|f| f.0 == "review_status").unwrap());
        let rules: Vec<(String, String)> = cf
            .captures_iter(&xml)
            .map(|c| (c[1].to_string(), unescape(&c[2])))
            .collect();
        let overdue = rules
            .iter()
            .find(|(r, _)| *r == format!("{status}2:{status}2000"))
            .expect("overdue rule");
        assert!(
            overdue.1.contains(&format!(
                "AND(${status}2=\"待审核\",ISNUMBER($A2),(TODAY()-$A2)*24>24)"
            )),
            "{}",
            overdue.1
        );
        let dup = rules
            .iter()
            .any(|(r, body)| r == "C2:C2000" && body.contains("duplicateValues"));
        assert_eq!(dup, sheet_key == "entry");

        // Header locked by protection that lets staff insert rows, sort and filter.
        let protection = protection_tag.find(&xml).unwrap().as_str().to_string();
        for allowed in ["insertRows", "sort", "autoFilter"] {
            assert_eq!(
                attr(&protection, allowed).as_deref(),
                Some("0"),
                "{allowed} in {protection}"
            );
        }
        assert!(xml.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        ));
        let last = column_letter(fields.len() - 1);
        assert!(xml.contains(&format!(r#"<autoFilter ref="A1:{last}2000"/>"#)));
    }
}

#[test]
fn english_workbook() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &["--lang", "en"]);
    let path = dir.path().join(EN_FILE);
    let names: Vec<String> = sheets(&path).into_iter().map(|s| s.0).collect();
    assert_eq!(
        names,
        [
            "Instructions",
            "Customer Entry",
            "Customer Update",
            "Lists",
            "_meta"
        ]
    );
    assert_eq!(
        sheet_text(&path, "Customer Entry"),
        vec![headers(TEMPLATE, "entry", true)]
    );
    assert_eq!(
        sheet_text(&path, "Customer Update"),
        vec![headers(TEMPLATE, "update", true)]
    );
    let lists = sheet_text(&path, "Lists");
    for (i, (_, _, en, options)) in template_lists(TEMPLATE).iter().enumerate() {
        assert_eq!(lists[0][i], *en);
        for (r, (_, label)) in options.iter().enumerate() {
            assert_eq!(lists[r + 1][i], *label);
        }
    }
    let meta = sheet_text(&path, "_meta");
    assert!(meta.contains(&vec!["language".to_string(), "en".to_string()]));
    let xml = sheet_xml(&path, "Customer Entry");
    assert!(xml.contains("<formula1>Lists!$A$2:$A$21</formula1>"));
    assert!(xml.contains("Do not enter phone numbers"));
    assert!(xml.contains("$L2=\"Pending\""));
}

#[test]
fn rows_sets_the_last_validated_row_and_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &["--rows", "37", "-o", "short.xlsx"]);
    let xml = sheet_xml(&dir.path().join("short.xlsx"), "客户信息更新表");
    let sqref = Regex::new(r#"sqref="([A-Z]+)2:([A-Z]+)(\d+)""#).unwrap();
    let found: Vec<_> = sqref.captures_iter(&xml).collect();
    assert!(found.len() >= 16, "validations and formats");
    for c in found {
        assert_eq!(&c[1], &c[2]);
        assert_eq!(&c[3], "37", "{}", &c[0]);
    }
    for bad in ["0", "1048576", "-3", "many"] {
        let out = crmsheet(dir.path())
            .args(["generate", "-o", "bad.xlsx", &format!("--rows={bad}")])
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(stderr.contains("rows"), "{bad}: {stderr}");
        assert!(!dir.path().join("bad.xlsx").exists());
    }
    generate(dir.path(), &["--rows", "1048575", "-o", "max.xlsx"]);
    let xml = sheet_xml(&dir.path().join("max.xlsx"), "客户信息录入表");
    assert!(xml.contains(r#"sqref="E2:E1048575""#));
}

#[test]
fn no_protect_leaves_sheets_unprotected() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &["--no-protect"]);
    let path = dir.path().join(ZH_FILE);
    for sheet in ["客户信息录入表", "客户信息更新表"] {
        let xml = sheet_xml(&path, sheet);
        assert!(!xml.contains("<sheetProtection"), "{sheet}");
        assert!(xml.contains("<dataValidations"), "{sheet}");
    }
}

#[test]
fn refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.xlsx");
    std::fs::write(&path, b"keep me").unwrap();
    let out = crmsheet(dir.path())
        .args(["generate", "-o", "t.xlsx"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("t.xlsx") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp file left"
    );

    generate(dir.path(), &["-o", "t.xlsx", "--force"]);
    assert_eq!(sheets(&path).len(), 5);
}

#[test]
fn team_members_get_dropdowns() {
    let dir = tempfile::tempdir().unwrap();
    let text = TEMPLATE.replacen(
        "options = []",
        r#"options = [{ zh = "张伟", en = "Zhang Wei" }, { zh = "李娜", en = "Li Na" }]"#,
        1,
    );
    assert_ne!(text, TEMPLATE);
    std::fs::write(dir.path().join("team.toml"), text).unwrap();
    crmsheet(dir.path())
        .args(["--schema", "team.toml", "generate", "-o", "team.xlsx"])
        .assert()
        .success();
    let path = dir.path().join("team.xlsx");
    let team_col = column_letter(
        template_lists(TEMPLATE)
            .iter()
            .position(|l| l.0 == "team")
            .unwrap(),
    );
    let dvs = validations(&sheet_xml(&path, "客户信息录入表"));
    for col in ["B", "M"] {
        let dv = dvs
            .iter()
            .find(|d| d.sqref == format!("{col}2:{col}2000"))
            .unwrap();
        assert_eq!(dv.ty.as_deref(), Some("list"));
        assert_eq!(
            dv.formula.clone().unwrap(),
            format!("下拉选项!${team_col}$2:${team_col}$3")
        );
    }
    let lists = sheet_text(&path, "下拉选项");
    let ti = template_lists(TEMPLATE)
        .iter()
        .position(|l| l.0 == "team")
        .unwrap();
    assert_eq!(lists[1][ti], "张伟");
    assert_eq!(lists[2][ti], "李娜");
}

#[test]
fn broken_definitions_are_one_line_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "template = \"x\"\nversion = [\n",
    )
    .unwrap();
    let out = crmsheet(dir.path())
        .args(["--schema", "bad.toml", "generate"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("crmsheet: bad.toml: line "), "{stderr}");

    let text = TEMPLATE.replacen("list = \"industries\"", "list = \"sectors\"", 1);
    let line = text[..text.find("list = \"sectors\"").unwrap()]
        .lines()
        .count()
        + 1;
    std::fs::write(dir.path().join("missing.toml"), text).unwrap();
    let out = crmsheet(dir.path())
        .args(["--schema", "missing.toml", "generate"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("crmsheet: missing.toml: line {line}: ")),
        "{stderr}"
    );
    assert!(stderr.contains("sectors"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "nothing written"
    );
}

#[test]
fn libreoffice_keeps_sheets_headers_lists_version_and_dropdowns() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &["-o", "template.xlsx"]);
    let original = dir.path().join("template.xlsx");
    let lists = template_lists(TEMPLATE);
    for to in ["xlsx", "ods"] {
        let Some(converted) = support::soffice_convert_into(&original, to, dir.path()) else {
            return;
        };
        let names: Vec<(String, SheetVisible)> = sheets(&converted);
        assert_eq!(names, sheets(&original), "{to}");
        assert_eq!(
            sheet_text(&converted, "客户信息录入表"),
            vec![headers(TEMPLATE, "entry", false)],
            "{to}"
        );
        assert_eq!(
            sheet_text(&converted, "客户信息更新表"),
            vec![headers(TEMPLATE, "update", false)],
            "{to}"
        );
        assert_eq!(
            sheet_text(&converted, "下拉选项"),
            sheet_text(&original, "下拉选项"),
            "{to}"
        );
        let meta = sheet_text(&converted, "_meta");
        assert!(
            meta.contains(&vec!["version".to_string(), "1.0.0".to_string()]),
            "{to}: {meta:?}"
        );
    }

    // The converted xlsx keeps a list validation on every list column, still
    // reading the hidden list sheet.
    let converted = dir.path().join("lo-xlsx").join("template.xlsx");
    for (sheet_key, sheet_name) in [("entry", "客户信息录入表"), ("update", "客户信息更新表")]
    {
        let dvs = validations(&sheet_xml(&converted, sheet_name));
        for (i, (key, _, _, ty, list, _)) in template_fields(TEMPLATE, sheet_key).iter().enumerate()
        {
            if ty != "list" {
                continue;
            }
            let col = column_letter(i);
            let li = lists
                .iter()
                .position(|l| Some(&l.0) == list.as_ref())
                .unwrap();
            let lc = column_letter(li);
            let dv = dvs
                .iter()
                .find(|d| d.sqref.starts_with(&format!("{col}2:")))
                .unwrap_or_else(|| {
                    panic!("{sheet_name}: no validation on {col} ({key}) after conversion")
                });
            assert_eq!(dv.ty.as_deref(), Some("list"));
            let formula = dv.formula.clone().unwrap().replace('\'', "");
            assert_eq!(
                formula,
                format!("下拉选项!${lc}$2:${lc}${}", lists[li].3.len() + 1),
                "{sheet_name} {key}"
            );
        }
    }
}
