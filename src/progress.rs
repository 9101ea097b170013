//! A progress line on stderr for long validation runs.
//!
//! Checking a register of a million rows takes seconds. When stderr is a
//! terminal and the run has lasted more than a second, a spinner line shows the
//! rows checked so far and the files done; it is cleared before the report is
//! written. It never appears when stderr is not a terminal (a pipe, a file, a
//! test run), so scripts see exactly what they saw before, and it never touches
//! stdout, where JSON and CSV reports go.

use crate::lang::Lang;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// How long a run goes before the line appears: short runs stay silent.
const DELAY: Duration = Duration::from_secs(1);

/// Counts checked rows and, on a terminal, shows them. Cheap to clone and to
/// update from several threads; a hidden one does nothing at all.
#[derive(Clone, Default)]
pub struct Progress {
    shown: Option<Arc<Line>>,
}

struct Line {
    bar: ProgressBar,
    files: usize,
    files_done: AtomicUsize,
    /// Set by [`Progress::finish`]; guards the bar's appearance so that it never
    /// appears after the run ended.
    finished: Mutex<bool>,
    wake: Condvar,
}

impl Progress {
    /// A progress that shows nothing.
    pub fn hidden() -> Progress {
        Progress { shown: None }
    }

    /// A progress line on stderr for a run over `files` files, appearing after a
    /// second; hidden when stderr is not a terminal.
    pub fn on_stderr(files: usize, lang: Lang) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress::hidden();
        }
        let template = match lang {
            Lang::Zh => "{spinner} 已检查 {human_pos} 行 · 文件 {msg} · {elapsed}",
            Lang::En => "{spinner} checked {human_pos} rows · files {msg} · {elapsed}",
        };
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.set_message(format!("0/{files}"));
        let line = Arc::new(Line {
            bar,
            files,
            files_done: AtomicUsize::new(0),
            finished: Mutex::new(false),
            wake: Condvar::new(),
        });
        let reveal = Arc::clone(&line);
        // The line appears from a thread of its own, so that it shows even while
        // a large workbook is being opened and no row has come yet.
        let spawned = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || reveal.appear_after(DELAY));
        match spawned {
            Ok(_) => Progress { shown: Some(line) },
            Err(_) => Progress::hidden(),
        }
    }

    /// Counts `rows` more checked rows.
    pub fn add_rows(&self, rows: u64) {
        if let Some(line) = &self.shown {
            if rows > 0 {
                line.bar.inc(rows);
            }
        }
    }

    /// Counts one more file done.
    pub fn file_done(&self) {
        if let Some(line) = &self.shown {
            let done = line.files_done.fetch_add(1, Ordering::Relaxed) + 1;
            line.bar
                .set_message(format!("{}/{}", done.min(line.files), line.files));
        }
    }

    /// Removes the line (if it appeared) before the report is written.
    pub fn finish(&self) {
        if let Some(line) = &self.shown {
            let mut finished = line.finished.lock().unwrap_or_else(|e| e.into_inner());
            *finished = true;
            line.wake.notify_all();
            line.bar.finish_and_clear();
        }
    }
}

impl Line {
    /// Waits `delay`, then shows the bar unless the run has finished by then.
    fn appear_after(&self, delay: Duration) {
        let finished = self.finished.lock().unwrap_or_else(|e| e.into_inner());
        let waited = self.wake.wait_timeout_while(finished, delay, |done| !*done);
        let (finished, _) = match waited {
            Ok(result) => result,
            Err(poisoned) => poisoned.into_inner(),
        };
        if !*finished {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hidden_progress_counts_nothing_and_shows_nothing() {
        let progress = Progress::hidden();
        progress.add_rows(1024);
        progress.file_done();
        progress.finish();
        assert!(progress.shown.is_none());
    }

    #[test]
    fn without_a_terminal_there_is_no_line() {
        // Tests run with stderr captured (not a terminal).
        if std::io::stderr().is_terminal() {
            return;
        }
        assert!(Progress::on_stderr(3, Lang::En).shown.is_none());
    }
}
