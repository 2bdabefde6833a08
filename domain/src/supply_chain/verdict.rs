//! The answer to "does this advisory affect this component's version?".

/// Three answers, not two: a version the ecosystem's ordering can't place is `Unknown`, which is
/// reported to the user instead of being silently matched or silently dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The version lies in an affected range; `fixed_in` is the first fixed version above it,
    /// when the advisory names one.
    Affected {
        fixed_in: Option<String>,
    },
    NotAffected,
    Unknown,
}
