//! The length of a relative metric window, `last: "P30D"`, as an ISO 8601 duration.
//!
//! Only the fixed-length forms are taken: days (`PnD`), weeks (`PnW`) and hours (`PTnH`). Months
//! and years have no fixed length, so a window "the last month" would mean different spans on
//! different days; a client that wants calendar months gives `from` and `to`.

use chrono::Duration;

/// A duration that is not one of the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not an ISO 8601 duration of days, weeks or hours such as P30D, P4W or PT12H")]
pub struct LookbackError;

/// Parses `PnD`, `PnW` or `PTnH` with `n` a positive whole number (upper-case designators, as
/// ISO 8601 writes them). The window limits bound the length afterwards.
pub fn parse_lookback(text: &str) -> Result<Duration, LookbackError> {
    let rest = text.strip_prefix('P').ok_or(LookbackError)?;
    let (digits, unit): (&str, fn(i64) -> Option<Duration>) =
        if let Some(hours) = rest.strip_prefix('T').and_then(|r| r.strip_suffix('H')) {
            (hours, Duration::try_hours)
        } else if let Some(days) = rest.strip_suffix('D') {
            (days, Duration::try_days)
        } else if let Some(weeks) = rest.strip_suffix('W') {
            (weeks, Duration::try_weeks)
        } else {
            return Err(LookbackError);
        };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(LookbackError);
    }
    let n: i64 = digits.parse().map_err(|_| LookbackError)?;
    if n == 0 {
        return Err(LookbackError);
    }
    unit(n).ok_or(LookbackError)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_weeks_and_hours_are_read() {
        assert_eq!(parse_lookback("P30D"), Ok(Duration::days(30)));
        assert_eq!(parse_lookback("P4W"), Ok(Duration::weeks(4)));
        assert_eq!(parse_lookback("PT12H"), Ok(Duration::hours(12)));
    }

    #[test]
    fn anything_else_is_refused() {
        for text in [
            "",
            "P",
            "PT",
            "P0D",
            "P-1D",
            "P+1D",
            "P1.5D",
            "p30d",
            "30D",
            "P1M",
            "P1Y",
            "PT30M",
            "P1DT2H",
            "P1D ",
            " P1D",
            "P99999999999999999999D",
            "P9999999999999W",
        ] {
            assert_eq!(parse_lookback(text), Err(LookbackError), "{text:?}");
        }
    }
}
