//! Attribute values drawn from the meta model itself, so the generator works for any workspace
//! (custom types and attributes included) and every value passes validation.

use chrono::{Duration, NaiveDate};
use domain::{
    attributes::Attributes,
    meta_model::{AttributeDefinition, AttributeType},
};
use rand::{Rng, rngs::StdRng};
use serde_json::{Value, json};

/// Skewed choice: the first options are the common ones (real inventories are dominated by a
/// few languages, platforms and criticality levels), weights 1, 1/2, 1/3, …
pub fn skewed(rng: &mut StdRng, n: usize) -> usize {
    let total: f64 = (1..=n).map(|i| 1.0 / i as f64).sum();
    let mut pick = rng.random::<f64>() * total;
    for i in 0..n {
        pick -= 1.0 / (i + 1) as f64;
        if pick <= 0.0 {
            return i;
        }
    }
    n - 1
}

/// Values for a fact sheet of `definitions`: required ones always, important ones (weight ≥ 1)
/// mostly, the rest about half the time, as in a real, partly documented inventory.
pub fn attributes(
    rng: &mut StdRng,
    definitions: &[AttributeDefinition],
    serial: usize,
) -> Attributes {
    let mut values = Attributes::new();
    for d in definitions {
        let fill = if d.required {
            1.0
        } else if d.weight >= 1.0 {
            0.85
        } else {
            0.5
        };
        if rng.random::<f64>() < fill
            && let Some(v) = value(rng, d, serial)
        {
            values.insert(d.key.clone(), v);
        }
    }
    values
}

fn value(rng: &mut StdRng, d: &AttributeDefinition, serial: usize) -> Option<Value> {
    let (min, max) = (d.constraints.min, d.constraints.max);
    let today = chrono::Utc::now().date_naive();
    let date =
        |rng: &mut StdRng, back_days: i64| today - Duration::days(rng.random_range(0..back_days));
    let text = |s: String| {
        let limit = d.constraints.max_length.map_or(usize::MAX, |m| m as usize);
        s.chars().take(limit).collect::<String>()
    };
    if d.constraints.pattern.is_some() {
        return None;
    }
    Some(match d.kind {
        AttributeType::String => json!(text(format!("{}-{serial}", d.key))),
        AttributeType::Text => json!(text(format!(
            "{} of item {serial}, maintained by its owning team.",
            d.label
        ))),
        AttributeType::Integer => {
            let lo = min.unwrap_or(1.0).ceil() as i64;
            let hi = max.unwrap_or(200.0).floor() as i64;
            if lo > hi {
                return None;
            }
            json!(rng.random_range(lo..=hi))
        }
        AttributeType::Number => {
            let lo = min.unwrap_or(0.0);
            let hi = max.unwrap_or(100.0);
            json!(((lo + rng.random::<f64>() * (hi - lo)) * 100.0).round() / 100.0)
        }
        AttributeType::Boolean => json!(rng.random::<f64>() < 0.7),
        AttributeType::Date => json!(date(rng, 5 * 365).format("%Y-%m-%d").to_string()),
        AttributeType::DateTime => {
            json!(format!("{}T09:00:00Z", date(rng, 365).format("%Y-%m-%d")))
        }
        AttributeType::Url => json!(format!("https://git.example.com/{}/{serial}", d.key)),
        AttributeType::Email => json!(format!("owner{serial}@example.com")),
        AttributeType::SingleSelect if !d.options.is_empty() => {
            json!(d.options[skewed(rng, d.options.len())].key)
        }
        AttributeType::MultiSelect if !d.options.is_empty() => {
            let first = skewed(rng, d.options.len());
            let second = skewed(rng, d.options.len());
            let mut keys = vec![d.options[first].key.clone()];
            if second != first && rng.random::<f64>() < 0.3 {
                keys.push(d.options[second].key.clone());
            }
            json!(keys)
        }
        AttributeType::SingleSelect | AttributeType::MultiSelect => return None,
        AttributeType::Lifecycle => lifecycle(rng, today),
    })
}

/// Most systems are active; some are planned for later, still being planned or built, some
/// are being retired or have reached their end of life, so that every phase of a team ×
/// lifecycle report (and the group of a lifecycle not started yet) holds fact sheets. Each
/// lifecycle has the start dates of the phases it has reached and of the next one.
fn lifecycle(rng: &mut StdRng, today: NaiveDate) -> Value {
    let ago = |rng: &mut StdRng, lo: i64, hi: i64| today - Duration::days(rng.random_range(lo..hi));
    let ahead =
        |rng: &mut StdRng, lo: i64, hi: i64| today + Duration::days(rng.random_range(lo..hi));
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let roll = rng.random::<f64>();
    if roll < 0.05 {
        // Planned for later: no phase has started.
        json!({ "plan": day(ahead(rng, 10, 200)) })
    } else if roll < 0.15 {
        json!({ "plan": day(ago(rng, 1, 120)), "phaseIn": day(ahead(rng, 10, 200)) })
    } else if roll < 0.25 {
        let phase_in = ago(rng, 1, 90);
        json!({ "plan": day(phase_in - Duration::days(90)), "phaseIn": day(phase_in), "active": day(ahead(rng, 10, 120)) })
    } else {
        let plan = ago(rng, 400, 3000);
        let phase_in = plan + Duration::days(rng.random_range(30..180));
        let active = phase_in + Duration::days(rng.random_range(30..120));
        if roll < 0.85 {
            json!({ "plan": day(plan), "phaseIn": day(phase_in), "active": day(active) })
        } else {
            let phase_out = active.max(ago(rng, 1, 400));
            // Two in three of the retiring ones are still being phased out.
            let end_of_life = if roll < 0.95 {
                ahead(rng, 30, 400)
            } else {
                phase_out
                    + Duration::days(rng.random_range(0..(today - phase_out).num_days().max(1)))
            };
            json!({ "plan": day(plan), "phaseIn": day(phase_in), "active": day(active), "phaseOut": day(phase_out), "endOfLife": day(end_of_life.max(phase_out)) })
        }
    }
}
