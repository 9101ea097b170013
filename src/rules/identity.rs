//! Identity: every customer has one well-formed ID, given on approval, and is
//! entered once.

use super::cross::{At, CrossRows, EntryOutcome, Ident};
use super::engine::{RowKeys, RunView};
use super::findings::FindingSink;
use super::row::{RowRule, RowView};
use super::{Code, Finding, Place};
use crate::lang::Lang;
use crate::template::{Params, Review, SheetKind};
use crate::text::normalize_name_into;
use chrono::Datelike;

/// The per-row rules of this family (the others compare rows: see
/// `super::cross`).
pub(super) const ROW_RULES: &[RowRule] = &[no_id_before_approval];

/// `id-before-approval` on an entry row: an ID on a row pending or rejected.
fn no_id_before_approval(row: &mut RowView<'_, '_>, out: &mut Vec<Finding>) {
    if row.kind != SheetKind::Entry {
        return;
    }
    let (Some(id), Some(status)) = (row.id(), row.status()) else {
        return;
    };
    if matches!(row.review(), Some(Review::Pending | Review::Rejected)) {
        let si = row.def.keys.review_status;
        out.push(id_before_approval(
            &row.place(row.def.keys.id),
            id,
            row.header(si),
            row.label(si, status),
            row.lang,
        ));
    }
}

/// `duplicate-id` and `duplicate-customer` for a non-rejected entry row, against
/// the first occurrences, as it is recorded in the cross-row state. Returns
/// whether the row is a customer of its own: `false` for a row already seen
/// (sent again, or its register ID copied back), whose customer is the earlier
/// row's.
pub(super) fn keep_entry(
    run: &RunView,
    cross: &mut CrossRows,
    findings: &mut impl FindingSink,
    name_buffer: &mut String,
    at: At,
    keys: RowKeys<'_>,
) -> bool {
    let lang = run.lang();
    let fields = run.keys(SheetKind::Entry);
    let id = keys.id.map(|id| cross.intern_id(id));
    let key = keys.name.and_then(|name| {
        normalize_name_into(name, name_buffer);
        (!name_buffer.is_empty()).then(|| cross.intern_name(name_buffer))
    });
    // A row already seen (sent again, or its register ID copied back) is no
    // duplicate of that row: counted, not warned about.
    let ident = match (keys.date, keys.salesperson) {
        (Some(date), Some(person)) => Some(Ident {
            day: date.date().num_days_from_ce(),
            person: cross.intern_person(&person_key(person)),
        }),
        _ => None,
    };
    let seen = match (key, ident) {
        (Some(key), Some(ident)) => cross.same_entry(key, ident, id, at),
        _ => None,
    };
    // The row's name, stored at most once for both of its records.
    let mut stored = None;
    if let Some(n) = id {
        let name = keys.name.zip(key).map(|(name, key)| (key, name));
        let outcome = cross.keep_customer(
            n,
            at,
            name,
            &mut stored,
            keys.date,
            keys.status,
            keys.approved,
        );
        let same_id = seen.is_some_and(|(_, same_id)| same_id);
        let file = at.file as usize;
        if let (EntryOutcome::DuplicateId(first_at), false, true) =
            (outcome, same_id, findings.wants(file, Code::DuplicateId))
        {
            let first = run.reference(first_at, SheetKind::Entry, Some(fields.id));
            findings.add(duplicate_id(
                &run.place(at, SheetKind::Entry, Some(fields.id)),
                cross.id_text(n),
                &first,
                lang,
            ));
        }
    }
    if seen.is_some() {
        // Its customer is the earlier row's, already checked.
        return false;
    }
    if let (Some(name), Some(key)) = (keys.name, key) {
        if let Some((first_at, first_name, same_id)) =
            cross.keep_name(key, at, name, &mut stored, id, ident)
        {
            if !same_id && findings.wants(at.file as usize, Code::DuplicateCustomer) {
                let first = run.reference(first_at, SheetKind::Entry, Some(fields.name));
                findings.add(duplicate_customer(
                    &run.place(at, SheetKind::Entry, Some(fields.name)),
                    name,
                    &first_name,
                    &first,
                    lang,
                ));
            }
        }
    }
    true
}

/// An ID of the form merge assigns (`C001`), as an example in messages.
pub fn example_id(params: &Params) -> String {
    format!(
        "{}{:0>width$}",
        params.id_prefix,
        1,
        width = params.id_digits
    )
}

/// `invalid-id`: the customer ID does not match `id_pattern`. The hint is the ID
/// it most likely meant (`c1` → `C001`) when that one matches.
pub fn invalid_id(
    place: &Place,
    value: &str,
    params: &Params,
    on_entry: bool,
    lang: Lang,
) -> Finding {
    let column = place.column;
    let example = example_id(params);
    let hint = likely_id(value, params);
    let mut message = match lang {
        Lang::Zh => {
            format!("「{column}」的值「{value}」不是有效的客户ID，格式应与 {example} 相同。")
        }
        Lang::En => format!(
            "\"{value}\" in \"{column}\" is not a valid customer ID; IDs look like {example}."
        ),
    };
    message.push_str(match (lang, on_entry) {
        (Lang::Zh, true) => "新客户请留空，审核通过后合并时会自动分配。",
        (Lang::Zh, false) => "请从客户总表中复制该客户的ID。",
        (Lang::En, true) => " Leave it empty for a new customer: merge assigns one on approval.",
        (Lang::En, false) => " Copy the customer's ID from the register.",
    });
    place.finding(Code::InvalidId, Some(value), message, hint)
}

