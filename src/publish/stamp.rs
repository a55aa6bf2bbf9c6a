//! Stamping a plan as published: `status = "published"` and `[published] at/commit` in its
//! front matter. Only the TOML between the `+++` lines is edited, through toml_edit, so
//! comments, key order and spacing stay; every byte outside the stamped keys is kept.

use toml_edit::{Datetime, DocumentMut, Item, Table, Value, value};

use crate::plan::split_front_matter;

/// When and from which commit a plan is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub at: Datetime,
    pub commit: String,
}

/// The plan text with the stamp applied; the error completes "the front matter ...".
pub fn stamp(text: &str, stamp: &Stamp) -> Result<String, String> {
    let (span, _) = split_front_matter(text)
        .ok_or_else(|| "is missing or never closed with a `+++` line".to_string())?;
    let front = &text[span.clone()];
    let mut doc: DocumentMut = front
        .parse()
        .map_err(|e: toml_edit::TomlError| format!("is not valid TOML: {}", e.message()))?;
    let root = doc.as_table_mut();
    match root.get_mut("status") {
        Some(item) => replace(item, Value::from("published"), "status")?,
        None => {
            root.insert("status", value("published"));
        }
    }
    match root.get_mut("published") {
        Some(item) => {
            let table = item
                .as_table_like_mut()
                .ok_or_else(|| "has `published` that is not a table".to_string())?;
            for (key, new) in [
                ("at", Value::from(stamp.at)),
                ("commit", Value::from(stamp.commit.as_str())),
            ] {
                match table.get_mut(key) {
                    Some(item) => replace(item, new, key)?,
                    None => {
                        table.insert(key, Item::Value(new));
                    }
                }
            }
        }
        None => {
            let mut table = Table::new();
            // Plans write their tables without blank lines between them (see the SPEC).
            table.decor_mut().set_prefix("");
            table.insert("at", value(stamp.at));
            table.insert("commit", value(stamp.commit.as_str()));
            root.insert("published", Item::Table(table));
        }
    }
    let mut edited = doc.to_string();
    if front.contains("\r\n") {
        edited = crate::fields::crlf(&edited);
    }
    Ok(format!(
        "{}{edited}{}",
        &text[..span.start],
        &text[span.end..]
    ))
}

/// Replaces a value, keeping its decor: the spaces around it and its trailing `# comment`.
fn replace(item: &mut Item, new: Value, key: &str) -> Result<(), String> {
    let Item::Value(old) = item else {
        return Err(format!("has `{key}` that is not a plain value"));
    };
    let decor = old.decor().clone();
    *old = new;
    *old.decor_mut() = decor;
    Ok(())
}

