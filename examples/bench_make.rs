//! Benchmark data: writes a filled customer register of any size, up to Excel's
//! row limit, in the current template's layout, with a seeded ~1% mix of planted
//! defects across the rule families.
//!
//! The sheets are written with rust_xlsxwriter's low-memory mode: rows stream to
//! a temporary file while the strings go to one shared-string table, as in the
//! files Excel itself writes, so a reader pays for the table just as it would on
//! a real register.
//!
//! ```text
//! cargo run --release --example bench_make -- --rows 100000 --out bench/data/register-100000.xlsx
//! ```
//!
//! Everything is derived from the template definition (sheet names, headers, list
//! labels, ID parameters) so the file keeps matching the template as it evolves.
//! Rows are consistent with `--as-of` (default 2026-11-30, the date the harness
//! validates with): clean rows raise no finding on that date, and every planted
//! defect is meant to raise exactly one, so the printed counts are what a
//! correct `crmsheet validate --as-of 2026-11-30` should report per rule.

use anyhow::{bail, ensure, Context, Result};
use chrono::NaiveDate;
use clap::Parser;
use crmsheet::lang::Lang;
use crmsheet::template::{
    Field, FieldType, OptionList, OptionRole, Review, SheetDef, SheetKind, Template,
};
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, Worksheet};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

/// Excel's last row number (1-based); row 1 holds the headers.
const EXCEL_MAX_ROWS: u64 = 1_048_576;

/// Update rows per entry row.
const UPDATE_SHARE: f64 = 0.05;

/// IDs are padded to at least this many digits (C000001…), or the template's
/// `id_digits` if that is more.
const MIN_ID_DIGITS: usize = 6;

#[derive(Debug, Parser)]
#[command(about = "Write a filled customer register for the benchmark")]
struct Args {
    /// Entry rows to write (at most 1,048,575: Excel's limit minus the header)
    #[arg(long)]
    rows: u64,
    /// Output workbook (.xlsx)
    #[arg(long)]
    out: PathBuf,
    /// Seed of the row and defect mix
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Language of sheet names, headers and list labels
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    lang: Lang,
    /// The date the rows are consistent with (validate with the same --as-of)
    #[arg(long, default_value = "2026-11-30")]
    as_of: NaiveDate,
    /// Share of rows carrying one planted defect (0 makes a clean register,
    /// which `merge` accepts)
    #[arg(long, default_value_t = 0.01)]
    defect_rate: f64,
    /// Keep only every N-th clean row that would be pending (entries and
    /// updates); the others are approved. 80 leaves about 50 pending entries
    /// in 100,000 (the review benchmark).
    #[arg(long, default_value_t = 1)]
    pending_every: u64,
}

fn main() -> std::process::ExitCode {
    // One line on error, as crmsheet itself does; a closed pipe (`| head`) is not one.
    let mut report = String::new();
    let result = run(&mut report);
    let written = std::io::Write::write_all(&mut std::io::stdout().lock(), report.as_bytes());
    match (result, written) {
        (Err(e), _) => {
            eprintln!("bench_make: {e:#}");
            std::process::ExitCode::from(2)
        }
        (Ok(()), Err(e)) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("bench_make: cannot write to stdout: {e}");
            std::process::ExitCode::from(2)
        }
        _ => std::process::ExitCode::SUCCESS,
    }
}

/// Does the work; what it prints is collected in `report`.
fn run(report: &mut String) -> Result<()> {
    use std::fmt::Write as _;
    let args = Args::parse();
    ensure!(
        (1..EXCEL_MAX_ROWS).contains(&args.rows),
        "--rows must be between 1 and {}",
        EXCEL_MAX_ROWS - 1
    );
    ensure!(
        (0.0..=0.5).contains(&args.defect_rate),
        "--defect-rate must be between 0 and 0.5"
    );
    let started = Instant::now();
    let template = Template::builtin();
    let mut maker = Maker::new(&template, &args)?;
    let summary = maker.write(&args)?;
    let secs = started.elapsed().as_secs_f64();
    writeln!(
        report,
        "wrote {}: {} entry rows, {} update rows in {secs:.1} s",
        args.out.display(),
        summary.entry_rows,
        summary.update_rows
    )?;
    writeln!(
        report,
        "planted defects (rule, sheet, count) — each should be one finding:"
    )?;
    let mut total = 0;
    for ((rule, sheet), count) in &maker.planted {
        writeln!(report, "  {rule:<20} {sheet:<7} {count}")?;
        total += count;
    }
    writeln!(report, "  {:<20} {:<7} {total}", "total", "")?;
    let mut by_rule: BTreeMap<&str, u64> = BTreeMap::new();
    for ((rule, _), count) in &maker.planted {
        *by_rule.entry(rule).or_default() += count;
    }
    writeln!(
        report,
        "planted-json {}",
        serde_json::json!({
            "entry_rows": summary.entry_rows,
            "update_rows": summary.update_rows,
            "seed": args.seed,
            "defect_rate": args.defect_rate,
            "lang": args.lang.as_str(),
            "entry_sheet": template.entry().name.get(args.lang),
            "update_sheet": template.update().name.get(args.lang),
            "as_of": args.as_of.to_string(),
            "by_rule": by_rule,
            "total": total,
        })
    )?;
    Ok(())
}