/// `c001` → `C001`, `C1` → `C001`, when the result matches the pattern.
fn likely_id(value: &str, params: &Params) -> Option<String> {
    let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let prefix_len = params.id_prefix.len();
    let head = compact.get(..prefix_len)?;
    if !head.eq_ignore_ascii_case(&params.id_prefix) {
        return None;
    }
    let digits = compact.get(prefix_len..)?.trim_start_matches(['-', '_']);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let candidate = format!(
        "{}{:0>width$}",
        params.id_prefix,
        digits,
        width = params.id_digits
    );
    (candidate != value && params.id_pattern.is_match(&candidate)).then_some(candidate)
}

/// `id-before-approval`: an entry row that is pending or rejected already has an
/// ID. IDs are assigned on approval, when merging; an early one may clash.
pub fn id_before_approval(
    place: &Place,
    id: &str,
    status_column: &str,
    status: &str,
    lang: Lang,
) -> Finding {
    let message = match lang {
        Lang::Zh => format!(
            "客户ID「{id}」已填写，但「{status_column}」为「{status}」。客户ID 在审核通过后、合并时分配：请清空该ID，或先完成审核。"
        ),
        Lang::En => format!(
            "The customer ID \"{id}\" is filled in, but \"{status_column}\" is \"{status}\". IDs are assigned on approval, when merging: clear it, or complete the review first."
        ),
    };
    place.finding(Code::IdBeforeApproval, Some(id), message, None)
}

/// `duplicate-id`: the ID is already on an earlier entry row (`first`, as
/// `file!cell`); each customer has one ID and one entry.
pub fn duplicate_id(place: &Place, id: &str, first: &str, lang: Lang) -> Finding {
    let message = match lang {
        Lang::Zh => format!(
            "客户ID「{id}」已在 {first} 使用。一个客户ID只能对应一条录入记录：如是同一客户，请把变化填写在更新表；否则请改正ID。"
        ),
        Lang::En => format!(
            "The customer ID \"{id}\" is already used at {first}. An ID belongs to one entry row: enter changes to that customer on the update sheet, or correct the ID."
        ),
    };
    place.finding(
        Code::DuplicateId,
        Some(id),
        message,
        Some(first.to_string()),
    )
}

/// `duplicate-customer`: the normalised name (no spaces, punctuation or legal
/// suffix) is already on an earlier entry row — a likely double entry.
pub fn duplicate_customer(
    place: &Place,
    name: &str,
    first_name: &str,
    first: &str,
    lang: Lang,
) -> Finding {
    let message = match lang {
        Lang::Zh => format!(
            "客户「{name}」与 {first} 的「{first_name}」像是同一家公司（已忽略空格、标点和公司后缀）。如是同一客户，请改为填写更新表；如不是，请核对名称。"
        ),
        Lang::En => format!(
            "The customer \"{name}\" looks like \"{first_name}\" at {first} (ignoring spaces, punctuation and legal suffix). If it is the same customer, use the update sheet; if not, check the name."
        ),
    };
    place.finding(
        Code::DuplicateCustomer,
        Some(name),
        message,
        Some(first.to_string()),
    )
}

/// SPEC §7's "the same row", the one notion validate and merge share: an entry
/// row is a row already in the register (or in an earlier file of the run:
/// master first, then argument order) when its entry day, salesperson
/// ([`person_key`]) and normalised customer name equal those of that earlier
/// row and their customer IDs do not contradict each other — equal, or one of
/// them without ID (the first ID seen for that row counts). Sending a workbook
/// again, or copying the register's ID back into it, is then no duplicate:
/// validate counts such rows instead of warning, and merge does not add them
/// again. (The same row twice in one file is a double entry: validate warns,
/// merge keeps one.)
pub fn same_entry_ids<T: PartialEq>(earlier: Option<T>, later: Option<T>) -> bool {
    match (earlier, later) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// A salesperson's name as the identity of a row compares it: normalised
/// (NFKC, trimmed) and in lower case.
pub fn person_key(text: &str) -> std::borrow::Cow<'_, str> {
    let text = crate::text::normalize_value(text);
    // Most names have no upper case (Chinese names never): no copy then.
    if text.chars().any(char::is_uppercase) {
        std::borrow::Cow::Owned(text.to_lowercase())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Template;

    #[test]
    fn ids_of_the_same_row_do_not_contradict_each_other() {
        assert!(same_entry_ids(Some("C001"), Some("C001")));
        assert!(same_entry_ids(Some("C001"), None));
        assert!(same_entry_ids(None, Some("C001")));
        assert!(same_entry_ids::<&str>(None, None));
        assert!(!same_entry_ids(Some("C001"), Some("C002")));
        assert_eq!(person_key(" Ｚhang Wei "), "zhang wei");
    }

    #[test]
    fn likely_ids() {
        let t = Template::builtin();
        let p = &t.params;
        assert_eq!(example_id(p), "C001");
        assert_eq!(likely_id("c001", p).as_deref(), Some("C001"));
        assert_eq!(likely_id("C1", p).as_deref(), Some("C001"));
        assert_eq!(likely_id("C-12", p).as_deref(), Some("C012"));
        assert_eq!(likely_id("C 0012", p).as_deref(), Some("C0012"));
        assert_eq!(likely_id("X001", p), None);
        assert_eq!(likely_id("C00A", p), None);
        assert_eq!(likely_id("C", p), None);
        assert_eq!(likely_id("客户1", p), None);
    }
}
