//! The findings a run holds, bounded whatever the input.
//!
//! A 1.3 KB ods repeating one bad row a million times raises some fifteen
//! million findings; held, they take more than 10 GiB. So a run keeps the first
//! [`KEPT_PER_RULE`] findings of each rule in each file, at their cells, and only
//! counts the rest: the report says "and N more like this", and its totals
//! still count every finding. Kept findings are at most 24 rules × 1,000 per
//! file, under 20 MiB (a finding takes about 750 bytes).

use super::{Code, Finding, Severity};

/// Findings of one rule in one file that are kept at their cells; later ones
/// are counted only.
pub const KEPT_PER_RULE: u32 = 1000;

const RULES: usize = Code::ALL.len();

/// The position of a rule in [`Code::ALL`] (its declaration order).
fn slot(rule: Code) -> usize {
    rule as usize
}

/// Per rule: findings kept and findings left out, for one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Cap {
    kept: [u32; RULES],
    omitted: [u64; RULES],
}

impl Cap {
    /// Whether a finding of `rule` is kept; counts it either way.
    pub(crate) fn admit(&mut self, rule: Code) -> bool {
        let i = slot(rule);
        if self.kept[i] < KEPT_PER_RULE {
            self.kept[i] += 1;
            true
        } else {
            self.omitted[i] += 1;
            false
        }
    }

    /// Adds the findings `other` left out (a worker's, for the same file).
    pub(crate) fn add_omitted(&mut self, other: &Cap) {
        for (mine, theirs) in self.omitted.iter_mut().zip(other.omitted) {
            *mine += theirs;
        }
    }

    /// Whether any finding of this file (kept or not) is an error.
    pub(crate) fn has_errors(&self) -> bool {
        Code::ALL.iter().enumerate().any(|(i, code)| {
            code.severity() == Severity::Error && (self.kept[i] > 0 || self.omitted[i] > 0)
        })
    }

    /// Findings left out, per rule, in registry order.
    pub(crate) fn omitted(&self) -> Vec<(Code, u64)> {
        Code::ALL
            .iter()
            .zip(self.omitted)
            .filter(|(_, n)| *n > 0)
            .map(|(c, n)| (*c, n))
            .collect()
    }

    /// Keeps, of `findings[from..]`, those this cap admits, in order.
    pub(crate) fn keep_tail(&mut self, findings: &mut Vec<Finding>, from: usize) {
        let mut kept = from;
        for i in from..findings.len() {
            if self.admit(findings[i].rule) {
                findings.swap(kept, i);
                kept += 1;
            }
        }
        findings.truncate(kept);
    }
}

/// The findings of a run, capped per file and rule.
#[derive(Default)]
pub(crate) struct Findings {
    list: Vec<Finding>,
    /// Per file of the run.
    caps: Vec<Cap>,
}

impl Findings {
    fn cap(&mut self, file: usize) -> &mut Cap {
        if self.caps.len() <= file {
            self.caps.resize_with(file + 1, Cap::default);
        }
        &mut self.caps[file]
    }

    pub(crate) fn push(&mut self, finding: Finding) {
        if self.cap(finding.file_index).admit(finding.rule) {
            self.list.push(finding);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    pub(crate) fn since_mut(&mut self, from: usize) -> &mut [Finding] {
        self.list.get_mut(from..).unwrap_or_default()
    }

    /// Forgets what `file` (the latest file, whose findings start at `from`)
    /// left, kept or counted.
    pub(crate) fn forget_file(&mut self, file: usize, from: usize) {
        self.list.truncate(from);
        *self.cap(file) = Cap::default();
    }

    /// Counts the findings a worker left out of `file`.
    pub(crate) fn add_omitted(&mut self, file: usize, omitted: &Cap) {
        self.cap(file).add_omitted(omitted);
    }

    /// Whether the run has an error so far (kept or only counted).
    pub(crate) fn has_errors(&self) -> bool {
        self.caps.iter().any(Cap::has_errors)
    }

    /// The kept findings, and per file what was left out.
    pub(crate) fn into_parts(self) -> (Vec<Finding>, Vec<Cap>) {
        (self.list, self.caps)
    }
}

/// Where a rule puts a finding that is certain: asking first lets a capped
/// sink count it without the finding being built (its message formatted, its
/// value masked) a million times.
pub(crate) trait FindingSink {
    /// Whether a finding of `rule` in `file` is kept; when not, it is counted.
    fn wants(&mut self, file: usize, rule: Code) -> bool;
    fn add(&mut self, finding: Finding);
}

impl FindingSink for Vec<Finding> {
    fn wants(&mut self, _file: usize, _rule: Code) -> bool {
        true
    }

    fn add(&mut self, finding: Finding) {
        self.push(finding);
    }
}

impl FindingSink for Findings {
    fn wants(&mut self, file: usize, rule: Code) -> bool {
        let cap = self.cap(file);
        if cap.kept[slot(rule)] < KEPT_PER_RULE {
            true
        } else {
            cap.omitted[slot(rule)] += 1;
            false
        }
    }

    fn add(&mut self, finding: Finding) {
        self.push(finding);
    }
}

/// `finding` as it is on row `row` of the same sheet: for a row identical to
/// the one it was found on.
pub(crate) fn moved_to_row(finding: &Finding, row: u32) -> Finding {
    let mut moved = finding.clone();
    if moved.row.is_some() {
        moved.row = Some(row);
        moved.cell = moved.col.map(|col| crate::read::a1(row, col));
    }
    moved
}

impl Extend<Finding> for Findings {
    fn extend<I: IntoIterator<Item = Finding>>(&mut self, findings: I) {
        for finding in findings {
            self.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Place;

    #[test]
    fn slots_follow_the_registry() {
        for (i, code) in Code::ALL.iter().enumerate() {
            assert_eq!(slot(*code), i);
        }
    }

    #[test]
    fn keeps_the_first_per_file_and_rule_and_counts_the_rest() {
        let mut all = Findings::default();
        for file in 0..2 {
            let place = Place::file(file, "a.csv");
            for _ in 0..KEPT_PER_RULE + 5 {
                all.push(place.finding(Code::Pii, None, String::new(), None));
            }
            all.push(place.finding(Code::FormulaInjection, None, String::new(), None));
        }
        assert!(all.has_errors());
        let (kept, caps) = all.into_parts();
        assert_eq!(kept.len(), 2 * (KEPT_PER_RULE as usize + 1));
        assert_eq!(caps[1].omitted(), vec![(Code::Pii, 5)]);
    }
}
