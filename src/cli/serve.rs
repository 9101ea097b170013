//! `crmsheet serve`: the team's desk in a browser. This file only reads the
//! options, prints the address and runs the desk of [`crate::serve`].

use crate::lang::Lang;
use crate::serve::{self, Config, Desk, Files, Limits};
use crate::template::Template;
use crate::Outcome;
use anyhow::{bail, Context, Result};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on; other than loopback only with --token-file
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// File holding the admin token (a stable secret for a desk on a server)
    /// [default: a new random token each start]
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// Language of the pages until a browser picks one
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
    /// Open the desk in the default browser
    #[arg(long)]
    pub open: bool,
    /// The master register (an xlsx written by merge; created by the first
    /// merge when missing) [default: none, self-check only]
    #[arg(long, value_name = "PATH")]
    pub register: Option<PathBuf>,
    /// Folder where staff save their workbooks (only read)
    #[arg(long, value_name = "DIR", requires = "register")]
    pub inbox: Option<PathBuf>,
    /// Reviewer written for every decision [default: asked once a session]
    #[arg(long, value_name = "NAME")]
    pub reviewer: Option<String>,
}

/// The shortest admin token a token file may hold.
const MIN_TOKEN: usize = 16;

/// Runs the desk until Ctrl-C.
///
/// # Errors
/// Listening on a non-loopback address without a token file, an unreadable
/// or too short token file, an address already in use.
pub fn run(args: Args, template: Template) -> Result<Outcome> {
    if !args.listen.ip().is_loopback() && args.token_file.is_none() {
        bail!(
            "--listen {}: not a loopback address; give --token-file so that only those with the token can use the admin pages",
            args.listen
        );
    }
    let admin_token = match &args.token_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("--token-file {}", path.display()))?;
            let token = text.trim().to_string();
            if token.chars().count() < MIN_TOKEN || token.chars().any(char::is_whitespace) {
                bail!(
                    "--token-file {}: the token must be one word of at least {MIN_TOKEN} characters",
                    path.display()
                );
            }
            token
        }
        None => serve::random_token(),
    };
    if let Some(inbox) = &args.inbox {
        if !inbox.is_dir() {
            bail!("--inbox {}: not a folder", inbox.display());
        }
    }
    if let Some(register) = &args.register {
        if register.is_dir() {
            bail!(
                "--register {}: a folder, not a register file",
                register.display()
            );
        }
    }
    let reviewer = args
        .reviewer
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let files = Files {
        register: args.register.clone(),
        inbox: args.inbox.clone(),
        reviewer,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the desk's runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("--listen {}", args.listen))?;
        let addr = listener.local_addr()?;
        let url = format!(
            "http://{addr}/?token={}",
            serve::percent_encode(&admin_token)
        );
        println!("{url}");
        let _ = std::io::stdout().flush();
        if args.open && !open_browser(&url) {
            // The address above is the way in; the desk keeps serving.
            eprintln!(
                "crmsheet: {}",
                args.lang.pick(
                    "无法打开浏览器；请把上面的地址复制到浏览器中打开",
                    "cannot open a browser; copy the address above into one"
                )
            );
        }
        let desk = Desk::with_files(
            Config {
                template,
                lang: args.lang,
                admin_token,
                limits: Limits::default(),
                as_of: None,
            },
            files,
        );
        serve::serve(listener, desk, stop_signal())
            .await
            .context("the desk stopped")
    })?;
    Ok(Outcome::Clean)
}

/// Ctrl-C, or (on Unix) the `SIGTERM` a service manager stops the desk with.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Opens the URL in the default browser; whether a browser opener could be
/// started.
fn open_browser(url: &str) -> bool {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}
