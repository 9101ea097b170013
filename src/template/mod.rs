//! The template definition: TOML as written ([`raw`]) checked once into a
//! [`Template`] the rest of the code trusts without checking again.
//!
//! Nothing else in crmsheet knows a header text, a list value or a rule
//! parameter: they all come from here.

mod raw;

use crate::lang::Lang;
use crate::text::{normalize_header, normalize_value};
use anyhow::{bail, Result};
use regex::Regex;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The built-in definition, `templates/customer-register.toml`.
pub const BUILTIN: &str = include_str!("../../templates/customer-register.toml");

/// Environment variable naming a definition file (after `--schema`).
pub const SCHEMA_ENV: &str = "CRMSHEET_SCHEMA";

/// File in the current folder used when neither `--schema` nor the variable is set.
pub const LOCAL_FILE: &str = "crmsheet.toml";

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub zh: String,
    pub en: String,
}

impl Label {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }

    /// Whether `text` (a sheet name or header) is this label in either
    /// language, as headers are compared.
    pub fn names(&self, text: &str) -> bool {
        let n = normalize_header(text);
        n == normalize_header(&self.zh) || n == normalize_header(&self.en)
    }
}

impl From<raw::RawLabel> for Label {
    fn from(raw: raw::RawLabel) -> Self {
        Label {
            zh: raw.zh,
            en: raw.en,
        }
    }
}

/// Rule parameters.
#[derive(Debug, Clone)]
pub struct Params {
    pub review_hours: i64,
    pub stale_days: i64,
    pub id_pattern: Regex,
    pub id_prefix: String,
    pub id_digits: usize,
}

/// Names of the workbook's sheets other than the two data sheets.
#[derive(Debug, Clone)]
pub struct WorkbookNames {
    pub instructions: Label,
    pub lists: Label,
    pub meta: Label,
    pub change_log: Label,
    pub summary: Label,
    pub report: Label,
}

/// What a list option means to the rules and to merge, whatever its label says
/// (`role = "approved"` in the definition; any other word is a TOML error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptionRole {
    /// A review status: waiting for the admin.
    Pending,
    /// A review status: approved, the customer gets an ID.
    Approved,
    /// A review status: rejected, merge drops the row.
    Rejected,
    /// A customer status: the customer is followed up, so may go stale.
    Active,
}

impl OptionRole {
    /// The review state this role stands for, if it is a review status.
    pub fn review(self) -> Option<Review> {
        match self {
            OptionRole::Pending => Some(Review::Pending),
            OptionRole::Approved => Some(Review::Approved),
            OptionRole::Rejected => Some(Review::Rejected),
            OptionRole::Active => None,
        }
    }
}

/// Where a row stands in review: the one notion of it that validation, merge
/// and review share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Review {
    Pending,
    Approved,
    Rejected,
}

impl Review {
    /// The option role that marks a row so.
    pub fn role(self) -> OptionRole {
        match self {
            Review::Pending => OptionRole::Pending,
            Review::Approved => OptionRole::Approved,
            Review::Rejected => OptionRole::Rejected,
        }
    }
}

/// One option of a dropdown list.
#[derive(Debug, Clone)]
pub struct ListOption {
    pub label: Label,
    /// What the option means to the rules, if anything.
    pub role: Option<OptionRole>,
}

/// A dropdown list.
#[derive(Debug, Clone)]
pub struct OptionList {
    pub key: String,
    pub label: Label,
    pub options: Vec<ListOption>,
    /// Normalised label (either language, ASCII lower-cased) → option index.
    lookup: HashMap<String, usize>,
}

impl OptionList {
    /// The option a cell value names, in either language, ignoring width, case
    /// and surrounding spaces.
    ///
    /// ```
    /// let t = crmsheet::template::Template::builtin();
    /// let statuses = t.list_by_key("review_statuses").unwrap();
    /// assert_eq!(statuses.find("已通过"), statuses.find(" approved "));
    /// assert_eq!(statuses.find("通过"), None);
    /// ```
    pub fn find(&self, value: &str) -> Option<usize> {
        let normalized = normalize_value(value);
        if let Some(&i) = self.lookup.get(normalized.as_ref()) {
            return Some(i);
        }
        self.lookup.get(&normalized.to_lowercase()).copied()
    }

