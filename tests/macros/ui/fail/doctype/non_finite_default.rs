//! A float `default` that overflows the field's type to infinity.
use m_runtime::prelude::*;

#[doctype]
pub struct Reading {
    #[field(primary_key)]
    pub id: i64,
    #[field(default = 1e999)]
    pub huge: f64,
    #[field(default = -1e999)]
    pub tiny: Option<f64>,
    #[field(default = 1e39)]
    pub single: f32,
    #[field(default = 3.4e38)]
    pub fits: f32,
}

fn main() {}
