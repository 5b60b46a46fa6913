//! The web store's records and the rules that change them, with no GraphQL in sight.
//!
//! Each table has its own counter, as Vendure's SQL tables do, so IDs are `"1"`, `"2"`, ...
//! per kind. Dates follow Vendure on SQLite: `createdAt` and `updatedAt` have whole seconds,
//! `orderPlacedAt` has milliseconds. Only an edit that changes a customer's own columns moves
//! its `updatedAt`; address and group changes do not, as in Vendure.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// The currency of the default channel.
pub const CURRENCY: &str = "USD";

/// Countries the store knows (code, name), as `tests/systems/vendure/seed.js` creates them.
pub const COUNTRIES: &[(&str, &str)] = &[
    ("US", "United States"),
    ("AU", "Australia"),
    ("GB", "United Kingdom"),
    ("CA", "Canada"),
    ("DE", "Germany"),
    ("NZ", "New Zealand"),
    // Not in the real server's seed: the sandbox population has people in France.
    ("FR", "France"),
];

/// The catalogue: one variant per product (SKU, name, price in minor units, no tax).
pub const VARIANTS: &[(&str, &str, i64)] = &[
    ("WIDGET-1", "Widget", 1999),
    ("GADGET-1", "Gadget", 4500),
    ("GIZMO-1", "Gizmo", 750),
];

/// The one shipping method: (ID, code, name, flat rate in minor units).
pub const SHIPPING_METHOD: (u64, &str, &str, i64) = (1, "standard", "Standard", 500);

/// The payment methods `addManualPaymentToOrder` accepts by code.
pub const PAYMENT_METHODS: &[&str] = &["manual"];

/// Rounds down to the whole second, as Vendure's `updatedAt` on SQLite is stored.
pub fn whole_seconds(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::seconds(1)).unwrap_or(at)
}

/// Rounds down to the millisecond, as JavaScript dates are.
pub fn whole_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::milliseconds(1)).unwrap_or(at)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: u64,
    pub title: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    /// The login of a registered customer; a guest has none.
    pub user_id: Option<u64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    pub id: u64,
    pub customer_id: u64,
    pub full_name: String,
    pub company: String,
    pub street_line1: String,
    pub street_line2: String,
    pub city: String,
    pub province: String,
    pub postal_code: String,
    pub country_code: String,
    pub phone: String,
    pub default_shipping: bool,
    pub default_billing: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: u64,
    pub name: String,
    pub customer_ids: BTreeSet<u64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An order's bill-to or ship-to, copied when set: later address book edits never reach it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderAddress {
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

impl OrderAddress {
    /// The country's name, as Vendure adds it to the snapshot.
    pub fn country(&self) -> Option<String> {
        let code = self.country_code.as_deref()?;
        country_name(code).map(str::to_owned)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderLine {
    pub id: u64,
    pub variant_id: u64,
    pub quantity: i64,
    pub unit_price: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: u64,
    pub code: String,
    pub state: String,
    /// A shopper's cart; draft orders made by an administrator are not active.
    pub active: bool,
    pub customer_id: Option<u64>,
    pub lines: Vec<OrderLine>,
    pub billing: OrderAddress,
    pub shipping: OrderAddress,
    pub shipping_method_id: Option<u64>,
    pub placed_at: Option<DateTime<Utc>>,
    /// ISO 4217; orders made through the API take the channel's ([`CURRENCY`]).
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Order {
    pub fn sub_total(&self) -> i64 {
        self.lines.iter().map(|l| l.quantity * l.unit_price).sum()
    }

    pub fn shipping_price(&self) -> i64 {
        match self.shipping_method_id {
            Some(id) if id == SHIPPING_METHOD.0 => SHIPPING_METHOD.3,
            _ => 0,
        }
    }

    pub fn total(&self) -> i64 {
        self.sub_total() + self.shipping_price()
    }

    pub fn total_quantity(&self) -> i64 {
        self.lines.iter().map(|l| l.quantity).sum()
    }
}

pub fn country_name(code: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, name)| *name)
}

/// A variant by its ID (1-based position in [`VARIANTS`]).
pub fn variant(id: u64) -> Option<(&'static str, &'static str, i64)> {
    let index = usize::try_from(id).ok()?.checked_sub(1)?;
    VARIANTS.get(index).copied()
}

/// Why a change was refused, in the terms of Vendure's error results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such record: Vendure answers a GraphQL error `ENTITY_NOT_FOUND`.
    NotFound {
        entity: &'static str,
        id: String,
    },
    /// Another registered customer has this email.
    EmailConflict,
    /// The order can no longer be changed this way.
    OrderModification,
    NegativeQuantity,
    IneligibleShippingMethod,
    /// The state machine does not allow the move (or its guard failed: `reason`).
    Transition {
        from: String,
        to: String,
        reason: String,
    },
    ManualPaymentState,
    /// An input Vendure rejects with a GraphQL error (`USER_INPUT_ERROR`).
    Input(String),
}

