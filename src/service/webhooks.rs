//! Webhooks: administrators register receivers for events of the opinion loop, read their delivery
//! log and replay a delivery; and the delivery round that the worker of `serve` runs, posting due
//! outbox rows signed with the receiver's secret and retrying failures with exponential backoff.
//! The HTTP client is behind [`WebhookSender`] (reqwest in `crate::outbound`).

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Result, Service, ServiceError};
use crate::domain::outbox::{private_host, signature, EventType, NewWebhook, RetryPolicy};
use crate::domain::{Principal, Role};
use crate::store::{AttemptOutcome, AttemptRecord, DeliveryRecord, WebhookRecord};

/// A receiver to register.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// Where events are POSTed: an http(s) URL.
    #[schema(example = "https://receiver.example/liaison")]
    pub url: String,
    /// The events wanted: opinion.created, opinion.status_changed, opinion.replied, opinion.rated.
    pub events: Vec<String>,
    /// The HMAC key of `Liaison-Signature`, 16 to 200 printable ASCII characters; generated
    /// (and shown once, in this answer) when absent.
    pub secret: Option<String>,
}

/// A registered receiver.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    pub id: i64,
    pub url: String,
    pub events: Vec<EventType>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// The signing secret: only in the answer to the registration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookView {
    fn of(w: WebhookRecord, show_secret: bool) -> Self {
        Self {
            id: w.id,
            url: w.url,
            events: w.events,
            created_at: w.created_at,
            created_by: w.created_by,
            secret: show_secret.then_some(w.secret),
        }
    }
}

/// One attempt to deliver an event.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttemptView {
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u64,
}

/// One event for one receiver, with its attempts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    /// Also the `Liaison-Delivery` header: the same on every attempt.
    pub event_id: String,
    pub event_type: String,
    pub created_at: DateTime<Utc>,
    pub attempts: u32,
    /// When it is tried next; null once delivered or given up.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub log: Vec<AttemptView>,
}

impl From<DeliveryRecord> for DeliveryView {
    fn from(d: DeliveryRecord) -> Self {
        Self {
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type,
            created_at: d.created_at,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            delivered_at: d.delivered_at,
            last_error: d.last_error,
            log: d
                .log
                .into_iter()
                .map(|a| AttemptView { at: a.at, status_code: a.status, error: a.error, duration_ms: a.duration_ms })
                .collect(),
        }
    }
}

/// The most deliveries the log answers with.
const DELIVERY_LOG_MAX: usize = 200;

fn require_admin(who: &Principal) -> Result<()> {
    if who.role == Role::Admin {
        Ok(())
    } else {
        Err(ServiceError::Forbidden("webhooks are for administrators".into()))
    }
}

/// A fresh signing secret: `whsec_` and 48 random hex digits.
fn new_secret() -> Result<String> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| ServiceError::Internal(format!("no randomness: {e}")))?;
    Ok(format!("whsec_{}", hex::encode(bytes)))
}

