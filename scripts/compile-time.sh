#!/usr/bin/env bash
# Compile-time cost of many #[doctype]s: generates a crate with N DocTypes
# (six fields each: key, indexed varchar, nullable text, default, self
# reference, renamed column) and times `cargo check` of that crate alone,
# dependencies already built. Usage: scripts/compile-time.sh [N ...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target/compile-time}"
for n in "${@:-0 100 1000}"; do
    mkdir -p "$work/c$n/src"
    cp "$root/Cargo.lock" "$work/c$n/"
    cat > "$work/c$n/Cargo.toml" <<TOML
[package]
name = "many_doctypes_$n"
version = "0.0.0"
edition = "2024"
[dependencies]
m-runtime = { path = "$root/m-runtime", default-features = false, features = ["sqlite"] }
[workspace]
TOML
    {
        echo 'use m_runtime::prelude::*;'
        for i in $(seq 1 "$n"); do
            cat <<RS
#[doctype(index(fields = ["title", "counter"]))]
pub struct Item$i {
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
RS
        done
    } > "$work/c$n/src/lib.rs"
    (cd "$work/c$n" && cargo check --quiet 2>/dev/null || true)  # dependencies
    touch "$work/c$n/src/lib.rs"
    start=$(date +%s.%N)
    (cd "$work/c$n" && cargo check --quiet)
    end=$(date +%s.%N)
    printf '%5d doctypes: cargo check of the crate %.2f s\n' "$n" "$(echo "$end - $start" | bc)"
done
