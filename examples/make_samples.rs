//! Writes the sample workbooks in `samples/`: the blank zh and en templates and
//! `filled-example.xlsx`, a zh template filled in November 2026 with a handful of
//! planted mistakes (listed in `samples/README.md`; validate it with
//! `--as-of 2026-11-30`).
//!
//! Run: `cargo run --example make_samples`

use anyhow::{Context, Result};
use chrono::{NaiveDate, NaiveDateTime};
use crmsheet::lang::Lang;
use crmsheet::template::{SheetDef, SheetKind, Template};
use crmsheet::write::{BookOptions, CellOut, TemplateBook};
use std::path::{Path, PathBuf};

fn main() -> Result<()> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples");
    std::fs::create_dir_all(&dir).with_context(|| format!("{}", dir.display()))?;
    let template = Template::builtin();
    // A fixed stamp keeps the samples the same from run to run.
    let stamp = day(2026, 11, 1)
        .date()
        .and_hms_opt(9, 0, 0)
        .context("time")?;

    for lang in [Lang::Zh, Lang::En] {
        let name = crmsheet::write::template_file_name(&template, lang);
        let book = TemplateBook::new(&template, &options(lang, stamp))?;
        save(book, &dir.join(&name))?;
        println!("wrote samples/{name}");
    }

    let mut book = TemplateBook::new(&template, &options(Lang::Zh, stamp))?;
    let entry = book.data_sheet(SheetKind::Entry);
    for (i, row) in ENTRY_ROWS.iter().enumerate() {
        book.write_row(entry, i as u32 + 2, &cells(template.entry(), row)?)?;
    }
    let update = book.data_sheet(SheetKind::Update);
    for (i, row) in UPDATE_ROWS.iter().enumerate() {
        book.write_row(update, i as u32 + 2, &cells(template.update(), row)?)?;
    }
    save(book, &dir.join("filled-example.xlsx"))?;
    println!("wrote samples/filled-example.xlsx");
    Ok(())
}

fn options(lang: Lang, stamp: NaiveDateTime) -> BookOptions {
    let mut options = BookOptions::new(lang);
    options.generated_at = stamp;
    options
}

fn save(book: TemplateBook, path: &Path) -> Result<()> {
    crmsheet::write::output::write_atomically(path, true, false, |temp| book.save(temp))
}

fn day(y: i32, m: u32, d: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default()
}

/// One sample row: (field key, value). A value `D:yyyy-mm-dd` is a real date
/// cell; anything else is text.
type SampleRow = &'static [(&'static str, &'static str)];

fn cells(sheet: &SheetDef, row: SampleRow) -> Result<Vec<CellOut>> {
    let mut out = vec![CellOut::Empty; sheet.fields.len()];
    for (key, value) in row {
        let i = sheet
            .field_index(key)
            .with_context(|| format!("no field {key}"))?;
        out[i] = match value.strip_prefix("D:") {
            Some(date) => CellOut::Date(
                NaiveDate::parse_from_str(date, "%Y-%m-%d")?
                    .and_hms_opt(0, 0, 0)
                    .context("midnight")?,
            ),
            None => CellOut::text(*value),
        };
    }
    Ok(out)
}

