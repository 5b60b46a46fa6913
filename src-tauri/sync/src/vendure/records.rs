//! Vendure's records as Concord reads them: each keeps the JSON it came from next to the
//! fields Concord needs. Decoding returns a reason on failure, never panics.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::connector::{AccountFields, AccountMapping};

/// Read access to one GraphQL object with a reason for every way a field can be wrong.
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

    pub fn get(&self, name: &str) -> &'a Value {
        self.object.get(name).unwrap_or(&Value::Null)
    }

    /// GraphQL IDs are strings; some servers send numbers.
    pub fn id(&self, name: &str) -> Result<String, String> {
        match self.get(name) {
            Value::String(s) if !s.is_empty() => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(format!("{name} is missing or not an ID")),
        }
    }

    /// Text, with Vendure's empty strings read as absent.
    pub fn opt_text(&self, name: &str) -> Result<Option<String>, String> {
        match self.get(name) {
            Value::Null => Ok(None),
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
        match self.get(name) {
            Value::Bool(b) => Ok(*b),
            Value::Null => Ok(false),
            _ => Err(format!("{name} is not a boolean")),
        }
    }

    /// Money in minor units (cents).
    pub fn money(&self, name: &str) -> Result<i64, String> {
        self.get(name)
            .as_i64()
            .ok_or_else(|| format!("{name} is missing or not whole minor units"))
    }

    pub fn datetime(&self, name: &str) -> Result<DateTime<Utc>, String> {
        self.opt_datetime(name)?
            .ok_or_else(|| format!("{name} is missing"))
    }

    pub fn opt_datetime(&self, name: &str) -> Result<Option<DateTime<Utc>>, String> {
        match self.get(name) {
            Value::Null => Ok(None),
            Value::String(s) => DateTime::parse_from_rfc3339(s)
                .map(|d| Some(d.with_timezone(&Utc)))
                .map_err(|e| format!("{name} is not an RFC 3339 date-time: {e}")),
            _ => Err(format!("{name} is not a date-time")),
        }
    }

    pub fn list(&self, name: &str) -> Result<&'a [Value], String> {
        match self.get(name) {
            Value::Null => Ok(&[]),
            Value::Array(items) => Ok(items),
            _ => Err(format!("{name} is not a list")),
        }
    }
}

/// A web store customer: registered (has a user account) or a guest (made by an order).
#[derive(Debug, Clone, PartialEq)]
pub struct VendureCustomer {
    pub id: String,
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Has a login of its own; a guest has none.
    pub registered: bool,
    /// Names of the customer groups, as stored.
    pub groups: Vec<String>,
    /// Customer type, price level and tax exemption, read from the groups.
    pub account: AccountFields,
    pub addresses: Vec<VendureAddress>,
    /// The customer's orders as nested in the customer (up to the first page of them).
    pub orders: Vec<VendureOrder>,
    pub created_at: DateTime<Utc>,
    /// Second precision; editing an address does not change it.
    pub updated_at: DateTime<Utc>,
    pub raw: Value,
}

/// An address in a customer's address book.
#[derive(Debug, Clone, PartialEq)]
pub struct VendureAddress {
    pub id: String,
    pub full_name: Option<String>,
    pub company: Option<String>,
    pub street_line1: Option<String>,
    pub street_line2: Option<String>,
    pub city: Option<String>,
    pub province: Option<String>,
    pub postal_code: Option<String>,
    pub country_code: Option<String>,
    pub phone: Option<String>,
    pub default_shipping: bool,
    pub default_billing: bool,
    pub updated_at: Option<DateTime<Utc>>,
    pub raw: Value,
}

