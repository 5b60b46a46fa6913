//! United States addresses, standardized the way USPS Publication 28 describes: the delivery
//! line (house number, directionals, street name, suffix, secondary units, private mailbox; or
//! PO Box, rural route, highway contract route, military unit) and the last line (city, state,
//! ZIP or ZIP+4).
//!
//! The rules are general: a tokenizer, then a small parser for each kind of delivery line.
//! This module must never be used for an address outside the US postal system, and it never
//! guesses what only the USPS address file knows (which of two spellings a street really has);
//! those cases are left as typed.

// TODO(address): the city is not checked against the ZIP code and city names are not
// abbreviated to their USPS form; both need the USPS City State file, which is not shipped.
// TODO(address): street names that are pre-types in Spanish (CALLE, AVENIDA) or that begin
// with a suffix word (AVENUE OF THE AMERICAS) are kept as typed rather than parsed into parts.

mod tables;

use std::sync::LazyLock;

use regex::Regex;

use super::input::{Fields, RawInput};
use super::metadata::{self, Region};
use super::model::{Change, ChangeKind, Components, Standardized};

/// Codes the USPS treats as states of its own system even though ISO gives them a country code.
pub(crate) const US_POSTAL_COUNTRIES: &[&str] = &["US", "PR", "VI", "GU", "AS", "MP"];

type Tokens = Vec<String>;

static HOUSE_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9]+[A-Z]?(?:-[0-9A-Z]+)?$").expect("valid pattern"));
static FRACTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9]+/[0-9]+$").expect("valid pattern"));
static ZIP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:([0-9]{3,5})(?:-([0-9]{4}))?|([0-9]{5})([0-9]{4}))$").expect("valid pattern")
});

/// Everything collected while reading one address.
#[derive(Default)]
struct Work {
    components: Components,
    changes: Vec<Change>,
    review: Vec<String>,
    rejected: Option<String>,
    punctuation_removed: bool,
}

impl Work {
    fn change(&mut self, kind: ChangeKind, from: impl Into<String>, to: impl Into<String>) {
        self.changes.push(Change::new(kind, from, to));
    }

    fn review(&mut self, reason: impl Into<String>) {
        self.review.push(reason.into());
    }

    fn reject(&mut self, reason: impl Into<String>) {
        if self.rejected.is_none() {
            self.rejected = Some(reason.into());
        }
    }
}

