//! Events of the opinion loop for the outside world (webhooks), what each carries, the rule for
//! retrying a failed delivery and the signature a receiver verifies. Events carry the public view
//! of an opinion only: no name, phone or tracking code, and the position rounded to the public
//! ~100 m grid (WGS84 lon/lat degrees).

use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::opinion::AuditEntry;
use super::{Opinion, Status};

/// What happened, as a receiver subscribes to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub enum EventType {
    #[serde(rename = "opinion.created")]
    OpinionCreated,
    #[serde(rename = "opinion.status_changed")]
    OpinionStatusChanged,
    #[serde(rename = "opinion.replied")]
    OpinionReplied,
    #[serde(rename = "opinion.rated")]
    OpinionRated,
}

impl EventType {
    pub const ALL: [EventType; 4] = [
        EventType::OpinionCreated,
        EventType::OpinionStatusChanged,
        EventType::OpinionReplied,
        EventType::OpinionRated,
    ];

    /// The name receivers see in the `Liaison-Event` header and subscribe with.
    pub fn code(self) -> &'static str {
        match self {
            EventType::OpinionCreated => "opinion.created",
            EventType::OpinionStatusChanged => "opinion.status_changed",
            EventType::OpinionReplied => "opinion.replied",
            EventType::OpinionRated => "opinion.rated",
        }
    }
}

impl std::str::FromStr for EventType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        EventType::ALL.into_iter().find(|e| e.code() == s).ok_or_else(|| {
            let known: Vec<&str> = EventType::ALL.iter().map(|e| e.code()).collect();
            format!("unknown event {s:?}; known: {}", known.join(", "))
        })
    }
}

/// One event to deliver: its type and its JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEvent {
    pub event_type: EventType,
    pub payload: Value,
}

/// The opinion as the public sees it (as Open311 shows it): no contact, no tracking code, the
/// position rounded to the public grid.
pub fn public_opinion(o: &Opinion) -> Value {
    let at = o.submission.location.public();
    json!({
        "id": o.id,
        "category": o.submission.category.code(),
        "title": o.submission.title,
        "text": o.submission.text,
        "status": o.status.code(),
        "version": o.version,
        "town_code": o.routing.town_code.as_ref().map(|c| c.as_str()),
        "station_id": o.routing.station.as_ref().map(|s| s.as_str()),
        "position": { "lon": at.lon(), "lat": at.lat(), "rounded_m": 100 },
        "department": o.department,
        "due": o.due.map(|d| d.to_string()),
        "reply": o.reply,
        "rating": o.rating.map(|r| r.get()),
        "created_at": o.created_at.to_rfc3339(),
        "replied_at": o.replied_at.map(|t| t.to_rfc3339()),
        "closed_at": o.closed_at.map(|t| t.to_rfc3339()),
    })
}

fn event(event_type: EventType, at: DateTime<FixedOffset>, o: &Opinion, change: Option<&AuditEntry>) -> OutboxEvent {
    let mut payload = json!({
        "type": event_type.code(),
        "occurred_at": at.to_rfc3339(),
        "opinion": public_opinion(o),
    });
    if let Some(e) = change {
        payload["change"] = json!({ "event": e.event, "from": e.from.code(), "to": e.to.code() });
    }
    OutboxEvent { event_type, payload }
}

/// The events of a newly submitted opinion.
pub fn on_created(o: &Opinion) -> Vec<OutboxEvent> {
    vec![event(EventType::OpinionCreated, o.created_at, o, None)]
}

/// The events of a change saved with history line `entry`: a status change, a reply, a rating
/// (a reply or rating that moves the status gives both events).
pub fn on_change(o: &Opinion, entry: &AuditEntry) -> Vec<OutboxEvent> {
    let mut out = Vec::new();
    if entry.event == "reply" && entry.to == Status::Replied {
        out.push(event(EventType::OpinionReplied, entry.at, o, Some(entry)));
    }
    if entry.event == "rate" {
        out.push(event(EventType::OpinionRated, entry.at, o, Some(entry)));
    }
    if entry.from != entry.to {
        out.push(event(EventType::OpinionStatusChanged, entry.at, o, Some(entry)));
    }
    out
}

