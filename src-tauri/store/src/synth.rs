//! A deterministic generator of realistic customers, for benchmarks and large fixtures.
//!
//! Customer `i` of seed `s` is always the same customer, whatever else was generated, so a
//! benchmark can regenerate the customers it queries instead of keeping them in memory.
//! Names, streets and cities mix US and international spellings (accents included); phones
//! are written the many ways systems write them; order numbers carry each system's prefix.
//! The data is invented: any likeness to real people is chance.

use concord_core::name::match_tokens;

use crate::graph::CustomerGraph;
use crate::table::account::{Account, CustomerType};
use crate::table::address::Address;
use crate::table::customer::Customer;
use crate::table::order::{Channel, Order};
use crate::table::source_record::SourceRecord;

/// SplitMix64: tiny, fast, and stable across versions (a dependency's generator could change
/// its output in an upgrade and silently change the benchmark's population).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const GIVEN: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Christopher",
    "Lisa",
    "Daniel",
    "Nancy",
    "Matthew",
    "Betty",
    "Anthony",
    "Margaret",
    "Mark",
    "Sandra",
    "Donald",
    "Ashley",
    "Steven",
    "Kimberly",
    "Paul",
    "Emily",
    "Andrew",
    "Donna",
    "Joshua",
    "Michelle",
    "Kenneth",
    "Carol",
    "Kevin",
    "Amanda",
    "Brian",
    "Dorothy",
    "George",
    "Melissa",
    "Timothy",
    "Deborah",
    "José",
    "María",
    "Zoë",
    "François",
    "Chloé",
    "Søren",
    "Björn",
    "Łukasz",
    "Małgorzata",
    "Jürgen",
    "Renée",
    "Hélène",
    "Ångström",
    "Siobhán",
    "Seán",
    "Aoife",
    "Niamh",
    "Wei",
    "Mei",
    "Hiroshi",
    "Yuki",
    "Priya",
    "Arjun",
    "Aisha",
    "Omar",
    "Fatima",
    "Mohammed",
    "Olumide",
    "Chidi",
    "Ngozi",
    "Kwame",
    "Thandiwe",
    "Mateo",
    "Sofía",
    "Valentina",
    "Santiago",
    "Camila",
    "Lucas",
    "Ana",
    "João",
    "Inês",
    "Giulia",
    "Lorenzo",
    "Francesca",
    "Dmitri",
    "Anastasia",
    "Katherine",
    "Catherine",
    "Kathryn",
    "Jon",
    "Jonathan",
    "Stephen",
    "Stefan",
    "Erik",
    "Eric",
    "Anne",
    "Ann",
    "Hannah",
    "Noah",
    "Liam",
    "Olivia",
    "Emma",
    "Ava",
    "Isabella",
    "Mia",
    "Ethan",
    "Mason",
    "Logan",
    "Harper",
    "Evelyn",
];

const FAMILY: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "García",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "Laurent",
    "Fournier",
    "Girard",
    "Bonnet",
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "O'Brien",
    "O'Connor",
    "McDonald",
    "MacLeod",
    "Murphy",
    "Kelly",
    "Sullivan",
    "Walsh",
    "Byrne",
    "Ryan",
    "Kowalski",
    "Nowak",
    "Wiśniewski",
    "Wójcik",
    "Jensen",
    "Nielsen",
    "Hansen",
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Van der Berg",
    "de Vries",
    "Janssen",
    "Bakker",
    "Visser",
    "Smit",
    "Sato",
    "Suzuki",
    "Takahashi",
    "Tanaka",
    "Watanabe",
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Kim",
    "Park",
    "Choi",
    "Patel",
    "Shah",
    "Singh",
    "Kumar",
    "Gupta",
    "Okafor",
    "Adeyemi",
    "Mensah",
    "Ndlovu",
    "Silva",
    "Santos",
    "Oliveira",
    "Pereira",
    "Costa",
    "Ivanov",
    "Petrov",
    "Smith-Jones",
    "Núñez",
    "Peña",
    "Ibáñez",
    "Castillo",
    "Vargas",
    "Morales",
    "Ortiz",
    "Gutiérrez",
    "Chávez",
    "Ramos",
];

