//! The order migrations run in. Pure: no database.
//!
//! - Within an app, migrations run by `(phase, id)`: every `pre_sync`
//!   migration of the app before its `post_sync` ones, each phase by id.
//!   A migration implicitly depends on every earlier one of its app.
//! - Across apps, `depends_on = ["app:id"]` orders them.
//! - All `pre_sync` migrations run before all `post_sync` ones (the sync
//!   sits between them), so a `pre_sync` migration cannot depend on a
//!   `post_sync` one; the reverse is always satisfied.
//! - Ties are broken deterministically: Kahn's algorithm, always taking the
//!   smallest ready `(app, id)`.

use std::collections::{BTreeMap, BTreeSet};

use crate::registry::{MigrationDef, MigrationPhase, RegistryError};

/// A migration's identity: `(app, id)`.
pub(crate) type Key<'a> = (&'a str, &'a str);

/// `"app:id"`.
pub(crate) fn display(key: Key<'_>) -> String {
    format!("{}:{}", key.0, key.1)
}

/// Where a migration sits within its app: `pre_sync` ones first, then by id.
pub(crate) fn app_rank(m: &MigrationDef) -> (MigrationPhase, &str) {
    (m.phase, m.id)
}

/// The migrations of a registry, deduplicated and indexed by key.
struct Nodes<'a> {
    by_key: BTreeMap<Key<'a>, &'a MigrationDef>,
}

impl<'a> Nodes<'a> {
    fn new(migrations: &[&'a MigrationDef]) -> Self {
        let mut by_key = BTreeMap::new();
        for m in migrations {
            // Duplicates are reported by validation; the first one wins here.
            by_key.entry((m.app, m.id)).or_insert(*m);
        }
        Nodes { by_key }
    }

    /// The explicit `depends_on` targets of `m` that exist.
    fn explicit(&self, m: &'a MigrationDef) -> impl Iterator<Item = &'a MigrationDef> + '_ {
        m.depends_on
            .iter()
            .filter_map(|t| t.split_once(':'))
            .filter_map(|k| self.by_key.get(&k).copied())
    }

    /// The edges that order `m` within its phase: the previous migration of
    /// its app in the same phase, and its same-phase `depends_on` targets.
    fn ordering_predecessors(&self, m: &'a MigrationDef) -> Vec<Key<'a>> {
        let mut out: Vec<Key<'a>> = self
            .by_key
            .range((m.app, "")..(m.app, m.id))
            .rev()
            .map(|(_, d)| *d)
            .find(|d| d.phase == m.phase)
            .map(|d| (d.app, d.id))
            .into_iter()
            .collect();
        out.extend(
            self.explicit(m)
                .filter(|d| d.phase == m.phase)
                .map(|d| (d.app, d.id)),
        );
        out
    }
}

/// Every migration in the order it runs: all `pre_sync` migrations, then all
/// `post_sync` ones, each phase topologically sorted with ties broken by the
/// smallest `(app, id)`. Migrations caught in a cycle are left out (the
/// registry's validation reports them); duplicates appear once.
pub fn execution_order<'a>(migrations: &[&'a MigrationDef]) -> Vec<&'a MigrationDef> {
    let nodes = Nodes::new(migrations);
    let mut order = Vec::with_capacity(nodes.by_key.len());
    for phase in [MigrationPhase::PreSync, MigrationPhase::PostSync] {
        let members: Vec<&MigrationDef> = nodes
            .by_key
            .values()
            .copied()
            .filter(|m| m.phase == phase)
            .collect();
        let mut waiting_on: BTreeMap<Key<'a>, usize> = BTreeMap::new();
        let mut dependents: BTreeMap<Key<'a>, Vec<Key<'a>>> = BTreeMap::new();
        for m in &members {
            let preds: BTreeSet<Key<'a>> = nodes.ordering_predecessors(m).into_iter().collect();
            waiting_on.insert((m.app, m.id), preds.len());
            for p in preds {
                dependents.entry(p).or_default().push((m.app, m.id));
            }
        }
        let mut ready: BTreeSet<Key<'a>> = waiting_on
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(k, _)| *k)
            .collect();
        while let Some(key) = ready.pop_first() {
            order.push(nodes.by_key[&key]);
            for d in dependents.get(&key).into_iter().flatten() {
                if let Some(n) = waiting_on.get_mut(d) {
                    *n -= 1;
                    if *n == 0 {
                        ready.insert(*d);
                    }
                }
            }
        }
    }
    order
}

