//! The eight comparison operators, read the same way from ODCS quality rules and from the
//! `implementation` of lakegate rules (two structs, because serde's `flatten` does not
//! combine with `deny_unknown_fields`; one reading of them).

use serde_json::Value;

use crate::lakegate::LakegateRule;
use crate::model::QualityRule;

/// An operator written on a rule: its ODCS name and its numbers (None when the value is not
/// a number, e.g. `mustBe: lots`).
pub type SetOperator = (&'static str, Option<Vec<f64>>);

fn keep(list: [(&'static str, Option<Option<Vec<f64>>>); 8]) -> Vec<SetOperator> {
    list.into_iter().filter_map(|(name, v)| v.map(|v| (name, v))).collect()
}

fn one(v: f64) -> Option<Vec<f64>> {
    Some(vec![v])
}

impl QualityRule {
    /// The operators written on the rule, in ODCS order.
    pub fn operators(&self) -> Vec<SetOperator> {
        let json = |v: &Value| v.as_f64().map(|x| vec![x]);
        keep([
            ("mustBe", self.must_be.as_ref().map(json)),
            ("mustNotBe", self.must_not_be.as_ref().map(json)),
            ("mustBeGreaterThan", self.must_be_greater_than.map(one)),
            ("mustBeGreaterOrEqualTo", self.must_be_greater_or_equal_to.map(one)),
            ("mustBeLessThan", self.must_be_less_than.map(one)),
            ("mustBeLessOrEqualTo", self.must_be_less_or_equal_to.map(one)),
            ("mustBeBetween", self.must_be_between.clone().map(Some)),
            ("mustNotBeBetween", self.must_not_be_between.clone().map(Some)),
        ])
    }
}

impl LakegateRule {
    /// The operators written in the implementation, in ODCS order.
    pub fn operators(&self) -> Vec<SetOperator> {
        keep([
            ("mustBe", self.must_be.map(one)),
            ("mustNotBe", self.must_not_be.map(one)),
            ("mustBeGreaterThan", self.must_be_greater_than.map(one)),
            ("mustBeGreaterOrEqualTo", self.must_be_greater_or_equal_to.map(one)),
            ("mustBeLessThan", self.must_be_less_than.map(one)),
            ("mustBeLessOrEqualTo", self.must_be_less_or_equal_to.map(one)),
            ("mustBeBetween", self.must_be_between.clone().map(Some)),
            ("mustNotBeBetween", self.must_not_be_between.clone().map(Some)),
        ])
    }
}