    /// The option with this role, if the list has one.
    pub fn with_role(&self, role: OptionRole) -> Option<usize> {
        self.options.iter().position(|o| o.role == Some(role))
    }

    pub fn is_empty(&self) -> bool {
        self.options.is_empty()
    }
}

/// What a field holds (`type = "date"` in the definition; any other word is a
/// TOML error naming its line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Date,
    Text,
    Id,
    List,
}

/// Which of the two data sheets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SheetKind {
    Entry,
    Update,
}

impl SheetKind {
    pub const ALL: [SheetKind; 2] = [SheetKind::Entry, SheetKind::Update];

    /// Its place in a [`PerSheet`].
    pub const fn index(self) -> usize {
        match self {
            SheetKind::Entry => 0,
            SheetKind::Update => 1,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SheetKind::Entry => "entry",
            SheetKind::Update => "update",
        }
    }
}

/// One `T` per data sheet, indexed by [`SheetKind`].
///
/// ```
/// use crmsheet::template::{PerSheet, SheetKind};
/// let mut rows = PerSheet::<u32>::default();
/// rows[SheetKind::Update] += 2;
/// assert_eq!((rows[SheetKind::Entry], rows[SheetKind::Update]), (0, 2));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PerSheet<T>(pub [T; 2]);

impl<T> PerSheet<T> {
    pub fn new(entry: T, update: T) -> PerSheet<T> {
        PerSheet([entry, update])
    }

    /// A value per sheet made from its kind.
    pub fn from_fn(mut make: impl FnMut(SheetKind) -> T) -> PerSheet<T> {
        PerSheet(SheetKind::ALL.map(&mut make))
    }

    /// Each sheet's kind with its value, entry first.
    pub fn iter(&self) -> impl Iterator<Item = (SheetKind, &T)> {
        SheetKind::ALL.into_iter().zip(self.0.iter())
    }
}

impl<T> std::ops::Index<SheetKind> for PerSheet<T> {
    type Output = T;
    fn index(&self, kind: SheetKind) -> &T {
        &self.0[kind.index()]
    }
}

impl<T> std::ops::IndexMut<SheetKind> for PerSheet<T> {
    fn index_mut(&mut self, kind: SheetKind) -> &mut T {
        &mut self.0[kind.index()]
    }
}

/// What an update field does to the customer when filled: the entry field
/// (by position) it overwrites or appends to on merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Overwrite(usize),
    Append(usize),
}

impl Change {
    /// The entry field it changes.
    pub fn target(self) -> usize {
        match self {
            Change::Overwrite(i) | Change::Append(i) => i,
        }
    }
}

/// The fields the rules, merge and review work with, by position, resolved
/// once when the definition is loaded: the definition names them by key
/// (`customer_id`, …), and nothing looks a key up after that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFields {
    pub id: usize,
    pub name: usize,
    pub salesperson: usize,
    pub review_status: usize,
    /// The field that dates the row (`date_field`).
    pub date: usize,
    pub reviewer: Option<usize>,
    pub review_date: Option<usize>,
    pub customer_status: Option<usize>,
    pub industry: Option<usize>,
    pub update_reason: Option<usize>,
}

impl KeyFields {
    /// The review fields: status, reviewer, review date.
    pub fn review_fields(&self) -> Vec<usize> {
        [Some(self.review_status), self.reviewer, self.review_date]
            .into_iter()
            .flatten()
            .collect()
    }
}

/// "Required when field F holds one of these options."
#[derive(Debug, Clone)]
pub struct Condition {
    pub field: usize,
    pub options: Vec<usize>,
}

/// One column of a data sheet.
#[derive(Debug, Clone)]
pub struct Field {
    pub key: String,
    pub header: Label,
    /// Older header texts still accepted on input.
    pub aliases: Vec<String>,
    pub ty: FieldType,
    /// Index into [`Template::lists`]; for text fields, applies only when that list
    /// has options.
    pub list: Option<usize>,
    pub required: bool,
    pub required_when: Option<Condition>,
    /// Update fields: what a filled value does to the customer on merge
    /// (`applies_to` / `appends_to` in the definition).
    pub change: Option<Change>,
    pub prompt: Label,
    pub example: Label,
}

impl Field {
    /// The header as written in a generated workbook: required ones end in `*`.
    pub fn display_header(&self, lang: Lang) -> String {
        let header = self.header.get(lang);
        if self.required {
            format!("{header}*")
        } else {
            header.to_string()
        }
    }

