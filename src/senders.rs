//! The senders of notices to citizens, adapters behind [`NoticeSender`]: e-mail over SMTP (lettre
//! on tokio with rustls), SMS through an HTTP gateway configured by a URL template (as Chinese SMS
//! providers take them), and a directory of files for development; [`Senders`] sends each channel
//! through the sender configured for it. Built from `serve`'s flags ([`NoticeConfig`]); bad
//! configuration is an error that stops the start.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{NoticeConfig, SmsMethod};
use crate::domain::follow::NoticeChannel;
use crate::service::follow::{NoticeMessage, NoticeSender};

/// The e-mail of a notice, as SMTP sends it and the file outbox writes it: plain UTF-8 text, a
/// Message-ID made of the notice's id (the same on every attempt), and one-click unsubscribe
/// headers (RFC 2369, RFC 8058).
fn email(from: &Mailbox, m: &NoticeMessage) -> Result<Message, String> {
    let to: Mailbox = m.to.parse().map_err(|e| format!("the address cannot take mail: {e}"))?;
    let domain = from.email.domain().to_owned();
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(m.subject.clone())
        .message_id(Some(format!("<{}@{domain}>", m.id)))
        .date_now()
        .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Content-Language"), m.lang.tag().to_owned()))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe"),
            format!("<{}>", m.unsubscribe_url),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click".to_owned(),
        ))
        .header(ContentType::TEXT_PLAIN)
        .body(m.text.clone())
        .map_err(|e| format!("cannot build the message: {e}"))
}

/// E-mail through an SMTP server.
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpSender {
    /// A sender through the server of `url` (`smtp://host:25` plain, `smtp://…?tls=required`
    /// STARTTLS, `smtps://host:465` TLS; `user:password@` to log in) from `from`
    /// (`liaison <noreply@example.cn>`), giving up on the server after `timeout`.
    pub fn new(url: &str, from: &str, timeout: Duration) -> anyhow::Result<Self> {
        let parsed = url::Url::parse(url).context("--smtp-url is not a URL")?;
        if !matches!(parsed.scheme(), "smtp" | "smtps") {
            bail!("--smtp-url must start with smtp:// or smtps://, not {}://", parsed.scheme());
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("--smtp-url: {e}"))?
            .timeout(Some(timeout))
            .build();
        let from: Mailbox = from.parse().map_err(|e| {
            anyhow::anyhow!("--smtp-from {from:?} is not a mailbox ({e}); e.g. \"liaison <noreply@example.cn>\"")
        })?;
        Ok(Self { transport, from })
    }
}

#[async_trait::async_trait]
impl NoticeSender for SmtpSender {
    fn channels(&self) -> Vec<NoticeChannel> {
        vec![NoticeChannel::Email]
    }

    async fn send(&self, m: &NoticeMessage) -> Result<(), String> {
        let message = email(&self.from, m)?;
        self.transport.send(message).await.map(drop).map_err(|e| format!("SMTP: {e}"))
    }
}

/// SMS through an HTTP gateway: `{phone}` and `{text}` in the URL template (and the body
/// template, for POST) are replaced by the number and the text, percent-encoded (JSON-escaped in
/// a body template that starts with `{`). Any 2xx answer is an acknowledgement, unless
/// `ok_contains` asks the answer's body for a marker too.
pub struct SmsGateway {
    client: reqwest::Client,
    url_template: String,
    method: SmsMethod,
    body_template: Option<String>,
    basic: Option<(String, Option<String>)>,
    headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
    ok_contains: Option<String>,
}

/// `{phone}` and `{text}` of `template` replaced by `encode` of each.
fn fill(template: &str, phone: &str, text: &str, encode: impl Fn(&str) -> String) -> String {
    template.replace("{phone}", &encode(phone)).replace("{text}", &encode(text))
}

