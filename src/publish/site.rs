//! The static site: `index.html` listing every release, and one self-contained page per
//! published plan at `plans/<team>/<release>.html`. Pure: models in, files out.

use std::collections::HashSet;
use std::fmt::Write;

use super::html::{Block, Rendered, render_body};
use super::sanitize::{escape, escape_into};
use compact_str::{CompactString, ToCompactString};

use crate::drill::{self, Kind, RecordFile};
use crate::duration::Duration;
use crate::fields::At;
use crate::manifest::Manifest;
use crate::names::{PlanId, is_valid_name};
use crate::plan::{Plan, Status};

/// Marks the files publish writes; publish only overwrites files that carry it.
pub const GENERATOR_MARK: &str = "<meta name=\"generator\" content=\"backout";

/// The site's index page.
pub const INDEX: &str = "index.html";

/// Scripts, frames, fonts, images, connections and forms are all forbidden; only the
/// page's own inline stylesheet is allowed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; script-src 'none'; base-uri 'none'; form-action 'none'";

/// One release of the catalog, with its plan when it has one.
pub struct Entry<'a> {
    pub id: &'a PlanId,
    /// What the index shows of the plan (from its front matter); `None` when the release
    /// has no plan.
    pub facts: Option<&'a IndexFacts>,
    /// The plan's full text and its parse, for a published plan's page.
    pub plan: Option<(&'a str, &'a Plan)>,
    pub manifest: Option<&'a Manifest>,
    /// The release's drill records.
    pub drills: &'a [RecordFile],
}

/// What the index shows of a plan: read from its front matter alone, so the index of
/// 10,000 plans needs no plan's body (and a cache can keep it). Its strings are short and
/// kept in place (`CompactString`): a warm publish decodes 10,000 of these from the cache.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexFacts {
    /// `status`, as written (even when the front matter has problems).
    pub status: Option<Status>,
    /// Whether the front matter was read without problems.
    pub valid: bool,
    /// `window` and `duration` as written (see `as_written`).
    pub window: Option<CompactString>,
    pub duration: Option<CompactString>,
    pub tested: Option<TestedFact>,
    pub baseline: Option<BaselineFact>,
}

/// `[tested]`: the day, and whether it passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestedFact {
    pub on: Option<CompactString>,
    pub passed: Option<bool>,
}

/// `[baseline]`: where the plan was forked from, and at which commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineFact {
    pub from: Option<CompactString>,
    pub commit: Option<CompactString>,
}

impl IndexFacts {
    /// The facts of a plan whose front matter (at least) was parsed from `text`.
    pub fn of(text: &str, plan: &Plan) -> IndexFacts {
        let front = &plan.front;
        IndexFacts {
            status: front.status.as_ref().map(|s| s.value),
            valid: plan.is_valid(),
            window: front.window.as_ref().map(|w| written(text, w)),
            duration: front.duration.as_ref().map(|d| written(text, d)),
            tested: front.tested.as_ref().map(|tested| TestedFact {
                on: tested.on.as_ref().map(|on| on.value.to_compact_string()),
                passed: tested.passed.as_ref().map(|p| p.value),
            }),
            baseline: front.baseline.as_ref().map(|baseline| BaselineFact {
                from: baseline.from.as_ref().map(|f| f.value.as_str().into()),
                commit: baseline.commit.as_ref().map(|c| c.value.as_str().into()),
            }),
        }
    }

    fn is_published(&self) -> bool {
        self.status == Some(Status::Published)
    }
}

/// What the whole site was built from.
pub struct Origin<'a> {
    /// When the site was built (RFC 3339).
    pub at: &'a str,
    /// The commit HEAD pointed at.
    pub commit: &'a str,
}

/// A file of the site: path relative to the output directory (`/` separators), contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    pub path: String,
    pub contents: String,
}

/// Where the page of a plan goes, relative to the output directory; `None` for a name
/// that could leave it (names are validated when read, this is the second lock).
pub fn page_path(id: &PlanId) -> Option<String> {
    has_page_path(id).then(|| format!("plans/{}/{}.html", id.team, id.release))
}

