//! `/register`: the dashboard. The summary sheet's tables, counted from the
//! register by [`crate::merge::summary`] (the code that writes the sheet), each
//! drawn on the server as an SVG bar chart and followed by its table; the
//! stale customers; the register to download.
//!
//! Rows counting nothing are left out of a chart (the table keeps them).
//! Every table is drawn as horizontal bars (the status table too, which the
//! sheet shows as a pie): labels stay readable however long, and the table
//! below each chart carries the exact numbers for screen readers.

use super::admin::{blocking, no_register, Admin};
use super::i18n;
use super::inbox::attachment;
use super::pages::{html, Chrome};
use super::Desk;
use crate::lang::Lang;
use crate::merge::summary::{self, SummaryTable};
use crate::privacy::mask;
use crate::rules::Code;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

#[derive(askama::Template)]
#[template(path = "register.html")]
pub struct RegisterPage {
    pub c: Chrome,
    pub charts: Vec<ChartView>,
    pub stale: Vec<StaleView>,
    pub unreadable: Option<String>,
    pub missing: bool,
}

pub struct ChartView {
    pub title: String,
    /// The chart's SVG, put in the page as markup: the one value no template
    /// escapes. It is drawn by plotters, whose SVG backend escapes every text
    /// and attribute it writes (a label `<img …>` stays text: see the test
    /// below), and holds no script.
    pub svg: String,
    pub headers: Vec<String>,
    pub rows: Vec<(String, Vec<u64>)>,
}

pub struct StaleView {
    pub cell: String,
    pub message: String,
}

/// The series' colours (blue, orange), as the sheet's charts use.
const COLOURS: [RGBColor; 3] = [
    RGBColor(0x2f, 0x5f, 0x9e),
    RGBColor(0xe0, 0x8a, 0x2c),
    RGBColor(0x6a, 0x9f, 0x4b),
];

/// Rough width of a label in pixels at 13 px (CJK characters are wide).
fn label_width(text: &str) -> u32 {
    text.chars()
        .map(|c| if c.is_ascii() { 9 } else { 16 })
        .sum::<u32>()
}

/// A table as horizontal bars, one row each; several value columns stacked,
/// with a legend. Plain SVG: no script, no external font.
pub fn chart_svg(table: &SummaryTable) -> String {
    let series = table.series.clamp(1, COLOURS.len());
    // Rows with nothing to draw are left out of the chart (the table below
    // keeps every row): twenty industries with one bar would be mostly air.
    let rows: Vec<&(String, Vec<u64>)> = table
        .rows
        .iter()
        .filter(|(_, v)| v.iter().take(series).any(|n| *n > 0))
        .collect();
    let table = SummaryTable {
        rows: rows.into_iter().cloned().collect(),
        ..table.clone()
    };
    let table = &table;
    let n = table.rows.len().max(1);
    let height = 100 + n as u32 * 36 + if series > 1 { 30 } else { 0 };
    let labels: Vec<String> = table
        .rows
        .iter()
        .map(|(l, _)| l.chars().take(24).collect())
        .collect();
    let label_area = labels
        .iter()
        .map(|l| label_width(l))
        .max()
        .unwrap_or(40)
        .clamp(40, 260)
        + 12;
    let max = table
        .rows
        .iter()
        .map(|(_, v)| v.iter().take(series).sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let top = max + (max / 8).max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, height)).into_drawing_area();
        let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
            root.fill(&WHITE)?;
            let mut chart = ChartBuilder::on(&root)
                .margin(12)
                .x_label_area_size(28)
                .y_label_area_size(label_area)
                // A discrete range holds both ends: `0..n - 1` is n rows, no empty
                // slot; a single row needs a range of two (`0..0` draws nothing).
                .build_cartesian_2d(0u64..top, (0..(n - 1).max(1)).into_segmented())?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(n)
                .y_label_formatter(&|v| match v {
                    // The first row at the top, as in the table.
                    SegmentValue::CenterOf(i) if *i < n => {
                        labels.get(n - 1 - *i).cloned().unwrap_or_default()
                    }
                    _ => String::new(),
                })
                .x_labels(6)
                .x_label_formatter(&|v| v.to_string())
                .label_style(("sans-serif", 15))
                .axis_desc_style(("sans-serif", 15))
                .light_line_style(RGBColor(0xee, 0xee, 0xee))
                .draw()?;
            for (s, &colour) in COLOURS.iter().enumerate().take(series) {
                let bars = table
                    .rows
                    .iter()
                    .enumerate()
                    .map(move |(row, (_, values))| {
                        let i = n - 1 - row;
                        let before: u64 = values.iter().take(s).sum();
                        let value = values.get(s).copied().unwrap_or(0);
                        let mut bar = Rectangle::new(
                            [
                                (before, SegmentValue::Exact(i)),
                                (before + value, SegmentValue::Exact(i + 1)),
                            ],
                            colour.filled(),
                        );
                        bar.set_margin(5, 5, 0, 0);
                        bar
                    });
                let drawn = chart.draw_series(bars)?;
                if series > 1 {
                    let name = table.headers.get(s + 1).cloned().unwrap_or_default();
                    drawn.label(name).legend(move |(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled())
                    });
                }
            }
            if series > 1 {
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::LowerRight)
                    .background_style(WHITE.mix(0.9))
                    .border_style(BLACK.mix(0.3))
                    .label_font(("sans-serif", 15))
                    .draw()?;
            }
            root.present()?;
            Ok(())
        })();
        if drawn.is_err() {
            return String::new();
        }
    }
    svg
}

