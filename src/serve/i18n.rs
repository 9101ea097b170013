//! Every word the desk's pages say, in zh and en. Pages pick one [`Text`] by the
//! page's language; numbers are put in by the small functions below, never by
//! building HTML.

use crate::lang::Lang;

/// The fixed texts of the desk in one language.
pub struct Text {
    pub lang: Lang,
    /// `lang` attribute of the page.
    pub html_lang: &'static str,
    pub desk: &'static str,
    pub nav_check: &'static str,
    /// The language switch: the other language's name, its code and `lang`.
    pub switch_label: &'static str,
    pub switch_to: &'static str,
    pub switch_html_lang: &'static str,
    pub switch_title: &'static str,

    pub check_title: &'static str,
    pub check_intro: &'static str,
    pub check_kept: &'static str,
    pub choose: &'static str,
    pub drop: &'static str,
    pub submit: &'static str,
    pub uploading: &'static str,
    pub checking: &'static str,
    pub no_files: &'static str,

    pub result_title: &'static str,
    pub verdict_ok: &'static str,
    pub verdict_warn: &'static str,
    pub verdict_fix: &'static str,
    pub verdict_unreadable: &'static str,
    pub col_cell: &'static str,
    pub col_severity: &'static str,
    pub col_field: &'static str,
    pub col_message: &'static str,
    pub col_hint: &'static str,
    pub col_value: &'static str,
    pub whole_file: &'static str,
    pub no_problems: &'static str,
    pub rows_title: &'static str,
    pub rows_help: &'static str,
    pub row_header: &'static str,
    pub download: &'static str,
    pub download_note: &'static str,
    pub download_none: &'static str,
    pub another: &'static str,

    pub forbidden_title: &'static str,
    pub forbidden_body: &'static str,
    pub too_large_title: &'static str,
    pub busy_title: &'static str,
    pub busy_body: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub expired_body: &'static str,
    pub failed_title: &'static str,
    pub failed_body: &'static str,
    pub timeout_body: &'static str,
    pub back_to_check: &'static str,

    pub login_title: &'static str,
    pub login_body: &'static str,
    pub login_token: &'static str,
    pub login_submit: &'static str,
    pub login_bad: &'static str,
    pub home_title: &'static str,
    pub home_body: &'static str,
    pub logout: &'static str,
}

const ZH: Text = Text {
    lang: Lang::Zh,
    html_lang: "zh-CN",
    desk: "客户登记台",
    nav_check: "提交前自查",
    switch_label: "English",
    switch_to: "en",
    switch_html_lang: "en",
    switch_title: "Switch to English",

    check_title: "提交前自查",
    check_intro: "选择一个或多个填好的工作簿或 CSV（xlsx、xlsm、xls、xlsb、ods、csv），查看每个问题所在的单元格，以及怎么改。几个文件会像一起提交那样一起检查。",
    check_kept: "文件只在内存中检查，不会保存；批注副本在内存中保留 15 分钟，之后删除。",
    choose: "选择文件",
    drop: "或把文件拖到这里",
    submit: "检查",
    uploading: "正在上传",
    checking: "正在检查…",
    no_files: "请先选择至少一个文件。",

    result_title: "检查结果",
    verdict_ok: "可以提交：没有发现问题。",
    verdict_warn: "可以提交：没有错误，但请看看下面的警告。",
    verdict_fix: "需要修改：请改正下面的错误后再提交。",
    verdict_unreadable: "有文件无法读取：请按下面的说明重新保存后再检查。",
    col_cell: "单元格",
    col_severity: "级别",
    col_field: "字段",
    col_message: "问题",
    col_hint: "提示",
    col_value: "值",
    whole_file: "整个文件",
    no_problems: "没有发现问题。",
    rows_title: "有问题的行",
    rows_help: "红色为错误，黄色为警告；把鼠标移到单元格上（或用 Tab 键选中）可看到问题。",
    row_header: "行",
    download: "下载批注副本",
    download_note: "副本中每个有问题的单元格都标了颜色和批注；链接 15 分钟内有效。",
    download_none: "这个文件太大，批注副本没有保存；请让管理员用 crmsheet validate --annotate 生成。",
    another: "检查其他文件",

    forbidden_title: "请求被拒绝",
    forbidden_body: "这个请求不是从本页面发出的（或页面已过期），所以没有处理。请重新打开页面再试。",
    too_large_title: "文件太大",
    busy_title: "正在忙",
    busy_body: "登记台正在检查其他文件，请过几秒钟再试。",
    not_found_title: "找不到页面",
    not_found_body: "这个地址没有页面。",
    expired_body: "这个下载链接已失效（批注副本只保留 15 分钟）。请重新检查文件。",
    failed_title: "出错了",
    failed_body: "检查时出了内部错误，没有保存任何内容。请把文件交给管理员。",
    timeout_body: "请求用时太长，已停止。请重试，或分成几个文件检查。",
    back_to_check: "返回自查",

    login_title: "管理员登录",
    login_body: "管理页面需要登记台启动时打印的令牌（网址中 token= 后面的部分）。",
    login_token: "令牌",
    login_submit: "登录",
    login_bad: "令牌不正确。",
    home_title: "登记台",
    home_body: "已登录为管理员。",
    logout: "退出登录",
};

