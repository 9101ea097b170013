//! References: an update row must name a known, approved customer, name it
//! consistently, and actually change something.

use super::cross::{At, CrossRows, Customer, UpdateKey};
use super::engine::RunView;
use super::row::{RowRule, RowView, Typed};
use super::{Code, Finding, Place};
use crate::lang::Lang;
use crate::template::{Review, SheetKind};
use crate::text::normalize_name_into;

/// The per-row rules of this family (the others compare rows: see
/// `super::cross`).
pub(super) const ROW_RULES: &[RowRule] = &[update_changes_something];

/// `empty-update` on an update row: none of the change fields the sheet has is
/// filled. A rejected update is dropped by merge whatever it holds: nothing to
/// fix.
fn update_changes_something(row: &mut RowView<'_, '_>, out: &mut Vec<Finding>) {
    let id = row.def.keys.id;
    if row.kind != SheetKind::Update
        || row.review() == Some(Review::Rejected)
        || !row.has_column(id)
    {
        return;
    }
    let changes = || (0..row.def.fields.len()).filter(|&i| row.def.fields[i].is_change());
    let mut present = changes().filter(|&i| row.has_column(i));
    let any_present = present.clone().next().is_some();
    if any_present && present.all(|i| matches!(row.typed[i], Typed::Empty)) {
        let headers: Vec<&str> = changes().map(|i| row.header(i)).collect();
        out.push(empty_update(&row.place(id), &headers, row.lang));
    }
}

/// Whom an update row names, once every file is read.
pub(super) enum UpdateTarget<'c> {
    /// An approved customer: the update is compared with its entry.
    Customer(&'c Customer),
    /// No approved customer has the ID (reported as `unknown-customer`).
    Unknown,
    /// No approved customer is in the run at all and no entry has the ID: left
    /// for the one finding of [`no_register_once`].
    NoRegister,
}

/// `unknown-customer` and `id-name-mismatch` for update `u`, into `out`.
/// `no_register` says the run has no approved customer at all.
pub(super) fn check_update<'c>(
    run: &RunView,
    cross: &'c CrossRows,
    u: &UpdateKey,
    no_register: bool,
    out: &mut Vec<Finding>,
    name_buffer: &mut String,
) -> UpdateTarget<'c> {
    let (lang, entry, update) = (
        run.lang(),
        run.keys(SheetKind::Entry),
        run.keys(SheetKind::Update),
    );
    let id_text = cross.id_text(u.id);
    let known = cross.customer(u.id);
    let Some(customer) = known.filter(|c| c.approved_in().is_some()) else {
        if no_register && known.is_none() {
            return UpdateTarget::NoRegister;
        }
        let pending_at = known.map(|c| run.reference(c.at, SheetKind::Entry, Some(entry.id)));
        out.push(unknown_customer(
            &run.place(u.at, SheetKind::Update, Some(update.id)),
            id_text,
            pending_at.as_deref(),
            lang,
        ));
        return UpdateTarget::Unknown;
    };
    if let (Some(name), Some((entry_name, entry_norm))) =
        (cross.update_name(u), cross.customer_name(customer))
    {
        normalize_name_into(name, name_buffer);
        if !name_buffer.is_empty() && *name_buffer != entry_norm {
            out.push(id_name_mismatch(
                &run.place(u.at, SheetKind::Update, Some(update.name)),
                name,
                id_text,
                &entry_name,
                &run.reference(customer.at, SheetKind::Entry, Some(entry.name)),
                lang,
            ));
        }
    }
    UpdateTarget::Customer(customer)
}

/// The one `unknown-customer` of a run without a register, at the first of
/// the updates `unknown` (position and interned ID) whose ID no entry has.
pub(super) fn no_register_once(
    run: &RunView,
    cross: &CrossRows,
    unknown: &[(At, u32)],
) -> Option<Finding> {
    let &(at, n) = unknown.iter().min_by_key(|(at, _)| (at.file, at.row))?;
    Some(no_register(
        &run.place(at, SheetKind::Update, Some(run.keys(SheetKind::Update).id)),
        cross.id_text(n),
        unknown.len(),
        run.lang(),
    ))
}

