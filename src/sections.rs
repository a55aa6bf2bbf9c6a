//! The section table: the sections every backout plan needs, the titles each is known by
//! (built-in English and German ones, plus `[sections]` from backout.toml), the question
//! each answers in both languages, and how a heading is normalised before it is matched.
//!
//! Every question "is this heading the Procedure?" goes through here, so a title a team
//! writes is understood the same way by `check`, the step walk, `publish` and `import`.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// A section every plan needs, in the order the template writes them. Serialised as its
/// canonical name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "SectionKind")]
pub enum Kind {
    Criteria,
    Decision,
    Responsibilities,
    Procedure,
    Verification,
    Communication,
    Contingencies,
    Testing,
}

impl Kind {
    /// Every required section, in template order.
    pub const ALL: [Kind; 8] = [
        Kind::Criteria,
        Kind::Decision,
        Kind::Responsibilities,
        Kind::Procedure,
        Kind::Verification,
        Kind::Communication,
        Kind::Contingencies,
        Kind::Testing,
    ];

    /// The canonical name: lower case, as `[sections]` keys and JSON write it.
    pub fn name(self) -> &'static str {
        self.entry().name
    }

    /// The section with this canonical name (case-insensitive).
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(name))
    }

    /// The title the template of `language` writes.
    pub fn title(self, language: Language) -> &'static str {
        match language {
            Language::En => self.entry().en.0,
            Language::De => self.entry().de.0,
        }
    }

    /// The question the section answers, in `language`.
    pub fn question(self, language: Language) -> &'static str {
        match language {
            Language::En => self.entry().en.1,
            Language::De => self.entry().de.1,
        }
    }

    /// The built-in alternative titles in `language` (beyond the template's).
    pub fn other_titles(self, language: Language) -> &'static [&'static str] {
        match language {
            Language::En => self.entry().titles,
            Language::De => self.entry().titles_de,
        }
    }

    /// Every built-in title: the canonical name, both template titles, the others.
    fn all_titles(self) -> impl Iterator<Item = &'static str> {
        let entry = self.entry();
        [entry.name, entry.en.0, entry.de.0]
            .into_iter()
            .chain(entry.titles.iter().copied())
            .chain(entry.titles_de.iter().copied())
    }

    fn entry(self) -> &'static Entry {
        &TABLE[self as usize]
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The language `new` writes titles and questions in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    En,
    De,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::En, Language::De];

    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::De => "de",
        }
    }

    pub fn from_code(code: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.code() == code)
    }
}

/// One row of the table.
struct Entry {
    name: &'static str,
    /// Template title and question.
    en: (&'static str, &'static str),
    de: (&'static str, &'static str),
    /// Other titles real plans give the section, in English and in German.
    titles: &'static [&'static str],
    titles_de: &'static [&'static str],
    /// Words that hint at the section in a question or a label, with a weight: used to
    /// place questions `import` meets and to name near misses, never to accept a title.
    /// A trailing `*` matches any word starting so; a space makes a phrase.
    hints: &'static [(&'static str, u8)],
}