pub use crate::clock::utc;

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Stamp {
        Stamp {
            at: utc(1_764_086_400).unwrap_or(Datetime {
                date: None,
                time: None,
                offset: None,
            }),
            commit: "0123456789abcdef0123456789abcdef01234567".into(),
        }
    }

    /// The lines of `after` that are not in `before`, and the lines of `before` gone.
    fn changed(before: &str, after: &str) -> (Vec<String>, Vec<String>) {
        let b: Vec<&str> = before.split_inclusive('\n').collect();
        let a: Vec<&str> = after.split_inclusive('\n').collect();
        let added = a.iter().filter(|l| !b.contains(l)).map(|l| l.to_string());
        let removed = b.iter().filter(|l| !a.contains(l)).map(|l| l.to_string());
        (added.collect(), removed.collect())
    }

    #[test]
    fn converts_epoch_seconds() {
        assert_eq!(
            utc(0).map(|d| d.to_string()).as_deref(),
            Some("1970-01-01T00:00:00Z")
        );
        assert_eq!(
            utc(1_764_086_400).map(|d| d.to_string()).as_deref(),
            Some("2025-11-25T16:00:00Z")
        );
        assert_eq!(
            utc(951_782_400 + 86_399).map(|d| d.to_string()).as_deref(),
            Some("2000-02-29T23:59:59Z")
        );
        assert_eq!(utc(-1), None);
        assert_eq!(utc(i64::MAX), None);
    }

    #[test]
    fn stamps_status_and_appends_published_keeping_comments() {
        let text = "+++\nteam = \"payments\"   # who\nrelease = \"v1.5\"\nstatus = \"approved\"        # draft | approved | published\n# a comment line\nwindow = \"72h\"\n[tested]\non = 2026-11-20\nresult = \"pass\"   # pass | fail\n+++\n\n## Criteria\nstatus = \"draft\"\n";
        let stamped = stamp(text, &sample()).unwrap_or_default();
        assert_eq!(
            stamped,
            "+++\nteam = \"payments\"   # who\nrelease = \"v1.5\"\nstatus = \"published\"        # draft | approved | published\n# a comment line\nwindow = \"72h\"\n[tested]\non = 2026-11-20\nresult = \"pass\"   # pass | fail\n[published]\nat = 2025-11-25T16:00:00Z\ncommit = \"0123456789abcdef0123456789abcdef01234567\"\n+++\n\n## Criteria\nstatus = \"draft\"\n"
        );
    }

    #[test]
    fn replaces_an_existing_published_table_in_place() {
        let text = "+++\nstatus = \"published\" # s\n[published]   # stamp\nat = 2020-01-01T00:00:00Z  # when\ncommit = \"old\"\n[tested]\nresult = \"pass\"\n+++\nbody\n";
        let stamped = stamp(text, &sample()).unwrap_or_default();
        let (added, removed) = changed(text, &stamped);
        assert_eq!(
            added,
            [
                "at = 2025-11-25T16:00:00Z  # when\n",
                "commit = \"0123456789abcdef0123456789abcdef01234567\"\n"
            ]
        );
        assert_eq!(
            removed,
            ["at = 2020-01-01T00:00:00Z  # when\n", "commit = \"old\"\n"]
        );
        // Stamping twice with the same stamp changes nothing more.
        assert_eq!(stamp(&stamped, &sample()).unwrap_or_default(), stamped);
    }

    #[test]
    fn handles_inline_and_dotted_published() {
        let inline = "+++\nstatus = \"approved\"\npublished = { at = 2020-01-01T00:00:00Z, commit = \"old\" }\n+++\n";
        let stamped = stamp(inline, &sample()).unwrap_or_default();
        assert!(stamped.contains("published = { at = 2025-11-25T16:00:00Z, commit = \"0123456789abcdef0123456789abcdef01234567\" }"), "{stamped}");
        let dotted = "+++\nstatus = \"approved\"\npublished.commit = \"old\"\n+++\n";
        let stamped = stamp(dotted, &sample()).unwrap_or_default();
        assert!(stamped.contains("published.commit = \"0123"), "{stamped}");
        assert!(
            stamped.contains("published.at = 2025-11-25T16:00:00Z"),
            "{stamped}"
        );
    }

    #[test]
    fn keeps_crlf_and_bom() {
        let text = "\u{feff}+++\r\nstatus = \"approved\" # s\r\nteam = \"x\"\r\n+++\r\nbody\r\n";
        let stamped = stamp(text, &sample()).unwrap_or_default();
        assert_eq!(
            stamped,
            "\u{feff}+++\r\nstatus = \"published\" # s\r\nteam = \"x\"\r\n[published]\r\nat = 2025-11-25T16:00:00Z\r\ncommit = \"0123456789abcdef0123456789abcdef01234567\"\r\n+++\r\nbody\r\n"
        );
    }

    #[test]
    fn refuses_what_it_cannot_edit() {
        assert!(stamp("no front matter", &sample()).is_err());
        assert!(stamp("+++\nstatus = \n+++\n", &sample()).is_err());
        assert!(stamp("+++\n[status]\nx = 1\n+++\n", &sample()).is_err());
        assert!(stamp("+++\npublished = 3\n+++\n", &sample()).is_err());
    }
}
