//! Reports: text, JSON, CSV and the annotated workbook.
//!
//! Every report is written from a [`crate::rules::Report`] to a `Write` the
//! caller locks; write errors (a closed pipe) propagate instead of panicking.

pub mod annotate;
pub mod csv;
pub mod json;
pub mod text;
