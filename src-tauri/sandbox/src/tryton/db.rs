//! The sandbox ERP's in-memory database: one table per model, records in ID order, and the
//! rules Tryton's ORM applies on create, write and delete (defaults, required fields,
//! selections, one2many and many2many commands, cascades, `_timestamp` checks).
//!
//! Every call runs as one transaction: [`Database::begin`] starts an undo log and
//! [`Database::rollback`] restores each record a failed call touched, so a refused write
//! leaves nothing behind, as a rolled-back SQL transaction would.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::domain::{self, Domain, Leaf, Op, Operand};
use super::schema::{self, Kind, Model};
use super::value::{from_json, timestamp_text, Val};

/// An application error, answered as HTTP 200 with `{"error": [name, detail]}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AppError {
    pub name: String,
    pub detail: Value,
}

impl AppError {
    /// An error whose name is a message, as Tryton sends for Python exceptions it does not
    /// wrap (an unknown field comes back as `["'nosuchfield'", ""]`).
    pub fn named(name: impl Into<String>) -> AppError {
        AppError {
            name: name.into(),
            detail: json!(""),
        }
    }

    /// An unknown field name, in the shape Tryton's KeyError takes.
    pub fn key(field: &str) -> AppError {
        AppError::named(format!("'{field}'"))
    }

    pub fn user(message: impl Into<String>) -> AppError {
        AppError {
            name: "UserError".to_owned(),
            detail: json!([message.into(), "", null]),
        }
    }

    pub fn concurrency() -> AppError {
        AppError {
            name: "ConcurrencyException".to_owned(),
            detail: json!("Records were modified in the meanwhile"),
        }
    }

    pub fn to_json(&self) -> Value {
        json!([self.name, self.detail])
    }
}

type Result<T> = std::result::Result<T, AppError>;

#[derive(Debug, Clone)]
pub(crate) struct Record {
    /// Stored field values, in the order of the model's fields.
    values: Box<[Val]>,
    created: NaiveDateTime,
    written: NaiveDateTime,
}

#[derive(Debug)]
struct Table {
    model: Model,
    rows: BTreeMap<i64, Record>,
    next_id: i64,
}

#[derive(Debug)]
enum Undo {
    Row(usize, i64, Option<Record>),
    NextId(usize, i64),
    Sequence(usize, i64),
}

/// Tryton's sequences the sandbox keeps: sale numbers (set by `quote`) and party codes (set
/// when a party is created without one).
const SALE_NUMBER: usize = 0;
const PARTY_CODE: usize = 1;

/// `_timestamp` versions sent in a call's context, keyed `"model,id"`.
pub(crate) type Stamps = Map<String, Value>;

#[derive(Debug)]
pub(crate) struct Database {
    tables: Vec<Table>,
    by_name: HashMap<&'static str, usize>,
    /// Every o2m as (child table, inverse field position, parent table, o2m field position).
    inverses: Vec<(usize, usize, usize, usize)>,
    /// The latest moment handed out; every call gets a later one so versions never repeat.
    clock: NaiveDateTime,
    /// The moment of the call in progress: Tryton stamps a whole transaction alike.
    now: NaiveDateTime,
    undo: Vec<Undo>,
    /// Whether a call is in progress, so changes are logged to be undone; seeding is not.
    in_call: bool,
    /// The next value of each sequence.
    sequences: [i64; 2],
}

/// One key of a search's order.
pub(crate) struct OrderKey {
    field: String,
    ascending: bool,
    /// Where empty values go: first unless said otherwise when ascending, last when
    /// descending, as SQLite sorts them.
    nulls_first: bool,
}

impl OrderKey {
    /// Reads `"ASC"`, `"DESC"`, `"DESC NULLS FIRST"`, ...
    fn new(field: &str, direction: &str) -> OrderKey {
        let direction = direction.trim().to_ascii_uppercase();
        let ascending = !direction.starts_with("DESC");
        let nulls_first = if direction.ends_with("NULLS FIRST") {
            true
        } else if direction.ends_with("NULLS LAST") {
            false
        } else {
            ascending
        };
        OrderKey {
            field: field.to_owned(),
            ascending,
            nulls_first,
        }
    }

    fn is_id(&self, ascending: bool) -> bool {
        self.field == "id" && self.ascending == ascending
    }
}

/// A search's order, key by key.
pub(crate) struct Order(Vec<OrderKey>);

impl Database {
    pub fn new() -> Database {
        let tables: Vec<Table> = schema::models()
            .into_iter()
            .map(|model| Table {
                model,
                rows: BTreeMap::new(),
                next_id: 1,
            })
            .collect();
        let by_name = tables
            .iter()
            .enumerate()
            .map(|(i, t)| (t.model.name, i))
            .collect::<HashMap<_, _>>();
        let mut inverses = Vec::new();
        for (parent, table) in tables.iter().enumerate() {
            for (field_pos, field) in table.model.fields.iter().enumerate() {
                if let Kind::One2Many(target, inverse) = field.kind {
                    let child = by_name[target];
                    let (inverse_pos, _) = tables[child]
                        .model
                        .field(inverse)
                        .expect("every one2many names a many2one of its target");
                    inverses.push((child, inverse_pos, parent, field_pos));
                }
            }
        }
        let now = Utc::now().naive_utc();
        Database {
            tables,
            by_name,
            inverses,
            clock: now,
            now,
            undo: Vec::new(),
            in_call: false,
            sequences: [1, 1],
        }
    }

    pub fn table(&self, model: &str) -> Option<usize> {
        self.by_name.get(model).copied()
    }

    pub fn model(&self, t: usize) -> &Model {
        &self.tables[t].model
    }

    pub fn model_named(&self, name: &str) -> Option<&Model> {
        self.table(name).map(|t| self.model(t))
    }

    pub fn len(&self, t: usize) -> usize {
        self.tables[t].rows.len()
    }

    /// Starts a call: a fresh moment later than any before, and an empty undo log.
    pub fn begin(&mut self) {
        let wall = Utc::now().naive_utc();
        let next = self.clock + chrono::Duration::microseconds(1);
        self.clock = wall.max(next);
        self.now = self.clock;
        self.undo.clear();
        self.in_call = true;
    }

    pub fn commit(&mut self) {
        self.undo.clear();
        self.in_call = false;
    }

