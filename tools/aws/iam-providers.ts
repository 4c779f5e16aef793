import {
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
  ListSAMLProvidersCommand,
  ListServerCertificatesCommand,
  type OpenIDConnectProviderListEntry,
  type SAMLProviderListEntry,
  type ServerCertificateMetadata,
} from "@aws-sdk/client-iam";
import { tagMap } from "./collector.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

function iso(date: Date | undefined): string | null {
  return date ? date.toISOString() : null;
}

/** The last part of a provider ARN (`arn:aws:iam::1:saml-provider/okta` → `okta`). */
function providerName(arn: string | undefined): string | undefined {
  return arn?.split("/").slice(1).join("/") || undefined;
}

/**
 * Server certificates stored in IAM (the certificate store of CloudFront and load balancers where ACM is not
 * used). The listing carries everything the checks need (upload date, expiry); the body and key are not read.
 */
const serverCertificates = resource({
  resourceType: "AWS::IAM::ServerCertificate",
  client: "iam",
  list: {
    action: "iam:ListServerCertificates",
    command: ListServerCertificatesCommand,
    paging: { input: "Marker", output: "Marker" },
    items: (page) => page.ServerCertificateMetadataList,
  },
  // The name, unique in the account, rather than ServerCertificateId: moto answers one fixed id for every
  // certificate, which would merge them into one item.
  id: (c: ServerCertificateMetadata) => c.ServerCertificateName,
  arn: (c, ctx) =>
    c.Arn ??
    `arn:${ctx.partition}:iam::${ctx.accountId}:server-certificate${c.Path ?? "/"}${c.ServerCertificateName}`,
  configuration: (c) => ({
    serverCertificateName: c.ServerCertificateName ?? null,
    serverCertificateId: c.ServerCertificateId ?? null,
    arn: c.Arn ?? null,
    path: c.Path ?? "/",
    uploadDate: iso(c.UploadDate),
    expiration: iso(c.Expiration),
  }),
});

/** SAML 2.0 identity providers; `validUntil` is the expiry IAM read from the provider's metadata document. */
const samlProviders = resource({
  resourceType: "AWS::IAM::SAMLProvider",
  client: "iam",
  list: {
    action: "iam:ListSAMLProviders",
    command: ListSAMLProvidersCommand,
    items: (page) => page.SAMLProviderList,
  },
  id: (p: SAMLProviderListEntry) => p.Arn,
  name: (p) => providerName(p.Arn),
  arn: (p) => p.Arn!,
  configuration: (p) => ({
    name: providerName(p.Arn) ?? null,
    arn: p.Arn ?? null,
    createDate: iso(p.CreateDate),
    validUntil: iso(p.ValidUntil),
  }),
});

/**
 * OpenID Connect identity providers (GitHub Actions, EKS clusters, …): the listing names them, one call per
 * provider reads its URL, audiences (client ids), TLS thumbprints and tags.
 */
const oidcProviders = resource({
  resourceType: "AWS::IAM::OIDCProvider",
  client: "iam",
  list: {
    action: "iam:ListOpenIDConnectProviders",
    command: ListOpenIDConnectProvidersCommand,
    items: (page) => page.OpenIDConnectProviderList,
  },
  id: (p: OpenIDConnectProviderListEntry) => p.Arn,
  name: (p) => providerName(p.Arn),
  arn: (p) => p.Arn!,
  configuration: (p) => ({ arn: p.Arn ?? null, name: providerName(p.Arn) ?? null }),
  details: [
    detail({
      key: "provider",
      action: "iam:GetOpenIDConnectProvider",
      command: GetOpenIDConnectProviderCommand,
      input: (p: OpenIDConnectProviderListEntry) => ({ OpenIDConnectProviderArn: p.Arn }),
      pick: (answer) => ({
        // IAM answers the URL without its scheme (`token.actions.githubusercontent.com`): it only takes https.
        url: answer.Url ?? null,
        clientIdList: answer.ClientIDList ?? [],
        thumbprintList: answer.ThumbprintList ?? [],
        createDate: iso(answer.CreateDate),
        tags: tagMap(answer.Tags),
      }),
    }),
  ],
});

/** The IAM resources the hand-written IAM collector (iam.ts) runs as specs, as part of the `iam` service. */
export const iamProvidersSpec: ServiceSpec = {
  service: "iam",
  global: true,
  resources: [serverCertificates, samlProviders, oidcProviders],
};

export const iamProvidersCollector = specCollector(iamProvidersSpec);
