//! The words the text formats add around a plan, in the plan's language, and how that
//! language is told: from the titles its required sections carry.

use crate::markdown::Body;
use crate::sections::Language;

pub use crate::sections::title_language;

/// The language most of the plan's required sections are titled in; `fallback` (the
/// repository's `language`) on a tie.
pub fn plan_language(body: &Body, fallback: Language) -> Language {
    body.language(fallback)
}

/// The fixed words of the text formats.
pub struct Words {
    pub plan: &'static str,
    pub release: &'static str,
    pub team: &'static str,
    pub status: &'static str,
    pub window: &'static str,
    pub after_deployment: &'static str,
    pub duration: &'static str,
    pub not_stated: &'static str,
    pub tested: &'static str,
    pub latest_drill: &'static str,
    pub latest_incident: &'static str,
    pub latest_passing: &'static str,
    pub more: &'static str,
    pub item: &'static str,
    pub kind: &'static str,
    pub version: &'static str,
    pub previous: &'static str,
    pub reversible: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub none: &'static str,
    pub baseline: &'static str,
    pub forked_from: &'static str,
    pub check: &'static str,
    pub plan_file: &'static str,
    pub manifest: &'static str,
    pub no_manifest: &'static str,
    pub rollback_to: &'static str,
    pub irreversible: &'static str,
    pub not_answered: &'static str,
    pub missing: &'static str,
    pub evidence: &'static str,
    pub irreversible_changes: &'static str,
    pub no_irreversible: &'static str,
    pub window_and_duration: &'static str,
    pub step: &'static str,
    pub steps: &'static str,
    pub and: &'static str,
    pub by: &'static str,
    pub on: &'static str,
    pub took: &'static str,
    pub planned: &'static str,
    pub of: &'static str,
    pub steps_done: &'static str,
    pub procedure_changed: &'static str,
}

pub const EN: Words = Words {
    plan: "Backout plan",
    release: "Release",
    team: "Team",
    status: "Status",
    window: "Rollback window",
    after_deployment: "after deployment",
    duration: "Expected rollback duration",
    not_stated: "not stated",
    tested: "Tested",
    latest_drill: "Latest drill",
    latest_incident: "Latest real backout",
    latest_passing: "Latest passing drill",
    more: "more",
    item: "Item",
    kind: "Kind",
    version: "Version",
    previous: "Rollback to",
    reversible: "Reversible",
    yes: "yes",
    no: "no",
    none: "none",
    baseline: "Baseline",
    forked_from: "forked from",
    check: "Check",
    plan_file: "Plan",
    manifest: "What the release deploys",
    no_manifest: "The release has no manifest that could be read.",
    rollback_to: "rollback to",
    irreversible: "irreversible",
    not_answered: "(not answered)",
    missing: "(missing from the plan)",
    evidence: "Evidence",
    irreversible_changes: "Irreversible changes",
    no_irreversible: "None: the rollback can undo every item of the release.",
    window_and_duration: "Rollback window and duration",
    step: "step",
    steps: "steps",
    and: "and",
    by: "by",
    on: "on",
    took: "took",
    planned: "planned",
    of: "of",
    steps_done: "steps done",
    procedure_changed: "the procedure changed since",
};

