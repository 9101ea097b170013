//! Rules: each finding has a stable code, a severity, a cell and a message.
//!
//! After ruff and cargo-deny: [`Code`] is the registry — every rule's kebab-case
//! code, severity, family and one-line description live on it, so `crmsheet rules`
//! and the README table are generated from the code. Each rule is one small
//! function in the module of its family; [`engine`] reads the files, runs them
//! and collects the [`Finding`]s.

mod cross;
pub mod dates;
pub mod engine;
pub mod fields;
mod findings;
pub mod identity;
mod parallel;
pub mod privacy;
pub mod references;
mod repeat;
pub mod reviews;
mod row;
mod sink;
pub mod structure;

pub use engine::{FileChecker, Options, Validation};
pub use findings::KEPT_PER_RULE;

use crate::lang::Lang;
use crate::template::SheetKind;
use serde::{Serialize, Serializer};
use strum::{EnumCount, VariantArray};

/// How bad a finding is: errors fail `validate` (and stop `merge`); warnings fail
/// only with `--strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Severity::Error => lang.pick("错误", "error"),
            Severity::Warning => lang.pick("警告", "warning"),
        }
    }
}

/// The group a rule belongs to: one module each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Structure,
    Fields,
    Dates,
    Identity,
    References,
    Privacy,
    Reviews,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Structure => "structure",
            Family::Fields => "fields",
            Family::Dates => "dates",
            Family::Identity => "identity",
            Family::References => "references",
            Family::Privacy => "privacy",
            Family::Reviews => "reviews",
        }
    }

    /// The family's name as a person reads it (`as_str` in English).
    pub fn label(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.as_str(),
            Lang::Zh => match self {
                Family::Structure => "结构",
                Family::Fields => "字段",
                Family::Dates => "日期",
                Family::Identity => "客户ID",
                Family::References => "引用",
                Family::Privacy => "隐私",
                Family::Reviews => "审核",
            },
        }
    }
}

/// Every rule `validate` applies, in the order of SPEC §5 (the order of
/// reports' `by_rule`). The code (`as_str`, the variant's name in kebab case)
/// is stable: scripts and reports rely on it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::VariantArray,
    strum::EnumCount,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Code {
    FileUnreadable,
    MissingSheet,
    MissingColumn,
    DuplicateColumn,
    UnknownColumn,
    TemplateVersion,
    TemplateUnknown,
    ExtraSheet,
    MissingRequired,
    InvalidEnum,
    InvalidDate,
    FutureDate,
    DateOrder,
    InvalidId,
    IdBeforeApproval,
    DuplicateId,
    DuplicateCustomer,
    UnknownCustomer,
    IdNameMismatch,
    EmptyUpdate,
    OverdueReview,
    StaleCustomer,
    Pii,
    FormulaInjection,
}

/// What the registry knows about a rule.
#[derive(Debug, Clone, Copy)]
pub struct RuleSpec {
    pub severity: Severity,
    pub family: Family,
    /// What it checks and why, in one line.
    pub zh: &'static str,
    pub en: &'static str,
}

impl Code {
    /// All rules, in declaration order.
    pub const ALL: [Code; Code::COUNT] = match Code::VARIANTS.first_chunk() {
        Some(all) => *all,
        None => unreachable!(),
    };

