//! A DocEnum field through the prelude alone: plain, nullable, with a
//! default, indexed, with renamed values and a PostgreSQL type name.
use m_runtime::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, DocEnum)]
#[doc_enum(rename_all = "kebab-case", type_name = "ticket_state")]
pub enum State {
    Open,
    #[doc_enum(rename = "closed")]
    Done,
    OnHold,
}

#[doctype]
pub struct Ticket {
    #[field(primary_key)]
    pub id: i64,
    #[field(default = "open", index)]
    pub state: State,
    pub previous: Option<State>,
    pub other: self::State,
}

fn main() {
    assert_eq!(State::VALUES, ["open", "closed", "on-hold"]);
    assert_eq!(State::TYPE_NAME, "ticket_state");
    assert_eq!(Ticket::doctype().columns[1].ty, <State as DocEnum>::LOGICAL_TYPE);
    assert_eq!("on-hold".parse::<State>(), Ok(State::OnHold));
}