    /// Undoes everything since [`Database::begin`].
    pub fn rollback(&mut self) {
        while let Some(step) = self.undo.pop() {
            match step {
                Undo::Row(t, id, Some(old)) => {
                    self.tables[t].rows.insert(id, old);
                }
                Undo::Row(t, id, None) => {
                    self.tables[t].rows.remove(&id);
                }
                Undo::NextId(t, old) => self.tables[t].next_id = old,
                Undo::Sequence(which, old) => self.sequences[which] = old,
            }
        }
        self.in_call = false;
    }

    fn log(&mut self, step: Undo) {
        if self.in_call {
            self.undo.push(step);
        }
    }

    fn put(&mut self, t: usize, id: i64, record: Record) {
        let old = self.tables[t].rows.insert(id, record);
        self.log(Undo::Row(t, id, old));
    }

    fn take(&mut self, t: usize, id: i64) -> Option<Record> {
        let old = self.tables[t].rows.remove(&id)?;
        if self.in_call {
            self.undo.push(Undo::Row(t, id, Some(old.clone())));
        }
        Some(old)
    }

    fn row(&self, t: usize, id: i64) -> Option<&Record> {
        self.tables[t].rows.get(&id)
    }

    // ----- reading values -----

    /// The value of any readable field of a record, computed ones included.
    fn value(&self, t: usize, id: i64, record: &Record, name: &str) -> Val {
        let model = self.model(t);
        if let Some((pos, field)) = model.field(name) {
            if let (true, Some(target)) = (field.kind.is_many(), field.kind.target()) {
                // Tryton lists only active related records: a deactivated address drops
                // out of its party's `addresses`, in reads and in searches through them.
                let tt = self.by_name[target];
                let live: Vec<i64> = record.values[pos]
                    .ids()
                    .iter()
                    .copied()
                    .filter(|id| self.row(tt, *id).is_some_and(|r| self.is_active(tt, r)))
                    .collect();
                return Val::Ids(live.into_boxed_slice());
            }
            return record.values[pos].clone();
        }
        match name {
            "id" => return Val::Int(id),
            "create_date" => return Val::DateTime(record.created),
            "write_date" | "last_modified_at" => return Val::DateTime(record.written),
            "create_uid" | "write_uid" => return Val::Int(1),
            "_timestamp" => return Val::Text(timestamp_text(record.written).into()),
            "rec_name" => return self.rec_name(t, id, record),
            _ => {}
        }
        match (model.name, name) {
            ("sale.line", "amount") => Val::Decimal(self.line_amount(t, record)),
            ("sale.sale", "untaxed_amount" | "total_amount") => {
                Val::Decimal(self.sale_total(record))
            }
            ("sale.sale", "tax_amount") => Val::Decimal(Decimal::ZERO),
            ("product.product", "code") => self.stored(t, record, "suffix_code"),
            ("product.product", "name") => self.related(t, record, "template", "name"),
            ("party.party", kind @ ("email" | "phone" | "mobile")) => {
                self.first_contact(t, record, kind)
            }
            _ => Val::Null,
        }
    }

    /// False only for a record whose model has an `active` field that is off.
    fn is_active(&self, t: usize, record: &Record) -> bool {
        match self.model(t).field("active") {
            Some((pos, _)) => record.values[pos] != Val::Bool(false),
            None => true,
        }
    }

    fn stored(&self, t: usize, record: &Record, name: &str) -> Val {
        self.model(t)
            .field(name)
            .map(|(pos, _)| record.values[pos].clone())
            .unwrap_or(Val::Null)
    }

    /// A field of the record a many2one points at.
    fn related(&self, t: usize, record: &Record, relation: &str, name: &str) -> Val {
        let Some((pos, field)) = self.model(t).field(relation) else {
            return Val::Null;
        };
        let (Some(target), Some(id)) = (field.kind.target(), record.values[pos].as_id()) else {
            return Val::Null;
        };
        let tt = self.by_name[target];
        self.row(tt, id)
            .map(|row| self.value(tt, id, row, name))
            .unwrap_or(Val::Null)
    }