/// Every migration `m` must run after: its explicit `depends_on` targets
/// and every earlier migration of its app (in `(phase, id)` order).
pub(crate) fn requirements<'a>(
    migrations: &[&'a MigrationDef],
    m: &'a MigrationDef,
) -> Vec<Key<'a>> {
    let nodes = Nodes::new(migrations);
    let mut out: Vec<Key<'a>> = nodes
        .by_key
        .values()
        .filter(|d| d.app == m.app && app_rank(d) < app_rank(m))
        .map(|d| (d.app, d.id))
        .collect();
    out.extend(nodes.explicit(m).map(|d| (d.app, d.id)));
    out
}

/// Problems of the dependency graph: each cycle (named in full, e.g.
/// `a:1 -> b:2 -> a:1`) and each `pre_sync` migration that depends on a
/// `post_sync` one. Unknown targets and duplicate ids are reported by the
/// registry's validation.
pub(crate) fn problems(migrations: &[&MigrationDef]) -> Vec<RegistryError> {
    let nodes = Nodes::new(migrations);
    let mut errors = Vec::new();
    for m in nodes.by_key.values() {
        for d in nodes.explicit(m) {
            if m.phase == MigrationPhase::PreSync && d.phase == MigrationPhase::PostSync {
                errors.push(RegistryError::DependsOnLaterPhase {
                    migration: display((m.app, m.id)),
                    target: display((d.app, d.id)),
                });
            }
        }
    }
    for cycle in cycles(&nodes) {
        errors.push(RegistryError::DependencyCycle {
            cycle: cycle.into_iter().map(display).collect(),
        });
    }
    errors
}

/// One cycle per strongly connected component of the ordering graph that
/// has one (Tarjan), each starting and ending at its smallest key, in
/// "depends on" direction.
fn cycles<'a>(nodes: &Nodes<'a>) -> Vec<Vec<Key<'a>>> {
    let edges: BTreeMap<Key<'a>, Vec<Key<'a>>> = nodes
        .by_key
        .iter()
        .map(|(k, m)| (*k, nodes.ordering_predecessors(m)))
        .collect();
    let mut tarjan = Tarjan {
        edges: &edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        components: Vec::new(),
    };
    for key in edges.keys() {
        if !tarjan.index.contains_key(key) {
            tarjan.visit(*key);
        }
    }
    let mut out = Vec::new();
    for component in tarjan.components {
        let members: BTreeSet<Key<'a>> = component.into_iter().collect();
        let Some(&start) = members.first() else {
            continue;
        };
        let self_loop = edges.get(&start).is_some_and(|e| e.contains(&start));
        if members.len() == 1 && !self_loop {
            continue;
        }
        out.push(shortest_cycle(&edges, &members, start));
    }
    out.sort();
    out
}

/// The shortest path from `start` back to `start` inside `members` (BFS).
fn shortest_cycle<'a>(
    edges: &BTreeMap<Key<'a>, Vec<Key<'a>>>,
    members: &BTreeSet<Key<'a>>,
    start: Key<'a>,
) -> Vec<Key<'a>> {
    let mut came_from: BTreeMap<Key<'a>, Key<'a>> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        let mut next: Vec<Key<'a>> = edges.get(&node).cloned().unwrap_or_default();
        next.sort();
        for n in next {
            if !members.contains(&n) {
                continue;
            }
            if n == start {
                let mut path = vec![start];
                let mut at = node;
                while at != start {
                    path.push(at);
                    at = came_from[&at];
                }
                path.push(start);
                // `path` is start, node, ..., start walked backwards: reverse the middle.
                let last = path.len() - 1;
                path[1..last].reverse();
                return path;
            }
            if n != start && !came_from.contains_key(&n) {
                came_from.insert(n, node);
                queue.push_back(n);
            }
        }
    }
    vec![start, start]
}

