//! Stable identities for findings, for the dashboards that track them across runs (GitHub
//! code scanning's `partialFingerprints`, GitLab Code Quality's `fingerprint`).
//!
//! A fingerprint is what a finding is about, not where it is: the rule, the file and the
//! finding's subject (the first `quoted` name of its message — the item, section or word —
//! and the text its span covers), hashed, plus the subject's occurrence number in the file.
//! Editing lines above a finding keeps its fingerprint; two findings never share one.

use std::collections::HashMap;

use super::Finding;

/// The `partialFingerprints` key backout's fingerprints are given under.
pub const KEY: &str = "backoutSubject/v1";

/// One fingerprint per finding, in the same order; all different.
pub fn fingerprints(findings: &[Finding]) -> Vec<String> {
    // Occurrences count in file order, so the numbering does not depend on output order.
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| (&findings[i].file, findings[i].line, findings[i].column));
    let mut seen: HashMap<u64, usize> = HashMap::new();
    let mut out = vec![String::new(); findings.len()];
    for i in order {
        let hash = fnv1a(&subject(&findings[i]));
        let occurrence = seen.entry(hash).or_default();
        *occurrence += 1;
        out[i] = format!("{hash:016x}:{occurrence}");
    }
    out
}

/// The text identifying what a finding is about.
fn subject(finding: &Finding) -> String {
    let quoted = finding.message.split('`').nth(1).unwrap_or_default();
    let snippet = &finding.snippet;
    let skip = finding.column.saturating_sub(snippet.first_column.max(1));
    let width = finding.end_column.saturating_sub(finding.column);
    let spanned: String = snippet.text.chars().skip(skip).take(width).collect();
    let about = if quoted.is_empty() && spanned.trim().is_empty() {
        finding.message.as_str()
    } else {
        ""
    };
    // NUL never occurs in these texts, so the parts cannot run into each other.
    [finding.rule.code(), &finding.file, quoted, &spanned, about].join("\0")
}

/// 64-bit FNV-1a: small, fast, and the same in every build and on every platform (the
/// standard library's hasher is neither promised).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Rule, SourceFile};

    fn at(file: &SourceFile<'_>, needle: &str, nth: usize, message: &str) -> Finding {
        let start = file
            .text()
            .match_indices(needle)
            .nth(nth)
            .map(|(i, _)| i)
            .unwrap_or_else(|| panic!("{needle}"));
        file.finding(Rule::ForeignItem, start..start + needle.len(), message)
    }

    #[test]
    fn subjects_differ_and_repeats_are_numbered() {
        let text = "1. Restart `ledger-worker`\n2. Drain `ledger-worker` and `fraud-scorer`\n";
        let file = SourceFile::new("plans/p/v1.5/plan.md", text);
        let findings = [
            at(
                &file,
                "ledger-worker",
                0,
                "`ledger-worker` belongs to p/v1.4",
            ),
            at(
                &file,
                "ledger-worker",
                1,
                "`ledger-worker` belongs to p/v1.4",
            ),
            at(&file, "fraud-scorer", 0, "`fraud-scorer` belongs to q/v2"),
        ];
        let prints = fingerprints(&findings);
        assert!(prints[0].ends_with(":1") && prints[1].ends_with(":2"));
        assert_eq!(prints[0].split(':').next(), prints[1].split(':').next());
        assert_ne!(prints[0].split(':').next(), prints[2].split(':').next());
    }

    #[test]
    fn moving_lines_keeps_the_fingerprint() {
        let before = SourceFile::new("p.md", "`ledger-worker`\n");
        let after = SourceFile::new("p.md", "new line\n\n`ledger-worker`\n");
        let message = "`ledger-worker` belongs to p/v1.4";
        assert_eq!(
            fingerprints(&[at(&before, "ledger-worker", 0, message)]),
            fingerprints(&[at(&after, "ledger-worker", 0, message)])
        );
    }

    #[test]
    fn the_hash_is_fixed() {
        // Dashboards keep fingerprints across releases: the function must never change.
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