/// When to try a delivery again and when to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failure; doubled after each further one.
    pub base: Duration,
    /// The longest wait between two attempts.
    pub cap: Duration,
    /// How long after the event was written attempts stop.
    pub give_up_after: Duration,
}

impl Default for RetryPolicy {
    /// 30 s × 2^n, at most an hour apart, for a day.
    fn default() -> Self {
        Self {
            base: Duration::from_secs(30),
            cap: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(86_400),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempts` (1 for the first).
    pub fn backoff(&self, attempts: u32) -> Duration {
        let factor = 1u32.checked_shl(attempts.saturating_sub(1).min(30)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The next attempt after `attempts` failures, `age` after the event was written, or `None`
    /// when it is time to give up.
    pub fn next(&self, attempts: u32, age: Duration) -> Option<Duration> {
        let wait = self.backoff(attempts);
        (age + wait <= self.give_up_after).then_some(wait)
    }
}

/// The `Liaison-Signature` header of `body` sent at `unix_secs`: `t=<unix>,v1=<hex HMAC-SHA256
/// of "<t>.<body>" keyed with the hook's secret>` (Stripe's scheme).
pub fn signature(secret: &str, unix_secs: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(unix_secs.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={unix_secs},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Why a webhook cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("url: {0}")]
    Url(String),
    #[error("events: {0}")]
    Events(String),
    #[error("secret: {0}")]
    Secret(String),
}

/// A receiver's address and the events it wants, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWebhook {
    pub url: url::Url,
    pub events: Vec<EventType>,
    pub secret: String,
}

impl NewWebhook {
    /// An http(s) URL with a host and no credentials, at least one known event (duplicates
    /// dropped), and a secret of 16 to 200 printable ASCII characters.
    pub fn checked(url: &str, events: &[String], secret: String) -> Result<Self, WebhookError> {
        let parsed =
            url::Url::parse(url.trim()).map_err(|e| WebhookError::Url(format!("{url:?} is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(WebhookError::Url(format!("{url:?} is not http or https")));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(WebhookError::Url(format!("{url:?} has no host")));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(WebhookError::Url("credentials do not belong in the URL; verify the signature instead".into()));
        }
        if url.len() > 2_000 {
            return Err(WebhookError::Url("longer than 2000 characters".into()));
        }
        if events.is_empty() {
            return Err(WebhookError::Events("name at least one event".into()));
        }
        let mut wanted = Vec::new();
        for e in events {
            let e: EventType = e.parse().map_err(WebhookError::Events)?;
            if !wanted.contains(&e) {
                wanted.push(e);
            }
        }
        if !(16..=200).contains(&secret.len()) || !secret.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(WebhookError::Secret("16 to 200 printable ASCII characters, no spaces".into()));
        }
        Ok(Self { url: parsed, events: wanted, secret })
    }
}

/// Why `url` points into a private network, if its host is a literal loopback, private,
/// link-local, shared (CGNAT), unique-local or unspecified address, or `localhost`: the hosts a
/// webhook could use to reach the server's own network (SSRF). Names that resolve to such an
/// address are not looked up here; a firewall on the way out is the full guard.
///
/// # Examples
///
/// ```
/// use liaison::domain::outbox::private_host;
/// let url = |s: &str| url::Url::parse(s).unwrap();
/// assert!(private_host(&url("http://127.0.0.1:9000/hook")).is_some());
/// assert!(private_host(&url("http://[fd00::1]/hook")).is_some());
/// assert!(private_host(&url("https://hooks.example.cn/x")).is_none());
/// assert!(private_host(&url("https://203.0.113.7/x")).is_none());
/// ```
pub fn private_host(url: &url::Url) -> Option<String> {
    use std::net::{IpAddr, Ipv4Addr};
    let private_v4 = |a: Ipv4Addr| {
        let [x, y, ..] = a.octets();
        a.is_loopback()
            || a.is_private()
            || a.is_link_local()
            || a.is_unspecified()
            || a.is_broadcast()
            || (x == 100 && (64..128).contains(&y))
    };
    let ip = match url.host()? {
        url::Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            return (d == "localhost" || d.ends_with(".localhost")).then(|| format!("{d} is this machine"));
        }
        url::Host::Ipv4(a) => IpAddr::V4(a),
        url::Host::Ipv6(a) => IpAddr::V6(a),
    };
    let private = match ip {
        IpAddr::V4(a) => private_v4(a),
        IpAddr::V6(a) => {
            let first = a.segments()[0];
            a.is_loopback()
                || a.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || a.to_ipv4_mapped().is_some_and(private_v4)
        }
    };
    private.then(|| format!("{ip} is a private, loopback or link-local address"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::opinion::tests::opinion;
    use crate::domain::Contact;

    #[test]
    fn events_carry_no_contact_code_or_exact_position() {
        let mut o = opinion();
        o.submission.contact = Contact { name: Some("张小明".into()), phone: Some("13812345678".into()) };
        o.submission.location = crate::domain::LonLat::new(121.543_512_3, 29.865_498_7).unwrap();
        let text = on_created(&o)[0].payload.to_string();
        for secret in ["张小明", "13812345678", o.code.as_str(), "121.5435", "29.8654"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("\"lon\":121.544"), "{text}");
    }

    #[test]
    fn a_reply_is_a_reply_and_a_status_change_and_a_note_is_neither() {
        let o = opinion();
        let at = o.created_at;
        let line = |event: &str, from, to| AuditEntry {
            at,
            actor: "x".into(),
            from,
            to,
            event: event.into(),
            note: String::new(),
        };
        let kinds = |e: &AuditEntry| on_change(&o, e).iter().map(|e| e.event_type).collect::<Vec<_>>();
        use EventType::*;
        assert_eq!(kinds(&line("reply", Status::InProgress, Status::Replied)), [OpinionReplied, OpinionStatusChanged]);
        assert_eq!(kinds(&line("rate", Status::Replied, Status::Closed)), [OpinionRated, OpinionStatusChanged]);
        assert_eq!(kinds(&line("register", Status::Submitted, Status::Registered)), [OpinionStatusChanged]);
        assert_eq!(kinds(&line("assign", Status::Assigned, Status::Assigned)), Vec::<EventType>::new());
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_stops_after_a_day() {
        let p = RetryPolicy::default();
        let secs: Vec<u64> = (1..=9).map(|n| p.backoff(n).as_secs()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(p.backoff(200).as_secs(), 3600);
        assert_eq!(p.next(1, Duration::ZERO), Some(Duration::from_secs(30)));
        assert_eq!(p.next(9, Duration::from_secs(86_000)), None);
    }

    #[test]
    fn the_signature_is_stripes_scheme() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_0123456789abcdef
        let s = signature("whsec_0123456789abcdef", 1_700_000_000, br#"{"a":1}"#);
        assert_eq!(s, "t=1700000000,v1=9f5e37cdc7ea587c7c02062d93283cad000d66a831b2a1676418696db47ed6c2");
    }

    #[test]
    fn private_hosts_are_those_of_the_servers_own_networks() {
        let url = |s: &str| url::Url::parse(s).unwrap();
        for private in [
            "http://127.0.0.1/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[fe80::1]/",
            "http://[fc00::2]/",
            "http://[::ffff:10.0.0.1]/",
            "http://localhost:8080/",
            "http://api.localhost/",
        ] {
            assert!(private_host(&url(private)).is_some(), "{private}");
        }
        for public in ["https://8.8.8.8/", "https://[2001:db8::1]/", "https://hooks.example.cn/", "http://172.32.0.1/"]
        {
            assert!(private_host(&url(public)).is_none(), "{public}");
        }
    }

    #[test]
    fn registration_refuses_what_cannot_be_delivered() {
        let ok = "0123456789abcdef".to_owned();
        let ev = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(NewWebhook::checked("https://h.example/x", &ev(&["opinion.created"]), ok.clone()).is_ok());
        for (url, events, secret) in [
            ("ftp://h.example/", ev(&["opinion.created"]), ok.clone()),
            ("not a url", ev(&["opinion.created"]), ok.clone()),
            ("https://u:p@h.example/", ev(&["opinion.created"]), ok.clone()),
            ("https://h.example/", ev(&[]), ok.clone()),
            ("https://h.example/", ev(&["opinion.deleted"]), ok.clone()),
            ("https://h.example/", ev(&["opinion.created"]), "short".to_owned()),
        ] {
            assert!(NewWebhook::checked(url, &events, secret.clone()).is_err(), "{url} {events:?} {secret}");
        }
    }
}
