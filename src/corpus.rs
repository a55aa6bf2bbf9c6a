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
///
/// Published plans are checked against the manifests of the commit they were published
/// from: those that differ from this state's are added as *historic* manifests, whose ids
/// join the vocabulary as further sources (see `check_pinned`).
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
    /// The vocabulary source of each manifest of this state.
    sources: HashMap<PlanId, u32>,
    /// Manifests as they were at older commits.
    historic: Vec<ManifestEntry>,
}

/// Which manifest a published plan had at the commit it was published from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinnedManifest {
    /// The same as this state's manifest of that release.
    Current(PlanId),
    /// A historic manifest (`Corpus::add_historic`).
    Historic(usize),
    /// There was none.
    Missing,
}

/// What a published plan is checked against: the state of its published commit.
pub struct Pin<'a> {
    /// The vocabulary sources (manifests) that were there at the commit, sorted.
    pub live: &'a [u32],
    pub manifest: PinnedManifest,
    /// The release names of the plan's team at the commit.
    pub release_names: &'a ReleaseNames,
    /// The previous release with a plan at the commit.
    pub previous: Option<&'a str>,
    /// `[check] shared` at the commit.
    pub shared: &'a HashSet<String>,
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
        let mut sources = HashMap::new();
        for (id, entry) in &parsed {
            if let ManifestEntry::Parsed { manifest, .. } = entry {
                let source = builder.add(
                    id.clone(),
                    manifest.items.iter().map(|item| item.id.as_str()),
                );
                sources.insert(id.clone(), source);
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
            sources,
            historic: Vec::new(),
        }
    }

    /// The text of this state's manifest of a release, when it could be read.
    pub fn manifest_text(&self, id: &PlanId) -> Option<&str> {
        match self.manifests.get(id) {
            Some(ManifestEntry::Parsed { text, .. }) => Some(text),
            _ => None,
        }
    }

    /// The vocabulary source of this state's manifest of a release.
    pub fn source_of(&self, id: &PlanId) -> Option<u32> {
        self.sources.get(id).copied()
    }

    /// Adds a release's manifest as it was at an older commit (shown as `path`); returns
    /// its number and its vocabulary source, when it parses.
    pub fn add_historic(
        &mut self,
        id: PlanId,
        path: String,
        text: Result<String, ReadProblem>,
    ) -> (usize, Option<u32>) {
        let (entry, source) = match text {
            Ok(text) => {
                let manifest = Manifest::parse(&text, &id);
                let source = self
                    .vocabulary
                    .add(id, manifest.items.iter().map(|item| item.id.as_str()));
                let entry = ManifestEntry::Parsed {
                    path,
                    text,
                    manifest,
                };
                (entry, Some(source))
            }
            Err(problem) => (ManifestEntry::Unreadable(problem.finding(&path)), None),
        };
        self.historic.push(entry);
        (self.historic.len() - 1, source)
    }

    /// Every vocabulary source that an id standing in the plan's text belongs to: the
    /// manifests whose presence at a commit decides what the text refers to there.
    pub fn candidate_sources(&self, text: &str, plan: &Plan) -> Vec<u32> {
        let mut sources = Vec::new();
        let vocabulary = &self.vocabulary;
        vocabulary.find_where(text, &plan.body.windows(), &mut |id| {
            sources.extend_from_slice(vocabulary.sources(id));
            false
        });
        sources.sort_unstable();
        sources.dedup();
        sources
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
        let plan = Plan::parse_with(text, id, &self.sections);
        self.check_parsed(id, path, text, plan, manifest_path)
    }

    /// Checks a plan already parsed from `text` (with this corpus' sections).
    pub fn check_parsed(
        &self,
        id: &PlanId,
        path: &str,
        text: &str,
        plan: Plan,
        manifest_path: &str,
    ) -> Checked {
        let empty = ReleaseNames::new(Vec::new());
        let context = Context {
            vocabulary: &self.vocabulary,
            shared: &self.shared,
            release_names: self.release_names.get(&id.team).unwrap_or(&empty),
            previous: self.catalog.previous(id),
            live: None,
            sections: &self.sections,
            drills: self.drills(id),
        };
        let file = SourceFile::new(path, text);
        let manifest = self.manifest_input(&file, self.manifests.get(id), manifest_path);
        run(id, &file, plan, manifest, &context)
    }

    /// Checks a published plan whose commit is not available without its content rules:
    /// nothing that depends on the manifests or the release names is looked at.
    pub fn check_unpinned(&self, id: &PlanId, path: &str, text: &str, plan: Plan) -> Checked {
        let no_names = ReleaseNames::new(Vec::new());
        let context = Context {
            vocabulary: &self.vocabulary,
            shared: &self.shared,
            release_names: &no_names,
            previous: None,
            live: Some(&[]),
            sections: &self.sections,
            drills: self.drills(id),
        };
        let file = SourceFile::new(path, text);
        run(id, &file, plan, ManifestInput::Skipped, &context)
    }

    /// Checks a published plan against the state of the commit it was published from.
    pub fn check_pinned(
        &self,
        id: &PlanId,
        path: &str,
        text: &str,
        plan: Plan,
        manifest_path: &str,
        pin: &Pin<'_>,
    ) -> Checked {
        let context = Context {
            vocabulary: &self.vocabulary,
            shared: pin.shared,
            release_names: pin.release_names,
            previous: pin.previous,
            live: Some(pin.live),
            sections: &self.sections,
            drills: self.drills(id),
        };
        let entry = match &pin.manifest {
            PinnedManifest::Current(release) => self.manifests.get(release),
            PinnedManifest::Historic(index) => self.historic.get(*index),
            PinnedManifest::Missing => None,
        };
        let file = SourceFile::new(path, text);
        let manifest = self.manifest_input(&file, entry, manifest_path);
        run(id, &file, plan, manifest, &context)
    }

    /// A plan's manifest as far as it could be read; a missing one is reported on the plan.
    fn manifest_input<'e>(
        &self,
        file: &SourceFile<'_>,
        entry: Option<&'e ManifestEntry>,
        manifest_path: &str,
    ) -> ManifestInput<'e> {
        match entry {
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
        }
    }
}

/// Runs the rules on one parsed plan, applies its ignore comments, and sorts the findings.
fn run(
    id: &PlanId,
    file: &SourceFile<'_>,
    plan: Plan,
    manifest: ManifestInput<'_>,
    context: &Context<'_>,
) -> Checked {
    let mut findings = check::check(id, file, &plan, manifest, context);
    let suppressed = crate::rules::ignore::apply(file, plan.body_start, &mut findings);
    findings.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.rule).cmp(&(&b.file, b.line, b.column, b.rule))
    });
    Checked {
        plan,
        findings,
        suppressed,
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
