//! What the cross-row rules keep between rows and files: each customer ID's
//! first entry row, each normalised customer name's first entry row, and the
//! updates to resolve once every file is read.
//!
//! A register can hold a million rows, all of which may be first occurrences, so
//! this is kept compact: IDs and names are interned once each (one text arena
//! plus a table of numbers, no string per use), positions are (file, row) pairs
//! whose column comes from the sheet's layout, and an original name is kept as
//! its normalised key plus what the original adds to it (mostly a legal suffix
//! such as 有限公司, stored once for all rows).

use crate::value::DateValue;
use hashbrown::hash_table::Entry;
use hashbrown::{DefaultHashBuilder, HashTable};
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasher;

/// "None" for the `u32` fields below, which keeps the records small.
const NONE: u32 = u32::MAX;

/// Texts stored once each and numbered in the order first seen.
#[derive(Default)]
pub(super) struct Interner {
    /// Every text, one after the other.
    text: String,
    /// Where each text ends in `text`; it starts where the previous one ends.
    ends: Vec<usize>,
    /// (number, hash) of each text. With the hash at hand, growing the table
    /// never reads the texts again (a million scattered reads otherwise).
    table: HashTable<(u32, u32)>,
    hasher: DefaultHashBuilder,
}

fn text_of<'a>(text: &'a str, ends: &[usize], n: u32) -> &'a str {
    let n = n as usize;
    let start = match n.checked_sub(1) {
        Some(before) => ends.get(before).copied().unwrap_or(0),
        None => 0,
    };
    let end = ends.get(n).copied().unwrap_or(start);
    text.get(start..end).unwrap_or("")
}

/// The table's 64-bit hash from the 32 bits kept per entry, spread over all
/// bits (the table takes its bucket from the low bits and a tag from the high
/// ones).
fn spread(hash: u32) -> u64 {
    u64::from(hash).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl Interner {
    /// The number of `s`, storing it when it is new.
    pub(super) fn intern(&mut self, s: &str) -> u32 {
        let Interner {
            text,
            ends,
            table,
            hasher,
        } = self;
        let short = hasher.hash_one(s) as u32;
        let entry = table.entry(
            spread(short),
            |&(n, h)| h == short && text_of(text, ends, n) == s,
            |&(_, h)| spread(h),
        );
        match entry {
            Entry::Occupied(found) => found.get().0,
            Entry::Vacant(slot) => {
                let n = ends.len() as u32;
                text.push_str(s);
                ends.push(text.len());
                slot.insert((n, short));
                n
            }
        }
    }

    /// The number of `s` when it is stored.
    fn find(&self, s: &str) -> Option<u32> {
        let short = self.hasher.hash_one(s) as u32;
        self.table
            .find(spread(short), |&(n, h)| {
                h == short && text_of(&self.text, &self.ends, n) == s
            })
            .map(|&(n, _)| n)
    }

    /// Stores `s` under the next number without entering it in the table: for
    /// a text whose number is kept elsewhere ([`NumberedIds`]).
    fn push_untabled(&mut self, s: &str) -> u32 {
        let n = self.ends.len() as u32;
        self.text.push_str(s);
        self.ends.push(self.text.len());
        n
    }

    /// The text numbered `n`.
    pub(super) fn get(&self, n: u32) -> &str {
        text_of(&self.text, &self.ends, n)
    }

    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }
}

/// Customer IDs of the usual shape, `id_prefix` and digits (`C000123`), found by
/// their number instead of by hashing: a register's IDs mostly count up row by
/// row, so the slots are visited in order and stay in the cache, where a hash
/// table of a million IDs costs a cache miss or two per lookup.
///
/// Only numbers up to a bound that grows with the IDs seen are kept here (a
/// stray `C999999999` must not reserve memory for a billion slots); other IDs go
/// to the hash table as any ID does, so an ID can be in either place.
#[derive(Default)]
struct NumberedIds {
    prefix: String,
    /// Per digit count (1 to [`MAX_DIGITS`]; `C001` and `C0001` are different
    /// IDs): the interned number of each ID by its value, or `NONE`.
    by_digits: Vec<Vec<u32>>,
    /// Slots in `by_digits`, over all digit counts.
    slots: usize,
    /// IDs of this shape that went to the hash table (beyond the bound then).
    tabled: usize,
}

