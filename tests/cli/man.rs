//! `backout man`: backout(1) on standard output, or with --dir every page, one per command,
//! each with options, exit status, examples and a way back to backout(1).

use std::collections::BTreeSet;
use std::fs;
use std::process::Command;

use crate::harness::TestRepo;

/// The commands `backout --help` lists.
fn commands(repo: &TestRepo) -> BTreeSet<String> {
    let help = repo.run(&["--help"]).stdout;
    help.split("Commands:\n")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .take_while(|line| line.starts_with("  "))
        // A command's line; wrapped descriptions are indented further.
        .filter(|line| !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn man_dir_writes_a_page_for_every_command() {
    let repo = TestRepo::new();
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = out.path().join("man1");
    let dir_text = dir.to_string_lossy().into_owned();
    repo.run(&["man", "--dir", &dir_text])
        .code(0)
        .stdout_has("wrote ");

    let commands = commands(&repo);
    assert!(
        commands.contains("check") && commands.contains("schema"),
        "{commands:?}"
    );
    let mut expected: BTreeSet<String> =
        commands.iter().map(|c| format!("backout-{c}.1")).collect();
    expected.insert("backout.1".into());
    let written: BTreeSet<String> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, expected);

    let main = fs::read_to_string(dir.join("backout.1")).unwrap_or_else(|e| panic!("{e}"));
    for section in [
        "NAME",
        "SYNOPSIS",
        "OPTIONS",
        "COMMANDS",
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
        "EXAMPLES",
        "SEE ALSO",
    ] {
        assert!(
            main.contains(&format!(".SH {section}"))
                || main.contains(&format!(".SH \"{section}\"")),
            "backout.1 lacks {section}"
        );
    }
    for command in &commands {
        // backout(1) names each page, and the page is there.
        assert!(
            main.contains(&format!("\\fBbackout\\-{command}\\fR(1)")),
            "backout.1 does not name backout-{command}(1)"
        );
        let page = fs::read_to_string(dir.join(format!("backout-{command}.1")))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            page.starts_with(".ie \\n(.g .ds Aq \\(aq") || page.contains(".TH backout\\-"),
            "{command}: no title"
        );
        for section in [
            "NAME",
            "SYNOPSIS",
            "OPTIONS",
            "EXIT STATUS",
            "EXAMPLES",
            "SEE ALSO",
        ] {
            assert!(
                page.contains(&format!(".SH {section}"))
                    || page.contains(&format!(".SH \"{section}\"")),
                "backout-{command}.1 lacks {section}"
            );
        }
        assert!(
            page.contains("\\fBbackout\\fR(1)"),
            "backout-{command}.1 does not point back"
        );
    }
    let check = fs::read_to_string(dir.join("backout-check.1")).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        check.contains("\\-\\-deny\\-warnings"),
        "options are documented"
    );
    assert!(check.contains("GITHUB_STEP_SUMMARY"));

    // Pages are not overwritten without --force.
    repo.run(&["man", "--dir", &dir_text])
        .code(2)
        .stderr_has("already exists; pass --force to overwrite it");
    repo.run(&["man", "--dir", &dir_text, "--force"]).code(0);

    // groff, where installed, reads every page without a warning.
    if Command::new("groff").arg("--version").output().is_ok() {
        for name in &written {
            let run = Command::new("groff")
                .args(["-man", "-z", "-ww"])
                .arg(dir.join(name))
                .output()
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(
                run.status.success() && run.stderr.is_empty(),
                "{name}: {}",
                String::from_utf8_lossy(&run.stderr)
            );
        }
    }
}

#[test]
fn the_single_page_names_no_pages_that_are_not_installed() {
    let repo = TestRepo::new();
    let run = repo.run(&["man"]);
    run.code(0)
        .stdout_has(".TH backout")
        .stdout_has("\\fBbackout check\\fR");
    assert!(!run.stdout.contains("backout\\-check"), "{}", run.stdout);
    assert!(run.stdout.contains("man \\-\\-dir DIR") || run.stdout.contains("man --dir DIR"));
}

/// A page's section `name`, as the text between its `.SH` line and the next one.
fn section<'a>(page: &'a str, name: &str) -> &'a str {
    let start = page
        .find(&format!(".SH {name}\n"))
        .or_else(|| page.find(&format!(".SH \"{name}\"\n")))
        .unwrap_or_else(|| panic!("no {name} section in\n{page}"));
    let rest = &page[start + 4..];
    &rest[..rest.find("\n.SH ").unwrap_or(rest.len())]
}

/// Each page says when its command exits 1 and which variables it reads, as the command
/// does: drill exits 1 for a step not done, export when it refuses; tags writes a job
/// summary; drill reads the clock from SOURCE_DATE_EPOCH, like publish.
#[test]
fn each_page_says_what_its_command_exits_with_and_reads() {
    let repo = TestRepo::new();
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir_text = out.path().to_string_lossy().into_owned();
    repo.run(&["man", "--dir", &dir_text]).code(0);
    let page = |command: &str| {
        fs::read_to_string(out.path().join(format!("backout-{command}.1")))
            .unwrap_or_else(|e| panic!("{command}: {e}"))
    };

    // Every command that exits 1 says why on its page.
    for command in [
        "check", "list", "review", "tags", "publish", "drill", "export",
    ] {
        let exit = section(&page(command), "EXIT STATUS").to_string();
        assert!(
            !exit.contains("not used by this command"),
            "backout-{command}.1 says it never exits 1:\n{exit}"
        );
    }
    assert!(section(&page("drill"), "EXIT STATUS").contains("skipped"));
    assert!(section(&page("export"), "EXIT STATUS").contains("\\-\\-allow\\-errors"));
    for command in ["import", "new", "init", "schema"] {
        assert!(section(&page(command), "EXIT STATUS").contains("not used by this command"));
    }

    // The variables a command reads are on its page, and on backout(1) with that command.
    for (command, variable) in [
        ("check", "GITHUB_STEP_SUMMARY"),
        ("review", "GITHUB_STEP_SUMMARY"),
        ("tags", "GITHUB_STEP_SUMMARY"),
        ("publish", "SOURCE_DATE_EPOCH"),
        ("drill", "SOURCE_DATE_EPOCH"),
        ("check", "BACKOUT_NO_CACHE"),
        ("publish", "XDG_CACHE_HOME"),
    ] {
        let environment = section(&page(command), "ENVIRONMENT").to_string();
        assert!(
            environment.contains(variable),
            "backout-{command}.1 lacks {variable}:\n{environment}"
        );
    }
    let main = fs::read_to_string(out.path().join("backout.1")).unwrap_or_else(|e| panic!("{e}"));
    let environment = section(&main, "ENVIRONMENT");
    let summary = environment
        .split(".TP\n")
        .find(|entry| entry.contains("GITHUB_STEP_SUMMARY"))
        .unwrap_or_default();
    assert!(summary.contains("tags"), "{summary}");
    let clock = environment
        .split(".TP\n")
        .find(|entry| entry.contains("SOURCE_DATE_EPOCH"))
        .unwrap_or_default();
    assert!(clock.contains("drill"), "{clock}");
}
