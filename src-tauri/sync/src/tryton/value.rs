//! Tryton's typed JSON values: decimals, dates and datetimes travel as objects tagged with
//! `__class__`, and booleans read from SQLite may travel as 0 or 1. Decoding returns a reason
//! instead of failing loudly, so the caller can set one odd record aside.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// Encodes a moment as Tryton's naive UTC datetime object.
pub fn encode_datetime(when: DateTime<Utc>) -> Value {
    use chrono::{Datelike, Timelike};
    json!({
        "__class__": "datetime",
        "year": when.year(), "month": when.month(), "day": when.day(),
        "hour": when.hour(), "minute": when.minute(), "second": when.second(),
        "microsecond": when.nanosecond() / 1000,
    })
}

pub fn encode_date(day: NaiveDate) -> Value {
    use chrono::Datelike;
    json!({"__class__": "date", "year": day.year(), "month": day.month(), "day": day.day()})
}

pub fn encode_decimal(amount: Decimal) -> Value {
    json!({"__class__": "Decimal", "decimal": amount.to_string()})
}

fn tagged<'a>(value: &'a Value, class: &str) -> Result<&'a serde_json::Map<String, Value>, String> {
    let object = value
        .as_object()
        .ok_or_else(|| format!("expected a {class} object"))?;
    match object.get("__class__").and_then(Value::as_str) {
        Some(found) if found == class => Ok(object),
        Some(found) => Err(format!("expected a {class}, got a {found}")),
        None => Err(format!(
            "expected a {class} object, got one without __class__"
        )),
    }
}

fn part(object: &serde_json::Map<String, Value>, name: &str) -> Result<u32, String> {
    object
        .get(name)
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("{name} is missing or not a number"))
}

pub fn decode_date(value: &Value) -> Result<NaiveDate, String> {
    let object = tagged(value, "date")?;
    let (year, month, day) = (
        part(object, "year")?,
        part(object, "month")?,
        part(object, "day")?,
    );
    NaiveDate::from_ymd_opt(year as i32, month, day)
        .ok_or_else(|| format!("{year}-{month}-{day} is not a date"))
}

/// Decodes a datetime; Tryton stores them naive in UTC.
pub fn decode_datetime(value: &Value) -> Result<DateTime<Utc>, String> {
    let object = tagged(value, "datetime")?;
    let day = NaiveDate::from_ymd_opt(
        part(object, "year")? as i32,
        part(object, "month")?,
        part(object, "day")?,
    )
    .ok_or("datetime has an impossible date")?;
    let micro = object
        .get("microsecond")
        .and_then(Value::as_u64)
        .unwrap_or(0) as u32;
    let time = NaiveTime::from_hms_micro_opt(
        part(object, "hour")?,
        part(object, "minute")?,
        part(object, "second")?,
        micro,
    )
    .ok_or("datetime has an impossible time")?;
    Ok(Utc.from_utc_datetime(&NaiveDateTime::new(day, time)))
}

pub fn decode_decimal(value: &Value) -> Result<Decimal, String> {
    let object = tagged(value, "Decimal")?;
    let text = object
        .get("decimal")
        .and_then(Value::as_str)
        .ok_or("decimal text is missing")?;
    Decimal::from_str(text).map_err(|e| format!("decimal is not a number: {e}"))
}

/// Decodes a boolean that may arrive as `true`/`false`, `0`/`1` (SQLite) or null (false).
pub fn decode_bool(value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        Value::Number(n) if n.as_i64() == Some(0) => Ok(false),
        Value::Number(n) if n.as_i64() == Some(1) => Ok(true),
        _ => Err("expected a boolean".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_round_trip_with_microseconds() {
        let when = Utc.with_ymd_and_hms(2026, 12, 3, 13, 6, 59).unwrap()
            + chrono::Duration::microseconds(666_952);

        let decoded = decode_datetime(&encode_datetime(when)).unwrap();

        assert_eq!(decoded, when, "cursors compare at microsecond precision");
    }

    #[test]
    fn decimals_keep_their_exact_digits() {
        let value = json!({"__class__": "Decimal", "decimal": "84.98"});

        let amount = decode_decimal(&value).unwrap();

        assert_eq!(
            amount.to_string(),
            "84.98",
            "money must not pass through floats"
        );
    }

    #[test]
    fn sqlite_booleans_decode_from_numbers() {
        let values = [json!(0), json!(1), json!(true), json!(null)];

        let decoded: Vec<bool> = values.iter().map(|v| decode_bool(v).unwrap()).collect();

        assert_eq!(
            decoded,
            [false, true, true, false],
            "SQLite sends 0/1 for booleans"
        );
    }

    #[test]
    fn a_wrong_class_is_a_reason_not_a_panic() {
        let value = json!({"__class__": "date", "year": 2026, "month": 2, "day": 30});

        let reasons = (
            decode_datetime(&value).unwrap_err(),
            decode_date(&value).unwrap_err(),
        );

        assert!(
            reasons.0.contains("got a date"),
            "names what came instead: {}",
            reasons.0
        );
        assert!(
            reasons.1.contains("not a date"),
            "30 February is refused: {}",
            reasons.1
        );
    }
}
