//! Everything a plan is checked against: all manifests, the vocabulary of their item ids,
//! each team's release names. Built once per run from whatever source holds the files
//! (the work tree, or a git tree), then shared by every plan's check.

use std::collections::{HashMap, HashSet};

use crate::check::{self, Context, ManifestInput};
use crate::diag::{Finding, Rule, SourceFile, Suppressed};
use crate::drill::{Evidence, MaxAge, RecordFile};
use crate::manifest::Manifest;
use crate::names::PlanId;
use crate::plan::Plan;
use crate::sections::Sections;
use crate::store::ReadProblem;
use crate::tokens::ReleaseNames;
use crate::vocab::Vocabulary;
use crate::workspace::Catalog;

/// A release's manifest as read from its source.
pub enum ManifestEntry {
    Parsed {
        path: String,
        text: String,
        manifest: Manifest,
    },
    Unreadable(Finding),
}

/// The manifests, vocabulary and release names of one repository state.
pub struct Corpus {
    manifests: HashMap<PlanId, ManifestEntry>,
    vocabulary: Vocabulary,
    release_names: HashMap<String, ReleaseNames>,
    shared: HashSet<String>,
    catalog: Catalog,
    /// Which titles name which required section (backout.toml's `[sections]`).
    sections: Sections,
    /// Each plan's drill records (see `set_drills`).
    drills: HashMap<PlanId, Vec<RecordFile>>,
    drill_max_age: Option<MaxAge>,
}

/// One manifest as read: its plan, its display path and its text or why it is unreadable.
pub type ManifestSource = (PlanId, String, Result<String, ReadProblem>);

/// The result of checking one plan.
pub struct Checked {
    pub plan: Plan,
    pub findings: Vec<Finding>,
    /// Findings a `backout-ignore` comment silenced: not in `findings`.
    pub suppressed: Vec<Suppressed>,
}

impl Corpus {
    /// Parses the manifests and indexes their ids. `catalog` lists every release directory.
    pub fn build(catalog: Catalog, manifests: Vec<ManifestSource>, shared: &[String]) -> Corpus {
        use rayon::prelude::*;
        let parsed: Vec<(PlanId, ManifestEntry)> = manifests
            .into_par_iter()
            .map(|(id, path, text)| {
                let entry = match text {
                    Ok(text) => {
                        let manifest = Manifest::parse(&text, &id);
                        ManifestEntry::Parsed {
                            path,
                            text,
                            manifest,
                        }
                    }
                    Err(problem) => ManifestEntry::Unreadable(problem.finding(&path)),
                };
                (id, entry)
            })
            .collect();
        let mut builder = Vocabulary::builder();
        for (id, entry) in &parsed {
            if let ManifestEntry::Parsed { manifest, .. } = entry {
                builder.add(
                    id.clone(),
                    manifest.items.iter().map(|item| item.id.as_str()),
                );
            }
        }
        let vocabulary = builder.build();
        let release_names = catalog
            .teams
            .iter()
            .map(|(team, releases)| {
                let names = releases.iter().map(|r| r.name.clone()).collect();
                (team.clone(), ReleaseNames::new(names))
            })
            .collect();
        Corpus {
            manifests: parsed.into_iter().collect(),
            vocabulary,
            release_names,
            shared: shared.iter().cloned().collect(),
            catalog,
            sections: Sections::default(),
            drills: HashMap::new(),
            drill_max_age: None,
        }
    }

    /// Adds the drill records of the plans, and `[check] drill_max_age` with the time to
    /// measure from.
    pub fn set_drills(
        &mut self,
        drills: HashMap<PlanId, Vec<RecordFile>>,
        max_age: Option<MaxAge>,
    ) {
        self.drills = drills;
        self.drill_max_age = max_age;
    }