fn percent(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// `s` as the inside of a JSON string.
fn json_escaped(s: &str) -> String {
    let quoted = serde_json::Value::from(s).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

impl SmsGateway {
    /// A gateway from the `--sms-*` flags, checked: an http(s) URL template that, filled in,
    /// parses; both placeholders somewhere; a body only for POST; headers as `Name: value`.
    pub fn new(c: &NoticeConfig, url_template: &str, timeout: Duration) -> anyhow::Result<Self> {
        let sample = fill(url_template, "13800000000", "test", percent);
        let parsed =
            url::Url::parse(&sample).with_context(|| format!("--sms-url-template {url_template:?} is not a URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            bail!("--sms-url-template must be an http:// or https:// URL");
        }
        let body = c.sms_body_template.clone();
        if body.is_some() && c.sms_method != SmsMethod::Post {
            bail!("--sms-body-template needs --sms-method post");
        }
        let all = format!("{url_template}{}", body.as_deref().unwrap_or_default());
        for p in ["{phone}", "{text}"] {
            if !all.contains(p) {
                bail!("--sms-url-template (or --sms-body-template) must contain {p}");
            }
        }
        let mut headers = Vec::new();
        for h in &c.sms_header {
            let (name, value) =
                h.split_once(':').with_context(|| format!("--sms-header {h:?} is not \"Name: value\""))?;
            let name = reqwest::header::HeaderName::from_bytes(name.trim().as_bytes())
                .with_context(|| format!("--sms-header {h:?}: not a header name"))?;
            let value = reqwest::header::HeaderValue::from_str(value.trim())
                .with_context(|| format!("--sms-header {h:?}: not a header value"))?;
            headers.push((name, value));
        }
        if c.sms_password.is_some() && c.sms_user.is_none() {
            bail!("--sms-password needs --sms-user");
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .build()?;
        Ok(Self {
            client,
            url_template: url_template.to_owned(),
            method: c.sms_method,
            body_template: body,
            basic: c.sms_user.clone().map(|u| (u, c.sms_password.clone())),
            headers,
            ok_contains: c.sms_ok_contains.clone(),
        })
    }

    /// The gateway's host, for the log.
    fn host(&self) -> String {
        url::Url::parse(&fill(&self.url_template, "0", "0", percent))
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

#[async_trait::async_trait]
impl NoticeSender for SmsGateway {
    fn channels(&self) -> Vec<NoticeChannel> {
        vec![NoticeChannel::Sms]
    }

    async fn send(&self, m: &NoticeMessage) -> Result<(), String> {
        let url = fill(&self.url_template, &m.to, &m.text, percent);
        let mut req = match self.method {
            SmsMethod::Get => self.client.get(&url),
            SmsMethod::Post => self.client.post(&url),
        };
        if let Some(body) = &self.body_template {
            let (filled, kind) = if body.trim_start().starts_with('{') {
                (fill(body, &m.to, &m.text, json_escaped), "application/json")
            } else {
                (fill(body, &m.to, &m.text, percent), "application/x-www-form-urlencoded")
            };
            req = req.header(reqwest::header::CONTENT_TYPE, kind).body(filled);
        }
        if let Some((user, password)) = &self.basic {
            req = req.basic_auth(user, password.as_deref());
        }
        for (name, value) in &self.headers {
            req = req.header(name, value);
        }
        // The URL carries the phone number: errors name the gateway's host only.
        let res = req.send().await.map_err(|e| {
            let why = if e.is_timeout() { "timed out".to_owned() } else { "no answer".to_owned() };
            format!("SMS gateway {}: {why}", self.host())
        })?;
        let status = res.status();
        let body = res.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(format!("SMS gateway answered {}", status.as_u16()));
        }
        match &self.ok_contains {
            Some(marker) if !body.contains(marker.as_str()) => {
                Err(format!("SMS gateway answered without {marker:?}: {}", body.chars().take(200).collect::<String>()))
            }
            _ => Ok(()),
        }
    }
}

/// Notices as files in a directory, one a message, for development: `<id>.eml` (the e-mail SMTP
/// would send) and `<id>.sms.txt` (`To:` and the text). A resend overwrites its own file.
pub struct FileOutbox {
    dir: PathBuf,
    from: Mailbox,
}

impl FileOutbox {
    /// Writes into `dir` (created if missing; it must be writable), e-mails from `from`.
    pub fn new(dir: &Path, from: Mailbox) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("--notice-dir {}: cannot create it", dir.display()))?;
        let probe = dir.join(".liaison-write-test");
        std::fs::write(&probe, b"").with_context(|| format!("--notice-dir {}: cannot write into it", dir.display()))?;
        let _ = std::fs::remove_file(&probe);
        Ok(Self { dir: dir.to_owned(), from })
    }
}

#[async_trait::async_trait]
impl NoticeSender for FileOutbox {
    fn channels(&self) -> Vec<NoticeChannel> {
        NoticeChannel::ALL.to_vec()
    }

    async fn send(&self, m: &NoticeMessage) -> Result<(), String> {
        let (name, bytes) = match m.channel {
            NoticeChannel::Email => (format!("{}.eml", m.id), email(&self.from, m)?.formatted()),
            NoticeChannel::Sms => (format!("{}.sms.txt", m.id), format!("To: {}\n\n{}\n", m.to, m.text).into_bytes()),
        };
        // Written beside, then renamed: a reader never sees half a message.
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let path = self.dir.join(&name);
        tokio::fs::write(&tmp, bytes).await.map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        tokio::fs::rename(&tmp, &path).await.map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

/// Each channel through its sender: e-mail by SMTP, else into the notice directory; SMS by the
/// gateway, else into the notice directory.
pub struct Senders {
    email: Option<Arc<dyn NoticeSender>>,
    sms: Option<Arc<dyn NoticeSender>>,
    /// How each channel goes, for the log.
    pub description: String,
}

impl Senders {
    /// The senders `c` configures, or `None` when it configures none; an error names the flag
    /// that is wrong.
    pub fn from_config(c: &NoticeConfig) -> anyhow::Result<Option<Self>> {
        let timeout = Duration::from_secs(c.notice_timeout_secs.max(1));
        let from = match &c.smtp_from {
            Some(f) => Some(f.parse::<Mailbox>().map_err(|e| {
                anyhow::anyhow!("--smtp-from {f:?} is not a mailbox ({e}); e.g. \"liaison <noreply@example.cn>\"")
            })?),
            None => None,
        };
        let smtp = match &c.smtp_url {
            Some(url) => {
                let from = c.smtp_from.as_deref().context("--smtp-url needs --smtp-from, the sender's address")?;
                Some(SmtpSender::new(url, from, timeout)?)
            }
            None => None,
        };
        let sms = c.sms_url_template.as_deref().map(|t| SmsGateway::new(c, t, timeout)).transpose()?;
        let files = match &c.notice_dir {
            Some(dir) => {
                let from =
                    from.clone().unwrap_or_else(|| "liaison <liaison@localhost>".parse().expect("a valid mailbox"));
                Some(Arc::new(FileOutbox::new(dir, from)?))
            }
            None => None,
        };
        let mut description = Vec::new();
        let email: Option<Arc<dyn NoticeSender>> = match (smtp, &files) {
            (Some(s), _) => {
                let url = url::Url::parse(c.smtp_url.as_deref().unwrap_or_default()).ok();
                let host = url.as_ref().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
                description.push(format!("e-mail by SMTP via {host}"));
                Some(Arc::new(s))
            }
            (None, Some(f)) => {
                description.push(format!("e-mail into {}", f.dir.display()));
                Some(f.clone())
            }
            (None, None) => None,
        };
        let sms: Option<Arc<dyn NoticeSender>> = match (sms, &files) {
            (Some(g), _) => {
                description.push(format!("SMS by the gateway at {}", g.host()));
                Some(Arc::new(g))
            }
            (None, Some(f)) => {
                description.push(format!("SMS into {}", f.dir.display()));
                Some(f.clone())
            }
            (None, None) => None,
        };
        if email.is_none() && sms.is_none() {
            return Ok(None);
        }
        Ok(Some(Self { email, sms, description: description.join("; ") }))
    }
}

#[async_trait::async_trait]
impl NoticeSender for Senders {
    fn channels(&self) -> Vec<NoticeChannel> {
        let mut out = Vec::new();
        if self.email.is_some() {
            out.push(NoticeChannel::Email);
        }
        if self.sms.is_some() {
            out.push(NoticeChannel::Sms);
        }
        out
    }

    async fn send(&self, m: &NoticeMessage) -> Result<(), String> {
        let sender = match m.channel {
            NoticeChannel::Email => &self.email,
            NoticeChannel::Sms => &self.sms,
        };
        match sender {
            Some(s) => s.send(m).await,
            None => Err(format!("no sender for {} is configured", m.channel)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> NoticeConfig {
        NoticeConfig { notice_timeout_secs: 10, ..NoticeConfig::default() }
    }

    #[test]
    fn placeholders_are_encoded_for_where_they_go() {
        let t = "https://sms.example/send?to={phone}&msg={text}";
        assert_eq!(
            fill(t, "+86138", "办结 a&b", percent),
            "https://sms.example/send?to=%2B86138&msg=%E5%8A%9E%E7%BB%93%20a%26b"
        );
        assert_eq!(
            fill(r#"{"to":"{phone}","text":"{text}"}"#, "138", "say \"hi\"\n", json_escaped),
            r#"{"to":"138","text":"say \"hi\"\n"}"#
        );
    }

    #[tokio::test]
    async fn no_flags_configure_no_sender_and_bad_ones_name_the_flag() {
        assert!(Senders::from_config(&config()).unwrap().is_none());
        let wrong = |c: NoticeConfig| Senders::from_config(&c).err().map(|e| format!("{e:#}")).unwrap_or_default();
        assert!(
            wrong(NoticeConfig { smtp_url: Some("smtp://mail.example.cn".into()), ..config() }).contains("--smtp-from")
        );
        let with_from = |url: &str| NoticeConfig {
            smtp_url: Some(url.into()),
            smtp_from: Some("liaison <n@example.cn>".into()),
            ..config()
        };
        assert!(wrong(with_from("http://mail.example.cn")).contains("--smtp-url"));
        assert!(wrong(NoticeConfig { smtp_from: Some("not a mailbox".into()), ..with_from("smtp://h.example") })
            .contains("--smtp-from"));
        let sms = |t: &str| NoticeConfig { sms_url_template: Some(t.into()), ..config() };
        assert!(wrong(sms("https://sms.example/send?to={phone}")).contains("{text}"));
        assert!(wrong(sms("ftp://sms.example/{phone}/{text}")).contains("http"));
        assert!(wrong(NoticeConfig {
            sms_header: vec!["no colon".into()],
            ..sms("https://s.example/?p={phone}&t={text}")
        })
        .contains("--sms-header"));
        assert!(wrong(NoticeConfig {
            sms_body_template: Some("{text}".into()),
            ..sms("https://s.example/?p={phone}")
        })
        .contains("--sms-method"));
        let ok = Senders::from_config(&with_from("smtp://mail.example.cn:2525")).unwrap().unwrap();
        assert_eq!(ok.channels(), [NoticeChannel::Email]);
    }
}
