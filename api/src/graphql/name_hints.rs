//! Refusals of a name the meta model does not know, such as `relations(type:)`.

use async_graphql::Context;
use domain::meta_model::MetaModel;

/// Whether a refusal of an unknown name lists the known ones. Off where "did you mean"
/// suggestions are off (production): the list maps a workspace's meta model for an attacker.
#[derive(Debug, Clone, Copy)]
pub struct NameHints(pub bool);

/// `Err` when `relation_type` is given and the meta model has no such relation type, naming
/// the argument `type` (and the known types where hints are on), as the list filter does.
pub fn check_relation_type(
    ctx: &Context<'_>,
    model: &MetaModel,
    relation_type: Option<&str>,
) -> domain::Result<()> {
    let Some(key) = relation_type else {
        return Ok(());
    };
    match model.require_relation_type(key) {
        Ok(_) => Ok(()),
        Err(_) if !ctx.data_opt::<NameHints>().is_none_or(|h| h.0) => Err(domain::Error::invalid(
            "type",
            format!("`{key}` is not a relation type"),
        )),
        Err(e) => Err(e),
    }
}
