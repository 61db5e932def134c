//! The languages people read liaison in: Chinese (zh-CN, the default) and English. Every string a
//! page, the map or an error page shows comes from one Fluent catalogue per language,
//! `web/locales/zh-CN.ftl` and `web/locales/en.ftl`, compiled into the binary; so do the readable
//! labels of the vocabularies (`kind-member_workstation`, `status-replied`, …) and the reception
//! calendars' descriptions ([`reception`]).
//!
//! A message that a catalogue lacks is written as `⟦id⟧` (and logged), never silently dropped: the
//! tests render every page in both languages and look for it. Placeables are not wrapped in
//! Unicode isolation marks (both languages run left to right).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{Timelike, Weekday};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use crate::domain::schedule::{merge_for_summary, Nth, ReceptionRule, Recurrence};

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    ZhCn,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// The BCP 47 tag, as `<html lang>`, `?lang=` and the cookie write it.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The language a tag asks for: any Chinese (`zh`, `zh-CN`, `zh-Hans`, …) or any English
    /// (`en`, `en-GB`, …), case-insensitive; `None` for anything else.
    ///
    /// # Examples
    ///
    /// ```
    /// use liaison::i18n::Lang;
    /// assert_eq!(Lang::parse("EN-gb"), Some(Lang::En));
    /// assert_eq!(Lang::parse("zh-Hans-CN"), Some(Lang::ZhCn));
    /// assert_eq!(Lang::parse("fr"), None);
    /// assert_eq!(Lang::parse("english"), None);
    /// ```
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::ZhCn),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The best of our languages by an `Accept-Language` header (RFC 9110 §12.5.4: the highest
    /// `q`, the first listed among equals; `q=0` refuses); `None` when it names neither.
    ///
    /// # Examples
    ///
    /// ```
    /// use liaison::i18n::Lang;
    /// assert_eq!(Lang::from_accept_language("fr-FR, en;q=0.8, zh;q=0.5"), Some(Lang::En));
    /// assert_eq!(Lang::from_accept_language("zh-TW;q=0.9, en-US;q=0.9"), Some(Lang::ZhCn));
    /// assert_eq!(Lang::from_accept_language("en;q=0, de"), None);
    /// ```
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else { continue };
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }
}

const CATALOGUES: [(Lang, &str); 2] = [
    (Lang::ZhCn, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/locales/zh-CN.ftl"))),
    (Lang::En, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/locales/en.ftl"))),
];

struct Catalogue {
    bundle: FluentBundle<FluentResource>,
    /// Every message id, in the file's order.
    ids: Vec<String>,
}

static BUNDLES: LazyLock<Vec<Catalogue>> = LazyLock::new(|| {
    CATALOGUES
        .iter()
        .map(|&(lang, text)| {
            let resource = FluentResource::try_new(text.to_owned())
                .unwrap_or_else(|(_, e)| panic!("web/locales/{}.ftl does not parse: {e:?}", lang.tag()));
            let ids = resource
                .entries()
                .filter_map(|e| match e {
                    fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                    _ => None,
                })
                .collect();
            let tag: unic_langid::LanguageIdentifier = lang.tag().parse().expect("a valid language tag");
            let mut bundle = FluentBundle::new_concurrent(vec![tag]);
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .unwrap_or_else(|e| panic!("web/locales/{}.ftl repeats a message: {e:?}", lang.tag()));
            Catalogue { bundle, ids }
        })
        .collect()
});

fn catalogue(lang: Lang) -> &'static Catalogue {
    &BUNDLES[Lang::ALL.iter().position(|l| *l == lang).expect("every language has a catalogue")]
}

/// A value a message takes: text or a number.
pub enum Arg<'a> {
    Text(&'a str),
    Number(f64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(s)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Text(s)
    }
}

impl From<usize> for Arg<'_> {
    fn from(n: usize) -> Self {
        Arg::Number(n as f64)
    }
}

impl From<f64> for Arg<'_> {
    fn from(n: f64) -> Self {
        Arg::Number(n)
    }
}

