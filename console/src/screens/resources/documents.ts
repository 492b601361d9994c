// The organization's resources (environments, data sources, add-ons, models): lists, create,
// update (the whole spec, as a YAML apply) and delete. Secret references are names only; the
// API never returns a secret's value.
import { graphql } from '../../gql';

export const SecretRefFields = graphql(`
  fragment SecretRefFields on SecretRef {
    secret
    k8sSecretName
    k8sSecretKey
    env
    file
    secretName
    secretKey
  }
`);

export const EnvironmentFields = graphql(`
  fragment EnvironmentFields on Environment {
    id
    name
    managedBy
    sourcePath
    updatedAt
    image
    dockerfile
    baseImage
    python {
      version
      packages
    }
    buildStatus
    buildError
    buildLog
    builtImage
  }
`);

export const DataSourceFields = graphql(`
  fragment DataSourceFields on DataSource {
    id
    name
    managedBy
    sourcePath
    updatedAt
    type
    host
    port
    database
    user
    options
    passwordRef {
      ...SecretRefFields
    }
  }
`);

export const AddOnFields = graphql(`
  fragment AddOnFields on AddOn {
    id
    name
    managedBy
    sourcePath
    updatedAt
    type
    endpoint
    config
    credentialsRef {
      ...SecretRefFields
    }
  }
`);

export const ModelFields = graphql(`
  fragment ModelFields on Model {
    id
    name
    managedBy
    sourcePath
    updatedAt
    provider
    model
    baseUrl
    apiKeyRef {
      ...SecretRefFields
    }
  }
`);

export const ResourceLists = graphql(`
  query ResourceLists {
    me {
      organization {
        id
        allowGitOverrides
      }
    }
    environments(first: 100) {
      nodes {
        ...EnvironmentFields
      }
      totalCount
    }
    dataSources(first: 100) {
      nodes {
        ...DataSourceFields
      }
      totalCount
    }
    addOns(first: 100) {
      nodes {
        ...AddOnFields
      }
      totalCount
    }
    models(first: 100) {
      nodes {
        ...ModelFields
      }
      totalCount
    }
  }
`);

export const SecretNames = graphql(`
  query SecretNames {
    secrets(first: 100) {
      nodes {
        id
        name
      }
    }
  }
`);

export const CreateEnvironment = graphql(`
  mutation CreateEnvironment($input: EnvironmentInput!) {
    createEnvironment(input: $input) {
      __typename
      ... on Environment {
        ...EnvironmentFields
      }
      ...ErrorFields
    }
  }
`);

export const UpdateEnvironment = graphql(`
  mutation UpdateEnvironment($id: ID!, $input: EnvironmentInput!) {
    updateEnvironment(id: $id, input: $input) {
      __typename
      ... on Environment {
        ...EnvironmentFields
      }
      ...ErrorFields
    }
  }
`);

export const DeleteEnvironment = graphql(`
  mutation DeleteEnvironment($id: ID!) {
    deleteEnvironment(id: $id) {
      __typename
      ... on ResourceDeleted {
        deletedId
      }
      ...ErrorFields
    }
  }
`);

export const CreateDataSource = graphql(`
  mutation CreateDataSource($input: DataSourceInput!) {
    createDataSource(input: $input) {
      __typename
      ... on DataSource {
        ...DataSourceFields
      }
      ...ErrorFields
    }
  }
`);

export const UpdateDataSource = graphql(`
  mutation UpdateDataSource($id: ID!, $input: DataSourceInput!) {
    updateDataSource(id: $id, input: $input) {
      __typename
      ... on DataSource {
        ...DataSourceFields
      }
      ...ErrorFields
    }
  }
`);

export const DeleteDataSource = graphql(`
  mutation DeleteDataSource($id: ID!) {
    deleteDataSource(id: $id) {
      __typename
      ... on ResourceDeleted {
        deletedId
      }
      ...ErrorFields
    }
  }
`);

export const CreateAddOn = graphql(`
  mutation CreateAddOn($input: AddOnInput!) {
    createAddOn(input: $input) {
      __typename
      ... on AddOn {
        ...AddOnFields
      }
      ...ErrorFields
    }
  }
`);

export const UpdateAddOn = graphql(`
  mutation UpdateAddOn($id: ID!, $input: AddOnInput!) {
    updateAddOn(id: $id, input: $input) {
      __typename
      ... on AddOn {
        ...AddOnFields
      }
      ...ErrorFields
    }
  }
`);

export const DeleteAddOn = graphql(`
  mutation DeleteAddOn($id: ID!) {
    deleteAddOn(id: $id) {
      __typename
      ... on ResourceDeleted {
        deletedId
      }
      ...ErrorFields
    }
  }
`);

export const CreateModel = graphql(`
  mutation CreateModel($input: ModelInput!) {
    createModel(input: $input) {
      __typename
      ... on Model {
        ...ModelFields
      }
      ...ErrorFields
    }
  }
`);

export const UpdateModel = graphql(`
  mutation UpdateModel($id: ID!, $input: ModelInput!) {
    updateModel(id: $id, input: $input) {
      __typename
      ... on Model {
        ...ModelFields
      }
      ...ErrorFields
    }
  }
`);

export const DeleteModel = graphql(`
  mutation DeleteModel($id: ID!) {
    deleteModel(id: $id) {
      __typename
      ... on ResourceDeleted {
        deletedId
      }
      ...ErrorFields
    }
  }
`);

export const EnvironmentLive = graphql(`
  subscription EnvironmentLive($id: ID!) {
    environmentUpdated(environmentId: $id) {
      __typename
      ... on EnvironmentEvent {
        kind
        cursor
        buildStatus
        buildError
        logTail
      }
    }
  }
`);
