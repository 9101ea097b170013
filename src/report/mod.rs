//! Reports: text, JSON, CSV and the annotated workbook.
