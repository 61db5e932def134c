//! Following an opinion: the e-mail address or phone number a citizen leaves to be told how their
//! opinion goes, the channels notices travel by and the kinds of notice there are. Which change of
//! the loop gives which notice is the application layer's decision (`service::follow`).

use std::fmt;

/// The longest e-mail address (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// The longest phone number as typed, spaces and dashes included.
pub const MAX_PHONE_CHARS: usize = 30;

/// How a notice reaches the citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoticeChannel {
    Email,
    Sms,
}

impl NoticeChannel {
    pub const ALL: [NoticeChannel; 2] = [NoticeChannel::Email, NoticeChannel::Sms];

    /// `email` or `sms`, as stored.
    pub fn code(self) -> &'static str {
        match self {
            NoticeChannel::Email => "email",
            NoticeChannel::Sms => "sms",
        }
    }
}

impl std::str::FromStr for NoticeChannel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        NoticeChannel::ALL.into_iter().find(|c| c.code() == s).ok_or_else(|| format!("unknown channel {s:?}"))
    }
}

impl fmt::Display for NoticeChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What a notice tells the citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// Staff accepted the opinion.
    Registered,
    /// The opinion has a reply, to be read and rated.
    Replied,
    /// The opinion was closed by staff or by the system (not by the citizen's own rating).
    Closed,
    /// Staff refused the opinion, with an explanation.
    Rejected,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 4] =
        [NoticeKind::Registered, NoticeKind::Replied, NoticeKind::Closed, NoticeKind::Rejected];

    /// `registered`, `replied`, `closed` or `rejected`.
    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::Registered => "registered",
            NoticeKind::Replied => "replied",
            NoticeKind::Closed => "closed",
            NoticeKind::Rejected => "rejected",
        }
    }

    /// The outbox's event type: `notice.` and the code.
    pub fn event_type(self) -> String {
        format!("notice.{}", self.code())
    }

    /// The kind of an outbox event type (`notice.replied`).
    pub fn from_event_type(s: &str) -> Option<Self> {
        let code = s.strip_prefix("notice.")?;
        NoticeKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Why an address to follow with is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FollowError {
    #[error("follow.email: {0:?} is not an e-mail address")]
    BadEmail(String),
    #[error("follow.phone: {0:?} is not a phone number (5 to 20 digits, a leading + allowed)")]
    BadPhone(String),
}

/// The addresses a citizen leaves to follow their opinion, checked: at most one of each channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Follow {
    pub email: Option<String>,
    /// Digits only, with a leading `+` if one was given.
    pub phone: Option<String>,
}

impl Follow {
    /// Trims both, drops empty ones, checks the e-mail address's shape and reduces the phone
    /// number to its digits (spaces and dashes dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// use liaison::domain::follow::Follow;
    /// let f = Follow::checked(Some(" li@example.cn "), Some("138-1234 5678")).unwrap();
    /// assert_eq!(f.email.as_deref(), Some("li@example.cn"));
    /// assert_eq!(f.phone.as_deref(), Some("13812345678"));
    /// assert!(Follow::checked(Some("li at example"), None).is_err());
    /// assert!(Follow::checked(Some(""), Some(" ")).unwrap().is_empty());
    /// ```
    pub fn checked(email: Option<&str>, phone: Option<&str>) -> Result<Self, FollowError> {
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        let phone = phone.map(str::trim).filter(|p| !p.is_empty());
        if let Some(e) = email {
            if !email_shaped(e) {
                return Err(FollowError::BadEmail(e.chars().take(60).collect()));
            }
        }
        let phone = phone.map(|p| normal_phone(p).ok_or_else(|| FollowError::BadPhone(p.chars().take(40).collect())));
        Ok(Self { email: email.map(str::to_owned), phone: phone.transpose()? })
    }

    /// Whether no address was left.
    pub fn is_empty(&self) -> bool {
        self.email.is_none() && self.phone.is_none()
    }

    /// The addresses by channel.
    pub fn addresses(&self) -> Vec<(NoticeChannel, &str)> {
        let mut out = Vec::new();
        if let Some(e) = &self.email {
            out.push((NoticeChannel::Email, e.as_str()));
        }
        if let Some(p) = &self.phone {
            out.push((NoticeChannel::Sms, p.as_str()));
        }
        out
    }
}

/// `local@domain.tld` with no spaces, controls or characters an address cannot carry unquoted,
/// a domain of letters, digits, hyphens and dots with at least one dot.
fn email_shaped(e: &str) -> bool {
    let Some((local, domain)) = e.rsplit_once('@') else { return false };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local.chars().all(|c| !c.is_control() && !c.is_whitespace() && !"<>()[],;:\\\"@".contains(c));
    let domain_ok = domain.contains('.')
        && domain.split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    e.chars().count() <= MAX_EMAIL_CHARS && local_ok && domain_ok
}

/// The digits of a phone number (a leading `+` kept), if it has 5 to 20 and nothing but spaces
/// and dashes besides, in at most [`MAX_PHONE_CHARS`].
fn normal_phone(p: &str) -> Option<String> {
    if p.chars().count() > MAX_PHONE_CHARS {
        return None;
    }
    let (plus, rest) = match p.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", p),
    };
    if !rest.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-') {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    (5..=20).contains(&digits.len()).then(|| format!("{plus}{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_checked_and_normalised() {
        let f = Follow::checked(Some("wang.wei+liaison@mail.example.cn"), Some("+86 138-0000-1111")).unwrap();
        assert_eq!(f.email.as_deref(), Some("wang.wei+liaison@mail.example.cn"));
        assert_eq!(f.phone.as_deref(), Some("+8613800001111"));
        assert_eq!(f.addresses().iter().map(|(c, _)| *c).collect::<Vec<_>>(), NoticeChannel::ALL);
        assert!(Follow::checked(None, None).unwrap().is_empty());
    }

    #[test]
    fn what_is_not_an_address_is_refused() {
        for e in
            ["plain", "@example.cn", "a@localhost", "a b@example.cn", "a@exa mple.cn", "a@-x.cn", "a@x..cn", "<a>@x.cn"]
        {
            assert!(matches!(Follow::checked(Some(e), None), Err(FollowError::BadEmail(_))), "{e}");
        }
        for p in [
            "1234",
            "138 0000 1111 2222 3333 44",
            "+86 (138) 0000",
            "电话13800001111",
            "++8613800001111",
            "1 3 8 0 0 0 0 1 1 1 1 2 2 2 2 3",
        ] {
            assert!(matches!(Follow::checked(None, Some(p)), Err(FollowError::BadPhone(_))), "{p}");
        }
        let long = format!("{}@example.cn", "a".repeat(250));
        assert!(Follow::checked(Some(&long), None).is_err());
    }

    #[test]
    fn event_types_name_their_kind_and_back() {
        for k in NoticeKind::ALL {
            assert_eq!(NoticeKind::from_event_type(&k.event_type()), Some(k));
        }
        assert_eq!(NoticeKind::from_event_type("opinion.replied"), None);
    }
}
