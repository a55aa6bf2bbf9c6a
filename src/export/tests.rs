use proptest::prelude::*;

use super::words::{plan_language, title_language};
use super::*;
use crate::markdown::parse_body;

const MANIFEST: &str = "team = \"t\"\nrelease = \"v1\"\n[[items]]\nid = \"api\"\nkind = \"service\"\nversion = \"1.2.0\"\n[[items]]\nid = \"db.main\"\nkind = \"migration\"\nreversible = false\n";

fn render_all(text: &str) -> Vec<(Format, String)> {
    let id = PlanId::new("t", "v1");
    let plan = Plan::parse(text, &id);
    let manifest = Manifest::parse(MANIFEST, &id);
    let source = Source {
        id: &id,
        file: "plans/t/v1/plan.md",
        text,
        plan: &plan,
        manifest: Some(("plans/t/v1/manifest.toml", &manifest)),
        drills: &[],
        findings: &[],
        language: Language::En,
    };
    [
        Format::Json,
        Format::Text,
        Format::Markdown,
        Format::Servicenow,
    ]
    .into_iter()
    .map(|format| (format, render(&source, format)))
    .collect()
}

#[test]
fn titles_say_their_language() {
    assert_eq!(
        title_language("Wer entscheidet?", Kind::Decision, Language::En),
        Language::De
    );
    assert_eq!(
        title_language("2. Rollback steps", Kind::Procedure, Language::De),
        Language::En
    );
    // A title of its own (from `[sections]`) says nothing: the repository's language.
    assert_eq!(
        title_language("Go-Live-Abbruch", Kind::Criteria, Language::De),
        Language::De
    );
    let body = parse_body("## Kriterien\n\n## Ablauf\n\n## Contingencies\n", 0);
    assert_eq!(plan_language(&body, Language::En), Language::De);
    let body = parse_body("## Criteria\n\n## Ablauf\n", 0);
    assert_eq!(plan_language(&body, Language::De), Language::De);
}

#[test]
fn references_place_items_in_steps_and_sections() {
    let text = "+++\n+++\n## Procedure\n1. Roll back `api`: `deploy api 1.1.0`\n2. Leave db.main\n\n## Contingencies\nRestore db.main from the snapshot.\n";
    let out = render_all(text);
    let json: serde_json::Value = serde_json::from_str(&out[0].1).unwrap_or_default();
    assert_eq!(json["steps"][0]["items"], serde_json::json!(["api"]));
    assert_eq!(
        json["manifest"]["items"][1]["steps"],
        serde_json::json!([2])
    );
    assert_eq!(
        json["manifest"]["items"][1]["sections"],
        serde_json::json!(["Procedure", "Contingencies"])
    );
    let request: serde_json::Value = serde_json::from_str(&out[3].1).unwrap_or_default();
    assert!(
        request["risk_impact_analysis"]
            .as_str()
            .unwrap_or_default()
            .contains("- db.main (migration): the rollback cannot undo it; the plan covers it in Contingencies and step 2.")
    );
}

#[test]
fn missing_and_unanswered_sections_are_said() {
    let text = "+++\n+++\n## Criteria\n<!-- When? -->\n\n## Procedure\n1. `undo`\n";
    let out = render_all(text);
    let plain = &out[1].1;
    assert!(
        plain.contains("Criteria\n--------\n(not answered)\n"),
        "{plain}"
    );
    assert!(
        plain.contains("Contingencies\n-------------\n(missing from the plan)\n"),
        "{plain}"
    );
    let markdown = &out[2].1;
    assert!(
        markdown.contains("## Criteria\n\n_(not answered)_\n"),
        "{markdown}"
    );
    assert!(!markdown.contains("When?"), "{markdown}");
    assert!(
        markdown.ends_with("## Testing\n\n_(missing from the plan)_\n"),
        "{markdown}"
    );
}

