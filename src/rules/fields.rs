//! Fields: one cell at a time — is a required value there, is a list value one
//! of the list's options, could a text run as a formula.

use super::row::{RowRule, RowView, Typed};
use super::{Code, Finding, Place};
use crate::lang::Lang;
use crate::read::{CellRange, Value};
use crate::template::OptionList;

/// The per-row rules of this family, in the order they run.
pub(super) const ROW_RULES: &[RowRule] = &[required_filled, no_formula_in_texts];

/// `missing-required` on a row: each empty cell of a required field, or of a
/// field the review status requires (the reviewer once reviewed), when the
/// sheet has its column (a missing column has its own finding).
fn required_filled(row: &mut RowView<'_, '_>, out: &mut Vec<Finding>) {
    for (i, field) in row.def.fields.iter().enumerate() {
        if !matches!(row.typed[i], Typed::Empty) || !row.has_column(i) {
            continue;
        }
        let because = if field.required {
            None
        } else if let Some(cond) = &field.required_when {
            match row.choice(cond.field) {
                Some(o) if cond.options.contains(&o) => {
                    Some((row.header(cond.field), row.label(cond.field, o)))
                }
                _ => continue,
            }
        } else {
            continue;
        };
        out.push(match row.cell(i).map(|c| &c.value) {
            // A formula that failed shows an error instead of a value.
            Some(Value::Error(error)) => {
                required_formula_error(&row.place(i), because, error, row.lang)
            }
            _ => missing_required(&row.place(i), because, row.lang),
        });
    }
}

/// `formula-injection` on each text of a row.
fn no_formula_in_texts(row: &mut RowView<'_, '_>, out: &mut Vec<Finding>) {
    for i in 0..row.typed.len() {
        if let Some(text) = row.text(i) {
            out.extend(formula_injection(&row.place(i), text, row.lang));
        }
    }
}

/// `missing-required`: a required field is empty. `because` names the condition
/// that makes it required (review status and its value), when it is conditional.
pub fn missing_required(place: &Place, because: Option<(&str, &str)>, lang: Lang) -> Finding {
    let column = place.column;
    let message = match (lang, because) {
        (Lang::Zh, None) => format!("「{column}」为必填项，请填写。"),
        (Lang::Zh, Some((field, value))) => {
            format!("「{field}」为「{value}」时必须填写「{column}」，请补上。")
        }
        (Lang::En, None) => format!("\"{column}\" is required; fill it in."),
        (Lang::En, Some((field, value))) => {
            format!("\"{column}\" is required when \"{field}\" is \"{value}\"; fill it in.")
        }
    };
    place.finding(Code::MissingRequired, None, message, None)
}

/// `missing-required`, for a required cell whose formula failed: it shows an
/// error value (`#N/A`, `#REF!`) instead of a value.
pub fn required_formula_error(
    place: &Place,
    because: Option<(&str, &str)>,
    error: &str,
    lang: Lang,
) -> Finding {
    let column = place.column;
    let mut message = match lang {
        Lang::Zh => format!(
            "「{column}」为必填项，但单元格中的公式出错，显示为错误值「{error}」，没有有效内容。请修正公式或直接填写数值。"
        ),
        Lang::En => format!(
            "\"{column}\" is required, but its formula failed and shows the error \"{error}\" instead of a value. Fix the formula or type the value in."
        ),
    };
    if let Some((field, value)) = because {
        message.push_str(&match lang {
            Lang::Zh => format!("（「{field}」为「{value}」时必填。）"),
            Lang::En => format!(" (Required when \"{field}\" is \"{value}\".)"),
        });
    }
    place.finding(Code::MissingRequired, Some(error), message, None)
}

/// Adds to a `missing-required` finding that its cell lies in a merged range
/// whose value only its first cell holds: the row lost its value to the merge.
pub fn lost_to_merge(finding: &mut Finding, range: &CellRange, lang: Lang) {
    let (cells, first) = (range.a1(), range.first_cell());
    finding.message.push_str(&match lang {
        Lang::Zh => format!(
            "该单元格被合并（{cells}），值只在 {first} 中，本行没有自己的值。请取消合并，并在每一行分别填写。"
        ),
        Lang::En => format!(
            " The cell is merged ({cells}): the value is only in {first}, so this row has none of its own. Unmerge the cells and fill in each row."
        ),
    });
}

