//! Person and company names: a display form for people and a match key for machines.
//!
//! The display form is Unicode-normalized (NFC), has its spacing tidied, and is title-cased
//! only when a system shouted it or whispered it (ALL CAPS, all lower case). The match key is
//! compatibility-normalized (NFKC), case-folded and stripped of accents, so `José`, `JOSE`
//! and `jose` meet. Titles (Mr, Dr...) and suffixes (Jr, III...) are split off so they neither
//! block nor create a match. This module never changes the letters a name is spelled with in
//! its display form.

use serde::{Deserialize, Serialize};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// A person's name split into its parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PersonName {
    /// Honorific written before the name, as written (`Dr.`, `Mrs`).
    pub title: Option<String>,
    /// Given names, including middle names and initials.
    pub given: String,
    /// Family name (the last word, or what came before a comma in `Family, Given`).
    pub family: String,
    /// Generational or professional suffix, as written (`Jr.`, `III`, `PhD`).
    pub suffix: Option<String>,
}

const TITLES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "rev",
    "fr",
    "sir",
    "dame",
    "lady",
    "lord",
    "herr",
    "frau",
    "mme",
    "mlle",
    "sra",
    "srta",
    "dott",
];

const SUFFIXES: &[&str] = &[
    "jr", "sr", "ii", "iii", "iv", "phd", "md", "dds", "esq", "cpa", "rn", "jnr", "snr",
];

impl PersonName {
    /// Splits a full name as one field holds it (`Dr. José A. García Jr.`, `SMITH, JOHN`).
    pub fn parse(full: &str) -> PersonName {
        let tidy = display_form(full);
        let (before_comma, after_comma) = match tidy.split_once(',') {
            Some((a, b)) => (a.trim().to_string(), Some(b.trim().to_string())),
            None => (tidy.clone(), None),
        };

        let mut name = PersonName::default();
        let mut words: Vec<String> = match &after_comma {
            // `Smith, John` holds the family name first; `John Smith, Jr.` holds a suffix.
            Some(rest) if !rest.is_empty() && !is_suffix(rest) => {
                name.family = before_comma.clone();
                rest.split_whitespace().map(str::to_string).collect()
            }
            Some(rest) => {
                if !rest.is_empty() {
                    name.suffix = Some(rest.clone());
                }
                before_comma
                    .split_whitespace()
                    .map(str::to_string)
                    .collect()
            }
            None => before_comma
                .split_whitespace()
                .map(str::to_string)
                .collect(),
        };

        if words.len() > 1 && is_title(&words[0]) {
            name.title = Some(words.remove(0));
        }
        let family_known = !name.family.is_empty();
        let min_words = if family_known { 1 } else { 2 };
        while words.len() > min_words && is_suffix(words.last().map(String::as_str).unwrap_or("")) {
            let s = words.pop().unwrap_or_default();
            name.suffix = Some(match name.suffix.take() {
                Some(later) => format!("{s} {later}"),
                None => s,
            });
        }

        if !family_known {
            name.family = if words.len() > 1 {
                words.pop().unwrap_or_default()
            } else {
                String::new()
            };
        }
        name.given = words.join(" ");
        if name.family.is_empty() && name.given.is_empty() {
            name.given = tidy;
        }
        name
    }

