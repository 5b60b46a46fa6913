//! What the sandbox ERP holds before any client calls: the same basics
//! `tests/systems/tryton/seed.py` gives a real Tryton (company, currencies, countries,
//! subdivisions, a unit, three products), and, when asked, a population's ERP records.

use chrono::{NaiveDateTime, Utc};
use rust_decimal::Decimal;

use super::db::Database;
use super::value::Val;
use crate::population::{Population, CATALOGUE, COUNTRIES};

pub(crate) const COMPANY_ID: i64 = 1;
pub(crate) const COMPANY_NAME: &str = "Concord Test Retail";

const CURRENCIES: &[(&str, &str, &str)] = &[
    ("USD", "U.S. Dollar", "$"),
    ("AUD", "Australian Dollar", "A$"),
    ("GBP", "Pound Sterling", "£"),
    ("CAD", "Canadian Dollar", "CA$"),
    ("EUR", "Euro", "€"),
];

/// Alpha-3 and numeric codes of the countries the sandbox knows.
const COUNTRY_CODES: &[(&str, &str, &str)] = &[
    ("US", "USA", "840"),
    ("AU", "AUS", "036"),
    ("GB", "GBR", "826"),
    ("CA", "CAN", "124"),
    ("DE", "DEU", "276"),
    ("NZ", "NZL", "554"),
    ("FR", "FRA", "250"),
];

/// Australian states (the FEBRL people), US states, and Canadian provinces.
const SUBDIVISIONS: &[(&str, &[(&str, &str)])] = &[
    (
        "AU",
        &[
            ("NSW", "New South Wales"),
            ("VIC", "Victoria"),
            ("QLD", "Queensland"),
            ("WA", "Western Australia"),
            ("SA", "South Australia"),
            ("TAS", "Tasmania"),
            ("ACT", "Australian Capital Territory"),
            ("NT", "Northern Territory"),
        ],
    ),
    (
        "US",
        &[
            ("AL", "Alabama"),
            ("AK", "Alaska"),
            ("AZ", "Arizona"),
            ("AR", "Arkansas"),
            ("CA", "California"),
            ("CO", "Colorado"),
            ("CT", "Connecticut"),
            ("DE", "Delaware"),
            ("DC", "District of Columbia"),
            ("FL", "Florida"),
            ("GA", "Georgia"),
            ("HI", "Hawaii"),
            ("ID", "Idaho"),
            ("IL", "Illinois"),
            ("IN", "Indiana"),
            ("IA", "Iowa"),
            ("KS", "Kansas"),
            ("KY", "Kentucky"),
            ("LA", "Louisiana"),
            ("ME", "Maine"),
            ("MD", "Maryland"),
            ("MA", "Massachusetts"),
            ("MI", "Michigan"),
            ("MN", "Minnesota"),
            ("MS", "Mississippi"),
            ("MO", "Missouri"),
            ("MT", "Montana"),
            ("NE", "Nebraska"),
            ("NV", "Nevada"),
            ("NH", "New Hampshire"),
            ("NJ", "New Jersey"),
            ("NM", "New Mexico"),
            ("NY", "New York"),
            ("NC", "North Carolina"),
            ("ND", "North Dakota"),
            ("OH", "Ohio"),
            ("OK", "Oklahoma"),
            ("OR", "Oregon"),
            ("PA", "Pennsylvania"),
            ("RI", "Rhode Island"),
            ("SC", "South Carolina"),
            ("SD", "South Dakota"),
            ("TN", "Tennessee"),
            ("TX", "Texas"),
            ("UT", "Utah"),
            ("VT", "Vermont"),
            ("VA", "Virginia"),
            ("WA", "Washington"),
            ("WV", "West Virginia"),
            ("WI", "Wisconsin"),
            ("WY", "Wyoming"),
        ],
    ),
    (
        "CA",
        &[
            ("AB", "Alberta"),
            ("BC", "British Columbia"),
            ("MB", "Manitoba"),
            ("NB", "New Brunswick"),
            ("NL", "Newfoundland and Labrador"),
            ("NS", "Nova Scotia"),
            ("ON", "Ontario"),
            ("PE", "Prince Edward Island"),
            ("QC", "Quebec"),
            ("SK", "Saskatchewan"),
        ],
    ),
];

fn text(s: &str) -> Val {
    Val::text(s)
}