/// What a customer is created or updated with; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CustomerFields {
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// What an address is created or updated with; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AddressFields {
    pub full_name: Option<String>,
    pub company: Option<String>,
    pub street_line1: Option<String>,
    pub street_line2: Option<String>,
    pub city: Option<String>,
    pub province: Option<String>,
    pub postal_code: Option<String>,
    pub country_code: Option<String>,
    pub phone: Option<String>,
    pub default_shipping: Option<bool>,
    pub default_billing: Option<bool>,
}

impl AddressFields {
    fn snapshot(self) -> OrderAddress {
        let keep = |v: Option<String>| v.filter(|s| !s.is_empty());
        OrderAddress {
            full_name: keep(self.full_name),
            company: keep(self.company),
            street_line1: keep(self.street_line1),
            street_line2: keep(self.street_line2),
            city: keep(self.city),
            province: keep(self.province),
            postal_code: keep(self.postal_code),
            country_code: keep(self.country_code.map(|c| c.to_ascii_uppercase())),
            phone: keep(self.phone),
        }
    }
}

/// Every record of the web store. The maps are read freely within the crate; changes go
/// through the methods, which keep the per-customer indexes in step.
#[derive(Debug, Default)]
pub struct Store {
    pub(crate) customers: BTreeMap<u64, Customer>,
    pub(crate) addresses: BTreeMap<u64, Address>,
    pub(crate) groups: BTreeMap<u64, Group>,
    pub(crate) orders: BTreeMap<u64, Order>,
    /// Each customer's addresses and orders, so reading a page of customers does not scan
    /// every address and order of a large store.
    addresses_by_customer: BTreeMap<u64, BTreeSet<u64>>,
    orders_by_customer: BTreeMap<u64, BTreeSet<u64>>,
    /// Customers by email, without case: an import may hold several under one email.
    customers_by_email: HashMap<String, BTreeSet<u64>>,
    next_customer: u64,
    next_address: u64,
    next_group: u64,
    next_order: u64,
    next_line: u64,
    next_user: u64,
}

fn next(counter: &mut u64) -> u64 {
    *counter += 1;
    *counter
}

fn unknown_country(code: &str) -> Refusal {
    Refusal::Input(format!("The countryCode \"{code}\" was not recognized"))
}

fn not_found(entity: &'static str, id: u64) -> Refusal {
    Refusal::NotFound {
        entity,
        id: id.to_string(),
    }
}

/// Sets `target` to `value` when given, and says whether that changed anything.
fn assign<T: PartialEq>(target: &mut T, value: Option<T>) -> bool {
    match value {
        Some(value) if *target != value => {
            *target = value;
            true
        }
        _ => false,
    }
}

impl Store {
    pub fn customers(&self) -> impl Iterator<Item = &Customer> {
        self.customers.values()
    }

