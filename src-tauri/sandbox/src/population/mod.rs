//! The sandbox's customers: a deterministic population of people, each present in the ERP,
//! the web store or both, with the differences real data has between and within systems.
//!
//! The same seed and size give the same population, byte for byte, on every machine: the
//! generator draws from its own small random number generator, never from the platform's.
//! Person `i` depends only on the seed and on the people before it, so a larger population
//! starts with the smaller one.
//!
//! Who is in it:
//! - About 30 % are FEBRL 4 people (synthetic Australians; see `febrl/README.md`): the ERP
//!   gets the original record and the web store the copy with typing errors, both in the
//!   case people type them.
//! - The others are generated in the US (half of them), Great Britain, Canada, Germany and
//!   France, with local street, postal code and phone formats.
//!
//! How systems differ (the shares are targets; the tests check them at 1,000 people):
//! - 55 % of people are in both systems, 20 % only in the ERP, 25 % only in the web store.
//! - Spellings: street words abbreviated or spelt out (`Street`/`St`), typos in names,
//!   lower-case entries, missing postal codes, phones written differently per system.
//! - Missing fields: ERP parties without email, web customers without phone.
//! - Guests: web orders placed without an account, some people with three guest records
//!   sharing one email and phone; a few guests use a household member's email.
//! - The same person twice in one system (a few percent in each).
//! - Channels: ERP sales taken by phone, mail and in the shop exist only in the ERP; some
//!   web orders are also entered in the ERP (channel `web`, the web order code as reference).
//! - Accounts: wholesale (`type:wholesale`, `price:wholesale`), price levels (`price:gold`),
//!   tax exemption (`tax-exempt`), as ERP party categories and web customer groups (which
//!   sometimes disagree with the ERP, as they do in real shops).
//! - Default flags: most addresses are default bill-to and ship-to; some customers have
//!   addresses and no default at all.
//!
//! Ground truth: every record of a [`Person`] is that person; records of different people are
//! different people, even when they share an email ([`Population::truth`]).
//!
//! It never holds a real person's data, and generates in time and memory proportional to its
//! size: 100,000 people take about a second and 380 MB in a debug build.
//!
//! TODO(perf): every name, street and email is its own `String` (about 3.8 KB a person);
//! interning the repeated ones would cut the memory a 1,000,000-person population needs.

mod febrl;
mod names;
mod rng;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Duration, NaiveDate, NaiveDateTime};

use names::{City, Country};
use rng::Rng;

/// Every country the population uses: ISO code and English name. Both sandbox systems must
/// know them before seeding.
pub const COUNTRIES: &[(&str, &str)] = &[
    ("US", "United States"),
    ("AU", "Australia"),
    ("GB", "United Kingdom"),
    ("CA", "Canada"),
    ("DE", "Germany"),
    ("FR", "France"),
];

/// A product both systems sell: SKU (the ERP's product code), name, and price in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    pub sku: &'static str,
    pub name: &'static str,
    pub price_minor: i64,
}

/// The catalogue, as `tests/systems/*/seed.*` give the real systems.
pub const CATALOGUE: &[Product] = &[
    Product {
        sku: "WIDGET-1",
        name: "Widget",
        price_minor: 1999,
    },
    Product {
        sku: "GADGET-1",
        name: "Gadget",
        price_minor: 4500,
    },
    Product {
        sku: "GIZMO-1",
        name: "Gizmo",
        price_minor: 750,
    },
];

/// Everyone in the sandbox, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    pub seed: u64,
    pub people: Vec<Person>,
}

/// One real person and every record the systems hold of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// The person's position in the population; the ground-truth identity.
    pub id: u32,
    pub given_name: String,
    pub family_name: String,
    /// Known to the person, kept by neither system's standard fields.
    pub birth_date: Option<NaiveDate>,
    /// ISO 3166-1 alpha-2 of where they live.
    pub country: String,
    pub origin: Origin,
    /// ERP parties for this person: none, one, or two when the ERP holds them twice.
    pub erp: Vec<ErpParty>,
    /// Web store customers for this person: registered, guests, or both.
    pub web: Vec<WebCustomer>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// FEBRL 4 record number (`rec-N-org` in the ERP, `rec-N-dup-0` in the web store).
    Febrl {
        record: u32,
    },
    Generated,
}

