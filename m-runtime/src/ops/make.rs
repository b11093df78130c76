//! `migrate make`: a migration source written from the plan.
