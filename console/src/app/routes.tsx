// Every screen of the console: adding one is a component in src/screens/ and a line here.
import type { ComponentType } from 'react';
import { ExecutionDetailScreen } from '../screens/ExecutionDetail';
import { ExecutionsScreen } from '../screens/Executions';
import { ResourcesScreen } from '../screens/Resources';
import { SecretsScreen } from '../screens/Secrets';
import { SettingsScreen } from '../screens/Settings';
import { SyncScreen } from '../screens/Sync';
import { TemplatesScreen } from '../screens/Templates';
import { WorkflowDetailScreen } from '../screens/WorkflowDetail';
import { WorkflowsScreen } from '../screens/Workflows';

export interface ScreenRoute {
  path: string;
  component: ComponentType;
  /** Shown in the navigation bar when set. */
  nav?: string;
}

export const routes: ScreenRoute[] = [
  { path: '/workflows', component: WorkflowsScreen, nav: 'Workflows' },
  { path: '/workflows/:id', component: WorkflowDetailScreen },
  { path: '/templates', component: TemplatesScreen, nav: 'Templates' },
  { path: '/executions', component: ExecutionsScreen, nav: 'Executions' },
  { path: '/executions/:id', component: ExecutionDetailScreen },
  { path: '/resources', component: ResourcesScreen, nav: 'Resources' },
  { path: '/secrets', component: SecretsScreen, nav: 'Secrets' },
  { path: '/sync', component: SyncScreen, nav: 'Sync' },
  { path: '/settings', component: SettingsScreen, nav: 'Settings' },
];
