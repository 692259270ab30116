//! SIDs: Twilio's identifiers, a two-letter prefix that names the kind of thing and 32 lowercase
//! hex digits (`OQ` + 32 hex is an OAuth app's client ID, 34 characters in all).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kinds of SID this product hands out, each with the prefix Twilio uses for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SidKind {
    /// An OAuth app; its SID is also the client ID.
    OAuthApp,
    /// An account or a subaccount.
    Account,
    Organization,
    User,
    AuditEvent,
    /// A person's approval of an authorization-code app.
    Authorization,
}

impl SidKind {
    pub const fn prefix(self) -> &'static str {
        match self {
            SidKind::OAuthApp => "OQ",
            SidKind::Account => "AC",
            SidKind::Organization => "OR",
            SidKind::User => "US",
            SidKind::AuditEvent => "KE",
            SidKind::Authorization => "AZ",
        }
    }

    pub const ALL: [SidKind; 6] = [
        SidKind::OAuthApp,
        SidKind::Account,
        SidKind::Organization,
        SidKind::User,
        SidKind::AuditEvent,
        SidKind::Authorization,
    ];
}

/// A validated SID. Construct it with [`Sid::new`] from random bytes or parse it from text.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sid(String);

/// Number of characters in every SID: two for the prefix, 32 hex digits.
pub const SID_LEN: usize = 34;

impl Sid {
    pub fn new(kind: SidKind, random: [u8; 16]) -> Sid {
        Sid(format!("{}{}", kind.prefix(), hex::encode(random)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> SidKind {
        SidKind::ALL
            .into_iter()
            .find(|kind| self.0.starts_with(kind.prefix()))
            .expect("a parsed Sid always has a known prefix")
    }

    pub fn is(&self, kind: SidKind) -> bool {
        self.kind() == kind
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{text}' is not a SID: expected a two-letter prefix (OQ, AC, OR, US, KE, AZ) and 32 lowercase hex digits, 34 characters in all"
)]
pub struct InvalidSid {
    text: String,
}

impl FromStr for Sid {
    type Err = InvalidSid;

    fn from_str(text: &str) -> Result<Sid, InvalidSid> {
        let known_prefix = SidKind::ALL
            .iter()
            .any(|kind| text.starts_with(kind.prefix()));
        // Bytes, not `text[2..]`: after a first letter that is no prefix, byte 2 may fall inside
        // a character.
        let hex_part_ok = text.len() == SID_LEN
            && text
                .bytes()
                .skip(2)
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if known_prefix && hex_part_ok {
            Ok(Sid(text.to_owned()))
        } else {
            Err(InvalidSid {
                text: text.to_owned(),
            })
        }
    }
}

impl TryFrom<String> for Sid {
    type Error = InvalidSid;
    fn try_from(text: String) -> Result<Sid, InvalidSid> {
        text.parse()
    }
}

impl From<Sid> for String {
    fn from(sid: Sid) -> String {
        sid.0
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn new_sid_is_prefix_and_32_lowercase_hex() {
        let sid = Sid::new(SidKind::OAuthApp, [0xab; 16]);
        assert_eq!(sid.as_str().len(), SID_LEN);
        assert_eq!(sid.as_str(), format!("OQ{}", "ab".repeat(16)));
        assert_eq!(sid.kind(), SidKind::OAuthApp);
    }

    #[test]
    fn parse_refuses_wrong_prefix_length_and_case() {
        let good = format!("AC{}", "0".repeat(32));
        assert!(good.parse::<Sid>().is_ok());
        for bad in [
            format!("XX{}", "0".repeat(32)),
            format!("AC{}", "0".repeat(31)),
            format!("AC{}", "A".repeat(32)),
            String::new(),
            "OQ".to_owned(),
        ] {
            let err = bad.parse::<Sid>().unwrap_err();
            assert!(err.to_string().contains("34 characters"), "{err}");
        }
    }

    #[test]
    fn a_wide_character_where_the_hex_digits_start_is_refused_not_a_panic() {
        let text = format!("A\u{e000}{}", "0".repeat(30));
        assert_eq!(text.len(), SID_LEN);
        let err = text.parse::<Sid>().unwrap_err();
        assert!(err.to_string().contains("34 characters"), "{err}");
    }

    fn any_kind() -> impl Strategy<Value = SidKind> {
        proptest::sample::select(SidKind::ALL.to_vec())
    }

    /// Text of exactly 34 bytes whatever its characters, the length that gets past the first
    /// check: an ASCII letter, then anything, padded with `0`.
    fn thirty_four_bytes() -> impl Strategy<Value = String> {
        ("[A-Z]", proptest::collection::vec(any::<char>(), 0..34)).prop_map(|(first, rest)| {
            let mut text = first;
            for c in rest {
                if text.len() + c.len_utf8() <= SID_LEN {
                    text.push(c);
                }
            }
            while text.len() < SID_LEN {
                text.push('0');
            }
            text
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn every_new_sid_parses_back_to_itself(kind in any_kind(), random in any::<[u8; 16]>()) {
            let sid = Sid::new(kind, random);
            let parsed: Sid = sid.to_string().parse().unwrap();
            prop_assert_eq!(&parsed, &sid);
            prop_assert_eq!(parsed.kind(), kind);
        }

        #[test]
        fn any_text_is_a_sid_or_a_refusal_that_quotes_it(
            text in prop_oneof![thirty_four_bytes(), any::<String>()],
        ) {
            match text.parse::<Sid>() {
                Ok(sid) => {
                    prop_assert_eq!(sid.as_str(), text.as_str());
                    prop_assert!(SidKind::ALL.contains(&sid.kind()));
                }
                Err(error) => {
                    let message = error.to_string();
                    prop_assert!(message.contains(&format!("'{text}'")), "{}", message);
                    prop_assert!(message.contains("34 characters"), "{}", message);
                }
            }
        }
    }
}