/// A tiny deterministic PRNG (SplitMix64): the same seed gives the same file on
/// every machine, without a crate for it.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; the modulo bias is irrelevant here).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo).max(0) as u64 + 1)) as i64
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One cell to write.
#[derive(Debug, Clone)]
enum Cell<'a> {
    Empty,
    Text(Cow<'a, str>),
    /// Days from the as-of date (negative: before it); written as a date cell.
    Date(i64),
}

impl<'a> Cell<'a> {
    fn text(s: impl Into<Cow<'a, str>>) -> Self {
        Cell::Text(s.into())
    }
}

const CITIES: [&str; 40] = [
    "北京", "上海", "广州", "深圳", "杭州", "南京", "苏州", "成都", "重庆", "武汉", "西安", "天津",
    "长沙", "郑州", "青岛", "厦门", "宁波", "合肥", "福州", "济南", "大连", "沈阳", "昆明", "南昌",
    "无锡", "佛山", "东莞", "常州", "温州", "烟台", "珠海", "中山", "嘉兴", "绍兴", "徐州", "南通",
    "扬州", "泉州", "贵阳", "太原",
];
/// Characters of the two-character trade names (de-duplicated at start).
const NAME_CHARS: &str = "华明新达恒通泰丰盛源宏鑫瑞祥德金隆安信宇航创联合永嘉荣昌兴旺富汇博远鸿腾飞展凯越诚正中天海润泽佳和美乐康宁福星辰光耀辉晨阳东方南北西益广大同顺君豪卓优品尚智慧云峰岭川江河湖森林竹梅兰菊松柏青蓝红绿紫银铜石玉晶彩虹立万元亿宝科威力众启振";
/// Business words; none is a legal suffix the name normalisation drops.
const TRADES: [&str; 20] = [
    "科技", "贸易", "实业", "电子", "机械", "食品", "物流", "建设", "医药", "化工", "软件", "文化",
    "传媒", "环保", "能源", "材料", "农业", "服饰", "咨询", "网络",
];
const LEGAL_SUFFIXES: [&str; 3] = ["有限公司", "股份有限公司", "有限责任公司"];
const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
const GIVEN: [&str; 22] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英",
];
const POSITIONS: [&str; 8] = [
    "总经理",
    "采购经理",
    "技术总监",
    "行政主管",
    "财务经理",
    "运营总监",
    "市场经理",
    "项目经理",
];
const DISTRICTS: [&str; 7] = [
    "高新区",
    "经开区",
    "中心区",
    "新区",
    "滨江区",
    "东城区",
    "西城区",
];
const ROADS: [&str; 10] = [
    "人民", "建设", "解放", "中山", "长江", "黄河", "科技", "创业", "文化", "和平",
];
const CONTACT_WAYS: [&str; 8] = [
    "电话沟通",
    "上门拜访",
    "线上会议",
    "展会结识",
    "客户来访",
    "微信交流",
    "邮件往来",
    "朋友介绍",
];
const CONTACT_TOPICS: [&str; 10] = [
    "客户对产品方案有兴趣",
    "介绍了公司主营产品",
    "已发送报价，等待反馈",
    "客户询问售后服务条款",
    "演示了系统主要功能",
    "初步确认采购意向",
    "讨论了合作框架",
    "客户提出样品试用需求",
    "约定下月再次沟通",
    "了解了客户年度预算",
];
const NEEDS: [&str; 8] = [
    "希望降低采购成本",
    "关注交货周期",
    "需要定制化方案",
    "要求提供正式合同和发票",
    "关注售后响应速度",
    "预算有限，倾向分期付款",
    "希望先试用再采购",
    "需要本地化技术支持",
];
const UPDATE_REASONS: [&str; 6] = [
    "客户更换联系人",
    "公司搬迁",
    "需求发生变化",
    "客户状态调整",
    "定期回访",
    "补充客户信息",
];
const BAD_DATES: [&str; 5] = ["2026-13-05", "11/30/2026", "昨天", "2026-02-30", "下周一"];
const INJECTIONS: [&str; 4] = [
    "=SUM(1,2)备注",
    "+加急跟进",
    "@销售部 请跟进",
    "-待定，下周再联系",
];

/// Defects planted on entry rows, in the order they are dealt out.
const ENTRY_DEFECTS: [&str; 13] = [
    "missing-required",
    "invalid-enum",
    "invalid-date",
    "future-date",
    "date-order",
    "invalid-id",
    "duplicate-id",
    "duplicate-customer",
    "overdue-review",
    "pii",
    "formula-injection",
    "id-before-approval",
    "stale-customer",
];

