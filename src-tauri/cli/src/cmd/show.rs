//! `concord show CUSTOMER_ID`: one merged account, as the account pane shows it.

use std::fmt::Write as _;
use std::io::Write as _;

use concord_service::CustomerView;

use super::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The customer's id, as `concord lookup` prints it.
    customer_id: i64,

    /// Print the account as JSON, in the shape the desktop app receives.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args, ctx: &Context) -> anyhow::Result<()> {
    let view = ctx.open_service()?.show(args.customer_id)?;

    let text = if args.json {
        serde_json::to_string_pretty(&view)?
    } else {
        describe(&view)
    };

    writeln!(std::io::stdout().lock(), "{text}")?;
    Ok(())
}

fn money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02} {currency}",
        minor.abs() / 100,
        minor.abs() % 100
    )
}

fn describe(v: &CustomerView) -> String {
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(s, "{} (customer {})", v.display_name, v.customer_id);
    if let Some(a) = &v.account {
        let _ = writeln!(
            s,
            "Account:   {}{}{}",
            a.customer_type,
            a.price_level
                .as_deref()
                .map(|p| format!(", price level {p}"))
                .unwrap_or_default(),
            a.company
                .as_deref()
                .map(|c| format!(", {c}"))
                .unwrap_or_default()
        );
        if let Some(cert) = &a.tax_certificate_number {
            let expiry = a
                .tax_certificate_expiry
                .as_deref()
                .unwrap_or("no expiry on file");
            let _ = writeln!(s, "Tax cert:  {cert} (expires {expiry})");
        }
    }
    for r in &v.source_records {
        let _ = writeln!(
            s,
            "In {}:{}{}",
            r.system,
            " ".repeat(8usize.saturating_sub(r.system.len())),
            r.system_id
        );
    }
    for c in &v.contacts {
        let problem = c
            .problem
            .as_deref()
            .map(|p| format!("  (! {p})"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{:<10} {} [{}]{problem}",
            format!("{}:", c.medium),
            c.display,
            c.kind
        );
    }
    for a in &v.addresses {
        let mut flags = Vec::new();
        if a.is_default_billing {
            flags.push("default billing");
        }
        if a.is_default_shipping {
            flags.push("default shipping");
        }
        let place = [
            a.line2.as_deref(),
            a.city.as_deref(),
            a.region.as_deref(),
            a.postcode.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        let _ = writeln!(
            s,
            "Address:   {}, {place}, {} [{}{}{}]",
            a.line1,
            a.country,
            a.kind,
            if flags.is_empty() { "" } else { "; " },
            flags.join(", ")
        );
    }
    for o in &v.orders {
        let _ = writeln!(
            s,
            "Order:     {} ({}, {}) {} {} {}",
            o.number,
            o.system,
            o.channel,
            o.placed_at,
            o.status,
            money(o.total_minor, &o.currency)
        );
    }
    s.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_shown_in_major_units_with_cents() {
        assert_eq!(money(3200, "USD"), "32.00 USD", "minor units are cents");
        assert_eq!(money(-5, "EUR"), "-0.05 EUR", "refunds keep their sign");
    }
}
