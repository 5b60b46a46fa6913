//! Addresses outside the US postal system, laid out by each country's own convention: the line
//! format, uppercase fields, postcode pattern and state or province of Google's libaddressinput
//! metadata, plus the postcode spacing each postal operator prints.
//!
//! Street lines are kept as written (only uppercased where the country uppercases them); this
//! module never applies US abbreviations, and never drops a piece of the address without
//! saying so in the changes.

use super::input::{Fields, RawInput, Segment};
use super::metadata::{Country, Region};
use super::model::{Change, ChangeKind, Components, Standardized};
use super::postcode;

// TODO(address): only the first level of sub-regions (state, province) is checked against the
// postcode; cities and districts are recognized only where the format writes them run together
// (China, Taiwan), and a Latin-script address in such a country is not transliterated.

/// Format overrides where the postal operator's own guide differs from the metadata's layout.
/// Canada Post puts two spaces between the province and the postal code.
const FORMAT_OVERRIDES: &[(&str, &str)] = &[("CA", "%N%n%O%n%A%n%C %S  %Z")];

#[derive(Default)]
struct Work {
    fields: Fields,
    changes: Vec<Change>,
    review: Vec<String>,
    rejected: Option<String>,
    /// Region as resolved in the metadata.
    region: Option<&'static Region>,
}

pub(crate) fn standardize(
    country: &'static Country,
    raw: &RawInput,
    typed: &str,
    named_country: bool,
) -> Standardized {
    let latin = is_latin(typed);
    let fmt = choose_format(country, latin);
    let mut work = Work::default();
    match raw {
        RawInput::Fields(fields) => work.fields = fields.clone(),
        RawInput::Segments(segments) => parse_segments(country, &fmt, segments, &mut work),
    }

    resolve_region(country, latin, &mut work);
    finish_postcode(country, &mut work);
    if let Some(sorting) = work.fields.sorting_code.take() {
        if fmt.contains("%X") {
            work.fields.sorting_code = Some(sorting);
        } else {
            // The format has no place for it (French CEDEX): it stays after the city.
            let city = work.fields.city.get_or_insert_with(String::new);
            *city = format!("{city} {sorting}").trim().to_string();
        }
    }
    check_required(country, &mut work);

    let mut lines = render(country, &fmt, &work.fields);
    if !named_country {
        work.changes.push(Change::new(
            ChangeKind::CountryAdded,
            country.name.clone(),
            "",
        ));
    }
    lines.push(country.name.clone());

    let verdict = super::model::conclude(
        typed,
        work.rejected.take(),
        &work.review,
        &mut lines,
        &mut work.changes,
    );
    let fields = work.fields;
    Standardized {
        country: Some(country.code.clone()),
        components: Components {
            attention: fields.attention,
            street_lines: fields.street_lines,
            dependent_locality: fields.dependent_locality,
            city: fields.city,
            region: fields.region,
            postcode: fields.postcode,
            sorting_code: fields.sorting_code,
            ..Components::default()
        },
        lines,
        changes: work.changes,
        verdict,
    }
}

/// True when every letter is Latin; then the country's Latin-script format applies.
fn is_latin(text: &str) -> bool {
    text.chars()
        .filter(|c| c.is_alphabetic())
        .all(|c| (c as u32) < 0x0250)
}

fn choose_format(country: &Country, latin: bool) -> String {
    if let Some((_, fmt)) = FORMAT_OVERRIDES
        .iter()
        .find(|(code, _)| *code == country.code)
    {
        return fmt.to_string();
    }
    match (&country.lfmt, latin) {
        (Some(lfmt), true) => lfmt.clone(),
        _ => country.fmt.clone(),
    }
}

/// Position of a field in the format, to know which side of the postcode the city is on.
fn position(fmt: &str, field: char) -> Option<usize> {
    fmt.find(&format!("%{field}"))
}

fn parse_segments(country: &Country, fmt: &str, segments: &[Segment], work: &mut Work) {
    let mut segments: Vec<Segment> = segments.to_vec();
    let address_first = position(fmt, 'A') < position(fmt, 'C').or(position(fmt, 'S'));
    if address_first {
        parse_small_to_large(country, fmt, &mut segments, work);
    } else {
        parse_large_to_small(country, &mut segments, work);
    }
}

