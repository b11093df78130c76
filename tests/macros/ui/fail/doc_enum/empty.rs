//! An enum without variants could store nothing.
use m_runtime::DocEnum;

#[derive(DocEnum)]
pub enum Nothing {}

fn main() {}
