//! Workbook writing shared by generate, annotate and merge.

pub mod output;
