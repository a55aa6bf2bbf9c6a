//! Durations as plans write them: `45m`, `2h`, `1h30m`, `3d`, `90s`.

use std::fmt;

/// A length of time, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(u64);

impl Duration {
    /// Parses one or more `<number><unit>` parts, units `d`, `h`, `m`, `s`, largest first.
    pub fn parse(text: &str) -> Option<Duration> {
        let mut total: u64 = 0;
        let mut rest = text.trim();
        let mut last_unit = u64::MAX;
        if rest.is_empty() {
            return None;
        }
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if digits == 0 {
                return None;
            }
            let number: u64 = rest[..digits].parse().ok()?;
            let unit_char = rest[digits..].chars().next()?;
            let unit = match unit_char {
                'd' => 86_400,
                'h' => 3_600,
                'm' => 60,
                's' => 1,
                _ => return None,
            };
            if unit >= last_unit {
                return None;
            }
            last_unit = unit;
            total = total.checked_add(number.checked_mul(unit)?)?;
            rest = &rest[digits + 1..];
        }
        Some(Duration(total))
    }

    pub fn seconds(self) -> u64 {
        self.0
    }

    pub fn from_seconds(seconds: u64) -> Duration {
        Duration(seconds)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        if rest == 0 {
            return f.write_str("0m");
        }
        for (unit, name) in [(86_400, 'd'), (3_600, 'h'), (60, 'm'), (1, 's')] {
            if rest >= unit {
                write!(f, "{}{name}", rest / unit)?;
                rest %= unit;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plan_durations() {
        let s = |t: &str| Duration::parse(t).map(Duration::seconds);
        assert_eq!(s("45m"), Some(2700));
        assert_eq!(s("2h"), Some(7200));
        assert_eq!(s("1h30m"), Some(5400));
        assert_eq!(s("3d"), Some(259_200));
        assert_eq!(s("90s"), Some(90));
        for bad in [
            "",
            "h",
            "45",
            "1.5h",
            "30m1h",
            "1h1h",
            "-1h",
            "99999999999999999999d",
            "1 h",
        ] {
            assert_eq!(s(bad), None, "{bad}");
        }
    }

    #[test]
    fn displays_compactly() {
        let d = |t: &str| Duration::parse(t).map(|d| d.to_string());
        assert_eq!(d("90m").as_deref(), Some("1h30m"));
        assert_eq!(d("72h").as_deref(), Some("3d"));
    }
}
