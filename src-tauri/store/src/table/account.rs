//! `account`: the commercial side of a customer (type, tax exemption, price level, terms),
//! one row per customer.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

/// How a customer buys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CustomerType {
    #[default]
    Retail,
    Wholesale,
    TaxExempt,
}

impl CustomerType {
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerType::Retail => "retail",
            CustomerType::Wholesale => "wholesale",
            CustomerType::TaxExempt => "tax_exempt",
        }
    }

    fn parse(s: &str) -> Option<CustomerType> {
        match s {
            "retail" => Some(CustomerType::Retail),
            "wholesale" => Some(CustomerType::Wholesale),
            "tax_exempt" => Some(CustomerType::TaxExempt),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Account {
    pub customer_id: i64,
    pub customer_type: CustomerType,
    pub tax_certificate_number: Option<String>,
    /// ISO date.
    pub tax_certificate_expiry: Option<String>,
    pub price_level: Option<String>,
    pub pricing_model: Option<String>,
    pub credit_terms: Option<String>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub sex: Option<String>,
    /// ISO date.
    pub birth_date: Option<String>,
}

const COLUMNS: &str = "customer_id, customer_type, tax_certificate_number, \
    tax_certificate_expiry, price_level, pricing_model, credit_terms, company, job_title, sex, \
    birth_date";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Account> {
    let kind: String = r.get(1)?;
    let customer_type = CustomerType::parse(&kind).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            1,
            rusqlite::types::Type::Text,
            format!("unknown customer type {kind:?}").into(),
        )
    })?;
    Ok(Account {
        customer_id: r.get(0)?,
        customer_type,
        tax_certificate_number: r.get(2)?,
        tax_certificate_expiry: r.get(3)?,
        price_level: r.get(4)?,
        pricing_model: r.get(5)?,
        credit_terms: r.get(6)?,
        company: r.get(7)?,
        job_title: r.get(8)?,
        sex: r.get(9)?,
        birth_date: r.get(10)?,
    })
}

/// Writes the account of `a.customer_id`, replacing the previous one.
pub fn upsert(conn: &Connection, a: &Account) -> rusqlite::Result<()> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO account ({COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    ))?
    .execute(params![
        a.customer_id,
        a.customer_type.as_str(),
        a.tax_certificate_number,
        a.tax_certificate_expiry,
        a.price_level,
        a.pricing_model,
        a.credit_terms,
        a.company,
        a.job_title,
        a.sex,
        a.birth_date
    ])?;
    Ok(())
}

pub fn get(conn: &Connection, customer_id: i64) -> rusqlite::Result<Option<Account>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM account WHERE customer_id = ?1"
    ))?
    .query_row([customer_id], from_row)
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::cache_with_customer;

    #[test]
    fn a_tax_exempt_account_keeps_its_certificate() {
        let (conn, customer_id) = cache_with_customer();
        let account = Account {
            customer_id,
            customer_type: CustomerType::TaxExempt,
            tax_certificate_number: Some("EX-123".into()),
            tax_certificate_expiry: Some("2027-06-30".into()),
            price_level: Some("B".into()),
            company: Some("Acme".into()),
            ..Account::default()
        };

        upsert(&conn, &account).unwrap();

        assert_eq!(
            get(&conn, customer_id).unwrap(),
            Some(account),
            "every field round-trips"
        );
    }

    #[test]
    fn upsert_replaces_the_previous_account() {
        let (conn, customer_id) = cache_with_customer();
        upsert(
            &conn,
            &Account {
                customer_id,
                ..Account::default()
            },
        )
        .unwrap();

        let wholesale = Account {
            customer_id,
            customer_type: CustomerType::Wholesale,
            ..Default::default()
        };
        upsert(&conn, &wholesale).unwrap();

        let stored = get(&conn, customer_id).unwrap().unwrap();
        assert_eq!(
            stored.customer_type,
            CustomerType::Wholesale,
            "one account per customer"
        );
    }

    #[test]
    fn an_unknown_customer_type_is_refused_by_the_schema() {
        let (conn, customer_id) = cache_with_customer();

        let result = conn.execute(
            "INSERT INTO account (customer_id, customer_type) VALUES (?1, 'vip')",
            [customer_id],
        );

        assert!(
            result.is_err(),
            "the UI branches on the type; only known types may exist"
        );
    }
}