/// The message `id` in `lang` with `args` (names without `$`).
pub fn t_args(lang: Lang, id: &str, args: &[(&str, Arg<'_>)]) -> String {
    let c = catalogue(lang);
    let Some(pattern) = c.bundle.get_message(id).and_then(|m| m.value()) else {
        tracing::warn!(lang = lang.tag(), id, "no such message");
        return format!("⟦{id}⟧");
    };
    let mut fargs = FluentArgs::new();
    for (name, value) in args {
        match value {
            Arg::Text(s) => fargs.set(*name, FluentValue::from(*s)),
            Arg::Number(n) => fargs.set(*name, FluentValue::from(*n)),
        }
    }
    let mut errors = Vec::new();
    let out = c.bundle.format_pattern(pattern, (!args.is_empty()).then_some(&fargs), &mut errors);
    if !errors.is_empty() {
        tracing::warn!(lang = lang.tag(), id, ?errors, "message formatted with errors");
    }
    out.into_owned()
}

/// The message `id` in `lang`.
pub fn t(lang: Lang, id: &str) -> String {
    t_args(lang, id, &[])
}

/// The readable label of a vocabulary code, message `{prefix}-{code}` (e.g. `kind-liaison_point`).
pub fn label(lang: Lang, prefix: &str, code: &str) -> String {
    t(lang, &format!("{prefix}-{code}"))
}

/// Whether `lang`'s catalogue has the message `id`.
pub fn has(lang: Lang, id: &str) -> bool {
    catalogue(lang).bundle.has_message(id)
}

/// Every message id of `lang`'s catalogue, in the file's order.
pub fn ids(lang: Lang) -> &'static [String] {
    &catalogue(lang).ids
}

/// The messages a page's script formats itself: those whose id starts with one of `prefixes`,
/// each variable written as `{name}` for the script to fill in (no selectors in these messages).
pub fn script_messages(lang: Lang, prefixes: &[&str]) -> BTreeMap<&'static str, String> {
    let c = catalogue(lang);
    c.ids
        .iter()
        .filter(|id| prefixes.iter().any(|p| id.starts_with(p)))
        .map(|id| {
            let names = variables(&c.bundle, id);
            let placeholders: Vec<String> = names.iter().map(|n| format!("{{{n}}}")).collect();
            let args: Vec<(&str, Arg)> =
                names.iter().zip(&placeholders).map(|(n, p)| (n.as_str(), Arg::Text(p))).collect();
            (id.as_str(), t_args(lang, id, &args))
        })
        .collect()
}

/// The names of the variables a message's value refers to.
fn variables(bundle: &FluentBundle<FluentResource>, id: &str) -> Vec<String> {
    use fluent_syntax::ast::{Expression, InlineExpression, PatternElement};
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else { return Vec::new() };
    let mut names = Vec::new();
    for element in &pattern.elements {
        if let PatternElement::Placeable {
            expression: Expression::Inline(InlineExpression::VariableReference { id }),
        } = element
        {
            names.push(id.name.to_owned());
        }
    }
    names
}

// ---- reception calendars ------------------------------------------------------------------

/// The catalogue's key of a weekday: `mon` … `sun` (as in `weekday-short-mon`).
pub fn weekday_code(d: Weekday) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][d.num_days_from_monday() as usize]
}

/// `items` as a list in `lang`: `a、b、c` in Chinese, `a, b and c` in English.
fn list(lang: Lang, items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}{}{last}", init.join(&t(lang, "list-sep")), t(lang, "list-last-sep")),
    }
}