/// A postal address as a person gave it, in no system's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalAddress {
    /// The addressee when it is not the customer (a company, "c/o ...").
    pub name: Option<String>,
    /// Street lines, first to last (one or two).
    pub street_lines: Vec<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-2 (`US-IL`, `AU-NSW`), when the country has subdivisions in the address.
    pub subdivision: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

impl PostalAddress {
    /// The street lines as Tryton keeps them, newline separated.
    pub fn street(&self) -> String {
        self.street_lines.join("\n")
    }

    /// The subdivision's own code (`IL` of `US-IL`), as a web store's province field holds it.
    pub fn province(&self) -> Option<&str> {
        self.subdivision
            .as_deref()
            .and_then(|s| s.split_once('-'))
            .map(|(_, code)| code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactKind {
    Email,
    Phone,
    Mobile,
}

impl ContactKind {
    /// Tryton's contact mechanism type.
    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Email => "email",
            ContactKind::Phone => "phone",
            ContactKind::Mobile => "mobile",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub kind: ContactKind,
    pub value: String,
}

/// Where an order was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Web,
    Phone,
    Mail,
    Shop,
}

impl Channel {
    /// The text staff type in the ERP sale's description field for this channel.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Web => "Web",
            Channel::Phone => "Phone",
            Channel::Mail => "Mail",
            Channel::Shop => "Shop",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderLine {
    pub sku: &'static str,
    pub quantity: u32,
    pub unit_price_minor: i64,
}

/// An ERP customer (a Tryton party).
#[derive(Debug, Clone, PartialEq)]
pub struct ErpParty {
    /// The party code: unique in the population, and the key back to the person.
    pub code: String,
    pub name: String,
    pub addresses: Vec<ErpAddress>,
    pub contacts: Vec<Contact>,
    /// Party categories (`type:wholesale`, `price:gold`, `tax-exempt`, ...).
    pub categories: Vec<String>,
    pub sales: Vec<ErpSale>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErpAddress {
    pub address: PostalAddress,
    /// Used for invoices (the default bill-to).
    pub invoice: bool,
    /// Used for deliveries (the default ship-to).
    pub delivery: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaleState {
    Draft,
    Quotation,
    Confirmed,
    Done,
}

impl SaleState {
    pub fn as_str(self) -> &'static str {
        match self {
            SaleState::Draft => "draft",
            SaleState::Quotation => "quotation",
            SaleState::Confirmed => "confirmed",
            SaleState::Done => "done",
        }
    }
}

/// An ERP sale order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErpSale {
    /// The customer's reference, or the web order's code for a web order entered in the ERP.
    pub reference: Option<String>,
    pub channel: Channel,
    pub sale_date: NaiveDate,
    pub state: SaleState,
    /// ISO 4217.
    pub currency: &'static str,
    pub lines: Vec<OrderLine>,
    /// Index into the party's addresses.
    pub invoice_address: Option<usize>,
    /// Index into the party's addresses.
    pub shipment_address: Option<usize>,
}

/// A web store customer (registered or guest).
#[derive(Debug, Clone, PartialEq)]
pub struct WebCustomer {
    /// Unique in the population, and the key back to the person (`W000042-1`).
    pub key: String,
    pub title: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    /// No account: made at checkout.
    pub guest: bool,
    /// Customer groups, named like the ERP's categories.
    pub groups: Vec<String>,
    pub addresses: Vec<WebAddress>,
    pub orders: Vec<WebOrder>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebAddress {
    pub address: PostalAddress,
    pub phone: Option<String>,
    pub default_shipping: bool,
    pub default_billing: bool,
}

/// A web order with its addresses as they were at checkout. The addresses are shared with the
/// customer's address book where they are the same, which keeps a large population small;
/// they are still the order's own values, never updated with the book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebOrder {
    /// Unique in the population.
    pub code: String,
    pub placed_at: NaiveDateTime,
    pub currency: &'static str,
    pub lines: Vec<OrderLine>,
    pub billing: Arc<PostalAddress>,
    pub shipping: Arc<PostalAddress>,
}

/// Which person each record belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Truth {
    /// ERP party code to person.
    pub erp: HashMap<String, u32>,
    /// Web customer key to person.
    pub web: HashMap<String, u32>,
}

impl Population {
    /// `size` people drawn from `seed`.
    pub fn generate(size: usize, seed: u64) -> Population {
        let mut generator = Generator::new(seed);
        let people = (0..size).map(|i| generator.person(i as u32)).collect();
        Population { seed, people }
    }

    /// Every ERP party with its person.
    pub fn erp_parties(&self) -> impl Iterator<Item = (&Person, &ErpParty)> {
        self.people
            .iter()
            .flat_map(|p| p.erp.iter().map(move |party| (p, party)))
    }

    /// Every web store customer with its person.
    pub fn web_customers(&self) -> impl Iterator<Item = (&Person, &WebCustomer)> {
        self.people
            .iter()
            .flat_map(|p| p.web.iter().map(move |c| (p, c)))
    }

    /// The person behind every record, by the record's key.
    pub fn truth(&self) -> Truth {
        Truth {
            erp: self
                .erp_parties()
                .map(|(p, party)| (party.code.clone(), p.id))
                .collect(),
            web: self
                .web_customers()
                .map(|(p, c)| (c.key.clone(), p.id))
                .collect(),
        }
    }
}

/// The moment the population is dated from, fixed so that dates do not depend on the clock.
fn epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2019, 1, 1)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .expect("a valid date")
}