const MAX_DIGITS: usize = 18;

impl NumberedIds {
    /// Digit count and value of an ID of the usual shape.
    fn parse(&self, id: &str) -> Option<(usize, usize)> {
        let digits = id.strip_prefix(self.prefix.as_str())?;
        if digits.is_empty()
            || digits.len() > MAX_DIGITS
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let value = digits.parse::<u64>().ok()?;
        Some((digits.len(), usize::try_from(value).ok()?))
    }

    /// The slot of (digit count, value), made when within the bound.
    fn slot(&mut self, digits: usize, value: usize, known_ids: usize) -> Option<&mut u32> {
        // Twice the IDs so far and some room: enough for IDs that count up,
        // little memory for any file.
        let bound = known_ids.saturating_mul(2).saturating_add(1 << 16);
        if value >= bound {
            return None;
        }
        if self.by_digits.len() < digits {
            self.by_digits.resize_with(digits, Vec::new);
        }
        let slots = self.by_digits.get_mut(digits - 1)?;
        if slots.len() <= value {
            let grown = (value + 1).max(slots.len() * 2).min(bound);
            if self.slots + (grown - slots.len()) > bound.saturating_mul(2) {
                return None;
            }
            self.slots += grown - slots.len();
            slots.resize(grown, NONE);
        }
        slots.get_mut(value)
    }
}

/// A row's position; the column of a field comes from the sheet's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct At {
    pub file: u32,
    /// 1-based; 0 marks an empty record slot.
    pub row: u32,
}

impl At {
    const EMPTY: At = At { file: 0, row: 0 };

    fn is_empty(self) -> bool {
        self.row == 0
    }
}

/// An original customer name: its normalised key and, in `rests`, either what
/// the original adds after the key or (flag [`WHOLE`]) the whole original.
#[derive(Debug, Clone, Copy)]
pub(super) struct NameText {
    key: u32,
    rest: u32,
}

/// Marks a `rest` that holds the whole original name.
const WHOLE: u32 = 1 << 31;

/// The first non-rejected entry row of a customer ID: the customer updates are
/// checked against.
#[derive(Debug, Clone, Copy)]
pub(super) struct Customer {
    /// The row; `At::EMPTY` when no row holds this ID (yet).
    pub at: At,
    /// The name, when it has a non-empty normalised form (`key` is `NONE` otherwise).
    name: NameText,
    pub date: Option<DateValue>,
    /// Option of the customer status list, or `NONE`.
    status: u32,
    /// This row is approved.
    pub approved: bool,
    /// The first file holding an approved entry row with this ID, or `NONE`.
    approved_in: u32,
}

impl Customer {
    const EMPTY: Customer = Customer {
        at: At::EMPTY,
        name: NameText {
            key: NONE,
            rest: NONE,
        },
        date: None,
        status: NONE,
        approved: false,
        approved_in: NONE,
    };

    pub(super) fn status(&self) -> Option<usize> {
        (self.status != NONE).then_some(self.status as usize)
    }

    pub(super) fn approved_in(&self) -> Option<usize> {
        (self.approved_in != NONE).then_some(self.approved_in as usize)
    }
}

/// What makes an entry row "the same row" besides its name (SPEC §7): the day
/// of its entry date (days from the common era) and its interned salesperson.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Ident {
    pub day: i32,
    pub person: u32,
}

/// The first entry row of a normalised customer name.
#[derive(Debug, Clone, Copy)]
pub(super) struct FirstName {
    /// `At::EMPTY` while no row has this name.
    pub at: At,
    /// The original's rest (see [`NameText`]); the key is this record's index.
    rest: u32,
    /// Interned customer ID of that row, or `NONE`.
    id: u32,
    /// That row's identity; `person` is `NONE` when it has none (no valid
    /// date or no salesperson).
    ident: Ident,
}

