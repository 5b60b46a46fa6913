//! The GraphQL schema: the subset of Vendure's Admin API types and operations the sandbox
//! serves, named and shaped as Vendure names and shapes them, over [`super::store`].

use std::cmp::Ordering;
use std::sync::Arc;

use async_graphql::{
    Context, Enum, ErrorExtensions, InputObject, InputValueError, InputValueResult, Interface,
    Json, Object, Scalar, ScalarType, SimpleObject, Union, Value, ID,
};
use chrono::{DateTime, SecondsFormat, Utc};

use super::store::{self, AddressFields, CustomerFields, Refusal, Store};
use super::Shared;

/// What the HTTP layer knows about the request, handed to every resolver.
pub struct RequestInfo {
    /// The bearer token sent, if any.
    pub token: Option<String>,
    /// The `Idempotency-Key` header, to count writes per key.
    pub idempotency_key: Option<String>,
}

type Result<T> = async_graphql::Result<T>;

pub type VendureSchema =
    async_graphql::Schema<QueryRoot, MutationRoot, async_graphql::EmptySubscription>;

pub fn build(shared: Arc<Shared>) -> VendureSchema {
    async_graphql::Schema::build(QueryRoot, MutationRoot, async_graphql::EmptySubscription)
        .data(shared)
        // Clients spread `... on ErrorResult` inside results; the interface must be known even
        // though no field returns it directly.
        .register_output_type::<ErrorResult>()
        .finish()
}

fn shared<'a>(ctx: &'a Context<'_>) -> &'a Arc<Shared> {
    ctx.data_unchecked::<Arc<Shared>>()
}

/// The shared state for a logged-in administrator, or Vendure's `FORBIDDEN` error.
fn admin<'a>(ctx: &'a Context<'_>) -> Result<&'a Arc<Shared>> {
    let shared = shared(ctx);
    let token = ctx.data_unchecked::<RequestInfo>().token.as_deref();
    if token.is_some_and(|t| shared.has_session(t)) {
        Ok(shared)
    } else {
        Err(
            async_graphql::Error::new("You are not currently authorized to perform this action")
                .extend_with(|_, e| e.set("code", "FORBIDDEN")),
        )
    }
}

/// Counts one applied write against the request's `Idempotency-Key`.
fn wrote(ctx: &Context<'_>) {
    if let Some(key) = &ctx.data_unchecked::<RequestInfo>().idempotency_key {
        shared(ctx).writes.record(key);
    }
}

fn user_input_error(message: String) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", "USER_INPUT_ERROR"))
}

/// Refusals that Vendure answers with a GraphQL error rather than an error result.
fn refusal_error(refusal: Refusal) -> async_graphql::Error {
    match refusal {
        Refusal::NotFound { entity, id } => {
            async_graphql::Error::new(format!("No {entity} with the id \"{id}\" could be found"))
                .extend_with(|_, e| e.set("code", "ENTITY_NOT_FOUND"))
        }
        Refusal::Input(message) => user_input_error(message),
        other => async_graphql::Error::new(format!("{other:?}"))
            .extend_with(|_, e| e.set("code", "INTERNAL_SERVER_ERROR")),
    }
}

/// An ID as the store keys it; an ID that is not a number names nothing.
fn key(id: &ID, entity: &'static str) -> Result<u64> {
    id.parse::<u64>().map_err(|_| {
        refusal_error(Refusal::NotFound {
            entity,
            id: id.to_string(),
        })
    })
}

fn id(value: u64) -> ID {
    ID(value.to_string())
}

// ---------------------------------------------------------------------------------------------
// Scalars and enums

/// Vendure's `DateTime`: ISO 8601 with milliseconds in UTC, as JavaScript writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTimeValue(pub DateTime<Utc>);

