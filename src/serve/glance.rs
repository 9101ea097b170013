//! `/` for an admin: the register at a glance (DESK.md §3) — customers,
//! pending and overdue reviews, stale customers, inbox files not yet merged
//! and the latest change-log rows, all read from the files on each visit.

use super::inbox::{self, Status};
use super::Desk;
use crate::changelog::read_log;
use crate::lang::Lang;
use crate::privacy::mask;
use crate::rules::Code;
use crate::write::CellOut;

/// What the home page shows of the register.
pub struct Glance {
    pub customers: u64,
    pub pending: usize,
    /// (row, customer, age), oldest first.
    pub overdue: Vec<(String, String, String)>,
    pub stale: usize,
    /// Names of the inbox files not yet in the register.
    pub inbox: Vec<String>,
    pub has_inbox: bool,
    /// The last change-log rows, newest last: date, ID, name, field, new value.
    pub log: Vec<[String; 5]>,
    pub unreadable: Option<String>,
}

/// How many change-log rows the page shows.
const LOG_ROWS: usize = 8;

fn text(cell: &CellOut) -> String {
    match cell {
        CellOut::Empty => String::new(),
        CellOut::Text(t) => mask(t).into_owned(),
        CellOut::Number(n) => n.to_string(),
        CellOut::Date(d) => d.format("%Y-%m-%d").to_string(),
    }
}

/// Reads the register and the inbox (blocking); `None` without a register.
pub fn glance(desk: &Desk, lang: Lang) -> Option<Glance> {
    let register = desk.0.files.register.as_deref()?;
    let template = &desk.0.template;
    let mut g = Glance {
        customers: 0,
        pending: 0,
        overdue: Vec::new(),
        stale: 0,
        inbox: Vec::new(),
        has_inbox: desk.0.files.inbox.is_some(),
        log: Vec::new(),
        unreadable: None,
    };
    g.inbox = inbox::files(desk, lang)
        .into_iter()
        .filter(|f| f.status != Status::Merged)
        .map(|f| f.name)
        .collect();
    if !register.is_file() {
        return Some(g);
    }
    let as_of = desk.options(lang).as_of;
    match crate::review::pending(template, register, as_of, lang) {
        Ok(queue) => {
            g.pending = queue.rows.len();
            g.stale = queue
                .report
                .findings
                .iter()
                .filter(|f| f.rule == Code::StaleCustomer)
                .count();
            g.overdue = queue
                .rows
                .iter()
                .filter(|r| r.overdue)
                .map(|r| {
                    let who = [r.customer_id.as_str(), r.customer_name.as_str()]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(" ");
                    (
                        r.key.to_string(),
                        mask(&who).into_owned(),
                        r.age_days
                            .map(|d| super::i18n::age(lang, d))
                            .unwrap_or_default(),
                    )
                })
                .collect();
        }
        Err(e) => {
            g.unreadable = Some(super::admin::on_page(
                desk,
                &crate::messages::error_line(&e, lang),
            ))
        }
    }
    if let Ok(stats) = crate::merge::summary::of_register(template, register, lang) {
        g.customers = stats.customers();
    }
    let mut log: std::collections::VecDeque<[String; 5]> = Default::default();
    let _ = read_log(&crate::read::Source::path(register), template, &mut |row| {
        let c = &row.0;
        if log.len() == LOG_ROWS {
            log.pop_front();
        }
        log.push_back([
            text(&c[0]),
            text(&c[1]),
            text(&c[2]),
            text(&c[3]),
            text(&c[5]),
        ]);
        Ok(())
    });
    g.log = log.into_iter().collect();
    Some(g)
}
