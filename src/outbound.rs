//! Outgoing HTTP: the webhook client, a [`WebhookSender`] over reqwest (rustls) with a timeout
//! and no redirects (a receiver that moved is re-registered, not followed).

use std::time::Duration;

use crate::service::webhooks::WebhookSender;

/// Posts webhook events.
#[derive(Debug, Clone)]
pub struct HttpSender {
    client: reqwest::Client,
}

impl HttpSender {
    /// A client that gives up on a receiver after `timeout`.
    pub fn new(timeout: Duration) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self { client })
    }
}

#[async_trait::async_trait]
impl WebhookSender for HttpSender {
    async fn post(&self, url: &str, headers: &[(&'static str, String)], body: &str) -> Result<u16, String> {
        let mut req = self.client.post(url).body(body.to_owned());
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        match req.send().await {
            Ok(res) => Ok(res.status().as_u16()),
            Err(e) => Err(if e.is_timeout() { "timed out".to_owned() } else { format!("{e}") }),
        }
    }
}