/// The basics, in the order seed.py creates them, so IDs match the real test database's.
pub(crate) fn basics(db: &mut Database) {
    let now = Utc::now().naive_utc();
    let mut currencies = Vec::new();
    for (code, name, symbol) in CURRENCIES {
        currencies.push(db.insert(
            "currency.currency",
            &[
                ("code", text(code)),
                ("name", text(name)),
                ("symbol", text(symbol)),
                ("rounding", Val::Decimal(Decimal::new(1, 2))),
                ("digits", Val::Int(2)),
            ],
            now,
        ));
    }
    for (code, code3, numeric) in COUNTRY_CODES {
        let name = COUNTRIES
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, name)| *name)
            .unwrap_or("New Zealand");
        db.insert(
            "country.country",
            &[
                ("code", text(code)),
                ("code3", text(code3)),
                ("code_numeric", text(numeric)),
                ("name", text(name)),
            ],
            now,
        );
    }
    for (country, items) in SUBDIVISIONS {
        let country_id = country_id(db, country).expect("subdivisions of a seeded country");
        for (code, name) in *items {
            db.insert(
                "country.subdivision",
                &[
                    ("country", Val::Int(country_id)),
                    ("code", Val::Text(format!("{country}-{code}").into())),
                    ("name", text(name)),
                    ("type", text("state")),
                ],
                now,
            );
        }
    }
    let company_party = db.insert("party.party", &[("name", text(COMPANY_NAME))], now);
    let company = db.insert(
        "company.company",
        &[
            ("party", Val::Int(company_party)),
            ("currency", Val::Int(currencies[0])),
        ],
        now,
    );
    debug_assert_eq!(company, COMPANY_ID);
    let unit = db.insert(
        "product.uom",
        &[("name", text("Unit")), ("symbol", text("u"))],
        now,
    );
    for product in CATALOGUE {
        let template = db.insert(
            "product.template",
            &[
                ("name", text(product.name)),
                ("type", text("goods")),
                (
                    "list_price",
                    Val::Decimal(Decimal::new(product.price_minor, 2)),
                ),
                ("default_uom", Val::Int(unit)),
                ("salable", Val::Bool(true)),
                ("sale_uom", Val::Int(unit)),
            ],
            now,
        );
        db.insert(
            "product.product",
            &[
                ("template", Val::Int(template)),
                ("suffix_code", text(product.sku)),
            ],
            now,
        );
    }
}

fn find(db: &Database, model: &str, field: &str, value: &str) -> Option<i64> {
    let t = db.table(model)?;
    let domain = db
        .parse_domain(t, &serde_json::json!([[field, "=", value]]))
        .ok()?;
    let order = db
        .parse_order(t, &serde_json::json!([["id", "ASC"]]))
        .ok()?;
    db.search(t, &domain, 0, Some(1), &order, true)
        .first()
        .copied()
}

fn country_id(db: &Database, code: &str) -> Option<i64> {
    find(db, "country.country", "code", code)
}