/// The population's span of time: about seven years and ten months.
const SPAN_MINUTES: u64 = 60 * 24 * 2860;

fn currency_of(country: &str) -> &'static str {
    match country {
        "US" => "USD",
        "AU" => "AUD",
        "GB" => "GBP",
        "CA" => "CAD",
        _ => "EUR",
    }
}

struct Generator {
    seed: u64,
    /// FEBRL pairs in the seed's order, and how many are taken.
    febrl_order: Vec<usize>,
    febrl_taken: usize,
    /// The previous registered person's email, lent to a household member's guest order.
    last_email: Option<String>,
}

/// A person's identity and home before it is written into systems.
struct Identity {
    given: String,
    family: String,
    country: &'static str,
    home: PostalAddress,
    /// A second address (work, a holiday home) for some.
    other: Option<PostalAddress>,
    phone_digits: PhoneNumber,
}

/// A phone number in parts, so each system can write it its own way.
#[derive(Clone)]
struct PhoneNumber {
    country_code: &'static str,
    area: String,
    local: String,
}

impl PhoneNumber {
    /// How one system, or one person typing, writes it.
    fn written(&self, style: u32) -> String {
        let PhoneNumber {
            country_code,
            area,
            local,
        } = self;
        let (head, tail) = local.split_at(local.len() / 2);
        match (*country_code, style % 3) {
            ("1", 0) => format!("({area}) {head}-{tail}"),
            ("1", 1) => format!("{area}.{head}.{tail}"),
            ("1", _) => format!("+1 {area}-{head}-{tail}"),
            (_, 0) => format!("+{country_code} {area} {head} {tail}"),
            (_, 1) => format!("0{area} {local}"),
            (_, _) => format!("+{country_code}{area}{local}"),
        }
    }
}

impl Generator {
    fn new(seed: u64) -> Generator {
        let mut order: Vec<usize> = (0..febrl::pairs().len()).collect();
        Rng::new(seed, u64::MAX).shuffle(&mut order);
        Generator {
            seed,
            febrl_order: order,
            febrl_taken: 0,
            last_email: None,
        }
    }

