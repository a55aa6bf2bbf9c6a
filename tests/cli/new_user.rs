//! What a release engineer meeting backout for the first time trips over: each test is a
//! step of the README or docs/ that did something a careful user would not expect.

use crate::harness::TestRepo;

/// `manifest --write` creates a missing manifest "from the template of `backout new`"
/// (docs/manifest.md): the `#:schema` line editors read, and the team's language.
#[test]
fn manifest_write_creates_the_manifest_new_would_write() {
    let repo = TestRepo::new();
    repo.write(
        "backout.toml",
        r#"default_team = "lager"
language = "de"

[[derive]]
path = "dienste/{id}/"
kind = "service"
version_file = "dienste/{id}/VERSION"
"#,
    );
    repo.write("dienste/lager-api/VERSION", "1.9.4\n");
    repo.commit("Lagerverwaltung 1.9");
    repo.tag("v1.9", true);
    repo.write("dienste/lager-api/VERSION", "2.0.0\n");
    repo.write("plans/lager/v2.0/.keep", "");
    repo.commit("Lagerverwaltung 2.0: neue Kommissionierung");

    repo.run(&["manifest", "v2.0", "--write"])
        .code(0)
        .stdout_has("created plans/lager/v2.0/manifest.toml");
    let written = repo.read("plans/lager/v2.0/manifest.toml");

    // The same file as `backout new` writes for a release of this team, plus the item.
    repo.remove("plans/lager/v2.0/manifest.toml");
    repo.run(&["new", "v2.0"]).code(0);
    let from_new = repo.read("plans/lager/v2.0/manifest.toml");
    assert!(
        written.starts_with(&from_new),
        "manifest --write did not start from the template of `new`:\n--- written\n{written}\n--- new\n{from_new}"
    );
    assert!(written.starts_with("#:schema "), "{written}");
    assert!(
        written.contains("# Was lager/v2.0 ausliefert."),
        "{written}"
    );
    assert!(
        written.contains(
            "id = \"lager-api\"\nkind = \"service\"\nversion = \"2.0.0\"\nprevious = \"1.9.4\"\n"
        ),
        "{written}"
    );
}
