//! The closed loop of a citizen's opinion (意见), as one state machine.
//!
//! An opinion is submitted (已提交) by a citizen, accepted by station staff (已受理) or refused
//! (不予受理), handed to a department with a due date (已交办), worked on (办理中), answered
//! (已答复), rated by the citizen and finally closed (已办结). Each status, and what may follow it:
//!
//! ```text
//! submitted    register → registered     reject → rejected
//! registered   assign → assigned         reply → replied    close (with reason) → closed
//!              reject → rejected
//! assigned     assign → assigned (another department or due date)
//!              start → in_progress       reply → replied    close (with reason) → closed
//! in_progress  reply → replied           close (with reason) → closed
//! replied      rate 1–2 stars → registered (reopened)       rate 3–5 stars → closed
//!              auto_close → closed       close → closed
//! closed       (terminal)
//! rejected     (terminal)
//! ```
//!
//! Every rule about what may follow what lives in [`transition`] and nowhere else: callers load an
//! opinion's [`Status`], ask `transition` for the next one and store it, or show the
//! [`WorkflowError`] to the person who tried. `transition` also checks the free-text fields an
//! [`Event`] carries. `closed` and `rejected` are terminal: every event on them is refused.
//!
//! Citizens follow their opinion with a [`TrackingCode`], 16 digits with a Damm check digit that
//! catches a mistyped digit or two swapped neighbours.
//!
//! This module is plain Rust with no I/O, clock or randomness: the caller supplies dates and
//! random numbers.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::domain::ids::{AreaCode, GridId, MemberId, StationId};
use crate::domain::location::LonLat;
use crate::domain::vocab::{Category, Channel, ReplyRoute, Status};

/// The standard time limit (办理时限): an opinion is due this many days after it is registered,
/// unless staff set another due date when they assign it.
pub const DEFAULT_DUE_DAYS: u64 = 15;

/// The most characters (after trimming) of [`Event::Assign`]'s `department`.
pub const MAX_DEPARTMENT_CHARS: usize = 100;
/// The most characters (after trimming) of [`Event::Reply`]'s `text`.
pub const MAX_REPLY_CHARS: usize = 5000;
/// The most characters (after trimming) of [`Event::Close`]'s `reason` and [`Event::Reject`]'s
/// `explanation`.
pub const MAX_REASON_CHARS: usize = 2000;
/// The most characters (after trimming) of [`Event::Rate`]'s `comment`.
pub const MAX_COMMENT_CHARS: usize = 1000;

/// Why an event was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// The event may not follow the opinion's current status; `event` is [`Event::code`].
    #[error("cannot {} an opinion that is {} ({})", verb(event), status_words(*from), from.label_zh())]
    Illegal { from: Status, event: &'static str },
    /// A required text field is empty or only whitespace.
    #[error("{0} must not be empty")]
    EmptyField(&'static str),
    /// A text field has more than `max` characters (counted after trimming).
    #[error("{field} must be at most {max} characters, got {len}")]
    TooLong { field: &'static str, max: usize, len: usize },
    /// A rating outside 1..=5.
    #[error("a rating must be 1 to 5 stars, got {0}")]
    BadStars(u8),
}

/// The verb of an event code, for error messages.
fn verb(event: &str) -> &'static str {
    match event {
        "register" => "register",
        "assign" => "assign",
        "start" => "start work on",
        "reply" => "reply to",
        "rate" => "rate",
        "close" => "close",
        "auto_close" => "automatically close",
        "reject" => "reject",
        _ => "change",
    }
}

fn status_words(status: Status) -> &'static str {
    match status {
        Status::Submitted => "submitted",
        Status::Registered => "registered",
        Status::Assigned => "assigned",
        Status::InProgress => "in progress",
        Status::Replied => "replied",
        Status::Closed => "closed",
        Status::Rejected => "rejected",
    }
}

/// A citizen's rating of a reply, 1 to 5 stars.
///
/// # Examples
///
/// ```
/// use liaison::domain::opinion::{Stars, WorkflowError};
///
/// let two = Stars::new(2)?;
/// assert_eq!(two.get(), 2);
/// assert!(two.is_low());
/// assert!(!Stars::new(3)?.is_low());
/// assert_eq!(Stars::new(6), Err(WorkflowError::BadStars(6)));
/// # Ok::<(), WorkflowError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Stars(u8);

impl Stars {
    /// Checks that `stars` is in 1..=5.
    pub fn new(stars: u8) -> Result<Self, WorkflowError> {
        if (1..=5).contains(&stars) {
            Ok(Stars(stars))
        } else {
            Err(WorkflowError::BadStars(stars))
        }
    }

    /// The number of stars, 1..=5.
    pub fn get(self) -> u8 {
        self.0
    }

    /// A low rating (1 or 2 stars) reopens the opinion instead of closing it.
    pub fn is_low(self) -> bool {
        self.0 <= 2
    }
}

