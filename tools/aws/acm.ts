import {
  type CertificateSummary,
  DescribeCertificateCommand,
  KeyAlgorithm,
  ListCertificatesCommand,
} from "@aws-sdk/client-acm";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

/**
 * ListCertificates answers only RSA_1024 and RSA_2048 certificates unless asked for other key types; asking for
 * every type is what makes 3072/4096-bit RSA and EC certificates visible at all.
 */
const ALL_KEY_TYPES = Object.values(KeyAlgorithm);

/**
 * ACM certificates of the region, of every key type and status. The listing's summary carries type, status, key
 * algorithm, validity, whether the certificate is in use and its renewal eligibility; per certificate,
 * DescribeCertificate adds what uses it, its transparency logging preference, the managed renewal state and why a
 * request failed.
 */
const certificates = resource({
  resourceType: "AWS::ACM::Certificate",
  client: "acm",
  list: {
    action: "acm:ListCertificates",
    command: ListCertificatesCommand,
    input: { Includes: { keyTypes: ALL_KEY_TYPES } },
    paging: { input: "NextToken", output: "NextToken" },
    items: (page) => page.CertificateSummaryList,
  },
  id: (c: CertificateSummary) => c.CertificateArn,
  name: (c) => c.DomainName ?? c.CertificateArn,
  arn: (c) => c.CertificateArn!,
  configuration: (c) => ({
    type: null,
    status: null,
    keyAlgorithm: null,
    notAfter: null,
    inUse: null,
    renewalEligibility: null,
    ...lowerCamelKeys(c),
  }),
  details: [
    detail({
      key: "certificate",
      action: "acm:DescribeCertificate",
      command: DescribeCertificateCommand,
      input: (c: CertificateSummary) => ({ CertificateArn: c.CertificateArn }),
      pick: (answer) => {
        const c = answer.Certificate ?? {};
        return {
          inUseBy: c.InUseBy ?? [],
          issuer: c.Issuer ?? null,
          signatureAlgorithm: c.SignatureAlgorithm ?? null,
          failureReason: c.FailureReason ?? null,
          revocationReason: c.RevocationReason ?? null,
          certificateTransparencyLoggingPreference:
            c.Options?.CertificateTransparencyLoggingPreference ?? null,
          renewalStatus: c.RenewalSummary?.RenewalStatus ?? null,
          renewalStatusReason: c.RenewalSummary?.RenewalStatusReason ?? null,
          certificateAuthorityArn: c.CertificateAuthorityArn ?? null,
        };
      },
    }),
  ],
});

export const acmSpec: ServiceSpec = { service: "acm", global: false, resources: [certificates] };

/** AWS Certificate Manager per region: certificates of every key type with their usage and renewal state. */
export const acmCollector = specCollector(acmSpec);