fn build(desk: &Desk, lang: Lang) -> RegisterPage {
    let mut page = RegisterPage {
        c: Chrome::new(lang, "/register"),
        charts: Vec::new(),
        stale: Vec::new(),
        unreadable: None,
        missing: false,
    };
    let Some(register) = desk.0.files.register.as_deref() else {
        return page;
    };
    if !register.is_file() {
        page.missing = true;
        return page;
    }
    let template = &desk.0.template;
    match summary::of_register(template, register, lang) {
        Ok(stats) => {
            page.charts = summary::summary_tables(template, &stats)
                .iter()
                .map(|t| ChartView {
                    title: t.title.clone(),
                    svg: chart_svg(t),
                    headers: t.headers.clone(),
                    rows: t
                        .rows
                        .iter()
                        .map(|(l, v)| (mask(l).into_owned(), v.clone()))
                        .collect(),
                })
                .collect();
        }
        Err(e) => {
            page.unreadable = Some(super::admin::on_page(
                desk,
                &crate::messages::error_line(&e, lang),
            ))
        }
    }
    let sources = [crate::read::Source::path(register)];
    let report = crate::check::validate(template, desk.options(lang), &sources, None).report;
    page.stale = report
        .findings
        .iter()
        .filter(|f| f.rule == Code::StaleCustomer)
        .map(|f| StaleView {
            cell: f.cell.clone().unwrap_or_default(),
            message: mask(&f.message).into_owned(),
        })
        .collect();
    page
}

/// `GET /register`.
pub async fn page(State(desk): State<Desk>, headers: HeaderMap, Admin(_): Admin) -> Response {
    if desk.0.files.register.is_none() {
        return no_register(&desk, &headers);
    }
    let lang = desk.lang(&headers);
    let d = desk.clone();
    match blocking(move || build(&d, lang)).await {
        Some(page) => html(&page, StatusCode::OK),
        None => desk.message(
            lang,
            StatusCode::INTERNAL_SERVER_ERROR,
            |t| t.failed_title,
            i18n::text(lang).failed_body.into(),
        ),
    }
}

/// `GET /register/download`: the register file itself.
pub async fn download(State(desk): State<Desk>, headers: HeaderMap, Admin(_): Admin) -> Response {
    let Some(register) = desk.0.files.register.clone() else {
        return no_register(&desk, &headers);
    };
    let lang = desk.lang(&headers);
    let name = register
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "register.xlsx".into());
    match blocking(move || std::fs::read(&register).ok())
        .await
        .flatten()
    {
        Some(bytes) => attachment(bytes, &name),
        None => desk.message(
            lang,
            StatusCode::NOT_FOUND,
            |t| t.not_found_title,
            i18n::text(lang).not_found_body.into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::summary::ChartKind;

    #[test]
    fn charts_are_svg_with_labels_as_text() {
        let table = SummaryTable {
            title: "t".into(),
            headers: vec!["who".into(), "a".into(), "b".into()],
            rows: vec![
                ("<img src=x onerror=alert(1)>".into(), vec![3, 1]),
                ("张伟".into(), vec![0, 2]),
            ],
            chart: ChartKind::Column,
            series: 2,
        };
        let svg = chart_svg(&table);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("&lt;img src=x"), "{svg}");
        assert!(!svg.contains("<img"), "{svg}");
        assert!(svg.contains("张伟") && !svg.contains("<script"));
    }

    #[test]
    fn one_row_draws_one_bar_with_its_label() {
        let table = SummaryTable {
            title: "t".into(),
            headers: vec!["industry".into(), "n".into()],
            rows: vec![("制造业".into(), vec![5])],
            chart: ChartKind::Column,
            series: 1,
        };
        let svg = chart_svg(&table);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert_eq!(svg.matches("制造业").count(), 1, "{svg}");
    }
}
