//! The `统计` (Summary) sheet of a merged register, for the quarterly review:
//! customers by industry, by customer status, new customers per month and
//! pending reviews per salesperson, each a table with a native Excel chart.
//!
//! The counts are gathered while the rows are written, so the register is never
//! held to count it. A customer is an approved entry row: pending rows are
//! counted in a column of their own (and per salesperson), never as customers;
//! rejected rows are not in the register.

use super::value::{val, Cells, KeyFields, Review, Val};
use crate::lang::Lang;
use crate::template::{SheetKind, Template};
use anyhow::Result;
use rust_xlsxwriter::{Chart, ChartLegendPosition, Color, Format, FormatBorder, Worksheet};
use std::collections::BTreeMap;

/// Counts per option of a list field, plus values that are no option: each
/// `[approved, pending]`.
#[derive(Debug, Clone, Default)]
struct Counter {
    field: Option<usize>,
    options: Vec<[u64; 2]>,
    other: BTreeMap<String, [u64; 2]>,
}

impl Counter {
    /// Counts the values of an entry field (the industry, the status).
    fn new(template: &Template, field: Option<usize>) -> Counter {
        let options = field
            .and_then(|i| template.list_of(SheetKind::Entry, i))
            .map_or(0, |l| l.options.len());
        Counter {
            field,
            options: vec![[0; 2]; options],
            other: BTreeMap::new(),
        }
    }

    /// Counts a row: `column` 0 for an approved customer, 1 for a pending entry.
    fn add(&mut self, cells: &Cells, column: usize, lang: Lang) {
        let Some(field) = self.field else { return };
        match val(cells, field) {
            Some(Val::Choice(o)) if *o < self.options.len() => self.options[*o][column] += 1,
            Some(Val::Text(t)) => self.other.entry(t.to_string()).or_default()[column] += 1,
            Some(_) => {}
            None => self.other.entry(unfilled(lang).to_string()).or_default()[column] += 1,
        }
    }

    /// (label, count) rows: every option in list order, then other values.
    fn rows(&self, template: &Template, lang: Lang) -> Vec<(String, Vec<u64>)> {
        let def = template.sheet(SheetKind::Entry);
        let list = self
            .field
            .and_then(|i| def.fields[i].list)
            .and_then(|l| template.lists.get(l));
        let mut rows: Vec<(String, Vec<u64>)> = match list {
            Some(list) => list
                .options
                .iter()
                .zip(&self.options)
                .map(|(o, n)| (o.label.get(lang).to_string(), n.to_vec()))
                .collect(),
            None => Vec::new(),
        };
        rows.extend(self.other.iter().map(|(k, n)| (k.clone(), n.to_vec())));
        rows
    }
}

fn unfilled(lang: Lang) -> &'static str {
    lang.pick("（未填写）", "(not filled)")
}

/// What the summary sheet shows, gathered row by row.
#[derive(Debug, Clone)]
pub struct Stats {
    lang: Lang,
    industry: Counter,
    status: Counter,
    /// `yyyy-mm` → new (approved) customers entered that month.
    months: BTreeMap<String, u64>,
    /// Salesperson → (pending entries, pending updates).
    pending: BTreeMap<String, (u64, u64)>,
}

impl Stats {
    pub fn new(template: &Template, lang: Lang) -> Stats {
        Stats {
            lang,
            industry: Counter::new(template, template.entry().keys.industry),
            status: Counter::new(template, template.entry().keys.customer_status),
            months: BTreeMap::new(),
            pending: BTreeMap::new(),
        }
    }

    /// Counts one entry row of the register.
    pub fn add_entry(
        &mut self,
        template: &Template,
        fields: &KeyFields,
        cells: &Cells,
        review: Review,
    ) {
        let column = match review {
            Review::Approved => 0,
            Review::Pending => 1,
            Review::Rejected => return,
        };
        self.industry.add(cells, column, self.lang);
        self.status.add(cells, column, self.lang);
        if review == Review::Approved {
            if let Some(Val::Date(d)) = val(cells, fields.date) {
                *self
                    .months
                    .entry(d.at.format("%Y-%m").to_string())
                    .or_default() += 1;
            }
        } else {
            let person = self.person(template, SheetKind::Entry, fields, cells);
            self.pending.entry(person).or_default().0 += 1;
        }
    }