impl<'de> serde::Deserialize<'de> for Stars {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Stars::new(u8::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Something that happens to an opinion. Whether it may happen now is for [`transition`] to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Staff accept the opinion (受理); it is then due [`DEFAULT_DUE_DAYS`] later unless assigned
    /// with another due date.
    Register,
    /// Staff hand the opinion to a department (交办) with a due date; again from `assigned` to
    /// change department or due date.
    Assign { department: String, due: NaiveDate },
    /// The department starts work.
    Start,
    /// The opinion is answered (答复).
    Reply { route: ReplyRoute, text: String },
    /// The citizen rates the reply; 1–2 stars reopen the opinion, 3–5 close it.
    Rate { stars: Stars, comment: String },
    /// Staff close the opinion: after a reply (the reason may be empty), or before one only with a
    /// reason (a reopened opinion the staff judge settled, a duplicate, ...).
    Close { reason: String },
    /// The system closes a reply the citizen has not rated within the allowed days.
    AutoClose,
    /// Staff refuse the opinion (不予受理), with an explanation for the citizen.
    Reject { explanation: String },
}

impl Event {
    /// The stable code of the event kind, as stored in an opinion's history.
    ///
    /// # Examples
    ///
    /// ```
    /// use liaison::domain::opinion::Event;
    ///
    /// assert_eq!(Event::AutoClose.code(), "auto_close");
    /// assert_eq!(Event::Close { reason: String::new() }.code(), "close");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Event::Register => "register",
            Event::Assign { .. } => "assign",
            Event::Start => "start",
            Event::Reply { .. } => "reply",
            Event::Rate { .. } => "rate",
            Event::Close { .. } => "close",
            Event::AutoClose => "auto_close",
            Event::Reject { .. } => "reject",
        }
    }
}

/// Checks a free-text field: at most `max` characters once trimmed, and not empty if `required`.
fn check_text(field: &'static str, text: &str, required: bool, max: usize) -> Result<(), WorkflowError> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(WorkflowError::EmptyField(field));
    }
    let len = text.chars().count();
    if len > max {
        return Err(WorkflowError::TooLong { field, max, len });
    }
    Ok(())
}

/// The one place that decides what may follow what: the status an opinion in `from` moves to on
/// `event`, or why it may not.
///
/// The rules:
///
/// | from | event | to |
/// |------|-------|----|
/// | submitted | register | registered |
/// | submitted, registered | reject (explanation required) | rejected |
/// | registered, assigned | assign | assigned |
/// | assigned | start | in_progress |
/// | registered, assigned, in_progress | reply | replied |
/// | registered, assigned, in_progress | close (reason required) | closed |
/// | replied | rate 1–2 stars | registered (reopened) |
/// | replied | rate 3–5 stars, auto_close, close | closed |
///
/// Anything else, and anything at all on `closed` or `rejected`, is [`WorkflowError::Illegal`].
/// An allowed event whose text is empty where required, or longer than
/// [`MAX_DEPARTMENT_CHARS`], [`MAX_REPLY_CHARS`], [`MAX_REASON_CHARS`] or [`MAX_COMMENT_CHARS`]
/// (characters after trimming), is refused with the field named. Due dates are not compared with
/// today: the domain has no clock.
///
/// # Examples
///
/// ```
/// use liaison::domain::opinion::{transition, Event, Stars, WorkflowError};
/// use liaison::domain::vocab::{ReplyRoute, Status};
///
/// let reply = Event::Reply { route: ReplyRoute::DirectAnswer, text: "路灯已于周三修复。".into() };
/// assert_eq!(transition(Status::Registered, &reply), Ok(Status::Replied));
///
/// // A low rating reopens the opinion.
/// let unhappy = Event::Rate { stars: Stars::new(1)?, comment: "灯又坏了".into() };
/// assert_eq!(transition(Status::Replied, &unhappy), Ok(Status::Registered));
///
/// // Closed is final.
/// let err = transition(Status::Closed, &reply).unwrap_err();
/// assert_eq!(err.to_string(), "cannot reply to an opinion that is closed (已办结)");
///
/// // Closing before a reply needs a reason.
/// let close = Event::Close { reason: " ".into() };
/// assert_eq!(transition(Status::InProgress, &close), Err(WorkflowError::EmptyField("reason")));
/// # Ok::<(), WorkflowError>(())
/// ```
pub fn transition(from: Status, event: &Event) -> Result<Status, WorkflowError> {
    use Status::*;
    let illegal = || WorkflowError::Illegal { from, event: event.code() };
    match (from, event) {
        (Submitted, Event::Register) => Ok(Registered),
        (Submitted | Registered, Event::Reject { explanation }) => {
            check_text("explanation", explanation, true, MAX_REASON_CHARS)?;
            Ok(Rejected)
        }
        (Registered | Assigned, Event::Assign { department, due: _ }) => {
            check_text("department", department, true, MAX_DEPARTMENT_CHARS)?;
            Ok(Assigned)
        }
        (Assigned, Event::Start) => Ok(InProgress),
        (Registered | Assigned | InProgress, Event::Reply { route: _, text }) => {
            check_text("text", text, true, MAX_REPLY_CHARS)?;
            Ok(Replied)
        }
        (Registered | Assigned | InProgress, Event::Close { reason }) => {
            check_text("reason", reason, true, MAX_REASON_CHARS)?;
            Ok(Closed)
        }
        (Replied, Event::Close { reason }) => {
            check_text("reason", reason, false, MAX_REASON_CHARS)?;
            Ok(Closed)
        }
        (Replied, Event::Rate { stars, comment }) => {
            check_text("comment", comment, false, MAX_COMMENT_CHARS)?;
            Ok(if stars.is_low() { Registered } else { Closed })
        }
        (Replied, Event::AutoClose) => Ok(Closed),
        _ => Err(illegal()),
    }
}

impl Status {
    /// Whether the opinion is still open, i.e. neither closed nor rejected: open opinions count
    /// for duplicate detection and can be overdue. A replied opinion is still open until the
    /// citizen rates it or it is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use liaison::domain::vocab::Status;
    ///
    /// assert!(Status::Replied.is_open());
    /// assert!(!Status::Rejected.is_open());
    /// assert!(Status::Closed.is_terminal());
    /// assert_eq!(Status::InProgress.open311(), "open");
    /// assert_eq!(Status::Rejected.open311(), "closed");
    /// ```
    pub fn is_open(self) -> bool {
        !self.is_terminal()
    }

