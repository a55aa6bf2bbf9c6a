//! Runs a command and renders its result: the only place that prints. One file per group
//! of commands; shared helpers (the output stream, tables, plurals) live here.

mod baseline_diff;
mod budget;
mod check_list;
mod ci;
mod drill;
mod export;
mod history;
mod import;
mod manifest;
pub mod manpages;
mod setup;
mod site;

pub use baseline_diff::{baseline, diff};
pub use check_list::{check, list};
pub use drill::drill;
pub use export::export;
pub use history::{review, tags};
pub use import::import;
pub use manifest::manifest;
pub use setup::{init, new};
pub use site::publish;

use std::error::Error as _;
use std::io::{self, Write};

use anstyle::{AnsiColor, Effects, Style};

use backout::diag::escape::inline;
use backout::{Error, Result};

/// Standard output, coloured or not as the user and the terminal want.
pub struct Output {
    quiet: bool,
    verbose: bool,
}

impl Output {
    pub fn new(quiet: bool) -> Self {
        Output {
            quiet,
            verbose: false,
        }
    }

    /// With `-v`: say more.
    pub fn verbose(mut self, verbose: bool) -> Self {
        self.verbose = verbose;
        self
    }

    /// Prints text; a closed pipe (`backout list | head`) is not an error.
    pub fn print(&self, text: &str) -> Result<()> {
        self.write_bytes(text.as_bytes())
    }

    pub fn write_bytes(&self, bytes: &[u8]) -> Result<()> {
        let mut stdout = anstream::stdout().lock();
        match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
            Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
                Err(Error::io("write", "standard output", error))
            }
            _ => Ok(()),
        }
    }

    /// Prints a hint or summary line, unless quiet.
    pub fn note(&self, text: &str) -> Result<()> {
        if self.quiet {
            return Ok(());
        }
        self.print(text)
    }
}

/// Prints an error and its causes to standard error. Messages quote values from files
/// and arguments: each sentence is one line, its hazards (line breaks, escape sequences,
/// bidirectional controls) shown as escapes.
pub fn error(error: &Error) {
    let style = AnsiColor::Red.on_default().effects(Effects::BOLD);
    let mut stderr = anstream::stderr().lock();
    for (i, sentence) in error.sentences().iter().enumerate() {
        let sentence = inline(sentence);
        if i == 0 {
            let _ = writeln!(stderr, "{style}error{style:#}: {sentence}");
        } else {
            let _ = writeln!(stderr, "{sentence}");
        }
    }
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = writeln!(stderr, "  caused by: {}", inline(&cause.to_string()));
        source = cause.source();
    }
}

fn bold(text: &str) -> String {
    let style = Style::new().effects(Effects::BOLD);
    format!("{style}{text}{style:#}")
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// How many terminal columns `text` takes: CJK and emoji take two.
fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// `text` padded with spaces to `width` terminal columns.
fn pad(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(display_width(text));
    format!("{text}{}", " ".repeat(fill))
}

/// Left-aligned columns separated by two spaces; the header in bold. Columns are measured
/// in terminal columns, so names in CJK scripts line up. Cells hold names and messages
/// from the repository: their hazards are shown as escapes.
fn render_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let rows: Vec<[String; N]> = rows
        .iter()
        .map(|row| row.clone().map(|cell| inline(&cell).into_owned()))
        .collect();
    let rows = rows.as_slice();
    let mut widths = header.map(display_width);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(display_width(cell));
        }
    }
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == N {
                text.push_str(cell);
            } else {
                text.push_str(&pad(cell, width));
                text.push_str("  ");
            }
        }
        text.trim_end().to_string() + "\n"
    };
    let mut out = bold(line(header.to_vec()).trim_end()) + "\n";
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// The script that registers backout's dynamic completions with `shell`: it calls
/// `COMPLETE=<shell> backout -- ...` as the user types.
pub fn completion_script(shell: clap_complete::Shell) -> Result<Vec<u8>> {
    let name = match shell {
        clap_complete::Shell::Bash => "bash",
        clap_complete::Shell::Elvish => "elvish",
        clap_complete::Shell::Fish => "fish",
        clap_complete::Shell::PowerShell => "powershell",
        clap_complete::Shell::Zsh => "zsh",
        _ => return Err(Error::msg(format!("no completion script for {shell}"))),
    };
    let shells = clap_complete::env::Shells::builtins();
    let completer = shells
        .completer(name)
        .ok_or_else(|| Error::msg(format!("no completion script for {name}")))?;
    let mut buffer = Vec::new();
    completer
        .write_registration("COMPLETE", "backout", "backout", "backout", &mut buffer)
        .map_err(|e| Error::io("write", "the completion script", e))?;
    Ok(buffer)
}

/// Prints a warning line on standard error (something went wrong beside the result).
fn warning(text: &str) {
    let style = AnsiColor::Yellow.on_default().effects(Effects::BOLD);
    let mut stderr = anstream::stderr().lock();
    let _ = writeln!(stderr, "{style}warning{style:#}: {}", inline(text));
}

/// Says which temporary files of an interrupted backout a write removed.
fn cleaned(out: &Output, files: &[String]) -> Result<()> {
    for file in files {
        out.note(&format!(
            "note: removed {}, a temporary file left by a backout that was interrupted\n",
            inline(file)
        ))?;
    }
    Ok(())
}

/// Prints why a command refused, as an error line on standard error.
fn refusal(text: &str) {
    let style = AnsiColor::Red.on_default().effects(Effects::BOLD);
    let mut stderr = anstream::stderr().lock();
    let _ = writeln!(stderr, "{style}error{style:#}: {}", inline(text));
}