    /// Whether an update row filling this field changes the customer.
    pub fn is_change(&self) -> bool {
        self.change.is_some()
    }
}

/// One data sheet.
#[derive(Debug, Clone)]
pub struct SheetDef {
    pub kind: SheetKind,
    pub name: Label,
    /// Index of the field that dates the row (entry date, update date).
    pub date_field: usize,
    pub fields: Vec<Field>,
    /// The fields the logic works with, by position.
    pub keys: KeyFields,
    /// Per option of the review status list: the review state it means.
    reviews: Vec<Option<Review>>,
    /// Per option of the customer status list: whether it has role `active`.
    active: Vec<bool>,
    /// Normalised header (either language, or an alias) → field index.
    header_lookup: HashMap<String, usize>,
}

impl SheetDef {
    /// The field a header cell names, in either language or by an alias.
    ///
    /// ```
    /// use crmsheet::template::{Template, SheetKind};
    /// let t = Template::builtin();
    /// let entry = t.sheet(SheetKind::Entry);
    /// assert_eq!(entry.field_for_header("客户名称*"), entry.field_index("customer_name"));
    /// assert_eq!(entry.field_for_header("customer name"), entry.field_index("customer_name"));
    /// ```
    pub fn field_for_header(&self, header: &str) -> Option<usize> {
        self.header_lookup.get(&normalize_header(header)).copied()
    }

    pub fn field_index(&self, key: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.key == key)
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// The review state an option of the review status list means (`None`
    /// for an option without a review role).
    pub fn review_of_option(&self, option: usize) -> Option<Review> {
        self.reviews.get(option).copied().flatten()
    }

    /// Whether an option of the customer status list has role `active`.
    pub fn is_active_option(&self, option: usize) -> bool {
        self.active.get(option).copied().unwrap_or(false)
    }

    /// Whether a sheet name is this sheet's, in either language.
    pub fn is_named(&self, name: &str) -> bool {
        self.name.names(name)
    }
}

/// A checked template definition.
#[derive(Debug, Clone)]
pub struct Template {
    /// The template's name (`customer-register`), stamped into `_meta`.
    pub name: String,
    pub version: String,
    pub params: Params,
    pub workbook: WorkbookNames,
    /// The change log's column headers, in order: date, customer ID, customer
    /// name, field, old value, new value, reason, salesperson, reviewer, source.
    pub change_log_columns: [Label; 10],
    pub guide_zh: Vec<String>,
    pub guide_en: Vec<String>,
    pub lists: Vec<OptionList>,
    /// The entry and update sheets.
    pub sheets: PerSheet<SheetDef>,
    /// The definition's text, as loaded, for `crmsheet schema`.
    pub source: String,
    /// Where it came from: a path, or `built-in`.
    pub origin: String,
}

impl Template {
    /// The built-in customer-register definition.
    pub fn builtin() -> Template {
        Template::parse(BUILTIN, "built-in").expect("the built-in template definition is valid")
    }

    /// The definition a command uses: `--schema PATH`, else `$CRMSHEET_SCHEMA`,
    /// else `crmsheet.toml` in the current folder, else the built-in one.
    ///
    /// # Errors
    /// A file that cannot be read, is empty, or whose definition is broken; the
    /// message names the file and the line.
    pub fn resolve(explicit: Option<&Path>) -> Result<Template> {
        match Template::chosen_file(explicit) {
            Some((path, _)) => Template::load(&path),
            None => Ok(Template::builtin()),
        }
    }

    /// The definition file a command would use, and whether it was only found
    /// in the current folder (rather than named by `--schema` or
    /// `$CRMSHEET_SCHEMA`); `None` for the built-in definition.
    pub fn chosen_file(explicit: Option<&Path>) -> Option<(PathBuf, bool)> {
        match explicit {
            Some(p) => Some((p.to_path_buf(), false)),
            None => match std::env::var_os(SCHEMA_ENV).filter(|v| !v.is_empty()) {
                Some(v) => Some((PathBuf::from(v), false)),
                None => Some(PathBuf::from(LOCAL_FILE))
                    .filter(|p| p.is_file())
                    .map(|p| (p, true)),
            },
        }
    }