/// Lists this short are spelled out in the message: every dropdown of the
/// template (the 20 industries too), and a team of a sales department's size.
const SPELL_OUT: usize = 30;

/// `invalid-enum`: the value is not an option of the field's list (a dropdown, or
/// the team list on salesperson and reviewer). The hint is the closest option.
pub fn invalid_enum(
    place: &Place,
    list: &OptionList,
    is_team: bool,
    value: &str,
    sheet_lang: Lang,
    lang: Lang,
) -> Finding {
    let column = place.column;
    let hint = closest_option(list, value).map(str::to_string);
    let options: Vec<&str> = list
        .options
        .iter()
        .map(|o| o.label.get(sheet_lang))
        .collect();
    // Industry names hold `、` and `,` themselves (农、林、牧、渔业), so such a
    // list is joined with a stronger mark to keep the options apart.
    let joined = options.iter().any(|o| o.contains(['、', ',', '，']));
    let sep = match (lang, joined) {
        (Lang::Zh, true) => "；",
        (Lang::Zh, false) => "、",
        (Lang::En, true) => "; ",
        (Lang::En, false) => ", ",
    };
    let mut message = match (lang, is_team) {
        (Lang::Zh, false) => {
            format!("「{column}」的值「{value}」不在下拉列表中，请从下拉列表中选择。")
        }
        (Lang::Zh, true) => {
            format!("「{column}」的值「{value}」不是团队名单中的成员，请从下拉列表中选择。")
        }
        (Lang::En, false) => {
            format!("\"{value}\" is not an option of \"{column}\"; pick one from the dropdown.")
        }
        (Lang::En, true) => format!(
            "\"{value}\" is not on the team list of \"{column}\"; pick a name from the dropdown."
        ),
    };
    if let Some(h) = &hint {
        message.push_str(&match lang {
            Lang::Zh => format!("是否应为「{h}」？"),
            Lang::En => format!(" Did you mean \"{h}\"?"),
        });
    }
    if options.len() <= SPELL_OUT {
        message.push_str(&match lang {
            Lang::Zh => format!("可选：{}。", options.join(sep)),
            Lang::En => format!(" Options: {}.", options.join(sep)),
        });
    }
    place.finding(Code::InvalidEnum, Some(value), message, hint)
}

/// The option label a mistyped value most likely meant, in whichever language
/// the value is closer to: first a label containing the value or contained in
/// it (`制造` → `制造业`, `通过` → `已通过`) when the shorter covers at least half
/// of the longer; else the one option whose label contains the value at all
/// (`软件` → `信息传输、软件和信息技术服务业`; `服务`, in several, gets none);
/// else the label within a small edit distance (`Aproved` → `Approved`). `None`
/// when nothing is close, or two options are equally close.
///
/// ```
/// let t = crmsheet::template::Template::builtin();
/// let industries = t.list_by_key("industries").unwrap();
/// assert_eq!(crmsheet::rules::fields::closest_option(industries, "制造"), Some("制造业"));
/// ```
pub fn closest_option<'l>(list: &'l OptionList, value: &str) -> Option<&'l str> {
    let wanted = value.trim().to_lowercase();
    let wanted_len = wanted.chars().count();
    if wanted_len == 0 {
        return None;
    }
    let labels = || {
        list.options
            .iter()
            .enumerate()
            .flat_map(|(i, o)| [(i, o.label.zh.as_str()), (i, o.label.en.as_str())])
    };
    let best = |scored: Vec<(usize, usize, &'l str)>| -> Option<&'l str> {
        let min = scored.iter().map(|(_, score, _)| *score).min()?;
        let mut at_min = scored.iter().filter(|(_, score, _)| *score == min);
        let (option, _, label) = at_min.next()?;
        // Both labels of one option may tie; two different options may not.
        if at_min.any(|(other, _, _)| other != option) {
            return None;
        }
        Some(*label)
    };
    let containing: Vec<(usize, usize, &str)> = labels()
        .filter_map(|(i, label)| {
            let lower = label.to_lowercase();
            let len = lower.chars().count();
            let (short, long) = (wanted_len.min(len), wanted_len.max(len));
            let contains = lower.contains(&wanted) || wanted.contains(&lower);
            (contains && short * 2 >= long).then_some((i, long - short, label))
        })
        .collect();
    if let Some(label) = best(containing) {
        return Some(label);
    }
    // A word of a long name (industry names are long): it points at an option
    // only when no other option has it. One character says too little.
    if wanted_len >= 2 {
        let within: Vec<(usize, usize, &str)> = labels()
            .filter(|(_, label)| label.to_lowercase().contains(&wanted))
            .map(|(i, label)| (i, 0, label))
            .collect();
        if let Some(label) = best(within) {
            return Some(label);
        }
    }
    let near: Vec<(usize, usize, &str)> = labels()
        .filter_map(|(i, label)| {
            let lower = label.to_lowercase();
            let distance = strsim::levenshtein(&wanted, &lower);
            let longer = wanted_len.max(lower.chars().count());
            (distance <= (longer / 3).max(1)).then_some((i, distance, label))
        })
        .collect();
    best(near)
}

