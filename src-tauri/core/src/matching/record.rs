//! What the matcher compares: a source record's identity and the fields that identify a
//! person, and their prepared (normalized, pre-coded) form.
//!
//! Preparation is done once per record so that comparing millions of pairs never normalizes a
//! string twice. It must never drop a value silently: a value that cannot be read (a birth date
//! that is not a date) is kept as missing, which contributes no evidence either way.

use serde::{Deserialize, Serialize};

use super::phonetic::{nysiis, soundex};

/// One system's identity for a record: which system, and that system's ID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceKey {
    pub system: String,
    pub id: String,
}

impl SourceKey {
    pub fn new(system: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            system: system.into(),
            id: id.into(),
        }
    }
}

/// A source record as the matcher sees it. Every field is optional; phones and emails may hold
/// several values. Phones are expected in E.164 already; anything but digits and a leading `+`
/// is ignored here as a safety net, not as normalization.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MatchRecord {
    pub key: SourceKey,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    /// `YYYYMMDD` or `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub street_number: Option<String>,
    pub street: Option<String>,
    pub address_line2: Option<String>,
    pub locality: Option<String>,
    pub postcode: Option<String>,
    pub region: Option<String>,
    pub company: Option<String>,
    pub tax_id: Option<String>,
    /// IDs this record's system stores for the same customer in other systems (for example the
    /// web store's customer ID kept on an ERP party). These link deterministically.
    pub cross_refs: Vec<SourceKey>,
}

impl Default for SourceKey {
    fn default() -> Self {
        Self::new("", "")
    }
}

/// The fields compared between two records, in the order explanations list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    GivenName,
    Surname,
    BirthDate,
    Phone,
    Email,
    StreetNumber,
    Street,
    AddressLine2,
    Locality,
    Postcode,
    Region,
    Company,
    TaxId,
}

impl Field {
    pub const COUNT: usize = 13;
    pub const ALL: [Field; Field::COUNT] = [
        Field::GivenName,
        Field::Surname,
        Field::BirthDate,
        Field::Phone,
        Field::Email,
        Field::StreetNumber,
        Field::Street,
        Field::AddressLine2,
        Field::Locality,
        Field::Postcode,
        Field::Region,
        Field::Company,
        Field::TaxId,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Field::GivenName => "given_name",
            Field::Surname => "surname",
            Field::BirthDate => "birth_date",
            Field::Phone => "phone",
            Field::Email => "email",
            Field::StreetNumber => "street_number",
            Field::Street => "street",
            Field::AddressLine2 => "address_line2",
            Field::Locality => "locality",
            Field::Postcode => "postcode",
            Field::Region => "region",
            Field::Company => "company",
            Field::TaxId => "tax_id",
        }
    }

    /// Fields whose exact agreement is worth more for rare values than for common ones.
    pub fn has_term_frequency(self) -> bool {
        matches!(
            self,
            Field::GivenName | Field::Surname | Field::Postcode | Field::Locality
        )
    }
}

/// A record made ready for comparison: normalized values, phonetic codes, parsed birth date.
#[derive(Debug, Clone, Default)]
pub(crate) struct Prepared {
    /// Normalized single values, indexed by `Field::index`; phones and emails are joined with
    /// ", " here only for display, and compared from `phones` and `emails`.
    pub values: [Option<Box<str>>; Field::COUNT],
    pub phones: Vec<Box<str>>,
    pub emails: Vec<Box<str>>,
    pub given_nysiis: Box<str>,
    pub surname_nysiis: Box<str>,
    pub given_soundex: Box<str>,
    pub surname_soundex: Box<str>,
    /// The street with spaces removed, so "pridhamstreet" meets "pridham st".
    pub street_compact: Box<str>,
    pub birth: Option<[u8; 8]>,
    /// How many prepared records share this record's value of each term-frequency field.
    pub frequency: [u32; Field::COUNT],
}

impl Prepared {
    pub fn value(&self, field: Field) -> Option<&str> {
        self.values[field.index()].as_deref()
    }
}

