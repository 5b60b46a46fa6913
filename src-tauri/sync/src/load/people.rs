//! The people a load puts into the systems: FEBRL's dataset 4 (the same 5,000 people twice,
//! the second copy with the errors real data entry makes), with an email, a phone and orders
//! derived from each person's number.
//!
//! Everything is a function of the record number, so a load of N people is the same on every
//! machine and the truth is known without storing anything: person `rec-1070` in file `a` and
//! person `rec-1070` in file `b` are the same person. Emails and phones carry typing errors in
//! a fixed share of people, the way two systems fed by different forms disagree.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context as _};
use concord_core::matching::SplitMix64;

/// One FEBRL row, with FEBRL's missing values (a lone space) as `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FebrlRow {
    pub rec_id: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub street_number: Option<String>,
    pub address_1: Option<String>,
    pub address_2: Option<String>,
    pub suburb: Option<String>,
    pub postcode: Option<String>,
    /// Australian state as FEBRL writes it (`nsw`, `vic`, ...).
    pub state: Option<String>,
    pub date_of_birth: Option<String>,
}

impl FebrlRow {
    /// The street line: number and street, or whatever of the address exists.
    pub fn street(&self) -> Option<String> {
        let street = match (&self.street_number, &self.address_1) {
            (Some(n), Some(s)) => format!("{n} {s}"),
            (None, Some(s)) => s.clone(),
            (Some(n), None) => n.clone(),
            (None, None) => return None,
        };
        Some(street)
    }

    /// Given name and surname as one display name (FEBRL keeps both lower case).
    pub fn full_name(&self) -> String {
        [&self.given_name, &self.surname]
            .into_iter()
            .flatten()
            .map(|part| title_case(part))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// How a person's order reached the shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderChannel {
    Phone,
    Mail,
    Shop,
    Web,
}

impl OrderChannel {
    /// The text the ERP keeps in the sale's description, which Concord reads as the channel.
    pub fn erp_label(self) -> &'static str {
        match self {
            OrderChannel::Phone => "Phone",
            OrderChannel::Mail => "Mail",
            OrderChannel::Shop => "Shop",
            OrderChannel::Web => "Web",
        }
    }
}

/// One person as loaded: the web store's copy (dataset 4a), the ERP's copy (dataset 4b), and
/// the contact data and orders derived for each system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// FEBRL's record number, shared by both copies: the truth.
    pub number: u32,
    pub web: FebrlRow,
    pub erp: FebrlRow,
    /// The web store requires an email; it is always the person's real one.
    pub web_email: String,
    /// The ERP's copy: the same, mistyped, or missing.
    pub erp_email: Option<String>,
    pub web_phone: Option<String>,
    pub erp_phone: Option<String>,
    /// Orders the ERP took (phone, mail, shop).
    pub erp_orders: Vec<OrderChannel>,
    /// Orders placed in the web store.
    pub web_orders: usize,
}

/// Reads both halves of FEBRL dataset 4 from `folder` and returns the first `count` people
/// present in both, by record number, with their derived contact data.
pub fn febrl_people(folder: &Path, count: usize) -> anyhow::Result<Vec<Person>> {
    let web = read_rows(&folder.join("dataset4a.csv"))?;
    let erp = read_rows(&folder.join("dataset4b.csv"))?;
    let mut people = Vec::with_capacity(count);
    for (number, web_row) in web {
        if people.len() == count {
            break;
        }
        let Some(erp_row) = erp.get(&number) else {
            continue;
        };
        people.push(derive(number, web_row, erp_row.clone()));
    }
    if people.len() < count {
        bail!(
            "FEBRL dataset 4 in {} holds only {} people present in both files; asked for {count}",
            folder.display(),
            people.len()
        );
    }
    Ok(people)
}

/// Reads one FEBRL file into rows by record number. A second row with the same number keeps
/// the first (dataset 4 has one row per person per file).
pub fn read_rows(path: &Path) -> anyhow::Result<BTreeMap<u32, FebrlRow>> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot open the FEBRL file {}", path.display()))?;
    parse_rows(file).with_context(|| format!("in {}", path.display()))
}

