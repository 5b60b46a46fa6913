//! Puts people into a Tryton database through its JSON-RPC API, as the ERP's own users would:
//! a party with its address and contact mechanisms, then its sale orders, quoted so they get a
//! number. Parties carry the code `FEBRL-<number>`, so a load can tell it has run before.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::people::Person;
use super::{LoadError, Loaded};
use crate::tryton::TrytonClient;

/// Parties and sales are created this many per call: Tryton creates a list in one
/// transaction, so a batch is as safe as one record and far faster.
const BATCH: usize = 50;

/// The products the seeded database sells (tests/systems/tryton/seed.py), with prices.
const PRODUCTS: [(&str, &str); 3] = [
    ("WIDGET-1", "19.99"),
    ("GADGET-1", "45.00"),
    ("GIZMO-1", "7.50"),
];

/// Whether the database already holds `person` (by the party code): a previous load ran.
pub async fn holds(client: &TrytonClient, person: &Person) -> Result<bool, LoadError> {
    let count = client
        .call(
            "model.party.party.search_count",
            vec![json!([["code", "=", format!("FEBRL-{}", person.number)]])],
            None,
        )
        .await?;
    count
        .as_u64()
        .map(|n| n > 0)
        .ok_or_else(|| LoadError::Unexpected("Tryton's search_count answered no number".into()))
}

/// Creates every person's ERP copy and orders; returns, per person number, the party ID and
/// the sales' numbers.
pub async fn load(
    client: &TrytonClient,
    people: &[Person],
    mut progress: impl FnMut(usize),
) -> Result<HashMap<u32, Loaded>, LoadError> {
    let refs = References::read(client).await?;
    let mut loaded = HashMap::new();
    for batch in people.chunks(BATCH) {
        let parties: Vec<Value> = batch.iter().map(|p| party(p, &refs)).collect();
        let ids = ids_of(
            client
                .call(
                    "model.party.party.create",
                    vec![Value::Array(parties)],
                    None,
                )
                .await?,
        )?;
        let addresses = client
            .call(
                "model.party.party.read",
                vec![json!(ids), json!(["addresses"])],
                None,
            )
            .await?;
        let mut sales = Vec::new();
        let mut owners = Vec::new();
        for ((person, party_id), read) in batch.iter().zip(&ids).zip(as_list(&addresses)?) {
            let address = read["addresses"]
                .as_array()
                .and_then(|a| a.first())
                .cloned();
            for (i, channel) in person.erp_orders.iter().enumerate() {
                sales.push(sale(
                    person,
                    *party_id,
                    address.clone(),
                    channel.erp_label(),
                    i,
                    &refs,
                ));
                owners.push(person.number);
            }
            loaded.insert(
                person.number,
                Loaded {
                    id: party_id.to_string(),
                    orders: Vec::new(),
                },
            );
        }
        let sale_ids = ids_of(
            client
                .call("model.sale.sale.create", vec![Value::Array(sales)], None)
                .await?,
        )?;
        client
            .call("model.sale.sale.quote", vec![json!(sale_ids)], None)
            .await?;
        let numbers = client
            .call(
                "model.sale.sale.read",
                vec![json!(sale_ids), json!(["number"])],
                None,
            )
            .await?;
        for (owner, read) in owners.iter().zip(as_list(&numbers)?) {
            let number = read["number"].as_str().ok_or_else(|| {
                LoadError::Unexpected("a quoted Tryton sale has no number".into())
            })?;
            if let Some(entry) = loaded.get_mut(owner) {
                entry.orders.push(number.to_owned());
            }
        }
        progress(batch.len());
    }
    Ok(loaded)
}

