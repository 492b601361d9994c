// Templates the caller may read (owned, shared or public): "Use template" creates a new
// workflow with the template's nodes, connections and settings, owned by the caller.
import { CopyPlus } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link, useLocation } from 'wouter';
import { Dialog } from '../components/Dialog';
import { MutationError, useProblem } from '../components/MutationError';
import { graphql } from '../gql';

const TemplateList = graphql(`
  query TemplateList {
    templates(first: 100) {
      nodes {
        id
        name
        description
        tags
        owner {
          id
          handle
        }
        nodes {
          id
        }
      }
    }
  }
`);

const UseTemplate = graphql(`
  mutation UseTemplate($id: ID!, $name: String!) {
    createWorkflowFromTemplate(templateId: $id, name: $name) {
      __typename
      ... on Workflow {
        id
        name
      }
      ...ErrorFields
    }
  }
`);

function UseDialog({ template, onClose }: { template: { id: string; name: string }; onClose(): void }) {
  const [name, setName] = useState(template.name.replace(/-template$/, ''));
  const [{ fetching }, use] = useMutation(UseTemplate);
  const { problem, check } = useProblem();
  const [, navigate] = useLocation();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await use({ id: template.id, name });
    const created = result.data?.createWorkflowFromTemplate;
    if (check(result, created) && created?.__typename === 'Workflow') navigate(`/workflows/${created.id}`);
  };
  return (
    <Dialog
      title={`Use ${template.name}`}
      onClose={onClose}
      onSubmit={(e) => void submit(e)}
      footer={
        <button type="submit" className="button primary" disabled={fetching}>
          <CopyPlus size={16} aria-hidden /> Create workflow
        </button>
      }
    >
      <label className="field">
        <span>Name of the new workflow</span>
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      <MutationError problem={problem} />
    </Dialog>
  );
}

export function TemplatesScreen() {
  const [{ data, error }] = useQuery({ query: TemplateList, requestPolicy: 'cache-and-network' });
  const [using, setUsing] = useState<{ id: string; name: string } | null>(null);
  const templates = data?.templates.nodes ?? [];
  return (
    <section>
      <header className="screen-header">
        <h1>Templates</h1>
        <p className="muted">Start a workflow from one; save any workflow as a template from its page.</p>
      </header>
      {error && (
        <p className="error" role="alert">
          {error.graphQLErrors[0]?.message ?? 'The templates could not be loaded.'}
        </p>
      )}
      {data && templates.length === 0 && <div className="empty">No templates yet: “Save as template” on a workflow makes one.</div>}
      {templates.length > 0 && (
        <table className="table" aria-label="Templates">
          <thead>
            <tr>
              <th>Name</th>
              <th>Nodes</th>
              <th>Owner</th>
              <th>Tags</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {templates.map((t) => (
              <tr key={t.id} data-testid="template-row" data-name={t.name}>
                <td>
                  <Link href={`/workflows/${t.id}`} className="name">
                    {t.name}
                  </Link>
                  {t.description && <div className="muted">{t.description}</div>}
                </td>
                <td className="num">{t.nodes.length}</td>
                <td>{t.owner.handle}</td>
                <td className="muted">{t.tags.join(', ')}</td>
                <td>
                  <button type="button" className="button" onClick={() => setUsing(t)}>
                    <CopyPlus size={16} aria-hidden /> Use template
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {using && <UseDialog template={using} onClose={() => setUsing(null)} />}
    </section>
  );
}
