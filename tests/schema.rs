//! `crmsheet schema`: the TOML round trip and the Frictionless Table Schema.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

const TEMPLATE: &str = include_str!("../templates/customer-register.toml");

fn crmsheet(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("crmsheet").unwrap();
    cmd.current_dir(dir).env_remove("CRMSHEET_SCHEMA");
    cmd
}

fn stdout(dir: &Path, args: &[&str]) -> String {
    let out = crmsheet(dir).args(args).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

fn table_schema(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["schema", "--format", "table-schema"];
    all.extend_from_slice(args);
    serde_json::from_str(&stdout(dir, &all)).unwrap()
}

fn field<'a>(schema: &'a Value, name: &str) -> &'a Value {
    schema["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field {name} in {schema:#}"))
}

#[test]
fn toml_is_the_definition_verbatim_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let text = stdout(dir.path(), &["schema"]);
    assert_eq!(text, TEMPLATE);

    // `crmsheet schema > x.toml`, edit, generate with it.
    let edited = text.replacen("version = \"1.0.0\"", "version = \"1.1.0\"", 1);
    std::fs::write(dir.path().join("x.toml"), &edited).unwrap();
    let out = stdout(dir.path(), &["--schema", "x.toml", "generate"]);
    assert!(out.contains("客户信息管理模板-v1.1.0.xlsx"), "{out}");
    assert!(dir.path().join("客户信息管理模板-v1.1.0.xlsx").exists());
    // And the edited file is what `schema` now prints.
    assert_eq!(
        stdout(dir.path(), &["--schema", "x.toml", "schema"]),
        edited
    );

    // crmsheet.toml in the current folder is picked up without --schema.
    std::fs::write(dir.path().join("crmsheet.toml"), &edited).unwrap();
    assert_eq!(stdout(dir.path(), &["schema"]), edited);
}

#[test]
fn entry_table_schema_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let schema = table_schema(dir.path(), &[]);
    assert_eq!(schema["missingValues"], serde_json::json!([""]));
    let names: Vec<&str> = schema["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "录入日期*",
            "销售人员*",
            "客户ID",
            "客户名称*",
            "行业类别*",
            "主要联系人*",
            "职位",
            "公司地址",
            "互动历史*",
            "需求偏好",
            "客户状态*",
            "审核状态*",
            "审核人",
            "审核日期"
        ]
    );

    let date = field(&schema, "录入日期*");
    assert_eq!(date["type"], "date");
    assert_eq!(date["constraints"]["required"], true);

    let id = field(&schema, "客户ID");
    assert_eq!(id["type"], "string");
    assert_eq!(id["constraints"]["pattern"], r"^C\d{3,}$");
    assert_eq!(id["constraints"]["unique"], true);
    assert!(id["constraints"].get("required").is_none());

    let industry = field(&schema, "行业类别*");
    let options = industry["constraints"]["enum"].as_array().unwrap();
    assert_eq!(options.len(), 20);
    assert_eq!(options[2], "制造业");
    assert_eq!(
        field(&schema, "审核状态*")["constraints"]["enum"],
        serde_json::json!(["待审核", "已通过", "已驳回"])
    );

    // Conditionally required: not `required`; team fields: no enum without members.
    let reviewer = field(&schema, "审核人");
    assert!(reviewer.get("constraints").is_none(), "{reviewer}");
    assert!(field(&schema, "销售人员*")["constraints"]
        .get("enum")
        .is_none());
}

#[test]
fn update_table_schema_in_english() {
    let dir = tempfile::tempdir().unwrap();
    let schema = table_schema(dir.path(), &["--sheet", "update", "--lang", "en"]);
    assert_eq!(schema["fields"].as_array().unwrap().len(), 15);
    let id = field(&schema, "Customer ID*");
    assert_eq!(id["constraints"]["required"], true);
    assert_eq!(id["constraints"]["pattern"], r"^C\d{3,}$");
    assert!(
        id["constraints"].get("unique").is_none(),
        "IDs repeat on the update sheet"
    );
    assert_eq!(
        field(&schema, "Maintenance type*")["constraints"]["enum"][4],
        "Follow-up"
    );
    assert_eq!(
        field(&schema, "Customer status")["constraints"]["enum"],
        serde_json::json!(["Prospect", "Active", "Dormant", "Lost"])
    );
    assert_eq!(field(&schema, "Review date")["type"], "date");
}

#[test]
fn team_members_become_an_enum() {
    let dir = tempfile::tempdir().unwrap();
    let text = TEMPLATE.replacen(
        "options = []",
        r#"options = [{ zh = "张伟" }, { zh = "李娜", en = "Li Na" }]"#,
        1,
    );
    std::fs::write(dir.path().join("team.toml"), text).unwrap();
    let schema = table_schema(dir.path(), &["--schema", "team.toml", "--lang", "en"]);
    assert_eq!(
        field(&schema, "Salesperson*")["constraints"]["enum"],
        serde_json::json!(["张伟", "Li Na"])
    );
    assert_eq!(
        field(&schema, "Reviewer")["constraints"]["enum"],
        serde_json::json!(["张伟", "Li Na"])
    );
}

#[test]
fn bad_arguments_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    crmsheet(dir.path())
        .args(["schema", "--format", "yaml"])
        .assert()
        .code(2);
    crmsheet(dir.path())
        .args(["schema", "--sheet", "both"])
        .assert()
        .code(2);
}
