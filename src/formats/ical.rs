//! iCalendar (RFC 5545) feeds that phone and desktop calendars subscribe to: a `VCALENDAR` of
//! `VEVENT`s in Asia/Shanghai time (with its `VTIMEZONE`: UTC+8 all year, no daylight saving),
//! text escaped (§3.3.11), lines ended by CRLF and folded at 75 octets without splitting a UTF-8
//! character (§3.1). `GEO` is WGS84 latitude;longitude degrees (§3.8.1.6).

use std::fmt::Write;

use chrono::{DateTime, FixedOffset, Utc};

use crate::domain::LonLat;

/// The time zone every event is written in.
pub const TZID: &str = "Asia/Shanghai";

/// One event of a feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Globally unique and stable from one fetch to the next, so that calendars update events
    /// instead of duplicating them.
    pub uid: String,
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    pub summary: String,
    pub location: String,
    pub description: String,
    pub geo: Option<LonLat>,
    pub url: Option<String>,
}

/// A feed: its name, how often subscribers should fetch it again, and its events.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    pub name: String,
    /// When the feed was made (each event's `DTSTAMP`).
    pub stamp: DateTime<FixedOffset>,
    pub events: Vec<Event>,
}

/// How often subscribers should fetch a feed again (RFC 7986 `REFRESH-INTERVAL`).
const REFRESH: &str = "PT12H";

/// `text` escaped as an iCalendar TEXT value: backslash, semicolon, comma and line breaks.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded so that no physical line exceeds 75 octets (continuations
/// start with a space, which counts), never inside a UTF-8 character.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

fn local(t: DateTime<FixedOffset>) -> String {
    t.with_timezone(&crate::domain::schedule::shanghai()).format("%Y%m%dT%H%M%S").to_string()
}

impl Calendar {
    /// The feed as RFC 5545 text.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::DateTime;
    /// use liaison::formats::ical::{Calendar, Event};
    ///
    /// let at = |s| DateTime::parse_from_rfc3339(s).unwrap();
    /// let calendar = Calendar {
    ///     name: "白云街道 receptions".into(),
    ///     stamp: at("2026-12-07T09:00:00+08:00"),
    ///     events: vec![Event {
    ///         uid: "S1-20261210T1400@liaison".into(),
    ///         start: at("2026-12-10T14:00:00+08:00"),
    ///         end: at("2026-12-10T17:00:00+08:00"),
    ///         summary: "Reception; members: 王,李".into(),
    ///         location: "白云街道".into(),
    ///         description: String::new(),
    ///         geo: None,
    ///         url: None,
    ///     }],
    /// };
    /// let text = calendar.to_ics();
    /// assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
    /// assert!(text.contains("DTSTART;TZID=Asia/Shanghai:20261210T140000\r\n"));
    /// assert!(text.contains("DTSTAMP:20261207T010000Z\r\n"));
    /// assert!(text.contains("SUMMARY:Reception\\; members: 王\\,李\r\n"));
    /// assert!(text.ends_with("END:VCALENDAR\r\n"));
    /// ```
    pub fn to_ics(&self) -> String {
        let mut out = String::new();
        let mut put = |s: &str| line(&mut out, s);
        put("BEGIN:VCALENDAR");
        put("VERSION:2.0");
        put("PRODID:-//liaison//reception calendars//ZH");
        put("CALSCALE:GREGORIAN");
        put("METHOD:PUBLISH");
        put(&format!("NAME:{}", escape(&self.name)));
        put(&format!("X-WR-CALNAME:{}", escape(&self.name)));
        put(&format!("X-WR-TIMEZONE:{TZID}"));
        put(&format!("REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}"));
        put(&format!("X-PUBLISHED-TTL:{REFRESH}"));
        put("BEGIN:VTIMEZONE");
        put(&format!("TZID:{TZID}"));
        put("BEGIN:STANDARD");
        put("DTSTART:19700101T000000");
        put("TZOFFSETFROM:+0800");
        put("TZOFFSETTO:+0800");
        put("TZNAME:CST");
        put("END:STANDARD");
        put("END:VTIMEZONE");
        let stamp = self.stamp.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ").to_string();
        for e in &self.events {
            put("BEGIN:VEVENT");
            put(&format!("UID:{}", escape(&e.uid)));
            put(&format!("DTSTAMP:{stamp}"));
            put(&format!("DTSTART;TZID={TZID}:{}", local(e.start)));
            put(&format!("DTEND;TZID={TZID}:{}", local(e.end)));
            put(&format!("SUMMARY:{}", escape(&e.summary)));
            if !e.location.is_empty() {
                put(&format!("LOCATION:{}", escape(&e.location)));
            }
            if !e.description.is_empty() {
                put(&format!("DESCRIPTION:{}", escape(&e.description)));
            }
            if let Some(at) = e.geo {
                let mut geo = String::new();
                let _ = write!(geo, "GEO:{:.6};{:.6}", at.lat(), at.lon());
                put(&geo);
            }
            if let Some(url) = &e.url {
                put(&format!("URL:{url}"));
            }
            put("END:VEVENT");
        }
        put("END:VCALENDAR");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The logical lines of `text`: physical lines joined where a fold began with a space.
    fn unfold(text: &str) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        for physical in text.split("\r\n").filter(|l| !l.is_empty()) {
            match physical.strip_prefix(' ') {
                Some(rest) => lines.last_mut().expect("a fold follows a line").push_str(rest),
                None => lines.push(physical.to_owned()),
            }
        }
        lines
    }

    fn calendar(summary: &str) -> Calendar {
        let at = |s| DateTime::parse_from_rfc3339(s).unwrap();
        Calendar {
            name: "test".into(),
            stamp: at("2026-12-07T09:00:00+08:00"),
            events: vec![Event {
                uid: "u1@liaison".into(),
                start: at("2026-12-10T06:00:00Z"),
                end: at("2026-12-10T09:00:00Z"),
                summary: summary.into(),
                location: "海曙区".into(),
                description: "line one\nline two".into(),
                geo: Some(LonLat::new(121.55, 29.87).unwrap()),
                url: Some("https://example.org/stations/S1".into()),
            }],
        }
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters_and_unfold_to_the_text() {
        for summary in ["接待".repeat(60), "a".repeat(300), format!("x{}", "白云街道人大代表联络站".repeat(9))]
        {
            let text = calendar(&summary).to_ics();
            for physical in text.split("\r\n") {
                assert!(physical.len() <= 75, "{} octets: {physical:?}", physical.len());
            }
            assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'), "CRLF only");
            let lines = unfold(&text);
            assert!(lines.contains(&format!("SUMMARY:{summary}")), "{lines:?}");
        }
    }

    #[test]
    fn text_values_are_escaped_and_times_are_shanghai_local() {
        let lines = unfold(&calendar("a;b,c\\d").to_ics());
        assert!(lines.contains(&"SUMMARY:a\\;b\\,c\\\\d".to_owned()), "{lines:?}");
        assert!(lines.contains(&"DESCRIPTION:line one\\nline two".to_owned()));
        // 06:00 UTC is 14:00 in Shanghai.
        assert!(lines.contains(&"DTSTART;TZID=Asia/Shanghai:20261210T140000".to_owned()));
        assert!(lines.contains(&"DTEND;TZID=Asia/Shanghai:20261210T170000".to_owned()));
        assert!(lines.contains(&"GEO:29.870000;121.550000".to_owned()), "latitude first");
        let begins = lines.iter().filter(|l| l.starts_with("BEGIN:")).count();
        let ends = lines.iter().filter(|l| l.starts_with("END:")).count();
        assert_eq!(begins, ends);
    }
}