/// `unknown-customer`: the update's ID is on no approved entry row. `pending_at`
/// is the entry row (`file!cell`) when the ID exists but is not approved yet.
pub fn unknown_customer(place: &Place, id: &str, pending_at: Option<&str>, lang: Lang) -> Finding {
    let message = match (lang, pending_at) {
        (Lang::Zh, None) => format!(
            "客户ID「{id}」在录入表中没有已通过的记录。请核对ID（可从客户总表复制）；新客户请填写在录入表。"
        ),
        (Lang::Zh, Some(at)) => format!(
            "客户ID「{id}」的录入记录（{at}）尚未审核通过。请等该客户审核通过后再提交更新，或把变化直接写进录入行。"
        ),
        (Lang::En, None) => format!(
            "No approved entry row has the customer ID \"{id}\". Check the ID (copy it from the register); enter new customers on the entry sheet."
        ),
        (Lang::En, Some(at)) => format!(
            "The entry row of customer ID \"{id}\" ({at}) is not approved yet. Submit the update once the customer is approved, or put the change into the entry row."
        ),
    };
    place.finding(
        Code::UnknownCustomer,
        Some(id),
        message,
        pending_at.map(str::to_string),
    )
}

/// `unknown-customer` once for the whole run, when no entry row of the run is an
/// approved customer: the updates' IDs cannot be checked because the register
/// (`--master`) was left out, not because `count` rows each have a wrong ID.
/// Placed at the first such update's ID cell.
pub fn no_register(place: &Place, id: &str, count: usize, lang: Lang) -> Finding {
    let message = match lang {
        Lang::Zh => format!(
            "本次检查的文件中没有任何已通过的客户，所以更新表中 {count} 行的客户ID（从这里起）都无法核对。请用 --master 给出客户总表，与这些文件一起检查。"
        ),
        Lang::En => format!(
            "No approved customer is in the files checked, so the customer IDs of {count} update row(s) (from this one on) cannot be checked. Give the register with --master and check them together."
        ),
    };
    place.finding(
        Code::UnknownCustomer,
        Some(id),
        message,
        Some(NO_REGISTER_HINT.to_string()),
    )
}

/// The hint of [`no_register`]'s finding.
const NO_REGISTER_HINT: &str = "--master";

/// Whether `finding` is [`no_register`]'s: the updates' IDs could not be
/// checked because no register was among the files, not because one is wrong.
pub fn is_no_register(finding: &Finding) -> bool {
    finding.rule == Code::UnknownCustomer && finding.hint.as_deref() == Some(NO_REGISTER_HINT)
}

/// `id-name-mismatch`: the update's customer name differs (normalised) from the
/// name entered for that ID — often a wrong ID.
pub fn id_name_mismatch(
    place: &Place,
    name: &str,
    id: &str,
    entry_name: &str,
    entry_at: &str,
    lang: Lang,
) -> Finding {
    let message = match lang {
        Lang::Zh => format!(
            "客户名称「{name}」与客户ID {id} 录入时的名称「{entry_name}」（{entry_at}）不一致。请核对客户ID是否填错。"
        ),
        Lang::En => format!(
            "The customer name \"{name}\" differs from \"{entry_name}\", the name entered for {id} ({entry_at}). Check that the customer ID is right."
        ),
    };
    place.finding(
        Code::IdNameMismatch,
        Some(name),
        message,
        Some(entry_name.to_string()),
    )
}

/// `empty-update`: none of the change fields is filled, so the update row would
/// change nothing. `changes` lists their headers.
pub fn empty_update(place: &Place, changes: &[&str], lang: Lang) -> Finding {
    let message = match lang {
        Lang::Zh => format!(
            "该更新行没有填写任何变更内容（{}）。请填写发生变化的内容，或删除该行。",
            changes.join("、")
        ),
        Lang::En => format!(
            "This update row changes nothing (none of {} is filled in). Fill in what changed, or delete the row.",
            changes.join(", ")
        ),
    };
    place.finding(Code::EmptyUpdate, None, message, None)
}