/// Posts one event to a receiver; the HTTP client of the delivery round.
#[async_trait::async_trait]
pub trait WebhookSender: Send + Sync {
    /// POSTs `body` (JSON) with `headers` to `url`: the status it answered with, or why there is
    /// no answer (refused, timed out, ...).
    async fn post(&self, url: &str, headers: &[(&'static str, String)], body: &str)
        -> std::result::Result<u16, String>;
}

/// How the delivery round works.
#[derive(Debug, Clone, Copy)]
pub struct OutboxPolicy {
    pub retry: RetryPolicy,
    /// How long a claimed row stays reserved for the worker that claimed it.
    pub lease: Duration,
    /// The most rows one round takes.
    pub batch: usize,
}

impl Default for OutboxPolicy {
    fn default() -> Self {
        Self { retry: RetryPolicy::default(), lease: Duration::from_secs(120), batch: 50 }
    }
}

/// What a delivery round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryRound {
    pub delivered: usize,
    pub failed: usize,
}

impl DeliveryRound {
    /// Counts an attempt and says what follows it: delivered, another try after the policy's
    /// wait for the attempt after `attempts`, or giving up once the policy's time is spent.
    pub(super) fn settle(
        &mut self,
        delivered: bool,
        policy: &OutboxPolicy,
        attempts: u32,
        created_at: chrono::DateTime<Utc>,
    ) -> AttemptOutcome {
        if delivered {
            self.delivered += 1;
            return AttemptOutcome::Delivered;
        }
        self.failed += 1;
        let age = (Utc::now() - created_at).to_std().unwrap_or_default();
        match policy.retry.next(attempts + 1, age) {
            Some(wait) => AttemptOutcome::RetryAt(Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default()),
            None => AttemptOutcome::GiveUp,
        }
    }
}

impl Service {
    /// Registers a receiver (administrators only); the answer shows the secret, once.
    pub async fn register_webhook(&self, who: &Principal, input: &WebhookInput) -> Result<WebhookView> {
        require_admin(who)?;
        let secret = match &input.secret {
            Some(s) => s.clone(),
            None => new_secret()?,
        };
        let hook = NewWebhook::checked(&input.url, &input.events, secret)
            .map_err(|e| ServiceError::Unprocessable { code: "invalid_webhook", message: e.to_string() })?;
        if let Some(why) = private_host(&hook.url).filter(|_| !self.private_webhooks) {
            return Err(ServiceError::Unprocessable {
                code: "private_webhook_url",
                message: format!("url: {why}; webhooks go to public addresses (the operator may allow private ones with --allow-private-webhooks)"),
            });
        }
        let saved = self.store.add_webhook(hook.url.as_str(), &hook.events, &hook.secret, &who.actor()).await?;
        Ok(WebhookView::of(saved, true))
    }

    /// The registered receivers (administrators only), without their secrets.
    pub async fn webhooks(&self, who: &Principal) -> Result<Vec<WebhookView>> {
        require_admin(who)?;
        Ok(self.store.webhooks().await?.into_iter().map(|w| WebhookView::of(w, false)).collect())
    }

    /// Removes a receiver; its undelivered events are dropped.
    pub async fn delete_webhook(&self, who: &Principal, id: i64) -> Result<()> {
        require_admin(who)?;
        if self.store.delete_webhook(id).await? {
            Ok(())
        } else {
            Err(ServiceError::not_found("webhook", &id.to_string()))
        }
    }

    async fn live_webhook(&self, id: i64) -> Result<()> {
        if self.store.webhooks().await?.iter().any(|w| w.id == id) {
            Ok(())
        } else {
            Err(ServiceError::not_found("webhook", &id.to_string()))
        }
    }

    /// A receiver's delivery log, newest first, at most 200.
    pub async fn webhook_deliveries(&self, who: &Principal, id: i64) -> Result<Vec<DeliveryView>> {
        require_admin(who)?;
        self.live_webhook(id).await?;
        Ok(self.store.deliveries(id, DELIVERY_LOG_MAX).await?.into_iter().map(DeliveryView::from).collect())
    }

    /// Makes a delivery due again now (delivered or not), keeping its event id.
    pub async fn replay_delivery(&self, who: &Principal, hook: i64, delivery: i64) -> Result<DeliveryView> {
        require_admin(who)?;
        self.live_webhook(hook).await?;
        if !self.store.replay_delivery(hook, delivery, Utc::now()).await? {
            return Err(ServiceError::not_found("delivery", &delivery.to_string()));
        }
        let found = self.store.deliveries(hook, usize::MAX >> 1).await?.into_iter().find(|d| d.id == delivery);
        found.map(DeliveryView::from).ok_or_else(|| ServiceError::not_found("delivery", &delivery.to_string()))
    }

    /// One delivery round: posts every due outbox row (wall-clock time, not the service's
    /// clock), logs each attempt, and schedules failures for another try or gives them up; then
    /// sends the due notices to citizens ([`Service::deliver_notices`]).
    pub async fn deliver_due(&self, sender: &dyn WebhookSender, policy: &OutboxPolicy) -> Result<DeliveryRound> {
        let now = Utc::now();
        let lease_until = now + chrono::Duration::from_std(policy.lease).unwrap_or(chrono::Duration::minutes(2));
        let due = self.store.claim_outbox(now, lease_until, policy.batch).await?;
        let mut round = DeliveryRound::default();
        for d in due {
            let sent_at = Utc::now();
            let headers = [
                ("content-type", "application/json".to_owned()),
                ("user-agent", concat!("liaison/", env!("CARGO_PKG_VERSION")).to_owned()),
                ("liaison-event", d.event_type.clone()),
                ("liaison-delivery", d.event_id.clone()),
                ("liaison-signature", signature(&d.secret, sent_at.timestamp(), d.payload.as_bytes())),
            ];
            let started = Instant::now();
            let answer = sender.post(&d.url, &headers, &d.payload).await;
            let duration_ms = started.elapsed().as_millis() as u64;
            let (status, error) = match answer {
                Ok(code) if (200..300).contains(&code) => (Some(code), None),
                Ok(code) => (Some(code), Some(format!("the receiver answered {code}"))),
                Err(e) => (None, Some(e)),
            };
            let outcome = round.settle(error.is_none(), policy, d.attempts, d.created_at);
            crate::metrics::webhook_attempt(match outcome {
                AttemptOutcome::Delivered => "delivered",
                AttemptOutcome::RetryAt(_) => "retry",
                AttemptOutcome::GiveUp => "gave_up",
            });
            if let Some(e) = &error {
                tracing::warn!(webhook = d.webhook_id, event = %d.event_id, attempt = d.attempts + 1, error = %e, "webhook delivery failed");
            }
            let attempt = AttemptRecord { at: sent_at, status, error, duration_ms };
            self.store.finish_attempt(d.id, &attempt, outcome).await?;
        }
        // Notices to citizens come from the same outbox, in the same round.
        let notices = self.deliver_notices(policy).await?;
        round.delivered += notices.delivered;
        round.failed += notices.failed;
        Ok(round)
    }
}