/// Whether the plan's names can make its page's path (`page_path`).
fn has_page_path(id: &PlanId) -> bool {
    is_valid_name(&id.team) && is_valid_name(&id.release)
}

fn is_published(plan: &Plan) -> bool {
    plan.front.status.as_ref().map(|s| s.value) == Some(Status::Published)
}

/// Builds the index and the page of every published plan. The error is a sentence.
pub fn build(entries: &[Entry<'_>], origin: &Origin<'_>) -> Result<Vec<SiteFile>, String> {
    let mut files = Vec::new();
    let mut seen = HashSet::new();
    for entry in entries {
        let Some((text, plan)) = entry.plan else {
            continue;
        };
        if !is_published(plan) {
            continue;
        }
        let path = page_path(entry.id)
            .ok_or_else(|| format!("plan `{}` has a name that cannot be a file name", entry.id))?;
        // Two names that differ only in case would be one file on macOS and Windows.
        if !seen.insert(path.to_ascii_lowercase()) {
            return Err(format!(
                "two plans would both be written to {path} on a case-insensitive file system; rename one of the directories"
            ));
        }
        files.push(SiteFile {
            path,
            contents: page(entry, text, plan, origin),
        });
    }
    files.insert(
        0,
        SiteFile {
            path: INDEX.to_string(),
            contents: index(entries, origin),
        },
    );
    Ok(files)
}

fn head(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         {GENERATOR_MARK} {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n",
        env!("CARGO_PKG_VERSION"),
        escape(title)
    );
}

fn status_badge(status: Option<Status>) -> String {
    let mut out = String::new();
    status_badge_into(&mut out, status);
    out
}

fn status_badge_into(out: &mut String, status: Option<Status>) {
    out.push_str(match status {
        Some(Status::Published) => "<span class=\"badge published\">Published</span>",
        Some(Status::Approved) => "<span class=\"badge approved\">Approved</span>",
        Some(Status::Draft) => "<span class=\"badge draft\">Draft</span>",
        None => "<span class=\"badge invalid\">Invalid</span>",
    });
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// `2025-11-25T16:00:00Z` as `2025-11-25 16:00 UTC`.
fn human_time(rfc3339: &str) -> String {
    match rfc3339.strip_suffix('Z').and_then(|t| t.split_once('T')) {
        Some((date, time)) => format!("{date} {} UTC", time.get(..5).unwrap_or(time)),
        None => rfc3339.to_string(),
    }
}

/// `[tested]`, and the latest passing drill or real backout when there is one.
fn tested_or_drilled(tested_fact: Option<&TestedFact>, drills: &[RecordFile]) -> String {
    let mut out = String::new();
    tested_or_drilled_into(&mut out, tested_fact, drills);
    out
}

fn tested_or_drilled_into(
    out: &mut String,
    tested_fact: Option<&TestedFact>,
    drills: &[RecordFile],
) {
    let Some(found) = drill::latest(drills, true) else {
        return tested_into(out, tested_fact);
    };
    if tested_fact.is_some() {
        tested_into(out, tested_fact);
        out.push_str("<br>");
    }
    out.push_str(match found.record.kind {
        Kind::Drill => "drill ",
        Kind::Incident => "used for real ",
    });
    escape_into(out, &day(found.record.at()));
    out.push_str(" <span class=\"pass\">passed</span>");
}

/// What `[tested]` says, as HTML.
fn tested_into(out: &mut String, tested: Option<&TestedFact>) {
    let Some(tested) = tested else {
        return out.push_str("<span class=\"warn\">Not tested</span>");
    };
    match &tested.on {
        Some(on) => escape_into(out, on),
        None => out.push_str("date unknown"),
    }
    out.push_str(match tested.passed {
        Some(true) => " <span class=\"pass\">passed</span>",
        Some(false) => " <span class=\"warn\">failed</span>",
        None => " <span class=\"warn\">result unknown</span>",
    });
}

/// The latest passing drill or real backout: when, who, where, measured against planned
/// time; and what has happened since (a changed procedure, a failed drill).
fn last_drill(text: &str, plan: &Plan, drills: &[RecordFile]) -> String {
    let last = drill::latest(drills, false);
    let Some(found) = drill::latest(drills, true) else {
        return match last {
            Some(failed) => format!(
                "<span class=\"warn\">No passing drill</span>; the last one, {}, failed",
                escape(&day(failed.record.at()))
            ),
            None => "<span class=\"muted\">No drill recorded</span>".into(),
        };
    };
    let record = found.record;
    let mut html = match record.kind {
        Kind::Drill => "<span class=\"pass\">Drill passed</span>".to_string(),
        Kind::Incident => "<span class=\"used\">Used for real</span>".to_string(),
    };
    let when =
        crate::clock::utc(record.started).map_or_else(String::new, |t| human_time(&t.to_string()));
    let _ = write!(
        html,
        " {} <span class=\"muted\">by</span> {}",
        escape(&when),
        escape(&record.by)
    );
    if let Some(env) = &record.env {
        let _ = write!(html, " <span class=\"muted\">on</span> {}", escape(env));
    }
    if let Some(took) = record.measured() {
        let planned = plan.front.duration.as_ref().map(|d| d.value);
        let _ = match planned {
            Some(planned) if took > planned => write!(
                html,
                "; took <span class=\"warn\">{took}</span>, longer than the planned {planned}"
            ),
            Some(planned) => write!(
                html,
                "; took {took} <span class=\"muted\">of the planned {planned}</span>"
            ),
            None => write!(html, "; took {took}"),
        };
    }
    if drill::procedure_hash(text, &plan.body) != record.procedure {
        html.push_str("<br><span class=\"warn\">The procedure changed since.</span>");
    }
    if let Some(later) = last.filter(|l| l.path != found.path) {
        let _ = write!(
            html,
            "<br><span class=\"warn\">A later drill on {} failed.</span>",
            escape(&day(later.record.at()))
        );
    }
    html
}

/// `2026-11-27`.
fn day(seconds: i64) -> String {
    crate::clock::utc(seconds)
        .and_then(|t| t.date)
        .map_or_else(String::new, |d| d.to_string())
}

fn baseline(baseline: Option<&BaselineFact>) -> String {
    let mut out = String::new();
    baseline_into(&mut out, baseline);
    out
}

fn baseline_into(out: &mut String, baseline: Option<&BaselineFact>) {
    let Some(baseline) = baseline else {
        return out.push_str("<span class=\"muted\">none</span>");
    };
    match &baseline.from {
        Some(from) => escape_into(out, from),
        None => out.push_str("unknown"),
    }
    if let Some(commit) = &baseline.commit {
        out.push_str(" <span class=\"muted\">at</span> <code title=\"");
        escape_into(out, commit);
        out.push_str("\">");
        escape_into(out, short(commit));
        out.push_str("</code>");
    }
}

fn page(entry: &Entry<'_>, text: &str, plan: &Plan, origin: &Origin<'_>) -> String {
    let (id, manifest) = (entry.id, entry.manifest);
    let rendered = render_body(text, plan.body_start, &plan.body);
    let mut out = String::with_capacity(text.len() * 3 + STYLE.len() + 4096);
    let team = escape(&id.team);
    let release = escape(&id.release);
    head(
        &mut out,
        &format!("{} {} backout plan", id.team, id.release),
    );
    out.push_str("<body>\n<div class=\"page\" id=\"top\">\n<header class=\"masthead\">\n");
    out.push_str("<p class=\"crumbs\"><a href=\"../../index.html\">All backout plans</a></p>\n");
    let _ = write!(
        out,
        "<p class=\"eyebrow\">Backout plan</p>\n<h1><span class=\"team\">{team}</span> <span class=\"release\">{release}</span> {}</h1>\n",
        status_badge(plan.front.status.as_ref().map(|s| s.value))
    );
    facts(&mut out, text, plan, entry, &rendered);
    out.push_str("</header>\n");
    contents(&mut out, &rendered, manifest.is_some());
    out.push_str("<main>\n");
    // What the plan says before its first section (its title, an introduction) leads.
    let mut blocks = rendered.blocks.iter().peekable();
    while let Some(Block::Loose(html)) = blocks.peek() {
        let _ = write!(out, "<div class=\"loose\">\n{html}</div>\n");
        blocks.next();
    }
    manifest_table(&mut out, manifest);
    for block in blocks {
        match block {
            Block::Loose(html) => {
                let _ = write!(out, "<div class=\"loose\">\n{html}</div>\n");
            }
            Block::Section(section) => {
                let class = if section.procedure {
                    "section procedure"
                } else {
                    "section"
                };
                let _ = write!(
                    out,
                    "<section class=\"{class}\" id=\"{}\">\n<h2>{}</h2>\n{}</section>\n",
                    section.id, section.title_html, section.html
                );
            }
        }
    }
    out.push_str("</main>\n");
    let published = plan.front.published.as_ref();
    let commit = published
        .and_then(|p| p.commit.as_ref())
        .map_or(origin.commit, |c| c.value.as_str());
    let _ = write!(
        out,
        "<footer>\n<p>Published from commit <code>{}</code>. Generated by backout {} on {}.</p>\n\
         <p class=\"screen-only\">This page runs no scripts and loads nothing from the network: it works offline. \
         Print it (Ctrl+P) for a paper checklist; click a command to select all of it.</p>\n</footer>\n</div>\n</body>\n</html>\n",
        escape(commit),
        env!("CARGO_PKG_VERSION"),
        escape(&human_time(origin.at)),
    );
    out
}

/// A duration as the plan wrote it (`72h` stays `72h`), or as parsed when it was escaped.
fn as_written(text: &str, value: &At<Duration>) -> String {
    escape(&written(text, value))
}

/// A duration as the plan writes it (`1h30m`, not `90m`), when the text says just that.
fn written(text: &str, value: &At<Duration>) -> CompactString {
    let written = text
        .get(value.span.clone())
        .map(|raw| raw.trim_matches(['"', '\'']))
        .filter(|raw| !raw.contains('\\') && Duration::parse(raw) == Some(value.value));
    written.map_or_else(|| value.value.to_string().into(), CompactString::from)
}

fn manifest_fact(manifest: Option<&Manifest>) -> String {
    let Some(manifest) = manifest else {
        return "<span class=\"warn\">unreadable</span>".into();
    };
    let items = manifest.items.len();
    let irreversible = manifest.items.iter().filter(|i| !i.reversible).count();
    let mut fact = format!(
        "<a href=\"#manifest\">{items} {}</a>",
        if items == 1 { "item" } else { "items" }
    );
    if irreversible > 0 {
        let _ = write!(
            fact,
            ", <strong class=\"flag\">{irreversible} irreversible</strong>"
        );
    }
    fact
}

fn facts(out: &mut String, text: &str, plan: &Plan, entry: &Entry<'_>, rendered: &Rendered) {
    let facts_of = IndexFacts::of(text, plan);
    let manifest = entry.manifest;
    let front = &plan.front;
    let not_set = || "<span class=\"warn\">not set</span>".to_string();
    let window = front.window.as_ref().map_or_else(not_set, |w| {
        format!(
            "{} <span class=\"muted\">after deployment</span>",
            as_written(text, w)
        )
    });
    let duration = front
        .duration
        .as_ref()
        .map_or_else(not_set, |d| as_written(text, d));
    let published = match &front.published {
        Some(published) => {
            let at = published.at.as_ref().map_or_else(
                || "date unknown".into(),
                |a| escape(&human_time(&a.value.to_string())),
            );
            let commit = published.commit.as_ref().map_or_else(String::new, |c| {
                format!(
                    " <span class=\"muted\">from</span> <code title=\"{}\">{}</code>",
                    escape(&c.value),
                    escape(short(&c.value))
                )
            });
            format!("{at}{commit}")
        }
        None => "<span class=\"warn\">not stamped</span>".into(),
    };
    let decides = rendered
        .decision
        .clone()
        .unwrap_or_else(|| "<p><a href=\"#decision\">See the Decision section</a></p>".into());
    out.push_str("<dl class=\"facts\" id=\"facts\">\n");
    for (label, value, class) in [
        ("Who decides", decides, " class=\"wide decides\""),
        ("Rollback window", window, ""),
        ("Expected duration", duration, ""),
        ("Manifest", manifest_fact(manifest), ""),
        (
            "Tested",
            tested_or_drilled(facts_of.tested.as_ref(), entry.drills),
            "",
        ),
        ("Baseline", baseline(facts_of.baseline.as_ref()), ""),
        ("Published", published, ""),
        (
            "Last drill",
            last_drill(text, plan, entry.drills),
            " class=\"wide drill\"",
        ),
    ] {
        let _ = writeln!(out, "<div{class}><dt>{label}</dt><dd>{value}</dd></div>");
    }
    out.push_str("</dl>\n");
}

fn contents(out: &mut String, rendered: &Rendered, has_manifest: bool) {
    out.push_str("<nav class=\"contents\" id=\"contents\" aria-label=\"Sections\"><ul>\n");
    if has_manifest {
        out.push_str("<li><a href=\"#manifest\">Manifest</a></li>\n");
    }
    for block in &rendered.blocks {
        if let Block::Section(section) = block {
            let _ = writeln!(
                out,
                "<li><a href=\"#{}\">{}</a></li>",
                section.id,
                escape(&section.title)
            );
        }
    }
    out.push_str("</ul></nav>\n");
}

fn manifest_table(out: &mut String, manifest: Option<&Manifest>) {
    let Some(manifest) = manifest else {
        out.push_str("<section class=\"section\" id=\"manifest\">\n<h2>Manifest</h2>\n<p class=\"warn\">The release's manifest.toml could not be read.</p>\n</section>\n");
        return;
    };
    out.push_str("<section class=\"section\" id=\"manifest\">\n<h2>Manifest</h2>\n");
    let irreversible = manifest.items.iter().filter(|i| !i.reversible).count();
    if irreversible > 0 {
        let _ = writeln!(
            out,
            "<p class=\"alert\"><strong>{irreversible} irreversible {}</strong>: {} cannot simply be rolled back; follow the plan's steps and contingencies for {}.</p>",
            if irreversible == 1 { "item" } else { "items" },
            if irreversible == 1 { "it" } else { "they" },
            if irreversible == 1 { "it" } else { "them" },
        );
    }
    if manifest.items.is_empty() {
        out.push_str("<p class=\"muted\">The manifest lists no items.</p>\n</section>\n");
        return;
    }
    out.push_str("<table class=\"manifest\">\n<thead><tr><th scope=\"col\">Item</th><th scope=\"col\">Kind</th><th scope=\"col\">Deploys</th><th scope=\"col\">Rolls back to</th><th scope=\"col\">Reversible</th></tr></thead>\n<tbody>\n");
    let cell = |value: Option<&str>| {
        value.map_or_else(
            || "<span class=\"muted\">&mdash;</span>".into(),
            |v| format!("<code>{}</code>", escape(v)),
        )
    };
    for item in &manifest.items {
        let (class, reversible) = if item.reversible {
            ("", "yes".to_string())
        } else {
            (
                " class=\"irreversible\"",
                "<strong class=\"flag\">Irreversible</strong>".to_string(),
            )
        };
        let _ = writeln!(
            out,
            "<tr{class}><th scope=\"row\"><code>{}</code></th><td>{}</td><td>{}</td><td>{}</td><td>{reversible}</td></tr>",
            escape(&item.id),
            escape(item.kind.as_str()),
            cell(item.version.as_deref()),
            cell(item.previous.as_deref()),
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn index(entries: &[Entry<'_>], origin: &Origin<'_>) -> String {
    let mut out = String::with_capacity(STYLE.len() + 4096 + entries.len() * 300);
    head(&mut out, "Backout plans");
    let published = entries
        .iter()
        .filter(|e| e.facts.is_some_and(IndexFacts::is_published))
        .count();
    let _ = write!(
        out,
        "<body>\n<div class=\"page\" id=\"top\">\n<header class=\"masthead\">\n<p class=\"eyebrow\">Backout plans</p>\n<h1>Release backout plans</h1>\n\
         <p class=\"muted\">{published} published {} of {} {}. Generated {} from commit <code title=\"{}\">{}</code>.</p>\n</header>\n<main>\n",
        if published == 1 { "plan" } else { "plans" },
        entries.len(),
        if entries.len() == 1 {
            "release"
        } else {
            "releases"
        },
        escape(&human_time(origin.at)),
        escape(origin.commit),
        escape(short(origin.commit)),
    );
    if entries.is_empty() {
        out.push_str(
            "<p>No plans yet: create one with <code>backout new &lt;release&gt;</code>.</p>\n",
        );
    }
    let mut team: Option<&str> = None;
    // Entries come oldest first per team; the newest release is what on-call looks for.
    let mut by_team: Vec<Vec<&Entry<'_>>> = Vec::new();
    for entry in entries {
        if team != Some(entry.id.team.as_str()) {
            by_team.push(Vec::new());
            team = Some(entry.id.team.as_str());
        }
        if let Some(group) = by_team.last_mut() {
            group.push(entry);
        }
    }
    for group in by_team {
        let Some(first) = group.first() else { continue };
        let _ = write!(
            out,
            "<section class=\"section team\">\n<h2>{}</h2>\n<table class=\"plans\">\n<thead><tr><th scope=\"col\">Release</th><th scope=\"col\">Status</th><th scope=\"col\">Tested</th><th scope=\"col\">Baseline</th><th scope=\"col\">Window</th><th scope=\"col\">Duration</th></tr></thead>\n<tbody>\n",
            escape(&first.id.team)
        );
        for entry in group.iter().rev() {
            index_row(&mut out, entry);
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }
    let _ = write!(
        out,
        "</main>\n<footer>\n<p>Generated by backout {}. These pages run no scripts and load nothing from the network.</p>\n</footer>\n</div>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    out
}

fn index_row(out: &mut String, entry: &Entry<'_>) {
    out.push_str("<tr><th scope=\"row\">");
    let Some(facts) = entry.facts else {
        escape_into(out, &entry.id.release);
        out.push_str("</th><td><span class=\"badge missing\">No plan</span></td><td></td><td></td><td></td><td></td></tr>\n");
        return;
    };
    match facts.is_published() && has_page_path(entry.id) {
        true => {
            out.push_str("<a href=\"plans/");
            escape_into(out, &entry.id.team);
            out.push('/');
            escape_into(out, &entry.id.release);
            out.push_str(".html\">");
            escape_into(out, &entry.id.release);
            out.push_str("</a>");
        }
        false => escape_into(out, &entry.id.release),
    }
    out.push_str("</th><td>");
    status_badge_into(out, facts.valid.then_some(facts.status).flatten());
    out.push_str("</td><td>");
    tested_or_drilled_into(out, facts.tested.as_ref(), entry.drills);
    out.push_str("</td><td>");
    baseline_into(out, facts.baseline.as_ref());
    out.push_str("</td><td>");
    if let Some(window) = &facts.window {
        escape_into(out, window);
    }
    out.push_str("</td><td>");
    if let Some(duration) = &facts.duration {
        escape_into(out, duration);
    }
    out.push_str("</td></tr>\n");
}

/// The one stylesheet, inlined in every page: readable at 3 a.m., light or dark as the
/// system is, and a print layout that makes the procedure a paper checklist.
const STYLE: &str = r#"
:root{--fg:#16191d;--muted:#5a6472;--bg:#fff;--surface:#f4f6f8;--border:#d5dbe1;--accent:#0a58a8;
--ok:#16692f;--ok-bg:#dcf5e3;--warn:#9a3412;--warn-bg:#fff1e6;--bad:#a1151b;--bad-bg:#fdecec;
--code-bg:#0f172a;--code-fg:#e5edf5;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--fg:#e8ecf0;--muted:#a3adb9;--bg:#111418;--surface:#1a1f25;
--border:#323a44;--accent:#7cb8ff;--ok:#7ee2a0;--ok-bg:#12321d;--warn:#ffb37a;--warn-bg:#3a2414;
--bad:#ff9c9c;--bad-bg:#3b1517;--code-bg:#050709;--code-fg:#e5edf5}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:17px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif}
.page{max-width:60rem;margin:0 auto;padding:1.5rem 1.25rem 3rem}
a{color:var(--accent);text-underline-offset:2px}
code,pre{font-family:ui-monospace,"SFMono-Regular","Cascadia Mono","DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.9em}
:not(pre)>code{background:var(--surface);border:1px solid var(--border);border-radius:4px;padding:.05em .3em;overflow-wrap:anywhere}
pre{background:var(--code-bg);color:var(--code-fg);padding:.8rem 1rem;border-radius:6px;overflow-x:auto;line-height:1.45}
pre code{user-select:all}
.step :not(pre)>code{user-select:all}
pre.raw-html{background:var(--surface);color:var(--fg);border:1px dashed var(--border);white-space:pre-wrap}
.crumbs{margin:0 0 1rem;font-size:.9rem}
.eyebrow{margin:0;text-transform:uppercase;letter-spacing:.08em;font-size:.8rem;font-weight:600;color:var(--muted)}
h1{font-size:2rem;line-height:1.2;margin:.2rem 0 1rem;display:flex;flex-wrap:wrap;align-items:center;gap:.4rem .7rem}
h1 .release{font-family:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace}
h2{font-size:1.35rem;line-height:1.25;margin:0 0 .75rem;padding-bottom:.35rem;border-bottom:2px solid var(--border)}
h3{font-size:1.1rem;margin:1.4rem 0 .4rem}
h4,h5,h6{font-size:1rem;margin:1.2rem 0 .3rem}
.badge{display:inline-block;font:600 .8rem/1 system-ui,sans-serif;letter-spacing:.04em;text-transform:uppercase;padding:.35em .6em;border-radius:999px;border:1px solid currentColor;vertical-align:middle}
.badge.published{color:var(--ok);background:var(--ok-bg)}
.badge.approved{color:var(--accent);background:var(--surface)}
.badge.draft{color:var(--muted);background:var(--surface)}
.badge.invalid,.badge.missing{color:var(--bad);background:var(--bad-bg)}
.muted{color:var(--muted)}
.warn{color:var(--warn);font-weight:600}
.pass{color:var(--ok);font-weight:600}
.used{color:var(--accent);font-weight:700;text-transform:uppercase;letter-spacing:.04em;font-size:.9em}
.facts{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:1px;margin:0;background:var(--border);border:1px solid var(--border);border-radius:8px;overflow:hidden}
.facts>div{background:var(--surface);padding:.6rem .85rem}
.facts .wide{grid-column:1/-1}
.facts dt{font-size:.78rem;font-weight:600;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.facts dd{margin:.15rem 0 0;font-size:1.05rem;font-weight:500}
.facts dd p{margin:0}
.facts .decides dd{font-size:1.1rem}
.contents{margin:1.25rem 0 0}
.contents ul{list-style:none;display:flex;flex-wrap:wrap;gap:.35rem .5rem;margin:0;padding:0}
.contents a{display:inline-block;padding:.2rem .6rem;border:1px solid var(--border);border-radius:999px;text-decoration:none;font-size:.9rem}
.section{margin:2.2rem 0 0}
.loose{margin:1.5rem 0 0}
.doc-heading{border-bottom:0;padding:0;font-size:1.2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.95rem}
th,td{text-align:left;vertical-align:top;padding:.45rem .6rem;border-bottom:1px solid var(--border)}
thead th{font-size:.78rem;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);border-bottom:2px solid var(--border)}
.manifest tr.irreversible>*{background:var(--bad-bg)}
.manifest tr.irreversible>th{box-shadow:inset 4px 0 0 var(--bad)}
.flag{color:var(--bad);text-transform:uppercase;letter-spacing:.04em;font-size:.85rem}
.flag::before{content:"\26A0\FE0E  "}
.alert{background:var(--bad-bg);border-left:4px solid var(--bad);padding:.6rem .85rem;border-radius:4px;margin:.5rem 0}
ol.checklist{list-style:none;margin:.75rem 0 1rem;padding:0;border-top:1px solid var(--border)}
li.step{display:grid;grid-template-columns:1.6rem 2rem minmax(0,1fr);gap:.25rem .5rem;align-items:start;padding:.8rem 0;border-bottom:1px solid var(--border)}
li.step>.tick{width:1.3rem;height:1.3rem;margin:.2rem 0 0;accent-color:var(--ok)}
li.step>.num{font-weight:700;font-size:1.15rem;line-height:1.5;cursor:pointer}
li.step>.num::after{content:"."}
.step-body>:first-child{margin-top:0}
.step-body>:last-child{margin-bottom:0}
.step-body pre{margin:.5rem 0}
li.step:has(>.tick:checked)>.step-body{opacity:.55}
.removed{text-decoration:underline dotted var(--bad)}
.removed::after{content:" [link removed]";color:var(--bad);font-size:.8em}
.kind{font-size:.75em;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
blockquote{margin:1rem 0;padding:.2rem 1rem;border-left:4px solid var(--border);color:var(--muted)}
footer{margin-top:3rem;padding-top:1rem;border-top:1px solid var(--border);font-size:.85rem;color:var(--muted)}
@media (max-width:40rem){body{font-size:16px}h1{font-size:1.6rem}.facts{grid-template-columns:repeat(2,minmax(0,1fr))}}
@media print{
@page{margin:14mm 12mm}
:root{--fg:#000;--muted:#444;--bg:#fff;--surface:#fff;--border:#999;--accent:#000;--ok:#000;--ok-bg:#fff;--warn:#000;--warn-bg:#fff;--bad:#000;--bad-bg:#fff}
html{font-size:10.5pt}
body{font-size:1rem;line-height:1.4}
.page{max-width:none;padding:0}
.crumbs,.contents,.screen-only{display:none}
h1{font-size:18pt;margin-bottom:.6rem}
h2{font-size:13pt;break-after:avoid}
h3{break-after:avoid}
.section{margin-top:1.2rem}
pre{background:#fff;color:#000;border:1px solid #999;white-space:pre-wrap;overflow-wrap:anywhere}
pre,li.step,tr,.facts>div,.alert{break-inside:avoid}
li.step{grid-template-columns:1.4rem 1.6rem minmax(0,1fr)}
li.step:has(>.tick:checked)>.step-body{opacity:1}
.manifest tr.irreversible>th{box-shadow:inset 3px 0 0 #000}
main a[href^="http"]::after,main a[href^="mailto:"]::after{content:" <" attr(href) ">";font-size:.85em;overflow-wrap:anywhere}
footer{margin-top:1.5rem}
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_paths_stay_inside_the_output() {
        assert_eq!(
            page_path(&PlanId::new("payments", "v1.5")).as_deref(),
            Some("plans/payments/v1.5.html")
        );
        for (team, release) in [
            ("..", "x"),
            ("a", ".."),
            ("a/b", "x"),
            ("a", "../../etc/passwd"),
            ("", "x"),
            ("a", "/abs"),
            ("a\\b", "x"),
            (".hidden", "x"),
        ] {
            assert_eq!(
                page_path(&PlanId::new(team, release)),
                None,
                "{team}/{release}"
            );
        }
    }

    #[test]
    fn human_times() {
        assert_eq!(human_time("2025-11-25T16:00:00Z"), "2025-11-25 16:00 UTC");
        assert_eq!(human_time("garbage"), "garbage");
    }
}
