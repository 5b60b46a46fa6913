//! Maps what each connector reads (Tryton parties and sales, Vendure customers and orders)
//! into the one shape every system is stored in ([`concord_core::source`]).
//!
//! The mapping only moves values; it never normalizes them (phones, emails and addresses are
//! normalized when the merged account is built) and never invents one: a value a system does
//! not keep stays `None`. A record that cannot be mapped gives a reason, and the pull sets it
//! aside. Money is turned into minor units exactly, through decimals, never floats.
//!
//! # Where each system keeps what Concord shows
//!
//! | Concord | Tryton | Vendure |
//! | --- | --- | --- |
//! | name | `name` (one string: `full_name`) | `firstName`, `lastName`, `title` |
//! | customer type, price level | categories `type:X`, `price:X` | groups `type:X`, `price:X` |
//! | tax exemption | category `tax-exempt`; its absence means "not exempt" | group `tax-exempt`; its absence says nothing |
//! | job title, sex, birth date | a party field named in [`Demographics`] (none by default) | a customer field, e.g. `customFields.birthDate` (none by default) |
//! | emails, phones | contact mechanisms (`email`; `phone`, `mobile`, `fax`), labelled by their name | `emailAddress`, `phoneNumber` |
//! | default bill-to / ship-to | the first address flagged `invoice` / `delivery` | `defaultBillingAddress` / `defaultShippingAddress` |
//! | order channel | a `sale.sale` field (`description` by default) read through [`ChannelNames`] | always `web` |
//! | order amounts | decimals in the sale's currency | minor units already |
//!
//! Tryton's standard modules keep no job title, sex or birth date, and Vendure keeps them only
//! in custom fields a shop defines; [`Demographics`] names the field for each, and the
//! connectors read the named fields along with the rest (`TrytonSettings::party_extra_fields`,
//! `VendureSettings::customer_extra_fields`).
//!
//! Tryton keeps unit prices with four decimals; a unit price is rounded half to even to the
//! currency's minor unit (the line amount and the totals are kept exactly, and the raw payload
//! keeps the unit price as sent). An amount or total that does not fit the currency's minor
//! unit exactly is a reason to set the order aside.

mod money;
mod tryton;
mod vendure;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use money::{minor_unit_digits, minor_units, minor_units_rounded};
pub use tryton::{tryton_customer, tryton_order};
pub use vendure::{vendure_customer, vendure_order};

/// Where a system keeps the demographics Concord shows: each is a field path in the system's
/// record (`birth_date`, or `customFields.birthDate`), or `None` when the system keeps none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Demographics {
    pub job_title: Option<String>,
    pub sex: Option<String>,
    pub birth_date: Option<String>,
}

impl Demographics {
    /// The field paths the connector must read besides its own.
    pub fn fields(&self) -> Vec<String> {
        [&self.job_title, &self.sex, &self.birth_date]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }
}

/// How the words a system uses for an order's channel become Concord's channels (`web`,
/// `phone`, `mail`, `store`, `marketplace`). Matching ignores case and surrounding blanks; a
/// word not listed is kept as written, lowercased, so nothing a system says is lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChannelNames {
    /// Pairs of (word in the system, Concord channel).
    pub aliases: Vec<(String, String)>,
}

impl Default for ChannelNames {
    fn default() -> Self {
        let pairs = [
            ("phone", "phone"),
            ("telephone", "phone"),
            ("call", "phone"),
            ("mail", "mail"),
            ("mail order", "mail"),
            ("post", "mail"),
            ("shop", "store"),
            ("store", "store"),
            ("counter", "store"),
            ("pos", "store"),
            ("web", "web"),
            ("online", "web"),
            ("website", "web"),
            ("marketplace", "marketplace"),
        ];
        Self {
            aliases: pairs
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        }
    }
}

impl ChannelNames {
    pub fn channel(&self, word: &str) -> String {
        let word = word.trim().to_lowercase();
        self.aliases
            .iter()
            .find(|(alias, _)| alias.eq_ignore_ascii_case(&word))
            .map(|(_, channel)| channel.clone())
            .unwrap_or(word)
    }
}

/// Everything the mapping of one system can be told.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    pub demographics: Demographics,
    pub channels: ChannelNames,
}

/// Reads a field path from a record as received: a top-level key (`birth_date`), nested
/// objects (`customFields.birthDate`), or Tryton's dotted read, which arrives under the
/// relation's name with a trailing dot (`"job."` holding `{"name": ...}`).
pub(crate) fn field<'a>(raw: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(direct) = raw.get(path) {
        return Some(direct);
    }
    let (head, rest) = path.split_once('.')?;
    let inner = raw.get(head).or_else(|| raw.get(format!("{head}.")))?;
    field(inner, rest)
}

/// A demographic value as text: strings as they are, Tryton dates as ISO dates, numbers and
/// booleans as written; empty and null values are absent.
pub(crate) fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        object @ Value::Object(_) => crate::tryton::value::decode_date(object)
            .map(|d| d.to_string())
            .ok()
            .or_else(|| object.get("name").and_then(|n| text_of(Some(n)))),
        _ => None,
    }
}

/// The RFC 3339 form every `changed_at` and `placed_at` is stored in.
pub(crate) fn rfc3339(when: chrono::DateTime<chrono::Utc>) -> String {
    when.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_field_path_reads_nested_and_tryton_dotted_values() {
        let vendure = json!({"customFields": {"birthDate": "1980-02-01"}});
        let tryton = json!({"job.": {"name": "Buyer", "id": 3}, "birth_date": null});

        let found = (
            text_of(field(&vendure, "customFields.birthDate")),
            text_of(field(&tryton, "job.name")),
            text_of(field(&tryton, "birth_date")),
        );

        assert_eq!(
            found,
            (Some("1980-02-01".into()), Some("Buyer".into()), None),
            "each system's way of nesting is read, and null means absent"
        );
    }

    #[test]
    fn a_tryton_date_reads_as_an_iso_date() {
        let raw = json!({"birth_date": {"__class__": "date", "year": 1979, "month": 5, "day": 4}});

        let text = text_of(field(&raw, "birth_date"));

        assert_eq!(
            text.as_deref(),
            Some("1979-05-04"),
            "dates are stored as ISO dates"
        );
    }

    #[test]
    fn channel_words_map_to_channels_and_unknown_words_are_kept() {
        let names = ChannelNames::default();

        let channels: Vec<String> = [" Phone ", "MAIL", "shop", "web", "Trade fair"]
            .iter()
            .map(|w| names.channel(w))
            .collect();

        assert_eq!(
            channels,
            ["phone", "mail", "store", "web", "trade fair"],
            "a shop is the store channel; a word nobody mapped is not thrown away"
        );
    }
}
