//! Reading the search box: what could the rep have typed?
//!
//! Text is first made harmless: control characters become spaces and only the first
//! [`MAX_QUERY_CHARS`] characters are kept, so no input can make a lookup fail or run long.
//! Then every plausible reading is kept, because while a rep types, `94107` may be a postcode,
//! an order number or the start of a phone number. Nothing here touches the database.

use concord_core::email::normalize_email;
use concord_core::name::match_tokens;
use concord_core::phone::{digits, parse_phone};

use super::keys;

/// Longer input is cut here: no name, number or address a rep types is longer.
pub const MAX_QUERY_CHARS: usize = 200;
/// Words beyond this many are ignored for name search.
pub const MAX_WORDS: usize = 8;
/// Longer words are cut: no name part is longer, and it bounds the typo work.
pub const MAX_WORD_CHARS: usize = 40;

/// Every reading of one search-box text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub email: Option<EmailQuery>,
    pub phone: Option<PhoneQuery>,
    pub order: Option<OrderQuery>,
    /// Postcode keys, each with the house number typed beside it, if any.
    pub postcodes: Vec<(String, Option<String>)>,
    /// Folded words for name, company and street search; empty when there are no letters.
    pub words: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailQuery {
    /// The normalized address, when what was typed is a complete address.
    pub exact: Option<String>,
    /// The lowercased text, for addresses still being typed.
    pub prefix: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneQuery {
    /// E.164 of a complete number.
    pub e164: Option<String>,
    /// National significant numbers the digits could be (with and without a trunk 0).
    pub national: Vec<String>,
    /// Digits typed so far, for numbers still being typed (national form).
    pub national_prefix: String,
    /// `+` and the digits typed so far, read as starting with a country code.
    pub e164_prefix: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderQuery {
    pub key: String,
}

/// Control characters out, length capped, ends trimmed.
pub fn sanitize(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .take(MAX_QUERY_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cleaned.trim().to_string()
}

/// Reads `text` in every way it could be meant. National phone numbers are read in
/// `default_region`.
pub fn classify(text: &str, default_region: &str) -> Query {
    let text = sanitize(text);
    let mut query = Query::default();
    if text.is_empty() {
        return query;
    }

    if text.contains('@') {
        // An @ is never part of a name, a number or a postcode.
        query.email = Some(EmailQuery {
            exact: normalize_email(&text).ok().map(|e| e.address),
            prefix: text.to_lowercase(),
        });
        return query;
    }

    query.phone = phone_reading(&text, default_region);
    query.order = order_reading(&text);
    query.postcodes = postcode_readings(&text);
    if text.chars().any(char::is_alphabetic) {
        query.words = match_tokens(&text)
            .into_iter()
            .take(MAX_WORDS)
            .map(|w| w.chars().take(MAX_WORD_CHARS).collect())
            .collect();
    }
    query
}

/// Digits this short could be anything; they are not read as the start of a phone number.
const MIN_PHONE_PREFIX_DIGITS: usize = 3;
/// The fewest digits of any complete phone number worth parsing.
const MIN_PHONE_DIGITS: usize = 6;

fn phone_reading(text: &str, region: &str) -> Option<PhoneQuery> {
    let lower = text.to_lowercase();
    // Everything after an extension marker is the extension, which never selects a line.
    let main = lower.split("ext").next().unwrap_or("");
    let main = main.split('x').next().unwrap_or("");
    let phone_chars = |c: char| c.is_ascii_digit() || " +()-./".contains(c);
    if !main.chars().all(phone_chars) {
        return None;
    }
    let typed = digits(main);
    if typed.len() < MIN_PHONE_PREFIX_DIGITS {
        return None;
    }

    let international = main.trim_start().starts_with('+') || typed.starts_with("00");
    let without_idd = if main.trim_start().starts_with('+') {
        typed.clone()
    } else {
        typed.trim_start_matches("00").to_string()
    };
    let e164 = (typed.len() >= MIN_PHONE_DIGITS)
        .then(|| parse_phone(text, region).ok())
        .flatten()
        .map(|p| p.e164);
    let national = if international {
        Vec::new()
    } else {
        let mut n = vec![typed.clone()];
        let trimmed = typed.trim_start_matches('0').to_string();
        if trimmed != typed && !trimmed.is_empty() {
            n.push(trimmed);
        }
        n
    };

    Some(PhoneQuery {
        e164,
        national,
        national_prefix: if international {
            String::new()
        } else {
            typed.trim_start_matches('0').to_string()
        },
        e164_prefix: format!("+{without_idd}"),
    })
}

/// The longest order number any system writes.
const MAX_ORDER_CHARS: usize = 32;

fn order_reading(text: &str) -> Option<OrderQuery> {
    let bare = text.trim_start_matches('#').trim();
    let order_chars = |c: char| c.is_alphanumeric() || "-_/#. ".contains(c);
    let plausible = !bare.is_empty()
        && bare.chars().count() <= MAX_ORDER_CHARS
        && bare.chars().all(order_chars)
        && bare.chars().any(|c| c.is_ascii_digit())
        && bare.split_whitespace().count() <= 2;
    // Systems prefix numbers with a short code (SO, WEB, INV); a longer run of letters before
    // the digits is a word, e.g. an email's local part being typed, not an order number.
    let letters_before_digits = bare
        .chars()
        .take_while(|c| !c.is_ascii_digit())
        .filter(|c| c.is_alphabetic())
        .count();
    let plausible = (plausible && letters_before_digits <= keys::MAX_ORDER_PREFIX_LETTERS)
        || is_random_code(bare);
    plausible.then(|| OrderQuery {
        key: keys::order_number_key(bare),
    })
}

/// A web store's random order code (Vendure's `VNGTNVUR8CW8AYXW`, `JUXUNEMTWTEFTZK7`, and
/// now and then one of letters only, `NHFGAUSBMGWJDCZU`): one long run of letters and digits.
/// A word run into a number (`jamessmith12345`) or a very long word reads as one too; that
/// costs one exact index probe that finds nothing (the words are still searched as names),
/// while missing a code a caller reads out loses the call.
fn is_random_code(text: &str) -> bool {
    let length = text.chars().count();
    let has_digit = text.chars().any(|c| c.is_ascii_digit());
    let long_enough = if has_digit {
        length >= MIN_RANDOM_CODE_CHARS
    } else {
        length >= MIN_LETTERS_ONLY_CODE_CHARS
    };
    long_enough && length <= MAX_ORDER_CHARS && text.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The shortest run of letters alone read as an order code: longer than almost any name.
const MIN_LETTERS_ONLY_CODE_CHARS: usize = 12;

/// The shortest random order code read as one; shorter runs are words or prefixed numbers.
const MIN_RANDOM_CODE_CHARS: usize = 10;

/// The longest postcode of any country, without spaces.
const MAX_POSTCODE_CHARS: usize = 10;

fn postcode_readings(text: &str) -> Vec<(String, Option<String>)> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    if words.is_empty() || words.len() > 4 {
        return out;
    }
    let mut push = |parts: &[&str], house: Option<&str>| {
        if let Some(key) = postcode_candidate(&parts.concat()) {
            let entry = (key, house.map(str::to_uppercase));
            if !out.contains(&entry) {
                out.push(entry);
            }
        }
    };

    push(&words, None);
    if words.len() >= 2 {
        if looks_like_house_number(words[0]) {
            push(&words[1..], Some(words[0]));
        }
        let last = words[words.len() - 1];
        if looks_like_house_number(last) {
            push(&words[..words.len() - 1], Some(last));
        }
    }
    out
}

fn postcode_candidate(compact: &str) -> Option<String> {
    let ok = compact
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && compact.chars().any(|c| c.is_ascii_digit());
    let key = keys::postcode_key(compact, "")?;
    let key = if key.len() == 9 && key.bytes().all(|b| b.is_ascii_digit()) {
        // Nine digits are a US ZIP+4 more often than any other country's postcode.
        key[..5].to_string()
    } else {
        key
    };
    (ok && (3..=MAX_POSTCODE_CHARS).contains(&key.len())).then_some(key)
}

fn looks_like_house_number(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(|c| c.is_ascii_digit())
        && word.len() <= 6
        && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_at_sign_means_an_email_and_nothing_else() {
        let query = classify(" Mail@Shop.Example ", "US");

        let email = query.email.expect("an @ is read as an email");
        assert_eq!(
            email.exact.as_deref(),
            Some("mail@shop.example"),
            "normalized for exact"
        );
        assert!(query.words.is_empty(), "an email is never split into words");
        assert_eq!(query.phone, None, "nor read as a phone");
    }

    #[test]
    fn phone_formats_read_as_the_same_e164() {
        for typed in [
            "+1 415 555 1212",
            "(415) 555-1212",
            "415.555.1212 x12",
            "4155551212",
        ] {
            let query = classify(typed, "US");

            let phone = query.phone.unwrap_or_else(|| panic!("{typed} is a phone"));
            assert_eq!(phone.e164.as_deref(), Some("+14155551212"), "{typed}");
        }
    }

    #[test]
    fn a_national_number_also_matches_without_its_trunk_zero() {
        let phone = classify("020 7946 0018", "US").phone.unwrap();

        assert!(
            phone.national.contains(&"2079460018".to_string()),
            "GB NSN, typed in the US"
        );
    }

    #[test]
    fn digits_being_typed_are_a_phone_prefix_order_and_postcode() {
        let query = classify("94107", "US");

        assert_eq!(
            query.phone.unwrap().national_prefix,
            "94107",
            "start of a phone"
        );
        assert_eq!(query.order.unwrap().key, "94107", "an order number");
        assert_eq!(query.postcodes, vec![("94107".into(), None)], "a ZIP");
        assert!(query.words.is_empty(), "no letters, no name search");
    }

    #[test]
    fn a_house_number_beside_a_postcode_is_read_as_such() {
        let query = classify("10 SW1A 2AA", "GB");

        assert!(
            query
                .postcodes
                .contains(&("SW1A2AA".into(), Some("10".into()))),
            "got {:?}",
            query.postcodes
        );
    }

    #[test]
    fn order_numbers_lose_their_decoration() {
        assert_eq!(
            classify("#SO-0042", "US").order.unwrap().key,
            "42",
            "prefix and zeros go"
        );
    }

    #[test]
    fn a_word_followed_by_digits_is_not_an_order_number() {
        assert_eq!(
            classify("james.smith12345", "US").order,
            None,
            "an email being typed"
        );
        assert!(
            classify("INV-12345", "US").order.is_some(),
            "a short prefix is decoration"
        );
    }

    #[test]
    fn a_web_store_random_code_is_an_order_number() {
        let cases = [
            ("VNGTNVUR8CW8AYXW", "VNGTNVUR8CW8AYXW"),
            ("vngtnvur8cw8ayxw", "VNGTNVUR8CW8AYXW"),
            ("8CW8AYXWVNGTNVUR", "8CW8AYXWVNGTNVUR"),
            ("JUXUNEMTWTEFTZK7", "JUXUNEMTWTEFTZK7"),
            ("nhfgausbmgwjdczu", "NHFGAUSBMGWJDCZU"),
        ];
        for (typed, key) in cases {
            assert_eq!(
                classify(typed, "US").order.map(|o| o.key).as_deref(),
                Some(key),
                "{typed}"
            );
        }
    }

    #[test]
    fn control_characters_and_length_are_defused() {
        let long = "a".repeat(10_000);

        assert_eq!(
            sanitize("ann\u{0}\u{7}lee"),
            "ann  lee",
            "control characters separate"
        );
        assert_eq!(
            sanitize(&long).chars().count(),
            MAX_QUERY_CHARS,
            "length is capped"
        );
    }

    #[test]
    fn words_are_folded_and_capped() {
        let query = classify("ÉLODIE  D'Artagnan one two three four five six seven", "FR");

        assert_eq!(query.words.len(), MAX_WORDS, "at most MAX_WORDS words");
        assert_eq!(query.words[0], "elodie", "accents and case are folded");
        assert_eq!(
            query.words[1], "dartagnan",
            "apostrophes do not split a name"
        );
    }
}