/// Standardizes an address known to be in the US postal system. `country` is `US` or the ISO
/// code of a territory the USPS serves as a state (PR, VI, GU, AS, MP).
pub(crate) fn standardize(raw: &RawInput, country: &str, typed: &str) -> Standardized {
    let mut work = Work::default();

    let (mut segments, last_line) = match raw {
        RawInput::Fields(fields) => from_fields(fields, &mut work),
        RawInput::Segments(segments) => {
            let mut segments: Vec<Tokens> = segments
                .iter()
                .map(|s| tokenize(&s.text, &mut work))
                .collect();
            segments.retain(|t| !t.is_empty());
            let last_line = take_last_line(&mut segments, &mut work);
            (segments, last_line)
        }
    };
    let state = resolve_state(&last_line, country, &mut work);
    let military = last_line.city.as_deref().is_some_and(is_military_city)
        || state
            .as_ref()
            .is_some_and(|s| matches!(s.key.as_str(), "AA" | "AE" | "AP"));

    let delivery = read_delivery_segments(&mut segments, military, &mut work);
    let city = last_line.city.clone();
    let zip = format_zip(last_line.zip.as_deref(), state, &mut work);

    if work.punctuation_removed {
        work.changes.insert(
            0,
            Change::new(ChangeKind::Punctuation, "periods and marks", ""),
        );
    }
    match &city {
        None => work.review("the city is missing"),
        Some(c) if !c.chars().any(char::is_alphabetic) => {
            work.review(format!("the city '{c}' has no letters"))
        }
        Some(_) => {}
    }
    if let (Some(city), Some(state)) = (&city, state) {
        check_military_city(city, &state.key, &mut work);
    }

    let mut lines = Vec::new();
    if let Some(urbanization) = &work.components.urbanization {
        lines.push(urbanization.clone());
    }
    lines.extend(delivery);
    let last = [city.clone(), state.map(|s| s.key.clone()), zip.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !last.is_empty() {
        lines.push(last);
    }
    work.components.city = city;
    work.components.region = state.map(|s| s.key.clone());
    work.components.postcode = zip;

    let verdict = super::model::conclude(
        typed,
        work.rejected.take(),
        &work.review,
        &mut lines,
        &mut work.changes,
    );
    Standardized {
        country: Some(country.to_string()),
        components: work.components,
        lines,
        changes: work.changes,
        verdict,
    }
}

/// Uppercases and splits a piece of the address into words. Periods and other marks go
/// (Pub 28 keeps only the slash of fractions, the hyphen of house numbers and `#`).
fn tokenize(text: &str, work: &mut Work) -> Tokens {
    let upper = text.to_uppercase();
    let chars: Vec<char> = upper.chars().collect();
    let mut cleaned = String::with_capacity(upper.len());
    for (i, &c) in chars.iter().enumerate() {
        let digit_before = i > 0 && chars[i - 1].is_ascii_digit();
        let digit_after = chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        match c {
            c if c.is_alphanumeric() => cleaned.push(c),
            '/' | '-' => cleaned.push(c),
            '.' if digit_before && digit_after => cleaned.push(c),
            '#' | '&' | '@' => {
                cleaned.push(' ');
                cleaned.push(c);
                cleaned.push(' ');
            }
            '\'' | '\u{2019}' => work.punctuation_removed = true,
            c if c.is_whitespace() => cleaned.push(' '),
            _ => {
                work.punctuation_removed = true;
                cleaned.push(' ');
            }
        }
    }
    cleaned
        .split_whitespace()
        .filter_map(|t| {
            let trimmed = t.trim_matches(|c| c == '-' || c == '/');
            if trimmed.len() != t.len() {
                work.punctuation_removed = true;
            }
            (!trimmed.is_empty()).then(|| trimmed.to_string())
        })
        .collect()
}

struct LastLine {
    city: Option<String>,
    /// The state as typed (code or name), uppercased.
    state: Option<String>,
    zip: Option<String>,
}

fn from_fields(fields: &Fields, work: &mut Work) -> (Vec<Tokens>, LastLine) {
    if let Some(attention) = &fields.attention {
        let attention = tokenize(attention, work).join(" ");
        work.change(ChangeKind::AttentionMovedOut, attention.clone(), "");
        work.components.attention = Some(attention);
    }
    let mut segments: Vec<Tokens> = fields
        .street_lines
        .iter()
        .map(|l| tokenize(l, work))
        .collect();
    segments.retain(|t| !t.is_empty());
    let text = |v: &Option<String>, work: &mut Work| {
        v.as_ref()
            .map(|s| tokenize(s, work).join(" "))
            .filter(|s| !s.is_empty())
    };
    let last_line = LastLine {
        city: text(&fields.city, work),
        state: text(&fields.region, work),
        zip: fields
            .postcode
            .as_ref()
            .map(|z| z.split_whitespace().collect::<Vec<_>>().join("-")),
    };
    (segments, last_line)
}

/// Takes the city, state and ZIP off the end of the address.
fn take_last_line(segments: &mut Vec<Tokens>, work: &mut Work) -> LastLine {
    let mut last_line = LastLine {
        city: None,
        state: None,
        zip: None,
    };
    let Some(mut last) = segments.pop() else {
        return last_line;
    };

    let n = last.len();
    if n >= 2 && is_digits(&last[n - 2], 5) && is_digits(&last[n - 1], 4) {
        last_line.zip = Some(format!("{}-{}", last[n - 2], last[n - 1]));
        last.truncate(n - 2);
    } else if last.last().is_some_and(|t| ZIP.is_match(t)) {
        last_line.zip = last.pop();
    }
    if last.is_empty() {
        match segments.pop() {
            Some(previous) => last = previous,
            None => return last_line,
        }
    }

    for take in (1..=last.len().min(4)).rev() {
        let words = last[last.len() - take..].join(" ");
        if state_by_name(&words).is_some() && !(take == last.len() && segments.is_empty()) {
            last.truncate(last.len() - take);
            last_line.state = Some(words);
            break;
        }
    }
    if last_line.state.is_none() && last_line.zip.is_none() {
        segments.push(last);
        return last_line;
    }

    if !last.is_empty() && !segments.is_empty() {
        last_line.city = Some(last.join(" "));
    } else if !last.is_empty() {
        // One piece holds street and city: the city starts after the street's last known word.
        let end = street_end(&last);
        if end < last.len() && end > 0 {
            last_line.city = Some(last[end..].join(" "));
            last.truncate(end);
        } else {
            work.review("cannot tell where the street ends and the city begins");
        }
        segments.push(last);
    } else if segments.len() >= 2 {
        last_line.city = segments.pop().map(|s| s.join(" "));
    }
    last_line
}

/// Index just past the last word that can end a street: a suffix, a directional after it, or
/// a unit with its number.
fn street_end(tokens: &[String]) -> usize {
    let mut end = 0;
    let mut i = 1;
    while i < tokens.len() {
        let token = tokens[i].as_str();
        if tables::suffix(token).is_some() || (end == i && tables::directional(token).is_some()) {
            end = i + 1;
        } else if token == "#" || token == "PMB" || tables::unit_designator(token).is_some() {
            if tokens.get(i + 1).is_some_and(|t| is_unit_number(t)) {
                end = i + 2;
                i += 1;
            } else if tables::unit_designator(token).is_some_and(|u| u.stands_alone) {
                end = i + 1;
            }
        }
        i += 1;
    }
    end
}

fn state_by_name(words: &str) -> Option<&'static Region> {
    let us = metadata::country("US")?;
    us.regions
        .iter()
        .find(|r| r.key == words || r.name.as_deref().is_some_and(|n| n.to_uppercase() == words))
}

