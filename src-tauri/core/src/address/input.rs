//! Reading what was typed: free text (one line with commas, or several lines) or the
//! `key=value; key=value` shape web stores export, and recognizing a trailing country name.
//!
//! Nothing here applies a country's rules; it only splits the input into pieces the
//! country-specific code can read. It must never drop a piece silently.

use super::metadata;

/// One comma- or line-separated piece of free-text input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    pub text: String,
    /// True when this piece started a new line of the input (not merely a new comma piece).
    pub new_line: bool,
}

/// The address as separate fields, when the input named them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fields {
    pub attention: Option<String>,
    pub street_lines: Vec<String>,
    pub dependent_locality: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postcode: Option<String>,
    pub sorting_code: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RawInput {
    Fields(Fields),
    Segments(Vec<Segment>),
}

/// Why an input could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InputError(pub String);

/// Splits typed input into fields or segments.
pub(crate) fn read(text: &str) -> Result<RawInput, InputError> {
    if looks_like_fields(text) {
        return read_fields(text).map(RawInput::Fields);
    }
    let mut segments = Vec::new();
    for line in text.lines() {
        let mut first = true;
        for piece in line.split([',', ';']) {
            let piece = collapse_spaces(piece);
            if piece.is_empty() {
                continue;
            }
            segments.push(Segment {
                text: piece,
                new_line: first,
            });
            first = false;
        }
    }
    if segments.is_empty() {
        return Err(InputError("the address is empty".to_string()));
    }
    Ok(RawInput::Segments(segments))
}

/// Field input is `key=value` pieces separated by `;` or newlines, every piece with its `=`,
/// the first one naming a field Concord knows. Anything else is free text, so an `=` typed
/// inside an address never turns it into fields.
fn looks_like_fields(text: &str) -> bool {
    let mut pieces = field_pieces(text);
    let Some(first) = pieces.next() else {
        return false;
    };
    let first_known = first
        .split_once('=')
        .is_some_and(|(key, _)| field(&field_key(key)).is_some());
    first_known && pieces.all(|piece| piece.contains('='))
}

fn field_pieces(text: &str) -> impl Iterator<Item = &str> {
    text.split([';', '\n']).filter(|p| !p.trim().is_empty())
}

fn field_key(key: &str) -> String {
    key.trim().to_ascii_lowercase().replace(' ', "_")
}

#[derive(Clone, Copy)]
enum Field {
    Street,
    Attention,
    DependentLocality,
    City,
    Region,
    Postcode,
    SortingCode,
    Country,
}

fn field(key: &str) -> Option<Field> {
    Some(match key {
        "address_line_1" | "address_line_2" | "address_line_3" | "address1" | "address2"
        | "address3" | "line1" | "line2" | "line3" | "street" | "street_address" | "address"
        | "street_line_1" | "street_line_2" => Field::Street,
        "attention" | "attn" | "name" | "company" | "organization" | "care_of" => Field::Attention,
        "city_area" | "dependent_locality" | "district" | "neighborhood" | "suburb" => {
            Field::DependentLocality
        }
        "city" | "locality" | "town" | "post_town" => Field::City,
        "state" | "province" | "region" | "country_area" | "state_code" | "county" => Field::Region,
        "postal_code" | "postcode" | "post_code" | "zip" | "zip_code" | "zipcode" => {
            Field::Postcode
        }
        "sorting_code" | "cedex" => Field::SortingCode,
        "country" | "country_code" => Field::Country,
        _ => return None,
    })
}

fn read_fields(text: &str) -> Result<Fields, InputError> {
    let mut fields = Fields::default();
    for pair in field_pieces(text) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(InputError(format!(
                "'{}' is not of the form key=value",
                pair.trim()
            )));
        };
        let key = field_key(key);
        let value = value.trim().to_string();
        if value.is_empty() {
            continue;
        }
        let Some(kind) = field(&key) else {
            return Err(InputError(format!(
                "unknown field '{key}' (known: address_line_1, address_line_2, city, state, \
                 postal_code, country, city_area, sorting_code, attention)"
            )));
        };
        match kind {
            Field::Street => fields
                .street_lines
                .extend(value.lines().map(collapse_spaces)),
            Field::Attention => fields.attention = Some(value),
            Field::DependentLocality => fields.dependent_locality = Some(value),
            Field::City => fields.city = Some(value),
            Field::Region => fields.region = Some(value),
            Field::Postcode => fields.postcode = Some(value),
            Field::SortingCode => fields.sorting_code = Some(value),
            Field::Country => fields.country = Some(value),
        }
    }
    fields.street_lines.retain(|l| !l.is_empty());
    Ok(fields)
}