    /// Whether no event can change this status any more: `closed` and `rejected`.
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Closed | Status::Rejected)
    }

    /// The Open311 GeoReport v2 `status` of a request: `"open"` or `"closed"`.
    pub fn open311(self) -> &'static str {
        if self.is_open() {
            "open"
        } else {
            "closed"
        }
    }
}

/// The Damm quasigroup of order 10 (totally anti-symmetric, zero diagonal).
const DAMM: [[u8; 10]; 10] = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
    [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
    [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
    [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

/// The Damm interim digit of ASCII `digits`: the check digit to append, or 0 if `digits` already
/// ends with a correct one.
fn damm(digits: &[u8]) -> u8 {
    digits.iter().fold(0, |interim, &d| DAMM[usize::from(interim)][usize::from(d - b'0')])
}

/// Digits of a tracking code, without the dashes.
const TRACKING_DIGITS: usize = 16;

/// Why a tracking code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrackingCodeError {
    #[error("a tracking code has only digits, dashes and spaces, got {0:?}")]
    BadCharacter(char),
    #[error("a tracking code has 16 digits, got {0}")]
    WrongLength(usize),
    #[error("this tracking code is not valid: a digit is probably mistyped or two are swapped")]
    BadCheckDigit,
}

/// The code a citizen uses to follow an opinion: 16 digits shown as four groups,
/// `4821-0937-5562-1184`.
///
/// The first 15 digits are random and the last is a Damm check digit, so a code read aloud over
/// the phone with one wrong digit or two swapped neighbours is caught rather than pointing at
/// somebody else's opinion. 15 random digits are about 50 bits: not guessable behind a rate limit.
///
/// # Examples
///
/// ```
/// use liaison::domain::opinion::{TrackingCode, TrackingCodeError};
///
/// let code = TrackingCode::from_random(0x5eed_1234_abcd_9876);
/// assert_eq!(code.as_str().len(), 16);
/// let shown = code.to_string(); // "dddd-dddd-dddd-dddd"
/// assert_eq!(TrackingCode::parse(&shown), Ok(code.clone()));
/// assert_eq!(TrackingCode::parse(&shown.replace('-', " ")), Ok(code));
///
/// assert_eq!(TrackingCode::parse("5724"), Err(TrackingCodeError::WrongLength(4)));
/// assert_eq!(TrackingCode::parse("0000-0000-0000-0001"), Err(TrackingCodeError::BadCheckDigit));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TrackingCode(String);

impl TrackingCode {
    /// A code from a random number the caller draws: its value modulo 10^15 gives the 15 random
    /// digits (the bias of the modulo is below 1 in 18 000), then the check digit is appended.
    pub fn from_random(random: u64) -> Self {
        let mut digits = format!("{:015}", random % 1_000_000_000_000_000);
        let check = damm(digits.as_bytes());
        digits.push(char::from(b'0' + check));
        TrackingCode(digits)
    }

    /// Reads a code as people type or say it: with or without dashes or spaces anywhere, and with
    /// full-width digits (`０`–`９`) or punctuation from a Chinese input method.
    pub fn parse(s: &str) -> Result<Self, TrackingCodeError> {
        let mut digits = String::with_capacity(TRACKING_DIGITS);
        for c in s.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '０'..='９' => {
                    let value = u32::from(c) - u32::from('０');
                    digits.push(char::from_digit(value, 10).ok_or(TrackingCodeError::BadCharacter(c))?);
                }
                '-' | '－' | '‐' | '‑' | '–' | '—' => {}
                c if c.is_whitespace() => {}
                c => return Err(TrackingCodeError::BadCharacter(c)),
            }
        }
        if digits.len() != TRACKING_DIGITS {
            return Err(TrackingCodeError::WrongLength(digits.len()));
        }
        if damm(digits.as_bytes()) != 0 {
            return Err(TrackingCodeError::BadCheckDigit);
        }
        Ok(TrackingCode(digits))
    }

    /// The 16 digits, without dashes (the stored form).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TrackingCode {
    /// The grouped form, `4821-0937-5562-1184`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, group) in self.0.as_bytes().chunks(4).enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            for &b in group {
                fmt::Write::write_char(f, char::from(b))?;
            }
        }
        Ok(())
    }
}

impl FromStr for TrackingCode {
    type Err = TrackingCodeError;
    fn from_str(s: &str) -> Result<Self, TrackingCodeError> {
        TrackingCode::parse(s)
    }
}

impl serde::Serialize for TrackingCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for TrackingCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        TrackingCode::parse(&raw).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// The opinion record

/// Limits on what a citizen may write, in characters.
pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_TEXT_CHARS: usize = 5000;
pub const MAX_NAME_CHARS: usize = 50;
pub const MAX_PHONE_CHARS: usize = 30;

