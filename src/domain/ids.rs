//! Identifier newtypes: checked once at the edge, trusted everywhere after.
//!
//! Ids are short ASCII strings chosen by the data owner (`HS-ST-001`, `330203006`), so that a
//! re-import upserts by id and an export re-imports unchanged.

use std::fmt;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters, got {len}")]
    TooLong { len: usize, max: usize },
    #[error("may contain only ASCII letters, digits, '-', '_' and '.', got {0:?}")]
    BadCharacter(String),
}

const MAX_ID_LEN: usize = 64;

fn check_id(raw: &str) -> Result<String, IdError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    if s.len() > MAX_ID_LEN {
        return Err(IdError::TooLong { len: s.len(), max: MAX_ID_LEN });
    }
    if !s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
        return Err(IdError::BadCharacter(s.to_owned()));
    }
    Ok(s.to_owned())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Checks `raw` (trimmed): 1–64 characters of `[A-Za-z0-9._-]`.
            pub fn new(raw: &str) -> Result<Self, IdError> {
                check_id(raw).map(Self)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Self::new(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// A station, workstation, liaison point or online station.
    StationId
);
id_type!(
    /// A deputy (人大代表) or CPPCC member (政协委员).
    MemberId
);
id_type!(
    /// A grid area (网格).
    GridId
);
id_type!(
    /// An administrative area code: `330203` (district), `330203006` (town), 12 digits (community).
    AreaCode
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_trimmed_and_checked() {
        assert_eq!(StationId::new(" HS-ST-001 ").unwrap().as_str(), "HS-ST-001");
        assert_eq!(StationId::new(""), Err(IdError::Empty));
        assert!(matches!(MemberId::new("a b"), Err(IdError::BadCharacter(_))));
        assert!(matches!(GridId::new(&"x".repeat(65)), Err(IdError::TooLong { .. })));
    }

    #[test]
    fn ids_deserialize_through_the_check() {
        let ok: AreaCode = serde_json::from_str("\"330203006\"").unwrap();
        assert_eq!(ok.to_string(), "330203006");
        assert!(serde_json::from_str::<AreaCode>("\"33 02\"").is_err());
    }
}