fn resolve_state(last_line: &LastLine, country: &str, work: &mut Work) -> Option<&'static Region> {
    let typed = match (&last_line.state, country) {
        (Some(typed), _) => typed.clone(),
        (None, "US") => {
            work.review("the state is missing");
            return None;
        }
        (None, territory) => territory.to_string(),
    };
    match state_by_name(&typed) {
        Some(region) => {
            if region.key != typed {
                work.change(ChangeKind::State, typed, region.key.clone());
            }
            Some(region)
        }
        None => {
            work.review(format!("'{typed}' is not a US state"));
            None
        }
    }
}

fn is_military_city(city: &str) -> bool {
    matches!(city, "APO" | "FPO" | "DPO")
}

fn check_military_city(city: &str, state: &str, work: &mut Work) {
    let military_state = matches!(state, "AA" | "AE" | "AP");
    if is_military_city(city) != military_state {
        work.review(format!(
            "military addresses pair APO, FPO or DPO with AA, AE or AP; found {city} {state}"
        ));
    }
}

/// Formats the ZIP code: ZIP+4 with its hyphen, and a ZIP that lost its leading zeros padded
/// back, but only when the state's ZIP prefixes show the padded code belongs to that state.
fn format_zip(typed: Option<&str>, state: Option<&Region>, work: &mut Work) -> Option<String> {
    let Some(typed) = typed else {
        work.review("the ZIP code is missing");
        return None;
    };
    let Some(caps) = ZIP.captures(typed) else {
        work.review(format!("'{typed}' is not a ZIP code"));
        return Some(typed.to_string());
    };
    let (base, plus4) = match (caps.get(1), caps.get(3)) {
        (Some(base), _) => (base.as_str(), caps.get(2).map(|m| m.as_str())),
        (None, Some(base)) => (base.as_str(), caps.get(4).map(|m| m.as_str())),
        (None, None) => unreachable!("the pattern has two alternatives"),
    };
    let mut zip5 = base.to_string();
    if base.len() < 5 {
        let padded = format!("{base:0>5}");
        match state {
            Some(state) if state.accepts_postcode(&padded) => zip5 = padded,
            Some(state) => {
                work.review(format!(
                    "ZIP code {base} has only {} digits, and {} ZIP codes do not start with {}",
                    base.len(),
                    state.display_name(),
                    "0".repeat(5 - base.len())
                ));
                return Some(typed.to_string());
            }
            None => {
                work.review(format!("ZIP code {base} has only {} digits", base.len()));
                return Some(typed.to_string());
            }
        }
    }
    if let Some(state) = state {
        if !state.accepts_postcode(&zip5) {
            let owner = metadata::country("US")
                .and_then(|us| us.regions.iter().find(|r| r.accepts_postcode(&zip5)));
            work.reject(match owner {
                Some(owner) => format!(
                    "ZIP code {zip5} is {}, not {}",
                    owner.display_name(),
                    state.display_name()
                ),
                None => format!(
                    "ZIP code {zip5} does not belong to {}",
                    state.display_name()
                ),
            });
        }
    }
    let formatted = match plus4 {
        Some(plus4) => format!("{zip5}-{plus4}"),
        None => zip5,
    };
    if formatted != typed {
        work.change(ChangeKind::ZipCode, typed, formatted.clone());
    }
    Some(formatted)
}

