//! The benchmark's floor: open a workbook with calamine and stream every cell of
//! every sheet once, doing nothing else. Whatever a validator does, it must at
//! least pay this; `bench/run.sh` compares `crmsheet validate` against it.
//!
//! ```text
//! cargo run --release --example bench_floor -- bench/data/register-100000.xlsx
//! ```
//!
//! Cells are counted and string lengths summed (and printed) so the compiler
//! cannot drop the reading. xlsx, xlsm and xlsb are streamed cell by cell; other
//! formats (xls, ods) have no streaming reader in calamine and are read sheet by
//! sheet as a range.

use anyhow::{Context, Result};
use calamine::{open_workbook_auto, Data, DataRef, Reader, Sheets};
use std::time::Instant;

#[derive(Default)]
struct Tally {
    cells: u64,
    non_empty: u64,
    strings: u64,
    string_bytes: u64,
    numbers: u64,
    dates: u64,
}

impl Tally {
    fn add_ref(&mut self, value: &DataRef<'_>) {
        self.cells += 1;
        match value {
            DataRef::Empty => return,
            DataRef::String(s) => self.add_str(s),
            DataRef::SharedString(s) => self.add_str(s),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => self.add_str(s),
            DataRef::Int(_) | DataRef::Float(_) => self.numbers += 1,
            DataRef::DateTime(_) => self.dates += 1,
            DataRef::Bool(_) | DataRef::Error(_) => {}
        }
        self.non_empty += 1;
    }

    fn add(&mut self, value: &Data) {
        self.cells += 1;
        match value {
            Data::Empty => return,
            Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => self.add_str(s),
            Data::Int(_) | Data::Float(_) => self.numbers += 1,
            Data::DateTime(_) => self.dates += 1,
            Data::Bool(_) | Data::Error(_) => {}
        }
        self.non_empty += 1;
    }

    fn add_str(&mut self, s: &str) {
        self.strings += 1;
        self.string_bytes += s.len() as u64;
    }
}

fn main() -> std::process::ExitCode {
    // One line on error, as crmsheet itself does; a closed pipe (`| head`) is not one.
    let mut report = String::new();
    let result = run(&mut report);
    let written = std::io::Write::write_all(&mut std::io::stdout().lock(), report.as_bytes());
    match (result, written) {
        (Err(e), _) => {
            eprintln!("bench_floor: {e:#}");
            std::process::ExitCode::from(2)
        }
        (Ok(()), Err(e)) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("bench_floor: cannot write to stdout: {e}");
            std::process::ExitCode::from(2)
        }
        _ => std::process::ExitCode::SUCCESS,
    }
}

/// Does the work; what it prints is collected in `report`.
fn run(report: &mut String) -> Result<()> {
    use std::fmt::Write as _;
    let mut args = std::env::args_os().skip(1);
    let (Some(path), None) = (args.next(), args.next()) else {
        anyhow::bail!("usage: bench_floor WORKBOOK");
    };
    let path = std::path::PathBuf::from(path);
    let started = Instant::now();
    let mut workbook =
        open_workbook_auto(&path).with_context(|| format!("{}: cannot open", path.display()))?;
    let names = workbook.sheet_names();
    let mut total = Tally::default();
    for name in &names {
        let mut tally = Tally::default();
        match &mut workbook {
            Sheets::Xlsx(xlsx) => {
                let mut cells = xlsx
                    .worksheet_cells_reader(name)
                    .with_context(|| format!("{}: sheet {name}", path.display()))?;
                while let Some(cell) = cells.next_cell()? {
                    tally.add_ref(cell.get_value());
                }
            }
            Sheets::Xlsb(xlsb) => {
                let mut cells = xlsb
                    .worksheet_cells_reader(name)
                    .with_context(|| format!("{}: sheet {name}", path.display()))?;
                while let Some(cell) = cells.next_cell()? {
                    tally.add_ref(cell.get_value());
                }
            }
            other => {
                let range = other
                    .worksheet_range(name)
                    .with_context(|| format!("{}: sheet {name}", path.display()))?;
                for (_, _, value) in range.used_cells() {
                    tally.add(value);
                }
            }
        }
        writeln!(
            report,
            "{name}: {} cells ({} non-empty: {} strings of {} bytes, {} dates, {} numbers)",
            tally.cells,
            tally.non_empty,
            tally.strings,
            tally.string_bytes,
            tally.dates,
            tally.numbers
        )?;
        total.cells += tally.cells;
        total.non_empty += tally.non_empty;
        total.strings += tally.strings;
        total.string_bytes += tally.string_bytes;
        total.dates += tally.dates;
        total.numbers += tally.numbers;
    }
    writeln!(
        report,
        "total: {} sheets, {} cells, {} non-empty, {} string bytes, {} dates in {:.2} s",
        names.len(),
        total.cells,
        total.non_empty,
        total.string_bytes,
        total.dates,
        started.elapsed().as_secs_f64()
    )?;
    Ok(())
}