    /// Loads and checks a definition file.
    ///
    /// # Errors
    /// The file cannot be read, is empty (white space only), or holds a broken
    /// definition.
    pub fn load(path: &Path) -> Result<Template> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| crate::messages::definition_unreadable(path, &e))?;
        if text.trim().is_empty() {
            return Err(crate::messages::definition_empty(path));
        }
        Template::parse(&text, &path.display().to_string())
    }

    /// Checks a definition given as text. `origin` names it in error messages.
    ///
    /// # Errors
    /// Bad TOML, an unknown key, a field pointing at a list that does not exist,
    /// duplicate field keys, …: one line naming `origin`, the line and the cause.
    ///
    /// ```
    /// let err = crmsheet::template::Template::parse("version = 1", "bad.toml").unwrap_err();
    /// assert!(err.to_string().starts_with("bad.toml: line 1"));
    /// ```
    pub fn parse(text: &str, origin: &str) -> Result<Template> {
        let raw: raw::RawTemplate = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            anyhow::anyhow!(
                "{origin}: line {line}: {}",
                e.message().trim().replace('\n', " ")
            )
        })?;
        Checker { text, origin }.check(raw)
    }

    pub fn sheet(&self, kind: SheetKind) -> &SheetDef {
        &self.sheets[kind]
    }

    pub fn entry(&self) -> &SheetDef {
        &self.sheets[SheetKind::Entry]
    }

    pub fn update(&self) -> &SheetDef {
        &self.sheets[SheetKind::Update]
    }

    /// The list a sheet's field is checked against (with options), by position.
    pub fn list_of(&self, kind: SheetKind, field: usize) -> Option<&OptionList> {
        self.active_list(self.sheet(kind).fields.get(field)?)
    }

    pub fn list_by_key(&self, key: &str) -> Option<&OptionList> {
        self.lists.iter().find(|l| l.key == key)
    }

    /// The list a field is checked against, if it has one with options.
    pub fn active_list(&self, field: &Field) -> Option<&OptionList> {
        field
            .list
            .map(|i| &self.lists[i])
            .filter(|list| !list.is_empty())
    }

    pub fn guide(&self, lang: Lang) -> &[String] {
        match lang {
            Lang::Zh => &self.guide_zh,
            Lang::En => &self.guide_en,
        }
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

struct Checker<'a> {
    text: &'a str,
    origin: &'a str,
}