const TABLE: [Entry; 8] = [
    Entry {
        name: "criteria",
        en: (
            "Criteria",
            "Under what circumstances is a rollback required? When is the deployment a success?",
        ),
        de: (
            "Kriterien",
            "Unter welchen Umständen ist ein Rollback nötig? Woran erkennen wir, dass das Deployment erfolgreich war?",
        ),
        titles: &[
            "Rollback criteria",
            "Backout criteria",
            "Criteria for rollback",
            "Criteria for a rollback",
            "Rollback decision criteria",
            "Decision criteria",
            "Rollback triggers",
            "Backout triggers",
            "Triggers",
            "Trigger",
            "Rollback conditions",
            "Backout conditions",
            "Conditions",
            "Conditions for rollback",
            "Success criteria",
            "Success and failure criteria",
            "Failure criteria",
            "Abort criteria",
            "Go/no-go criteria",
            "Go/no-go",
            "Rollback signals",
            "When to roll back",
            "When to back out",
            "When do we roll back",
            "When should we roll back",
            "When is a rollback required",
            "When is a rollback needed",
            "When is a rollback necessary",
            "Under what circumstances is a rollback required",
        ],
        titles_de: &[
            "Rollback-Kriterien",
            "Rollbackkriterien",
            "Rückfallkriterien",
            "Backout-Kriterien",
            "Kriterien für den Rollback",
            "Kriterien für einen Rollback",
            "Entscheidungskriterien",
            "Auslöser",
            "Rollback-Auslöser",
            "Bedingungen",
            "Rollback-Bedingungen",
            "Abbruchkriterien",
            "Erfolgskriterien",
            "Go/No-Go-Kriterien",
            "Wann wird zurückgerollt",
            "Wann rollen wir zurück",
            "Wann ist ein Rollback nötig",
            "Wann ist ein Rollback notwendig",
            "Wann ist ein Rollback erforderlich",
            "Unter welchen Umständen ist ein Rollback nötig",
        ],
        hints: &[
            ("criteria", 3),
            ("criterion", 3),
            ("trigger*", 3),
            ("when", 2),
            ("condition*", 2),
            ("circumstance*", 3),
            ("metric*", 2),
            ("signal*", 2),
            ("threshold*", 2),
            ("success*", 1),
            ("abort*", 2),
            ("exceed*", 2),
            ("error rate", 2),
            ("rollback if", 3),
            ("stays above", 2),
            ("drops below", 2),
            ("wenn", 1),
            ("fehler", 1),
            ("fehlerquote", 2),
            ("fehlerrate", 2),
            ("ueberschreit*", 2),
            ("kriteri*", 3),
            ("wann", 2),
            ("ausloes*", 3),
            ("bedingung*", 2),
            ("umstaend*", 3),
            ("schwell*", 2),
            ("metrik*", 2),
            ("erfolgreich", 1),
        ],
    },
    Entry {
        name: "decision",
        en: (
            "Decision",
            "Which authorising agent decides to revert, and how are they reached?",
        ),
        de: (
            "Entscheidung",
            "Wer ist befugt, den Rollback zu beschließen, und wie ist diese Person erreichbar?",
        ),
        titles: &[
            "Decision maker",
            "Decision makers",
            "Decision authority",
            "Decision owner",
            "Rollback decision",
            "Backout decision",
            "Rollback authority",
            "Rollback approval",
            "Go/no-go decision",
            "Authority",
            "Authorisation",
            "Authorization",
            "Approval",
            "Approvals",
            "Approver",
            "Approvers",
            "Authorising agent",
            "Authorizing agent",
            "Who decides",
            "Who decides to roll back",
            "Who decides to back out",
            "Who decides on a rollback",
            "Who decides on the rollback",
            "Who can decide to roll back",
            "Who approves the rollback",
            "Who authorises the rollback",
            "Who authorizes the rollback",
            "Who makes the call",
        ],
        titles_de: &[
            "Entscheider",
            "Entscheidungsträger",
            "Entscheidungsbefugnis",
            "Entscheidungsbefugte",
            "Rollback-Entscheidung",
            "Rückfallentscheidung",
            "Rollback-Freigabe",
            "Freigabe",
            "Genehmigung",
            "Befugnis",
            "Wer entscheidet",
            "Wer entscheidet über den Rollback",
            "Wer entscheidet über einen Rollback",
            "Wer entscheidet über das Zurückrollen",
            "Wer gibt den Rollback frei",
        ],
        hints: &[
            ("decid*", 4),
            ("decision*", 2),
            ("authori*", 3),
            ("approv*", 3),
            ("sign off", 2),
            ("make the call", 3),
            ("makes the call", 3),
            ("go no go", 1),
            ("entscheid*", 3),
            ("freigab*", 3),
            ("gibt*frei", 3),
            ("genehmig*", 3),
            ("befug*", 3),
        ],
    },
    Entry {
        name: "responsibilities",
        en: (
            "Responsibilities",
            "Who performs the rollback, and how soon after the decision?",
        ),
        de: (
            "Verantwortlichkeiten",
            "Wer führt den Rollback durch, und wie schnell nach der Entscheidung?",
        ),
        titles: &[
            "Responsibility",
            "Roles",
            "Roles and responsibilities",
            "Owners",
            "Ownership",
            "Rollback owner",
            "Rollback owners",
            "Rollback team",
            "Executors",
            "RACI",
            "Who performs the rollback",
            "Who rolls back",
            "Who executes the rollback",
            "Who carries out the rollback",
            "Who does the rollback",
        ],
        titles_de: &[
            "Verantwortlichkeit",
            "Zuständigkeiten",
            "Zuständigkeit",
            "Rollen",
            "Rollen und Verantwortlichkeiten",
            "Rollen und Zuständigkeiten",
            "Verantwortliche",
            "Durchführende",
            "Ausführende",
            "Beteiligte",
            "Wer führt den Rollback durch",
            "Wer ist zuständig",
        ],
        hints: &[
            ("who performs", 4),
            ("perform*", 3),
            ("execut*", 3),
            ("carries out", 3),
            ("carry out", 3),
            ("who does", 3),
            ("responsib*", 3),
            ("role*", 3),
            ("owner*", 2),
            ("on call", 1),
            ("how soon", 4),
            ("how quickly", 4),
            ("runs the rollback", 3),
            ("of the decision", 3),
            ("after the decision", 3),
            ("wie schnell", 4),
            ("wer fuehrt", 4),
            ("durchfuehr*", 3),
            ("ausfuehr*", 3),
            ("zustaendig*", 3),
            ("verantwort*", 3),
            ("bereitschaft", 2),
        ],
    },
    Entry {
        name: "procedure",
        en: (
            "Procedure",
            "Which steps, manual and automated, execute the rollback? Give each step its command or a link to the how-to.",
        ),
        de: (
            "Ablauf",
            "Welche Schritte, manuell und automatisiert, führen den Rollback aus? Nennen Sie zu jedem Schritt den Befehl oder einen Link zur Anleitung.",
        ),
        titles: &[
            "Procedures",
            "Rollback procedure",
            "Rollback procedures",
            "Backout procedure",
            "Backout procedures",
            "Revert procedure",
            "Reversion procedure",
            "Rollback steps",
            "Backout steps",
            "Revert steps",
            "Steps",
            "Steps to roll back",
            "Rollback plan",
            "Backout plan",
            "Rollback instructions",
            "Backout instructions",
            "Instructions",
            "Rollback process",
            "Backout process",
            "Runbook",
            "Rollback runbook",
            "Playbook",
            "Rollback playbook",
            "How to roll back",
            "How to back out",
            "How do we roll back",
            "How to revert",
        ],
        titles_de: &[
            "Vorgehen",
            "Vorgehensweise",
            "Rollback-Ablauf",
            "Ablauf des Rollbacks",
            "Rollback-Vorgehen",
            "Rollback-Prozedur",
            "Rollback-Verfahren",
            "Rückfallverfahren",
            "Rückfallplan",
            "Rollback-Plan",
            "Verfahren",
            "Prozedur",
            "Schritte",
            "Rollback-Schritte",
            "Rückfallschritte",
            "Durchführung",
            "Anleitung",
            "Rückabwicklung",
            "Wie rollen wir zurück",
            "Wie wird zurückgerollt",
        ],
        hints: &[
            ("step*", 3),
            ("procedure*", 3),
            ("runbook*", 3),
            ("playbook*", 3),
            ("instruction*", 3),
            ("how", 1),
            ("process", 1),
            ("command*", 1),
            ("rollback", 1),
            ("backout", 1),
            ("revert*", 1),
            ("undo", 1),
            ("disabled", 2),
            ("ablauf", 3),
            ("schritt*", 3),
            ("vorgeh*", 3),
            ("anleitung*", 3),
            ("verfahren", 3),
            ("prozedur*", 3),
            ("wie", 1),
            ("befehl*", 1),
            ("zurueck*", 1),
        ],
    },
    Entry {
        name: "verification",
        en: (
            "Verification",
            "Which functional tests prove the system is back after the rollback?",
        ),
        de: (
            "Verifikation",
            "Welche Funktionstests belegen nach dem Rollback, dass das System wieder läuft?",
        ),
        titles: &[
            "Verify",
            "Validation",
            "Rollback verification",
            "Post-rollback verification",
            "Post-rollback validation",
            "Post-rollback checks",
            "Post-rollback tests",
            "Checks after the rollback",
            "Checks after rollback",
            "Checks afterwards",
            "Post-checks",
            "Health checks",
            "Smoke tests",
            "Functional tests",
            "Confirmation",
            "How do we know the rollback worked",
            "How do we know it worked",
            "How do we verify the rollback",
        ],
        titles_de: &[
            "Verifizierung",
            "Überprüfung",
            "Prüfung",
            "Kontrolle",
            "Nachkontrolle",
            "Validierung",
            "Funktionstests",
            "Funktionsprüfung",
            "Smoke-Tests",
            "Erfolgskontrolle",
            "Prüfung nach dem Rollback",
            "Wie prüfen wir den Erfolg",
            "Woran erkennen wir, dass der Rollback funktioniert hat",
        ],
        hints: &[
            ("verif*", 3),
            ("validat*", 3),
            ("smoke", 3),
            ("confirm*", 3),
            ("check*", 2),
            ("worked", 2),
            ("healthy", 2),
            ("functional", 2),
            ("is back", 2),
            ("pruef*", 3),
            ("ueberpruef*", 3),
            ("kontroll*", 2),
            ("validier*", 3),
            ("funktionier*", 2),
            ("funktionstest*", 3),
            ("wieder laeuft", 2),
        ],
    },
    Entry {
        name: "communication",
        en: (
            "Communication",
            "Who is told, through which channel, before and after the rollback?",
        ),
        de: (
            "Kommunikation",
            "Wer wird über welchen Kanal informiert, vor und nach dem Rollback?",
        ),
        titles: &[
            "Communications",
            "Communication plan",
            "Comms",
            "Notification",
            "Notifications",
            "Stakeholder communication",
            "Stakeholders",
            "Status updates",
            "Who is told",
            "Who needs to be informed",
            "Who to notify",
            "Who do we tell",
        ],
        titles_de: &[
            "Kommunikationsplan",
            "Benachrichtigung",
            "Benachrichtigungen",
            "Informationsfluss",
            "Meldeweg",
            "Meldewege",
            "Wer wird informiert",
            "Wer muss informiert werden",
        ],
        hints: &[
            ("told", 3),
            ("before and after", 2),
            ("tell", 1),
            ("inform", 1),
            ("informed", 3),
            ("notify", 3),
            ("notified", 3),
            ("notifies", 3),
            ("communicat*", 3),
            ("stakeholder*", 3),
            ("channel*", 2),
            ("announce*", 3),
            ("comms", 3),
            ("kommunik*", 3),
            ("informier*", 3),
            ("rundmail", 2),
            ("benachrichtig*", 3),
            ("kanal*", 2),
            ("meldeweg*", 3),
        ],
    },
    Entry {
        name: "contingencies",
        en: (
            "Contingencies",
            "What other contingency measures or workarounds exist if the rollback fails (last resort: the business continuity plan)?",
        ),
        de: (
            "Notfallmaßnahmen",
            "Welche weiteren Notfallmaßnahmen oder Workarounds gibt es, falls der Rollback scheitert (letztes Mittel: der Notfallplan zur Geschäftsfortführung)?",
        ),
        titles: &[
            "Contingency",
            "Contingency plan",
            "Contingency plans",
            "Contingency measures",
            "Fallback",
            "Fallbacks",
            "Fallback plan",
            "Workaround",
            "Workarounds",
            "Plan B",
            "Last resort",
            "Business continuity",
            "Business continuity plan",
            "If the rollback fails",
            "When the rollback fails",
            "What if the rollback fails",
            "Rollback failure",
        ],
        titles_de: &[
            "Notfallmassnahmen",
            "Notfallplan",
            "Notfall",
            "Alternativen",
            "Ausweichlösung",
            "Ausweichplan",
            "Rückfallebene",
            "Umgehungslösung",
            "Letztes Mittel",
            "Falls der Rollback scheitert",
            "Wenn der Rollback scheitert",
            "Wenn der Rollback fehlschlägt",
            "Geschäftsfortführung",
            "Notbetrieb",
        ],
        hints: &[
            ("contingenc*", 3),
            ("fallback*", 3),
            ("workaround*", 3),
            ("last resort", 3),
            ("continuity", 3),
            ("plan b", 3),
            ("fail*", 3),
            ("alternative*", 2),
            ("notfall*", 3),
            ("ausweich*", 3),
            ("scheitert", 2),
            ("fehlschlaegt", 2),
            ("letztes mittel", 3),
            ("umgehung*", 3),
            ("alternativ*", 2),
        ],
    },
    Entry {
        name: "testing",
        en: (
            "Testing",
            "Has this plan been tested? When, where, with what result?",
        ),
        de: (
            "Tests",
            "Wurde dieser Plan getestet? Wann, wo, mit welchem Ergebnis?",
        ),
        titles: &[
            "Tests",
            "Test",
            "Tested",
            "Plan testing",
            "Rollback testing",
            "Rollback test",
            "Rollback tests",
            "Rollback rehearsal",
            "Rehearsal",
            "Rehearsals",
            "Dry run",
            "Drill",
            "Drills",
            "Test history",
            "Test evidence",
            "Has the plan been tested",
            "Has this plan been tested",
            "Was the rollback tested",
            "Has the rollback been tested",
        ],
        titles_de: &[
            "Testen",
            "Getestet",
            "Erprobung",
            "Probelauf",
            "Testlauf",
            "Generalprobe",
            "Rollback-Test",
            "Rollback-Tests",
            "Testnachweis",
            "Wurde der Plan getestet",
            "Wurde dieser Plan getestet",
            "Ist der Plan getestet",
        ],
        hints: &[
            ("tested", 3),
            ("testing", 2),
            ("test*", 1),
            ("rehears*", 3),
            ("drill*", 3),
            ("dry run", 3),
            ("exercised", 2),
            ("practised", 2),
            ("practiced", 2),
            ("getestet", 3),
            ("erprob*", 3),
            ("geprobt", 3),
            ("probelauf", 3),
            ("testlauf", 3),
        ],
    },
];