    /// Given and family name, without title or suffix, for lists and headings.
    pub fn display(&self) -> String {
        [self.given.as_str(), self.family.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The folded tokens of given and family name, space separated, for matching.
    pub fn match_key(&self) -> String {
        match_key(&self.display())
    }
}

fn bare(word: &str) -> String {
    word.trim_matches(|c: char| c == '.' || c == ',')
        .to_lowercase()
}

fn is_title(word: &str) -> bool {
    let b = bare(word);
    TITLES.iter().any(|t| t.trim_end_matches('.') == b)
}

fn is_suffix(word: &str) -> bool {
    let b = bare(word).replace('.', "");
    SUFFIXES.contains(&b.as_str())
}

/// The form to show: NFC, single spaces, and title case when the source had no case at all.
pub fn display_form(s: &str) -> String {
    let spaced: String = s
        .nfc()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let has_upper = spaced.chars().any(char::is_uppercase);
    let has_lower = spaced.chars().any(char::is_lowercase);
    if has_upper && has_lower {
        return spaced;
    }

    let mut out = String::with_capacity(spaced.len());
    let mut start_of_word = true;
    for c in spaced.chars() {
        if start_of_word {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start_of_word = !c.is_alphanumeric();
    }
    out
}

/// Folds one character's worth of text for matching: letters without a decomposition that
/// people nonetheless write without their stroke (ø, ł, æ...) are spelled out.
fn fold_char(c: char, out: &mut String) {
    match c {
        'ø' => out.push('o'),
        'æ' => out.push_str("ae"),
        'œ' => out.push_str("oe"),
        'ł' => out.push('l'),
        'đ' | 'ð' => out.push('d'),
        'þ' => out.push_str("th"),
        'ı' => out.push('i'),
        _ => out.push(c),
    }
}

/// Case-, accent- and width-insensitive tokens of `s`, in order. Apostrophes inside a word do
/// not split it (`O'Brien` is one token, `obrien`); every other non-alphanumeric does.
pub fn match_tokens(s: &str) -> Vec<String> {
    let compat: String = s.nfkc().collect();
    let folded = caseless::default_case_fold_str(&compat);
    let mut stripped = String::with_capacity(folded.len());
    for c in folded.nfd().filter(|c| !is_combining_mark(*c)) {
        fold_char(c, &mut stripped);
    }

    let mut tokens = Vec::new();
    let mut current = String::new();
    for c in stripped.chars() {
        if c.is_alphanumeric() {
            current.push(c);
        } else if matches!(c, '\'' | '\u{2019}' | '`') {
            continue;
        } else if !current.is_empty() {
            tokens.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// The match key of any name or company: its folded tokens joined by single spaces.
pub fn match_key(s: &str) -> String {
    match_tokens(s).join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accents_case_and_width_do_not_change_the_match_key() {
        let spellings = [
            "José García",
            "JOSE GARCIA",
            "jose garcia",
            "Ｊｏｓｅ Garcı́a",
        ];

        let keys: Vec<String> = spellings.iter().map(|s| match_key(s)).collect();

        for (s, k) in spellings.iter().zip(&keys) {
            assert_eq!(k, "jose garcia", "{s} is the same name for matching");
        }
    }

    #[test]
    fn sharp_s_and_stroked_letters_fold_to_what_people_type() {
        assert_eq!(
            match_key("Straße"),
            "strasse",
            "case folding spells ß as ss"
        );
        assert_eq!(
            match_key("Søren Łukasz"),
            "soren lukasz",
            "ø and ł have no decomposition"
        );
    }

    #[test]
    fn apostrophes_do_not_split_a_name() {
        assert_eq!(
            match_tokens("O'Brien"),
            vec!["obrien"],
            "a rep types obrien or o'brien"
        );
        assert_eq!(
            match_tokens("Smith-Jones"),
            vec!["smith", "jones"],
            "hyphens split"
        );
    }

    #[test]
    fn title_and_suffix_are_split_off() {
        let name = PersonName::parse("Dr. José A. García Jr.");

        assert_eq!(
            name.title.as_deref(),
            Some("Dr."),
            "the title is kept as written"
        );
        assert_eq!(
            name.suffix.as_deref(),
            Some("Jr."),
            "the suffix is kept as written"
        );
        assert_eq!(
            name.given, "José A.",
            "middle initial belongs to the given names"
        );
        assert_eq!(
            name.family, "García",
            "the last remaining word is the family name"
        );
        assert_eq!(
            name.match_key(),
            "jose a garcia",
            "title and suffix never match"
        );
    }

    #[test]
    fn family_first_with_comma_is_understood() {
        let name = PersonName::parse("SMITH, JOHN");

        assert_eq!(name.family, "Smith", "before the comma is the family name");
        assert_eq!(name.given, "John", "after the comma are the given names");
    }

    #[test]
    fn comma_before_a_suffix_is_not_family_first() {
        let name = PersonName::parse("John Smith, III");

        assert_eq!(name.family, "Smith", "III is a suffix, not a given name");
        assert_eq!(name.suffix.as_deref(), Some("III"), "the suffix is kept");
    }

    #[test]
    fn a_single_word_is_never_taken_for_a_title() {
        let name = PersonName::parse("Miss");

        assert_eq!(name.title, None, "a one-word name stays the name");
        assert_eq!(name.display(), "Miss", "nothing is lost");
    }

    #[test]
    fn shouted_names_are_title_cased_for_display_mixed_case_is_kept() {
        assert_eq!(
            display_form("MARY O'BRIEN-SMITH"),
            "Mary O'Brien-Smith",
            "shouted"
        );
        assert_eq!(
            display_form("  DeShawn   McDonald "),
            "DeShawn McDonald",
            "as written"
        );
    }

    proptest! {
        #[test]
        fn match_key_is_idempotent(s in "\\PC{0,40}") {
            let once = match_key(&s);

            prop_assert_eq!(match_key(&once), once.clone(), "folding twice changes nothing");
        }

        #[test]
        fn parsing_never_loses_the_letters(s in "[A-Za-zÀ-ÿ' .,-]{0,40}") {
            let name = PersonName::parse(&s);
            let all = format!(
                "{} {} {} {}",
                name.title.clone().unwrap_or_default(), name.given, name.family,
                name.suffix.clone().unwrap_or_default()
            );

            prop_assert_eq!(
                match_tokens(&all).concat().len(), match_tokens(&s).concat().len(),
                "every letter of the input lands in some part"
            );
        }
    }
}