    /// The registry entry of this rule.
    pub const fn spec(self) -> RuleSpec {
        use Family::*;
        use Severity::*;
        let (severity, family, zh, en) = match self {
            Code::FileUnreadable => (
                Error, Structure,
                "文件无法读取：不是表格文件、已损坏、有密码或不存在，因此无法检查。",
                "The file cannot be read (not a spreadsheet, damaged, encrypted or missing), so nothing in it can be checked.",
            ),
            Code::MissingSheet => (
                Error, Structure,
                "缺少录入表或更新表（CSV：表头与两张表都不匹配），其中的数据无法检查或合并。",
                "The entry or update sheet is absent (CSV: its headers match neither), so its rows cannot be checked or merged.",
            ),
            Code::MissingColumn => (
                Error, Structure,
                "表头行缺少模板的某一列；只报告一次，而不是每行都报。",
                "A column of the template is absent from the header row; reported once, not on every row.",
            ),
            Code::DuplicateColumn => (
                Error, Structure,
                "同一列表头出现两次：只读取第一列，第二列的数据会被忽略。",
                "A header appears twice: only the first column is read, the other's data would be lost.",
            ),
            Code::UnknownColumn => (
                Warning, Structure,
                "表头不属于模板：该列不会被检查，也不会被合并。",
                "A header that is not in the template: that column is neither checked nor merged.",
            ),
            Code::TemplateVersion => (
                Warning, Structure,
                "工作簿的模板版本与当前模板不同，下拉选项或列可能已过时。",
                "The workbook was made from another template version; its lists or columns may be out of date.",
            ),
            Code::TemplateUnknown => (
                Warning, Structure,
                "工作簿没有模板版本标记（_meta），不是由 crmsheet generate 生成的。",
                "The workbook carries no template version stamp (_meta): it was not made by crmsheet generate.",
            ),
            Code::ExtraSheet => (
                Warning, Structure,
                "另一张工作表的名称与录入表或更新表相同（如副本「客户信息录入表 (2)」），其中的行不会被检查或合并。",
                "A second sheet named like the entry or update sheet (such as a copy 客户信息录入表 (2)): its rows are neither checked nor merged.",
            ),
            Code::MissingRequired => (
                Error, Fields,
                "必填项（或审核后必填的审核人、审核日期）为空。",
                "A required field is empty (reviewer and review date are required once a row is reviewed).",
            ),
            Code::InvalidEnum => (
                Error, Fields,
                "值不在下拉列表中（两种语言均可）；会提示最接近的选项。",
                "A value is not an option of its dropdown list (either language); the closest option is suggested.",
            ),
            Code::InvalidDate => (
                Error, Dates,
                "不是日期：请用日期单元格或 2026-11-30 这样的文本；11/30/2026 和纯数字不被接受。",
                "Not a date: use a date cell or text such as 2026-11-30; 11/30/2026 and bare numbers are not accepted.",
            ),
            Code::FutureDate => (
                Error, Dates,
                "日期晚于检查日期（--as-of），多半是输入错误。",
                "A date after the as-of date (--as-of), most likely a typing error.",
            ),
            Code::DateOrder => (
                Error, Dates,
                "审核日期早于录入/更新日期，或更新日期早于该客户的录入日期。",
                "A review date before the row's entry/update date, or an update dated before the customer's entry.",
            ),
            Code::InvalidId => (
                Error, Identity,
                "客户ID不符合格式（id_pattern，如 C001）。",
                "A customer ID that does not match the ID pattern (id_pattern, such as C001).",
            ),
            Code::IdBeforeApproval => (
                Warning, Identity,
                "待审核或已驳回的录入行已填客户ID：ID 应在审核通过、合并时分配。",
                "An entry row that is pending or rejected already has a customer ID; IDs are assigned on approval, when merging.",
            ),
            Code::DuplicateId => (
                Error, Identity,
                "同一客户ID出现在多条录入行（所有文件合并计算），每个重复处报告一次；已在客户总表中的同一行再次提交不算。",
                "The same customer ID on several entry rows (across all files); reported at each later occurrence. The same row sent again (already in the register) is not one.",
            ),
            Code::DuplicateCustomer => (
                Warning, Identity,
                "客户名称（忽略空格、标点和公司后缀）与前面的录入行相同，可能重复录入；已在客户总表中的同一行再次提交不算。",
                "The customer name (ignoring spaces, punctuation and legal suffix) is already on an earlier entry row: a possible double entry. The same row sent again (already in the register) is not one.",
            ),
            Code::UnknownCustomer => (
                Error, References,
                "更新行的客户ID在录入表中没有已通过的记录。",
                "An update names a customer ID that no approved entry row has.",
            ),
            Code::IdNameMismatch => (
                Warning, References,
                "更新行的客户名称与该ID录入时的名称不一致，ID 可能填错。",
                "The update's customer name differs from the name entered for that ID: the ID may be wrong.",
            ),
            Code::EmptyUpdate => (
                Error, References,
                "更新行没有填写任何变更内容（联系人、职位、地址、需求、客户状态、最新互动）。",
                "An update row changes nothing (no contact, position, address, needs, customer status or latest interaction).",
            ),
            Code::OverdueReview => (
                Warning, Reviews,
                "待审核超过 review_hours（默认 24 小时）。",
                "Pending review for longer than review_hours (24 hours by default).",
            ),
            Code::StaleCustomer => (
                Warning, Reviews,
                "活跃客户超过 stale_days（默认 90 天）没有联系记录。",
                "An active customer with no recorded contact for more than stale_days (90 by default).",
            ),
            Code::Pii => (
                Error, Privacy,
                "文本中含有手机号、固定电话、电子邮箱或身份证号；报告中一律打码。",
                "A text holds a mobile or landline number, an e-mail address or an ID number; reports mask it.",
            ),
            Code::FormulaInjection => (
                Warning, Fields,
                "文本以 =、+、@ 或 -（后跟非数字）开头，在表格软件中可能被当作公式执行。",
                "A text beginning with =, +, @ or - (then a non-digit) may run as a formula in a spreadsheet.",
            ),
        };
        RuleSpec {
            severity,
            family,
            zh,
            en,
        }
    }