/// The section table in use: built-in titles plus the ones backout.toml adds.
#[derive(Debug, Clone)]
pub struct Sections {
    /// Normalised title -> section. The tables are shared with the built-in one until
    /// `[sections]` adds a title (every run copies the table into its config and corpus).
    titles: Arc<HashMap<String, Kind>>,
    /// The normalised titles of each section, in [`Kind::ALL`] order.
    by_kind: Arc<Vec<Vec<String>>>,
    /// The titles `[sections]` added, as written, per section.
    added: Vec<(Kind, String)>,
    /// Every title the table was made from, as written, with its section: most headings
    /// are written just so, and need no normalising (which showed in profiles of `check`).
    exact: Arc<HashMap<String, Kind, foldhash::fast::RandomState>>,
    language: Language,
}

/// Why a title from `[sections]` cannot be added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TitleProblem {
    /// Nothing is left once numbering and punctuation are ignored.
    Empty,
    /// The title already names another section.
    Taken(Kind),
}

impl Default for Sections {
    fn default() -> Self {
        Sections::builtin().clone()
    }
}

impl Sections {
    /// The built-in table, English template.
    pub fn builtin() -> &'static Sections {
        static BUILTIN: OnceLock<Sections> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let mut titles = HashMap::new();
            let mut by_kind = vec![Vec::new(); Kind::ALL.len()];
            // Each title normalized once.
            let keyed: Vec<(&str, String)> = Kind::ALL
                .into_iter()
                .flat_map(|kind| kind.all_titles().map(move |title| (kind, title)))
                .map(|(kind, title)| {
                    let key = normalize(title);
                    if titles.insert(key.clone(), kind).is_none() {
                        by_kind[kind as usize].push(key.clone());
                    }
                    (title, key)
                })
                .collect();
            let exact = keyed
                .iter()
                .filter_map(|(title, key)| {
                    let kind = titles.get(key)?;
                    Some((title.to_string(), *kind))
                })
                .collect();
            Sections {
                titles: Arc::new(titles),
                by_kind: Arc::new(by_kind),
                added: Vec::new(),
                exact: Arc::new(exact),
                language: Language::En,
            }
        })
    }

    /// The built-in table with another template language.
    pub fn with_language(mut self, language: Language) -> Sections {
        self.language = language;
        self
    }

    /// Adds a title for `kind`; a title the table already gives `kind` is fine.
    pub fn add(&mut self, kind: Kind, title: &str) -> Result<(), TitleProblem> {
        let key = normalize(title);
        if key.is_empty() {
            return Err(TitleProblem::Empty);
        }
        match self.titles.get(&key) {
            Some(&other) if other != kind => Err(TitleProblem::Taken(other)),
            Some(_) => {
                Arc::make_mut(&mut self.exact).insert(title.trim().to_string(), kind);
                Ok(())
            }
            None => {
                Arc::make_mut(&mut self.titles).insert(key.clone(), kind);
                Arc::make_mut(&mut self.exact).insert(title.trim().to_string(), kind);
                if let Some(list) = Arc::make_mut(&mut self.by_kind).get_mut(kind as usize) {
                    list.push(key);
                }
                self.added.push((kind, title.to_string()));
                Ok(())
            }
        }
    }

    /// The titles `[sections]` added, as written.
    pub fn added(&self) -> &[(Kind, String)] {
        &self.added
    }

    pub fn language(&self) -> Language {
        self.language
    }

    /// The section a heading's text names, if any.
    pub fn kind_of(&self, title: &str) -> Option<Kind> {
        if let Some(&kind) = self.exact.get(title.trim()) {
            return Some(kind);
        }
        self.titles.get(&normalize(title)).copied()
    }

    /// The section a question or label most likely belongs to, by its words, when one
    /// section clearly wins. `min` is the least score that counts (2 is a clear hint).
    pub fn guess(&self, text: &str, min: u8) -> Option<Kind> {
        best_of(hint_scores(text), min)
    }

    /// How much `text` hints at each section, in [`Kind::ALL`] order (see [`Sections::guess`]).
    pub fn hints(&self, text: &str) -> [u8; 8] {
        hint_scores(text)
    }

    /// What a heading that names no section looks like: the section one of whose titles it
    /// misspells (an edit or two away), and the section its words hint at. For messages
    /// that point at a near miss.
    pub fn resembles(&self, title: &str) -> (Option<Kind>, Option<Kind>) {
        let key = normalize(title);
        let length = key.chars().count();
        let typo = (length > 0 && length <= 80)
            .then(|| {
                Kind::ALL.into_iter().find(|kind| {
                    self.by_kind[*kind as usize].iter().any(|known| {
                        // Two edits only in long titles: `Rollback` is no misspelt `Fallback`.
                        let allowed = if known.len() >= 12 { 2 } else { 1 };
                        // The distance is at least the difference in length.
                        length.abs_diff(known.chars().count()) <= allowed
                            && strsim::osa_distance(&key, known) <= allowed
                    })
                })
            })
            .flatten();
        (typo, best_of(hint_scores(&key), 1))
    }
}

