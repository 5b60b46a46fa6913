//! Tryton parties and sales into source customers and orders.

use concord_core::source::{
    SourceAccount, SourceAddress, SourceContact, SourceCustomer, SourceOrder, SourceOrderLine,
};

use super::{field, minor_units, minor_units_rounded, rfc3339, text_of, Mapping};
use crate::tryton::{ContactKind, TrytonAddress, TrytonContact, TrytonParty, TrytonSale};

const SYSTEM: &str = "tryton";

/// A party as a source customer. Never fails: every field Tryton sends has a place, and the
/// connector has already set aside parties it could not read.
pub fn tryton_customer(party: &TrytonParty, mapping: &Mapping) -> SourceCustomer {
    let demographic = |path: &Option<String>| {
        path.as_deref()
            .and_then(|path| text_of(field(&party.raw, path)))
    };
    let contacts = |wanted: fn(&ContactKind) -> bool| -> Vec<SourceContact> {
        party
            .contacts
            .iter()
            .filter(|c| c.active && wanted(&c.kind) && !c.value.trim().is_empty())
            .map(contact)
            .collect()
    };

    let active: Vec<&TrytonAddress> = party.addresses.iter().filter(|a| a.active).collect();
    // Tryton flags every address usable for invoices or deliveries; the first one in the
    // party's order is the one a new sale takes, which is what "default" means elsewhere.
    let first_invoice = active.iter().find(|a| a.invoice).map(|a| a.id);
    let first_delivery = active.iter().find(|a| a.delivery).map(|a| a.id);
    let addresses = active
        .iter()
        .map(|a| {
            let mut mapped = address(a);
            mapped.default_billing = Some(a.id) == first_invoice;
            mapped.default_shipping = Some(a.id) == first_delivery;
            mapped
        })
        .collect();

    SourceCustomer {
        system: SYSTEM.to_owned(),
        system_id: party.id.to_string(),
        reference: party.code.clone(),
        version: Some(party.timestamp.clone()),
        changed_at: Some(rfc3339(party.last_modified_at)),
        registered: party.active,
        full_name: party.name.clone(),
        job_title: demographic(&mapping.demographics.job_title),
        sex: demographic(&mapping.demographics.sex),
        birth_date: demographic(&mapping.demographics.birth_date),
        account: SourceAccount {
            customer_type: party
                .account
                .customer_type
                .as_deref()
                .map(str::to_lowercase),
            // The ERP is the system of record for exemption: no marker means "not exempt".
            tax_exempt: Some(party.account.tax_exempt),
            price_level: party.account.price_level.clone(),
            ..SourceAccount::default()
        },
        emails: contacts(|k| *k == ContactKind::Email),
        phones: contacts(|k| matches!(k, ContactKind::Phone | ContactKind::Mobile)),
        addresses,
        ..SourceCustomer::default()
    }
}

/// A contact mechanism; its label names the kind when it is one Concord knows.
fn contact(c: &TrytonContact) -> SourceContact {
    let label = c.name.as_deref().map(|n| n.trim().to_lowercase());
    let kind = match (&c.kind, label.as_deref()) {
        (ContactKind::Mobile, _) => "mobile",
        (ContactKind::Fax, _) => "fax",
        (_, Some("home")) => "home",
        (_, Some("work")) => "work",
        _ => "other",
    };
    SourceContact {
        system_id: Some(c.id.to_string()),
        kind: kind.to_owned(),
        value: c.value.clone(),
        version: Some(c.timestamp.clone()),
    }
}

fn address(a: &TrytonAddress) -> SourceAddress {
    let mut lines = a
        .street
        .as_deref()
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    let line1 = lines.next().map(str::to_owned);
    let rest: Vec<&str> = lines.collect();
    let kind = match (a.invoice, a.delivery) {
        (true, false) => "billing",
        (false, true) => "shipping",
        _ => "other",
    };
    // Tryton's subdivision codes carry the country (`US-IL`); the region is the part after it.
    let region = a.subdivision_code.as_deref().map(|code| {
        code.split_once('-')
            .map_or(code, |(_, region)| region)
            .to_owned()
    });
    SourceAddress {
        system_id: a.id.to_string(),
        version: Some(a.timestamp.clone()),
        kind: kind.to_owned(),
        recipient: a.party_name.clone(),
        line1,
        line2: (!rest.is_empty()).then(|| rest.join(", ")),
        city: a.city.clone(),
        region,
        postcode: a.postal_code.clone(),
        country: a.country_code.clone(),
        changed_at: Some(rfc3339(a.last_modified_at)),
        ..SourceAddress::default()
    }
}

