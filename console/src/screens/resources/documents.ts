// The organization's resources (environments, data sources, add-ons, models): lists, create
// and delete. Secret references are names only; the API never returns a secret's value.
import { graphql } from '../../gql';

export const ResourceLists = graphql(`
  query ResourceLists {
    environments(first: 100) {
      nodes {
        id
        name
        managedBy
        sourcePath
        updatedAt
        image
        dockerfile
        baseImage
        buildStatus
        buildError
        builtImage
      }
    }
    dataSources(first: 100) {
      nodes {
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
        passwordRef {
          env
          file
          secretName
          secretKey
        }
      }
    }
    addOns(first: 100) {
      nodes {
        id
        name
        managedBy
        sourcePath
        updatedAt
        type
        endpoint
        credentialsRef {
          env
          file
          secretName
          secretKey
        }
      }
    }
    models(first: 100) {
      nodes {
        id
        name
        managedBy
        sourcePath
        updatedAt
        provider
        model
        baseUrl
        apiKeyRef {
          env
          file
          secretName
          secretKey
        }
      }
    }
  }
`);

export const CreateEnvironment = graphql(`
  mutation CreateEnvironment($input: EnvironmentInput!) {
    createEnvironment(input: $input) {
      __typename
      ... on Environment {
        id
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
        id
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
        id
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
        id
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