fn is_digits(token: &str, len: usize) -> bool {
    token.len() == len && token.bytes().all(|b| b.is_ascii_digit())
}

fn is_digits_only(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit())
}

/// A unit number: digits with letters (`4B`, `12-A`) or a single letter. N, S, E and W alone
/// are read as directionals, so that `UNIT E` has one reading however often it is standardized.
fn is_unit_number(token: &str) -> bool {
    let has_digit = token.bytes().any(|b| b.is_ascii_digit());
    let single_letter = token.len() == 1
        && token.bytes().all(|b| b.is_ascii_uppercase())
        && !matches!(token, "N" | "S" | "E" | "W");
    let clean = token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    clean && (has_digit || single_letter)
}

/// How one piece (comma or line) of the address before the last line reads.
enum Piece {
    Attention(String),
    Urbanization(String),
    /// A piece holding only units (`APT 4B`); its words join the delivery line.
    Units(Tokens),
    BoxNumber(String),
    Intersection,
    Delivery(Tokens),
    Other(String),
}

fn classify(tokens: Tokens, military: bool, work: &mut Work) -> Piece {
    let first = tokens[0].as_str();
    let rest = || tokens[1..].join(" ");
    match first {
        "ATTN" | "ATTENTION" | "C/O" => return Piece::Attention(rest()),
        "CARE" if tokens.get(1).is_some_and(|t| t == "OF") => {
            return Piece::Attention(tokens[2..].join(" "))
        }
        "URB" | "URBANIZACION" | "URBANIZATION" if tokens.len() > 1 => {
            if first != "URB" {
                work.change(ChangeKind::UnitDesignator, first, "URB");
            }
            return Piece::Urbanization(format!("URB {}", rest()));
        }
        "BOX" if tokens.len() == 2 && is_unit_number(&tokens[1]) => {
            return Piece::BoxNumber(tokens[1].clone())
        }
        _ => {}
    }
    let starts_delivery = HOUSE_NUMBER.is_match(first)
        || po_box_prefix(&tokens).is_some()
        || route_prefix(&tokens).is_some()
        || matches!(first, "PSC" | "CMR" | "USS" | "USNS")
        || (military && first == "UNIT" && tokens.get(1).is_some_and(|t| is_digits_only(t)));
    if starts_delivery {
        return Piece::Delivery(tokens);
    }
    if parse_units(&tokens, &mut Work::default()).is_some() {
        return Piece::Units(tokens);
    }
    if tokens
        .iter()
        .any(|t| matches!(t.as_str(), "&" | "@" | "AND" | "AT"))
        || tokens.windows(2).any(|w| w[0] == "CORNER" && w[1] == "OF")
    {
        return Piece::Intersection;
    }
    Piece::Other(tokens.join(" "))
}

