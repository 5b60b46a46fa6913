//! Lookup keys: the normal forms under which identifiers are stored and searched, so that
//! every way a system or a rep writes one finds the same rows. Pure functions; the same
//! function builds the stored key and the query key.

/// The key of an order number as any system writes it: `#1001`, `SO0042`, `so-42`, `WEB-000123`
/// and `123` differ only in decoration. Upper case, punctuation dropped; when the number is a
/// short run of letters (a system's prefix, at most [`MAX_ORDER_PREFIX_LETTERS`]) followed by
/// digits, only the digits without leading zeros remain. Codes that mix letters and digits
/// otherwise (`AB12CD34`), or whose letters are too many to be a prefix (Vendure's random
/// `JUXUNEMTWTEFTZK7`), are kept whole: stripping those would give thousands of codes the key
/// `7`.
pub fn order_number_key(number: &str) -> String {
    let compact: String = number
        .chars()
        .flat_map(char::to_uppercase)
        // Upper-casing may add combining marks (Greek ΰ becomes three characters); filtering
        // after it keeps the key a fixed point.
        .filter(|c| c.is_alphanumeric())
        .collect();
    let digits_start = compact
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(compact.len());
    let (prefix, rest) = compact.split_at(digits_start);
    let prefix_is_letters = prefix.chars().all(|c| c.is_ascii_alphabetic())
        && prefix.chars().count() <= MAX_ORDER_PREFIX_LETTERS;
    if prefix_is_letters && !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
        let trimmed = rest.trim_start_matches('0');
        return if trimmed.is_empty() {
            "0".to_string()
        } else {
            trimmed.to_string()
        };
    }
    compact
}

/// The longest prefix a system writes before an order's digits (`SO`, `WEB`, `INV`, `ORDER`).
pub const MAX_ORDER_PREFIX_LETTERS: usize = 5;

/// The key of a postcode in `country`: upper case letters and digits only (`sw1a 1aa` and
/// `SW1A1AA` meet). A US ZIP+4 is keyed by its five-digit ZIP, which is what callers say.
pub fn postcode_key(postcode: &str, country: &str) -> Option<String> {
    let compact: String = postcode
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if compact.is_empty() {
        return None;
    }
    if country.eq_ignore_ascii_case("US") && compact.len() == 9 {
        return Some(compact[..5].to_string());
    }
    Some(compact)
}

/// The house number of a delivery line: its first word when that starts with a digit (US,
/// UK: `500 Howard St`), otherwise its last word when that does (most of Europe:
/// `Hauptstraße 5`). Upper case, so `12a` and `12A` meet.
pub fn house_number(line1: &str) -> Option<String> {
    let words: Vec<&str> = line1
        .split(|c: char| c.is_whitespace() || c == ',')
        .collect();
    let words: Vec<&str> = words.into_iter().filter(|w| !w.is_empty()).collect();
    let starts_with_digit = |w: &&&str| w.chars().next().is_some_and(|c| c.is_ascii_digit());
    let word = words
        .first()
        .filter(starts_with_digit)
        .or(words.last().filter(starts_with_digit))?;
    Some(word.to_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decorations_of_an_order_number_share_one_key() {
        let written = [
            "#1001",
            "1001",
            "SO1001",
            "so-001001",
            "WEB-0001001",
            "# 1001",
        ];

        let keys: Vec<String> = written.iter().map(|w| order_number_key(w)).collect();

        for (w, k) in written.iter().zip(&keys) {
            assert_eq!(k, "1001", "{w} is order 1001 as some system writes it");
        }
    }

    #[test]
    fn mixed_codes_are_kept_whole() {
        assert_eq!(
            order_number_key("ab12cd34"),
            "AB12CD34",
            "web store codes are opaque"
        );
        assert_eq!(order_number_key("000"), "0", "all zeros is still a number");
        assert_eq!(
            order_number_key("juxunemtwteftzk7"),
            "JUXUNEMTWTEFTZK7",
            "a random code ending in a digit is not a prefix and a number"
        );
    }

    #[test]
    fn postcode_spacing_and_case_do_not_matter() {
        assert_eq!(
            postcode_key("sw1a 1aa", "GB"),
            Some("SW1A1AA".into()),
            "UK, typed loosely"
        );
        assert_eq!(
            postcode_key("94107-1234", "US"),
            Some("94107".into()),
            "ZIP+4 to ZIP"
        );
        assert_eq!(postcode_key(" - ", "US"), None, "no characters, no key");
    }

    #[test]
    fn house_number_is_found_before_or_after_the_street() {
        assert_eq!(
            house_number("500 Howard St"),
            Some("500".into()),
            "US order"
        );
        assert_eq!(
            house_number("Hauptstraße 5a"),
            Some("5A".into()),
            "German order"
        );
        assert_eq!(house_number("PO Box"), None, "no number, no key");
    }

    proptest! {
        #[test]
        fn an_order_key_is_its_own_key(s in "\\PC{0,20}") {
            let once = order_number_key(&s);

            prop_assert_eq!(order_number_key(&once), once.clone(), "keys are fixed points");
        }
    }
}