    fn person(&mut self, id: u32) -> Person {
        let mut rng = Rng::new(self.seed, u64::from(id));
        let febrl = if rng.chance(0.30) && self.febrl_taken < self.febrl_order.len() {
            self.febrl_taken += 1;
            Some(&febrl::pairs()[self.febrl_order[self.febrl_taken - 1]])
        } else {
            None
        };
        let (identity, web_identity, birth_date, origin) = match febrl {
            Some(pair) => (
                // Staff type names in title case; people on web forms often do not.
                febrl_identity(&pair.original, rng.chance(0.9), id),
                Some(febrl_identity(&pair.copy, rng.chance(0.6), id)),
                pair.original.date_of_birth,
                Origin::Febrl {
                    record: pair.original.number,
                },
            ),
            None => {
                let country = match rng.below(100) {
                    0..=49 => &names::US,
                    50..=64 => &names::GB,
                    65..=77 => &names::CA,
                    78..=88 => &names::DE,
                    _ => &names::FR,
                };
                let birth = NaiveDate::from_ymd_opt(1940, 1, 1).expect("a valid date")
                    + Duration::days(rng.below(365 * 65) as i64);
                (
                    generated_identity(country, &mut rng, id),
                    None,
                    Some(birth),
                    Origin::Generated,
                )
            }
        };

        let presence = rng.below(100);
        let in_erp = presence < 75;
        let in_web = !(55..75).contains(&presence);
        let account = Account::draw(&mut rng);
        let created = epoch() + Duration::minutes(rng.below(SPAN_MINUTES / 2) as i64);

        let mut person = Person {
            id,
            given_name: identity.given.clone(),
            family_name: identity.family.clone(),
            birth_date,
            country: identity.country.to_owned(),
            origin,
            erp: Vec::new(),
            web: Vec::new(),
        };
        if in_erp {
            person
                .erp
                .push(erp_party(&identity, &account, &mut rng, id, 0, created));
            if rng.chance(0.03) {
                // Entered again by someone who did not find the first record.
                let again = variant_identity(&identity, &mut rng);
                let mut twin = erp_party(&again, &account, &mut rng, id, 1, created);
                twin.sales.truncate(1);
                person.erp.push(twin);
            }
        }
        if in_web {
            let web_identity = match web_identity {
                Some(copy) => copy,
                None => variant_identity(&identity, &mut rng),
            };
            self.web_records(&mut person, &web_identity, &account, &mut rng, created);
        }
        if in_erp && in_web && !person.erp.is_empty() {
            // Some web orders are keyed into the ERP as well.
            let web_orders: Vec<WebOrder> = person
                .web
                .iter()
                .flat_map(|c| c.orders.iter().cloned())
                .collect();
            let party = &mut person.erp[0];
            for order in web_orders {
                if rng.chance(0.3) {
                    party.sales.push(ErpSale {
                        reference: Some(order.code.clone()),
                        channel: Channel::Web,
                        sale_date: order.placed_at.date(),
                        state: SaleState::Confirmed,
                        currency: order.currency,
                        lines: order.lines.clone(),
                        invoice_address: default_index(&party.addresses, |a| a.invoice),
                        shipment_address: default_index(&party.addresses, |a| a.delivery),
                    });
                }
            }
        }
        person
    }

    fn web_records(
        &mut self,
        person: &mut Person,
        identity: &Identity,
        account: &Account,
        rng: &mut Rng,
        created: NaiveDateTime,
    ) {
        let id = person.id;
        let email = email(identity, id, rng.below(3) as u32, rng);
        let guest_only = rng.chance(0.2);
        let mut n = 0;
        let mut key = || {
            n += 1;
            format!("W{id:06}-{n}")
        };
        if !guest_only {
            let mut customer = web_customer(identity, key(), email.clone(), account, rng, created);
            customer.orders = web_orders(identity, &customer.addresses, rng, &customer.key, 4);
            person.web.push(customer);
            if rng.chance(0.03) {
                // A second account under a work address.
                let again = variant_identity(identity, rng);
                let work = email_at(&again, id, "work.example.net");
                let mut twin = web_customer(&again, key(), work, account, rng, created);
                twin.orders = web_orders(&again, &twin.addresses, rng, &twin.key, 1);
                person.web.push(twin);
            }
            if rng.chance(0.01) {
                // Checked out as a guest with the account's email (the checkout did not ask
                // them to log in).
                let mut guest = web_customer(identity, key(), email.clone(), account, rng, created);
                guest.guest = true;
                guest.groups.clear();
                guest.orders = web_orders(identity, &guest.addresses, rng, &guest.key, 1);
                person.web.push(guest);
            }
        } else {
            // Now and then the same buyer checks out three times as a guest, typing the same
            // email and phone each time; the store makes a new guest record for each order.
            let repeats = if rng.chance(0.1) { 3 } else { 1 };
            let same_phone = (repeats > 1).then(|| identity.phone_digits.written(0));
            for _ in 0..repeats {
                let mut guest = web_customer(identity, key(), email.clone(), account, rng, created);
                guest.guest = true;
                guest.groups.clear();
                if let Some(phone) = &same_phone {
                    guest.phone = Some(phone.clone());
                }
                guest.orders = web_orders(identity, &guest.addresses, rng, &guest.key, 1);
                person.web.push(guest);
            }
        }
        if let (Some(borrowed), true) = (self.last_email.take(), rng.chance(0.01)) {
            // A household member's email on this person's guest checkout: the same email,
            // a different person.
            let mut guest = web_customer(identity, key(), borrowed, account, rng, created);
            guest.guest = true;
            guest.groups.clear();
            guest.orders = web_orders(identity, &guest.addresses, rng, &guest.key, 1);
            person.web.push(guest);
        }
        if !guest_only {
            self.last_email = Some(email);
        }
    }
}

