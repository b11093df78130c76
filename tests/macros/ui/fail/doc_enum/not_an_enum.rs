//! The derive goes on enums only.
use m_runtime::DocEnum;

#[derive(DocEnum)]
pub struct Status {
    pub open: bool,
}

fn main() {}
