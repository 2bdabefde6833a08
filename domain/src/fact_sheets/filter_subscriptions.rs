//! "Fact sheets alice subscribes to" and "fact sheets nobody is accountable for": the
//! subscription part of a list filter, as SQL over `subscriptions`.

use sea_orm::{
    ColumnTrait, Condition,
    sea_query::{Expr, ExprTrait, Query, SelectStatement},
};
use uuid::Uuid;

use crate::{error::FieldError, subscriptions::SubscriptionRole};
use entity::{fact_sheet, subscription};

/// The longest user a subscription can hold (see [`crate::subscriptions::subscribe`]).
const MAX_USER_CHARACTERS: usize = 320;

/// "Has (or lacks) a subscription", optionally of one user (an id or email address, as
/// subscribed) and in one role.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SubscriptionFilter {
    pub user: Option<String>,
    pub role: Option<SubscriptionRole>,
    pub exists: bool,
}

/// The condition on fact sheet ids that `filters` ask for, or `None` when they ask nothing;
/// refusals go to `errors`.
///
/// As with relation filters, however many conditions there are, this is at most two
/// sub-queries: one for the subscriptions every `exists` condition needs (grouped by fact
/// sheet, each condition checked once more in HAVING) and one for those no `exists: false`
/// condition may find.
pub(super) fn condition(
    workspace_id: Uuid,
    filters: &[SubscriptionFilter],
    errors: &mut Vec<FieldError>,
) -> Option<Condition> {
    let mut wanted = Vec::new();
    let mut unwanted = Vec::new();
    for (i, filter) in filters.iter().enumerate() {
        let user = match filter.user.as_deref().map(str::trim) {
            Some(user) if user.is_empty() || user.chars().count() > MAX_USER_CHARACTERS => {
                errors.push(FieldError::new(
                    format!("filter.subscriptions.{i}.user"),
                    format!("must be a user id or email address of 1 to {MAX_USER_CHARACTERS} characters"),
                ));
                continue;
            }
            user => user,
        };
        let matching = match (user, filter.role) {
            // Any subscription at all; a condition that always holds, as the grouped sub-query
            // checks each condition by name in HAVING.
            (None, None) => Condition::all().add(subscription::Column::FactSheetId.is_not_null()),
            (user, role) => Condition::all()
                .add_option(user.map(|u| subscription::Column::Subject.eq(u)))
                .add_option(role.map(|r| subscription::Column::Role.eq(r.as_str()))),
        };
        if filter.exists {
            wanted.push(matching);
        } else {
            unwanted.push(matching);
        }
    }
    let subscriptions = |conditions: &[Condition]| -> SelectStatement {
        Query::select()
            .column(subscription::Column::FactSheetId)
            .from(subscription::Entity)
            .and_where(subscription::Column::WorkspaceId.eq(workspace_id))
            .cond_where(
                conditions
                    .iter()
                    .cloned()
                    .fold(Condition::any(), Condition::add),
            )
            .to_owned()
    };
    let mut all = Condition::all();
    if !wanted.is_empty() {
        let mut sub = subscriptions(&wanted);
        if wanted.len() > 1 {
            sub.group_by_col(subscription::Column::FactSheetId);
            for matching in &wanted {
                let matched: Expr = Expr::case(matching.clone(), 1).finally(0).into();
                sub.and_having(matched.max().eq(1));
            }
        }
        all = all.add(fact_sheet::Column::Id.in_subquery(sub));
    }
    if !unwanted.is_empty() {
        all = all.add(fact_sheet::Column::Id.not_in_subquery(subscriptions(&unwanted)));
    }
    (!all.is_empty()).then_some(all)
}
