//! Max flow (Dinic) over directed edges with integer capacities: the ground truth of how much
//! the real balances could carry between two nodes.

use std::collections::VecDeque;

/// The maximum flow from `src` to `dst` over `edges` (`from`, `to`, capacity) between nodes
/// `0..n`. Parallel edges add up.
pub fn max_flow(n: usize, edges: &[(u32, u32, u64)], src: u32, dst: u32) -> u64 {
    max_flow_up_to(n, edges, src, dst, u64::MAX)
}

/// [`max_flow`], stopping as soon as the flow found reaches `limit`: the result is the max
/// flow when that is below `limit`, and some flow of at least `limit` otherwise (enough to
/// tell whether `limit` can be carried, at a fraction of the work when it can).
pub fn max_flow_up_to(n: usize, edges: &[(u32, u32, u64)], src: u32, dst: u32, limit: u64) -> u64 {
    let (s, t) = (src as usize, dst as usize);
    if s >= n || t >= n || s == t {
        return 0;
    }
    // Residual graph: edge 2k forward, 2k+1 its reverse.
    let mut head = vec![usize::MAX; n];
    let mut next = Vec::with_capacity(edges.len() * 2);
    let mut to = Vec::with_capacity(edges.len() * 2);
    let mut cap = Vec::with_capacity(edges.len() * 2);
    for &(a, b, c) in edges {
        let (a, b) = (a as usize, b as usize);
        if a >= n || b >= n || a == b {
            continue;
        }
        for (u, v, c) in [(a, b, c), (b, a, 0)] {
            to.push(v);
            cap.push(c);
            next.push(head[u]);
            head[u] = to.len() - 1;
        }
    }
    let mut total = 0u64;
    let mut level = vec![u32::MAX; n];
    let mut it = vec![usize::MAX; n];
    loop {
        level.fill(u32::MAX);
        level[s] = 0;
        let mut q = VecDeque::from([s]);
        while let Some(u) = q.pop_front() {
            let mut e = head[u];
            while e != usize::MAX {
                if cap[e] > 0 && level[to[e]] == u32::MAX {
                    level[to[e]] = level[u] + 1;
                    q.push_back(to[e]);
                }
                e = next[e];
            }
        }
        if level[t] == u32::MAX {
            return total;
        }
        it.copy_from_slice(&head);
        // Iterative DFS for blocking flow.
        loop {
            let mut path: Vec<usize> = Vec::new();
            let mut u = s;
            let found = loop {
                if u == t {
                    break true;
                }
                let mut advanced = false;
                while it[u] != usize::MAX {
                    let e = it[u];
                    if cap[e] > 0 && level[to[e]] == level[u] + 1 {
                        path.push(e);
                        u = to[e];
                        advanced = true;
                        break;
                    }
                    it[u] = next[e];
                }
                if !advanced {
                    if u == s {
                        break false;
                    }
                    // Dead end: retreat and drop the edge that led here.
                    level[u] = u32::MAX;
                    let Some(e) = path.pop() else { break false };
                    u = to[e ^ 1];
                    it[u] = next[e];
                }
            };
            if !found {
                break;
            }
            let f = path.iter().map(|&e| cap[e]).min().unwrap_or(0);
            for &e in &path {
                cap[e] -= f;
                cap[e ^ 1] += f;
            }
            total += f;
            if total >= limit {
                return total;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{max_flow, max_flow_up_to};

    #[test]
    fn small_graphs() {
        // Diamond: 0→1→3 (5, 3), 0→2→3 (4, 6), cross 1→2 (2).
        let e = [(0, 1, 5), (1, 3, 3), (0, 2, 4), (2, 3, 6), (1, 2, 2)];
        assert_eq!(max_flow(4, &e, 0, 3), 9);
        assert_eq!(max_flow(4, &e, 3, 0), 0);
        assert_eq!(max_flow(4, &e, 0, 0), 0);
        assert_eq!(max_flow(2, &[(0, 1, 7), (0, 1, 8)], 0, 1), 15);
        // Stopped at a limit: below the max flow, at least the limit; above, the max flow.
        for limit in 1..=9 {
            let f = max_flow_up_to(4, &e, 0, 3, limit);
            assert!((limit..=9).contains(&f), "limit {limit}: {f}");
        }
        assert_eq!(max_flow_up_to(4, &e, 0, 3, 10), 9);
        // Classic CLRS example: 23.
        let clrs = [
            (0, 1, 16),
            (0, 2, 13),
            (1, 3, 12),
            (2, 1, 4),
            (2, 4, 14),
            (3, 2, 9),
            (3, 5, 20),
            (4, 3, 7),
            (4, 5, 4),
        ];
        assert_eq!(max_flow(6, &clrs, 0, 5), 23);
    }
}
