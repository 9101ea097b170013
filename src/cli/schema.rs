//! `crmsheet schema`: prints the active template definition, as TOML (verbatim,
//! so `crmsheet schema > crmsheet.toml` round-trips) or as a Frictionless Table
//! Schema for one data sheet.

use crate::lang::Lang;
use crate::messages;
use crate::template::{FieldType, SheetKind, Template};
use crate::Outcome;
use anyhow::Result;
use serde_json::{json, Map, Value};
use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaFormat {
    /// The template definition as loaded
    Toml,
    /// A Frictionless Table Schema (JSON) for one sheet
    TableSchema,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SheetArg {
    Entry,
    Update,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format
    #[arg(long, value_enum, default_value_t = SchemaFormat::Toml)]
    pub format: SchemaFormat,

    /// Sheet described by --format table-schema
    #[arg(long, value_enum, default_value_t = SheetArg::Entry)]
    pub sheet: SheetArg,

    /// Language of field names and enum values in --format table-schema
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
}

/// The definition `schema` prints. It is asked for a definition, not to use
/// one: an empty file (the shell creates `crmsheet.toml` before
/// `crmsheet schema > crmsheet.toml` runs) gives the built-in definition, and so
/// does a broken `crmsheet.toml` found in the current folder, with a line on
/// stderr saying why. A broken file named by `--schema` or `$CRMSHEET_SCHEMA`
/// is an error, as in every command.
///
/// # Errors
/// As described.
pub fn definition(explicit: Option<&Path>, lang: Lang) -> Result<Template> {
    let Some((path, local)) = Template::chosen_file(explicit) else {
        return Ok(Template::builtin());
    };
    if std::fs::read_to_string(&path).is_ok_and(|text| text.trim().is_empty()) {
        return Ok(Template::builtin());
    }
    match Template::load(&path) {
        Ok(template) => Ok(template),
        Err(e) if local => {
            let _ = writeln!(
                std::io::stderr(),
                "crmsheet: {}",
                messages::definition_skipped(&e, lang)
            );
            Ok(Template::builtin())
        }
        Err(e) => Err(e),
    }
}

/// Prints the definition.
///
/// # Errors
/// Standard output cannot be written (a closed pipe is not an error: see [`super::stdout`]).
pub fn run(args: Args, template: &Template) -> Result<Outcome> {
    let mut out = super::stdout();
    match args.format {
        SchemaFormat::Toml => out.write_all(template.source.as_bytes())?,
        SchemaFormat::TableSchema => {
            let kind = match args.sheet {
                SheetArg::Entry => SheetKind::Entry,
                SheetArg::Update => SheetKind::Update,
            };
            let schema = table_schema(template, kind, args.lang);
            serde_json::to_writer_pretty(&mut out, &schema)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

/// A Frictionless Table Schema for one data sheet.
///
/// Field `name`s are the headers exactly as a generated workbook in `lang` has
/// them ([`Field::display_header`](crate::template::Field::display_header),
/// required ones with their trailing `*`), so the schema matches real files, not
/// just the bare header text (that is in `title`). `required` is set only for
/// unconditionally required fields; `enum` lists the labels in `lang` (list
/// fields, and team fields when the team has members); `pattern` is the
/// definition's `id_pattern` as written (anchored, which Frictionless
/// implementations accept); the entry sheet's customer ID is `unique`.
pub fn table_schema(template: &Template, kind: SheetKind, lang: Lang) -> Value {
    let sheet = template.sheet(kind);
    let fields: Vec<Value> = sheet
        .fields
        .iter()
        .map(|field| {
            let mut constraints = Map::new();
            if field.required {
                constraints.insert("required".into(), json!(true));
            }
            if let Some(list) = template.active_list(field) {
                let labels: Vec<&str> = list.options.iter().map(|o| o.label.get(lang)).collect();
                constraints.insert("enum".into(), json!(labels));
            }
            if field.ty == FieldType::Id {
                constraints.insert("pattern".into(), json!(template.params.id_pattern.as_str()));
                if kind == SheetKind::Entry {
                    constraints.insert("unique".into(), json!(true));
                }
            }
            let mut out = Map::new();
            out.insert("name".into(), json!(field.display_header(lang)));
            out.insert("title".into(), json!(field.header.get(lang)));
            out.insert("description".into(), json!(field.prompt.get(lang)));
            out.insert(
                "type".into(),
                json!(if field.ty == FieldType::Date {
                    "date"
                } else {
                    "string"
                }),
            );
            if field.ty == FieldType::Date {
                out.insert("format".into(), json!("default"));
            }
            if !constraints.is_empty() {
                out.insert("constraints".into(), Value::Object(constraints));
            }
            Value::Object(out)
        })
        .collect();
    json!({
        "name": format!("{}-{}", template.name, kind.as_str()),
        "title": sheet.name.get(lang),
        "version": template.version,
        "fields": fields,
        "missingValues": [""],
    })
}
