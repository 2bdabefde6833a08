//! Cross-module tests: the spec's worked example and order independence.

mod order_independence;
mod worked_example;
