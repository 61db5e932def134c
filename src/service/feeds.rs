//! Atom feeds of public updates (RFC 4287): the opinions of a station, a town or a category as the
//! public sees them ([`super::privacy::Audience::Public`]: no contact details, no positions at all), for anyone who
//! wants to follow without giving contact details. Each opinion is one entry with a stable id,
//! updated whenever its status changes or it is replied to; entries link to the public Open311
//! request, never to the submitter's tracking code.

use chrono::{DateTime, FixedOffset};

use super::{Result, Service, ServiceError};
use crate::domain::{AreaCode, AreaLevel, Category, Opinion, StationId};
use crate::formats::atom::{Entry, Feed};
use crate::i18n::{t, t_args, Lang};
use crate::store::OpinionFilter;

/// The most entries a feed carries.
pub const FEED_MAX_ENTRIES: usize = 50;

/// How many of the newest opinions a feed looks through for the most recently updated ones.
const FEED_LOOKBACK: usize = 1_000;

/// Whose opinions a feed follows.
#[derive(Debug, Clone, Copy)]
pub enum FeedScope<'a> {
    Station(&'a str),
    Town(&'a str),
    Category(&'a str),
}

/// When an opinion last changed in a way the public sees.
pub fn public_updated(o: &Opinion) -> DateTime<FixedOffset> {
    [Some(o.created_at), o.registered_at, o.replied_at, o.closed_at].into_iter().flatten().max().unwrap_or(o.created_at)
}

/// The `tag:` authority of the feed ids: the public address's host.
fn tag_authority(base: &str) -> &str {
    let rest = base.split_once("://").map_or(base, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    match host.rsplit_once(':') {
        Some((h, port)) if !h.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ if host.is_empty() => "liaison",
        _ => host,
    }
}

impl Service {
    /// The opinion feed of `scope`, newest update first, at most [`FEED_MAX_ENTRIES`]; `base` is
    /// the service's public address and `self_path` the feed's own path. 404 for an unknown
    /// station, town or category.
    pub async fn opinion_feed(&self, scope: FeedScope<'_>, lang: Lang, base: &str, self_path: &str) -> Result<Feed> {
        let catalog = self.catalog();
        let mut filter = OpinionFilter { limit: FEED_LOOKBACK, ..Default::default() };
        let (key, title, alternate) = match scope {
            FeedScope::Station(raw) => {
                let station = StationId::new(raw)
                    .ok()
                    .and_then(|id| catalog.station(&id))
                    .ok_or_else(|| ServiceError::not_found("station", raw))?;
                filter.stations = vec![station.id.clone()];
                let title = t_args(lang, "atom-station-feed", &[("name", station.name.as_str().into())]);
                let link = format!("{base}/?station={}", percent_encoding::utf8_percent_encode(raw, UNRESERVED));
                (format!("station/{raw}"), title, link)
            }
            FeedScope::Town(raw) => {
                let town = AreaCode::new(raw)
                    .ok()
                    .and_then(|code| catalog.area(&code))
                    .filter(|a| a.level == AreaLevel::Town)
                    .ok_or_else(|| ServiceError::not_found("town", raw))?;
                filter.town = Some(town.code.clone());
                let title = t_args(lang, "atom-town-feed", &[("name", town.name.as_str().into())]);
                (format!("town/{raw}"), title, format!("{base}/"))
            }
            FeedScope::Category(raw) => {
                let category: Category = raw.parse().map_err(|_| ServiceError::not_found("category", raw))?;
                filter.category = Some(category);
                let label = t(lang, &format!("category-{}", category.code()));
                let title = t_args(lang, "atom-category-feed", &[("name", label.as_str().into())]);
                (format!("category/{raw}"), title, format!("{base}/"))
            }
        };
        let mut opinions = self.store.list_opinions(&filter).await?;
        opinions.sort_by_key(|o| std::cmp::Reverse((public_updated(o), o.id)));
        opinions.truncate(FEED_MAX_ENTRIES);
        let authority = tag_authority(base);
        let entries: Vec<Entry> = opinions.iter().map(|o| entry(o, lang, base, authority)).collect();
        Ok(Feed {
            id: format!("tag:{authority},2026:feeds/{key}"),
            title,
            updated: entries.first().map_or_else(|| self.now(), |e| e.updated),
            self_link: format!("{base}{self_path}"),
            alternate,
            entries,
        })
    }
}

/// What a query value escapes: all but RFC 3986's unreserved characters.
pub const UNRESERVED: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// One opinion as a public feed entry: title, category, status and reply; never who sent it or
/// where exactly (not even the rounded position).
fn entry(o: &Opinion, lang: Lang, base: &str, authority: &str) -> Entry {
    let category = o.submission.category;
    let status = t(lang, &format!("status-{}", o.status.code()));
    let mut summary = t_args(lang, "atom-entry-status", &[("status", status.as_str().into())]);
    if let Some(reply) = o.reply.as_deref().filter(|r| !r.trim().is_empty()) {
        summary.push('\n');
        summary += &t_args(lang, "atom-entry-reply", &[("reply", reply.into())]);
    }
    Entry {
        id: format!("tag:{authority},2026:opinions/{}", o.id),
        title: o.submission.title.clone(),
        published: o.created_at,
        updated: public_updated(o),
        link: format!("{base}/open311/v2/requests/{}.json", o.id),
        summary,
        categories: vec![(category.code().to_owned(), t(lang, &format!("category-{}", category.code())))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_authority_is_the_bare_host() {
        assert_eq!(tag_authority("https://liaison.example.gov.cn"), "liaison.example.gov.cn");
        assert_eq!(tag_authority("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(tag_authority("http://u@host:99/x"), "host");
        assert_eq!(tag_authority(""), "liaison");
    }
}