/// The section with the highest score, when it is at least `min` and alone at the top.
pub fn best_of(scores: [u8; 8], min: u8) -> Option<Kind> {
    let best = *scores.iter().max()?;
    if best < min || scores.iter().filter(|s| **s == best).count() > 1 {
        return None;
    }
    Kind::ALL
        .into_iter()
        .zip(scores)
        .find(|(_, s)| *s == best)
        .map(|(k, _)| k)
}

/// How much `text` hints at each section, in [`Kind::ALL`] order.
fn hint_scores(text: &str) -> [u8; 8] {
    let normal = normalize(text);
    let words: Vec<&str> = normal
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let spaced = format!(" {} ", words.join(" "));
    let mut scores = [0u8; 8];
    for (score, entry) in scores.iter_mut().zip(&TABLE) {
        for (hint, weight) in entry.hints {
            if hint_matches(hint, &words, &spaced) {
                *score = score.saturating_add(*weight);
            }
        }
    }
    scores
}

fn hint_matches(hint: &str, words: &[&str], spaced: &str) -> bool {
    if hint.contains(' ') {
        // A phrase: its words in a row, as whole words.
        return spaced.match_indices(hint).any(|(at, _)| {
            spaced[..at].ends_with(' ') && spaced[at + hint.len()..].starts_with(' ')
        });
    }
    match hint.split_once('*') {
        // `gibt*frei`: a separable verb, both parts in the text.
        Some((head, tail)) if !tail.is_empty() => {
            words.iter().any(|w| w.starts_with(head)) && words.contains(&tail)
        }
        Some((head, _)) => words.iter().any(|w| w.starts_with(head)),
        None => words.contains(&hint),
    }
}

