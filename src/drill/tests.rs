use super::*;
use crate::names::PlanId;
use crate::plan::Plan;

const PLAN: &str = "+++
team = \"payments\"
release = \"v1.5\"
status = \"approved\"
window = \"72h\"
duration = \"45m\"
+++

## Procedure
Before you start, open the [runbook][rb].

### Stop the damage
1. Turn the new checkout flow off: `flagctl set checkout-new-flow off`
2. Tell #payments-incidents ([template][rb]); the `payments-api` owners join.

### Roll back
3. Roll back `payments-api`:
   ```sh
   kubectl -n payments rollout undo deployment/payments-api
   ```
   - then watch <https://grafana.example.com/d/payments>
- ```sh
  make -C ops smoke
  ```

## Verification
Smoke tests.

[rb]: https://wiki.example.com/payments/rollback
";

fn id() -> PlanId {
    PlanId::new("payments", "v1.5")
}

fn procedure(text: &str) -> Procedure {
    Procedure::of(text, &Plan::parse(text, &id()))
}

#[test]
fn steps_have_titles_commands_and_links() {
    let procedure = procedure(PLAN);
    let titles: Vec<_> = procedure.steps.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Turn the new checkout flow off: `flagctl set checkout-new-flow off`",
            "Tell #payments-incidents (template); the `payments-api` owners join.",
            "Roll back `payments-api`:",
            "make -C ops smoke",
        ]
    );
    let commands: Vec<_> = procedure.steps.iter().map(|s| s.commands.clone()).collect();
    assert_eq!(
        commands,
        [
            vec!["flagctl set checkout-new-flow off".to_string()],
            vec![],
            vec!["kubectl -n payments rollout undo deployment/payments-api".to_string()],
            vec!["make -C ops smoke".to_string()],
        ]
    );
    // A reference link resolves to its definition; an autolink is its own text.
    assert_eq!(
        procedure.steps[1].links,
        [Link {
            text: "template".into(),
            url: "https://wiki.example.com/payments/rollback".into()
        }]
    );
    assert_eq!(
        procedure.steps[2].links[0].url,
        "https://grafana.example.com/d/payments"
    );
    assert_eq!(
        procedure.steps[0].subsection.as_deref(),
        Some("Stop the damage")
    );
    assert_eq!(
        procedure.steps[2].source,
        "3. Roll back `payments-api`:\n   ```sh\n   kubectl -n payments rollout undo deployment/payments-api\n   ```\n   - then watch <https://grafana.example.com/d/payments>"
    );
}

#[test]
fn the_hash_ignores_line_ends_and_trailing_spaces_but_not_words() {
    let hash = procedure(PLAN).hash;
    assert!(hash.starts_with("sha256:") && hash.len() == 7 + 64);
    let crlf = PLAN.replace('\n', "  \r\n");
    assert_eq!(procedure(&crlf).hash, hash);
    // Other sections do not count.
    assert_eq!(
        procedure(&PLAN.replace("Smoke tests.", "Run the smoke suite.")).hash,
        hash
    );
    assert_ne!(
        procedure(&PLAN.replace("undo deployment", "undo --to-revision=3 deployment")).hash,
        hash
    );
    // The heading is not the procedure: a renamed heading that is still the Procedure keeps it.
    assert_eq!(
        procedure(&PLAN.replace("## Procedure", "## PROCEDURE")).hash,
        hash
    );
}

fn finished_record() -> Record {
    let mut drill = Drill::start(
        procedure(PLAN),
        Start {
            kind: Kind::Drill,
            by: "Alex Doe".into(),
            env: Some("staging".into()),
            commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        },
        1_764_086_400,
    );
    drill.mark(Outcome::Done, None, 1_764_086_400 + 60);
    drill.mark(
        Outcome::Done,
        Some("  the channel was \"quiet\"\n".into()),
        1_764_086_400 + 300,
    );
    drill.interrupt(1_764_086_400 + 400);
    let mut drill = Drill::resume(procedure(PLAN), drill.state().clone(), 1_764_086_400 + 4000)
        .unwrap_or_else(|e| panic!("{e:?}"));
    drill.mark(Outcome::Done, None, 1_764_086_400 + 4600);
    drill.mark(Outcome::Done, Some(String::new()), 1_764_086_400 + 4800);
    drill.finish(1_764_086_400 + 4800)
}