    pub fn addresses(&self) -> impl Iterator<Item = &Address> {
        self.addresses.values()
    }

    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.values()
    }

    pub fn orders(&self) -> impl Iterator<Item = &Order> {
        self.orders.values()
    }

    fn insert_address(&mut self, address: Address) {
        self.addresses_by_customer
            .entry(address.customer_id)
            .or_default()
            .insert(address.id);
        let id = address.id;
        self.addresses.insert(id, address);
        self.single_default(id);
    }

    fn insert_order(&mut self, order: Order) {
        if let Some(customer) = order.customer_id {
            self.orders_by_customer
                .entry(customer)
                .or_default()
                .insert(order.id);
        }
        self.orders.insert(order.id, order);
    }

    pub fn customer(&self, id: u64) -> Result<&Customer, Refusal> {
        self.customers.get(&id).ok_or(not_found("Customer", id))
    }

    pub fn order(&self, id: u64) -> Result<&Order, Refusal> {
        self.orders.get(&id).ok_or(not_found("Order", id))
    }

    /// The first customer (by ID) with this email, whatever its case.
    fn email_owner(&self, email: &str) -> Option<&Customer> {
        let ids = self.customers_by_email.get(&email_key(email))?;
        ids.iter().find_map(|id| self.customers.get(id))
    }

    fn insert_customer(&mut self, customer: Customer) {
        self.customers_by_email
            .entry(email_key(&customer.email))
            .or_default()
            .insert(customer.id);
        self.customers.insert(customer.id, customer);
    }

    fn unindex_email(&mut self, id: u64, email: &str) {
        let key = email_key(email);
        if let Some(ids) = self.customers_by_email.get_mut(&key) {
            ids.remove(&id);
            if ids.is_empty() {
                self.customers_by_email.remove(&key);
            }
        }
    }

    /// Creates a registered customer (with a login). Any customer with the same email, a
    /// guest too, makes it an email conflict, as on Vendure 3.7.3.
    pub fn create_customer(
        &mut self,
        fields: CustomerFields,
        now: DateTime<Utc>,
    ) -> Result<u64, Refusal> {
        let now = whole_seconds(now);
        let email = fields.email.clone().unwrap_or_default();
        if self.email_owner(&email).is_some() {
            return Err(Refusal::EmailConflict);
        }
        let id = next(&mut self.next_customer);
        let user = next(&mut self.next_user);
        let mut customer = Customer {
            id,
            title: None,
            first_name: String::new(),
            last_name: String::new(),
            email: String::new(),
            phone: None,
            user_id: Some(user),
            created_at: now,
            updated_at: now,
        };
        apply_customer_fields(&mut customer, fields);
        self.insert_customer(customer);
        Ok(id)
    }

    /// Finds the customer with this email or makes a guest, for a checkout without a login.
    pub fn guest_for_order(
        &mut self,
        fields: CustomerFields,
        now: DateTime<Utc>,
    ) -> Result<u64, Refusal> {
        let now = whole_seconds(now);
        let email = fields.email.clone().unwrap_or_default();
        if let Some(existing) = self.email_owner(&email) {
            if existing.user_id.is_some() {
                return Err(Refusal::EmailConflict);
            }
            let id = existing.id;
            let customer = self.customers.get_mut(&id).expect("found above");
            if apply_customer_fields(customer, fields) {
                customer.updated_at = now;
            }
            return Ok(id);
        }
        let id = next(&mut self.next_customer);
        let mut customer = Customer {
            id,
            title: None,
            first_name: String::new(),
            last_name: String::new(),
            email: String::new(),
            phone: None,
            user_id: None,
            created_at: now,
            updated_at: now,
        };
        apply_customer_fields(&mut customer, fields);
        self.insert_customer(customer);
        Ok(id)
    }

    /// Changes a customer's own fields; `updatedAt` moves only when something changed.
    pub fn update_customer(
        &mut self,
        id: u64,
        fields: CustomerFields,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        if let Some(email) = &fields.email {
            if self.email_owner(email).is_some_and(|c| c.id != id) {
                return Err(Refusal::EmailConflict);
            }
        }
        let customer = self
            .customers
            .get_mut(&id)
            .ok_or(not_found("Customer", id))?;
        let before = customer.email.clone();
        if apply_customer_fields(customer, fields) {
            customer.updated_at = whole_seconds(now);
        }
        let after = customer.email.clone();
        if email_key(&before) != email_key(&after) {
            self.unindex_email(id, &before);
            self.customers_by_email
                .entry(email_key(&after))
                .or_default()
                .insert(id);
        }
        Ok(())
    }

    /// Deletes a customer with its addresses; orders keep their snapshots.
    pub fn delete_customer(&mut self, id: u64) -> Result<(), Refusal> {
        let customer = self
            .customers
            .remove(&id)
            .ok_or(not_found("Customer", id))?;
        self.unindex_email(id, &customer.email);
        for address in self.addresses_by_customer.remove(&id).unwrap_or_default() {
            self.addresses.remove(&address);
        }
        for group in self.groups.values_mut() {
            group.customer_ids.remove(&id);
        }
        Ok(())
    }

    pub fn create_address(
        &mut self,
        customer_id: u64,
        fields: AddressFields,
        now: DateTime<Utc>,
    ) -> Result<u64, Refusal> {
        self.customer(customer_id)?;
        let country = fields.country_code.clone().unwrap_or_default();
        if country_name(&country).is_none() {
            return Err(unknown_country(&country));
        }
        let now = whole_seconds(now);
        let id = next(&mut self.next_address);
        let mut address = Address {
            id,
            customer_id,
            full_name: String::new(),
            company: String::new(),
            street_line1: String::new(),
            street_line2: String::new(),
            city: String::new(),
            province: String::new(),
            postal_code: String::new(),
            country_code: String::new(),
            phone: String::new(),
            default_shipping: false,
            default_billing: false,
            created_at: now,
            updated_at: now,
        };
        apply_address_fields(&mut address, fields);
        self.insert_address(address);
        Ok(id)
    }

    /// Changes an address; its customer's `updatedAt` stays as it was (Vendure's behaviour).
    pub fn update_address(
        &mut self,
        id: u64,
        fields: AddressFields,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        if let Some(country) = &fields.country_code {
            if country_name(country).is_none() {
                return Err(unknown_country(country));
            }
        }
        let address = self
            .addresses
            .get_mut(&id)
            .ok_or(not_found("Address", id))?;
        if apply_address_fields(address, fields) {
            address.updated_at = whole_seconds(now);
        }
        self.single_default(id);
        Ok(())
    }

    pub fn delete_address(&mut self, id: u64) -> Result<(), Refusal> {
        let address = self.addresses.remove(&id).ok_or(not_found("Address", id))?;
        if let Some(ids) = self.addresses_by_customer.get_mut(&address.customer_id) {
            ids.remove(&id);
        }
        Ok(())
    }

    /// A customer has at most one default ship-to and one default bill-to: the address just
    /// written wins.
    fn single_default(&mut self, winner: u64) {
        let Some(address) = self.addresses.get(&winner) else {
            return;
        };
        let (customer, shipping, billing) = (
            address.customer_id,
            address.default_shipping,
            address.default_billing,
        );
        if !shipping && !billing {
            return;
        }
        let siblings = self
            .addresses_by_customer
            .get(&customer)
            .cloned()
            .unwrap_or_default();
        for other in siblings.into_iter().filter(|id| *id != winner) {
            if let Some(other) = self.addresses.get_mut(&other) {
                other.default_shipping &= !shipping;
                other.default_billing &= !billing;
            }
        }
    }

    pub fn addresses_of(&self, customer_id: u64) -> Vec<&Address> {
        self.addresses_by_customer
            .get(&customer_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.addresses.get(id))
            .collect()
    }

    pub fn groups_of(&self, customer_id: u64) -> Vec<&Group> {
        self.groups
            .values()
            .filter(|g| g.customer_ids.contains(&customer_id))
            .collect()
    }

    pub fn create_group(
        &mut self,
        name: String,
        customer_ids: &[u64],
        now: DateTime<Utc>,
    ) -> Result<u64, Refusal> {
        for id in customer_ids {
            self.customer(*id)?;
        }
        let now = whole_seconds(now);
        let id = next(&mut self.next_group);
        let members = customer_ids.iter().copied().collect();
        self.groups.insert(
            id,
            Group {
                id,
                name,
                customer_ids: members,
                created_at: now,
                updated_at: now,
            },
        );
        Ok(id)
    }

    pub fn add_to_group(&mut self, group_id: u64, customer_ids: &[u64]) -> Result<(), Refusal> {
        for id in customer_ids {
            self.customer(*id)?;
        }
        let group = self
            .groups
            .get_mut(&group_id)
            .ok_or(not_found("CustomerGroup", group_id))?;
        group.customer_ids.extend(customer_ids);
        Ok(())
    }

    pub fn remove_from_group(
        &mut self,
        group_id: u64,
        customer_ids: &[u64],
    ) -> Result<(), Refusal> {
        let group = self
            .groups
            .get_mut(&group_id)
            .ok_or(not_found("CustomerGroup", group_id))?;
        for customer in customer_ids {
            group.customer_ids.remove(customer);
        }
        Ok(())
    }

    /// A new draft order; its code is derived from its ID so runs repeat exactly.
    pub fn create_draft_order(&mut self, now: DateTime<Utc>) -> u64 {
        let now = whole_seconds(now);
        let id = next(&mut self.next_order);
        self.orders.insert(
            id,
            Order {
                id,
                code: order_code(id),
                state: "Draft".to_owned(),
                active: false,
                customer_id: None,
                lines: Vec::new(),
                billing: OrderAddress::default(),
                shipping: OrderAddress::default(),
                shipping_method_id: None,
                placed_at: None,
                currency: CURRENCY.to_owned(),
                created_at: now,
                updated_at: now,
            },
        );
        id
    }

    fn draft_mut(&mut self, id: u64) -> Result<&mut Order, Refusal> {
        let order = self.orders.get_mut(&id).ok_or(not_found("Order", id))?;
        if order.state != "Draft" {
            return Err(Refusal::OrderModification);
        }
        Ok(order)
    }

    pub fn set_order_customer(
        &mut self,
        order_id: u64,
        customer_id: u64,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        self.customer(customer_id)?;
        let order = self.draft_mut(order_id)?;
        let previous = order.customer_id.replace(customer_id);
        order.updated_at = whole_seconds(now);
        if let Some(previous) = previous {
            if let Some(ids) = self.orders_by_customer.get_mut(&previous) {
                ids.remove(&order_id);
            }
        }
        self.orders_by_customer
            .entry(customer_id)
            .or_default()
            .insert(order_id);
        Ok(())
    }

    pub fn add_item(
        &mut self,
        order_id: u64,
        variant_id: u64,
        quantity: i64,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        if quantity < 0 {
            return Err(Refusal::NegativeQuantity);
        }
        let (_, _, price) = variant(variant_id).ok_or(not_found("ProductVariant", variant_id))?;
        self.draft_mut(order_id)?;
        let line_id = next(&mut self.next_line);
        let order = self.draft_mut(order_id)?;
        match order.lines.iter_mut().find(|l| l.variant_id == variant_id) {
            Some(line) => line.quantity += quantity,
            None => order.lines.push(OrderLine {
                id: line_id,
                variant_id,
                quantity,
                unit_price: price,
            }),
        }
        order.updated_at = whole_seconds(now);
        Ok(())
    }

    pub fn set_order_address(
        &mut self,
        order_id: u64,
        billing: bool,
        fields: AddressFields,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        let country = fields.country_code.clone().unwrap_or_default();
        if country_name(&country).is_none() {
            return Err(unknown_country(&country));
        }
        let order = self.draft_mut(order_id)?;
        let snapshot = fields.snapshot();
        if billing {
            order.billing = snapshot;
        } else {
            order.shipping = snapshot;
        }
        order.updated_at = whole_seconds(now);
        Ok(())
    }

    pub fn set_shipping_method(
        &mut self,
        order_id: u64,
        method_id: u64,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        let order = self.draft_mut(order_id)?;
        if method_id != SHIPPING_METHOD.0 {
            return Err(Refusal::IneligibleShippingMethod);
        }
        order.shipping_method_id = Some(method_id);
        order.updated_at = whole_seconds(now);
        Ok(())
    }

    /// Moves an order along Vendure's default order process (the part drafts go through).
    pub fn transition(
        &mut self,
        order_id: u64,
        to: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        let order = self
            .orders
            .get_mut(&order_id)
            .ok_or(not_found("Order", order_id))?;
        let from = order.state.clone();
        let refuse = |reason: &str| Refusal::Transition {
            from: from.clone(),
            to: to.to_owned(),
            reason: reason.to_owned(),
        };
        let allowed: &[&str] = match from.as_str() {
            "Draft" => &["ArrangingPayment", "Cancelled"],
            "ArrangingPayment" => &["PaymentAuthorized", "PaymentSettled", "Cancelled"],
            "PaymentAuthorized" => &["PaymentSettled", "Cancelled"],
            "PaymentSettled" => &["Shipped", "Delivered", "Cancelled"],
            "Shipped" => &["Delivered", "Cancelled"],
            _ => &[],
        };
        if !allowed.contains(&to) {
            return Err(refuse(&format!(
                "Cannot transition Order from \"{from}\" to \"{to}\""
            )));
        }
        if from == "Draft" && to == "ArrangingPayment" {
            // Checked in this order, with these words (the first one untranslated), by
            // Vendure 3.7.3.
            if order.lines.is_empty() {
                return Err(refuse(
                    "message.cannot-transition-to-payment-when-order-is-empty",
                ));
            }
            if order.customer_id.is_none() {
                return Err(refuse(
                    "Cannot transition Order to the \"ArrangingPayment\" state without Customer \
                     details",
                ));
            }
            if order.shipping_method_id.is_none() {
                return Err(refuse(
                    "Cannot transition Order to the \"ArrangingPayment\" state without a \
                     ShippingMethod",
                ));
            }
        }
        if (to == "PaymentAuthorized" || to == "PaymentSettled") && from == "ArrangingPayment" {
            // Vendure's default strategy: an order is placed when its payment goes through.
            order.placed_at = Some(whole_millis(now));
        }
        order.state = to.to_owned();
        order.updated_at = whole_seconds(now);
        Ok(())
    }

    /// Records a payment made outside the store. It settles at once and places the order;
    /// like Vendure, this does not move the order's `updatedAt`.
    pub fn add_manual_payment(
        &mut self,
        order_id: u64,
        method: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        let order = self
            .orders
            .get_mut(&order_id)
            .ok_or(not_found("Order", order_id))?;
        if order.state != "ArrangingPayment" {
            return Err(Refusal::ManualPaymentState);
        }
        if !PAYMENT_METHODS.contains(&method) {
            return Err(Refusal::Input(format!(
                "No PaymentMethod with the code \"{method}\" could be found"
            )));
        }
        order.state = "PaymentSettled".to_owned();
        order.placed_at = Some(whole_millis(now));
        Ok(())
    }

    /// Adds a customer as a data import would: dates and guest status as given, no checks
    /// (an import may hold what the API would refuse, such as two guests with one email).
    pub fn import_customer(&mut self, mut customer: Customer, registered: bool) -> u64 {
        customer.id = next(&mut self.next_customer);
        customer.user_id = registered.then(|| next(&mut self.next_user));
        customer.created_at = whole_seconds(customer.created_at);
        customer.updated_at = whole_seconds(customer.updated_at);
        let id = customer.id;
        self.insert_customer(customer);
        id
    }

    /// Adds an address to an imported customer, keeping one default of each kind.
    pub fn import_address(&mut self, mut address: Address) -> u64 {
        address.id = next(&mut self.next_address);
        address.created_at = whole_seconds(address.created_at);
        address.updated_at = whole_seconds(address.updated_at);
        let id = address.id;
        self.insert_address(address);
        id
    }

    /// Adds customers to the group of this name, making the group when it is new.
    pub fn import_group_member(&mut self, name: &str, customer_id: u64, at: DateTime<Utc>) {
        let existing = self.groups.values().find(|g| g.name == name).map(|g| g.id);
        let group = match existing {
            Some(group) => group,
            None => self
                .create_group(name.to_owned(), &[], at)
                .expect("no members to check"),
        };
        let _ = self.add_to_group(group, &[customer_id]);
    }

    /// Adds a placed order; its lines get IDs here and its code is kept.
    pub fn import_order(&mut self, mut order: Order) -> u64 {
        order.id = next(&mut self.next_order);
        for line in &mut order.lines {
            line.id = next(&mut self.next_line);
        }
        order.created_at = whole_seconds(order.created_at);
        order.updated_at = whole_seconds(order.updated_at);
        let id = order.id;
        self.insert_order(order);
        id
    }

    pub fn orders_of(&self, customer_id: u64) -> impl Iterator<Item = &Order> {
        self.orders_by_customer
            .get(&customer_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.orders.get(id))
    }
}