/// Why a submission was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmissionError {
    #[error("{0} must not be empty")]
    Empty(&'static str),
    #[error("{field} must be at most {max} characters, got {len}")]
    TooLong { field: &'static str, max: usize, len: usize },
    #[error("contact.phone may contain only digits, spaces, '+' and '-', got {0:?}")]
    BadPhone(String),
    /// Control characters (NUL, terminal escapes) or bidirectional overrides, which would let a
    /// text disguise itself where staff read it; line breaks and tabs are fine in the text.
    #[error("{field} contains a control or text-direction character (U+{code:04X}); remove it")]
    ControlCharacter { field: &'static str, code: u32 },
}

/// Whether `c` may not appear in a citizen's text: C0/C1 controls (but line breaks and tabs in
/// multi-line fields) and the Unicode bidirectional embedding, override and isolate marks.
fn forbidden_char(c: char, multiline: bool) -> bool {
    (c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

fn checked_text(field: &'static str, text: &str, max: usize, required: bool) -> Result<String, SubmissionError> {
    let t = text.trim();
    let multiline = field == "text";
    if let Some(c) = t.chars().find(|&c| forbidden_char(c, multiline)) {
        return Err(SubmissionError::ControlCharacter { field, code: u32::from(c) });
    }
    if required && t.is_empty() {
        return Err(SubmissionError::Empty(field));
    }
    let len = t.chars().count();
    if len > max {
        return Err(SubmissionError::TooLong { field, max, len });
    }
    Ok(t.to_owned())
}

/// How to reach the citizen: private, never shown in public views.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
}

impl Contact {
    /// Trims, drops empty parts and checks lengths and the phone's characters.
    pub fn new(name: Option<&str>, phone: Option<&str>) -> Result<Self, SubmissionError> {
        let name =
            name.map(|n| checked_text("contact.name", n, MAX_NAME_CHARS, false)).transpose()?.filter(|n| !n.is_empty());
        let phone = phone
            .map(|p| checked_text("contact.phone", p, MAX_PHONE_CHARS, false))
            .transpose()?
            .filter(|p| !p.is_empty());
        if let Some(p) = &phone {
            if !p.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-')) {
                return Err(SubmissionError::BadPhone(p.clone()));
            }
        }
        Ok(Self { name, phone })
    }
}

/// What a citizen submits, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOpinion {
    pub category: Category,
    pub title: String,
    pub text: String,
    pub location: LonLat,
    pub channel: Channel,
    pub anonymous: bool,
    pub contact: Contact,
}

impl NewOpinion {
    /// Trims and checks the title and text.
    pub fn new(
        category: Category,
        title: &str,
        text: &str,
        location: LonLat,
        channel: Channel,
        anonymous: bool,
        contact: Contact,
    ) -> Result<Self, SubmissionError> {
        Ok(Self {
            category,
            title: checked_text("title", title, MAX_TITLE_CHARS, true)?,
            text: checked_text("text", text, MAX_TEXT_CHARS, true)?,
            location,
            channel,
            anonymous,
            contact,
        })
    }
}

/// Where an opinion was routed from its location (and category).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routing {
    pub town_code: Option<AreaCode>,
    pub grid: Option<GridId>,
    pub station: Option<StationId>,
    pub members: Vec<MemberId>,
}

/// An opinion as the loop knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Opinion {
    pub id: i64,
    pub code: TrackingCode,
    pub submission: NewOpinion,
    pub routing: Routing,
    pub status: Status,
    /// Bumped by every change; a change names the version it saw (optimistic concurrency).
    pub version: i64,
    pub department: Option<String>,
    pub due: Option<NaiveDate>,
    pub reply_route: Option<ReplyRoute>,
    pub reply: Option<String>,
    pub rating: Option<Stars>,
    pub rating_comment: Option<String>,
    pub created_at: DateTime<FixedOffset>,
    pub registered_at: Option<DateTime<FixedOffset>>,
    pub replied_at: Option<DateTime<FixedOffset>>,
    pub closed_at: Option<DateTime<FixedOffset>>,
}

/// One opinion reduced to what counting needs (the store reads these for the analytics), with ids
/// borrowed from wherever it was read. Position in WGS84 lon/lat degrees; times Unix seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct OpinionFact<'a> {
    pub id: i64,
    pub lon: f64,
    pub lat: f64,
    pub category: Category,
    pub status: Status,
    /// Stars, 1–5.
    pub rating: Option<u8>,
    pub town: Option<&'a str>,
    pub grid: Option<&'a str>,
    pub station: Option<&'a str>,
    pub members: Vec<&'a str>,
    /// Unix seconds.
    pub created: i64,
    pub registered: Option<i64>,
    pub replied: Option<i64>,
    /// The due date as days since 1970-01-01 (see [`crate::analytics::day_number`]).
    pub due: Option<i32>,
}

/// One line of an opinion's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<FixedOffset>,
    /// Who acted: `citizen`, `system`, or `role:name` of a user or token.
    pub actor: String,
    pub from: Status,
    pub to: Status,
    /// The [`Event::code`] of what happened, or `submit` for the first line.
    pub event: String,
    pub note: String,
}

impl Opinion {
    /// A newly submitted opinion (version 1) and the first line of its history. `id` is the
    /// store's to assign.
    pub fn submitted(
        code: TrackingCode,
        submission: NewOpinion,
        routing: Routing,
        at: DateTime<FixedOffset>,
        actor: &str,
    ) -> (Self, AuditEntry) {
        let entry = AuditEntry {
            at,
            actor: actor.to_owned(),
            from: Status::Submitted,
            to: Status::Submitted,
            event: "submit".into(),
            note: submission.channel.code().to_owned(),
        };
        let opinion = Self {
            id: 0,
            code,
            submission,
            routing,
            status: Status::Submitted,
            version: 1,
            department: None,
            due: None,
            reply_route: None,
            reply: None,
            rating: None,
            rating_comment: None,
            created_at: at,
            registered_at: None,
            replied_at: None,
            closed_at: None,
        };
        (opinion, entry)
    }

