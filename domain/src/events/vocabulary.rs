/// What an event type means for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Change,
    Deployment,
    /// LeanIX VSM's `release`: always a production deployment.
    Release,
    IncidentOpened,
    IncidentResolved,
    WorkItemTransitioned,
    /// A scanner reported a vulnerability in the artifact.
    VulnerabilityOpened,
    /// A scanner no longer reports it.
    VulnerabilityResolved,
}

/// The accepted types, including LeanIX VSM's aliases so their sample requests work unchanged.
const TYPES: [(&str, EventKind); 9] = [
    ("dev.wayfinder.change", EventKind::Change),
    ("dev.wayfinder.deployment", EventKind::Deployment),
    ("dev.wayfinder.incident.opened", EventKind::IncidentOpened),
    (
        "dev.wayfinder.incident.resolved",
        EventKind::IncidentResolved,
    ),
    (
        "dev.wayfinder.workitem.transitioned",
        EventKind::WorkItemTransitioned,
    ),
    (
        "dev.wayfinder.vulnerability.opened",
        EventKind::VulnerabilityOpened,
    ),
    (
        "dev.wayfinder.vulnerability.resolved",
        EventKind::VulnerabilityResolved,
    ),
    ("net.leanix.valuestreams.change", EventKind::Change),
    ("net.leanix.valuestreams.release", EventKind::Release),
];

pub fn kind_of(event_type: &str) -> Option<EventKind> {
    TYPES
        .iter()
        .find(|(t, _)| *t == event_type)
        .map(|(_, k)| *k)
}

/// Every type in the vocabulary; any other is stored as an unrecognized event.
pub(super) fn known_types() -> impl Iterator<Item = &'static str> {
    TYPES.iter().map(|(t, _)| *t)
}

/// The types of the given kinds, aliases included: what a read of stored events filters on.
pub(crate) fn types_of(kinds: &[EventKind]) -> Vec<&'static str> {
    TYPES
        .iter()
        .filter(|(_, k)| kinds.contains(k))
        .map(|(t, _)| *t)
        .collect()
}