#[test]
fn a_drill_measures_its_time_without_interruptions() {
    let record = finished_record();
    assert_eq!(record.result, Some(Verdict::Pass));
    assert_eq!(record.paused, 3600);
    assert_eq!(record.measured().map(Duration::seconds), Some(1200));
    assert_eq!(
        record.steps[1].note.as_deref(),
        Some("the channel was \"quiet\"")
    );
    assert_eq!(record.steps[3].note, None);
    assert_eq!(
        record.file_name().as_deref(),
        Some("2025-11-25T16-00-00Z.toml")
    );
}

#[test]
fn records_round_trip_through_toml() {
    let record = finished_record();
    let text = record
        .to_toml("A drill.\nSecond line.")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        text.starts_with("# A drill.\n# Second line.\nkind = \"drill\"\n"),
        "{text}"
    );
    assert!(text.contains("\npaused = \"1h\"\n"), "{text}");
    let read = Record::parse(&text, Stage::Finished).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(read, record);
}

#[test]
fn state_in_progress_round_trips_and_is_not_a_record() {
    let mut drill = Drill::start(
        procedure(PLAN),
        Start {
            kind: Kind::Incident,
            by: "Sam".into(),
            env: None,
            commit: None,
        },
        1_764_086_400,
    );
    drill.mark(Outcome::Failed, Some("timeout".into()), 1_764_086_500);
    drill.interrupt(1_764_086_600);
    let text = drill.state().to_toml("state").unwrap_or_default();
    let state = Record::parse(&text, Stage::InProgress).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(&state, drill.state());
    let problems = Record::parse(&text, Stage::Finished)
        .err()
        .unwrap_or_default();
    let messages: Vec<_> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "`finished` is missing",
            "`result` is missing",
            "unknown key `interrupted`"
        ]
    );
}

#[test]
fn a_changed_procedure_cannot_be_resumed() {
    let drill = Drill::start(
        procedure(PLAN),
        Start {
            kind: Kind::Drill,
            by: "Sam".into(),
            env: None,
            commit: None,
        },
        0,
    );
    let changed = procedure(&PLAN.replace("make -C ops smoke", "make -C ops smoke-all"));
    assert_eq!(
        Drill::resume(changed, drill.state().clone(), 10).err(),
        Some(ResumeProblem::ProcedureChanged)
    );
}

fn problems(text: &str) -> Vec<String> {
    Record::parse(text, Stage::Finished)
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.message)
        .collect()
}

const RECORD: &str = "kind = \"drill\"
by = \"Alex Doe\"
env = \"staging\"
started = 2026-11-27T10:15:00Z
finished = 2026-11-27T10:53:00Z
result = \"pass\"
procedure = \"sha256:59f236c2e3bb545a71f99c9951b717ba04ed0931890f1847306401bb70b17801\"

[[steps]]
number = 1
text = \"Turn the flag off\"
outcome = \"done\"
at = 2026-11-27T10:20:00Z
";

#[test]
fn a_hand_written_record_reads() {
    let record = Record::parse(RECORD, Stage::Finished).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        record.measured().map(|d| d.to_string()).as_deref(),
        Some("38m")
    );
    assert_eq!(record.commit, None);
}

#[test]
fn records_report_every_mistake() {
    assert_eq!(
        problems(&RECORD.replace("kind = \"drill\"", "kind = \"rehearsal\"\nowner = \"x\"")),
        ["`kind` cannot be \"rehearsal\"", "unknown key `owner`"]
    );
    assert_eq!(
        problems(&RECORD.replace("outcome = \"done\"", "outcome = \"skipped\"")),
        ["`result` is \"pass\" but step 1 was skipped"]
    );
    assert_eq!(
        problems(&RECORD.replace(
            "finished = 2026-11-27T10:53:00Z",
            "finished = 2026-11-27T10:53:00"
        )),
        ["`finished` is 2026-11-27T10:53:00, not a date and time with a UTC offset"]
    );
    assert_eq!(
        problems(&RECORD.replace("10:53:00Z", "09:00:00Z")),
        ["`finished` is before `started`"]
    );
    assert_eq!(
        problems(
            &RECORD
                .replace("number = 1", "number = 2")
                .replace("sha256:59", "md5:59")
        ),
        [
            "`procedure` is \"md5:59f236c2e3bb545a71f99c9951b717ba04ed0931890f1847306401bb70b17801\", not a procedure hash",
            "step number 2 where 1 was expected"
        ]
    );
    let cut = RECORD.find("\n[[steps]]").unwrap_or(RECORD.len());
    assert_eq!(problems(&RECORD[..cut]), ["the record has no [[steps]]"]);
    assert_eq!(
        problems(&RECORD.replace("by = \"Alex Doe\"", "by = \"Alex\\u001b[2J\"")),
        ["`by` holds a control character"]
    );
    assert_eq!(
        problems("kind = "),
        ["not valid TOML: string values must be quoted, expected literal string"]
    );
}

