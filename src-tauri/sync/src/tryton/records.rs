//! Tryton's records as Concord reads them: each keeps the JSON it came from next to the fields
//! Concord needs. Decoding a record returns a reason on failure, never panics.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::value;
use crate::connector::AccountFields;

/// Read access to one record's JSON object with reasons for every way a field can be wrong.
pub(crate) struct Fields<'a> {
    object: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    pub fn of(value: &'a Value) -> Result<Self, String> {
        value
            .as_object()
            .map(|object| Self { object })
            .ok_or_else(|| "not an object".into())
    }

    fn get(&self, name: &str) -> &'a Value {
        self.object.get(name).unwrap_or(&Value::Null)
    }

    pub fn id(&self, name: &str) -> Result<i64, String> {
        self.get(name)
            .as_i64()
            .ok_or_else(|| format!("{name} is missing or not an integer"))
    }

    pub fn opt_id(&self, name: &str) -> Result<Option<i64>, String> {
        match self.get(name) {
            Value::Null => Ok(None),
            v => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| format!("{name} is not an integer")),
        }
    }

    /// A text field; Tryton sends `null` (and sometimes `false`) for an empty one.
    pub fn opt_text(&self, name: &str) -> Result<Option<String>, String> {
        match self.get(name) {
            Value::Null | Value::Bool(false) => Ok(None),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            _ => Err(format!("{name} is not text")),
        }
    }

    pub fn text(&self, name: &str) -> Result<String, String> {
        self.opt_text(name)?
            .ok_or_else(|| format!("{name} is missing"))
    }

    pub fn bool(&self, name: &str) -> Result<bool, String> {
        value::decode_bool(self.get(name)).map_err(|e| format!("{name}: {e}"))
    }

    pub fn datetime(&self, name: &str) -> Result<DateTime<Utc>, String> {
        value::decode_datetime(self.get(name)).map_err(|e| format!("{name}: {e}"))
    }

    pub fn opt_date(&self, name: &str) -> Result<Option<NaiveDate>, String> {
        match self.get(name) {
            Value::Null => Ok(None),
            v => value::decode_date(v)
                .map(Some)
                .map_err(|e| format!("{name}: {e}")),
        }
    }

    pub fn opt_decimal(&self, name: &str) -> Result<Option<Decimal>, String> {
        match self.get(name) {
            Value::Null => Ok(None),
            v => value::decode_decimal(v)
                .map(Some)
                .map_err(|e| format!("{name}: {e}")),
        }
    }

    pub fn opt_f64(&self, name: &str) -> Result<Option<f64>, String> {
        match self.get(name) {
            Value::Null => Ok(None),
            v => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| format!("{name} is not a number")),
        }
    }

    pub fn ids(&self, name: &str) -> Result<Vec<i64>, String> {
        match self.get(name) {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => items
                .iter()
                .map(|v| {
                    v.as_i64()
                        .ok_or_else(|| format!("{name} holds a non-integer"))
                })
                .collect(),
            _ => Err(format!("{name} is not a list")),
        }
    }

    /// A field of a related record read with a dotted name: `"country.code"` arrives under
    /// `"country."` as `{"code": ..., "id": ...}`.
    pub fn related_text(&self, relation: &str, field: &str) -> Result<Option<String>, String> {
        match self.get(&format!("{relation}.")) {
            Value::Null => Ok(None),
            Value::Object(_) => Fields::of(self.get(&format!("{relation}.")))?.opt_text(field),
            _ => Err(format!("{relation}.{field} is not an object")),
        }
    }

    /// The names of a many2many read with a dotted name (`"categories.name"`).
    pub fn related_texts(&self, relation: &str, field: &str) -> Result<Vec<String>, String> {
        match self.get(&format!("{relation}.")) {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => items
                .iter()
                .filter_map(|item| Fields::of(item).and_then(|f| f.opt_text(field)).transpose())
                .collect(),
            _ => Err(format!("{relation}.{field} is not a list")),
        }
    }
}

/// A party (customer) of Tryton with its active addresses and contact mechanisms.
#[derive(Debug, Clone, PartialEq)]
pub struct TrytonParty {
    pub id: i64,
    pub code: Option<String>,
    pub name: Option<String>,
    pub active: bool,
    /// Names of the party's categories, as stored.
    pub categories: Vec<String>,
    /// Customer type, price level and tax exemption, read from the categories.
    pub account: AccountFields,
    pub addresses: Vec<TrytonAddress>,
    pub contacts: Vec<TrytonContact>,
    /// The latest change to the party, its addresses or its contact mechanisms.
    pub last_modified_at: DateTime<Utc>,
    /// Tryton's version stamp of the party itself, sent back with a write.
    pub timestamp: String,
    /// The party as received (its `addresses` and `contact_mechanisms` are IDs).
    pub raw: Value,
}

/// A postal address of a party; also the bill-to/ship-to of a sale order.
#[derive(Debug, Clone, PartialEq)]
pub struct TrytonAddress {
    pub id: i64,
    pub party: Option<i64>,
    /// The name on the address when it differs from the party's.
    pub party_name: Option<String>,
    /// Street lines, newline separated.
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2, when a country is set and still exists.
    pub country_code: Option<String>,
    /// ISO 3166-2 (`US-IL`), when set.
    pub subdivision_code: Option<String>,
    /// Used for invoices (bill-to).
    pub invoice: bool,
    /// Used for deliveries (ship-to).
    pub delivery: bool,
    pub sequence: Option<i64>,
    pub active: bool,
    pub last_modified_at: DateTime<Utc>,
    pub timestamp: String,
    pub raw: Value,
}