/// Title case for FEBRL's lower-case text, as staff type names into the ERP.
fn title_case(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A FEBRL record as a person; `titled` when it was typed in title case rather than in the
/// lower case FEBRL gives.
fn febrl_identity(record: &febrl::FebrlRecord, titled: bool, id: u32) -> Identity {
    let case = |text: &str| {
        if titled {
            title_case(text)
        } else {
            text.to_owned()
        }
    };
    let mut street_lines = Vec::new();
    let first_line = format!("{} {}", record.street_number, record.address_1);
    if !first_line.trim().is_empty() {
        street_lines.push(case(first_line.trim()));
    }
    if !record.address_2.is_empty() {
        street_lines.push(case(&record.address_2));
    }
    let home = PostalAddress {
        name: None,
        street_lines,
        city: (!record.suburb.is_empty()).then(|| case(&record.suburb)),
        postal_code: (!record.postcode.is_empty()).then(|| record.postcode.clone()),
        subdivision: (!record.state.is_empty())
            .then(|| format!("AU-{}", record.state.to_ascii_uppercase())),
        country: "AU".to_owned(),
    };
    let area = ["2", "3", "7", "8"][id as usize % 4];
    Identity {
        given: case(&record.given_name),
        family: case(&record.surname),
        country: "AU",
        home,
        other: None,
        // 5550 xxxx numbers are set aside for fiction in every Australian area.
        phone_digits: PhoneNumber {
            country_code: "61",
            area: area.to_owned(),
            local: format!("5550{:04}", id % 10_000),
        },
    }
}

fn address_in(country: &Country, city: &City, rng: &mut Rng, id: u32) -> PostalAddress {
    let street = rng.pick(country.streets);
    let number = 1 + rng.below(9800) as u32;
    let first = match country.code {
        // Germans write the number after the street; the French write "12 rue ...".
        "DE" => format!("{street} {number}"),
        _ => format!("{number} {street}"),
    };
    let mut street_lines = vec![first];
    if rng.chance(0.25) {
        street_lines.push(names::unit(country.code, id.wrapping_add(number)));
    }
    PostalAddress {
        name: None,
        street_lines,
        city: Some(city.name.to_owned()),
        postal_code: Some(rng.pick(city.postal_codes).to_string()),
        subdivision: (!city.subdivision.is_empty())
            .then(|| format!("{}-{}", country.code, city.subdivision)),
        country: country.code.to_owned(),
    }
}

fn generated_identity(country: &'static Country, rng: &mut Rng, id: u32) -> Identity {
    let city = rng.pick(country.cities);
    let home = address_in(country, city, rng, id);
    let other = rng.chance(0.2).then(|| {
        let city = rng.pick(country.cities);
        let mut work = address_in(country, city, rng, id + 1);
        work.name = Some(format!("{} Ltd", rng.pick(country.family)));
        work
    });
    let (country_code, local) = match country.code {
        // 555-01xx numbers are fictional throughout North America.
        "US" | "CA" => ("1", format!("55501{:02}", id % 100)),
        // Ofcom keeps 020 7946 0xxx (and friends) for drama.
        "GB" => ("44", format!("79460{:03}", id % 1000)),
        "DE" => ("49", format!("2360{:04}", id % 10_000)),
        _ => ("33", format!("9900{:04}", id % 10_000)),
    };
    let area = match country.code {
        "GB" => "20".to_owned(),
        _ => city.area.to_owned(),
    };
    Identity {
        given: rng.pick(country.given).to_string(),
        family: rng.pick(country.family).to_string(),
        country: country.code,
        home,
        other,
        phone_digits: PhoneNumber {
            country_code,
            area,
            local,
        },
    }
}

/// The same person as another clerk or the person themselves types them: abbreviations,
/// a typo, lower case, a missing postal code.
fn variant_identity(identity: &Identity, rng: &mut Rng) -> Identity {
    let mut home = identity.home.clone();
    if rng.chance(0.4) {
        home.street_lines = home
            .street_lines
            .iter()
            .map(|l| respell(l, rng.chance(0.7)))
            .collect();
    }
    if rng.chance(0.1) && home.street_lines.len() > 1 {
        home.street_lines.truncate(1);
    }
    if rng.chance(0.05) {
        home.postal_code = None;
    }
    let mut family = identity.family.clone();
    let mut given = identity.given.clone();
    if rng.chance(0.1) {
        family = typo(&family, rng);
    }
    if rng.chance(0.05) {
        given = given.chars().take(1).collect();
    }
    if rng.chance(0.1) {
        given = given.to_lowercase();
        family = family.to_lowercase();
        home.street_lines = home.street_lines.iter().map(|l| l.to_lowercase()).collect();
    }
    Identity {
        given,
        family,
        country: identity.country,
        home,
        other: identity.other.clone(),
        phone_digits: identity.phone_digits.clone(),
    }
}

/// Abbreviates street words (`Street` to `St`), or spells abbreviations out.
fn respell(line: &str, abbreviate: bool) -> String {
    line.split(' ')
        .map(|word| {
            names::STREET_ABBREVIATIONS
                .iter()
                .find_map(|(long, short)| {
                    if abbreviate && word.eq_ignore_ascii_case(long) {
                        Some(short.to_string())
                    } else if !abbreviate && word.eq_ignore_ascii_case(short) {
                        Some(long.to_string())
                    } else if abbreviate && word.ends_with(long) && word.len() > long.len() {
                        // German compounds: "Hauptstraße" becomes "Hauptstr.".
                        Some(format!("{}{short}", &word[..word.len() - long.len()]))
                    } else {
                        None
                    }
                })
                .unwrap_or_else(|| word.to_owned())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One typing slip: two letters swapped, one dropped, or one doubled.
fn typo(text: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    if chars.len() < 3 {
        return text.to_owned();
    }
    let at = 1 + rng.below(chars.len() as u64 - 2) as usize;
    match rng.below(3) {
        0 => chars.swap(at, at + 1),
        1 => {
            chars.remove(at);
        }
        _ => chars.insert(at, chars[at]),
    }
    chars.into_iter().collect()
}

/// Folds a name to what an email local part can hold: ASCII letters only.
fn ascii_letters(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            let c = match c {
                'à' | 'á' | 'â' | 'ä' | 'À' | 'Á' | 'Â' | 'Ä' => 'a',
                'ç' | 'Ç' => 'c',
                'è' | 'é' | 'ê' | 'ë' | 'É' | 'È' => 'e',
                'ì' | 'í' | 'î' | 'ï' | 'ı' | 'İ' => 'i',
                'ò' | 'ó' | 'ô' | 'ö' | 'Ö' => 'o',
                'ù' | 'ú' | 'û' | 'ü' | 'Ü' => 'u',
                'ş' | 'Ş' => 's',
                'ß' => 's',
                c => c,
            };
            c.is_ascii_alphabetic().then(|| c.to_ascii_lowercase())
        })
        .collect()
}

/// A person's own email, unique in the population (the person's ID is in it).
fn email(identity: &Identity, id: u32, style: u32, rng: &mut Rng) -> String {
    let domain = rng.pick(&[
        "example.com",
        "example.net",
        "example.org",
        "mail.example.com",
    ]);
    let given = ascii_letters(&identity.given);
    let family = ascii_letters(&identity.family);
    let local = match style {
        0 => format!("{given}.{family}{id}"),
        1 => format!("{}{family}{id}", given.chars().next().unwrap_or('x')),
        _ => format!("{family}.{given}.{id}"),
    };
    format!("{local}@{domain}")
}

fn email_at(identity: &Identity, id: u32, domain: &str) -> String {
    format!(
        "{}.{}.{id}@{domain}",
        ascii_letters(&identity.given),
        ascii_letters(&identity.family)
    )
}

struct Account {
    categories: Vec<String>,
}

impl Account {
    fn draw(rng: &mut Rng) -> Account {
        let mut categories = Vec::new();
        let wholesale = rng.chance(0.06);
        if wholesale {
            categories.push("type:wholesale".to_owned());
            categories.push("price:wholesale".to_owned());
        } else if rng.chance(0.2) {
            categories.push("type:retail".to_owned());
        }
        if !wholesale && rng.chance(0.04) {
            categories.push("price:gold".to_owned());
        }
        if rng.chance(if wholesale { 0.3 } else { 0.02 }) {
            categories.push("tax-exempt".to_owned());
        }
        Account { categories }
    }

    /// The web store's groups: usually the ERP's, sometimes out of date (the web store was
    /// never told of an upgrade, or a group was set by hand).
    fn web_groups(&self, rng: &mut Rng) -> Vec<String> {
        if self.categories.is_empty() || rng.chance(0.8) {
            return self.categories.clone();
        }
        let mut groups: Vec<String> = self
            .categories
            .iter()
            .filter(|c| *c != "tax-exempt")
            .cloned()
            .collect();
        match groups.iter_mut().find(|g| g.starts_with("price:")) {
            Some(level) => *level = "price:silver".to_owned(),
            None => groups.push("price:silver".to_owned()),
        }
        groups
    }
}

fn default_index<T>(items: &[T], flag: impl Fn(&T) -> bool) -> Option<usize> {
    items
        .iter()
        .position(flag)
        .or(if items.is_empty() { None } else { Some(0) })
}

fn order_lines(rng: &mut Rng, wholesale: bool) -> Vec<OrderLine> {
    (0..1 + rng.below(3))
        .map(|_| {
            let product = rng.pick(CATALOGUE);
            let quantity = if wholesale {
                10 + rng.below(41)
            } else {
                1 + rng.below(4)
            } as u32;
            OrderLine {
                sku: product.sku,
                quantity,
                unit_price_minor: product.price_minor,
            }
        })
        .collect()
}

fn erp_party(
    identity: &Identity,
    account: &Account,
    rng: &mut Rng,
    id: u32,
    copy: u32,
    created: NaiveDateTime,
) -> ErpParty {
    let mut addresses = vec![ErpAddress {
        address: identity.home.clone(),
        invoice: true,
        delivery: true,
    }];
    if let Some(other) = &identity.other {
        addresses[0].invoice = rng.chance(0.5);
        addresses.push(ErpAddress {
            address: other.clone(),
            invoice: !addresses[0].invoice,
            delivery: false,
        });
    }
    if rng.chance(0.08) {
        // Addresses and no default: nobody ticked the boxes.
        for address in &mut addresses {
            address.invoice = false;
            address.delivery = false;
        }
    }
    let mut contacts = Vec::new();
    if rng.chance(0.8) {
        let style = rng.below(3) as u32;
        contacts.push(Contact {
            kind: ContactKind::Email,
            value: email(identity, id, style, rng),
        });
    }
    if rng.chance(0.75) {
        let mut value = identity.phone_digits.written(rng.below(3) as u32);
        if identity.phone_digits.country_code == "1" && rng.chance(0.1) {
            // Office numbers in the ERP often carry the extension of whoever orders.
            value.push_str(&format!(" x{}", 10 + rng.below(90)));
        }
        contacts.push(Contact {
            kind: ContactKind::Phone,
            value,
        });
    }
    if rng.chance(0.2) {
        let mobile = PhoneNumber {
            country_code: identity.phone_digits.country_code,
            area: identity.phone_digits.area.clone(),
            local: identity.phone_digits.local.chars().rev().collect(),
        };
        contacts.push(Contact {
            kind: ContactKind::Mobile,
            value: mobile.written(0),
        });
    }
    let wholesale = account.categories.iter().any(|c| c == "type:wholesale");
    let currency = currency_of(identity.country);
    let sales = (0..rng.below(5))
        .map(|_| {
            let channel = match rng.below(10) {
                0..=3 => Channel::Phone,
                4..=5 => Channel::Mail,
                _ => Channel::Shop,
            };
            let state = match rng.below(10) {
                0 => SaleState::Draft,
                1 => SaleState::Quotation,
                2..=5 => SaleState::Confirmed,
                _ => SaleState::Done,
            };
            let day = created + Duration::minutes(rng.below(SPAN_MINUTES / 2) as i64);
            let invoice_address = default_index(&addresses, |a| a.invoice);
            // Now and then a sale ships somewhere other than the default ship-to.
            let shipment_address = if addresses.len() > 1 && rng.chance(0.2) {
                Some(addresses.len() - 1)
            } else {
                default_index(&addresses, |a| a.delivery)
            };
            ErpSale {
                reference: rng
                    .chance(0.3)
                    .then(|| format!("PO-{}", 1000 + rng.below(9000))),
                channel,
                sale_date: day.date(),
                state,
                currency,
                lines: order_lines(rng, wholesale),
                invoice_address,
                shipment_address,
            }
        })
        .collect();
    let updated = created + Duration::minutes(rng.below(SPAN_MINUTES / 2) as i64);
    ErpParty {
        code: format!("C{id:06}-{copy}"),
        name: format!("{} {}", identity.given, identity.family)
            .trim()
            .to_owned(),
        addresses,
        contacts,
        categories: account.categories.clone(),
        sales,
        created_at: created,
        updated_at: updated,
    }
}

fn web_customer(
    identity: &Identity,
    key: String,
    email: String,
    account: &Account,
    rng: &mut Rng,
    created: NaiveDateTime,
) -> WebCustomer {
    let phone = rng
        .chance(0.6)
        .then(|| identity.phone_digits.written(rng.below(3) as u32));
    let mut addresses = vec![WebAddress {
        address: identity.home.clone(),
        phone: phone.clone(),
        default_shipping: true,
        default_billing: true,
    }];
    if let Some(other) = identity.other.as_ref().filter(|_| rng.chance(0.5)) {
        addresses.push(WebAddress {
            address: other.clone(),
            phone: None,
            default_shipping: false,
            default_billing: false,
        });
    }
    if rng.chance(0.08) {
        addresses[0].default_shipping = false;
        addresses[0].default_billing = false;
    }
    let title = match identity.country {
        "US" | "GB" | "CA" | "AU" if rng.chance(0.2) => {
            Some(rng.pick(&["Mr", "Ms", "Mrs", "Dr"]).to_string())
        }
        _ => None,
    };
    WebCustomer {
        key,
        title,
        first_name: identity.given.clone(),
        last_name: identity.family.clone(),
        email,
        phone,
        guest: false,
        groups: account.web_groups(rng),
        addresses,
        orders: Vec::new(),
        created_at: created + Duration::minutes(rng.below(60 * 24 * 90) as i64),
    }
}

fn web_orders(
    identity: &Identity,
    book: &[WebAddress],
    rng: &mut Rng,
    key: &str,
    most: u64,
) -> Vec<WebOrder> {
    let count = if most == 1 { 1 } else { rng.below(most + 1) };
    let book: Vec<Arc<PostalAddress>> = book.iter().map(|a| Arc::new(a.address.clone())).collect();
    (0..count)
        .map(|n| {
            let billing = book[0].clone();
            let shipping = if rng.chance(0.1) {
                // Shipped to someone else: an address that is in no address book.
                let mut gift = identity.home.clone();
                gift.name = Some(format!("c/o {}", identity.family));
                gift.street_lines = vec![format!("{} {}", 1 + rng.below(400), "Gift Lane")];
                Arc::new(gift)
            } else {
                book[book.len() - 1].clone()
            };
            let placed = epoch() + Duration::minutes(rng.below(SPAN_MINUTES) as i64);
            WebOrder {
                code: format!("{}-{n}", key.replace('W', "WEB")),
                placed_at: placed,
                currency: currency_of(identity.country),
                lines: order_lines(rng, false),
                billing,
                shipping,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn street_words_are_abbreviated_and_spelt_out() {
        assert_eq!(respell("12 Main Street", true), "12 Main St");
        assert_eq!(respell("12 Main St", false), "12 Main Street");
        assert_eq!(
            respell("Hauptstraße 5", true),
            "Hauptstr. 5",
            "German compounds shorten"
        );
    }

    #[test]
    fn phones_are_written_in_each_local_way() {
        let phone = PhoneNumber {
            country_code: "1",
            area: "415".into(),
            local: "5550123".into(),
        };

        let written: Vec<String> = (0..3).map(|s| phone.written(s)).collect();

        assert_eq!(
            written,
            ["(415) 555-0123", "415.555.0123", "+1 415-555-0123"]
        );
    }
}