/// Entry rows 2–12. Planted mistakes (see samples/README.md): E5 industry `制造`,
/// I6 a mobile number, F7 missing contact, A8 `11/30/2026`, D9 the same company as
/// row 2, L10 pending since 2026-11-25, L11 `通过`.
const ENTRY_ROWS: [SampleRow; 11] = [
    &[
        ("entry_date", "D:2026-11-02"),
        ("salesperson", "张伟"),
        ("customer_id", "C001"),
        ("customer_name", "上海明远机械有限公司"),
        ("industry", "制造业"),
        ("contact", "王经理"),
        ("position", "采购经理"),
        ("address", "上海市浦东新区张江路 100 号"),
        ("interaction", "11月2日上门拜访，介绍新产品线"),
        ("needs", "关注交货周期"),
        ("customer_status", "活跃"),
        ("review_status", "已通过"),
        ("reviewer", "李娜"),
        ("review_date", "D:2026-11-03"),
    ],
    &[
        ("entry_date", "D:2026-11-03"),
        ("salesperson", "刘洋"),
        ("customer_id", "C002"),
        ("customer_name", "杭州云帆信息技术有限公司"),
        ("industry", "信息传输、软件和信息技术服务业"),
        ("contact", "陈总"),
        ("position", "技术总监"),
        ("address", "杭州市滨江区江南大道 588 号"),
        ("interaction", "视频会议演示数据平台，对方有意试用"),
        ("needs", "需要私有化部署"),
        ("customer_status", "潜在"),
        ("review_status", "已通过"),
        ("reviewer", "李娜"),
        ("review_date", "D:2026-11-04"),
    ],
    &[
        ("entry_date", "D:2026-11-04"),
        ("salesperson", "张伟"),
        ("customer_id", "C003"),
        ("customer_name", "苏州恒信建筑工程有限公司"),
        ("industry", "建筑业"),
        ("contact", "周经理"),
        ("position", "项目经理"),
        ("address", "苏州市工业园区星湖街 218 号"),
        ("interaction", "展会结识，已寄送产品资料"),
        ("customer_status", "潜在"),
        ("review_status", "已通过"),
        ("reviewer", "李娜"),
        ("review_date", "D:2026-11-05"),
    ],
    // Row 5: industry `制造` is not in the list (should be 制造业).
    &[
        ("entry_date", "D:2026-11-05"),
        ("salesperson", "王芳"),
        ("customer_id", "C004"),
        ("customer_name", "宁波华达塑料制品有限公司"),
        ("industry", "制造"),
        ("contact", "孙厂长"),
        ("position", "厂长"),
        ("address", "宁波市北仑区新碶街道明州路 66 号"),
        ("interaction", "电话沟通后上门拜访，确认试产需求"),
        ("needs", "希望小批量试产"),
        ("customer_status", "活跃"),
        ("review_status", "已通过"),
        ("reviewer", "李娜"),
        ("review_date", "D:2026-11-06"),
    ],
    // Row 6: a mobile number inside the interaction history.
    &[
        ("entry_date", "D:2026-11-06"),
        ("salesperson", "王芳"),
        ("customer_id", "C005"),
        ("customer_name", "南京金陵餐饮管理有限公司"),
        ("industry", "住宿和餐饮业"),
        ("contact", "吴店长"),
        ("position", "运营总监"),
        ("address", "南京市鼓楼区中山路 321 号"),
        ("interaction", "电话13812345678联系，约下周面谈"),
        ("needs", "门店统一采购"),
        ("customer_status", "活跃"),
        ("review_status", "已通过"),
        ("reviewer", "李娜"),
        ("review_date", "D:2026-11-07"),
    ],
    // Row 7: the required main contact is missing.
    &[
        ("entry_date", "D:2026-11-09"),
        ("salesperson", "刘洋"),
        ("customer_id", "C006"),
        ("customer_name", "成都天府物流有限公司"),
        ("industry", "交通运输、仓储和邮政业"),
        ("position", "物流主管"),
        ("address", "成都市双流区物联大道 9 号"),
        ("interaction", "客户来电咨询仓储管理方案"),
        ("needs", "仓储可视化"),
        ("customer_status", "潜在"),
        ("review_status", "已通过"),
        ("reviewer", "李娜"),
        ("review_date", "D:2026-11-10"),
    ],
    // Row 8: the entry date is the text 11/30/2026 (month/day/year).
    &[
        ("entry_date", "11/30/2026"),
        ("salesperson", "张伟"),
        ("customer_name", "广州粤海贸易有限公司"),
        ("industry", "批发和零售业"),
        ("contact", "黄经理"),
        ("position", "采购主管"),
        ("interaction", "客户来访，索取报价单"),
        ("customer_status", "潜在"),
        ("review_status", "待审核"),
    ],
    // Row 9: the same company as row 2 (股份有限公司 instead of 有限公司).
    &[
        ("entry_date", "D:2026-11-29"),
        ("salesperson", "王芳"),
        ("customer_name", "上海明远机械股份有限公司"),
        ("industry", "制造业"),
        ("contact", "王经理"),
        ("position", "采购经理"),
        ("interaction", "展会再次洽谈，客户询问售后服务"),
        ("customer_status", "活跃"),
        ("review_status", "待审核"),
    ],
    // Row 10: pending since 2026-11-25, overdue on 2026-11-30.
    &[
        ("entry_date", "D:2026-11-25"),
        ("salesperson", "刘洋"),
        ("customer_name", "武汉光谷生物科技有限公司"),
        ("industry", "科学研究和技术服务业"),
        ("contact", "郑博士"),
        ("position", "研发总监"),
        ("address", "武汉市东湖高新区高新大道 666 号"),
        ("interaction", "线上交流实验室设备采购计划"),
        ("needs", "关注售后响应速度"),
        ("customer_status", "潜在"),
        ("review_status", "待审核"),
    ],
    // Row 11: review status `通过` instead of `已通过`.
    &[
        ("entry_date", "D:2026-11-26"),
        ("salesperson", "张伟"),
        ("customer_name", "青岛海润食品有限公司"),
        ("industry", "制造业"),
        ("contact", "刘主任"),
        ("position", "采购主任"),
        ("address", "青岛市黄岛区长江中路 88 号"),
        ("interaction", "上门拜访，洽谈包装设备更新"),
        ("customer_status", "潜在"),
        ("review_status", "通过"),
        ("reviewer", "李娜"),
        ("review_date", "D:2026-11-27"),
    ],
    &[
        ("entry_date", "D:2026-11-30"),
        ("salesperson", "王芳"),
        ("customer_name", "北京京西教育科技有限公司"),
        ("industry", "教育"),
        ("contact", "马校长"),
        ("position", "校长"),
        ("address", "北京市海淀区学院路 30 号"),
        ("interaction", "电话预约，下周到校演示"),
        ("needs", "智慧校园方案"),
        ("customer_status", "潜在"),
        ("review_status", "待审核"),
    ],
];

