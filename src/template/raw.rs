//! The template definition exactly as written in TOML, before any checking.
//!
//! Spans are kept on every name that can point somewhere else, so a check in
//! [`super::Template::parse`] can say which line of the file is wrong.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTemplate {
    pub template: Spanned<String>,
    pub version: Spanned<String>,
    pub params: RawParams,
    pub workbook: RawWorkbook,
    pub change_log_columns: Spanned<RawChangeLogColumns>,
    pub guide: RawGuide,
    pub lists: Spanned<BTreeMap<String, Spanned<RawList>>>,
    pub sheets: RawSheets,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParams {
    pub review_hours: Spanned<i64>,
    pub stale_days: Spanned<i64>,
    pub id_pattern: Spanned<String>,
    pub id_prefix: Spanned<String>,
    pub id_digits: Spanned<i64>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawLabel {
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkbook {
    pub instructions: RawLabel,
    pub lists: RawLabel,
    pub meta: RawLabel,
    pub change_log: RawLabel,
    pub summary: RawLabel,
    pub report: RawLabel,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChangeLogColumns {
    pub date: RawLabel,
    pub customer_id: RawLabel,
    pub customer_name: RawLabel,
    pub field: RawLabel,
    pub old_value: RawLabel,
    pub new_value: RawLabel,
    pub reason: RawLabel,
    pub salesperson: RawLabel,
    pub reviewer: RawLabel,
    pub source: RawLabel,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGuide {
    pub zh: Vec<String>,
    pub en: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawList {
    pub zh: String,
    pub en: String,
    pub options: Vec<Spanned<RawOption>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOption {
    pub zh: String,
    /// Defaults to the zh label (handy for team member names).
    pub en: Option<String>,
    pub role: Option<super::OptionRole>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSheets {
    pub entry: RawSheet,
    pub update: RawSheet,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSheet {
    pub zh: String,
    pub en: String,
    pub date_field: Spanned<String>,
    pub fields: Vec<Spanned<RawField>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    pub key: Spanned<String>,
    pub zh: String,
    pub en: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(rename = "type")]
    pub ty: Spanned<super::FieldType>,
    pub list: Option<Spanned<String>>,
    pub required: bool,
    pub required_when: Option<Spanned<RawCondition>>,
    pub applies_to: Option<Spanned<String>>,
    pub appends_to: Option<Spanned<String>>,
    pub prompt_zh: String,
    pub prompt_en: String,
    pub example_zh: String,
    pub example_en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    pub field: String,
    #[serde(rename = "in")]
    pub values: Vec<String>,
}