    /// Approved customers counted (every approved entry row).
    pub fn customers(&self) -> u64 {
        let counter = if self.status.field.is_some() {
            &self.status
        } else {
            &self.industry
        };
        counter
            .options
            .iter()
            .chain(counter.other.values())
            .map(|n| n[0])
            .sum()
    }

    /// Counts one pending update row.
    pub fn add_pending_update(&mut self, template: &Template, fields: &KeyFields, cells: &Cells) {
        let person = self.person(template, SheetKind::Update, fields, cells);
        self.pending.entry(person).or_default().1 += 1;
    }

    fn person(
        &self,
        template: &Template,
        kind: SheetKind,
        fields: &KeyFields,
        cells: &Cells,
    ) -> String {
        let def = template.sheet(kind);
        match (
            val(cells, fields.salesperson),
            def.fields.get(fields.salesperson),
        ) {
            (Some(v), Some(f)) => v.display(template, f, self.lang),
            _ => unfilled(self.lang).to_string(),
        }
    }
}

/// One table of the sheet and its chart.
struct Table {
    title: String,
    headers: Vec<String>,
    rows: Vec<(String, Vec<u64>)>,
    chart: fn() -> Chart,
    /// How many value columns the chart shows (the first ones).
    series: u16,
    /// Bars rather than columns: the value axis is the horizontal one.
    horizontal: bool,
    /// Show the legend (pie slices, two series).
    legend: bool,
    /// Chart height in pixels.
    height: u32,
}

/// Rows a chart of `height` pixels covers (default row height 20 px).
fn rows_for(height: u32) -> u32 {
    height.div_ceil(20)
}

/// The tallest chart, in pixels: what a landscape A4 page holds below a
/// table's caption (about 680 px between the margins).
const MAX_CHART_HEIGHT: u32 = 620;

/// A whole-number step for a count axis going up to `max`: 1, 2 or 5 times a
/// power of ten, giving at most about eight gridlines. Counts are whole, so
/// an axis marked 0.5, 1.5, … would only mislead.
fn count_step(max: u64) -> f64 {
    let mut unit = 1u64;
    loop {
        for m in [1, 2, 5] {
            let step = unit.saturating_mul(m);
            if max <= step.saturating_mul(8) {
                return step as f64;
            }
        }
        match unit.checked_mul(10) {
            Some(next) => unit = next,
            None => return unit as f64,
        }
    }
}

/// The tables of the summary sheet, in order.
fn tables(template: &Template, stats: &Stats) -> Vec<Table> {
    let lang = stats.lang;
    let count = lang
        .pick("客户数（已通过）", "Customers (approved)")
        .to_string();
    let pending = lang
        .pick("待审核录入（未计入）", "Pending entries (not counted)")
        .to_string();
    let industry_header = field_header(template, "industry", lang);
    let status_header = field_header(template, "customer_status", lang);
    let mut tables = Vec::new();
    if stats.industry.field.is_some() {
        let rows = stats.industry.rows(template, lang);
        let height = (rows.len() as u32 * 22 + 90).max(300);
        tables.push(Table {
            title: lang
                .pick("按行业类别统计客户", "Customers by industry")
                .to_string(),
            headers: vec![industry_header, count.clone(), pending.clone()],
            rows,
            chart: Chart::new_bar,
            series: 1,
            horizontal: true,
            legend: false,
            height,
        });
    }
    if stats.status.field.is_some() {
        tables.push(Table {
            title: lang
                .pick("按客户状态统计客户", "Customers by status")
                .to_string(),
            headers: vec![status_header, count.clone(), pending.clone()],
            rows: stats.status.rows(template, lang),
            chart: Chart::new_pie,
            series: 1,
            horizontal: false,
            legend: true,
            height: 300,
        });
    }
    tables.push(Table {
        title: lang
            .pick(
                "每月新客户（已通过，按录入日期）",
                "New customers per month (approved, by entry date)",
            )
            .to_string(),
        headers: vec![
            lang.pick("月份", "Month").to_string(),
            lang.pick("新客户数", "New customers").to_string(),
        ],
        rows: stats
            .months
            .iter()
            .map(|(m, n)| (m.clone(), vec![*n]))
            .collect(),
        chart: Chart::new_column,
        series: 1,
        horizontal: false,
        legend: false,
        height: 300,
    });
    tables.push(Table {
        title: lang
            .pick("待审核（按销售人员）", "Pending reviews per salesperson")
            .to_string(),
        headers: vec![
            lang.pick("销售人员", "Salesperson").to_string(),
            lang.pick("待审核录入", "Pending entries").to_string(),
            lang.pick("待审核更新", "Pending updates").to_string(),
        ],
        rows: stats
            .pending
            .iter()
            .map(|(p, (e, u))| (p.clone(), vec![*e, *u]))
            .collect(),
        chart: Chart::new_column,
        series: 2,
        horizontal: false,
        legend: true,
        height: 300,
    });

    tables
}