    /// A plan's drill records, as the rules weigh them.
    pub fn drills(&self, id: &PlanId) -> Evidence<'_> {
        Evidence {
            files: self.drills.get(id).map_or(&[], Vec::as_slice),
            max_age: self.drill_max_age,
        }
    }

    /// The section table plans are read with: the built-in titles plus `[sections]`, and
    /// the template language messages name titles in. Default: the built-in table.
    pub fn with_sections(mut self, sections: Sections) -> Corpus {
        self.sections = sections;
        self
    }

    pub fn sections(&self) -> &Sections {
        &self.sections
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// The parsed manifest of a release, if it exists and could be read.
    pub fn manifest(&self, id: &PlanId) -> Option<&Manifest> {
        match self.manifests.get(id) {
            Some(ManifestEntry::Parsed { manifest, .. }) => Some(manifest),
            _ => None,
        }
    }

    /// The manifest of a release with its display path and text, when it could be read.
    pub fn manifest_source(&self, id: &PlanId) -> Option<(&str, &str, &Manifest)> {
        match self.manifests.get(id) {
            Some(ManifestEntry::Parsed {
                path,
                text,
                manifest,
            }) => Some((path, text, manifest)),
            _ => None,
        }
    }

    /// Checks the plan text of `id` (found at `path`) against this corpus.
    pub fn check(&self, id: &PlanId, path: &str, text: &str, manifest_path: &str) -> Checked {
        let file = SourceFile::new(path, text);
        let plan = Plan::parse_with(text, id, &self.sections);
        let empty = ReleaseNames::new(Vec::new());
        let context = Context {
            vocabulary: &self.vocabulary,
            shared: &self.shared,
            release_names: self.release_names.get(&id.team).unwrap_or(&empty),
            previous: self.catalog.previous(id),
            sections: &self.sections,
            drills: self.drills(id),
        };
        let manifest = match self.manifests.get(id) {
            Some(ManifestEntry::Parsed {
                path,
                text,
                manifest,
            }) => ManifestInput::Parsed {
                path,
                text,
                manifest,
            },
            Some(ManifestEntry::Unreadable(finding)) => ManifestInput::Unavailable(finding.clone()),
            // Reported on the plan (line 1), which exists, so annotations have a place to go.
            None => ManifestInput::Unavailable(
                file.file_finding(
                    Rule::InvalidPlan,
                    format!(
                        "{manifest_path} is missing: the plan has no manifest to be checked against"
                    ),
                )
                .with_help(concat!(
                    "create it with `team`, `release` and one [[items]] table per thing the release deploys (see ",
                    crate::docs_url!("format.md#manifesttoml"),
                    ")"
                )),

            ),
        };
        let mut findings = check::check(id, &file, &plan, manifest, &context);
        let suppressed = crate::rules::ignore::apply(&file, plan.body_start, &mut findings);
        findings.sort_by(|a, b| {
            (&a.file, a.line, a.column, a.rule).cmp(&(&b.file, b.line, b.column, b.rule))
        });
        Checked {
            plan,
            findings,
            suppressed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn corpus(manifest: &str) -> Corpus {
        let id = PlanId::new("t", "v1");
        let mut catalog = Catalog::default();
        catalog.teams.insert(
            "t".into(),
            vec![crate::workspace::Release {
                name: "v1".into(),
                has_plan: true,
                has_manifest: true,
            }],
        );
        let sources = vec![(id, "m.toml".to_string(), Ok(manifest.to_string()))];
        Corpus::build(catalog, sources, &["shared-db".into()])
    }

    const MANIFEST: &str = "team = \"t\"\nrelease = \"v1\"\n[[items]]\nid = \"api\"\nkind = \"service\"\nversion = \"1.2.0\"\n[[items]]\nid = \"db.main\"\nkind = \"migration\"\nreversible = false\n";

    /// Plan-like text: front matter fragments, headings, lists, code, links, HTML, ids,
    /// versions, placeholders, odd Unicode and line ends.
    fn plan_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("+++\n".to_string()),
            Just("team = \"t\"\nrelease = \"v1\"\nstatus = \"approved\"\nwindow = \"1h\"\nduration = \"2h\"\n".to_string()),
            Just("## Procedure\n".to_string()),
            Just("## Contingencies\n".to_string()),
            Just("### Sub\n".to_string()),
            Just("1. ".to_string()),
            Just("   - ".to_string()),
            Just("`api` ".to_string()),
            Just("db.main ".to_string()),
            Just("v1.2.3 2.5% 1.5h ".to_string()),
            Just("TODO ".to_string()),
            Just("```sh\n".to_string()),
            Just("[x](javascript:y) ".to_string()),
            Just("<!-- c --> <b> ".to_string()),
            Just("<!-- backout-ignore stale-version: r -->".to_string()),
            Just("<!-- backout-ignore ".to_string()),
            Just("foreign-team, invalid-plan: why".to_string()),
            Just(" -->".to_string()),
            Just("\r\n".to_string()),
            Just("\n".to_string()),
            "[a-z \u{feff}\u{1F600}é\t|*_>#-]{0,12}",
        ];
        prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn checking_any_text_never_panics(text in plan_text()) {
            let corpus = corpus(MANIFEST);
            let checked = corpus.check(&PlanId::new("t", "v1"), "p.md", &text, "m.toml");
            for finding in &checked.findings {
                prop_assert!(finding.line >= 1 && finding.column >= 1);
                prop_assert!(finding.end_column > finding.column);
            }
        }

        #[test]
        fn any_manifest_text_is_read_without_panicking(text in "[a-z=\"\\[\\]\n .0-9]{0,200}") {
            let corpus = corpus(&text);
            let _ = corpus.check(&PlanId::new("t", "v1"), "p.md", "+++\n+++\n", "m.toml");
        }
    }
}