const EN: Text = Text {
    lang: Lang::En,
    html_lang: "en",
    desk: "Customer register desk",
    nav_check: "Self-check",
    switch_label: "中文",
    switch_to: "zh",
    switch_html_lang: "zh-CN",
    switch_title: "切换到中文",

    check_title: "Check before you send",
    check_intro: "Choose one or more filled workbooks or CSV files (xlsx, xlsm, xls, xlsb, ods, csv) to see every problem at its cell and how to fix it. Several files are checked together, as if sent together.",
    check_kept: "Files are checked in memory and never saved; the annotated copy is kept in memory for 15 minutes, then forgotten.",
    choose: "Choose files",
    drop: "or drop them here",
    submit: "Check",
    uploading: "Uploading",
    checking: "Checking…",
    no_files: "Choose at least one file first.",

    result_title: "Check result",
    verdict_ok: "Ready to send: no problems found.",
    verdict_warn: "Ready to send: no errors, but look at the warnings below.",
    verdict_fix: "Must be fixed: correct the errors below before sending.",
    verdict_unreadable: "A file could not be read: save it again as described below and check it again.",
    col_cell: "Cell",
    col_severity: "Severity",
    col_field: "Field",
    col_message: "Problem",
    col_hint: "Hint",
    col_value: "Value",
    whole_file: "Whole file",
    no_problems: "No problems found.",
    rows_title: "Rows with problems",
    rows_help: "Red is an error, amber a warning; hover over a cell (or reach it with Tab) to read its problem.",
    row_header: "Row",
    download: "Download the annotated copy",
    download_note: "Every problem cell in the copy is coloured and carries a note; the link works for 15 minutes.",
    download_none: "This file is too large for the copy to be kept; ask the admin to run crmsheet validate --annotate.",
    another: "Check another file",

    forbidden_title: "Request refused",
    forbidden_body: "This request did not come from this page (or the page is too old), so nothing was done. Open the page again and retry.",
    too_large_title: "File too large",
    busy_title: "Busy",
    busy_body: "The desk is checking other files; try again in a few seconds.",
    not_found_title: "Page not found",
    not_found_body: "There is no page at this address.",
    expired_body: "This download link has expired (annotated copies are kept for 15 minutes). Check the file again.",
    failed_title: "Something went wrong",
    failed_body: "An internal error stopped the check; nothing was kept. Please give the file to the admin.",
    timeout_body: "The request took too long and was stopped. Try again, or check fewer files at once.",
    back_to_check: "Back to the self-check",

    login_title: "Admin sign-in",
    login_body: "The admin pages need the token the desk printed when it started (the part after token= in its address).",
    login_token: "Token",
    login_submit: "Sign in",
    login_bad: "That token is not right.",
    home_title: "Desk",
    home_body: "Signed in as admin.",
    logout: "Sign out",
};

/// The texts of a language.
pub fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// The 413 page's sentence.
pub fn too_large(lang: Lang, file: Option<&str>, limit_mib: usize, request_mib: usize) -> String {
    match (lang, file) {
        (Lang::Zh, Some(name)) => format!(
            "「{name}」超过了每个文件 {limit_mib} MiB 的上限，没有检查。请删去不需要的工作表或图片后再试。"
        ),
        (Lang::Zh, None) => format!(
            "一次上传的文件合计超过了 {request_mib} MiB 的上限，没有检查。请分几次检查。"
        ),
        (Lang::En, Some(name)) => format!(
            "“{name}” is larger than the limit of {limit_mib} MiB a file, so it was not checked. Remove sheets or pictures it does not need and try again."
        ),
        (Lang::En, None) => format!(
            "The files together are larger than the limit of {request_mib} MiB an upload, so nothing was checked. Check them in several goes."
        ),
    }
}

/// "12 more rows with problems are not shown here".
pub fn more_rows(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Zh => format!("另有 {n} 行有问题，未在此显示；请看上面的列表或批注副本。"),
        Lang::En => format!(
            "{n} more {} with problems not shown here; see the list above or the annotated copy.",
            if n == 1 { "row" } else { "rows" }
        ),
    }
}

