//! Fills the web store from the sandbox population: every web customer of every person, with
//! addresses, groups and placed orders, as an import would (dates as the population gives
//! them, no API rules: two guests may share an email, as they do after real checkouts).
//!
//! Customers get IDs in population order and orders in the order they were placed, as a store
//! that grew over the years would have them.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::store::{self, Address, Customer, Order, OrderAddress, OrderLine, Store};
use crate::population::{Population, PostalAddress};

fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

fn snapshot(address: &PostalAddress, full_name: &str) -> OrderAddress {
    let mut lines = address.street_lines.iter();
    OrderAddress {
        full_name: Some(address.name.clone().unwrap_or_else(|| full_name.to_owned())),
        company: None,
        street_line1: lines.next().cloned(),
        street_line2: lines.next().cloned(),
        city: address.city.clone(),
        province: address.province().map(str::to_owned),
        postal_code: address.postal_code.clone(),
        country_code: Some(address.country.clone()),
        phone: None,
    }
}

/// Adds the population's web store records to `store`.
pub fn seed(store: &mut Store, population: &Population) {
    let mut orders = Vec::new();
    for (_, web) in population.web_customers() {
        let created = utc(web.created_at);
        // A customer's record was last saved when its latest order was placed (checkout
        // saves the customer), or when it was made.
        let updated = web
            .orders
            .iter()
            .map(|o| utc(o.placed_at))
            .fold(created, DateTime::max);
        let customer = store.import_customer(
            Customer {
                id: 0,
                title: web.title.clone(),
                first_name: web.first_name.clone(),
                last_name: web.last_name.clone(),
                email: web.email.clone(),
                phone: web.phone.clone(),
                user_id: None,
                created_at: created,
                updated_at: updated,
            },
            !web.guest,
        );
        let full_name = format!("{} {}", web.first_name, web.last_name);
        for address in &web.addresses {
            let mut lines = address.address.street_lines.iter();
            store.import_address(Address {
                id: 0,
                customer_id: customer,
                full_name: address
                    .address
                    .name
                    .clone()
                    .unwrap_or_else(|| full_name.clone()),
                company: String::new(),
                street_line1: lines.next().cloned().unwrap_or_default(),
                street_line2: lines.next().cloned().unwrap_or_default(),
                city: address.address.city.clone().unwrap_or_default(),
                province: address.address.province().unwrap_or_default().to_owned(),
                postal_code: address.address.postal_code.clone().unwrap_or_default(),
                country_code: address.address.country.clone(),
                phone: address.phone.clone().unwrap_or_default(),
                default_shipping: address.default_shipping,
                default_billing: address.default_billing,
                created_at: created,
                updated_at: created,
            });
        }
        for group in &web.groups {
            store.import_group_member(group, customer, created);
        }
        for order in &web.orders {
            orders.push((customer, full_name.clone(), order));
        }
    }

    orders.sort_by_key(|(_, _, order)| order.placed_at);
    for (customer, full_name, order) in orders {
        let placed = utc(order.placed_at);
        let lines = order
            .lines
            .iter()
            .filter_map(|line| {
                let variant = store::VARIANTS
                    .iter()
                    .position(|(sku, _, _)| *sku == line.sku)?;
                Some(OrderLine {
                    id: 0,
                    variant_id: variant as u64 + 1,
                    quantity: i64::from(line.quantity),
                    unit_price: line.unit_price_minor,
                })
            })
            .collect();
        store.import_order(Order {
            id: 0,
            code: order.code.clone(),
            state: "PaymentSettled".to_owned(),
            active: false,
            customer_id: Some(customer),
            lines,
            billing: snapshot(&order.billing, &full_name),
            shipping: snapshot(&order.shipping, &full_name),
            shipping_method_id: Some(store::SHIPPING_METHOD.0),
            placed_at: Some(placed),
            currency: order.currency.to_owned(),
            created_at: placed,
            updated_at: placed,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_web_customer_and_order_of_the_population_is_in_the_store() {
        let population = Population::generate(300, 11);
        let mut store = Store::default();

        seed(&mut store, &population);

        let customers = population.web_customers().count();
        let orders: usize = population
            .web_customers()
            .map(|(_, c)| c.orders.len())
            .sum();
        assert_eq!(
            store.customers.len(),
            customers,
            "one store customer per web record"
        );
        assert_eq!(store.orders.len(), orders, "one store order per web order");
        let guests = population.web_customers().filter(|(_, c)| c.guest).count();
        let without_login = store
            .customers
            .values()
            .filter(|c| c.user_id.is_none())
            .count();
        assert_eq!(without_login, guests, "guests have no login");
    }

    #[test]
    fn a_large_population_seeds_in_linear_time() {
        let population = Population::generate(20_000, 5);
        let mut store = Store::default();

        let started = std::time::Instant::now();
        seed(&mut store, &population);

        // A scan of every address per address added would take minutes here.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "seeding 20,000 people took {:?}",
            started.elapsed()
        );
        let defaults = |customer: u64| {
            store
                .addresses_of(customer)
                .iter()
                .filter(|a| a.default_billing)
                .count()
        };
        assert!(
            store.customers().all(|c| defaults(c.id) <= 1),
            "at most one default bill-to per customer"
        );
    }

    #[test]
    fn order_ids_follow_the_time_orders_were_placed() {
        let population = Population::generate(200, 3);
        let mut store = Store::default();

        seed(&mut store, &population);

        let placed: Vec<_> = store.orders.values().map(|o| o.placed_at).collect();
        let mut sorted = placed.clone();
        sorted.sort();
        assert_eq!(
            placed, sorted,
            "a later ID is a later order, as in a store that grew"
        );
    }
}