/// One rule for the public, e.g. `每月第2、4个星期四 14:00–17:00` or `Every 2nd and 4th Thursday of
/// the month, 14:00–17:00`, with its months and theme.
pub fn describe(lang: Lang, rule: &ReceptionRule) -> String {
    let hh_mm = |t: chrono::NaiveTime| format!("{:02}:{:02}", t.hour(), t.minute());
    let hours = t_args(
        lang,
        "rule-hours",
        &[("from", hh_mm(rule.start).as_str().into()), ("to", hh_mm(rule.end).as_str().into())],
    );
    let mut out = match &rule.recurrence {
        Recurrence::Weekly { weekdays } => {
            let days: Vec<String> = weekdays.iter().map(|d| label(lang, "weekday-short", weekday_code(*d))).collect();
            t_args(
                lang,
                "rule-weekly",
                &[("days", list(lang, &days).as_str().into()), ("hours", hours.as_str().into())],
            )
        }
        Recurrence::MonthlyNth { nths, weekday } => {
            let numbered: Vec<String> =
                nths.iter().filter_map(|n| n.number()).map(|n| label(lang, "rule-ordinal", &n.to_string())).collect();
            let numbers = (!numbered.is_empty())
                .then(|| t_args(lang, "rule-nth-numbers", &[("numbers", list(lang, &numbered).as_str().into())]));
            let last = nths.contains(&Nth::Last).then(|| t(lang, "rule-nth-last"));
            let which = match (numbers, last) {
                (Some(n), Some(l)) => {
                    t_args(lang, "rule-nth-both", &[("numbers", n.as_str().into()), ("last", l.as_str().into())])
                }
                (Some(n), None) => n,
                (None, Some(l)) => l,
                (None, None) => String::new(),
            };
            let weekday = label(lang, "weekday-long", weekday_code(*weekday));
            t_args(
                lang,
                "rule-monthly-nth",
                &[
                    ("which", which.as_str().into()),
                    ("weekday", weekday.as_str().into()),
                    ("hours", hours.as_str().into()),
                ],
            )
        }
        Recurrence::MonthlyDays { days } => {
            let days: Vec<String> =
                days.iter().map(|d| t_args(lang, "rule-day", &[("day", (*d as f64).into())])).collect();
            t_args(
                lang,
                "rule-monthly-days",
                &[("days", list(lang, &days).as_str().into()), ("hours", hours.as_str().into())],
            )
        }
    };
    if !rule.months.is_empty() {
        let months: Vec<String> = rule.months.iter().map(|m| label(lang, "month", &m.to_string())).collect();
        out = t_args(
            lang,
            "rule-in-months",
            &[("rule", out.as_str().into()), ("months", list(lang, &months).as_str().into())],
        );
    }
    if let Some(theme) = &rule.theme {
        out = t_args(lang, "rule-theme", &[("rule", out.as_str().into()), ("theme", theme.as_str().into())]);
    }
    out
}