/// Update rows 2–6. Planted mistake: C4 names the unknown customer C999.
const UPDATE_ROWS: [SampleRow; 5] = [
    &[
        ("update_date", "D:2026-11-10"),
        ("salesperson", "张伟"),
        ("customer_id", "C001"),
        ("customer_name", "上海明远机械有限公司"),
        ("contact", "赵主任"),
        ("position", "采购总监"),
        ("update_reason", "原联系人离职"),
        ("maintenance_type", "联系人变更"),
        ("review_status", "已通过"),
        ("reviewer", "李娜"),
        ("review_date", "D:2026-11-11"),
    ],
    &[
        ("update_date", "D:2026-11-12"),
        ("salesperson", "刘洋"),
        ("customer_id", "C002"),
        ("customer_name", "杭州云帆信息技术有限公司"),
        ("customer_status", "活跃"),
        ("update_reason", "签订试用协议"),
        ("latest_interaction", "完成试用部署并培训"),
        ("maintenance_type", "状态变更"),
        ("review_status", "已通过"),
        ("reviewer", "李娜"),
        ("review_date", "D:2026-11-13"),
    ],
    // Row 4: C999 is no customer in the register.
    &[
        ("update_date", "D:2026-11-29"),
        ("salesperson", "王芳"),
        ("customer_id", "C999"),
        ("customer_name", "厦门鹭岛旅游有限公司"),
        ("update_reason", "例行回访"),
        ("latest_interaction", "回访了解明年团建需求"),
        ("maintenance_type", "互动跟进"),
        ("review_status", "待审核"),
    ],
    &[
        ("update_date", "D:2026-11-18"),
        ("salesperson", "王芳"),
        ("customer_id", "C005"),
        ("customer_name", "南京金陵餐饮管理有限公司"),
        ("address", "南京市秦淮区中华路 100 号"),
        ("update_reason", "公司总部搬迁"),
        ("maintenance_type", "地址变更"),
        ("review_status", "已通过"),
        ("reviewer", "李娜"),
        ("review_date", "D:2026-11-19"),
    ],
    &[
        ("update_date", "D:2026-11-29"),
        ("salesperson", "张伟"),
        ("customer_id", "C003"),
        ("customer_name", "苏州恒信建筑工程有限公司"),
        ("update_reason", "跟进报价"),
        ("latest_interaction", "电话沟通报价细节，客户要求下周回复"),
        ("maintenance_type", "互动跟进"),
        ("review_status", "待审核"),
    ],
];
