/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query CacheTestList {\n    workflows(first: 10) {\n      edges {\n        node {\n          id\n          name\n          status\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.CacheTestListDocument,
    "\n  mutation CacheTestPause($id: ID!) {\n    pauseWorkflow(workflowId: $id) {\n      __typename\n      ... on Workflow {\n        id\n        status\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.CacheTestPauseDocument,
    "\n  query WhoAmI {\n    me {\n      user {\n        handle\n        displayName\n      }\n      organization {\n        id\n        slug\n        name\n      }\n    }\n  }\n": typeof types.WhoAmIDocument,
    "\n  mutation RedeemSignInCode($code: String!) {\n    redeemSignInCode(code: $code) {\n      __typename\n      ... on SignInCodeRedeemed {\n        token\n        expiresAt\n        user {\n          handle\n          displayName\n        }\n        organization {\n          id\n          slug\n          name\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.RedeemSignInCodeDocument,
    "\n  query Workflows($filter: WorkflowFilter, $first: Int, $after: Cursor) {\n    workflows(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          name\n          description\n          status\n          version\n          managedBy\n          sourcePath\n          syncStatus\n          syncError\n          tags\n          deploymentPhase\n          deploymentError\n          updatedAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.WorkflowsDocument,
};
const documents: Documents = {
    "\n  query CacheTestList {\n    workflows(first: 10) {\n      edges {\n        node {\n          id\n          name\n          status\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.CacheTestListDocument,
    "\n  mutation CacheTestPause($id: ID!) {\n    pauseWorkflow(workflowId: $id) {\n      __typename\n      ... on Workflow {\n        id\n        status\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.CacheTestPauseDocument,
    "\n  query WhoAmI {\n    me {\n      user {\n        handle\n        displayName\n      }\n      organization {\n        id\n        slug\n        name\n      }\n    }\n  }\n": types.WhoAmIDocument,
    "\n  mutation RedeemSignInCode($code: String!) {\n    redeemSignInCode(code: $code) {\n      __typename\n      ... on SignInCodeRedeemed {\n        token\n        expiresAt\n        user {\n          handle\n          displayName\n        }\n        organization {\n          id\n          slug\n          name\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.RedeemSignInCodeDocument,
    "\n  query Workflows($filter: WorkflowFilter, $first: Int, $after: Cursor) {\n    workflows(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          name\n          description\n          status\n          version\n          managedBy\n          sourcePath\n          syncStatus\n          syncError\n          tags\n          deploymentPhase\n          deploymentError\n          updatedAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.WorkflowsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CacheTestList {\n    workflows(first: 10) {\n      edges {\n        node {\n          id\n          name\n          status\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query CacheTestList {\n    workflows(first: 10) {\n      edges {\n        node {\n          id\n          name\n          status\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CacheTestPause($id: ID!) {\n    pauseWorkflow(workflowId: $id) {\n      __typename\n      ... on Workflow {\n        id\n        status\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CacheTestPause($id: ID!) {\n    pauseWorkflow(workflowId: $id) {\n      __typename\n      ... on Workflow {\n        id\n        status\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WhoAmI {\n    me {\n      user {\n        handle\n        displayName\n      }\n      organization {\n        id\n        slug\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query WhoAmI {\n    me {\n      user {\n        handle\n        displayName\n      }\n      organization {\n        id\n        slug\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RedeemSignInCode($code: String!) {\n    redeemSignInCode(code: $code) {\n      __typename\n      ... on SignInCodeRedeemed {\n        token\n        expiresAt\n        user {\n          handle\n          displayName\n        }\n        organization {\n          id\n          slug\n          name\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RedeemSignInCode($code: String!) {\n    redeemSignInCode(code: $code) {\n      __typename\n      ... on SignInCodeRedeemed {\n        token\n        expiresAt\n        user {\n          handle\n          displayName\n        }\n        organization {\n          id\n          slug\n          name\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Workflows($filter: WorkflowFilter, $first: Int, $after: Cursor) {\n    workflows(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          name\n          description\n          status\n          version\n          managedBy\n          sourcePath\n          syncStatus\n          syncError\n          tags\n          deploymentPhase\n          deploymentError\n          updatedAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Workflows($filter: WorkflowFilter, $first: Int, $after: Cursor) {\n    workflows(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          name\n          description\n          status\n          version\n          managedBy\n          sourcePath\n          syncStatus\n          syncError\n          tags\n          deploymentPhase\n          deploymentError\n          updatedAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;