fn parse_rows(input: impl std::io::Read) -> anyhow::Result<BTreeMap<u32, FebrlRow>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input);
    let headers: Vec<String> = reader
        .headers()
        .context("cannot read the header line")?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .with_context(|| format!("no column {name:?} in the header"))
    };
    let at = [
        column("rec_id")?,
        column("given_name")?,
        column("surname")?,
        column("street_number")?,
        column("address_1")?,
        column("address_2")?,
        column("suburb")?,
        column("postcode")?,
        column("state")?,
        column("date_of_birth")?,
    ];
    let mut rows = BTreeMap::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("line {}", line + 2))?;
        let value = |i: usize| {
            record
                .get(at[i])
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let rec_id = value(0).with_context(|| format!("line {}: no rec_id", line + 2))?;
        let number = record_number(&rec_id)
            .with_context(|| format!("line {}: rec_id {rec_id:?} has no number", line + 2))?;
        rows.entry(number).or_insert(FebrlRow {
            rec_id,
            given_name: value(1),
            surname: value(2),
            street_number: value(3),
            address_1: value(4),
            address_2: value(5),
            suburb: value(6),
            postcode: value(7),
            state: value(8),
            date_of_birth: value(9),
        });
    }
    Ok(rows)
}

/// `rec-1070-org` and `rec-1070-dup-0` are person 1070.
pub fn record_number(rec_id: &str) -> Option<u32> {
    rec_id.strip_prefix("rec-")?.split('-').next()?.parse().ok()
}

const EMAIL_DOMAINS: [&str; 5] = [
    "example.com",
    "example.net",
    "example.org",
    "mail.example",
    "post.example",
];

/// Derives the contact data and orders of person `number`. The shares: the ERP has the
/// email right for 75% of people, mistyped for 10%, missing for 15%; the web store has a
/// phone for 70%, the ERP for 85%, mistyped in one of them for 5%.
fn derive(number: u32, web: FebrlRow, erp: FebrlRow) -> Person {
    let mut rng = SplitMix64::new(0xfeb1_0000 ^ u64::from(number));
    let local = email_local_part(&web, number);
    let domain = EMAIL_DOMAINS[(rng.next_u64() % EMAIL_DOMAINS.len() as u64) as usize];
    let web_email = format!("{local}@{domain}");
    let erp_email = match rng.next_u64() % 100 {
        0..=74 => Some(web_email.clone()),
        75..=84 => Some(format!("{}@{domain}", mistype(&local, &mut rng))),
        _ => None,
    };

    // An Australian mobile: 04 then eight digits.
    let digits = format!("4{:08}", rng.next_u64() % 100_000_000);
    let typo_in_erp = rng.next_u64() % 100 < 5;
    let erp_digits = if typo_in_erp {
        mistype_digits(&digits, &mut rng)
    } else {
        digits.clone()
    };
    let web_phone = (rng.next_u64() % 100 < 70).then(|| international(&digits));
    let erp_phone = (rng.next_u64() % 100 < 85).then(|| national(&erp_digits, &mut rng));

    let channels = [OrderChannel::Phone, OrderChannel::Mail, OrderChannel::Shop];
    let erp_orders = (0..1 + rng.next_u64() % 3)
        .map(|_| channels[(rng.next_u64() % 3) as usize])
        .collect();
    let web_orders = if number % 4 == 0 { 2 } else { 1 };

    Person {
        number,
        web,
        erp,
        web_email,
        erp_email,
        web_phone,
        erp_phone,
        erp_orders,
        web_orders,
    }
}

/// `michaela.neumann1070`: letters of the web copy's names, and the number so two people of
/// the same name never share an email.
fn email_local_part(row: &FebrlRow, number: u32) -> String {
    let letters = |part: &Option<String>| -> String {
        part.as_deref()
            .unwrap_or("")
            .chars()
            .filter(char::is_ascii_alphabetic)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let (given, surname) = (letters(&row.given_name), letters(&row.surname));
    match (given.is_empty(), surname.is_empty()) {
        (false, false) => format!("{given}.{surname}{number}"),
        (false, true) => format!("{given}{number}"),
        (true, false) => format!("{surname}{number}"),
        (true, true) => format!("customer{number}"),
    }
}

/// One typing error: two neighbouring letters swapped, or one letter doubled.
fn mistype(text: &str, rng: &mut SplitMix64) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let letters: Vec<usize> = (0..chars.len().saturating_sub(1))
        .filter(|&i| chars[i].is_ascii_alphabetic() && chars[i + 1].is_ascii_alphabetic())
        .filter(|&i| chars[i] != chars[i + 1])
        .collect();
    if letters.is_empty() {
        chars.insert(0, 'x');
    } else {
        let at = letters[(rng.next_u64() % letters.len() as u64) as usize];
        if rng.next_u64() % 2 == 0 {
            chars.swap(at, at + 1);
        } else {
            chars.insert(at, chars[at]);
        }
    }
    chars.into_iter().collect()
}

