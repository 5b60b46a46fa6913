//! A deterministic generator of synthetic customer records for the matching benchmark at
//! scale: two systems, most people in both, with the errors real data has (typing slips,
//! nicknames, missing values, day and month swapped, a moved postcode digit).
//!
//! The same seed always gives the same records. Names and places are invented from syllables
//! and short lists; none stands for a real person.

use concord_core::matching::{MatchRecord, SourceKey, SplitMix64};

const GIVEN: &[&str] = &[
    "james",
    "mary",
    "john",
    "patricia",
    "robert",
    "jennifer",
    "michael",
    "linda",
    "william",
    "elizabeth",
    "david",
    "barbara",
    "richard",
    "susan",
    "joseph",
    "jessica",
    "thomas",
    "sarah",
    "charles",
    "karen",
    "christopher",
    "nancy",
    "daniel",
    "lisa",
    "matthew",
    "betty",
    "anthony",
    "margaret",
    "mark",
    "sandra",
    "donald",
    "ashley",
    "steven",
    "kimberly",
    "paul",
    "emily",
    "andrew",
    "donna",
    "joshua",
    "michelle",
    "kenneth",
    "dorothy",
    "kevin",
    "carol",
    "brian",
    "amanda",
    "george",
    "melissa",
    "edward",
    "deborah",
    "ronald",
    "stephanie",
    "timothy",
    "rebecca",
    "jason",
    "sharon",
    "jeffrey",
    "laura",
    "ryan",
    "cynthia",
    "jacob",
    "kathleen",
    "gary",
    "amy",
    "nicholas",
    "shirley",
    "eric",
    "angela",
    "jonathan",
    "helen",
    "stephen",
    "anna",
    "larry",
    "brenda",
    "justin",
    "pamela",
    "scott",
    "nicole",
    "brandon",
    "emma",
    "benjamin",
    "samantha",
    "samuel",
    "katherine",
    "gregory",
    "christine",
    "frank",
    "debra",
    "alexander",
    "rachel",
    "raymond",
    "catherine",
    "patrick",
    "carolyn",
    "jack",
    "janet",
    "dennis",
    "ruth",
    "jerry",
    "maria",
    "tyler",
    "heather",
    "aaron",
    "diane",
    "jose",
    "virginia",
    "henry",
    "julie",
    "adam",
    "joyce",
    "douglas",
    "victoria",
    "nathan",
    "olivia",
    "peter",
    "kelly",
    "zachary",
    "christina",
    "kyle",
    "lauren",
    "noah",
    "joan",
    "ethan",
    "evelyn",
    "isabella",
    "mia",
    "lucas",
    "chloe",
    "liam",
    "zoe",
    "harley",
    "madeline",
    "mitchell",
];

const SYLLABLES: &[&str] = &[
    "an", "bel", "car", "dun", "el", "for", "gar", "hol", "in", "jen", "kel", "lan", "mor", "nor",
    "ol", "pem", "quin", "ros", "sten", "tor", "ul", "van", "wes", "yar", "zel", "ber", "cot",
    "dal", "fen", "gil", "har", "ken", "ley", "mac", "nell", "per", "ram", "sel", "ton", "wick",
    "by", "son", "ford", "ham", "ley", "ston", "well", "wood", "field", "man",
];

const STREETS: &[&str] = &[
    "stanley",
    "pinkerton",
    "wallaby",
    "hoseason",
    "gundulu",
    "light",
    "edkins",
    "lambrigg",
    "lyster",
    "kingsford",
    "victoria",
    "george",
    "elizabeth",
    "church",
    "high",
    "park",
    "station",
    "railway",
    "queen",
    "king",
    "william",
    "albert",
    "bridge",
    "hill",
    "river",
    "forest",
    "ocean",
    "banksia",
    "wattle",
    "acacia",
    "jacaranda",
    "waratah",
    "grevillea",
    "bottlebrush",
    "heath",
];

const STREET_TYPES: &[&str] = &[
    "street", "road", "avenue", "place", "crescent", "circuit", "drive", "court", "close",
];

const STATES: &[&str] = &["nsw", "vic", "qld", "wa", "sa", "tas", "act", "nt"];

const NICKNAMES: &[(&str, &str)] = &[
    ("william", "bill"),
    ("robert", "bob"),
    ("james", "jim"),
    ("elizabeth", "liz"),
    ("katherine", "kate"),
    ("richard", "rick"),
    ("michael", "mike"),
    ("thomas", "tom"),
    ("jennifer", "jenny"),
    ("margaret", "maggie"),
];

#[derive(Debug, Clone)]
struct Person {
    given: String,
    surname: String,
    number: u32,
    street: String,
    locality: String,
    postcode: String,
    state: &'static str,
    born: String,
    phone: Option<String>,
    email: Option<String>,
    tax_id: Option<String>,
}

/// `total` records: half in system `left`, half in `right`; about 80 % of the right records
/// are another entry of a left person, with errors. Returns the records and, for each right
/// record that has one, the ID of its left counterpart.
pub fn generate(total: usize, seed: u64) -> (Vec<MatchRecord>, Vec<(String, String)>) {
    let mut rng = SplitMix64::new(seed);
    let half = total / 2;
    let people: Vec<Person> = (0..half).map(|i| person(&mut rng, i)).collect();
    let mut records = Vec::with_capacity(total);
    let mut truth = Vec::new();
    for (i, p) in people.iter().enumerate() {
        records.push(record(p, "left", format!("l{i}")));
    }
    // Each left person appears at most once on the right: a system of record holding one
    // person twice is deduplication's case, not linkage's.
    let mut order: Vec<usize> = (0..half).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let mut next = order.into_iter();
    for i in 0..total - half {
        let id = format!("r{i}");
        let source = if rng.next_f64() < 0.8 {
            next.next()
        } else {
            None
        };
        match source {
            Some(source) => {
                let copy = corrupt(&mut rng, &people[source]);
                truth.push((format!("l{source}"), id.clone()));
                records.push(record(&copy, "right", id));
            }
            None => {
                let stranger = person(&mut rng, half + i);
                records.push(record(&stranger, "right", id));
            }
        }
    }
    (records, truth)
}

