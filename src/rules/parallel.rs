//! Checking several files of a run at once, with the findings of checking them
//! one after the other.
//!
//! Up to one file per core is read and its rows checked at a time (each file's
//! reading itself on a thread of its own, see
//! [`crate::read::read_source_pipelined`]). What the cross-row rules need — which
//! row is "the first" with an ID or a name — depends on the file order, so the
//! workers only do what each file decides alone, with the one sink that checks
//! a file ([`super::sink`]): sheet- and row-level findings, and the keys of each
//! row. The calling thread takes those file by file, in order (master first,
//! then argument order), as they come, and folds them into the run exactly as
//! checking the files one by one does. A file read ahead of its turn waits in
//! its channel, a few chunks at most: its worker pauses until the folding comes
//! to it, so memory does not grow with it.

use super::engine::{Context, Validation};
use super::sink::{Folding, Part, PartSink, PARTS_IN_FLIGHT};
use crate::read::{read_source_pipelined, ReadError, Source};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;

/// Checks `sources` as files of `run`, up to `cores` at a time; one result per
/// source, in order.
pub(super) fn check_sources(
    run: &mut Validation<'_>,
    sources: &[Source],
    cores: usize,
) -> Vec<Result<(), ReadError>> {
    let files: Vec<usize> = sources.iter().map(|source| run.add_file(source)).collect();
    let shown: Vec<String> = files.iter().map(|&f| run.path(f).to_string()).collect();
    // The workers get a copy of what they check against; the run itself stays
    // with this thread, which folds the results into it.
    let ctx = run.ctx.clone();
    let mut senders = Vec::with_capacity(sources.len());
    let mut receivers = Vec::with_capacity(sources.len());
    for _ in sources {
        // Bounded: a file read ahead of its turn waits with a few chunks
        // (its worker pauses), not with all its rows' keys.
        let (sender, receiver) = sync_channel::<Part>(PARTS_IN_FLIGHT);
        senders.push(Some(sender));
        receivers.push(receiver);
    }
    let senders = Mutex::new(senders);
    let next = AtomicUsize::new(0);
    let live = AtomicUsize::new(0);
    let work = || {
        // When the last worker is gone (normally, all files taken; or after a
        // bug), no file may still wait for one: the folding below would wait
        // forever.
        let _last_out = LastOut {
            live: &live,
            senders: &senders,
        };
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(source) = sources.get(i) else {
                break;
            };
            let sender = senders
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_mut(i)
                .and_then(Option::take);
            if let (Some(sender), Some(&file), Some(shown)) = (sender, files.get(i), shown.get(i)) {
                check_one(&ctx, file, shown, source, sender);
            }
        }
    };
    std::thread::scope(|scope| {
        let mut spawned = 0;
        for _ in 0..cores.min(sources.len()) {
            live.fetch_add(1, Ordering::SeqCst);
            let started = std::thread::Builder::new()
                .name("crmsheet-check".into())
                .spawn_scoped(scope, work);
            match started {
                Ok(_) => spawned += 1,
                Err(_) => {
                    live.fetch_sub(1, Ordering::SeqCst);
                    break;
                }
            }
        }
        if spawned == 0 {
            // No thread to be had: check the files one by one here (the
            // bounded channels would wait for a folding that comes after).
            let template = run.ctx.template;
            return files
                .iter()
                .zip(sources)
                .map(|(&file, source)| {
                    let mut checker = run.checker_for(file);
                    let result = read_source_pipelined(source, template, &mut checker);
                    checker.end(result)
                })
                .collect();
        }
        let results: Vec<Result<(), ReadError>> = files
            .iter()
            .zip(&receivers)
            .map(|(&file, parts)| fold(run, file, parts))
            .collect();
        results
    })
}

/// Drops the senders of files no worker took once the last worker has ended.
struct LastOut<'a> {
    live: &'a AtomicUsize,
    senders: &'a Mutex<Vec<Option<SyncSender<Part>>>>,
}

impl Drop for LastOut<'_> {
    fn drop(&mut self) {
        if self.live.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.senders
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
        }
    }
}

/// A worker's part: reads and checks one file, sending what it finds.
fn check_one(
    ctx: &Context<'_>,
    file: usize,
    path_shown: &str,
    source: &Source,
    parts: SyncSender<Part>,
) {
    let mut sink = PartSink::new(ctx.clone(), file, path_shown, parts);
    let result = read_source_pipelined(source, ctx.template, &mut sink);
    sink.finish(result);
}

/// Takes one file's parts, in order, into the run.
fn fold(run: &mut Validation<'_>, file: usize, parts: &Receiver<Part>) -> Result<(), ReadError> {
    let folding = Folding::new(run, file);
    for part in parts {
        if let Some(ended) = folding.take(run, part) {
            return ended;
        }
    }
    // A worker that ended without a result has failed (it cannot, short of a
    // bug): the file counts as unreadable rather than half-checked.
    folding.end(
        run,
        Err(ReadError::Corrupt(
            "the checking thread stopped unexpectedly".to_string(),
        )),
    )
}

#[cfg(test)]
mod tests {
    use crate::lang::Lang;
    use crate::report::Report;
    use crate::rules::{Options, Validation};
    use crate::template::{SheetKind, Template};
    use crate::value::parse_as_of;
    use std::path::{Path, PathBuf};

    /// A CSV of one sheet, every field in template order.
    fn write_csv(dir: &Path, name: &str, kind: SheetKind, rows: &[Vec<String>]) -> PathBuf {
        let template = Template::builtin();
        let def = template.sheet(kind);
        let mut out = ::csv::Writer::from_writer(Vec::new());
        out.write_record(def.fields.iter().map(|f| f.header.zh.as_str()))
            .unwrap();
        for row in rows {
            out.write_record(row).unwrap();
        }
        let path = dir.join(name);
        std::fs::write(&path, out.into_inner().unwrap()).unwrap();
        path
    }

