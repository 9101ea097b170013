//! The pages, as askama templates compiled into the binary (the HTML lives in
//! `src/serve/pages/`). Every value reaches the HTML through askama's escaping;
//! no template marks data `|safe`. The structs here are what the templates
//! show, built from a [`Report`](crate::report::Report) by plain code that can be tested without a
//! server.

use super::engine::PageCheck;
use super::grid::{cell_marks, FileGrid};
use super::i18n::{self, Text};
use crate::lang::Lang;
use crate::rules::{Code, Finding, Severity};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// What every page has: its texts and the path the language switch returns to.
pub struct Chrome {
    pub t: &'static Text,
    /// The admin pages' texts (the navigation is on every page).
    pub a: &'static i18n::AdminText,
    pub back: &'static str,
}

impl Chrome {
    pub fn new(lang: Lang, back: &'static str) -> Chrome {
        Chrome {
            t: i18n::text(lang),
            a: i18n::admin(lang),
            back,
        }
    }
}

/// Renders a page with a status.
pub fn html(page: &impl Template, status: StatusCode) -> Response {
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the page could not be rendered",
        )
            .into_response(),
    }
}

#[derive(Template)]
#[template(path = "check.html")]
pub struct CheckPage {
    pub c: Chrome,
    pub form_token: String,
    pub error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub c: Chrome,
    pub title: &'static str,
    pub body: String,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub c: Chrome,
    pub form_token: String,
    pub error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub c: Chrome,
    pub form_token: String,
    /// The register at a glance; `None`: the desk has no register.
    pub glance: Option<super::glance::Glance>,
}

#[derive(Template)]
#[template(path = "result.html")]
pub struct ResultPage {
    pub c: Chrome,
    pub verdict: &'static str,
    /// `ok`, `warn` or `fix`: the verdict's colour.
    pub verdict_class: &'static str,
    pub counts: String,
    pub files: Vec<FileView>,
}

/// Where a file's annotated copy stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyLink {
    /// Unreadable files have none.
    None,
    /// Made but too large to keep.
    NotKept,
    /// The download link.
    Ready(String),
}

pub struct FileView {
    pub name: String,
    pub unreadable: Option<String>,
    /// The updates' IDs could not be checked (no register among the files).
    pub ids_unchecked: Option<String>,
    pub download: Option<String>,
    pub copy_not_kept: bool,
    pub clean: bool,
    pub groups: Vec<GroupView>,
    pub grids: Vec<GridView>,
    pub more: Option<String>,
}

pub struct GroupView {
    pub title: String,
    pub findings: Vec<FindingView>,
}

pub struct FindingView {
    pub id: String,
    pub cell: String,
    pub sev_class: &'static str,
    pub sev: &'static str,
    pub rule: &'static str,
    pub field: String,
    pub message: String,
    pub hint: String,
    pub value: String,
}

pub struct GridView {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<GridRowView>,
}

pub struct GridRowView {
    pub number: u32,
    pub mark: Option<CellMark>,
    pub cells: Vec<GridCellView>,
}

pub struct GridCellView {
    pub text: String,
    pub mark: Option<CellMark>,
}

/// A coloured cell: its class, its messages and the findings it points to.
pub struct CellMark {
    pub class: &'static str,
    pub tip: String,
    pub described_by: String,
}