    /// Applies `event` at `at` by `actor`: the status moves as [`transition`] says and the fields the
    /// event carries are recorded. Returns the history line; on error nothing changes.
    pub fn apply(
        &mut self,
        event: &Event,
        actor: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<AuditEntry, WorkflowError> {
        let from = self.status;
        let to = transition(from, event)?;
        let note = match event {
            Event::Register | Event::Start | Event::AutoClose => String::new(),
            Event::Assign { department, due } => {
                self.department = Some(department.trim().to_owned());
                self.due = Some(*due);
                format!("{} · due {due}", department.trim())
            }
            Event::Reply { route, text } => {
                self.reply_route = Some(*route);
                self.reply = Some(text.trim().to_owned());
                self.replied_at = Some(at);
                route.code().to_owned()
            }
            Event::Rate { stars, comment } => {
                self.rating = Some(*stars);
                self.rating_comment = Some(comment.trim().to_owned()).filter(|c| !c.is_empty());
                format!("{} stars {}", stars.get(), comment.trim()).trim_end().to_owned()
            }
            Event::Close { reason } => reason.trim().to_owned(),
            Event::Reject { explanation } => {
                self.reply = Some(explanation.trim().to_owned());
                explanation.trim().to_owned()
            }
        };
        if from == Status::Submitted && to == Status::Registered {
            self.registered_at = Some(at);
            // Registration starts the clock: due within the standard time limit unless assigned otherwise.
            self.due.get_or_insert(at.date_naive() + chrono::Days::new(DEFAULT_DUE_DAYS));
        }
        if to == Status::Registered && from == Status::Replied {
            // Reopened by a low rating: the next reply is a new one.
            self.replied_at = None;
        }
        self.closed_at = to.is_terminal().then_some(at);
        self.status = to;
        self.version += 1;
        Ok(AuditEntry { at, actor: actor.to_owned(), from, to, event: event.code().to_owned(), note })
    }

    /// A history line for something done to the opinion that does not move it along the loop
    /// (staff approving one of its photos, say): `event` is not an [`Event`], [`transition`] is not
    /// asked, and the status stays what it is (`from` and `to` are both the current one).
    pub fn remark(&self, event: &str, note: String, actor: &str, at: DateTime<FixedOffset>) -> AuditEntry {
        AuditEntry { at, actor: actor.to_owned(), from: self.status, to: self.status, event: event.to_owned(), note }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;
    use Status::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
    }

    /// Events covering every way an event can be judged.
    fn samples() -> Vec<Event> {
        let rate = |stars, comment: &str| Event::Rate { stars: Stars::new(stars).unwrap(), comment: comment.into() };
        vec![
            Event::Register,
            Event::Assign { department: "区城管局".into(), due: day() },
            Event::Start,
            Event::Reply { route: ReplyRoute::Explain, text: "因规划限制暂无法实施。".into() },
            Event::Reply {
                route: ReplyRoute::AfterConsultation, text: "经与交警会商，增设斑马线。".into()
            },
            rate(1, ""),
            rate(2, "没解决"),
            rate(3, ""),
            rate(5, "谢谢"),
            Event::Close { reason: "  ".into() },
            Event::Close { reason: "已现场协调解决".into() },
            Event::AutoClose,
            Event::Reject { explanation: "不属于本站受理范围".into() },
        ]
    }

    /// The test's own classification of an event, the key of the tables below.
    fn kind(event: &Event) -> &'static str {
        match event {
            Event::Rate { stars, .. } if stars.get() <= 2 => "rate_low",
            Event::Rate { .. } => "rate_high",
            Event::Close { reason } if reason.trim().is_empty() => "close_no_reason",
            Event::Close { .. } => "close_with_reason",
            other => other.code(),
        }
    }

    /// Written from the rules in the brief, independently of `transition`'s match.
    const ALLOWED: &[(Status, &str, Status)] = &[
        (Submitted, "register", Registered),
        (Submitted, "reject", Rejected),
        (Registered, "reject", Rejected),
        (Registered, "assign", Assigned),
        (Assigned, "assign", Assigned),
        (Assigned, "start", InProgress),
        (Registered, "reply", Replied),
        (Assigned, "reply", Replied),
        (InProgress, "reply", Replied),
        (Replied, "rate_low", Registered),
        (Replied, "rate_high", Closed),
        (Replied, "auto_close", Closed),
        (Replied, "close_no_reason", Closed),
        (Replied, "close_with_reason", Closed),
        (Registered, "close_with_reason", Closed),
        (Assigned, "close_with_reason", Closed),
        (InProgress, "close_with_reason", Closed),
    ];

    /// Kinds of event refused in a status only for a missing field.
    const NEEDS_FIELD: &[(Status, &str, &str)] = &[
        (Registered, "close_no_reason", "reason"),
        (Assigned, "close_no_reason", "reason"),
        (InProgress, "close_no_reason", "reason"),
    ];

    fn allowed(from: Status, kind: &str) -> Option<Status> {
        ALLOWED.iter().find(|(f, k, _)| *f == from && *k == kind).map(|&(_, _, to)| to)
    }

    fn expected(from: Status, event: &Event) -> Result<Status, WorkflowError> {
        if let Some(to) = allowed(from, kind(event)) {
            return Ok(to);
        }
        if let Some(&(_, _, field)) = NEEDS_FIELD.iter().find(|(f, k, _)| *f == from && *k == kind(event)) {
            return Err(WorkflowError::EmptyField(field));
        }
        Err(WorkflowError::Illegal { from, event: event.code() })
    }

    #[test]
    fn every_status_and_event_pair_matches_the_table() {
        for &from in Status::ALL {
            for event in samples() {
                assert_eq!(transition(from, &event), expected(from, &event), "{from} on {event:?}");
            }
        }
    }

    #[test]
    fn the_samples_cover_every_row_of_the_table() {
        let kinds: BTreeSet<_> = samples().iter().map(kind).collect();
        for k in ALLOWED.iter().map(|r| r.1).chain(NEEDS_FIELD.iter().map(|r| r.1)) {
            assert!(kinds.contains(k), "{k}");
        }
        let codes: BTreeSet<_> = samples().iter().map(Event::code).collect();
        assert_eq!(codes.len(), 8);
    }

    #[test]
    fn terminal_states_absorb_everything() {
        for from in [Closed, Rejected] {
            assert!(from.is_terminal() && !from.is_open());
            for event in samples() {
                assert_eq!(
                    transition(from, &event),
                    Err(WorkflowError::Illegal { from, event: event.code() }),
                    "{from} on {event:?}"
                );
            }
        }
        let open: Vec<_> = Status::ALL.iter().filter(|s| s.is_open()).collect();
        assert_eq!(open, [&Submitted, &Registered, &Assigned, &InProgress, &Replied]);
    }