/// The note that takes the place of `unknown-customer` when no register was
/// among the files: the self-check never reads the register.
pub fn ids_unchecked(lang: Lang, sheet: &str, cell: &str) -> String {
    match lang {
        Lang::Zh => format!(
            "{sheet}的客户ID（从 {cell} 起）在这里无法核对：自查不读取客户总表。管理员合并前会在收件箱中把它们与客户总表核对。"
        ),
        Lang::En => format!(
            "The customer IDs on {sheet} (from {cell} on) cannot be checked here: the self-check does not read the register. The admin checks them against the register in the inbox before merging."
        ),
    }
}

/// The fixed texts of the admin pages (at a glance, review, inbox, register).
pub struct AdminText {
    pub nav_home: &'static str,
    pub nav_review: &'static str,
    pub nav_inbox: &'static str,
    pub nav_register: &'static str,
    pub no_register: &'static str,
    pub no_inbox: &'static str,

    pub glance_customers: &'static str,
    pub glance_pending: &'static str,
    pub glance_overdue: &'static str,
    pub glance_stale: &'static str,
    pub glance_inbox: &'static str,
    pub glance_log: &'static str,
    pub glance_none: &'static str,

    pub review_title: &'static str,
    pub review_intro: &'static str,
    pub review_empty: &'static str,
    pub col_row: &'static str,
    pub col_date: &'static str,
    pub col_salesperson: &'static str,
    pub col_customer: &'static str,
    pub col_values: &'static str,
    pub col_findings: &'static str,
    pub col_decide: &'static str,
    pub select: &'static str,
    pub entry: &'static str,
    pub update: &'static str,
    pub overdue: &'static str,
    pub approve: &'static str,
    pub approve_selected: &'static str,
    pub reject_selected: &'static str,
    pub reason: &'static str,
    pub reason_help: &'static str,
    pub reviewer: &'static str,
    pub reviewer_help: &'static str,
    pub cannot_approve: &'static str,
    pub need_rows: &'static str,
    pub need_reason: &'static str,
    pub need_reviewer: &'static str,
    pub decided_title: &'static str,
    pub refused_title: &'static str,
    pub register_errors: &'static str,

    pub inbox_title: &'static str,
    pub inbox_intro: &'static str,
    pub inbox_empty: &'static str,
    pub col_file: &'static str,
    pub col_saved: &'static str,
    pub col_entries: &'static str,
    pub col_updates: &'static str,
    pub col_errors: &'static str,
    pub col_warnings: &'static str,
    pub col_status: &'static str,
    pub status_new: &'static str,
    pub status_merged: &'static str,
    pub status_errors: &'static str,
    pub status_unreadable: &'static str,
    pub report: &'static str,
    pub annotated: &'static str,
    pub merge_one: &'static str,
    pub merge_all: &'static str,
    pub merged_title: &'static str,
    pub merge_refused: &'static str,
    pub nothing_to_merge: &'static str,

    pub register_title: &'static str,
    pub stale_title: &'static str,
    pub stale_none: &'static str,
    pub download_register: &'static str,
    pub chart_empty: &'static str,
}

const ADMIN_ZH: AdminText = AdminText {
    nav_home: "概览",
    nav_review: "审核",
    nav_inbox: "收件箱",
    nav_register: "登记册",
    no_register: "登记台只提供提交前自查：启动时没有给出客户总表。要使用审核、收件箱和登记册页面，请这样启动：crmsheet serve --register 客户总表.xlsx --inbox 收件箱文件夹",
    no_inbox: "启动时没有给出收件箱文件夹（--inbox 文件夹）。",

    glance_customers: "客户（已通过）",
    glance_pending: "待审核",
    glance_overdue: "超时未审核（最早的在前）",
    glance_stale: "长期未联系的客户",
    glance_inbox: "收件箱中尚未合并的文件",
    glance_log: "最近的操作日志",
    glance_none: "没有。",

    review_title: "审核",
    review_intro: "客户总表中所有待审核的录入和更新，最早的在前。有错误的行不能通过；驳回必须填写原因。",
    review_empty: "没有待审核的行。",
    col_row: "行",
    col_date: "日期",
    col_salesperson: "销售人员",
    col_customer: "客户",
    col_values: "内容",
    col_findings: "问题",
    col_decide: "操作",
    select: "选择",
    entry: "录入",
    update: "更新",
    overdue: "超时",
    approve: "通过",
    approve_selected: "通过所选",
    reject_selected: "驳回所选",
    reason: "驳回原因",
    reason_help: "驳回时必填，写入操作日志。",
    reviewer: "审核人",
    reviewer_help: "本次登录只需填写一次。",
    cannot_approve: "不能通过：",
    need_rows: "请先选择至少一行。",
    need_reason: "驳回必须填写原因。",
    need_reviewer: "请填写审核人姓名。",
    decided_title: "已完成",
    refused_title: "没有写入",
    register_errors: "客户总表中有错误，须先修正：",

    inbox_title: "收件箱",
    inbox_intro: "收件箱文件夹中的工作簿（只读取，不会修改）。是否已在总表中由文件和总表的当前内容算出，不另作记录：合并是幂等的。",
    inbox_empty: "收件箱中没有工作簿。",
    col_file: "文件",
    col_saved: "保存时间",
    col_entries: "新录入",
    col_updates: "更新",
    col_errors: "错误",
    col_warnings: "警告",
    col_status: "状态",
    status_new: "待合并",
    status_merged: "已在总表中",
    status_errors: "有错误，不能合并",
    status_unreadable: "无法读取",
    report: "检查结果",
    annotated: "批注副本",
    merge_one: "合并",
    merge_all: "合并所有没有错误的文件",
    merged_title: "已合并",
    merge_refused: "合并被拒绝，没有写入：",
    nothing_to_merge: "没有可合并的文件。",

    register_title: "登记册",
    stale_title: "长期未联系的客户",
    stale_none: "没有长期未联系的客户。",
    download_register: "下载客户总表",
    chart_empty: "暂无数据。",
};

