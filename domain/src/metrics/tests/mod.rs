//! Cross-module tests: the worked example of docs/metrics.md and order independence.

mod order_independence;
mod worked_example;
