//! Matching names the way a Chinese search box does: by a substring of the name as written
//! (`白云`), by full pinyin without tones (`baiyun`, `bai yun`), by pinyin initials (`by`), and by any
//! mix of the two (`baiy`, `bYun`), each syllable possibly cut short where the typing stopped
//! (`baiyu`). Characters with several readings (多音字, e.g. 长 cháng/zhǎng) match by any of them;
//! ü is typed `v` (绿 = `lv`), as on every pinyin keyboard.

use pinyin::{Pinyin, ToPinyinMulti};

/// How a query met a name, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NameMatch {
    /// The name starts with the query as written.
    Prefix,
    /// The name holds the query as written.
    Substring,
    /// The query spells the name's first characters in pinyin or initials.
    PinyinPrefix,
    /// The query spells characters inside the name in pinyin or initials.
    Pinyin,
}

/// A query as typed into the search box, ready to be matched against many names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameQuery {
    /// Lower-cased, trimmed, inner runs of white space as one space.
    text: String,
    /// Only the ASCII letters and digits of the text, lower-cased, `ü` as `v`: what is matched
    /// against the pinyin. Empty when the query has no Latin letters (then only `text` matches).
    letters: Vec<u8>,
}

impl NameQuery {
    /// The query, or `None` when it holds nothing to look for.
    ///
    /// # Examples
    /// ```
    /// use liaison::domain::names::NameQuery;
    /// assert!(NameQuery::new("  ").is_none());
    /// assert!(NameQuery::new("Bai Yun").is_some());
    /// ```
    pub fn new(raw: &str) -> Option<Self> {
        let text = raw.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        if text.is_empty() {
            return None;
        }
        let has_han = text.chars().any(is_han);
        let letters = if has_han {
            Vec::new()
        } else {
            text.chars()
                .filter_map(|c| match c {
                    'ü' => Some(b'v'),
                    c if c.is_ascii_alphanumeric() => Some(c as u8),
                    _ => None,
                })
                .collect()
        };
        Some(Self { text, letters })
    }
}

/// One character of a name as pinyin matching sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Unit {
    /// A Han character and its readings (plain pinyin, `ü` as `v`), most common first.
    Han(Vec<&'static str>),
    /// A Latin letter or digit, lower-cased.
    Letter(u8),
    /// Anything else (punctuation, spaces, brackets): a query may pass over it.
    Skip,
}

/// A name prepared for matching: its lower-cased text and the pinyin of each character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameKey {
    text: String,
    units: Vec<Unit>,
}

impl NameKey {
    pub fn new(name: &str) -> Self {
        let units = name
            .chars()
            .map(|c| match c.to_pinyin_multi() {
                Some(readings) => {
                    let mut plain: Vec<&'static str> = Vec::new();
                    for r in readings.into_iter().map(Pinyin::plain).map(typed) {
                        if !plain.contains(&r) {
                            plain.push(r);
                        }
                    }
                    Unit::Han(plain)
                }
                None if c.is_ascii_alphanumeric() => Unit::Letter(c.to_ascii_lowercase() as u8),
                None => Unit::Skip,
            })
            .collect();
        Self { text: name.to_lowercase(), units }
    }