const ADMIN_EN: AdminText = AdminText {
    nav_home: "At a glance",
    nav_review: "Review",
    nav_inbox: "Inbox",
    nav_register: "Register",
    no_register: "This desk offers the self-check only: it was started without a register. To review, merge the inbox and see the register, start it as: crmsheet serve --register register.xlsx --inbox INBOX-FOLDER",
    no_inbox: "The desk was started without an inbox folder (--inbox FOLDER).",

    glance_customers: "Customers (approved)",
    glance_pending: "Pending reviews",
    glance_overdue: "Overdue reviews (oldest first)",
    glance_stale: "Stale customers",
    glance_inbox: "Inbox files not yet merged",
    glance_log: "Latest change-log entries",
    glance_none: "None.",

    review_title: "Review",
    review_intro: "Every pending entry and update of the register, oldest first. A row with an error cannot be approved; a rejection needs a reason.",
    review_empty: "Nothing is pending review.",
    col_row: "Row",
    col_date: "Date",
    col_salesperson: "Salesperson",
    col_customer: "Customer",
    col_values: "Values",
    col_findings: "Findings",
    col_decide: "Decide",
    select: "Select",
    entry: "entry",
    update: "update",
    overdue: "overdue",
    approve: "Approve",
    approve_selected: "Approve selected",
    reject_selected: "Reject selected",
    reason: "Reason for rejecting",
    reason_help: "Required to reject; written to the change log.",
    reviewer: "Reviewer",
    reviewer_help: "Asked once per sign-in.",
    cannot_approve: "Cannot be approved: ",
    need_rows: "Select at least one row first.",
    need_reason: "A rejection needs a reason.",
    need_reviewer: "Enter the reviewer's name.",
    decided_title: "Done",
    refused_title: "Nothing was written",
    register_errors: "The register has errors to fix first:",

    inbox_title: "Inbox",
    inbox_intro: "The workbooks in the inbox folder (only read, never changed). Whether each is already in the register is worked out from the file and the register as they are now, never recorded: merging is idempotent.",
    inbox_empty: "There are no workbooks in the inbox.",
    col_file: "File",
    col_saved: "Saved",
    col_entries: "New entries",
    col_updates: "Updates",
    col_errors: "Errors",
    col_warnings: "Warnings",
    col_status: "Status",
    status_new: "to merge",
    status_merged: "already in the register",
    status_errors: "has errors, cannot be merged",
    status_unreadable: "cannot be read",
    report: "Report",
    annotated: "Annotated copy",
    merge_one: "Merge",
    merge_all: "Merge all files without errors",
    merged_title: "Merged",
    merge_refused: "The merge was refused, nothing was written:",
    nothing_to_merge: "There is no file to merge.",

    register_title: "Register",
    stale_title: "Stale customers",
    stale_none: "No customer is stale.",
    download_register: "Download the register",
    chart_empty: "No data yet.",
};

/// The admin pages' texts of a language.
pub fn admin(lang: Lang) -> &'static AdminText {
    match lang {
        Lang::Zh => &ADMIN_ZH,
        Lang::En => &ADMIN_EN,
    }
}

/// "12 days" (a pending row's age).
pub fn age(lang: Lang, days: i64) -> String {
    match lang {
        Lang::Zh => format!("{days} 天"),
        Lang::En => format!("{days} {}", if days == 1 { "day" } else { "days" }),
    }
}

/// "3 already in the register" (an inbox file's entries seen again).
pub fn seen_again(lang: Lang, n: u64) -> String {
    match lang {
        Lang::Zh => format!("{n} 行已在总表中"),
        Lang::En => format!("{n} already in the register"),
    }
}