    /// The stable kebab-case code, such as `invalid-enum`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub const fn severity(self) -> Severity {
        self.spec().severity
    }

    pub const fn family(self) -> Family {
        self.spec().family
    }

    /// The one-line description in a language.
    pub fn description(self, lang: Lang) -> &'static str {
        let spec = self.spec();
        lang.pick(spec.zh, spec.en)
    }

    /// The rule with this code.
    pub fn from_code(code: &str) -> Option<Code> {
        code.parse().ok()
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One problem, at one place (SPEC §6). Fields that do not apply are `None`: a
/// file-level finding has only `file`; a missing column has `sheet`, `field` and
/// `column` but no `cell` or `row`.
///
/// The fields after `hint` order the report and locate the cell for an annotated
/// copy; they are not serialised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The path as given on the command line.
    pub file: String,
    /// The sheet's name in the file.
    pub sheet: Option<String>,
    /// `A1` address.
    pub cell: Option<String>,
    /// 1-based row number.
    pub row: Option<u32>,
    /// The template field key, such as `customer_name`.
    pub field: Option<String>,
    /// The column's header (the template's, in the language of the sheet).
    pub column: Option<String>,
    pub rule: Code,
    pub severity: Severity,
    /// The offending value, private details masked.
    pub value: Option<String>,
    /// What is wrong and how to fix it, in the language asked for.
    pub message: String,
    /// A suggestion such as the closest list option.
    pub hint: Option<String>,
    /// Position of the file in the run (master first, then argument order).
    #[serde(skip)]
    pub file_index: usize,
    #[serde(skip)]
    pub sheet_kind: Option<SheetKind>,
    /// 0-based column index.
    #[serde(skip)]
    pub col: Option<u32>,
    /// The field's index on its sheet in the template (`field` is its key).
    #[serde(skip)]
    pub field_index: Option<usize>,
}

impl Finding {
    /// The key reports are ordered by: file, then file-level findings, then per
    /// sheet (entry, update) sheet-level findings, then rows and columns.
    pub fn order_key(&self) -> (usize, Option<SheetKind>, Option<u32>, Option<u32>) {
        (self.file_index, self.sheet_kind, self.row, self.col)
    }
}

/// Where a finding is: everything but the rule's own words. Rules get one and
/// turn it into a [`Finding`].
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub file_index: usize,
    pub file: &'a str,
    pub sheet_kind: Option<SheetKind>,
    pub sheet: Option<&'a str>,
    pub row: Option<u32>,
    pub col: Option<u32>,
    /// The template field: its index on the sheet and its key.
    pub field: Option<(usize, &'a str)>,
    pub column: &'a str,
}

impl<'a> Place<'a> {
    /// A finding about the file as a whole.
    pub fn file(file_index: usize, file: &'a str) -> Place<'a> {
        Place {
            file_index,
            file,
            sheet_kind: None,
            sheet: None,
            row: None,
            col: None,
            field: None,
            column: "",
        }
    }

    /// The `A1` address, when the place is a cell.
    pub fn cell(&self) -> Option<String> {
        Some(crate::read::a1(self.row?, self.col?))
    }

    /// Builds the finding. Value, message and hint are masked here, so no rule
    /// can forget (a message may quote a customer name holding a phone number).
    pub fn finding(
        &self,
        rule: Code,
        value: Option<&str>,
        message: String,
        hint: Option<String>,
    ) -> Finding {
        Finding {
            file: self.file.to_string(),
            sheet: self.sheet.map(str::to_string),
            cell: self.cell(),
            row: self.row,
            field: self.field.map(|(_, key)| key.to_string()),
            field_index: self.field.map(|(i, _)| i),
            column: (!self.column.is_empty()).then(|| self.column.to_string()),
            rule,
            severity: rule.severity(),
            value: value.map(|v| crate::privacy::mask(v).into_owned()),
            message: match crate::privacy::mask(&message) {
                std::borrow::Cow::Borrowed(_) => message,
                std::borrow::Cow::Owned(masked) => masked,
            },
            hint: hint.map(|h| crate::privacy::mask(&h).into_owned()),
            file_index: self.file_index,
            sheet_kind: self.sheet_kind,
            col: self.col,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{s}");
            assert_eq!(Code::from_code(s), Some(code));
            assert!(!code.description(Lang::Zh).is_empty());
            assert!(!code.description(Lang::En).is_empty());
        }
        assert_eq!(seen.len(), 24);
        assert_eq!(Code::InvalidEnum.to_string(), "invalid-enum");
        assert_eq!(Code::from_code("Invalid-Enum"), None);
    }

    #[test]
    fn severities_follow_the_spec() {
        let warnings: Vec<&str> = Code::ALL
            .into_iter()
            .filter(|c| c.severity() == Severity::Warning)
            .map(Code::as_str)
            .collect();
        assert_eq!(
            warnings,
            [
                "unknown-column",
                "template-version",
                "template-unknown",
                "extra-sheet",
                "id-before-approval",
                "duplicate-customer",
                "id-name-mismatch",
                "overdue-review",
                "stale-customer",
                "formula-injection"
            ]
        );
    }

    #[test]
    fn findings_mask_their_value() {
        let place = Place::file(0, "a.xlsx");
        let f = place.finding(
            Code::DuplicateCustomer,
            Some("电话13812345678"),
            "「甲公司13812345678」重复".into(),
            Some("a@example.com".into()),
        );
        assert_eq!(f.value.as_deref(), Some("电话138****5678"));
        assert_eq!(f.message, "「甲公司138****5678」重复");
        assert_eq!(f.hint.as_deref(), Some("a***@example.com"));
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["rule"], "duplicate-customer");
        assert_eq!(json["severity"], "warning");
        assert!(json.get("file_index").is_none());
    }
}