const COMPANY_WORDS: &[&str] = &[
    "Hardware",
    "Supply",
    "Outfitters",
    "Bakery",
    "Florist",
    "Builders",
    "Consulting",
    "Design",
    "Garden",
    "Kitchen",
    "Coffee",
    "Books",
    "Tools",
    "Electric",
    "Plumbing",
    "Textiles",
    "Logistics",
    "Imports",
    "Traders",
    "Studio",
    "Café",
    "Brauerei",
    "Boulangerie",
    "Atelier",
];
const COMPANY_FORMS: &[&str] = &["LLC", "Inc.", "& Sons", "Co.", "GmbH", "Ltd", "SARL", "BV"];

const US_STREETS: &[&str] = &[
    "Main",
    "Oak",
    "Pine",
    "Maple",
    "Cedar",
    "Elm",
    "Washington",
    "Lake",
    "Hill",
    "Park",
    "Howard",
    "Market",
    "Mission",
    "Sunset",
    "Broadway",
    "Lincoln",
    "Jefferson",
    "Madison",
    "Highland",
    "Church",
    "Willow",
    "Spring",
    "Ridge",
    "River",
    "Valley",
    "Franklin",
    "1st",
    "2nd",
    "3rd",
    "5th",
    "Martin Luther King Jr",
];
const US_SUFFIXES: &[&str] = &[
    "St", "Street", "Ave", "Avenue", "Rd", "Blvd", "Dr", "Ln", "Ct",
];
/// City, state, the first ZIP of the city, and telephone area codes.
const US_CITIES: &[(&str, &str, u32, &[u16])] = &[
    ("San Francisco", "CA", 94102, &[415, 628]),
    ("Los Angeles", "CA", 90001, &[213, 310, 323]),
    ("New York", "NY", 10001, &[212, 646, 917]),
    ("Chicago", "IL", 60601, &[312, 773]),
    ("Houston", "TX", 77001, &[713, 832]),
    ("Phoenix", "AZ", 85001, &[602, 480]),
    ("Philadelphia", "PA", 19102, &[215, 267]),
    ("Seattle", "WA", 98101, &[206, 425]),
    ("Denver", "CO", 80202, &[303, 720]),
    ("Boston", "MA", 2108, &[617, 857]),
    ("Atlanta", "GA", 30301, &[404, 678]),
    ("Miami", "FL", 33101, &[305, 786]),
    ("Portland", "OR", 97201, &[503, 971]),
    ("Austin", "TX", 78701, &[512, 737]),
    ("Nashville", "TN", 37201, &[615, 629]),
    ("Minneapolis", "MN", 55401, &[612, 952]),
    ("Detroit", "MI", 48201, &[313, 248]),
    ("Newark", "NJ", 7102, &[973, 862]),
    ("San Juan", "PR", 901, &[787, 939]),
    ("Burlington", "VT", 5401, &[802]),
];

fn us_address(rng: &mut Rng, kind: &str) -> (Address, &'static [u16]) {
    let (city, state, zip, areas) = *rng.pick(US_CITIES);
    let line1 = format!(
        "{} {} {}",
        1 + rng.below(9899),
        rng.pick(US_STREETS),
        rng.pick(US_SUFFIXES)
    );
    let line2 = rng.chance(15).then(|| format!("Apt {}", 1 + rng.below(40)));
    let zip = zip + rng.below(40) as u32;
    let postcode = if rng.chance(20) {
        format!("{zip:05}-{:04}", rng.below(10_000))
    } else {
        format!("{zip:05}")
    };
    let a = Address {
        kind: kind.into(),
        line1,
        line2,
        city: Some(city.into()),
        region: Some(state.into()),
        postcode: Some(postcode),
        country: "US".into(),
        validation_status: "not_checked".into(),
        ..Address::default()
    };
    (a, areas)
}

fn letter(rng: &mut Rng) -> char {
    (b'A' + rng.below(26) as u8) as char
}

