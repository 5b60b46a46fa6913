//! `concord bench push`: the time from a rep's correction to its confirmation by both systems,
//! on the sandbox over loopback.
//!
//! Creates customers in the sandbox's ERP and web store through their protocols and links
//! them into a fresh cache, then, one correction at a time, makes an address correction
//! through the service (standardize, save, queue) and pushes it until both systems confirm
//! (read, write, read back in each). Prints the median and p99 of that time. Target: median
//! under 300 ms.

use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use concord_core::source::{SourceAddress, SourceCustomer};
use concord_sandbox::{FaultSpec, Sandbox, SandboxOptions};
use concord_service::corrections::{AddressInput, Change, CorrectionRequest};
use concord_service::{Paths, Service};
use concord_store::table::{address, customer, link, source_record};
use concord_sync::push::{PushSettings, Systems};
use concord_sync::tryton::{TrytonClient, TrytonSettings};
use concord_sync::vendure::{VendureClient, VendureSettings};
use serde_json::{json, Value};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Corrections to time, one after another.
    #[arg(long, default_value_t = 1000)]
    corrections: usize,
    /// Customers the corrections are spread over.
    #[arg(long, default_value_t = 50)]
    customers: usize,
    /// Network faults for the sandbox, e.g. `latency=1ms` (see `concord sandbox serve`).
    #[arg(long, default_value = "none", value_parser = FaultSpec::parse)]
    faults: FaultSpec,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(args.customers > 0, "--customers must be at least 1");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let sandbox = runtime.block_on(Sandbox::start(SandboxOptions {
        customers: 0,
        seed: 1,
        faults: args.faults.clone(),
    }))?;
    let dir = tempfile::tempdir().context("making a temporary data folder")?;
    let paths = Paths::in_data_dir(dir.path());
    std::fs::create_dir_all(&paths.data_dir)?;

    let (systems, people) = runtime.block_on(setup(&sandbox, &paths.data_dir, args.customers))?;
    let service = Service::open(paths)?;
    let settings = PushSettings::default();

    let mut times = Vec::with_capacity(args.corrections);
    for k in 0..args.corrections {
        let (customer_id, address_id) = people[k % people.len()];
        let request = CorrectionRequest {
            customer_id,
            change: Change::EditAddress {
                address_id,
                address: AddressInput {
                    line1: format!("{} market street", 100 + k),
                    city: Some("san francisco".into()),
                    region: Some("CA".into()),
                    postcode: Some("94105".into()),
                    country: "US".into(),
                    ..AddressInput::default()
                },
                keep_as_entered: None,
            },
            seen: None,
        };
        let started = Instant::now();
        service.submit_correction(&request)?;
        let report = runtime.block_on(service.push(&systems, &settings))?;
        times.push(started.elapsed());
        anyhow::ensure!(
            report.confirmed == 2 && report.failed + report.conflicts + report.waiting == 0,
            "correction {k} was not confirmed by both systems: {report:?}"
        );
    }
    runtime.block_on(sandbox.shutdown());

    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} corrections over {} customers, each confirmed by Tryton and Vendure (sandbox, \
         loopback, faults: {})",
        times.len(),
        people.len(),
        args.faults
    )?;
    writeln!(
        out,
        "correction to confirmation: median {:.1} ms, p99 {:.1} ms, max {:.1} ms (target: median \
         under 300 ms)",
        ms(at(0.5)),
        ms(at(0.99)),
        ms(at(1.0))
    )?;
    Ok(())
}