/// How a summary table is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Horizontal bars (one per row).
    Bar,
    /// A pie of the first value column.
    Pie,
    /// Vertical columns, one series per value column shown.
    Column,
}

/// A table of the summary sheet as data, for other front ends (the desk's
/// dashboard draws the same tables as the sheet, from the same counts).
#[derive(Debug, Clone)]
pub struct SummaryTable {
    pub title: String,
    /// The label column's header, then one per value column.
    pub headers: Vec<String>,
    /// Label, then the counts.
    pub rows: Vec<(String, Vec<u64>)>,
    pub chart: ChartKind,
    /// How many value columns the chart shows (the first ones).
    pub series: usize,
}

/// The summary sheet's tables, as [`write`] lays them out.
pub fn summary_tables(template: &Template, stats: &Stats) -> Vec<SummaryTable> {
    tables(template, stats)
        .into_iter()
        .map(|t| SummaryTable {
            chart: if t.horizontal {
                ChartKind::Bar
            } else if t.legend && t.series == 1 {
                ChartKind::Pie
            } else {
                ChartKind::Column
            },
            series: usize::from(t.series),
            title: t.title,
            headers: t.headers,
            rows: t.rows,
        })
        .collect()
}

/// The counts of the register at `path` as it is on disk, as a merge of it
/// would gather them: approved entries as customers, pending entries and
/// updates per salesperson.
///
/// # Errors
/// The register cannot be read.
pub fn of_register(template: &Template, path: &std::path::Path, lang: Lang) -> Result<Stats> {
    struct Counting<'t> {
        template: &'t Template,
        fields: [KeyFields; 2],
        stats: Stats,
    }
    impl crate::read::RowSink for Counting<'_> {
        fn sheet(&mut self, _layout: &crate::read::SheetLayout) {}
        fn row(&mut self, layout: &crate::read::SheetLayout, row: crate::read::Row) {
            let def = self.template.sheet(layout.kind);
            let cells = super::value::type_row(self.template, def, &row);
            match layout.kind {
                SheetKind::Entry => {
                    let review = super::value::review_of(def, &cells);
                    self.stats
                        .add_entry(self.template, &self.fields[0], &cells, review);
                }
                SheetKind::Update => {
                    let review = super::value::review_of(def, &cells);
                    if review == Review::Pending {
                        self.stats
                            .add_pending_update(self.template, &self.fields[1], &cells);
                    }
                }
            }
        }
    }
    let mut sink = Counting {
        template,
        fields: [
            template.sheet(SheetKind::Entry).keys.clone(),
            template.sheet(SheetKind::Update).keys.clone(),
        ],
        stats: Stats::new(template, lang),
    };
    crate::read::read_file(path, template, &mut sink)
        .map_err(|e| crate::messages::unreadable(&path.display(), &e))?;
    Ok(sink.stats)
}

