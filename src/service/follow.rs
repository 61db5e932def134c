//! Citizens following their opinion: which change of the loop gives which notice ([`notice_for`]),
//! the notice's words (from the Fluent catalogues, in the language the citizen submitted in), the
//! round that sends due notices through a [`NoticeSender`] with the outbox's retries, and
//! unsubscribing. Notices are queued in the transaction of the change, only for the channels a
//! sender is configured for; without any sender the service offers no following at all.

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;

use super::webhooks::{DeliveryRound, OutboxPolicy};
use super::{Result, Service, ServiceError};
use crate::domain::follow::{Follow, NoticeChannel, NoticeKind};
use crate::domain::{AuditEntry, Status, TrackingCode};
use crate::i18n::{t_args, Lang};
use crate::store::{AttemptOutcome, AttemptRecord, DueNotice, Followers, NoticeOrder};

/// One message to one citizen, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeMessage {
    /// The same on every attempt: senders that can (e-mail's Message-ID, the file outbox's file
    /// name) use it, so that a resend after an unacknowledged attempt is recognisable.
    pub id: String,
    pub channel: NoticeChannel,
    /// An e-mail address or a phone number, by `channel`.
    pub to: String,
    pub lang: Lang,
    /// The e-mail's subject (SMS gateways send `text` alone).
    pub subject: String,
    /// The whole text, links included.
    pub text: String,
    /// The page to read and rate the opinion at.
    pub link: String,
    /// The page that stops the notices (e-mail's List-Unsubscribe too).
    pub unsubscribe_url: String,
}

/// Sends notices; the adapters (SMTP, an HTTP SMS gateway, a directory of files) live in
/// `crate::senders`.
#[async_trait::async_trait]
pub trait NoticeSender: Send + Sync {
    /// The channels this sender reaches.
    fn channels(&self) -> Vec<NoticeChannel>;

    /// Sends `message`: `Ok` once the server, gateway or disk acknowledged it, else why not.
    async fn send(&self, message: &NoticeMessage) -> std::result::Result<(), String>;
}

/// A citizen's wish to follow their opinion, with the language to write to them in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Following {
    pub follow: Follow,
    pub lang: Lang,
}

/// How notices go out: the sender and the public address links point to.
#[derive(Clone)]
pub(super) struct Notices {
    sender: Arc<dyn NoticeSender>,
    public_url: String,
}

/// The notice a saved change gives the opinion's followers, if any:
///
/// ```text
/// register (submitted → registered)          registered
/// reply (→ replied)                           replied, with the link to rate it
/// close, auto_close (→ closed)                closed
/// reject (→ rejected)                         rejected
/// the citizen's own rating (→ closed or registered), assigning, starting work, photos: none
/// ```
///
/// # Examples
///
/// ```
/// use liaison::domain::follow::NoticeKind;
/// use liaison::domain::{AuditEntry, Status};
/// use liaison::service::follow::notice_for;
/// let at = chrono::DateTime::parse_from_rfc3339("2026-11-12T10:00:00+08:00").unwrap();
/// let line = |event: &str, from, to| AuditEntry { at, actor: "x".into(), from, to, event: event.into(), note: String::new() };
/// assert_eq!(notice_for(&line("reply", Status::InProgress, Status::Replied)), Some(NoticeKind::Replied));
/// assert_eq!(notice_for(&line("rate", Status::Replied, Status::Closed)), None);
/// ```
pub fn notice_for(entry: &AuditEntry) -> Option<NoticeKind> {
    match (entry.event.as_str(), entry.from, entry.to) {
        // The citizen's own rating tells them nothing new.
        ("rate", _, _) => None,
        ("register", Status::Submitted, Status::Registered) => Some(NoticeKind::Registered),
        ("reply", _, Status::Replied) => Some(NoticeKind::Replied),
        ("close" | "auto_close", from, Status::Closed) if from != Status::Closed => Some(NoticeKind::Closed),
        ("reject", from, Status::Rejected) if from != Status::Rejected => Some(NoticeKind::Rejected),
        _ => None,
    }
}

