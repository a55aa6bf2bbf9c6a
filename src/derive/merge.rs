//! Derived items as a manifest: printed on their own, or merged into an existing
//! manifest.toml through toml_edit, so every byte the merge does not have to change stays.

use serde::Serialize;
use toml_edit::{ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

use super::{Derivation, DerivedItem, escape};
use crate::names::PlanId;

/// A derived field that `merge` changed in an item already in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldUpdate {
    pub id: String,
    pub field: &'static str,
    /// The value before; `None` when the key was not there.
    pub old: Option<String>,
    pub new: String,
}

/// The manifest after a merge, and what changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Merged {
    #[serde(skip)]
    pub text: String,
    /// Ids of the items added, in derivation order.
    pub added: Vec<String>,
    pub updated: Vec<FieldUpdate>,
    /// Items of the manifest that the rules did not derive: left as they are.
    pub kept: usize,
}

impl Merged {
    /// Whether the merge changed anything.
    pub fn changed(&self) -> bool {
        !self.added.is_empty() || !self.updated.is_empty()
    }
}

/// Merges derived items into a manifest's text: adds the items it lacks, updates the derived
/// fields of those it has (`version`, `previous`; `reversible` only to `false`; `kind` only
/// where missing), and leaves everything else (other items, keys, comments, spacing) as it
/// was. The error completes "<manifest> ...".
pub fn merge(text: &str, items: &[DerivedItem]) -> Result<Merged, String> {
    // A byte-order mark (a Windows editor's) is not TOML to toml_edit: kept aside, put back.
    let (bom, text) = match text.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", text),
    };
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        format!("is not valid TOML: {}", one_line(e.message()))
    })?;
    let mut merged = Merged {
        text: String::new(),
        added: Vec::new(),
        updated: Vec::new(),
        kept: 0,
    };
    if !doc.contains_key("items") {
        doc.insert("items", Item::ArrayOfTables(ArrayOfTables::new()));
    }
    let trailing = doc.trailing().as_str().unwrap_or_default().to_string();
    let Some(slot) = doc.get_mut("items") else {
        return Err("has no `items`".into());
    };
    let added_tables = match slot {
        Item::ArrayOfTables(tables) => merge_tables(tables, items, &mut merged)?,
        Item::Value(Value::Array(array)) => {
            merge_inline(array, items, &mut merged)?;
            false
        }
        _ => {
            return Err(
                "has `items` that is neither [[items]] tables nor an array of inline tables".into(),
            );
        }
    };
    if added_tables && !trailing.is_empty() {
        // The comments that ended the file stay where they were: before the new items.
        doc.set_trailing("");
        if let Some(table) = first_added(&mut doc, merged.added.first()) {
            table.decor_mut().set_prefix(blank_line_after(trailing));
        }
    }
    let mut out = format!("{bom}{doc}");
    if text.contains("\r\n") {
        out = crate::fields::crlf(&out);
    }
    merged.text = out;
    Ok(merged)
}

fn merge_tables(
    tables: &mut ArrayOfTables,
    items: &[DerivedItem],
    merged: &mut Merged,
) -> Result<bool, String> {
    let mut known = std::collections::HashMap::new();
    for (index, table) in tables.iter().enumerate() {
        if let Some(id) = table.get("id").and_then(Item::as_str) {
            known.insert(id.to_string(), index);
        }
    }
    let derived: std::collections::HashSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    merged.kept = known
        .keys()
        .filter(|id| !derived.contains(id.as_str()))
        .count();
    let mut added = false;
    for item in items {
        match known.get(&item.id).and_then(|&i| tables.get_mut(i)) {
            Some(table) => update(table, item, merged)?,
            None => {
                let mut table = Table::new();
                for (key, value) in fields(item) {
                    table.insert(key, Item::Value(value));
                }
                tables.push(table);
                merged.added.push(item.id.clone());
                added = true;
            }
        }
    }
    Ok(added)
}