/// Reads every piece before the last line and returns the standardized delivery line.
fn read_delivery_segments(
    segments: &mut Vec<Tokens>,
    military: bool,
    work: &mut Work,
) -> Vec<String> {
    let mut delivery: Option<Tokens> = None;
    let mut unit_words: Tokens = Vec::new();
    let mut box_number: Option<String> = None;
    let mut others: Vec<String> = Vec::new();
    let mut extra_lines: Vec<String> = Vec::new();

    for tokens in segments.drain(..) {
        match classify(tokens, military, work) {
            Piece::Attention(text) => {
                work.change(ChangeKind::AttentionMovedOut, text.clone(), "");
                work.components.attention = Some(text);
            }
            Piece::Urbanization(text) => work.components.urbanization = Some(text),
            Piece::Units(mut words) => unit_words.append(&mut words),
            Piece::BoxNumber(number) => box_number = Some(number),
            Piece::Intersection => {
                work.reject("intersection is not a deliverable address");
            }
            Piece::Delivery(tokens) => {
                if delivery.is_some() {
                    work.review(format!("two delivery lines; kept '{}'", tokens.join(" ")));
                    extra_lines.push(tokens.join(" "));
                } else {
                    delivery = Some(tokens);
                }
            }
            Piece::Other(text) => others.push(text),
        }
    }

    let Some(tokens) = delivery else {
        if work.rejected.is_none() {
            work.review(
                "no delivery line: a house number and street, PO Box, route or military unit",
            );
        }
        let mut kept = others;
        if let Some(number) = box_number {
            kept.push(format!("BOX {number}"));
        }
        if !unit_words.is_empty() {
            kept.push(unit_words.join(" "));
        }
        return if kept.is_empty() {
            Vec::new()
        } else {
            vec![kept.join(" ")]
        };
    };
    for other in others {
        if work.components.building.is_none() && work.components.attention.is_none() {
            work.change(ChangeKind::BuildingMovedOut, other.clone(), "");
            work.components.building = Some(other);
        } else {
            work.change(ChangeKind::BuildingMovedOut, other.clone(), "");
            let building = work.components.building.get_or_insert_with(String::new);
            if !building.is_empty() {
                building.push_str(", ");
            }
            building.push_str(&other);
        }
    }
    // Units written in a piece of their own belong on the delivery line (Pub 28), and are read
    // as part of it, so `UNIT, # 12` reads the same as `UNIT # 12`.
    let mut tokens = tokens;
    tokens.append(&mut unit_words);
    let line = parse_delivery(&tokens, military, box_number, work);
    let mut parts = vec![line];
    let pmb = work.components.private_mailbox.clone();
    let mut units = work.components.secondary.clone();
    if let Some(pmb) = pmb {
        units.push(format!("PMB {pmb}"));
    }
    parts.extend(units);
    let mut lines = vec![parts.join(" ")];
    lines.append(&mut extra_lines);
    lines
}

