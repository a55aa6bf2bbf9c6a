//! Typed reading of TOML tables that remembers where every value came from, and reports
//! wrong types, missing keys and unknown keys (with a did-you-mean) as located problems.
//!
//! backout.toml, plan front matter and manifests are all read through here, so every
//! file reports its mistakes the same way.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};
use toml::value::Datetime;

use crate::names::PlanId;

/// A mistake in a TOML document: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub span: Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
    pub fn new(span: Range<usize>, message: impl Into<String>) -> Self {
        Problem {
            span,
            message: message.into(),
            help: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Parses a TOML document; a syntax error is one problem.
pub fn parse(text: &str) -> Result<Spanned<DeTable<'_>>, Problem> {
    DeTable::parse(text).map_err(|error| {
        let span = error.span().unwrap_or(0..0);
        let message = error.message().trim_end().replace('\n', " ");
        Problem::new(span, format!("not valid TOML: {message}"))
    })
}

/// Lists the keys of other tables, with their help, for the table of the name given.
pub type Elsewhere = fn(&'static str) -> Vec<(&'static str, String)>;

/// A value with the byte span it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At<T> {
    pub value: T,
    pub span: Range<usize>,
}

impl At<&str> {
    /// The same value, owned.
    pub fn owned(&self) -> At<String> {
        At {
            value: self.value.to_string(),
            span: self.span.clone(),
        }
    }
}

/// Reads the required `team` and `release` keys, reporting where they differ from the
/// directory the file sits in; `what` names the file in messages ("front matter", "manifest").
pub fn read_identity(
    root: &mut Table<'_, '_>,
    expected: &PlanId,
    what: &str,
    problems: &mut Vec<Problem>,
) -> (Option<At<String>>, Option<At<String>>) {
    let mut read = |key: &'static str, want: &str| {
        let value = root.required_string(key, &format!("\"{want}\""), problems)?;
        if value.value != want {
            problems.push(
                Problem::new(
                    value.span.clone(),
                    format!(
                        "{what} `{key}` is \"{}\" but the directory says \"{want}\"",
                        value.value
                    ),
                )
                .help(format!("set `{key} = \"{want}\"`, or move the file")),
            );
        }
        Some(value.owned())
    };
    let team = read("team", &expected.team);
    let release = read("release", &expected.release);
    (team, release)
}

/// Reads one table: each accessor marks its key as known; `finish` reports the others.
pub struct Table<'t, 'i> {
    table: &'t DeTable<'i>,
    span: Range<usize>,
    /// How the table is named in messages: "" for the document, "[tags]", "items[2]".
    name: String,
    known: Vec<&'static str>,
    /// Keys of other tables, with the help to give when one turns up here: worked out only
    /// when an unknown key turns up (a name given to a function that lists them).
    elsewhere: Option<(&'static str, Elsewhere)>,
}

impl<'t, 'i> Table<'t, 'i> {
    pub fn root(doc: &'t Spanned<DeTable<'i>>) -> Self {
        Table::new(doc.get_ref(), doc.span(), String::new())
    }

    fn new(table: &'t DeTable<'i>, span: Range<usize>, name: String) -> Self {
        Table {
            table,
            span,
            name,
            known: Vec::new(),
            elsewhere: None,
        }
    }

    /// Names keys that belong to another table, with the help `finish` gives when one is
    /// found here instead of a did-you-mean (a `[tested]` key below `[baseline]`, say).
    /// Names the keys that belong to other tables: `keys(name)` lists them, each with its
    /// help, for this table named `name`.
    pub fn elsewhere(&mut self, name: &'static str, keys: Elsewhere) {
        self.elsewhere = Some((name, keys));
    }

    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    fn key_name(&self, key: &str) -> String {
        if self.name.is_empty() {
            format!("`{key}`")
        } else {
            format!("`{key}` in {}", self.name)
        }
    }

    fn get(&mut self, key: &'static str) -> Option<&'t Spanned<DeValue<'i>>> {
        self.known.push(key);
        self.table.get(key)
    }

    fn wrong_type(&self, key: &str, value: &Spanned<DeValue<'_>>, want: &str) -> Problem {
        Problem::new(
            value.span(),
            format!(
                "{} must be {want}, not {}",
                self.key_name(key),
                describe(value.get_ref())
            ),
        )
        .help(match want {
            "a string" => format!("put the value in quotes: {key} = \"...\""),
            _ => format!(
                "write {want} there (every key is listed at {})",
                crate::docs_url!("format.md")
            ),
        })
    }

    /// Reports a missing required key at the table's start.
    pub fn missing(&self, key: &str, example: &str) -> Problem {
        let start = self.span.start;
        Problem::new(start..start, format!("{} is missing", self.key_name(key)))
            .help(format!("add `{key} = {example}`"))
    }