    #[test]
    fn a_low_rating_reopens_and_a_good_one_closes() {
        for stars in 1..=5 {
            let event = Event::Rate { stars: Stars::new(stars).unwrap(), comment: "x".into() };
            let to = transition(Replied, &event).unwrap();
            assert_eq!(to, if stars <= 2 { Registered } else { Closed }, "{stars} stars");
        }
        // A reopened opinion goes round the loop again.
        let assign = Event::Assign { department: "街道办".into(), due: day() };
        assert_eq!(transition(Registered, &assign), Ok(Assigned));
    }

    #[test]
    fn stars_outside_one_to_five_are_refused() {
        assert_eq!(Stars::new(0), Err(WorkflowError::BadStars(0)));
        assert_eq!(Stars::new(6), Err(WorkflowError::BadStars(6)));
        assert_eq!(serde_json::from_str::<Stars>("4").unwrap().get(), 4);
        assert!(serde_json::from_str::<Stars>("9").is_err());
        assert_eq!(serde_json::to_string(&Stars::new(3).unwrap()).unwrap(), "3");
    }

    #[test]
    fn empty_fields_are_refused_with_the_field_named() {
        let cases = [
            (Registered, Event::Assign { department: " \n".into(), due: day() }, "department"),
            (Assigned, Event::Reply { route: ReplyRoute::DirectAnswer, text: "".into() }, "text"),
            (Submitted, Event::Reject { explanation: "\u{3000}".into() }, "explanation"),
            (InProgress, Event::Close { reason: "".into() }, "reason"),
        ];
        for (from, event, field) in cases {
            let err = transition(from, &event).unwrap_err();
            assert_eq!(err, WorkflowError::EmptyField(field));
            assert_eq!(err.to_string(), format!("{field} must not be empty"));
        }
        // Optional fields may be empty.
        let rate = Event::Rate { stars: Stars::new(4).unwrap(), comment: String::new() };
        assert_eq!(transition(Replied, &rate), Ok(Closed));
        assert_eq!(transition(Replied, &Event::Close { reason: String::new() }), Ok(Closed));
    }

    #[test]
    fn too_long_fields_are_refused_with_the_field_named_counting_characters() {
        let text = |n: usize| "办".repeat(n);
        let cases = [
            (Registered, Event::Assign { department: text(101), due: day() }, "department", 100),
            (Assigned, Event::Reply { route: ReplyRoute::AfterConsultation, text: text(5001) }, "text", 5000),
            (Registered, Event::Reject { explanation: text(2001) }, "explanation", 2000),
            (Assigned, Event::Close { reason: text(2001) }, "reason", 2000),
            (Replied, Event::Close { reason: text(2001) }, "reason", 2000),
            (Replied, Event::Rate { stars: Stars::new(1).unwrap(), comment: text(1001) }, "comment", 1000),
        ];
        for (from, event, field, max) in cases {
            let err = transition(from, &event).unwrap_err();
            assert_eq!(err, WorkflowError::TooLong { field, max, len: max + 1 });
            assert!(err.to_string().starts_with(field), "{err}");
        }
        // Exactly at the limit (3 bytes a character, surrounding whitespace ignored) is fine.
        let ok = Event::Assign { department: format!("  {}\n", text(100)), due: day() };
        assert_eq!(transition(Registered, &ok), Ok(Assigned));
        let ok = Event::Reply { route: ReplyRoute::ReferredToGovernment, text: text(5000) };
        assert_eq!(transition(InProgress, &ok), Ok(Replied));
    }

    #[test]
    fn illegal_events_read_as_sentences() {
        let err = transition(Submitted, &Event::Start).unwrap_err();
        assert_eq!(err.to_string(), "cannot start work on an opinion that is submitted (已提交)");
        let err = transition(InProgress, &Event::AutoClose).unwrap_err();
        assert_eq!(err.to_string(), "cannot automatically close an opinion that is in progress (办理中)");
    }

    #[test]
    fn status_maps_to_open311_and_new_vocabularies_round_trip() {
        for &s in Status::ALL {
            assert_eq!(s.open311(), if s.is_open() { "open" } else { "closed" });
            assert_eq!(s.label_zh().parse(), Ok(s));
        }
        assert_eq!("in_progress".parse(), Ok(InProgress));
        assert_eq!("会商后答复".parse(), Ok(ReplyRoute::AfterConsultation));
        assert_eq!("Open311".parse(), Ok(crate::domain::vocab::Channel::Open311));
        assert_eq!("河道环境".parse(), Ok(crate::domain::vocab::Category::Environment));
        assert_eq!(serde_json::to_string(&ReplyRoute::ReferredToGovernment).unwrap(), "\"referred_to_government\"");
    }

    /// Statuses reachable from `submitted` by the table alone.
    fn reachable() -> BTreeSet<Status> {
        let mut seen = BTreeSet::from([Submitted]);
        loop {
            let next: BTreeSet<_> = ALLOWED.iter().filter(|(f, _, _)| seen.contains(f)).map(|&(_, _, t)| t).collect();
            if next.is_subset(&seen) {
                return seen;
            }
            seen.extend(next);
        }
    }

    fn any_text() -> impl Strategy<Value = String> {
        prop_oneof![
            1 => Just(String::new()),
            1 => Just(" \t".to_owned()),
            6 => "[a-z 意见办]{1,20}",
            1 => (990usize..1010).prop_map(|n| "x".repeat(n)),
        ]
    }