    fn rec_name(&self, t: usize, id: i64, record: &Record) -> Val {
        if self.model(t).name == "party.address" {
            // "Party, street, postal code city, country code", as Tryton shows an address.
            let text = |v: Val| v.as_str().map(|s| s.replace('\n', " "));
            let city = [
                text(self.stored(t, record, "postal_code")),
                text(self.stored(t, record, "city")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
            let parts = [
                text(self.related(t, record, "party", "name")),
                text(self.stored(t, record, "street")),
                Some(city).filter(|c| !c.is_empty()),
                text(self.related(t, record, "country", "code")),
            ];
            let joined: Vec<String> = parts.into_iter().flatten().collect();
            return Val::Text(joined.join(", ").into());
        }
        if self.model(t).name == "party.contact_mechanism" {
            // "Party <value>", as Tryton names a contact mechanism.
            let party = self.related(t, record, "party", "name");
            let value = self.stored(t, record, "value");
            return Val::Text(
                format!(
                    "{} <{}>",
                    party.as_str().unwrap_or_default(),
                    value.as_str().unwrap_or_default()
                )
                .into(),
            );
        }
        if self.model(t).name == "sale.sale" {
            // A draft has no number yet; Tryton names it by its ID in parentheses.
            return match self.stored(t, record, "number") {
                Val::Null => Val::Text(format!("({id})").into()),
                number => number,
            };
        }
        let field = self.model(t).rec_name;
        match self.model(t).kind_of(field) {
            Some(Kind::Many2One(_)) => self.related(t, record, field, "rec_name"),
            _ => match self.value(t, id, record, field) {
                Val::Null => Val::Text(id.to_string().into()),
                value => value,
            },
        }
    }

    fn line_amount(&self, t: usize, line: &Record) -> Decimal {
        if self.stored(t, line, "type").as_str() != Some("line") {
            return Decimal::ZERO;
        }
        let quantity = match self.stored(t, line, "quantity") {
            Val::Float(q) => Decimal::try_from(q).unwrap_or_default(),
            Val::Int(q) => Decimal::from(q),
            _ => Decimal::ZERO,
        };
        let price = match self.stored(t, line, "unit_price") {
            Val::Decimal(p) => p,
            _ => Decimal::ZERO,
        };
        // Currencies here have two digits; Tryton rounds each line to the sale's currency,
        // keeping the digits ("45.00", not "45").
        let mut amount = (quantity * price).round_dp(2);
        amount.rescale(2);
        amount
    }

    fn sale_total(&self, sale: &Record) -> Decimal {
        let st = self.by_name["sale.sale"];
        let lt = self.by_name["sale.line"];
        self.stored(st, sale, "lines")
            .ids()
            .iter()
            .filter_map(|id| self.row(lt, *id))
            .map(|line| self.line_amount(lt, line))
            .sum()
    }

    fn first_contact(&self, t: usize, party: &Record, kind: &str) -> Val {
        let ct = self.by_name["party.contact_mechanism"];
        self.stored(t, party, "contact_mechanisms")
            .ids()
            .iter()
            .filter_map(|id| self.row(ct, *id))
            .find(|c| self.stored(ct, c, "type").as_str() == Some(kind))
            .map(|c| self.stored(ct, c, "value"))
            .unwrap_or(Val::Null)
    }

    fn encode(&self, t: usize, name: &str, value: &Val) -> Value {
        // Booleans read from SQLite come back as 0/1 on the real server.
        let sqlite_bool = matches!(self.model(t).kind_of(name), Some(Kind::Boolean));
        value.to_json(sqlite_bool)
    }

    /// Checks that every (possibly dotted) name exists, as Tryton does before reading.
    fn check_fields(&self, t: usize, names: &[String]) -> Result<()> {
        for name in names {
            let (head, rest) = match name.split_once('.') {
                Some((head, rest)) => (head, Some(rest)),
                None => (name.as_str(), None),
            };
            let kind = self
                .model(t)
                .kind_of(head)
                .ok_or_else(|| AppError::key(head))?;
            if let Some(rest) = rest {
                let target = kind.target().ok_or_else(|| AppError::key(rest))?;
                self.check_fields(self.by_name[target], &[rest.to_owned()])?;
            }
        }
        Ok(())
    }

    /// Reads `names` of the records `ids`, in the order asked. `None` reads every field.
    pub fn read(&self, model: usize, ids: &[i64], names: Option<&[String]>) -> Result<Vec<Value>> {
        let all;
        let names = match names {
            Some(names) => names,
            None => {
                all = self.all_fields(model);
                &all
            }
        };
        self.check_fields(model, names)?;
        let missing: Vec<String> = ids
            .iter()
            .filter(|id| self.row(model, **id).is_none())
            .map(i64::to_string)
            .collect();
        if !missing.is_empty() {
            return Err(AppError::user(format!(
                "You are trying to read records \"{}\" of \"{}\" that don't exist.",
                missing.join(", "),
                self.model(model).label
            )));
        }
        Ok(ids
            .iter()
            .map(|id| self.read_one(model, *id, names))
            .collect())
    }

    fn all_fields(&self, t: usize) -> Vec<String> {
        let model = self.model(t);
        model
            .fields
            .iter()
            .map(|f| f.name)
            .chain(
                schema::COMPUTED
                    .iter()
                    .filter(|c| c.0 == model.name)
                    .map(|c| c.1),
            )
            .chain(schema::META_FIELDS.iter().copied())
            .map(str::to_owned)
            .collect()
    }

    fn read_one(&self, t: usize, id: i64, names: &[String]) -> Value {
        let Some(record) = self.row(t, id) else {
            return Value::Null;
        };
        let mut out = Map::new();
        out.insert("id".to_owned(), json!(id));
        let mut related: Vec<(&str, Vec<String>)> = Vec::new();
        for name in names {
            match name.split_once('.') {
                None => {
                    let value = self.value(t, id, record, name);
                    out.insert(name.clone(), self.encode(t, name, &value));
                }
                Some((head, rest)) => match related.iter_mut().find(|(h, _)| *h == head) {
                    Some((_, rests)) => rests.push(rest.to_owned()),
                    None => related.push((head, vec![rest.to_owned()])),
                },
            }
        }
        for (head, rests) in related {
            let kind = self.model(t).kind_of(head).expect("names were checked");
            let tt = self.by_name[kind.target().expect("names were checked")];
            let value = self.value(t, id, record, head);
            let nested = match (kind.is_many(), value) {
                (true, value) => Value::Array(
                    value
                        .ids()
                        .iter()
                        .filter(|id| self.row(tt, **id).is_some())
                        .map(|id| self.read_one(tt, *id, &rests))
                        .collect(),
                ),
                (false, Val::Int(target)) => self.read_one(tt, target, &rests),
                (false, _) => Value::Null,
            };
            out.insert(format!("{head}."), nested);
        }
        Value::Object(out)
    }

    // ----- searching -----

    pub fn parse_domain(&self, t: usize, value: &Value) -> Result<Domain> {
        let models = |name: &str| self.model_named(name);
        domain::parse(value, self.model(t), &models)
    }

    /// Parses an `order` parameter: null for the model's default, else `[[field, dir], ...]`.
    pub fn parse_order(&self, t: usize, value: &Value) -> Result<Order> {
        let model = self.model(t);
        let items = match value {
            Value::Null => {
                return Ok(Order(
                    model
                        .default_order
                        .iter()
                        .map(|(field, direction)| OrderKey::new(field, direction))
                        .collect(),
                ))
            }
            Value::Array(items) => items,
            other => {
                return Err(AppError::named(format!(
                    "an order must be a list, not {other}"
                )))
            }
        };
        let mut order = Vec::new();
        for item in items {
            let field = item.get(0).and_then(Value::as_str).unwrap_or_default();
            let direction = item.get(1).and_then(Value::as_str).unwrap_or("ASC");
            if model.kind_of(field).is_none() {
                return Err(AppError::key(field));
            }
            order.push(OrderKey::new(field, direction));
        }
        Ok(Order(order))
    }

    /// The IDs matching `domain`, ordered, from `offset`, at most `limit`. Unless
    /// `active_test` is off or the domain names `active` itself, only active records match,
    /// as in Tryton.
    pub fn search(
        &self,
        t: usize,
        domain: &Domain,
        offset: usize,
        limit: Option<usize>,
        order: &Order,
        active_test: bool,
    ) -> Vec<i64> {
        let limit = limit.unwrap_or(usize::MAX);
        let rows = &self.tables[t].rows;
        let floor = domain.id_floor().unwrap_or(i64::MIN);
        let only_active = active_test && !domain.mentions("active");
        let matching = |(id, record): (&i64, &Record)| {
            ((!only_active || self.is_active(t, record)) && self.matches(t, *id, record, domain))
                .then_some(*id)
        };
        match order.0.as_slice() {
            // Keyset paging by ID is the connector's every page: walk the index from the
            // floor and stop at the limit instead of sorting the whole table.
            [key] if key.is_id(true) => rows
                .range(floor..)
                .filter_map(matching)
                .skip(offset)
                .take(limit)
                .collect(),
            [key] if key.is_id(false) => rows
                .range(floor..)
                .rev()
                .filter_map(matching)
                .skip(offset)
                .take(limit)
                .collect(),
            keys => {
                let mut found: Vec<(i64, Vec<Val>)> = rows
                    .range(floor..)
                    .filter(|(id, record)| matching((id, record)).is_some())
                    .map(|(id, record)| {
                        let key = keys
                            .iter()
                            .map(|key| self.order_value(t, *id, record, &key.field))
                            .collect();
                        (*id, key)
                    })
                    .collect();
                found.sort_by(|(a_id, a), (b_id, b)| {
                    for (i, key) in keys.iter().enumerate() {
                        let ordering = match (a[i].is_null(), b[i].is_null()) {
                            (true, true) => Ordering::Equal,
                            (true, false) if key.nulls_first => Ordering::Less,
                            (true, false) => Ordering::Greater,
                            (false, true) if key.nulls_first => Ordering::Greater,
                            (false, true) => Ordering::Less,
                            (false, false) => {
                                let ordering = a[i].compare(&b[i]).unwrap_or(Ordering::Equal);
                                if key.ascending {
                                    ordering
                                } else {
                                    ordering.reverse()
                                }
                            }
                        };
                        if ordering != Ordering::Equal {
                            return ordering;
                        }
                    }
                    a_id.cmp(b_id)
                });
                found
                    .into_iter()
                    .skip(offset)
                    .take(limit)
                    .map(|(id, _)| id)
                    .collect()
            }
        }
    }

    /// What a field sorts by: its value, or for a many2one the name of the record it points
    /// at, as Tryton orders a many2one by its target's order.
    fn order_value(&self, t: usize, id: i64, record: &Record, field: &str) -> Val {
        match self.model(t).kind_of(field) {
            Some(Kind::Many2One(target)) => {
                let tt = self.by_name[target];
                match self.value(t, id, record, field).as_id() {
                    Some(tid) => self
                        .row(tt, tid)
                        .map(|row| self.rec_name(tt, tid, row))
                        .unwrap_or(Val::Null),
                    None => Val::Null,
                }
            }
            _ => self.value(t, id, record, field),
        }
    }

    pub fn count(&self, t: usize, domain: &Domain, active_test: bool) -> usize {
        let only_active = active_test && !domain.mentions("active");
        self.tables[t]
            .rows
            .iter()
            .filter(|(_, record)| !only_active || self.is_active(t, record))
            .filter(|(id, record)| self.matches(t, **id, record, domain))
            .count()
    }

    fn matches(&self, t: usize, id: i64, record: &Record, domain: &Domain) -> bool {
        match domain {
            Domain::All(parts) => parts.iter().all(|d| self.matches(t, id, record, d)),
            Domain::Any(parts) => parts.iter().any(|d| self.matches(t, id, record, d)),
            Domain::Leaf(leaf) => self.leaf(t, id, record, leaf, 0, leaf.op),
        }
    }

    fn leaf(&self, t: usize, id: i64, record: &Record, leaf: &Leaf, depth: usize, op: Op) -> bool {
        let name = leaf.path[depth].as_str();
        let kind = self.model(t).kind_of(name).unwrap_or(Kind::Char);
        let value = self.value(t, id, record, name);
        if depth + 1 < leaf.path.len() {
            let Some(tt) = kind.target().map(|target| self.by_name[target]) else {
                return false;
            };
            let targets: Vec<i64> = match &value {
                Val::Int(target) => vec![*target],
                other => other.ids().to_vec(),
            };
            let any = |op: Op| {
                targets.iter().any(|tid| {
                    self.row(tt, *tid)
                        .is_some_and(|row| self.leaf(tt, *tid, row, leaf, depth + 1, op))
                })
            };
            // Tryton searches "a related record that does not match" as "no related record
            // matches": a party with no address at all is not in "addresses.city = X".
            return match (kind.is_many(), op.positive()) {
                (true, Some(positive)) => !any(positive),
                _ => any(op),
            };
        }
        if kind.is_many() {
            return many_matches(value.ids(), op, &leaf.value);
        }
        if let (Kind::Many2One(target), Operand::One(Val::Text(_))) = (kind, &leaf.value) {
            // A many2one compared with text compares the target's name.
            let tt = self.by_name[target];
            let name = match value
                .as_id()
                .and_then(|tid| Some((tid, self.row(tt, tid)?)))
            {
                Some((tid, row)) => self.rec_name(tt, tid, row),
                None => Val::Null,
            };
            return scalar_matches(&name, Kind::Char, op, &leaf.value);
        }
        scalar_matches(&value, kind, op, &leaf.value)
    }

    // ----- writing -----

    fn decode_field(&self, t: usize, name: &str, raw: &Value) -> Result<(usize, Val)> {
        let model = self.model(t);
        let Some((pos, field)) = model.field(name) else {
            if model.kind_of(name).is_some() {
                return Err(AppError::user(format!(
                    "The field \"{name}\" of \"{}\" is read-only.",
                    model.label
                )));
            }
            return Err(AppError::key(name));
        };
        let wrong = || {
            AppError::user(format!(
                "The value for field \"{}\" in \"{}\" is not valid: {raw}.",
                field.label, model.label
            ))
        };
        let value = match raw {
            // Clients send `false` for an empty many2one or text, as Tryton's own client does.
            Value::Bool(false) if !matches!(field.kind, Kind::Boolean) => Val::Null,
            _ => from_json(raw).map_err(|_| wrong())?,
        };
        let value = match (field.kind, value) {
            (_, Val::Null) => Val::Null,
            (Kind::Char, Val::Text(s)) => Val::Text(s),
            (Kind::Integer | Kind::Many2One(_), Val::Int(n)) => Val::Int(n),
            (Kind::Float, Val::Int(n)) => Val::Float(n as f64),
            (Kind::Float, Val::Float(f)) => Val::Float(f),
            (Kind::Float, Val::Decimal(d)) => Val::Float(f64::try_from(d).map_err(|_| wrong())?),
            (Kind::Numeric, Val::Decimal(d)) => Val::Decimal(d),
            (Kind::Numeric, Val::Int(n)) => Val::Decimal(n.into()),
            (Kind::Numeric, Val::Float(f)) => {
                Val::Decimal(Decimal::try_from(f).map_err(|_| wrong())?)
            }
            (Kind::Boolean, Val::Bool(b)) => Val::Bool(b),
            (Kind::Boolean, Val::Int(n)) => Val::Bool(n != 0),
            (Kind::Date, Val::Date(d)) => Val::Date(d),
            (Kind::DateTime, Val::DateTime(d)) => Val::DateTime(d),
            // An unknown option is kept as text for now: Tryton names the record in its
            // refusal, so [`Database::check_options`] refuses it once the record exists.
            (Kind::Selection(allowed), Val::Text(s)) => {
                match allowed.iter().find(|option| **option == &*s) {
                    Some(option) => Val::Sym(option),
                    None => Val::Text(s),
                }
            }
            _ => return Err(wrong()),
        };
        Ok((pos, value))
    }

    /// Refuses a selection holding something other than one of its options.
    fn check_options(&self, t: usize, id: i64) -> Result<()> {
        let model = self.model(t);
        let record = self.row(t, id).expect("checked after writing");
        for (pos, field) in model.fields.iter().enumerate() {
            if let (Kind::Selection(_), Val::Text(value)) = (field.kind, &record.values[pos]) {
                let name = self.rec_name(t, id, record);
                return Err(AppError::user(format!(
                    "The value \"{value}\" for field \"{}\" in record \"{}\" of \"{}\" is not \
                     one of the allowed options.",
                    field.label,
                    name.as_str().unwrap_or_default(),
                    model.label
                )));
            }
        }
        Ok(())
    }

    fn check_required(&self, t: usize, id: i64) -> Result<()> {
        let model = self.model(t);
        let record = self.row(t, id).expect("checked after writing");
        for (pos, field) in model.fields.iter().enumerate() {
            if field.required && record.values[pos].is_null() {
                let name = self.rec_name(t, id, record);
                return Err(AppError::user(format!(
                    "A value is required for field \"{}\" in record \"{}\" of \"{}\".",
                    field.label,
                    name.as_str().unwrap_or_default(),
                    model.label
                )));
            }
        }
        Ok(())
    }

    /// Creates records from client values; `parent` sets a one2many's inverse field. `stamps`
    /// are the call's versions, checked by writes and deletes nested in the values.
    pub fn create(
        &mut self,
        t: usize,
        list: &[Value],
        parent: Option<(usize, i64)>,
        stamps: &mut Stamps,
    ) -> Result<Vec<i64>> {
        let mut ids = Vec::with_capacity(list.len());
        for item in list {
            let Value::Object(values) = item else {
                return Err(AppError::named(format!(
                    "values to create must be objects, not {item}"
                )));
            };
            let mut record_values: Vec<Val> = self
                .model(t)
                .fields
                .iter()
                .map(|f| match f.default {
                    schema::Default::Null => Val::Null,
                    schema::Default::Bool(b) => Val::Bool(b),
                    schema::Default::Text(s) => Val::Sym(s),
                    schema::Default::Int(n) => Val::Int(n),
                })
                .collect();
            if let Some((pos, parent_id)) = parent {
                record_values[pos] = Val::Int(parent_id);
            }
            let mut relations = Vec::new();
            for (name, raw) in values {
                match self.model(t).field(name) {
                    Some((pos, field)) if field.kind.is_many() => {
                        record_values[pos] = Val::Ids(Box::new([]));
                        relations.push((pos, raw));
                    }
                    _ => {
                        let (pos, value) = self.decode_field(t, name, raw)?;
                        record_values[pos] = value;
                    }
                }
            }
            self.fill_party_code(t, &mut record_values);
            let id = self.insert_values(t, record_values.into_boxed_slice(), self.now, self.now);
            for (pos, raw) in relations {
                self.apply_commands(t, id, pos, raw, stamps)?;
            }
            self.check_options(t, id)?;
            self.check_required(t, id)?;
            self.check_unique(t, id)?;
            ids.push(id);
        }
        Ok(ids)
    }

    /// Inserts a record as given and links it into its parents' one2many lists.
    fn insert_values(
        &mut self,
        t: usize,
        values: Box<[Val]>,
        created: NaiveDateTime,
        written: NaiveDateTime,
    ) -> i64 {
        let id = self.tables[t].next_id;
        self.log(Undo::NextId(t, id));
        self.tables[t].next_id = id + 1;
        let parents: Vec<(usize, usize, i64)> = self
            .inverses
            .iter()
            .filter(|(child, ..)| *child == t)
            .filter_map(|(_, inv, parent, o2m)| Some((*parent, *o2m, values[*inv].as_id()?)))
            .collect();
        self.put(
            t,
            id,
            Record {
                values,
                created,
                written,
            },
        );
        for (parent, o2m, parent_id) in parents {
            self.link(parent, parent_id, o2m, id, true);
        }
        id
    }

    /// Adds `child` to (or removes it from) a parent's stored list of IDs. Parents that do
    /// not exist are left alone: SQLite does not enforce the reference either.
    fn link(&mut self, parent: usize, parent_id: i64, pos: usize, child: i64, add: bool) {
        let edit = |ids: &[i64]| -> Val {
            let mut ids = ids.to_vec();
            if !add {
                ids.retain(|id| *id != child);
            } else if !ids.contains(&child) {
                ids.push(child);
            }
            Val::Ids(ids.into_boxed_slice())
        };
        if !self.in_call {
            // Seeding: nothing to undo, so the list changes where it is.
            if let Some(record) = self.tables[parent].rows.get_mut(&parent_id) {
                record.values[pos] = edit(record.values[pos].ids());
            }
            return;
        }
        let Some(mut record) = self.row(parent, parent_id).cloned() else {
            return;
        };
        record.values[pos] = edit(record.values[pos].ids());
        self.put(parent, parent_id, record);
    }

    fn apply_commands(
        &mut self,
        t: usize,
        id: i64,
        pos: usize,
        raw: &Value,
        stamps: &mut Stamps,
    ) -> Result<()> {
        let field = self.model(t).fields[pos];
        let tt = self.by_name[field.kind.target().expect("only relations take commands")];
        let inverse = match field.kind {
            Kind::One2Many(_, inverse) => Some(self.model(tt).field(inverse).expect("schema").0),
            _ => None,
        };
        let Value::Array(commands) = raw else {
            return Err(AppError::named(format!(
                "{} takes a list of commands such as [\"add\", [ids]], not {raw}",
                field.name
            )));
        };
        for command in commands {
            let parts = command.as_array().map(Vec::as_slice).unwrap_or_default();
            let ids_at = |i: usize| ids_of(parts.get(i).unwrap_or(&Value::Null));
            match parts.first().and_then(Value::as_str) {
                Some("create") => {
                    let list = parts
                        .get(1)
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    let created = self.create(tt, &list, inverse.map(|inv| (inv, id)), stamps)?;
                    if inverse.is_none() {
                        self.set_many(t, id, pos, &created, true);
                    }
                }
                Some("write") => {
                    let mut i = 1;
                    while i + 1 < parts.len() {
                        let ids = ids_of(&parts[i])?;
                        let values = parts[i + 1].as_object().cloned().unwrap_or_default();
                        self.write(tt, &ids, &values, stamps)?;
                        i += 2;
                    }
                }
                Some("delete") => {
                    let ids = ids_at(1)?;
                    self.delete(tt, &ids, stamps)?;
                    if inverse.is_none() {
                        self.set_many(t, id, pos, &ids, false);
                    }
                }
                Some(verb @ ("add" | "remove")) => {
                    let ids = ids_at(1)?;
                    let add = verb == "add";
                    match inverse {
                        Some(inv) => {
                            let name = self.model(tt).fields[inv].name;
                            let value = if add { json!(id) } else { Value::Null };
                            let mut values = Map::new();
                            values.insert(name.to_owned(), value);
                            self.write(tt, &ids, &values, stamps)?;
                        }
                        None => {
                            let missing = ids.iter().find(|i| self.row(tt, **i).is_none());
                            if let (true, Some(missing)) = (add, missing) {
                                return Err(AppError::user(format!(
                                    "You are trying to add records \"{missing}\" of \"{}\" that \
                                     don't exist.",
                                    self.model(tt).label
                                )));
                            }
                            self.set_many(t, id, pos, &ids, add);
                        }
                    }
                }
                _ => {
                    return Err(AppError::named(format!(
                        "{} command {command} is not one of create, write, delete, add, remove",
                        field.name
                    )))
                }
            }
        }
        Ok(())
    }

    fn set_many(&mut self, t: usize, id: i64, pos: usize, ids: &[i64], add: bool) {
        for child in ids {
            self.link(t, id, pos, *child, add);
        }
    }

    /// Checks the `_timestamp` a client sent for each record against the record's version,
    /// and consumes it, as Tryton does.
    fn check_stamps(&self, t: usize, ids: &[i64], stamps: &mut Stamps) -> Result<()> {
        for id in ids {
            let key = format!("{},{id}", self.model(t).name);
            let Some(sent) = stamps.remove(&key) else {
                continue;
            };
            let Some(sent) = sent.as_str() else {
                continue;
            };
            let current = self.row(t, *id).map(|r| timestamp_text(r.written));
            if current.as_deref().is_some_and(|current| current != sent) {
                return Err(AppError::concurrency());
            }
        }
        Ok(())
    }

    pub fn write(
        &mut self,
        t: usize,
        ids: &[i64],
        values: &Map<String, Value>,
        stamps: &mut Stamps,
    ) -> Result<()> {
        let missing: Vec<String> = ids
            .iter()
            .filter(|id| self.row(t, **id).is_none())
            .map(i64::to_string)
            .collect();
        if !missing.is_empty() {
            return Err(AppError::user(format!(
                "You are trying to write to records \"{}\" of \"{}\" that don't exist.",
                missing.join(", "),
                self.model(t).label
            )));
        }
        self.check_stamps(t, ids, stamps)?;
        let mut scalars = Vec::new();
        let mut relations = Vec::new();
        for (name, raw) in values {
            match self.model(t).field(name) {
                Some((pos, field)) if field.kind.is_many() => relations.push((pos, raw)),
                _ => scalars.push(self.decode_field(t, name, raw)?),
            }
        }
        self.check_party_kept(t, ids, &scalars)?;
        for id in ids {
            let mut record = self.row(t, *id).cloned().expect("checked above");
            let mut moves = Vec::new();
            for (pos, value) in &scalars {
                for (child, inv, parent, o2m) in &self.inverses {
                    if *child == t && inv == pos && record.values[*pos] != *value {
                        moves.push((*parent, *o2m, record.values[*pos].as_id(), value.as_id()));
                    }
                }
                record.values[*pos] = value.clone();
            }
            record.written = self.now;
            self.put(t, *id, record);
            for (parent, o2m, from, to) in moves {
                if let Some(from) = from {
                    self.link(parent, from, o2m, *id, false);
                }
                if let Some(to) = to {
                    self.link(parent, to, o2m, *id, true);
                }
            }
            for (pos, raw) in &relations {
                self.apply_commands(t, *id, *pos, raw, stamps)?;
            }
            self.check_options(t, *id)?;
            self.check_required(t, *id)?;
            self.check_unique(t, *id)?;
        }
        Ok(())
    }

    /// An address or contact mechanism stays with the party it was made for, as Tryton
    /// insists: moving or removing it from its party is refused.
    fn check_party_kept(&self, t: usize, ids: &[i64], scalars: &[(usize, Val)]) -> Result<()> {
        let model = self.model(t);
        if !matches!(model.name, "party.address" | "party.contact_mechanism") {
            return Ok(());
        }
        let (party_pos, _) = model.field("party").expect("schema");
        let Some((_, new_party)) = scalars.iter().find(|(pos, _)| *pos == party_pos) else {
            return Ok(());
        };
        for id in ids {
            let record = self.row(t, *id).expect("checked by the caller");
            let current = &record.values[party_pos];
            if !current.is_null() && current != new_party {
                let name = self.rec_name(t, *id, record);
                return Err(AppError::user(format!(
                    "You cannot change the party of {} \"{}\".",
                    model.label.to_lowercase().replace("party ", ""),
                    name.as_str().unwrap_or_default()
                )));
            }
        }
        Ok(())
    }

    pub fn delete(&mut self, t: usize, ids: &[i64], stamps: &mut Stamps) -> Result<()> {
        let ids: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| self.row(t, *id).is_some())
            .collect();
        self.check_stamps(t, &ids, stamps)?;
        if self.model(t).name == "sale.sale" {
            for id in &ids {
                let record = self.row(t, *id).expect("filtered above");
                let state = self.stored(t, record, "state");
                if !matches!(state.as_str(), Some("draft" | "cancelled")) {
                    let number = match self.stored(t, record, "number") {
                        Val::Text(n) => n.to_string(),
                        _ => id.to_string(),
                    };
                    return Err(AppError::user(format!(
                        "To delete sale \"{number}\" you must cancel it."
                    )));
                }
            }
        }
        for &id in &ids {
            let Some(record) = self.take(t, id) else {
                continue;
            };
            // Children go with their parent (ON DELETE CASCADE in Tryton's tables).
            let children: Vec<(usize, Vec<i64>)> = self
                .inverses
                .iter()
                .filter(|(_, _, parent, _)| *parent == t)
                .map(|(child, _, _, o2m)| (*child, record.values[*o2m].ids().to_vec()))
                .collect();
            for (child, child_ids) in children {
                self.delete(child, &child_ids, stamps)?;
            }
            let parents: Vec<(usize, usize, i64)> = self
                .inverses
                .iter()
                .filter(|(child, ..)| *child == t)
                .filter_map(|(_, inv, parent, o2m)| {
                    Some((*parent, *o2m, record.values[*inv].as_id()?))
                })
                .collect();
            for (parent, o2m, parent_id) in parents {
                self.link(parent, parent_id, o2m, id, false);
            }
            self.unlink_many2many(t, id);
        }
        self.release_references(t, &ids)
    }

    /// What is left pointing at deleted records: a required many2one forbids the delete (a
    /// sale's party), any other is emptied (ON DELETE SET NULL, Tryton's default).
    fn release_references(&mut self, t: usize, deleted: &[i64]) -> Result<()> {
        if deleted.is_empty() {
            return Ok(());
        }
        let name = self.model(t).name;
        let fields: Vec<(usize, usize)> = self
            .tables
            .iter()
            .enumerate()
            .flat_map(|(owner, table)| {
                table
                    .model
                    .fields
                    .iter()
                    .enumerate()
                    .filter_map(move |(pos, f)| {
                        (f.kind == Kind::Many2One(name)).then_some((owner, pos))
                    })
            })
            .collect();
        for (owner, pos) in fields {
            let holders: Vec<i64> = self.tables[owner]
                .rows
                .iter()
                .filter(|(_, r)| {
                    r.values[pos]
                        .as_id()
                        .is_some_and(|id| deleted.contains(&id))
                })
                .map(|(holder, _)| *holder)
                .collect();
            if holders.is_empty() {
                continue;
            }
            let field = self.model(owner).fields[pos];
            if field.required {
                return Err(AppError::user(format!(
                    "The records could not be deleted because they are used by field \"{}\" \
                     of \"{}\".",
                    field.label,
                    self.model(owner).label
                )));
            }
            for holder in holders {
                let mut record = self.row(owner, holder).cloned().expect("found above");
                record.values[pos] = Val::Null;
                self.put(owner, holder, record);
            }
        }
        Ok(())
    }

    /// Drops a deleted record from every many2many that lists it (the relation table's rows
    /// cascade in Tryton).
    fn unlink_many2many(&mut self, t: usize, id: i64) {
        let name = self.model(t).name;
        let fields: Vec<(usize, usize)> = self
            .tables
            .iter()
            .enumerate()
            .flat_map(|(owner, table)| {
                table
                    .model
                    .fields
                    .iter()
                    .enumerate()
                    .filter_map(move |(pos, f)| {
                        (f.kind == Kind::Many2Many(name)).then_some((owner, pos))
                    })
            })
            .collect();
        for (owner, pos) in fields {
            let holders: Vec<i64> = self.tables[owner]
                .rows
                .iter()
                .filter(|(_, r)| r.values[pos].ids().contains(&id))
                .map(|(owner_id, _)| *owner_id)
                .collect();
            for holder in holders {
                self.link(owner, holder, pos, id, false);
            }
        }
    }

    // ----- the sale workflow -----

    /// Presses a sale's workflow button (`quote`, `confirm`, `cancel`, `draft`), with the
    /// checks Tryton 8.0 makes: a button not available in the sale's state is refused, and a
    /// quote needs lines, an invoice address and, for goods, a shipment address.
    pub fn press(&mut self, ids: &[i64], button: &str) -> Result<()> {
        let t = self.by_name["sale.sale"];
        let (from, to): (&[&str], &str) = match button {
            "quote" => (&["draft"], "quotation"),
            "confirm" => (&["quotation"], "confirmed"),
            "cancel" => (&["draft", "quotation"], "cancelled"),
            "draft" => (&["quotation", "cancelled"], "draft"),
            other => return Err(AppError::named(format!("no sale button {other}"))),
        };
        let to = schema::SALE_STATES
            .iter()
            .find(|state| **state == to)
            .expect("every target is a sale state");
        let missing: Vec<String> = ids
            .iter()
            .filter(|id| self.row(t, **id).is_none())
            .map(i64::to_string)
            .collect();
        if !missing.is_empty() {
            return Err(AppError::user(format!(
                "You are trying to read records \"{}\" of \"Sale\" that don't exist.",
                missing.join(", ")
            )));
        }
        for id in ids {
            let mut record = self.row(t, *id).cloned().expect("checked above");
            let name = match self.stored(t, &record, "number") {
                Val::Text(number) => number.to_string(),
                _ => format!("({id})"),
            };
            let state = self.stored(t, &record, "state");
            let lines = self.stored(t, &record, "lines");
            let refused = !from.contains(&state.as_str().unwrap_or_default())
                || (button == "quote" && lines.ids().is_empty());
            if refused {
                return Err(AppError::user(format!(
                    "You can not call \"{button}\" on \"{name}\" of \"Sale\"."
                )));
            }
            if button == "quote" {
                let lt = self.by_name["sale.line"];
                let ships_goods = lines
                    .ids()
                    .iter()
                    .filter_map(|l| self.row(lt, *l))
                    .any(|l| {
                        !self.stored(lt, l, "product").is_null()
                            && self.stored(lt, l, "type").as_str() == Some("line")
                    });
                for (field, label, needed) in [
                    ("invoice_address", "an invoice address", true),
                    ("shipment_address", "a shipment address", ships_goods),
                ] {
                    if needed && self.stored(t, &record, field).is_null() {
                        return Err(AppError::user(format!(
                            "To get a quote for sale \"{name}\" you must enter {label}."
                        )));
                    }
                }
            }
            let (state_pos, _) = self.model(t).field("state").expect("schema");
            let (number_pos, _) = self.model(t).field("number").expect("schema");
            let (date_pos, _) = self.model(t).field("sale_date").expect("schema");
            record.values[state_pos] = Val::Sym(to);
            if button == "quote" && record.values[number_pos].is_null() {
                record.values[number_pos] = Val::Text(self.next_in(SALE_NUMBER).into());
            }
            if button == "confirm" && record.values[date_pos].is_null() {
                record.values[date_pos] = Val::Date(self.now.date());
            }
            record.written = self.now;
            self.put(t, *id, record);
        }
        Ok(())
    }

    // ----- seeding without JSON -----

    /// Inserts a record from typed values, dated `when`; for seeding, where going through
    /// JSON would cost more than the data. Unnamed fields take their defaults.
    pub fn insert(&mut self, model: &str, values: &[(&str, Val)], when: NaiveDateTime) -> i64 {
        let t = self.by_name[model];
        let mut record: Vec<Val> = self
            .model(t)
            .fields
            .iter()
            .map(|f| match f.default {
                schema::Default::Null => Val::Null,
                schema::Default::Bool(b) => Val::Bool(b),
                schema::Default::Text(s) => Val::Sym(s),
                schema::Default::Int(n) => Val::Int(n),
            })
            .collect();
        for (name, value) in values {
            let (pos, field) = self
                .model(t)
                .field(name)
                .unwrap_or_else(|| panic!("{model} has no field {name}"));
            record[pos] = match (field.kind, value) {
                (Kind::Selection(allowed), Val::Text(text)) => allowed
                    .iter()
                    .find(|option| **option == &**text)
                    .map(|option| Val::Sym(option))
                    .unwrap_or_else(|| panic!("{model}.{name} has no option {text}")),
                (_, value) => value.clone(),
            };
        }
        self.fill_party_code(t, &mut record);
        self.insert_values(t, record.into_boxed_slice(), when, when)
    }

    /// Hands out sale numbers to seeded sales the way `quote` does.
    pub fn next_sale_number(&mut self) -> String {
        self.next_in(SALE_NUMBER)
    }

    fn next_in(&mut self, sequence: usize) -> String {
        let value = self.sequences[sequence];
        self.log(Undo::Sequence(sequence, value));
        self.sequences[sequence] = value + 1;
        value.to_string()
    }

    /// A party without a code gets the next one, as Tryton's party sequence gives it.
    fn fill_party_code(&mut self, t: usize, values: &mut [Val]) {
        if self.model(t).name != "party.party" {
            return;
        }
        let (pos, _) = self.model(t).field("code").expect("schema");
        if values[pos].is_null() {
            values[pos] = Val::Text(self.next_in(PARTY_CODE).into());
        }
    }

    /// Party codes are unique, as Tryton's SQL constraint makes them.
    fn check_unique(&self, t: usize, id: i64) -> Result<()> {
        if self.model(t).name != "party.party" {
            return Ok(());
        }
        let (pos, _) = self.model(t).field("code").expect("schema");
        let record = self.row(t, id).expect("checked after writing");
        let code = &record.values[pos];
        let taken = !code.is_null()
            && self.tables[t]
                .rows
                .iter()
                .any(|(other, r)| *other != id && r.values[pos] == *code);
        if taken {
            return Err(AppError::user("The code on party must be unique."));
        }
        Ok(())
    }
}

fn ids_of(value: &Value) -> Result<Vec<i64>> {
    match value {
        Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_i64()
                    .ok_or_else(|| AppError::named(format!("{v} is not an ID")))
            })
            .collect(),
        Value::Number(n) => n
            .as_i64()
            .map(|id| vec![id])
            .ok_or_else(|| AppError::named(format!("{n} is not an ID"))),
        other => Err(AppError::named(format!("{other} is not a list of IDs"))),
    }
}