/// A sale as a source order, or why its amounts cannot be stored exactly.
pub fn tryton_order(sale: &TrytonSale, mapping: &Mapping) -> Result<SourceOrder, String> {
    let currency = sale
        .currency
        .clone()
        .ok_or("the sale has no currency, so its amounts cannot be read")?;
    let exact = |amount: Option<rust_decimal::Decimal>, what: &str| {
        amount
            .map(|a| minor_units(a, &currency).map_err(|e| format!("{what}: {e}")))
            .transpose()
            .map(Option::unwrap_or_default)
    };
    let lines = sale
        .lines
        .iter()
        .filter(|line| line.kind == "line")
        .map(|line| {
            Ok(SourceOrderLine {
                sku: line.product_code.clone(),
                description: line.description.clone(),
                quantity: line.quantity.unwrap_or_default(),
                unit_price_minor: line
                    .unit_price
                    .map(|p| minor_units_rounded(p, &currency))
                    .transpose()
                    .map_err(|e| format!("line {}: unit price: {e}", line.id))?
                    .unwrap_or_default(),
                total_minor: exact(line.amount, &format!("line {} amount", line.id))?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let changed_at = rfc3339(sale.last_modified_at);
    let snapshot = |a: &TrytonAddress, kind: &str| SourceAddress {
        kind: kind.to_owned(),
        ..address(a)
    };

    Ok(SourceOrder {
        system: SYSTEM.to_owned(),
        system_id: sale.id.to_string(),
        customer_system_id: sale.party.to_string(),
        number: sale.number.clone().unwrap_or_default(),
        channel: mapping.channels.channel(&sale.channel),
        status: sale.state.clone(),
        // A sale without a date (a draft) is placed when it was last changed, as far as
        // anyone can tell.
        placed_at: sale
            .sale_date
            .map(|d| format!("{d}T00:00:00Z"))
            .unwrap_or_else(|| changed_at.clone()),
        subtotal_minor: exact(sale.untaxed_amount, "untaxed amount")?,
        tax_minor: exact(sale.tax_amount, "tax amount")?,
        // Tryton bills shipping as a sale line; it is in the subtotal.
        shipping_minor: 0,
        total_minor: exact(sale.total_amount, "total amount")?,
        currency,
        lines,
        bill_to: sale
            .invoice_address
            .as_ref()
            .map(|a| snapshot(a, "billing")),
        ship_to: sale
            .shipment_address
            .as_ref()
            .map(|a| snapshot(a, "shipping")),
        version: Some(sale.timestamp.clone()),
        changed_at: Some(changed_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::AccountFields;
    use chrono::{TimeZone, Utc};
    use rust_decimal::Decimal;
    use serde_json::json;
    use std::str::FromStr;

    fn when() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap()
    }

    fn tryton_address(id: i64, invoice: bool, delivery: bool) -> TrytonAddress {
        TrytonAddress {
            id,
            party: Some(7),
            party_name: None,
            street: Some("12 Main St\nApt 4\n".into()),
            postal_code: Some("62701".into()),
            city: Some("Springfield".into()),
            country_code: Some("US".into()),
            subdivision_code: Some("US-IL".into()),
            invoice,
            delivery,
            sequence: None,
            active: true,
            last_modified_at: when(),
            timestamp: format!("a{id}"),
            raw: json!({"id": id}),
        }
    }

    fn party() -> TrytonParty {
        TrytonParty {
            id: 7,
            code: Some("C7".into()),
            name: Some("Ada Lovelace".into()),
            active: true,
            categories: vec!["type:Wholesale".into()],
            account: AccountFields {
                customer_type: Some("Wholesale".into()),
                price_level: Some("gold".into()),
                tax_exempt: false,
            },
            addresses: vec![
                tryton_address(1, false, true),
                tryton_address(2, true, true),
                tryton_address(3, true, false),
            ],
            contacts: vec![TrytonContact {
                id: 9,
                kind: ContactKind::Phone,
                value: "+1 415 555 1212".into(),
                name: Some("Work".into()),
                invoice: false,
                delivery: false,
                active: true,
                last_modified_at: when(),
                timestamp: "c9".into(),
                raw: json!({}),
            }],
            last_modified_at: when(),
            timestamp: "p7".into(),
            raw: json!({"id": 7, "birth_date": {"__class__": "date", "year": 1815, "month": 12, "day": 10}}),
        }
    }

    #[test]
    fn the_first_flagged_address_is_the_default_and_only_one_is() {
        let customer = tryton_customer(&party(), &Mapping::default());

        let defaults: Vec<(&str, bool, bool)> = customer
            .addresses
            .iter()
            .map(|a| (a.system_id.as_str(), a.default_billing, a.default_shipping))
            .collect();

        assert_eq!(
            defaults,
            [("1", false, true), ("2", true, false), ("3", false, false)],
            "a new sale takes the first invoice and the first delivery address"
        );
    }

    #[test]
    fn a_party_maps_its_account_contacts_and_street_lines() {
        let customer = tryton_customer(&party(), &Mapping::default());

        assert_eq!(customer.system_id, "7");
        assert_eq!(customer.full_name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(customer.account.customer_type.as_deref(), Some("wholesale"));
        assert_eq!(
            customer.account.tax_exempt,
            Some(false),
            "the ERP always says"
        );
        assert_eq!(customer.phones[0].kind, "work", "the label names the kind");
        let address = &customer.addresses[0];
        assert_eq!(address.line1.as_deref(), Some("12 Main St"));
        assert_eq!(address.line2.as_deref(), Some("Apt 4"));
        assert_eq!(
            address.region.as_deref(),
            Some("IL"),
            "the country prefix is dropped"
        );
        assert_eq!(
            customer.birth_date, None,
            "no demographics unless configured"
        );
    }

    #[test]
    fn a_configured_birth_date_field_is_read_from_the_party() {
        let mapping = Mapping {
            demographics: super::super::Demographics {
                birth_date: Some("birth_date".into()),
                ..Default::default()
            },
            ..Mapping::default()
        };

        let customer = tryton_customer(&party(), &mapping);

        assert_eq!(customer.birth_date.as_deref(), Some("1815-12-10"));
    }

    fn sale(total: &str) -> TrytonSale {
        TrytonSale {
            id: 3,
            number: Some("SO3".into()),
            reference: None,
            state: "confirmed".into(),
            sale_date: Some(chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()),
            party: 7,
            channel: "shop".into(),
            currency: Some("USD".into()),
            untaxed_amount: Some(Decimal::from_str("80.00").unwrap()),
            tax_amount: Some(Decimal::from_str("4.98").unwrap()),
            total_amount: Some(Decimal::from_str(total).unwrap()),
            lines: vec![crate::tryton::TrytonSaleLine {
                id: 1,
                kind: "line".into(),
                product_code: Some("SKU1".into()),
                description: None,
                quantity: Some(2.0),
                unit_price: Some(Decimal::from_str("40.0050").unwrap()),
                amount: Some(Decimal::from_str("80.00").unwrap()),
                raw: json!({}),
            }],
            invoice_address: Some(tryton_address(2, true, true)),
            shipment_address: None,
            last_modified_at: when(),
            timestamp: "s3".into(),
            raw: json!({}),
        }
    }

    #[test]
    fn a_sale_maps_amounts_to_minor_units_and_its_channel() {
        let order = tryton_order(&sale("84.98"), &Mapping::default()).unwrap();

        assert_eq!(
            (order.subtotal_minor, order.tax_minor, order.total_minor),
            (8000, 498, 8498)
        );
        assert_eq!(
            order.lines[0].unit_price_minor, 4000,
            "40.005 rounds to even"
        );
        assert_eq!(order.channel, "store", "a shop sale is a store order");
        assert_eq!(order.placed_at, "2026-11-30T00:00:00Z");
        assert_eq!(order.bill_to.as_ref().unwrap().kind, "billing");
    }

    #[test]
    fn a_total_finer_than_a_cent_is_a_reason_to_set_the_sale_aside() {
        let reason = tryton_order(&sale("84.985"), &Mapping::default()).unwrap_err();

        assert!(
            reason.contains("total amount"),
            "names the amount: {reason}"
        );
    }
}
