//! `concord lookup "QUERY"`: the search box on the command line.

use std::io::Write as _;

use concord_service::lookup::{LookupResults, MatchQuality, MatchedField};

use super::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What the rep typed: a phone number, email, order number, postcode, name or company.
    query: String,

    /// At most this many customers (1 to 100).
    #[arg(long, default_value_t = 10)]
    limit: u32,

    /// Print the results as JSON, in the shape the desktop app receives.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args, ctx: &Context) -> anyhow::Result<()> {
    let results = ctx.open_service()?.lookup(&args.query, args.limit)?;

    let text = if args.json {
        serde_json::to_string_pretty(&results)?
    } else {
        describe(&results)
    };

    writeln!(std::io::stdout().lock(), "{text}")?;
    Ok(())
}

fn field_name(field: MatchedField) -> &'static str {
    match field {
        MatchedField::Phone => "phone",
        MatchedField::Email => "email",
        MatchedField::OrderNumber => "order number",
        MatchedField::Postcode => "postcode",
        MatchedField::Name => "name",
        MatchedField::Company => "company",
        MatchedField::Address => "address",
    }
}

fn quality_name(quality: MatchQuality) -> &'static str {
    match quality {
        MatchQuality::Exact => "exact",
        MatchQuality::Prefix => "starts with",
        MatchQuality::Typo => "one typo",
    }
}

fn describe(results: &LookupResults) -> String {
    if results.hits.is_empty() {
        return "No customer found.".to_string();
    }
    results
        .hits
        .iter()
        .map(|h| {
            let company = h
                .company
                .as_deref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default();
            format!(
                "{:>8}  {}{}  [{} {}: {}]",
                h.customer_id,
                h.display_name,
                company,
                field_name(h.matched_field),
                quality_name(h.quality),
                h.matched_value
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use concord_service::LookupHit;

    #[test]
    fn each_hit_line_says_who_and_what_matched() {
        let results = LookupResults {
            hits: vec![LookupHit {
                customer_id: 42,
                display_name: "José García".into(),
                company: Some("Café Müller GmbH".into()),
                matched_field: MatchedField::OrderNumber,
                quality: MatchQuality::Exact,
                matched_value: "SO0042".into(),
            }],
        };

        let text = describe(&results);

        assert_eq!(
            text, "      42  José García (Café Müller GmbH)  [order number exact: SO0042]",
            "a rep reads the id to show, the name, and why it was found"
        );
    }

    #[test]
    fn no_hit_is_said_in_words() {
        let text = describe(&LookupResults { hits: vec![] });

        assert_eq!(
            text, "No customer found.",
            "an empty screen would look like a hang"
        );
    }
}