/// Finds the postcode: a run of one to three words matching the country's pattern, searched
/// from the end of the last two pieces. A match with words on the city's side of it (after it
/// in "%Z %C", before it in "%C %Z") is preferred to one without.
fn find_postcode(country: &Country, segments: &[Segment], city_after: bool) -> Option<Found> {
    let mut candidates = postcode_candidates(country, segments);
    // (the city's side of the postcode, the other side)
    let sides = |found: &Found| -> (String, String) {
        if city_after {
            (found.after.clone(), found.before.clone())
        } else {
            (found.before.clone(), found.after.clone())
        }
    };
    let has_words = |side: &str| side.chars().any(char::is_alphabetic);
    // Best: the city on its side and nothing on the other, as a standardized line is printed
    // ("114 55 STOCKHOLM"); then the city on its side; then the last match.
    let best = candidates
        .iter()
        .map(sides)
        .position(|(city, other)| has_words(&city) && other.is_empty())
        .or_else(|| {
            candidates
                .iter()
                .map(sides)
                .position(|(city, _)| has_words(&city))
        });
    match best {
        Some(i) => Some(candidates.swap_remove(i)),
        None => candidates.into_iter().next(),
    }
}

fn postcode_candidates(country: &Country, segments: &[Segment]) -> Vec<Found> {
    let mut found = Vec::new();
    let first_piece = segments.len().saturating_sub(2);
    for index in (first_piece..segments.len()).rev() {
        let words: Vec<&str> = segments[index].text.split(' ').collect();
        for end in (1..=words.len()).rev() {
            for size in 1..=3.min(end) {
                let start = end - size;
                let trimmed: Vec<&str> = words[start..end]
                    .iter()
                    .enumerate()
                    .map(|(i, w)| {
                        if i == 0 {
                            strip_postcode_prefix(country, w)
                        } else {
                            w
                        }
                    })
                    // Marks at the edges (a lone "-" too) are never part of a postcode.
                    .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
                    .collect();
                let candidate = trimmed.join(" ");
                if trimmed.iter().any(|w| w.is_empty())
                    || !candidate.chars().any(|c| c.is_ascii_digit())
                {
                    continue;
                }
                let matches = postcode::format(country, &candidate).is_some()
                    || postcode::format(country, &candidate.replace(' ', "")).is_some();
                if matches {
                    found.push(Found {
                        index,
                        before: words[..start].join(" "),
                        postcode: candidate,
                        after: words[end..].join(" "),
                    });
                }
            }
        }
    }
    found
}

/// Removes the literal some formats print before the postcode (`SE-`, `CH-`, `〒`), so a
/// standardized address reads back the same.
fn strip_postcode_prefix<'a>(country: &Country, word: &'a str) -> &'a str {
    let formats = [Some(country.fmt.as_str()), country.lfmt.as_deref()];
    for fmt in formats.into_iter().flatten() {
        let Some(at) = fmt.find("%Z") else { continue };
        let line_start = fmt[..at].rfind("%n").map_or(0, |i| i + 2);
        let literal = &fmt[line_start..at];
        let literal = literal.rsplit('%').next().unwrap_or(literal);
        let literal = if literal.len() < fmt[line_start..at].len() {
            // The literal after another field, e.g. the ", " of "%S, %Z": not a prefix.
            ""
        } else {
            literal
        };
        if !literal.trim().is_empty() {
            if let Some(rest) = word.strip_prefix(literal.trim()) {
                return rest;
            }
        }
    }
    word
}

/// A postcode in a run-together local-script address: the word itself, or the word without
/// the format's prefix literal.
fn postcode_word(country: &Country, word: &str) -> Option<String> {
    let word = strip_postcode_prefix(country, word).trim_matches(|c: char| !c.is_alphanumeric());
    if !word.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    postcode::format(country, word).map(|_| word.to_string())
}

/// Countries without postcodes: web stores often force one in; find a number typed where a
/// postcode would be, so it can be dropped and reported.
fn find_placeholder(segments: &[Segment]) -> Option<Found> {
    let index = segments.len().checked_sub(1)?;
    let words: Vec<&str> = segments[index].text.split(' ').collect();
    let last = words.last()?;
    let is_number = last.len() >= 3 && last.chars().all(|c| c.is_ascii_digit());
    is_number.then(|| Found {
        index,
        before: words[..words.len() - 1].join(" "),
        postcode: last.to_string(),
        after: String::new(),
    })
}

