//! Decimal amounts into minor units, exactly.

use rust_decimal::{Decimal, RoundingStrategy};

/// How many digits the currency's minor unit has (ISO 4217); 2 for any currency not listed.
pub fn minor_unit_digits(currency: &str) -> u32 {
    match currency.to_ascii_uppercase().as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    }
}

/// `amount` in minor units of `currency`, or why it has no exact value there (more decimals
/// than the currency has, or too large).
pub fn minor_units(amount: Decimal, currency: &str) -> Result<i64, String> {
    let scaled = scale(amount, currency)?;
    if scaled.fract() != Decimal::ZERO {
        return Err(format!(
            "{amount} {currency} has more decimals than the currency's minor unit"
        ));
    }
    to_i64(scaled, amount, currency)
}

/// `amount` in minor units of `currency`, rounded half to even: for unit prices, which
/// systems keep with more decimals than the currency has.
pub fn minor_units_rounded(amount: Decimal, currency: &str) -> Result<i64, String> {
    let scaled =
        scale(amount, currency)?.round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven);
    to_i64(scaled, amount, currency)
}

fn scale(amount: Decimal, currency: &str) -> Result<Decimal, String> {
    let factor = Decimal::from(10_i64.pow(minor_unit_digits(currency)));
    amount
        .checked_mul(factor)
        .ok_or_else(|| format!("{amount} {currency} is too large"))
}

fn to_i64(scaled: Decimal, amount: Decimal, currency: &str) -> Result<i64, String> {
    i64::try_from(scaled).map_err(|_| format!("{amount} {currency} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn amounts_become_minor_units_exactly_in_each_currency() {
        let cases = [
            ("84.98", "USD", 8498),
            ("1200", "JPY", 1200),
            ("1.234", "KWD", 1234),
        ];

        let converted: Vec<i64> = cases
            .iter()
            .map(|(amount, currency, _)| minor_units(d(amount), currency).unwrap())
            .collect();

        let expected: Vec<i64> = cases.iter().map(|c| c.2).collect();
        assert_eq!(
            converted, expected,
            "0.1 + 0.2 style float errors must never reach money"
        );
    }

    #[test]
    fn an_amount_finer_than_the_minor_unit_is_refused_with_a_reason() {
        let reason = minor_units(d("10.005"), "USD").unwrap_err();

        assert!(reason.contains("10.005 USD"), "names the amount: {reason}");
    }

    #[test]
    fn a_unit_price_rounds_half_to_even() {
        let rounded = [d("1.0050"), d("1.0150"), d("2.4449")]
            .map(|amount| minor_units_rounded(amount, "USD").unwrap());

        assert_eq!(
            rounded,
            [100, 102, 244],
            "banker's rounding, as accounting does"
        );
    }

    #[test]
    fn an_amount_too_large_for_minor_units_is_refused() {
        let reason = minor_units(Decimal::MAX, "USD").unwrap_err();

        assert!(reason.contains("too large"), "{reason}");
    }
}