/// The language of a required section's title: the template or built-in alternative
/// title it matches in one language only; otherwise `fallback`.
pub fn title_language(title: &str, kind: Kind, fallback: Language) -> Language {
    let wanted = normalize(title);
    let matches = |language: Language| {
        std::iter::once(kind.title(language))
            .chain(kind.other_titles(language).iter().copied())
            .chain((language == Language::En).then_some(kind.name()))
            .any(|known| normalize(known) == wanted)
    };
    match (matches(Language::En), matches(Language::De)) {
        (true, false) => Language::En,
        (false, true) => Language::De,
        _ => fallback,
    }
}

/// A heading's text as the table compares it: lower case; emphasis, leading numbering
/// (`1.`, `2)`, `3.1`, `(4)`, `A.`, `IV.`, `Step 3:`, `Schritt 3:`) and a trailing `:` or
/// `?` removed; `-`, `_` and `/` read as spaces, `&` and `und` as `and`; umlauts and `ß`
/// folded (`Notfallmassnahmen` is `Notfallmaßnahmen`); `roll back` read as `rollback`,
/// `back out` as `backout`, `fall back` as `fallback`.
pub fn normalize(title: &str) -> String {
    let mut text = title.trim();
    loop {
        let before = text;
        text = text.trim_matches(|c: char| matches!(c, '*' | '_' | '`' | '~') || c.is_whitespace());
        text = strip_numbering(text);
        text = text
            .trim_end_matches(|c: char| matches!(c, ':' | '?' | '？' | '：') || c.is_whitespace());
        if text == before {
            break;
        }
    }
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '-' | '–' | '—' | '_' | '/' | '\u{a0}' => folded.push(' '),
            'ß' | 'ẞ' => folded.push_str("ss"),
            'ä' | 'Ä' => folded.push_str("ae"),
            'ö' | 'Ö' => folded.push_str("oe"),
            'ü' | 'Ü' => folded.push_str("ue"),
            '*' | '`' => {}
            c => folded.extend(c.to_lowercase()),
        }
    }
    let words: Vec<&str> = folded
        .split_whitespace()
        .map(|w| match w {
            "&" | "und" => "and",
            w => w,
        })
        .collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let joined = match (words[i], words.get(i + 1)) {
            ("roll" | "rolls" | "rolling" | "rolled", Some(&"back")) => Some("rollback"),
            ("back" | "backs" | "backing" | "backed", Some(&"out")) => Some("backout"),
            ("fall", Some(&"back")) => Some("fallback"),
            ("work", Some(&"around")) => Some("workaround"),
            _ => None,
        };
        match joined {
            Some(word) => {
                out.push(word.to_string());
                i += 2;
            }
            None => {
                out.push(words[i].to_string());
                i += 1;
            }
        }
    }
    out.join(" ")
}

