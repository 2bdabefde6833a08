//! Columns written in a query parameter or on a command line, comma-separated:
//!
//! - a field: `id`, `name`, `type`, `status`, `description`, `completion`, `createdAt`,
//!   `updatedAt`;
//! - an attribute: `attribute:monthlyCost`;
//! - related names along a path, steps separated by `/`, a step followed backwards (from the
//!   relation's target to its source) prefixed with `-`: `related:-teamOwnsArtifact`;
//! - a metric figure over a trailing window (30 days when left out):
//!   `metric:DEPLOYMENT_FREQUENCY:P6W`.

use domain::{
    fact_sheets::RelationDirection,
    reports::{ColumnSource, Figure, RelationStep, ViewColumn, ViewField},
};

/// The columns of `text`, or the refusal naming the bad one.
pub fn parse_columns(text: &str) -> Result<Vec<ViewColumn>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|spec| {
            parse_column(spec).map(|source| ViewColumn {
                label: None,
                source,
            })
        })
        .collect()
}

fn parse_column(spec: &str) -> Result<ColumnSource, String> {
    if let Some(key) = spec.strip_prefix("attribute:") {
        return Ok(ColumnSource::Attribute {
            key: key.to_owned(),
        });
    }
    if let Some(path) = spec.strip_prefix("related:") {
        let path = path
            .split('/')
            .map(|step| match step.strip_prefix('-') {
                Some(relation_type) => RelationStep {
                    relation_type: relation_type.to_owned(),
                    direction: RelationDirection::Incoming,
                },
                None => RelationStep {
                    relation_type: step.to_owned(),
                    direction: RelationDirection::Outgoing,
                },
            })
            .collect();
        return Ok(ColumnSource::Related { path });
    }
    if let Some(metric) = spec.strip_prefix("metric:") {
        let (figure, last) = metric.split_once(':').unwrap_or((metric, "P30D"));
        let figure = serde_json::from_value::<Figure>(serde_json::Value::String(figure.into()))
            .map_err(|_| {
                format!("`{figure}` is not a metric figure such as DEPLOYMENT_FREQUENCY")
            })?;
        return Ok(ColumnSource::Metric {
            figure,
            last: last.to_owned(),
        });
    }
    let field = match spec {
        "id" => ViewField::Id,
        "name" => ViewField::Name,
        "type" => ViewField::Type,
        "status" => ViewField::Status,
        "description" => ViewField::Description,
        "completion" => ViewField::Completion,
        "createdAt" => ViewField::CreatedAt,
        "updatedAt" => ViewField::UpdatedAt,
        other => {
            return Err(format!(
                "`{other}` is not a column; use a field (name, type, …), attribute:KEY, \
                 related:TYPE/-TYPE or metric:FIGURE:P30D"
            ));
        }
    };
    Ok(ColumnSource::Field { field })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_column_is_read_from_its_text() {
        let columns =
            parse_columns("name, attribute:cost,related:-owns/runsOn,metric:LEAD_TIME:P6W")
                .unwrap();
        let sources: Vec<ColumnSource> = columns.into_iter().map(|c| c.source).collect();
        assert_eq!(
            sources,
            vec![
                ColumnSource::Field {
                    field: ViewField::Name
                },
                ColumnSource::Attribute { key: "cost".into() },
                ColumnSource::Related {
                    path: vec![
                        RelationStep {
                            relation_type: "owns".into(),
                            direction: RelationDirection::Incoming
                        },
                        RelationStep {
                            relation_type: "runsOn".into(),
                            direction: RelationDirection::Outgoing
                        },
                    ]
                },
                ColumnSource::Metric {
                    figure: Figure::LeadTime,
                    last: "P6W".into()
                },
            ]
        );
        assert!(parse_columns("colour").unwrap_err().contains("`colour`"));
    }
}
