//! `concord edit`: correct a customer's record from the command line, the way a rep does in
//! the desktop app. The address goes through the standardizer; the change is shown, made in
//! the cache and queued for both systems in one step (`concord push` sends it).

use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::Context as _;
use clap::Subcommand;
use concord_service::corrections::{AddressInput, Change, CorrectionRequest, Preview, Submitted};

use super::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, Subcommand)]
enum What {
    /// Correct one of a customer's addresses, or add one when no `--address-id` is given.
    /// When correcting, an option left out keeps the address's value and `--line2 ""`
    /// clears it.
    Address(AddressArgs),
}

#[derive(Debug, clap::Args)]
struct AddressArgs {
    /// The customer, as `concord lookup` and `concord show` print it.
    customer_id: i64,
    /// The address to correct (see `concord show CUSTOMER_ID`); without it one is added.
    #[arg(long)]
    address_id: Option<i64>,
    #[arg(long)]
    line1: String,
    #[arg(long)]
    line2: Option<String>,
    #[arg(long)]
    city: Option<String>,
    #[arg(long)]
    region: Option<String>,
    #[arg(long)]
    postcode: Option<String>,
    /// ISO 3166-1 alpha-2 code, such as US or AU.
    #[arg(long)]
    country: String,
    #[arg(long)]
    recipient: Option<String>,
    #[arg(long)]
    company: Option<String>,
    /// Keep the address as typed instead of its standardized form, for this reason.
    #[arg(long, value_name = "REASON")]
    keep_as_entered: Option<String>,
    /// Show what would change and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args, ctx: &Context) -> anyhow::Result<()> {
    let What::Address(a) = args.what;
    let service = ctx.open_service()?;
    // Correcting an address: an option left out keeps what the address has (a rep fixing the
    // street must not wipe the recipient's name); an empty value clears it.
    let current = match a.address_id {
        Some(address_id) => Some(
            service
                .show(a.customer_id)?
                .addresses
                .into_iter()
                .find(|x| x.id == address_id)
                .with_context(|| {
                    format!(
                        "customer {} has no address {address_id} (see `concord show {}`)",
                        a.customer_id, a.customer_id
                    )
                })?,
        ),
        None => None,
    };
    let keep = |given: Option<String>, now: Option<&Option<String>>| {
        given
            .or_else(|| now.cloned().flatten())
            .filter(|v| !v.is_empty())
    };
    let address = AddressInput {
        recipient: keep(a.recipient, current.as_ref().map(|c| &c.recipient)),
        company: keep(a.company, current.as_ref().map(|c| &c.company)),
        line1: a.line1,
        line2: keep(a.line2, current.as_ref().map(|c| &c.line2)),
        city: keep(a.city, current.as_ref().map(|c| &c.city)),
        region: keep(a.region, current.as_ref().map(|c| &c.region)),
        postcode: keep(a.postcode, current.as_ref().map(|c| &c.postcode)),
        country: a.country,
    };
    let change = match a.address_id {
        Some(address_id) => Change::EditAddress {
            address_id,
            address,
            keep_as_entered: a.keep_as_entered,
        },
        None => Change::AddAddress {
            address,
            keep_as_entered: a.keep_as_entered,
        },
    };
    let request = CorrectionRequest {
        customer_id: a.customer_id,
        change,
        seen: None,
    };

    let text = if a.dry_run {
        let preview = service.preview_correction(&request)?;
        if a.json {
            serde_json::to_string_pretty(&preview)?
        } else {
            describe_preview(&preview)
        }
    } else {
        let submitted = service.submit_correction(&request)?;
        if a.json {
            serde_json::to_string_pretty(&submitted)?
        } else {
            describe_submitted(&submitted)
        }
    };
    writeln!(std::io::stdout().lock(), "{}", text.trim_end())?;
    Ok(())
}

/// The standardized address beside the typed one, then what changes where.
pub fn describe_preview(preview: &Preview) -> String {
    let mut out = String::new();
    if let Some(a) = &preview.address {
        let line = |x: &concord_service::corrections::AddressInput| {
            [
                Some(x.line1.clone()),
                x.line2.clone(),
                x.city.clone(),
                x.region.clone(),
                x.postcode.clone(),
                Some(x.country.clone()),
            ]
            .into_iter()
            .flatten()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
        };
        let _ = writeln!(out, "Typed:         {}", line(&a.typed));
        match &a.standardized {
            Some(s) => {
                let _ = writeln!(out, "Standardized:  {}", line(s));
            }
            None => {
                let _ = writeln!(
                    out,
                    "Standardized:  (none: {})",
                    a.reason.as_deref().unwrap_or("")
                );
            }
        }
        let _ = writeln!(
            out,
            "Using:         {}{}",
            line(&a.chosen),
            if a.kept_as_entered {
                " (kept as entered)"
            } else {
                ""
            }
        );
        for change in &a.changes {
            let _ = writeln!(out, "  - {change}");
        }
    }
    for system in &preview.systems {
        let _ = writeln!(out, "\n{}:", system.system);
        if let Some(why) = &system.not_sent {
            let _ = writeln!(out, "  nothing sent: {why}");
        }
        for c in &system.changes {
            let _ = writeln!(
                out,
                "  {}: {} -> {}",
                c.field,
                c.from.as_deref().unwrap_or("(empty)"),
                c.to.as_deref().unwrap_or("(empty)")
            );
        }
    }
    for c in &preview.collisions {
        let _ = writeln!(
            out,
            "\nCollides on {}: base {}, yours {}, now {}",
            c.field,
            c.base.as_deref().unwrap_or("(empty)"),
            c.ours.as_deref().unwrap_or("(empty)"),
            c.theirs.as_deref().unwrap_or("(empty)")
        );
    }
    out
}

fn describe_submitted(s: &Submitted) -> String {
    let mut out = describe_preview(&s.preview);
    match s.state.as_str() {
        "held" => {
            let _ = writeln!(
                out,
                "\nCorrection {} collides with another change and waits for a supervisor \
                 (review item {}). Nothing was changed.",
                s.correction_id,
                s.review_item_id.unwrap_or_default()
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "\nCorrection {} saved and queued; `concord push` sends it.",
                s.correction_id
            );
        }
    }
    out
}
