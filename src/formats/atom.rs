//! Atom feeds (RFC 4287) out: a feed of entries, written as escaped XML 1.0. Rendering only; what
//! goes in a feed (and what the public may see) is decided by [`crate::service::feeds`].

use chrono::{DateTime, FixedOffset, SecondsFormat};

/// One feed document.
#[derive(Debug, Clone)]
pub struct Feed {
    /// A stable IRI naming the feed (a `tag:` URI).
    pub id: String,
    pub title: String,
    /// When any entry last changed; the feed's creation time when it has none.
    pub updated: DateTime<FixedOffset>,
    /// The feed's own address (`rel="self"`).
    pub self_link: String,
    /// Where a reader sees the same things on the web (`rel="alternate"`).
    pub alternate: String,
    /// Newest first.
    pub entries: Vec<Entry>,
}

/// One entry of a feed.
#[derive(Debug, Clone)]
pub struct Entry {
    /// A stable IRI naming the entry: the same thing keeps its id as it changes.
    pub id: String,
    pub title: String,
    pub published: DateTime<FixedOffset>,
    pub updated: DateTime<FixedOffset>,
    pub link: String,
    /// Plain text.
    pub summary: String,
    /// Category terms (codes) with their labels.
    pub categories: Vec<(String, String)>,
}

/// Escapes text for XML element content and attribute values, dropping the characters XML 1.0
/// cannot carry at all (control characters other than tab, line feed and carriage return).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn time(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

impl Feed {
    /// The feed as an Atom XML document.
    pub fn to_xml(&self) -> String {
        let mut x =
            String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
        x += &format!("  <id>{}</id>\n", escape(&self.id));
        x += &format!("  <title>{}</title>\n", escape(&self.title));
        x += &format!("  <updated>{}</updated>\n", time(self.updated));
        x += &format!("  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n", escape(&self.self_link));
        x += &format!("  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", escape(&self.alternate));
        x += "  <author><name>liaison</name></author>\n";
        for e in &self.entries {
            x += "  <entry>\n";
            x += &format!("    <id>{}</id>\n", escape(&e.id));
            x += &format!("    <title type=\"text\">{}</title>\n", escape(&e.title));
            x += &format!("    <published>{}</published>\n", time(e.published));
            x += &format!("    <updated>{}</updated>\n", time(e.updated));
            x += &format!("    <link rel=\"alternate\" href=\"{}\"/>\n", escape(&e.link));
            for (term, label) in &e.categories {
                x += &format!("    <category term=\"{}\" label=\"{}\"/>\n", escape(term), escape(label));
            }
            x += &format!("    <summary type=\"text\">{}</summary>\n", escape(&e.summary));
            x += "  </entry>\n";
        }
        x += "</feed>\n";
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn markup_and_forbidden_characters_never_reach_the_document() {
        assert_eq!(escape("a<b>&\"c'\u{1}\u{8}\td"), "a&lt;b&gt;&amp;&quot;c&apos;\td");
        let feed = Feed {
            id: "tag:x,2026:feed".into(),
            title: "</title><script>".into(),
            updated: at("2026-11-12T09:00:00+08:00"),
            self_link: "http://x/feeds/a.atom?x=1&y=2".into(),
            alternate: "http://x/".into(),
            entries: vec![Entry {
                id: "tag:x,2026:opinion/1".into(),
                title: "路灯 & <坏了>".into(),
                published: at("2026-11-10T09:00:00+08:00"),
                updated: at("2026-11-11T09:00:00+08:00"),
                link: "http://x/r/1".into(),
                summary: "]]>\u{0}".into(),
                categories: vec![("roads".into(), "道路".into())],
            }],
        };
        let xml = feed.to_xml();
        assert!(xml.contains("<title>&lt;/title&gt;&lt;script&gt;</title>"), "{xml}");
        assert!(xml.contains("href=\"http://x/feeds/a.atom?x=1&amp;y=2\""), "{xml}");
        assert!(xml.contains("<updated>2026-11-11T09:00:00+08:00</updated>"), "{xml}");
        assert!(xml.contains("<summary type=\"text\">]]&gt;</summary>"), "{xml}");
        assert!(!xml.contains('\u{0}'));
    }
}