/// Length of a PO Box prefix (`PO BOX`, `P O BOX`, `POST OFFICE BOX`, `POB`) and how it was
/// written.
fn po_box_prefix(tokens: &[String]) -> Option<(usize, String)> {
    const FORMS: &[&[&str]] = &[
        &["PO", "BOX"],
        &["P", "O", "BOX"],
        &["POST", "OFFICE", "BOX"],
        &["POST", "BOX"],
        &["POB"],
        &["POBOX"],
        &["BOX"],
    ];
    prefix_of(tokens, FORMS)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RouteKind {
    Rural,
    HighwayContract,
}

fn route_prefix(tokens: &[String]) -> Option<(usize, String, RouteKind)> {
    const RURAL: &[&[&str]] = &[
        &["RR"],
        &["R", "R"],
        &["RURAL", "ROUTE"],
        &["RURAL", "RTE"],
        &["RURAL", "RT"],
        &["RFD"],
        &["R", "F", "D"],
    ];
    const CONTRACT: &[&[&str]] = &[
        &["HC"],
        &["H", "C"],
        &["HIGHWAY", "CONTRACT"],
        &["HWY", "CONTRACT"],
        &["STAR", "ROUTE"],
        &["STAR", "RTE"],
    ];
    let route_number = |n: usize| tokens.get(n).is_some_and(|t| is_unit_number(t));
    if let Some((n, typed)) = prefix_of(tokens, RURAL).filter(|(n, _)| route_number(*n)) {
        return Some((n, typed, RouteKind::Rural));
    }
    prefix_of(tokens, CONTRACT)
        .filter(|(n, _)| route_number(*n))
        .map(|(n, typed)| (n, typed, RouteKind::HighwayContract))
}

fn prefix_of(tokens: &[String], forms: &[&[&str]]) -> Option<(usize, String)> {
    forms.iter().find_map(|form| {
        let matches = tokens.len() >= form.len() && form.iter().zip(tokens).all(|(f, t)| f == t);
        matches.then(|| (form.len(), form.join(" ")))
    })
}

fn parse_delivery(
    tokens: &[String],
    military: bool,
    separate_box: Option<String>,
    work: &mut Work,
) -> String {
    if let Some((n, typed)) = po_box_prefix(tokens) {
        return parse_po_box(&tokens[n..], typed, work);
    }
    if let Some((n, typed, kind)) = route_prefix(tokens) {
        return parse_route(&tokens[n..], typed, kind, separate_box, work);
    }
    let first = tokens[0].as_str();
    let military_unit = military && tokens.get(1).is_some_and(|t| is_digits_only(t));
    if matches!(first, "PSC" | "CMR") || (military_unit && first == "UNIT") {
        return parse_military_unit(tokens, separate_box, work);
    }
    if matches!(first, "USS" | "USNS") {
        let ship = tokens.join(" ");
        work.components.military_unit = Some(ship.clone());
        return ship;
    }
    parse_street_address(tokens, work)
}

fn parse_po_box(rest: &[String], typed: String, work: &mut Work) -> String {
    let Some(number) = rest.first().filter(|t| is_unit_number(t)) else {
        work.review("a PO Box needs its number");
        return format!("PO BOX {}", rest.join(" ")).trim().to_string();
    };
    if typed != "PO BOX" {
        work.change(ChangeKind::PoBox, typed, "PO BOX");
    }
    work.components.po_box = Some(number.clone());
    let line = format!("PO BOX {number}");
    append_leftovers(line, &rest[1..], work)
}

fn parse_route(
    rest: &[String],
    typed: String,
    kind: RouteKind,
    separate_box: Option<String>,
    work: &mut Work,
) -> String {
    let (standard, change_kind) = match kind {
        RouteKind::Rural => ("RR", ChangeKind::RuralRoute),
        RouteKind::HighwayContract => ("HC", ChangeKind::HighwayContractRoute),
    };
    if typed != standard {
        work.change(change_kind, typed, standard);
    }
    let number = rest[0].clone();
    work.components.route = Some(format!("{standard} {number}"));
    let (box_number, used) = read_box(&rest[1..], separate_box);
    let mut line = format!("{standard} {number}");
    match &box_number {
        Some(b) => line.push_str(&format!(" BOX {b}")),
        None => work.review(format!("{standard} {number} needs a box number")),
    }
    work.components.box_number = box_number;
    append_leftovers(line, &rest[1 + used..], work)
}

/// Reads `BOX n` (or `# n`) after a route or unit number; returns the number and the number
/// of tokens used.
fn read_box(rest: &[String], separate_box: Option<String>) -> (Option<String>, usize) {
    match rest {
        [word, number, ..] if (word == "BOX" || word == "#") && is_unit_number(number) => {
            (Some(number.clone()), 2)
        }
        _ => (separate_box, 0),
    }
}

fn parse_military_unit(tokens: &[String], separate_box: Option<String>, work: &mut Work) -> String {
    let kind = tokens[0].clone();
    let Some(number) = tokens.get(1).filter(|t| is_unit_number(t)) else {
        work.review(format!("{kind} needs its number"));
        return tokens.join(" ");
    };
    work.components.military_unit = Some(format!("{kind} {number}"));
    let (box_number, used) = read_box(&tokens[2..], separate_box);
    let mut line = format!("{kind} {number}");
    if let Some(b) = &box_number {
        line.push_str(&format!(" BOX {b}"));
    }
    work.components.box_number = box_number;
    append_leftovers(line, &tokens[2 + used..], work)
}

/// Words nobody could read stay in the line, so nothing typed is lost, and a person looks.
fn append_leftovers(mut line: String, leftovers: &[String], work: &mut Work) -> String {
    if leftovers.is_empty() {
        return line;
    }
    let mut scratch = Work::default();
    if let Some((units, pmb)) = parse_units(leftovers, &mut scratch) {
        work.changes.append(&mut scratch.changes);
        work.components.secondary.extend(units);
        work.components.private_mailbox = work.components.private_mailbox.take().or(pmb);
        return line;
    }
    let extra = leftovers.join(" ");
    work.review(format!("could not read '{extra}' in the delivery line"));
    line.push(' ');
    line.push_str(&extra);
    line
}

/// Reads a run of secondary units and a private mailbox: `STE 110 PMB 3302`, `# 12`, `REAR`.
/// Returns `None` unless every word is used.
fn parse_units(tokens: &[String], work: &mut Work) -> Option<(Vec<String>, Option<String>)> {
    let mut units = Vec::new();
    let mut pmb = None;
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i].as_str();
        // `APT # 4` is APT 4; after a designator that stands alone, `#` starts its own unit.
        let number_at = |j: usize, skip_hash: bool| {
            let j = if skip_hash && tokens.get(j).is_some_and(|t| t == "#") {
                j + 1
            } else {
                j
            };
            tokens
                .get(j)
                .filter(|t| is_unit_number(t))
                .map(|t| (j, t.clone()))
        };
        if token == "PMB" || (token == "PRIVATE" && tokens.get(i + 1)? == "MAILBOX") {
            let start = if token == "PMB" { i + 1 } else { i + 2 };
            let (j, number) = number_at(start, true)?;
            if token != "PMB" {
                work.change(ChangeKind::UnitDesignator, "PRIVATE MAILBOX", "PMB");
            }
            pmb = Some(number);
            i = j + 1;
        } else if token == "#" {
            let number = tokens.get(i + 1).filter(|t| is_unit_number(t))?;
            units.push(format!("# {number}"));
            i += 2;
        } else if let Some(designator) = tables::unit_designator(token) {
            let number = number_at(i + 1, !designator.stands_alone)
                // A letter after REAR or LOWER is more likely a directional than a unit.
                .filter(|(_, n)| !designator.stands_alone || n.bytes().any(|b| b.is_ascii_digit()));
            if let Some((j, number)) = number {
                units.push(format!("{} {number}", designator.standard));
                i = j + 1;
            } else if designator.stands_alone {
                units.push(designator.standard.to_string());
                i += 1;
            } else {
                return None;
            }
            if token != designator.standard {
                work.change(ChangeKind::UnitDesignator, token, designator.standard);
            }
        } else {
            return None;
        }
    }
    Some((units, pmb))
}