fn email_key(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}

/// Sets the given fields and says whether any changed.
fn apply_customer_fields(customer: &mut Customer, fields: CustomerFields) -> bool {
    let mut changed = false;
    changed |= assign(&mut customer.title, fields.title.map(Some));
    changed |= assign(&mut customer.first_name, fields.first_name);
    changed |= assign(&mut customer.last_name, fields.last_name);
    changed |= assign(
        &mut customer.email,
        fields.email.map(|e| e.trim().to_owned()),
    );
    changed |= assign(&mut customer.phone, fields.phone.map(Some));
    changed
}

fn apply_address_fields(address: &mut Address, fields: AddressFields) -> bool {
    let mut changed = false;
    changed |= assign(&mut address.full_name, fields.full_name);
    changed |= assign(&mut address.company, fields.company);
    changed |= assign(&mut address.street_line1, fields.street_line1);
    changed |= assign(&mut address.street_line2, fields.street_line2);
    changed |= assign(&mut address.city, fields.city);
    changed |= assign(&mut address.province, fields.province);
    changed |= assign(&mut address.postal_code, fields.postal_code);
    changed |= assign(
        &mut address.country_code,
        fields.country_code.map(|c| c.to_ascii_uppercase()),
    );
    changed |= assign(&mut address.phone, fields.phone);
    changed |= assign(&mut address.default_shipping, fields.default_shipping);
    changed |= assign(&mut address.default_billing, fields.default_billing);
    changed
}