impl Checker<'_> {
    fn err<T>(&self, span: std::ops::Range<usize>, message: impl std::fmt::Display) -> Result<T> {
        bail!(
            "{}: line {}: {message}",
            self.origin,
            line_of(self.text, span.start)
        )
    }

    /// The change log's headers; no two may be the same, or a log read back
    /// would mix up its columns.
    fn change_log_columns(
        &self,
        raw: toml::Spanned<raw::RawChangeLogColumns>,
    ) -> Result<[Label; 10]> {
        let span = raw.span();
        let c = raw.into_inner();
        let columns: [Label; 10] = [
            c.date,
            c.customer_id,
            c.customer_name,
            c.field,
            c.old_value,
            c.new_value,
            c.reason,
            c.salesperson,
            c.reviewer,
            c.source,
        ]
        .map(Label::from);
        let mut owner: HashMap<String, usize> = HashMap::new();
        for (i, label) in columns.iter().enumerate() {
            for text in [&label.zh, &label.en] {
                let key = normalize_header(text);
                if key.is_empty() {
                    return self.err(span, "[change_log_columns] has an empty header");
                }
                // A column's zh and en header may be the same; two columns' may not.
                if *owner.entry(key).or_insert(i) != i {
                    return self.err(
                        span,
                        format!("[change_log_columns] names two columns {text:?}"),
                    );
                }
            }
        }
        Ok(columns)
    }

    fn check(&self, raw: raw::RawTemplate) -> Result<Template> {
        let version = raw.version.get_ref().clone();
        let semver = Regex::new(r"^\d+\.\d+\.\d+$").expect("static regex");
        if !semver.is_match(&version) {
            return self.err(
                raw.version.span(),
                format!("version {version:?} is not of the form 1.0.0"),
            );
        }
        if raw.template.get_ref().trim().is_empty() {
            return self.err(raw.template.span(), "template name is empty");
        }
        let params = self.params(&raw.params)?;
        let lists = self.lists(&raw.lists)?;
        let entry_fields: Vec<String> = raw
            .sheets
            .entry
            .fields
            .iter()
            .map(|f| f.get_ref().key.get_ref().clone())
            .collect();
        let entry = self.sheet(SheetKind::Entry, raw.sheets.entry, &lists, &[])?;
        let update = self.sheet(SheetKind::Update, raw.sheets.update, &lists, &entry_fields)?;
        if raw.guide.zh.is_empty() || raw.guide.en.is_empty() {
            bail!(
                "{}: [guide] needs at least one step in zh and en",
                self.origin
            );
        }
        let change_log_columns = self.change_log_columns(raw.change_log_columns)?;
        let w = raw.workbook;
        Ok(Template {
            name: raw.template.into_inner(),
            version,
            params,
            workbook: WorkbookNames {
                instructions: w.instructions.into(),
                lists: w.lists.into(),
                meta: w.meta.into(),
                change_log: w.change_log.into(),
                summary: w.summary.into(),
                report: w.report.into(),
            },
            change_log_columns,
            guide_zh: raw.guide.zh,
            guide_en: raw.guide.en,
            lists,
            sheets: PerSheet::new(entry, update),
            source: self.text.to_string(),
            origin: self.origin.to_string(),
        })
    }

    fn params(&self, raw: &raw::RawParams) -> Result<Params> {
        let id_pattern = Regex::new(raw.id_pattern.get_ref()).or_else(|e| {
            self.err(
                raw.id_pattern.span(),
                format!("id_pattern is not a valid regular expression: {e}"),
            )
        })?;
        for (value, name) in [
            (&raw.review_hours, "review_hours"),
            (&raw.stale_days, "stale_days"),
        ] {
            if *value.get_ref() <= 0 {
                return self.err(value.span(), format!("{name} must be a positive number"));
            }
        }
        let digits = *raw.id_digits.get_ref();
        if !(1..=12).contains(&digits) {
            return self.err(raw.id_digits.span(), "id_digits must be between 1 and 12");
        }
        let sample = format!("{}{}", raw.id_prefix.get_ref(), "1".repeat(digits as usize));
        if !id_pattern.is_match(&sample) {
            return self.err(
                raw.id_prefix.span(),
                format!(
                    "IDs made from id_prefix and id_digits ({sample}) would not match id_pattern"
                ),
            );
        }
        Ok(Params {
            review_hours: *raw.review_hours.get_ref(),
            stale_days: *raw.stale_days.get_ref(),
            id_pattern,
            id_prefix: raw.id_prefix.get_ref().clone(),
            id_digits: digits as usize,
        })
    }

    fn lists(
        &self,
        raw: &toml::Spanned<std::collections::BTreeMap<String, toml::Spanned<raw::RawList>>>,
    ) -> Result<Vec<OptionList>> {
        // Keep the order lists are written in, not the map's alphabetical order.
        let mut entries: Vec<_> = raw.get_ref().iter().collect();
        entries.sort_by_key(|(_, l)| l.span().start);
        let mut lists = Vec::new();
        for (key, spanned) in entries {
            let list = spanned.get_ref();
            let mut lookup = HashMap::new();
            let mut options = Vec::new();
            for (i, opt) in list.options.iter().enumerate() {
                let o = opt.get_ref();
                let en = o.en.clone().unwrap_or_else(|| o.zh.clone());
                if o.zh.trim().is_empty() || en.trim().is_empty() {
                    return self.err(opt.span(), format!("list {key:?} has an empty option"));
                }
                for label in [&o.zh, &en] {
                    let norm = normalize_value(label).to_lowercase();
                    if let Some(&other) = lookup.get(&norm) {
                        if other != i {
                            return self.err(
                                opt.span(),
                                format!("list {key:?} has the option {label:?} twice"),
                            );
                        }
                    }
                    lookup.insert(norm, i);
                }
                options.push(ListOption {
                    label: Label {
                        zh: o.zh.clone(),
                        en,
                    },
                    role: o.role,
                });
            }
            lists.push(OptionList {
                key: key.clone(),
                label: Label {
                    zh: list.zh.clone(),
                    en: list.en.clone(),
                },
                options,
                lookup,
            });
        }
        for (role, name) in [
            (OptionRole::Pending, "pending"),
            (OptionRole::Approved, "approved"),
            (OptionRole::Rejected, "rejected"),
        ] {
            if !lists.iter().any(|l| l.with_role(role).is_some()) {
                return self.err(
                    raw.span(),
                    format!("no list option has role = {name:?} (the review statuses need pending, approved and rejected)"),
                );
            }
        }
        Ok(lists)
    }

    /// One data sheet; `entry_fields` are the entry sheet's keys, which update
    /// fields' `applies_to` and `appends_to` name.
    fn sheet(
        &self,
        kind: SheetKind,
        raw: raw::RawSheet,
        lists: &[OptionList],
        entry_fields: &[String],
    ) -> Result<SheetDef> {
        let mut fields: Vec<Field> = Vec::new();
        let mut header_lookup = HashMap::new();
        let mut conditions = Vec::new();
        for spanned in &raw.fields {
            let f = spanned.get_ref();
            let key = f.key.get_ref().clone();
            if fields.iter().any(|other| other.key == key) {
                return self.err(
                    f.key.span(),
                    format!(
                        "field key {key:?} appears twice on the {} sheet",
                        kind.as_str()
                    ),
                );
            }
            let ty = *f.ty.get_ref();
            let list = match &f.list {
                Some(name) => match lists.iter().position(|l| &l.key == name.get_ref()) {
                    Some(i) => Some(i),
                    None => {
                        return self.err(
                            name.span(),
                            format!(
                                "field {key:?} uses list {:?}, which does not exist",
                                name.get_ref()
                            ),
                        )
                    }
                },
                None => None,
            };
            match (ty, list) {
                (FieldType::List, None) => {
                    return self.err(f.ty.span(), format!("list field {key:?} names no list"))
                }
                (FieldType::List, Some(i)) if lists[i].is_empty() => {
                    return self.err(
                        f.key.span(),
                        format!(
                            "list field {key:?} uses list {:?}, which has no options",
                            lists[i].key
                        ),
                    )
                }
                (FieldType::Date | FieldType::Id, Some(_)) => {
                    let ty = if ty == FieldType::Date { "date" } else { "id" };
                    return self.err(f.ty.span(), format!("a {ty} field cannot have a list"));
                }
                _ => {}
            }
            let index = fields.len();
            for header in [&f.zh, &f.en].into_iter().chain(&f.aliases) {
                let norm = normalize_header(header);
                if norm.is_empty() {
                    return self.err(f.key.span(), format!("field {key:?} has an empty header"));
                }
                if let Some(&other) = header_lookup.get(&norm) {
                    if other != index {
                        return self.err(
                            f.key.span(),
                            format!("header {header:?} is used by two fields"),
                        );
                    }
                }
                header_lookup.insert(norm, index);
            }
            if let Some(cond) = &f.required_when {
                conditions.push((index, cond));
            }
            if kind == SheetKind::Entry && (f.applies_to.is_some() || f.appends_to.is_some()) {
                let span = f
                    .applies_to
                    .as_ref()
                    .or(f.appends_to.as_ref())
                    .map(|s| s.span());
                return self.err(
                    span.unwrap_or(f.key.span()),
                    "applies_to/appends_to belong on update fields",
                );
            }
            let target = |name: &toml::Spanned<String>| match entry_fields
                .iter()
                .position(|k| k == name.get_ref())
            {
                Some(i) => Ok(i),
                None => self.err(
                    name.span(),
                    format!(
                        "update field {key:?} applies to entry field {:?}, which does not exist",
                        name.get_ref()
                    ),
                ),
            };
            let change = match (&f.applies_to, &f.appends_to) {
                (Some(_), Some(name)) => {
                    return self.err(
                        name.span(),
                        format!("field {key:?} has both applies_to and appends_to"),
                    )
                }
                (Some(name), None) => Some(Change::Overwrite(target(name)?)),
                (None, Some(name)) => Some(Change::Append(target(name)?)),
                (None, None) => None,
            };
            fields.push(Field {
                key,
                header: Label {
                    zh: f.zh.clone(),
                    en: f.en.clone(),
                },
                aliases: f.aliases.clone(),
                ty,
                list,
                required: f.required,
                required_when: None,
                change,
                prompt: Label {
                    zh: f.prompt_zh.clone(),
                    en: f.prompt_en.clone(),
                },
                example: Label {
                    zh: f.example_zh.clone(),
                    en: f.example_en.clone(),
                },
            });
        }
        for (index, cond) in conditions {
            let c = cond.get_ref();
            let Some(field) = fields.iter().position(|f| f.key == c.field) else {
                return self.err(
                    cond.span(),
                    format!(
                        "required_when names field {:?}, which does not exist",
                        c.field
                    ),
                );
            };
            let Some(list) = fields[field].list.map(|i| &lists[i]) else {
                return self.err(
                    cond.span(),
                    format!("required_when field {:?} has no list", c.field),
                );
            };
            let mut options = Vec::new();
            for value in &c.values {
                match list.find(value) {
                    Some(o) => options.push(o),
                    None => {
                        return self.err(
                            cond.span(),
                            format!(
                                "required_when value {value:?} is not an option of list {:?}",
                                list.key
                            ),
                        )
                    }
                }
            }
            fields[index].required_when = Some(Condition { field, options });
        }
        // The keys the logic works with are resolved here, once.
        let at = |key: &str| fields.iter().position(|f| f.key == key);
        let need = |key: &str| {
            at(key).ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: the {} sheet needs a field with key {key:?}",
                    self.origin,
                    kind.as_str()
                )
            })
        };
        let id = need("customer_id")?;
        let name = need("customer_name")?;
        let salesperson = need("salesperson")?;
        let review_status = need("review_status")?;
        let Some(date_field) = fields
            .iter()
            .position(|f| &f.key == raw.date_field.get_ref())
        else {
            return self.err(
                raw.date_field.span(),
                format!(
                    "date_field {:?} is not a field of this sheet",
                    raw.date_field.get_ref()
                ),
            );
        };
        if fields[date_field].ty != FieldType::Date {
            return self.err(raw.date_field.span(), "date_field must name a date field");
        }
        let keys = KeyFields {
            id,
            name,
            salesperson,
            review_status,
            date: date_field,
            reviewer: at("reviewer"),
            review_date: at("review_date"),
            customer_status: at("customer_status"),
            industry: at("industry"),
            update_reason: at("update_reason"),
        };
        let roles = |field: Option<usize>| -> Vec<Option<OptionRole>> {
            field
                .and_then(|i| fields[i].list)
                .map(|l| lists[l].options.iter().map(|o| o.role).collect())
                .unwrap_or_default()
        };
        let reviews = roles(Some(review_status))
            .into_iter()
            .map(|r| r.and_then(OptionRole::review))
            .collect();
        let active = roles(keys.customer_status)
            .into_iter()
            .map(|r| r == Some(OptionRole::Active))
            .collect();
        Ok(SheetDef {
            kind,
            name: Label {
                zh: raw.zh,
                en: raw.en,
            },
            date_field,
            fields,
            keys,
            reviews,
            active,
            header_lookup,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_matches_the_spec() {
        let t = Template::builtin();
        assert_eq!(t.version, "1.0.0");
        assert_eq!(t.entry().fields.len(), 14);
        assert_eq!(t.update().fields.len(), 15);
        assert_eq!(t.list_by_key("industries").unwrap().options.len(), 20);
        assert_eq!(t.params.review_hours, 24);
        assert!(t.params.id_pattern.is_match("C001"));
        assert!(!t.params.id_pattern.is_match("C01"));
        let reviewer = t.entry().field("reviewer").unwrap();
        assert!(reviewer.required_when.is_some());
        assert!(
            t.active_list(reviewer).is_none(),
            "team list is empty by default"
        );
    }

    fn broken(replace: &str, with: &str) -> String {
        assert!(BUILTIN.contains(replace), "{replace}");
        let text = BUILTIN.replacen(replace, with, 1);
        Template::parse(&text, "t.toml").unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_line() {
        let msg = broken("list = \"industries\"", "list = \"sectors\"");
        let line = BUILTIN[..BUILTIN.find("list = \"industries\"").unwrap()]
            .lines()
            .count()
            + 1;
        assert_eq!(
            msg,
            format!("t.toml: line {line}: field \"industry\" uses list \"sectors\", which does not exist")
        );
        assert!(
            broken("stale_days = 90", "stale_days = 90\nstale_weeks = 3").contains("unknown field")
        );
        assert!(broken("key = \"salesperson\"", "key = \"entry_date\"").contains("appears twice"));
        assert!(broken("version = \"1.0.0\"", "version = \"one\"").contains("line 9:"));
        assert!(broken("id_pattern = '^C\\d{3,}$'", "id_pattern = '^C(['").contains("id_pattern"));
    }

    /// The line of the first occurrence of `text` in the built-in definition.
    fn line_of_builtin(text: &str) -> usize {
        line_of(BUILTIN, BUILTIN.find(text).unwrap())
    }

    #[test]
    fn a_misspelt_role_or_type_is_an_error_naming_its_line() {
        let line = line_of_builtin("role = \"approved\"");
        let msg = broken("role = \"approved\"", "role = \"aproved\"");
        assert!(
            msg.starts_with(&format!("t.toml: line {line}: unknown variant `aproved`")),
            "{msg}"
        );
        let line = line_of_builtin("type = \"date\"");
        let msg = broken("type = \"date\"", "type = \"day\"");
        assert!(
            msg.starts_with(&format!("t.toml: line {line}: unknown variant `day`")),
            "{msg}"
        );
    }

    #[test]
    fn changes_name_existing_entry_fields() {
        let line = line_of_builtin("applies_to = ");
        let at = BUILTIN.find("applies_to = ").unwrap();
        let value_end = at + BUILTIN[at..].find('\n').unwrap();
        let text = format!(
            "{}applies_to = \"nothing\"{}",
            &BUILTIN[..at],
            &BUILTIN[value_end..]
        );
        let msg = Template::parse(&text, "t.toml").unwrap_err().to_string();
        assert!(
            msg.starts_with(&format!("t.toml: line {line}: update field")),
            "{msg}"
        );
        assert!(
            msg.ends_with("entry field \"nothing\", which does not exist"),
            "{msg}"
        );
    }

    #[test]
    fn key_fields_and_changes_are_resolved_once() {
        let t = Template::builtin();
        for (kind, def) in t.sheets.iter() {
            let keys = &def.keys;
            let key = |i: usize| def.fields[i].key.as_str();
            assert_eq!(def.kind, kind);
            assert_eq!(
                [
                    key(keys.id),
                    key(keys.name),
                    key(keys.salesperson),
                    key(keys.review_status)
                ],
                [
                    "customer_id",
                    "customer_name",
                    "salesperson",
                    "review_status"
                ]
            );
            assert_eq!(keys.date, def.date_field);
            assert_eq!(keys.reviewer.map(key), Some("reviewer"));
        }
        let (entry, update) = (t.entry(), t.update());
        let approved = t
            .list_of(SheetKind::Entry, entry.keys.review_status)
            .and_then(|l| l.find("已通过"))
            .unwrap();
        assert_eq!(entry.review_of_option(approved), Some(Review::Approved));
        let active = t
            .list_of(SheetKind::Entry, entry.keys.customer_status.unwrap())
            .and_then(|l| l.find("Active"))
            .unwrap();
        assert!(entry.is_active_option(active));
        assert!(!entry.is_active_option(active + 1));
        // Every change names the entry field of the same meaning.
        for field in &update.fields {
            if let Some(change) = field.change {
                let target = &entry.fields[change.target()];
                assert!(
                    field.key.contains(&target.key) || target.key == "interaction",
                    "{} changes {}",
                    field.key,
                    target.key
                );
            }
        }
        assert!(update
            .fields
            .iter()
            .any(|f| matches!(f.change, Some(Change::Append(_)))));
    }

    #[test]
    fn change_log_columns_come_from_the_definition() {
        let t = Template::builtin();
        assert_eq!(t.change_log_columns[0].zh, "日期");
        assert_eq!(t.change_log_columns[9].en, "Source");
        let line = BUILTIN[..BUILTIN.find("[change_log_columns]").unwrap()]
            .lines()
            .count()
            + 1;
        // Two columns under one header would be mixed up when a log is read back.
        let msg = broken(
            "reason = { zh = \"原因\", en = \"Reason\" }",
            "reason = { zh = \"字段\", en = \"Reason\" }",
        );
        assert_eq!(
            msg,
            format!("t.toml: line {line}: [change_log_columns] names two columns \"字段\"")
        );
        let missing = broken("source = { zh = \"来源\", en = \"Source\" }\n", "");
        assert!(missing.contains("missing field `source`"), "{missing}");
        // A column's two headers may be the same.
        let same = BUILTIN.replace(
            "date = { zh = \"日期\", en = \"Date\" }",
            "date = { zh = \"Date\", en = \"Date\" }",
        );
        assert!(Template::parse(&same, "t.toml").is_ok());
    }
}