/// A postcode found in a piece of the address, with the text on either side of it.
struct Found {
    index: usize,
    before: String,
    postcode: String,
    after: String,
}

fn parse_small_to_large(
    country: &Country,
    fmt: &str,
    segments: &mut Vec<Segment>,
    work: &mut Work,
) {
    // The city's side of the postcode: after it in "%Z %C", before it in "%C %Z" and "%C%n%Z".
    let city_after_postcode = position(fmt, 'Z') < position(fmt, 'C');
    let mut city_from_postcode_piece = None;
    let mut postcode_piece = None;
    let found = if country.has_field('Z') {
        find_postcode(country, segments, city_after_postcode)
    } else {
        find_placeholder(segments)
    };
    if let Some(Found {
        index,
        before,
        postcode,
        after,
    }) = found
    {
        work.fields.postcode = Some(postcode);
        postcode_piece = Some(index);
        let (keep, city) = if city_after_postcode {
            (before, after)
        } else {
            (after, before)
        };
        if !city.is_empty() && country.has_field('C') {
            city_from_postcode_piece = Some(city);
            segments[index].text = keep;
        } else {
            segments[index].text = [keep, city]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
        }
    }

    if country.has_field('S') && !country.regions.is_empty() {
        take_region(
            country,
            segments,
            postcode_piece,
            &mut city_from_postcode_piece,
            work,
        );
    }
    segments.retain(|s| !s.text.is_empty());

    if country.has_field('C') {
        match city_from_postcode_piece {
            Some(city) => work.fields.city = Some(city),
            None => {
                if segments.len() >= 2 {
                    work.fields.city = segments.pop().map(|s| s.text);
                }
            }
        }
    }
    if country.has_field('D') && segments.len() >= 2 {
        let starts_with_digit = segments
            .last()
            .is_some_and(|s| s.text.starts_with(|c: char| c.is_ascii_digit()));
        if !starts_with_digit {
            work.fields.dependent_locality = segments.pop().map(|s| s.text);
        }
    }
    work.fields.street_lines = street_lines(segments);
}

/// Finds the state or province, by its code, name, Latin name or ISO code (the longest
/// spelling wins), at the end of: a piece after the postcode's piece, else the city text beside
/// the postcode, else one of the last two pieces.
fn take_region(
    country: &Country,
    segments: &mut [Segment],
    postcode_piece: Option<usize>,
    city_piece: &mut Option<String>,
    work: &mut Work,
) {
    let after_postcode = postcode_piece.map_or(segments.len(), |i| i + 1);
    for index in (after_postcode..segments.len()).rev() {
        if let Some((rest, typed)) = strip_region_suffix(country, &segments[index].text) {
            segments[index].text = rest;
            work.fields.region = Some(typed);
            return;
        }
    }
    let other_pieces = segments.iter().filter(|s| !s.text.is_empty()).count();
    if let Some(city) = city_piece.as_mut() {
        let found = strip_region_suffix(country, city)
            // "28013 Madrid": the city and the province share a name; keep the city.
            .filter(|(rest, _)| !rest.is_empty() || other_pieces >= 2);
        if let Some((rest, typed)) = found {
            *city = rest;
            work.fields.region = Some(typed);
            if city.is_empty() {
                *city_piece = None;
            }
            return;
        }
    }
    let candidates: Vec<usize> = (0..after_postcode.min(segments.len()))
        .rev()
        .filter(|&i| !segments[i].text.is_empty())
        .take(2)
        .collect();
    for index in candidates {
        if let Some((rest, typed)) = strip_region_suffix(country, &segments[index].text) {
            segments[index].text = rest;
            work.fields.region = Some(typed);
            return;
        }
    }
}

fn strip_region_suffix(country: &Country, text: &str) -> Option<(String, String)> {
    let folded = text.to_lowercase();
    let mut best: Option<(usize, String)> = None;
    for region in &country.regions {
        for spelling in region.spellings() {
            let spelling = spelling.to_lowercase();
            if spelling.is_empty() || !folded.ends_with(&spelling) {
                continue;
            }
            let start = folded.len() - spelling.len();
            let boundary = folded[..start]
                .chars()
                .next_back()
                .is_none_or(|c| c.is_whitespace() || matches!(c, '-' | ',' | '/'));
            if boundary && best.as_ref().is_none_or(|(s, _)| start < *s) {
                best = Some((start, text[start..].to_string()));
            }
        }
    }
    let (start, typed) = best?;
    let rest = text[..start].trim_end_matches(|c: char| c.is_whitespace() || c == '-' || c == ',');
    Some((rest.to_string(), typed))
}