/// An order's bill-to or ship-to as it was when the order was placed (a snapshot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendureOrderAddress {
    pub full_name: Option<String>,
    pub company: Option<String>,
    pub street_line1: Option<String>,
    pub street_line2: Option<String>,
    pub city: Option<String>,
    pub province: Option<String>,
    pub postal_code: Option<String>,
    pub country_code: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VendureOrder {
    pub id: String,
    pub code: String,
    pub state: String,
    /// Still a cart (or draft), not placed.
    pub active: bool,
    pub placed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub currency: Option<String>,
    pub customer_id: Option<String>,
    pub customer_email: Option<String>,
    /// The customer has no login of their own: a guest checkout.
    pub guest: bool,
    /// Every Vendure order is a web store order.
    pub channel: String,
    /// Minor units; with tax unless the name says otherwise.
    pub sub_total: i64,
    pub shipping: i64,
    pub total: i64,
    pub total_without_tax: i64,
    pub lines: Vec<VendureOrderLine>,
    pub billing_address: Option<VendureOrderAddress>,
    pub shipping_address: Option<VendureOrderAddress>,
    pub raw: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendureOrderLine {
    pub id: String,
    pub sku: Option<String>,
    pub name: Option<String>,
    pub quantity: i64,
    /// Minor units, with tax.
    pub unit_price: i64,
    pub line_total: i64,
}

/// The fields of an order, shared by the orders listing and customers' nested orders.
pub(crate) const ORDER_FIELDS: &str = "
    id code state active orderPlacedAt createdAt updatedAt currencyCode
    subTotalWithTax shippingWithTax total totalWithTax
    customer { id emailAddress user { id } }
    billingAddress { ...OrderAddress } shippingAddress { ...OrderAddress }
    lines { id quantity unitPriceWithTax linePriceWithTax productVariant { sku name } }";

pub(crate) const ORDER_ADDRESS_FRAGMENT: &str = "
    fragment OrderAddress on OrderAddress {
        fullName company streetLine1 streetLine2 city province postalCode countryCode
        phoneNumber
    }";

pub(crate) const CUSTOMER_FIELDS: &str = "
    id title firstName lastName emailAddress phoneNumber createdAt updatedAt
    user { id } groups { name }
    addresses {
        id updatedAt fullName company streetLine1 streetLine2 city province postalCode
        country { code } phoneNumber defaultShippingAddress defaultBillingAddress
    }";

pub(crate) fn customer(
    raw: &Value,
    orders: Vec<VendureOrder>,
    account: &AccountMapping,
) -> Result<VendureCustomer, String> {
    let f = Fields::of(raw)?;
    let addresses = f
        .list("addresses")?
        .iter()
        .map(|a| address(a).map_err(|e| format!("address: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let groups = f
        .list("groups")?
        .iter()
        .filter_map(|g| Fields::of(g).and_then(|g| g.opt_text("name")).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(VendureCustomer {
        id: f.id("id")?,
        title: f.opt_text("title")?,
        first_name: f.opt_text("firstName")?,
        last_name: f.opt_text("lastName")?,
        email: f.opt_text("emailAddress")?,
        phone: f.opt_text("phoneNumber")?,
        registered: !f.get("user").is_null(),
        account: account.read(&groups),
        groups,
        addresses,
        orders,
        created_at: f.datetime("createdAt")?,
        updated_at: f.datetime("updatedAt")?,
        raw: raw.clone(),
    })
}

fn address(raw: &Value) -> Result<VendureAddress, String> {
    let f = Fields::of(raw)?;
    let country_code = match f.get("country") {
        Value::Null => None,
        country => Fields::of(country)?.opt_text("code")?,
    };
    Ok(VendureAddress {
        id: f.id("id")?,
        full_name: f.opt_text("fullName")?,
        company: f.opt_text("company")?,
        street_line1: f.opt_text("streetLine1")?,
        street_line2: f.opt_text("streetLine2")?,
        city: f.opt_text("city")?,
        province: f.opt_text("province")?,
        postal_code: f.opt_text("postalCode")?,
        country_code,
        phone: f.opt_text("phoneNumber")?,
        default_shipping: f.bool("defaultShippingAddress")?,
        default_billing: f.bool("defaultBillingAddress")?,
        updated_at: f.opt_datetime("updatedAt")?,
        raw: raw.clone(),
    })
}

fn order_address(raw: &Value) -> Result<Option<VendureOrderAddress>, String> {
    if raw.is_null() {
        return Ok(None);
    }
    let f = Fields::of(raw)?;
    let snapshot = VendureOrderAddress {
        full_name: f.opt_text("fullName")?,
        company: f.opt_text("company")?,
        street_line1: f.opt_text("streetLine1")?,
        street_line2: f.opt_text("streetLine2")?,
        city: f.opt_text("city")?,
        province: f.opt_text("province")?,
        postal_code: f.opt_text("postalCode")?,
        country_code: f.opt_text("countryCode")?,
        phone: f.opt_text("phoneNumber")?,
    };
    // An order without an address still answers an object of nulls.
    let empty = snapshot.street_line1.is_none()
        && snapshot.city.is_none()
        && snapshot.postal_code.is_none()
        && snapshot.full_name.is_none();
    Ok((!empty).then_some(snapshot))
}

pub(crate) fn order(raw: &Value) -> Result<VendureOrder, String> {
    let f = Fields::of(raw)?;
    let (customer_id, customer_email, guest) = match f.get("customer") {
        Value::Null => (None, None, true),
        customer => {
            let c = Fields::of(customer)?;
            (
                Some(c.id("id")?),
                c.opt_text("emailAddress")?,
                c.get("user").is_null(),
            )
        }
    };
    let lines = f
        .list("lines")?
        .iter()
        .map(|line| {
            let l = Fields::of(line)?;
            let variant = l.get("productVariant");
            let (sku, name) = match variant {
                Value::Null => (None, None),
                v => {
                    let v = Fields::of(v)?;
                    (v.opt_text("sku")?, v.opt_text("name")?)
                }
            };
            Ok(VendureOrderLine {
                id: l.id("id")?,
                sku,
                name,
                quantity: l
                    .money("quantity")
                    .map_err(|_| "line quantity is not whole")?,
                unit_price: l.money("unitPriceWithTax")?,
                line_total: l.money("linePriceWithTax")?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(VendureOrder {
        id: f.id("id")?,
        code: f.text("code")?,
        state: f.text("state")?,
        active: f.bool("active")?,
        placed_at: f.opt_datetime("orderPlacedAt")?,
        updated_at: f.datetime("updatedAt")?,
        currency: f.opt_text("currencyCode")?,
        customer_id,
        customer_email,
        guest,
        channel: "web".to_owned(),
        sub_total: f.money("subTotalWithTax")?,
        shipping: f.money("shippingWithTax")?,
        total: f.money("totalWithTax")?,
        total_without_tax: f.money("total")?,
        lines,
        billing_address: order_address(f.get("billingAddress"))
            .map_err(|e| format!("billing address: {e}"))?,
        shipping_address: order_address(f.get("shippingAddress"))
            .map_err(|e| format!("shipping address: {e}"))?,
        raw: raw.clone(),
    })
}