fn equal(a: &Val, b: &Val) -> bool {
    a.compare(b) == Some(Ordering::Equal)
}

/// A one2many or many2many field compared as a whole: `= null` means none, `in [ids]` means
/// any of them.
fn many_matches(ids: &[i64], op: Op, operand: &Operand) -> bool {
    let wanted: Vec<i64> = match operand {
        Operand::One(Val::Null) => {
            return match op {
                Op::Eq => ids.is_empty(),
                Op::Ne => !ids.is_empty(),
                _ => false,
            }
        }
        Operand::One(value) => value.as_id().into_iter().collect(),
        Operand::Many(values) => values.iter().filter_map(Val::as_id).collect(),
    };
    let any = ids.iter().any(|id| wanted.contains(id));
    match op {
        Op::Eq | Op::In => any,
        Op::Ne | Op::NotIn => !any,
        _ => false,
    }
}

/// One field's value against one leaf, with SQL's treatment of nulls as Tryton words it:
/// `!=`, `not in` and `not like` also match an empty field.
fn scalar_matches(value: &Val, kind: Kind, op: Op, operand: &Operand) -> bool {
    let one = match operand {
        Operand::One(one) => one,
        Operand::Many(many) => {
            let contains = |v: &Val| {
                many.iter().any(|m| {
                    if v.is_null() {
                        m.is_null()
                    } else {
                        equal(v, m)
                    }
                })
            };
            return match op {
                Op::In => contains(value),
                Op::NotIn => !contains(value),
                _ => false,
            };
        }
    };
    match op {
        Op::Eq if one.is_null() => value.is_null(),
        Op::Ne if one.is_null() => !value.is_null(),
        Op::Eq => equal(value, one),
        Op::Ne => !equal(value, one),
        Op::In => equal(value, one),
        Op::NotIn => !equal(value, one),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            // An empty text compares as '' on the real server.
            let empty = Val::text("");
            let value = match (value, kind) {
                (Val::Null, Kind::Char | Kind::Selection(_)) => &empty,
                (value, _) => value,
            };
            let Some(ordering) = value.compare(one) else {
                return false;
            };
            match op {
                Op::Lt => ordering == Ordering::Less,
                Op::Le => ordering != Ordering::Greater,
                Op::Gt => ordering == Ordering::Greater,
                _ => ordering != Ordering::Less,
            }
        }
        Op::Like | Op::ILike | Op::NotLike | Op::NotILike => {
            let fold_all = matches!(op, Op::ILike | Op::NotILike);
            let found = match (value.as_str(), one.as_str()) {
                (Some(text), Some(pattern)) => domain::like(text, pattern, fold_all),
                _ => false,
            };
            if matches!(op, Op::Like | Op::ILike) {
                found
            } else {
                !found
            }
        }
    }
}