fn merge_inline(
    array: &mut toml_edit::Array,
    items: &[DerivedItem],
    merged: &mut Merged,
) -> Result<(), String> {
    let mut known = std::collections::HashMap::new();
    for (index, value) in array.iter().enumerate() {
        if let Some(id) = value
            .as_inline_table()
            .and_then(|t| t.get("id"))
            .and_then(Value::as_str)
        {
            known.insert(id.to_string(), index);
        }
    }
    let derived: std::collections::HashSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    merged.kept = known
        .keys()
        .filter(|id| !derived.contains(id.as_str()))
        .count();
    let mut added = Vec::new();
    for item in items {
        match known.get(&item.id).and_then(|&i| array.get_mut(i)) {
            Some(Value::InlineTable(table)) => update(table, item, merged)?,
            _ => {
                let mut table = InlineTable::new();
                for (key, value) in fields(item) {
                    table.insert(key, value);
                }
                added.push(table);
                merged.added.push(item.id.clone());
            }
        }
    }
    if !added.is_empty() {
        append_inline(array, added);
    }
    Ok(())
}

/// Appends inline tables to an array as it is laid out: in an array written an item per line,
/// each on a line of its own after the last one, indented like it, with the comment that
/// followed the last item kept on its line and the closing bracket on its own; in an array on
/// one line, on that line.
fn append_inline(array: &mut toml_edit::Array, tables: Vec<InlineTable>) {
    let raw = |s: Option<&toml_edit::RawString>| {
        s.and_then(toml_edit::RawString::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let trailing = raw(Some(array.trailing()));
    let last = array.len().checked_sub(1);
    let (last_prefix, last_suffix) = match last.and_then(|i| array.get(i)) {
        Some(value) => (raw(value.decor().prefix()), raw(value.decor().suffix())),
        None => (String::new(), String::new()),
    };
    // What stands between the last item and `]`, its comma aside.
    let after_last = format!("{last_suffix}{trailing}");
    let multiline = last.is_some() && (after_last.contains('\n') || last_prefix.contains('\n'));
    if !multiline {
        for table in tables {
            array.push(table);
        }
        return;
    }
    let indent = |prefix: &str| prefix.rsplit('\n').next().unwrap_or_default().to_string();
    let mut item_indent = indent(&last_prefix);
    if !last_prefix.contains('\n') {
        item_indent = array
            .get(0)
            .map(|first| indent(&raw(first.decor().prefix())))
            .unwrap_or_default();
    }
    // The comment on the last item's line (with its line break) stays there, after the
    // comma; what is left is the indentation of `]`.
    let (on_last_line, before_bracket) = match after_last.rfind('\n') {
        Some(at) => (
            after_last[..=at].to_string(),
            after_last[at + 1..].to_string(),
        ),
        None => ("\n".to_string(), after_last.trim().to_string()),
    };
    if let Some(value) = last.and_then(|i| array.get_mut(i)) {
        value.decor_mut().set_suffix("");
    }
    let mut first = true;
    for table in tables {
        let prefix = if first {
            format!("{on_last_line}{item_indent}")
        } else {
            format!("\n{item_indent}")
        };
        first = false;
        array.push_formatted(Value::InlineTable(table).decorated(prefix, ""));
    }
    array.set_trailing(format!("\n{before_bracket}"));
}

/// The keys of a new item, in the order manifests write them.
fn fields(item: &DerivedItem) -> Vec<(&'static str, Value)> {
    let mut fields = vec![
        ("id", Value::from(item.id.as_str())),
        ("kind", Value::from(item.kind.as_str())),
    ];
    if let Some(version) = &item.version {
        fields.push(("version", Value::from(version.as_str())));
    }
    if let Some(previous) = &item.previous {
        fields.push(("previous", Value::from(previous.as_str())));
    }
    if item.reversible == Some(false) {
        fields.push(("reversible", Value::from(false)));
    }
    fields
}

/// Sets the derived fields of an item the manifest already has.
fn update(
    table: &mut dyn toml_edit::TableLike,
    item: &DerivedItem,
    merged: &mut Merged,
) -> Result<(), String> {
    if table.get("kind").is_none() {
        set(table, item, "kind", Value::from(item.kind.as_str()), merged)?;
    }
    if let Some(version) = &item.version {
        set(
            table,
            item,
            "version",
            Value::from(version.as_str()),
            merged,
        )?;
    }
    if let Some(previous) = &item.previous {
        set(
            table,
            item,
            "previous",
            Value::from(previous.as_str()),
            merged,
        )?;
    }
    // Only ever towards caution: a `reversible = false` written by hand stays, even where a
    // down script exists (the person who wrote it may know that it loses data).
    if item.reversible == Some(false) {
        set(table, item, "reversible", Value::from(false), merged)?;
    }
    Ok(())
}

/// Sets `key` to `new` unless it already holds that value, keeping the old value's decor
/// (the spaces around it and its trailing comment).
fn set(
    table: &mut dyn toml_edit::TableLike,
    item: &DerivedItem,
    key: &'static str,
    new: Value,
    merged: &mut Merged,
) -> Result<(), String> {
    let shown = |value: &Value| match value {
        Value::String(s) => s.value().clone(),
        other => other.clone().decorated("", "").to_string(),
    };
    match table.get_mut(key) {
        Some(Item::Value(old)) => {
            if shown(old) == shown(&new) && old.type_name() == new.type_name() {
                return Ok(());
            }
            let before = shown(old);
            let decor = old.decor().clone();
            let mut value = new;
            *value.decor_mut() = decor;
            merged.updated.push(FieldUpdate {
                id: item.id.clone(),
                field: key,
                old: Some(before),
                new: shown(&value),
            });
            *old = value;
        }
        Some(_) => {
            return Err(format!(
                "has `{key}` of item `{}` that is not a plain value",
                item.id
            ));
        }
        None => {
            merged.updated.push(FieldUpdate {
                id: item.id.clone(),
                field: key,
                old: None,
                new: shown(&new),
            });
            table.insert(key, Item::Value(new));
        }
    }
    Ok(())
}

/// The first table `merge_tables` appended.
fn first_added<'d>(doc: &'d mut DocumentMut, id: Option<&String>) -> Option<&'d mut Table> {
    let id = id?;
    doc.get_mut("items")?
        .as_array_of_tables_mut()?
        .iter_mut()
        .find(|t| t.get("id").and_then(Item::as_str) == Some(id.as_str()))
}

