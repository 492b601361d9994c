import { expect, test } from 'vitest';
import { DEFAULTS, deployInput, initialForm } from './deploySettings';
import { parseRunInput } from './dialogs';

test("the Deploy dialog starts from the seed's defaults", () => {
  expect(initialForm(null, false)).toEqual(DEFAULTS);
  expect(deployInput(DEFAULTS)).toEqual({
    environmentId: 'custom',
    cpu: 0.5,
    memory: '1Gi',
    disk: '5Gi',
    gpu: 0,
    gpuType: null,
    autoscale: null,
  });
});

test('autoscale bounds go only with autoscale on; an unreadable bound is sent as -1', () => {
  expect(deployInput({ ...DEFAULTS, minReplicas: '2' }).autoscale).toBeNull();
  expect(deployInput({ ...DEFAULTS, autoscale: true, minReplicas: '0', maxReplicas: '5' }).autoscale).toEqual({ min: 0, max: 5 });
  expect(deployInput({ ...DEFAULTS, autoscale: true, minReplicas: '', maxReplicas: 'x' }).autoscale).toEqual({ min: -1, max: -1 });
  const saved = { environment: 'custom', cpu: 0.5, memory: '1Gi', disk: '5Gi', gpu: 0, autoscale: { min: 0, max: 7 } };
  expect(initialForm(saved, false)).toMatchObject({ autoscale: true, minReplicas: '0', maxReplicas: '7' });
});

test('it starts from the saved settings, and force redeploy is on for a deployed workflow', () => {
  const form = initialForm({ environment: 'ml', cpu: 2, memory: '4Gi', disk: '20Gi', gpu: 1, gpuType: 'nvidia-a100' }, true);
  expect(form).toMatchObject({ environment: 'ml', cpu: '2', gpu: '1', gpuType: 'nvidia-a100', force: true });
  expect(deployInput(form).gpuType).toBe('nvidia-a100');
});

test('a GPU type goes with at least one GPU only', () => {
  expect(deployInput({ ...DEFAULTS, gpu: '0', gpuType: 'nvidia-a100' }).gpuType).toBeNull();
  expect(deployInput({ ...DEFAULTS, gpu: '2', gpuType: ' t4 ' })).toMatchObject({ gpu: 2, gpuType: 't4' });
});

test('a run input is JSON or nothing', () => {
  expect(parseRunInput('  ')).toEqual({ value: null });
  expect(parseRunInput('{"name": "Ada"}')).toEqual({ value: { name: 'Ada' } });
  expect(parseRunInput('{name}')).toMatchObject({ error: expect.stringMatching(/^The input is not JSON/) });
});