pub(crate) fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Other ways people write country names; the English names come from the metadata.
// TODO(address): this list covers common English and local names of the countries Concord's
// customers ship to most; other local names are not recognized and need `--country`.
const COUNTRY_ALIASES: &[(&str, &str)] = &[
    ("USA", "US"),
    ("US", "US"),
    ("UNITED STATES OF AMERICA", "US"),
    ("UNITED STATES", "US"),
    ("UK", "GB"),
    ("GREAT BRITAIN", "GB"),
    ("ENGLAND", "GB"),
    ("SCOTLAND", "GB"),
    ("WALES", "GB"),
    ("NORTHERN IRELAND", "GB"),
    ("UAE", "AE"),
    ("DEUTSCHLAND", "DE"),
    ("HOLLAND", "NL"),
    ("NEDERLAND", "NL"),
    ("BRASIL", "BR"),
    ("MÉXICO", "MX"),
    ("ESPAÑA", "ES"),
    ("ITALIA", "IT"),
    ("ÖSTERREICH", "AT"),
    ("SCHWEIZ", "CH"),
    ("SUISSE", "CH"),
    ("BELGIË", "BE"),
    ("BELGIQUE", "BE"),
    ("SOUTH KOREA", "KR"),
    ("KOREA", "KR"),
    ("RUSSIA", "RU"),
    ("中国", "CN"),
    ("中华人民共和国", "CN"),
    ("日本", "JP"),
    ("대한민국", "KR"),
    ("香港", "HK"),
];

fn name_key(text: &str) -> String {
    let upper = text.to_uppercase().replace('.', "");
    let key = collapse_spaces(&upper);
    key.strip_prefix("THE ").map(str::to_string).unwrap_or(key)
}

/// The ISO code of the country this text names, if it names one.
pub(crate) fn country_by_name(text: &str) -> Option<&'static str> {
    let key = name_key(text);
    if key.is_empty() {
        return None;
    }
    if let Some((_, code)) = COUNTRY_ALIASES.iter().find(|(alias, _)| *alias == key) {
        return Some(code);
    }
    metadata::countries()
        .find(|c| name_key(&c.name) == key)
        .map(|c| c.code.as_str())
}

/// A country named at the end of the input, and the input without it.
pub(crate) fn split_trailing_country(segments: &[Segment]) -> Option<(&'static str, Vec<Segment>)> {
    let (last, rest) = segments.split_last()?;
    if let Some(code) = country_by_name(&last.text) {
        if !rest.is_empty() {
            return Some((code, rest.to_vec()));
        }
    }
    // "14 rue des Glycines 69003 Lyon France": the name ends the last piece.
    let words: Vec<&str> = last.text.split(' ').collect();
    for take in (1..=4.min(words.len().saturating_sub(1))).rev() {
        let tail = words[words.len() - take..].join(" ");
        if let Some(code) = country_by_name(&tail) {
            let mut out = rest.to_vec();
            out.push(Segment {
                text: words[..words.len() - take].join(" "),
                new_line: last.new_line,
            });
            return Some((code, out));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_and_newlines_split_the_input_and_newlines_are_remembered() {
        let input = "Flat 3, 27 Road\nBristol";

        let RawInput::Segments(segments) = read(input).unwrap() else {
            panic!("free text")
        };

        let flags: Vec<_> = segments
            .iter()
            .map(|s| (s.text.as_str(), s.new_line))
            .collect();
        assert_eq!(
            flags,
            [("Flat 3", true), ("27 Road", false), ("Bristol", true)],
            "a comma continues a line, a newline starts one"
        );
    }

    #[test]
    fn key_value_input_is_read_as_fields() {
        let input = "address_line_1=90 Heron Ridge Drive; address_line_2=Apt 4; city=Madison; \
                     state=Wisconsin; postal_code=53703";

        let RawInput::Fields(fields) = read(input).unwrap() else {
            panic!("fields")
        };

        assert_eq!(
            fields.street_lines,
            ["90 Heron Ridge Drive", "Apt 4"],
            "both street lines"
        );
        assert_eq!(
            fields.region.as_deref(),
            Some("Wisconsin"),
            "state kept as typed"
        );
    }

    #[test]
    fn an_unknown_field_name_is_refused_with_its_name() {
        let input = "street=1 Main St; flavour=vanilla";

        let error = read(input).unwrap_err();

        assert!(
            error.0.contains("flavour"),
            "the message must name the field: {}",
            error.0
        );
    }

    #[test]
    fn a_country_name_ending_the_last_line_is_recognized() {
        let RawInput::Segments(segments) = read("14 rue des Glycines 69003 Lyon France").unwrap()
        else {
            panic!("free text")
        };

        let (code, rest) = split_trailing_country(&segments).unwrap();

        assert_eq!(code, "FR", "France is the country");
        assert_eq!(
            rest[0].text, "14 rue des Glycines 69003 Lyon",
            "the rest is kept whole"
        );
    }
}
