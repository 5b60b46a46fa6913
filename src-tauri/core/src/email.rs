//! Email addresses: one normal form for matching and lookup.
//!
//! The normal form is trimmed, lowercased, and has its domain in ASCII (an internationalized
//! domain becomes its `xn--` form, via the `idna` crate), so the same mailbox written two ways
//! compares equal. An address that cannot be a mailbox is reported with the reason; callers
//! keep the text as received. This module never treats an address as words: two addresses are
//! the same or they are not.

use serde::{Deserialize, Serialize};

/// An email address in normal form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// `local@domain`, lowercase, with the domain in ASCII.
    pub address: String,
    /// The part before the last `@`.
    pub local: String,
    /// The domain in ASCII (`xn--` labels for internationalized domains).
    pub domain: String,
}

/// Why a text is not a usable email address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("the email address is empty")]
    Empty,
    #[error("{0:?} has no @")]
    MissingAt(String),
    #[error("{0:?} has nothing before the @")]
    EmptyLocalPart(String),
    #[error("{0:?} has a local part longer than 64 characters")]
    LocalPartTooLong(String),
    #[error("{0:?} contains spaces or control characters")]
    ForbiddenCharacter(String),
    #[error("{0:?} has no domain after the @")]
    EmptyDomain(String),
    #[error("{0:?} has a domain without a dot")]
    DomainWithoutDot(String),
    #[error("{input:?} has an invalid domain: {reason}")]
    InvalidDomain { input: String, reason: String },
}

/// Normalizes `input` to the form used for matching and exact lookup.
pub fn normalize_email(input: &str) -> Result<Email, EmailError> {
    let trimmed = strip_decoration(input.trim());
    if trimmed.is_empty() {
        return Err(EmailError::Empty);
    }
    let owned = || trimmed.to_string();
    if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(EmailError::ForbiddenCharacter(owned()));
    }

    let (local, domain) = trimmed
        .rsplit_once('@')
        .ok_or_else(|| EmailError::MissingAt(owned()))?;
    if local.is_empty() {
        return Err(EmailError::EmptyLocalPart(owned()));
    }
    if local.chars().count() > 64 {
        return Err(EmailError::LocalPartTooLong(owned()));
    }
    let domain = domain.trim_end_matches('.');
    if domain.is_empty() {
        return Err(EmailError::EmptyDomain(owned()));
    }

    let ascii_domain = idna::domain_to_ascii(domain).map_err(|e| EmailError::InvalidDomain {
        input: owned(),
        reason: format!("{e:?}"),
    })?;
    check_domain_labels(&ascii_domain, trimmed)?;

    let local = local.to_lowercase();
    Ok(Email {
        address: format!("{local}@{ascii_domain}"),
        local,
        domain: ascii_domain,
    })
}

/// Removes the wrappers systems put around an address (`mailto:`, `<...>`).
fn strip_decoration(s: &str) -> &str {
    let s = s
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(s)
        .trim();
    s.strip_prefix("mailto:").unwrap_or(s).trim()
}

fn check_domain_labels(domain: &str, input: &str) -> Result<(), EmailError> {
    if !domain.contains('.') {
        return Err(EmailError::DomainWithoutDot(input.to_string()));
    }
    let bad_label = domain.split('.').find(|label| {
        label.is_empty()
            || label.len() > 63
            || label.starts_with('-')
            || label.ends_with('-')
            || !label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    match bad_label {
        Some(label) => Err(EmailError::InvalidDomain {
            input: input.to_string(),
            reason: format!("label {label:?} is not a host name label"),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn case_and_surrounding_space_do_not_make_a_new_address() {
        let written = "  Mail@Shop.Example ";

        let email = normalize_email(written).unwrap();

        assert_eq!(
            email.address, "mail@shop.example",
            "one mailbox, one normal form"
        );
    }

    #[test]
    fn internationalized_domain_is_stored_in_ascii() {
        let written = "anna@bücher.example";

        let email = normalize_email(written).unwrap();

        assert_eq!(
            email.domain, "xn--bcher-kva.example",
            "IDN domains compare as punycode"
        );
    }

    #[test]
    fn mailto_and_angle_brackets_are_unwrapped() {
        let written = "<mailto:Bob@Example.COM>";

        let result = normalize_email(written);

        assert_eq!(
            result.unwrap().address,
            "bob@example.com",
            "decoration is not address"
        );
    }

    #[test]
    fn invalid_addresses_are_reported_with_their_reason() {
        let cases = [
            ("", EmailError::Empty),
            (
                "no-at.example",
                EmailError::MissingAt("no-at.example".into()),
            ),
            (
                "@shop.example",
                EmailError::EmptyLocalPart("@shop.example".into()),
            ),
            (
                "a b@shop.example",
                EmailError::ForbiddenCharacter("a b@shop.example".into()),
            ),
            ("mail@", EmailError::EmptyDomain("mail@".into())),
            (
                "mail@localhost",
                EmailError::DomainWithoutDot("mail@localhost".into()),
            ),
        ];

        for (input, expected) in cases {
            assert_eq!(
                normalize_email(input),
                Err(expected),
                "{input:?} must be rejected"
            );
        }
    }

    #[test]
    fn domain_with_bad_label_is_rejected() {
        let result = normalize_email("mail@-shop.example");

        assert!(
            matches!(result, Err(EmailError::InvalidDomain { .. })),
            "got {result:?}"
        );
    }

    proptest! {
        #[test]
        fn normalizing_is_idempotent(s in "\\PC{0,30}") {
            if let Ok(once) = normalize_email(&s) {
                let twice = normalize_email(&once.address).unwrap();
                prop_assert_eq!(twice, once, "the normal form must be a fixed point");
            }
        }

        #[test]
        fn plain_addresses_survive_normalization(
            local in "[a-z0-9]{1,12}", host in "[a-z]{1,10}", tld in "[a-z]{2,4}"
        ) {
            let written = format!("{local}@{host}.{tld}");

            let email = normalize_email(&written.to_uppercase()).unwrap();

            prop_assert_eq!(email.address, written, "case is the only difference");
        }
    }
}