#[test]
fn answers_on_standard_input() {
    assert_eq!(parse_answer("  "), Ok(None));
    assert_eq!(parse_answer("# step 3 is manual"), Ok(None));
    assert_eq!(parse_answer("done"), Ok(Some((Outcome::Done, None))));
    // A German team answers in German.
    assert_eq!(parse_answer("Erledigt"), Ok(Some((Outcome::Done, None))));
    assert_eq!(
        parse_answer("fehlgeschlagen: Helm-Release fehlt"),
        Ok(Some((Outcome::Failed, Some("Helm-Release fehlt".into()))))
    );
    assert_eq!(
        parse_answer("ÜBERSPRUNGEN – kein Zugang"),
        Ok(Some((Outcome::Skipped, Some("kein Zugang".into()))))
    );
    assert_eq!(
        parse_answer("uebersprungen"),
        Ok(Some((Outcome::Skipped, None)))
    );
    assert_eq!(
        parse_answer("FAILED: kubectl timed out"),
        Ok(Some((Outcome::Failed, Some("kubectl timed out".into()))))
    );
    assert_eq!(
        parse_answer("skipped - no access to prod"),
        Ok(Some((Outcome::Skipped, Some("no access to prod".into()))))
    );
    assert_eq!(
        parse_answer("don"),
        Err("\"don\" is not done, failed or skipped".into())
    );
}

fn file(path: &str, text: &str) -> RecordFile {
    RecordFile::read(path.into(), text.into())
}

#[test]
fn the_latest_passing_drill_counts_until_it_is_too_old() {
    let old = file(
        "d/2026-10-01.toml",
        &RECORD.replace("2026-11-27", "2026-10-01"),
    );
    let failed = file(
        "d/2026-12-01.toml",
        &RECORD
            .replace("2026-11-27", "2026-12-01")
            .replace("result = \"pass\"", "result = \"fail\"")
            .replace("outcome = \"done\"", "outcome = \"failed\""),
    );
    let broken = file("d/2026-12-24.toml", "kind = \"drill\"\n");
    let files = [file("d/2026-11-27.toml", RECORD), old, failed, broken];
    assert_eq!(
        latest(&files, false).map(|f| f.path),
        Some("d/2026-12-01.toml")
    );
    assert_eq!(
        latest(&files, true).map(|f| f.path),
        Some("d/2026-11-27.toml")
    );

    let finished = clock::epoch(
        &"2026-11-27T10:53:00Z"
            .parse()
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_default();
    let standing = |age: &str, now: i64| {
        let evidence = Evidence {
            files: &files,
            max_age: Duration::parse(age).map(|age| MaxAge { age, now }),
        };
        match evidence.standing() {
            Standing::Untried => "untried",
            Standing::Counts(_) => "counts",
            Standing::Expired(_) => "expired",
        }
    };
    assert_eq!(standing("", 0), "counts");
    assert_eq!(standing("30d", finished + 30 * 86_400), "counts");
    assert_eq!(standing("30d", finished + 30 * 86_400 + 1), "expired");
    let none = Evidence::none();
    assert!(matches!(none.standing(), Standing::Untried));
}

#[test]
fn a_drill_killed_after_going_on_counts_its_pause_once() {
    let start = Start {
        kind: Kind::Drill,
        by: "Sam".into(),
        env: None,
        commit: None,
    };
    let mut drill = Drill::start(procedure(PLAN), start, 0);
    drill.mark(Outcome::Done, None, 100);
    drill.interrupt(200);
    let drill = Drill::resume(procedure(PLAN), drill.state().clone(), 1000)
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        (drill.state().paused, drill.state().resumed),
        (800, Some(1000))
    );
    // Killed without a word after going on: the state on disk is the one saved at 1000.
    let drill = Drill::resume(procedure(PLAN), drill.state().clone(), 5000)
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(drill.state().paused, 4800);
    assert_eq!(drill.elapsed(5000).seconds(), 200);
    let record = drill.finish(5000);
    assert_eq!(record.resumed, None);
}
