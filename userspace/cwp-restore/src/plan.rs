//! The restore plan: who creates whom, with which pid set and flags.

use clone_with_pids::{CloneFlags, PidSet, RawPid};

use crate::tree::Tree;

/// One process to create.
#[derive(Clone, Debug)]
pub struct Node {
    /// Pids from the restored top namespace down (as in the description).
    pub pids: Vec<RawPid>,
    /// Whether it is created with CLONE_NEWPID (pid 1 of a new namespace).
    pub ns_init: bool,
    /// Its creator, `None` for the top (created by the driver).
    pub parent: Option<usize>,
    /// Processes it creates, in order.
    pub children: Vec<usize>,
    /// Its index in the description; `None` for a placeholder init.
    pub described: Option<usize>,
}

/// Every process to create; node 0 is the top: pid 1 of the fresh
/// namespace that stands for the tree's top namespace.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The processes, parents before children.
    pub nodes: Vec<Node>,
}

impl Plan {
    /// The plan for `tree`. A root that is an init becomes the top; any
    /// other root gets a placeholder init above it, since a fresh pid
    /// namespace needs a pid 1 and the root's pid is not 1.
    pub fn new(tree: &Tree) -> Self {
        let mut plan = Plan { nodes: Vec::new() };
        let root = &tree.processes()[tree.root];
        let parent = if root.ns_init {
            None
        } else {
            plan.nodes.push(Node {
                pids: vec![1],
                ns_init: true,
                parent: None,
                children: Vec::new(),
                described: None,
            });
            Some(0)
        };
        plan.add(tree, tree.root, parent);
        plan
    }

    fn add(&mut self, tree: &Tree, described: usize, parent: Option<usize>) {
        let mut todo = vec![(described, parent)];
        while let Some((d, parent)) = todo.pop() {
            let p = &tree.processes()[d];
            let me = self.nodes.len();
            self.nodes.push(Node {
                pids: p.pids.clone(),
                ns_init: p.ns_init,
                parent,
                children: Vec::new(),
                described: Some(d),
            });
            if let Some(parent) = parent {
                self.nodes[parent].children.push(me);
            }
            // Reversed so that children are created in description order.
            todo.extend(tree.children[d].iter().rev().map(|&c| (c, Some(me))));
        }
    }

    /// The pid set node `n` is created with: every level it shares with
    /// its creator. A new namespace takes no entry (its init is pid 1 by
    /// rule), and the levels above the restored top are left to the
    /// kernel, the set applying to the youngest levels.
    pub fn pid_set(&self, n: usize) -> PidSet {
        let node = &self.nodes[n];
        let shared = if node.ns_init {
            &node.pids[..node.pids.len() - 1]
        } else {
            &node.pids[..]
        };
        // Tree::new checked every pid, so this cannot fail.
        PidSet::from_raw(shared).unwrap_or_default()
    }

    /// The clone flags node `n` is created with.
    pub fn flags(&self, n: usize) -> CloneFlags {
        if self.nodes[n].ns_init {
            CloneFlags::NEWPID
        } else {
            CloneFlags::empty()
        }
    }

    /// The node heading the namespace node `n` lives in.
    pub fn namespace_head(&self, mut n: usize) -> usize {
        while !self.nodes[n].ns_init {
            match self.nodes[n].parent {
                Some(p) => n = p,
                None => break,
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::tests::{example, file, proc};

    #[test]
    fn an_init_root_is_the_top() {
        let plan = Plan::new(&Tree::new(example()).unwrap());
        assert_eq!(plan.nodes.len(), 4);
        assert_eq!(plan.nodes[0].pids, vec![1]);
        assert!(plan.pid_set(0).is_empty(), "the top takes no entry");
        assert_eq!(plan.flags(0), CloneFlags::NEWPID);
        // [41, 1]: pid 41 in the top namespace, pid 1 in its own.
        assert_eq!(plan.pid_set(2).as_raw(), &[41]);
        assert_eq!(plan.flags(2), CloneFlags::NEWPID);
        assert_eq!(plan.pid_set(3).as_raw(), &[42, 300]);
        assert_eq!(plan.namespace_head(3), 2);
        assert_eq!(plan.namespace_head(1), 0);
    }

    #[test]
    fn other_roots_get_a_placeholder_init() {
        let t = Tree::new(file(vec![proc(&[500], None), proc(&[501], Some(500))])).unwrap();
        let plan = Plan::new(&t);
        assert_eq!(plan.nodes.len(), 3);
        assert_eq!(plan.nodes[0].described, None);
        assert_eq!(plan.nodes[0].children, vec![1]);
        assert_eq!(plan.pid_set(1).as_raw(), &[500]);
        assert_eq!(plan.nodes[2].parent, Some(1));
    }

    #[test]
    fn children_keep_description_order() {
        let t = Tree::new(file(vec![
            proc(&[1], None),
            proc(&[9], Some(1)),
            proc(&[3], Some(1)),
            proc(&[5], Some(1)),
        ]))
        .unwrap();
        let plan = Plan::new(&t);
        let order: Vec<RawPid> = plan.nodes[0]
            .children
            .iter()
            .map(|&c| plan.nodes[c].pids[0])
            .collect();
        assert_eq!(order, vec![9, 3, 5]);
    }
}
