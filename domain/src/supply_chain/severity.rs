//! The severity scale shared by advisories and scanner findings.

use std::fmt;

/// The four levels that the GitHub Advisory Database, Snyk and Dependency-Track all use, plus
/// `Unknown` for an advisory that states none: such a finding is still counted, never dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Unknown,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Unknown,
    ];

    /// The stored and wire spelling: lower case, as scanners send it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Unknown => "unknown",
        }
    }

    /// Reads a severity the way sources spell it: case-insensitive, and GitHub's `moderate`
    /// is `medium`. `None` for anything else, so the caller can name the bad field.
    pub fn parse(text: &str) -> Option<Severity> {
        match text.trim().to_ascii_lowercase().as_str() {
            "critical" => Some(Severity::Critical),
            "high" => Some(Severity::High),
            "medium" | "moderate" => Some(Severity::Medium),
            "low" => Some(Severity::Low),
            "unknown" => Some(Severity::Unknown),
            _ => None,
        }
    }

    /// The CVSS v3/v4 qualitative rating of a base score (FIRST's table: 9.0+ critical,
    /// 7.0+ high, 4.0+ medium, above 0 low).
    pub fn of_cvss_score(score: f64) -> Severity {
        match score {
            s if s >= 9.0 => Severity::Critical,
            s if s >= 7.0 => Severity::High,
            s if s >= 4.0 => Severity::Medium,
            s if s > 0.0 => Severity::Low,
            _ => Severity::Unknown,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_severity_reads_back_from_its_own_spelling() {
        for severity in Severity::ALL {
            assert_eq!(Severity::parse(severity.as_str()), Some(severity));
        }
    }

    #[test]
    fn githubs_moderate_is_medium_and_other_words_are_refused() {
        assert_eq!(Severity::parse("MODERATE"), Some(Severity::Medium));
        assert_eq!(Severity::parse("severe"), None);
    }

    #[test]
    fn cvss_scores_fall_into_firsts_bands() {
        assert_eq!(Severity::of_cvss_score(10.0), Severity::Critical);
        assert_eq!(Severity::of_cvss_score(9.0), Severity::Critical);
        assert_eq!(Severity::of_cvss_score(8.9), Severity::High);
        assert_eq!(Severity::of_cvss_score(4.0), Severity::Medium);
        assert_eq!(Severity::of_cvss_score(3.9), Severity::Low);
        assert_eq!(Severity::of_cvss_score(0.0), Severity::Unknown);
    }
}