/// Two neighbouring different digits swapped, after the leading 4.
fn mistype_digits(digits: &str, rng: &mut SplitMix64) -> String {
    let mut bytes = digits.as_bytes().to_vec();
    let swappable: Vec<usize> = (1..bytes.len() - 1)
        .filter(|&i| bytes[i] != bytes[i + 1])
        .collect();
    if swappable.is_empty() {
        // All the same digit: change the last one instead.
        let last = bytes.len() - 1;
        bytes[last] = if bytes[last] == b'9' {
            b'0'
        } else {
            bytes[last] + 1
        };
    } else {
        let at = swappable[(rng.next_u64() % swappable.len() as u64) as usize];
        bytes.swap(at, at + 1);
    }
    String::from_utf8(bytes).expect("digits stay ASCII")
}

/// `+61 412 345 678`, as a web checkout form writes it.
fn international(digits: &str) -> String {
    format!("+61 {} {} {}", &digits[..3], &digits[3..6], &digits[6..])
}

/// `0412 345 678` or `(04) 1234 5678`, as someone taking a call writes it.
fn national(digits: &str, rng: &mut SplitMix64) -> String {
    if rng.next_u64() % 3 == 0 {
        format!("(0{}) {} {}", &digits[..1], &digits[1..5], &digits[5..])
    } else {
        format!("0{} {} {}", &digits[..3], &digits[3..6], &digits[6..])
    }
}

fn title_case(word: &str) -> String {
    word.split(' ')
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "rec_id, given_name, surname, street_number, address_1, address_2, suburb, \
                     postcode, state, date_of_birth, soc_sec_id\n\
                     rec-1070-org, michaela, neumann, 8, stanley street, miami, winston hills, \
                     4223, nsw, 19151111, 5304218\n\
                     rec-7-org, ann, , , , , , 2000, , , \n";

    #[test]
    fn rows_keep_missing_values_as_none_and_are_keyed_by_number() {
        let rows = parse_rows(A.as_bytes()).unwrap();

        let michaela = &rows[&1070];
        assert_eq!(michaela.street().as_deref(), Some("8 stanley street"));
        assert_eq!(michaela.full_name(), "Michaela Neumann");
        let ann = &rows[&7];
        assert_eq!(ann.surname, None, "FEBRL's lone space is a missing value");
        assert_eq!(ann.street(), None);
    }

    #[test]
    fn record_numbers_are_read_from_both_halves() {
        assert_eq!(record_number("rec-1070-org"), Some(1070));
        assert_eq!(record_number("rec-1070-dup-0"), Some(1070));
        assert_eq!(record_number("1070"), None);
    }

    #[test]
    fn derivation_is_a_function_of_the_number() {
        let rows = parse_rows(A.as_bytes()).unwrap();
        let first = derive(1070, rows[&1070].clone(), rows[&1070].clone());
        let again = derive(1070, rows[&1070].clone(), rows[&1070].clone());

        assert_eq!(first, again);
        assert!(first.web_email.starts_with("michaela.neumann1070@"));
        assert!(
            !first.erp_orders.is_empty(),
            "every ERP customer has an order"
        );
    }

    #[test]
    fn the_shares_of_errors_are_near_what_they_claim() {
        let row = FebrlRow {
            given_name: Some("ann".into()),
            surname: Some("lee".into()),
            ..FebrlRow::default()
        };
        let people: Vec<Person> = (0..2000)
            .map(|n| derive(n, row.clone(), row.clone()))
            .collect();
        let share = |f: &dyn Fn(&Person) -> bool| {
            people.iter().filter(|p| f(p)).count() as f64 / people.len() as f64
        };

        let same_email = share(&|p| p.erp_email.as_deref() == Some(p.web_email.as_str()));
        let mistyped = share(&|p| p.erp_email.as_ref().is_some_and(|e| *e != p.web_email));
        let web_phone = share(&|p| p.web_phone.is_some());
        assert!((0.70..0.80).contains(&same_email), "{same_email}");
        assert!((0.07..0.13).contains(&mistyped), "{mistyped}");
        assert!((0.65..0.75).contains(&web_phone), "{web_phone}");
    }

    #[test]
    fn a_mistyped_phone_differs_by_one_swap_and_keeps_its_length() {
        let mut rng = SplitMix64::new(1);
        let typo = mistype_digits("412345678", &mut rng);

        assert_ne!(typo, "412345678");
        assert_eq!(typo.len(), 9);
        let differing = typo
            .bytes()
            .zip("412345678".bytes())
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(differing, 2, "a swap changes exactly two positions");
    }

    #[test]
    fn phone_formats_are_the_ones_people_write() {
        assert_eq!(international("412345678"), "+61 412 345 678");
        let mut rng = SplitMix64::new(3);
        let written = national("412345678", &mut rng);
        assert!(
            written == "0412 345 678" || written == "(04) 1234 5678",
            "{written}"
        );
    }
}
