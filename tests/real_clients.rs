//! The same defects give the same findings whatever program saved the file:
//! LibreOffice's `.ods` and `.xls` copies of a workbook, and CSV in UTF-8, UTF-8
//! with BOM and GBK (what Excel on Chinese Windows writes).

mod support;

use crmsheet::template::SheetKind;
use support::*;

/// A workbook with one planted defect per row-level rule family.
fn defective_book() -> Book {
    Book::new()
        .entries([
            approved("C001", "上海明远机械有限公司"),
            approved("C002", "华东电气有限公司"),
            entry("杭州云帆科技").set("industry", "制造"),
            entry("苏州恒达物流").unset("contact"),
            entry("南京长江建材").set("entry_date", "11/30/2026"),
            entry("宁波海晨贸易").set("interaction", "电话13812345678联系"),
            entry("上海明远机械股份有限公司"),
            approved("C1", "无锡新材料有限公司"),
            approved("C002", "合肥智造有限公司"),
            entry("武汉光谷软件").set("needs", "=HYPERLINK(\"x\")"),
            entry("成都天府餐饮").set("review_status", "通过"),
        ])
        .updates([
            update("C001").set("contact", "赵主任"),
            update("C999").set("contact", "钱经理"),
            update("C002"),
        ])
}

/// `(sheet, cell, rule)` of every finding.
fn places(run: &Run) -> Vec<(String, String, String)> {
    run.findings()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("-").to_string();
            (s("sheet"), s("cell"), s("rule"))
        })
        .collect()
}

#[test]
fn libreoffice_copies_give_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    let original = defective_book().write(dir.path(), "team.xlsx");
    let expected = places(&validate(dir.path(), &["team.xlsx"]));
    assert!(
        expected.len() >= 10,
        "the book plants many defects: {expected:?}"
    );
    for to in ["ods", "xls"] {
        let out = dir.path().join(to);
        std::fs::create_dir_all(&out).unwrap();
        let Some(copy) = soffice_convert(&original, to, &out) else {
            return;
        };
        let name = format!("{to}/team.{to}");
        assert!(copy.ends_with(&name));
        let run = validate(dir.path(), &[&name]);
        assert_eq!(places(&run), expected, "findings of the {to} copy");
        assert_eq!(run.json["files"][0]["template_version"], "1.0.0");
    }
}

#[test]
fn csv_in_utf8_bom_and_gbk_gives_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    let utf8 = defective_book().write_csv(SheetKind::Entry, dir.path(), "utf8.csv");
    let text = std::fs::read_to_string(&utf8).unwrap();
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(text.as_bytes());
    std::fs::write(dir.path().join("bom.csv"), bom).unwrap();
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    std::fs::write(dir.path().join("gbk.csv"), &gbk).unwrap();

    let expected = places(&validate(dir.path(), &["utf8.csv"]));
    assert!(
        expected
            .iter()
            .any(|(_, cell, rule)| cell == "E4" && rule == "invalid-enum"),
        "{expected:?}"
    );
    for name in ["bom.csv", "gbk.csv"] {
        assert_eq!(places(&validate(dir.path(), &[name])), expected, "{name}");
    }

    // And the CSV's findings are the workbook's entry-sheet findings, cell for cell.
    defective_book().write(dir.path(), "team.xlsx");
    let from_workbook: Vec<_> = places(&validate(dir.path(), &["team.xlsx"]))
        .into_iter()
        .filter(|(sheet, _, _)| sheet == "客户信息录入表")
        .collect();
    assert_eq!(expected, from_workbook);
}
