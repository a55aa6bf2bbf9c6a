//! `backout import`: a corpus of plans in the shapes teams write them (tests/import/), each
//! with where its sections must come from; and the command's refusals and exit codes.

use std::collections::BTreeMap;

use backout::sections::{Kind, Sections};

use crate::harness::{TestRepo, add_release, service};

/// Where a required section's answer must come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Answered, by the part of the source starting on this line.
    Line(usize),
    /// Asked on this line, but not answered.
    Unanswered(usize),
    /// Not in the source: added with its question.
    Missing,
}

use Expect::{Line, Missing, Unanswered};

struct Case {
    file: &'static str,
    /// criteria, decision, responsibilities, procedure, verification, communication,
    /// contingencies, testing.
    sections: [Expect; 8],
    steps: usize,
    window: Option<&'static str>,
    duration: Option<&'static str>,
    /// A title the plan must hold (German sources get German titles).
    title: &'static str,
}

const CORPUS: &[Case] = &[
    Case {
        // KEP production-readiness questionnaire: YAML front matter, `######` questions,
        // a task list, a prompt left in a comment.
        file: "kep-questionnaire.md",
        sections: [
            Line(30),
            Missing,
            Missing,
            Line(24),
            Missing,
            Missing,
            Line(46),
            Unanswered(51),
        ],
        steps: 4,
        window: Some("72h"),
        duration: Some("40m"),
        title: "## Decision\n",
    },
    Case {
        // ITIL change ticket in German: numbered titles, `Schritt N:` lines, a metadata table.
        file: "itil-change-de.md",
        sections: [
            Line(9),
            Line(14),
            Line(19),
            Line(24),
            Line(38),
            Unanswered(43),
            Line(47),
            Line(52),
        ],
        steps: 4,
        window: Some("48h"),
        duration: Some("40m"),
        title: "## 4. Rückfallverfahren\n",
    },
    Case {
        // Wiki export: bold questions with inline answers, no section headings.
        file: "wiki-bold-questions.md",
        sections: [
            Line(5),
            Line(8),
            Line(10),
            Line(13),
            Line(19),
            Unanswered(22),
            Line(25),
            Line(28),
        ],
        steps: 3,
        window: None,
        duration: Some("20m"),
        title: "## Contingencies\n\n**What if the rollback fails?**",
    },
    Case {
        // Runbook with TOML front matter and a table whose rows are the steps.
        file: "runbook-steps-table.md",
        sections: [
            Line(10),
            Line(15),
            Missing,
            Line(19),
            Line(30),
            Line(34),
            Line(39),
            Missing,
        ],
        steps: 4,
        window: Some("2d"),
        duration: Some("25m"),
        title: "1. Action: Freeze deploys — Command: `deployctl freeze checkout` — Owner: Release manager\n",
    },
    Case {
        // A plain-text e-mail: upper-case labels, `1)` lines.
        file: "plain-text-email.txt",
        sections: [
            Line(7),
            Line(11),
            Line(13),
            Line(15),
            Line(20),
            Line(22),
            Missing,
            Missing,
        ],
        steps: 3,
        window: None,
        duration: None,
        title: "## Procedure\n\nROLLBACK PROCEDURE\n",
    },
    Case {
        // Prose only: paragraphs, no headings or labels.
        file: "prose-only.md",
        sections: [
            Line(3),
            Line(7),
            Line(9),
            Line(12),
            Line(16),
            Missing,
            Missing,
            Missing,
        ],
        steps: 1,
        window: Some("72h"),
        duration: Some("45m"),
        title: "# Backout plan: payments v4.1\n",
    },
    Case {
        // German prose in a text file.
        file: "german-prose.txt",
        sections: [
            Line(3),
            Line(7),
            Missing,
            Line(9),
            Line(12),
            Line(14),
            Missing,
            Missing,
        ],
        steps: 1,
        window: Some("24h"),
        duration: Some("30m"),
        title: "## Notfallmaßnahmen\n\n<!-- Welche weiteren",
    },
    Case {
        // A checklist: task lists, question headings under `## Backout`, a heading hidden
        // in a comment, a prompt left in a comment.
        file: "task-list-checklist.md",
        sections: [
            Line(16),
            Unanswered(21),
            Missing,
            Line(25),
            Line(32),
            Line(42),
            Missing,
            Missing,
        ],
        steps: 4,
        window: Some("24h"),
        duration: None,
        title: "## Criteria\n\n### When do we back out?\n",
    },
    Case {
        // German, setext headings, numbered titles, `#### Schritt N:` step headings.
        file: "numbered-sections-de.md",
        sections: [
            Line(11),
            Line(16),
            Line(20),
            Line(24),
            Line(44),
            Line(49),
            Line(54),
            Unanswered(59),
        ],
        steps: 3,
        window: None,
        duration: None,
        title: "## Verantwortlichkeiten\n\n### 1.3 Wer führt den Rollback durch, und wie schnell?\n",
    },
    Case {
        // Question headings in the team's words and `**Step N:**` paragraphs.
        file: "step-paragraphs.md",
        sections: [
            Line(3),
            Line(8),
            Line(12),
            Line(16),
            Line(29),
            Line(37),
            Line(33),
            Line(41),
        ],
        steps: 3,
        window: None,
        duration: None,
        title: "- **Step 2:** Wait for the connection draining to finish (watch\n",
    },
    Case {
        // Sections as level-1 headings, emphasis in a title, a setext heading.
        file: "h1-sections.md",
        sections: [
            Line(1),
            Line(5),
            Line(9),
            Line(13),
            Line(19),
            Missing,
            Missing,
            Missing,
        ],
        steps: 2,
        window: None,
        duration: Some("10m"),
        title: "## **Decision:**\n",
    },
    Case {
        // Nearly backout-shaped already: built-in alternative titles, `###` subsections.
        file: "operator-yaml.md",
        sections: [
            Line(9),
            Line(14),
            Line(18),
            Line(25),
            Line(37),
            Missing,
            Line(41),
            Line(46),
        ],
        steps: 4,
        window: None,
        duration: Some("1h30m"),
        title: "## Roles & Responsibilities\n",
    },
    Case {
        // German bold questions and labels, a table of steps numbered `Nr.`, TOML front
        // matter with a German key.
        file: "german-bold-table.md",
        sections: [
            Line(8),
            Line(11),
            Line(13),
            Line(15),
            Line(24),
            Line(26),
            Line(28),
            Unanswered(31),
        ],
        steps: 4,
        window: None,
        duration: Some("1h30m"),
        title: "2. Schritt: Version 2.5 einspielen — Befehl: `tarifctl deploy 2.5.3`\n",
    },
    Case {
        // A wiki checklist: a bulleted list of bold questions, each answered inline (one
        // with its steps as a nested list, one with only a comment).
        file: "confluence-qa-list.md",
        sections: [
            Line(5),
            Line(7),
            Line(8),
            Line(9),
            Line(13),
            Unanswered(15),
            Line(17),
            Line(19),
        ],
        steps: 3,
        window: Some("48h"),
        duration: Some("25m"),
        title: "## Procedure\n\n**How do we roll back?**\n1. Send quotes to the old rules: `pricectl rules activate 2026-10`\n",
    },
];