/// The subject and text of notice `kind` about opinion `code` in `lang`, with its links.
pub fn notice_text(kind: NoticeKind, lang: Lang, code: &TrackingCode, link: &str, stop: &str) -> (String, String) {
    let code = code.to_string();
    let subject = t_args(lang, &format!("notice-subject-{}", kind.code()), &[("code", (&code).into())]);
    let text = [
        t_args(lang, &format!("notice-{}", kind.code()), &[("code", (&code).into())]),
        t_args(lang, if kind == NoticeKind::Replied { "notice-rate" } else { "notice-link" }, &[("link", link.into())]),
        t_args(lang, "notice-stop", &[("stop", stop.into())]),
    ]
    .join("\n");
    (subject, text)
}

/// `?lang=en` for English links (Chinese is the default and needs none).
fn lang_query(lang: Lang) -> String {
    if lang == Lang::ZhCn {
        String::new()
    } else {
        format!("?lang={}", lang.tag())
    }
}

/// A fresh unsubscribe token: 32 random hex digits.
fn new_token() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| ServiceError::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

impl Service {
    /// Sends notices through `sender`, linking to pages under `public_url`
    /// (e.g. `https://liaison.example.gov.cn`); without it citizens cannot follow opinions.
    pub fn with_notices(mut self, sender: Arc<dyn NoticeSender>, public_url: &str) -> Self {
        self.notices = Some(Notices { sender, public_url: public_url.trim_end_matches('/').to_owned() });
        self
    }

    /// The channels citizens may follow their opinion by (none without a sender).
    pub fn notice_channels(&self) -> Vec<NoticeChannel> {
        self.notices.as_ref().map(|n| n.sender.channels()).unwrap_or_default()
    }

    /// The followers to record for a submission: `None` when no address was left; refused when
    /// one was left for a channel this service sends nothing by.
    pub(super) fn followers(&self, following: Option<&Following>) -> Result<Option<Followers>> {
        let Some(f) = following.filter(|f| !f.follow.is_empty()) else { return Ok(None) };
        let offered = self.notice_channels();
        let mut addresses = Vec::new();
        for (channel, address) in f.follow.addresses() {
            if !offered.contains(&channel) {
                return Err(ServiceError::Unprocessable {
                    code: "follow_unavailable",
                    message: match channel {
                        NoticeChannel::Email => "this service sends no notices by e-mail; leave follow.email out",
                        NoticeChannel::Sms => "this service sends no notices by SMS; leave follow.phone out",
                    }
                    .into(),
                });
            }
            addresses.push((channel, address.to_owned()));
        }
        Ok(Some(Followers { addresses, lang: f.lang.tag().to_owned(), token: new_token()? }))
    }

    /// The notice to queue with a change saved with history line `entry`, if it gives one and
    /// there is a sender.
    pub(super) fn notice_order(&self, entry: &AuditEntry) -> Option<NoticeOrder> {
        let channels = self.notice_channels();
        let kind = notice_for(entry)?;
        (!channels.is_empty()).then_some(NoticeOrder { kind, channels })
    }

