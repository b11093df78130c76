//! Code generation for a checked `#[doctype]`: the struct without its
//! `#[field]` attributes, the `DocType` impl and the registered descriptor.
//! No validation happens here.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput};

use super::model::{Container, DefaultLit, Field, OnDelete};
use super::types::TypeKind;

/// The root of every path generated code names.
pub fn private() -> TokenStream {
    quote!(::m_runtime::__private)
}

/// The item with every `#[field(...)]` attribute removed.
pub fn strip_field_attrs(input: &DeriveInput) -> DeriveInput {
    let mut item = input.clone();
    if let Data::Struct(data) = &mut item.data {
        for field in data.fields.iter_mut() {
            field.attrs.retain(|a| !a.path().is_ident("field"));
        }
    }
    item
}

/// `::core::env!("CARGO_CRATE_NAME")` or the explicit `app = "..."`.
pub fn app_expr(app: Option<&syn::LitStr>) -> TokenStream {
    match app {
        Some(app) => quote!(#app),
        None => quote!(::core::env!("CARGO_CRATE_NAME")),
    }
}

/// Expands a checked DocType.
pub fn expand(cont: &Container<'_>) -> TokenStream {
    let p = private();
    let item = strip_field_attrs(cont.input);
    let ident = cont.ident;
    let name = ident.to_string();
    let table = cont.table_key();
    let app = app_expr(cont.attrs.app.as_ref());
    let primary_key = cont.primary_key();
    let first_key = primary_key.first().cloned().unwrap_or_default();
    let columns = cont.columns().map(|field| column(cont, field));
    let indexes = cont.attrs.indexes.iter().map(|index| {
        let columns = index
            .fields
            .iter()
            .flatten()
            .filter_map(|f| cont.field(&f.value()).map(Field::column));
        let name = option(index.name.as_ref().map(|n| quote!(#n)));
        let unique = index.unique;
        quote! {
            #p::IndexDef { name: #name, columns: &[#(#columns),*], unique: #unique }
        }
    });
    let retired = cont.attrs.retired.iter().flat_map(|r| r.columns.iter());
    let checks = cont.attrs.checks.iter().filter_map(|c| {
        let (name, expr) = (c.name.as_ref()?, c.expr.as_ref()?);
        Some(quote!(#p::CheckDef { name: #name, expr: #expr }))
    });
    let features = cont.columns().filter_map(feature_gate);
    let renamed_from = &cont.attrs.renamed_from;
    quote! {
        #item

        #[doc(hidden)]
        #[allow(non_upper_case_globals, clippy::all)]
        const _: () = {
            #(#features)*

            const __M_DOCTYPE: #p::DocTypeDef = #p::DocTypeDef {
                app: #app,
                name: #name,
                table: #table,
                module_path: ::core::module_path!(),
                columns: &[#(#columns),*],
                primary_key: &[#(#primary_key),*],
                indexes: &[#(#indexes),*],
                renamed_from: &[#(#renamed_from),*],
                retired_columns: &[#(#retired),*],
                checks: &[#(#checks),*],
            };

            static __M_DOCTYPE_STATIC: #p::DocTypeDef = __M_DOCTYPE;

            #[automatically_derived]
            impl #p::DocType for #ident {
                const TABLE: &'static str = #table;
                const PRIMARY_KEY: &'static str = #first_key;
                fn doctype() -> &'static #p::DocTypeDef {
                    &__M_DOCTYPE_STATIC
                }
            }

            #p::inventory::submit! { __M_DOCTYPE }
        };
    }
}

fn option(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

/// A compile-time check, spanned at the field's type, that m-runtime has the
/// feature the type needs.
fn feature_gate(field: &Field<'_>) -> Option<TokenStream> {
    if field.attrs.sql_type.is_some() {
        return None;
    }
    let span = super::types::name_span(field.ty);
    let check = syn::Ident::new(field.resolved.kind?.feature()?.name(), span);
    Some(quote_spanned! {span=>
        ::m_runtime::__private::feature::#check::<::m_runtime::__private::feature::Enabled>();
    })
}

fn column(cont: &Container<'_>, field: &Field<'_>) -> TokenStream {
    let p = private();
    let name = field.column();
    let rust_name = field.name();
    let ty = logical_type(field);
    let nullable = field.resolved.nullable;
    let default = option(
        field
            .attrs
            .default
            .as_ref()
            .map(|d| default_value(field, &d.value)),
    );
    let unique = field.attrs.unique.is_some();
    let index = field.attrs.index.is_some();
    let renamed_from = &field.attrs.renamed_from;
    let references = option(field.attrs.references.as_ref().map(|target| {
        let action = match field
            .attrs
            .on_delete
            .as_ref()
            .map_or(OnDelete::NoAction, |(_, a)| *a)
        {
            OnDelete::NoAction => quote!(NoAction),
            OnDelete::Restrict => quote!(Restrict),
            OnDelete::Cascade => quote!(Cascade),
            OnDelete::SetNull => quote!(SetNull),
            OnDelete::SetDefault => quote!(SetDefault),
        };
        // `references = Self` is the struct itself (the descriptor is not
        // inside its impl, where `Self` would resolve).
        let target = if target.is_ident("Self") {
            let ident = cont.ident;
            quote_spanned!(target.span()=> #ident)
        } else {
            quote!(#target)
        };
        let doctype = quote_spanned!(target.span()=> <#target as #p::DocType>);
        quote! {
            #p::ReferenceDef {
                table: #doctype::TABLE,
                column: #doctype::PRIMARY_KEY,
                on_delete: #p::ReferentialAction::#action,
            }
        }
    }));
    quote! {
        #p::ColumnDef {
            name: #name,
            field: #rust_name,
            ty: #ty,
            nullable: #nullable,
            default: #default,
            unique: #unique,
            index: #index,
            renamed_from: &[#(#renamed_from),*],
            references: #references,
        }
    }
}

fn logical_type(field: &Field<'_>) -> TokenStream {
    let p = private();
    if let Some(sql) = &field.attrs.sql_type {
        return quote!(#p::LogicalType::Custom { sql: #p::Cow::Borrowed(#sql) });
    }
    let Some(kind) = field.resolved.kind else {
        // Unreachable after `check`; keeps expansion total.
        return quote!(#p::LogicalType::Custom { sql: #p::Cow::Borrowed("") });
    };
    match kind {
        TypeKind::Bool => quote!(#p::LogicalType::Bool),
        TypeKind::I16 => quote!(#p::LogicalType::I16),
        TypeKind::I32 => quote!(#p::LogicalType::I32),
        TypeKind::I64 => quote!(#p::LogicalType::I64),
        TypeKind::F32 => quote!(#p::LogicalType::F32),
        TypeKind::F64 => quote!(#p::LogicalType::F64),
        TypeKind::String => {
            let max = option(field.attrs.max_length.as_ref().map(|(_, n)| {
                let n = Literal::u32_unsuffixed(*n);
                quote!(#n)
            }));
            quote!(#p::LogicalType::String { max_length: #max })
        }
        TypeKind::Bytes => quote!(#p::LogicalType::Bytes),
        TypeKind::Date(_) => quote!(#p::LogicalType::Date),
        TypeKind::Time(_) => quote!(#p::LogicalType::Time),
        TypeKind::DateTime(_) => quote!(#p::LogicalType::DateTime),
        TypeKind::Timestamp(_) => quote!(#p::LogicalType::Timestamp),
        TypeKind::Decimal => {
            let (precision, scale) = field.decimal();
            let precision = Literal::u8_unsuffixed(precision);
            let scale = Literal::u8_unsuffixed(scale);
            quote!(#p::LogicalType::Decimal { precision: #precision, scale: #scale })
        }
        TypeKind::Uuid => quote!(#p::LogicalType::Uuid),
        TypeKind::Json => quote!(#p::LogicalType::Json),
        TypeKind::Enum => {
            // Spanned at the type: a type that is no `DocEnum` is an
            // error there (the trait's `on_unimplemented` says what to do).
            let ty = super::types::option_inner(field.ty).unwrap_or(field.ty);
            quote_spanned!(ty.span()=> <#ty as #p::DocEnum>::LOGICAL_TYPE)
        }
    }
}

fn default_value(field: &Field<'_>, value: &DefaultLit) -> TokenStream {
    let p = private();
    let float_column =
        field.attrs.sql_type.is_none() && field.resolved.kind.is_some_and(TypeKind::is_float);
    match value {
        DefaultLit::Bool(b) => quote!(#p::DefaultValue::Bool(#b)),
        DefaultLit::Int(n) if float_column => {
            let f = Literal::f64_unsuffixed(*n as f64);
            quote!(#p::DefaultValue::Float(#f))
        }
        DefaultLit::Int(n) => {
            let n = Literal::i64_unsuffixed(i64::try_from(*n).unwrap_or_default());
            quote!(#p::DefaultValue::Int(#n))
        }
        DefaultLit::Float(f) => {
            let f = Literal::f64_unsuffixed(*f);
            quote!(#p::DefaultValue::Float(#f))
        }
        DefaultLit::Str(s) => quote!(#p::DefaultValue::Text(#p::Cow::Borrowed(#s))),
        DefaultLit::CurrentTimestamp => quote!(#p::DefaultValue::CurrentTimestamp),
    }
}