fn foreign_address(rng: &mut Rng, kind: &str) -> Address {
    let (line1, city, postcode, country) = match rng.below(6) {
        0 => {
            let area = rng.pick(&["SW", "SE", "N", "E", "W", "NW", "EC", "WC"]);
            let pc = format!(
                "{area}{} {}{}{}",
                1 + rng.below(19),
                rng.below(10),
                letter(rng),
                letter(rng)
            );
            let street = rng.pick(&[
                "High Street",
                "Church Road",
                "Station Road",
                "Victoria Road",
            ]);
            (
                format!("{} {street}", 1 + rng.below(200)),
                "London",
                pc,
                "GB",
            )
        }
        1 => {
            let street = rng.pick(&[
                "Hauptstraße",
                "Schillerstraße",
                "Gartenweg",
                "Bahnhofstraße",
            ]);
            let pc = format!("{:05}", 10115 + rng.below(4000));
            (
                format!("{street} {}", 1 + rng.below(120)),
                "Berlin",
                pc,
                "DE",
            )
        }
        2 => {
            let street = rng.pick(&["rue de la Paix", "avenue Victor Hugo", "rue Lafayette"]);
            let pc = format!("750{:02}", 1 + rng.below(20));
            (
                format!("{} {street}", 1 + rng.below(150)),
                "Paris",
                pc,
                "FR",
            )
        }
        3 => {
            let pc = format!(
                "{}{}{} {}{}{}",
                rng.pick(&['K', 'M', 'V', 'H']),
                rng.below(10),
                letter(rng),
                rng.below(10),
                letter(rng),
                rng.below(10)
            );
            let street = rng.pick(&["Queen St W", "Yonge St", "Rue Sainte-Catherine"]);
            (
                format!("{} {street}", 1 + rng.below(3000)),
                "Toronto",
                pc,
                "CA",
            )
        }
        4 => {
            let pc = format!("{} {}{}", 1011 + rng.below(90), letter(rng), letter(rng));
            let street = rng.pick(&["Keizersgracht", "Prinsengracht", "Damrak"]);
            (
                format!("{street} {}", 1 + rng.below(600)),
                "Amsterdam",
                pc,
                "NL",
            )
        }
        _ => {
            let pc = format!("{:03}-{:04}", 100 + rng.below(80), rng.below(10_000));
            (
                format!(
                    "{}-{}-{} Chiyoda",
                    1 + rng.below(9),
                    1 + rng.below(20),
                    1 + rng.below(30)
                ),
                "Tokyo",
                pc,
                "JP",
            )
        }
    };
    Address {
        kind: kind.into(),
        line1,
        city: Some(city.into()),
        postcode: Some(postcode),
        country: country.into(),
        validation_status: "not_checked".into(),
        ..Address::default()
    }
}

fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

/// A phone number as some system might have written it, in the country of the address.
fn phone(rng: &mut Rng, country: &str, areas: &[u16]) -> String {
    match country {
        "US" | "CA" => {
            let area = if country == "CA" {
                *rng.pick(&[416u16, 604, 514])
            } else {
                *rng.pick(areas)
            };
            let exchange = 200 + rng.below(800);
            let line = rng.below(10_000);
            match rng.below(6) {
                0 => format!("({area}) {exchange}-{line:04}"),
                1 => format!("{area}.{exchange}.{line:04}"),
                2 => format!("+1 {area}-{exchange}-{line:04}"),
                3 => format!("{area}{exchange}{line:04}"),
                4 => format!("+1 {area}-{exchange}-{line:04} x{}", 1 + rng.below(999)),
                _ => format!("1-{area}-{exchange}-{line:04}"),
            }
        }
        "GB" => {
            if rng.chance(50) {
                format!("020 7946 {}", digits(rng, 4))
            } else {
                format!("+44 20 7946 {}", digits(rng, 4))
            }
        }
        "DE" => {
            if rng.chance(50) {
                format!("030 {}", digits(rng, 8))
            } else {
                format!("+49 30 {}", digits(rng, 8))
            }
        }
        "FR" => format!(
            "01 {} {} {} {}",
            digits(rng, 2),
            digits(rng, 2),
            digits(rng, 2),
            digits(rng, 2)
        ),
        "NL" => format!("+31 20 {} {}", digits(rng, 3), digits(rng, 4)),
        _ => format!("03-{}-{}", digits(rng, 4), digits(rng, 4)),
    }
}