/// What a Markdown renderer would make a link or load of, that a plan may not: links and
/// reference definitions to an unsafe destination, and any image.
fn unsafe_links(markdown: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Tag};
    let mut found = Vec::new();
    let mut events = crate::markdown::parser(markdown).into_offset_iter();
    for (event, _) in events.by_ref() {
        match event {
            Event::Start(Tag::Link { dest_url, .. })
                if !crate::publish::sanitize::is_safe_url(&dest_url) =>
            {
                found.push(format!("link to {dest_url}"));
            }
            Event::Start(Tag::Image { dest_url, .. }) => found.push(format!("image {dest_url}")),
            _ => {}
        }
    }
    for (label, definition) in events.reference_definitions().iter() {
        if !crate::publish::sanitize::is_safe_url(&definition.dest) {
            found.push(format!("[{label}]: {}", definition.dest));
        }
    }
    found
}

#[test]
fn a_markdown_export_makes_no_unsafe_link_of_what_it_takes_apart() {
    let text = "+++\nteam = \"t\"\nrelease = \"v1\"\n+++\n# Plan\n\n## Procedure\n\n1. Open [the runbook][rb], [[rb]](javascript:x) and ![[rb]](https://t.example/p.gif).\n\n[rb]: javascript:alert(1)\n[wiki]: https://wiki.example/rollback\n";
    let markdown = render_all(text)
        .into_iter()
        .find(|(format, _)| *format == Format::Markdown)
        .map(|(_, out)| out)
        .unwrap_or_default();
    assert!(unsafe_links(&markdown).is_empty(), "{markdown}");
    assert!(!markdown.contains("javascript:"), "{markdown}");
    // A safe definition stays, byte for byte.
    assert!(
        markdown.contains("[wiki]: https://wiki.example/rollback\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("1. Open the runbook, rb and "),
        "{markdown}"
    );
}

/// Plan-like text: front matter, headings, lists, code, links, HTML, ids, odd characters.
fn plan_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("+++\n".to_string()),
        Just("team = \"t\"\nrelease = \"v1\"\nstatus = \"approved\"\nwindow = \"1h\"\nduration = \"2h\"\n".to_string()),
        Just("# Title\n".to_string()),
        Just("## Procedure\n".to_string()),
        Just("## Wer entscheidet?\n".to_string()),
        Just("## Contingencies\n".to_string()),
        Just("### Sub\n".to_string()),
        Just("1. ".to_string()),
        Just("   - ".to_string()),
        Just("> ".to_string()),
        Just("| a | b |\n|---|---|\n| `api` | x |\n".to_string()),
        Just("`api` ".to_string()),
        Just("db.main ".to_string()),
        Just("```sh\n".to_string()),
        Just("[x](javascript:y) ".to_string()),
        Just("[ref]\n\n[ref]: https://example.com\n".to_string()),
        Just("[[js]](javascript:z) ![[js]](https://t.example/p.gif) ".to_string()),
        Just("\n[js]: javascript:alert(1)\n".to_string()),
        Just("![pixel](https://t.example/p.gif) ".to_string()),
        Just("[".to_string()),
        Just("](javascript:q)".to_string()),
        Just("<!-- c --> <b> <script>x</script> <br> ".to_string()),
        Just("<div>\n".to_string()),
        Just("[^1]\n\n[^1]: note\n".to_string()),
        Just("\r\n".to_string()),
        Just("\n".to_string()),
        "[a-z \u{feff}\u{1b}\u{202e}\u{1F600}é\t|*_>#-]{0,12}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_text_renders_in_every_format_without_hazards(text in plan_text()) {
        for (format, out) in render_all(&text) {
            prop_assert!(out.ends_with('\n'));
            for c in out.chars() {
                let hazard = (c.is_control() && c != '\n' && c != '\t')
                    || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
                prop_assert!(!hazard, "{:?} holds {:?}", format, c);
            }
            if matches!(format, Format::Json | Format::Servicenow) {
                prop_assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok());
            }
            if format == Format::Markdown {
                let unsafe_links = unsafe_links(&out);
                prop_assert!(unsafe_links.is_empty(), "{:?} in {}", unsafe_links, out);
            }
        }
    }
}