/// Writes the tables and charts onto `ws`, named `sheet`.
///
/// # Errors
/// A cell or chart cannot be written.
pub fn write(
    ws: &mut Worksheet,
    sheet: &str,
    template: &Template,
    stats: &Stats,
    as_of: &str,
) -> Result<()> {
    let lang = stats.lang;
    let title = Format::new().set_bold().set_font_size(14);
    let caption = Format::new()
        .set_bold()
        .set_font_color(Color::RGB(0x1F3864));
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin);
    let cell = Format::new().set_border(FormatBorder::Thin);
    let tables = tables(template, stats);
    ws.write_string_with_format(
        0,
        0,
        format!(
            "{} · {}",
            lang.pick("客户总表统计", "Customer register summary"),
            as_of
        ),
        &title,
    )?;
    ws.set_column_width(0, 34)?;
    ws.set_column_width(1, 18)?;
    ws.set_column_width(2, 22)?;
    let mut top: u32 = 2;
    // Each table and its chart start a printed page, so no chart is cut by a
    // page break.
    let mut breaks = Vec::new();
    for (i, table) in tables.into_iter().enumerate() {
        if i > 0 {
            breaks.push(top);
        }
        ws.write_string_with_format(top, 0, &table.title, &caption)?;
        let head = top + 1;
        for (c, h) in table.headers.iter().enumerate() {
            ws.write_string_with_format(head, c as u16, h, &header)?;
        }
        let first = head + 1;
        for (r, (label, values)) in table.rows.iter().enumerate() {
            let row = first + r as u32;
            ws.write_string_with_format(row, 0, label, &cell)?;
            for (c, n) in values.iter().enumerate() {
                ws.write_number_with_format(row, c as u16 + 1, *n as f64, &cell)?;
            }
        }
        let mut used = 2 + table.rows.len() as u32;
        if table.rows.is_empty() {
            ws.write_string(first, 0, lang.pick("（无）", "(none)"))?;
            used += 1;
        } else {
            let last = first + table.rows.len() as u32 - 1;
            let mut chart = (table.chart)();
            for c in 1..=table.series {
                chart
                    .add_series()
                    .set_name((sheet, head, c))
                    .set_categories((sheet, first, 0, last, 0))
                    .set_values((sheet, first, c, last, c));
            }
            let max = table
                .rows
                .iter()
                .flat_map(|(_, values)| values.iter().copied())
                .max()
                .unwrap_or(0);
            // A bar chart's value axis is its x axis; a column chart's, its y.
            let axis = if table.horizontal {
                chart.x_axis()
            } else {
                chart.y_axis()
            };
            axis.set_min(0)
                .set_major_unit(count_step(max))
                .set_num_format("0");
            chart.title().set_name(&table.title);
            if !table.legend {
                chart.legend().set_hidden();
            } else {
                chart.legend().set_position(ChartLegendPosition::Bottom);
            }
            let height = table.height.min(MAX_CHART_HEIGHT);
            chart.set_width(560).set_height(height);
            ws.insert_chart(top, 4, &chart)?;
            used = used.max(rows_for(height));
        }
        top += used + 2;
    }
    ws.set_page_breaks(&breaks)?;
    Ok(())
}

fn field_header(template: &Template, key: &str, lang: Lang) -> String {
    template
        .sheet(SheetKind::Entry)
        .field(key)
        .map_or_else(String::new, |f| f.header.get(lang).to_string())
}

#[cfg(test)]
mod tests {
    use super::count_step;

    #[test]
    fn count_axes_step_in_whole_numbers() {
        assert_eq!(count_step(0), 1.0);
        assert_eq!(count_step(3), 1.0);
        assert_eq!(count_step(8), 1.0);
        assert_eq!(count_step(9), 2.0);
        assert_eq!(count_step(37), 5.0);
        assert_eq!(count_step(1000), 200.0);
        assert_eq!(count_step(u64::MAX), 5e18);
    }
}
