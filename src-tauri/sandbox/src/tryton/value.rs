//! The values the sandbox ERP stores, and their JSON-RPC encoding: decimals, dates and
//! datetimes travel as objects tagged with `__class__`, exactly as Tryton 8.0 sends them.

use std::cmp::Ordering;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// One stored field value. Kept small: a database of 100,000 customers holds millions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(Box<str>),
    /// A selection's value, kept as the schema's own text instead of a copy per record.
    Sym(&'static str),
    Decimal(Decimal),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    /// The IDs of a one2many or many2many, in display order.
    Ids(Box<[i64]>),
}

impl Val {
    pub fn text(text: &str) -> Val {
        Val::Text(text.into())
    }

    pub fn as_id(&self) -> Option<i64> {
        match self {
            Val::Int(id) => Some(*id),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Text(text) => Some(text),
            Val::Sym(text) => Some(text),
            _ => None,
        }
    }

    pub fn ids(&self) -> &[i64] {
        match self {
            Val::Ids(ids) => ids,
            _ => &[],
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }

    /// The JSON Tryton sends for this value. Booleans go out as `0`/`1` when `sqlite_bool`
    /// is set, as the real server does for columns read from SQLite.
    pub fn to_json(&self, sqlite_bool: bool) -> Value {
        match self {
            Val::Null => Value::Null,
            Val::Bool(b) if sqlite_bool => json!(u8::from(*b)),
            Val::Bool(b) => json!(b),
            Val::Int(n) => json!(n),
            Val::Float(f) => json!(f),
            Val::Text(text) => json!(text),
            Val::Sym(text) => json!(text),
            Val::Decimal(d) => {
                json!({"__class__": "Decimal", "decimal": d.to_string()})
            }
            Val::Date(day) => {
                json!({"__class__": "date", "year": day.year(), "month": day.month(), "day": day.day()})
            }
            Val::DateTime(when) => json!({
                "__class__": "datetime",
                "year": when.year(), "month": when.month(), "day": when.day(),
                "hour": when.hour(), "minute": when.minute(), "second": when.second(),
                "microsecond": when.nanosecond() / 1000,
            }),
            Val::Ids(ids) => json!(ids),
        }
    }

    /// Orders two values the way SQL would for an `ORDER BY` or a comparison; `None` when
    /// they cannot be compared (different kinds, or a null).
    pub fn compare(&self, other: &Val) -> Option<Ordering> {
        match (self, other) {
            (Val::Bool(a), Val::Bool(b)) => Some(a.cmp(b)),
            (Val::Int(a), Val::Int(b)) => Some(a.cmp(b)),
            (Val::Float(a), Val::Float(b)) => a.partial_cmp(b),
            (Val::Int(a), Val::Float(b)) => (*a as f64).partial_cmp(b),
            (Val::Float(a), Val::Int(b)) => a.partial_cmp(&(*b as f64)),
            (Val::Decimal(a), Val::Decimal(b)) => Some(a.cmp(b)),
            (Val::Decimal(a), Val::Int(b)) => Some(a.cmp(&Decimal::from(*b))),
            (Val::Int(a), Val::Decimal(b)) => Some(Decimal::from(*a).cmp(b)),
            (Val::Text(_) | Val::Sym(_), Val::Text(_) | Val::Sym(_)) => {
                Some(self.as_str()?.cmp(other.as_str()?))
            }
            (Val::Date(a), Val::Date(b)) => Some(a.cmp(b)),
            (Val::DateTime(a), Val::DateTime(b)) => Some(a.cmp(b)),
            (Val::DateTime(a), Val::Date(b)) => Some(a.cmp(&b.and_time(NaiveTime::MIN))),
            (Val::Date(a), Val::DateTime(b)) => Some(a.and_time(NaiveTime::MIN).cmp(b)),
            _ => None,
        }
    }
}

/// Decodes a JSON value sent by a client: typed objects become decimals, dates and
/// datetimes; other objects and lists are refused with the reason.
pub(crate) fn from_json(value: &Value) -> Result<Val, String> {
    match value {
        Value::Null => Ok(Val::Null),
        Value::Bool(b) => Ok(Val::Bool(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Ok(Val::Int(i)),
            None => Ok(Val::Float(n.as_f64().unwrap_or(f64::NAN))),
        },
        Value::String(s) => Ok(Val::text(s)),
        Value::Object(object) => match object.get("__class__").and_then(Value::as_str) {
            Some("Decimal") => {
                let text = object.get("decimal").and_then(Value::as_str).unwrap_or("");
                Decimal::from_str(text)
                    .or_else(|_| Decimal::from_scientific(text))
                    .map(Val::Decimal)
                    .map_err(|_| format!("{text:?} is not a decimal"))
            }
            Some("date") => date_of(object).map(Val::Date),
            Some("datetime") => {
                let day = date_of(object)?;
                let part =
                    |name: &str| object.get(name).and_then(Value::as_u64).unwrap_or(0) as u32;
                NaiveTime::from_hms_micro_opt(
                    part("hour"),
                    part("minute"),
                    part("second"),
                    part("microsecond"),
                )
                .map(|time| Val::DateTime(day.and_time(time)))
                .ok_or_else(|| "a datetime with an impossible time".to_owned())
            }
            Some(other) => Err(format!("values of class {other} are not supported")),
            None => Err("an object without __class__ is not a value".to_owned()),
        },
        Value::Array(_) => Err("a list is not a single value".to_owned()),
    }
}

fn date_of(object: &serde_json::Map<String, Value>) -> Result<NaiveDate, String> {
    let part = |name: &str| object.get(name).and_then(Value::as_i64);
    let (Some(year), Some(month), Some(day)) = (part("year"), part("month"), part("day")) else {
        return Err("a date needs year, month and day".to_owned());
    };
    NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32)
        .ok_or_else(|| format!("{year}-{month}-{day} is not a date"))
}

/// Tryton's `_timestamp`: the record's last write as seconds since the epoch, the text the
/// client sends back unchanged to prove which version it read.
pub(crate) fn timestamp_text(when: NaiveDateTime) -> String {
    let utc = when.and_utc();
    let text = format!("{}.{:06}", utc.timestamp(), utc.timestamp_subsec_micros());
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_round_trip_through_json() {
        let values = [
            json!({"__class__": "Decimal", "decimal": "84.98"}),
            json!({"__class__": "date", "year": 2026, "month": 11, "day": 30}),
            json!({"__class__": "datetime", "year": 2026, "month": 12, "day": 3, "hour": 13,
                   "minute": 6, "second": 59, "microsecond": 666952}),
        ];

        let back: Vec<Value> = values
            .iter()
            .map(|v| from_json(v).unwrap().to_json(false))
            .collect();

        assert_eq!(back, values, "what a client sends is what it reads back");
    }

    #[test]
    fn timestamps_keep_microseconds_and_drop_trailing_zeros() {
        let when = NaiveDate::from_ymd_opt(2026, 12, 3)
            .unwrap()
            .and_hms_micro_opt(15, 58, 44, 848_100)
            .unwrap();

        assert_eq!(
            timestamp_text(when),
            "1796313524.8481",
            "the stamp names the microsecond"
        );
    }
}