impl FirstName {
    const EMPTY: FirstName = FirstName {
        at: At::EMPTY,
        rest: NONE,
        id: NONE,
        ident: Ident {
            day: 0,
            person: NONE,
        },
    };
}

/// What a non-rejected update row with an ID leaves for the cross-row rules:
/// the row at `at` and the `repeats` rows right below it, identical to it.
#[derive(Debug)]
pub(super) struct UpdateKey {
    pub id: u32,
    pub at: At,
    /// Identical rows right below `at` (an ods row repeated a million times
    /// is one record, not a million).
    pub repeats: u32,
    /// The update's name, as a range of `CrossRows::update_names`.
    name: Option<(usize, usize)>,
    pub date: Option<DateValue>,
    pub approved: bool,
    pub status: Option<usize>,
}

/// What a first-seen entry row became, for the engine to report.
pub(super) enum EntryOutcome {
    /// The ID was already on the entry row at this position.
    DuplicateId(At),
    /// Nothing to report about the ID (new, or none).
    Fine,
}

/// The cross-row state of a run.
#[derive(Default)]
pub(super) struct CrossRows {
    ids: Interner,
    numbered: NumberedIds,
    /// Indexed by interned ID.
    customers: Vec<Customer>,
    /// Normalised names.
    names: Interner,
    /// Indexed by interned name.
    first_names: Vec<FirstName>,
    /// Rests of original names (see [`NameText`]).
    rests: Interner,
    pub updates: Vec<UpdateKey>,
    update_names: String,
    /// Salespeople, by [`super::identity::person_key`].
    persons: Interner,
    /// Rows whose name is already on an earlier row with another identity:
    /// (name, identity) → that row and its ID (or `NONE`). The first row of a
    /// name keeps its identity in [`FirstName`], so this holds only the rare
    /// names entered on several days or by several people.
    identities: HashMap<(u32, Ident), (At, u32)>,
    /// Per file: entry rows that are a row already seen ([`Self::same_entry`]).
    pub seen_again: Vec<u64>,
}

impl CrossRows {
    /// An empty state for a run whose customer IDs start with `id_prefix`.
    pub(super) fn new(id_prefix: &str) -> CrossRows {
        CrossRows {
            numbered: NumberedIds {
                prefix: id_prefix.to_string(),
                ..NumberedIds::default()
            },
            ..CrossRows::default()
        }
    }

    /// The number of a customer ID, adding an empty customer record when new.
    pub(super) fn intern_id(&mut self, id: &str) -> u32 {
        let n = self.number_of(id);
        if n as usize >= self.customers.len() {
            self.customers.push(Customer::EMPTY);
        }
        n
    }

    fn number_of(&mut self, id: &str) -> u32 {
        let known = self.ids.len();
        let Some((digits, value)) = self.numbered.parse(id) else {
            return self.ids.intern(id);
        };
        let tabled = self.numbered.tabled;
        let Some(slot) = self.numbered.slot(digits, value, known) else {
            let n = self.ids.intern(id);
            if self.ids.len() > known {
                self.numbered.tabled += 1;
            }
            return n;
        };
        if *slot != NONE {
            return *slot;
        }
        // Seen before only if it went to the table while beyond the bound.
        let found = if tabled > 0 { self.ids.find(id) } else { None };
        let n = match found {
            Some(n) => n,
            None => self.ids.push_untabled(id),
        };
        *slot = n;
        n
    }

    pub(super) fn id_text(&self, n: u32) -> &str {
        self.ids.get(n)
    }

    pub(super) fn customer(&self, n: u32) -> Option<&Customer> {
        self.customers.get(n as usize).filter(|c| !c.at.is_empty())
    }