pub(crate) fn prepare(record: &MatchRecord) -> Prepared {
    let mut values: [Option<Box<str>>; Field::COUNT] = Default::default();
    let given = record.given_name.as_deref().and_then(clean_name);
    let surname = record.surname.as_deref().and_then(clean_name);
    let street = record.street.as_deref().and_then(standard_street);
    let birth = record.birth_date.as_deref().and_then(parse_birth_date);
    let phones: Vec<Box<str>> = record
        .phones
        .iter()
        .filter_map(|p| clean_phone(p))
        .collect();
    let emails: Vec<Box<str>> = record
        .emails
        .iter()
        .filter_map(|e| clean_email(e))
        .collect();

    let prepared = Prepared {
        given_nysiis: given.as_deref().map(nysiis).unwrap_or_default().into(),
        surname_nysiis: surname.as_deref().map(nysiis).unwrap_or_default().into(),
        given_soundex: given.as_deref().map(soundex).unwrap_or_default().into(),
        surname_soundex: surname.as_deref().map(soundex).unwrap_or_default().into(),
        street_compact: street.as_deref().unwrap_or("").replace(' ', "").into(),
        birth,
        ..Prepared::default()
    };

    values[Field::GivenName.index()] = given.map(Into::into);
    values[Field::Surname.index()] = surname.map(Into::into);
    values[Field::BirthDate.index()] =
        birth.map(|d| String::from_utf8_lossy(&d).into_owned().into());
    values[Field::Phone.index()] = join(&phones);
    values[Field::Email.index()] = join(&emails);
    values[Field::StreetNumber.index()] = record
        .street_number
        .as_deref()
        .and_then(clean_token)
        .map(Into::into);
    values[Field::Street.index()] = street.map(Into::into);
    values[Field::AddressLine2.index()] = record
        .address_line2
        .as_deref()
        .and_then(clean_text)
        .map(Into::into);
    values[Field::Locality.index()] = record
        .locality
        .as_deref()
        .and_then(clean_text)
        .map(Into::into);
    values[Field::Postcode.index()] = record
        .postcode
        .as_deref()
        .and_then(clean_token)
        .map(Into::into);
    values[Field::Region.index()] = record
        .region
        .as_deref()
        .and_then(clean_text)
        .map(Into::into);
    values[Field::Company.index()] = record
        .company
        .as_deref()
        .and_then(clean_text)
        .map(Into::into);
    values[Field::TaxId.index()] = record
        .tax_id
        .as_deref()
        .and_then(clean_token)
        .map(Into::into);

    Prepared {
        values,
        phones,
        emails,
        ..prepared
    }
}

fn join(values: &[Box<str>]) -> Option<Box<str>> {
    (!values.is_empty()).then(|| values.join(", ").into())
}

/// Lower case, letters, digits and single spaces only.
fn clean_text(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    for word in raw
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    (!out.is_empty()).then_some(out)
}

fn clean_name(raw: &str) -> Option<String> {
    clean_text(raw)
}

/// An identifier-like value: letters and digits only, upper case, no separators.
fn clean_token(raw: &str) -> Option<String> {
    let out: String = raw
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    (!out.is_empty()).then_some(out)
}

fn clean_phone(raw: &str) -> Option<Box<str>> {
    let trimmed = raw.trim();
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 5 {
        return None;
    }
    let plus = if trimmed.starts_with('+') { "+" } else { "" };
    Some(format!("{plus}{digits}").into())
}

fn clean_email(raw: &str) -> Option<Box<str>> {
    let e = raw.trim().to_lowercase();
    (e.contains('@') && e.len() > 2).then(|| e.into())
}

/// Street type words written in their usual abbreviation, so "Stanley Street" meets
/// "stanley st". A small table of its own: matching only needs the words to agree.
const STREET_TYPES: &[(&str, &str)] = &[
    ("street", "st"),
    ("road", "rd"),
    ("avenue", "ave"),
    ("place", "pl"),
    ("crescent", "cres"),
    ("circuit", "cct"),
    ("drive", "dr"),
    ("court", "ct"),
    ("close", "cl"),
    ("lane", "ln"),
    ("parade", "pde"),
    ("terrace", "tce"),
    ("boulevard", "blvd"),
    ("highway", "hwy"),
    ("square", "sq"),
];

fn standard_street(raw: &str) -> Option<String> {
    let text = clean_text(raw)?;
    let words: Vec<&str> = text
        .split(' ')
        .map(|w| {
            STREET_TYPES
                .iter()
                .find(|(long, _)| *long == w)
                .map_or(w, |(_, short)| short)
        })
        .collect();
    Some(words.join(" "))
}

/// `YYYYMMDD` or `YYYY-MM-DD` (any separators) as eight ASCII digits; anything else is missing.
fn parse_birth_date(raw: &str) -> Option<[u8; 8]> {
    let digits: Vec<u8> = raw.bytes().filter(u8::is_ascii_digit).collect();
    <[u8; 8]>::try_from(digits.as_slice()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preparation_standardizes_street_types_and_case() {
        let record = MatchRecord {
            street: Some(" Stanley  Street".into()),
            ..MatchRecord::default()
        };

        let prepared = prepare(&record);

        assert_eq!(
            prepared.value(Field::Street),
            Some("stanley st"),
            "one spelling per street"
        );
        assert_eq!(
            &*prepared.street_compact, "stanleyst",
            "compact form ignores spaces"
        );
    }

    #[test]
    fn an_unreadable_birth_date_becomes_missing_not_an_error() {
        let record = MatchRecord {
            birth_date: Some("19xx0101".into()),
            ..MatchRecord::default()
        };

        let prepared = prepare(&record);

        assert!(
            prepared.birth.is_none(),
            "an unreadable date must give no evidence"
        );
    }
}