    /// The name's length in characters (shorter names rank first among equal matches).
    pub fn len(&self) -> usize {
        self.units.len()
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// How `query` meets this name, if it does.
    ///
    /// # Examples
    /// ```
    /// use liaison::domain::names::{NameKey, NameMatch, NameQuery};
    /// let key = NameKey::new("白云街道联络站");
    /// let m = |q: &str| key.matches(&NameQuery::new(q).unwrap());
    /// assert_eq!(m("白云"), Some(NameMatch::Prefix));
    /// assert_eq!(m("联络"), Some(NameMatch::Substring));
    /// assert_eq!(m("baiyun"), Some(NameMatch::PinyinPrefix));
    /// assert_eq!(m("by"), Some(NameMatch::PinyinPrefix));
    /// assert_eq!(m("baiyu"), Some(NameMatch::PinyinPrefix));
    /// assert_eq!(m("jiedao"), Some(NameMatch::Pinyin));
    /// assert_eq!(m("llz"), Some(NameMatch::Pinyin));
    /// assert_eq!(m("baiyan"), None);
    /// ```
    pub fn matches(&self, query: &NameQuery) -> Option<NameMatch> {
        if let Some(at) = self.text.find(&query.text) {
            return Some(if at == 0 { NameMatch::Prefix } else { NameMatch::Substring });
        }
        if query.letters.is_empty() {
            return None;
        }
        let mut failed = vec![false; (self.units.len() + 1) * (query.letters.len() + 1)];
        let mut starts = (0..self.units.len()).filter(|&i| self.units[i] != Unit::Skip);
        let first = starts.next()?;
        if self.spells(first, &query.letters, &mut failed) {
            return Some(NameMatch::PinyinPrefix);
        }
        starts.any(|i| self.spells(i, &query.letters, &mut failed)).then_some(NameMatch::Pinyin)
    }

    /// Whether the units from `at` on spell `rest` entirely (the last syllable may be cut short).
    /// `failed[(at, rest.len())]` remembers the pairs already known to fail, so that the search
    /// takes at most units × letters steps, each trying every reading of one character.
    fn spells(&self, at: usize, rest: &[u8], failed: &mut [bool]) -> bool {
        if rest.is_empty() {
            return true;
        }
        let Some(unit) = self.units.get(at) else { return false };
        let slot = at * (failed.len() / (self.units.len() + 1)) + rest.len();
        if failed[slot] {
            return false;
        }
        let found = match unit {
            Unit::Skip => self.spells(at + 1, rest, failed),
            Unit::Letter(c) => rest[0] == *c && self.spells(at + 1, &rest[1..], failed),
            Unit::Han(readings) => readings.iter().any(|r| {
                let r = r.as_bytes();
                // The whole syllable, the syllable cut short at the end of the query, its initial
                // consonant (zh/ch/sh as one or two letters), or its first letter.
                (rest.starts_with(r) && self.spells(at + 1, &rest[r.len()..], failed))
                    || (rest.len() < r.len() && r.starts_with(rest))
                    || (r.len() > 2
                        && matches!(&r[..2], b"zh" | b"ch" | b"sh")
                        && rest.starts_with(&r[..2])
                        && self.spells(at + 1, &rest[2..], failed))
                    || (rest[0] == r[0] && self.spells(at + 1, &rest[1..], failed))
            }),
        };
        if !found {
            failed[slot] = true;
        }
        found
    }
}

/// Plain pinyin as typed on a keyboard: `ü` becomes `v`. The table spells ü only in lü, nü and
/// their finals (lüe, nüe), so the few such syllables are listed.
fn typed(plain: &'static str) -> &'static str {
    if !plain.contains('ü') {
        return plain;
    }
    match plain {
        "lü" => "lv",
        "nü" => "nv",
        "lüe" => "lve",
        "nüe" => "nve",
        "lün" => "lvn",
        _ => plain,
    }
}

/// Whether `c` is a CJK ideograph (the unified block and its first extension).
fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str, q: &str) -> Option<NameMatch> {
        NameKey::new(name).matches(&NameQuery::new(q).unwrap())
    }

    #[test]
    fn full_pinyin_initials_and_mixes_all_find_the_name() {
        for q in ["baiyun", "bai yun", "BaiYun", "by", "baiy", "byun", "b y", "bai'yun", "bai"] {
            assert_eq!(m("白云街道", q), Some(NameMatch::PinyinPrefix), "{q}");
        }
        assert_eq!(m("白云街道", "jd"), Some(NameMatch::Pinyin));
        assert_eq!(m("白云街道", "yunjie"), Some(NameMatch::Pinyin));
    }

    #[test]
    fn a_query_that_spells_other_characters_does_not_match() {
        for q in ["baiyan", "bx", "yb", "jiedaobai", "x", "baiyunjiedaozhan"] {
            assert_eq!(m("白云街道", q), None, "{q}");
        }
    }

    #[test]
    fn every_reading_of_a_character_with_several_counts() {
        // 长 reads cháng and zhǎng; 行 xíng and háng.
        assert!(m("长丰社区", "changfeng").is_some());
        assert!(m("长丰社区", "zhangfeng").is_some());
        assert!(m("银行网点", "yinhang").is_some());
        assert!(m("银行网点", "yinxing").is_some());
    }

