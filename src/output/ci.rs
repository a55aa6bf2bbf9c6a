//! Output for CI systems that is more than one text on standard output: GitHub Actions'
//! annotations with the notice about its display limit, and the job summary appended to
//! `$GITHUB_STEP_SUMMARY`.

use std::fs::OpenOptions;
use std::io::Write;

use backout::Result;
use backout::diag::{self, Finding, Tally};

use super::Output;

/// The environment variable GitHub Actions names the step's summary file in.
const STEP_SUMMARY: &str = "GITHUB_STEP_SUMMARY";

/// Prints `annotations` (workflow commands for `findings`, in the order GitHub should show
/// them), preceded by a notice when GitHub will not display them all, and appends a summary
/// headed `title` to the job summary when GitHub names one.
pub fn github(out: &Output, title: &str, findings: &[Finding], plans: usize) -> Result<()> {
    github_printing(
        out,
        Tally::of(findings),
        || diag::render_summary(title, findings, plans),
        |out| {
            // A block at a time: a hostile plan can hold a million findings.
            for block in findings.chunks(1024) {
                out.print(&diag::render_github(block))?;
            }
            Ok(())
        },
    )
}

/// Like `github`, for annotations counted in `tally` and a summary made by `summary`.
pub fn github_with(
    out: &Output,
    tally: Tally,
    summary: impl FnOnce() -> String,
    annotations: &str,
) -> Result<()> {
    github_printing(out, tally, summary, |out| out.print(annotations))
}

/// Appends the job summary, prints the overflow notice, then lets `annotations` print.
fn github_printing(
    out: &Output,
    tally: Tally,
    summary: impl FnOnce() -> String,
    annotations: impl FnOnce(&Output) -> Result<()>,
) -> Result<()> {
    let summary_file = std::env::var_os(STEP_SUMMARY).filter(|path| !path.is_empty());
    let summary_written = match &summary_file {
        Some(path) => {
            let summary = summary();
            let appended = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut file| file.write_all(format!("{summary}\n").as_bytes()));
            match appended {
                Ok(()) => true,
                Err(error) => {
                    super::warning(&format!(
                        "could not append the job summary to {} ({STEP_SUMMARY}): {error}",
                        std::path::Path::new(path).display()
                    ));
                    false
                }
            }
        }
        None => false,
    };
    if let Some(notice) = diag::overflow_notice_for(tally, summary_written) {
        out.print(&notice)?;
    }
    annotations(out)
}

/// The note that published plans were checked without the commit they were published from
/// (a shallow clone): a workflow warning in GitHub's format, else a warning on standard error.
pub fn unpinned_note(out: &Output, note: &str, github: bool) -> Result<()> {
    if github {
        out.print(&format!(
            "::warning title=published plans checked without their commit::{}\n",
            diag::escape_data(note)
        ))?;
    } else {
        let style = anstyle::AnsiColor::Yellow
            .on_default()
            .effects(anstyle::Effects::BOLD);
        let _ = writeln!(anstream::stderr(), "{style}warning{style:#}: {note}");
    }
    Ok(())
}