pub const DE: Words = Words {
    plan: "Backout-Plan",
    release: "Release",
    team: "Team",
    status: "Status",
    window: "Rollback-Fenster",
    after_deployment: "nach dem Deployment",
    duration: "Erwartete Dauer des Rollbacks",
    not_stated: "nicht angegeben",
    tested: "Getestet",
    latest_drill: "Letzte Übung",
    latest_incident: "Letzter echter Rollback",
    latest_passing: "Letzte erfolgreiche Übung",
    more: "weitere",
    item: "Element",
    kind: "Art",
    version: "Version",
    previous: "Rollback auf",
    reversible: "Umkehrbar",
    yes: "ja",
    no: "nein",
    none: "keine",
    baseline: "Basis",
    forked_from: "übernommen von",
    check: "Prüfung",
    plan_file: "Plan",
    manifest: "Was das Release ausliefert",
    no_manifest: "Das Release hat kein lesbares Manifest.",
    rollback_to: "Rollback auf",
    irreversible: "nicht umkehrbar",
    not_answered: "(nicht beantwortet)",
    missing: "(fehlt im Plan)",
    evidence: "Nachweise",
    irreversible_changes: "Nicht umkehrbare Änderungen",
    no_irreversible: "Keine: der Rollback kann jedes Element des Releases rückgängig machen.",
    window_and_duration: "Rollback-Fenster und Dauer",
    step: "Schritt",
    steps: "Schritte",
    and: "und",
    by: "von",
    on: "auf",
    took: "Dauer",
    planned: "geplant",
    of: "von",
    steps_done: "Schritten erledigt",
    procedure_changed: "der Ablauf wurde seitdem geändert",
};

pub fn words(language: Language) -> &'static Words {
    match language {
        Language::En => &EN,
        Language::De => &DE,
    }
}

/// `1 error`, `2 Fehler`, `3 warnings`, `1 Warnung`.
pub fn count(language: Language, n: usize, error: bool) -> String {
    let noun = match (language, error, n == 1) {
        (Language::En, true, true) => "error",
        (Language::En, true, false) => "errors",
        (Language::En, false, true) => "warning",
        (Language::En, false, false) => "warnings",
        (Language::De, true, _) => "Fehler",
        (Language::De, false, true) => "Warnung",
        (Language::De, false, false) => "Warnungen",
    };
    match (language, n) {
        (Language::En, 0) => format!("no {noun}"),
        (Language::De, 0) if error => "keine Fehler".to_string(),
        (Language::De, 0) => "keine Warnungen".to_string(),
        _ => format!("{n} {noun}"),
    }
}

/// Whether the rollback fits the window, as a sentence.
pub fn fit(language: Language, window: &str, duration: &str, spare: Option<&str>) -> String {
    match (language, spare) {
        (Language::En, Some(spare)) => format!(
            "The rollback is expected to take {duration} and is possible until {window} after deployment: it fits, with {spare} to spare."
        ),
        (Language::En, None) => format!(
            "The rollback is expected to take {duration} but is only possible until {window} after deployment: it does not fit."
        ),
        (Language::De, Some(spare)) => format!(
            "Der Rollback dauert voraussichtlich {duration} und ist bis {window} nach dem Deployment möglich: er passt, mit {spare} Reserve."
        ),
        (Language::De, None) => format!(
            "Der Rollback dauert voraussichtlich {duration}, ist aber nur bis {window} nach dem Deployment möglich: er passt nicht hinein."
        ),
    }
}

/// What the plan says about an irreversible item, as the end of a sentence.
pub fn coverage(language: Language, places: Option<&str>) -> String {
    match (language, places) {
        (Language::En, Some(places)) => {
            format!("the rollback cannot undo it; the plan covers it in {places}.")
        }
        (Language::En, None) => {
            "the rollback cannot undo it, and the plan does not say what to do instead.".into()
        }
        (Language::De, Some(places)) => {
            format!("der Rollback kann es nicht rückgängig machen; der Plan behandelt es in {places}.")
        }
        (Language::De, None) => {
            "der Rollback kann es nicht rückgängig machen, und der Plan sagt nicht, was stattdessen zu tun ist.".into()
        }
    }
}

/// A passing drill that took longer than the plan expects, as a sentence.
pub fn slow(language: Language, took: &str, duration: &str) -> String {
    match language {
        Language::En => {
            format!("The latest passing drill took {took}, longer than the expected {duration}.")
        }
        Language::De => format!(
            "Die letzte erfolgreiche Übung dauerte {took}, länger als die erwarteten {duration}."
        ),
    }
}

/// `a`, `a and b`, `a, b and c`.
pub fn join(language: Language, parts: &[String]) -> String {
    let and = words(language).and;
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {and} {last}", rest.join(", ")),
    }
}