    fn any_event() -> impl Strategy<Value = Event> {
        prop_oneof![
            Just(Event::Register),
            any_text().prop_map(|department| Event::Assign { department, due: NaiveDate::MIN }),
            Just(Event::Start),
            (0..ReplyRoute::ALL.len(), any_text())
                .prop_map(|(i, text)| Event::Reply { route: ReplyRoute::ALL[i], text }),
            (1u8..=5, any_text()).prop_map(|(s, comment)| Event::Rate { stars: Stars(s), comment }),
            any_text().prop_map(|reason| Event::Close { reason }),
            Just(Event::AutoClose),
            any_text().prop_map(|explanation| Event::Reject { explanation }),
        ]
    }

    proptest! {
        #[test]
        fn random_event_sequences_stay_in_the_table_and_terminal_states_never_change(
            events in proptest::collection::vec(any_event(), 0..60)
        ) {
            let reachable = reachable();
            let mut status = Submitted;
            for event in &events {
                let before = status;
                match transition(status, event) {
                    Ok(to) => {
                        prop_assert_eq!(allowed(status, kind(event)), Some(to), "{} on {:?}", status, event);
                        status = to;
                    }
                    Err(WorkflowError::Illegal { from, event: code }) => {
                        prop_assert_eq!(from, status);
                        prop_assert_eq!(code, event.code());
                        prop_assert_eq!(allowed(status, kind(event)), None);
                    }
                    // Field errors only for an event the table allows, or one needing its reason.
                    Err(_) => prop_assert!(
                        allowed(status, kind(event)).is_some() || kind(event) == "close_no_reason",
                        "{} on {:?}", status, event
                    ),
                }
                prop_assert!(!before.is_terminal() || status == before, "{} changed to {}", before, status);
                prop_assert!(reachable.contains(&status), "{status}");
            }
        }
    }