/// Defects planted on update rows.
const UPDATE_DEFECTS: [&str; 10] = [
    "unknown-customer",
    "empty-update",
    "id-name-mismatch",
    "missing-required",
    "invalid-enum",
    "invalid-date",
    "date-order",
    "overdue-review",
    "pii",
    "formula-injection",
];

/// A clean approved customer that update rows may refer to.
#[derive(Debug, Clone, Copy)]
struct Customer {
    entry_index: u32,
    id_number: u32,
    /// Entry date, in days from the as-of date.
    entry_day: i32,
}

struct Summary {
    entry_rows: u64,
    update_rows: u64,
}

/// Company names: a bijection from the row index to (city, two characters,
/// trade), so every name is unique even after the normalisation that
/// duplicate-customer applies (the legal suffix varies, and is dropped by it).
struct Names {
    chars: Vec<char>,
    capacity: u64,
    step: u64,
}

impl Names {
    fn new(rows: u64) -> Result<Names> {
        let mut chars: Vec<char> = Vec::new();
        for c in NAME_CHARS.chars() {
            if !chars.contains(&c) {
                chars.push(c);
            }
        }
        let n = chars.len() as u64;
        let capacity = CITIES.len() as u64 * n * n * TRADES.len() as u64;
        ensure!(
            rows <= capacity,
            "at most {capacity} unique company names can be made"
        );
        // An odd step coprime with the capacity spreads neighbouring rows over
        // all cities and trades.
        let mut step = 1_000_003u64;
        while gcd(step, capacity) != 1 {
            step += 2;
        }
        Ok(Names {
            chars,
            capacity,
            step,
        })
    }

    /// The name of the customer on entry row `index`, without its legal suffix.
    fn stem(&self, index: u64) -> String {
        let n = self.chars.len() as u64;
        let mut k = (index % self.capacity) * self.step % self.capacity;
        let trade = TRADES[(k % TRADES.len() as u64) as usize];
        k /= TRADES.len() as u64;
        let c2 = self.chars[(k % n) as usize];
        k /= n;
        let c1 = self.chars[(k % n) as usize];
        k /= n;
        let city = CITIES[(k % CITIES.len() as u64) as usize];
        format!("{city}{c1}{c2}{trade}")
    }

    /// The full name as written on entry row `index`.
    fn full(&self, index: u64) -> String {
        let suffix = LEGAL_SUFFIXES[(index % LEGAL_SUFFIXES.len() as u64) as usize];
        format!("{}{suffix}", self.stem(index))
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The column layout of one data sheet, by field key.
struct Layout<'t> {
    sheet: &'t SheetDef,
}

impl<'t> Layout<'t> {
    fn col(&self, key: &str) -> Option<usize> {
        self.sheet.field_index(key)
    }
}

struct Maker<'t> {
    template: &'t Template,
    lang: Lang,
    rng: SplitMix64,
    defect_rate: f64,
    pending_every: u64,
    /// Clean rows drawn pending so far (see `--pending-every`).
    pending_drawn: u64,
    names: Names,
    as_of_serial: f64,
    id_digits: usize,
    salespeople: Vec<String>,
    reviewers: Vec<String>,
    /// (rule, sheet) → rows planted.
    planted: BTreeMap<(&'static str, &'static str), u64>,
    customers: Vec<Customer>,
    next_id: u32,
    header_format: Format,
    date_format: Format,
}

impl<'t> Maker<'t> {
    /// Whether a clean row drawn pending stays so (`--pending-every`).
    fn keep_pending(&mut self) -> bool {
        self.pending_drawn += 1;
        self.pending_drawn.is_multiple_of(self.pending_every)
    }