fn corpus_file(name: &str) -> String {
    let path = format!("{}/tests/import/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// What each line of the source says, without Markdown syntax: heading marks, setext
/// underlines, table pipes and delimiter rows, front-matter fences, and the header of a
/// step table's number column (its numbers become the list's).
fn contents(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in source.lines() {
        let text = line.trim();
        let syntax = text.is_empty()
            || matches!(text, "---" | "+++" | "...")
            || text.chars().all(|c| c == '=')
            || text.chars().all(|c| c == '-')
            || (text.starts_with('|') && text.chars().all(|c| "|-: ".contains(c)));
        if syntax {
            continue;
        }
        if text.starts_with('|') {
            out.extend(
                text.trim_matches('|')
                    .split(" | ")
                    .map(|cell| cell.trim().trim_matches('|').trim().to_string())
                    .filter(|cell| !cell.is_empty() && !matches!(cell.as_str(), "#" | "Nr.")),
            );
        } else if text.starts_with('#') {
            out.push(text.trim_start_matches('#').trim().to_string());
        } else {
            out.push(without_list_marker(text).to_string());
        }
    }
    out
}

/// A line without the list marker it opens with (`- `, `* `, `+ `, `3. `, `3) `): an item
/// of a list of bold questions becomes a paragraph.
fn without_list_marker(text: &str) -> &str {
    let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let rest = &text[digits..];
    let marker = match rest.chars().next() {
        Some('-' | '*' | '+') if digits == 0 => 1,
        Some('.' | ')') if digits > 0 => 1,
        _ => return text,
    };
    match rest[marker..].strip_prefix(' ') {
        Some(after) => after.trim_start(),
        None => text,
    }
}

/// The section rows of import's report: name -> where it came from.
fn report(stdout: &str) -> (BTreeMap<String, Expect>, Option<usize>) {
    let mut rows = BTreeMap::new();
    let mut steps = None;
    for line in stdout.lines() {
        let Some((name, rest)) = line.split_once(' ') else {
            continue;
        };
        if Kind::from_name(name).is_none() {
            continue;
        }
        let rest = rest.trim_start();
        let from = if rest.starts_with("not in the source") {
            Missing
        } else {
            let number: usize = rest
                .strip_prefix("line ")
                .and_then(|r| r.split(':').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no line in {line:?}"));
            if rest.ends_with(": unanswered") {
                Unanswered(number)
            } else {
                Line(number)
            }
        };
        if name == "procedure" {
            steps = rest
                .rsplit_once(" (")
                .and_then(|(_, n)| n.split(' ').next())
                .and_then(|n| n.parse().ok());
        }
        rows.insert(name.to_string(), from);
    }
    (rows, steps)
}

#[test]
fn every_corpus_plan_imports_with_its_sections_found_and_no_line_lost() {
    assert!(CORPUS.len() >= 12);
    for case in CORPUS {
        let repo = TestRepo::new();
        repo.write("backout.toml", "default_team = \"payments\"\n");
        let source = corpus_file(case.file);
        let input = format!("wiki/{}", case.file);
        repo.write(&input, &source);
        let release = "v4.1";
        let run = repo.run(&["import", &input, release]);
        run.code(0);
        let context = format!("{}\n--- stdout\n{}", case.file, run.stdout);

        // The report says where each section came from.
        let (rows, steps) = report(&run.stdout);
        for (kind, want) in Kind::ALL.into_iter().zip(case.sections) {
            assert_eq!(rows.get(kind.name()), Some(&want), "{kind} in {context}");
        }
        if case.sections[3] != Missing {
            assert_eq!(steps, Some(case.steps), "steps in {context}");
        }
        for (name, want) in [("window", case.window), ("duration", case.duration)] {
            let row = run
                .stdout
                .lines()
                .find(|l| l.starts_with(name))
                .unwrap_or_default();
            match want {
                Some(value) => assert!(
                    row.contains(&format!(" {value} (line ")),
                    "{row}\n{context}"
                ),
                None => assert!(row.contains("not stated"), "{row}\n{context}"),
            }
        }

        // Nothing of the source is lost.
        let path = format!("plans/payments/{release}/plan.md");
        let plan = repo.read(&path);
        for line in contents(&source) {
            assert!(
                plan.contains(&line),
                "{:?} lost from {}:\n{plan}",
                line,
                case.file
            );
        }
        assert!(plan.contains(case.title), "{:?} not in\n{plan}", case.title);

        // `check` finds every answered section, and reports exactly the others.
        let check = repo.run(&["check", release, "--format", "json"]);
        let findings = check.json()["findings"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let lines: Vec<&str> = plan.lines().collect();
        let mut unanswered = Vec::new();
        let mut placeholders = Vec::new();
        for finding in &findings {
            let rule = finding["rule"].as_str().unwrap_or_default();
            let line = finding["line"].as_u64().unwrap_or_default() as usize;
            let text = lines.get(line.wrapping_sub(1)).copied().unwrap_or_default();
            match rule {
                "unanswered-section" => {
                    let title = text.trim_start_matches("## ");
                    unanswered.push(Sections::builtin().kind_of(title));
                }
                "placeholder" => placeholders.push(text.split(' ').next().unwrap_or_default()),
                "missing-section" | "invalid-plan" => panic!("{finding}\n{plan}"),
                _ => {}
            }
        }
        let want: Vec<Option<Kind>> = Kind::ALL
            .into_iter()
            .zip(case.sections)
            .filter(|(_, from)| !matches!(from, Line(_)))
            .map(|(kind, _)| Some(kind))
            .collect();
        unanswered.sort();
        assert_eq!(unanswered, want, "unanswered in {context}\n{plan}");
        let mut want_placeholders = Vec::new();
        if case.window.is_none() {
            want_placeholders.push("window");
        }
        if case.duration.is_none() {
            want_placeholders.push("duration");
        }
        assert_eq!(placeholders, want_placeholders, "{context}");
    }
}

#[test]
fn dry_run_prints_the_mapping_and_writes_nothing() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"search\"\n");
    repo.write("notes/plan.md", corpus_file("wiki-bold-questions.md"));
    let before = repo.snapshot();
    repo.run(&["import", "notes/plan.md", "v3.0", "--dry-run"])
        .code(0)
        .stdout_has("would import notes/plan.md into plans/search/v3.0/plan.md (dry run: nothing written)")
        .stdout_has("decision          line 8: bold `**Who makes the call?**` under `## Decision`")
        .stdout_has("communication     line 22: bold `**Who needs to be informed?**` under `## Communication`: unanswered")
        .stdout_has("window            not stated: left as \"TBD\"")
        .stdout_lacks("wrote");
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn refuses_to_overwrite_without_force_and_never_a_published_plan() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    add_release(
        &repo,
        "payments",
        "v1.5",
        &[service("payments-api", "2.4.0", "2.3.1")],
    );
    repo.write(
        "old.md",
        "## Rollback steps\n1. `helm rollback payments-api 41`\n",
    );
    let manifest = repo.read("plans/payments/v1.5/manifest.toml");
    let plan = repo.read("plans/payments/v1.5/plan.md");
    repo.run(&["import", "old.md", "v1.5"])
        .code(2)
        .stderr_has("plans/payments/v1.5/plan.md already exists; pass --force to overwrite it");
    repo.run(&["import", "old.md", "v1.5", "--dry-run"]).code(2);
    assert_eq!(repo.read("plans/payments/v1.5/plan.md"), plan);

    repo.run(&["import", "old.md", "v1.5", "--force"])
        .code(0)
        .stdout_has("wrote plans/payments/v1.5/plan.md\n")
        .stdout_has("procedure         line 1: heading `Rollback steps` (1 step)");
    // The manifest that was there stays.
    assert_eq!(repo.read("plans/payments/v1.5/manifest.toml"), manifest);
    assert!(
        repo.read("plans/payments/v1.5/plan.md")
            .contains("## Rollback steps\n1. `helm rollback payments-api 41`\n")
    );

    repo.edit(
        "plans/payments/v1.5/plan.md",
        "status = \"draft\"",
        "status = \"published\"",
    );
    repo.run(&["import", "old.md", "v1.5", "--force"])
        .code(2)
        .stderr_has("plans/payments/v1.5/plan.md is published, and a published plan is final");
}

#[test]
fn unreadable_and_binary_files_exit_2_and_write_nothing() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    repo.write(
        "plan.docx",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00word/document.xml",
    );
    repo.write("utf16.md", b"\xff\xfe#\x00 \x00P\x00");
    repo.write("latin1.md", b"## Notfallma\xdfnahmen\n");
    std::fs::create_dir_all(repo.join("folder")).unwrap_or_else(|e| panic!("{e}"));
    let before = repo.snapshot();
    let cases = [
        (
            "plan.docx",
            "plan.docx is a binary file, not Markdown or text; export the plan as Markdown or plain text (UTF-8)",
        ),
        ("utf16.md", "utf16.md is UTF-16 text; save it as UTF-8"),
        (
            "latin1.md",
            "latin1.md is not valid UTF-8 (line 1, byte 13 of the line); save the file as UTF-8",
        ),
        ("missing.md", "missing.md does not exist"),
        ("folder", "folder is a directory, not a file"),
    ];
    for (file, message) in cases {
        repo.run(&["import", file, "v1.5"])
            .code(2)
            .stderr_has(message);
    }
    repo.run(&["import", "plan.docx", "../v1.5"])
        .code(2)
        .stderr_has("`../v1.5`");
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn titles_from_the_config_are_kept_and_the_config_language_is_the_default() {
    let repo = TestRepo::new();
    repo.write(
        "backout.toml",
        "default_team = \"lager\"\nlanguage = \"de\"\n[sections]\nprocedure = [\"Rückbau\"]\n",
    );
    repo.write("kurz.md", "## Rückbau\n- `lvsctl install 12.3.7`\n");
    repo.run(&["import", "kurz.md", "v12.4"])
        .code(0)
        .stdout_has("procedure         line 1: heading `Rückbau` (1 step)")
        .stdout_has("criteria          not in the source: added `## Kriterien` with its question");
    let plan = repo.read("plans/lager/v12.4/plan.md");
    assert!(
        plan.contains("# Backout-Plan: lager v12.4\n\n## Rückbau\n- `lvsctl install 12.3.7`\n"),
        "{plan}"
    );
    assert!(
        plan.contains("## Kriterien\n\n<!-- Unter welchen Umständen"),
        "{plan}"
    );
    let check = repo.run(&["check", "--format", "json"]);
    assert!(
        !check.rules().contains(&"missing-section".to_string()),
        "{}",
        check.stdout
    );
}

#[test]
fn an_imported_plan_can_be_finished_into_a_green_check() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    repo.write("rollback.txt", corpus_file("plain-text-email.txt"));
    repo.run(&["import", "rollback.txt", "v2.3"])
        .code(0)
        .stdout_has("next: answer 2 sections (contingencies, testing), set `window` and `duration`, list what v2.3 deploys in its manifest.toml, then `backout check payments/v2.3`");
    let path = "plans/payments/v2.3/plan.md";
    repo.edit(path, "window = \"TBD\"", "window = \"24h\"");
    repo.edit(path, "duration = \"TBD\"", "duration = \"1h\"");
    repo.edit(
        path,
        "<!-- What other contingency measures",
        "Re-run the v1 job by hand from billing-batch-02.\n<!-- What other contingency measures",
    );
    repo.edit(
        path,
        "<!-- Has this plan been tested?",
        "Rehearsed on staging on 2026-11-02.\n<!-- Has this plan been tested?",
    );
    // What v2.3 deploys: the export job its steps roll back.
    let manifest = "plans/payments/v2.3/manifest.toml";
    let listed = format!(
        "{}\n[[items]]\nid = \"export-v2\"\nkind = \"service\"\n",
        repo.read(manifest)
    );
    repo.write(manifest, listed);
    repo.run(&["check"])
        .code(0)
        .stdout_has("warning[step-without-how]");
}

/// The example in docs/import.md is what import does, to the byte.
#[test]
fn the_documented_example_is_what_import_does() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/import.md"))
        .unwrap_or_else(|e| panic!("docs/import.md: {e}"));
    let block = |fence: &str, nth: usize| -> String {
        docs.split(&format!("```{fence}\n"))
            .nth(nth)
            .and_then(|rest| rest.split("\n```\n").next())
            .map(|text| format!("{text}\n"))
            .unwrap_or_else(|| panic!("docs/import.md lacks ```{fence} block {nth}"))
    };
    let source = block("markdown", 1);
    let console = block("console", 1);
    let plan = block("markdown", 2);
    let (command, output) = console
        .split_once('\n')
        .unwrap_or_else(|| panic!("{console}"));
    assert_eq!(command, "$ backout import wiki/cart-rollback.md v5.2");

    let repo = TestRepo::new();
    repo.run(&["init", "--team", "shop"]).code(0);
    repo.write("wiki/cart-rollback.md", &source);
    let run = repo.run(&["import", "wiki/cart-rollback.md", "v5.2"]);
    run.code(0);
    assert_eq!(run.stdout, output);
    assert_eq!(repo.read("plans/shop/v5.2/plan.md"), plan);
    repo.run(&["check", "v5.2"])
        .code(1)
        .stdout_has("checked 1 plan: 6 errors, 0 warnings")
        .stdout_has("error[empty-manifest]");
}

