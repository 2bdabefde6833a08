//! One export in progress: the caller, the meta model it was checked against and the checked
//! view, read a page at a time, each page on a connection of its own so a slow client holds
//! no database connection between pages.

use std::sync::Arc;

use domain::{
    Principal,
    db::Store,
    meta_model::MetaModel,
    reports::{self, CheckedView, ViewRow},
};

/// Rows per page: as many as a list returns at once, so round trips do not dominate and a
/// page of cells stays small.
pub const PAGE_SIZE: i32 = 500;

#[derive(Clone)]
pub struct ExportRun {
    pub store: Store,
    pub principal: Principal,
    pub model: Arc<MetaModel>,
    pub view: Arc<CheckedView>,
}

impl ExportRun {
    /// The rows after `after` (from the start when `None`) and the cursor to continue from,
    /// `None` after the last page.
    pub async fn page(
        &self,
        after: Option<&str>,
    ) -> domain::Result<(Vec<ViewRow>, Option<String>)> {
        let db = self.store.tenant(self.principal.workspace_id).await?;
        let page = reports::view_rows(
            &db,
            &self.principal,
            &self.model,
            &self.view,
            Some(PAGE_SIZE),
            after,
        )
        .await?;
        let next = if page.has_next_page {
            page.end_cursor().map(str::to_owned)
        } else {
            None
        };
        Ok((page.items.into_iter().map(|(_, row)| row).collect(), next))
    }
}