    pub fn string(
        &mut self,
        key: &'static str,
        problems: &mut Vec<Problem>,
    ) -> Option<At<&'t str>> {
        let value = self.get(key)?;
        match value.get_ref().as_str() {
            Some(text) => Some(At {
                value: text,
                span: value.span(),
            }),
            None => {
                problems.push(self.wrong_type(key, value, "a string"));
                None
            }
        }
    }

    /// Like `string`, but a missing key is a problem too, with an example value.
    pub fn required_string(
        &mut self,
        key: &'static str,
        example: &str,
        problems: &mut Vec<Problem>,
    ) -> Option<At<&'t str>> {
        if !self.table.contains_key(key) {
            self.known.push(key);
            problems.push(self.missing(key, example));
            return None;
        }
        self.string(key, problems)
    }

    pub fn bool(&mut self, key: &'static str, problems: &mut Vec<Problem>) -> Option<At<bool>> {
        let value = self.get(key)?;
        match value.get_ref().as_bool() {
            Some(flag) => Some(At {
                value: flag,
                span: value.span(),
            }),
            None => {
                problems.push(self.wrong_type(key, value, "true or false"));
                None
            }
        }
    }

    /// A whole number.
    pub fn integer(&mut self, key: &'static str, problems: &mut Vec<Problem>) -> Option<At<i64>> {
        let value = self.get(key)?;
        let number = value
            .get_ref()
            .as_integer()
            .and_then(|n| i64::from_str_radix(n.as_str(), n.radix()).ok());
        match number {
            Some(number) => Some(At {
                value: number,
                span: value.span(),
            }),
            None => {
                problems.push(self.wrong_type(key, value, "a whole number"));
                None
            }
        }
    }

    pub fn datetime(
        &mut self,
        key: &'static str,
        problems: &mut Vec<Problem>,
    ) -> Option<At<Datetime>> {
        let value = self.get(key)?;
        match value.get_ref().as_datetime() {
            Some(datetime) => Some(At {
                value: *datetime,
                span: value.span(),
            }),
            None => {
                problems.push(self.wrong_type(key, value, "a TOML date such as 2026-11-20"));
                None
            }
        }
    }

    /// An array of strings; a non-string element is reported and skipped.
    pub fn strings(
        &mut self,
        key: &'static str,
        problems: &mut Vec<Problem>,
    ) -> Option<Vec<At<&'t str>>> {
        let value = self.get(key)?;
        let Some(array) = value.get_ref().as_array() else {
            problems.push(self.wrong_type(key, value, "an array of strings"));
            return None;
        };
        let mut out = Vec::with_capacity(array.len());
        for element in array.iter() {
            match element.get_ref().as_str() {
                Some(text) => out.push(At {
                    value: text,
                    span: element.span(),
                }),
                None => problems.push(self.wrong_type(key, element, "an array of strings")),
            }
        }
        Some(out)
    }

    /// A sub-table such as `[tags]`.
    pub fn table(
        &mut self,
        key: &'static str,
        problems: &mut Vec<Problem>,
    ) -> Option<Table<'t, 'i>> {
        let value = self.get(key)?;
        match value.get_ref().as_table() {
            Some(table) => Some(Table::new(table, value.span(), format!("[{key}]"))),
            None => {
                problems.push(self.wrong_type(key, value, &format!("a table `[{key}]`")));
                None
            }
        }
    }

    /// An array of tables such as `[[items]]`.
    pub fn tables(
        &mut self,
        key: &'static str,
        problems: &mut Vec<Problem>,
    ) -> Option<Vec<Table<'t, 'i>>> {
        let value = self.get(key)?;
        let Some(array) = value.get_ref().as_array() else {
            problems.push(self.wrong_type(key, value, &format!("an array of tables `[[{key}]]`")));
            return None;
        };
        let mut out = Vec::with_capacity(array.len());
        for (index, element) in array.iter().enumerate() {
            match element.get_ref().as_table() {
                Some(table) => out.push(Table::new(
                    table,
                    element.span(),
                    format!("{key}[{}]", index + 1),
                )),
                None => problems.push(self.wrong_type(key, element, "a table")),
            }
        }
        Some(out)
    }

    /// Reports every key that no accessor asked for, suggesting the closest known key.
    pub fn finish(self, problems: &mut Vec<Problem>) {
        for (key, _) in self.table.iter() {
            let name: &str = key.get_ref();
            if self.known.contains(&name) {
                continue;
            }
            let problem = Problem::new(key.span(), format!("unknown key {}", self.key_name(name)));
            let elsewhere = self.elsewhere.map(|(table, keys)| keys(table));
            if let Some((_, help)) = elsewhere
                .into_iter()
                .flatten()
                .find(|(key, _)| *key == name)
            {
                problems.push(problem.help(help));
                continue;
            }
            let problem = match did_you_mean(name, &self.known) {
                Some(close) => problem.help(format!("did you mean `{close}`?")),
                None => problem.help(format!(
                    "known keys here: {}",
                    self.known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            problems.push(problem);
        }
    }
}

/// The known word closest to `word`, when it is close enough to be a likely typo: at most
/// one edit in three characters of the longer word, and never an edit of every character
/// of the shorter one (`by` is not a typo of `on`, nor `env` of `on`).
pub fn did_you_mean<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|candidate| (strsim::damerau_levenshtein(word, candidate), *candidate))
        .filter(|(distance, candidate)| {
            let longer = word.chars().count().max(candidate.chars().count());
            let shorter = word.chars().count().min(candidate.chars().count());
            *distance <= (longer / 3).max(1) && *distance < shorter
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// A value's type and text, for messages such as "must be a string, not integer 3".
fn describe(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(text) => format!("the string \"{text}\""),
        DeValue::Integer(n) => format!("the integer {}", n.as_str()),
        DeValue::Float(f) => format!("the float {}", f.as_str()),
        DeValue::Boolean(b) => format!("the boolean {b}"),
        DeValue::Datetime(d) => format!("the date {d}"),
        DeValue::Array(_) => "an array".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    }
}

/// `text` with every bare `\n` written as `\r\n`: what toml_edit (or any edit) wrote with
/// `\n`, back in a file that uses `\r\n`. Existing `\r\n` stay as they are.
pub fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut previous = '\0';
    for c in text.chars() {
        if c == '\n' && previous != '\r' {
            out.push('\r');
        }
        out.push(c);
        previous = c;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_writes_bare_line_feeds_only() {
        assert_eq!(crlf("a\nb\r\nc\n"), "a\r\nb\r\nc\r\n");
        assert_eq!(crlf(""), "");
    }

    #[test]
    fn reports_wrong_types_and_unknown_keys() {
        let text = "name = 3\ndefualt_team = \"x\"\n[tags]\nglob = \"v*\"\nextra = 1\n";
        let doc = parse(text).unwrap_or_else(|p| panic!("{p:?}"));
        let mut problems = Vec::new();
        let mut root = Table::root(&doc);
        assert_eq!(root.string("name", &mut problems), None);
        assert_eq!(root.string("default_team", &mut problems), None);
        let mut tags = root
            .table("tags", &mut problems)
            .unwrap_or_else(|| panic!("tags"));
        assert_eq!(
            tags.string("glob", &mut problems).map(|g| g.value),
            Some("v*")
        );
        tags.finish(&mut problems);
        root.finish(&mut problems);
        let messages: Vec<_> = problems
            .iter()
            .map(|p| (p.message.as_str(), p.help.as_deref()))
            .collect();
        assert_eq!(
            messages,
            [
                (
                    "`name` must be a string, not the integer 3",
                    Some("put the value in quotes: name = \"...\"")
                ),
                (
                    "unknown key `extra` in [tags]",
                    Some("known keys here: `glob`")
                ),
                (
                    "unknown key `defualt_team`",
                    Some("did you mean `default_team`?")
                ),
            ]
        );
        assert_eq!(&text[problems[0].span.clone()], "3");
    }

    #[test]
    fn suggests_only_close_matches() {
        let tested = ["on", "result"];
        for unrelated in ["by", "env", "o", "note", "owner"] {
            assert_eq!(did_you_mean(unrelated, &tested), None, "{unrelated}");
        }
        assert_eq!(did_you_mean("resutl", &tested), Some("result"));
        assert_eq!(did_you_mean("results", &tested), Some("result"));
        let root = ["team", "release", "status", "window", "duration", "refers"];
        assert_eq!(did_you_mean("stauts", &root), Some("status"));
        assert_eq!(did_you_mean("windw", &root), Some("window"));
        assert_eq!(did_you_mean("refer", &root), Some("refers"));
        assert_eq!(did_you_mean("teams", &root), Some("team"));
        assert_eq!(did_you_mean("owner", &root), None);
        assert_eq!(
            did_you_mean("defualt_team", &["default_team", "plans_dir"]),
            Some("default_team")
        );
    }

    #[test]
    fn syntax_errors_have_a_span() {
        let problem = parse("a = \n").err().unwrap_or_else(|| panic!("parsed"));
        assert!(problem.message.starts_with("not valid TOML"));
    }
}