fn parse_street_address(tokens: &[String], work: &mut Work) -> String {
    let mut i = 0;
    let mut parts: Vec<String> = Vec::new();
    if HOUSE_NUMBER.is_match(&tokens[0]) {
        parts.push(tokens[0].clone());
        i = 1;
        if tokens.get(1).is_some_and(|t| FRACTION.is_match(t)) {
            parts.push(tokens[1].clone());
            i = 2;
        }
        work.components.primary_number = Some(parts.join(" "));
    } else {
        work.review("the delivery line has no house number");
    }

    let rest = &tokens[i..];
    // The street ends where the rest reads as secondary units and a private mailbox.
    let mut split = rest.len();
    let mut scratch = Work::default();
    let mut units = None;
    for start in 1..rest.len() {
        let mut attempt = Work::default();
        if let Some(found) = parse_units(&rest[start..], &mut attempt) {
            split = start;
            units = Some(found);
            scratch = attempt;
            break;
        }
    }
    let street = &rest[..split];
    if street.is_empty() {
        work.review("the delivery line has no street name");
    } else {
        parts.push(parse_street(street, work));
    }
    if let Some((found, pmb)) = units {
        work.changes.append(&mut scratch.changes);
        work.components.secondary.extend(found);
        work.components.private_mailbox = pmb;
    }
    parts.join(" ")
}