/// `text` without leading numbering such as `1.`, `2)`, `3.1`, `(4)`, `A.`, `IV.`,
/// `§ 5`, `Step 3:` or `Schritt 3 -`.
fn strip_numbering(text: &str) -> &str {
    let rest = numbering_end(text);
    if rest.len() == text.len() {
        return text;
    }
    // Numbering must be followed by a separator or a space, and leave a title behind.
    let after = rest.trim_start_matches([':', '.', ')', '-', '–', '—']);
    if after.len() == rest.len() && !rest.starts_with(char::is_whitespace) {
        return text;
    }
    let after = after.trim_start();
    if after.is_empty() { text } else { after }
}

/// The text after a leading number, letter or "Step N" marker (the text itself if none).
fn numbering_end(text: &str) -> &str {
    let lower = text.to_lowercase();
    for word in [
        "step",
        "schritt",
        "section",
        "abschnitt",
        "phase",
        "part",
        "teil",
        "stage",
    ] {
        if lower.starts_with(word) && lower.is_char_boundary(word.len()) {
            let rest = text.get(word.len()..).unwrap_or("").trim_start();
            let digits = rest.trim_start_matches(|c: char| c.is_ascii_digit());
            if digits.len() < rest.len() {
                return digits;
            }
        }
    }
    if let Some(rest) = text.strip_prefix('§') {
        let rest = rest.trim_start();
        let digits = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
        if digits.len() < rest.len() {
            return digits;
        }
    }
    if let Some(rest) = text.strip_prefix('(') {
        let inner = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
        if inner.len() < rest.len()
            && rest.len() - inner.len() <= 3
            && let Some(after) = inner.strip_prefix(')')
        {
            return after;
        }
    }
    // 1, 1.2, 1.2.3 (the separator check happens in the caller).
    let digits = text.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    if digits.len() < text.len() && text.starts_with(|c: char| c.is_ascii_digit()) {
        return digits;
    }
    // A. / b) / IV. : a letter or roman numeral, then `.` or `)`.
    let letters = text.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let count = text.len() - letters.len();
    let head = &text[..count];
    let roman = !head.is_empty() && head.chars().all(|c| "ivxIVX".contains(c)) && count <= 4;
    if (count == 1 || roman) && (letters.starts_with(". ") || letters.starts_with(") ")) {
        return &letters[1..];
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_numbering_emphasis_case_and_punctuation() {
        let cases = [
            ("Procedure", "procedure"),
            ("  **Procedure**  ", "procedure"),
            ("1. Criteria", "criteria"),
            ("2) Decision:", "decision"),
            ("3.1 Rollback steps", "rollback steps"),
            ("(4) Verification", "verification"),
            ("A. Testing", "testing"),
            ("IV. Communication", "communication"),
            ("Step 3: Procedure", "procedure"),
            ("Schritt 3 - Ablauf", "ablauf"),
            ("§ 7 Kommunikation", "kommunikation"),
            ("Who decides to roll back?", "who decides to rollback"),
            ("_Roles & Responsibilities_", "roles and responsibilities"),
            (
                "Rollen und Verantwortlichkeiten",
                "rollen and verantwortlichkeiten",
            ),
            ("NOTFALLMASSNAHMEN", "notfallmassnahmen"),
            ("Notfallmaßnahmen", "notfallmassnahmen"),
            ("Go/No-Go", "go no go"),
            ("Überprüfung", "ueberpruefung"),
            // A number that is the title stays.
            ("2024", "2024"),
            ("Step 2", "step 2"),
            // Not numbering: words that merely start with a letter and a dot-free rest.
            ("Approval", "approval"),
            ("I/O limits", "i o limits"),
        ];
        for (title, want) in cases {
            assert_eq!(normalize(title), want, "{title:?}");
        }
    }

    #[test]
    fn every_title_names_exactly_one_section() {
        let mut seen: HashMap<String, &str> = HashMap::new();
        for kind in Kind::ALL {
            let entry = kind.entry();
            for title in kind.all_titles() {
                let key = normalize(title);
                assert!(!key.is_empty(), "{title:?}");
                if let Some(other) = seen.insert(key.clone(), entry.name) {
                    assert_eq!(other, entry.name, "{title:?} ({key}) is in two sections");
                }
            }
        }
    }

    #[test]
    fn built_in_titles_in_both_languages() {
        let sections = Sections::builtin();
        let cases = [
            ("Rollback Criteria", Kind::Criteria),
            ("Kriterien", Kind::Criteria),
            ("Decision:", Kind::Decision),
            ("## Who decides?", Kind::Decision),
            ("Wer entscheidet?", Kind::Decision),
            ("Roles and Responsibilities", Kind::Responsibilities),
            ("Rollback Steps", Kind::Procedure),
            ("Ablauf", Kind::Procedure),
            ("Backout Procedure", Kind::Procedure),
            ("Verifikation", Kind::Verification),
            ("Smoke tests", Kind::Verification),
            ("Checks afterwards", Kind::Verification),
            ("Kommunikation", Kind::Communication),
            ("Contingency", Kind::Contingencies),
            ("Fallback", Kind::Contingencies),
            ("Notfallmaßnahmen", Kind::Contingencies),
            ("Tests", Kind::Testing),
            ("1. Criteria", Kind::Criteria),
        ];
        for (title, kind) in cases {
            let title = title.trim_start_matches("## ");
            assert_eq!(sections.kind_of(title), Some(kind), "{title:?}");
        }
        for title in ["Rollback", "Overview", "Deployment steps", "Procdure"] {
            assert_eq!(sections.kind_of(title), None, "{title:?}");
        }
    }

    #[test]
    fn added_titles_are_checked() {
        let mut sections = Sections::builtin().clone();
        assert_eq!(sections.add(Kind::Procedure, "Runbook"), Ok(()));
        assert_eq!(sections.add(Kind::Procedure, "Rückbau"), Ok(()));
        assert_eq!(sections.kind_of("RÜCKBAU"), Some(Kind::Procedure));
        assert_eq!(
            sections.add(Kind::Procedure, "Verification"),
            Err(TitleProblem::Taken(Kind::Verification))
        );
        assert_eq!(
            sections.add(Kind::Criteria, "1. :"),
            Err(TitleProblem::Empty)
        );
        assert_eq!(sections.added().len(), 1);
    }

    #[test]
    fn guesses_questions_by_their_words() {
        let sections = Sections::builtin();
        let cases = [
            ("Which metrics tell us to roll back?", Some(Kind::Criteria)),
            ("When do we pull the plug?", Some(Kind::Criteria)),
            (
                "Who has the authority to pull the plug?",
                Some(Kind::Decision),
            ),
            (
                "Who performs the rollback, and how soon?",
                Some(Kind::Responsibilities),
            ),
            ("How do we roll back?", Some(Kind::Procedure)),
            (
                "What are the steps to undo the release?",
                Some(Kind::Procedure),
            ),
            (
                "How do we confirm the service is healthy again?",
                Some(Kind::Verification),
            ),
            ("Who must be told, and where?", Some(Kind::Communication)),
            ("What if reverting fails?", Some(Kind::Contingencies)),
            ("Was this rehearsed?", Some(Kind::Testing)),
            ("Wer gibt den Rückfall frei?", Some(Kind::Decision)),
            (
                "Wie schnell nach der Entscheidung beginnt das Team?",
                Some(Kind::Responsibilities),
            ),
            ("Wer wird benachrichtigt?", Some(Kind::Communication)),
            ("Wurde das Zurückrollen erprobt?", Some(Kind::Testing)),
            ("Overview", None),
            ("Background and motivation", None),
        ];
        for (text, want) in cases {
            assert_eq!(sections.guess(text, 2), want, "{text:?}");
        }
    }

    #[test]
    fn near_misses_by_spelling_or_words() {
        let sections = Sections::builtin();
        let cases = [
            ("Procdure", Some(Kind::Procedure), None),
            ("Critera", Some(Kind::Criteria), None),
            (
                "Contingency plans",
                Some(Kind::Contingencies),
                Some(Kind::Contingencies),
            ),
            (
                "Responsibilties",
                Some(Kind::Responsibilities),
                Some(Kind::Responsibilities),
            ),
            ("Overview", None, None),
            ("Rollback", None, Some(Kind::Procedure)),
        ];
        for (title, typo, hint) in cases {
            assert_eq!(sections.resembles(title), (typo, hint), "{title}");
        }
    }

    #[test]
    fn names_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_name(kind.name()), Some(kind));
            assert!(!kind.question(Language::De).is_empty());
        }
        assert_eq!(Language::from_code("de"), Some(Language::De));
        assert_eq!(Language::from_code("fr"), None);
    }

    #[test]
    fn titles_as_written_name_what_they_name_normalised() {
        let mut sections = Sections::builtin().clone();
        assert_eq!(
            sections.add(Kind::Procedure, "  Rückbau-Schritte: "),
            Ok(())
        );
        for kind in Kind::ALL {
            for title in kind.all_titles() {
                let normalised = sections.titles.get(&normalize(title)).copied();
                assert_eq!(sections.kind_of(title), normalised, "{title:?}");
            }
        }
        assert_eq!(sections.kind_of("Rückbau-Schritte:"), Some(Kind::Procedure));
        assert_eq!(sections.kind_of("RUECKBAU SCHRITTE"), Some(Kind::Procedure));
    }
}
