//! Structure: can the file be read, does it have the template's sheets and
//! columns, and which template version made it. These findings are about the
//! file or a sheet as a whole and come before the row findings.

use super::{Code, Finding, Place};
use crate::lang::Lang;
use crate::messages;
use crate::read::ReadError;

/// `file-unreadable`: the file is not a spreadsheet, is damaged, encrypted,
/// missing or cannot be opened, so nothing in it can be checked.
pub fn file_unreadable(place: &Place, error: &ReadError, lang: Lang) -> Finding {
    let cause = messages::read_error(error, lang);
    let fix = messages::read_error_advice(error, lang);
    let message = match lang {
        Lang::Zh => format!("无法读取文件：{cause}。{fix}"),
        // The English causes mostly carry their advice already.
        Lang::En => match error {
            ReadError::Folder => format!("Cannot read the file: {cause}. {fix}"),
            _ => format!("Cannot read the file: {cause}."),
        },
    };
    place.finding(Code::FileUnreadable, None, message, None)
}

/// `missing-sheet`: the entry or update sheet is absent from a workbook, so its
/// rows can be neither checked nor merged.
pub fn missing_sheet(place: &Place, sheet_name: &str, lang: Lang) -> Finding {
    let message = match lang {
        Lang::Zh => format!(
            "缺少工作表「{sheet_name}」。请使用官方模板，不要删除或重命名其中的工作表。"
        ),
        Lang::En => format!(
            "The sheet \"{sheet_name}\" is missing. Use the official template and do not delete or rename its sheets."
        ),
    };
    place.finding(Code::MissingSheet, None, message, None)
}

/// `missing-sheet` for a CSV file whose headers match neither data sheet.
pub fn unrecognised_csv(place: &Place, entry: &str, update: &str, lang: Lang) -> Finding {
    let message = match lang {
        Lang::Zh => format!(
            "CSV 文件的表头与「{entry}」和「{update}」都不匹配。请从官方模板的工作表另存为 CSV，并保留第一行表头。"
        ),
        Lang::En => format!(
            "The CSV file's headers match neither \"{entry}\" nor \"{update}\". Save a sheet of the official template as CSV, keeping its header row."
        ),
    };
    place.finding(Code::MissingSheet, None, message, None)
}

/// `missing-column`: a template column is absent from the header row. Reported
/// once per sheet, never on every row.
pub fn missing_column(place: &Place, lang: Lang) -> Finding {
    let (sheet, column) = (place.sheet.unwrap_or_default(), place.column);
    let message = match lang {
        Lang::Zh => format!(
            "工作表「{sheet}」缺少列「{column}」。请在表头行补上这一列（可从官方模板复制表头）。"
        ),
        Lang::En => format!(
            "The sheet \"{sheet}\" has no column \"{column}\". Add it to the header row (copy the headers from the official template)."
        ),
    };
    place.finding(Code::MissingColumn, None, message, None)
}

/// `duplicate-column`: a header appears twice; only the first column is read, so
/// whatever is in the other one would be silently lost.
pub fn duplicate_column(place: &Place, first_cell: &str, lang: Lang) -> Finding {
    let column = place.column;
    let message = match lang {
        Lang::Zh => format!(
            "列「{column}」出现了两次（第一列在 {first_cell}），只会读取第一列。请删除或合并重复的列。"
        ),
        Lang::En => format!(
            "The column \"{column}\" appears twice (first at {first_cell}); only the first is read. Delete or merge the duplicate column."
        ),
    };
    place.finding(Code::DuplicateColumn, Some(column), message, None)
}

/// `unknown-column`: a header the template does not know. Its column is neither
/// checked nor merged — often a renamed template column.
pub fn unknown_column(place: &Place, header: &str, lang: Lang) -> Finding {
    let message = match lang {
        Lang::Zh => format!(
            "表头「{header}」不是模板中的列，该列既不会被检查也不会被合并。如果是被改名的模板列，请恢复原表头；否则可删除。"
        ),
        Lang::En => format!(
            "The header \"{header}\" is not a template column; it is neither checked nor merged. If it is a renamed template column, restore its header; otherwise delete it."
        ),
    };
    place.finding(Code::UnknownColumn, Some(header), message, None)
}

/// `template-version`: the workbook's stamp differs from the current template
/// version, so its lists or columns may be out of date.
pub fn template_version(place: &Place, stamped: &str, current: &str, lang: Lang) -> Finding {
    let message = match lang {
        Lang::Zh => format!(
            "此工作簿基于模板版本 {stamped}，当前模板版本为 {current}，下拉列表或列可能已过时。无需手动复制数据：批注副本（validate --annotate）和合并后的客户总表都会自动使用当前模板。"
        ),
        Lang::En => format!(
            "This workbook was made from template version {stamped}; the current version is {current}, so its lists or columns may be out of date. No need to copy the data by hand: the annotated copy (validate --annotate) and the merged register are written in the current template."
        ),
    };
    place.finding(Code::TemplateVersion, Some(stamped), message, None)
}

/// `template-unknown`: a workbook (not CSV) without a version stamp was not made
/// from the official template.
/// A sheet named like a data sheet (a copy such as `客户信息录入表 (2)`) that is
/// not read: its rows are neither checked nor merged.
pub fn extra_sheet(place: &Place, sheet: &str, read_as: Option<&str>, lang: Lang) -> Finding {
    let message = match (lang, read_as) {
        (Lang::Zh, Some(read)) => format!("工作表「{sheet}」看起来也是「{read}」，但只读取了「{read}」：其中的行既不会被检查，也不会被合并。请把数据移到「{read}」中，再删除这张工作表。"),
        (Lang::Zh, None) => format!("工作表「{sheet}」看起来是数据表的副本，但没有被读取：其中的行既不会被检查，也不会被合并。请把它改回模板中的表名。"),
        (Lang::En, Some(read)) => format!("The sheet \"{sheet}\" looks like \"{read}\" too, but only \"{read}\" is read: its rows are neither checked nor merged. Move them into \"{read}\" and delete this sheet."),
        (Lang::En, None) => format!("The sheet \"{sheet}\" looks like a copy of a data sheet but is not read: its rows are neither checked nor merged. Give it the template's sheet name."),
    };
    let place = Place {
        sheet: Some(sheet),
        ..*place
    };
    place.finding(Code::ExtraSheet, None, message, None)
}

pub fn template_unknown(place: &Place, lang: Lang) -> Finding {
    let message = match lang {
        Lang::Zh => "工作簿中没有模板版本标记（隐藏的 _meta 工作表），可能不是用官方模板填写的。请使用 crmsheet generate 生成的模板。".to_string(),
        Lang::En => "The workbook carries no template version (hidden _meta sheet); it may not have been filled from the official template. Use a template made by crmsheet generate.".to_string(),
    };
    place.finding(Code::TemplateUnknown, None, message, None)
}