#[Scalar(name = "DateTime")]
impl ScalarType for DateTimeValue {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => DateTime::parse_from_rfc3339(text)
                .map(|d| DateTimeValue(d.to_utc()))
                .map_err(|e| InputValueError::custom(format!("not an ISO 8601 date-time: {e}"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

fn date(at: DateTime<Utc>) -> DateTimeValue {
    DateTimeValue(at)
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SortOrder {
    Asc,
    Desc,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum LogicalOperator {
    And,
    Or,
}

/// Vendure's names, which all end in `_ERROR`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[allow(clippy::enum_variant_names)]
pub enum ErrorCode {
    InvalidCredentialsError,
    EmailAddressConflictError,
    OrderModificationError,
    NegativeQuantityError,
    IneligibleShippingMethodError,
    OrderStateTransitionError,
    ManualPaymentStateError,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DeletionResult {
    Deleted,
    NotDeleted,
}

// ---------------------------------------------------------------------------------------------
// Error results

#[derive(SimpleObject, Clone)]
pub struct InvalidCredentialsError {
    error_code: ErrorCode,
    message: String,
    authentication_error: String,
}

#[derive(SimpleObject, Clone)]
pub struct EmailAddressConflictError {
    error_code: ErrorCode,
    message: String,
}

#[derive(SimpleObject, Clone)]
pub struct OrderModificationError {
    error_code: ErrorCode,
    message: String,
}

#[derive(SimpleObject, Clone)]
pub struct NegativeQuantityError {
    error_code: ErrorCode,
    message: String,
}

#[derive(SimpleObject, Clone)]
pub struct IneligibleShippingMethodError {
    error_code: ErrorCode,
    message: String,
}

#[derive(SimpleObject, Clone)]
pub struct OrderStateTransitionError {
    error_code: ErrorCode,
    message: String,
    transition_error: String,
    from_state: String,
    to_state: String,
}

#[derive(SimpleObject, Clone)]
pub struct ManualPaymentStateError {
    error_code: ErrorCode,
    message: String,
}

#[derive(Interface)]
#[graphql(
    field(name = "error_code", ty = "&ErrorCode"),
    field(name = "message", ty = "&String")
)]
#[allow(clippy::enum_variant_names)]
pub enum ErrorResult {
    InvalidCredentialsError(InvalidCredentialsError),
    EmailAddressConflictError(EmailAddressConflictError),
    OrderModificationError(OrderModificationError),
    NegativeQuantityError(NegativeQuantityError),
    IneligibleShippingMethodError(IneligibleShippingMethodError),
    OrderStateTransitionError(OrderStateTransitionError),
    ManualPaymentStateError(ManualPaymentStateError),
}

fn email_conflict() -> EmailAddressConflictError {
    EmailAddressConflictError {
        error_code: ErrorCode::EmailAddressConflictError,
        message: "The email address is not available.".into(),
    }
}

fn order_modification() -> OrderModificationError {
    OrderModificationError {
        error_code: ErrorCode::OrderModificationError,
        message: "Order contents may only be modified when in the \"AddingItems\" state".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Output types

#[derive(SimpleObject, Clone)]
pub struct CurrentUser {
    id: ID,
    identifier: String,
}

#[derive(SimpleObject, Clone)]
pub struct User {
    id: ID,
    identifier: String,
    verified: bool,
}

#[derive(SimpleObject, Clone)]
pub struct Success {
    success: bool,
}

#[derive(SimpleObject, Clone)]
pub struct DeletionResponse {
    result: DeletionResult,
    message: Option<String>,
}

#[derive(SimpleObject, Clone)]
pub struct Country {
    id: ID,
    code: String,
    name: String,
    enabled: bool,
}

fn country(code: &str) -> Option<Country> {
    let index = store::COUNTRIES
        .iter()
        .position(|(c, _)| c.eq_ignore_ascii_case(code))?;
    let (code, name) = store::COUNTRIES[index];
    Some(Country {
        id: id(index as u64 + 1),
        code: code.to_owned(),
        name: name.to_owned(),
        enabled: true,
    })
}

#[derive(SimpleObject, Clone)]
pub struct CountryList {
    items: Vec<Country>,
    total_items: i64,
}

/// A customer as stored at the moment it was read.
pub struct CustomerView(store::Customer);

#[Object(name = "Customer")]
impl CustomerView {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn created_at(&self) -> DateTimeValue {
        date(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTimeValue {
        date(self.0.updated_at)
    }
    async fn title(&self) -> Option<&str> {
        self.0.title.as_deref()
    }
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }
    async fn last_name(&self) -> &str {
        &self.0.last_name
    }
    async fn phone_number(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    async fn email_address(&self) -> &str {
        &self.0.email
    }
    async fn user(&self) -> Option<User> {
        self.0.user_id.map(|user| User {
            id: id(user),
            identifier: self.0.email.clone(),
            verified: true,
        })
    }
    async fn addresses(&self, ctx: &Context<'_>) -> Vec<AddressView> {
        let store = shared(ctx).store();
        store
            .addresses_of(self.0.id)
            .into_iter()
            .map(|a| AddressView(a.clone()))
            .collect()
    }
    async fn groups(&self, ctx: &Context<'_>) -> Vec<CustomerGroupView> {
        let store = shared(ctx).store();
        store
            .groups_of(self.0.id)
            .into_iter()
            .map(|g| CustomerGroupView(g.clone()))
            .collect()
    }
    async fn orders(
        &self,
        ctx: &Context<'_>,
        options: Option<OrderListOptions>,
    ) -> Result<OrderList> {
        let store = shared(ctx).store();
        // A draft made by an administrator is not one of the customer's orders yet.
        let orders = store
            .orders_of(self.0.id)
            .filter(|o| o.state != "Draft")
            .collect();
        list_orders(&store, orders, options)
    }
}

pub struct AddressView(store::Address);

#[Object(name = "Address")]
impl AddressView {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn created_at(&self) -> DateTimeValue {
        date(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTimeValue {
        date(self.0.updated_at)
    }
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }
    async fn company(&self) -> &str {
        &self.0.company
    }
    async fn street_line1(&self) -> &str {
        &self.0.street_line1
    }
    async fn street_line2(&self) -> &str {
        &self.0.street_line2
    }
    async fn city(&self) -> &str {
        &self.0.city
    }
    async fn province(&self) -> &str {
        &self.0.province
    }
    async fn postal_code(&self) -> &str {
        &self.0.postal_code
    }
    async fn country(&self) -> Option<Country> {
        country(&self.0.country_code)
    }
    async fn phone_number(&self) -> &str {
        &self.0.phone
    }
    async fn default_shipping_address(&self) -> bool {
        self.0.default_shipping
    }
    async fn default_billing_address(&self) -> bool {
        self.0.default_billing
    }
}

pub struct CustomerGroupView(store::Group);

#[Object(name = "CustomerGroup")]
impl CustomerGroupView {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn created_at(&self) -> DateTimeValue {
        date(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTimeValue {
        date(self.0.updated_at)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn customers(
        &self,
        ctx: &Context<'_>,
        options: Option<CustomerListOptions>,
    ) -> Result<CustomerList> {
        let store = shared(ctx).store();
        let members = self
            .0
            .customer_ids
            .iter()
            .filter_map(|c| store.customers.get(c))
            .collect();
        list_customers(members, options)
    }
}

#[derive(SimpleObject)]
pub struct CustomerList {
    items: Vec<CustomerView>,
    total_items: i64,
}

#[derive(SimpleObject)]
pub struct CustomerGroupList {
    items: Vec<CustomerGroupView>,
    total_items: i64,
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "OrderAddress")]
pub struct OrderAddressView {
    full_name: Option<String>,
    company: Option<String>,
    street_line1: Option<String>,
    street_line2: Option<String>,
    city: Option<String>,
    province: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
    country_code: Option<String>,
    phone_number: Option<String>,
}

impl From<&store::OrderAddress> for OrderAddressView {
    fn from(a: &store::OrderAddress) -> Self {
        Self {
            full_name: a.full_name.clone(),
            company: a.company.clone(),
            street_line1: a.street_line1.clone(),
            street_line2: a.street_line2.clone(),
            city: a.city.clone(),
            province: a.province.clone(),
            postal_code: a.postal_code.clone(),
            country: a.country(),
            country_code: a.country_code.clone(),
            phone_number: a.phone.clone(),
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct ProductVariant {
    id: ID,
    sku: String,
    name: String,
    price: i64,
    price_with_tax: i64,
    currency_code: String,
}

fn product_variant(variant_id: u64) -> Option<ProductVariant> {
    let (sku, name, price) = store::variant(variant_id)?;
    Some(ProductVariant {
        id: id(variant_id),
        sku: sku.to_owned(),
        name: name.to_owned(),
        price,
        price_with_tax: price,
        currency_code: store::CURRENCY.to_owned(),
    })
}

#[derive(SimpleObject)]
pub struct ProductVariantList {
    items: Vec<ProductVariant>,
    total_items: i64,
}

#[derive(SimpleObject, Clone)]
pub struct OrderLine {
    id: ID,
    quantity: i64,
    unit_price: i64,
    unit_price_with_tax: i64,
    line_price: i64,
    line_price_with_tax: i64,
    product_variant: ProductVariant,
}

#[derive(SimpleObject, Clone)]
pub struct ShippingMethodQuote {
    id: ID,
    price: i64,
    price_with_tax: i64,
    code: String,
    name: String,
    description: String,
}

#[derive(SimpleObject, Clone)]
pub struct ShippingMethod {
    id: ID,
    code: String,
    name: String,
}

#[derive(SimpleObject, Clone)]
pub struct ShippingLine {
    id: ID,
    shipping_method: ShippingMethod,
    price: i64,
    price_with_tax: i64,
}

/// Boxed: an order is far larger than the error results it shares unions with.
pub struct OrderView(Box<store::Order>);

#[Object(name = "Order")]
impl OrderView {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn created_at(&self) -> DateTimeValue {
        date(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTimeValue {
        date(self.0.updated_at)
    }
    async fn order_placed_at(&self) -> Option<DateTimeValue> {
        self.0.placed_at.map(date)
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn state(&self) -> &str {
        &self.0.state
    }
    async fn active(&self) -> bool {
        self.0.active
    }
    async fn currency_code(&self) -> &str {
        &self.0.currency
    }
    async fn customer(&self, ctx: &Context<'_>) -> Option<CustomerView> {
        let customer = self.0.customer_id?;
        let store = shared(ctx).store();
        store.customers.get(&customer).cloned().map(CustomerView)
    }
    async fn lines(&self) -> Vec<OrderLine> {
        self.0
            .lines
            .iter()
            .filter_map(|line| {
                Some(OrderLine {
                    id: id(line.id),
                    quantity: line.quantity,
                    unit_price: line.unit_price,
                    unit_price_with_tax: line.unit_price,
                    line_price: line.quantity * line.unit_price,
                    line_price_with_tax: line.quantity * line.unit_price,
                    product_variant: product_variant(line.variant_id)?,
                })
            })
            .collect()
    }
    async fn total_quantity(&self) -> i64 {
        self.0.total_quantity()
    }
    async fn sub_total(&self) -> i64 {
        self.0.sub_total()
    }
    async fn sub_total_with_tax(&self) -> i64 {
        self.0.sub_total()
    }
    async fn shipping(&self) -> i64 {
        self.0.shipping_price()
    }
    async fn shipping_with_tax(&self) -> i64 {
        self.0.shipping_price()
    }
    async fn total(&self) -> i64 {
        self.0.total()
    }
    async fn total_with_tax(&self) -> i64 {
        self.0.total()
    }
    async fn shipping_lines(&self) -> Vec<ShippingLine> {
        self.0
            .shipping_method_id
            .filter(|m| *m == store::SHIPPING_METHOD.0)
            .map(|m| {
                let (_, code, name, price) = store::SHIPPING_METHOD;
                ShippingLine {
                    id: id(self.0.id),
                    shipping_method: ShippingMethod {
                        id: id(m),
                        code: code.to_owned(),
                        name: name.to_owned(),
                    },
                    price,
                    price_with_tax: price,
                }
            })
            .into_iter()
            .collect()
    }
    async fn billing_address(&self) -> OrderAddressView {
        (&self.0.billing).into()
    }
    async fn shipping_address(&self) -> OrderAddressView {
        (&self.0.shipping).into()
    }
}

#[derive(SimpleObject)]
pub struct OrderList {
    items: Vec<OrderView>,
    total_items: i64,
}

// ---------------------------------------------------------------------------------------------
// Results (unions)

#[derive(Union)]
pub enum NativeAuthenticationResult {
    CurrentUser(CurrentUser),
    InvalidCredentialsError(InvalidCredentialsError),
}

#[derive(Union)]
pub enum CreateCustomerResult {
    Customer(CustomerView),
    EmailAddressConflictError(EmailAddressConflictError),
}

#[derive(Union)]
pub enum UpdateCustomerResult {
    Customer(CustomerView),
    EmailAddressConflictError(EmailAddressConflictError),
}

#[derive(Union)]
pub enum SetCustomerForDraftOrderResult {
    Order(OrderView),
    EmailAddressConflictError(EmailAddressConflictError),
}

#[derive(Union)]
pub enum UpdateOrderItemsResult {
    Order(OrderView),
    OrderModificationError(OrderModificationError),
    NegativeQuantityError(NegativeQuantityError),
}

#[derive(Union)]
pub enum SetOrderShippingMethodResult {
    Order(OrderView),
    OrderModificationError(OrderModificationError),
    IneligibleShippingMethodError(IneligibleShippingMethodError),
}

#[derive(Union)]
pub enum TransitionOrderToStateResult {
    Order(OrderView),
    OrderStateTransitionError(OrderStateTransitionError),
}

#[derive(Union)]
pub enum AddManualPaymentToOrderResult {
    Order(OrderView),
    ManualPaymentStateError(ManualPaymentStateError),
}

// ---------------------------------------------------------------------------------------------
// Inputs and list options

#[derive(InputObject, Default)]
pub struct StringOperators {
    eq: Option<String>,
    not_eq: Option<String>,
    contains: Option<String>,
    not_contains: Option<String>,
    #[graphql(name = "in")]
    in_: Option<Vec<String>>,
    not_in: Option<Vec<String>>,
    is_null: Option<bool>,
}

impl StringOperators {
    fn matches(&self, value: Option<&str>) -> bool {
        let lower = |s: &str| s.to_lowercase();
        let v = value.unwrap_or("");
        self.eq.as_ref().is_none_or(|eq| value == Some(eq.as_str()))
            && self
                .not_eq
                .as_ref()
                .is_none_or(|ne| value != Some(ne.as_str()))
            && self
                .contains
                .as_ref()
                .is_none_or(|c| lower(v).contains(&lower(c)))
            && self
                .not_contains
                .as_ref()
                .is_none_or(|c| !lower(v).contains(&lower(c)))
            && self
                .in_
                .as_ref()
                .is_none_or(|set| set.iter().any(|s| Some(s.as_str()) == value))
            && self
                .not_in
                .as_ref()
                .is_none_or(|set| set.iter().all(|s| Some(s.as_str()) != value))
            && self.is_null.is_none_or(|null| null == value.is_none())
    }
}

#[derive(InputObject, Default)]
#[graphql(name = "IDOperators")]
pub struct IdOperators {
    eq: Option<String>,
    not_eq: Option<String>,
    #[graphql(name = "in")]
    in_: Option<Vec<String>>,
    not_in: Option<Vec<String>>,
    is_null: Option<bool>,
}

impl IdOperators {
    fn matches(&self, value: u64) -> bool {
        let v = value.to_string();
        self.eq.as_ref().is_none_or(|eq| *eq == v)
            && self.not_eq.as_ref().is_none_or(|ne| *ne != v)
            && self.in_.as_ref().is_none_or(|set| set.contains(&v))
            && self.not_in.as_ref().is_none_or(|set| !set.contains(&v))
            && self.is_null.is_none_or(|null| !null)
    }
}

#[derive(InputObject)]
pub struct DateRange {
    start: DateTimeValue,
    end: DateTimeValue,
}

#[derive(InputObject, Default)]
pub struct DateOperators {
    eq: Option<DateTimeValue>,
    before: Option<DateTimeValue>,
    after: Option<DateTimeValue>,
    between: Option<DateRange>,
    is_null: Option<bool>,
}

impl DateOperators {
    /// Vendure on SQLite compares stored text, so a record dated exactly at `after` (or at
    /// `before`) is included: the bounds act as `>=` and `<=`.
    fn matches(&self, value: Option<DateTime<Utc>>) -> bool {
        let is_null = self.is_null.is_none_or(|null| null == value.is_none());
        if self.eq.is_none()
            && self.before.is_none()
            && self.after.is_none()
            && self.between.is_none()
        {
            return is_null;
        }
        let Some(v) = value else {
            return false;
        };
        is_null
            && self.eq.is_none_or(|eq| v == eq.0)
            && self.before.is_none_or(|b| v <= b.0)
            && self.after.is_none_or(|a| v >= a.0)
            && self
                .between
                .as_ref()
                .is_none_or(|r| v >= r.start.0 && v <= r.end.0)
    }
}

#[derive(InputObject, Default)]
pub struct BooleanOperators {
    eq: Option<bool>,
    is_null: Option<bool>,
}

impl BooleanOperators {
    fn matches(&self, value: bool) -> bool {
        self.eq.is_none_or(|eq| eq == value) && self.is_null.is_none_or(|null| !null)
    }
}

#[derive(InputObject)]
pub struct NumberRange {
    start: f64,
    end: f64,
}

#[derive(InputObject, Default)]
pub struct NumberOperators {
    eq: Option<f64>,
    lt: Option<f64>,
    lte: Option<f64>,
    gt: Option<f64>,
    gte: Option<f64>,
    between: Option<NumberRange>,
    is_null: Option<bool>,
}

impl NumberOperators {
    fn matches(&self, value: i64) -> bool {
        let v = value as f64;
        self.eq.is_none_or(|x| v == x)
            && self.lt.is_none_or(|x| v < x)
            && self.lte.is_none_or(|x| v <= x)
            && self.gt.is_none_or(|x| v > x)
            && self.gte.is_none_or(|x| v >= x)
            && self
                .between
                .as_ref()
                .is_none_or(|r| v >= r.start && v <= r.end)
            && self.is_null.is_none_or(|null| !null)
    }
}

/// Combines the outcome of each filter field given, with AND (Vendure's default) or OR.
fn combine(operator: Option<LogicalOperator>, outcomes: &[Option<bool>]) -> bool {
    let given = outcomes.iter().flatten().copied();
    match operator.unwrap_or(LogicalOperator::And) {
        LogicalOperator::And => given.into_iter().all(|b| b),
        LogicalOperator::Or => {
            let mut any_given = false;
            for outcome in given {
                if outcome {
                    return true;
                }
                any_given = true;
            }
            !any_given
        }
    }
}

#[derive(InputObject, Default)]
pub struct CustomerFilterParameter {
    id: Option<IdOperators>,
    created_at: Option<DateOperators>,
    updated_at: Option<DateOperators>,
    title: Option<StringOperators>,
    first_name: Option<StringOperators>,
    last_name: Option<StringOperators>,
    phone_number: Option<StringOperators>,
    email_address: Option<StringOperators>,
}

#[derive(InputObject, Default)]
pub struct CustomerSortParameter {
    id: Option<SortOrder>,
    created_at: Option<SortOrder>,
    updated_at: Option<SortOrder>,
    title: Option<SortOrder>,
    first_name: Option<SortOrder>,
    last_name: Option<SortOrder>,
    phone_number: Option<SortOrder>,
    email_address: Option<SortOrder>,
}

#[derive(InputObject, Default)]
pub struct CustomerListOptions {
    skip: Option<i32>,
    take: Option<i32>,
    sort: Option<CustomerSortParameter>,
    filter: Option<CustomerFilterParameter>,
    filter_operator: Option<LogicalOperator>,
}

#[derive(InputObject, Default)]
pub struct OrderFilterParameter {
    id: Option<IdOperators>,
    created_at: Option<DateOperators>,
    updated_at: Option<DateOperators>,
    order_placed_at: Option<DateOperators>,
    code: Option<StringOperators>,
    state: Option<StringOperators>,
    active: Option<BooleanOperators>,
    customer_last_name: Option<StringOperators>,
    total_with_tax: Option<NumberOperators>,
    currency_code: Option<StringOperators>,
}

#[derive(InputObject, Default)]
pub struct OrderSortParameter {
    id: Option<SortOrder>,
    created_at: Option<SortOrder>,
    updated_at: Option<SortOrder>,
    order_placed_at: Option<SortOrder>,
    code: Option<SortOrder>,
    state: Option<SortOrder>,
    total_with_tax: Option<SortOrder>,
}

#[derive(InputObject, Default)]
pub struct OrderListOptions {
    skip: Option<i32>,
    take: Option<i32>,
    sort: Option<OrderSortParameter>,
    filter: Option<OrderFilterParameter>,
    filter_operator: Option<LogicalOperator>,
}

#[derive(InputObject, Default)]
pub struct ProductVariantFilterParameter {
    id: Option<IdOperators>,
    sku: Option<StringOperators>,
    name: Option<StringOperators>,
}

#[derive(InputObject, Default)]
pub struct ProductVariantListOptions {
    skip: Option<i32>,
    take: Option<i32>,
    filter: Option<ProductVariantFilterParameter>,
    filter_operator: Option<LogicalOperator>,
}

#[derive(InputObject, Default)]
pub struct CustomerGroupListOptions {
    skip: Option<i32>,
    take: Option<i32>,
}

/// Vendure's limit on one page of a list query.
const LIST_LIMIT: i32 = 1000;

/// Cuts one page out of a sorted list, refusing pages larger than Vendure allows.
fn page<T>(items: Vec<T>, skip: Option<i32>, take: Option<i32>) -> Result<(Vec<T>, i64)> {
    if take.is_some_and(|t| t > LIST_LIMIT) {
        return Err(user_input_error(format!(
            "Cannot take more than {LIST_LIMIT} results from a list query"
        )));
    }
    let total = items.len() as i64;
    let skip = usize::try_from(skip.unwrap_or(0).max(0)).unwrap_or(0);
    let take = usize::try_from(take.unwrap_or(LIST_LIMIT).max(0)).unwrap_or(0);
    Ok((items.into_iter().skip(skip).take(take).collect(), total))
}

fn ordered<K: Ord>(order: SortOrder, a: K, b: K) -> Ordering {
    match order {
        SortOrder::Asc => a.cmp(&b),
        SortOrder::Desc => b.cmp(&a),
    }
}

/// One page of `customers`, which come in ID order.
fn list_customers(
    mut customers: Vec<&store::Customer>,
    options: Option<CustomerListOptions>,
) -> Result<CustomerList> {
    let options = options.unwrap_or_default();
    if let Some(filter) = &options.filter {
        customers.retain(|c| {
            combine(
                options.filter_operator,
                &[
                    filter.id.as_ref().map(|f| f.matches(c.id)),
                    filter
                        .created_at
                        .as_ref()
                        .map(|f| f.matches(Some(c.created_at))),
                    filter
                        .updated_at
                        .as_ref()
                        .map(|f| f.matches(Some(c.updated_at))),
                    filter.title.as_ref().map(|f| f.matches(c.title.as_deref())),
                    filter
                        .first_name
                        .as_ref()
                        .map(|f| f.matches(Some(&c.first_name))),
                    filter
                        .last_name
                        .as_ref()
                        .map(|f| f.matches(Some(&c.last_name))),
                    filter
                        .phone_number
                        .as_ref()
                        .map(|f| f.matches(c.phone.as_deref())),
                    filter
                        .email_address
                        .as_ref()
                        .map(|f| f.matches(Some(&c.email))),
                ],
            )
        });
    }
    let sort = options.sort.unwrap_or_default();
    let by_id_only = [
        sort.created_at,
        sort.updated_at,
        sort.title,
        sort.first_name,
        sort.last_name,
        sort.phone_number,
        sort.email_address,
    ]
    .iter()
    .all(Option::is_none);
    if by_id_only {
        // The records come in ID order: a sync's listing, page after page, sorts nothing.
        if sort.id == Some(SortOrder::Desc) {
            customers.reverse();
        }
    } else {
        customers.sort_by(|a, b| {
            let by = |order: Option<SortOrder>, cmp: &dyn Fn(SortOrder) -> Ordering| {
                order.map_or(Ordering::Equal, cmp)
            };
            by(sort.id, &|o| ordered(o, a.id, b.id))
                .then_with(|| by(sort.created_at, &|o| ordered(o, a.created_at, b.created_at)))
                .then_with(|| by(sort.updated_at, &|o| ordered(o, a.updated_at, b.updated_at)))
                .then_with(|| by(sort.title, &|o| ordered(o, &a.title, &b.title)))
                .then_with(|| {
                    by(sort.first_name, &|o| {
                        ordered(o, &a.first_name, &b.first_name)
                    })
                })
                .then_with(|| by(sort.last_name, &|o| ordered(o, &a.last_name, &b.last_name)))
                .then_with(|| by(sort.phone_number, &|o| ordered(o, &a.phone, &b.phone)))
                .then_with(|| by(sort.email_address, &|o| ordered(o, &a.email, &b.email)))
                .then_with(|| a.id.cmp(&b.id))
        });
    }
    let (items, total_items) = page(customers, options.skip, options.take)?;
    Ok(CustomerList {
        items: items.into_iter().map(|c| CustomerView(c.clone())).collect(),
        total_items,
    })
}

/// One page of `orders`, which come in ID order.
fn list_orders(
    store: &Store,
    mut orders: Vec<&store::Order>,
    options: Option<OrderListOptions>,
) -> Result<OrderList> {
    let options = options.unwrap_or_default();
    if let Some(filter) = &options.filter {
        let last_name = |o: &store::Order| {
            o.customer_id
                .and_then(|c| store.customers.get(&c))
                .map(|c| c.last_name.clone())
        };
        orders.retain(|o| {
            combine(
                options.filter_operator,
                &[
                    filter.id.as_ref().map(|f| f.matches(o.id)),
                    filter
                        .created_at
                        .as_ref()
                        .map(|f| f.matches(Some(o.created_at))),
                    filter
                        .updated_at
                        .as_ref()
                        .map(|f| f.matches(Some(o.updated_at))),
                    filter
                        .order_placed_at
                        .as_ref()
                        .map(|f| f.matches(o.placed_at)),
                    filter.code.as_ref().map(|f| f.matches(Some(&o.code))),
                    filter.state.as_ref().map(|f| f.matches(Some(&o.state))),
                    filter.active.as_ref().map(|f| f.matches(o.active)),
                    filter
                        .customer_last_name
                        .as_ref()
                        .map(|f| f.matches(last_name(o).as_deref())),
                    filter.total_with_tax.as_ref().map(|f| f.matches(o.total())),
                    filter
                        .currency_code
                        .as_ref()
                        .map(|f| f.matches(Some(&o.currency))),
                ],
            )
        });
    }
    let sort = options.sort.unwrap_or_default();
    let by_id_only = [
        sort.created_at,
        sort.updated_at,
        sort.order_placed_at,
        sort.code,
        sort.state,
        sort.total_with_tax,
    ]
    .iter()
    .all(Option::is_none);
    if by_id_only {
        if sort.id == Some(SortOrder::Desc) {
            orders.reverse();
        }
    } else {
        orders.sort_by(|a, b| {
            let by = |order: Option<SortOrder>, cmp: &dyn Fn(SortOrder) -> Ordering| {
                order.map_or(Ordering::Equal, cmp)
            };
            by(sort.id, &|o| ordered(o, a.id, b.id))
                .then_with(|| by(sort.created_at, &|o| ordered(o, a.created_at, b.created_at)))
                .then_with(|| by(sort.updated_at, &|o| ordered(o, a.updated_at, b.updated_at)))
                .then_with(|| {
                    by(sort.order_placed_at, &|o| {
                        ordered(o, a.placed_at, b.placed_at)
                    })
                })
                .then_with(|| by(sort.code, &|o| ordered(o, &a.code, &b.code)))
                .then_with(|| by(sort.state, &|o| ordered(o, &a.state, &b.state)))
                .then_with(|| by(sort.total_with_tax, &|o| ordered(o, a.total(), b.total())))
                .then_with(|| a.id.cmp(&b.id))
        });
    }
    let (items, total_items) = page(orders, options.skip, options.take)?;
    Ok(OrderList {
        items: items
            .into_iter()
            .map(|o| OrderView(Box::new(o.clone())))
            .collect(),
        total_items,
    })
}

#[derive(InputObject)]
pub struct CreateCustomerInput {
    title: Option<String>,
    first_name: String,
    last_name: String,
    phone_number: Option<String>,
    email_address: String,
}

impl From<CreateCustomerInput> for CustomerFields {
    fn from(input: CreateCustomerInput) -> Self {
        CustomerFields {
            title: input.title,
            first_name: Some(input.first_name),
            last_name: Some(input.last_name),
            email: Some(input.email_address),
            phone: input.phone_number,
        }
    }
}

#[derive(InputObject)]
pub struct UpdateCustomerInput {
    id: ID,
    title: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    phone_number: Option<String>,
    email_address: Option<String>,
}

#[derive(InputObject)]
pub struct CreateAddressInput {
    full_name: Option<String>,
    company: Option<String>,
    street_line1: String,
    street_line2: Option<String>,
    city: Option<String>,
    province: Option<String>,
    postal_code: Option<String>,
    country_code: String,
    phone_number: Option<String>,
    default_shipping_address: Option<bool>,
    default_billing_address: Option<bool>,
}

impl From<CreateAddressInput> for AddressFields {
    fn from(input: CreateAddressInput) -> Self {
        AddressFields {
            full_name: input.full_name,
            company: input.company,
            street_line1: Some(input.street_line1),
            street_line2: input.street_line2,
            city: input.city,
            province: input.province,
            postal_code: input.postal_code,
            country_code: Some(input.country_code),
            phone: input.phone_number,
            default_shipping: input.default_shipping_address,
            default_billing: input.default_billing_address,
        }
    }
}

#[derive(InputObject)]
pub struct UpdateAddressInput {
    id: ID,
    full_name: Option<String>,
    company: Option<String>,
    street_line1: Option<String>,
    street_line2: Option<String>,
    city: Option<String>,
    province: Option<String>,
    postal_code: Option<String>,
    country_code: Option<String>,
    phone_number: Option<String>,
    default_shipping_address: Option<bool>,
    default_billing_address: Option<bool>,
}

#[derive(InputObject)]
pub struct CreateCustomerGroupInput {
    name: String,
    customer_ids: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct AddItemInput {
    product_variant_id: ID,
    quantity: i32,
}

#[derive(InputObject)]
pub struct ManualPaymentInput {
    order_id: ID,
    method: String,
    transaction_id: Option<String>,
    metadata: Option<Json<serde_json::Value>>,
}

fn ids(list: &[ID], entity: &'static str) -> Result<Vec<u64>> {
    list.iter().map(|i| key(i, entity)).collect()
}

// ---------------------------------------------------------------------------------------------
// Roots

pub struct QueryRoot;

#[Object]
impl QueryRoot {
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<CurrentUser>> {
        let shared = admin(ctx)?;
        Ok(Some(CurrentUser {
            id: id(1),
            identifier: shared.username.clone(),
        }))
    }

    async fn customers(
        &self,
        ctx: &Context<'_>,
        options: Option<CustomerListOptions>,
    ) -> Result<CustomerList> {
        let store = admin(ctx)?.store();
        list_customers(store.customers.values().collect(), options)
    }

    async fn customer(&self, ctx: &Context<'_>, id: ID) -> Result<Option<CustomerView>> {
        let store = admin(ctx)?.store();
        let Ok(id) = id.parse::<u64>() else {
            return Ok(None);
        };
        Ok(store.customers.get(&id).cloned().map(CustomerView))
    }

    async fn customer_groups(
        &self,
        ctx: &Context<'_>,
        options: Option<CustomerGroupListOptions>,
    ) -> Result<CustomerGroupList> {
        let store = admin(ctx)?.store();
        let options = options.unwrap_or_default();
        let groups = store
            .groups
            .values()
            .cloned()
            .map(CustomerGroupView)
            .collect();
        let (items, total_items) = page(groups, options.skip, options.take)?;
        Ok(CustomerGroupList { items, total_items })
    }

    async fn orders(
        &self,
        ctx: &Context<'_>,
        options: Option<OrderListOptions>,
    ) -> Result<OrderList> {
        let store = admin(ctx)?.store();
        list_orders(&store, store.orders.values().collect(), options)
    }

    async fn order(&self, ctx: &Context<'_>, id: ID) -> Result<Option<OrderView>> {
        let store = admin(ctx)?.store();
        let Ok(id) = id.parse::<u64>() else {
            return Ok(None);
        };
        Ok(store
            .orders
            .get(&id)
            .cloned()
            .map(|o| OrderView(Box::new(o))))
    }

    async fn product_variants(
        &self,
        ctx: &Context<'_>,
        options: Option<ProductVariantListOptions>,
    ) -> Result<ProductVariantList> {
        admin(ctx)?;
        let options = options.unwrap_or_default();
        let filter = options.filter.unwrap_or_default();
        let variants: Vec<ProductVariant> = (1..=store::VARIANTS.len() as u64)
            .filter_map(product_variant)
            .filter(|v| {
                let numeric = v.id.parse().unwrap_or(0);
                combine(
                    options.filter_operator,
                    &[
                        filter.id.as_ref().map(|f| f.matches(numeric)),
                        filter.sku.as_ref().map(|f| f.matches(Some(&v.sku))),
                        filter.name.as_ref().map(|f| f.matches(Some(&v.name))),
                    ],
                )
            })
            .collect();
        let (items, total_items) = page(variants, options.skip, options.take)?;
        Ok(ProductVariantList { items, total_items })
    }

    async fn countries(&self, ctx: &Context<'_>) -> Result<CountryList> {
        admin(ctx)?;
        let items: Vec<Country> = store::COUNTRIES
            .iter()
            .filter_map(|(c, _)| country(c))
            .collect();
        Ok(CountryList {
            total_items: items.len() as i64,
            items,
        })
    }

    async fn eligible_shipping_methods_for_draft_order(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
    ) -> Result<Vec<ShippingMethodQuote>> {
        let store = admin(ctx)?.store();
        store
            .order(key(&order_id, "Order")?)
            .map_err(refusal_error)?;
        let (method, code, name, price) = store::SHIPPING_METHOD;
        Ok(vec![ShippingMethodQuote {
            id: id(method),
            price,
            price_with_tax: price,
            code: code.to_owned(),
            name: name.to_owned(),
            description: String::new(),
        }])
    }
}

pub struct MutationRoot;

#[Object]
impl MutationRoot {
    async fn login(
        &self,
        ctx: &Context<'_>,
        username: String,
        password: String,
        remember_me: Option<bool>,
    ) -> NativeAuthenticationResult {
        // Sessions never expire here, so remembering one changes nothing.
        let _ = remember_me;
        let shared = shared(ctx);
        if username != shared.username || password != shared.password {
            return NativeAuthenticationResult::InvalidCredentialsError(InvalidCredentialsError {
                error_code: ErrorCode::InvalidCredentialsError,
                message: "The provided credentials are invalid".into(),
                authentication_error: String::new(),
            });
        }
        let token = shared.open_session();
        ctx.insert_http_header(super::TOKEN_HEADER, token);
        NativeAuthenticationResult::CurrentUser(CurrentUser {
            id: id(1),
            identifier: shared.username.clone(),
        })
    }

    async fn logout(&self, ctx: &Context<'_>) -> Success {
        if let Some(token) = &ctx.data_unchecked::<RequestInfo>().token {
            shared(ctx).close_session(token);
        }
        Success { success: true }
    }

    async fn create_customer(
        &self,
        ctx: &Context<'_>,
        input: CreateCustomerInput,
        password: Option<String>,
    ) -> Result<CreateCustomerResult> {
        // Customers never log in to the sandbox (there is no Shop API), so their password is
        // accepted as Vendure accepts it and not kept.
        let _ = password;
        let shared = admin(ctx)?;
        let mut store = shared.store();
        match store.create_customer(input.into(), Utc::now()) {
            Ok(id) => {
                wrote(ctx);
                Ok(CreateCustomerResult::Customer(CustomerView(
                    store.customers[&id].clone(),
                )))
            }
            Err(Refusal::EmailConflict) => Ok(CreateCustomerResult::EmailAddressConflictError(
                email_conflict(),
            )),
            Err(other) => Err(refusal_error(other)),
        }
    }

    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        input: UpdateCustomerInput,
    ) -> Result<UpdateCustomerResult> {
        let shared = admin(ctx)?;
        let customer = key(&input.id, "Customer")?;
        let fields = CustomerFields {
            title: input.title,
            first_name: input.first_name,
            last_name: input.last_name,
            email: input.email_address,
            phone: input.phone_number,
        };
        let mut store = shared.store();
        match store.update_customer(customer, fields, Utc::now()) {
            Ok(()) => {
                wrote(ctx);
                Ok(UpdateCustomerResult::Customer(CustomerView(
                    store.customers[&customer].clone(),
                )))
            }
            Err(Refusal::EmailConflict) => Ok(UpdateCustomerResult::EmailAddressConflictError(
                email_conflict(),
            )),
            Err(other) => Err(refusal_error(other)),
        }
    }

    async fn delete_customer(&self, ctx: &Context<'_>, id: ID) -> Result<DeletionResponse> {
        let shared = admin(ctx)?;
        let customer = key(&id, "Customer")?;
        shared
            .store()
            .delete_customer(customer)
            .map_err(refusal_error)?;
        wrote(ctx);
        Ok(DeletionResponse {
            result: DeletionResult::Deleted,
            message: None,
        })
    }

    async fn create_customer_address(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        input: CreateAddressInput,
    ) -> Result<AddressView> {
        let shared = admin(ctx)?;
        let customer = key(&customer_id, "Customer")?;
        let mut store = shared.store();
        let address = store
            .create_address(customer, input.into(), Utc::now())
            .map_err(refusal_error)?;
        wrote(ctx);
        Ok(AddressView(store.addresses[&address].clone()))
    }

    async fn update_customer_address(
        &self,
        ctx: &Context<'_>,
        input: UpdateAddressInput,
    ) -> Result<AddressView> {
        let shared = admin(ctx)?;
        let address = key(&input.id, "Address")?;
        let fields = AddressFields {
            full_name: input.full_name,
            company: input.company,
            street_line1: input.street_line1,
            street_line2: input.street_line2,
            city: input.city,
            province: input.province,
            postal_code: input.postal_code,
            country_code: input.country_code,
            phone: input.phone_number,
            default_shipping: input.default_shipping_address,
            default_billing: input.default_billing_address,
        };
        let mut store = shared.store();
        store
            .update_address(address, fields, Utc::now())
            .map_err(refusal_error)?;
        wrote(ctx);
        Ok(AddressView(store.addresses[&address].clone()))
    }

    async fn delete_customer_address(&self, ctx: &Context<'_>, id: ID) -> Result<Success> {
        let shared = admin(ctx)?;
        let address = key(&id, "Address")?;
        shared
            .store()
            .delete_address(address)
            .map_err(refusal_error)?;
        wrote(ctx);
        Ok(Success { success: true })
    }

    async fn create_customer_group(
        &self,
        ctx: &Context<'_>,
        input: CreateCustomerGroupInput,
    ) -> Result<CustomerGroupView> {
        let shared = admin(ctx)?;
        let members = ids(
            input.customer_ids.as_deref().unwrap_or_default(),
            "Customer",
        )?;
        let mut store = shared.store();
        let group = store
            .create_group(input.name, &members, Utc::now())
            .map_err(refusal_error)?;
        wrote(ctx);
        Ok(CustomerGroupView(store.groups[&group].clone()))
    }

    async fn add_customers_to_group(
        &self,
        ctx: &Context<'_>,
        customer_group_id: ID,
        customer_ids: Vec<ID>,
    ) -> Result<CustomerGroupView> {
        let shared = admin(ctx)?;
        let group = key(&customer_group_id, "CustomerGroup")?;
        let members = ids(&customer_ids, "Customer")?;
        let mut store = shared.store();
        store.add_to_group(group, &members).map_err(refusal_error)?;
        wrote(ctx);
        Ok(CustomerGroupView(store.groups[&group].clone()))
    }

    async fn remove_customers_from_group(
        &self,
        ctx: &Context<'_>,
        customer_group_id: ID,
        customer_ids: Vec<ID>,
    ) -> Result<CustomerGroupView> {
        let shared = admin(ctx)?;
        let group = key(&customer_group_id, "CustomerGroup")?;
        let members = ids(&customer_ids, "Customer")?;
        let mut store = shared.store();
        store
            .remove_from_group(group, &members)
            .map_err(refusal_error)?;
        wrote(ctx);
        Ok(CustomerGroupView(store.groups[&group].clone()))
    }

    async fn create_draft_order(&self, ctx: &Context<'_>) -> Result<OrderView> {
        let shared = admin(ctx)?;
        let mut store = shared.store();
        let order = store.create_draft_order(Utc::now());
        wrote(ctx);
        Ok(OrderView(Box::new(store.orders[&order].clone())))
    }

    async fn set_customer_for_draft_order(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        customer_id: Option<ID>,
        input: Option<CreateCustomerInput>,
    ) -> Result<SetCustomerForDraftOrderResult> {
        let shared = admin(ctx)?;
        let order = key(&order_id, "Order")?;
        let now = Utc::now();
        let mut store = shared.store();
        store.order(order).map_err(refusal_error)?;
        let customer = match (customer_id, input) {
            (Some(customer), _) => key(&customer, "Customer")?,
            (None, Some(input)) => match store.guest_for_order(input.into(), now) {
                Ok(customer) => customer,
                Err(Refusal::EmailConflict) => {
                    return Ok(SetCustomerForDraftOrderResult::EmailAddressConflictError(
                        email_conflict(),
                    ))
                }
                Err(other) => return Err(refusal_error(other)),
            },
            (None, None) => {
                return Err(user_input_error(
                    "Either customerId or input must be provided".into(),
                ))
            }
        };
        match store.set_order_customer(order, customer, now) {
            Ok(()) => {
                wrote(ctx);
                Ok(SetCustomerForDraftOrderResult::Order(OrderView(Box::new(
                    store.orders[&order].clone(),
                ))))
            }
            Err(Refusal::OrderModification) => Err(user_input_error(
                "The customer of an order that is no longer a draft cannot change".into(),
            )),
            Err(other) => Err(refusal_error(other)),
        }
    }

    async fn add_item_to_draft_order(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        input: AddItemInput,
    ) -> Result<UpdateOrderItemsResult> {
        let shared = admin(ctx)?;
        let order = key(&order_id, "Order")?;
        let variant = key(&input.product_variant_id, "ProductVariant")?;
        let mut store = shared.store();
        match store.add_item(order, variant, i64::from(input.quantity), Utc::now()) {
            Ok(()) => {
                wrote(ctx);
                Ok(UpdateOrderItemsResult::Order(OrderView(Box::new(
                    store.orders[&order].clone(),
                ))))
            }
            Err(Refusal::OrderModification) => Ok(UpdateOrderItemsResult::OrderModificationError(
                order_modification(),
            )),
            Err(Refusal::NegativeQuantity) => Ok(UpdateOrderItemsResult::NegativeQuantityError(
                NegativeQuantityError {
                    error_code: ErrorCode::NegativeQuantityError,
                    message: "The quantity for an OrderItem cannot be negative".into(),
                },
            )),
            Err(other) => Err(refusal_error(other)),
        }
    }

    async fn set_draft_order_billing_address(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        input: CreateAddressInput,
    ) -> Result<OrderView> {
        set_order_address(ctx, order_id, input, true)
    }

    async fn set_draft_order_shipping_address(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        input: CreateAddressInput,
    ) -> Result<OrderView> {
        set_order_address(ctx, order_id, input, false)
    }

    async fn set_draft_order_shipping_method(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        shipping_method_id: ID,
    ) -> Result<SetOrderShippingMethodResult> {
        let shared = admin(ctx)?;
        let order = key(&order_id, "Order")?;
        let method = shipping_method_id.parse::<u64>().unwrap_or(0);
        let mut store = shared.store();
        match store.set_shipping_method(order, method, Utc::now()) {
            Ok(()) => {
                wrote(ctx);
                Ok(SetOrderShippingMethodResult::Order(OrderView(Box::new(
                    store.orders[&order].clone(),
                ))))
            }
            Err(Refusal::OrderModification) => Ok(
                SetOrderShippingMethodResult::OrderModificationError(order_modification()),
            ),
            Err(Refusal::IneligibleShippingMethod) => {
                Ok(SetOrderShippingMethodResult::IneligibleShippingMethodError(
                    IneligibleShippingMethodError {
                        error_code: ErrorCode::IneligibleShippingMethodError,
                        message: "This Order is not eligible for the selected ShippingMethod"
                            .into(),
                    },
                ))
            }
            Err(other) => Err(refusal_error(other)),
        }
    }

    async fn transition_order_to_state(
        &self,
        ctx: &Context<'_>,
        id: ID,
        state: String,
    ) -> Result<Option<TransitionOrderToStateResult>> {
        let shared = admin(ctx)?;
        let order = key(&id, "Order")?;
        let mut store = shared.store();
        match store.transition(order, &state, Utc::now()) {
            Ok(()) => {
                wrote(ctx);
                Ok(Some(TransitionOrderToStateResult::Order(OrderView(
                    Box::new(store.orders[&order].clone()),
                ))))
            }
            Err(Refusal::Transition { from, to, reason }) => Ok(Some(
                TransitionOrderToStateResult::OrderStateTransitionError(
                    OrderStateTransitionError {
                        error_code: ErrorCode::OrderStateTransitionError,
                        message: format!("Cannot transition Order from \"{from}\" to \"{to}\""),
                        transition_error: reason,
                        from_state: from,
                        to_state: to,
                    },
                ),
            )),
            Err(other) => Err(refusal_error(other)),
        }
    }

    async fn add_manual_payment_to_order(
        &self,
        ctx: &Context<'_>,
        input: ManualPaymentInput,
    ) -> Result<AddManualPaymentToOrderResult> {
        let shared = admin(ctx)?;
        let order = key(&input.order_id, "Order")?;
        // Payments are not kept as records: only the order's state and placing date, which
        // Concord reads, follow from them.
        let _ = (&input.transaction_id, &input.metadata);
        let mut store = shared.store();
        match store.add_manual_payment(order, &input.method, Utc::now()) {
            Ok(()) => {
                wrote(ctx);
                Ok(AddManualPaymentToOrderResult::Order(OrderView(Box::new(
                    store.orders[&order].clone(),
                ))))
            }
            Err(Refusal::ManualPaymentState) => Ok(
                AddManualPaymentToOrderResult::ManualPaymentStateError(ManualPaymentStateError {
                    error_code: ErrorCode::ManualPaymentStateError,
                    message:
                        "A manual payment may only be added when in the \"ArrangingPayment\" or \"ArrangingAdditionalPayment\" states"
                            .into(),
                }),
            ),
            Err(other) => Err(refusal_error(other)),
        }
    }
}

fn set_order_address(
    ctx: &Context<'_>,
    order_id: ID,
    input: CreateAddressInput,
    billing: bool,
) -> Result<OrderView> {
    let shared = admin(ctx)?;
    let order = key(&order_id, "Order")?;
    let mut store = shared.store();
    match store.set_order_address(order, billing, input.into(), Utc::now()) {
        Ok(()) => {
            wrote(ctx);
            Ok(OrderView(Box::new(store.orders[&order].clone())))
        }
        Err(Refusal::OrderModification) => Err(user_input_error(
            "The addresses of an order that is no longer a draft cannot change".into(),
        )),
        Err(other) => Err(refusal_error(other)),
    }
}