/// IDs the records refer to, looked up once.
struct References {
    australia: i64,
    states: HashMap<String, i64>,
    products: Vec<(i64, &'static str)>,
    unit: i64,
}

impl References {
    async fn read(client: &TrytonClient) -> Result<References, LoadError> {
        let australia = first_id(client, "country.country", json!([["code", "=", "AU"]])).await?;
        let rows = client
            .call(
                "model.country.subdivision.search_read",
                vec![
                    json!([["country", "=", australia]]),
                    json!(0),
                    Value::Null,
                    Value::Null,
                    json!(["code"]),
                ],
                None,
            )
            .await?;
        let states = as_list(&rows)?
            .iter()
            .filter_map(|r| Some((r["code"].as_str()?.to_owned(), r["id"].as_i64()?)))
            .collect();
        let mut products = Vec::new();
        for (code, price) in PRODUCTS {
            let id = first_id(client, "product.product", json!([["code", "=", code]])).await?;
            products.push((id, price));
        }
        let unit = first_id(client, "product.uom", json!([["symbol", "=", "u"]])).await?;
        Ok(References {
            australia,
            states,
            products,
            unit,
        })
    }
}

fn party(person: &Person, refs: &References) -> Value {
    let row = &person.erp;
    let mut contacts = Vec::new();
    if let Some(email) = &person.erp_email {
        contacts.push(json!({"type": "email", "value": email}));
    }
    if let Some(phone) = &person.erp_phone {
        contacts.push(json!({"type": "mobile", "value": phone}));
    }
    let mut party = json!({
        "name": row.full_name(),
        "code": format!("FEBRL-{}", person.number),
        "contact_mechanisms": [["create", contacts]],
    });
    // Every party gets an address, however little of it FEBRL has: Tryton quotes no sale
    // without an invoice address, and a record with only a postcode is real data too.
    let street = [row.street(), row.address_2.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n");
    let mut address = json!({
        "street": street,
        "city": row.suburb.clone().unwrap_or_default(),
        "postal_code": row.postcode.clone().unwrap_or_default(),
        "country": refs.australia,
        "invoice": true,
        "delivery": true,
    });
    let state = row
        .state
        .as_deref()
        .map(|s| format!("AU-{}", s.to_ascii_uppercase()));
    if let Some(id) = state.and_then(|code| refs.states.get(&code)) {
        address["subdivision"] = json!(id);
    }
    party["addresses"] = json!([["create", [address]]]);
    party
}

fn sale(
    person: &Person,
    party: i64,
    address: Option<Value>,
    channel: &str,
    index: usize,
    refs: &References,
) -> Value {
    let (product, price) = refs.products[(person.number as usize + index) % refs.products.len()];
    let day = 1 + (person.number as usize + 7 * index) % 28;
    let mut sale = json!({
        "party": party,
        "description": channel,
        "reference": format!("FEBRL-{}-{}", person.number, index + 1),
        "sale_date": {"__class__": "date", "year": 2026, "month": 1 + index % 11, "day": day},
        "lines": [["create", [{
            "product": product,
            "quantity": 1 + (person.number as usize + index) % 3,
            "unit": refs.unit,
            "unit_price": {"__class__": "Decimal", "decimal": price},
        }]]],
    });
    if let Some(address) = address.filter(|a| !a.is_null()) {
        sale["invoice_address"] = address.clone();
        sale["shipment_address"] = address;
    }
    sale
}

async fn first_id(client: &TrytonClient, model: &str, domain: Value) -> Result<i64, LoadError> {
    let found = client
        .call(
            &format!("model.{model}.search"),
            vec![domain.clone(), json!(0), json!(1), Value::Null],
            None,
        )
        .await?;
    found[0].as_i64().ok_or_else(|| {
        LoadError::Unexpected(format!(
            "Tryton has no {model} matching {domain}; was the database seeded by \
             tests/systems/tryton/seed.py?"
        ))
    })
}

fn ids_of(answer: Value) -> Result<Vec<i64>, LoadError> {
    as_list(&answer)?
        .iter()
        .map(|v| {
            v.as_i64()
                .ok_or_else(|| LoadError::Unexpected("Tryton answered a create without IDs".into()))
        })
        .collect()
}

fn as_list(answer: &Value) -> Result<&Vec<Value>, LoadError> {
    answer
        .as_array()
        .ok_or_else(|| LoadError::Unexpected("Tryton answered with no list".into()))
}
