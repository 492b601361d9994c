// Positions for a workflow's node graph, drawn with React Flow (@xyflow/react) by the detail
// screen: dagre ranks the DAG top to bottom; each connection keeps its condition as a label.
import dagre from '@dagrejs/dagre';
import type { Edge, Node } from '@xyflow/react';

export interface GraphNode {
  id: string;
  type: string;
}

export interface GraphConnection {
  from: string;
  to: string;
  on: string;
}

export const NODE_WIDTH = 180;
export const NODE_HEIGHT = 56;

export function layoutGraph(
  nodes: GraphNode[],
  connections: GraphConnection[],
): { nodes: Node<{ label: string; nodeType: string }>[]; edges: Edge[] } {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 60 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) graph.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const c of connections) graph.setEdge(c.from, c.to);
  dagre.layout(graph);
  return {
    nodes: nodes.map((node) => {
      const { x, y } = graph.node(node.id);
      return {
        id: node.id,
        position: { x: x - NODE_WIDTH / 2, y: y - NODE_HEIGHT / 2 },
        data: { label: node.id, nodeType: node.type },
      };
    }),
    edges: connections.map((c) => ({
      id: `${c.from}->${c.to}:${c.on}`,
      source: c.from,
      target: c.to,
      label: c.on === 'SUCCESS' ? undefined : c.on.toLowerCase(),
      animated: false,
    })),
  };
}
