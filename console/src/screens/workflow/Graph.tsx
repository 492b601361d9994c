// The workflow's nodes and connections as a graph: each node shows its id and type, each
// connection that is not the default `success` carries its condition as a label.
import { Background, Controls, Handle, Position, ReactFlow, type NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useMemo } from 'react';
import { layoutGraph, type GraphConnection, type GraphNode } from '../../graph/layout';

function WorkflowNodeCard({ data }: NodeProps) {
  const { label, nodeType } = data as { label: string; nodeType: string };
  return (
    <div className="graph-node" data-testid="graph-node" data-node={label}>
      <Handle type="target" position={Position.Top} />
      <div className="graph-node-id">{label}</div>
      <div className="graph-node-type">{nodeType}</div>
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
}

const NODE_TYPES = { workflow: WorkflowNodeCard };

export function Graph({ nodes, connections }: { nodes: GraphNode[]; connections: GraphConnection[] }) {
  const laid = useMemo(() => {
    const { nodes: placed, edges } = layoutGraph(nodes, connections);
    return { nodes: placed.map((n) => ({ ...n, type: 'workflow' })), edges };
  }, [nodes, connections]);
  if (nodes.length === 0) return <div className="empty">This workflow has no nodes yet: add them in the definition.</div>;
  return (
    <div className="graph" aria-label="Node graph">
      <ReactFlow
        nodes={laid.nodes}
        edges={laid.edges}
        nodeTypes={NODE_TYPES}
        nodesDraggable={false}
        nodesConnectable={false}
        fitView
        fitViewOptions={{ maxZoom: 1 }}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