/// Predirectional, name, suffix, postdirectional. A directional or suffix word is only read
/// as one when a street name remains beside it: in `NORTH ST` the directional is the name.
fn parse_street(street: &[String], work: &mut Work) -> String {
    let mut lo = 0;
    let mut hi = street.len();

    let mut postdirectional = None;
    if hi >= 3 {
        if let Some(d) = tables::two_word_directional(&street[hi - 2], &street[hi - 1]) {
            postdirectional = Some((street[hi - 2..].join(" "), d));
            hi -= 2;
        }
    }
    if postdirectional.is_none() && hi >= 2 {
        if let Some(d) = tables::directional(&street[hi - 1]) {
            postdirectional = Some((street[hi - 1].clone(), d));
            hi -= 1;
        }
    }

    let mut suffix = None;
    if hi - lo >= 2 {
        if let Some(s) = tables::suffix(&street[hi - 1]) {
            suffix = Some((street[hi - 1].clone(), s));
            hi -= 1;
        }
    }

    let mut predirectional = None;
    if hi - lo >= 3 {
        if let Some(d) = tables::two_word_directional(&street[0], &street[1]) {
            predirectional = Some((street[..2].join(" "), d));
            lo = 2;
        }
    }
    if predirectional.is_none() && hi - lo >= 2 {
        if let Some(d) = tables::directional(&street[0]) {
            predirectional = Some((street[0].clone(), d));
            lo = 1;
        }
    }

    let name = ordinal_name(&street[lo..hi], work);
    let mut parts = Vec::new();
    if let Some((typed, standard)) = predirectional {
        if typed != standard {
            work.change(ChangeKind::Directional, typed, standard);
        }
        work.components.predirectional = Some(standard.to_string());
        parts.push(standard.to_string());
    }
    work.components.street_name = Some(name.clone());
    parts.push(name);
    if let Some((typed, standard)) = suffix {
        if typed != standard {
            work.change(ChangeKind::StreetSuffix, typed, standard);
        }
        work.components.suffix = Some(standard.to_string());
        parts.push(standard.to_string());
    }
    if let Some((typed, standard)) = postdirectional {
        if typed != standard {
            work.change(ChangeKind::Directional, typed, standard);
        }
        work.components.postdirectional = Some(standard.to_string());
        parts.push(standard.to_string());
    }
    parts.join(" ")
}

/// Numbered street names are written as numerals: FIFTH -> 5TH, TWENTY FIRST -> 21ST.
fn ordinal_name(words: &[String], work: &mut Work) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let word = words[i].as_str();
        let pair = words.get(i + 1).filter(|_| tables::is_tens_cardinal(word));
        let combined = pair.and_then(|next| tables::ordinal_value(&format!("{word}-{next}")));
        if let (Some(value), Some(next)) = (combined, pair) {
            let numeral = tables::ordinal_numeral(value);
            work.change(
                ChangeKind::OrdinalStreetName,
                format!("{word} {next}"),
                numeral.clone(),
            );
            out.push(numeral);
            i += 2;
            continue;
        }
        match tables::ordinal_value(word) {
            Some(value) => {
                let numeral = tables::ordinal_numeral(value);
                work.change(ChangeKind::OrdinalStreetName, word, numeral.clone());
                out.push(numeral);
            }
            None => out.push(word.to_string()),
        }
        i += 1;
    }
    out.join(" ")
}
