//! Privacy: the register must hold no private details (mobile and landline
//! numbers, e-mail addresses, resident ID numbers), and nothing crmsheet writes
//! about a value may repeat one — every detected item is masked (`138****5678`,
//! see [`crate::privacy`]).

use super::row::{RowRule, RowView};
use super::{Code, Finding, Place};
use crate::lang::Lang;
use crate::privacy::{find_pii, mask, PiiKind};

/// The per-row rules of this family.
pub(super) const ROW_RULES: &[RowRule] = &[no_private_details];

/// `pii` on each text of a row.
fn no_private_details(row: &mut RowView<'_, '_>, out: &mut Vec<Finding>) {
    for i in 0..row.typed.len() {
        if let Some(text) = row.text(i) {
            out.extend(pii(&row.place(i), text, row.lang));
        }
    }
}

/// `pii`: a text field holds a mobile or landline number, an e-mail address or a
/// resident ID number. The register is shared across the team; private details
/// do not belong in it.
fn pii(place: &Place, text: &str, lang: Lang) -> Option<Finding> {
    let found = find_pii(text);
    let first = found.first()?;
    let masked = mask(text);
    let mut kinds: Vec<&str> = Vec::new();
    for m in &found {
        let name = kind_name(m.kind, lang);
        if !kinds.contains(&name) {
            kinds.push(name);
        }
    }
    let list = kinds.join(lang.pick("、", ", "));
    let item = mask(&text[first.range.clone()]).into_owned();
    let column = place.column;
    let message = match lang {
        Lang::Zh => format!(
            "「{column}」中含有个人隐私信息（{list}，如 {item}）。客户登记表中不得填写手机号、固定电话、电子邮箱或身份证号，请删除。"
        ),
        Lang::En => format!(
            "\"{column}\" holds private details ({list}, such as {item}). The register must not hold phone numbers, e-mail addresses or ID numbers; remove them."
        ),
    };
    Some(place.finding(Code::Pii, Some(&masked), message, None))
}

fn kind_name(kind: PiiKind, lang: Lang) -> &'static str {
    match kind {
        PiiKind::Mobile => lang.pick("手机号", "a mobile number"),
        PiiKind::Landline => lang.pick("固定电话", "a landline number"),
        PiiKind::Email => lang.pick("电子邮箱", "an e-mail address"),
        PiiKind::IdNumber => lang.pick("身份证号", "a resident ID number"),
    }
}