/// A station's calendar for the public: one line per distinct rule, rules that differ only in
/// their members or months merged (see [`merge_for_summary`]).
///
/// # Examples
///
/// ```
/// use liaison::domain::ReceptionRule;
/// use liaison::i18n::{reception, Lang};
/// let rules: Vec<ReceptionRule> = [
///     "weekly fri 09:00-11:30 months=1,3,5,7,9,11 members=A",
///     "weekly fri 09:00-11:30 months=2,4,6,8,10,12 members=B",
///     "monthly 2 sat 09:00-11:00 months=5,6 theme=义务教育招生政策",
/// ].iter().map(|r| r.parse().unwrap()).collect();
/// assert_eq!(reception(Lang::ZhCn, &rules), ["每周五 09:00–11:30", "每月第2个星期六 09:00–11:00（5月、6月） · 义务教育招生政策"]);
/// assert_eq!(reception(Lang::En, &rules), ["Every Friday, 09:00–11:30", "2nd Saturday of the month, 09:00–11:00 (May and June) · 义务教育招生政策"]);
/// ```
pub fn reception(lang: Lang, rules: &[ReceptionRule]) -> Vec<String> {
    merge_for_summary(rules).iter().map(|r| describe(lang, r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_hold_the_same_messages() {
        let zh: std::collections::BTreeSet<&String> = ids(Lang::ZhCn).iter().collect();
        let en: std::collections::BTreeSet<&String> = ids(Lang::En).iter().collect();
        assert_eq!(zh.difference(&en).collect::<Vec<_>>(), Vec::<&&String>::new(), "in zh-CN only");
        assert_eq!(en.difference(&zh).collect::<Vec<_>>(), Vec::<&&String>::new(), "in en only");
        for lang in Lang::ALL {
            for id in ids(lang) {
                // Every message formats without error when its variables are given.
                let names = variables(&catalogue(lang).bundle, id);
                let args: Vec<(&str, Arg)> = names.iter().map(|n| (n.as_str(), Arg::Text("x"))).collect();
                assert!(!t_args(lang, id, &args).contains('⟦'), "{} {id}", lang.tag());
            }
        }
    }

    #[test]
    fn every_vocabulary_code_has_a_label_in_both_languages() {
        use crate::domain::{AreaLevel, Body, Category, Channel, Level, ReplyRoute, Role, StationKind, Status};
        for lang in Lang::ALL {
            let mut codes: Vec<(&str, &str)> = Vec::new();
            codes.extend(StationKind::ALL.iter().map(|v| ("kind", v.code())));
            codes.extend(Level::ALL.iter().map(|v| ("level", v.code())));
            codes.extend(Body::ALL.iter().map(|v| ("body", v.code())));
            codes.extend(Category::ALL.iter().map(|v| ("category", v.code())));
            codes.extend(Status::ALL.iter().map(|v| ("status", v.code())));
            codes.extend(Channel::ALL.iter().map(|v| ("channel", v.code())));
            codes.extend(AreaLevel::ALL.iter().map(|v| ("area-level", v.code())));
            codes.extend(ReplyRoute::ALL.iter().map(|v| ("reply-route", v.code())));
            codes.extend(Role::ALL.iter().map(|v| ("role", v.code())));
            for (prefix, code) in codes {
                assert!(!label(lang, prefix, code).contains('⟦'), "{} {prefix}-{code}", lang.tag());
            }
        }
    }

    #[test]
    fn chinese_labels_are_the_vocabularies_own() {
        use crate::domain::{Category, StationKind, Status};
        for k in StationKind::ALL {
            assert_eq!(label(Lang::ZhCn, "kind", k.code()), k.label_zh());
        }
        for c in Category::ALL {
            assert_eq!(label(Lang::ZhCn, "category", c.code()), c.label_zh());
        }
        for s in Status::ALL {
            assert_eq!(label(Lang::ZhCn, "status", s.code()), s.label_zh());
        }
    }

    #[test]
    fn every_kind_of_rule_reads_in_both_languages() {
        let cases = [
            ("weekly mon,thu 09:00-11:30", "每周一、周四 09:00–11:30", "Every Monday and Thursday, 09:00–11:30"),
            ("weekly sun 09:00-11:30", "每周日 09:00–11:30", "Every Sunday, 09:00–11:30"),
            (
                "weekly sat 09:00-11:00 months=5,6 theme=入学政策",
                "每周六 09:00–11:00（5月、6月） · 入学政策",
                "Every Saturday, 09:00–11:00 (May and June) · 入学政策",
            ),
            (
                "monthly 1 mon 09:00-12:00 members=HS-M-001 theme=学习日",
                "每月第1个星期一 09:00–12:00 · 学习日",
                "1st Monday of the month, 09:00–12:00 · 学习日",
            ),
            (
                "monthly 2,4 thu 14:00-17:00",
                "每月第2、4个星期四 14:00–17:00",
                "2nd and 4th Thursday of the month, 14:00–17:00",
            ),
            ("monthly last fri 14:00-16:00", "每月最后一个星期五 14:00–16:00", "Last Friday of the month, 14:00–16:00"),
            (
                "monthly 1,last mon 09:00-10:00",
                "每月第1个和最后一个星期一 09:00–10:00",
                "1st and last Monday of the month, 09:00–10:00",
            ),
            ("monthly day 1,15 09:00-11:00", "每月1日、15日 09:00–11:00", "Day 1 and 15 of the month, 09:00–11:00"),
            (
                "monthly 1,3,5 wed 09:00-11:00 months=5,6,7 theme=学习日",
                "每月第1、3、5个星期三 09:00–11:00（5月、6月、7月） · 学习日",
                "1st, 3rd and 5th Wednesday of the month, 09:00–11:00 (May, June and July) · 学习日",
            ),
        ];
        for (rule, zh, en) in cases {
            let r: ReceptionRule = rule.parse().unwrap();
            assert_eq!(describe(Lang::ZhCn, &r), zh, "{rule}");
            assert_eq!(describe(Lang::En, &r), en, "{rule}");
        }
    }

    #[test]
    fn script_messages_leave_their_variables_for_the_script() {
        let m = script_messages(Lang::En, &["js-"]);
        assert!(m.values().any(|v| v.contains('{')), "some script message has a variable: {m:?}");
        assert!(m.keys().all(|k| k.starts_with("js-")));
        let zh = script_messages(Lang::ZhCn, &["js-"]);
        assert_eq!(m.keys().collect::<Vec<_>>(), zh.keys().collect::<Vec<_>>());
    }
}
