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

/// An entry-sheet CSV (English headers) with `ascii_rows` English-only rows
/// before two Chinese ones, the second a likely double entry of the first.
fn late_chinese_csv(ascii_rows: usize) -> (String, u32) {
    let t = crmsheet::template::Template::builtin();
    let headers: Vec<&str> = t
        .sheet(SheetKind::Entry)
        .fields
        .iter()
        .map(|f| f.header.en.as_str())
        .collect();
    let mut text = headers.join(",") + "\r\n";
    for i in 0..ascii_rows {
        text += &format!(
            "2026-11-29,Zhang Wei,,Acme Trading {i} Ltd,Manufacturing,Mr Wang,Buyer,1 Main Street,Visited on 11-28,Short lead times,Prospect,Pending,,\r\n"
        );
    }
    for name in ["明远机械", "明远机械有限公司"] {
        text += &format!("2026-11-29,张伟,,{name},制造业,王经理,,,上门拜访,,潜在,待审核,,\r\n");
    }
    (text, ascii_rows as u32 + 3)
}

#[test]
fn a_gbk_csv_whose_first_70_kib_are_ascii_is_read_as_gbk() {
    // #14: the encoding was decided on the first 64 KiB alone.
    let dir = tempfile::tempdir().unwrap();
    let (text, last) = late_chinese_csv(700);
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    let first_chinese = gbk.iter().position(|b| !b.is_ascii()).unwrap();
    assert!(first_chinese > 70 * 1024, "{first_chinese}");
    std::fs::write(dir.path().join("gbk.csv"), &gbk).unwrap();
    // The same text as UTF-8 without BOM stays UTF-8.
    std::fs::write(dir.path().join("utf8.csv"), text.as_bytes()).unwrap();
    for name in ["gbk.csv", "utf8.csv"] {
        let run = validate(dir.path(), &[name]);
        assert_eq!(
            run.cells(),
            [(format!("D{last}"), "duplicate-customer".to_string())],
            "{name}: {:#}",
            run.json
        );
        assert_eq!(run.of("duplicate-customer")[0]["value"], "明远机械有限公司");
        assert_eq!(run.code, 0, "{name}");
    }
}

#[test]
fn a_csv_neither_utf8_nor_gbk_is_unreadable_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let (text, _) = late_chinese_csv(700);
    let mut bytes = text.into_bytes();
    let at = bytes.iter().position(|b| !b.is_ascii()).unwrap();
    // Bytes no text encoding we read has, where the text first leaves ASCII.
    bytes.splice(at..at, [0x80, 0xFF, 0xFF]);
    std::fs::write(dir.path().join("odd.csv"), &bytes).unwrap();
    let run = validate(dir.path(), &["odd.csv"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.cells(),
        [("-".to_string(), "file-unreadable".to_string())]
    );
    assert!(
        run.stderr.contains("neither UTF-8 nor GBK/GB18030"),
        "{}",
        run.stderr
    );
}
