//! What time it is: `SOURCE_DATE_EPOCH` when set (reproducible output and tests), else the
//! system clock. Read by the commands that stamp or measure time: `publish`, `drill`, and
//! `check` when `[check] drill_max_age` makes the age of a drill matter. And how a moment
//! is written: a TOML datetime in UTC, to the second.

use toml::value::{Date, Datetime, Offset, Time};

use crate::error::{Error, Result};

/// Seconds since the Unix epoch.
pub fn now() -> Result<i64> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => value.trim().parse::<i64>().map_err(|_| {
            Error::msg(format!(
                "SOURCE_DATE_EPOCH is \"{value}\", not whole seconds since 1970; unset it or set it to a number such as 1764086400"
            ))
        }),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::msg(
            "SOURCE_DATE_EPOCH is not valid UTF-8; unset it or set it to whole seconds since 1970",
        )),
        Err(std::env::VarError::NotPresent) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .map_err(|_| {
                Error::msg("the system clock is before 1970; set the clock or SOURCE_DATE_EPOCH")
            }),
    }
}

/// A UTC datetime to the second from seconds since the Unix epoch (1970 to 9999).
pub fn utc(epoch_seconds: i64) -> Option<Datetime> {
    let days = epoch_seconds.div_euclid(86_400);
    let seconds = epoch_seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    if !(1970..=9999).contains(&year) {
        return None;
    }
    Some(Datetime {
        date: Some(Date {
            year: u16::try_from(year).ok()?,
            month,
            day,
        }),
        time: Some(Time {
            hour: u8::try_from(seconds / 3600).ok()?,
            minute: u8::try_from(seconds % 3600 / 60).ok()?,
            second: Some(u8::try_from(seconds % 60).ok()?),
            nanosecond: None,
        }),
        offset: Some(Offset::Z),
    })
}

/// Year, month, day of a count of days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month as u8, day as u8)
}

/// Seconds since the Unix epoch of a full TOML datetime (date, time and offset); `None` for
/// a date or time alone, or a local time with no offset.
pub fn epoch(datetime: &Datetime) -> Option<i64> {
    let date = datetime.date?;
    let time = datetime.time?;
    let offset_minutes = match datetime.offset? {
        Offset::Z => 0,
        Offset::Custom { minutes } => i64::from(minutes),
    };
    let days = days_from_civil(i64::from(date.year), date.month, date.day);
    Some(
        days * 86_400
            + i64::from(time.hour) * 3600
            + i64::from(time.minute) * 60
            + i64::from(time.second.unwrap_or(0))
            - offset_minutes * 60,
    )
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_utc_are_inverse() {
        for seconds in [
            0,
            951_782_400 + 86_399,
            1_764_086_400,
            1_798_371_296,
            253_402_300_799,
        ] {
            let datetime = utc(seconds).unwrap_or_else(|| panic!("{seconds}"));
            assert_eq!(epoch(&datetime), Some(seconds), "{datetime}");
        }
    }

    #[test]
    fn epoch_honours_offsets_and_needs_all_parts() {
        let parse = |text: &str| text.parse::<Datetime>().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            epoch(&parse("2025-11-25T17:30:00+01:30")),
            epoch(&parse("2025-11-25T16:00:00Z"))
        );
        assert_eq!(epoch(&parse("2025-11-25")), None);
        assert_eq!(epoch(&parse("2025-11-25T16:00:00")), None);
        assert_eq!(epoch(&parse("16:00:00")), None);
    }
}
