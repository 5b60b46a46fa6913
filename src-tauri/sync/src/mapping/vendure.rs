//! Vendure customers and orders into source customers and orders.

use concord_core::source::{
    SourceAccount, SourceAddress, SourceContact, SourceCustomer, SourceOrder, SourceOrderLine,
};

use super::{field, rfc3339, text_of, Mapping};
use crate::vendure::{VendureAddress, VendureCustomer, VendureOrder, VendureOrderAddress};

const SYSTEM: &str = "vendure";

/// A web store customer as a source customer.
pub fn vendure_customer(customer: &VendureCustomer, mapping: &Mapping) -> SourceCustomer {
    let demographic = |path: &Option<String>| {
        path.as_deref()
            .and_then(|path| text_of(field(&customer.raw, path)))
    };
    let contact = |value: &Option<String>| {
        value
            .iter()
            .filter(|v| !v.trim().is_empty())
            .map(|v| SourceContact {
                kind: "other".to_owned(),
                value: v.clone(),
                ..SourceContact::default()
            })
            .collect::<Vec<_>>()
    };
    // An address edit does not move the customer's `updatedAt`; the latest of all is when
    // anything about the customer last changed.
    let changed_at = customer
        .addresses
        .iter()
        .filter_map(|a| a.updated_at)
        .chain([customer.updated_at])
        .max()
        .unwrap_or(customer.updated_at);

    SourceCustomer {
        system: SYSTEM.to_owned(),
        system_id: customer.id.clone(),
        version: Some(rfc3339(customer.updated_at)),
        changed_at: Some(rfc3339(changed_at)),
        registered: customer.registered,
        title: customer.title.clone(),
        given_name: customer.first_name.clone(),
        family_name: customer.last_name.clone(),
        job_title: demographic(&mapping.demographics.job_title),
        sex: demographic(&mapping.demographics.sex),
        birth_date: demographic(&mapping.demographics.birth_date),
        account: SourceAccount {
            customer_type: customer
                .account
                .customer_type
                .as_deref()
                .map(str::to_lowercase),
            // The web store does not own exemption: a group saying so is evidence, its
            // absence is not.
            tax_exempt: customer.account.tax_exempt.then_some(true),
            price_level: customer.account.price_level.clone(),
            ..SourceAccount::default()
        },
        emails: contact(&customer.email),
        phones: contact(&customer.phone),
        addresses: customer.addresses.iter().map(address).collect(),
        ..SourceCustomer::default()
    }
}

fn address(a: &VendureAddress) -> SourceAddress {
    let kind = match (a.default_billing, a.default_shipping) {
        (true, false) => "billing",
        (false, true) => "shipping",
        _ => "other",
    };
    SourceAddress {
        system_id: a.id.clone(),
        version: a.updated_at.map(rfc3339),
        kind: kind.to_owned(),
        default_billing: a.default_billing,
        default_shipping: a.default_shipping,
        recipient: a.full_name.clone(),
        company: a.company.clone(),
        line1: a.street_line1.clone(),
        line2: a.street_line2.clone(),
        city: a.city.clone(),
        region: a.province.clone(),
        postcode: a.postal_code.clone(),
        country: a.country_code.clone(),
        phone: a.phone.clone(),
        changed_at: a.updated_at.map(rfc3339),
    }
}

fn snapshot(a: &VendureOrderAddress, kind: &str) -> SourceAddress {
    SourceAddress {
        kind: kind.to_owned(),
        recipient: a.full_name.clone(),
        company: a.company.clone(),
        line1: a.street_line1.clone(),
        line2: a.street_line2.clone(),
        city: a.city.clone(),
        region: a.province.clone(),
        postcode: a.postal_code.clone(),
        country: a.country_code.clone(),
        phone: a.phone.clone(),
        ..SourceAddress::default()
    }
}

/// An order as a source order; `None` for a cart or draft that was never placed, which is
/// no order yet. Vendure already counts money in minor units, so nothing can fail here.
pub fn vendure_order(order: &VendureOrder) -> Option<SourceOrder> {
    if order.active && order.placed_at.is_none() {
        return None;
    }
    let currency = order.currency.clone().unwrap_or_default();
    Some(SourceOrder {
        system: SYSTEM.to_owned(),
        system_id: order.id.clone(),
        customer_system_id: order.customer_id.clone().unwrap_or_default(),
        number: order.code.clone(),
        channel: order.channel.clone(),
        status: order.state.clone(),
        placed_at: rfc3339(order.placed_at.unwrap_or(order.updated_at)),
        currency,
        // Amounts as the store shows them to the buyer: with tax.
        subtotal_minor: order.sub_total,
        tax_minor: order.total - order.total_without_tax,
        shipping_minor: order.shipping,
        total_minor: order.total,
        lines: order
            .lines
            .iter()
            .map(|l| SourceOrderLine {
                sku: l.sku.clone(),
                description: l.name.clone(),
                quantity: l.quantity as f64,
                unit_price_minor: l.unit_price,
                total_minor: l.line_total,
            })
            .collect(),
        bill_to: order
            .billing_address
            .as_ref()
            .map(|a| snapshot(a, "billing")),
        ship_to: order
            .shipping_address
            .as_ref()
            .map(|a| snapshot(a, "shipping")),
        version: Some(rfc3339(order.updated_at)),
        changed_at: Some(rfc3339(order.updated_at)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::AccountFields;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    fn customer() -> VendureCustomer {
        let at = |s| Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, s).unwrap();
        VendureCustomer {
            id: "5".into(),
            title: Some("Ms".into()),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            email: Some("ada@example.com".into()),
            phone: None,
            registered: false,
            groups: vec![],
            account: AccountFields::default(),
            addresses: vec![VendureAddress {
                id: "11".into(),
                full_name: Some("Ada Lovelace".into()),
                company: None,
                street_line1: Some("1 Analytical Way".into()),
                street_line2: None,
                city: Some("London".into()),
                province: None,
                postal_code: Some("N1 1AA".into()),
                country_code: Some("GB".into()),
                phone: None,
                default_shipping: true,
                default_billing: false,
                updated_at: Some(at(9)),
                raw: json!({}),
            }],
            orders: vec![],
            created_at: at(0),
            updated_at: at(1),
            raw: json!({"customFields": {"jobTitle": "Analyst"}}),
        }
    }

    #[test]
    fn an_address_edit_counts_as_a_change_of_the_customer() {
        let mapped = vendure_customer(&customer(), &Mapping::default());

        assert_eq!(
            mapped.changed_at.as_deref(),
            Some("2026-12-03T10:00:09.000000Z"),
            "Vendure does not bump the customer for an address edit; the address says when"
        );
        assert_eq!(
            mapped.account.tax_exempt, None,
            "no group says nothing about exemption"
        );
        assert!(mapped.addresses[0].default_shipping);
        assert_eq!(mapped.emails[0].value, "ada@example.com");
    }

    #[test]
    fn a_configured_custom_field_gives_the_job_title() {
        let mut mapping = Mapping::default();
        mapping.demographics.job_title = Some("customFields.jobTitle".into());

        let mapped = vendure_customer(&customer(), &mapping);

        assert_eq!(mapped.job_title.as_deref(), Some("Analyst"));
    }
}