    pub(super) fn customers(&self) -> impl Iterator<Item = (u32, &Customer)> {
        self.customers
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.at.is_empty())
            .map(|(n, c)| (n as u32, c))
    }

    /// The number of a normalised name, adding an empty first-name record when new.
    pub(super) fn intern_name(&mut self, normalized: &str) -> u32 {
        let n = self.names.intern(normalized);
        if n as usize >= self.first_names.len() {
            self.first_names.push(FirstName::EMPTY);
        }
        n
    }

    /// [`Self::name_text`], once per row: `stored` keeps it for the row's other
    /// record.
    fn name_text_once(
        &mut self,
        key: u32,
        original: &str,
        stored: &mut Option<NameText>,
    ) -> NameText {
        match *stored {
            Some(name) => name,
            None => {
                let name = self.name_text(key, original);
                *stored = Some(name);
                name
            }
        }
    }

    /// Stores `original` (a name whose normalised key is `key`) compactly.
    fn name_text(&mut self, key: u32, original: &str) -> NameText {
        let normalized = self.names.get(key);
        let rest = match original.strip_prefix(normalized) {
            Some(rest) if self.rests.len() < WHOLE as usize => self.rests.intern(rest),
            _ => self.rests.intern(original) | WHOLE,
        };
        NameText { key, rest }
    }

    /// The original name stored by [`Self::name_text`].
    fn original(&self, name: NameText) -> Cow<'_, str> {
        if name.rest & WHOLE != 0 {
            Cow::Borrowed(self.rests.get(name.rest & !WHOLE))
        } else {
            let rest = self.rests.get(name.rest);
            if rest.is_empty() {
                Cow::Borrowed(self.names.get(name.key))
            } else {
                Cow::Owned(format!("{}{rest}", self.names.get(name.key)))
            }
        }
    }

    /// Records the entry row at `at` under ID `id` unless the ID already has one
    /// (then says where). An approved row marks the first file with an approved
    /// row for that ID either way. `stored` is the row's name as kept so far.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn keep_customer(
        &mut self,
        id: u32,
        at: At,
        name: Option<(u32, &str)>,
        stored: &mut Option<NameText>,
        date: Option<DateValue>,
        status: Option<usize>,
        approved: bool,
    ) -> EntryOutcome {
        let Some(existing) = self.customers.get_mut(id as usize) else {
            return EntryOutcome::Fine;
        };
        if !existing.at.is_empty() {
            if approved && existing.approved_in == NONE {
                existing.approved_in = at.file;
            }
            return EntryOutcome::DuplicateId(existing.at);
        }
        let name = match name {
            Some((key, original)) => self.name_text_once(key, original, stored),
            None => NameText {
                key: NONE,
                rest: NONE,
            },
        };
        if let Some(slot) = self.customers.get_mut(id as usize) {
            *slot = Customer {
                at,
                name,
                date,
                status: status.map_or(NONE, |s| s as u32),
                approved,
                approved_in: if approved { at.file } else { NONE },
            };
        }
        EntryOutcome::Fine
    }

    /// The customer's original name and normalised key, when it has a name.
    pub(super) fn customer_name(&self, customer: &Customer) -> Option<(Cow<'_, str>, &str)> {
        (customer.name.key != NONE).then(|| {
            (
                self.original(customer.name),
                self.names.get(customer.name.key),
            )
        })
    }

    /// The number of a salesperson (by [`super::identity::person_key`]).
    pub(super) fn intern_person(&mut self, key: &str) -> u32 {
        self.persons.intern(key)
    }

    /// The row of an earlier file that the entry row at `at` (normalised name
    /// `name`, identity `ident`, ID `id`) is, by
    /// [`super::identity::same_entry_ids`], and whether that row has the same
    /// ID. A row that is not one already
    /// seen has its identity recorded (for the first row of a name, by
    /// [`Self::keep_name`]), so that a later copy finds it.
    pub(super) fn same_entry(
        &mut self,
        name: u32,
        ident: Ident,
        id: Option<u32>,
        at: At,
    ) -> Option<(At, bool)> {
        let first = self.first_names.get_mut(name as usize)?;
        if first.at.is_empty() {
            return None;
        }
        let (earlier_at, earlier_id) = if first.ident == ident {
            (first.at, &mut first.id)
        } else {
            match self.identities.entry((name, ident)) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert((at, id.unwrap_or(NONE)));
                    return None;
                }
                std::collections::hash_map::Entry::Occupied(found) => {
                    let (at, id) = found.into_mut();
                    (*at, id)
                }
            }
        };
        let earlier = (*earlier_id != NONE).then_some(*earlier_id);
        // Twice in one file is a double entry to fix, not a file sent again.
        if earlier_at.file == at.file || !super::identity::same_entry_ids(earlier, id) {
            return None;
        }
        // The first ID seen for the row is its ID from now on.
        if let (None, Some(id)) = (earlier, id) {
            *earlier_id = id;
        }
        if let Some(count) = self.seen_again.get_mut(at.file as usize) {
            *count += 1;
        } else {
            self.seen_again.resize(at.file as usize, 0);
            self.seen_again.push(1);
        }
        Some((earlier_at, earlier.is_some() && earlier == id))
    }

    /// The first row of normalised name `key`, with its original name and
    /// whether it has ID `id`; records this row (with its identity, if any) as
    /// the first when there is none. `stored` is the row's name as kept so far.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn keep_name(
        &mut self,
        key: u32,
        at: At,
        original: &str,
        stored: &mut Option<NameText>,
        id: Option<u32>,
        ident: Option<Ident>,
    ) -> Option<(At, Cow<'_, str>, bool)> {
        let first = self.first_names.get(key as usize).copied()?;
        if first.at.is_empty() {
            let rest = self.name_text_once(key, original, stored).rest;
            if let Some(slot) = self.first_names.get_mut(key as usize) {
                *slot = FirstName {
                    at,
                    rest,
                    id: id.unwrap_or(NONE),
                    ident: ident.unwrap_or(FirstName::EMPTY.ident),
                };
            }
            return None;
        }
        let same_id = id.is_some_and(|id| id == first.id);
        let name = self.original(NameText {
            key,
            rest: first.rest,
        });
        Some((first.at, name, same_id))
    }

    /// Keeps an update row for [`Self::updates`].
    pub(super) fn keep_update(
        &mut self,
        id: u32,
        at: At,
        name: Option<&str>,
        date: Option<DateValue>,
        approved: bool,
        status: Option<usize>,
    ) {
        if let Some(last) = self.updates.last_mut() {
            let last_name = last.name.and_then(|(s, e)| self.update_names.get(s..e));
            let same = last.id == id
                && last.at.file == at.file
                && u64::from(last.at.row) + u64::from(last.repeats) + 1 == u64::from(at.row)
                && last_name == name
                && last.date == date
                && last.approved == approved
                && last.status == status;
            if same {
                last.repeats += 1;
                return;
            }
        }
        let name = name.map(|n| {
            let start = self.update_names.len();
            self.update_names.push_str(n);
            (start, self.update_names.len())
        });
        self.updates.push(UpdateKey {
            id,
            at,
            repeats: 0,
            name,
            date,
            approved,
            status,
        });
    }

    /// The name an update row gave, if any.
    pub(super) fn update_name(&self, update: &UpdateKey) -> Option<&str> {
        let (start, end) = update.name?;
        self.update_names.get(start..end)
    }

    /// Undoes what an unreadable file left behind: its updates and the first
    /// occurrences it claimed (it is always the latest file).
    pub(super) fn forget_file(&mut self, file: usize, updates_before: usize) {
        let first_name = self
            .updates
            .get(updates_before..)
            .and_then(|later| later.iter().find_map(|u| u.name));
        if let Some((start, _)) = first_name {
            self.update_names.truncate(start);
        }
        self.updates.truncate(updates_before);
        let file = file as u32;
        for customer in &mut self.customers {
            if customer.at.is_empty() {
                continue;
            }
            if customer.at.file == file {
                *customer = Customer::EMPTY;
            } else if customer.approved_in == file {
                customer.approved_in = NONE;
            }
        }
        for first in &mut self.first_names {
            if !first.at.is_empty() && first.at.file == file {
                *first = FirstName::EMPTY;
            }
        }
        self.identities.retain(|_, (at, _)| at.file != file);
        if let Some(count) = self.seen_again.get_mut(file as usize) {
            *count = 0;
        }
    }

    pub(super) fn updates_len(&self) -> usize {
        self.updates.len()
    }
}