struct Tarjan<'e, 'a> {
    edges: &'e BTreeMap<Key<'a>, Vec<Key<'a>>>,
    index: BTreeMap<Key<'a>, usize>,
    low: BTreeMap<Key<'a>, usize>,
    stack: Vec<Key<'a>>,
    on_stack: BTreeSet<Key<'a>>,
    next: usize,
    components: Vec<Vec<Key<'a>>>,
}

impl<'a> Tarjan<'_, 'a> {
    fn visit(&mut self, v: Key<'a>) {
        self.index.insert(v, self.next);
        self.low.insert(v, self.next);
        self.next += 1;
        self.stack.push(v);
        self.on_stack.insert(v);
        for &w in self.edges.get(&v).map(Vec::as_slice).unwrap_or_default() {
            if !self.edges.contains_key(&w) {
                continue;
            }
            if !self.index.contains_key(&w) {
                self.visit(w);
                let low = self.low[&v].min(self.low[&w]);
                self.low.insert(v, low);
            } else if self.on_stack.contains(&w) {
                let low = self.low[&v].min(self.index[&w]);
                self.low.insert(v, low);
            }
        }
        if self.low[&v] == self.index[&v] {
            let mut component = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack.remove(&w);
                component.push(w);
                if w == v {
                    break;
                }
            }
            self.components.push(component);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{MigrationBody, OnFresh};

    fn def(
        app: &'static str,
        id: &'static str,
        depends_on: &'static [&'static str],
        phase: MigrationPhase,
    ) -> &'static MigrationDef {
        Box::leak(Box::new(MigrationDef {
            app,
            id,
            depends_on,
            phase,
            checksum: "sha256:0",
            up: MigrationBody::Sql(""),
            down: None,
            source: "test",
            on_fresh: OnFresh::Skip,
        }))
    }

    fn pre(
        app: &'static str,
        id: &'static str,
        deps: &'static [&'static str],
    ) -> &'static MigrationDef {
        def(app, id, deps, MigrationPhase::PreSync)
    }

    fn post(
        app: &'static str,
        id: &'static str,
        deps: &'static [&'static str],
    ) -> &'static MigrationDef {
        def(app, id, deps, MigrationPhase::PostSync)
    }

    fn names(order: &[&MigrationDef]) -> Vec<String> {
        order
            .iter()
            .map(|m| format!("{}:{}", m.app, m.id))
            .collect()
    }

    fn cycle_messages(defs: &[&MigrationDef]) -> Vec<String> {
        problems(defs)
            .into_iter()
            .filter_map(|e| match e {
                RegistryError::DependencyCycle { cycle } => Some(cycle.join(" -> ")),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn within_an_app_by_id_whatever_the_registration_order() {
        let defs = [
            pre("a", "0003", &[]),
            pre("a", "0001", &[]),
            pre("a", "0002", &[]),
        ];
        assert_eq!(
            names(&execution_order(&defs)),
            ["a:0001", "a:0002", "a:0003"]
        );
    }

    #[test]
    fn independent_apps_interleave_by_app_then_id() {
        let defs = [
            pre("b", "1", &[]),
            pre("a", "2", &[]),
            pre("a", "1", &[]),
            pre("b", "2", &[]),
        ];
        // Smallest ready (app, id) first: all of a, then b.
        assert_eq!(names(&execution_order(&defs)), ["a:1", "a:2", "b:1", "b:2"]);
    }

    #[test]
    fn depends_on_pulls_another_app_first() {
        let defs = [
            pre("a", "1", &["b:2"]),
            pre("a", "2", &[]),
            pre("b", "1", &[]),
            pre("b", "2", &[]),
        ];
        assert_eq!(names(&execution_order(&defs)), ["b:1", "b:2", "a:1", "a:2"]);
    }

    #[test]
    fn ties_are_deterministic_for_any_input_order() {
        let mut defs = vec![
            pre("orders", "0001", &["catalog:0001"]),
            pre("catalog", "0001", &[]),
            pre("catalog", "0002", &[]),
            pre("billing", "0001", &["orders:0001"]),
            pre("audit", "0001", &[]),
        ];
        let expected = names(&execution_order(&defs));
        assert_eq!(
            expected,
            [
                "audit:0001",
                "catalog:0001",
                "catalog:0002",
                "orders:0001",
                "billing:0001"
            ]
        );
        for _ in 0..defs.len() {
            defs.rotate_left(1);
            assert_eq!(names(&execution_order(&defs)), expected);
            defs.reverse();
            assert_eq!(names(&execution_order(&defs)), expected);
        }
    }

    #[test]
    fn pre_sync_before_post_sync_and_post_may_depend_on_pre() {
        let defs = [
            post("a", "0001", &[]),
            pre("a", "0002", &[]),
            post("b", "0001", &["a:0002"]),
            pre("b", "0002", &[]),
        ];
        assert_eq!(
            names(&execution_order(&defs)),
            ["a:0002", "b:0002", "a:0001", "b:0001"]
        );
        assert!(problems(&defs).is_empty());
    }

    #[test]
    fn pre_sync_depending_on_post_sync_is_reported() {
        let defs = [post("a", "1", &[]), pre("b", "1", &["a:1"])];
        let problems = problems(&defs);
        assert_eq!(problems.len(), 1);
        let message = problems[0].to_string();
        assert!(
            message.contains("`b:1` (pre_sync) depends on `a:1` (post_sync)"),
            "{message}"
        );
    }

    #[test]
    fn a_cycle_is_named_in_full() {
        let defs = [
            pre("a", "1", &["b:2"]),
            pre("b", "1", &[]),
            pre("b", "2", &["a:1"]),
        ];
        assert_eq!(cycle_messages(&defs), ["a:1 -> b:2 -> a:1"]);
        // Its members are left out of the order; the rest still sorts.
        assert_eq!(names(&execution_order(&defs)), ["b:1"]);
    }

    #[test]
    fn a_cycle_through_the_implicit_order_of_an_app() {
        // a:1 needs b:2, which comes after b:1, which needs a:2, which comes after a:1.
        let defs = [
            pre("a", "1", &["b:2"]),
            pre("a", "2", &[]),
            pre("b", "1", &["a:2"]),
            pre("b", "2", &[]),
        ];
        assert_eq!(cycle_messages(&defs), ["a:1 -> b:2 -> b:1 -> a:2 -> a:1"]);
    }

    #[test]
    fn self_dependency_and_later_sibling_are_cycles() {
        let defs = [
            pre("a", "1", &["a:1"]),
            pre("c", "1", &["c:2"]),
            pre("c", "2", &[]),
        ];
        assert_eq!(cycle_messages(&defs), ["a:1 -> a:1", "c:1 -> c:2 -> c:1"]);
    }

    #[test]
    fn every_cycle_is_reported() {
        let defs = [
            pre("a", "1", &["b:1"]),
            pre("b", "1", &["a:1"]),
            post("x", "1", &["y:1"]),
            post("y", "1", &["x:1"]),
        ];
        assert_eq!(
            cycle_messages(&defs),
            ["a:1 -> b:1 -> a:1", "x:1 -> y:1 -> x:1"]
        );
    }

    #[test]
    fn unknown_targets_and_duplicates_do_not_break_ordering() {
        let defs = [
            pre("a", "1", &["zz:9", "nonsense"]),
            pre("a", "1", &[]),
            pre("a", "2", &[]),
        ];
        assert_eq!(names(&execution_order(&defs)), ["a:1", "a:2"]);
        assert!(cycle_messages(&defs).is_empty());
    }

    #[test]
    fn requirements_include_earlier_ids_and_explicit_targets() {
        let defs = [
            pre("a", "1", &[]),
            post("a", "0", &[]),
            pre("a", "2", &["b:1"]),
            pre("b", "1", &[]),
        ];
        let req: Vec<String> = requirements(&defs, defs[2])
            .into_iter()
            .map(display)
            .collect();
        assert_eq!(req, ["a:1", "b:1"]);
        let req: Vec<String> = requirements(&defs, defs[1])
            .into_iter()
            .map(display)
            .collect();
        assert_eq!(req, ["a:1", "a:2"]);
    }
}