/// For formats that start with the postcode and the province (Chinese, Taiwanese): the
/// province, the city and the district are written one after the other without spaces.
fn parse_large_to_small(country: &Country, segments: &mut Vec<Segment>, work: &mut Work) {
    if country.has_field('Z') {
        let found = segments.iter().enumerate().find_map(|(i, segment)| {
            let words: Vec<&str> = segment.text.split(' ').collect();
            words.iter().enumerate().find_map(|(w, word)| {
                postcode_word(country, word).map(|postcode| (i, w, postcode, words.clone()))
            })
        });
        if let Some((index, at, postcode, mut words)) = found {
            work.fields.postcode = Some(postcode);
            words.remove(at);
            segments[index].text = words.join(" ");
        }
    }
    segments.retain(|s| !s.text.is_empty());
    if let Some(first) = segments.first_mut() {
        let mut text = first.text.clone();
        if let Some((region, rest)) = prefix_region(&country.regions, &text) {
            work.fields.region = Some(region.key.clone());
            text = rest;
            if let Some((city, rest)) = prefix_region(&region.regions, &text) {
                work.fields.city = Some(city.key.clone());
                text = rest;
                if let Some((district, rest)) = prefix_region(&city.regions, &text) {
                    work.fields.dependent_locality = Some(district.key.clone());
                    text = rest;
                }
            } else if region.regions.is_empty() && country.fmt.contains("%S %C") {
                // Without city data the city is the next word, as the format spaces it.
                if let Some((city, rest)) = text.split_once(' ') {
                    work.fields.city = Some(city.to_string());
                    text = rest.to_string();
                }
            }
        }
        first.text = text.trim().to_string();
    }
    segments.retain(|s| !s.text.is_empty());
    work.fields.street_lines = street_lines(segments);
}

fn prefix_region<'a>(regions: &'a [Region], text: &str) -> Option<(&'a Region, String)> {
    let mut best: Option<(&Region, usize)> = None;
    for region in regions {
        for spelling in region.spellings() {
            // A Latin spelling must end at a word boundary: "ON" does not start "ONTARIO ST".
            let boundary = !spelling.is_ascii()
                || text
                    .get(spelling.len()..)
                    .and_then(|rest| rest.chars().next())
                    .is_none_or(|c| !c.is_alphanumeric());
            if !spelling.is_empty()
                && text.starts_with(spelling)
                && boundary
                && best.is_none_or(|(_, len)| spelling.len() > len)
            {
                best = Some((region, spelling.len()));
            }
        }
    }
    best.map(|(region, len)| (region, text[len..].trim_start().to_string()))
}

/// Groups the remaining pieces into street lines: a new input line starts a new street line,
/// and so does a piece that begins with a house number and a street name when something (a
/// flat, a building) comes before it on the same line.
fn street_lines(segments: &[Segment]) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for segment in segments {
        let thoroughfare = {
            let mut words = segment.text.split(' ');
            let number = words
                .next()
                .is_some_and(|w| w.starts_with(|c: char| c.is_ascii_digit()));
            let name = words
                .next()
                .is_some_and(|w| w.starts_with(char::is_alphabetic));
            number && name
        };
        match lines.last_mut() {
            Some(line) if !segment.new_line && !thoroughfare => {
                line.push_str(", ");
                line.push_str(&segment.text);
            }
            _ => lines.push(segment.text.clone()),
        }
    }
    lines
}

fn resolve_region(country: &'static Country, latin: bool, work: &mut Work) {
    let Some(typed) = work.fields.region.clone() else {
        return;
    };
    if country.regions.is_empty() {
        return;
    }
    let folded = typed.to_lowercase();
    let found = country
        .regions
        .iter()
        .find(|r| r.spellings().any(|s| s.to_lowercase() == folded));
    let Some(region) = found else {
        work.review.push(format!(
            "'{typed}' is not a state or province of {}",
            country.name
        ));
        return;
    };
    let standard = if latin && !is_latin(&region.key) {
        region
            .latin_name
            .clone()
            .unwrap_or_else(|| region.key.clone())
    } else {
        region.key.clone()
    };
    if standard != typed {
        work.changes
            .push(Change::new(ChangeKind::Region, typed, standard.clone()));
    }
    work.fields.region = Some(standard);
    work.region = Some(region);
}