    /// Stops every notice about the opinion the token came with (the link in each notice).
    /// Stopping twice is no error.
    pub async fn stop_following(&self, token: &str) -> Result<()> {
        let token = token.trim();
        if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ServiceError::invalid("invalid_token", "an unsubscribe token is 32 hexadecimal digits"));
        }
        if self.store.stop_following(&token.to_ascii_lowercase(), Utc::now()).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound { code: "not_found", message: "no notices are sent with this token".into() })
        }
    }

    fn message(&self, n: &Notices, d: &DueNotice) -> NoticeMessage {
        let lang = Lang::parse(&d.lang).unwrap_or_default();
        let link = format!("{}/track/{}{}", n.public_url, d.code, lang_query(lang));
        let unsubscribe_url = format!("{}/unsubscribe/{}{}", n.public_url, d.token, lang_query(lang));
        let (subject, text) = notice_text(d.kind, lang, &d.code, &link, &unsubscribe_url);
        NoticeMessage {
            id: d.event_id.clone(),
            channel: d.channel,
            to: d.address.clone(),
            lang,
            subject,
            text,
            link,
            unsubscribe_url,
        }
    }

    /// One round of notices (wall-clock time): sends every due one through the configured sender,
    /// logs each attempt in the outbox, and schedules failures for another try or gives them up,
    /// as webhook deliveries. Nothing without a sender.
    pub async fn deliver_notices(&self, policy: &OutboxPolicy) -> Result<DeliveryRound> {
        let mut round = DeliveryRound::default();
        let Some(n) = self.notices.clone() else { return Ok(round) };
        let now = Utc::now();
        let lease_until = now + chrono::Duration::from_std(policy.lease).unwrap_or(chrono::Duration::minutes(2));
        let due = self.store.claim_notices(now, lease_until, policy.batch, &n.sender.channels()).await?;
        for d in due {
            let message = self.message(&n, &d);
            let sent_at = Utc::now();
            let started = Instant::now();
            // Servers echo the address in their refusals: keep it out of the log and the outbox.
            let error = n.sender.send(&message).await.err().map(|e| e.replace(&d.address, "<address>"));
            let duration_ms = started.elapsed().as_millis() as u64;
            let outcome = round.settle(error.is_none(), policy, d.attempts, d.created_at);
            crate::metrics::notice_attempt(
                d.channel.code(),
                match outcome {
                    AttemptOutcome::Delivered => "delivered",
                    AttemptOutcome::RetryAt(_) => "retry",
                    AttemptOutcome::GiveUp => "gave_up",
                },
            );
            if let Some(e) = &error {
                // The address stays out of the log: the outbox row's id leads to it.
                tracing::warn!(outbox = d.id, channel = %d.channel, attempt = d.attempts + 1, error = %e, "notice not sent");
            }
            let attempt = AttemptRecord { at: sent_at, status: None, error, duration_ms };
            self.store.finish_attempt(d.id, &attempt, outcome).await?;
        }
        Ok(round)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(event: &str, from: Status, to: Status) -> AuditEntry {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-12T10:00:00+08:00").unwrap();
        AuditEntry { at, actor: "x".into(), from, to, event: event.into(), note: String::new() }
    }

    #[test]
    fn registering_replying_closing_and_rejecting_notify_and_nothing_else_does() {
        use NoticeKind as N;
        use Status::*;
        let table = [
            (line("submit", Submitted, Submitted), None),
            (line("register", Submitted, Registered), Some(N::Registered)),
            (line("assign", Registered, Assigned), None),
            (line("assign", Assigned, Assigned), None),
            (line("start", Assigned, InProgress), None),
            (line("reply", InProgress, Replied), Some(N::Replied)),
            (line("reply", Registered, Replied), Some(N::Replied)),
            (line("rate", Replied, Closed), None),
            (line("rate", Replied, Registered), None),
            (line("auto_close", Replied, Closed), Some(N::Closed)),
            (line("close", InProgress, Closed), Some(N::Closed)),
            (line("reject", Submitted, Rejected), Some(N::Rejected)),
            (line("photo_approve", Registered, Registered), None),
        ];
        for (entry, want) in table {
            assert_eq!(notice_for(&entry), want, "{} {:?} → {:?}", entry.event, entry.from, entry.to);
        }
    }

    #[test]
    fn every_notice_reads_in_both_languages_with_its_links() {
        let code = TrackingCode::from_random(42);
        for lang in Lang::ALL {
            for kind in NoticeKind::ALL {
                let (subject, text) =
                    notice_text(kind, lang, &code, "https://x.example/track/1", "https://x.example/u/2");
                for s in [&subject, &text] {
                    assert!(!s.contains('⟦'), "{lang:?} {kind:?}: {s}");
                }
                assert!(subject.contains(&code.to_string()), "{subject}");
                assert!(text.contains("https://x.example/track/1") && text.contains("https://x.example/u/2"), "{text}");
            }
        }
        let (en, _) = notice_text(NoticeKind::Replied, Lang::En, &code, "l", "s");
        let (zh, _) = notice_text(NoticeKind::Replied, Lang::ZhCn, &code, "l", "s");
        assert_ne!(en, zh);
    }
}
