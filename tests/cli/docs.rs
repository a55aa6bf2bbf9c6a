//! The docs keep up with the code: every rule has its entry.

use backout::diag::Rule;

#[test]
fn every_rule_is_documented() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md"))
        .unwrap_or_else(|e| panic!("docs/rules.md: {e}"));
    for rule in Rule::ALL {
        let heading = format!("\n## `{}`\n", rule.code());
        assert!(
            docs.contains(&heading),
            "docs/rules.md has no section {heading:?}"
        );
        let row = format!(
            "| [`{}`](#{}) | {} |",
            rule.code(),
            rule.code(),
            rule.severity()
        );
        assert!(docs.contains(&row), "docs/rules.md table lacks {row:?}");
    }
}

fn format_md() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/format.md"))
        .unwrap_or_else(|e| panic!("docs/format.md: {e}"))
}

#[test]
fn every_built_in_title_is_documented() {
    use backout::sections::{Kind, Language};
    let docs = format_md();
    for kind in Kind::ALL {
        for language in Language::ALL {
            let titles = std::iter::once(kind.title(language))
                .chain(kind.other_titles(language).iter().copied());
            for title in titles {
                assert!(
                    docs.contains(&format!("`{title}`")),
                    "docs/format.md does not list the {} title `{title}` of {kind}",
                    language.code()
                );
            }
            assert!(
                docs.contains(kind.question(language)),
                "{kind} question in {}",
                language.code()
            );
        }
    }
}

#[test]
fn the_config_example_parses() {
    let docs = format_md();
    let example = docs
        .split("## backout.toml\n\n```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap_or_else(|| panic!("no backout.toml example in docs/format.md"));
    let config = backout::config::Config::parse("backout.toml", example)
        .unwrap_or_else(|e| panic!("the example in docs/format.md: {e}"));
    assert_eq!(config.sections.added().len(), 3);
}

/// rules.md's entries are also each rule's help in SARIF (shown beside every code-scanning
/// alert): a paragraph of prose ends its sentence, so none is cut in two by a stray blank
/// line.
#[test]
fn every_paragraph_of_rules_md_ends_its_sentence() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md"))
        .unwrap_or_else(|e| panic!("docs/rules.md: {e}"));
    let mut in_fence = false;
    let mut paragraph: Vec<&str> = Vec::new();
    let mut paragraphs: Vec<String> = Vec::new();
    for line in docs.lines().chain(std::iter::once("")) {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            paragraph.clear();
            continue;
        }
        if in_fence {
            continue;
        }
        if line.trim().is_empty() {
            if !paragraph.is_empty() {
                paragraphs.push(paragraph.join("\n"));
                paragraph.clear();
            }
        } else {
            paragraph.push(line);
        }
    }
    for text in paragraphs {
        let prose = text.starts_with("**") || text.starts_with(|c: char| c.is_alphabetic());
        if !prose {
            continue;
        }
        assert!(
            text.ends_with(['.', ':', '?', '!', ')']),
            "docs/rules.md: this paragraph stops mid-sentence:\n{text}"
        );
    }
}

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .unwrap_or_else(|e| panic!("README.md: {e}"))
}

/// The README's table of commands has a row for every command `backout --help` lists.
#[test]
fn the_readme_names_every_command() {
    let repo = crate::harness::TestRepo::new();
    let help = repo.run(&["--help"]).stdout;
    let commands: Vec<&str> = help
        .split("Commands:\n")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .take_while(|line| line.starts_with("  "))
        .filter(|line| !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .collect();
    assert!(commands.contains(&"export"), "{help}");
    let readme = readme();
    let rows: Vec<&str> = readme
        .lines()
        .filter(|line| line.starts_with("| `"))
        .collect();
    for command in commands {
        assert!(
            rows.iter()
                .any(|row| row.starts_with(&format!("| `{command}"))
                    || row.contains(&format!(", `{command}"))),
            "README.md's table of commands has no row for `{command}`"
        );
    }
}

/// The README's Documentation list links every page of docs/.
#[test]
fn the_readme_links_every_page_of_the_docs() {
    let readme = readme();
    let list = readme
        .split("\n## Documentation\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap_or_else(|| panic!("README.md has no Documentation section"));
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/docs");
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir}: {e}")) {
        let name = entry
            .unwrap_or_else(|e| panic!("{e}"))
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".md") {
            assert!(
                list.contains(&format!("](docs/{name})")),
                "README.md's Documentation list does not link docs/{name}"
            );
        }
    }
}