    fn split_mix(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn random_codes(n: usize) -> Vec<TrackingCode> {
        let mut state = 20250630;
        (0..n).map(|_| TrackingCode::from_random(split_mix(&mut state))).collect()
    }

    #[test]
    fn the_damm_table_is_a_weakly_totally_anti_symmetric_quasigroup() {
        for (i, row) in DAMM.iter().enumerate() {
            assert_eq!(row[i], 0);
            assert_eq!(row.iter().copied().collect::<BTreeSet<_>>().len(), 10);
            assert_eq!(DAMM.iter().map(|r| r[i]).collect::<BTreeSet<_>>().len(), 10);
        }
        assert_eq!(damm(b"572"), 4); // the worked example: 572 gets check digit 4
        assert_eq!(damm(b"5724"), 0);
    }

    #[test]
    fn tracking_codes_round_trip_through_display_parse_and_serde() {
        for code in random_codes(200) {
            let shown = code.to_string();
            assert_eq!(shown.len(), 19);
            assert!(shown.split('-').all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_digit())), "{shown}");
            assert_eq!(shown.replace('-', ""), code.as_str());
            assert_eq!(TrackingCode::parse(&shown), Ok(code.clone()));
            assert_eq!(code.as_str().parse(), Ok(code.clone()));
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{shown}\""));
            assert_eq!(serde_json::from_str::<TrackingCode>(&json).unwrap(), code);
        }
        assert_eq!(TrackingCode::from_random(0).as_str(), "0000000000000000");
        assert_eq!(TrackingCode::from_random(u64::MAX).as_str().len(), 16);
    }

    #[test]
    fn tracking_codes_accept_spaces_dashes_and_full_width_digits() {
        let code = TrackingCode::from_random(123_456_789_012_345);
        let digits = code.as_str().to_owned();
        let full_width: String =
            digits.chars().map(|c| char::from_u32(u32::from(c) - 0x30 + 0xFF10).unwrap()).collect();
        let spaced = format!(" {} {} {} {} ", &digits[0..4], &digits[4..8], &digits[8..12], &digits[12..16]);
        for s in [
            digits.clone(),
            spaced,
            format!("{}－{}", &full_width[..4 * 3], &full_width[4 * 3..]),
            full_width
                .chars()
                .collect::<Vec<_>>()
                .chunks(4)
                .map(String::from_iter)
                .collect::<Vec<_>>()
                .join("\u{3000}"),
            format!("{}-{}", &digits[..8], &digits[8..]),
        ] {
            assert_eq!(TrackingCode::parse(&s), Ok(code.clone()), "{s:?}");
        }
    }

    #[test]
    fn tracking_codes_of_the_wrong_length_or_with_other_characters_are_refused_distinctly() {
        let code = TrackingCode::from_random(987_654_321);
        let digits = code.as_str();
        assert_eq!(TrackingCode::parse(""), Err(TrackingCodeError::WrongLength(0)));
        assert_eq!(TrackingCode::parse(&digits[..15]), Err(TrackingCodeError::WrongLength(15)));
        assert_eq!(TrackingCode::parse(&format!("{digits}0")), Err(TrackingCodeError::WrongLength(17)));
        assert_eq!(
            TrackingCode::parse(&format!("{}O{}", &digits[..4], &digits[5..])),
            Err(TrackingCodeError::BadCharacter('O'))
        );
        let messages: BTreeSet<_> = [
            TrackingCodeError::WrongLength(15),
            TrackingCodeError::BadCharacter('x'),
            TrackingCodeError::BadCheckDigit,
        ]
        .iter()
        .map(|e| e.to_string())
        .collect();
        assert_eq!(messages.len(), 3);
        assert!(serde_json::from_str::<TrackingCode>("\"1234\"").is_err());
    }

    #[test]
    fn every_single_digit_error_and_adjacent_transposition_is_caught() {
        for code in random_codes(300) {
            let digits: Vec<u8> = code.as_str().bytes().collect();
            for i in 0..digits.len() {
                for wrong in b'0'..=b'9' {
                    if wrong != digits[i] {
                        let mut typo = digits.clone();
                        typo[i] = wrong;
                        let typo = String::from_utf8(typo).unwrap();
                        assert_eq!(TrackingCode::parse(&typo), Err(TrackingCodeError::BadCheckDigit), "{typo}");
                    }
                }
                if i + 1 < digits.len() && digits[i] != digits[i + 1] {
                    let mut swapped = digits.clone();
                    swapped.swap(i, i + 1);
                    let swapped = String::from_utf8(swapped).unwrap();
                    assert_eq!(TrackingCode::parse(&swapped), Err(TrackingCodeError::BadCheckDigit), "{swapped}");
                }
            }
        }
    }

    pub(crate) fn opinion() -> Opinion {
        let at = DateTime::parse_from_rfc3339("2026-11-12T10:00:00+08:00").unwrap();
        let submission = NewOpinion::new(
            Category::Parking,
            " 小区门口乱停车 ",
            "晚上车辆堵住消防通道",
            LonLat::new(121.55, 29.87).unwrap(),
            Channel::Online,
            false,
            Contact::new(Some("张三"), Some("138 0000 0000")).unwrap(),
        )
        .unwrap();
        let (mut o, _) =
            Opinion::submitted(TrackingCode::from_random(42), submission, Routing::default(), at, "citizen");
        o.id = 1;
        o
    }

    #[test]
    fn a_remark_keeps_the_status_and_the_version() {
        let mut o = opinion();
        o.apply(&Event::Register, "staff:li", o.created_at).unwrap();
        let entry = o.remark("photo_approve", "photo 7".into(), "staff:li", o.created_at);
        assert_eq!(
            (entry.from, entry.to, entry.event.as_str()),
            (Status::Registered, Status::Registered, "photo_approve")
        );
        assert_eq!((o.status, o.version), (Status::Registered, 2), "nothing of the opinion changes");
    }

    #[test]
    fn applying_the_loop_records_fields_times_and_versions() {
        let mut o = opinion();
        assert_eq!(o.submission.title, "小区门口乱停车", "trimmed");
        let t = |h: u32| DateTime::parse_from_rfc3339(&format!("2026-11-{:02}T10:00:00+08:00", 12 + h)).unwrap();
        o.apply(&Event::Register, "staff:li", t(0)).unwrap();
        assert_eq!(o.due, NaiveDate::from_ymd_opt(2026, 11, 27), "registered on the 12th, due 15 days later");
        let due = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let entry = o.apply(&Event::Assign { department: "区交警大队".into(), due }, "staff:li", t(1)).unwrap();
        assert_eq!((entry.from, entry.to, entry.event.as_str()), (Status::Registered, Status::Assigned, "assign"));
        o.apply(&Event::Start, "staff:li", t(2)).unwrap();
        o.apply(
            &Event::Reply { route: ReplyRoute::AfterConsultation, text: "已增设禁停标志".into() },
            "member:wang",
            t(3),
        )
        .unwrap();
        assert_eq!((o.reply_route, o.replied_at), (Some(ReplyRoute::AfterConsultation), Some(t(3))));
        let low = Event::Rate { stars: Stars::new(2).unwrap(), comment: "仍有车辆".into() };
        o.apply(&low, "citizen", t(4)).unwrap();
        assert_eq!((o.status, o.replied_at, o.registered_at), (Status::Registered, None, Some(t(0))), "reopened");
        o.apply(&Event::Close { reason: "已与物业协商长期管理".into() }, "staff:li", t(5)).unwrap();
        assert_eq!((o.status, o.closed_at, o.version), (Status::Closed, Some(t(5)), 7));
        let before = o.clone();
        assert!(o.apply(&Event::Start, "staff:li", t(6)).is_err());
        assert_eq!(o, before, "a refused event changes nothing");
    }

    #[test]
    fn submissions_are_checked() {
        let p = LonLat::new(121.5, 29.8).unwrap();
        let make = |title: &str, text: &str| {
            NewOpinion::new(Category::Other, title, text, p, Channel::Qr, true, Contact::default())
        };
        assert_eq!(make("  ", "x"), Err(SubmissionError::Empty("title")));
        assert!(matches!(
            make("x", &"字".repeat(5001)),
            Err(SubmissionError::TooLong { field: "text", len: 5001, .. })
        ));
        assert!(make("x", &"字".repeat(5000)).is_ok());
        assert_eq!(Contact::new(None, Some("call me")), Err(SubmissionError::BadPhone("call me".into())));
        assert_eq!(Contact::new(Some(" "), Some("")).unwrap(), Contact::default());
    }

    #[test]
    fn control_and_direction_characters_are_refused_but_line_breaks_in_the_text_are_not() {
        let p = LonLat::new(121.5, 29.8).unwrap();
        let make = |title: &str, text: &str| {
            NewOpinion::new(Category::Other, title, text, p, Channel::Qr, true, Contact::default())
        };
        for (c, code) in [
            ('\0', 0),
            ('\u{1b}', 0x1b),
            ('\u{7f}', 0x7f),
            ('\u{9b}', 0x9b),
            ('\u{202e}', 0x202e),
            ('\u{2066}', 0x2066),
        ] {
            let bad = format!("路灯{c}坏了");
            assert_eq!(make(&bad, "x"), Err(SubmissionError::ControlCharacter { field: "title", code }));
            assert_eq!(make("x", &bad), Err(SubmissionError::ControlCharacter { field: "text", code }));
        }
        assert_eq!(make("a\nb", "x"), Err(SubmissionError::ControlCharacter { field: "title", code: 10 }));
        assert!(make("路灯", "第一行\r\n第二行\t完").is_ok());
        assert!(matches!(Contact::new(Some("张\u{202e}三"), None), Err(SubmissionError::ControlCharacter { .. })));
    }
}