/// Text that ended a file, followed by the blank line that separates tables.
fn blank_line_after(mut text: String) -> String {
    if !text.ends_with('\n') {
        text.push('\n');
    }
    if text != "\n" && !text.ends_with("\n\n") {
        text.push('\n');
    }
    text
}

fn one_line(text: &str) -> String {
    text.trim_end().replace('\n', " ")
}

/// The derived items as a manifest of their own, with a comment per item saying which
/// changed files made it; `header` lines become comments at the top.
pub fn render(id: &PlanId, derivation: &Derivation, header: &[String]) -> String {
    let quote = |text: &str| Value::from(text).to_string();
    let mut out = String::new();
    for line in header {
        out.push_str(&format!("# {}\n", escape(line)));
    }
    for note in &derivation.notes {
        out.push_str(&format!("# note: {}\n", escape(&note.message)));
    }
    out.push_str(&format!(
        "team = {}\nrelease = {}\n",
        quote(&id.team),
        quote(&id.release)
    ));
    if derivation.items.is_empty() {
        out.push_str("\n# No changed file matches a [[derive]] rule: nothing to roll back.\n");
    }
    for item in &derivation.items {
        let first = item.files.first().map(String::as_str).unwrap_or_default();
        let files = match item.files.len() {
            0 | 1 => escape(first),
            n => format!("{} and {} more", escape(first), n - 1),
        };
        let what = match item.change {
            super::ItemChange::Added => "added",
            super::ItemChange::Changed => "changed",
            super::ItemChange::Removed => "removed (a rollback brings it back)",
        };
        out.push_str(&format!(
            "\n# {what}: {files} (rule {})\n[[items]]\n",
            item.rule
        ));
        for (key, value) in fields(item) {
            out.push_str(&format!("{key} = {value}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::ItemChange;
    use crate::manifest::Kind;

    fn item(id: &str, kind: Kind, version: Option<&str>, reversible: Option<bool>) -> DerivedItem {
        DerivedItem {
            id: id.into(),
            kind,
            version: version.map(str::to_string),
            previous: version.map(|_| "1.0.0".to_string()),
            reversible,
            change: ItemChange::Changed,
            rule: 1,
            files: vec![format!("services/{id}/VERSION")],
        }
    }

    const HAND_WRITTEN: &str = "# What payments v1.5 deploys.\nteam = \"payments\"\nrelease = \"v1.5\"\n\n[[items]]\nid = \"ledger-api\"   # the public API\nkind = \"service\"\nversion = \"2.3.9\"  # bumped by the release manager\nprevious = \"1.0.0\"\n\n[[items]]\nid = \"postgres-main\"\nkind = \"infra\"    # shared, maintained by the platform team\n\n# Leftover from the template:\n# [[items]]\n# id = \"example\"\n";

    #[test]
    fn adds_and_updates_and_keeps_every_other_byte() {
        let items = [
            item("ledger-api", Kind::Service, Some("2.4.0"), None),
            item("0043_refunds", Kind::Migration, None, Some(false)),
        ];
        let merged = merge(HAND_WRITTEN, &items).unwrap_or_else(|e| panic!("{e}"));
        let expected = HAND_WRITTEN.replace(
            "version = \"2.3.9\"  # bumped",
            "version = \"2.4.0\"  # bumped",
        ) + "\n[[items]]\nid = \"0043_refunds\"\nkind = \"migration\"\nreversible = false\n";
        assert_eq!(merged.text, expected);
        assert_eq!(merged.added, ["0043_refunds"]);
        assert_eq!(merged.kept, 1);
        assert_eq!(
            merged.updated,
            [FieldUpdate {
                id: "ledger-api".into(),
                field: "version",
                old: Some("2.3.9".into()),
                new: "2.4.0".into()
            }]
        );
        // Merging again changes nothing.
        let again = merge(&merged.text, &items).unwrap_or_else(|e| panic!("{e}"));
        assert!(!again.changed());
        assert_eq!(again.text, merged.text);
    }

    #[test]
    fn keeps_crlf_and_inline_items() {
        let text =
            "team = \"p\"\r\nrelease = \"v1\"\r\nitems = [{ id = \"a\", kind = \"service\" }]\r\n";
        let merged = merge(text, &[item("b", Kind::Service, Some("2.0"), None)])
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(merged.text.starts_with(
            "team = \"p\"\r\nrelease = \"v1\"\r\nitems = [{ id = \"a\", kind = \"service\" }"
        ));
        assert!(merged.text.contains("id = \"b\""));
        assert!(!merged.text.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn adds_inline_items_on_lines_of_their_own_where_the_array_has_them() {
        let new = [item("b", Kind::Service, None, None)];
        let merge_text = |text: &str| merge(text, &new).map(|m| m.text);
        // Trailing comma and a comment after the last item.
        assert_eq!(
            merge_text("items = [\n  { id = \"a\", kind = \"service\" },  # the API\n]\n"),
            Ok("items = [\n  { id = \"a\", kind = \"service\" },  # the API\n  { id = \"b\", kind = \"service\" },\n]\n".into())
        );
        // No trailing comma, the bracket indented.
        assert_eq!(
            merge_text("items = [\n    { id = \"a\", kind = \"service\" }\n  ]\n"),
            Ok("items = [\n    { id = \"a\", kind = \"service\" },\n    { id = \"b\", kind = \"service\" }\n  ]\n".into())
        );
        // One line stays one line; a byte-order mark stays.
        assert_eq!(
            merge_text("\u{feff}items = [{ id = \"a\", kind = \"service\" }]\n"),
            Ok("\u{feff}items = [{ id = \"a\", kind = \"service\" }, { id = \"b\", kind = \"service\" }]\n".into())
        );
    }

    #[test]
    fn reports_what_it_cannot_merge() {
        assert!(merge("items = 3\n", &[]).is_err());
        assert!(merge("team = \n", &[]).is_err());
        let text = "[[items]]\nid = \"a\"\n[items.version]\nx = 1\n";
        assert!(merge(text, &[item("a", Kind::Service, Some("1"), None)]).is_err());
    }

    #[test]
    fn renders_a_manifest_that_parses() {
        let derivation = Derivation {
            items: vec![item("api\"x", Kind::Service, Some("1.0\n"), Some(false))],
            unmatched: 0,
            notes: vec![super::super::Note {
                message: "line\nbreak".into(),
            }],
        };
        let text = render(&PlanId::new("p", "v1"), &derivation, &["from a\nb".into()]);
        let parsed: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(parsed["items"][0]["id"].as_str(), Some("api\"x"));
    }
}