fn pick<'a>(rng: &mut SplitMix64, list: &[&'a str]) -> &'a str {
    // Squaring a uniform draw favours the start of the list, as real names are skewed.
    let x = rng.next_f64();
    list[((x * x) * list.len() as f64) as usize % list.len()]
}

fn invented(rng: &mut SplitMix64, parts: u64) -> String {
    (0..parts)
        .map(|_| SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize])
        .collect()
}

fn person(rng: &mut SplitMix64, n: usize) -> Person {
    let given = pick(rng, GIVEN).to_string();
    let parts = 2 + rng.below(2);
    let surname = invented(rng, parts);
    let locality_n = rng.below(4_000);
    // A locality's name depends on its number only, so its postcode always goes with it.
    let mut lrng = SplitMix64::new(locality_n);
    let parts = 2 + lrng.below(2);
    let locality = invented(&mut lrng, parts);
    let street = format!("{} {}", pick(rng, STREETS), pick(rng, STREET_TYPES));
    let born = format!(
        "{:04}{:02}{:02}",
        1930 + rng.below(76),
        1 + rng.below(12),
        1 + rng.below(28)
    );
    let phone = (rng.next_f64() < 0.6).then(|| format!("+614{:08}", rng.below(100_000_000)));
    let email = (rng.next_f64() < 0.5).then(|| {
        format!(
            "{given}.{surname}{}@mail{}.example",
            rng.below(100),
            rng.below(5)
        )
    });
    Person {
        given,
        surname,
        number: 1 + rng.below(300) as u32,
        street,
        locality,
        postcode: format!("{}", 2000 + locality_n),
        state: STATES[rng.below(STATES.len() as u64) as usize],
        born,
        phone,
        email,
        // Most customers never give a tax ID.
        tax_id: (rng.next_f64() < 0.3).then(|| format!("{:07}", n * 7 + 1_000_000)),
    }
}

fn typo(rng: &mut SplitMix64, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 2 {
        return s.to_string();
    }
    let i = rng.below(c.len() as u64 - 1) as usize;
    let letter = (b'a' + rng.below(26) as u8) as char;
    match rng.below(4) {
        0 => c[i] = letter,
        1 => {
            c.remove(i);
        }
        2 => c.insert(i, letter),
        _ => c.swap(i, i + 1),
    }
    c.into_iter().collect()
}

fn corrupt(rng: &mut SplitMix64, p: &Person) -> Person {
    let mut q = p.clone();
    let errors = rng.below(4);
    for _ in 0..errors {
        match rng.below(12) {
            0 => q.given = typo(rng, &q.given),
            10 => std::mem::swap(&mut q.given, &mut q.surname),
            11 => q.street = format!("{} {}", pick(rng, STREETS), pick(rng, STREET_TYPES)),
            1 => q.surname = typo(rng, &q.surname),
            2 => {
                if let Some((_, nick)) = NICKNAMES.iter().find(|(full, _)| *full == q.given) {
                    q.given = (*nick).to_string();
                }
            }
            3 => q.born = format!("{}{}{}", &q.born[..4], &q.born[6..8], &q.born[4..6]),
            4 => q.born = typo_digit(rng, &q.born),
            5 => q.postcode = typo_digit(rng, &q.postcode),
            6 => q.street = typo(rng, &q.street),
            7 => q.phone = None,
            8 => q.email = q.email.as_deref().map(|e| typo(rng, e)),
            _ => q.tax_id = q.tax_id.as_deref().map(|t| typo_digit(rng, t)),
        }
    }
    q
}

fn typo_digit(rng: &mut SplitMix64, s: &str) -> String {
    let mut b = s.as_bytes().to_vec();
    let i = rng.below(b.len() as u64) as usize;
    b[i] = b'0' + rng.below(10) as u8;
    String::from_utf8(b).unwrap_or_else(|_| s.to_string())
}

fn record(p: &Person, system: &str, id: String) -> MatchRecord {
    MatchRecord {
        key: SourceKey::new(system, id),
        given_name: Some(p.given.clone()),
        surname: Some(p.surname.clone()),
        birth_date: Some(p.born.clone()),
        phones: p.phone.iter().cloned().collect(),
        emails: p.email.iter().cloned().collect(),
        street_number: Some(p.number.to_string()),
        street: Some(p.street.clone()),
        locality: Some(p.locality.clone()),
        postcode: Some(p.postcode.clone()),
        region: Some(p.state.to_string()),
        tax_id: p.tax_id.clone(),
        ..MatchRecord::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_records() {
        let (a, ta) = generate(200, 42);
        let (b, tb) = generate(200, 42);

        assert_eq!(a, b, "a benchmark must be repeatable");
        assert_eq!(ta, tb, "and so must its truth");
    }

    #[test]
    fn most_right_records_have_a_left_counterpart() {
        let (records, truth) = generate(2_000, 1);

        assert_eq!(records.len(), 2_000, "the requested number of records");
        assert!(
            (700..900).contains(&truth.len()),
            "about 80 % of 1,000: {}",
            truth.len()
        );
    }
}
