//! Compile-time cost of the macros: expanding `#[doctype]` structs (parse,
//! check, generate), the work rustc asks of m per declaration.
//!
//! `cargo bench -p m-benches --bench expand`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use quote::{format_ident, quote};

fn doctype(i: usize) -> (proc_macro2::TokenStream, proc_macro2::TokenStream) {
    let name = format_ident!("Item{i}");
    let args = quote!(index(fields = ["title", "counter"]));
    let item = quote! {
        pub struct #name {
            #[field(primary_key)]
            pub id: i64,
            #[field(max_length = 140, index)]
            pub title: String,
            pub body: Option<String>,
            #[field(default = 0)]
            pub counter: i32,
            #[field(references = Self, on_delete = set_null)]
            pub parent: Option<i64>,
            #[field(column = "is_active", default = true)]
            pub active: bool,
        }
    };
    (args, item)
}

fn expand(c: &mut Criterion) {
    let mut group = c.benchmark_group("doctype_expansion");
    for n in [1usize, 100, 1000] {
        let inputs: Vec<_> = (0..n).map(doctype).collect();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &inputs, |b, inputs| {
            b.iter(|| {
                for (args, item) in inputs {
                    let out = m_build::macros::doctype_inner(args.clone(), item.clone());
                    assert!(!out.to_string().contains("compile_error"));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, expand);
criterion_main!(benches);