    fn new(template: &'t Template, args: &Args) -> Result<Maker<'t>> {
        let names = Names::new(args.rows)?;
        let excel_epoch = NaiveDate::from_ymd_opt(1899, 12, 30).context("epoch")?;
        let as_of_serial = (args.as_of - excel_epoch).num_days() as f64;
        let id_digits = template.params.id_digits.max(MIN_ID_DIGITS);
        let sample = format!("{}{:0id_digits$}", template.params.id_prefix, 1);
        ensure!(
            template.params.id_pattern.is_match(&sample),
            "generated IDs such as {sample} would not match the template's id_pattern"
        );
        let mut rng = SplitMix64(args.seed);
        let person = |rng: &mut SplitMix64| format!("{}{}", rng.pick(&SURNAMES), rng.pick(&GIVEN));
        let salespeople: Vec<String> = (0..40).map(|_| person(&mut rng)).collect();
        let reviewers: Vec<String> = (0..3).map(|_| person(&mut rng)).collect();
        Ok(Maker {
            template,
            lang: args.lang,
            rng,
            defect_rate: args.defect_rate,
            pending_every: args.pending_every.max(1),
            pending_drawn: 0,
            names,
            as_of_serial,
            id_digits,
            salespeople,
            reviewers,
            planted: BTreeMap::new(),
            customers: Vec::new(),
            next_id: 1,
            header_format: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xDDEBF7))
                .set_border(FormatBorder::Thin),
            date_format: Format::new().set_num_format("yyyy-mm-dd"),
        })
    }

    fn write(&mut self, args: &Args) -> Result<Summary> {
        let template = self.template;
        let lang = self.lang;
        let mut workbook = Workbook::new();

        let instructions = workbook.add_worksheet();
        instructions.set_name(template.workbook.instructions.get(lang))?;
        instructions.set_column_width(0, 100)?;
        for (i, step) in template.guide(lang).iter().enumerate() {
            instructions.write_string(i as u32, 0, format!("{}. {step}", i + 1))?;
        }

        let entry_rows = args.rows;
        let update_rows = ((args.rows as f64) * UPDATE_SHARE).round().max(1.0) as u64;
        self.customers.reserve(entry_rows as usize);

        let entry = workbook.add_worksheet_with_low_memory()?;
        self.prepare_sheet(entry, template.entry(), entry_rows)?;
        let layout = Layout {
            sheet: template.entry(),
        };
        for index in 0..entry_rows {
            let row = self.entry_row(&layout, index)?;
            self.write_row(entry, index as u32 + 1, &row)?;
        }

        let update = workbook.add_worksheet_with_low_memory()?;
        self.prepare_sheet(update, template.update(), update_rows)?;
        let layout = Layout {
            sheet: template.update(),
        };
        for index in 0..update_rows {
            let row = self.update_row(&layout, index)?;
            self.write_row(update, index as u32 + 1, &row)?;
        }

        let lists = workbook.add_worksheet();
        lists.set_name(template.workbook.lists.get(lang))?;
        for (col, list) in template.lists.iter().enumerate() {
            let col = col as u16;
            lists.write_string_with_format(0, col, list.label.get(lang), &self.header_format)?;
            for (i, option) in list.options.iter().enumerate() {
                lists.write_string(i as u32 + 1, col, option.label.get(lang))?;
            }
        }
        lists.set_hidden(true);

        let meta = workbook.add_worksheet();
        meta.set_name(template.workbook.meta.get(lang))?;
        let generated_at = chrono::Local::now().format("%Y-%m-%dT%H:%M:%S").to_string();
        for (i, (key, value)) in [
            ("template", template.name.as_str()),
            ("version", template.version.as_str()),
            ("language", lang.as_str()),
            ("generated_at", generated_at.as_str()),
        ]
        .into_iter()
        .enumerate()
        {
            meta.write_string(i as u32, 0, key)?;
            meta.write_string(i as u32, 1, value)?;
        }
        meta.set_hidden(true);

        if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create folder", dir.display()))?;
        }
        // Written next to the target and renamed, so an interrupted run leaves no
        // half file that the harness's cache would take for a finished one.
        let partial = args.out.with_extension("xlsx.partial");
        workbook
            .save(&partial)
            .with_context(|| format!("{}: cannot write workbook", partial.display()))?;
        std::fs::rename(&partial, &args.out)
            .with_context(|| format!("{}: cannot write workbook", args.out.display()))?;
        Ok(Summary {
            entry_rows,
            update_rows,
        })
    }

    fn prepare_sheet(&self, sheet: &mut Worksheet, def: &SheetDef, rows: u64) -> Result<()> {
        sheet.set_name(def.name.get(self.lang))?;
        for (col, field) in def.fields.iter().enumerate() {
            let col = col as u16;
            sheet.write_string_with_format(
                0,
                col,
                field.display_header(self.lang),
                &self.header_format,
            )?;
            let width = match field.ty {
                FieldType::Date | FieldType::Id => 12.0,
                FieldType::List => 16.0,
                FieldType::Text => 22.0,
            };
            sheet.set_column_width(col, width)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofilter(0, 0, rows as u32, def.fields.len().saturating_sub(1) as u16)?;
        Ok(())
    }

    fn write_row(&self, sheet: &mut Worksheet, row: u32, cells: &[Cell<'_>]) -> Result<()> {
        for (col, cell) in cells.iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(text) => {
                    sheet.write_string(row, col, text.as_ref())?;
                }
                Cell::Date(day) => {
                    sheet.write_number_with_format(
                        row,
                        col,
                        self.as_of_serial + *day as f64,
                        &self.date_format,
                    )?;
                }
            }
        }
        Ok(())
    }

    fn plant(&mut self, rule: &'static str, kind: SheetKind) {
        *self.planted.entry((rule, kind.as_str())).or_default() += 1;
    }

    fn id_text(&self, number: u32) -> String {
        let digits = self.id_digits;
        format!("{}{number:0digits$}", self.template.params.id_prefix)
    }

    fn person(&mut self) -> String {
        format!("{}{}", self.rng.pick(&SURNAMES), self.rng.pick(&GIVEN))
    }

    fn address(&mut self) -> String {
        format!(
            "{}市{}{}路{}号",
            self.rng.pick(&CITIES),
            self.rng.pick(&DISTRICTS),
            self.rng.pick(&ROADS),
            self.rng.between(1, 999)
        )
    }

    fn interaction(&mut self) -> String {
        format!(
            "{}，{}",
            self.rng.pick(&CONTACT_WAYS),
            self.rng.pick(&CONTACT_TOPICS)
        )
    }

    /// A label of `list` in the sheet's language; `active` chooses whether the
    /// option with role `active` may be (true) or must not be (false) taken.
    fn list_label(&mut self, list: &'t OptionList, active: bool) -> Cow<'t, str> {
        let candidates: Vec<usize> = (0..list.options.len())
            .filter(|&i| active || list.options[i].role != Some(OptionRole::Active))
            .collect();
        let i = *self.rng.pick(&candidates);
        Cow::Borrowed(list.options[i].label.get(self.lang))
    }

    fn role_label(&self, list: &'t OptionList, role: OptionRole) -> Result<Cow<'t, str>> {
        let Some(i) = list.with_role(role) else {
            bail!("list {:?} has no option with role {role:?}", list.key);
        };
        Ok(Cow::Borrowed(list.options[i].label.get(self.lang)))
    }

    /// A value that looks like an option of `list` but is none (`制造` for `制造业`).
    fn near_miss(&mut self, list: &OptionList) -> String {
        let option = self.rng.pick(&list.options).label.get(self.lang);
        let mut chars: Vec<char> = option.chars().collect();
        chars.pop();
        let candidate: String = chars.into_iter().collect();
        if candidate.trim().is_empty() || list.find(&candidate).is_some() {
            format!("{option}类")
        } else {
            candidate
        }
    }

    fn list_of(&self, field: &'t Field) -> Option<&'t OptionList> {
        self.template.active_list(field)
    }

    /// A clean value for a field, by its key; `active_ok` as in [`Self::list_label`].
    fn value_for(&mut self, field: &'t Field, active_ok: bool) -> Cell<'t> {
        if let Some(list) = self.list_of(field) {
            return Cell::Text(self.list_label(list, active_ok));
        }
        match field.key.as_str() {
            "salesperson" => Cell::text(self.rng.pick(&self.salespeople).clone()),
            "reviewer" => Cell::text(self.rng.pick(&self.reviewers).clone()),
            "contact" => {
                let name = self.person();
                Cell::text(name)
            }
            "position" => Cell::text(*self.rng.pick(&POSITIONS)),
            "address" => Cell::text(self.address()),
            "interaction" | "latest_interaction" => Cell::text(self.interaction()),
            "needs" => Cell::text(*self.rng.pick(&NEEDS)),
            "update_reason" => Cell::text(*self.rng.pick(&UPDATE_REASONS)),
            _ => Cell::text("见附件"),
        }
    }

    fn pii_text(&mut self) -> String {
        let variant = self.rng.below(5);
        let mobile = format!(
            "1{}{}{:08}",
            self.rng.between(3, 9),
            self.rng.between(0, 9),
            self.rng.between(0, 99_999_999)
        );
        match variant {
            0 => format!("客户电话{mobile}，请尽快回电"),
            1 => format!(
                "联系方式：0{}-{}",
                self.rng.between(10, 99),
                self.rng.between(2_000_000, 89_999_999)
            ),
            2 => format!("资料已发至 sales{}@example.com", self.rng.between(1, 999)),
            3 => format!("身份证号{}备查", resident_id(&mut self.rng)),
            // Not at the start: a leading `+` would be formula injection as well.
            _ => format!(
                "手机 +86 {} {} {} 可联系",
                &mobile[..3],
                &mobile[3..7],
                &mobile[7..]
            ),
        }
    }

    fn entry_row(&mut self, layout: &Layout<'t>, index: u64) -> Result<Vec<Cell<'t>>> {
        let sheet = layout.sheet;
        let review_list = sheet
            .field("review_status")
            .and_then(|f| self.list_of(f))
            .context("the entry sheet's review_status has no list")?;
        let status_field = sheet.field("customer_status");
        let status_list = status_field.and_then(|f| self.list_of(f));

        let defect = if self.rng.chance(self.defect_rate) {
            let n = self.planted_on(SheetKind::Entry);
            Some(ENTRY_DEFECTS[(n % ENTRY_DEFECTS.len() as u64) as usize])
        } else {
            None
        };
        // A duplicate needs an earlier customer; the next defect row gets the turn.
        let defect = defect.filter(|d| {
            !(matches!(*d, "duplicate-id" | "duplicate-customer") && self.customers.is_empty())
        });

        let mut review = match self.rng.below(100) {
            0..=3 => Review::Pending,
            4 => Review::Rejected,
            _ => Review::Approved,
        };
        if review == Review::Pending && defect.is_none() && !self.keep_pending() {
            review = Review::Approved;
        }
        let mut active = self.rng.below(100) < 30;
        match defect {
            Some("future-date" | "overdue-review" | "id-before-approval") => {
                review = Review::Pending
            }
            Some("date-order" | "invalid-id" | "duplicate-id" | "stale-customer") => {
                review = Review::Approved
            }
            // Rejected rows take no part in the duplicate checks.
            Some("duplicate-customer") if review == Review::Rejected => review = Review::Approved,
            Some(_) | None => {}
        }
        // Only clean rows and the stale-customer defect are active customers, so
        // no other defect turns into a staleness finding by accident.
        if defect.is_some() {
            active = defect == Some("stale-customer");
        }
        if status_list.is_none() {
            active = false;
        }

        // Pending rows are at most a day old (not overdue); active customers were
        // last seen within 90 days (not stale); others spread over three years.
        let stale_days = self.template.params.stale_days;
        let mut entry_day: i64 = match review {
            Review::Pending => -self.rng.between(0, 1),
            _ if active => -self.rng.between(2, (stale_days - 1).max(2)),
            _ => -self.rng.between(2, 3 * 365),
        };
        match defect {
            Some("future-date") => entry_day = self.rng.between(10, 200),
            Some("overdue-review") => entry_day = -self.rng.between(3, 30),
            Some("stale-customer") => entry_day = -self.rng.between(stale_days + 10, 700),
            _ => {}
        }
        let mut review_day = (entry_day + self.rng.between(0, 1)).min(0);

        let mut cells: Vec<Cell<'t>> = vec![Cell::Empty; sheet.fields.len()];
        for (col, field) in sheet.fields.iter().enumerate() {
            cells[col] = match field.key.as_str() {
                "customer_id" | "review_status" | "reviewer" | "review_date" => Cell::Empty,
                "customer_name" => Cell::text(self.names.full(index)),
                "customer_status" => match status_list {
                    Some(list) => Cell::Text(self.list_label(list, active)),
                    None => Cell::Empty,
                },
                "position" if self.rng.below(100) < 20 => Cell::Empty,
                "address" if self.rng.below(100) < 30 => Cell::Empty,
                "needs" if self.rng.below(100) < 40 => Cell::Empty,
                _ if field.ty == FieldType::Date => Cell::Date(entry_day),
                _ => self.value_for(field, active),
            };
        }
        if active {
            if let (Some(col), Some(list)) = (layout.col("customer_status"), status_list) {
                cells[col] = Cell::Text(self.role_label(list, OptionRole::Active)?);
            }
        }
        let set = |cells: &mut Vec<Cell<'t>>, key: &str, value: Cell<'t>| {
            if let Some(col) = layout.col(key) {
                cells[col] = value;
            }
        };
        let role = review.role();
        set(
            &mut cells,
            "review_status",
            Cell::Text(self.role_label(review_list, role)?),
        );
        if review != Review::Pending {
            let reviewer = self.rng.pick(&self.reviewers).clone();
            set(&mut cells, "reviewer", Cell::text(reviewer));
        }
        let mut id_number = None;
        if review == Review::Approved {
            id_number = Some(self.next_id);
            self.next_id += 1;
        }

        let kind = SheetKind::Entry;
        match defect {
            None => {}
            Some("missing-required") => {
                // A required text or list field, or the reviewer of a reviewed row.
                let mut keys: Vec<&str> = sheet
                    .fields
                    .iter()
                    .filter(|f| f.required && f.ty != FieldType::Date)
                    .filter(|f| f.key != "review_status" && f.key != "customer_id")
                    .map(|f| f.key.as_str())
                    .collect();
                if review != Review::Pending && layout.col("reviewer").is_some() {
                    keys.push("reviewer");
                }
                let key = *self.rng.pick(&keys);
                set(&mut cells, key, Cell::Empty);
            }
            Some("invalid-enum") => {
                let fields: Vec<&Field> = sheet
                    .fields
                    .iter()
                    .filter(|f| f.key != "review_status" && self.list_of(f).is_some())
                    .collect();
                let field = *self.rng.pick(&fields);
                if let (Some(list), Some(col)) = (self.list_of(field), layout.col(&field.key)) {
                    cells[col] = Cell::text(self.near_miss(list));
                }
            }
            Some("invalid-date") => {
                let bad = *self.rng.pick(&BAD_DATES);
                cells[sheet.date_field] = Cell::text(bad);
            }
            Some("future-date") => {}
            Some("date-order") => review_day = entry_day - self.rng.between(1, 10),
            Some("invalid-id") => {
                let number = id_number.take().unwrap_or(0);
                let digits = self.id_digits;
                let bad = match self.rng.below(4) {
                    0 => format!("{}{}", self.template.params.id_prefix, number % 100),
                    1 => format!("c{number:0digits$}"),
                    2 => format!("客户{number:0digits$}"),
                    _ => format!("{}-{number:0digits$}", self.template.params.id_prefix),
                };
                set(&mut cells, "customer_id", Cell::text(bad));
            }
            Some("duplicate-id") => {
                let earlier = *self.rng.pick(&self.customers);
                id_number = None;
                self.next_id -= 1;
                set(
                    &mut cells,
                    "customer_id",
                    Cell::text(self.id_text(earlier.id_number)),
                );
            }
            Some("duplicate-customer") => {
                let earlier = *self.rng.pick(&self.customers);
                // Same company, written with another legal suffix.
                let suffix = LEGAL_SUFFIXES[(earlier.entry_index as usize + 1) % 3];
                let name = format!("{}{suffix}", self.names.stem(earlier.entry_index as u64));
                set(&mut cells, "customer_name", Cell::text(name));
            }
            Some("overdue-review") => {}
            Some("pii") => {
                let key = if self.rng.below(2) == 0 || layout.col("needs").is_none() {
                    "interaction"
                } else {
                    "needs"
                };
                let text = self.pii_text();
                set(&mut cells, key, Cell::text(text));
            }
            Some("formula-injection") => {
                let text = *self.rng.pick(&INJECTIONS);
                set(&mut cells, "interaction", Cell::text(text));
            }
            Some("id-before-approval") => {
                let number = self.next_id;
                self.next_id += 1;
                set(&mut cells, "customer_id", Cell::text(self.id_text(number)));
            }
            Some("stale-customer") => {}
            Some(other) => bail!("no way to plant {other}"),
        }
        if let Some(rule) = defect {
            self.plant(rule, kind);
        }
        self.finish_entry(
            cells,
            layout,
            id_number,
            entry_day,
            review_day,
            review,
            defect.is_none(),
            index,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_entry(
        &mut self,
        mut cells: Vec<Cell<'t>>,
        layout: &Layout<'t>,
        id_number: Option<u32>,
        entry_day: i64,
        review_day: i64,
        review: Review,
        clean: bool,
        index: u64,
    ) -> Result<Vec<Cell<'t>>> {
        if let (Some(col), Some(n)) = (layout.col("customer_id"), id_number) {
            cells[col] = Cell::text(self.id_text(n));
        }
        if review != Review::Pending {
            if let Some(col) = layout.col("review_date") {
                cells[col] = Cell::Date(review_day);
            }
        }
        if clean && review == Review::Approved {
            if let Some(n) = id_number {
                self.customers.push(Customer {
                    entry_index: index as u32,
                    id_number: n,
                    entry_day: entry_day as i32,
                });
            }
        }
        Ok(cells)
    }

    fn planted_on(&self, kind: SheetKind) -> u64 {
        self.planted
            .iter()
            .filter(|((_, sheet), _)| *sheet == kind.as_str())
            .map(|(_, n)| n)
            .sum()
    }

    fn update_row(&mut self, layout: &Layout<'t>, _index: u64) -> Result<Vec<Cell<'t>>> {
        let sheet = layout.sheet;
        let review_list = sheet
            .field("review_status")
            .and_then(|f| self.list_of(f))
            .context("the update sheet's review_status has no list")?;
        let Some(&customer) = (!self.customers.is_empty()).then(|| self.rng.pick(&self.customers))
        else {
            bail!("no clean approved customer to update: make more entry rows");
        };
        let defect = if self.rng.chance(self.defect_rate) {
            let n = self.planted_on(SheetKind::Update);
            Some(UPDATE_DEFECTS[(n % UPDATE_DEFECTS.len() as u64) as usize])
        } else {
            None
        };
        let mut review = if self.rng.below(100) < 6 {
            Review::Pending
        } else {
            Review::Approved
        };
        if review == Review::Pending && defect.is_none() && !self.keep_pending() {
            review = Review::Approved;
        }
        match defect {
            Some("overdue-review") => review = Review::Pending,
            Some("date-order") => review = Review::Approved,
            _ => {}
        }
        let entry_day = customer.entry_day as i64;
        let stale_days = self.template.params.stale_days;
        let mut update_day = match review {
            Review::Pending => -self.rng.between(0, 1),
            _ => self.rng.between(entry_day, -1),
        };
        if defect == Some("overdue-review") {
            // Pending since at least two days, never before the customer's entry.
            let oldest = (-entry_day).clamp(2, 30);
            update_day = -self.rng.between(2, oldest);
        }
        let mut review_day = (update_day + self.rng.between(0, 1)).min(0);

        // Which changed fields this update fills: one or two.
        let change_keys: Vec<&'t str> = sheet
            .fields
            .iter()
            .filter(|f| f.is_change())
            .map(|f| f.key.as_str())
            .collect();
        let mut filled: Vec<&str> = vec![*self.rng.pick(&change_keys)];
        if self.rng.below(3) == 0 {
            filled.push(*self.rng.pick(&change_keys));
        }
        // Status updates to "active" only on recent updates, so none goes stale.
        let active_ok = update_day > -(stale_days - 1);

        let mut cells: Vec<Cell<'t>> = vec![Cell::Empty; sheet.fields.len()];
        for (col, field) in sheet.fields.iter().enumerate() {
            cells[col] = match field.key.as_str() {
                "customer_id" => Cell::text(self.id_text(customer.id_number)),
                "customer_name" if self.rng.below(100) < 70 => {
                    Cell::text(self.names.full(customer.entry_index as u64))
                }
                "customer_name" | "review_status" | "reviewer" | "review_date" => Cell::Empty,
                key if field.is_change() && !filled.contains(&key) => Cell::Empty,
                _ if field.ty == FieldType::Date => Cell::Date(update_day),
                _ => self.value_for(field, active_ok),
            };
        }
        let set = |cells: &mut Vec<Cell<'t>>, key: &str, value: Cell<'t>| {
            if let Some(col) = layout.col(key) {
                cells[col] = value;
            }
        };
        let role = if review == Review::Pending {
            OptionRole::Pending
        } else {
            OptionRole::Approved
        };
        set(
            &mut cells,
            "review_status",
            Cell::Text(self.role_label(review_list, role)?),
        );

        let kind = SheetKind::Update;
        match defect {
            None => {}
            Some("unknown-customer") => {
                // Well-formed, but beyond any ID the entry sheet holds.
                let number = 10_000_000 + self.rng.below(1_000_000) as u32;
                set(&mut cells, "customer_id", Cell::text(self.id_text(number)));
                set(&mut cells, "customer_name", Cell::Empty);
            }
            Some("empty-update") => {
                for key in &change_keys {
                    set(&mut cells, key, Cell::Empty);
                }
            }
            Some("id-name-mismatch") => {
                let other = *self.rng.pick(&self.customers);
                let name = if other.entry_index == customer.entry_index {
                    format!("{}分公司", self.names.stem(other.entry_index as u64))
                } else {
                    self.names.full(other.entry_index as u64)
                };
                set(&mut cells, "customer_name", Cell::text(name));
            }
            Some("missing-required") => {
                let keys: Vec<&str> = sheet
                    .fields
                    .iter()
                    .filter(|f| f.required && f.ty != FieldType::Date)
                    .filter(|f| f.key != "review_status" && f.key != "customer_id")
                    .map(|f| f.key.as_str())
                    .collect();
                let key = *self.rng.pick(&keys);
                set(&mut cells, key, Cell::Empty);
            }
            Some("invalid-enum") => {
                let fields: Vec<&Field> = sheet
                    .fields
                    .iter()
                    .filter(|f| f.key != "review_status" && self.list_of(f).is_some())
                    .filter(|f| f.key != "customer_status")
                    .collect();
                let field = *self.rng.pick(&fields);
                if let (Some(list), Some(col)) = (self.list_of(field), layout.col(&field.key)) {
                    cells[col] = Cell::text(self.near_miss(list));
                }
            }
            Some("invalid-date") => {
                let bad = *self.rng.pick(&BAD_DATES);
                cells[sheet.date_field] = Cell::text(bad);
            }
            Some("date-order") => review_day = update_day - self.rng.between(1, 10),
            Some("overdue-review") => {}
            Some("pii") => {
                let text = self.pii_text();
                set(&mut cells, "latest_interaction", Cell::text(text));
            }
            Some("formula-injection") => {
                let text = *self.rng.pick(&INJECTIONS);
                set(&mut cells, "update_reason", Cell::text(text));
            }
            Some(other) => bail!("no way to plant {other}"),
        }
        if review == Review::Approved {
            let reviewer = self.rng.pick(&self.reviewers).clone();
            set(&mut cells, "reviewer", Cell::text(reviewer));
            set(&mut cells, "review_date", Cell::Date(review_day));
        }
        if let Some(rule) = defect {
            self.plant(rule, kind);
        }
        Ok(cells)
    }
}

/// An 18-character resident ID number with a valid ISO 7064 MOD 11-2 check
/// character, so the pii rule must recognise it.
fn resident_id(rng: &mut SplitMix64) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let body = format!(
        "{:06}{:04}{:02}{:02}{:03}",
        rng.between(110_101, 659_001),
        rng.between(1960, 2000),
        rng.between(1, 12),
        rng.between(1, 28),
        rng.between(1, 999)
    );
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    format!("{body}{}", CHECK[(sum % 11) as usize] as char)
}