/// A time counted from the deployment inside the Criteria is a trigger ("conversion drops
/// within 30 minutes of the deploy"), not the window: the window comes from the rest of the
/// runbook, and without one it stays to be written.
#[test]
fn a_trigger_in_the_criteria_is_not_taken_as_the_window() {
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"checkout\"\n");
    let runbook = "\
# Checkout 4.2 go-live

## When do we roll back?

If checkout conversion drops by more than 5% within 30 minutes of the deploy, we roll back.

## Who decides?

The release manager on duty.

## Steps

1. Switch the `checkout_v42` flag off.
2. Redeploy checkout-web 4.1.7.

Rollback stays possible up to 48 hours after the deployment; the ledger migration closes it.
";
    repo.write("wiki/checkout-4.2.md", runbook);
    repo.run(&["import", "wiki/checkout-4.2.md", "v4.2", "--dry-run"])
        .code(0)
        .stdout_has("window            48h")
        .stdout_lacks("30m");
    let without = runbook.replace(
        "Rollback stays possible up to 48 hours after the deployment; the ledger migration closes it.\n",
        "",
    );
    repo.write("wiki/checkout-4.2.md", without);
    repo.run(&["import", "wiki/checkout-4.2.md", "v4.2", "--dry-run"])
        .code(0)
        .stdout_has("window            not stated: left as \"TBD\"");
}

