//! The man page: clap_mangen's sections, with the commands listed as `backout check` rather
//! than as `backout-check(1)` pages, which are not installed.

use clap::Command;
use roff::{Roff, bold, roman};

use backout::{Error, Result};

/// The man page of `command` (the whole CLI), as roff.
pub fn page(command: Command) -> Result<Vec<u8>> {
    let man = clap_mangen::Man::new(command.clone());
    let mut buffer = Vec::new();
    let failed = |e| Error::io("render", "the man page", e);
    man.render_title(&mut buffer).map_err(failed)?;
    man.render_name_section(&mut buffer).map_err(failed)?;
    man.render_synopsis_section(&mut buffer).map_err(failed)?;
    man.render_description_section(&mut buffer)
        .map_err(failed)?;
    man.render_options_section(&mut buffer).map_err(failed)?;
    let mut roff = Roff::new();
    roff.control("SH", ["COMMANDS"]);
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        roff.control("TP", []);
        roff.text([bold(format!("{} {}", command.get_name(), sub.get_name()))]);
        if let Some(about) = sub.get_about() {
            roff.text([roman(about.to_string())]);
        }
    }
    roff.control("PP", []);
    roff.text([roman(format!(
        "Run `{} help COMMAND` or `{} COMMAND --help` for a command's flags.",
        command.get_name(),
        command.get_name()
    ))]);
    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman(format!(
        "The documentation: {}",
        backout::links::docs("")
    ))]);
    roff.to_writer(&mut buffer).map_err(failed)?;
    man.render_extra_section(&mut buffer).map_err(failed)?;
    man.render_version_section(&mut buffer).map_err(failed)?;
    Ok(buffer)
}