/// Lookups the seeding repeats for every record, resolved once.
struct Ids {
    countries: Vec<(String, i64)>,
    subdivisions: Vec<(String, i64)>,
    currencies: Vec<(String, i64)>,
    products: Vec<(&'static str, i64)>,
    categories: Vec<(String, i64)>,
    unit: i64,
}

impl Ids {
    fn of(list: &[(String, i64)], code: &str) -> Option<i64> {
        list.iter().find(|(c, _)| c == code).map(|(_, id)| *id)
    }
}

/// Writes every ERP record of `population`, dated as the population dates them.
pub(crate) fn population(db: &mut Database, population: &Population) {
    let mut ids = Ids {
        countries: COUNTRY_CODES
            .iter()
            .filter_map(|(code, ..)| Some((code.to_string(), country_id(db, code)?)))
            .collect(),
        subdivisions: SUBDIVISIONS
            .iter()
            .flat_map(|(country, items)| {
                items
                    .iter()
                    .map(move |(code, _)| format!("{country}-{code}"))
            })
            .filter_map(|code| {
                Some((
                    code.clone(),
                    find(db, "country.subdivision", "code", &code)?,
                ))
            })
            .collect(),
        currencies: CURRENCIES
            .iter()
            .filter_map(|(code, ..)| {
                Some((
                    code.to_string(),
                    find(db, "currency.currency", "code", code)?,
                ))
            })
            .collect(),
        products: CATALOGUE
            .iter()
            .filter_map(|p| Some((p.sku, find(db, "product.product", "suffix_code", p.sku)?)))
            .collect(),
        categories: Vec::new(),
        unit: find(db, "product.uom", "symbol", "u").expect("the basics have a unit"),
    };

    // The population is dated from a fixed epoch; nothing may be dated after the server's
    // clock, or a "changed since now" listing would keep returning it.
    let now = Utc::now().naive_utc();
    for (_, party) in population.erp_parties() {
        let (created, updated) = (party.created_at.min(now), party.updated_at.min(now));
        let mut category_ids = Vec::new();
        for name in &party.categories {
            let id = match Ids::of(&ids.categories, name) {
                Some(id) => id,
                None => {
                    let id = db.insert("party.category", &[("name", text(name))], created);
                    ids.categories.push((name.clone(), id));
                    id
                }
            };
            category_ids.push(id);
        }
        let party_id = db.insert(
            "party.party",
            &[
                ("name", text(&party.name)),
                ("code", text(&party.code)),
                ("categories", Val::Ids(category_ids.into_boxed_slice())),
            ],
            created,
        );
        let mut address_ids = Vec::new();
        for address in &party.addresses {
            let postal = &address.address;
            let optional = |value: &Option<String>| value.as_deref().map(text).unwrap_or(Val::Null);
            let country = Ids::of(&ids.countries, &postal.country)
                .map(Val::Int)
                .unwrap_or(Val::Null);
            let subdivision = postal
                .subdivision
                .as_deref()
                .and_then(|code| Ids::of(&ids.subdivisions, code))
                .map(Val::Int)
                .unwrap_or(Val::Null);
            address_ids.push(db.insert(
                "party.address",
                &[
                    ("party", Val::Int(party_id)),
                    ("party_name", optional(&postal.name)),
                    ("street", text(&postal.street())),
                    ("city", optional(&postal.city)),
                    ("postal_code", optional(&postal.postal_code)),
                    ("country", country),
                    ("subdivision", subdivision),
                    ("invoice", Val::Bool(address.invoice)),
                    ("delivery", Val::Bool(address.delivery)),
                ],
                updated,
            ));
        }
        for contact in &party.contacts {
            db.insert(
                "party.contact_mechanism",
                &[
                    ("party", Val::Int(party_id)),
                    ("type", text(contact.kind.as_str())),
                    ("value", text(&contact.value)),
                ],
                created,
            );
        }
        for sale in &party.sales {
            let when: NaiveDateTime = sale
                .sale_date
                .and_hms_opt(10, 0, 0)
                .expect("a valid time")
                .min(now);
            let address = |index: Option<usize>| {
                index
                    .and_then(|i| address_ids.get(i))
                    .map(|id| Val::Int(*id))
                    .unwrap_or(Val::Null)
            };
            let number = match sale.state.as_str() {
                "draft" => Val::Null,
                _ => Val::Text(db.next_sale_number().into()),
            };
            let currency = Ids::of(&ids.currencies, sale.currency).unwrap_or(1);
            let sale_id = db.insert(
                "sale.sale",
                &[
                    ("party", Val::Int(party_id)),
                    ("number", number),
                    (
                        "reference",
                        sale.reference.as_deref().map(text).unwrap_or(Val::Null),
                    ),
                    ("description", text(sale.channel.label())),
                    ("state", text(sale.state.as_str())),
                    ("sale_date", Val::Date(sale.sale_date)),
                    ("currency", Val::Int(currency)),
                    ("invoice_address", address(sale.invoice_address)),
                    ("shipment_address", address(sale.shipment_address)),
                ],
                when,
            );
            for line in &sale.lines {
                let product = ids
                    .products
                    .iter()
                    .find(|(sku, _)| *sku == line.sku)
                    .map(|(_, id)| *id);
                db.insert(
                    "sale.line",
                    &[
                        ("sale", Val::Int(sale_id)),
                        ("type", text("line")),
                        ("product", product.map(Val::Int).unwrap_or(Val::Null)),
                        ("quantity", Val::Float(f64::from(line.quantity))),
                        ("unit", Val::Int(ids.unit)),
                        (
                            "unit_price",
                            Val::Decimal(Decimal::new(line.unit_price_minor, 2)),
                        ),
                    ],
                    when,
                );
            }
        }
    }
}
