//! The version a `version_file` holds: the `version` of a Cargo.toml, package.json or
//! Chart.yaml, or else the file's first line.

/// The longest version kept; longer first lines are not versions.
const MAX_VERSION_LEN: usize = 100;

/// The version in the file at `path`; the error completes "<path> at <release> ...".
pub fn version_of(path: &str, bytes: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "is not UTF-8 text".to_string())?;
    let name = path.rsplit('/').next().unwrap_or(path);
    let version = match name {
        "Cargo.toml" => cargo(text)?,
        "package.json" => package_json(text)?,
        "Chart.yaml" | "Chart.yml" => chart(text)?,
        _ => {
            let line = text.trim_start_matches('\u{feff}').lines().next();
            let line = line.map(str::trim).unwrap_or_default();
            if line.is_empty() {
                return Err("has an empty first line, where the version should be".into());
            }
            line.to_string()
        }
    };
    if version.len() > MAX_VERSION_LEN || version.chars().any(char::is_control) {
        return Err(format!(
            "does not hold a version: its version is not one line of at most {MAX_VERSION_LEN} characters"
        ));
    }
    Ok(version)
}

fn cargo(text: &str) -> Result<String, String> {
    let doc: toml::Table = text
        .parse()
        .map_err(|_| "is not valid TOML, so its `version` cannot be read".to_string())?;
    let package = doc.get("package").and_then(|p| p.get("version"));
    let workspace = doc
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"));
    match (package, workspace) {
        (Some(toml::Value::String(version)), _) => Ok(version.clone()),
        (Some(_), Some(toml::Value::String(version))) => Ok(version.clone()),
        (Some(_), _) => Err(
            "takes its version from the workspace (`version.workspace = true`); point `version_file` at the workspace's Cargo.toml".into(),
        ),
        (None, Some(toml::Value::String(version))) => Ok(version.clone()),
        _ => Err("has no `version` in [package]".into()),
    }
}

fn package_json(text: &str) -> Result<String, String> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|_| "is not valid JSON, so its `version` cannot be read".to_string())?;
    match value.get("version") {
        Some(serde_json::Value::String(version)) => Ok(version.clone()),
        _ => Err("has no string `version`".into()),
    }
}

/// The top-level `version:` of a Helm chart (not `appVersion`), read line by line.
fn chart(text: &str) -> Result<String, String> {
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("version:") else {
            continue;
        };
        let value = match rest.find(" #") {
            Some(comment) => &rest[..comment],
            None => rest,
        }
        .trim();
        let unquoted = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        if !unquoted.is_empty() {
            return Ok(unquoted.to_string());
        }
    }
    Err("has no top-level `version:`".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_versions_where_each_kind_of_file_keeps_them() {
        assert_eq!(version_of("VERSION", b"2.4.0\nnotes\n"), Ok("2.4.0".into()));
        assert_eq!(
            version_of("a/VERSION", b"\xef\xbb\xbf v3 \r\n"),
            Ok("v3".into())
        );
        let cargo = b"[package]\nname = \"api\"\nversion = \"0.7.2\"\n\n[dependencies]\nserde = { version = \"1\" }\n";
        assert_eq!(version_of("svc/Cargo.toml", cargo), Ok("0.7.2".into()));
        let workspace =
            b"[workspace.package]\nversion = \"3.1.0\"\n[package]\nversion.workspace = true\n";
        assert_eq!(version_of("Cargo.toml", workspace), Ok("3.1.0".into()));
        let json = br#"{"name": "web", "dependencies": {"x": "1.0.0"}, "version": "5.0.1"}"#;
        assert_eq!(version_of("web/package.json", json), Ok("5.0.1".into()));
        let chart =
            b"apiVersion: v2\nname: ledger\nappVersion: \"9.9\"\nversion: \"1.12.0\" # chart\n";
        assert_eq!(version_of("chart/Chart.yaml", chart), Ok("1.12.0".into()));
    }

    #[test]
    fn says_why_there_is_no_version() {
        for (path, bytes) in [
            ("VERSION", &b"\n"[..]),
            ("VERSION", b"\xff\xfe"),
            ("VERSION", b"1.0\x1b[31m"),
            ("Cargo.toml", b"[package]\nname = \"x\"\n"),
            ("Cargo.toml", b"[package]\nversion.workspace = true\n"),
            ("package.json", b"{"),
            ("Chart.yaml", b"name: x\n  version: 1\n"),
        ] {
            assert!(version_of(path, bytes).is_err(), "{path} {bytes:?}");
        }
    }
}
