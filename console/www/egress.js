// The cluster's egress for the Overview, from the nodes' heartbeats
// (GET /rest/v2/cluster/nodes: each node's egressBitrate, the bits per
// second its HTTP server sent over its last heartbeat period).  No DOM and
// no imports, so that node --test runs it (tests/console/egress_test.mjs).

// Sums over alive nodes: edges (to viewers) and origins (to edges and
// direct viewers).  A dead node's last figure is stale, and a node that
// reports no egressBitrate (an older build) counts as 0.
export function egressSums(nodes) {
  const sums = { edges: 0, origins: 0 };
  for (const n of nodes || []) {
    const bps = Number(n.egressBitrate);
    if (n.status !== 'alive' || !(bps > 0)) continue;
    if (n.role === 'edge') sums.edges += bps;
    else if (n.role === 'origin') sums.origins += bps;
  }
  return sums;
}
