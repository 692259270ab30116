//! Points in time and lengths of time as this product speaks of them: instants in whole
//! milliseconds since the Unix epoch, durations in whole seconds written `90s`, `15m`, `1h`, `30d`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An instant, in milliseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn plus(self, duration: Seconds) -> Timestamp {
        Timestamp(
            self.0
                .saturating_add(i64::from(duration.0).saturating_mul(1000)),
        )
    }

    pub fn minus(self, duration: Seconds) -> Timestamp {
        Timestamp(
            self.0
                .saturating_sub(i64::from(duration.0).saturating_mul(1000)),
        )
    }

    pub fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// RFC 3339 in UTC with second precision, e.g. `2026-11-23T19:39:01Z`.
    pub fn to_rfc3339(self) -> String {
        match time::OffsetDateTime::from_unix_timestamp(self.unix_seconds()) {
            Ok(at) => at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|_| self.0.to_string()),
            Err(_) => self.0.to_string(),
        }
    }

    /// Reads what [`Timestamp::to_rfc3339`] writes (any RFC 3339 offset and fraction), as the
    /// remote backend receives times from the management API.
    pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
        let at = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .ok()?;
        i64::try_from(at.unix_timestamp_nanos() / 1_000_000)
            .ok()
            .map(Timestamp)
    }

    /// A short UTC date and time for tables, e.g. `2026-11-23 19:39`.
    pub fn to_short(self) -> String {
        let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
        match time::OffsetDateTime::from_unix_timestamp(self.unix_seconds()) {
            Ok(at) => at.format(&format).unwrap_or_else(|_| self.0.to_string()),
            Err(_) => self.0.to_string(),
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// A length of time in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Seconds(pub u32);

impl Seconds {
    pub const MINUTE: Seconds = Seconds(60);
    pub const HOUR: Seconds = Seconds(3600);
    pub const DAY: Seconds = Seconds(86_400);

    pub const fn days(days: u32) -> Seconds {
        Seconds(days * 86_400)
    }
}

const UNITS: [(char, u32); 4] = [('d', 86_400), ('h', 3600), ('m', 60), ('s', 1)];

/// Written in the largest unit that says it exactly: `90s`, `15m`, `1h`, `30d`; zero is `0s`.
impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (unit, size) = UNITS
            .into_iter()
            .find(|(_, size)| self.0.is_multiple_of(*size) && self.0 != 0)
            .unwrap_or(('s', 1));
        write!(f, "{}{}", self.0 / size, unit)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a duration: write a whole number and a unit, like 90s, 15m, 1h or 30d")]
pub struct InvalidDuration {
    text: String,
}

/// Parses `90s`, `15m`, `1h`, `30d` (a unit in either case), a bare number of seconds (`0`,
/// `3600`), and humantime's longer forms (`1h 30m`, `2 days`, `1w`), as long as they come to
/// whole seconds that fit a `u32`.
impl FromStr for Seconds {
    type Err = InvalidDuration;

    fn from_str(text: &str) -> Result<Seconds, InvalidDuration> {
        let invalid = || InvalidDuration {
            text: text.to_owned(),
        };
        let trimmed = text.trim();
        let seconds = if trimmed.bytes().all(|byte| byte.is_ascii_digit()) {
            trimmed.parse::<u64>().map_err(|_| invalid())?
        } else {
            // humantime reads `M` as months; here `15M` has always been 15 minutes.
            let duration =
                humantime::parse_duration(&trimmed.to_ascii_lowercase()).map_err(|_| invalid())?;
            if duration.subsec_nanos() != 0 {
                return Err(invalid());
            }
            duration.as_secs()
        };
        u32::try_from(seconds).map(Seconds).map_err(|_| invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn durations_parse_in_each_unit_and_print_back() {
        for (text, seconds, shown) in [
            ("90s", 90, "90s"),
            ("15m", 900, "15m"),
            ("1h", 3600, "1h"),
            ("30d", 2_592_000, "30d"),
            ("0", 0, "0s"),
            ("3600", 3600, "1h"),
            ("120m", 7200, "2h"),
            ("15M", 900, "15m"),
            (" 2 H ", 7200, "2h"),
            ("1h 30m", 5400, "90m"),
            ("1.5h", 5400, "90m"),
            ("1 hour", 3600, "1h"),
            ("2 days", 172_800, "2d"),
            ("1w", 604_800, "7d"),
        ] {
            let parsed: Seconds = text.parse().unwrap();
            assert_eq!(parsed, Seconds(seconds), "{text}");
            assert_eq!(parsed.to_string(), shown, "{text}");
        }
    }

    #[test]
    fn durations_refuse_what_is_not_one() {
        for text in [
            "",
            " ",
            "h",
            "1x",
            "-1h",
            "1.5s",
            "500ms",
            "99999999999d",
            "4294967296",
            "50000d",
        ] {
            let err = text.parse::<Seconds>().unwrap_err();
            assert!(
                err.to_string().contains("like 90s, 15m, 1h or 30d"),
                "{text}"
            );
        }
    }

    #[test]
    fn timestamps_format_in_utc() {
        let at = Timestamp(1_795_462_741_000);
        assert_eq!(at.to_rfc3339(), "2026-11-23T19:39:01Z");
        assert_eq!(at.to_short(), "2026-11-23 19:39");
        assert_eq!(Timestamp::parse_rfc3339(&at.to_rfc3339()), Some(at));
        assert_eq!(
            Timestamp::parse_rfc3339("2026-11-23T20:39:01.250+01:00"),
            Some(Timestamp(1_795_462_741_250))
        );
        assert_eq!(Timestamp::parse_rfc3339("yesterday"), None);
        assert_eq!(at.plus(Seconds::MINUTE), Timestamp(1_795_462_801_000));
    }

    /// 9999-12-31T23:59:59Z, the last instant RFC 3339 can write.
    const LAST_RFC3339_SECOND: i64 = 253_402_300_799;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn every_duration_prints_as_text_that_parses_back(seconds in any::<u32>()) {
            let shown = Seconds(seconds).to_string();
            prop_assert_eq!(shown.parse::<Seconds>(), Ok(Seconds(seconds)));
        }

        #[test]
        fn a_number_and_unit_parse_to_their_product_or_a_refusal_past_u32(
            count in any::<u32>(),
            (unit, size) in proptest::sample::select(UNITS.to_vec()),
            upper in any::<bool>(),
        ) {
            let unit = if upper { unit.to_ascii_uppercase() } else { unit };
            let parsed = format!(" {count}{unit} ").parse::<Seconds>();
            match count.checked_mul(size) {
                Some(seconds) => prop_assert_eq!(parsed, Ok(Seconds(seconds))),
                None => prop_assert!(parsed.is_err()),
            }
        }

        #[test]
        fn any_text_is_a_duration_or_a_refusal_that_quotes_it_and_shows_how(text in any::<String>()) {
            if let Err(error) = text.parse::<Seconds>() {
                let message = error.to_string();
                prop_assert!(message.contains(&format!("'{text}'")), "{}", message);
                prop_assert!(message.contains("like 90s, 15m, 1h or 30d"), "{}", message);
            }
        }

        #[test]
        fn whole_second_timestamps_survive_rfc3339(seconds in 0..=LAST_RFC3339_SECOND) {
            let at = Timestamp(seconds * 1000);
            prop_assert_eq!(Timestamp::parse_rfc3339(&at.to_rfc3339()), Some(at));
        }

        #[test]
        fn any_offset_and_fraction_read_as_the_same_instant_written_in_utc(
            text in "[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9](\\.[0-9]{1,9})?(Z|[+-][01][0-9]:[0-5][0-9])",
        ) {
            if let Some(at) = Timestamp::parse_rfc3339(&text)
                .filter(|at| (0..=LAST_RFC3339_SECOND * 1000).contains(&at.0))
            {
                let whole_second = Timestamp(at.unix_seconds() * 1000);
                prop_assert_eq!(Timestamp::parse_rfc3339(&at.to_rfc3339()), Some(whole_second));
            }
        }
    }
}
