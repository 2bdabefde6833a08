use crate::graphql::types::meta_model::RollUpInput;
use async_graphql::{Context, InputObject, Json, Object, OneofObject};
use domain::meta_model_versions::{self, AttributeOwner, MetaModelEdit, OptionRename};

use crate::graphql::{
    context::request,
    errors::{OrGql, bad_input},
    types::{
        meta_model::{
            AttributeDefinitionInput, FactSheetTypeInput, MetaModelObject, RelationTypeInput,
        },
        payloads::MetaModelPayload,
    },
};

/// Admin-only changes to the meta model, effective immediately. Each takes `expectedVersion`
/// (refused with CONFLICT when the model moved on) and `force`: a change that would invalidate
/// stored data is refused with the number of affected fact sheets unless forced, and a forced
/// change records every value it strips in the fact sheets' history.
#[derive(Default)]
pub struct MetaModelMutation;

/// Whose attribute definitions to change.
#[derive(OneofObject)]
pub enum AttributeOwnerInput {
    FactSheetType(String),
    RelationType(String),
}

impl From<AttributeOwnerInput> for AttributeOwner {
    fn from(o: AttributeOwnerInput) -> Self {
        match o {
            AttributeOwnerInput::FactSheetType(k) => AttributeOwner::FactSheetType(k),
            AttributeOwnerInput::RelationType(k) => AttributeOwner::RelationType(k),
        }
    }
}

#[derive(InputObject)]
pub struct UpdateFactSheetTypeInput {
    pub key: String,
    pub label: Option<String>,
    pub description: Option<String>,
}

async fn apply(
    ctx: &Context<'_>,
    edit: MetaModelEdit,
    expected_version: Option<i32>,
    force: bool,
) -> async_graphql::Result<MetaModelPayload> {
    let rc = request(ctx)?;
    let change = rc
        .write_and_commit(async |tx| {
            meta_model_versions::apply_edit(tx, &rc.principal, &edit, expected_version, force)
                .await
                .gql()
        })
        .await?;
    rc.forget_meta_model().await;
    Ok(MetaModelPayload {
        meta_model: MetaModelObject::from(&change.version),
        affected_fact_sheets: change.impact.affected_fact_sheets,
        affected_relations: change.impact.affected_relations,
        details: change.impact.details,
    })
}

#[Object]
impl MetaModelMutation {
    async fn add_fact_sheet_type(
        &self,
        ctx: &Context<'_>,
        input: FactSheetTypeInput,
        expected_version: Option<i32>,
    ) -> async_graphql::Result<MetaModelPayload> {
        apply(
            ctx,
            MetaModelEdit::AddFactSheetType(input.into()),
            expected_version,
            false,
        )
        .await
    }

    async fn update_fact_sheet_type(
        &self,
        ctx: &Context<'_>,
        input: UpdateFactSheetTypeInput,
        expected_version: Option<i32>,
    ) -> async_graphql::Result<MetaModelPayload> {
        let edit = MetaModelEdit::UpdateFactSheetType {
            key: input.key,
            label: input.label,
            description: input.description.map(Some),
        };
        apply(ctx, edit, expected_version, false).await
    }

    /// Refused while fact sheets of the type exist or relation types connect it.
    async fn remove_fact_sheet_type(
        &self,
        ctx: &Context<'_>,
        key: String,
        expected_version: Option<i32>,
    ) -> async_graphql::Result<MetaModelPayload> {
        apply(
            ctx,
            MetaModelEdit::RemoveFactSheetType { key },
            expected_version,
            false,
        )
        .await
    }

    async fn add_attribute_definition(
        &self,
        ctx: &Context<'_>,
        owner: AttributeOwnerInput,
        definition: AttributeDefinitionInput,
        expected_version: Option<i32>,
    ) -> async_graphql::Result<MetaModelPayload> {
        apply(
            ctx,
            MetaModelEdit::AddAttribute {
                owner: owner.into(),
                definition: definition.into(),
            },
            expected_version,
            false,
        )
        .await
    }

    /// Replaces the definition with the same key (type, options, constraints, weight…).
    async fn update_attribute_definition(
        &self,
        ctx: &Context<'_>,
        owner: AttributeOwnerInput,
        definition: AttributeDefinitionInput,
        expected_version: Option<i32>,
        #[graphql(default)] force: bool,
    ) -> async_graphql::Result<MetaModelPayload> {
        apply(
            ctx,
            MetaModelEdit::UpdateAttribute {
                owner: owner.into(),
                definition: definition.into(),
            },
            expected_version,
            force,
        )
        .await
    }