const DOMAINS: &[&str] = &[
    "example.com",
    "mail.example",
    "post.example.org",
    "shop.example",
    "inbox.example.net",
    "bücher.example",
    "correo.example.es",
    "web.example.de",
];

/// Generates customer `index` of a population.
#[derive(Debug, Clone, Copy)]
pub struct Synth {
    pub seed: u64,
    pub orders_per_customer: u64,
}

impl Synth {
    pub fn new(seed: u64, orders_per_customer: u64) -> Synth {
        Synth {
            seed,
            orders_per_customer,
        }
    }

    /// Customer `index`: always the same for the same seed.
    pub fn customer(&self, index: u64) -> CustomerGraph {
        let mut rng = Rng::new(self.seed ^ index.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        let given = *rng.pick(GIVEN);
        let family = *rng.pick(FAMILY);
        let full = if rng.chance(5) {
            format!(
                "{} {given} {family}",
                rng.pick(&["Dr.", "Mrs", "Mr.", "Ms"])
            )
        } else {
            format!("{given} {family}")
        };
        let at = format!(
            "20{:02}-{:02}-{:02}T10:00:00Z",
            19 + rng.below(7),
            1 + rng.below(12),
            1 + rng.below(28)
        );

        let mut account = Account::default();
        if rng.chance(25) {
            let owner = if rng.chance(50) {
                family.to_string()
            } else {
                rng.pick(GIVEN).to_string()
            };
            account.company = Some(format!(
                "{owner} {} {}",
                rng.pick(COMPANY_WORDS),
                rng.pick(COMPANY_FORMS)
            ));
            account.job_title = Some(rng.pick(&["Owner", "Buyer", "Office Manager"]).to_string());
        }
        account.customer_type = match rng.below(20) {
            0 | 1 => CustomerType::Wholesale,
            2 => {
                account.tax_certificate_number = Some(format!("EX-{}", digits(&mut rng, 7)));
                account.tax_certificate_expiry = Some("2027-12-31".into());
                CustomerType::TaxExempt
            }
            _ => CustomerType::Retail,
        };
        account.price_level = Some(rng.pick(&["retail", "A", "B", "C"]).to_string());

        let (mut first, areas) = if rng.chance(80) {
            us_address(&mut rng, "home")
        } else {
            (foreign_address(&mut rng, "home"), &[415u16][..])
        };
        first.is_default_billing = true;
        first.is_default_shipping = rng.chance(70);
        first.updated_at = at.clone();
        let mut addresses = vec![first];
        if rng.chance(30) {
            let (mut second, _) = us_address(&mut rng, "shipping");
            second.updated_at = at.clone();
            addresses.push(second);
        }

        let country = addresses[0].country.clone();
        let local = match_tokens(&format!("{given} {family}")).join(".");
        let mut emails = vec![(
            "home".to_string(),
            format!("{local}{index}@{}", rng.pick(DOMAINS)),
        )];
        if rng.chance(20) {
            emails.push((
                "work".into(),
                format!(
                    "{}{index}@{}",
                    match_tokens(family).concat(),
                    rng.pick(DOMAINS)
                ),
            ));
        }
        let mut phones = vec![("home".to_string(), phone(&mut rng, &country, areas))];
        if rng.chance(30) {
            phones.push(("mobile".into(), phone(&mut rng, &country, areas)));
        }

        let orders = (0..self.orders_per_customer)
            .map(|j| {
                self.order(
                    &mut rng,
                    index * self.orders_per_customer + j + 1,
                    &addresses,
                )
            })
            .collect();

        let web_id = format!("{}", index + 1);
        let source_records = vec![
            (
                SourceRecord {
                    id: 0,
                    system: "vendure".into(),
                    system_id: web_id.clone(),
                    version: Some(at.clone()),
                    raw_payload: serde_json::json!({
                        "id": web_id, "firstName": given, "lastName": family,
                        "emailAddress": emails[0].1, "phoneNumber": phones[0].1,
                    })
                    .to_string(),
                    normalized: serde_json::json!({ "name": full, "email": emails[0].1 }),
                    fetched_at: at.clone(),
                },
                "same email and phone".to_string(),
            ),
            (
                SourceRecord {
                    id: 0,
                    system: "tryton".into(),
                    system_id: format!("party-{}", index + 1),
                    version: Some(at.clone()),
                    raw_payload: serde_json::json!({
                        "id": index + 1, "name": full, "code": format!("C{:07}", index + 1),
                    })
                    .to_string(),
                    normalized: serde_json::json!({ "name": full }),
                    fetched_at: at.clone(),
                },
                "same email and phone".to_string(),
            ),
        ];

        CustomerGraph {
            customer: Customer::named(&full, &at),
            account,
            source_records,
            emails,
            phones,
            addresses,
            orders,
        }
    }

    fn order(&self, rng: &mut Rng, n: u64, addresses: &[Address]) -> Order {
        let (system, number, channel) = match rng.below(4) {
            0 => ("tryton", format!("SO{n:07}"), Channel::Phone),
            1 => (
                "tryton",
                format!("SO{n:07}"),
                *rng.pick(&[Channel::Mail, Channel::Store]),
            ),
            2 => ("vendure", format!("#{n}"), Channel::Web),
            _ => (
                "vendure",
                format!("WEB-{n:08}"),
                *rng.pick(&[Channel::Web, Channel::Marketplace]),
            ),
        };
        let line_count = 1 + rng.below(3);
        let mut subtotal = 0;
        let lines: Vec<serde_json::Value> = (0..line_count)
            .map(|_| {
                let quantity = 1 + rng.below(4) as i64;
                let unit = 199 + rng.below(20_000) as i64;
                subtotal += quantity * unit;
                let sku = format!("SKU-{}", rng.below(5000));
                serde_json::json!({ "sku": sku, "quantity": quantity, "unit_minor": unit })
            })
            .collect();
        let tax = subtotal * 8 / 100;
        let shipping = 500;
        let ship = rng.pick(addresses);
        let snapshot = serde_json::json!({
            "line1": ship.line1, "line2": ship.line2, "city": ship.city, "region": ship.region,
            "postcode": ship.postcode, "country": ship.country,
        });
        Order {
            id: 0,
            customer_id: 0,
            system: system.into(),
            system_order_id: number.clone(),
            number,
            channel,
            status: rng
                .pick(&["placed", "shipped", "delivered", "cancelled"])
                .to_string(),
            placed_at: format!(
                "20{:02}-{:02}-{:02}T{:02}:00:00Z",
                19 + rng.below(7),
                1 + rng.below(12),
                1 + rng.below(28),
                rng.below(24)
            ),
            currency: if addresses[0].country == "US" {
                "USD".into()
            } else {
                "EUR".into()
            },
            subtotal_minor: subtotal,
            tax_minor: tax,
            shipping_minor: shipping,
            total_minor: subtotal + tax + shipping,
            lines: serde_json::Value::Array(lines),
            bill_to: Some(snapshot.clone()),
            ship_to: Some(snapshot),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_and_index_give_the_same_customer() {
        let synth = Synth::new(7, 3);

        let (a, b) = (synth.customer(42), synth.customer(42));

        assert_eq!(a, b, "benchmarks regenerate the customers they query");
        assert_ne!(a, synth.customer(43), "neighbours differ");
    }

    #[test]
    fn order_numbers_are_unique_across_customers() {
        let synth = Synth::new(1, 3);

        let mut numbers: Vec<String> = (0..200)
            .flat_map(|i| synth.customer(i).orders.into_iter().map(|o| o.number))
            .collect();
        let total = numbers.len();
        numbers.sort();
        numbers.dedup();

        assert_eq!(
            numbers.len(),
            total,
            "each order number belongs to one order"
        );
        assert_eq!(total, 600, "three orders each");
    }

    #[test]
    fn a_generated_population_loads_into_a_cache() {
        let conn = crate::open_in_memory().unwrap();
        let synth = Synth::new(3, 2);

        for i in 0..50 {
            crate::graph::insert(
                &conn,
                &synth.customer(i),
                "US",
                crate::graph::Indexing::Later,
            )
            .unwrap();
        }
        crate::search::index::rebuild(&conn).unwrap();

        let count: i64 = conn
            .query_row("SELECT count(*) FROM search_fts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 50, "every generated customer is indexed");
    }
}
