//! What a field the renderer may answer returns.

use std::{borrow::Cow, sync::Mutex};

use async_graphql::{
    ContextSelectionSet, OutputType, Positioned, ServerResult, Value, parser::types::Field,
    registry::Registry,
};

/// The value rendered directly (the placeholder of its text, see [`super::WrittenParts`]), or
/// `T` for the executor to resolve; the GraphQL type is `T`'s either way.
pub enum Rendered<T> {
    /// Taken by the one `resolve` the executor calls for the field.
    Direct(Mutex<Option<Value>>),
    Executor(T),
}

impl<T> Rendered<T> {
    /// `value` when the renderer produced one, else `executor()`.
    pub fn or_executor(value: Option<Value>, executor: impl FnOnce() -> T) -> Self {
        match value {
            Some(value) => Self::Direct(Mutex::new(Some(value))),
            None => Self::Executor(executor()),
        }
    }
}

impl<T: OutputType> OutputType for Rendered<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match self {
            Self::Direct(value) => Ok(value
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .unwrap_or_default()),
            Self::Executor(inner) => inner.resolve(ctx, field).await,
        }
    }
}
