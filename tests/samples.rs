//! The files in `samples/`: the blank templates validate clean, and the filled
//! example's report is the golden one (every planted mistake at its cell).

mod support;

use std::path::Path;
use support::crmsheet;

fn samples() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn blank_templates_have_no_findings() {
    for name in [
        "samples/客户信息管理模板-v1.0.0.xlsx",
        "samples/customer-register-template-v1.0.0.xlsx",
    ] {
        let out = crmsheet(samples())
            .args(["validate", name, "--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["findings"], serde_json::json!([]), "{name}");
        assert_eq!(json["files"][0]["template_version"], "1.0.0");
    }
}

#[test]
fn filled_example_report_is_golden() {
    let out = crmsheet(samples())
        .args([
            "validate",
            "samples/filled-example.xlsx",
            "--as-of",
            "2026-11-30",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    serde_json::from_str::<serde_json::Value>(&stdout).expect("JSON report");
    insta::assert_snapshot!(stdout);
}