/// How a contact mechanism reaches the party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactKind {
    Email,
    Phone,
    Mobile,
    Fax,
    /// Any other Tryton type (`website`, `skype`, ...), kept by name.
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrytonContact {
    pub id: i64,
    pub kind: ContactKind,
    pub value: String,
    /// A label such as "Accounts".
    pub name: Option<String>,
    pub invoice: bool,
    pub delivery: bool,
    pub active: bool,
    pub last_modified_at: DateTime<Utc>,
    pub timestamp: String,
    pub raw: Value,
}

/// A sale order with its lines and the addresses it names.
#[derive(Debug, Clone, PartialEq)]
pub struct TrytonSale {
    pub id: i64,
    /// Null while the sale is a draft; set when it is quoted.
    pub number: Option<String>,
    /// The customer's own reference.
    pub reference: Option<String>,
    pub state: String,
    pub sale_date: Option<NaiveDate>,
    pub party: i64,
    /// Where the order was taken (phone, mail, shop, ...), read as configured.
    pub channel: String,
    pub currency: Option<String>,
    pub untaxed_amount: Option<Decimal>,
    pub tax_amount: Option<Decimal>,
    pub total_amount: Option<Decimal>,
    pub lines: Vec<TrytonSaleLine>,
    /// Bill-to as the address reads now: Tryton keeps a reference, not a snapshot.
    pub invoice_address: Option<TrytonAddress>,
    /// Ship-to, likewise.
    pub shipment_address: Option<TrytonAddress>,
    /// The latest change to the sale or its lines.
    pub last_modified_at: DateTime<Utc>,
    pub timestamp: String,
    pub raw: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrytonSaleLine {
    pub id: i64,
    /// `line`, `subtotal`, `title` or `comment`.
    pub kind: String,
    pub product_code: Option<String>,
    pub description: Option<String>,
    pub quantity: Option<f64>,
    pub unit_price: Option<Decimal>,
    pub amount: Option<Decimal>,
    pub raw: Value,
}

pub(crate) const ADDRESS_FIELDS: &[&str] = &[
    "id",
    "party",
    "party_name",
    "street",
    "postal_code",
    "city",
    "country.code",
    "subdivision.code",
    "invoice",
    "delivery",
    "sequence",
    "active",
    "last_modified_at",
    "_timestamp",
];

pub(crate) const CONTACT_FIELDS: &[&str] = &[
    "id",
    "party",
    "type",
    "value",
    "name",
    "invoice",
    "delivery",
    "active",
    "last_modified_at",
    "_timestamp",
];

pub(crate) const LINE_FIELDS: &[&str] = &[
    "id",
    "sale",
    "type",
    "product.code",
    "description",
    "quantity",
    "unit_price",
    "amount",
    "last_modified_at",
];

pub(crate) fn address(raw: &Value) -> Result<TrytonAddress, String> {
    let f = Fields::of(raw)?;
    Ok(TrytonAddress {
        id: f.id("id")?,
        party: f.opt_id("party")?,
        party_name: f.opt_text("party_name")?,
        street: f.opt_text("street")?,
        postal_code: f.opt_text("postal_code")?,
        city: f.opt_text("city")?,
        country_code: f.related_text("country", "code")?,
        subdivision_code: f.related_text("subdivision", "code")?,
        invoice: f.bool("invoice")?,
        delivery: f.bool("delivery")?,
        sequence: f.opt_id("sequence")?,
        active: f.bool("active")?,
        last_modified_at: f.datetime("last_modified_at")?,
        timestamp: f.text("_timestamp")?,
        raw: raw.clone(),
    })
}

pub(crate) fn contact(raw: &Value) -> Result<TrytonContact, String> {
    let f = Fields::of(raw)?;
    let kind = match f.text("type")?.as_str() {
        "email" => ContactKind::Email,
        "phone" => ContactKind::Phone,
        "mobile" => ContactKind::Mobile,
        "fax" => ContactKind::Fax,
        other => ContactKind::Other(other.to_owned()),
    };
    Ok(TrytonContact {
        id: f.id("id")?,
        kind,
        value: f.opt_text("value")?.unwrap_or_default(),
        name: f.opt_text("name")?,
        invoice: f.bool("invoice")?,
        delivery: f.bool("delivery")?,
        active: f.bool("active")?,
        last_modified_at: f.datetime("last_modified_at")?,
        timestamp: f.text("_timestamp")?,
        raw: raw.clone(),
    })
}

pub(crate) fn line(raw: &Value) -> Result<TrytonSaleLine, String> {
    let f = Fields::of(raw)?;
    Ok(TrytonSaleLine {
        id: f.id("id")?,
        kind: f.opt_text("type")?.unwrap_or_else(|| "line".to_owned()),
        product_code: f.related_text("product", "code")?,
        description: f.opt_text("description")?,
        quantity: f.opt_f64("quantity")?,
        unit_price: f.opt_decimal("unit_price")?,
        amount: f.opt_decimal("amount")?,
        raw: raw.clone(),
    })
}
