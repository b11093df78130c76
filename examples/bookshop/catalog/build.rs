//! Embeds `migrations/*.sql` and turns `doctypes/*.json` (Frappe DocTypes)
//! into `#[doctype]` declarations.

fn main() -> Result<(), m_build::Error> {
    m_build::embed_migrations("migrations")?;
    m_build::doctypes_from_json("doctypes")?;
    Ok(())
}