/// Sixteen characters from A-Z and 0-9 like Vendure's order codes, spread from the ID by a
/// fixed mixing function so codes look unrelated but never collide within a run.
fn order_code(id: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut state = id.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut code = String::with_capacity(16);
    for _ in 0..16 {
        state ^= state >> 29;
        state = state.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        state ^= state >> 32;
        code.push(ALPHABET[(state % ALPHABET.len() as u64) as usize] as char);
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn ada() -> CustomerFields {
        CustomerFields {
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            email: Some("ada@example.com".into()),
            ..Default::default()
        }
    }

    fn springfield(default_billing: bool) -> AddressFields {
        AddressFields {
            street_line1: Some("12 Main St".into()),
            city: Some("Springfield".into()),
            country_code: Some("US".into()),
            default_billing: Some(default_billing),
            ..Default::default()
        }
    }

    #[test]
    fn editing_an_address_leaves_the_customers_updated_at_alone() {
        let mut store = Store::default();
        let id = store
            .create_customer(ada(), at("2026-12-03T10:00:00.700Z"))
            .unwrap();
        let address = store
            .create_address(id, springfield(true), at("2026-12-03T10:00:01Z"))
            .unwrap();

        let edit = AddressFields {
            city: Some("Decatur".into()),
            ..Default::default()
        };
        store
            .update_address(address, edit, at("2026-12-03T11:00:00Z"))
            .unwrap();

        let customer = store.customer(id).unwrap();
        assert_eq!(
            customer.updated_at,
            at("2026-12-03T10:00:00Z"),
            "Vendure only dates the customer's own columns, in whole seconds"
        );
        assert_eq!(
            store.addresses[&address].updated_at,
            at("2026-12-03T11:00:00Z")
        );
    }

    #[test]
    fn an_update_that_changes_nothing_keeps_updated_at() {
        let mut store = Store::default();
        let id = store
            .create_customer(ada(), at("2026-12-03T10:00:00Z"))
            .unwrap();

        store
            .update_customer(id, ada(), at("2026-12-03T12:00:00Z"))
            .unwrap();

        assert_eq!(
            store.customer(id).unwrap().updated_at,
            at("2026-12-03T10:00:00Z"),
            "a save that writes the same values is no change"
        );
    }

    #[test]
    fn a_second_default_bill_to_takes_the_flag_from_the_first() {
        let mut store = Store::default();
        let id = store
            .create_customer(ada(), at("2026-12-03T10:00:00Z"))
            .unwrap();
        let first = store
            .create_address(id, springfield(true), at("2026-12-03T10:00:00Z"))
            .unwrap();

        let second = store
            .create_address(id, springfield(true), at("2026-12-03T10:00:00Z"))
            .unwrap();

        assert!(
            !store.addresses[&first].default_billing,
            "one default bill-to per customer"
        );
        assert!(store.addresses[&second].default_billing);
    }

    #[test]
    fn a_registered_email_cannot_be_taken_by_another_customer() {
        let mut store = Store::default();
        store
            .create_customer(ada(), at("2026-12-03T10:00:00Z"))
            .unwrap();

        let again = store.create_customer(ada(), at("2026-12-03T10:00:00Z"));
        let guest = store.guest_for_order(ada(), at("2026-12-03T10:00:00Z"));

        assert_eq!(again, Err(Refusal::EmailConflict));
        assert_eq!(
            guest,
            Err(Refusal::EmailConflict),
            "a guest checkout may not use it either"
        );
    }

    #[test]
    fn a_guests_email_cannot_be_registered_by_an_administrator() {
        let mut store = Store::default();
        let now = at("2026-12-03T10:00:00Z");
        let guest = store.guest_for_order(ada(), now).unwrap();

        let registered = store.create_customer(ada(), now);
        let same_guest = store.guest_for_order(ada(), now);

        assert_eq!(
            registered,
            Err(Refusal::EmailConflict),
            "as Vendure 3.7.3 answers"
        );
        assert_eq!(same_guest, Ok(guest), "a second checkout reuses the guest");
    }

    #[test]
    fn a_deleted_customer_takes_its_addresses_and_leaves_its_groups() {
        let mut store = Store::default();
        let now = at("2026-12-03T10:00:00Z");
        let gone = store.create_customer(ada(), now).unwrap();
        let kept_fields = CustomerFields {
            email: Some("kept@example.com".into()),
            ..ada()
        };
        let kept = store.create_customer(kept_fields, now).unwrap();
        store.create_address(gone, springfield(true), now).unwrap();
        let kept_address = store.create_address(kept, springfield(true), now).unwrap();
        let group = store
            .create_group("price:gold".into(), &[gone, kept], now)
            .unwrap();

        store.delete_customer(gone).unwrap();

        let left: Vec<u64> = store.addresses().map(|a| a.id).collect();
        assert_eq!(
            left,
            [kept_address],
            "only the other customer's address is left"
        );
        assert!(store.addresses_of(gone).is_empty());
        assert_eq!(store.groups[&group].customer_ids, [kept].into());
        assert!(
            store.addresses[&kept_address].default_billing,
            "another customer's default is not touched"
        );
    }

    #[test]
    fn an_order_moved_to_another_customer_is_listed_under_that_customer_only() {
        let mut store = Store::default();
        let now = at("2026-12-03T10:00:00Z");
        let first = store.create_customer(ada(), now).unwrap();
        let other_fields = CustomerFields {
            email: Some("other@example.com".into()),
            ..ada()
        };
        let second = store.create_customer(other_fields, now).unwrap();
        let order = store.create_draft_order(now);
        store.set_order_customer(order, first, now).unwrap();

        store.set_order_customer(order, second, now).unwrap();

        assert_eq!(store.orders_of(first).count(), 0);
        assert_eq!(
            store.orders_of(second).map(|o| o.id).collect::<Vec<_>>(),
            [order]
        );
    }

    #[test]
    fn a_changed_email_frees_the_old_one_and_takes_the_new_one() {
        let mut store = Store::default();
        let now = at("2026-12-03T10:00:00Z");
        let ada_id = store.create_customer(ada(), now).unwrap();
        let moved = CustomerFields {
            email: Some("ADA@new.example".into()),
            ..Default::default()
        };

        store.update_customer(ada_id, moved, now).unwrap();

        let old_again = store.create_customer(ada(), now);
        let new_taken = CustomerFields {
            email: Some("ada@NEW.example".into()),
            ..ada()
        };
        assert!(old_again.is_ok(), "the old email is free again");
        assert_eq!(
            store.create_customer(new_taken, now),
            Err(Refusal::EmailConflict),
            "the new email is taken, whatever its case"
        );
    }

    #[test]
    fn an_order_address_is_a_copy_that_address_book_edits_do_not_reach() {
        let mut store = Store::default();
        let now = at("2026-12-03T10:00:00Z");
        let customer = store.create_customer(ada(), now).unwrap();
        let address = store
            .create_address(customer, springfield(true), now)
            .unwrap();
        let order = store.create_draft_order(now);
        store
            .set_order_address(order, true, springfield(true), now)
            .unwrap();

        let edit = AddressFields {
            city: Some("Decatur".into()),
            ..Default::default()
        };
        store.update_address(address, edit, now).unwrap();

        assert_eq!(
            store.orders[&order].billing.city.as_deref(),
            Some("Springfield")
        );
    }

    #[test]
    fn a_draft_needs_lines_then_a_customer_before_payment() {
        let mut store = Store::default();
        let now = at("2026-12-03T10:00:00Z");
        let order = store.create_draft_order(now);

        let empty = store.transition(order, "ArrangingPayment", now);
        store.add_item(order, 1, 1, now).unwrap();
        let anonymous = store.transition(order, "ArrangingPayment", now);

        let reason = |r: &Result<(), Refusal>| match r {
            Err(Refusal::Transition { reason, .. }) => reason.clone(),
            other => panic!("a refused move, got {other:?}"),
        };
        assert!(reason(&empty).contains("order-is-empty"), "{empty:?}");
        assert!(reason(&anonymous).contains("Customer"), "{anonymous:?}");
        assert_eq!(
            store.orders[&order].state, "Draft",
            "a refused move changes nothing"
        );
    }

    #[test]
    fn a_manual_payment_places_the_order_without_moving_updated_at() {
        let mut store = Store::default();
        let now = at("2026-12-03T10:00:00Z");
        let customer = store.create_customer(ada(), now).unwrap();
        let order = store.create_draft_order(now);
        store.set_order_customer(order, customer, now).unwrap();
        store.add_item(order, 1, 2, now).unwrap();
        store
            .set_shipping_method(order, SHIPPING_METHOD.0, now)
            .unwrap();
        store.transition(order, "ArrangingPayment", now).unwrap();

        let later = at("2026-12-03T10:00:02.984Z");
        store.add_manual_payment(order, "manual", later).unwrap();

        let order = &store.orders[&order];
        assert_eq!(order.state, "PaymentSettled");
        assert_eq!(
            order.placed_at,
            Some(later),
            "orderPlacedAt keeps milliseconds"
        );
        assert_eq!(order.updated_at, now, "as observed on Vendure 3.7.3");
        assert_eq!((order.sub_total(), order.total()), (3998, 4498));
    }

    #[test]
    fn order_codes_are_distinct_and_look_like_vendures() {
        let codes: std::collections::HashSet<String> = (1..2000).map(order_code).collect();

        assert_eq!(codes.len(), 1999, "no two orders share a code");
        assert!(codes
            .iter()
            .all(|c| c.len() == 16 && c.chars().all(|ch| ch.is_ascii_alphanumeric())));
    }
}