fn finish_postcode(country: &Country, work: &mut Work) {
    let Some(typed) = work.fields.postcode.clone() else {
        return;
    };
    if !country.has_field('Z') {
        work.fields.postcode = None;
        if typed
            .chars()
            .all(|c| c == '0' || c.is_whitespace() || c == '-')
        {
            work.changes.push(Change::new(
                ChangeKind::PlaceholderPostcodeDropped,
                typed,
                "",
            ));
        } else {
            work.review.push(format!(
                "{} has no postcodes; '{typed}' was left out of the address",
                country.name
            ));
        }
        return;
    }
    let Some(formatted) = postcode::format(country, &typed) else {
        work.review.push(format!(
            "'{typed}' is not a valid postal code in {}",
            country.name
        ));
        return;
    };
    if formatted != typed {
        work.changes
            .push(Change::new(ChangeKind::Postcode, typed, formatted.clone()));
    }
    if let Some(region) = work.region {
        if !region.accepts_postcode(&formatted) {
            let owner = country
                .regions
                .iter()
                .find(|r| r.accepts_postcode(&formatted));
            let here = region.display_name();
            work.rejected = Some(match owner {
                Some(owner) => {
                    format!(
                        "postal code {formatted} is {}, not {here}",
                        owner.display_name()
                    )
                }
                None => format!("postal code {formatted} does not belong to {here}"),
            });
        }
    }
    work.fields.postcode = Some(formatted);
}

fn check_required(country: &Country, work: &mut Work) {
    let missing = |field: char, fields: &Fields| match field {
        'A' => fields.street_lines.is_empty(),
        'C' => fields.city.is_none(),
        'S' => fields.region.is_none(),
        'Z' => fields.postcode.is_none(),
        _ => false,
    };
    let names = [
        ('A', "street address"),
        ('C', "city"),
        ('S', "state or province"),
        ('Z', "postal code"),
    ];
    if let Some(city) = work
        .fields
        .city
        .as_deref()
        .filter(|c| !c.chars().any(char::is_alphabetic))
    {
        work.review
            .push(format!("the city '{city}' has no letters"));
    }
    for (field, name) in names {
        if country.requires(field) && missing(field, &work.fields) {
            work.review.push(format!("the {name} is missing"));
        }
    }
}

/// Lays the fields out line by line as the format says, uppercasing the fields the country
/// uppercases and dropping separators left dangling by empty fields.
fn render(country: &Country, fmt: &str, fields: &Fields) -> Vec<String> {
    let value = |field: char| -> Option<String> {
        let raw = match field {
            'C' => fields.city.clone(),
            'S' => fields.region.clone(),
            'Z' => fields.postcode.clone(),
            'D' => fields.dependent_locality.clone(),
            'X' => fields.sorting_code.clone(),
            _ => None,
        }?;
        Some(if country.uppercases(field) {
            raw.to_uppercase()
        } else {
            raw
        })
    };
    let mut lines = Vec::new();
    for template in fmt.split("%n") {
        if template.contains("%A") {
            for line in &fields.street_lines {
                let line = if country.uppercases('A') {
                    line.to_uppercase()
                } else {
                    line.clone()
                };
                lines.push(line);
            }
            continue;
        }
        // (literal before, field) pairs; a literal is printed only between two printed
        // fields, or when it opens the line (the 〒 of Japanese postcodes).
        let mut out = String::new();
        let mut literal = String::new();
        let mut first_literal = true;
        let mut chars = template.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                literal.push(c);
                continue;
            }
            let Some(field) = chars.next() else { break };
            if let Some(text) = value(field).filter(|t| !t.is_empty()) {
                if !out.is_empty() || first_literal {
                    out.push_str(&literal);
                }
                out.push_str(&text);
            }
            literal.clear();
            first_literal = false;
        }
        if !out.is_empty() {
            lines.push(out.trim().to_string());
        }
    }
    lines
}
