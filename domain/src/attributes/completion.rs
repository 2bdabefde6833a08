use super::Attributes;
use crate::meta_model::AttributeDefinition;

/// Share of the attribute weight that is filled in, 0..=1. A type without weighted attributes
/// is complete by definition, so an empty meta model does not nag about nothing.
pub fn completion(definitions: &[AttributeDefinition], values: &Attributes) -> f64 {
    let total: f64 = definitions.iter().map(|d| d.weight).sum();
    if total <= 0.0 {
        return 1.0;
    }
    let filled: f64 = definitions
        .iter()
        .filter(|d| values.get(&d.key).is_some_and(|v| !v.is_null()))
        .map(|d| d.weight)
        .sum();
    (filled / total).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::meta_model::default_meta_model;

    #[test]
    fn completion_follows_the_weights() {
        let model = default_meta_model();
        let artifact = model.fact_sheet_type("SoftwareArtifact").unwrap();
        let none = Attributes::new();
        assert_eq!(completion(&artifact.attributes, &none), 0.0);
        // repositoryUrl weighs 2 of 6.
        let repo = json!({"repositoryUrl": "https://git.example.com/x"})
            .as_object()
            .unwrap()
            .clone();
        assert!((completion(&artifact.attributes, &repo) - 2.0 / 6.0).abs() < 1e-12);
        assert_eq!(completion(&[], &none), 1.0);
    }
}
