//! A data body that does not exist is an error at its name.
use m_runtime::ops::Migration;

#[m_runtime::operations(id = "0003_z", before = missing_fn)]
fn no_such_data_fn() -> Migration {
    unimplemented!()
}

fn main() {}
