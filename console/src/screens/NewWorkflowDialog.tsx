// Create a workflow through the API: a name and its definition as YAML (the same text the
// detail screen shows and edits), started from a small example that runs as it is.
import { Plus } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { useLocation } from 'wouter';
import { DefinitionError, parseDefinition } from '../components/definition';
import { Dialog } from '../components/Dialog';
import { MutationError, useProblem } from '../components/MutationError';
import { graphql } from '../gql';
import type { CreateWorkflowInput } from '../gql/graphql';

const CreateWorkflow = graphql(`
  mutation CreateWorkflow($input: CreateWorkflowInput!) {
    createWorkflow(input: $input) {
      __typename
      ... on Workflow {
        id
        name
      }
      ...ErrorFields
    }
  }
`);

export const EXAMPLE = `description: Say hello to whoever the input names
trigger:
  type: manual
nodes:
  - id: greet
    type: transform
    params:
      value:
        greeting: "Hello {{ input.name }}"
`;

export function NewWorkflowDialog({ onClose }: { onClose(): void }) {
  const [name, setName] = useState('');
  const [text, setText] = useState(EXAMPLE);
  const [{ fetching }, create] = useMutation(CreateWorkflow);
  const { problem, setProblem, check } = useProblem();
  const [, navigate] = useLocation();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    let definition;
    try {
      definition = parseDefinition(text);
    } catch (e) {
      if (e instanceof DefinitionError) return setProblem({ text: `Not valid YAML: ${e.message}` });
      throw e;
    }
    const input = { ...definition, name } as CreateWorkflowInput;
    const result = await create({ input });
    const created = result.data?.createWorkflow;
    if (check(result, created) && created?.__typename === 'Workflow') navigate(`/workflows/${created.id}`);
  };
  return (
    <Dialog
      title="New workflow"
      onClose={onClose}
      onSubmit={(e) => void submit(e)}
      footer={
        <button type="submit" className="button primary" disabled={fetching}>
          <Plus size={16} aria-hidden /> Create
        </button>
      }
    >
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="lowercase-with-dashes" required />
      </label>
      <label className="field">
        <span>Definition (YAML)</span>
        <textarea className="code-editor" spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <MutationError problem={problem} />
    </Dialog>
  );
}