fn sev_class(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The result page of a check.
pub fn result_page(lang: Lang, checked: &PageCheck, copies: &[CopyLink]) -> ResultPage {
    let (report, grids) = (&checked.report, &checked.grids);
    let t = i18n::text(lang);
    let summary = report.summary();
    let unreadable = report.files.iter().any(|f| !f.readable);
    let (verdict, verdict_class) = if unreadable {
        (t.verdict_unreadable, "fix")
    } else if summary.errors > 0 {
        (t.verdict_fix, "fix")
    } else if summary.warnings > 0 {
        (t.verdict_warn, "warn")
    } else {
        (t.verdict_ok, "ok")
    };
    let files = report
        .files
        .iter()
        .enumerate()
        .map(|(index, file)| {
            let findings: Vec<&Finding> = report.findings_for(index).collect();
            let ids: Vec<String> = (0..findings.len())
                .map(|n| format!("f{index}-{n}"))
                .collect();
            let grid = grids.get(index).cloned().unwrap_or_default();
            FileView {
                name: file.path.clone(),
                unreadable: findings
                    .iter()
                    .find(|f| f.rule == Code::FileUnreadable)
                    .map(|f| f.message.clone()),
                ids_unchecked: checked
                    .ids_unchecked
                    .iter()
                    .find(|f| f.file_index == index)
                    .map(|f| {
                        let sheet = f.sheet.as_deref().unwrap_or_default();
                        i18n::ids_unchecked(lang, sheet, f.cell.as_deref().unwrap_or_default())
                    }),
                download: match copies.get(index) {
                    Some(CopyLink::Ready(link)) => Some(link.clone()),
                    _ => None,
                },
                copy_not_kept: copies.get(index) == Some(&CopyLink::NotKept),
                clean: findings.is_empty(),
                groups: groups(t, &findings, &ids),
                grids: grid_views(lang, &grid, &findings, &ids),
                more: (grid.more > 0).then(|| i18n::more_rows(lang, grid.more)),
            }
        })
        .collect();
    ResultPage {
        c: Chrome::new(lang, "/check"),
        verdict,
        verdict_class,
        counts: crate::report::text::summary_line(&summary, lang),
        files,
    }
}

/// Findings grouped: the file's own first, then by sheet, in report order.
fn groups(t: &Text, findings: &[&Finding], ids: &[String]) -> Vec<GroupView> {
    let mut groups: Vec<GroupView> = Vec::new();
    for (f, id) in findings.iter().zip(ids) {
        let title = f.sheet.clone().unwrap_or_else(|| t.whole_file.to_string());
        if groups.last().is_none_or(|g| g.title != title) {
            groups.push(GroupView {
                title,
                findings: Vec::new(),
            });
        }
        let view = FindingView {
            id: id.clone(),
            cell: f.cell.clone().unwrap_or_default(),
            sev_class: sev_class(f.severity),
            sev: f.severity.label(t.lang),
            rule: f.rule.as_str(),
            field: f
                .column
                .clone()
                .or_else(|| f.field.clone())
                .unwrap_or_default(),
            message: f.message.clone(),
            hint: f.hint.clone().unwrap_or_default(),
            value: f.value.clone().unwrap_or_default(),
        };
        if let Some(g) = groups.last_mut() {
            g.findings.push(view);
        }
    }
    groups
}

fn mark_of<'f>(
    lang: Lang,
    at: impl Iterator<Item = (&'f Finding, &'f String)> + Clone,
) -> Option<CellMark> {
    let (severity, tip) = cell_marks(at.clone().map(|(f, _)| f), lang)?;
    Some(CellMark {
        class: sev_class(severity),
        tip,
        described_by: at.map(|(_, id)| id.as_str()).collect::<Vec<_>>().join(" "),
    })
}

fn grid_views(lang: Lang, grid: &FileGrid, findings: &[&Finding], ids: &[String]) -> Vec<GridView> {
    grid.sheets
        .iter()
        .map(|sheet| {
            let in_sheet = || {
                findings
                    .iter()
                    .copied()
                    .zip(ids)
                    .filter(move |(f, _)| f.sheet_kind == Some(sheet.kind))
            };
            let rows = sheet
                .rows
                .iter()
                .map(|(number, values)| {
                    let on_row = move || in_sheet().filter(move |(f, _)| f.row == Some(*number));
                    let shown_cols: Vec<u32> = sheet.columns.iter().map(|(c, _)| *c).collect();
                    // Findings of the row that no shown cell carries mark the row number.
                    let off_grid =
                        on_row().filter(|(f, _)| f.col.is_none_or(|c| !shown_cols.contains(&c)));
                    GridRowView {
                        number: *number,
                        mark: mark_of(lang, off_grid),
                        cells: sheet
                            .columns
                            .iter()
                            .zip(values)
                            .map(|((col, _), text)| GridCellView {
                                text: text.clone(),
                                mark: mark_of(lang, on_row().filter(|(f, _)| f.col == Some(*col))),
                            })
                            .collect(),
                    }
                })
                .collect();
            GridView {
                title: sheet.name.clone(),
                headers: sheet.columns.iter().map(|(_, h)| h.clone()).collect(),
                rows,
            }
        })
        .collect()
}