/// Customers in both sandbox systems, linked into the cache at `data_dir`; returns the clients
/// and each customer's (cache customer, cache address) ids.
async fn setup(
    sandbox: &Sandbox,
    data_dir: &Path,
    n: usize,
) -> anyhow::Result<(Systems, Vec<(i64, i64)>)> {
    let t = sandbox.tryton();
    let v = sandbox.vendure();
    let tryton = TrytonClient::new(TrytonSettings::new(
        &t.url,
        &t.database,
        &t.login,
        &t.password,
    ))?;
    let vendure = VendureClient::new(VendureSettings::new(&v.url, &v.username, &v.password))?;
    let find = |model: &str, code: &str| {
        (
            format!("model.{model}.search"),
            vec![
                json!([["code", "=", code]]),
                json!(0),
                json!(1),
                Value::Null,
            ],
        )
    };
    let (m, p) = find("country.country", "US");
    let us = tryton.call(&m, p, None).await?[0].clone();
    let (m, p) = find("country.subdivision", "US-IL");
    let il = tryton.call(&m, p, None).await?[0].clone();

    let conn = concord_store::open(&data_dir.join(concord_service::CACHE_FILE_NAME))?;
    let at = "2026-01-01T00:00:00Z";
    let mut people = Vec::new();
    for i in 0..n {
        let party = tryton
            .call(
                "model.party.party.create",
                vec![json!([{
                    "name": format!("Bench {i}"),
                    "code": format!("B{i}"),
                    "addresses": [["create", [{"street": "12 Main St", "city": "Springfield",
                        "postal_code": "62701", "country": us, "subdivision": il}]]],
                }])],
                None,
            )
            .await?[0]
            .as_i64()
            .context("party.party.create answers the ID")?;
        let (party_address, _) = tryton
            .party_addresses(party)
            .await?
            .into_iter()
            .next()
            .context("the party has its address")?;
        let created = vendure
            .query(
                "createCustomer",
                "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
                    ... on Customer { id } ... on ErrorResult { errorCode message } } }",
                json!({"input": {"firstName": "Bench", "lastName": format!("{i}"),
                    "emailAddress": format!("bench{i}@example.com")}}),
            )
            .await?;
        let shopper = created["createCustomer"]["id"]
            .as_str()
            .context("createCustomer answers the ID")?
            .to_owned();
        let added = vendure
            .query(
                "createCustomerAddress",
                "mutation($id: ID!, $input: CreateAddressInput!) {
                    createCustomerAddress(customerId: $id, input: $input) { id } }",
                json!({"id": shopper, "input": {"streetLine1": "12 Main St",
                    "city": "Springfield", "province": "IL", "postalCode": "62701",
                    "countryCode": "US"}}),
            )
            .await?;
        let shopper_address = added["createCustomerAddress"]["id"]
            .as_str()
            .context("createCustomerAddress answers the ID")?
            .to_owned();

        let customer_id =
            customer::insert(&conn, &customer::Customer::named(&format!("Bench {i}"), at))?;
        let mut first_record = None;
        for (system, system_id, address_id) in [
            ("tryton", party.to_string(), party_address.to_string()),
            ("vendure", shopper, shopper_address),
        ] {
            let normalized = SourceCustomer {
                system: system.into(),
                system_id: system_id.clone(),
                registered: true,
                addresses: vec![SourceAddress {
                    system_id: address_id,
                    line1: Some("12 Main St".into()),
                    city: Some("Springfield".into()),
                    region: Some("IL".into()),
                    postcode: Some("62701".into()),
                    country: Some("US".into()),
                    ..SourceAddress::default()
                }],
                ..SourceCustomer::default()
            };
            let id = source_record::upsert(
                &conn,
                &source_record::SourceRecord {
                    id: 0,
                    system: system.into(),
                    system_id,
                    version: None,
                    raw_payload: "{}".into(),
                    normalized: serde_json::to_value(&normalized)?,
                    fetched_at: at.into(),
                },
            )?;
            link::insert(&conn, &link::Link::new(id, customer_id, "bench", at))?;
            first_record.get_or_insert(id);
        }
        let address_id = address::insert(
            &conn,
            &address::Address {
                customer_id,
                source_record_id: first_record,
                kind: "billing".into(),
                line1: "12 Main St".into(),
                city: Some("Springfield".into()),
                region: Some("IL".into()),
                postcode: Some("62701".into()),
                country: "US".into(),
                validation_status: "not_checked".into(),
                updated_at: at.into(),
                ..address::Address::default()
            },
        )?;
        people.push((customer_id, address_id));
    }
    Ok((
        Systems {
            tryton: Some(tryton),
            vendure: Some(vendure),
        },
        people,
    ))
}