    async fn remove_attribute_definition(
        &self,
        ctx: &Context<'_>,
        owner: AttributeOwnerInput,
        key: String,
        expected_version: Option<i32>,
        #[graphql(default)] force: bool,
    ) -> async_graphql::Result<MetaModelPayload> {
        apply(
            ctx,
            MetaModelEdit::RemoveAttribute {
                owner: owner.into(),
                key,
            },
            expected_version,
            force,
        )
        .await
    }

    /// Gives a select option of a fact sheet type's attribute a new key (and, with `label`, a
    /// new label). Every stored value follows, single- and multi-select alike: each fact sheet
    /// holding the old key gets a META_MODEL_MIGRATED revision with the value's old and new
    /// form, and filters then know the new key only. `affectedFactSheets` counts them.
    #[expect(
        clippy::too_many_arguments,
        reason = "each is an argument of the GraphQL field"
    )]
    async fn rename_attribute_option(
        &self,
        ctx: &Context<'_>,
        fact_sheet_type: String,
        attribute: String,
        from: String,
        to: String,
        label: Option<String>,
        expected_version: Option<i32>,
    ) -> async_graphql::Result<MetaModelPayload> {
        let edit = MetaModelEdit::RenameAttributeOption(OptionRename {
            fact_sheet_type,
            attribute,
            from,
            to,
            label,
        });
        apply(ctx, edit, expected_version, false).await
    }

    async fn add_relation_type(
        &self,
        ctx: &Context<'_>,
        input: RelationTypeInput,
        expected_version: Option<i32>,
    ) -> async_graphql::Result<MetaModelPayload> {
        apply(
            ctx,
            MetaModelEdit::AddRelationType(input.into()),
            expected_version,
            false,
        )
        .await
    }

    /// Replaces the relation type with the same key.
    async fn update_relation_type(
        &self,
        ctx: &Context<'_>,
        input: RelationTypeInput,
        expected_version: Option<i32>,
        #[graphql(default)] force: bool,
    ) -> async_graphql::Result<MetaModelPayload> {
        apply(
            ctx,
            MetaModelEdit::UpdateRelationType(input.into()),
            expected_version,
            force,
        )
        .await
    }

    /// Forced, it deletes the type's relations (recorded on both ends).
    async fn remove_relation_type(
        &self,
        ctx: &Context<'_>,
        key: String,
        expected_version: Option<i32>,
        #[graphql(default)] force: bool,
    ) -> async_graphql::Result<MetaModelPayload> {
        apply(
            ctx,
            MetaModelEdit::RemoveRelationType { key },
            expected_version,
            force,
        )
        .await
    }

    /// What a fact sheet type's metrics roll up over: `rollUp`, the relation types they follow
    /// (replaces the list), and `rollUpChildren`, whether they count the type's children too.
    /// An argument left out keeps its current setting.
    async fn set_roll_up(
        &self,
        ctx: &Context<'_>,
        fact_sheet_type: String,
        roll_up: Option<Vec<RollUpInput>>,
        roll_up_children: Option<bool>,
        expected_version: Option<i32>,
    ) -> async_graphql::Result<MetaModelPayload> {
        let edit = MetaModelEdit::SetRollUp {
            fact_sheet_type,
            roll_up: roll_up.map(|list| list.into_iter().map(Into::into).collect()),
            children: roll_up_children,
        };
        apply(ctx, edit, expected_version, false).await
    }

    /// Replaces the DORA performance bands (same shape as `metaModel.performanceBands`);
    /// null restores the published defaults.
    async fn set_performance_bands(
        &self,
        ctx: &Context<'_>,
        bands: Option<Json<serde_json::Value>>,
        expected_version: Option<i32>,
    ) -> async_graphql::Result<MetaModelPayload> {
        let bands = match bands {
            None => None,
            Some(Json(value)) => Some(
                serde_json::from_value(value)
                    .map_err(|e| bad_input("bands", &format!("is not a band set: {e}")))?,
            ),
        };
        apply(
            ctx,
            MetaModelEdit::SetPerformanceBands(bands),
            expected_version,
            false,
        )
        .await
    }
}