    /// Entry rows `first..first + count`: IDs and names repeat across files
    /// (every seventh row reuses an earlier ID, every fifth an earlier name), so
    /// which row is "first" depends on the file order.
    fn entries(first: usize, count: usize) -> Vec<Vec<String>> {
        (first..first + count)
            .map(|i| {
                let id = if i % 7 == 0 { i / 7 } else { i };
                let name = if i % 5 == 0 { i / 5 } else { i };
                let status = ["已通过", "待审核", "已驳回", "已通过"][i % 4];
                let reviewed = status != "待审核";
                vec![
                    format!("2026-{:02}-{:02}", i % 11 + 1, i % 27 + 1),
                    "张伟".into(),
                    if status == "待审核" {
                        String::new()
                    } else {
                        format!("C{id:04}")
                    },
                    format!("明远{name}机械有限公司"),
                    "制造业".into(),
                    "王经理".into(),
                    String::new(),
                    String::new(),
                    if i % 13 == 0 {
                        "电话13812345678".into()
                    } else {
                        "拜访".into()
                    },
                    String::new(),
                    ["活跃", "潜在"][i % 2].into(),
                    status.into(),
                    if reviewed {
                        "李娜".into()
                    } else {
                        String::new()
                    },
                    if reviewed {
                        format!("2026-{:02}-{:02}", i % 11 + 1, i % 27 + 2)
                    } else {
                        String::new()
                    },
                ]
            })
            .collect()
    }

    fn updates(ids: impl Iterator<Item = usize>) -> Vec<Vec<String>> {
        ids.map(|id| {
            vec![
                "2026-11-20".into(),
                "张伟".into(),
                format!("C{id:04}"),
                if id % 3 == 0 {
                    format!("别的{id}公司")
                } else {
                    String::new()
                },
                if id % 4 == 0 {
                    String::new()
                } else {
                    "赵主任".into()
                },
                String::new(),
                String::new(),
                String::new(),
                ["活跃", "流失", ""][id % 3].into(),
                "联系人离职".into(),
                String::new(),
                "联系人变更".into(),
                ["已通过", "待审核", "已驳回"][id % 3].into(),
                if id % 3 == 1 {
                    String::new()
                } else {
                    "李娜".into()
                },
                if id % 3 == 1 {
                    String::new()
                } else {
                    "2026-11-21".into()
                },
            ]
        })
        .collect()
    }

    fn run(paths: &[&Path], together: bool) -> Report {
        let template = Template::builtin();
        let options = Options {
            as_of: parse_as_of("2026-11-30").unwrap(),
            lang: Lang::En,
        };
        let mut run = Validation::new(&template, options);
        let results = if together {
            run.check_files(paths)
        } else {
            paths.iter().map(|p| run.check_file(p)).collect()
        };
        let unreadable: Vec<bool> = results.iter().map(Result::is_err).collect();
        let report = run.finish();
        assert_eq!(
            unreadable,
            report.files.iter().map(|f| !f.readable).collect::<Vec<_>>()
        );
        report
    }

    #[test]
    fn several_files_at_once_give_the_findings_of_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let a = write_csv(d, "a.csv", SheetKind::Entry, &entries(1, 1500));
        let b = write_csv(d, "b.csv", SheetKind::Update, &updates(0..2000));
        let c = write_csv(d, "c.csv", SheetKind::Entry, &entries(1200, 900));
        let damaged = d.join("damaged.xlsx");
        std::fs::write(&damaged, b"PK\x03\x04 not really a workbook").unwrap();
        let missing = d.join("missing.xlsx");
        let e = write_csv(d, "e.csv", SheetKind::Entry, &entries(40, 300));
        let order: Vec<&Path> = vec![&a, &b, &c, &damaged, &e, &missing, &a];
        let one_by_one = run(&order, false);
        let together = run(&order, true);
        assert_eq!(together.files, one_by_one.files);
        assert_eq!(together.findings, one_by_one.findings);
        // The run exercised what depends on the order.
        let rules: std::collections::BTreeSet<&str> =
            together.findings.iter().map(|f| f.rule.as_str()).collect();
        for rule in [
            "duplicate-id",
            "duplicate-customer",
            "unknown-customer",
            "id-name-mismatch",
            "stale-customer",
            "pii",
            "file-unreadable",
        ] {
            assert!(rules.contains(rule), "{rule} missing from {rules:?}");
        }
        // Rows repeated past the cap: the same kept findings and counts.
        let bad = |n: usize| {
            let mut rows = entries(7, 1);
            rows[0][0] = "2026-13-45".into();
            rows[0][8] = "=cmd 13812345678".into();
            vec![rows[0].clone(); n]
        };
        let f = write_csv(d, "f.csv", SheetKind::Entry, &bad(1500));
        let g = write_csv(d, "g.csv", SheetKind::Entry, &bad(1200));
        let order: Vec<&Path> = vec![&f, &g, &b];
        let one_by_one = run(&order, false);
        let together = run(&order, true);
        assert_eq!(together.files, one_by_one.files);
        assert_eq!(together.findings, one_by_one.findings);
        assert_eq!(together.summary(), one_by_one.summary());
        assert!(!together.files[0].omitted.is_empty());

        // Another order is another run, with other first occurrences.
        let reversed: Vec<&Path> = order.iter().rev().copied().collect();
        assert_eq!(
            run(&reversed, true).findings,
            run(&reversed, false).findings
        );
    }
}