#[test]
fn a_plan_exported_as_markdown_imports_with_its_window_and_duration() {
    // A team keeps its plan in the wiki as backout exported it, and adopts backout in a
    // new repository from that page: the window and the duration come back.
    let repo = TestRepo::new();
    repo.write("backout.toml", "default_team = \"payments\"\n");
    add_release(
        &repo,
        "payments",
        "v1.4",
        &[service("payments-api", "2.3.1", "2.3.0")],
    );
    repo.commit("payments v1.4");
    let export = repo.run(&["export", "v1.4", "--format", "markdown"]);
    export
        .code(0)
        .stdout_has("Rollback window: 72h after deployment · Expected rollback duration: 45m");
    repo.write("wiki/payments-rollback.md", &export.stdout);
    repo.write(
        "plans/payments/v1.5/manifest.toml",
        crate::harness::manifest(
            "payments",
            "v1.5",
            &[service("payments-api", "2.3.1", "2.3.0")],
        ),
    );
    repo.run(&["import", "wiki/payments-rollback.md", "v1.5"])
        .code(0)
        .stdout_has("window            72h")
        .stdout_has("duration          45m");
    let plan = repo.read("plans/payments/v1.5/plan.md");
    assert!(plan.contains("window = \"72h\""), "{plan}");
    assert!(plan.contains("duration = \"45m\""), "{plan}");
}
