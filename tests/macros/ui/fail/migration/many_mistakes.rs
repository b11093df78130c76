//! Every mistake of one attribute is reported at once.
use m_runtime::prelude::*;

#[migration(id = "bad id", depends_on = ["x"], phase = sometime, colour = 1)]
fn up(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

fn main() {}
