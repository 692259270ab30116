//! Times as the console shows them: in the zone of `TZ` or of the system (UTC when neither is
//! known), always with that zone's abbreviation at the instant (`CET`, `CEST`, `UTC`), and to the
//! second in a list where two neighbouring rows would otherwise read the same minute.

use jiff::tz::TimeZone;

use crate::model::Timestamp;

const MINUTE: &str = "%Y-%m-%d %H:%M";
const SECOND: &str = "%Y-%m-%d %H:%M:%S";

/// The zone every time on screen is shown in, read once when the console starts (the headless
/// console takes a fixed one so its frames do not depend on the machine).
#[derive(Debug, Clone)]
pub struct Zone(TimeZone);

impl Default for Zone {
    fn default() -> Self {
        Zone(TimeZone::UTC)
    }
}

impl Zone {
    pub fn new(zone: TimeZone) -> Zone {
        Zone(zone)
    }

    /// The zone of `TZ` (a name, a POSIX rule or a file) or else the system's.
    pub fn local() -> Zone {
        Zone::or_utc(TimeZone::try_system().ok())
    }

    /// `found`, or UTC when no zone could be read: a time is never shown in a zone it does not
    /// name.
    fn or_utc(found: Option<TimeZone>) -> Zone {
        found.map_or_else(Zone::default, Zone)
    }

    /// The abbreviation in force at `at`, e.g. `CET` in winter and `CEST` in summer.
    pub fn label(&self, at: Timestamp) -> String {
        match instant(at) {
            Some(at) => self.0.to_offset_info(at).abbreviation().to_owned(),
            None => "UTC".to_owned(),
        }
    }

    /// `2026-11-23 20:39 CET`: a time on its own, on a detail screen or in a sentence.
    pub fn minute(&self, at: Timestamp) -> String {
        format!("{} {}", self.format(at, MINUTE), self.label(at))
    }

    /// `2026-11-23 20:39`, for a line that names the zone once after several times.
    pub fn unlabelled_minute(&self, at: Timestamp) -> String {
        self.format(at, MINUTE)
    }

    /// `2026-11-23 20:39:01 CET`: one event's time, where the second may matter.
    pub fn second(&self, at: Timestamp) -> String {
        format!("{} {}", self.format(at, SECOND), self.label(at))
    }

    fn format(&self, at: Timestamp, format: &str) -> String {
        match instant(at) {
            Some(instant) => self.0.to_datetime(instant).strftime(format).to_string(),
            None => at.to_short(),
        }
    }

    /// How a list column shows `times` (in the order of its rows): to the minute, with the zone
    /// in its title when every row has the same abbreviation (else after each time).
    pub fn column(&self, times: impl IntoIterator<Item = Timestamp>) -> TimeColumn<'_> {
        self.column_of(times, false)
    }

    /// [`Zone::column`] for a list of events, whose order is what it tells: to the second when
    /// two neighbouring rows fall in the same minute. (Apps and approvals stay to the minute:
    /// three more characters there would push Created by off an 110-column list.)
    pub fn event_column(&self, times: impl IntoIterator<Item = Timestamp>) -> TimeColumn<'_> {
        self.column_of(times, true)
    }

    fn column_of(
        &self,
        times: impl IntoIterator<Item = Timestamp>,
        seconds_when_close: bool,
    ) -> TimeColumn<'_> {
        let mut label: Option<String> = None;
        let mut mixed = false;
        let mut seconds = false;
        let mut previous_minute = None;
        for at in times {
            let minute = at.unix_seconds().div_euclid(60);
            seconds |= seconds_when_close && previous_minute == Some(minute);
            previous_minute = Some(minute);
            let this = self.label(at);
            match &label {
                Some(first) => mixed |= *first != this,
                None => label = Some(this),
            }
        }
        TimeColumn {
            zone: self,
            label: if mixed {
                None
            } else {
                Some(label.unwrap_or_else(|| self.label(Timestamp(0))))
            },
            seconds,
        }
    }
}

fn instant(at: Timestamp) -> Option<jiff::Timestamp> {
    jiff::Timestamp::from_millisecond(at.0).ok()
}

/// One list's time column, from [`Zone::column`] or [`Zone::event_column`].
#[derive(Debug)]
pub struct TimeColumn<'a> {
    zone: &'a Zone,
    /// The abbreviation every row shares, shown once in the title; `None` when rows differ
    /// (across a daylight-saving change), and each row shows its own.
    label: Option<String>,
    seconds: bool,
}

impl TimeColumn<'_> {
    /// `name` with the zone, e.g. `Created (CET)`.
    pub fn title(&self, name: &str) -> String {
        match &self.label {
            Some(label) => format!("{name} ({label})"),
            None => name.to_owned(),
        }
    }

    /// The width that fits every row's text: 16 for minutes, 19 with seconds, and room for a
    /// label after each time when the rows differ.
    pub fn width(&self) -> u16 {
        let time: u16 = if self.seconds { 19 } else { 16 };
        match self.label {
            Some(_) => time,
            None => time + 6,
        }
    }

    pub fn text(&self, at: Timestamp) -> String {
        let format = if self.seconds { SECOND } else { MINUTE };
        let time = self.zone.format(at, format);
        match self.label {
            Some(_) => time,
            None => format!("{time} {}", self.zone.label(at)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-23T19:39:01Z.
    const NOVEMBER: Timestamp = Timestamp(1_795_462_741_000);
    /// 2026-07-01T10:00:00Z.
    const JULY: Timestamp = Timestamp(1_782_900_000_000);

    fn paris() -> Zone {
        Zone::new(TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap())
    }

    #[test]
    fn with_no_zone_known_times_are_utc_and_say_so() {
        let zone = Zone::or_utc(None);
        assert_eq!(zone.minute(NOVEMBER), "2026-11-23 19:39 UTC");
        assert_eq!(zone.second(NOVEMBER), "2026-11-23 19:39:01 UTC");
        assert_eq!(zone.column([NOVEMBER]).title("Created"), "Created (UTC)");
    }

    #[test]
    fn times_are_local_with_the_abbreviation_in_force_then() {
        let zone = paris();
        assert_eq!(zone.minute(NOVEMBER), "2026-11-23 20:39 CET");
        assert_eq!(zone.minute(JULY), "2026-07-01 12:00 CEST");
    }

    #[test]
    fn an_event_column_shows_seconds_only_when_neighbours_share_a_minute() {
        let zone = paris();
        let later = NOVEMBER.plus(crate::model::Seconds::MINUTE);
        let apart = zone.event_column([NOVEMBER, later]);
        assert_eq!(apart.text(NOVEMBER), "2026-11-23 20:39");
        assert_eq!(apart.width(), 16);
        let soon = NOVEMBER.plus(crate::model::Seconds(20));
        let close = zone.event_column([NOVEMBER, soon]);
        assert_eq!(close.text(NOVEMBER), "2026-11-23 20:39:01");
        assert_eq!(close.title("Date"), "Date (CET)");
        assert_eq!(close.width(), 19);
        assert_eq!(
            zone.column([NOVEMBER, soon]).text(NOVEMBER),
            "2026-11-23 20:39"
        );
    }

    #[test]
    fn a_column_across_a_daylight_saving_change_labels_each_row() {
        let zone = paris();
        let column = zone.column([NOVEMBER, JULY]);
        assert_eq!(column.title("Created"), "Created");
        assert_eq!(column.text(JULY), "2026-07-01 12:00 CEST");
        assert!(column.width() >= 21);
    }
}