    #[test]
    fn zh_ch_sh_count_as_one_initial_and_u_umlaut_is_typed_v() {
        assert_eq!(m("中山", "zhs"), Some(NameMatch::PinyinPrefix));
        assert_eq!(m("中山", "zs"), Some(NameMatch::PinyinPrefix));
        assert_eq!(m("中山", "zhsh"), Some(NameMatch::PinyinPrefix));
        assert_eq!(m("绿地", "lvdi"), Some(NameMatch::PinyinPrefix));
        assert_eq!(m("绿地", "lüdi"), Some(NameMatch::PinyinPrefix));
    }

    #[test]
    fn punctuation_and_latin_letters_in_names_are_passed_over_or_matched() {
        assert_eq!(m("鄞江镇（西片）联络点", "yjzxp"), Some(NameMatch::PinyinPrefix));
        assert_eq!(m("A区1号站", "aq1"), Some(NameMatch::PinyinPrefix));
        assert_eq!(m("A区1号站", "a区"), Some(NameMatch::Prefix));
    }

    #[test]
    fn text_matches_rank_above_pinyin_and_a_prefix_above_the_inside() {
        assert!(NameMatch::Prefix < NameMatch::Substring);
        assert!(NameMatch::Substring < NameMatch::PinyinPrefix);
        assert!(NameMatch::PinyinPrefix < NameMatch::Pinyin);
        assert_eq!(m("Haishu Station", "station"), Some(NameMatch::Substring));
    }

    #[test]
    fn a_chinese_query_matches_only_as_written() {
        assert_eq!(m("白云街道", "白去"), None);
        assert!(NameQuery::new("白云 by").unwrap().letters.is_empty());
    }

    /// Brute force: every way of writing each character (full, cut short at the end, initial)
    /// concatenated, for short random names over a few characters, must match — and random
    /// letter strings match exactly when one of those spellings is that string.
    #[test]
    fn spelling_search_agrees_with_enumerating_every_spelling() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let alphabet = ['中', '长', '山', '安', '白', '云', '行', '绿', '-'];
        let mut runner = TestRunner::new(Config { cases: 300, ..Config::default() });
        runner
            .run(&(proptest::collection::vec(0..alphabet.len(), 1..5), "[a-z]{1,6}"), |(picks, q)| {
                let name: String = picks.iter().map(|&i| alphabet[i]).collect();
                let key = NameKey::new(&name);
                let spellings = every_spelling(&key.units);
                let expected = spellings.contains(q.as_bytes());
                let got = key.matches(&NameQuery::new(&q).unwrap()).is_some();
                prop_assert_eq!(got, expected, "{} / {}", name, q);
                Ok(())
            })
            .unwrap();
    }

    /// Every letter string some run of units spells (starting anywhere, stopping anywhere, the
    /// last syllable possibly cut short).
    fn every_spelling(units: &[Unit]) -> std::collections::HashSet<Vec<u8>> {
        fn ways(u: &Unit) -> Vec<Vec<u8>> {
            match u {
                Unit::Skip => vec![vec![]],
                Unit::Letter(c) => vec![vec![*c]],
                Unit::Han(rs) => {
                    let mut w = Vec::new();
                    for r in rs {
                        let b = r.as_bytes();
                        w.push(b.to_vec());
                        w.push(vec![b[0]]);
                        if b.len() > 2 && matches!(&b[..2], b"zh" | b"ch" | b"sh") {
                            w.push(b[..2].to_vec());
                        }
                    }
                    w
                }
            }
        }
        fn cut(u: &Unit) -> Vec<Vec<u8>> {
            match u {
                Unit::Han(rs) => rs.iter().flat_map(|r| (1..r.len()).map(|n| r.as_bytes()[..n].to_vec())).collect(),
                _ => vec![],
            }
        }
        let mut out = std::collections::HashSet::new();
        for start in 0..units.len() {
            if units[start] == Unit::Skip {
                continue;
            }
            let mut prefixes: Vec<Vec<u8>> = vec![vec![]];
            for u in &units[start..] {
                for p in &prefixes {
                    for c in cut(u) {
                        out.insert([p.as_slice(), &c].concat());
                    }
                }
                prefixes = prefixes
                    .iter()
                    .flat_map(|p| ways(u).into_iter().map(move |w| [p.as_slice(), &w].concat()))
                    .collect();
                out.extend(prefixes.iter().filter(|p| !p.is_empty()).cloned());
            }
        }
        out
    }
}
