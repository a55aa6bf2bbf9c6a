//! The `backout` binary: parse arguments, call the library, render, exit.

mod cli;
mod completers;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use anstream::ColorChoice;
use clap::{CommandFactory, Parser};

use backout::Error;
use cli::{Cli, ColorWhen, Command};

fn main() -> ExitCode {
    // Shell completion calls back with COMPLETE=<shell>: answer and exit before anything else.
    clap_complete::CompleteEnv::with_factory(Cli::command).complete();
    let cli = Cli::parse();
    // The process ends when the command returns: big values are left to the exit.
    backout::teardown::leak_at_exit();
    if cli.no_cache {
        backout::cache::disable();
    }
    match cli.color {
        ColorWhen::Always => ColorChoice::Always.write_global(),
        ColorWhen::Never => ColorChoice::Never.write_global(),
        ColorWhen::Auto => {}
    }
    match run(&cli) {
        Ok(code) => code,
        Err(error) => {
            output::error(&error);
            ExitCode::from(2)
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode, Error> {
    let dir = start_dir(cli)?;
    let out = output::Output::new(cli.quiet).verbose(cli.verbose);
    match &cli.command {
        Command::Init(args) => output::init(&out, &dir, args),
        Command::New(args) => output::new(&out, &dir, args),
        Command::Check(args) => output::check(&out, &dir, args),
        Command::List(args) => output::list(&out, &dir, args),
        Command::Tags(args) => output::tags(&out, &dir, args),
        Command::Review(args) => output::review(&out, &dir, args),

        Command::Baseline(args) => output::baseline(&out, &dir, args),
        Command::Diff(args) => output::diff(&out, &dir, args),
        Command::Publish(args) => output::publish(&out, &dir, args),
        Command::Import(args) => output::import(&out, &dir, args),
        Command::Drill(args) => output::drill(&out, &dir, args),
        Command::Manifest(args) => output::manifest(&out, &dir, args),
        Command::Export(args) => output::export(&out, &dir, args),
        Command::Schema(args) => {
            out.print(&args.file.render())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions(args) => {
            out.write_bytes(&output::completion_script(args.shell)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man(args) => {
            output::manpages::man(&out, Cli::command(), args.dir.as_deref(), args.force)
        }
    }
}

/// The directory to work in: `-C DIR` (relative to the current one) or the current one.
fn start_dir(cli: &Cli) -> Result<PathBuf, Error> {
    let current =
        std::env::current_dir().map_err(|e| Error::io("read", "the current directory", e))?;
    let dir = cli
        .dir
        .iter()
        .filter(|dir| !dir.is_empty())
        .fold(current, |dir, next| dir.join(next));

    if dir.exists() && !dir.is_dir() {
        return Err(Error::msg(format!(
            "-C {}: a file, not a directory; pass the directory it is in",
            dir.display()
        )));
    }
    if !dir.is_dir() {
        return Err(Error::msg(format!(
            "-C {}: no such directory; pass an existing directory",
            dir.display()
        )));
    }
    Ok(dir)
}
