//! Six weeks of believable delivery history for the demo artifacts: commits, production
//! deployments that ship them, the odd failed deploy with an incident, and work items moving
//! through their states. Deterministic (a fixed pseudo-random sequence), ending at load time.

use chrono::{DateTime, Duration, Utc};
use domain::events::IncomingEvent;
use serde_json::json;

/// xorshift: reproducible without pulling a random-number crate into the data path.
struct Sequence(u64);

impl Sequence {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const DAYS: i64 = 42;

/// Events for one artifact (`source`); `pace` (1..=4) sets how often it ships.
pub fn history(source: &str, pace: u64, now: DateTime<Utc>, seed: u64) -> Vec<IncomingEvent> {
    let mut rng = Sequence(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let start = now - Duration::days(DAYS);
    let mut events = Vec::new();
    let mut push = |id: String, t: &str, time: DateTime<Utc>, data: serde_json::Value| {
        events.push(IncomingEvent {
            source: source.to_owned(),
            id,
            event_type: format!("dev.wayfinder.{t}"),
            time: Some(time),
            subject: None,
            data: Some(data),
        });
    };
    let mut waiting: Vec<String> = Vec::new();
    let mut change = 0;
    let mut item = 0;
    for day in 0..DAYS {
        let midnight = start + Duration::days(day);
        let weekday = day % 7 < 5;
        for _ in 0..(if weekday {
            1 + rng.below(2 + pace)
        } else {
            rng.below(2)
        }) {
            change += 1;
            let id = format!("{source}-c{change}");
            push(
                id.clone(),
                "change",
                midnight + Duration::minutes(8 * 60 + rng.below(9 * 60) as i64),
                json!({"author": "dev@demo.example"}),
            );
            waiting.push(id);
        }
        if weekday && !waiting.is_empty() && rng.below(5) < pace + 1 {
            let at = midnight + Duration::hours(17) + Duration::minutes(rng.below(60) as i64);
            let deployment = format!("{source}-d{day}");
            push(
                deployment.clone(),
                "deployment",
                at,
                json!({"deploymentId": deployment, "changeIds": std::mem::take(&mut waiting)}),
            );
            if rng.below(10) == 0 {
                let incident = format!("{source}-i{day}");
                push(
                    format!("{incident}-open"),
                    "incident.opened",
                    at + Duration::minutes(20),
                    json!({"incidentId": incident, "deploymentId": deployment, "severity": "major"}),
                );
                push(
                    format!("{incident}-resolved"),
                    "incident.resolved",
                    at + Duration::minutes(50 + rng.below(300) as i64),
                    json!({"incidentId": incident}),
                );
            }
        }
        if weekday && rng.below(3) == 0 {
            item += 1;
            let id = format!("{source}-w{item}");
            let item_type = ["feature", "feature", "defect", "debt", "risk"][rng.below(5) as usize];
            let mut transition = |state: &str, at: DateTime<Utc>| {
                push(
                    format!("{id}-{state}"),
                    "workitem.transitioned",
                    at,
                    json!({"itemId": id, "itemType": item_type, "state": state}),
                );
            };
            let begun = midnight + Duration::hours(9);
            transition("active", begun);
            let waited = begun + Duration::hours(6 + rng.below(48) as i64);
            transition("waiting", waited);
            let done = waited + Duration::hours(4 + rng.below(72) as i64);
            if done < now {
                transition("done", done);
            }
        }
    }
    events
}
