// The definition as YAML, editable for API-managed workflows: saving sends the version it was
// edited from, so a concurrent change comes back as a VersionConflict instead of being lost.
import { Pencil, Save } from 'lucide-react';
import { useState } from 'react';
import { useMutation } from 'urql';
import { DefinitionError, definitionYaml, parseDefinition } from '../../components/definition';
import { MutationError, useProblem } from '../../components/MutationError';
import type { WorkflowFieldsFragment } from '../../gql/graphql';
import { UpdateWorkflow } from './documents';

export function Definition({ workflow, editable }: { workflow: WorkflowFieldsFragment; editable: boolean }) {
  const [draft, setDraft] = useState<{ text: string; version: number } | null>(null);
  const [{ fetching }, update] = useMutation(UpdateWorkflow);
  const { problem, setProblem, check } = useProblem();
  const text = definitionYaml(workflow);

  const save = async () => {
    if (!draft) return;
    let input;
    try {
      input = parseDefinition(draft.text);
    } catch (e) {
      if (e instanceof DefinitionError) return setProblem({ text: `Not valid YAML: ${e.message}` });
      throw e;
    }
    const result = await update({ id: workflow.id, input, expectedVersion: draft.version });
    if (check(result, result.data?.updateWorkflow)) setDraft(null);
  };

  return (
    <section aria-label="Definition">
      <div className="toolbar">
        {workflow.managedBy === 'GIT' && (
          <span className="muted">
            From <code>{workflow.sourcePath}</code>
            {workflow.sourceCommit && (
              <>
                {' '}
                at <code>{workflow.sourceCommit.slice(0, 10)}</code>
              </>
            )}
            {editable ? ' (this organization allows edits through the API)' : ': change it in git'}
          </span>
        )}
        {!draft ? (
          <button
            type="button"
            className="button"
            disabled={!editable}
            title={editable ? undefined : 'Managed by git: edit the file instead'}
            onClick={() => setDraft({ text, version: workflow.version })}
          >
            <Pencil size={16} aria-hidden /> Edit
          </button>
        ) : (
          <>
            <button type="button" className="button primary" disabled={fetching} onClick={() => void save()}>
              <Save size={16} aria-hidden /> Save as version {draft.version + 1}
            </button>
            <button
              type="button"
              className="button ghost"
              onClick={() => {
                setDraft(null);
                setProblem(null);
              }}
            >
              Discard
            </button>
          </>
        )}
      </div>
      <MutationError problem={problem} />
      {draft ? (
        <textarea
          className="code-editor"
          aria-label="Definition (YAML)"
          spellCheck={false}
          value={draft.text}
          onChange={(e) => setDraft({ ...draft, text: e.target.value })}
        />
      ) : (
        <pre className="code" data-testid="definition-yaml">
          {text}
        </pre>
      )}
    </section>
  );
}
