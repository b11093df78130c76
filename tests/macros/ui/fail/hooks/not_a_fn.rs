//! A hook attribute goes on a fn.
use m_runtime::prelude::*;

#[before_sync]
pub struct Ensure;

fn main() {}