/// `formula-injection`: a text beginning with `=`, `+` or `@`, or with `-`
/// followed by a non-digit, may run as a formula when the sheet (or a CSV export
/// of it) is opened in a spreadsheet program.
pub fn formula_injection(place: &Place, text: &str, lang: Lang) -> Option<Finding> {
    let mut chars = text.chars();
    let first = chars.next()?;
    let risky = match first {
        '=' | '+' | '@' => true,
        '-' => chars.next().is_some_and(|c| !c.is_ascii_digit()),
        _ => false,
    };
    if !risky {
        return None;
    }
    let column = place.column;
    let message = match lang {
        Lang::Zh => format!(
            "「{column}」以「{first}」开头，在 Excel 等表格软件中可能被当作公式执行。请删除或改写开头的符号。"
        ),
        Lang::En => format!(
            "\"{column}\" begins with \"{first}\" and may run as a formula in Excel or another spreadsheet program. Remove or reword the leading symbol."
        ),
    };
    Some(place.finding(Code::FormulaInjection, Some(text), message, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Template;

    fn closest(list: &str, value: &str) -> Option<String> {
        let t = Template::builtin();
        closest_option(t.list_by_key(list).unwrap(), value).map(str::to_string)
    }

    #[test]
    fn near_misses_are_hinted() {
        assert_eq!(closest("industries", "制造").as_deref(), Some("制造业"));
        assert_eq!(
            closest("industries", "制造业企业").as_deref(),
            Some("制造业")
        );
        assert_eq!(
            closest("review_statuses", "通过").as_deref(),
            Some("已通过")
        );
        assert_eq!(
            closest("review_statuses", "待审").as_deref(),
            Some("待审核")
        );
        assert_eq!(
            closest("review_statuses", "Aproved").as_deref(),
            Some("Approved")
        );
        assert_eq!(
            closest("review_statuses", "reject").as_deref(),
            Some("Rejected")
        );
        assert_eq!(
            closest("customer_statuses", "活越").as_deref(),
            Some("活跃")
        );
        assert_eq!(
            closest("industries", "manufactoring").as_deref(),
            Some("Manufacturing")
        );
        assert_eq!(closest("industries", "教育培训").as_deref(), Some("教育"));
        for part in ["软件", "信息技术", "software"] {
            assert_eq!(
                closest("industries", part).as_deref(),
                Some(if part == "software" {
                    "Information transmission, software and IT services"
                } else {
                    "信息传输、软件和信息技术服务业"
                }),
                "{part}"
            );
        }
    }

    #[test]
    fn far_values_get_no_hint() {
        assert_eq!(closest("industries", "服务"), None, "in several options");
        assert_eq!(closest("industries", "业"), None, "one character");
        assert_eq!(closest("review_statuses", "好"), None);
        assert_eq!(closest("customer_statuses", "unknown"), None);
        assert_eq!(closest("customer_statuses", ""), None);
    }

    fn place() -> Place<'static> {
        Place {
            column: "互动历史",
            row: Some(2),
            col: Some(8),
            ..Place::file(0, "a.xlsx")
        }
    }

    #[test]
    fn formula_prefixes() {
        let fires = |t: &str| formula_injection(&place(), t, Lang::Zh).is_some();
        assert!(fires("=HYPERLINK(\"x\")"));
        assert!(fires("+cmd"));
        assert!(fires("@SUM(A1)"));
        assert!(fires("-cmd"));
        assert!(fires("--"));
        assert!(!fires("-5 折"));
        assert!(!fires("-"));
        assert!(!fires("正常文本 =1"));
        assert!(!fires(""));
        let f = formula_injection(&place(), "=1+1", Lang::En).unwrap();
        assert_eq!(f.cell.as_deref(), Some("I2"));
    }
}