/// What is known of a customer's last contact besides its entry date.
#[derive(Debug, Clone, Copy)]
pub(super) enum Contact {
    /// The latest dated update (or change-log change).
    Last(DateValue),
    /// An update whose date is missing or bad (it has its own finding): when
    /// the customer was last contacted is not known.
    Unknown,
}

/// Counts a contact with customer `n`: a date raises the last one, a missing
/// date makes it unknown for good.
pub(super) fn note_contact(contacts: &mut HashMap<u32, Contact>, n: u32, date: Option<DateValue>) {
    let next = match (date, contacts.get(&n)) {
        (None, _) | (_, Some(Contact::Unknown)) => Contact::Unknown,
        (Some(date), Some(&Contact::Last(last))) => Contact::Last(later(Some(last), date)),
        (Some(date), None) => Contact::Last(date),
    };
    contacts.insert(n, next);
}

/// The later of two dates (the first on a tie).
pub(super) fn later(a: Option<DateValue>, b: DateValue) -> DateValue {
    match a {
        Some(a) if a.at >= b.at => a,
        _ => b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_numbers_texts_in_order_and_finds_them_again() {
        let mut names = Interner::default();
        assert_eq!(names.intern("明远机械"), 0);
        assert_eq!(names.intern(""), 1);
        assert_eq!(names.intern("华东电气"), 2);
        assert_eq!(names.intern("明远机械"), 0);
        assert_eq!(names.intern(""), 1);
        assert_eq!(names.get(2), "华东电气");
        assert_eq!(names.get(1), "");
        assert_eq!(names.get(9), "");
        for i in 0..10_000 {
            assert_eq!(names.intern(&format!("C{i:06}")), i + 3);
        }
        assert_eq!(names.intern("C000042"), 45);
    }

    #[test]
    fn ids_get_one_number_each_whatever_their_shape() {
        let mut cross = CrossRows::new("C");
        let mut ids: Vec<String> = (1..200_000).map(|i| format!("C{i:06}")).collect();
        // Other digit counts, other shapes, numbers far beyond the bound (which
        // later come within it), and repeats in every order.
        ids.extend(
            [
                "C1", "C01", "C001", "C0001", "X000001", "C", "C12a", "c000001",
            ]
            .map(String::from),
        );
        ids.extend((0..50).map(|i| format!("C{:06}", 900_000 + i * 7)));
        ids.extend((0..50).map(|i| format!("C{:09}", 123_456_789 + i)));
        ids.extend((1..300_000).step_by(3).map(|i| format!("C{i:06}")));
        ids.extend((0..50).map(|i| format!("C{:06}", 900_000 + i * 7)));
        let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
        for id in &ids {
            let n = cross.intern_id(id);
            match seen.get(id) {
                Some(&first) => assert_eq!(n, first, "{id}"),
                None => {
                    assert_eq!(n as usize, seen.len(), "{id} numbered in order");
                    seen.insert(id.clone(), n);
                }
            }
            assert_eq!(cross.id_text(n), id);
        }
        assert_eq!(cross.customers.len(), seen.len());
        assert!(cross.numbered.tabled > 0, "some IDs were beyond the bound");
        assert!(cross.numbered.slots <= 4 * seen.len() + (1 << 18));
    }

    #[test]
    fn names_keep_their_original_spelling() {
        let mut cross = CrossRows::default();
        let at = |row| At { file: 0, row };
        for (row, original, key) in [
            (2, "明远机械有限公司", "明远机械"),
            (3, "Acme Co., Ltd.", "acme"),
            (4, "华东电气", "华东电气"),
        ] {
            let n = cross.intern_name(key);
            assert!(cross
                .keep_name(n, at(row), original, &mut None, None, None)
                .is_none());
            let (first_at, first_name, same) = cross
                .keep_name(n, at(9), "x", &mut None, Some(1), None)
                .unwrap();
            assert_eq!(
                (first_at, first_name.as_ref(), same),
                (at(row), original, false)
            );
        }
    }
}
