//! Reports: questions asked of the whole landscape at once. They share two words: a
//! [`RelationPath`] walks from a fact sheet to the fact sheets related to it (the owning Team of
//! an artifact, the cloud resources it runs on), and a [`Figure`] is one number of a fact
//! sheet's DORA or Flow metrics.

mod aggregate;
pub mod as_of;
pub mod as_of_list;
pub mod change_feed;
mod figure;
pub mod landscape_diff;
mod path;
pub mod saved_views;
mod view_columns;
mod view_rows;

pub use aggregate::{
    Aggregate, AggregateGroup, AggregateQuery, AggregateSort, AggregateTotals, DEFAULT_GROUP_LIMIT,
    GroupBy, GroupValue, MAX_FIGURE_FACT_SHEETS, MAX_GROUP_KEYS, MAX_GROUP_LIMIT, MAX_MEASURES,
    Measure, MeasureKind, SortBy, aggregate,
};
pub use figure::Figure;
pub use path::{MAX_PATH_STEPS, RelationPath, RelationStep};
pub use saved_views::{CheckedView, NewSavedView, SavedView, SavedViewPatch, ViewDefinition};
pub use view_columns::{
    CheckedColumn, CheckedSource, ColumnSource, MAX_COLUMNS, ViewColumn, ViewField,
};
pub use view_rows::{Cell, ViewRow, related_names, rows as view_rows};
